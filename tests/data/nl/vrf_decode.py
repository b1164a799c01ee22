#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Independent decoder for tests/unit/test_attach_vrf.c: reads one rtnetlink
# request per line, as hex, from the file named by argv[1] and prints one
# canonical line per message, decoded with struct from the uapi layouts
# (include/uapi/linux/netlink.h, rtnetlink.h, if_link.h), not with lib/nl.
# Constants are written out here on purpose (no shared header).
import struct
import sys

RTM = {16: "RTM_NEWLINK", 17: "RTM_DELLINK", 18: "RTM_GETLINK", 24: "RTM_NEWROUTE",
       25: "RTM_DELROUTE"}
IFLA = {3: "IFLA_IFNAME", 10: "IFLA_MASTER", 18: "IFLA_LINKINFO", 20: "IFLA_IFALIAS"}
INFO = {1: "IFLA_INFO_KIND", 2: "IFLA_INFO_DATA"}
VRF = {1: "IFLA_VRF_TABLE"}
RTA = {1: "RTA_DST", 4: "RTA_OIF", 5: "RTA_GATEWAY", 6: "RTA_PRIORITY", 15: "RTA_TABLE"}
NLA_F_NESTED = 0x8000
U32 = {"IFLA_MASTER", "IFLA_VRF_TABLE", "RTA_OIF", "RTA_PRIORITY", "RTA_TABLE"}
STRZ = {"IFLA_IFNAME", "IFLA_IFALIAS", "IFLA_INFO_KIND"}


def attrs(b, names, sub):
    out = []
    off = 0
    while off < len(b):
        ln, typ = struct.unpack_from("=HH", b, off)
        assert ln >= 4 and off + ln <= len(b), "bad nlattr at %d" % off
        nested = bool(typ & NLA_F_NESTED)
        typ &= 0x3FFF
        name = names.get(typ, "type%d" % typ)
        data = b[off + 4:off + ln]
        if name in sub:
            assert nested, name + " without NLA_F_NESTED"
            out.append("%s{%s}" % (name, " ".join(attrs(data, *sub[name]))))
        elif name in U32:
            assert len(data) == 4, name
            out.append("%s=%d" % (name, struct.unpack("=I", data)[0]))
        elif name in STRZ:
            assert data.endswith(b"\0") and b"\0" not in data[:-1], name + " not NUL-terminated"
            out.append("%s=%s" % (name, data[:-1].decode()))
        else:
            out.append("%s=%s" % (name, data.hex()))
        off += (ln + 3) & ~3
    return out


def decode(b):
    ln, typ, flags, seq, pid = struct.unpack_from("=IHHII", b, 0)
    assert ln == len(b), "nlmsg_len %d != %d bytes" % (ln, len(b))
    name = RTM[typ]
    body = b[16:]
    if "LINK" in name:
        fam, _pad, iftype, index, ifl, change = struct.unpack_from("=BBHiII", body, 0)
        head = "family=%d type=%d index=%d flags=0x%x change=0x%x" % (fam, iftype, index, ifl,
                                                                     change)
        sub = {"IFLA_LINKINFO": (INFO, {"IFLA_INFO_DATA": (VRF, {})})}
        rest = attrs(body[16:], IFLA, sub)
    else:
        fam, dl, sl, tos, table, proto, scope, rtype, rfl = struct.unpack_from("=BBBBBBBBI",
                                                                               body, 0)
        head = "family=%d dst_len=%d rtm_table=%d protocol=%d scope=%d type=%d" % (
            fam, dl, table, proto, scope, rtype)
        rest = attrs(body[12:], RTA, {})
    return "%s flags=0x%x seq=%d %s %s" % (name, flags, seq, head, " ".join(rest))


with open(sys.argv[1]) as f:
    for line in f:
        if line.strip():
            print(decode(bytes.fromhex(line.strip())))
