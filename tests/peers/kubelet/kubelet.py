#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A kubelet stand-in on grpcio (Debian's python3-grpcio, C-core), independent
of our lib/ and proto/: it uses its own .proto files (tests/peers/kubelet/proto),
compiled here with python3-grpc-tools.

    kubelet.py [--gen DIR] scenario REG_SOCK [--metrics FILE]
    kubelet.py [--gen DIR] golden OUT_DIR      write tests/data/grpc/*.hex
    kubelet.py [--gen DIR] golden-check DIR    compare DIR/*.hex with this peer's encoding
    kubelet.py [--gen DIR] deferred REG_SOCK [--defer-ms N]   against grpcserve --defer-ms N
    kubelet.py [--gen DIR] getinfo REG_SOCK    one GetInfo, as JSON
    kubelet.py [--gen DIR] register REG_SOCK   GetInfo + NotifyRegistrationStatus(true), as the kubelet
    kubelet.py [--gen DIR] dra DRA_SOCK        prepare/unprepare on v1 and v1beta1 (per-claim errors)
    kubelet.py [--gen DIR] seeds CORPUS_DIR    seed corpora of the fuzz_pb_* and grpc_frame targets

The scenario does what the kubelet does (reference/protocols.md §1.3, §2.3)
and then what a hostile or careless client does; each check prints
"ok NAME" or "FAIL NAME: why", and the exit status is the number of failures.
Must run under /usr/bin/python3 (Debian's grpcio).
"""
import argparse
import concurrent.futures
import os
import socket
import stat
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROTOS = ["kpeer_reg.proto", "kpeer_dra_v1.proto", "kpeer_dra_v1beta1.proto"]


def gen(out):
    """Compile the peer's protos into @out (once; again when a .proto is newer)."""
    os.makedirs(out, exist_ok=True)
    src = os.path.join(HERE, "proto")
    newest = max(os.path.getmtime(os.path.join(src, p)) for p in PROTOS)
    stamp = os.path.join(out, ".stamp")
    if not os.path.exists(stamp) or os.path.getmtime(stamp) < newest:
        subprocess.check_call([sys.executable, "-m", "grpc_tools.protoc", "-I", src,
                               "--python_out=" + out, "--grpc_python_out=" + out] + PROTOS)
        open(stamp, "w").close()
    sys.path.insert(0, out)


FAILS = []


def check(name, cond, why=""):
    if cond:
        print("ok", name)
    else:
        print("FAIL %s: %s" % (name, why))
        FAILS.append(name)
    sys.stdout.flush()


def code_of(fn):
    """Run @fn; return (grpc.StatusCode, details) of its error or (OK, result)."""
    import grpc
    try:
        return grpc.StatusCode.OK, fn()
    except grpc.RpcError as e:
        return e.code(), e.details()


DRA = {
    "v1": "k8s.io.kubelet.pkg.apis.dra.v1.DRAPlugin",
    "v1beta1": "k8s.io.kubelet.pkg.apis.dra.v1beta1.DRAPlugin",
}


def dra_modules(v):
    return __import__("kpeer_dra_%s_pb2" % v), __import__("kpeer_dra_%s_pb2_grpc" % v)


def channel(path):
    import grpc
    return grpc.insecure_channel("unix://" + path)


# --------------------------------------------------------------- scenario

def registration(reg):
    import kpeer_reg_pb2 as pb
    import kpeer_reg_pb2_grpc as pbg
    with channel(reg) as ch:
        stub = pbg.RegistrationStub(ch)
        code, info = code_of(lambda: stub.GetInfo(pb.InfoRequest(), timeout=1))
        check("getinfo", code.name == "OK", "%s %s" % (code, info))
        if code.name != "OK":
            return None
        check("getinfo type", info.type == "DRAPlugin", info.type)
        check("getinfo name", info.name == "dra.net", info.name)
        check("getinfo endpoint absolute socket",
              os.path.isabs(info.endpoint) and stat.S_ISSOCK(os.stat(info.endpoint).st_mode),
              info.endpoint)
        check("getinfo versions", list(info.supported_versions) == ["v1.DRAPlugin", "v1beta1.DRAPlugin"],
              str(list(info.supported_versions)))
        code, _ = code_of(lambda: stub.NotifyRegistrationStatus(
            pb.RegistrationStatus(plugin_registered=True), timeout=5))
        check("notify registered", code.name == "OK", str(code))
    # The kubelet re-dials and repeats GetInfo (pluginwatcher monitor, every 10 s).
    for i in range(3):
        with channel(reg) as ch:
            code, info2 = code_of(lambda: pbg.RegistrationStub(ch).GetInfo(pb.InfoRequest(), timeout=1))
            check("getinfo again %d" % i, code.name == "OK" and info2.endpoint == info.endpoint, str(code))
    return info.endpoint


def claims(pb, n, big=0):
    return [pb.Claim(namespace="ns%d" % i, uid="uid-%d" % i, name=("c%d" % i) + "x" * big)
            for i in range(n)]


def dra_calls(dra):
    with channel(dra) as ch:
        for v in ("v1", "v1beta1"):
            pb, pbg = dra_modules(v)
            stub = pbg.DRAPluginStub(ch)
            req = pb.NodePrepareResourcesRequest(claims=claims(pb, 3))
            code, resp = code_of(lambda: stub.NodePrepareResources(req, timeout=45))
            check("%s prepare" % v, code.name == "OK", "%s %s" % (code, resp))
            if code.name == "OK":
                check("%s prepare every uid" % v, sorted(resp.claims.keys()) == ["uid-0", "uid-1", "uid-2"],
                      str(list(resp.claims.keys())))
                check("%s prepare per-claim error, no devices" % v,
                      all(r.error and not r.devices for r in resp.claims.values()),
                      str(resp))
            ureq = pb.NodeUnprepareResourcesRequest(claims=claims(pb, 2))
            code, resp = code_of(lambda: stub.NodeUnprepareResources(ureq, timeout=45))
            check("%s unprepare" % v, code.name == "OK" and sorted(resp.claims.keys()) == ["uid-0", "uid-1"]
                  and all(r.error for r in resp.claims.values()), "%s %s" % (code, resp))
            code, resp = code_of(lambda: stub.NodePrepareResources(pb.NodePrepareResourcesRequest(), timeout=5))
            check("%s prepare empty batch" % v, code.name == "OK" and len(resp.claims) == 0, str(code))


def concurrent_calls(dra, n=400, channels=4):
    pb, pbg = dra_modules("v1")
    chans = [channel(dra) for _ in range(channels)]
    futs = []
    for i in range(n):
        stub = pbg.DRAPluginStub(chans[i % channels])
        req = pb.NodePrepareResourcesRequest(claims=[pb.Claim(namespace="n", uid="u%d" % i, name="c")])
        futs.append((i, stub.NodePrepareResources.future(req, timeout=20)))
    bad = []
    for i, f in futs:
        try:
            r = f.result()
            if list(r.claims.keys()) != ["u%d" % i]:
                bad.append(i)
        except Exception as e:  # noqa: BLE001
            bad.append((i, str(e)[:80]))
    for c in chans:
        c.close()
    check("%d concurrent calls on %d channels" % (n, channels), not bad, str(bad[:5]))


def large_messages(dra):
    import grpc
    pb, pbg = dra_modules("v1")
    limit = 4 << 20
    with channel(dra) as ch:
        stub = pbg.DRAPluginStub(ch)
        # One claim whose name fills the message to exactly the limit.
        base = pb.NodePrepareResourcesRequest(claims=[pb.Claim(namespace="n", uid="big", name="")])
        name_len = limit - base.ByteSize() - 8
        while True:
            req = pb.NodePrepareResourcesRequest(claims=[pb.Claim(namespace="n", uid="big", name="x" * name_len)])
            if req.ByteSize() >= limit:
                break
            name_len += limit - req.ByteSize()
        while req.ByteSize() > limit:
            name_len -= 1
            req = pb.NodePrepareResourcesRequest(claims=[pb.Claim(namespace="n", uid="big", name="x" * name_len)])
        check("request is exactly 4 MiB", req.ByteSize() == limit, str(req.ByteSize()))
        code, resp = code_of(lambda: stub.NodePrepareResources(req, timeout=20))
        check("4 MiB request answered", code.name == "OK" and list(resp.claims.keys()) == ["big"], str(code))
        req.claims[0].name += "x"
        code, det = code_of(lambda: stub.NodePrepareResources(req, timeout=20))
        check("4 MiB + 1 request is RESOURCE_EXHAUSTED", code == grpc.StatusCode.RESOURCE_EXHAUSTED,
              "%s %s" % (code, det))
        # Many claims, near the limit: 40000 claims.
        req = pb.NodePrepareResourcesRequest(claims=claims(pb, 40000, big=60))
        code, resp = code_of(lambda: stub.NodePrepareResources(req, timeout=20))
        check("40000 claims (%d bytes) answered" % req.ByteSize(),
              code.name == "OK" and len(resp.claims) == 40000, str(code))
        # The server still answers on the same channel.
        code, _ = code_of(lambda: stub.NodePrepareResources(pb.NodePrepareResourcesRequest(), timeout=5))
        check("serving after large messages", code.name == "OK", str(code))


def unknown_methods(reg, dra):
    import grpc
    for path, method in ((reg, "/pluginregistration.Registration/Nope"),
                         (dra, "/k8s.io.kubelet.pkg.apis.dra.v1.DRAPlugin/NodeFrobnicate"),
                         (dra, "/v1alpha1.DRAResourceHealth/NodeWatchResources"),
                         (dra, "/pluginregistration.Registration/GetInfo")):
        with channel(path) as ch:
            call = ch.unary_unary(method)
            code, det = code_of(lambda: call(b"", timeout=5))
            check("unknown method %s is UNIMPLEMENTED" % method, code == grpc.StatusCode.UNIMPLEMENTED,
                  "%s %s" % (code, det))


def undecodable(dra):
    import grpc
    with channel(dra) as ch:
        call = ch.unary_unary("/k8s.io.kubelet.pkg.apis.dra.v1.DRAPlugin/NodePrepareResources")
        code, det = code_of(lambda: call(b"\x0a\xff\xff\xff\xff\x0f", timeout=5))
        check("undecodable request is INVALID_ARGUMENT", code == grpc.StatusCode.INVALID_ARGUMENT,
              "%s %s" % (code, det))


def compression(dra):
    import grpc
    pb, pbg = dra_modules("v1")
    with grpc.insecure_channel("unix://" + dra, compression=grpc.Compression.Gzip) as ch:
        stub = pbg.DRAPluginStub(ch)
        code, det = code_of(lambda: stub.NodePrepareResources(
            pb.NodePrepareResourcesRequest(claims=claims(pb, 50)), timeout=5))
        check("gzip request refused cleanly", code in (grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.INTERNAL)
              and "compression" in (det or ""), "%s %s" % (code, det))


def slow_request(dra, method, timeout, delay, pb_req):
    """A client-streaming call on a unary path: HEADERS now, the message only after @delay."""
    def gen():
        time.sleep(delay)
        yield pb_req
    ch = channel(dra)
    call = ch.stream_unary(method, request_serializer=lambda m: m.SerializeToString())
    return ch, call.future(gen(), timeout=timeout)


def deadlines_and_cancel(dra):
    import grpc
    pb, pbg = dra_modules("v1")
    m = "/k8s.io.kubelet.pkg.apis.dra.v1.DRAPlugin/NodePrepareResources"
    ch, f = slow_request(dra, m, 0.2, 1.0, pb.NodePrepareResourcesRequest())
    code, det = code_of(f.result)
    check("deadline expires before the message", code == grpc.StatusCode.DEADLINE_EXCEEDED, "%s %s" % (code, det))
    ch.close()
    ch, f = slow_request(dra, m, 10, 1.0, pb.NodePrepareResourcesRequest())
    time.sleep(0.2)
    check("client cancels", f.cancel() and f.cancelled(), "cancel() returned False")
    ch.close()
    with channel(dra) as ch:
        code, _ = code_of(lambda: pbg.DRAPluginStub(ch).NodePrepareResources(
            pb.NodePrepareResourcesRequest(claims=claims(pb, 1)), timeout=5))
        check("serving after deadline and cancel", code.name == "OK", str(code))


def raw_h2_deadline(dra, body=None):
    """Hand-driven HTTP/2 (python3-h2): HEADERS with grpc-timeout 100m and no DATA
    (or @body, for a server that answers late). The server itself must answer
    DEADLINE_EXCEEDED (this client never gives up)."""
    import h2.config
    import h2.connection
    import h2.events
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(dra)
    c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    c.initiate_connection()
    c.send_headers(1, [(":method", "POST"), (":scheme", "http"),
                       (":path", "/k8s.io.kubelet.pkg.apis.dra.v1.DRAPlugin/NodePrepareResources"),
                       (":authority", "localhost"), ("content-type", "application/grpc"),
                       ("te", "trailers"), ("grpc-timeout", "100m")])
    if body is not None:
        c.send_data(1, b"\x00" + len(body).to_bytes(4, "big") + body, end_stream=True)
    s.sendall(c.data_to_send())
    t0 = time.monotonic()
    status = None
    try:
        while status is None:
            data = s.recv(65536)
            if not data:
                break
            for ev in c.receive_data(data):
                if isinstance(ev, (h2.events.ResponseReceived, h2.events.TrailersReceived)):
                    hd = dict((k.decode() if isinstance(k, bytes) else k, v.decode() if isinstance(v, bytes) else v)
                              for k, v in ev.headers)
                    if "grpc-status" in hd:
                        status = hd["grpc-status"]
            s.sendall(c.data_to_send())
    except socket.timeout:
        pass
    dt = time.monotonic() - t0
    s.close()
    check("server answers DEADLINE_EXCEEDED itself (%.0f ms)" % (dt * 1000),
          status == "4" and 0.09 <= dt < 2, "status %s after %.3f s" % (status, dt))


def misbehaving(reg, dra):
    pb, pbg = dra_modules("v1")
    # Garbage instead of the preface; a half frame that never completes; a client
    # that connects and sends nothing; one that closes mid-message.
    socks = []
    for payload in (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                    b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04",
                    b"",
                    b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00"
                    b"\x00\x40\x00\x00\x00\x00\x00\x01"):
        s = socket.socket(socket.AF_UNIX)
        s.connect(dra)
        if payload:
            s.sendall(payload)
        socks.append(s)
    # While those hang around, a well-behaved client is served.
    with channel(dra) as ch:
        code, _ = code_of(lambda: pbg.DRAPluginStub(ch).NodePrepareResources(
            pb.NodePrepareResourcesRequest(claims=claims(pb, 1)), timeout=5))
        check("served next to misbehaving clients", code.name == "OK", str(code))
    s = socks[0]
    s.settimeout(2)
    try:
        got = s.recv(4096)
        while True:
            more = s.recv(4096)
            if not more:
                break
            got += more
        closed = True
    except socket.timeout:
        closed = False
    check("bad preface: connection closed by the server", closed, "still open")
    for s in socks:
        s.close()
    with channel(reg) as ch:
        import kpeer_reg_pb2 as rpb
        import kpeer_reg_pb2_grpc as rpbg
        code, _ = code_of(lambda: rpbg.RegistrationStub(ch).GetInfo(rpb.InfoRequest(), timeout=2))
        check("registration still served", code.name == "OK", str(code))


def refusal(reg):
    import kpeer_reg_pb2 as pb
    import kpeer_reg_pb2_grpc as pbg
    st0 = os.stat(reg)
    ino = (st0.st_ino, st0.st_ctime_ns)
    with channel(reg) as ch:
        code, _ = code_of(lambda: pbg.RegistrationStub(ch).NotifyRegistrationStatus(
            pb.RegistrationStatus(plugin_registered=False, error="plugin validation failed: test"), timeout=5))
        check("notify refused answered", code.name == "OK", str(code))
    t0 = time.monotonic()
    while time.monotonic() - t0 < 4:
        try:
            st = os.stat(reg)
            if (st.st_ino, st.st_ctime_ns) != ino:
                break
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    st = os.stat(reg)
    check("refusal re-creates the registration socket",
          (st.st_ino, st.st_ctime_ns) != ino and stat.S_ISSOCK(st.st_mode) and (st.st_mode & 0o777) == 0o600,
          "inode/ctime %s -> %s" % (ino, (st.st_ino, st.st_ctime_ns)))
    with channel(reg) as ch:
        code, _ = code_of(lambda: pbg.RegistrationStub(ch).GetInfo(pb.InfoRequest(), timeout=2))
        check("getinfo on the new socket", code.name == "OK", str(code))
        code, _ = code_of(lambda: pbg.RegistrationStub(ch).NotifyRegistrationStatus(
            pb.RegistrationStatus(plugin_registered=True), timeout=5))
        check("notify registered after retry", code.name == "OK", str(code))


def deferred(args):
    """Against grpcserve --defer-ms N: every DRA answer comes N ms late."""
    import grpc
    delay = args.defer_ms / 1000.0
    dra = registration(args.reg)
    if not dra:
        return 1
    pb, pbg = dra_modules("v1")
    chans = [channel(dra) for _ in range(2)]
    t0 = time.monotonic()
    futs = [(i, pbg.DRAPluginStub(chans[i % 2]).NodePrepareResources.future(
        pb.NodePrepareResourcesRequest(claims=[pb.Claim(namespace="n", uid="d%d" % i, name="c")]), timeout=10))
        for i in range(100)]
    bad = [i for i, f in futs if list(code_of(f.result)[1].claims.keys()) != ["d%d" % i]]
    dt = time.monotonic() - t0
    check("100 late answers, all in parallel (%.2f s)" % dt, not bad and delay <= dt < delay + 3, "bad %s, %.2f s" % (bad[:5], dt))
    stub = pbg.DRAPluginStub(chans[0])
    t0 = time.monotonic()
    code, det = code_of(lambda: stub.NodePrepareResources(pb.NodePrepareResourcesRequest(), timeout=delay / 3))
    dt = time.monotonic() - t0
    check("deadline before the late answer", code == grpc.StatusCode.DEADLINE_EXCEEDED and dt < delay,
          "%s %s after %.2f s" % (code, det, dt))
    f = stub.NodePrepareResources.future(pb.NodePrepareResourcesRequest(), timeout=10)
    time.sleep(delay / 3)
    check("cancel while the server holds the call", f.cancel(), "cancel() returned False")
    raw_h2_deadline(dra, pb.NodePrepareResourcesRequest(claims=claims(pb, 1)).SerializeToString())
    time.sleep(delay * 1.5)  # the dropped calls' answers would have been due now
    code, resp = code_of(lambda: stub.NodeUnprepareResources(
        pb.NodeUnprepareResourcesRequest(claims=claims(pb, 2)), timeout=10))
    check("late answers still served", code.name == "OK" and len(resp.claims) == 2, str(code))
    for c in chans:
        c.close()
    print("kubelet.py: %d failed" % len(FAILS))
    return len(FAILS)


def scenario(args):
    dra = registration(args.reg)
    if not dra:
        return 1
    dra_calls(dra)
    concurrent_calls(dra)
    large_messages(dra)
    unknown_methods(args.reg, dra)
    undecodable(dra)
    compression(dra)
    deadlines_and_cancel(dra)
    raw_h2_deadline(dra)
    misbehaving(args.reg, dra)
    refusal(args.reg)
    print("kubelet.py: %d failed" % len(FAILS))
    return len(FAILS)


# ----------------------------------------------------------------- golden

def golden_messages():
    """Messages whose bytes pin the field numbers (name -> serialized bytes)."""
    import kpeer_reg_pb2 as rpb
    out = {}
    out["plugininfo"] = rpb.PluginInfo(type="DRAPlugin", name="dra.net",
                                       endpoint="/var/lib/kubelet/plugins/dra.net/dra.sock",
                                       supported_versions=["v1.DRAPlugin", "v1beta1.DRAPlugin"])
    out["registrationstatus"] = rpb.RegistrationStatus(plugin_registered=True, error="e")
    for v in ("v1", "v1beta1"):
        pb, _ = dra_modules(v)
        out["prepare_request_" + v] = pb.NodePrepareResourcesRequest(
            claims=[pb.Claim(namespace="default", uid="0a1b-uid", name="claim-a"),
                    pb.Claim(namespace="kube-system", uid="2c3d-uid", name="claim-b")])
        out["prepare_response_" + v] = pb.NodePrepareResourcesResponse(claims={
            "0a1b-uid": pb.NodePrepareResourceResponse(devices=[pb.Device(
                request_names=["nic"], pool_name="node-1", device_name="pci-0000-00-03-0",
                cdi_device_ids=["dra.net/nic=eth1"])]),
            "2c3d-uid": pb.NodePrepareResourceResponse(error="no such device")})
        out["unprepare_request_" + v] = pb.NodeUnprepareResourcesRequest(
            claims=[pb.Claim(namespace="default", uid="0a1b-uid", name="claim-a")])
        out["unprepare_response_" + v] = pb.NodeUnprepareResourcesResponse(claims={
            "0a1b-uid": pb.NodeUnprepareResourceResponse(error=""),
            "2c3d-uid": pb.NodeUnprepareResourceResponse(error="busy")})
    return {k: m.SerializeToString(deterministic=True) for k, m in out.items()}


def golden(args):
    os.makedirs(args.dir, exist_ok=True)
    for name, data in sorted(golden_messages().items()):
        with open(os.path.join(args.dir, name + ".hex"), "w") as f:
            f.write(data.hex() + "\n")
    return 0


def golden_check(args):
    n = 0
    for name, data in sorted(golden_messages().items()):
        with open(os.path.join(args.dir, name + ".hex")) as f:
            want = bytes.fromhex(f.read().strip())
        check("golden %s" % name, want == data, "%s != %s" % (want.hex(), data.hex()))
        n += 1
    return len(FAILS)


def seeds(args):
    """Seed corpora for the fuzz targets, from this peer's encodings (files named by SHA-256)."""
    import hashlib
    import struct
    import kpeer_reg_pb2 as rpb
    g = golden_messages()
    v1, _ = dra_modules("v1")
    corpus = {
        "pb_info_request": [rpb.InfoRequest().SerializeToString(), b"\x0a\x03abc", b"\x08\x01"],
        "pb_registration_status": [g["registrationstatus"],
                                   rpb.RegistrationStatus(plugin_registered=False,
                                                          error="plugin validation failed").SerializeToString(),
                                   rpb.RegistrationStatus().SerializeToString()],
        "pb_prepare_request": [g["prepare_request_v1"], g["prepare_request_v1beta1"],
                               v1.NodePrepareResourcesRequest(claims=claims(v1, 20)).SerializeToString()],
        "pb_unprepare_request": [g["unprepare_request_v1"], g["unprepare_request_v1beta1"],
                                 v1.NodeUnprepareResourcesRequest(claims=claims(v1, 5)).SerializeToString()],
    }
    frames = []
    for i, m in enumerate([g["registrationstatus"], g["prepare_request_v1"], b""]):
        frames.append(bytes([i * 7]) + b"\x00" + struct.pack(">I", len(m)) + m)
    frames.append(b"\x03\x01\x00\x00\x00\x02\x08\x01")          # compressed
    frames.append(b"\x00\x00\x00\x40\x00\x01")                  # 4 MiB + 1 declared
    frames.append(b"\x01\x00\x00\x00\x00\x02\x08\x01\x00\x00")  # two messages
    corpus["grpc_frame"] = frames
    for target, items in corpus.items():
        d = os.path.join(args.dir, target)
        os.makedirs(d, exist_ok=True)
        for data in items:
            with open(os.path.join(d, hashlib.sha256(data).hexdigest()), "wb") as f:
                f.write(data)
    return 0


def getinfo(args):
    """One GetInfo (1 s deadline, as the kubelet) printed as JSON; exit 1 on an error."""
    import json
    import kpeer_reg_pb2 as pb
    import kpeer_reg_pb2_grpc as pbg
    with channel(args.reg) as ch:
        code, info = code_of(lambda: pbg.RegistrationStub(ch).GetInfo(pb.InfoRequest(), timeout=1))
    if code.name != "OK":
        print(json.dumps({"error": code.name}))
        return 1
    print(json.dumps({"type": info.type, "name": info.name, "endpoint": info.endpoint,
                      "supported_versions": list(info.supported_versions)}, sort_keys=True))
    return 0


def register(args):
    """What the kubelet does once it sees the socket: GetInfo, then accept; prints the endpoint."""
    import kpeer_reg_pb2 as pb
    import kpeer_reg_pb2_grpc as pbg
    with channel(args.reg) as ch:
        stub = pbg.RegistrationStub(ch)
        code, info = code_of(lambda: stub.GetInfo(pb.InfoRequest(), timeout=1))
        if code.name != "OK" or info.type != "DRAPlugin":
            print("register: GetInfo %s %s" % (code.name, info), file=sys.stderr)
            return 1
        code, _ = code_of(lambda: stub.NotifyRegistrationStatus(
            pb.RegistrationStatus(plugin_registered=True), timeout=5))
        if code.name != "OK":
            print("register: NotifyRegistrationStatus %s" % code.name, file=sys.stderr)
            return 1
    print(info.endpoint)
    return 0


def dra(args):
    """The DRA calls of the scenario alone, on v1 and v1beta1."""
    dra_calls(args.dra)
    print("kubelet.py: %d failed" % len(FAILS))
    return len(FAILS)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gen", default=os.path.join(os.getcwd(), "build/peers/kubelet/py"))
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("scenario")
    p.add_argument("reg")
    p.set_defaults(fn=scenario)
    p = sub.add_parser("golden")
    p.add_argument("dir")
    p.set_defaults(fn=golden)
    p = sub.add_parser("deferred")
    p.add_argument("reg")
    p.add_argument("--defer-ms", type=int, default=300)
    p.set_defaults(fn=deferred)
    p = sub.add_parser("getinfo")
    p.add_argument("reg")
    p.set_defaults(fn=getinfo)
    p = sub.add_parser("register")
    p.add_argument("reg")
    p.set_defaults(fn=register)
    p = sub.add_parser("dra")
    p.add_argument("dra")
    p.set_defaults(fn=dra)
    p = sub.add_parser("seeds")
    p.add_argument("dir")
    p.set_defaults(fn=seeds)
    p = sub.add_parser("golden-check")
    p.add_argument("dir")
    p.set_defaults(fn=golden_check)
    args = ap.parse_args()
    gen(args.gen)
    sys.exit(args.fn(args))


if __name__ == "__main__":
    main()
