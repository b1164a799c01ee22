#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Independent oracle for tests/unit/test_nl.c: reads `ip -j ...` output on
# stdin and prints one canonical line per object, in the format the test
# renders from lib/nl's dumps (the two are compared as sorted sets).
#   ip -j -d link show | oracle.py link
#   ip -j addr | oracle.py addr
#   ip -j route show table all | oracle.py route
#   { ip -j rule; ip -6 -j rule; } | oracle.py rule
#   ip -j neigh | oracle.py neigh
import json
import sys

TABLES = {"default": 253, "main": 254, "local": 255}
SCOPES = {"global": 0, "universe": 0, "site": 200, "link": 253, "host": 254, "nowhere": 255}
OPER = ["UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"]


def table(v):
    if v is None:
        return 254
    return TABLES.get(v, None) or int(v)


def dst(v):
    if v is None or v == "default":
        return "default"
    if "/" in v:
        return v
    return v + ("/128" if ":" in v else "/32")


def links(data):
    for l in data:
        info = l.get("linkinfo", {})
        yield "link %d %s mtu=%d kind=%s slave=%s master=%s addr=%s alias=%s type=%s oper=%d" % (
            l["ifindex"], l["ifname"], l["mtu"], info.get("info_kind", "-"),
            info.get("info_slave_kind", "-"), l.get("master", "-"), l.get("address", "-"),
            l.get("ifalias", "-") or "-", l["link_type"], OPER.index(l["operstate"]))


def addrs(data):
    for l in data:
        for a in l.get("addr_info", []):
            yield "addr %d %s %s/%d peer=%s label=%s scope=%d" % (
                l["ifindex"], "6" if a["family"] == "inet6" else "4", a["local"],
                a["prefixlen"], a.get("address", "-"), a.get("label", "-"),
                SCOPES[a["scope"]] if isinstance(a["scope"], str) else a["scope"])


def routes(data):
    for r in data:
        nh = ",".join("%s@%s*%d" % (n.get("gateway", "-"), n.get("dev", "-"), n.get("weight", 1))
                      for n in r.get("nexthops", []))
        yield "route table=%d %s type=%s metric=%d gw=%s dev=%s nh=%s" % (
            table(r.get("table")), dst(r.get("dst")), r.get("type", "unicast"),
            r.get("metric", 0), r.get("gateway", "-"), r.get("dev", "-"), nh or "-")


def rules(data):
    for r in data:
        src = "all" if r.get("src", "all") == "all" else "%s/%d" % (r["src"], r.get("srclen", 0))
        d = "all" if r.get("dst", "all") == "all" else "%s/%d" % (r["dst"], r.get("dstlen", 0))
        mark = "-"
        if "fwmark" in r or "fwmask" in r:
            mark = "%#x/%#x" % (int(r.get("fwmark", "0"), 16), int(r.get("fwmask", "0xffffffff"), 16))
        uid = "%d-%d" % (r["uid_start"], r["uid_end"]) if "uid_start" in r else "-"
        yield "rule pref=%d table=%d src=%s dst=%s iif=%s oif=%s fwmark=%s uid=%s" % (
            r["priority"], table(r.get("table")), src, d, r.get("iif", "-"), r.get("oif", "-"),
            mark, uid)


def neighs(data):
    for n in data:
        yield "neigh %s %s lladdr=%s state=%s" % (
            n["dev"], n["dst"], n.get("lladdr", "-"), "|".join(n.get("state", [])) or "-")


def main():
    kind = sys.argv[1]
    text = sys.stdin.read()
    # Several `ip -j` documents may be concatenated (rule v4 + v6).
    dec = json.JSONDecoder()
    data, i = [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            break
        obj, i = dec.raw_decode(text, i)
        data.extend(obj)
    fn = {"link": links, "addr": addrs, "route": routes, "rule": rules, "neigh": neighs}[kind]
    for line in fn(data):
        print(line)


main()
