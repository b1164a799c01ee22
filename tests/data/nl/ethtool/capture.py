#!/usr/bin/env python3
# Capture raw ethtool generic netlink replies from this kernel for veth (the
# unit tests' and fuzz seeds' real messages). Independent of lib/nl: plain
# sockets and struct, message layouts from include/uapi/linux/ethtool_netlink.h.
# Run as root inside a scratch netns:  unshare -n python3 capture.py OUTDIR
import os
import socket
import struct
import subprocess
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 16
CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 3, 1, 2
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
STRSET_GET, FEATURES_GET, FEATURES_SET = 1, 11, 12
HDR_INDEX, HDR_NAME, HDR_FLAGS = 1, 2, 3
COMPACT = 1
NESTED = 0x8000


def attr(t, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, t) + payload + b"\0" * ((4 - n % 4) % 4)


def strz(s):
    return s.encode() + b"\0"


class Sock:
    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.s.setsockopt(270, 11, 1)  # SOL_NETLINK, NETLINK_EXT_ACK
        self.s.bind((0, 0))
        self.seq = 1

    def request(self, family, cmd, attrs):
        body = struct.pack("=BBH", cmd, 1, 0) + attrs
        self.seq += 1
        msg = struct.pack("=IHHII", 16 + len(body), family, NLM_F_REQUEST | NLM_F_ACK, self.seq, 0) + body
        self.s.send(msg)
        out = []
        while True:
            buf = self.s.recv(65536)
            off = 0
            while off < len(buf):
                ln, typ = struct.unpack_from("=IH", buf, off)
                m = buf[off:off + ln]
                if typ == NLMSG_ERROR:
                    err = struct.unpack_from("=i", m, 16)[0]
                    if err:
                        raise OSError(-err, "netlink error %r" % m[36:])
                    return out
                out.append(m)
                off += (ln + 3) & ~3


def family_id(sk):
    m = sk.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, attr(CTRL_ATTR_FAMILY_NAME, strz("ethtool")))[0]
    off = 20
    while off < len(m):
        ln, t = struct.unpack_from("=HH", m, off)
        if t == CTRL_ATTR_FAMILY_ID:
            return struct.unpack_from("=H", m, off + 4)[0]
        off += (ln + 3) & ~3
    raise SystemExit("no family id")


def header(dev, flags):
    h = attr(HDR_NAME, strz(dev))
    if flags:
        h += attr(HDR_FLAGS, struct.pack("=I", flags))
    return attr(1 | NESTED, h)


def main():
    out = sys.argv[1]
    subprocess.run(["ip", "link", "add", "va", "type", "veth", "peer", "name", "vb"], check=True)
    sk = Sock()
    fam = family_id(sk)
    sets = lambda ss: attr(2 | NESTED, attr(1 | NESTED, attr(1, struct.pack("=I", ss))))
    saves = {
        "strset-features": sk.request(fam, STRSET_GET, header("va", 0) + sets(4))[0],  # ETH_SS_FEATURES
        "strset-privflags": sk.request(fam, STRSET_GET, header("va", 0) + sets(2))[0],  # ETH_SS_PRIV_FLAGS
        "features-compact": sk.request(fam, FEATURES_GET, header("va", COMPACT))[0],
        "features-verbose": sk.request(fam, FEATURES_GET, header("va", 0))[0],
    }
    # sg off + tso on: the kernel drops TSO (no SG), so the reply's WANTED diff names the TSO bits.
    bit = lambda name, on: attr(1 | NESTED, attr(2, strz(name)) + (attr(3, b"") if on else b""))
    wanted = attr(3 | NESTED, attr(3 | NESTED, bit("tx-scatter-gather", False) + bit("tx-tcp-segmentation", True)))
    saves["features-set-compact"] = sk.request(fam, FEATURES_SET, header("va", COMPACT) + wanted)[0]
    wanted = attr(3 | NESTED, attr(3 | NESTED, bit("tx-scatter-gather", True) + bit("tx-tcp-segmentation", True)))
    sk.request(fam, FEATURES_SET, header("va", COMPACT) + wanted)
    wanted = attr(3 | NESTED, attr(3 | NESTED, bit("tx-scatter-gather", False) + bit("tx-tcp-segmentation", True)))
    saves["features-set-verbose"] = sk.request(fam, FEATURES_SET, header("va", 0) + wanted)[0]
    for name, m in saves.items():
        with open(os.path.join(out, name + ".bin"), "wb") as f:
            f.write(m)
        print(name, len(m))


main()
