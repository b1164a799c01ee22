#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Calls the server answers later (a handler returning -EINPROGRESS, answered
# by grpc_call_respond() from the loop, as a prepare waiting on the API
# server will be): grpcserve --defer-ms 300 against grpcio. 100 late answers
# at once, a client deadline and a client cancel while the server holds the
# call, a deadline only the server sees (python3-h2 raw frames) expiring a
# held call; the held calls dropped by their cancel hooks are never answered
# (an answer to a freed call would crash, or trip ASan under SAN=1).
set -eu
. "$(dirname "$0")/lib.sh"

SERVE=$O/tests/tools/grpcserve
[ -x "$SERVE" ] || fail "$SERVE not built (make e2e builds it)"
T=$E2E_TMP
"$SERVE" --registry-dir "$T/reg" --plugins-dir "$T/plug" --metrics "$T/metrics" --defer-ms 300 \
	>"$T/serve.out" 2>"$T/serve.err" &
pid=$!
defer kill "$pid"
for _ in $(seq 50); do
	[ -s "$T/serve.out" ] && break
	sleep 0.1
done
out=$(/usr/bin/python3 tests/peers/kubelet/kubelet.py --gen "$O/peers/kubelet/py" deferred \
	--defer-ms 300 "$T/reg/dra.net-reg.sock" 2>&1) || {
	printf '%s\n' "$out" | grep -v '^ok '
	tail -n 20 "$T/serve.err"
	fail "deferred scenario failed"
}
printf '%s\n' "$out" | tail -n 1
kill -0 "$pid" || fail "grpcserve died"
kill -TERM "$pid"
wait "$pid" || fail "grpcserve exited $?"
m() { awk -v k="$1" '$1 == k { print $2 }' "$T/metrics"; }
ge() { [ "${2:-0}" -ge "$1" ] || fail "$3: expected >= $1, got '${2:-}'"; }
ge 3 "$(m grpcserve_deferred_cancelled)" "held calls dropped (client deadline, cancel, server deadline)"
ge 1 "$(m 'grpcserve_calls_total{status="DEADLINE_EXCEEDED"}')" "server-side deadline of a held call"
ge 101 "$(m 'grpcserve_calls_total{status="OK"}')" "late answers"
info "deferred: all checks passed"
