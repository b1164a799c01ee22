#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# dranet-discover on veth, bridge, macvlan and a default route in a netns of
# its own; every attribute compared with iproute2's JSON and sysfs.
set -eu
DRANET=${DRANET:-build/dranet}
DRANET=$(readlink -f "$DRANET")
NS=dn10-$$-$RANDOM
cleanup() { ip netns del "$NS" 2>/dev/null || true; rm -rf "$TMP"; }
TMP=$(mktemp -d)
trap cleanup EXIT
ip netns add "$NS"
n() { ip -n "$NS" "$@"; }

n link set lo up
# Two veth pairs: one up with MTU, alias and many addresses (sorting and the
# 64-byte cap), its peer down.
n link add va0 type veth peer name vb0
n link set va0 mtu 9000 alias "e2e alias: va0"
for a in 10.1.0.2/24 10.1.0.3/24 10.1.0.10/24 10.1.0.11/24 10.1.0.100/24 10.1.0.200/24; do
	n addr add "$a" dev va0
done
n addr add fd00:1::10/64 dev va0 nodad
n addr add 2001:db8:1::1/64 dev va0 nodad
n addr add 169.254.7.7/16 dev va0 # link-local: never published
n link set va0 up
n link set vb0 down
# A default route through vc0: vc0 is the uplink, its peer vd0 its lower device.
n link add vc0 type veth peer name vd0
n addr add 10.2.0.2/24 dev vc0
n link set vc0 up
n link set vd0 up
n route add default via 10.2.0.1 dev vc0
# A bridge and a veth enslaved to it.
n link add br0 type bridge
n link add ve0 type veth peer name vf0
n link set ve0 master br0
n link set br0 up
n link set ve0 up
# A macvlan on a veth.
n link add vg0 type veth peer name vh0
n link add mv0 link vg0 type macvlan mode bridge
n link set vg0 up
n link set mv0 up
n addr add 10.3.0.5/24 dev mv0

ip netns exec "$NS" "$DRANET" discover -o json --all --filter '' >"$TMP/out.json"

# The oracle runs inside the namespace (ip netns exec mounts its own sysfs).
ip netns exec "$NS" /usr/bin/python3 - "$TMP/out.json" <<'PY'
import ipaddress, json, os, subprocess, sys

out = json.load(open(sys.argv[1]))
links = json.loads(subprocess.check_output(["ip", "-j", "-d", "link", "show"]))
addrs = json.loads(subprocess.check_output(["ip", "-j", "-d", "addr", "show"]))
n_ok = n_fail = 0

def check(cond, what):
    global n_ok, n_fail
    if cond:
        n_ok += 1
        print("ok - " + what)
    else:
        n_fail += 1
        print("not ok - " + what)

def sysfs(ifname, f):
    try:
        return open("/sys/class/net/%s/%s" % (ifname, f)).read().strip()
    except OSError:
        return None

def joined(items):
    # upstream v1.4: sorted bytewise, joined greedily within 64 bytes
    s = ""
    for it in sorted(set(items)):
        add = len(it) + (1 if s else 0)
        if len(s) + add > 64:
            break
        s = s + "," + it if s else it
    return s

by_name = {d["name"]: d for d in out}
check(len(by_name) == len(out), "device names unique")
# PCI functions are not netns-tagged: the host's NICs are listed here too, without
# a netdev (as upstream publishes a NIC whose netdev is in a pod). Every other
# device must be one of this namespace's links.
ours = {l["ifname"] for l in links}
for d in out:
    ifn = d["attributes"].get("dra.net/ifName")
    if ifn is None:
        check(d["name"].startswith("pci-") and "dra.net/pciAddress" in d["attributes"],
              "%s: a netdev-less device is a PCI function" % d["name"])
    else:
        check(ifn["string"] in ours, "%s is a link of this namespace" % d["name"])
known = {"ifName", "mac", "mtu", "encapsulation", "alias", "state", "type", "ipv4",
         "ipv6", "sriov", "sriovVfs", "virtual", "rdma", "isSriovVf", "rdmaDevice",
         "ebpf", "tcFilterNames", "tcxProgramNames"}
for l in links:
    name = l["ifname"]
    if "LOOPBACK" in l["flags"]:
        check(name not in by_name or by_name[name].get("published") is False, "%s (loopback) not published" % name)
        continue
    d = by_name.get(name)
    check(d is not None, "%s discovered" % name)
    if d is None:
        continue
    a = d["attributes"]
    keys = {k.split("/", 1)[1] for k in a if k.startswith("dra.net/")}
    check(keys <= known, "%s: only known dra.net keys (%s)" % (name, sorted(keys - known)))
    def val(k):
        v = a.get("dra.net/" + k)
        return None if v is None else list(v.values())[0]
    def typ(k):
        v = a.get("dra.net/" + k)
        return None if v is None else list(v.keys())[0]
    check(val("ifName") == name and typ("ifName") == "string", "%s ifName" % name)
    check(val("mtu") == l["mtu"] == int(sysfs(name, "mtu")) and typ("mtu") == "int",
          "%s mtu %s" % (name, val("mtu")))
    check(val("mac") == l["address"].lower() == sysfs(name, "address"),
          "%s mac %s" % (name, val("mac")))
    check(val("alias") == l.get("ifalias", "") == (sysfs(name, "ifalias") or ""),
          "%s alias %r" % (name, val("alias")))
    # upstream renders operstate as vishvananda/netlink's LinkOperState.String()
    st = {"lowerlayerdown": "lower-layer-down", "notpresent": "not-present"}
    kern = sysfs(name, "operstate")
    check(l["operstate"].lower() == kern and val("state") == st.get(kern, kern),
          "%s state %s (sysfs %s)" % (name, val("state"), kern))
    kind = l.get("linkinfo", {}).get("info_kind", "device")
    check(val("type") == kind, "%s type %s (ip: %s)" % (name, val("type"), kind))
    check(val("encapsulation") == l["link_type"], "%s encapsulation %s" % (name, val("encapsulation")))
    virt = os.path.realpath("/sys/class/net/" + name).startswith("/sys/devices/virtual")
    check(val("virtual") is virt and typ("virtual") == "bool", "%s virtual" % name)
    check(val("rdma") is False, "%s rdma false" % name)
    # nothing BPF is attached here (21-ebpf.t attaches some): ebpf on every netdev, false
    check(val("ebpf") is False and typ("ebpf") == "bool", "%s ebpf false" % name)
    check(val("tcFilterNames") is None and val("tcxProgramNames") is None, "%s no BPF names" % name)
    check(val("sriov") in (None, False), "%s sriov not true" % name)
    ai = next(x for x in addrs if x["ifname"] == name)
    for fam, key in (("inet", "ipv4"), ("inet6", "ipv6")):
        items = []
        for x in ai.get("addr_info", []):
            if x["family"] != fam:
                continue
            ip = ipaddress.ip_address(x["local"])
            if ip.is_link_local or ip.is_loopback or ip.is_multicast or ip.is_unspecified:
                continue
            items.append("%s/%d" % (x["local"], x["prefixlen"]))
        want = joined(items) or None
        check(val(key) == want, "%s %s %r (oracle %r)" % (name, key, val(key), want))
        if want:
            check(len(val(key)) <= 64, "%s %s within 64 bytes" % (name, key))
    check(d["name"] == name, "%s device name is the ifname" % name)

def reason(n):
    return by_name.get(n, {}).get("reason", "")

def published(n):
    return by_name.get(n, {}).get("published")

check(published("br0") is False and "bridge" in reason("br0"), "br0 excluded: %r" % reason("br0"))
check(published("ve0") is False and "br0" in reason("ve0"), "ve0 excluded: %r" % reason("ve0"))
check(published("vc0") is False and "uplink" in reason("vc0"), "vc0 excluded: %r" % reason("vc0"))
# the uplink's veth peer is its lower device: moving it would cut the uplink too
check(published("vd0") is False and "uplink vc0" in reason("vd0"), "vd0 excluded: %r" % reason("vd0"))
for n in ("va0", "vb0", "vf0", "vg0", "vh0", "mv0"):
    check(published(n) is True and "reason" not in by_name.get(n, {}), "%s published" % n)
# the 64-byte cap really cut something on va0
check(by_name["va0"]["attributes"]["dra.net/ipv4"]["string"].count(",") < 5, "va0 ipv4 truncated at 64 bytes")
print("%d passed, %d failed" % (n_ok, n_fail))
sys.exit(1 if n_fail else 0)
PY

# Default filter (upstream's): veths are not published, the macvlan and bridge stay.
ip netns exec "$NS" "$DRANET" discover -o json >"$TMP/default.json"
/usr/bin/python3 - "$TMP/default.json" <<'PY'
import json, sys
names = sorted(d["name"] for d in json.load(open(sys.argv[1])) if "dra.net/ifName" in d["attributes"])
print("default filter publishes:", names)
sys.exit(0 if names == ["mv0"] else 1)
PY
echo "ok - default filter publishes only non-veth movable links"
