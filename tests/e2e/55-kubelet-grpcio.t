#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The kubelet-facing sockets (lib/kubelet over lib/grpc + lib/h2, driven by
# tests/tools/grpcserve) against grpcio (Debian's python3-grpcio, C-core)
# playing the kubelet with its own protos (tests/peers/kubelet/kubelet.py):
# registration (GetInfo, NotifyRegistrationStatus, re-dial), DRA v1 and
# v1beta1 (a clean per-claim error until prepare exists), 400 concurrent
# calls, a request of exactly 4 MiB and one byte over (RESOURCE_EXHAUSTED),
# a deadline that expires (also one only the server sees, via python3-h2),
# client cancellation, unknown methods (UNIMPLEMENTED), gzip refused,
# undecodable protobuf (INVALID_ARGUMENT), misbehaving clients, a refused
# registration retried by re-creating the socket; then the sockets' modes
# and their removal on exit, and the server-side status counts.
set -eu
. "$(dirname "$0")/lib.sh"

SERVE=$O/tests/tools/grpcserve
[ -x "$SERVE" ] || fail "$SERVE not built (make e2e builds it)"
T=$E2E_TMP
REG=$T/kubelet/plugins_registry
PLUG=$T/kubelet/plugins

# Stale sockets of a "previous run" (bound, nobody listening): both replaced.
mkdir -p "$REG" "$PLUG/dra.net"
/usr/bin/python3 -c 'import socket,sys
for p in sys.argv[1:]:
    socket.socket(socket.AF_UNIX).bind(p)' "$REG/dra.net-reg.sock" "$PLUG/dra.net/dra.sock" ||
	fail "cannot make the stale sockets"

"$SERVE" --registry-dir "$REG" --plugins-dir "$PLUG" --metrics "$T/metrics" >"$T/serve.out" 2>"$T/serve.err" &
pid=$!
defer kill "$pid"
for _ in $(seq 50); do
	[ -s "$T/serve.out" ] && break
	sleep 0.1
done
assert_eq "ready $REG/dra.net-reg.sock $PLUG/dra.net/dra.sock" "$(cat "$T/serve.out")" "grpcserve ready line"
[ -S "$REG/dra.net-reg.sock" ] || fail "registration socket missing"
[ -S "$PLUG/dra.net/dra.sock" ] || fail "DRA socket missing"
assert_eq 600 "$(stat -c %a "$REG/dra.net-reg.sock")" "registration socket mode"
assert_eq 600 "$(stat -c %a "$PLUG/dra.net/dra.sock")" "DRA socket mode"

/usr/bin/python3 tests/peers/kubelet/kubelet.py --gen "$O/peers/kubelet/py" golden-check tests/data/grpc \
	>"$T/golden.out" 2>&1 || fail "golden bytes: $(grep -v '^ok ' "$T/golden.out")"
out=$(/usr/bin/python3 tests/peers/kubelet/kubelet.py --gen "$O/peers/kubelet/py" scenario \
	"$REG/dra.net-reg.sock" 2>&1) || {
	printf '%s\n' "$out" | grep -v '^ok '
	tail -n 20 "$T/serve.err"
	fail "grpcio scenario failed"
}
printf '%s\n' "$out" | tail -n 1
kill -0 "$pid" || fail "grpcserve died during the scenario"

kill -TERM "$pid"
wait "$pid" || fail "grpcserve exited $?"
[ ! -e "$REG/dra.net-reg.sock" ] || fail "registration socket left behind"
[ ! -e "$PLUG/dra.net/dra.sock" ] || fail "DRA socket left behind"

# What the server itself saw (not just what the client reported).
m() { awk -v k="$1" '$1 == k { print $2 }' "$T/metrics"; }
ge() { [ "${2:-0}" -ge "$1" ] || fail "$3: expected >= $1, got '${2:-}'"; }
ge 1 "$(m 'grpcserve_calls_total{status="DEADLINE_EXCEEDED"}')" "server-side deadlines"
ge 1 "$(m 'grpcserve_calls_total{status="CANCELLED"}')" "server-side cancellations"
ge 1 "$(m 'grpcserve_calls_total{status="RESOURCE_EXHAUSTED"}')" "over 4 MiB"
ge 4 "$(m 'grpcserve_calls_total{status="UNIMPLEMENTED"}')" "unknown methods and gzip"
ge 1 "$(m 'grpcserve_calls_total{status="INVALID_ARGUMENT"}')" "undecodable protobuf"
ge 400 "$(m 'dranet_driver_dra_plugin_requests_total{method="PrepareResourceClaims",status="failed"}')" \
	"prepare requests counted as failed (per-claim errors)"
ge 2 "$(m 'dranet_driver_dra_plugin_requests_total{method="UnprepareResourceClaims",status="failed"}')" \
	"unprepare requests"
ge 1 "$(m grpcserve_refusals)" "refusals"
assert_eq 1 "$(m grpcserve_registered)" "registered after the retry"
grep -q 'msg="registration socket re-created"' "$T/serve.err" || fail "no re-creation logged"
info "grpcio: all checks passed"
