#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Tests of the API server peer (apiserver.py) with Python's http.client as the client, so
later tests of our own client can trust the peer. Prints `ok - ...` / `not ok - ...` lines
and ends with `apiserver-peer: N passed, N failed`; exit 1 if any failed.

    test_apiserver.py [WORKDIR] [NAME-SUBSTRING...]
"""
import base64
import ctypes
import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SA = "system:serviceaccount:kube-system:dranet"
SLICES = "/apis/resource.k8s.io/v1/resourceslices"


def die_with_parent():
    """prctl(PR_SET_PDEATHSIG, SIGTERM): a peer does not outlive a killed test."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)


class Peer:
    """One apiserver.py process."""

    def __init__(self, work, name, *args):
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir, exist_ok=True)
        tls = os.path.join(work, "tls")  # one PKI for all peers: made once
        state = os.path.join(self.dir, "state.json")
        if os.path.exists(state):
            os.unlink(state)
        self.err = open(os.path.join(self.dir, "stderr"), "w")
        self.p = subprocess.Popen([sys.executable, os.path.join(HERE, "apiserver.py"), "--port", "0",
                                   "--tls-dir", tls, "--state-file", state,
                                   "--bookmark-interval", "0.3", "--gc-delay", "0.3",
                                   "--fresh-wait", "0.3"] + list(args),
                                  stdout=subprocess.DEVNULL, stderr=self.err, preexec_fn=die_with_parent)
        self.state_file = state

    def wait(self):
        state, t = self.state_file, time.time()
        while not os.path.exists(state):
            if self.p.poll() is not None or time.time() - t > 20:
                raise RuntimeError("peer did not start: see %s/stderr" % self.dir)
            time.sleep(0.05)
        with open(state) as f:
            self.state = json.load(f)
        self.port, self.tls = self.state["port"], os.path.dirname(self.state["ca"])
        return self

    def stop(self):
        self.p.terminate()
        self.p.wait()
        self.err.close()

    def token(self):
        with open(self.state["token_file"]) as f:
            return f.read().strip()

    def client(self, user="token", **kw):
        return Client(self, user, **kw)

    def admin(self, method, path, body=None):
        u = urllib.parse.urlsplit(self.state["admin"])
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        data = json.dumps(body).encode() if body is not None else None
        c.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
        r = c.getresponse()
        out = json.loads(r.read() or b"null")
        c.close()
        assert r.status == 200, (r.status, out)
        return out


class Client:
    def __init__(self, peer, user="token", token=None, ca=None, agent="peer-test/1.0"):
        self.peer, self.user, self.agent = peer, user, agent
        ctx = ssl.create_default_context(cafile=ca or os.path.join(peer.tls, "ca.crt"))
        if user not in ("token", "anonymous"):
            ctx.load_cert_chain(os.path.join(peer.tls, user + ".crt"), os.path.join(peer.tls, user + ".key"))
        self.ctx = ctx
        self.tok = token
        self.conn = None

    def connect(self, timeout=10):
        host = "::1" if self.peer.state["url"].startswith("https://[") else "127.0.0.1"
        return http.client.HTTPSConnection(host, self.peer.port, context=self.ctx, timeout=timeout)

    def headers(self, ctype=None):
        h = {"Accept": "application/json", "User-Agent": self.agent}
        if self.user == "token":
            h["Authorization"] = "Bearer " + (self.tok or self.peer.token())
        if ctype:
            h["Content-Type"] = ctype
        return h

    def req(self, method, path, body=None, ctype="application/json"):
        """(status, json body, headers); one keep-alive connection reused."""
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            data = data.encode() if isinstance(data, str) else data
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = self.connect()
            try:
                self.conn.request(method, path, body=data, headers=self.headers(ctype if data else None))
                r = self.conn.getresponse()
                raw = r.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        try:
            doc = json.loads(raw) if raw else None
        except ValueError:
            doc = raw.decode()
        return r.status, doc, r.headers

    def watch(self, path, timeout=5):
        c = self.connect(timeout=timeout)
        c.request("GET", path, headers=self.headers())
        r = c.getresponse()
        assert r.status == 200, r.status
        assert r.headers.get("Transfer-Encoding") == "chunked"
        return Watch(c, r)


class Watch:
    def __init__(self, conn, resp):
        self.conn, self.resp = conn, resp

    def next(self):
        """The next event, or None at the end of the stream."""
        line = self.resp.readline()
        if not line:
            return None
        return json.loads(line)

    def until(self, pred, limit=50):
        for _ in range(limit):
            ev = self.next()
            if ev is None or pred(ev):
                return ev
        raise AssertionError("no matching event in %d" % limit)

    def close(self):
        self.conn.close()


def slice_doc(node="node1", driver="dra.net", devices=None, gen=1, count=1, name=None):
    md = {"name": name} if name else {"generateName": "%s-%s-" % (node, driver)}
    if devices is None:
        devices = [{"name": "eth1", "attributes": {"dra.net/ifName": {"string": "eth1"},
                                                     "dra.net/mtu": {"int": 1500},
                                                     "dra.net/rdma": {"bool": False},
                                                     "dra.net/kver": {"version": "6.8.0"}},
                    "capacity": {"dra.net/bandwidth": {"value": "100G"}}}]
    return {"apiVersion": "resource.k8s.io/v1", "kind": "ResourceSlice", "metadata": md,
            "spec": {"driver": driver, "nodeName": node,
                     "pool": {"name": node, "generation": gen, "resourceSliceCount": count},
                     "devices": devices}}


def status_of(doc):
    assert isinstance(doc, dict) and doc.get("kind") == "Status", doc
    assert doc["apiVersion"] == "v1" and doc["status"] == "Failure" and doc["metadata"] == {}, doc
    return doc


# ------------------------------------------------------------------ tests

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


@test
def discovery_and_auth(P):
    c = P["main"].client()
    st, d, _ = c.req("GET", "/apis/resource.k8s.io")
    assert st == 200 and d["kind"] == "APIGroup", d
    assert [v["version"] for v in d["versions"]] == ["v1", "v1beta2", "v1beta1"], d
    assert d["preferredVersion"]["version"] == "v1"
    st, d, _ = c.req("GET", "/apis")
    assert st == 200 and d["kind"] == "APIGroupList"
    assert "resource.k8s.io" in [g["name"] for g in d["groups"]]
    st, d, _ = c.req("GET", "/api")
    assert st == 200 and d["kind"] == "APIVersions" and d["versions"] == ["v1"]
    st, d, _ = c.req("GET", "/apis/resource.k8s.io/v1")
    assert st == 200 and d["kind"] == "APIResourceList"
    names = {r["name"]: r for r in d["resources"]}
    assert names["resourceslices"]["namespaced"] is False and names["resourceclaims"]["namespaced"] is True
    assert "resourceclaims/status" in names
    st, d, _ = c.req("GET", "/version")
    assert st == 200 and d["major"] == "1" and d["gitVersion"].startswith("v1.34")
    # anonymous, a wrong token: 401 with the real Status
    for cl in (P["main"].client("anonymous"), P["main"].client(token="not-a-token")):
        st, d, _ = cl.req("GET", SLICES)
        assert st == 401, st
        assert status_of(d) == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                "message": "Unauthorized", "reason": "Unauthorized", "code": 401}, d
    # client certificates: CN = user, O = groups; admin (system:masters)
    st, d, _ = P["main"].client("admin").req("GET", SLICES)
    assert st == 200 and d["kind"] == "ResourceSliceList"
    sa = P["main"].client(SA.replace(":", "_"))
    st, d, _ = sa.req("GET", SLICES)
    assert st == 200
    # a client certificate from another CA: the handshake fails
    bad = ssl.create_default_context(cafile=os.path.join(P["main"].tls, "ca.crt"))
    bad.load_cert_chain(os.path.join(P["main"].tls, "other.crt"), os.path.join(P["main"].tls, "other.key"))
    try:
        c2 = http.client.HTTPSConnection("127.0.0.1", P["main"].port, context=bad, timeout=5)
        c2.request("GET", SLICES)
        c2.getresponse()
        raise AssertionError("a client certificate of another CA was accepted")
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
        pass
    # the server certificate: IP SAN and DNS SAN, verified by Python's own checks
    for host in ("127.0.0.1", "localhost"):
        ctx = ssl.create_default_context(cafile=os.path.join(P["main"].tls, "ca.crt"))
        with socket.create_connection(("127.0.0.1", P["main"].port), timeout=5) as s:
            with ctx.wrap_socket(s, server_hostname=host) as t:
                assert t.version() in ("TLSv1.2", "TLSv1.3")
    # the kubeconfigs: this peer's URL, the CA, the token file (or inline data and token)
    with open(P["main"].state["kubeconfig"]) as f:
        kc = dict(re.findall(r"^\s*([\w-]+): (.*)$", f.read(), re.M))
    assert kc["server"] == P["main"].state["url"] and kc["current-context"] == "dranet", kc
    assert kc["certificate-authority"] == P["main"].state["ca"] and kc["tokenFile"] == P["main"].state["token_file"]
    with open(P["main"].state["kubeconfig_inline"]) as f:
        kci = dict(re.findall(r"^\s*([\w-]+): (.*)$", f.read(), re.M))
    with open(P["main"].state["ca"], "rb") as f:
        assert base64.b64decode(kci["certificate-authority-data"]) == f.read()
    assert P["main"].client(token=kci["token"]).req("GET", SLICES)[0] == 200
    # IPv6: the IP SAN ::1 verifies; --tls-max 1.2 caps the version
    v6 = P["v6"]
    assert v6.state["url"] == "https://[::1]:%d" % v6.port
    st, d, _ = v6.client().req("GET", SLICES)
    assert st == 200 and d["kind"] == "ResourceSliceList"
    # --versions v1: only v1 in discovery; v1beta1 and v1beta2 paths are 404
    st, d, _ = v6.client().req("GET", "/apis/resource.k8s.io")
    assert [v["version"] for v in d["versions"]] == ["v1"], d
    for v in ("v1beta1", "v1beta2"):
        assert v6.client().req("GET", "/apis/resource.k8s.io/%s/resourceslices" % v)[0] == 404
        assert v6.client().req("GET", "/apis/resource.k8s.io/%s" % v)[0] == 404
    ctx = ssl.create_default_context(cafile=os.path.join(v6.tls, "ca.crt"))
    with socket.create_connection(("::1", v6.port), timeout=5) as s:
        with ctx.wrap_socket(s, server_hostname="::1") as t:
            assert t.version() == "TLSv1.2", t.version()
    # unknown paths and unserved versions: 404 Status
    st, d, _ = c.req("GET", "/apis/resource.k8s.io/v1alpha3/resourceslices")
    assert st == 404 and status_of(d)["message"] == "the server could not find the requested resource", d


@test
def slices_crud(P):
    c = P["main"].client()
    P["main"].admin("POST", "/counters/reset")
    st, a, _ = c.req("POST", SLICES, slice_doc())
    assert st == 201, (st, a)
    md = a["metadata"]
    assert re.fullmatch(r"node1-dra\.net-[bcdfghjklmnpqrstvwxz2456789]{5}", md["name"]), md["name"]
    assert re.fullmatch(r"[0-9a-f-]{36}", md["uid"]) and md["generation"] == 1
    assert isinstance(md["resourceVersion"], str) and md["resourceVersion"].isdigit()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", md["creationTimestamp"])
    assert list(a)[:3] == ["kind", "apiVersion", "metadata"], list(a)
    owner = [{"apiVersion": "v1", "kind": "Node", "name": "node1", "uid": "u-node1", "controller": True}]
    P["main"].admin("POST", "/objects", {"apiVersion": "v1", "kind": "Node",
                                         "metadata": {"name": "node1", "uid": "u-node1"}})
    d = slice_doc(node="node2")
    d["metadata"]["ownerReferences"] = owner
    st, b, _ = c.req("POST", SLICES, d)
    assert st == 201 and b["metadata"]["ownerReferences"] == owner, b
    st, o, _ = c.req("POST", SLICES, slice_doc(driver="other.example.com"))
    assert st == 201
    # field selectors: node and driver
    q = SLICES + "?fieldSelector=" + urllib.parse.quote("spec.nodeName=node1,spec.driver=dra.net")
    st, l, _ = c.req("GET", q)
    assert st == 200 and l["kind"] == "ResourceSliceList" and l["apiVersion"] == "resource.k8s.io/v1"
    assert [i["metadata"]["name"] for i in l["items"]] == [md["name"]], l
    assert "kind" not in l["items"][0] and "apiVersion" not in l["items"][0]
    assert int(l["metadata"]["resourceVersion"]) >= int(o["metadata"]["resourceVersion"])
    st, l, _ = c.req("GET", SLICES + "?fieldSelector=spec.driver%3Dother.example.com")
    assert [i["metadata"]["name"] for i in l["items"]] == [o["metadata"]["name"]]
    st, l, _ = c.req("GET", SLICES + "?fieldSelector=spec.driver%21%3Ddra.net")
    assert [i["metadata"]["name"] for i in l["items"]] == [o["metadata"]["name"]]
    st, e, _ = c.req("GET", SLICES + "?fieldSelector=spec.pool.name%3Dx")
    assert st == 400 and status_of(e)["message"] == "field label not supported: spec.pool.name", e
    # limit / continue
    st, l1, _ = c.req("GET", SLICES + "?limit=2")
    assert len(l1["items"]) == 2 and l1["metadata"]["continue"] and l1["metadata"]["remainingItemCount"] == 1
    st, l2, _ = c.req("GET", SLICES + "?limit=2&continue=" + urllib.parse.quote(l1["metadata"]["continue"]))
    assert len(l2["items"]) == 1 and "continue" not in l2["metadata"], l2
    # get
    path = SLICES + "/" + md["name"]
    st, g, _ = c.req("GET", path)
    assert st == 200 and g["spec"] == a["spec"] and g["metadata"]["uid"] == md["uid"]
    # update with the current resourceVersion: generation bumped, new RV
    g["spec"]["devices"][0]["attributes"]["dra.net/mtu"] = {"int": 9000}
    g["spec"]["pool"]["generation"] = 2
    st, u, _ = c.req("PUT", path, g)
    assert st == 200, u
    assert u["metadata"]["generation"] == 2 and int(u["metadata"]["resourceVersion"]) > int(md["resourceVersion"])
    # the same again (now stale): 409 Conflict in the real shape
    st, e, _ = c.req("PUT", path, g)
    assert st == 409, e
    assert status_of(e) == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'Operation cannot be fulfilled on resourceslices.resource.k8s.io "%s": the object has been '
                   'modified; please apply your changes to the latest version and try again' % md["name"],
        "reason": "Conflict", "details": {"name": md["name"], "group": "resource.k8s.io",
                                          "kind": "resourceslices"}, "code": 409}, e
    # a no-op update: same resourceVersion, no write
    st, n, _ = c.req("PUT", path, u)
    assert st == 200 and n["metadata"]["resourceVersion"] == u["metadata"]["resourceVersion"], n
    # immutable fields
    bad = json.loads(json.dumps(u))
    bad["spec"]["nodeName"] = "node9"
    bad["spec"]["driver"] = "x.example.com"
    st, e, _ = c.req("PUT", path, bad)
    assert st == 422, e
    fields = {x["field"]: x for x in e["details"]["causes"]}
    assert fields["spec.nodeName"]["message"] == 'Invalid value: "node9": field is immutable', e
    assert "spec.driver" in fields
    # PUT of a missing object: 404
    st, e, _ = c.req("PUT", SLICES + "/nope", dict(u, metadata={"name": "nope"}))
    assert st == 404 and e["message"] == 'resourceslices.resource.k8s.io "nope" not found', e
    # delete with a wrong precondition: 409; then delete: 200 Status Success; then 404
    st, e, _ = c.req("DELETE", path, {"kind": "DeleteOptions", "apiVersion": "v1",
                                      "preconditions": {"uid": "00000000-0000-0000-0000-000000000000"}})
    assert st == 409 and "Precondition failed: UID in precondition" in e["message"], e
    st, e, _ = c.req("DELETE", path, {"preconditions": {"resourceVersion": md["resourceVersion"]}})
    assert st == 409 and "ResourceVersion in precondition" in e["message"], e
    st, dl, _ = c.req("DELETE", path, {"preconditions": {"uid": md["uid"],
                                                         "resourceVersion": u["metadata"]["resourceVersion"]}})
    assert st == 200 and dl["status"] == "Success" and dl["details"]["uid"] == md["uid"], dl
    st, e, _ = c.req("GET", path)
    assert st == 404 and e["reason"] == "NotFound" and e["details"]["kind"] == "resourceslices"
    # create with a resourceVersion: 400; an existing name: 409 AlreadyExists
    st, e, _ = c.req("POST", SLICES, dict(slice_doc(), metadata={"name": "x1", "resourceVersion": "5"}))
    assert st == 400, e
    assert c.req("POST", SLICES, slice_doc(name="x1"))[0] == 201
    st, e, _ = c.req("POST", SLICES, slice_doc(name="x1"))
    assert st == 409 and e["reason"] == "AlreadyExists", e
    # deleting the owner Node removes its dependents (the garbage collector)
    P["main"].admin("POST", "/objects", {"apiVersion": "v1", "kind": "Node",
                                         "metadata": {"name": "gc-node", "uid": "u-gc"}})
    d = slice_doc(node="gc-node")
    d["metadata"]["ownerReferences"] = [dict(owner[0], name="gc-node", uid="u-gc")]
    st, gcs, _ = c.req("POST", SLICES, d)
    assert st == 201
    st, _, _ = P["main"].client("admin").req("DELETE", "/api/v1/nodes/gc-node")
    assert st == 200
    assert c.req("GET", SLICES + "/" + gcs["metadata"]["name"])[0] == 404
    # an owner that does not exist (or has another uid): the garbage collector deletes the slice
    d = slice_doc(node="node1")
    d["metadata"]["ownerReferences"] = [dict(owner[0], uid="u-wrong")]
    st, dang, _ = c.req("POST", SLICES, d)
    assert st == 201
    t = time.time()
    while c.req("GET", SLICES + "/" + dang["metadata"]["name"])[0] == 200:
        assert time.time() - t < 5, "dangling slice not collected"
        time.sleep(0.1)
    assert c.req("GET", SLICES + "/" + b["metadata"]["name"])[0] == 200  # node2's owner node1 exists
    # counters: writes per user and resource
    cnt = P["main"].admin("GET", "/counters")
    w = cnt["writes"][SA]["resourceslices"]
    assert w == 16, cnt["writes"]
    assert cnt["requests"][SA]["resourceslices"] > w
    assert cnt["verbs"][SA]["resourceslices"]["update"] == 5, cnt["verbs"]
    # the request log: user agent and the bodies of writes
    log = P["main"].admin("GET", "/log")
    post = [e for e in log if e["method"] == "POST" and e["path"] == SLICES][-1]
    assert post["agent"] == "peer-test/1.0" and post["body"]["metadata"]["ownerReferences"][0]["uid"] == "u-wrong", post
    assert cnt["connections"]["accepted"] >= 1 and cnt["connections"]["open"] >= 1, cnt["connections"]


def causes(e):
    assert e["kind"] == "Status" and e["code"] == 422 and e["reason"] == "Invalid", e
    return {x["field"]: x for x in e["details"]["causes"]}


@test
def slice_validation(P):
    c = P["main"].client()
    devs = [{"name": "d%d" % i} for i in range(129)]
    devs[5]["name"] = "Not_A_Label"  # too many devices short-circuits: no per-device errors
    st, e, _ = c.req("POST", SLICES, slice_doc(devices=devs, name="big"))
    assert st == 422, (st, e)
    assert e["message"] == ('ResourceSlice.resource.k8s.io "big" is invalid: spec.devices: Too many: 129: must '
                            'have at most 128 items'), e["message"]
    assert e["details"] == {"name": "big", "group": "resource.k8s.io", "kind": "ResourceSlice", "causes": [
        {"reason": "FieldValueTooMany", "message": "Too many: 129: must have at most 128 items",
         "field": "spec.devices"}]}, e["details"]
    devs[5]["name"] = "d5"
    assert c.req("POST", SLICES, slice_doc(devices=devs[:128], name="big"))[0] == 201
    # a 65-character string
    d = slice_doc(name="long")
    d["spec"]["devices"] = [{"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": "eth3", "attributes": {
        "dra.net/ifName": {"string": "x" * 65}}}]
    st, e, _ = c.req("POST", SLICES, d)
    f = causes(e)
    assert list(f) == ["spec.devices[3].attributes[dra.net/ifName].string"], f
    assert f["spec.devices[3].attributes[dra.net/ifName].string"]["reason"] == "FieldValueTooLong"
    assert e["message"].endswith("Too long: may not be more than 64 bytes"), e["message"]
    d["spec"]["devices"][3]["attributes"]["dra.net/ifName"]["string"] = "x" * 64
    assert c.req("POST", SLICES, d)[0] == 201
    # device names, attribute names, counts, values, node selection, pool
    d = slice_doc(name="many")
    d["spec"]["devices"] = [
        {"name": "Eth_0"},
        {"name": "ok1", "attributes": {"dra.net/%d" % i: {"int": i} for i in range(33)}},
        {"name": "ok2", "attributes": {"bad domain/x": {"int": 1}, "dra.net/" + "a" * 33: {"int": 1},
                                       "dra.net/two": {"int": 1, "bool": True}, "dra.net/none": {},
                                       "dra.net/v": {"version": "1.2"}}},
        {"name": "ok1"},
    ]
    d["spec"]["allNodes"] = True
    d["spec"]["pool"]["resourceSliceCount"] = 0
    d["spec"]["pool"]["generation"] = -1
    st, e, _ = c.req("POST", SLICES, d)
    f = causes(e)
    assert f["spec.devices[0].name"]["message"].startswith('Invalid value: "Eth_0": a lowercase RFC 1123 label'), f
    assert f["spec.devices[1].attributes[dra.net/0]"]["reason"] == "FieldValueInvalid", f  # not a C identifier
    assert f["spec.devices[1]"]["message"] == ("Invalid value: 33: the total number of attributes and capacities "
                                               "must not exceed 32"), f
    assert "spec.devices[2].attributes[bad domain/x]" in f
    assert f["spec.devices[2].attributes[dra.net/%s]" % ("a" * 33)]["reason"] == "FieldValueTooLong"
    assert f["spec.devices[2].attributes[dra.net/two]"]["message"].endswith("exactly one value must be specified")
    assert f["spec.devices[2].attributes[dra.net/none]"]["message"] == (
        'Invalid value: "": exactly one value must be specified'), f
    assert "spec.devices[2].attributes[dra.net/v].version" in f
    assert f["spec.devices[3]"] == {"reason": "FieldValueDuplicate", "message": 'Duplicate value: "ok1"',
                                    "field": "spec.devices[3]"}, f
    assert "multiple fields are set" in f["spec"]["message"]
    assert "spec.pool.resourceSliceCount" in f and "spec.pool.generation" in f
    assert e["message"].startswith('ResourceSlice.resource.k8s.io "many" is invalid: [spec'), e["message"]
    # no node selection at all; a driver that is not a DNS subdomain
    d = slice_doc(name="none", driver="Dra_Net")
    del d["spec"]["nodeName"]
    f = causes(c.req("POST", SLICES, d)[1])
    assert f["spec"]["reason"] == "FieldValueRequired" and "spec.driver" in f, f
    # v1: nodeName "" is set (a pointer) and invalid; per-device node fields need perDeviceNodeSelection;
    # a long attribute name is shortened in the field path as validateMap does
    d = slice_doc(name="v1ptr")
    d["spec"]["nodeName"] = ""
    d["spec"]["devices"][0]["nodeName"] = "node1"
    d["spec"]["devices"][0]["attributes"]["example.com/" + "x" * 100] = {"int": 1}
    f = causes(c.req("POST", SLICES, d)[1])
    assert f["spec.nodeName"]["message"] == 'Invalid value: "": must be either unset or set to a non-empty string', f
    assert f["spec.devices[0]"]["message"].startswith("Invalid value: null: `nodeName`, `nodeSelector` and "), f
    short = "example.com/" + "x" * 100
    short = short[:47] + "..." + short[-46:]
    assert f["spec.devices[0].attributes[%s]" % short]["reason"] == "FieldValueTooLong", f
    # type errors are the decoder's 400, not 422
    d = slice_doc(name="types")
    d["spec"]["devices"][0]["attributes"]["dra.net/mtu"] = {"int": "1500"}
    st, e, _ = c.req("POST", SLICES, d)
    assert st == 400 and e["reason"] == "BadRequest" and "cannot unmarshal string" in e["message"], e
    d = slice_doc(name="t2")
    d["spec"]["devices"][0]["name"] = 7
    st, e, _ = c.req("POST", SLICES, d)
    assert st == 400 and "Device.spec.devices.name of type string" in e["message"], e
    d = slice_doc(name="qty")
    d["spec"]["devices"][0]["capacity"]["dra.net/bandwidth"] = {"value": "100 Gbit"}
    st, e, _ = c.req("POST", SLICES, d)
    assert st == 400 and "quantities must match" in e["message"], e
    # unknown fields: dropped with a warning (fieldValidation=Warn, the default), 400 when Strict
    d = slice_doc(name="unknown")
    d["spec"]["devices"][0]["color"] = "blue"
    d["spec"]["devices"][0]["attributes"]["dra.net/mtu"]["float"] = 1.5
    st, e, _ = c.req("POST", SLICES + "?fieldValidation=Strict", d)
    assert st == 400 and e["message"] == ('strict decoding error: unknown field "spec.devices[0].attributes'
                                          '[dra.net/mtu].float", unknown field "spec.devices[0].color"'), e
    st, o, h = c.req("POST", SLICES, d)
    assert st == 201 and "color" not in o["spec"]["devices"][0], o
    assert h.get_all("Warning") == ['299 - "unknown field \\"spec.devices[0].attributes[dra.net/mtu].float\\""',
                                    '299 - "unknown field \\"spec.devices[0].color\\""'], h.get_all("Warning")
    d["spec"]["devices"][0]["attributes"]["dra.net/mtu"] = {"int": 1500.0}
    st, e, _ = c.req("POST", SLICES, dict(d, metadata={"name": "float"}))
    assert st == 400 and "cannot unmarshal number 1500.0" in e["message"], e
    # what only the OpenAPI schema (npm kubernetes-models) rejects: a taint key that is a number
    d = slice_doc(name="schema")
    d["spec"]["devices"][0]["taints"] = [{"key": 5, "effect": "NoSchedule"}]
    st, e, _ = c.req("POST", SLICES, d)
    assert st == 422, (st, e)
    f = causes(e)
    assert "kubernetes-models" in f["spec.devices[0].taints[0].key"]["message"], e


@test
def watch_bookmarks_and_410(P):
    c = P["main"].client()
    sel = "&fieldSelector=" + urllib.parse.quote("spec.nodeName=wnode")
    st, l, _ = c.req("GET", SLICES + "?" + sel[1:])
    rv = l["metadata"]["resourceVersion"]
    w = c.watch(SLICES + "?watch=1&allowWatchBookmarks=true&resourceVersion=%s%s" % (rv, sel))
    st, a, _ = c.req("POST", SLICES, slice_doc(node="wnode"))
    c.req("POST", SLICES, slice_doc(node="other-node"))  # not seen: the selector
    ev = w.until(lambda e: e["type"] != "BOOKMARK")
    assert ev["type"] == "ADDED" and ev["object"]["metadata"]["name"] == a["metadata"]["name"], ev
    assert ev["object"]["kind"] == "ResourceSlice" and ev["object"]["apiVersion"] == "resource.k8s.io/v1"
    a["spec"]["pool"]["generation"] = 2
    st, u, _ = c.req("PUT", SLICES + "/" + a["metadata"]["name"], a)
    ev = w.until(lambda e: e["type"] != "BOOKMARK")
    assert ev["type"] == "MODIFIED" and ev["object"]["metadata"]["resourceVersion"] == u["metadata"][
        "resourceVersion"], ev
    c.req("DELETE", SLICES + "/" + a["metadata"]["name"])
    ev = w.until(lambda e: e["type"] != "BOOKMARK")
    assert ev["type"] == "DELETED" and ev["object"]["metadata"]["name"] == a["metadata"]["name"], ev
    assert P["main"].admin("GET", "/counters")["watches_open"] >= 1
    bm = w.until(lambda e: e["type"] == "BOOKMARK")
    assert bm["object"]["kind"] == "ResourceSlice" and set(bm["object"]["metadata"]) == {
        "resourceVersion", "creationTimestamp"}, bm
    assert bm["object"]["spec"] == {"driver": "", "pool": {"name": "", "generation": 0, "resourceSliceCount": 0}}
    assert int(bm["object"]["metadata"]["resourceVersion"]) >= int(ev["object"]["metadata"]["resourceVersion"])
    last = bm["object"]["metadata"]["resourceVersion"]
    # expire all watches: the stream ends; resuming from the old RV gives ERROR 410
    P["main"].admin("POST", "/expire-watches")
    while w.next() is not None:
        pass
    w.close()
    w = c.watch(SLICES + "?watch=1&allowWatchBookmarks=true&resourceVersion=%s%s" % (last, sel))
    ev = w.next()
    assert ev["type"] == "ERROR", ev
    o = ev["object"]
    assert o["kind"] == "Status" and o["code"] == 410 and o["reason"] == "Expired", o
    assert re.fullmatch(r"too old resource version: %s \(\d+\)" % last, o["message"]), o
    assert w.next() is None
    w.close()
    # a fresh list gives a resourceVersion a watch accepts; timeoutSeconds ends the stream
    st, l, _ = c.req("GET", SLICES + "?" + sel[1:])
    t = time.time()
    w = c.watch(SLICES + "?watch=1&timeoutSeconds=1&resourceVersion=%s%s" % (l["metadata"]["resourceVersion"], sel))
    assert w.next() is None and 0.9 < time.time() - t < 3
    w.close()
    # no resourceVersion: the current state as ADDED first
    c.req("POST", SLICES, slice_doc(node="wnode"))
    w = c.watch(SLICES + "?watch=1&timeoutSeconds=1" + sel)
    ev = w.next()
    assert ev["type"] == "ADDED" and ev["object"]["spec"]["nodeName"] == "wnode"
    w.close()
    # a resourceVersion from the future (a restarted server): 504 Too large resource version after
    # --fresh-wait (3 s in kube-apiserver)
    future = int(l["metadata"]["resourceVersion"]) + 1000
    st, e, h = c.req("GET", SLICES + "?watch=1&resourceVersion=%d" % future)
    assert st == 504 and e["reason"] == "Timeout" and h["Retry-After"] == "1", (st, e)
    assert e["message"].startswith("Timeout: Too large resource version: %d, current: " % future), e
    # expire in "error" mode: the open watch gets the ERROR 410 event itself
    w = c.watch(SLICES + "?watch=1&resourceVersion=%s%s" % (l["metadata"]["resourceVersion"], sel))
    P["main"].admin("POST", "/expire-watches", {"error": True})
    ev = w.until(lambda e: e["type"] == "ERROR")
    assert ev["object"]["code"] == 410
    w.close()


def claim(ns="ns1", name="c1"):
    results = [{"request": "req", "driver": "dra.net", "pool": "node1", "device": "eth1"},
               {"request": "req", "driver": "gpu.example.com", "pool": "node1", "device": "gpu0"}]
    return {"apiVersion": "resource.k8s.io/v1", "kind": "ResourceClaim",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"devices": {"requests": [{"name": "req", "exactly": {"deviceClassName": "dra.net"}}]}},
            "status": {"allocation": {"devices": {"results": results}}}}


def entry(driver, device, ips, reason="NetworkReady"):
    return {"driver": driver, "pool": "node1", "device": device,
            "conditions": [{"type": "Ready", "status": "True", "reason": reason,
                            "lastTransitionTime": "2026-12-01T10:00:00Z", "message": ""}],
            "networkData": {"interfaceName": "net1", "ips": ips, "hardwareAddress": "aa:bb:cc:dd:ee:ff"}}


def apply_doc(*entries, name="c1"):
    return {"apiVersion": "resource.k8s.io/v1", "kind": "ResourceClaim",
            "metadata": {"name": name, "namespace": "ns1"}, "status": {"devices": list(entries)}}


@test
def ssa_claim_status(P):
    P["main"].admin("POST", "/objects", claim())
    url = "/apis/resource.k8s.io/v1/namespaces/ns1/resourceclaims/c1/status"
    apply_ct = "application/apply-patch+yaml"
    admin, sa = P["main"].client("admin"), P["main"].client()
    # another driver writes its entry first
    st, o, _ = admin.req("PATCH", url + "?fieldManager=gpu.example.com",
                         apply_doc(entry("gpu.example.com", "gpu0", [])), apply_ct)
    assert st == 200, o
    # ours, with force: both entries survive; a new resourceVersion, seen by a watch
    w = sa.watch("/apis/resource.k8s.io/v1/namespaces/ns1/resourceclaims?watch=1&resourceVersion="
                 + o["metadata"]["resourceVersion"])
    st, o, _ = sa.req("PATCH", url + "?fieldManager=dra.net&force=true",
                      apply_doc(entry("dra.net", "eth1", ["192.0.2.5/24"])), apply_ct)
    assert st == 200, o
    ev = w.next()
    assert ev["type"] == "MODIFIED" and ev["object"]["metadata"]["resourceVersion"] == o["metadata"][
        "resourceVersion"] and len(ev["object"]["status"]["devices"]) == 2, ev
    w.close()
    st, g, _ = sa.req("GET", url)
    assert g["metadata"]["resourceVersion"] == o["metadata"]["resourceVersion"], (g["metadata"], o["metadata"])
    assert g["metadata"]["generation"] == 1  # status writes do not bump the generation
    devs = {d["driver"]: d for d in o["status"]["devices"]}
    assert set(devs) == {"dra.net", "gpu.example.com"}, devs
    assert o["status"]["allocation"]["devices"]["results"][0]["device"] == "eth1"
    mgrs = {m["manager"]: m for m in o["metadata"]["managedFields"]}
    assert mgrs["dra.net"]["operation"] == "Apply" and mgrs["dra.net"]["subresource"] == "status"
    fv = mgrs["dra.net"]["fieldsV1"]["f:status"]["f:devices"]
    assert list(fv) == ['k:{"device":"eth1","driver":"dra.net","pool":"node1"}'], fv
    # YAML-looking body (JSON is YAML); re-apply with new IPs: the other entry still there
    body = json.dumps(apply_doc(entry("dra.net", "eth1", ["192.0.2.6/24", "2001:db8::6/64"])), indent=2)
    st, o, _ = sa.req("PATCH", url + "?fieldManager=dra.net&force=true", body, apply_ct)
    devs = {d["driver"]: d for d in o["status"]["devices"]}
    assert st == 200 and set(devs) == {"dra.net", "gpu.example.com"}
    assert devs["dra.net"]["networkData"]["ips"] == ["192.0.2.6/24", "2001:db8::6/64"]
    rv = o["metadata"]["resourceVersion"]
    # applying the same again is a no-op (no new resourceVersion)
    st, o, _ = sa.req("PATCH", url + "?fieldManager=dra.net&force=true", body, apply_ct)
    assert st == 200 and o["metadata"]["resourceVersion"] == rv
    # another manager changes our entry without force: 409 with the real conflict Status
    st, e, _ = admin.req("PATCH", url + "?fieldManager=intruder",
                         apply_doc(entry("dra.net", "eth1", ["198.51.100.1/24"])), apply_ct)
    assert st == 409, e
    assert e["reason"] == "Conflict" and e["code"] == 409 and "details" in e
    fields = {x["field"] for x in e["details"]["causes"]}
    assert '.status.devices[device="eth1",driver="dra.net",pool="node1"].networkData.ips' in fields, fields
    assert all(x["reason"] == "FieldManagerConflict" and
               x["message"] == 'conflict with "dra.net" with subresource "status"' for x in e["details"]["causes"]), e
    key = '.status.devices[device="eth1",driver="dra.net",pool="node1"]'
    assert e["message"] == ('Apply failed with 1 conflict: conflict with "dra.net" with subresource "status": '
                            + key + '.networkData.ips'), e["message"]
    two = entry("dra.net", "eth1", ["198.51.100.1/24"])
    two["networkData"]["hardwareAddress"] = "02:00:00:00:00:01"
    st, e, _ = admin.req("PATCH", url + "?fieldManager=intruder", apply_doc(two), apply_ct)
    assert st == 409 and e["message"] == (
        'Apply failed with 2 conflicts: conflicts with "dra.net" with subresource "status":\n'
        '- %s.networkData.hardwareAddress\n- %s.networkData.ips' % (key, key)), e["message"]
    # with force: taken over
    st, o, _ = admin.req("PATCH", url + "?fieldManager=intruder&force=true",
                         apply_doc(entry("dra.net", "eth1", ["198.51.100.1/24"])), apply_ct)
    assert st == 200, o
    devs = {d["driver"]: d for d in o["status"]["devices"]}
    assert devs["dra.net"]["networkData"]["ips"] == ["198.51.100.1/24"] and "gpu.example.com" in devs
    # a manager that applies nothing any more loses its fields (the other entry stays)
    st, o, _ = admin.req("PATCH", url + "?fieldManager=gpu.example.com", apply_doc(), apply_ct)
    assert st == 200 and [d["driver"] for d in o["status"]["devices"]] == ["dra.net"], o
    # validation of device status: an unallocated device, a bad reason, a bad IP
    st, e, _ = sa.req("PATCH", url + "?fieldManager=dra.net&force=true",
                      apply_doc(entry("dra.net", "eth9", ["1.2.3.4"], reason="not ok")), apply_ct)
    f = causes(e)
    assert f["status.devices[1]"]["message"] == ('Invalid value: "dra.net/node1/eth9": must be an allocated '
                                                 'device in the claim'), f
    assert "status.devices[1].conditions[0].reason" in f and "status.devices[1].networkData.ips[0]" in f
    # duplicate entries; the allocation is immutable once set
    st, g, _ = admin.req("GET", url)
    g["status"]["devices"] = [entry("dra.net", "eth1", []), entry("dra.net", "eth1", [])]
    g["status"]["allocation"]["devices"]["results"][0]["device"] = "eth2"
    f = causes(admin.req("PUT", url, g)[1])
    assert f["status.devices[1]"]["message"] == 'Duplicate value: "dra.net/node1/eth1"', f
    assert f["status.allocation"]["message"].endswith(": field is immutable"), f
    # apply refuses unknown fields
    bad = entry("dra.net", "eth1", [])
    bad["networkData"]["mtu"] = 1500
    st, e, _ = sa.req("PATCH", url + "?fieldManager=dra.net&force=true", apply_doc(bad), apply_ct)
    assert st == 400 and ".status.devices[0].networkData.mtu: field not declared in schema" in e["message"], e
    # apply needs fieldManager; force only with apply
    st, e, _ = sa.req("PATCH", url, apply_doc(), apply_ct)
    assert st == 400 and "fieldManager is required" in e["message"], e
    # a missing claim: 404
    st, e, _ = sa.req("PATCH", url.replace("/c1/", "/c9/") + "?fieldManager=dra.net", apply_doc(name="c9"),
                      apply_ct)
    assert st == 404 and e["message"] == 'resourceclaims.resource.k8s.io "c9" not found', e
    # JSON merge patch replaces the whole devices list (no patchStrategy on it)
    st, o, _ = admin.req("PATCH", url, {"status": {"devices": [entry("gpu.example.com", "gpu0", [])]}},
                         "application/merge-patch+json")
    assert st == 200 and [d["driver"] for d in o["status"]["devices"]] == ["gpu.example.com"], o
    # GET of the claim and its status; PUT of status with a stale resourceVersion: 409
    st, g, _ = sa.req("GET", url)
    assert st == 200 and g["kind"] == "ResourceClaim"
    g["metadata"]["resourceVersion"] = "1"
    assert sa.req("PUT", url, g)[0] == 409
    # an item keeps living while another manager owns a field in it (an Update changed it)
    P["main"].admin("POST", "/objects", claim(name="c5"))
    url5 = url.replace("/c1/", "/c5/")
    st, o, _ = sa.req("PATCH", url5 + "?fieldManager=dra.net&force=true",
                      apply_doc(entry("dra.net", "eth1", ["192.0.2.5/24"]), name="c5"), apply_ct)
    assert st == 200, o
    o["status"]["devices"][0]["networkData"]["interfaceName"] = "renamed0"
    st, o, _ = admin.req("PUT", url5, o)
    assert st == 200, o
    mgrs = {m["manager"]: m for m in o["metadata"]["managedFields"]}
    assert "peer-test" in mgrs and mgrs["peer-test"]["operation"] == "Update", mgrs
    st, o, _ = sa.req("PATCH", url5 + "?fieldManager=dra.net", apply_doc(name="c5"), apply_ct)
    assert st == 200 and o["status"]["devices"] == [{"driver": "dra.net", "pool": "node1", "device": "eth1",
                                                     "networkData": {"interfaceName": "renamed0"}}], o["status"]
    # v1beta1 reads: flat requests
    st, b, _ = sa.req("GET", "/apis/resource.k8s.io/v1beta1/namespaces/ns1/resourceclaims/c1")
    assert b["spec"]["devices"]["requests"][0]["deviceClassName"] == "dra.net", b["spec"]


@test
def rbac_upstream_and_ours(P):
    up = P["rbac"]
    c = up.client()
    P["main"].admin  # noqa
    up.admin("POST", "/objects", {"apiVersion": "v1", "kind": "Pod",
                                  "metadata": {"name": "p1", "namespace": "default"}, "spec": {}})
    up.admin("POST", "/objects", claim())
    st, e, _ = c.req("GET", "/api/v1/namespaces/default/pods/p1")
    assert st == 403, e
    assert status_of(e) == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'pods "p1" is forbidden: User "%s" cannot get resource "pods" in API group "" in the '
                   'namespace "default"' % SA,
        "reason": "Forbidden", "details": {"name": "p1", "kind": "pods"}, "code": 403}, e
    st, e, _ = c.req("GET", "/apis/resource.k8s.io/v1/resourceclaims")
    assert st == 403 and e["message"] == (
        'resourceclaims.resource.k8s.io is forbidden: User "%s" cannot list resource "resourceclaims" in API '
        'group "resource.k8s.io" at the cluster scope' % SA), e
    assert e["details"] == {"group": "resource.k8s.io", "kind": "resourceclaims"}, e
    st, e, _ = c.req("POST", "/api/v1/namespaces/default/events", {"apiVersion": "v1", "kind": "Event",
                                                                   "metadata": {"generateName": "x-"}})
    assert st == 403 and 'cannot create resource "events"' in e["message"]
    assert c.req("GET", SLICES)[0] == 200
    assert c.req("GET", "/apis/resource.k8s.io/v1/namespaces/ns1/resourceclaims/c1")[0] == 200
    st, o, _ = c.req("PATCH", "/apis/resource.k8s.io/v1/namespaces/ns1/resourceclaims/c1/status"
                     "?fieldManager=dra.net&force=true", apply_doc(entry("dra.net", "eth1", [])),
                     "application/apply-patch+yaml")
    assert st == 200, o
    st, e, _ = c.req("PATCH", "/apis/resource.k8s.io/v1/namespaces/ns1/resourceclaims/c1"
                     "?fieldManager=dra.net", {"metadata": {"labels": {"a": "b"}}}, "application/merge-patch+json")
    assert st == 403 and 'cannot patch resource "resourceclaims" in API group "resource.k8s.io" in the ' \
        'namespace "ns1"' in e["message"], e
    # discovery stays open to authenticated users; system:masters bypasses RBAC
    assert c.req("GET", "/apis/resource.k8s.io")[0] == 200
    assert up.client("admin").req("GET", "/api/v1/namespaces/default/pods/p1")[0] == 200
    # our ClusterRole: pods get, claim list, events create
    up.admin("POST", "/rbac", {"file": os.path.join(HERE, "rbac-dranet.yaml")})
    assert c.req("GET", "/api/v1/namespaces/default/pods/p1")[0] == 200
    assert c.req("GET", "/apis/resource.k8s.io/v1/resourceclaims")[0] == 200
    st, ev, _ = c.req("POST", "/apis/events.k8s.io/v1/namespaces/default/events", {
        "apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"generateName": "dranet-"},
        "eventTime": "2026-12-01T10:00:00.000000Z", "reportingController": "dra.net",
        "reportingInstance": "dra.net-node1", "action": "Publish", "reason": "Published", "type": "Normal",
        "regarding": {"kind": "Node", "name": "node1"}, "note": "x"})
    assert st == 201, ev
    assert c.req("GET", "/api/v1/nodes/node1")[0] == 404  # allowed, just missing
    assert c.req("DELETE", "/apis/resource.k8s.io/v1/deviceclasses/x")[0] == 403


@test
def token_rotation(P):
    p = P["main"]
    old = p.token()
    c = p.client(token=old)
    assert c.req("GET", SLICES)[0] == 200
    new = p.admin("POST", "/rotate-token", {})["token"]
    assert new == p.token() and new != old
    st, e, _ = c.req("GET", SLICES)
    assert st == 401 and e["reason"] == "Unauthorized"
    assert p.client(token=new).req("GET", SLICES)[0] == 200


@test
def versions_v1beta1_only(P):
    p = P["beta"]
    c = p.client()
    st, d, _ = c.req("GET", "/apis/resource.k8s.io")
    assert [v["version"] for v in d["versions"]] == ["v1beta1"] and d["preferredVersion"]["version"] == "v1beta1"
    st, e, _ = c.req("GET", SLICES)
    assert st == 404 and e["reason"] == "NotFound"
    beta = "/apis/resource.k8s.io/v1beta1/resourceslices"
    doc = slice_doc()
    doc["apiVersion"] = "resource.k8s.io/v1beta1"
    flat = doc["spec"]["devices"][0]
    doc["spec"]["devices"] = [{"name": flat["name"], "basic": {k: v for k, v in flat.items() if k != "name"}}]
    st, o, _ = c.req("POST", beta, doc)
    assert st == 201, o
    assert o["apiVersion"] == "resource.k8s.io/v1beta1" and o["spec"]["devices"] == doc["spec"]["devices"], o
    # a v1-shaped document on the v1beta1 path: the device's fields are unknown, dropped with a warning
    bad = slice_doc(name="flat")
    bad["apiVersion"] = "resource.k8s.io/v1beta1"
    st, o, h = c.req("POST", beta, bad)
    assert st == 201 and o["spec"]["devices"] == [{"name": "eth1"}], (st, o)
    assert '299 - "unknown field \\"spec.devices[0].attributes\\""' in h.get_all("Warning"), h.get_all("Warning")
    devs = [{"name": "d%d" % i, "basic": {}} for i in range(129)]
    doc2 = dict(doc, metadata={"name": "b129"}, spec=dict(doc["spec"], devices=devs))
    st, e, _ = c.req("POST", beta, doc2)
    assert st == 422 and causes(e)["spec.devices"]["reason"] == "FieldValueTooMany"
    dump = p.admin("GET", "/dump?resource=resource.k8s.io/resourceslices")
    stored = dump["objects"]["resource.k8s.io/resourceslices"]
    assert any(s["spec"]["devices"][0].get("attributes") for s in stored), stored


@test
def faults(P):
    p = P["main"]
    c = p.client()
    p.admin("POST", "/faults", {"kind": "status", "code": 429, "retry_after": 2, "count": 2,
                                "path_prefix": "/apis/resource.k8s.io/v1/resourceslices"})
    for _ in range(2):
        st, e, h = c.req("GET", SLICES)
        assert st == 429 and h["Retry-After"] == "2" and e["reason"] == "TooManyRequests", (st, e)
        assert e["details"]["retryAfterSeconds"] == 2
    assert c.req("GET", "/apis/resource.k8s.io/v1/deviceclasses")[0] == 200  # other prefix
    assert c.req("GET", SLICES)[0] == 200
    p.admin("POST", "/faults", {"kind": "status", "code": 500, "count": 1, "method": "POST"})
    assert c.req("GET", SLICES)[0] == 200
    st, e, _ = c.req("POST", SLICES, slice_doc(node="fnode"))
    assert st == 500 and e["reason"] == "InternalError", e
    p.admin("POST", "/faults", {"kind": "delay", "seconds": 0.5, "count": 1})
    t = time.time()
    assert c.req("GET", SLICES)[0] == 200 and time.time() - t >= 0.5
    # dropped connections: the next connection is closed before the TLS handshake
    p.admin("POST", "/drop", {"count": 1})
    try:
        c2 = p.client()
        c2.connect(timeout=5).request("GET", SLICES)
        raise AssertionError("a dropped connection answered")
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError, OSError):
        pass
    assert p.client().req("GET", SLICES)[0] == 200
    # down for a second: connections refused, open watches end, then back on the same port
    w = c.watch(SLICES + "?watch=1&allowWatchBookmarks=true")
    p.admin("POST", "/down", {"seconds": 0.5})
    try:
        while w.next() is not None:
            pass
    except (OSError, http.client.HTTPException):
        pass
    try:
        socket.create_connection(("127.0.0.1", p.port), timeout=2).close()
        raise AssertionError("connected while down")
    except ConnectionRefusedError:
        pass
    t = time.time()
    while True:
        try:
            socket.create_connection(("127.0.0.1", p.port), timeout=2).close()
            break
        except ConnectionRefusedError:
            assert time.time() - t < 5, "not back up"
            time.sleep(0.1)
    assert p.client().req("GET", SLICES)[0] == 200
    assert p.admin("GET", "/faults")["faults"] == []


@test
def nodes_classes_events_selectors(P):
    p = P["main"]
    c, admin = p.client(), p.client("admin")
    addrs = [{"type": "InternalIP", "address": "192.0.2.10"}, {"type": "Hostname", "address": "node1"}]
    p.admin("POST", "/objects", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node1"},
                                 "status": {"addresses": addrs}})
    st, n, _ = c.req("GET", "/api/v1/nodes/node1")
    assert st == 200 and n["status"]["addresses"] == addrs and n["metadata"]["uid"], n
    # status through the API: PUT nodes/status changes status only
    n["status"]["addresses"] = addrs[:1]
    n["spec"] = {"unschedulable": True}
    st, n2, _ = admin.req("PUT", "/api/v1/nodes/node1/status", n)
    assert st == 200 and n2["status"]["addresses"] == addrs[:1] and "unschedulable" not in n2.get("spec", {}), n2
    p.admin("POST", "/objects", {"apiVersion": "resource.k8s.io/v1", "kind": "DeviceClass",
                                 "metadata": {"name": "dra.net"}, "spec": {"selectors": [
                                     {"cel": {"expression": 'device.driver == "dra.net"'}}]}})
    st, dc, _ = c.req("GET", "/apis/resource.k8s.io/v1/deviceclasses/dra.net")
    assert st == 200 and dc["kind"] == "DeviceClass", dc
    st, ev, _ = c.req("POST", "/api/v1/namespaces/default/events", {
        "apiVersion": "v1", "kind": "Event", "metadata": {"generateName": "node1."},
        "involvedObject": {"kind": "Node", "name": "node1"}, "reason": "Published", "type": "Normal"})
    assert st == 201 and ev["metadata"]["namespace"] == "default", ev
    st, e, _ = c.req("POST", "/api/v1/namespaces/default/events", {
        "apiVersion": "v1", "kind": "Event", "metadata": {"name": "e2", "namespace": "other"},
        "involvedObject": {"kind": "Node", "name": "node1"}})
    assert st == 400 and "does not match the namespace" in e["message"], e
    ev1 = {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"generateName": "dranet-"},
           "eventTime": "2026-12-01T10:00:00.000000Z", "reportingController": "dra.net",
           "reportingInstance": "dra.net-node1", "action": "Publish", "reason": "Published",
           "regarding": {"kind": "Node", "name": "node1"}}
    st, e, _ = c.req("POST", "/apis/events.k8s.io/v1/namespaces/kube-system/events", ev1)
    f = causes(e)
    assert f["regarding.namespace"]["message"] == 'Invalid value: "": does not match event.namespace', f
    assert f["type"]["message"] == 'Invalid value: "": has invalid value: ', f
    st, e, _ = c.req("POST", "/apis/events.k8s.io/v1/namespaces/default/events", dict(ev1, type="Warning"))
    assert st == 201, e
    # label selectors
    for i, lab in enumerate(({"tier": "a"}, {"tier": "b"}, {})):
        d = slice_doc(node="lnode", name="lab%d" % i)
        d["metadata"]["labels"] = lab
        assert c.req("POST", SLICES, d)[0] == 201
    def names(q):
        st, l, _ = c.req("GET", SLICES + "?fieldSelector=spec.nodeName%3Dlnode&labelSelector=" + urllib.parse.quote(q))
        assert st == 200, l
        return [i["metadata"]["name"] for i in l["items"]]
    assert names("tier=a") == ["lab0"] and names("tier in (a,b)") == ["lab0", "lab1"]
    assert names("!tier") == ["lab2"] and names("tier,tier!=a") == ["lab1"]
    # sendInitialEvents: the initial list, then a bookmark marking its end
    w = c.watch(SLICES + "?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
                "&allowWatchBookmarks=true&timeoutSeconds=2&fieldSelector=spec.nodeName%3Dlnode")
    evs = [w.next() for _ in range(4)]
    assert [e["type"] for e in evs] == ["ADDED"] * 3 + ["BOOKMARK"], evs
    assert evs[3]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    # an object leaving the selector arrives as DELETED
    st, o, _ = c.req("GET", SLICES + "/lab0")
    o["metadata"]["labels"] = {}
    lw = c.watch(SLICES + "?watch=1&timeoutSeconds=3&labelSelector=tier%3Da&resourceVersion="
                 + o["metadata"]["resourceVersion"])
    assert c.req("PUT", SLICES + "/lab0", o)[0] == 200
    ev = lw.next()
    assert ev["type"] == "DELETED" and ev["object"]["metadata"]["name"] == "lab0", ev
    w.close()
    lw.close()
    # cluster-wide claim list and watch
    p.admin("POST", "/objects", claim(ns="ns2", name="c2"))
    st, l, _ = c.req("GET", "/apis/resource.k8s.io/v1/resourceclaims")
    assert ("ns2", "c2") in [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in l["items"]], l
    cw = c.watch("/apis/resource.k8s.io/v1/resourceclaims?watch=1&resourceVersion=%s"
                 % l["metadata"]["resourceVersion"])
    p.admin("DELETE", "/objects?resource=resourceclaims&namespace=ns2&name=c2")
    ev = cw.next()
    assert ev["type"] == "DELETED" and ev["object"]["metadata"]["name"] == "c2", ev
    cw.close()
    # strategic merge patch: reservedFor merges by uid
    p.admin("POST", "/objects", claim(ns="ns2", name="c3"))
    url = "/apis/resource.k8s.io/v1/namespaces/ns2/resourceclaims/c3/status"
    smp = "application/strategic-merge-patch+json"
    for uid in ("u1", "u2"):
        st, o, _ = admin.req("PATCH", url, {"status": {"reservedFor": [
            {"resource": "pods", "name": "p-" + uid, "uid": uid}]}}, smp)
        assert st == 200, o
    assert [r["uid"] for r in o["status"]["reservedFor"]] == ["u1", "u2"], o["status"]
    # the "close" fault: the connection ends without an answer
    p.admin("POST", "/faults", {"kind": "close", "count": 1, "path_prefix": "/apis/resource.k8s.io/v1/deviceclasses"})
    cc = c.connect()
    cc.request("GET", "/apis/resource.k8s.io/v1/deviceclasses", headers=c.headers())
    try:
        cc.getresponse()
        raise AssertionError("answered")
    except (http.client.RemoteDisconnected, ConnectionResetError):
        pass
    cc.close()
    t = time.time()  # the peer logs the request after it closed the connection: wait a little
    while not any(e["path"] == "/apis/resource.k8s.io/v1/deviceclasses" and e["code"] == 0
                  for e in p.admin("GET", "/log")):
        assert time.time() - t < 5, "the closed request is not in the log"
        time.sleep(0.05)


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally: stop the peers
    work = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="apiserver-peer-")
    want = sys.argv[2:]
    peers = {}
    passed = failed = 0
    try:
        # the PKI first (shared), then three peers started together
        subprocess.run(["bash", os.path.join(HERE, "mkcerts.sh"), os.path.join(work, "tls"),
                        SA + "=system:serviceaccounts,system:serviceaccounts:kube-system"], check=True)
        peers["main"] = Peer(work, "main")
        peers["rbac"] = Peer(work, "rbac", "--rbac", os.path.join(HERE, "rbac-upstream.yaml"))
        peers["beta"] = Peer(work, "beta", "--versions", "v1beta1")
        peers["v6"] = Peer(work, "v6", "--host", "::1", "--no-schema", "--tls-max", "1.2", "--versions", "v1")
        for p in peers.values():
            p.wait()
        for t in TESTS:
            if want and not any(w in t.__name__ for w in want):
                continue
            t0 = time.time()
            try:
                t(peers)
                print("ok - %s (%.2f s)" % (t.__name__, time.time() - t0), flush=True)
                passed += 1
            except Exception:
                print("not ok - %s" % t.__name__, flush=True)
                traceback.print_exc(file=sys.stdout)
                failed += 1
    finally:
        for p in peers.values():
            p.stop()
    if failed:
        for name in peers:
            path = os.path.join(work, name, "stderr")
            with open(path) as f:
                tail = f.read().splitlines()[-30:]
            print("# %s stderr tail:" % name)
            print("\n".join("#   " + line for line in tail))
    print("apiserver-peer: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
