#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# dranet-driver itself as the kubelet meets it (lib/kubelet on the driver's
# epoll loop, lib/driver plugin.c), no API server (discovery only), sockets
# under a temp --kubelet-root-dir in this test's netns:
#  - stale sockets of a previous run at both paths are replaced; modes 0600,
#    the plugin directory 0750;
#  - /healthz is 503 "not registered" until the kubelet registers the plugin;
#  - grpcio (tests/peers/kubelet/kubelet.py scenario: registration, re-dial,
#    DRA v1 and v1beta1 with the per-claim "not implemented yet" error, 400
#    concurrent calls, 4 MiB limits, deadlines, cancellation, misbehaving
#    clients, a refused registration retried by re-creating the socket) and
#    grpc-go (kubeletgo: the same from the kubelet's own stack, 1000
#    concurrent calls) against the driver's sockets; the driver keeps
#    answering /healthz and /metrics throughout;
#  - /metrics: dranet_driver_dra_plugin_requests_total and the latency
#    histogram count what the peers sent; registration gauges;
#  - SIGTERM: exit 0, both sockets removed;
#  - kill -9 leaves both sockets; the next start removes them and serves;
#  - a regular file where a socket goes: exit 1, the file is kept.
set -eu
. "$(dirname "$0")/lib.sh"
need_dranet
T=$E2E_TMP
KR=$T/kubelet
REG=$KR/plugins_registry/dra.net-reg.sock
DRA=$KR/plugins/dra.net/dra.sock
URL=http://127.0.0.1:9159
LOG=$T/driver.log
PY=(/usr/bin/python3 tests/peers/kubelet/kubelet.py --gen "$O/peers/kubelet/py")
PID=""
stop_driver() {
	[ -n "$PID" ] || return 0
	kill -TERM "$PID" 2>/dev/null || true
	wait "$PID" 2>/dev/null || true
	PID=""
}
defer stop_driver
code_of() { curl -s -o /dev/null -w '%{http_code}' "$@" || true; }
m() { curl -s "$URL/metrics" | awk -v k="$1" '$1 == k { print $2 }'; }
ge() { [ "${2:-0}" -ge "$1" ] || fail "$3: expected >= $1, got '${2:-}'"; }

# start: run the driver, wait until its kubelet sockets listen (10 s).
start() {
	: >"$LOG"
	"$DRANET" --hostname-override node59 --kubelet-root-dir "$KR" --bind-address 127.0.0.1:9159 \
		--filter '' "$@" 2>"$LOG" &
	PID=$!
	for _ in $(seq 100); do
		grep -q 'waiting for the kubelet to register' "$LOG" && return 0
		kill -0 "$PID" 2>/dev/null || { cat "$LOG" >&2; fail "driver exited"; }
		sleep 0.1
	done
	cat "$LOG" >&2
	fail "driver's kubelet sockets not up within 10 s"
}
# connects PATH: a unix stream connect to PATH works.
connects() { /usr/bin/python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$1" 2>/dev/null; }
# stale PATH...: bound unix sockets nobody listens on (what kill -9 leaves).
stale() {
	/usr/bin/python3 -c 'import socket,sys
for p in sys.argv[1:]:
    socket.socket(socket.AF_UNIX).bind(p)' "$@" || fail "cannot make stale sockets"
}

bash tests/peers/kubelet/build-go.sh "$O" || fail "cannot build the grpc-go peer"
veth_pair e59a e59b

# --- stale sockets of a previous run: both replaced
mkdir -p "$(dirname "$REG")" "$(dirname "$DRA")"
stale "$REG" "$DRA"
! connects "$REG" && ! connects "$DRA" || fail "stale sockets accept connections"
start
connects "$REG" || fail "stale registration socket not replaced"
connects "$DRA" || fail "stale DRA socket not replaced"
assert_eq 600 "$(stat -c %a "$REG")" "registration socket mode"
assert_eq 600 "$(stat -c %a "$DRA")" "DRA socket mode"

# --- not ready until the kubelet registers the plugin
assert_eq 503 "$(code_of "$URL/healthz")" "healthz before registration"
assert_eq "starting: not registered with the kubelet yet" "$(curl -s "$URL/healthz")" "healthz body"
assert_eq 0 "$(m dranet_driver_kubelet_registered)" "registered gauge before"
assert_eq 200 "$(code_of "$URL/livez")" "livez before registration"

# --- grpcio playing the kubelet, against the driver's own sockets
out=$("${PY[@]}" scenario "$REG" 2>&1) || {
	printf '%s\n' "$out" | grep -v '^ok '
	tail -n 20 "$LOG"
	fail "grpcio scenario against the driver failed"
}
printf '%s\n' "$out" | tail -n 1
kill -0 "$PID" || fail "driver died during the grpcio scenario"
assert_eq 200 "$(code_of "$URL/healthz")" "healthz after registration"
assert_eq ok "$(curl -s "$URL/healthz")" "healthz body after registration"
grep -q 'msg="driver started"' "$LOG" || fail "no 'driver started' after registration"
grep -q 'msg="registration socket re-created"' "$LOG" || fail "refusal not retried by re-creating the socket"
assert_eq 1 "$(m dranet_driver_kubelet_registered)" "registered gauge"
ge 1 "$(m dranet_driver_kubelet_registration_refusals_total)" "refusals counted"
p_failed=$(m 'dranet_driver_dra_plugin_requests_total{method="PrepareResourceClaims",status="failed"}')
ge 400 "$p_failed" "prepare batches with per-claim errors (grpcio)"

# --- grpc-go playing the kubelet (the re-created registration socket)
out=$(timeout 100 "$O/peers/kubelet/kubeletgo" -reg "$REG" 2>&1) || {
	printf '%s\n' "$out" | grep -v '^ok '
	tail -n 20 "$LOG"
	fail "grpc-go scenario against the driver failed"
}
printf '%s\n' "$out" | tail -n 1
kill -0 "$PID" || fail "driver died during the grpc-go scenario"
assert_eq 200 "$(code_of "$URL/healthz")" "healthz after grpc-go"

# --- what the driver counted (its /metrics, not the clients' word)
curl -s "$URL/metrics" >"$T/m"
mm() { awk -v k="$1" '$1 == k { print $2 }' "$T/m"; }
pf=$(mm 'dranet_driver_dra_plugin_requests_total{method="PrepareResourceClaims",status="failed"}')
ps=$(mm 'dranet_driver_dra_plugin_requests_total{method="PrepareResourceClaims",status="success"}')
uf=$(mm 'dranet_driver_dra_plugin_requests_total{method="UnprepareResourceClaims",status="failed"}')
us=$(mm 'dranet_driver_dra_plugin_requests_total{method="UnprepareResourceClaims",status="success"}')
ge $((p_failed + 1000)) "$pf" "prepare batches after grpc-go's 1000 concurrent calls"
ge 4 "$uf" "unprepare batches (v1 and v1beta1, both peers)"
ge 2 "$ps" "empty prepare batches succeed"
assert_eq 0 "$us" "no unprepare batch succeeded (per-claim errors until issue 6)"
assert_eq $((pf + ps)) "$(mm 'dranet_driver_dra_plugin_requests_latency_seconds_count{method="PrepareResourceClaims"}')" \
	"prepare latency count = requests"
assert_eq $((pf + ps)) "$(mm 'dranet_driver_dra_plugin_requests_latency_seconds_bucket{method="PrepareResourceClaims",le="+Inf"}')" \
	"prepare +Inf bucket = requests"
assert_eq $((uf + us)) "$(mm 'dranet_driver_dra_plugin_requests_latency_seconds_count{method="UnprepareResourceClaims"}')" \
	"unprepare latency count = requests"
grep -q '^# TYPE dranet_driver_dra_plugin_requests_latency_seconds histogram$' "$T/m" || fail "no histogram TYPE"
grep -q '^dranet_driver_published_devices_total{feature="total"} ' "$T/m" || fail "driver metrics gone"
assert_eq 0 "$(mm dranet_driver_kubelet_connections_refused_total)" "no connection refused"
cb=$(mm dranet_driver_loop_max_callback_seconds)
info "loop: longest callback ${cb} s; prepare batches: $pf failed, $ps ok; unprepare: $uf failed"

# --- SIGTERM: exit 0, both sockets removed (upstream e2e: none after a graceful stop)
kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
PID=""
assert_eq 0 "$rc" "exit status after SIGTERM"
[ ! -e "$REG" ] || fail "registration socket left behind"
[ ! -e "$DRA" ] || fail "DRA socket left behind"
grep -q 'msg="driver stopped"' "$LOG" || fail "no clean stop"

# --- kill -9 leaves both sockets; the next start replaces them and serves
rm -rf "$KR"
start
assert_eq 750 "$(stat -c %a "$KR/plugins/dra.net")" "plugin directory made 0750"
assert_eq 750 "$(stat -c %a "$KR/plugins_registry")" "registry directory made 0750"
kill -KILL "$PID"
wait "$PID" 2>/dev/null || true
PID=""
[ -S "$REG" ] && [ -S "$DRA" ] || fail "kill -9 should leave both sockets behind"
! connects "$DRA" || fail "the killed driver's socket still answers"
start
endpoint=$("${PY[@]}" register "$REG") || { tail -n 20 "$LOG"; fail "registration after kill -9"; }
assert_eq "$DRA" "$endpoint" "GetInfo endpoint"
out=$("${PY[@]}" dra "$DRA" 2>&1) || { printf '%s\n' "$out" | grep -v '^ok '; fail "DRA calls after kill -9"; }
assert_eq 200 "$(code_of "$URL/healthz")" "healthz after the restart's registration"
kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
PID=""
assert_eq 0 "$rc" "exit status after SIGTERM (second run)"
[ ! -e "$REG" ] && [ ! -e "$DRA" ] || fail "sockets left behind (second run)"

# --- something that is not a socket where one goes: a runtime failure, left alone
echo keep >"$DRA"
rc=0
"$DRANET" --hostname-override node59 --kubelet-root-dir "$KR" --bind-address 127.0.0.1:9159 2>"$LOG" || rc=$?
assert_eq 1 "$rc" "a file at the DRA socket's path"
grep -q 'msg="kubelet plugin sockets"' "$LOG" || fail "no reason given: $(cat "$LOG")"
assert_eq keep "$(cat "$DRA")" "the file is kept"
[ ! -e "$REG" ] || fail "registration socket made although the DRA one failed"
info "driver + kubelet peers: all checks passed"
