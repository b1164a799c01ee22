#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The kubelet sockets' life (lib/kubelet via tests/tools/grpcserve, grpcio's
# GetInfo as the kubelet): configurable directories (a moved kubelet
# --root-dir, field report 21), a killed instance's stale sockets replaced by
# the next one (field report 22), a regular file in a socket's place refused
# and left alone, a path longer than sun_path refused, both sockets removed
# on SIGTERM.
set -eu
. "$(dirname "$0")/lib.sh"

SERVE=$O/tests/tools/grpcserve
[ -x "$SERVE" ] || fail "$SERVE not built (make e2e builds it)"
T=$E2E_TMP
ROOT=$T/mnt/fast/k8s/kubelet # a moved --root-dir
REG=$ROOT/plugins_registry
PLUG=$ROOT/plugins
KPY=(/usr/bin/python3 tests/peers/kubelet/kubelet.py --gen "$O/peers/kubelet/py")

start() {
	"$SERVE" --registry-dir "$REG" --plugins-dir "$PLUG" >"$T/serve.out" 2>"$T/serve.err" &
	pid=$!
	for _ in $(seq 50); do
		[ -s "$T/serve.out" ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

want='{"endpoint": "'$PLUG'/dra.net/dra.sock", "name": "dra.net", "supported_versions": ["v1.DRAPlugin", "v1beta1.DRAPlugin"], "type": "DRAPlugin"}'
start || fail "grpcserve did not start: $(cat "$T/serve.err")"
defer kill -9 "$pid"
assert_json_eq "$want" "$("${KPY[@]}" getinfo "$REG/dra.net-reg.sock")" "GetInfo under a moved root dir"

# Killed: its sockets stay behind, stale (nobody listens).
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
[ -S "$REG/dra.net-reg.sock" ] && [ -S "$PLUG/dra.net/dra.sock" ] || fail "a killed instance left no sockets?"
out=$("${KPY[@]}" getinfo "$REG/dra.net-reg.sock" || true)
assert_json_eq '{"error": "UNAVAILABLE"}' "$out" "GetInfo on a stale socket"
start || fail "restart over stale sockets failed: $(cat "$T/serve.err")"
defer kill -9 "$pid"
assert_json_eq "$want" "$("${KPY[@]}" getinfo "$REG/dra.net-reg.sock")" "GetInfo after the restart"
kill -TERM "$pid"
wait "$pid" || fail "grpcserve exited $? on SIGTERM"
[ ! -e "$REG/dra.net-reg.sock" ] || fail "registration socket left behind"
[ ! -e "$PLUG/dra.net/dra.sock" ] || fail "DRA socket left behind"

# A regular file where the DRA socket goes: refused, kept, nothing listens.
echo keep >"$PLUG/dra.net/dra.sock"
if start; then
	kill -9 "$pid"
	fail "started over a regular file"
fi
wait "$pid" 2>/dev/null && fail "grpcserve exited 0 over a regular file"
assert_contains "$(cat "$T/serve.err")" "File exists" "refusal names the reason"
assert_eq keep "$(cat "$PLUG/dra.net/dra.sock")" "the file is left alone"
[ ! -e "$REG/dra.net-reg.sock" ] || fail "registration socket made although the DRA one failed"
rm "$PLUG/dra.net/dra.sock"

# A registry dir so long the socket path does not fit sun_path (108 bytes).
long=$T/$(printf 'd%.0s' $(seq 110))
if "$SERVE" --registry-dir "$long" --plugins-dir "$PLUG" >"$T/serve.out" 2>"$T/serve.err"; then
	fail "started with a socket path over 107 bytes"
fi
assert_contains "$(cat "$T/serve.err")" "too long" "long path refused"
info "sockets: all checks passed"
