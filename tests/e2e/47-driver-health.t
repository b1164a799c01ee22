#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# dranet-driver in a netns of its own: /healthz, /livez and /metrics on the
# --bind-address forms (":PORT" and "[::]:PORT" dual-stack, "0.0.0.0:PORT"
# IPv4 only, "127.0.0.1:PORT"), the Prometheus text checked by a small
# parser, the inventory following veth and address changes, SIGTERM → exit 0
# in under a second. Without an API server configuration the driver says that
# nothing is published, and no
# dranet_driver_last_published_time_seconds sample appears. /healthz turns
# 200 once the grpcio kubelet peer has registered the plugin (59 covers the
# kubelet side).
set -eu
. "$(dirname "$0")/lib.sh"
need_dranet
LOG=$E2E_TMP/driver.log
PID=""
stop_driver() {
	[ -n "$PID" ] || return 0
	kill -TERM "$PID" 2>/dev/null || true
	wait "$PID" 2>/dev/null || true
	PID=""
}
defer stop_driver

KR=$E2E_TMP/kubelet
# start ARGS...: run the driver, register it as the kubelet would, wait until
# /healthz is 200 on $URL (10 s at most).
start() {
	local registered=0
	: >"$LOG"
	"$DRANET" --hostname-override node1 --kubelet-root-dir "$KR" "$@" 2>"$LOG" &
	PID=$!
	for _ in $(seq 100); do
		code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz" || true)
		[ "$code" = 200 ] && return 0
		if [ "$registered" = 0 ] && [ -S "$KR/plugins_registry/dra.net-reg.sock" ]; then
			/usr/bin/python3 tests/peers/kubelet/kubelet.py --gen "$O/peers/kubelet/py" register \
				"$KR/plugins_registry/dra.net-reg.sock" >/dev/null || fail "kubelet registration"
			registered=1
			continue
		fi
		kill -0 "$PID" 2>/dev/null || { cat "$LOG" >&2; fail "driver exited: $*"; }
		sleep 0.1
	done
	cat "$LOG" >&2
	fail "driver not healthy within 10 s: $*"
}
# wait_metric NAME_AND_LABELS VALUE: until /metrics shows it (10 s).
wait_metric() {
	local got=""
	for _ in $(seq 100); do
		got=$(curl -s "$URL/metrics" | awk -v k="$1" '$1 == k { print $2 }')
		[ "$got" = "$2" ] && return 0
		sleep 0.1
	done
	fail "metric $1: want $2, got '$got'"
}
code_of() { curl -s -o /dev/null -w '%{http_code}' "$@" || true; }

veth_pair e47a e47b
ip link set e47a up

# --- default bind address ":9177": both families on one socket
URL=http://127.0.0.1:9177
start --filter '' --inventory-min-poll-interval=100ms
assert_eq 200 "$(code_of http://127.0.0.1:9177/healthz)" "healthz over IPv4"
assert_eq 200 "$(code_of 'http://[::1]:9177/healthz')" "healthz over IPv6 (dual-stack)"
assert_eq ok "$(curl -s "$URL/healthz")" "healthz body"
assert_eq 200 "$(code_of "$URL/livez")" "livez"
assert_eq 404 "$(code_of "$URL/nope")" "unknown path"
assert_eq 405 "$(code_of -X POST "$URL/healthz")" "POST is not allowed"
assert_eq 200 "$(code_of -I "$URL/metrics")" "HEAD /metrics"
grep -q 'nothing is published' "$LOG" || fail "the driver did not say nothing is published"

# --- the exposition format, parsed
curl -s -D "$E2E_TMP/h" "$URL/metrics" >"$E2E_TMP/m"
grep -qi '^content-type: text/plain; version=0.0.4' "$E2E_TMP/h" || fail "metrics content type: $(cat "$E2E_TMP/h")"
# What dranet-discover publishes here (PCI functions of the host count too).
N0=$("$DRANET" discover --filter '' -o json | jq length)
/usr/bin/python3 - "$E2E_TMP/m" "$N0" <<'PY' || fail "metrics text does not parse"
import re, sys
text = open(sys.argv[1]).read()
assert text.endswith("\n"), "no final newline"
types, samples = {}, {}
name_re = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
sample_re = re.compile(r"^(%s)(\{(%s=\"[^\"\\]*\")(,%s=\"[^\"\\]*\")*\})? (\S+)$" % (name_re, name_re, name_re))
for line in text.splitlines():
    if line.startswith("# HELP "):
        continue
    m = re.match(r"^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$" % name_re, line)
    if m:
        assert m.group(1) not in types, "TYPE twice: " + line
        types[m.group(1)] = m.group(2)
        continue
    m = sample_re.match(line)
    assert m, "bad line: %r" % line
    base = re.sub(r"_(bucket|sum|count)$", "", m.group(1))
    assert m.group(1) in types or types.get(base) == "histogram", "sample before its TYPE: " + line
    if m.group(1).endswith("_bucket") and types.get(base) == "histogram":
        assert re.search(r'le="[^"]+"', m.group(2) or ""), "bucket without le: " + line
    float(m.group(5))
    samples[m.group(1) + (m.group(2) or "")] = float(m.group(5))
for k in ['dranet_driver_published_devices_total{feature="total"}',
          'dranet_driver_published_devices_total{feature="rdma"}',
          "process_start_time_seconds", "process_resident_memory_bytes",
          "process_cpu_seconds_total", "process_open_fds"]:
    assert k in samples, "missing " + k
assert types["dranet_driver_published_devices_total"] == "gauge"
assert types["dranet_driver_last_published_time_seconds"] == "gauge"
assert types["process_cpu_seconds_total"] == "counter"
# The kubelet plugin's, as upstream names them (nothing called yet: zero).
assert types["dranet_driver_dra_plugin_requests_total"] == "counter"
assert types["dranet_driver_dra_plugin_requests_latency_seconds"] == "histogram"
assert samples['dranet_driver_dra_plugin_requests_total{method="PrepareResourceClaims",status="failed"}'] == 0
assert samples['dranet_driver_dra_plugin_requests_latency_seconds_count{method="PrepareResourceClaims"}'] == 0
assert samples["dranet_driver_kubelet_registered"] == 1
# Nothing is published yet: no write was confirmed, so no timestamp.
assert "dranet_driver_last_published_time_seconds" not in samples
import time
assert abs(samples["process_start_time_seconds"] - time.time()) < 120, "start time off"
assert 0 < samples["process_resident_memory_bytes"] < 64 << 20
# Exactly what dranet-discover lists: e47a and e47b among them (--filter ''), never lo.
assert samples['dranet_driver_published_devices_total{feature="total"}'] == int(sys.argv[2]), samples
PY

# --- the inventory follows links and addresses
veth_pair e47c e47d
wait_metric 'dranet_driver_published_devices_total{feature="total"}' $((N0 + 2))
ip link del e47c
wait_metric 'dranet_driver_published_devices_total{feature="total"}' "$N0"
before=$(curl -s "$URL/metrics" | awk '$1 == "dranet_driver_inventory_scans_total{kind=\"link\"}" { print $2 }')
ip addr add 10.47.0.1/24 dev e47a
for _ in $(seq 100); do
	now=$(curl -s "$URL/metrics" | awk '$1 == "dranet_driver_inventory_scans_total{kind=\"link\"}" { print $2 }')
	[ "$now" -gt "$before" ] && break
	sleep 0.1
done
[ "$now" -gt "$before" ] || fail "an address change did not re-read its link"
# A default route through e47a makes it the uplink: neither it nor its veth
# peer is published any more (a route event, a full rescan).
ip route add default via 10.47.0.2 dev e47a
wait_metric 'dranet_driver_published_devices_total{feature="total"}' $((N0 - 2))

# --- SIGTERM: exit 0, quickly
t0=$(date +%s%N)
kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
PID=""
ms=$((($(date +%s%N) - t0) / 1000000))
assert_eq 0 "$rc" "exit status after SIGTERM"
[ "$ms" -lt 1000 ] || fail "SIGTERM took $ms ms"
grep -q 'driver stopped' "$LOG" || fail "no clean stop in the log"
info "SIGTERM exit in $ms ms"

# --- the other address forms
URL=http://127.0.0.1:9178
start --bind-address '[::]:9178'
assert_eq 200 "$(code_of 'http://[::1]:9178/healthz')" "[::]:PORT over IPv6"
stop_driver
URL=http://127.0.0.1:9179
start --bind-address 0.0.0.0:9179
assert_eq 000 "$(code_of --max-time 2 'http://[::1]:9179/healthz')" "0.0.0.0 is IPv4 only"
stop_driver
URL=http://127.0.0.1:9180
start --bind-address 127.0.0.1:9180 -v=2
assert_eq 200 "$(code_of "$URL/livez")" "127.0.0.1:PORT"
# SIGINT ends it cleanly too.
kill -INT "$PID"
rc=0
wait "$PID" || rc=$?
PID=""
assert_eq 0 "$rc" "exit status after SIGINT"
# A port in use is a runtime failure (exit 1), said in words.
python3 -c 'import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 9181)); s.listen(); time.sleep(5)' &
HOLD=$!
defer kill "$HOLD"
sleep 0.3
rc=0
"$DRANET" --hostname-override node1 --kubelet-root-dir "$KR" --bind-address 127.0.0.1:9181 2>"$LOG" || rc=$?
assert_eq 1 "$rc" "port in use"
grep -q 'cannot listen' "$LOG" || fail "no reason for the failed listen: $(cat "$LOG")"
