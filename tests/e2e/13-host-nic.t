#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The machine's own uplink, whatever it is: discovered in the host network
# namespace with its PCI attributes, and excluded as the uplink. Under the
# runner's `unshare -n -m` the host namespace is the one of our outermost
# readable ancestor (pid 1 may be out of reach in a sandbox): discover looks
# there with --netns /proc/PID/ns/net, the oracle with nsenter -t PID -n -m.
# Read-only: nothing in the host namespace is changed.
set -eu
DRANET=${DRANET:-build/dranet}
DRANET=$(readlink -f "$DRANET")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
ppid_of() { sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f2; }
hp=$$
while pp=$(ppid_of "$hp") && [ "$pp" -gt 1 ] && readlink "/proc/$pp/ns/net" >/dev/null 2>&1; do
	hp=$pp
done
echo "# host namespaces: those of pid $hp ($(cat /proc/$hp/comm))"
host() { nsenter -t "$hp" -n -m -- "$@"; }

uplink=$(host ip -j route show default | /usr/bin/python3 -c '
import json, sys
r = [x for x in json.load(sys.stdin) if x.get("dev")]
r.sort(key=lambda x: x.get("metric", 0))
print(r[0]["dev"] if r else "")')
if [ -z "$uplink" ]; then
	echo "ok - # SKIP the host has no default route"
	exit 0
fi
PCIIDS=$(ls /usr/share/misc/pci.ids /usr/share/hwdata/pci.ids 2>/dev/null | head -n1)
# The host's sysfs, from the host's mount namespace.
devpath=$(host readlink -f "/sys/class/net/$uplink")
echo "# uplink $uplink at $devpath"
host sh -c "cd /sys/class/net/$uplink && for f in mtu address operstate; do echo \$f=\$(cat \$f); done" >"$TMP/sys"
bdf=$(echo "$devpath" | tr '/' '\n' | grep -E '^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$' | tail -n1 || true)
for f in vendor device subsystem_device numa_node; do
	[ -n "$bdf" ] && echo "$f=$(host cat /sys/bus/pci/devices/$bdf/$f 2>/dev/null)"
done >>"$TMP/sys"

PCIDB_PATH=$PCIIDS "$DRANET" discover -o json --all --netns "/proc/$hp/ns/net" >"$TMP/out.json"

/usr/bin/python3 - "$TMP/out.json" "$TMP/sys" "$uplink" "$devpath" "${bdf:-}" "$PCIIDS" <<'PY'
import json, sys
out, sysf, ifname, devpath, bdf, pciids = sys.argv[1:7]
devs = json.load(open(out))
sysv = dict(l.rstrip("\n").split("=", 1) for l in open(sysf) if "=" in l)
n_ok = n_fail = 0
def check(c, what):
    global n_ok, n_fail
    n_ok += bool(c); n_fail += not c
    print(("ok - " if c else "not ok - ") + what)
def attr(d, k):
    v = d["attributes"].get(k)
    return None if v is None else list(v.values())[0]

mine = [d for d in devs if attr(d, "dra.net/ifName") == ifname]
check(len(mine) == 1, "uplink %s discovered once" % ifname)
if not mine:
    sys.exit(1)
d = mine[0]
check(d.get("published") is False, "uplink not published")
check("uplink" in d.get("reason", ""), "reason says uplink: %r" % d.get("reason"))
check(attr(d, "dra.net/mtu") == int(sysv["mtu"]), "mtu %s" % attr(d, "dra.net/mtu"))
check(attr(d, "dra.net/mac") == sysv["address"], "mac %s" % attr(d, "dra.net/mac"))
check(attr(d, "dra.net/state") == sysv["operstate"], "state %s" % attr(d, "dra.net/state"))
if not bdf:
    check(attr(d, "dra.net/pciAddress") is None, "no PCI address for a non-PCI uplink")
    print("%d passed, %d failed" % (n_ok, n_fail)); sys.exit(1 if n_fail else 0)

check(d["name"] == "pci-" + bdf.replace(":", "-").replace(".", "-"), "device name %s" % d["name"])
check(attr(d, "dra.net/pciAddress") == bdf, "pciAddress %s" % attr(d, "dra.net/pciAddress"))
root = devpath.split("/")[3]  # /sys/devices/<root>/...
check(attr(d, "resource.kubernetes.io/pcieRoot") == root, "pcieRoot %s" % root)
vid = sysv["vendor"][2:].lower(); did = sysv["device"][2:].lower()
vname = dname = None
cur = None
for line in open(pciids, encoding="utf-8", errors="replace"):
    if line.startswith("#") or not line.strip():
        continue
    if line[0] != "\t":
        cur = line[:4].lower()
        if cur == vid:
            vname = line[4:].strip()
    elif cur == vid and line[1] != "\t" and line[1:5].lower() == did:
        dname = line[5:].strip()
    if line.startswith("C "):
        break
check(attr(d, "dra.net/pciVendor") == vname, "pciVendor %r (pci.ids %r)" % (attr(d, "dra.net/pciVendor"), vname))
check(attr(d, "dra.net/pciDevice") == dname, "pciDevice %r (pci.ids %r)" % (attr(d, "dra.net/pciDevice"), dname))
sub = sysv.get("subsystem_device", "")[2:].lower()
check(attr(d, "dra.net/pciSubsystem") == (sub or None), "pciSubsystem %r" % attr(d, "dra.net/pciSubsystem"))
numa = int(sysv.get("numa_node") or -1)
want = numa if numa >= 0 else None
check(attr(d, "dra.net/numaNode") == want, "numaNode %r (sysfs %d)" % (attr(d, "dra.net/numaNode"), numa))
print("%d passed, %d failed" % (n_ok, n_fail))
sys.exit(1 if n_fail else 0)
PY
