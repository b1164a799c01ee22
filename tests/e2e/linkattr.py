#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# linkattr.py NETNS IFNAME: the gso/gro sizes of a link as JSON, read with a
# raw RTM_GETLINK from Python's own socket module (an oracle independent of
# our lib/nl and of iproute2 6.1, which does not print the IPv4 sizes).
# IFLA_GSO_MAX_SIZE 41, IFLA_GRO_MAX_SIZE 58, IFLA_GSO/GRO_IPV4_MAX_SIZE 63/64
# (include/uapi/linux/if_link.h).
import ctypes, json, os, socket, struct, sys

ns, ifname = sys.argv[1], sys.argv[2]
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open("/run/netns/" + ns, os.O_RDONLY)
if libc.setns(fd, 0x40000000) != 0:
    sys.exit("setns failed")
idx = socket.if_nametoindex(ifname)
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
s.bind((0, 0))
RTM_GETLINK, NLM_F_REQUEST = 18, 1
body = struct.pack("BxHiII", 0, 0, idx, 0, 0)
s.send(struct.pack("IHHII", 16 + len(body), RTM_GETLINK, NLM_F_REQUEST, 1, 0) + body)
data = s.recv(65536)
ln, typ = struct.unpack_from("IH", data, 0)
if typ != 16:
    sys.exit("unexpected reply type %d" % typ)
off, names, out = 16 + 16, {41: "gso", 58: "gro", 63: "gso_v4", 64: "gro_v4", 4: "mtu"}, {}
while off + 4 <= ln:
    alen, atype = struct.unpack_from("HH", data, off)
    if alen < 4:
        break
    if atype & 0x3FFF in names and alen == 8:
        out[names[atype & 0x3FFF]] = struct.unpack_from("I", data, off + 4)[0]
    off += (alen + 3) & ~3
print(json.dumps(out, sort_keys=True))
