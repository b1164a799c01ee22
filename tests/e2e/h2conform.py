#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""HTTP/2 server conformance cases (h2spec's generic, http2 and hpack server
sections that apply to a prior-knowledge server without push), driven with
hand-built frames over a unix socket, independent of lib/h2. Header blocks
are written by hand (literal fields) or by Debian's python3-hpack.

usage: h2conform.py SOCKET [--markdown]

Prints one row per case: id, what is sent, expected, got, ok. Exits 1 if any
case fails. A bystander connection is opened first and must still be served
at the end (a misbehaving peer costs only its own stream or connection).
"""
import socket
import struct
import sys
import time

from hpack import Decoder, Encoder

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, PRIORITY, RST, SETTINGS, PUSH, PING, GOAWAY, WU, CONT = range(10)
ES, EH, PAD, PRIO, ACK = 0x1, 0x4, 0x8, 0x20, 0x1
CODES = ["NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR",
         "SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL",
         "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY",
         "HTTP_1_1_REQUIRED"]


def code_name(c):
    return CODES[c] if c < len(CODES) else str(c)


def frame(t, flags, sid, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([t, flags]) + struct.pack(">I", sid) + payload


def lit(name, value):
    """A literal field without indexing, new name, raw strings (RFC 7541 §6.2.2)."""
    n, v = name.encode(), value.encode()
    assert len(n) < 127 and len(v) < 127
    return b"\x00" + bytes([len(n)]) + n + bytes([len(v)]) + v


def req(path="/", method="GET", extra=b""):
    return lit(":method", method) + lit(":scheme", "http") + lit(":path", path) + \
        lit(":authority", "localhost") + extra


def setting(i, v):
    return struct.pack(">HI", i, v)


class Conn:
    def __init__(self, path, handshake=True, settings=b""):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""
        self.eof = False
        self.frames = []
        if handshake:
            self.send(PREFACE + frame(SETTINGS, 0, 0, settings))
            got_settings = got_ack = False
            deadline = time.time() + 3
            while not (got_settings and got_ack) and time.time() < deadline:
                f = self.read(deadline - time.time())
                if f is None:
                    break
                if f[0] == SETTINGS and not f[1] & ACK:
                    assert not got_settings and not got_ack, "SETTINGS must come first"
                    got_settings = True
                    self.send(frame(SETTINGS, ACK, 0))
                elif f[0] == SETTINGS:
                    got_ack = True
            if not (got_settings and got_ack):
                raise RuntimeError("no SETTINGS / SETTINGS ACK from the server")

    def send(self, b):
        try:
            self.s.sendall(b)
        except OSError:
            self.eof = True

    def read(self, timeout):
        """One frame (type, flags, sid, payload), or None at EOF or timeout."""
        end = time.time() + max(timeout, 0)
        while len(self.buf) < 9 or len(self.buf) < 9 + int.from_bytes(self.buf[:3], "big"):
            left = end - time.time()
            if left <= 0 or self.eof:
                return None
            self.s.settimeout(left)
            try:
                b = self.s.recv(65536)
            except socket.timeout:
                return None
            except OSError:
                b = b""
            if not b:
                self.eof = True
                return None
            self.buf += b
        n = int.from_bytes(self.buf[:3], "big")
        f = (self.buf[3], self.buf[4], int.from_bytes(self.buf[5:9], "big") & 0x7fffffff,
             self.buf[9:9 + n])
        self.buf = self.buf[9 + n:]
        self.frames.append(f)
        return f

    def outcome(self, sid=None, timeout=1.0, want_data=False):
        """The first decisive event: GOAWAY, RST_STREAM on sid, a response on sid,
        PING ACK, or EOF. With want_data: count DATA bytes on sid until END_STREAM
        or timeout."""
        end = time.time() + timeout
        data = 0
        while True:
            f = self.read(end - time.time())
            if f is None:
                if want_data:
                    return "DATA:%d" % data
                return "CLOSED" if self.eof else "TIMEOUT"
            t, fl, s, p = f
            if t == GOAWAY:
                return "GOAWAY:" + code_name(int.from_bytes(p[4:8], "big"))
            if t == RST and (sid is None or s == sid):
                return "RST:" + code_name(int.from_bytes(p[:4], "big"))
            if t == PING and fl & ACK:
                return "PING_ACK:" + p.decode("latin1")
            if t == SETTINGS and fl & ACK and not want_data:
                return "SETTINGS_ACK"
            if t == HEADERS and s == sid and not want_data:
                return "RESPONSE"
            if t == DATA and s == sid and want_data:
                data += len(p)
                if fl & ES:
                    return "DATA:%d" % data

    def close(self):
        self.s.close()


CASES = []


def case(cid, what, expect):
    def deco(fn):
        CASES.append((cid, what, expect if isinstance(expect, tuple) else (expect,), fn))
        return fn
    return deco


def conn_err(code):
    return ("GOAWAY:" + code,)


def stream_err(code):
    return ("RST:" + code, "GOAWAY:" + code)


P = "PROTOCOL_ERROR"

# ------------------------------------------------------------------ 3.5, 4


@case("3.5/1", "valid client preface and SETTINGS", "RESPONSE")
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH | ES, 1, req()))
    return c.outcome(1)


@case("3.5/2", "invalid connection preface", ("GOAWAY:" + P, "CLOSED"))
def _(path):
    c = Conn(path, handshake=False)
    c.send(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\r" + frame(SETTINGS, 0, 0))
    return c.outcome()


@case("4.1/1", "unknown frame type, then PING", "PING_ACK:h2spec41")
def _(path):
    c = Conn(path)
    c.send(frame(0x16, 0, 0, b"abcd") + frame(PING, 0, 0, b"h2spec41"))
    return c.outcome()


@case("4.1/2", "PING with undefined flags", "PING_ACK:h2spec42")
def _(path):
    c = Conn(path)
    c.send(frame(PING, 0x16, 0, b"h2spec42"))
    return c.outcome()


@case("4.1/3", "PING with the reserved bit set", "PING_ACK:h2spec43")
def _(path):
    c = Conn(path)
    c.send(struct.pack(">I", 8)[1:] + bytes([PING, 0]) + b"\x80\0\0\0" + b"h2spec43")
    return c.outcome()


@case("4.2/1", "DATA of exactly 2^14 bytes", "DATA:16384")
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH, 1, req("/echo", "POST")) + frame(DATA, ES, 1, b"x" * 16384))
    return c.outcome(1, want_data=True)


@case("4.2/2", "DATA over SETTINGS_MAX_FRAME_SIZE", stream_err("FRAME_SIZE_ERROR"))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH, 1, req("/echo", "POST")) + frame(DATA, ES, 1, b"x" * 16385))
    return c.outcome(1)


@case("4.2/3", "HEADERS over SETTINGS_MAX_FRAME_SIZE", conn_err("FRAME_SIZE_ERROR"))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH | ES, 1, req(extra=lit("x", "y" * 100) * 200)))
    return c.outcome(1)


@case("4.3/1", "invalid header block fragment", conn_err("COMPRESSION_ERROR"))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH | ES, 1, b"\x40"))  # literal with indexing, no name
    return c.outcome(1)


@case("4.3/2", "PRIORITY inside a header block", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, ES, 1, req()) + frame(PRIORITY, 0, 1, b"\0\0\0\0\x10"))
    return c.outcome(1)


@case("4.3/3", "HEADERS of another stream inside a header block", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, ES, 1, req()) + frame(HEADERS, ES | EH, 3, req()))
    return c.outcome(1)

# ---------------------------------------------------------------- 5.1


@case("5.1/1", "idle: DATA", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(DATA, ES, 1, b"test"))
    return c.outcome(1)


@case("5.1/2", "idle: RST_STREAM", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(RST, 0, 1, b"\0\0\0\x08"))
    return c.outcome(1)


@case("5.1/3", "idle: WINDOW_UPDATE", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(WU, 0, 1, b"\0\0\0\x64"))
    return c.outcome(1)


@case("5.1/4", "idle: CONTINUATION", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(CONT, EH, 1, req()))
    return c.outcome(1)


@case("5.1/5", "half-closed (remote): DATA", stream_err("STREAM_CLOSED"))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH | ES, 1, req()) + frame(DATA, ES, 1, b"test"))
    return c.outcome(1)


@case("5.1/6", "half-closed (remote): HEADERS", stream_err("STREAM_CLOSED"))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH | ES, 1, req()) + frame(HEADERS, EH | ES, 1, req()))
    return c.outcome(1)


@case("5.1/7", "half-closed (remote): CONTINUATION", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH | ES, 1, req()) + frame(CONT, EH, 1, req()))
    return c.outcome(1)


@case("5.1/8", "closed after RST_STREAM: DATA", stream_err("STREAM_CLOSED"))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH, 1, req("/echo", "POST")) + frame(RST, 0, 1, b"\0\0\0\x08") +
           frame(DATA, ES, 1, b"test"))
    return c.outcome(1)


@case("5.1/9", "closed after RST_STREAM: HEADERS", stream_err("STREAM_CLOSED"))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH, 1, req("/echo", "POST")) + frame(RST, 0, 1, b"\0\0\0\x08") +
           frame(HEADERS, EH | ES, 1, req()))
    return c.outcome(1)


@case("5.1/10", "closed after RST_STREAM: CONTINUATION", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH, 1, req("/echo", "POST")) + frame(RST, 0, 1, b"\0\0\0\x08") +
           frame(CONT, EH, 1, req()))
    return c.outcome(1)


def after_response(path, then):
    c = Conn(path)
    c.send(frame(HEADERS, EH | ES, 1, req()))
    if c.outcome(1, want_data=True) != "DATA:0":
        return "NO_RESPONSE"
    c.send(then)
    return c.outcome(1)


@case("5.1/11", "closed after END_STREAM both ways: DATA", stream_err("STREAM_CLOSED"))
def _(path):
    return after_response(path, frame(DATA, ES, 1, b"test"))


@case("5.1/12", "closed after END_STREAM both ways: HEADERS", stream_err("STREAM_CLOSED"))
def _(path):
    return after_response(path, frame(HEADERS, EH | ES, 1, req()))


@case("5.1/13", "closed after END_STREAM both ways: CONTINUATION", conn_err(P))
def _(path):
    return after_response(path, frame(CONT, EH, 1, req()))


@case("5.1.1/1", "even stream id", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH | ES, 2, req()))
    return c.outcome(2)


@case("5.1.1/2", "stream id lower than a previous one", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH | ES, 5, req()) + frame(HEADERS, EH | ES, 3, req()))
    return c.outcome(3)


@case("5.1.2/1", "more than SETTINGS_MAX_CONCURRENT_STREAMS (100)",
      ("RST:REFUSED_STREAM", "RST:" + P, "GOAWAY:" + P))
def _(path):
    c = Conn(path)
    c.send(b"".join(frame(HEADERS, EH, i, req("/echo", "POST")) for i in range(1, 202, 2)))
    return c.outcome(201)

# ------------------------------------------------------------ 5.3 - 5.5


@case("5.3.1/1", "HEADERS depending on itself", stream_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH | ES | PRIO, 1, b"\0\0\0\x01\x10" + req()))
    return c.outcome(1)


@case("5.3.1/2", "PRIORITY depending on itself", stream_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(PRIORITY, 0, 1, b"\0\0\0\x01\x10"))
    return c.outcome(1)


@case("5.4.1/1", "invalid PING: GOAWAY then close", "GOAWAY:FRAME_SIZE_ERROR+CLOSED")
def _(path):
    c = Conn(path)
    c.send(frame(PING, 0, 0, b"1234567"))
    got = c.outcome()
    return got + "+" + c.outcome(timeout=2)


@case("5.5/1", "unknown extension frame, then PING", "PING_ACK:h2spec55")
def _(path):
    c = Conn(path)
    c.send(frame(0xff, 0, 0, b"x") + frame(PING, 0, 0, b"h2spec55"))
    return c.outcome()


@case("5.5/2", "unknown extension frame inside a header block", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, ES, 1, req()) + frame(0xff, 0, 1, b"x"))
    return c.outcome(1)

# ---------------------------------------------------------------- 6.x


@case("6.1/1", "DATA on stream 0", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(DATA, ES, 0, b"test"))
    return c.outcome()


@case("6.1/2", "DATA on a half-closed (remote) stream", stream_err("STREAM_CLOSED"))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH | ES, 1, req()) + frame(DATA, ES, 1, b"test"))
    return c.outcome(1)


@case("6.1/3", "DATA with a pad length over the payload", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH, 1, req("/echo", "POST")) + frame(DATA, ES | PAD, 1, b"\x06test"))
    return c.outcome(1)


@case("6.2/1", "HEADERS without END_HEADERS, then PRIORITY", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, ES, 1, req()) + frame(PRIORITY, 0, 1, b"\0\0\0\0\x10"))
    return c.outcome(1)


@case("6.2/2", "HEADERS on stream 0", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH | ES, 0, req()))
    return c.outcome()


@case("6.2/3", "HEADERS with a pad length over the payload", conn_err(P))
def _(path):
    c = Conn(path)
    blk = req()
    c.send(frame(HEADERS, EH | ES | PAD, 1, bytes([len(blk) + 1]) + blk))
    return c.outcome(1)


@case("6.2/4", "HEADERS depending on itself", stream_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH | ES | PRIO, 3, b"\0\0\0\x03\x10" + req()))
    return c.outcome(3)


@case("6.3/1", "PRIORITY on stream 0", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(PRIORITY, 0, 0, b"\0\0\0\x01\x10"))
    return c.outcome()


@case("6.3/2", "PRIORITY of length 4", stream_err("FRAME_SIZE_ERROR"))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH, 1, req("/echo", "POST")) + frame(PRIORITY, 0, 1, b"\0\0\0\x03"))
    return c.outcome(1)


@case("6.4/1", "RST_STREAM on stream 0", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(RST, 0, 0, b"\0\0\0\x08"))
    return c.outcome()


@case("6.4/2", "RST_STREAM on an idle stream", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(RST, 0, 1, b"\0\0\0\x08"))
    return c.outcome()


@case("6.4/3", "RST_STREAM of length 3", conn_err("FRAME_SIZE_ERROR"))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH, 1, req("/echo", "POST")) + frame(RST, 0, 1, b"\0\0\x08"))
    return c.outcome()


@case("6.5/1", "SETTINGS ACK with a payload", conn_err("FRAME_SIZE_ERROR"))
def _(path):
    c = Conn(path)
    c.send(frame(SETTINGS, ACK, 0, setting(1, 4096)))
    return c.outcome()


@case("6.5/2", "SETTINGS on stream 1", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(SETTINGS, 0, 1, setting(1, 4096)))
    return c.outcome()


@case("6.5/3", "SETTINGS of length 3", conn_err("FRAME_SIZE_ERROR"))
def _(path):
    c = Conn(path)
    c.send(frame(SETTINGS, 0, 0, b"\0\1\0"))
    return c.outcome()


@case("6.5.2/1", "SETTINGS_ENABLE_PUSH 2", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(SETTINGS, 0, 0, setting(2, 2)))
    return c.outcome()


@case("6.5.2/2", "SETTINGS_INITIAL_WINDOW_SIZE 2^31", conn_err("FLOW_CONTROL_ERROR"))
def _(path):
    c = Conn(path)
    c.send(frame(SETTINGS, 0, 0, setting(4, 1 << 31)))
    return c.outcome()


@case("6.5.2/3", "SETTINGS_MAX_FRAME_SIZE 16383", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(SETTINGS, 0, 0, setting(5, 16383)))
    return c.outcome()


@case("6.5.2/4", "SETTINGS_MAX_FRAME_SIZE 2^24", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(SETTINGS, 0, 0, setting(5, 1 << 24)))
    return c.outcome()


@case("6.5.2/5", "unknown setting", "SETTINGS_ACK")
def _(path):
    c = Conn(path)
    c.send(frame(SETTINGS, 0, 0, setting(0xff, 1)))
    return c.outcome()


@case("6.5.3/1", "one setting twice in a frame: the last wins", "DATA:1")
def _(path):
    c = Conn(path)
    c.send(frame(SETTINGS, 0, 0, setting(4, 100) + setting(4, 1)))
    c.send(frame(HEADERS, EH | ES, 1, req("/size/10")))
    return c.outcome(1, want_data=True, timeout=0.5)


@case("6.5.3/2", "SETTINGS is acknowledged", "SETTINGS_ACK")
def _(path):
    c = Conn(path)
    c.send(frame(SETTINGS, 0, 0, setting(3, 10)))
    return c.outcome()


@case("6.7/1", "PING is answered with the same payload", "PING_ACK:h2spec67")
def _(path):
    c = Conn(path)
    c.send(frame(PING, 0, 0, b"h2spec67"))
    return c.outcome()


@case("6.7/2", "PING ACK draws no answer", "PING_ACK:second!")
def _(path):
    c = Conn(path)
    c.send(frame(PING, ACK, 0, b"unsolici") + frame(PING, 0, 0, b"second!!"))
    return c.outcome()[:16]


@case("6.7/3", "PING on stream 1", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(PING, 0, 1, b"h2spec67"))
    return c.outcome()


@case("6.7/4", "PING of length 7", conn_err("FRAME_SIZE_ERROR"))
def _(path):
    c = Conn(path)
    c.send(frame(PING, 0, 0, b"h2spec6"))
    return c.outcome()


@case("6.8/1", "GOAWAY on stream 1", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(GOAWAY, 0, 1, b"\0\0\0\0\0\0\0\0"))
    return c.outcome()


@case("6.9/1", "WINDOW_UPDATE of 0 on the connection", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(WU, 0, 0, b"\0\0\0\0"))
    return c.outcome()


@case("6.9/2", "WINDOW_UPDATE of 0 on a stream", stream_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH, 1, req("/echo", "POST")) + frame(WU, 0, 1, b"\0\0\0\0"))
    return c.outcome(1)


@case("6.9/3", "WINDOW_UPDATE of length 3", conn_err("FRAME_SIZE_ERROR"))
def _(path):
    c = Conn(path)
    c.send(frame(WU, 0, 0, b"\0\0\x01"))
    return c.outcome()


@case("6.9.1/1", "SETTINGS_INITIAL_WINDOW_SIZE 1: one byte of DATA", "DATA:1")
def _(path):
    c = Conn(path, settings=setting(4, 1))
    c.send(frame(HEADERS, EH | ES, 1, req("/size/10")))
    return c.outcome(1, want_data=True, timeout=0.5)


@case("6.9.1/2", "connection window over 2^31-1", conn_err("FLOW_CONTROL_ERROR"))
def _(path):
    c = Conn(path)
    c.send(frame(WU, 0, 0, struct.pack(">I", 0x7fffffff)) +
           frame(WU, 0, 0, struct.pack(">I", 0x7fffffff)))
    return c.outcome()


@case("6.9.1/3", "stream window over 2^31-1", stream_err("FLOW_CONTROL_ERROR"))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH, 1, req("/echo", "POST")) +
           frame(WU, 0, 1, struct.pack(">I", 0x7fffffff)) +
           frame(WU, 0, 1, struct.pack(">I", 0x7fffffff)))
    return c.outcome(1)


@case("6.9.2/1", "INITIAL_WINDOW_SIZE raised after HEADERS", "DATA:10")
def _(path):
    c = Conn(path, settings=setting(4, 0))
    c.send(frame(HEADERS, EH | ES, 1, req("/size/10")))
    time.sleep(0.1)
    c.send(frame(SETTINGS, 0, 0, setting(4, 10)))
    return c.outcome(1, want_data=True)


@case("6.9.2/2", "a SETTINGS change makes the window negative", "DATA:6")
def _(path):
    c = Conn(path, settings=setting(4, 5))
    c.send(frame(HEADERS, EH | ES, 1, req("/size/10")))
    got = c.outcome(1, want_data=True, timeout=0.3)
    if got != "DATA:5":
        return got
    c.send(frame(SETTINGS, 0, 0, setting(4, 2)))  # window 5 - 5 - 3 = -3
    c.send(frame(WU, 0, 1, struct.pack(">I", 4)))  # +4 = 1
    got = c.outcome(1, want_data=True, timeout=0.3)
    return "DATA:%d" % (5 + int(got.split(":")[1])) if got.startswith("DATA:") else got


@case("6.9.2/3", "SETTINGS_INITIAL_WINDOW_SIZE 2^31", conn_err("FLOW_CONTROL_ERROR"))
def _(path):
    c = Conn(path)
    c.send(frame(SETTINGS, 0, 0, setting(4, 1 << 31)))
    return c.outcome()


@case("6.10/1", "HEADERS + CONTINUATION", "RESPONSE")
def _(path):
    c = Conn(path)
    b = req()
    c.send(frame(HEADERS, ES, 1, b[:10]) + frame(CONT, EH, 1, b[10:]))
    return c.outcome(1)


@case("6.10/2", "HEADERS + several CONTINUATION", "RESPONSE")
def _(path):
    c = Conn(path)
    b = req()
    c.send(frame(HEADERS, ES, 1, b[:5]) + frame(CONT, 0, 1, b[5:10]) +
           frame(CONT, 0, 1, b[10:20]) + frame(CONT, EH, 1, b[20:]))
    return c.outcome(1)


@case("6.10/3", "CONTINUATION after HEADERS with END_HEADERS", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH | ES, 1, req()) + frame(CONT, EH, 1, lit("x", "y")))
    return c.outcome()


@case("6.10/4", "CONTINUATION after CONTINUATION with END_HEADERS", conn_err(P))
def _(path):
    c = Conn(path)
    b = req()
    c.send(frame(HEADERS, ES, 1, b[:10]) + frame(CONT, EH, 1, b[10:]) +
           frame(CONT, EH, 1, lit("x", "y")))
    return c.outcome()


@case("6.10/5", "CONTINUATION after DATA", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH, 1, req("/echo", "POST")) + frame(DATA, 0, 1, b"test") +
           frame(CONT, EH, 1, lit("x", "y")))
    return c.outcome()


@case("6.10/6", "CONTINUATION on stream 0", conn_err(P))
def _(path):
    c = Conn(path)
    b = req()
    c.send(frame(HEADERS, ES, 1, b[:10]) + frame(CONT, EH, 0, b[10:]))
    return c.outcome()

# ---------------------------------------------------------------- 8.x


def bad_request(block, flags=EH | ES, more=b""):
    def run(path):
        c = Conn(path)
        c.send(frame(HEADERS, flags, 1, block) + more)
        return c.outcome(1)
    return run


R = lit(":method", "GET") + lit(":scheme", "http") + lit(":path", "/")
for cid, what, blk, flags, more in [
    ("8.1/1", "second HEADERS without END_STREAM", req("/echo", "POST"), EH,
     frame(DATA, 0, 1, b"test") + frame(HEADERS, EH, 1, lit("x-trailer", "1"))),
    ("8.1.2/1", "uppercase field name", req(extra=lit("X-Test", "ok")), EH | ES, b""),
    ("8.1.2.1/1", "unknown pseudo-header", req(extra=b"") + b"", EH | ES, None),
    ("8.1.2.1/2", "response pseudo-header in a request", R + lit(":status", "200"), EH | ES, b""),
    ("8.1.2.1/3", "pseudo-header in trailers", req("/echo", "POST"), EH,
     frame(DATA, 0, 1, b"t") + frame(HEADERS, EH | ES, 1, lit(":method", "GET"))),
    ("8.1.2.1/4", "pseudo-header after a regular field",
     lit(":method", "GET") + lit(":scheme", "http") + lit("x-a", "b") + lit(":path", "/"),
     EH | ES, b""),
    ("8.1.2.2/1", "connection-specific field", req(extra=lit("connection", "keep-alive")),
     EH | ES, b""),
    ("8.1.2.2/2", "te other than trailers", req(extra=lit("te", "trailers, deflate")), EH | ES, b""),
    ("8.1.2.3/1", "empty :path", lit(":method", "GET") + lit(":scheme", "http") +
     lit(":path", ""), EH | ES, b""),
    ("8.1.2.3/2", "no :method", lit(":scheme", "http") + lit(":path", "/"), EH | ES, b""),
    ("8.1.2.3/3", "no :scheme", lit(":method", "GET") + lit(":path", "/"), EH | ES, b""),
    ("8.1.2.3/4", "no :path", lit(":method", "GET") + lit(":scheme", "http"), EH | ES, b""),
    ("8.1.2.3/5", "duplicate :method", R + lit(":method", "GET"), EH | ES, b""),
    ("8.1.2.3/6", "duplicate :scheme", lit(":method", "GET") + lit(":scheme", "http") +
     lit(":scheme", "http") + lit(":path", "/"), EH | ES, b""),
    ("8.1.2.3/7", "duplicate :path", R + lit(":path", "/"), EH | ES, b""),
    ("8.1.2.6/1", "content-length larger than the DATA",
     req("/echo", "POST", lit("content-length", "1")), EH, frame(DATA, ES, 1, b"test")),
    ("8.1.2.6/2", "content-length and several DATA frames",
     req("/echo", "POST", lit("content-length", "1")), EH,
     frame(DATA, 0, 1, b"te") + frame(DATA, ES, 1, b"st")),
]:
    if more is None:
        blk = lit(":method", "GET") + lit(":scheme", "http") + lit(":path", "/") + \
            lit(":custom", "x")
        more = b""
    case(cid, what, stream_err(P))(bad_request(blk, flags, more))


@case("8.2/1", "PUSH_PROMISE from a client", conn_err(P))
def _(path):
    c = Conn(path)
    c.send(frame(HEADERS, EH, 1, req("/echo", "POST")) +
           frame(PUSH, EH, 1, b"\0\0\0\x02" + req()))
    return c.outcome()

# ---------------------------------------------------------------- HPACK


def hpack_case(cid, what, block):
    case(cid, what, conn_err("COMPRESSION_ERROR"))(bad_request(block))


hpack_case("hpack/2.3.3/1", "index beyond the tables", b"\x82\x86\x84\xff\x00")
hpack_case("hpack/4.2/1", "table size update over SETTINGS_HEADER_TABLE_SIZE",
           b"\x3f\xe2\x1f\x82\x86\x84")
hpack_case("hpack/5.2/1", "Huffman string with EOS", b"\x82\x86\x84\x00\x84\xff\xff\xff\xff\x01x")
hpack_case("hpack/5.2/2", "Huffman padding over 7 bits", b"\x82\x86\x84\x00\x82\x1f\xff\x01x")
hpack_case("hpack/5.2/3", "Huffman padding not a prefix of EOS", b"\x82\x86\x84\x00\x81\x18\x01x")
hpack_case("hpack/6.1/1", "index 0", b"\x80\x82\x86\x84")
hpack_case("hpack/6.3/1", "table size update after a field", b"\x82\x20\x86\x84")

# ---------------------------------------------------------------- extras


@case("x/huffman", "request encoded by python3-hpack (Huffman, dynamic table), twice",
      "RESPONSE+RESPONSE")
def _(path):
    c = Conn(path)
    e = Encoder()
    h = [(":method", "POST"), (":scheme", "http"), (":path", "/pkg.Service/Method"),
         (":authority", "localhost"), ("content-type", "application/grpc"),
         ("user-agent", "grpc-go/1.72.0"), ("te", "trailers"), ("grpc-timeout", "999980u")]
    c.send(frame(HEADERS, EH | ES, 1, e.encode(h)))
    a = c.outcome(1)
    c.send(frame(HEADERS, EH | ES, 3, e.encode(h)))
    return a + "+" + c.outcome(3)


@case("x/431", "header list over 16 KiB (HEADERS + CONTINUATION)", "STATUS:431")
def _(path):
    c = Conn(path)
    blk = req(extra=b"".join(lit("x-big-%d" % i, "v" * 120) for i in range(140)))
    c.send(frame(HEADERS, ES, 1, blk[:16000]) + frame(CONT, EH, 1, blk[16000:]))
    while True:
        f = c.read(1.0)
        if f is None:
            return "TIMEOUT"
        if f[0] == HEADERS and f[2] == 1:
            return "STATUS:" + dict(Decoder().decode(f[3])).get(":status", "?")
        if f[0] in (GOAWAY, RST):
            return c.frames and "ERROR"


@case("x/goaway-client", "client GOAWAY: the server closes when idle", "CLOSED")
def _(path):
    c = Conn(path)
    c.send(frame(GOAWAY, 0, 0, b"\0\0\0\0\0\0\0\0"))
    return c.outcome(timeout=2)


def main():
    path = sys.argv[1]
    md = "--markdown" in sys.argv
    bystander = Conn(path)
    rows, failed = [], 0
    for cid, what, expect, fn in CASES:
        try:
            got = fn(path)
        except Exception as e:  # a case that cannot even connect fails
            got = "EXC:%s" % e
        ok = got in expect
        failed += not ok
        rows.append((cid, what, " or ".join(expect), got, "ok" if ok else "FAIL"))
    bystander.send(frame(HEADERS, EH | ES, 1, req("/size/3")))
    alive = bystander.outcome(1, want_data=True)
    ok = alive == "DATA:3"
    failed += not ok
    rows.append(("x/bystander", "a connection opened first still served", "DATA:3", alive,
                 "ok" if ok else "FAIL"))
    if md:
        print("| case | sent | expected | got | |")
        print("|---|---|---|---|---|")
        for r in rows:
            print("| %s |" % " | ".join(r))
    else:
        for r in rows:
            print("%-14s %-58s %-40s %-26s %s" % (r[0], r[1][:58], r[2][:40], r[3], r[4]))
    print("h2conform: %d cases, %d passed, %d failed" % (len(rows), len(rows) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
