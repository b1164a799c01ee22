#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A kube-apiserver test peer for dranet's API client (Python 3 standard library only).

    apiserver.py --port 0 --tls-dir DIR [--state-file FILE] [--admin-port 0]
                 [--versions all|v1|v1beta1|v1,v1beta2] [--rbac FILE] [--no-schema] ...

Serves HTTPS on 127.0.0.1 (TLS from DIR, made by mkcerts.sh when missing), client
certificate (CN = user, O = groups) and bearer token (kube-apiserver's --token-auth-file
CSV, re-read on every request) authentication, discovery, ResourceSlices, ResourceClaims
(+status with server-side apply), DeviceClasses, Nodes, Pods and Events, list/watch with
bookmarks and 410 expiry, the API server's validation limits with its 422 Status bodies,
RBAC from ClusterRole files (403), and a plain-HTTP control interface on 127.0.0.1 for
tests (faults, counters, objects behind the client's back). Written from
../shared/reference/protocols.md §5 and the API conventions, not from our lib/.
On start it prints one JSON line (url, port, admin, kubeconfig, ...) to stdout and writes
the same object to --state-file. See README.md next to it.
"""
import argparse
import base64
import bisect
import copy
import csv
import datetime
import fcntl
import http.server
import io
import ipaddress
import json
import os
import random
import re
import secrets
import select
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
MISSING = object()
ADMIN_GROUP = "system:masters"
SA_USER = "system:serviceaccount:kube-system:dranet"
SA_GROUPS = ["system:serviceaccounts", "system:serviceaccounts:kube-system"]
ALL_RESOURCE_VERSIONS = ["v1", "v1beta2", "v1beta1"]


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ------------------------------------------------------------------ resources

class Res:
    def __init__(self, group, plural, kind, namespaced, verbs, subresources=(), fields=(),
                 versions=None, short=None):
        self.group, self.plural, self.kind = group, plural, kind
        self.namespaced, self.verbs = namespaced, verbs
        self.subresources = set(subresources)
        self.fields = set(fields) | {"metadata.name", "metadata.namespace"}
        self.versions = versions  # None: the resource.k8s.io versions served
        self.singular = kind.lower()

    @property
    def qualified(self):  # schema.GroupResource.String()
        return self.plural + ("." + self.group if self.group else "")

    @property
    def qualified_kind(self):  # schema.GroupKind.String()
        return self.kind + ("." + self.group if self.group else "")


RW = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
RESOURCES = [
    Res("", "nodes", "Node", False, RW, ["status"], ["spec.unschedulable"], ["v1"]),
    Res("", "pods", "Pod", True, RW, ["status"], ["spec.nodeName", "status.phase"], ["v1"]),
    Res("", "events", "Event", True, RW, [], ["involvedObject.name", "reason", "type"], ["v1"]),
    Res("events.k8s.io", "events", "Event", True, RW, [], ["regarding.name", "reason", "type"], ["v1"]),
    Res("resource.k8s.io", "deviceclasses", "DeviceClass", False, RW),
    Res("resource.k8s.io", "resourceclaims", "ResourceClaim", True, RW, ["status"]),
    Res("resource.k8s.io", "resourceslices", "ResourceSlice", False, RW, [],
        ["spec.nodeName", "spec.driver"]),
]
RES_BY_KEY = {(r.group, r.plural): r for r in RESOURCES}

# List-maps (listType=map) and their keys, by path of field names ('*' = a list item);
# every other list is atomic (replaced as a whole), every object is merged by field.
LIST_MAPS = {
    ("metadata", "ownerReferences"): ["uid"],
    ("status", "devices"): ["driver", "device", "pool", "shareID"],
    ("status", "devices", "*", "conditions"): ["type"],
    ("status", "reservedFor"): ["uid"],
    ("status", "conditions"): ["type"],
    ("status", "addresses"): ["type", "address"],
}
# Fields the field manager never tracks (StripMeta).
UNTRACKED = {("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace"),
             ("metadata", "uid"), ("metadata", "resourceVersion"), ("metadata", "generation"),
             ("metadata", "creationTimestamp"), ("metadata", "managedFields"),
             ("metadata", "selfLink"), ("metadata", "deletionTimestamp")}


# The JSON of an empty Go object of the type, less kind/apiVersion/metadata (bookmarks).
EMPTY_OBJECT = {
    "resourceslices": {"spec": {"driver": "", "pool": {"name": "", "generation": 0, "resourceSliceCount": 0}}},
    "resourceclaims": {"spec": {"devices": {}}, "status": {}},
    "deviceclasses": {"spec": {}},
    "nodes": {"spec": {}, "status": {"daemonEndpoints": {"kubeletEndpoint": {"Port": 0}}, "nodeInfo": {
        "machineID": "", "systemUUID": "", "bootID": "", "kernelVersion": "", "osImage": "",
        "containerRuntimeVersion": "", "kubeletVersion": "", "kubeProxyVersion": "", "operatingSystem": "",
        "architecture": ""}}},
    "pods": {"spec": {"containers": None}, "status": {}},
}


class ApiError(Exception):
    """A Status answer."""

    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message
        self.details, self.headers = details, headers or {}

    def status(self):
        s = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
             "message": self.message, "reason": self.reason}
        if self.details is not None:
            s["details"] = self.details
        s["code"] = self.code
        return s


def gr_details(res, name):
    d = {}
    if name:
        d["name"] = name
    if res.group:
        d["group"] = res.group
    d["kind"] = res.plural
    return d


def not_found(res, name):
    return ApiError(404, "NotFound", '%s "%s" not found' % (res.qualified, name), gr_details(res, name))


def already_exists(res, name):
    return ApiError(409, "AlreadyExists", '%s "%s" already exists' % (res.qualified, name),
                    gr_details(res, name))


def conflict(res, name, why):
    return ApiError(409, "Conflict", 'Operation cannot be fulfilled on %s "%s": %s'
                    % (res.qualified, name, why), gr_details(res, name))


def bad_request(msg):
    return ApiError(400, "BadRequest", msg)


def unknown_path():
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


# ------------------------------------------------------------------ field errors (422)

def fmt_value(v):
    if isinstance(v, RawValue):
        return str(v)
    if v is None:
        return "null"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    return json.dumps(v, separators=(",", ":"))


class FieldErrors:
    """k8s.io/apimachinery/pkg/util/validation/field: error types, bodies and paths."""

    def __init__(self):
        self.errs = []  # (reason, field, body)

    def add(self, reason, field, body):
        self.errs.append((reason, field, body))

    def required(self, f, detail=""):
        self.add("FieldValueRequired", f, "Required value" + (": " + detail if detail else ""))

    def invalid(self, f, value, detail):
        self.add("FieldValueInvalid", f, "Invalid value: %s: %s" % (fmt_value(value), detail))

    def too_long(self, f, maxlen):
        self.add("FieldValueTooLong", f, "Too long: may not be more than %d bytes" % maxlen)

    def too_many(self, f, n, maxn):
        self.add("FieldValueTooMany", f, "Too many: %d: must have at most %d items" % (n, maxn))

    def duplicate(self, f, value):
        self.add("FieldValueDuplicate", f, "Duplicate value: %s" % fmt_value(value))

    def not_supported(self, f, value, allowed):
        self.add("FieldValueNotSupported", f, "Unsupported value: %s: supported values: %s"
                 % (fmt_value(value), ", ".join(json.dumps(a) for a in allowed)))

    def forbidden(self, f, detail):
        self.add("FieldValueForbidden", f, "Forbidden: " + detail)

    def raise_if_any(self, res, name):
        if not self.errs:
            return
        msgs = []
        for _, f, b in self.errs:  # utilerrors.Aggregate: duplicates once
            m = "%s: %s" % (f, b) if f else b
            if m not in msgs:
                msgs.append(m)
        agg = msgs[0] if len(msgs) == 1 else "[" + ", ".join(msgs) + "]"
        details = {"name": name}
        if res.group:
            details["group"] = res.group
        details["kind"] = res.kind
        details["causes"] = [{"reason": r, "message": b, "field": f} for r, f, b in self.errs]
        raise ApiError(422, "Invalid", '%s "%s" is invalid: %s' % (res.qualified_kind, name, agg),
                       details)


DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
C_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
                    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$")
QUANTITY = re.compile(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")
QUANTITY_STRICT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$")
K8S_QUALIFIED = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                           r"([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$")
REASON = re.compile(r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$")
MSG_LABEL = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
             "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
             "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
MSG_SUBDOMAIN = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                 "'-' or '.', and must start and end with an alphanumeric character (e.g. "
                 "'example.com', regex used for validation is "
                 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
MSG_CIDENT = ("a valid C identifier must start with alphabetic character or '_', followed by a "
              "string of alphanumeric characters or '_' (e.g. 'my_name',  or 'MY_NAME',  or "
              "'MyName', regex used for validation is '[A-Za-z_][A-Za-z0-9_]*')")


def subdomain_msgs(v):  # validation.IsDNS1123Subdomain
    out = []
    if len(v) > 253:
        out.append("must be no more than 253 characters")
    if not DNS1123_SUBDOMAIN.match(v):
        out.append(MSG_SUBDOMAIN)
    return out


def label_msgs(v):  # validation.IsDNS1123Label
    out = []
    if len(v) > 63:
        out.append("must be no more than 63 characters")
    if not DNS1123_LABEL.match(v):
        out.append(MSG_LABEL)
    return out


def check_subdomain(fe, f, v):
    for m in subdomain_msgs(v):
        fe.invalid(f, v, m)


def check_label(fe, f, v):  # corevalidation.ValidateDNS1123Label: "" is invalid, not required
    for m in label_msgs(v):
        fe.invalid(f, v, m)


def check_driver_name(fe, f, v):  # corevalidation.ValidateCSIDriverName (upper case is allowed)
    if not v:
        fe.required(f)
    if len(v) > 63:
        fe.too_long(f, 63)
    for m in subdomain_msgs(v.lower()):
        fe.invalid(f, v, m)


def check_pool_name(fe, f, v):
    if not v:
        fe.required(f)
        return
    if len(v) > 253:
        fe.too_long(f, 253)
    for part in v.split("/"):
        check_subdomain(fe, f, part)


def check_c_identifier(fe, f, v):
    if len(v) > 32:
        fe.too_long(f, 32)
    if not C_IDENT.match(v):
        fe.invalid(f, v, MSG_CIDENT)


def check_qualified_name(fe, f, key):
    parts = key.split("/")
    if len(parts) == 1:
        check_c_identifier(fe, f, parts[0])
    elif len(parts) == 2:  # (more than one '/' is accepted: upstream's TODO)
        if not parts[0]:
            fe.invalid(f, "", "the domain must not be empty")
        else:
            check_driver_name(fe, f, parts[0])
        if not parts[1]:
            fe.invalid(f, "", "the name must not be empty")
        else:
            check_c_identifier(fe, f, parts[1])


def map_key_path(base, key, maxlen=63 + 1 + 32):
    """fldPath.Key(truncateIfTooLong(key, 96)) as validateMap writes it."""
    if len(key) > maxlen:
        rem = maxlen - 3
        key = key[:(rem + 1) // 2] + "..." + key[len(key) - rem // 2:]
    return "%s[%s]" % (base, key)


def go_struct(name, d):
    """An approximation of Go's %#v for a struct value in an error message."""
    return name + "{" + ", ".join("%s:%s" % (k[:1].upper() + k[1:] + "Value", json.dumps(v))
                                  for k, v in d.items()) + "}"


def check_meta(fe, obj, namespaced):
    md = obj.get("metadata") or {}
    name = md.get("name", "")
    if not name:
        fe.required("metadata.name", "name or generateName is required")
    else:
        check_subdomain(fe, "metadata.name", name)
    if namespaced and not md.get("namespace"):
        fe.required("metadata.namespace")
    for f in ("labels", "annotations"):
        for k, v in (md.get(f) or {}).items():
            if not isinstance(v, str):
                fe.invalid("metadata.%s" % f, v, "must be a string")


class DecodeError(Exception):
    pass


def expect_type(v, t, path, gotype):
    ok = isinstance(v, t) and not (t is int and isinstance(v, bool))
    if not ok:  # (Go does not put 1500.0 into an int64 either)
        jt = {str: "string", bool: "bool", int: "number", float: "number %r" % v, dict: "object",
              list: "array", type(None): "null"}.get(type(v), "value")
        if v is None:
            return
        raise DecodeError("json: cannot unmarshal %s into Go struct field %s of type %s"
                          % (jt, path, gotype))


def decode_slice(doc):
    """The type checks the Go JSON decoder would make (→ 400 BadRequest)."""
    spec = doc.get("spec")
    if spec is None:
        return
    expect_type(spec, dict, "ResourceSlice.spec", "v1.ResourceSliceSpec")
    pool = spec.get("pool")
    if pool is not None:
        expect_type(pool, dict, "ResourceSliceSpec.spec.pool", "v1.ResourcePool")
        for k in ("generation", "resourceSliceCount"):
            if k in pool:
                expect_type(pool[k], int, "ResourcePool.spec.pool.%s" % k, "int64")
    for k in ("driver", "nodeName"):
        if k in spec:
            expect_type(spec[k], str, "ResourceSliceSpec.spec.%s" % k, "string")
    for k in ("allNodes", "perDeviceNodeSelection"):
        if k in spec:
            expect_type(spec[k], bool, "ResourceSliceSpec.spec.%s" % k, "bool")
    if "nodeSelector" in spec:
        expect_type(spec["nodeSelector"], dict, "ResourceSliceSpec.spec.nodeSelector", "v1.NodeSelector")
    if pool is not None and "name" in pool:
        expect_type(pool["name"], str, "ResourcePool.spec.pool.name", "string")
    devs = spec.get("devices")
    if devs is None:
        return
    expect_type(devs, list, "ResourceSliceSpec.spec.devices", "[]v1.Device")
    for d in devs:
        expect_type(d, dict, "ResourceSliceSpec.spec.devices", "v1.Device")
        if "name" in d:
            expect_type(d["name"], str, "Device.spec.devices.name", "string")
        for holder in (d, d.get("basic") if isinstance(d.get("basic"), dict) else {}):
            attrs = holder.get("attributes")
            if attrs is not None:
                expect_type(attrs, dict, "Device.spec.devices.attributes", "map")
                for v in attrs.values():
                    expect_type(v, dict, "Device.spec.devices.attributes", "v1.DeviceAttribute")
                    for k, t, gt in (("int", int, "int64"), ("bool", bool, "bool"),
                                     ("string", str, "string"), ("version", str, "string")):
                        if k in v:
                            expect_type(v[k], t, "DeviceAttribute.spec.devices.attributes.%s" % k, gt)
            caps = holder.get("capacity")
            if caps is not None:
                expect_type(caps, dict, "Device.spec.devices.capacity", "map")
                for v in caps.values():
                    expect_type(v, dict, "Device.spec.devices.capacity", "v1.DeviceCapacity")
                    q = v.get("value")
                    if isinstance(q, (int, float)) and not isinstance(q, bool):
                        q = str(q)
                    if not isinstance(q, str) or not QUANTITY.match(q) or not QUANTITY_STRICT.match(q):
                        raise DecodeError("quantities must match the regular expression "
                                          "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")


def validate_slice(obj, old, fe):
    """pkg/apis/resource/validation: ValidateResourceSlice(Update), for the internal (v1) shape."""
    if old is None:
        check_meta(fe, obj, False)
    spec = obj.get("spec") or {}
    check_driver_name(fe, "spec.driver", spec.get("driver", ""))
    pool = spec.get("pool") or {}
    check_pool_name(fe, "spec.pool.name", pool.get("name", ""))
    cnt = pool.get("resourceSliceCount", 0)
    if cnt <= 0:
        fe.invalid("spec.pool.resourceSliceCount", cnt, "must be greater than zero")
    gen = pool.get("generation", 0)
    if gen < 0:
        fe.invalid("spec.pool.generation", gen, "must be greater than or equal to zero")
    if old is not None:
        ospec = old.get("spec") or {}
        for f, new, was in (("spec.pool.name", pool.get("name"), (ospec.get("pool") or {}).get("name")),
                            ("spec.driver", spec.get("driver"), ospec.get("driver")),
                            ("spec.nodeName", spec.get("nodeName"), ospec.get("nodeName"))):
            if new != was:
                fe.invalid(f, new, "field is immutable")
    sel = []
    if spec.get("nodeName") is not None:  # v1beta1's "" was dropped by the conversion
        if spec["nodeName"] != "":
            sel.append("`nodeName`")
            check_subdomain(fe, "spec.nodeName", spec["nodeName"])
        else:
            fe.invalid("spec.nodeName", "", "must be either unset or set to a non-empty string")
    if spec.get("nodeSelector") is not None:
        sel.append("`nodeSelector`")
        terms = spec["nodeSelector"].get("nodeSelectorTerms") or []
        if len(terms) != 1:
            fe.invalid("spec.nodeSelector.nodeSelectorTerms", terms, "must have exactly one node selector term")
    for f in ("allNodes", "perDeviceNodeSelection"):
        if spec.get(f) is not None:
            if spec[f]:
                sel.append("`%s`" % f)
            else:
                fe.invalid("spec." + f, False, "must be either unset or set to true")
    one_of = "exactly one of `nodeName`, `nodeSelector`, `allNodes`, `perDeviceNodeSelection` is required"
    if not sel:
        fe.required("spec", one_of)
    elif len(sel) > 1:
        fe.invalid("spec", "{%s}" % ", ".join(sel), one_of + ", but multiple fields are set")
    if spec.get("sharedCounters") is not None and spec.get("devices") is not None:
        fe.invalid("spec", "", "only one of `sharedCounters` or `devices` is allowed")
    devs = spec.get("devices") or []
    advanced = any(d.get("taints") or d.get("consumesCounters") for d in devs if isinstance(d, dict))
    maxdev = 64 if advanced else 128
    if len(devs) > maxdev:
        fe.too_many("spec.devices", len(devs), maxdev)  # short-circuits: no per-device errors
        return
    per_device = bool(spec.get("perDeviceNodeSelection"))
    for i, d in enumerate(devs):
        validate_device(fe, "spec.devices[%d]" % i, d, per_device)
    seen = set()
    for i, d in enumerate(devs):
        if d.get("name") in seen:
            fe.duplicate("spec.devices[%d]" % i, d.get("name"))
        seen.add(d.get("name"))


def validate_device(fe, dp, d, per_device):
    check_label(fe, dp + ".name", d.get("name", ""))
    attrs = d.get("attributes") or {}
    caps = d.get("capacity") or {}
    n = len(attrs) + len(caps)
    if n > 32:
        fe.invalid(dp, n, "the total number of attributes and capacities must not exceed 32")
    for key, v in attrs.items():
        ap = map_key_path(dp + ".attributes", key)
        check_qualified_name(fe, ap, key)
        vals = [k for k in ("bool", "int", "string", "version") if v.get(k) is not None]
        s = v.get("string")
        if isinstance(s, str) and len(s.encode()) > 64:
            fe.too_long(ap + ".string", 64)
        ver = v.get("version")
        if isinstance(ver, str):
            if not SEMVER.match(ver):
                fe.invalid(ap + ".version", ver, "must be a string compatible with semver.org spec 2.0.0")
            if len(ver.encode()) > 64:
                fe.too_long(ap + ".version", 64)
        if not vals:
            fe.invalid(ap, "", "exactly one value must be specified")
        elif len(vals) > 1:
            fe.invalid(ap, RawValue(go_struct("resource.DeviceAttribute", v)), "exactly one value must be specified")
    for key, v in caps.items():
        cp = map_key_path(dp + ".capacity", key)
        check_qualified_name(fe, cp, key)
        if v.get("requestPolicy") is not None and not d.get("allowMultipleAllocations"):
            fe.forbidden(cp + ".requestPolicy", "allowMultipleAllocations must be true")
    taints = d.get("taints") or []
    if len(taints) > 16:
        fe.too_many(dp + ".taints", len(taints), 16)
    if per_device:
        sel = []
        if d.get("nodeName") is not None:
            if d["nodeName"]:
                sel.append("`nodeName`")
                check_subdomain(fe, dp + ".nodeName", d["nodeName"])
            else:
                fe.invalid(dp + ".nodeName", "", "must not be empty")
        if d.get("nodeSelector") is not None:
            sel.append("`nodeSelector`")
        if d.get("allNodes") is not None:
            if d["allNodes"]:
                sel.append("`allNodes`")
            else:
                fe.invalid(dp + ".allNodes", False, "must be either unset or set to true")
        msg = ("exactly one of `nodeName`, `nodeSelector`, or `allNodes` is required when "
               "`perDeviceNodeSelection` is set to true in the ResourceSlice spec")
        if not sel:
            fe.required(dp, msg)
        elif len(sel) > 1:
            fe.invalid(dp, "{%s}" % ", ".join(sel), msg)
    elif any(d.get(f) is not None for f in ("nodeName", "nodeSelector", "allNodes")):
        fe.invalid(dp, None, "`nodeName`, `nodeSelector` and `allNodes` can only be set if "
                   "`perDeviceNodeSelection` is set to true in the ResourceSlice spec")


class RawValue(str):
    """A bad value printed as is (Go's %#v of a struct), not quoted."""


def shared_device_id(d):
    base = "%s/%s/%s" % (d.get("driver", ""), d.get("pool", ""), d.get("device", ""))
    return base + ("/" + d["shareID"] if d.get("shareID") else "")


def validate_claim_status(obj, old, fe):
    """validateResourceClaimStatusUpdate: reservedFor, devices (KEP-4817), allocation."""
    st = obj.get("status") or {}
    ost = (old or {}).get("status") or {}
    alloc = st.get("allocation")
    reserved = st.get("reservedFor") or []
    if len(reserved) > 256:
        fe.too_many("status.reservedFor", len(reserved), 256)
    else:
        uids = set()
        for i, r in enumerate(reserved):
            for f in ("resource", "name", "uid"):
                if not r.get(f):
                    fe.required("status.reservedFor[%d].%s" % (i, f))
            if r.get("uid") in uids:
                fe.duplicate("status.reservedFor[%d]" % i, r.get("uid"))
            uids.add(r.get("uid"))
    results = ((alloc or {}).get("devices") or {}).get("results") or []
    allocated = {shared_device_id(r) for r in results}
    devs = st.get("devices") or []
    for i, d in enumerate(devs):
        p = "status.devices[%d]" % i
        check_driver_name(fe, p + ".driver", d.get("driver", ""))
        check_pool_name(fe, p + ".pool", d.get("pool", ""))
        check_label(fe, p + ".device", d.get("device", ""))
        if d.get("shareID") is not None and not re.match(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
                                                         d["shareID"]):
            fe.invalid(p + ".shareID", d["shareID"], "uid must be in RFC 4122 normalized form, "
                       "`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` with lowercase hexadecimal characters")
        if shared_device_id(d) not in allocated:
            fe.invalid(p, shared_device_id(d), "must be an allocated device in the claim")
        conds = d.get("conditions") or []
        if len(conds) > 8:
            fe.too_many(p + ".conditions", len(conds), 8)
        ctypes = set()
        for j, c in enumerate(conds):
            cp = "%s.conditions[%d]" % (p, j)
            t = c.get("type", "")
            if not t:
                fe.required(cp + ".type", "must be set")  # metav1validation.ValidateCondition
            elif t in ctypes:
                fe.duplicate(cp + ".type", t)
            ctypes.add(t)
            if c.get("status") not in ("True", "False", "Unknown"):
                fe.not_supported(cp + ".status", c.get("status", ""), ["False", "True", "Unknown"])
            if c.get("observedGeneration", 0) < 0:
                fe.invalid(cp + ".observedGeneration", c["observedGeneration"], "must be greater than or equal to zero")
            if not c.get("lastTransitionTime"):
                fe.required(cp + ".lastTransitionTime", "must be set")
            r = c.get("reason", "")
            if not r:
                fe.required(cp + ".reason", "must be set")
            else:
                if not REASON.match(r):
                    fe.invalid(cp + ".reason", r, "a condition reason must start with alphabetic character, "
                               "optionally followed by a string of alphanumeric characters or '_,:', and must "
                               "end with an alphanumeric character or '_' (e.g. 'my_name',  or 'MY_NAME',  or "
                               "'MyName',  or 'ReasonA,ReasonB',  or 'ReasonA:ReasonB', regex used for "
                               "validation is '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?')")
                if len(r) > 1024:
                    fe.too_long(cp + ".reason", 1024)
            if len(c.get("message", "")) > 32768:
                fe.too_long(cp + ".message", 32768)
        if d.get("data") is not None:
            raw = json.dumps(d["data"], separators=(",", ":"))
            if len(raw) > 10240:
                fe.too_long(p + ".data", 10240)
            elif not isinstance(d["data"], dict):
                fe.invalid(p + ".data", "<value omitted>", "must be a valid JSON object")
        nd = d.get("networkData")
        if nd:
            if len(nd.get("interfaceName", "")) > 256:
                fe.too_long(p + ".networkData.interfaceName", 256)
            if len(nd.get("hardwareAddress", "")) > 128:
                fe.too_long(p + ".networkData.hardwareAddress", 128)
            ips = nd.get("ips") or []
            if len(ips) > 16:
                fe.too_many(p + ".networkData.ips", len(ips), 16)
            else:
                seen_ips = set()
                for j, ip in enumerate(ips):
                    ipp = "%s.networkData.ips[%d]" % (p, j)
                    try:
                        if "/" not in ip:
                            raise ValueError
                        ipaddress.ip_interface(ip)
                    except ValueError:
                        fe.invalid(ipp, ip, "must be a valid address in CIDR form, (e.g. 10.9.8.7/24 or "
                                   "2001:db8::1/64)")
                    if ip in seen_ips:
                        fe.duplicate(ipp, ip)
                    seen_ips.add(ip)
    ids = set()
    for i, d in enumerate(devs):
        if shared_device_id(d) in ids:
            fe.duplicate("status.devices[%d]" % i, shared_device_id(d))
        ids.add(shared_device_id(d))
    if reserved and alloc is None:
        fe.forbidden("status.reservedFor", "may not be specified when `allocated` is not set")
    if old is not None and ost.get("allocation") is not None and alloc is not None and alloc != ost["allocation"]:
        fe.invalid("status.allocation", RawValue(json.dumps(alloc, separators=(",", ":"))), "field is immutable")


def validate_event(res, obj, fe):
    if res.group == "events.k8s.io":
        for f in ("eventTime", "reportingController", "reportingInstance", "action", "reason"):
            if not obj.get(f):
                fe.required(f)
        if obj.get("reportingController") and not K8S_QUALIFIED.match(obj["reportingController"]):
            fe.invalid("reportingController", obj["reportingController"],
                       "name part must consist of alphanumeric characters, '-', '_' or '.', and must start "
                       "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
                       "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') "
                       "with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")
        if obj.get("type") not in ("Normal", "Warning"):
            fe.invalid("type", obj.get("type") or "", "has invalid value: %s" % (obj.get("type") or ""))
        about, about_path = obj.get("regarding") or {}, "regarding.namespace"
    else:
        if not obj.get("involvedObject"):
            fe.required("involvedObject")
        t = obj.get("type")
        if t not in (None, "", "Normal", "Warning"):
            fe.not_supported("type", t, ["Normal", "Warning"])
        about, about_path = obj.get("involvedObject") or {}, "involvedObject.namespace"
    # events about cluster-scoped objects (Nodes) live in "default", others in their object's namespace
    ns = (obj.get("metadata") or {}).get("namespace", "")
    ans = about.get("namespace", "") if isinstance(about, dict) else ""
    if (ans and ans != ns) or (not ans and ns not in ("", "default")):
        fe.invalid(about_path, ans, "does not match event.namespace")


# ------------------------------------------------------------------ version conversion

META_ORDER = ["name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
              "creationTimestamp", "deletionTimestamp", "labels", "annotations", "ownerReferences",
              "finalizers", "managedFields"]


def go_order(o):
    """Field order of the Go structs' JSON: kind, apiVersion, metadata (ObjectMeta order), ..."""
    out = {"kind": o.get("kind"), "apiVersion": o.get("apiVersion")}
    md = o.get("metadata")
    if isinstance(md, dict):
        out["metadata"] = {k: md[k] for k in META_ORDER if k in md}
        out["metadata"].update({k: v for k, v in md.items() if k not in out["metadata"]})
    for k in ("spec", "status"):
        if k in o:
            out[k] = o[k]
    out.update({k: v for k, v in o.items() if k not in out})
    return out


def to_external(res, obj, version):
    o = copy.deepcopy(obj)
    o["apiVersion"] = (res.group + "/" if res.group else "") + version
    o["kind"] = res.kind
    o = go_order(o)
    if version != "v1beta1" or res.group != "resource.k8s.io":
        return o
    if res.plural == "resourceslices":
        for i, d in enumerate(o.get("spec", {}).get("devices") or []):
            basic = {k: v for k, v in d.items() if k != "name"}
            o["spec"]["devices"][i] = {"name": d.get("name")}
            if basic:
                o["spec"]["devices"][i]["basic"] = basic
    elif res.plural == "resourceclaims":
        reqs = ((o.get("spec") or {}).get("devices") or {}).get("requests") or []
        for r in reqs:
            ex = r.pop("exactly", None)
            if ex:
                r.update(ex)
    return o


# ------------------------------------------------------------------ known fields
# The fields of the Go types, to find unknown ones (the decoder drops them: fieldValidation
# Warn (default) adds a Warning header, Strict answers 400, Ignore says nothing).
# ANY: not checked below; {"*": X}: a map of X; [X]: a list of X.
ANY = None
OWNER_REF = {"apiVersion": ANY, "kind": ANY, "name": ANY, "uid": ANY, "controller": ANY,
             "blockOwnerDeletion": ANY}
OBJECT_META = {"name": ANY, "generateName": ANY, "namespace": ANY, "selfLink": ANY, "uid": ANY,
               "resourceVersion": ANY, "generation": ANY, "creationTimestamp": ANY, "deletionTimestamp": ANY,
               "deletionGracePeriodSeconds": ANY, "labels": ANY, "annotations": ANY,
               "ownerReferences": [OWNER_REF], "finalizers": ANY, "managedFields": ANY}
ATTRIBUTE = {"int": ANY, "bool": ANY, "string": ANY, "version": ANY}
CAPACITY = {"value": ANY, "requestPolicy": ANY}
TAINT = {"key": ANY, "value": ANY, "effect": ANY, "timeAdded": ANY}
DEVICE_FIELDS = {"attributes": {"*": ATTRIBUTE}, "capacity": {"*": CAPACITY}, "consumesCounters": ANY,
                 "nodeName": ANY, "nodeSelector": ANY, "allNodes": ANY, "taints": [TAINT], "bindsToNode": ANY,
                 "bindingConditions": ANY, "bindingFailureConditions": ANY, "allowMultipleAllocations": ANY}
SLICE_SPEC = {"driver": ANY, "pool": {"name": ANY, "generation": ANY, "resourceSliceCount": ANY},
              "nodeName": ANY, "nodeSelector": ANY, "allNodes": ANY, "perDeviceNodeSelection": ANY,
              "sharedCounters": ANY}
SCHEMAS = {
    ("resourceslices", "v1"): {"apiVersion": ANY, "kind": ANY, "metadata": OBJECT_META,
                               "spec": dict(SLICE_SPEC, devices=[dict(DEVICE_FIELDS, name=ANY)])},
    ("resourceslices", "v1beta1"): {"apiVersion": ANY, "kind": ANY, "metadata": OBJECT_META,
                                    "spec": dict(SLICE_SPEC, devices=[{"name": ANY, "basic": DEVICE_FIELDS}])},
}
SCHEMAS[("resourceslices", "v1beta2")] = SCHEMAS[("resourceslices", "v1")]
CONDITION = {"type": ANY, "status": ANY, "observedGeneration": ANY, "lastTransitionTime": ANY, "reason": ANY,
             "message": ANY}
DEVICE_STATUS = {"driver": ANY, "pool": ANY, "device": ANY, "shareID": ANY, "conditions": [CONDITION],
                 "data": ANY, "networkData": {"interfaceName": ANY, "ips": ANY, "hardwareAddress": ANY}}
for _v in ALL_RESOURCE_VERSIONS:
    SCHEMAS[("resourceclaims", _v)] = {
        "apiVersion": ANY, "kind": ANY, "metadata": OBJECT_META, "spec": ANY,
        "status": {"allocation": ANY, "reservedFor": [{"apiGroup": ANY, "resource": ANY, "name": ANY, "uid": ANY}],
                   "devices": [DEVICE_STATUS]}}


def unknown_fields(doc, schema, path=""):
    """Paths of fields the Go types do not have ("spec.devices[0].color"), removed from doc."""
    out = []
    if schema is ANY:
        return out
    if isinstance(schema, list):
        if isinstance(doc, list):
            for i, item in enumerate(doc):
                out += unknown_fields(item, schema[0], "%s[%d]" % (path, i))
        return out
    if not isinstance(doc, dict):
        return out
    if "*" in schema:
        for k, v in doc.items():
            out += unknown_fields(v, schema["*"], "%s[%s]" % (path, k))
        return out
    for k in list(doc):
        p = "%s.%s" % (path, k) if path else k
        if k not in schema:
            out.append(p)
            del doc[k]
        else:
            out += unknown_fields(doc[k], schema[k], p)
    return out


def to_internal(res, obj, version, warnings=None):
    o = copy.deepcopy(obj)
    o["apiVersion"] = (res.group + "/" if res.group else "") + (version if res.group != "resource.k8s.io" else "v1")
    if version != "v1beta1" or res.group != "resource.k8s.io":
        return o
    if res.plural == "resourceslices":
        spec = o.get("spec") or {}
        for i, d in enumerate(spec.get("devices") or []):
            if not isinstance(d, dict):
                continue
            nd = {"name": d.get("name")}
            if isinstance(d.get("basic"), dict):
                nd.update(d["basic"])
            spec["devices"][i] = nd
        if spec.get("nodeName") == "":
            del spec["nodeName"]
        if spec.get("allNodes") is False:
            del spec["allNodes"]
    elif res.plural == "resourceclaims":
        reqs = ((o.get("spec") or {}).get("devices") or {}).get("requests") or []
        for r in reqs:
            if "firstAvailable" not in r:
                ex = {k: r.pop(k) for k in list(r) if k != "name"}
                if ex:
                    r["exactly"] = ex
    return o


# ------------------------------------------------------------------ selectors

def parse_field_selector(res, s):
    out = []
    for term in filter(None, (t.strip() for t in (s or "").split(","))):
        m = re.match(r"^([^!=]+)(==|!=|=)(.*)$", term)
        if not m:
            raise bad_request('invalid selector: \'%s\'; can\'t understand \'%s\'' % (s, term))
        f, op, v = m.group(1).strip(), m.group(2), m.group(3).strip()
        if f not in res.fields:
            raise bad_request('field label not supported: %s' % f)
        out.append((f, op != "!=", v))
    return out


def field_value(obj, dotted):
    cur = obj
    for part in dotted.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(part)
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


def parse_label_selector(s):
    reqs = []
    if not s:
        return reqs
    for term in re.findall(r"(?:[^,(]|\([^)]*\))+", s):
        term = term.strip()
        m = re.match(r"^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$", term)
        if m:
            reqs.append((m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",")}))
            continue
        m = re.match(r"^([^\s!=]+)\s*(==|!=|=)\s*(\S*)$", term)
        if m:
            reqs.append((m.group(1), "!=" if m.group(2) == "!=" else "=", m.group(3)))
            continue
        m = re.match(r"^(!?)([^\s!=]+)$", term)
        if m:
            reqs.append((m.group(2), "!" if m.group(1) else "exists", None))
            continue
        raise bad_request("unable to parse requirement: %s" % term)
    return reqs


def labels_match(reqs, obj):
    labels = (obj.get("metadata") or {}).get("labels") or {}
    for k, op, v in reqs:
        have = k in labels
        if op == "=" and labels.get(k) != v:
            return False
        if op == "!=" and have and labels[k] == v:
            return False
        if op == "in" and labels.get(k) not in v:
            return False
        if op == "notin" and have and labels[k] in v:
            return False
        if op == "exists" and not have:
            return False
        if op == "!" and have:
            return False
    return True


class Filter:
    def __init__(self, res, ns, q):
        self.res, self.ns = res, ns
        self.fields = parse_field_selector(res, q.get("fieldSelector"))
        self.labels = parse_label_selector(q.get("labelSelector"))

    def match(self, obj):
        md = obj.get("metadata") or {}
        if self.ns and md.get("namespace") != self.ns:
            return False
        for f, eq, v in self.fields:
            if (field_value(obj, f) == v) != eq:
                return False
        return labels_match(self.labels, obj)


# ------------------------------------------------------------------ managed fields (SSA)

def list_map_keys(names):
    for pat, keys in LIST_MAPS.items():
        if len(pat) == len(names) and all(p == "*" or p == n for p, n in zip(pat, names)):
            return keys
    return None


def item_key(item, keys):
    return tuple((k, json.dumps(item[k])) for k in sorted(keys) if isinstance(item, dict) and k in item)


def field_set(obj, names=(), path=(), out=None):
    """Leaf paths (and list-map item markers) of obj. A path element is ('f', name),
    ('k', key) for a list-map item or ('.',) marking the item itself."""
    if out is None:
        out = set()
    for k, v in obj.items():
        n2, p2 = names + (k,), path + (("f", k),)
        if n2 in UNTRACKED:
            continue
        keys = list_map_keys(n2) if isinstance(v, list) else None
        if isinstance(v, dict) and v:
            field_set(v, n2, p2, out)
        elif keys is not None:
            for item in v:
                ip = p2 + (("k", item_key(item, keys)),)
                out.add(ip + ((".",),))
                if isinstance(item, dict):
                    field_set(item, n2 + ("*",), ip, out)
        else:
            out.add(p2)
    return out


def get_at(obj, path):
    cur = obj
    for el in path:
        if el[0] == ".":
            return True
        if el[0] == "f":
            if not isinstance(cur, dict) or el[1] not in cur:
                return MISSING
            cur = cur[el[1]]
        else:
            if not isinstance(cur, list):
                return MISSING
            hit = MISSING
            for item in cur:
                if isinstance(item, dict) and item_key(item, [k for k, _ in el[1]]) == el[1]:
                    hit = item
                    break
            if hit is MISSING:
                return MISSING
            cur = hit
    return cur


def remove_at(obj, path):
    parent = get_at(obj, path[:-1]) if len(path) > 1 else obj
    last = path[-1]
    if last[0] == ".":
        # the list-map item: remove it from its list
        lst = get_at(obj, path[:-2])
        key = path[-2][1]
        if isinstance(lst, list):
            lst[:] = [i for i in lst if not (isinstance(i, dict) and item_key(i, [k for k, _ in key]) == key)]
        return
    if isinstance(parent, dict) and last[0] == "f":
        parent.pop(last[1], None)


def merge_apply(dst, src, names=()):
    for k, v in src.items():
        n2 = names + (k,)
        if n2 in UNTRACKED and names == ("metadata",):
            continue
        keys = list_map_keys(n2) if isinstance(v, list) else None
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            merge_apply(dst[k], v, n2)
        elif keys is not None and isinstance(dst.get(k), list):
            for item in v:
                ik = item_key(item, keys)
                for have in dst[k]:
                    if isinstance(have, dict) and item_key(have, keys) == ik:
                        merge_apply(have, item, n2 + ("*",))
                        break
                else:
                    dst[k].append(copy.deepcopy(item))
        else:
            dst[k] = copy.deepcopy(v)


def path_string(path):
    s = ""
    for el in path:
        if el[0] == "f":
            s += "." + el[1]
        elif el[0] == "k":
            s += "[" + ",".join("%s=%s" % (k, v) for k, v in el[1]) + "]"
    return s


def fields_v1(paths):
    root = {}
    for p in sorted(paths, key=repr):
        cur = root
        for el in p:
            if el[0] == "f":
                key = "f:" + el[1]
            elif el[0] == "k":
                key = "k:" + json.dumps({k: json.loads(v) for k, v in el[1]}, separators=(",", ":"),
                                        sort_keys=True)
            else:
                key = "."
            cur = cur.setdefault(key, {})
    return root


class Managers:
    """managedFields of one object: entries keyed by (manager, operation, subresource)."""

    @staticmethod
    def entries(obj):
        return obj.setdefault("_managed", {})

    @staticmethod
    def record_update(obj, old, manager, api_version, subresource):
        m = Managers.entries(obj)
        new_fs = field_set(strip(obj))
        old_fs = field_set(strip(old)) if old is not None else set()
        changed = {p for p in new_fs if old is None or get_at(old, p) != get_at(obj, p)}
        for key, ent in list(m.items()):
            ent["set"] = (ent["set"] & new_fs) - changed
        if changed:
            key = (manager, "Update", subresource)
            ent = m.setdefault(key, {"set": set()})
            ent["set"] |= changed
            ent["apiVersion"], ent["time"] = api_version, now_rfc3339()
        for key in [k for k, e in m.items() if not e["set"]]:
            del m[key]
        del old_fs

    @staticmethod
    def render(obj):
        m = obj.get("_managed") or {}
        out = []
        for (mgr, op, sub), ent in m.items():
            e = {"manager": mgr, "operation": op, "apiVersion": ent.get("apiVersion", "v1"),
                 "time": ent.get("time", now_rfc3339()), "fieldsType": "FieldsV1",
                 "fieldsV1": fields_v1(ent["set"])}
            if sub:
                e["subresource"] = sub
            out.append(e)
        return out


def strip(obj):
    return {k: v for k, v in obj.items() if k != "_managed"}


# ------------------------------------------------------------------ the store

class Event:
    __slots__ = ("rv", "type", "key", "old", "new")

    def __init__(self, rv, typ, key, old, new):
        self.rv, self.type, self.key, self.old, self.new = rv, typ, key, old, new


class Store:
    def __init__(self, window):
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.rv = 1
        self.objs = {key: {} for key in RES_BY_KEY}
        self.log = []  # Event, ascending rv
        self.window = window
        self.floor = 0  # watches from an RV below this get 410
        self.expire_gen = 0  # bumped to end every open watch

    def bump(self):
        self.rv += 1
        return self.rv

    def record(self, typ, key, old, new):
        ev = Event(self.rv, typ, key, old, new)
        self.log.append(ev)
        if len(self.log) > self.window:
            drop = len(self.log) - self.window
            self.floor = max(self.floor, self.log[drop - 1].rv)
            del self.log[:drop]
        self.cond.notify_all()

    def expire(self):
        with self.lock:
            self.bump()
            self.floor = self.rv
            self.log.clear()
            self.expire_gen += 1
            self.cond.notify_all()

    def events_after(self, rv):
        i = bisect.bisect_right([e.rv for e in self.log], rv)
        return self.log[i:]


# ------------------------------------------------------------------ the peer

class Peer:
    def __init__(self, a):
        self.a = a
        self.store = Store(a.watch_window)
        self.mutex = threading.Lock()  # counters, faults, connections
        self.counters = {"requests": {}, "writes": {}, "verbs": {}}
        self.reqlog = []
        self.reqseq = 0
        self.faults = []
        self.drop = {"count": 0, "mode": "close"}
        self.conns = set()
        self.down_until = None  # None = up; float = until; inf = until /up
        self.down_gen = 0
        self.rbac = None
        self.rbac_source = None
        self.expire_error = False
        self.bodies = []
        self.conn_stats = {"accepted": 0, "tls_failed": 0, "dropped": 0}
        self.watches_open = 0
        self.listener = None
        self.port = a.port
        self.versions = (ALL_RESOURCE_VERSIONS if a.versions == "all"
                         else [v.strip() for v in a.versions.split(",") if v.strip()])
        for v in self.versions:
            if v not in ALL_RESOURCE_VERSIONS:
                sys.exit("apiserver.py: unknown version %s" % v)
        if a.rbac:
            self.load_rbac(a.rbac)

    # -------------------------------------------------------------- RBAC
    def load_rbac(self, path_or_docs):
        if isinstance(path_or_docs, str):
            with open(path_or_docs) as f:
                text = f.read()
            docs = load_docs(text)
            src = path_or_docs
        else:
            docs, src = path_or_docs, "inline"
        roles, bindings = {}, []
        for d in docs:
            if not isinstance(d, dict):
                continue
            if d.get("kind") in ("List", "ClusterRoleList"):
                docs.extend(d.get("items") or [])
            elif d.get("kind") == "ClusterRole":
                roles[(d.get("metadata") or {}).get("name", "")] = d.get("rules") or []
            elif d.get("kind") == "ClusterRoleBinding":
                bindings.append(d)
        self.rbac = (roles, bindings)
        self.rbac_source = src

    def allowed(self, user, verb, group, resource, name):
        """RBAC for resource requests (non-resource paths, discovery and /version, are open to
        authenticated users, as system:discovery and system:public-info-viewer make them)."""
        if self.rbac is None or ADMIN_GROUP in user["groups"]:
            return True
        roles, bindings = self.rbac
        if bindings:
            rules = []
            for b in bindings:
                if self.binds(b, user):
                    rules += roles.get((b.get("roleRef") or {}).get("name"), [])
        else:
            rules = [r for rs in roles.values() for r in rs]
        for r in rules:
            if not (set(r.get("apiGroups") or []) & {group, "*"}):
                continue
            rs = set(r.get("resources") or [])
            sub = resource.split("/")[1] if "/" in resource else None
            if not (resource in rs or "*" in rs or (sub and "*/" + sub in rs)):
                continue
            if not (set(r.get("verbs") or []) & {verb, "*"}):
                continue
            rn = r.get("resourceNames") or []
            if rn and name not in rn:
                continue
            return True
        return False

    @staticmethod
    def binds(b, user):
        for s in b.get("subjects") or []:
            k = s.get("kind")
            if k == "User" and s.get("name") == user["name"]:
                return True
            if k == "Group" and s.get("name") in user["groups"]:
                return True
            if k == "ServiceAccount" and user["name"] == "system:serviceaccount:%s:%s" % (
                    s.get("namespace"), s.get("name")):
                return True
        return False

    # -------------------------------------------------------------- counters
    def count(self, user, resource, verb, write, path, code, method, agent="", body=None):
        with self.mutex:
            for kind, on in (("requests", True), ("writes", write)):
                if on:
                    u = self.counters[kind].setdefault(user, {})
                    u[resource] = u.get(resource, 0) + 1
            v = self.counters["verbs"].setdefault(user, {}).setdefault(resource, {})
            v[verb] = v.get(verb, 0) + 1
            self.reqseq += 1
            self.reqlog.append({"seq": self.reqseq, "time": time.time(), "user": user,
                                "method": method, "path": path, "verb": verb,
                                "resource": resource, "code": code, "agent": agent})
            if body is not None:  # the bodies of the last 200 writes
                self.reqlog[-1]["body"] = body
                self.bodies.append(self.reqlog[-1])
                if len(self.bodies) > 200:
                    self.bodies.pop(0).pop("body", None)
            if len(self.reqlog) > 5000:
                del self.reqlog[:1000]

    # -------------------------------------------------------------- faults
    def take_fault(self, path, method):
        with self.mutex:
            hit = []
            for f in self.faults:
                if f["count"] == 0:
                    continue
                if not path.startswith(f.get("path_prefix", "/")):
                    continue
                if f.get("method") and f["method"].upper() != method:
                    continue
                if f["count"] > 0:
                    f["count"] -= 1
                f["hits"] = f.get("hits", 0) + 1
                hit.append(dict(f))
            self.faults = [f for f in self.faults if f["count"] != 0]
            return hit

    # -------------------------------------------------------------- auth
    def authenticate(self, handler):
        cert = None
        try:
            cert = handler.connection.getpeercert()
        except (ValueError, AttributeError):
            cert = None
        if cert:
            cn, groups = None, []
            for rdn in cert.get("subject", ()):
                for k, v in rdn:
                    if k == "commonName":
                        cn = v
                    elif k == "organizationName":
                        groups.append(v)
            if cn:
                return {"name": cn, "groups": groups + ["system:authenticated"], "via": "x509"}
        h = handler.headers.get("Authorization", "")
        if h[:7].lower() == "bearer " and h[7:].strip():
            tok = h[7:].strip()
            for row in self.tokens():
                if len(row) >= 2 and row[0] == tok:
                    groups = [g for g in (row[3].split(",") if len(row) > 3 else []) if g]
                    return {"name": row[1], "groups": groups + ["system:authenticated"], "via": "token"}
        return None

    def tokens(self):
        try:
            with open(self.a.token_file, newline="") as f:
                return [r for r in csv.reader(f) if r and not r[0].startswith("#")]
        except OSError:
            return []

    def rotate_token(self, user):
        rows = self.tokens()
        tok = secrets.token_hex(24)
        found = False
        for r in rows:
            if len(r) >= 2 and r[1] == user:
                r[0] = tok
                found = True
        if not found:
            rows.append([tok, user, str(uuid.uuid4()), ""])
        write_atomic(self.a.token_file, csv_text(rows))
        if user == SA_USER:
            write_atomic(os.path.join(self.a.tls_dir, "token"), tok + "\n")
        return tok

    # -------------------------------------------------------------- listener
    def open_listener(self):
        s = socket.socket(socket.AF_INET6 if ":" in self.a.host else socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.a.host, self.port))
        s.listen(128)
        self.port = s.getsockname()[1]
        self.listener = s

    def go_down(self, seconds):
        with self.mutex:
            self.down_until = float("inf") if seconds is None else time.time() + seconds
            self.down_gen += 1
            if self.listener:
                try:  # refuse at once: a close alone waits for the select() in accept_loop
                    self.listener.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                self.listener.close()
                self.listener = None
            conns = list(self.conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        with self.store.lock:
            self.store.cond.notify_all()

    def come_up(self):
        with self.mutex:
            if self.listener is None:
                self.open_listener()
            self.down_until = None

    def accept_loop(self):
        while True:
            with self.mutex:
                if self.down_until is not None and time.time() >= self.down_until:
                    self.down_until = None
                    try:
                        self.open_listener()
                    except OSError as e:
                        log("reopen failed: %s" % e)
                        self.down_until = time.time() + 0.2
                lst = self.listener
            if lst is None:
                time.sleep(0.05)
                continue
            try:
                r, _, _ = select.select([lst], [], [], 0.1)
                if not r:
                    continue
                conn, addr = lst.accept()
            except (OSError, ValueError):
                continue
            with self.mutex:
                drop = self.drop["count"] > 0
                if drop:
                    self.drop["count"] -= 1
                    self.drop["done"] = self.drop.get("done", 0) + 1
                    mode = self.drop["mode"]
            if drop:
                with self.mutex:
                    self.conn_stats["dropped"] += 1
                if mode == "rst":
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
                continue
            threading.Thread(target=self.serve_conn, args=(conn, addr), daemon=True).start()

    def serve_conn(self, conn, addr):
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as Go's net/http does
        conn.settimeout(10)
        try:
            tls = self.ctx.wrap_socket(conn, server_side=True)
        except (OSError, ssl.SSLError) as e:
            log("TLS handshake from %s failed: %s" % (addr[0], e))
            with self.mutex:
                self.conn_stats["tls_failed"] += 1
            conn.close()
            return
        tls.settimeout(None)
        with self.mutex:
            self.conns.add(tls)
            self.conn_stats["accepted"] += 1
        try:
            Handler(tls, addr, self)
        except (OSError, ssl.SSLError):
            pass
        except Exception:
            traceback.print_exc()
        finally:
            with self.mutex:
                self.conns.discard(tls)
            try:
                tls.close()
            except OSError:
                pass

    # -------------------------------------------------------------- objects
    def served(self, res, version):
        if res.versions is not None:
            return version in res.versions
        return version in self.versions

    def default_version(self, res):
        return res.versions[0] if res.versions else self.versions[0]

    def put_raw(self, obj, manager="test-admin"):
        """Create or replace an object as is (status included), behind the client's back."""
        av = obj.get("apiVersion", "")
        group, _, version = av.rpartition("/")
        res = next((r for r in RESOURCES if r.group == group and r.kind == obj.get("kind")), None)
        if res is None:
            raise bad_request("unknown apiVersion/kind %s %s" % (av, obj.get("kind")))
        obj = to_internal(res, obj, version)
        md = obj.setdefault("metadata", {})
        if not md.get("name") and md.get("generateName"):
            md["name"] = md["generateName"] + random_suffix()
        if not md.get("name"):
            raise bad_request("metadata.name is required")
        if res.namespaced and not md.get("namespace"):
            md["namespace"] = "default"
        key = (md.get("namespace", ""), md["name"])
        st = self.store
        with st.lock:
            old = st.objs[(res.group, res.plural)].get(key)
            md.pop("managedFields", None)
            md["uid"] = (old or {}).get("metadata", {}).get("uid") or md.get("uid") or str(uuid.uuid4())
            md["creationTimestamp"] = ((old or {}).get("metadata", {}).get("creationTimestamp")
                                       or md.get("creationTimestamp") or now_rfc3339())
            md.setdefault("generation", 1)
            md["resourceVersion"] = str(st.bump())
            obj["_managed"] = copy.deepcopy((old or {}).get("_managed", {}))
            Managers.record_update(obj, old, manager, av, "")
            st.objs[(res.group, res.plural)][key] = obj
            st.record("MODIFIED" if old else "ADDED", (res.group, res.plural), old, obj)
            return res, to_external(res, self.render(obj), version or self.default_version(res))

    def delete_raw(self, res, ns, name):
        st = self.store
        with st.lock:
            old = st.objs[(res.group, res.plural)].get((ns, name))
            if old is None:
                raise not_found(res, name)
            self._delete(res, (ns, name), old)

    def _delete(self, res, key, old):
        st = self.store
        gone = copy.deepcopy(old)
        del st.objs[(res.group, res.plural)][key]
        gone["metadata"]["resourceVersion"] = str(st.bump())
        st.record("DELETED", (res.group, res.plural), old, gone)
        # the garbage collector: dependents of the deleted object go too
        uid = old["metadata"].get("uid")
        for (g, p), objs in st.objs.items():
            for k, o in list(objs.items()):
                if any(r.get("uid") == uid for r in (o["metadata"].get("ownerReferences") or [])):
                    self._delete(RES_BY_KEY[(g, p)], k, o)

    def gc_loop(self):
        """The garbage collector: an object whose ownerReferences all name owners that do not
        exist (no object of that kind and name with that uid) is deleted once it has been
        dangling for --gc-delay seconds. Owners of kinds this peer does not store are ignored."""
        seen = {}
        kinds = {(r.group, r.kind): r for r in RESOURCES}
        while True:
            time.sleep(min(0.2, self.a.gc_delay / 2 or 0.2))
            now = time.monotonic()
            st = self.store
            with st.lock:
                dangling = set()
                for (g, p), objs in st.objs.items():
                    for key, o in list(objs.items()):
                        refs = o["metadata"].get("ownerReferences") or []
                        if not refs:
                            continue
                        gone = 0
                        for r in refs:
                            og = (r.get("apiVersion") or "").rpartition("/")[0]
                            ores = kinds.get((og, r.get("kind")))
                            if ores is None:
                                break
                            ns = key[0] if ores.namespaced else ""
                            owner = st.objs[(ores.group, ores.plural)].get((ns, r.get("name")))
                            if owner is not None and owner["metadata"].get("uid") == r.get("uid"):
                                break
                            gone += 1
                        if gone != len(refs):
                            continue
                        ident = (g, p, key, o["metadata"]["uid"])
                        dangling.add(ident)
                        if now - seen.setdefault(ident, now) >= self.a.gc_delay and objs.get(key) is o:
                            log("garbage collector: deleting %s %s (owner absent)" % (p, key[1]))
                            self._delete(RES_BY_KEY[(g, p)], key, o)
                seen = {k: v for k, v in seen.items() if k in dangling}

    @staticmethod
    def render(obj):
        o = strip(obj)
        o = copy.deepcopy(o)
        mf = Managers.render(obj)
        if mf:
            o.setdefault("metadata", {})["managedFields"] = mf
        return o

    def dump(self):
        with self.store.lock:
            out = {}
            for (g, p), objs in self.store.objs.items():
                out["%s/%s" % (g, p) if g else p] = [self.render(o) for _, o in sorted(objs.items())]
            return {"resourceVersion": str(self.store.rv), "objects": out}


class Validator:
    """One long-lived `node validate-slice.mjs --stream`: the npm kubernetes-models schema."""

    def __init__(self, node):
        self.node, self.p, self.lock = node, None, threading.Lock()

    def check(self, doc):
        with self.lock:
            for attempt in (0, 1):
                try:
                    if self.p is None or self.p.poll() is not None:
                        self.p = subprocess.Popen([self.node, os.path.join(HERE, "validate-slice.mjs"), "--stream"],
                                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)
                    self.p.stdin.write(json.dumps(doc).encode() + b"\n")
                    self.p.stdin.flush()
                    line = self.p.stdout.readline()
                    if not line:
                        raise OSError("validate-slice.mjs ended")
                    ans = json.loads(line)
                    return [] if ans["valid"] else ans["errors"]
                except (OSError, ValueError) as e:
                    if self.p is not None:
                        self.p.kill()
                        self.p = None
                    if attempt:
                        raise ApiError(500, "InternalError", "Internal error occurred: schema validator: %s" % e)


def random_suffix():
    alnum = "bcdfghjklmnpqrstvwxz2456789"  # k8s.io/apimachinery/pkg/util/rand
    return "".join(random.choice(alnum) for _ in range(5))


def load_docs(text):
    text = text.strip()
    try:
        d = json.loads(text)
        return list(d) if isinstance(d, list) else [d]
    except ValueError:
        pass
    try:
        import yaml  # python3-yaml (toolchain/setup.sh); JSON needs nothing
    except ImportError:
        raise ValueError("not JSON, and python3-yaml is not installed for YAML")
    return [d for d in yaml.safe_load_all(text) if d is not None]


def write_atomic(path, text):
    tmp = path + ".tmp.%d" % os.getpid()
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def csv_text(rows):
    b = io.StringIO()
    w = csv.writer(b, lineterminator="\n")
    for r in rows:
        w.writerow(r)
    return b.getvalue()


QUIET = False


def log(msg):
    if not QUIET:
        sys.stderr.write("apiserver: %s\n" % msg)
        sys.stderr.flush()


# ------------------------------------------------------------------ HTTP handler

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kube-apiserver-peer"
    sys_version = ""

    def __init__(self, request, client_address, peer):
        self.peer = peer
        super().__init__(request, client_address, peer)

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.api("GET")

    def do_POST(self):
        self.api("POST")

    def do_PUT(self):
        self.api("PUT")

    def do_PATCH(self):
        self.api("PATCH")

    def do_DELETE(self):
        self.api("DELETE")

    # -------------------------------------------------------------- I/O
    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                line = self.rfile.readline(65537)
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(n)
                self.rfile.readline(3)
                if len(out) > 3 << 20:
                    raise ApiError(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728")
        n = int(self.headers.get("Content-Length") or 0)
        if n > 3 << 20:
            raise ApiError(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728")
        return self.rfile.read(n) if n else b""

    def count_now(self, code):
        """Count the request once, before its answer goes out (a test reading the counters
        right after an answer sees it)."""
        if self.counted or not hasattr(self, "cinfo"):
            return
        self.counted = True
        uname, resource, verb, write, path, method, body_raw = self.cinfo
        logged = None
        if write and body_raw:
            try:
                logged = json.loads(body_raw)
            except ValueError:
                logged = body_raw[:4096].decode(errors="replace")
        self.peer.count(uname, resource, verb, write, path, code, method, self.headers.get("User-Agent", ""),
                        logged)

    def send_json(self, code, obj, headers=None):
        self.count_now(code)
        body = (json.dumps(obj, separators=(",", ":")) + "\n").encode()
        self.send_response(code)
        for w in getattr(self, "warnings", None) or []:
            self.send_header("Warning", '299 - %s' % json.dumps(w))
        self.warnings = []
        self.send_header("Audit-Id", str(uuid.uuid4()))
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def send_text(self, code, text):
        self.count_now(code)
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    # -------------------------------------------------------------- dispatch
    def api(self, method):
        peer = self.peer
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        q = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        user = peer.authenticate(self)
        uname = user["name"] if user else "system:anonymous"
        self.route = None
        body_raw = b""
        self.warnings = []
        self.counted = False
        code = 500
        verb, resource, write = method.lower(), "nonresource", method != "GET"
        self.cinfo = (uname, resource, verb, write, path, method, body_raw)
        try:
            try:
                body = body_raw = self.read_body()
            except ApiError:
                self.close_connection = True
                raise
            route, route_err = None, None
            try:
                route = self.parse_route(path, q, method)
            except ApiError as e:
                route_err = e
            if route:
                verb, resource = route["verb"], route["res"].plural + (
                    "/" + route["sub"] if route["sub"] else "")
                write = verb in ("create", "update", "patch", "delete", "deletecollection")
            self.cinfo = (uname, resource, verb, write, path, method, body_raw)
            if user is None:
                raise ApiError(401, "Unauthorized", "Unauthorized")
            if route_err:
                raise route_err
            for f in peer.take_fault(path, method):
                if f["kind"] == "delay":
                    time.sleep(f["seconds"])
                elif f["kind"] == "status":
                    c = int(f["code"])
                    h = {}
                    if f.get("retry_after") is not None:
                        h["Retry-After"] = f["retry_after"]
                    if c == 429:
                        raise ApiError(429, "TooManyRequests", "Too many requests, please try again later.",
                                       {"retryAfterSeconds": int(f.get("retry_after") or 1)}, h)
                    if c == 503:
                        raise ApiError(503, "ServiceUnavailable", "the server is currently unable to handle "
                                       "the request", {"retryAfterSeconds": int(f.get("retry_after") or 1)}, h)
                    raise ApiError(c, "InternalError", "Internal error occurred: injected fault",
                                   {"causes": [{"message": "injected fault"}]}, h)
                elif f["kind"] == "close":
                    self.count_now(0)
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    code = 0
                    return
            if route is None:
                code = self.nonresource(path, method, user)
                return
            res = route["res"]
            if not peer.allowed(user, verb, res.group, resource, route["name"]):
                msg = 'User "%s" cannot %s resource "%s" in API group "%s" ' % (
                    uname, verb, resource, res.group)
                msg += ('in the namespace "%s"' % route["ns"]) if route["ns"] else "at the cluster scope"
                target = res.qualified + (' "%s"' % route["name"] if route["name"] else "")
                raise ApiError(403, "Forbidden", "%s is forbidden: %s" % (target, msg),
                               gr_details(res, route["name"]))
            code = self.resource(route, q, body, user)
        except ApiError as e:
            code = e.code
            self.send_json(e.code, e.status(), e.headers)
        except (ConnectionError, ssl.SSLError, BrokenPipeError):
            self.close_connection = True
            code = 0
        except Exception as e:
            traceback.print_exc()
            code = 500
            err = ApiError(500, "InternalError", "Internal error occurred: %s" % e)
            self.send_json(500, err.status())
        finally:
            self.count_now(code)
            log("%s %s %s %s -> %s" % (uname, method, self.path, verb, code))

    def parse_route(self, path, q, method):
        segs = [s for s in path.split("/") if s]
        if len(segs) >= 2 and segs[0] == "api" and segs[1] == "v1":
            group, version, rest = "", "v1", segs[2:]
        elif len(segs) >= 3 and segs[0] == "apis":
            group, version, rest = segs[1], segs[2], segs[3:]
        else:
            return None
        if not rest:
            return None
        ns = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            ns, rest = rest[1], rest[2:]
        res = RES_BY_KEY.get((group, rest[0]))
        if res is None or not self.peer.served(res, version) or len(rest) > 3:
            raise unknown_path()
        if bool(ns) != res.namespaced and not (res.namespaced and ns is None and len(rest) == 1
                                               and method == "GET"):
            raise unknown_path()
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        if sub is not None and sub not in res.subresources:
            raise unknown_path()
        if method == "GET":
            verb = "get" if name else ("watch" if q.get("watch") in ("1", "true") else "list")
        elif method == "POST":
            if name:
                raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
            verb = "create"
        elif method == "PUT":
            verb = "update"
        elif method == "PATCH":
            verb = "patch"
        else:
            verb = "delete" if name else "deletecollection"
        if verb in ("update", "patch") and not name:
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        r = {"res": res, "version": version, "ns": ns, "name": name, "sub": sub, "verb": verb}
        self.route = r
        return r

    # -------------------------------------------------------------- discovery
    def nonresource(self, path, method, user):
        peer = self.peer
        p = path.rstrip("/") or "/"
        if method != "GET":
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        if p in ("/healthz", "/livez", "/readyz"):
            self.send_text(200, "ok")
            return 200
        if p == "/version":
            self.send_json(200, {"major": "1", "minor": "34", "emulationMajor": "1", "emulationMinor": "34",
                                 "minCompatibilityMajor": "1", "minCompatibilityMinor": "33",
                                 "gitVersion": "v1.34.0-dranet-peer", "gitCommit": "0" * 40,
                                 "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z",
                                 "goVersion": "go1.24.6", "compiler": "gc", "platform": "linux/amd64"})
            return 200
        if p == "/api":
            self.send_json(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:%d" % peer.port}]})
            return 200
        groups = {}
        for r in RESOURCES:
            if r.group:
                vs = [v for v in (r.versions or peer.versions)]
                groups.setdefault(r.group, [])
                for v in vs:
                    if v not in groups[r.group]:
                        groups[r.group].append(v)
        for g in groups:
            groups[g].sort(key=lambda v: ALL_RESOURCE_VERSIONS.index(v) if v in ALL_RESOURCE_VERSIONS else 0)

        def group_doc(g):
            vs = [{"groupVersion": "%s/%s" % (g, v), "version": v} for v in groups[g]]
            return {"name": g, "versions": vs, "preferredVersion": vs[0]}
        if p == "/apis":
            self.send_json(200, {"kind": "APIGroupList", "apiVersion": "v1",
                                 "groups": [group_doc(g) for g in sorted(groups)]})
            return 200
        segs = p.split("/")[1:]
        if len(segs) == 2 and segs[0] == "apis" and segs[1] in groups:
            d = group_doc(segs[1])
            d.update({"kind": "APIGroup", "apiVersion": "v1"})
            self.send_json(200, {"kind": "APIGroup", "apiVersion": "v1", "name": d["name"],
                                 "versions": d["versions"], "preferredVersion": d["preferredVersion"]})
            return 200
        gv = None
        if segs == ["api", "v1"]:
            gv = ("", "v1")
        elif len(segs) == 3 and segs[0] == "apis" and segs[2] in groups.get(segs[1], []):
            gv = (segs[1], segs[2])
        if gv:
            lst = []
            for r in RESOURCES:
                if r.group != gv[0] or not peer.served(r, gv[1]):
                    continue
                lst.append({"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
                            "kind": r.kind, "verbs": r.verbs})
                for s in sorted(r.subresources):
                    lst.append({"name": r.plural + "/" + s, "singularName": "", "namespaced": r.namespaced,
                                "kind": r.kind, "verbs": ["get", "patch", "update"]})
            self.send_json(200, {"kind": "APIResourceList", "apiVersion": "v1",
                                 "groupVersion": "/".join(x for x in gv if x), "resources": lst})
            return 200
        raise unknown_path()

    # -------------------------------------------------------------- resources
    def resource(self, route, q, body, user):
        verb = route["verb"]
        if verb == "get":
            return self.do_get(route)
        if verb == "list":
            return self.do_list(route, q)
        if verb == "watch":
            return self.do_watch(route, q)
        if verb == "create":
            return self.do_create(route, q, body, user)
        if verb == "update":
            return self.do_update(route, q, body, user)
        if verb == "patch":
            return self.do_patch(route, q, body, user)
        if verb == "delete":
            return self.do_delete(route, body)
        raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")

    def objs(self, res):
        return self.peer.store.objs[(res.group, res.plural)]

    def ext(self, route, obj):
        return to_external(route["res"], self.peer.render(obj), route["version"])

    def do_get(self, route):
        res = route["res"]
        with self.peer.store.lock:
            o = self.objs(res).get((route["ns"] or "", route["name"]))
            if o is None:
                raise not_found(res, route["name"])
            out = self.ext(route, o)
        self.send_json(200, out)
        return 200

    def wait_fresh(self, rv):
        """The watch cache waits up to 3 s (--fresh-wait) for a resourceVersion it has not seen yet (e.g. from
        before a restart), then answers 504 "Too large resource version". Called with the lock."""
        st = self.peer.store
        deadline = time.monotonic() + self.peer.a.fresh_wait
        while st.rv < rv and time.monotonic() < deadline:
            st.cond.wait(deadline - time.monotonic())
        if st.rv < rv:
            raise ApiError(504, "Timeout", "Timeout: Too large resource version: %d, current: %d" % (rv, st.rv),
                           {"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
                            "retryAfterSeconds": 1}, {"Retry-After": 1})

    def do_list(self, route, q):
        res = route["res"]
        flt = Filter(res, route["ns"], q)
        limit = int(q.get("limit") or 0)
        start = None
        st = self.peer.store
        with st.lock:
            if q.get("resourceVersion") not in (None, "", "0") and not q.get("continue"):
                try:
                    self.wait_fresh(int(q["resourceVersion"]))
                except ValueError:
                    raise bad_request('invalid resource version: strconv.ParseUint: parsing "%s": invalid syntax'
                                      % q["resourceVersion"])
            rv = st.rv
            if q.get("continue"):
                try:
                    c = json.loads(base64.b64decode(q["continue"]))
                    crv, start = int(c["rv"]), tuple(c["start"])
                except (ValueError, KeyError, TypeError):
                    raise bad_request("continue key is not valid: %s" % q["continue"])
                if crv < st.floor:
                    raise ApiError(410, "Expired", "The provided continue parameter is too old to display a "
                                   "consistent list result. You can start a new list without the continue "
                                   "parameter, or use the continue token in this response to retrieve the "
                                   "remainder of the results. Continuing with the provided token results in "
                                   "an inconsistent list - objects that were created, modified, or deleted "
                                   "between the time the first chunk was returned and now may show up in the "
                                   "list.", {})
                rv = crv
            items, more, prev = [], None, None
            for key, o in sorted(self.objs(res).items()):
                if start is not None and key <= start:
                    continue
                if not flt.match(o):
                    continue
                if limit and len(items) == limit:
                    more = prev
                    break
                e = self.ext(route, o)
                e.pop("apiVersion", None)
                e.pop("kind", None)
                items.append(e)
                prev = key
        md = {"resourceVersion": str(rv)}
        if more is not None:
            md["continue"] = base64.b64encode(json.dumps({"rv": rv, "start": list(more)}).encode()).decode()
            md["remainingItemCount"] = sum(1 for k, o in self.objs(res).items() if k > more and flt.match(o))
        self.send_json(200, {"kind": res.kind + "List",
                             "apiVersion": (res.group + "/" if res.group else "") + route["version"],
                             "metadata": md, "items": items})
        return 200

    def bookmark(self, route, rv, initial_end=False):
        res = route["res"]
        md = {"resourceVersion": str(rv), "creationTimestamp": None}
        if initial_end:
            md["annotations"] = {"k8s.io/initial-events-end": "true"}
        obj = {"kind": res.kind, "apiVersion": (res.group + "/" if res.group else "") + route["version"],
               "metadata": md}
        # the watch cache sends an empty object of the type: its fields without omitempty come along
        obj.update(copy.deepcopy(EMPTY_OBJECT.get(res.plural, {})))
        return {"type": "BOOKMARK", "object": obj}

    def do_watch(self, route, q):
        peer, st, res = self.peer, self.peer.store, route["res"]
        flt = Filter(res, route["ns"], q)
        bookmarks = q.get("allowWatchBookmarks") in ("1", "true")
        timeout = float(q["timeoutSeconds"]) if q.get("timeoutSeconds") else random.uniform(1800, 3600)
        deadline = time.monotonic() + timeout
        key = (res.group, res.plural)
        rvq = q.get("resourceVersion", "")
        initial = []
        send_initial = q.get("sendInitialEvents") in ("1", "true")
        with st.lock:
            expire_gen, down_gen = st.expire_gen, peer.down_gen
            if rvq in ("", "0") or send_initial:
                pos = st.rv
                for k, o in sorted(self.objs(res).items()):
                    if flt.match(o):
                        initial.append({"type": "ADDED", "object": self.ext(route, o)})
                too_old = None
            else:
                try:
                    pos = int(rvq)
                except ValueError:
                    raise bad_request('invalid resource version: strconv.ParseUint: parsing "%s": invalid syntax'
                                      % rvq)
                too_old = pos < st.floor
                self.wait_fresh(pos)
        self.count_now(200)
        with peer.mutex:
            peer.watches_open += 1
        try:
            return self.stream_watch(route, q, flt, bookmarks, deadline, key, initial, send_initial, pos,
                                     too_old, expire_gen, down_gen)
        finally:
            with peer.mutex:
                peer.watches_open -= 1

    def stream_watch(self, route, q, flt, bookmarks, deadline, key, initial, send_initial, pos, too_old,
                     expire_gen, down_gen):
        peer, st = self.peer, self.peer.store
        self.send_response(200)
        self.send_header("Audit-Id", str(uuid.uuid4()))
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def chunk(ev):
            data = (json.dumps(ev, separators=(",", ":")) + "\n").encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        def gone(rv):
            chunk({"type": "ERROR", "object": {
                "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": "too old resource version: %d (%d)" % (rv, st.floor),  # (oldest kept - 1)
                "reason": "Expired", "code": 410}})
        try:
            if too_old:
                gone(pos)
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
                return 200
            for ev in initial:
                chunk(ev)
            if send_initial and bookmarks:
                chunk(self.bookmark(route, pos, True))
            next_bm = time.monotonic() + peer.a.bookmark_interval
            while True:
                out, evs, ended, expired, bm = [], [], False, False, False
                with st.lock:
                    while True:
                        if peer.down_gen != down_gen:
                            self.close_connection = True
                            return 0
                        if st.expire_gen != expire_gen:
                            expired = True
                            break
                        evs = [e for e in st.events_after(pos) if e.key == key]
                        if evs:
                            break
                        now = time.monotonic()
                        if now >= deadline:
                            ended = True
                            break
                        if bookmarks and now >= next_bm:
                            bm = True
                            break
                        st.cond.wait(min(deadline, next_bm, now + 1) - now if bookmarks
                                     else min(deadline, now + 1) - now)
                        if select.select([self.connection], [], [], 0)[0]:
                            # the client closed (or wrote: it may not during a watch)
                            self.close_connection = True
                            return 0
                    for e in evs:
                        om = e.old is not None and flt.match(e.old)
                        nm = flt.match(e.new)
                        t = e.type
                        if t == "MODIFIED":
                            if om and not nm:
                                t = "DELETED"
                            elif nm and not om:
                                t = "ADDED"
                            elif not nm:
                                continue
                        elif not nm:
                            continue
                        out.append({"type": t, "object": self.ext(route, e.new)})
                    if evs:
                        pos = evs[-1].rv
                    if bm:
                        pos = max(pos, st.rv)
                        out.append(self.bookmark(route, pos))
                        next_bm = time.monotonic() + peer.a.bookmark_interval
                if expired:
                    if peer.a.expire_mode == "error" or peer.expire_error:
                        gone(pos)
                    break
                for ev in out:
                    chunk(ev)
                if ended:
                    break
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (OSError, ssl.SSLError):
            self.close_connection = True
            return 0
        return 200

    # -------------------------------------------------------------- writes
    def parse_body(self, route, body):
        try:
            doc = json.loads(body or b"null")
        except ValueError as e:
            raise bad_request("the object provided is unrecognized (must be of type %s): couldn't get version/"
                              "kind; json parse error: %s" % (route["res"].kind, e))
        if not isinstance(doc, dict):
            raise bad_request("the object provided is unrecognized (must be of type %s): couldn't get version/"
                              "kind; json parse error: json: cannot unmarshal %s into Go value of type "
                              "struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string "
                              "\"json:\\\"kind,omitempty\\\"\" }" % (route["res"].kind, type(doc).__name__))
        return self.check_gvk(route, doc)

    def check_gvk(self, route, doc):
        res = route["res"]
        want = (res.group + "/" if res.group else "") + route["version"]
        if doc.get("apiVersion") not in (None, "", want) or doc.get("kind") not in (None, "", res.kind):
            raise bad_request("the API version in the data (%s) does not match the expected API version (%s)"
                              % (doc.get("apiVersion"), want) if doc.get("apiVersion") != want
                              else "the kind in the data (%s) does not match the expected kind (%s)"
                              % (doc.get("kind"), res.kind))
        if not isinstance(doc.get("metadata", {}), dict):
            raise bad_request("metadata must be an object")
        doc.setdefault("metadata", {})
        if res.plural == "resourceslices":
            try:
                decode_slice(doc)
            except DecodeError as e:
                raise bad_request('%s in version "%s" cannot be handled as a %s: %s'
                                  % (res.kind, route["version"], res.kind, e))
        return doc

    def drop_unknown(self, route, q, doc, apply=False):
        """fieldValidation: the unknown fields are dropped; Warn (default) says so in Warning
        headers, Strict answers 400. Server-side apply always refuses them."""
        schema = SCHEMAS.get((route["res"].plural, route["version"]))
        if schema is None:
            return
        unknown = unknown_fields(doc, schema)
        if not unknown:
            return
        mode = q.get("fieldValidation", "Warn")
        if mode not in ("Ignore", "Warn", "Strict"):
            raise bad_request('fieldValidation must be one of "Ignore", "Warn", "Strict", got %r' % mode)
        if apply:
            raise bad_request("failed to create typed patch object (%s; %s): %s" % (
                (doc.get("metadata") or {}).get("name", ""), route["res"].kind,
                "; ".join(".%s: field not declared in schema" % u for u in unknown)))
        if mode == "Strict":
            raise bad_request("strict decoding error: " + ", ".join('unknown field "%s"' % u for u in unknown))
        if mode == "Warn":
            self.warnings += ['unknown field "%s"' % u for u in unknown]

    def schema_check(self, route, doc, name):
        """The npm kubernetes-models v1 schema, for v1 (and same-shaped v1beta2) slices."""
        res = route["res"]
        if (self.peer.a.no_schema or res.plural != "resourceslices"
                or route["version"] not in ("v1", "v1beta2")):
            return
        d = copy.deepcopy(doc)
        d["apiVersion"], d["kind"] = "resource.k8s.io/v1", "ResourceSlice"
        errors = self.peer.validator.check(d)
        if not errors:
            return
        fe = FieldErrors()
        for err in errors:
            ptr, msg = err.get("path", ""), err.get("message", "")
            fe.add("FieldValueInvalid", pointer_to_field(ptr), "Invalid value: %s (resource.k8s.io/v1 OpenAPI "
                   "schema, npm kubernetes-models)" % msg)
        if not fe.errs:
            fe.add("FieldValueInvalid", "", "rejected by the resource.k8s.io/v1 OpenAPI schema")
        fe.raise_if_any(res, name)

    def validate(self, route, obj, old, name, status_only=False):
        res = route["res"]
        fe = FieldErrors()
        if res.plural == "resourceslices":
            validate_slice(obj, old, fe)
        elif res.plural == "resourceclaims":
            if not status_only:
                check_meta(fe, obj, True)
            validate_claim_status(obj, old, fe)
        elif res.plural == "events":
            check_meta(fe, obj, True)
            validate_event(res, obj, fe)
        else:
            check_meta(fe, obj, res.namespaced)
        fe.raise_if_any(res, name)

    def manager_of(self, q):
        m = q.get("fieldManager")
        if m is None:
            m = (self.headers.get("User-Agent") or "unknown").split("/")[0]
        if len(m) > 128:
            raise bad_request("fieldManager: Too long: may not be more than 128 bytes")
        return m

    def do_create(self, route, q, body, user):
        res, st = route["res"], self.peer.store
        if route["sub"]:
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        doc = self.parse_body(route, body)
        md = doc["metadata"]
        if res.namespaced:
            if md.get("namespace") not in (None, "", route["ns"]):
                raise bad_request("the namespace of the provided object does not match the namespace sent on "
                                  "the request")
            md["namespace"] = route["ns"]
        if not md.get("name") and md.get("generateName"):
            with st.lock:
                for _ in range(10):
                    n = md["generateName"] + random_suffix()
                    if (md.get("namespace", ""), n) not in self.objs(res):
                        break
            md["name"] = n
        name = md.get("name", "")
        self.warnings = []
        self.drop_unknown(route, q, doc)
        obj = to_internal(res, doc, route["version"], self.warnings)
        if res.plural == "resourceclaims":
            obj.pop("status", None)
        self.validate(route, obj, None, name)
        self.schema_check(route, doc, name)
        with st.lock:
            key = (md.get("namespace", ""), name)
            if key in self.objs(res):
                raise already_exists(res, name)
            omd = obj["metadata"]
            for f in ("resourceVersion", "uid", "creationTimestamp", "managedFields", "deletionTimestamp",
                      "selfLink"):
                if f == "resourceVersion" and omd.get(f):
                    raise bad_request("resourceVersion should not be set on objects to be created")
                omd.pop(f, None)
            omd["uid"] = str(uuid.uuid4())
            omd["creationTimestamp"] = now_rfc3339()
            omd["generation"] = 1
            omd["resourceVersion"] = str(st.bump())
            Managers.record_update(obj, None, self.manager_of(q), doc.get("apiVersion"), "")
            self.objs(res)[key] = obj
            st.record("ADDED", (res.group, res.plural), None, obj)
            out = self.ext(route, obj)
        self.send_json(201, out)
        return 201

    def do_update(self, route, q, body, user):
        res = route["res"]
        doc = self.parse_body(route, body)
        md = doc["metadata"]
        name = route["name"]
        if md.get("name") not in (None, name):
            raise bad_request("the name of the object (%s) does not match the name on the URL (%s)"
                              % (md.get("name"), name))
        if res.namespaced and md.get("namespace") not in (None, "", route["ns"]):
            raise bad_request("the namespace of the provided object does not match the namespace sent on the "
                              "request")
        md["name"] = name
        if res.namespaced:
            md["namespace"] = route["ns"]
        self.warnings = []
        self.drop_unknown(route, q, doc)
        obj = to_internal(res, doc, route["version"], self.warnings)
        if not route["sub"]:
            self.schema_check(route, doc, name)
        return self.commit_update(route, q, obj, md.get("resourceVersion"), md.get("uid"))

    def commit_update(self, route, q, obj, rv, uid, manager=None, apply_fn=None):
        res, st = route["res"], self.peer.store
        name, key = route["name"], (route["ns"] or "", route["name"])
        with st.lock:
            old = self.objs(res).get(key)
            if old is None:
                raise not_found(res, name)
            omd = old["metadata"]
            if rv and rv != omd["resourceVersion"]:
                raise conflict(res, name, "the object has been modified; please apply your changes to the latest "
                               "version and try again")
            if uid and uid != omd["uid"]:
                raise conflict(res, name, "Precondition failed: UID in precondition: %s, UID in object meta: %s"
                               % (uid, omd["uid"]))
            if apply_fn is not None:
                obj = apply_fn(old)
            new = copy.deepcopy(obj)
            new["_managed"] = copy.deepcopy(old.get("_managed", {}))
            nmd = new.setdefault("metadata", {})
            for f in ("uid", "creationTimestamp", "generation", "resourceVersion", "namespace", "name",
                      "deletionTimestamp"):
                if f in omd:
                    nmd[f] = omd[f]
                else:
                    nmd.pop(f, None)
            nmd.pop("managedFields", None)
            if route["sub"] == "status":
                # the status strategy: only status changes
                for k in list(new):
                    if k not in ("status", "_managed", "apiVersion", "kind"):
                        del new[k]
                for k, v in old.items():
                    if k not in ("status", "_managed"):
                        new[k] = copy.deepcopy(v)
                nmd = new["metadata"]
            elif res.plural in ("resourceclaims", "nodes", "pods"):
                # the main resource: status changes are ignored
                new.pop("status", None)
                if "status" in old:
                    new["status"] = copy.deepcopy(old["status"])
            if strip(new).get("spec") != strip(old).get("spec"):
                nmd["generation"] = omd.get("generation", 1) + 1
            self.validate(route, new, old, name, status_only=route["sub"] == "status")
            if route["sub"] == "status" and manager is None:
                manager = self.manager_of(q)
            if apply_fn is None:
                Managers.record_update(new, old, manager or self.manager_of(q),
                                       (res.group + "/" if res.group else "") + route["version"],
                                       route["sub"] or "")
            else:
                new["_managed"] = obj["_managed"]
            if strip(new) == strip(old) and new.get("_managed", {}).keys() == old.get("_managed", {}).keys() \
                    and all(new["_managed"][k]["set"] == old["_managed"][k]["set"] for k in new["_managed"]):
                out = self.ext(route, old)  # a no-op: no new resourceVersion, no event
            else:
                nmd["resourceVersion"] = str(st.bump())
                self.objs(res)[key] = new
                st.record("MODIFIED", (res.group, res.plural), old, new)
                out = self.ext(route, new)
        self.send_json(200, out)
        return 200

    def do_patch(self, route, q, body, user):
        res = route["res"]
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        force = q.get("force") in ("1", "true")
        if ctype == "application/apply-patch+yaml":
            return self.do_apply(route, q, body, force)
        if force:
            raise bad_request("force may not be specified for non-apply patch")
        if ctype not in ("application/merge-patch+json", "application/strategic-merge-patch+json"):
            raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                           "accepted media types include: application/json-patch+json, application/merge-patch"
                           "+json, application/apply-patch+yaml, application/strategic-merge-patch+json", {})
        try:
            patch = json.loads(body or b"null")
        except ValueError as e:
            raise bad_request("error decoding patch: %s" % e)
        if not isinstance(patch, dict):
            raise bad_request("error decoding patch: not a JSON object")
        strategic = ctype == "application/strategic-merge-patch+json"
        rv = (patch.get("metadata") or {}).get("resourceVersion")

        def apply_fn(old):
            ext = to_external(res, strip(old), route["version"])
            merged = merge_patch(ext, patch, strategic, ())
            return to_internal(res, merged, route["version"])
        with self.peer.store.lock:
            old = self.objs(res).get((route["ns"] or "", route["name"]))
            if old is None:
                raise not_found(res, route["name"])
            obj = apply_fn(old)
        return self.commit_update(route, q, obj, rv, None)

    def do_apply(self, route, q, body, force):
        res, name = route["res"], route["name"]
        mgr = q.get("fieldManager")
        if not mgr:
            raise bad_request("PATCH %s: fieldManager is required for apply requests"
                              % urllib.parse.urlsplit(self.path).path)
        try:
            docs = load_docs(body.decode() if body else "")
            if len(docs) != 1 or not isinstance(docs[0], dict):
                raise ValueError("expected one object")
            doc = docs[0]
        except ValueError as e:
            raise bad_request("error decoding YAML: %s" % e)
        want = (res.group + "/" if res.group else "") + route["version"]
        if doc.get("apiVersion") != want or doc.get("kind") != res.kind:
            raise bad_request("apiVersion and kind must be %s %s in an apply request, got %r %r"
                              % (want, res.kind, doc.get("apiVersion"), doc.get("kind")))
        md = doc.get("metadata") or {}
        if md.get("name") not in (None, name):
            raise bad_request("the name of the object (%s) does not match the name on the URL (%s)"
                              % (md.get("name"), name))
        if res.plural != "resourceclaims" or route["sub"] != "status":
            raise ApiError(415, "UnsupportedMediaType", "this test peer implements server-side apply only on "
                           "resourceclaims/status", {})
        self.drop_unknown(route, q, doc, apply=True)
        cfg = to_internal(res, doc, route["version"])
        cfg_scoped = {"status": cfg.get("status") or {}}
        applied = field_set(cfg_scoped)

        def apply_fn(old):
            managed = copy.deepcopy(old.get("_managed", {}))
            key = (mgr, "Apply", "status")
            mine = managed.get(key, {"set": set()})["set"]
            conflicts = []
            for (m, op, sub), ent in managed.items():
                if (m, op, sub) == key:
                    continue
                for p in sorted(ent["set"] & applied, key=repr):
                    if p[-1][0] == ".":
                        continue
                    if get_at(old, p) != get_at(cfg_scoped, p) and get_at(old, p) is not MISSING:
                        conflicts.append(((m, op, sub), ent.get("apiVersion"), p))
            if conflicts and not force:
                causes, msgs = [], []
                # k8s.io/apimachinery/pkg/util/managedfields/internal/conflict.go
                conflicts.sort(key=lambda c: (c[0][0], c[0][1], c[0][2]))
                for (m, op, sub), av, p in conflicts:
                    who = '"%s"' % m + (' with subresource "%s"' % sub if sub else "")
                    if op == "Update":
                        who += " using %s" % av
                    causes.append({"reason": "FieldManagerConflict", "message": "conflict with %s" % who,
                                   "field": path_string(p)})
                    msgs.append((who, path_string(p)))
                if len(conflicts) == 1:
                    msg = "Apply failed with 1 conflict: conflict with %s: %s" % msgs[0]
                else:
                    by = {}
                    for who, p in msgs:
                        by.setdefault(who, []).append(p)
                    parts = ["conflicts with %s:\n%s" % (who, "\n".join("- " + p for p in ps))
                             for who, ps in by.items()]  # dicts keep the sorted order
                    msg = "Apply failed with %d conflicts: %s" % (len(conflicts), "\n".join(parts))
                raise ApiError(409, "Conflict", msg, {"causes": causes})
            new = copy.deepcopy(strip(old))
            others = set()
            for k, ent in managed.items():
                if k != key:
                    others |= ent["set"]
            # fields this manager applied before and no longer does: removed unless someone else owns them
            # whole list-map items first, then leaves (never the key fields of an item that stays)
            for p in sorted(mine - applied, key=lambda p: (p[-1][0] != ".", -len(p))):
                if p in others:
                    continue
                if p[-1][0] == "." and any(o[:len(p) - 1] == p[:-1] for o in others):
                    continue  # an item another manager still owns a field of stays
                if (len(p) >= 2 and p[-2][0] == "k" and p[-1][0] == "f"
                        and p[-1][1] in [k for k, _ in p[-2][1]]):
                    continue
                remove_at(new, p)
                # containers left empty by the removal go too (as structured-merge-diff leaves them out)
                q = p[:-2] if p[-1][0] == "." else p[:-1]
                while len(q) > 1:
                    v = get_at(new, q)
                    if v in ([], {}) and q not in others:
                        remove_at(new, q)
                        q = q[:-2] if q[-1][0] == "k" else q[:-1]
                    else:
                        break
            merge_apply(new, cfg_scoped)
            if force:
                for k, _, p in conflicts:
                    managed[k]["set"].discard(p)
            managed[key] = {"set": set(applied), "apiVersion": want, "time": now_rfc3339()}
            for k in [k for k, e in managed.items() if not e["set"]]:
                del managed[k]
            new["_managed"] = managed
            return new
        return self.commit_update(route, q, None, md.get("resourceVersion"), md.get("uid"), mgr, apply_fn)

    def do_delete(self, route, body):
        res, st = route["res"], self.peer.store
        name, key = route["name"], (route["ns"] or "", route["name"])
        opts = {}
        if body:
            try:
                opts = json.loads(body)
            except ValueError as e:
                raise bad_request("error decoding DeleteOptions: %s" % e)
        pre = (opts or {}).get("preconditions") or {}
        with st.lock:
            old = self.objs(res).get(key)
            if old is None:
                raise not_found(res, name)
            omd = old["metadata"]
            if pre.get("uid") and pre["uid"] != omd["uid"]:
                raise conflict(res, name, "Precondition failed: UID in precondition: %s, UID in object meta: %s"
                               % (pre["uid"], omd["uid"]))
            if pre.get("resourceVersion") and pre["resourceVersion"] != omd["resourceVersion"]:
                raise conflict(res, name, "Precondition failed: ResourceVersion in precondition: %s, "
                               "ResourceVersion in object meta: %s" % (pre["resourceVersion"],
                                                                       omd["resourceVersion"]))
            self.peer._delete(res, key, old)
            details = gr_details(res, name)
            details["uid"] = omd["uid"]
        self.send_json(200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                             "details": details})
        return 200


def merge_patch(target, patch, strategic, names):
    """RFC 7386; strategic: list-maps with a patch merge key (reservedFor) merge by it."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if strategic and k.startswith("$"):
            continue
        if v is None:
            out.pop(k, None)
        elif (strategic and isinstance(v, list) and names + (k,) == ("status", "reservedFor")
              and isinstance(out.get(k), list)):
            lst = out[k]
            for item in v:
                if not isinstance(item, dict):
                    continue
                if item.get("$patch") == "delete":
                    lst[:] = [i for i in lst if i.get("uid") != item.get("uid")]
                    continue
                for i, have in enumerate(lst):
                    if have.get("uid") == item.get("uid"):
                        lst[i] = merge_patch(have, item, strategic, names + (k, "*"))
                        break
                else:
                    lst.append(item)
        else:
            out[k] = merge_patch(out.get(k), v, strategic, names + (k,))
    return out


def pointer_to_field(ptr):
    parts = [p.replace("~1", "/").replace("~0", "~") for p in ptr.strip("/").split("/") if p]
    s = ""
    prev = None
    for p in parts:
        if p.isdigit():
            s += "[%s]" % p
        elif prev in ("attributes", "capacity"):
            s += "[%s]" % p
        else:
            s += ("." if s else "") + p
        prev = p
    return s


# ------------------------------------------------------------------ control interface

class Admin(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    peer = None

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, obj):
        body = (json.dumps(obj, indent=None, separators=(",", ":"), default=str) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.handle_admin("GET")

    def do_POST(self):
        self.handle_admin("POST")

    def do_PUT(self):
        self.handle_admin("PUT")

    def do_PATCH(self):
        self.handle_admin("PATCH")

    def do_DELETE(self):
        self.handle_admin("DELETE")

    def handle_admin(self, method):
        peer = self.peer
        url = urllib.parse.urlsplit(self.path)
        q = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError as e:
            return self.reply(400, {"error": "body is not JSON: %s" % e})
        p = url.path.rstrip("/")
        try:
            if p == "/state":
                return self.reply(200, peer.state)
            if p == "/counters" and method == "GET":
                with peer.mutex:
                    out = copy.deepcopy(peer.counters)
                    out["connections"] = dict(peer.conn_stats, open=len(peer.conns))
                    out["watches_open"] = peer.watches_open
                    return self.reply(200, out)
            if p == "/counters/reset":
                with peer.mutex:
                    peer.counters = {"requests": {}, "writes": {}, "verbs": {}}
                return self.reply(200, {})
            if p == "/log":
                since = int(q.get("since") or 0)
                with peer.mutex:
                    return self.reply(200, [e for e in peer.reqlog if e["seq"] > since])
            if p == "/faults":
                if method == "GET":
                    with peer.mutex:
                        return self.reply(200, {"faults": peer.faults, "drop": peer.drop})
                if method == "DELETE":
                    with peer.mutex:
                        peer.faults = []
                        peer.drop = {"count": 0, "mode": "close"}
                    return self.reply(200, {})
                f = dict(body)
                f.setdefault("count", 1)
                f.setdefault("path_prefix", "/")
                if f.get("kind") not in ("status", "delay", "close"):
                    return self.reply(400, {"error": "kind must be status, delay or close"})
                with peer.mutex:
                    peer.faults.append(f)
                return self.reply(200, f)
            if p == "/drop":
                with peer.mutex:
                    peer.drop = {"count": int(body.get("count", 1)), "mode": body.get("mode", "close"),
                                 "done": 0}
                return self.reply(200, peer.drop)
            if p == "/expire-watches":
                peer.expire_error = bool(body.get("error"))
                peer.store.expire()
                return self.reply(200, {"floor": str(peer.store.floor)})
            if p == "/down":
                secs = body.get("seconds")
                peer.go_down(None if secs is None else float(secs))
                return self.reply(200, {"down_for": secs})
            if p == "/up":
                peer.come_up()
                return self.reply(200, {"port": peer.port})
            if p == "/rbac":
                if body.get("file"):
                    peer.load_rbac(body["file"])
                elif body.get("docs"):
                    peer.load_rbac(list(body["docs"]))
                else:
                    peer.rbac, peer.rbac_source = None, None
                return self.reply(200, {"rbac": peer.rbac_source})
            if p == "/rotate-token":
                return self.reply(200, {"token": peer.rotate_token(body.get("user", SA_USER))})
            if p == "/dump":
                d = peer.dump()
                if q.get("resource"):
                    d["objects"] = {q["resource"]: d["objects"].get(q["resource"], [])}
                return self.reply(200, d)
            if p == "/objects" and method in ("POST", "PUT"):
                res, out = peer.put_raw(body, q.get("manager", "test-admin"))
                return self.reply(200, out)
            if p == "/objects" and method == "DELETE":
                res = next((r for r in RESOURCES if r.plural == q.get("resource")
                            and r.group == q.get("group", r.group)), None)
                if res is None:
                    return self.reply(400, {"error": "unknown resource"})
                peer.delete_raw(res, q.get("namespace", ""), q.get("name", ""))
                return self.reply(200, {})
            return self.reply(404, {"error": "no such control endpoint: %s" % p})
        except ApiError as e:
            return self.reply(e.code, e.status())
        except Exception as e:
            traceback.print_exc()
            return self.reply(500, {"error": str(e)})


# ------------------------------------------------------------------ start-up

def kubeconfig(url, d, inline):
    def ref(kind, path):
        if inline:
            with open(path, "rb") as f:
                return "%s-data: %s" % (kind, base64.b64encode(f.read()).decode())
        return "%s: %s" % (kind, path)
    ca = os.path.join(d, "ca.crt")
    lines = ["apiVersion: v1", "kind: Config", "clusters:", "- name: peer", "  cluster:",
             "    server: %s" % url, "    " + ref("certificate-authority", ca),
             "users:", "- name: dranet", "  user:"]
    if inline and os.path.exists(os.path.join(d, "token")):
        with open(os.path.join(d, "token")) as f:
            lines.append("    token: %s" % f.read().strip())
    else:
        lines.append("    tokenFile: %s" % os.path.join(d, "token"))
    lines += ["- name: admin", "  user:", "    " + ref("client-certificate", os.path.join(d, "admin.crt")),
              "    " + ref("client-key", os.path.join(d, "admin.key"))]
    sa = os.path.join(d, SA_USER.replace(":", "_"))
    if os.path.exists(sa + ".crt"):
        lines += ["- name: dranet-cert", "  user:", "    " + ref("client-certificate", sa + ".crt"),
                  "    " + ref("client-key", sa + ".key")]
    lines += ["contexts:", "- name: dranet", "  context:", "    cluster: peer", "    user: dranet",
              "- name: admin", "  context:", "    cluster: peer", "    user: admin"]
    if os.path.exists(sa + ".crt"):
        lines += ["- name: dranet-cert", "  context:", "    cluster: peer", "    user: dranet-cert"]
    lines += ["current-context: dranet", "preferences: {}", ""]
    return "\n".join(lines)


def main():
    global QUIET
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--admin-port", type=int, default=0)
    ap.add_argument("--tls-dir", required=True, help="CA, server and client certificates (made if missing)")
    ap.add_argument("--server-cert", help="serve this certificate instead of TLS_DIR/server.crt")
    ap.add_argument("--server-key", help="... with this key (default: the .crt's .key)")
    ap.add_argument("--tls-max", choices=["1.2", "1.3"], default="1.3")
    ap.add_argument("--token-file", help="token,user,uid,\"groups\" CSV (default TLS_DIR/tokens.csv)")
    ap.add_argument("--state-file", help="write the start-up JSON here")
    ap.add_argument("--versions", default="all", help="resource.k8s.io versions served: all, v1, v1beta1, ...")
    ap.add_argument("--rbac", help="ClusterRole(s) (+ optional ClusterRoleBindings), YAML or JSON")
    ap.add_argument("--no-schema", action="store_true", help="skip the npm kubernetes-models check")
    ap.add_argument("--node", default="node", help="Node.js binary for validate-slice.mjs")
    ap.add_argument("--bookmark-interval", type=float, default=1.0, help="seconds between watch bookmarks")
    ap.add_argument("--watch-window", type=int, default=10000, help="watch events retained")
    ap.add_argument("--expire-mode", choices=["close", "error"], default="close",
                    help="/expire-watches: end open watches quietly (close) or with a 410 ERROR event")
    ap.add_argument("--fresh-wait", type=float, default=3.0,
                    help="seconds a list/watch waits for a resourceVersion not reached yet, then 504")
    ap.add_argument("--gc-delay", type=float, default=1.0,
                    help="seconds before an object whose owners are all absent is deleted (<0: never)")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()
    QUIET = a.quiet
    a.tls_dir = os.path.abspath(a.tls_dir)
    subprocess.run(["bash", os.path.join(HERE, "mkcerts.sh"), a.tls_dir,
                    "%s=%s" % (SA_USER, ",".join(SA_GROUPS))], check=True)
    a.token_file = os.path.abspath(a.token_file or os.path.join(a.tls_dir, "tokens.csv"))
    with open(os.path.join(a.tls_dir, ".lock"), "w") as lock:  # peers started together share DIR
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(a.token_file):
            tok = secrets.token_hex(24)
            write_atomic(os.path.join(a.tls_dir, "token"), tok + "\n")
            write_atomic(a.token_file, csv_text([[tok, SA_USER, str(uuid.uuid4()), ",".join(SA_GROUPS)]]))
    peer = Peer(a)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if a.tls_max == "1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    cert = a.server_cert or os.path.join(a.tls_dir, "server.crt")
    key = a.server_key or (cert[:-4] + ".key" if cert.endswith(".crt") else cert)
    ctx.load_cert_chain(cert, key)
    ctx.load_verify_locations(os.path.join(a.tls_dir, "ca.crt"))
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.set_alpn_protocols(["http/1.1"])
    peer.ctx = ctx
    peer.validator = Validator(a.node)
    if not a.no_schema:  # start node now: the first slice write then does not wait for it
        threading.Thread(target=peer.validator.check, args=({"apiVersion": "resource.k8s.io/v1",
                                                             "kind": "ResourceSlice"},), daemon=True).start()
    peer.open_listener()
    Admin.peer = peer
    admin = http.server.ThreadingHTTPServer(("127.0.0.1", a.admin_port), Admin)
    admin.daemon_threads = True
    url = "https://%s:%d" % ("[%s]" % a.host if ":" in a.host else a.host, peer.port)
    # the kubeconfigs name this peer's URL: next to the state file (DIR may be shared)
    kdir = os.path.dirname(os.path.abspath(a.state_file)) if a.state_file else a.tls_dir
    for inline, fn in ((False, "kubeconfig"), (True, "kubeconfig-inline")):
        write_atomic(os.path.join(kdir, fn), kubeconfig(url, a.tls_dir, inline))
    peer.state = {"url": url, "port": peer.port, "admin": "http://127.0.0.1:%d" % admin.server_address[1],
                  "kubeconfig": os.path.join(kdir, "kubeconfig"),
                  "kubeconfig_inline": os.path.join(kdir, "kubeconfig-inline"),
                  "ca": os.path.join(a.tls_dir, "ca.crt"), "token_file": os.path.join(a.tls_dir, "token"),
                  "tokens_csv": a.token_file, "user": SA_USER, "versions": peer.versions, "pid": os.getpid()}
    threading.Thread(target=admin.serve_forever, daemon=True).start()
    threading.Thread(target=peer.accept_loop, daemon=True).start()
    if a.gc_delay >= 0:
        threading.Thread(target=peer.gc_loop, daemon=True).start()
    line = json.dumps(peer.state)
    if a.state_file:
        write_atomic(a.state_file, line + "\n")
    print(line, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
