#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The kubelet-facing sockets (tests/tools/grpcserve) against grpc-go (Debian's
# golang-google-grpc-dev, the kubelet's own stack) playing the kubelet with
# the peer's own protos (tests/peers/kubelet/go, built offline by
# build-go.sh): registration and repeated GetInfo on one connection, DRA v1
# and v1beta1 (per-claim errors until prepare exists), 1000 concurrent calls
# on 4 connections, exactly 4 MiB and one byte over (RESOURCE_EXHAUSTED), six
# concurrent 3 MiB requests (flow control, BDP pings), unknown methods
# (UNIMPLEMENTED), a deadline that expires and a client cancellation (both
# seen by the server), misbehaving raw clients, an idle connection reused;
# and the golden bytes of tests/data/grpc as grpc-go encodes them.
set -eu
. "$(dirname "$0")/lib.sh"

SERVE=$O/tests/tools/grpcserve
[ -x "$SERVE" ] || fail "$SERVE not built (make e2e builds it)"
bash tests/peers/kubelet/build-go.sh "$O" || fail "cannot build the grpc-go peer"
T=$E2E_TMP

# grpc-go's encoding of the golden messages (written by the grpcio peer, and
# compared with our protoc-c encoding by test_proto): three stacks agree.
out=$("$O/peers/kubelet/kubeletgo" -golden tests/data/grpc 2>&1) || {
	printf '%s\n' "$out" | grep -v '^ok '
	fail "grpc-go encodes the golden messages differently"
}

"$SERVE" --registry-dir "$T/registry" --plugins-dir "$T/plugins" --metrics "$T/metrics" \
	>"$T/serve.out" 2>"$T/serve.err" &
pid=$!
defer kill "$pid"
for _ in $(seq 50); do
	[ -s "$T/serve.out" ] && break
	sleep 0.1
done
[ -S "$T/registry/dra.net-reg.sock" ] || fail "registration socket missing"
assert_eq 750 "$(stat -c %a "$T/plugins/dra.net")" "DRA socket directory made 0750"

out=$(timeout 100 "$O/peers/kubelet/kubeletgo" -reg "$T/registry/dra.net-reg.sock" 2>&1) || {
	printf '%s\n' "$out" | grep -v '^ok '
	tail -n 20 "$T/serve.err"
	fail "grpc-go scenario failed"
}
printf '%s\n' "$out" | tail -n 1
kill -0 "$pid" || fail "grpcserve died during the scenario"
kill -TERM "$pid"
wait "$pid" || fail "grpcserve exited $?"
[ ! -e "$T/registry/dra.net-reg.sock" ] || fail "registration socket left behind"
[ ! -e "$T/plugins/dra.net/dra.sock" ] || fail "DRA socket left behind"

m() { awk -v k="$1" '$1 == k { print $2 }' "$T/metrics"; }
ge() { [ "${2:-0}" -ge "$1" ] || fail "$3: expected >= $1, got '${2:-}'"; }
ge 1 "$(m 'grpcserve_calls_total{status="CANCELLED"}')" "server-side cancellation"
ge 1 "$(m 'grpcserve_calls_total{status="RESOURCE_EXHAUSTED"}')" "over 4 MiB"
ge 3 "$(m 'grpcserve_calls_total{status="UNIMPLEMENTED"}')" "unknown methods"
ge 1000 "$(m 'grpcserve_calls_total{status="OK"}')" "calls answered"
assert_eq 1 "$(m grpcserve_registered)" "registered"
info "grpc-go: all checks passed"
