#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Independent oracle for tests/unit/test_scan.c's live netns test.

Reads `ip -j -d addr show` (iproute2) and sysfs of the current namespace and
prints, per non-loopback link, what upstream's discovery publishes as
tab-separated "ifname key value" lines: ifindex, mtu, mac, state, alias,
type, encapsulation, virtual, ipv4, ipv6 (upstream v1.4's rule: Go's
IsGlobalUnicast, "addr/len" sorted bytewise, joined greedily within 64
bytes; absent when empty). Python standard library only.
"""
import ipaddress
import json
import os
import subprocess

# vishvananda/netlink's LinkOperState.String()
STATES = {"UNKNOWN": "unknown", "NOTPRESENT": "not-present", "DOWN": "down",
          "LOWERLAYERDOWN": "lower-layer-down", "TESTING": "testing",
          "DORMANT": "dormant", "UP": "up"}


def global_unicast(s):
    ip = ipaddress.ip_address(s)
    if ip.version == 4 and s == "255.255.255.255":
        return False
    return not (ip.is_unspecified or ip.is_loopback or ip.is_multicast or ip.is_link_local)


def joined(items):
    out = ""
    for it in sorted(set(items)):
        add = len(it) + (1 if out else 0)
        if len(out) + add > 64:
            break
        out = out + "," + it if out else it
    return out


def main():
    links = json.loads(subprocess.check_output(["ip", "-j", "-d", "addr", "show"]))
    for l in links:
        if "LOOPBACK" in l.get("flags", []):
            continue
        name = l["ifname"]
        kind = l.get("linkinfo", {}).get("info_kind", "device")
        if kind == "tun":
            kind = "tuntap"
        real = os.path.realpath("/sys/class/net/" + name)
        rows = [("ifindex", l["ifindex"]), ("mtu", l["mtu"]),
                ("mac", l.get("address", "").lower()),
                ("state", STATES.get(l.get("operstate", "UNKNOWN"), "unknown")),
                ("alias", l.get("ifalias", "")), ("type", kind),
                ("encapsulation", l.get("link_type", "")),
                ("virtual", "true" if real.startswith("/sys/devices/virtual/") else "false")]
        for fam, key in (("inet", "ipv4"), ("inet6", "ipv6")):
            items = ["%s/%d" % (a["local"], a["prefixlen"]) for a in l.get("addr_info", [])
                     if a.get("family") == fam and global_unicast(a["local"])]
            if items:
                rows.append((key, joined(items)))
        for k, v in rows:
            print("%s\t%s\t%s" % (name, k, v))


main()
