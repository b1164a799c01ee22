#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# lib/h2 against independent HTTP/2 clients, through tests/tools/h2echo (lib/h2
# only) on a unix socket: h2spec's server cases (generic, http2, hpack) sent as
# hand-built frames by tests/e2e/h2conform.py, each answered with the RFC's
# error while a bystander connection keeps being served; curl with prior
# knowledge; python3-h2 with many concurrent streams and bodies larger than the
# windows; a graceful shutdown with a stream in flight.
set -eu
. "$(dirname "$0")/lib.sh"

H2ECHO=$O/tests/tools/h2echo
[ -x "$H2ECHO" ] || fail "$H2ECHO not built (make e2e builds it)"
PY=/usr/bin/python3
"$PY" -c 'import h2, hpack' 2>/dev/null || fail "python3-h2 missing (toolchain/setup.sh)"
SOCK=$E2E_TMP/h2echo.sock
LOG=$E2E_TMP/h2echo.log

"$H2ECHO" "$SOCK" 2>"$LOG" &
PID=$!
defer "kill $PID"
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || fail "h2echo did not listen: $(cat "$LOG")"

# ------------------------------------------------------------ conformance table
info "h2spec server cases (case, sent, expected, got)"
out=$("$PY" "$(dirname "$0")/h2conform.py" "$SOCK") || {
	printf '%s\n' "$out"
	fail "conformance cases failed"
}
printf '%s\n' "$out" | sed 's/^/# /'
assert_contains "$out" "0 failed"
kill -0 "$PID" || fail "h2echo died during the conformance cases"

# ------------------------------------------------------------ curl
info "curl --http2-prior-knowledge"
hdr=$(curl -sS --http2-prior-knowledge --unix-socket "$SOCK" -o "$E2E_TMP/body" \
	-D - -d 'hello over h2' http://localhost/echo)
assert_contains "$hdr" "HTTP/2 200"
assert_contains "$hdr" "x-echo-method: POST"
assert_contains "$hdr" "x-echo-len: 13"
assert_eq "hello over h2" "$(cat "$E2E_TMP/body")" "curl echo body"
# A body larger than the 64 KiB default windows, both ways.
head -c 300000 /dev/urandom >"$E2E_TMP/big"
curl -sS --http2-prior-knowledge --unix-socket "$SOCK" -o "$E2E_TMP/big.back" \
	--data-binary @"$E2E_TMP/big" http://localhost/echo
cmp "$E2E_TMP/big" "$E2E_TMP/big.back" || fail "300000-byte echo differs"
n=$(curl -sS --http2-prior-knowledge --unix-socket "$SOCK" http://localhost/size/1000000 | wc -c)
assert_eq 1000000 "$n" "GET /size/1000000"
# Trailers after the body when asked with te: trailers.
out=$(curl -sS --http2-prior-knowledge --unix-socket "$SOCK" -H 'te: trailers' -D - \
	http://localhost/size/5)
assert_contains "$out" "x-echo-trailer: done"
# (No curl --parallel: Debian 12's curl 7.88 fails multiplexed prior-knowledge
# transfers against any server, curl/curl#10634; python3-h2 covers many streams.)

# ------------------------------------------------------------ python3-h2 load
info "python3-h2: 600 requests, up to 100 concurrent streams"
out=$("$PY" "$(dirname "$0")/h2load.py" "$SOCK" 600 300000) || fail "h2load: $out"
info "$out"
assert_contains "$out" "max concurrent 100"
# Two clients at once, one of them hostile (a bad preface): the other is served.
"$PY" "$(dirname "$0")/h2load.py" "$SOCK" 200 100000 >"$E2E_TMP/l2" &
lp=$!
printf 'GET / HTTP/1.1\r\n\r\n' | "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read())
d = s.recv(4096)
' "$SOCK"
wait "$lp" || fail "h2load next to a hostile peer: $(cat "$E2E_TMP/l2")"

# ------------------------------------------------------------ graceful shutdown
info "SIGTERM: GOAWAY(last stream), the open stream finishes, then exit"
"$PY" - "$SOCK" "$PID" <<'PY' || fail "graceful shutdown"
import os, signal, socket, struct, sys, time
from hpack import Encoder
def frame(t, f, sid, p=b""):
    return struct.pack(">I", len(p))[1:] + bytes([t, f]) + struct.pack(">I", sid) + p
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(3)
e = Encoder()
blk = e.encode([(":method", "POST"), (":scheme", "http"), (":path", "/echo"), (":authority", "x")])
s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0) + frame(1, 4, 1, blk))
time.sleep(0.2)
os.kill(int(sys.argv[2]), signal.SIGTERM)
buf = b""
def frames():
    global buf
    while True:
        while len(buf) >= 9 and len(buf) >= 9 + int.from_bytes(buf[:3], "big"):
            n = int.from_bytes(buf[:3], "big")
            f = (buf[3], buf[4], int.from_bytes(buf[5:9], "big"), buf[9:9 + n])
            buf = buf[9 + n:]
            yield f
        d = s.recv(65536)
        if not d:
            yield None
            return
        buf += d
it = frames()
for f in it:
    assert f is not None, "closed before GOAWAY"
    if f[0] == 7:
        last, code = struct.unpack(">II", f[3][:8])
        assert (last, code) == (1, 0), (last, code)
        break
s.sendall(frame(0, 1, 1, b"bye"))
got = b""
for f in it:
    assert f is not None, "closed before the response"
    if f[0] == 0 and f[2] == 1:
        got += f[3]
        if f[1] & 1:
            break
assert got == b"bye", got
assert next(it, None) is None  # then the server closes
PY
for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$PID" 2>/dev/null; then fail "h2echo still running after SIGTERM"; fi
wait "$PID" || fail "h2echo exit status $?"
[ ! -e "$SOCK" ] || fail "socket left behind"
info "ok"
