#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Seeds for fuzz_nl_tc: RTM_GETTFILTER dump replies from the kernel.

Run as root inside a throwaway network namespace (it adds links and filters):
    unshare -n -m python3 tests/fuzz/capture_tc.py OBJ tests/fuzz/corpus/nl_tc
OBJ is tests/data/bpf/dummy_bpf.c compiled (clang -target bpf -O2 -c). Each
reply buffer (the messages of one recv, NLMSG_DONE included) and each
RTM_NEWTFILTER message alone are written, named by their SHA-256.
"""
import hashlib, os, socket, struct, subprocess, sys

obj, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
sh = lambda *a: subprocess.run(a, check=True)
sh("ip", "link", "add", "c0", "type", "veth", "peer", "name", "c1")
sh("tc", "qdisc", "add", "dev", "c0", "clsact")
sh("tc", "filter", "add", "dev", "c0", "ingress", "pref", "10", "bpf", "direct-action", "obj", obj, "sec", "classifier")
sh("tc", "filter", "add", "dev", "c0", "ingress", "pref", "20", "chain", "5", "bpf", "obj", obj, "sec", "classifier")
sh("tc", "filter", "add", "dev", "c0", "ingress", "pref", "30", "protocol", "ip", "u32", "match", "ip", "dst", "10.0.0.1/32", "flowid", "1:1")
sh("tc", "filter", "add", "dev", "c0", "egress", "bpf", "obj", obj, "sec", "classifier")
ifindex = socket.if_nametoindex("c0")

def save(b):
    with open(os.path.join(out, hashlib.sha256(b).hexdigest()), "wb") as f:
        f.write(b)

s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
s.setsockopt(270, 11, 1)  # NETLINK_EXT_ACK, as nl_open
s.setsockopt(270, 12, 1)  # NETLINK_GET_STRICT_CHK
s.bind((0, 0))
RTM_NEWTFILTER, RTM_GETTFILTER, NLMSG_DONE = 44, 46, 3
for seq, parent in enumerate((0xFFFFFFF2, 0xFFFFFFF3), 1):
    tcm = struct.pack("=BxxxiIII", 0, ifindex, 0, parent, 0)
    hdr = struct.pack("=IHHII", 16 + len(tcm), RTM_GETTFILTER, 0x1 | 0x300, seq, 0)
    s.send(hdr + tcm)
    done = False
    while not done:
        buf = s.recv(65536)
        save(buf)
        off = 0
        while off + 16 <= len(buf):
            ln, typ = struct.unpack_from("=IH", buf, off)
            if typ == RTM_NEWTFILTER:
                save(buf[off:off + ln])
            if typ == NLMSG_DONE or typ == 2:
                done = True
            off += (ln + 3) & ~3
print("seeds:", len(os.listdir(out)))
