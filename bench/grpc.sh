#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/grpc.sh [BUILD_DIR]: the DRA gRPC service, ours against grpc-go, in one
# run, over unix sockets, driven by the same grpc-go client:
#   ours     bench/grpc_server.c (lib/grpc + lib/h2, one poll() loop);
#   grpc-go  bench/grpc/main.go -serve (Debian's golang-google-grpc-dev 1.33),
#            built offline by bench/grpc/build.sh;
# both do the same work per call: decode NodePrepareResources, look the claim
# up in an in-memory table, encode a response with one device. The client
# (bench/grpc/main.go -load) keeps one connection, as the kubelet does, and
# runs 1 (sequential), 8 and 64 concurrent streams; every answer is checked.
# Server on CPU 0, client on CPU 1 (taskset). On 2 cores the client is the
# bottleneck, so each server is judged by its own cost:
#   CPU µs/call    server CPU time per call: utime+stime from /proc/PID/stat
#                  before/after each row (10 ms ticks: keep rows >= 0.3 s of
#                  server CPU), and over all rows;
#   Ir/call        instructions per call under callgrind (two shorter runs,
#                  the difference over the difference in calls);
#   p50/p99        the client's latencies;
#   RSS            VmRSS and VmHWM after the 64-stream row;
#   hostile        p99 of a sequential client just before, and while,
#                  BENCH_GRPC_STALLED (8)
#                  connections sit after their preface and one more floods
#                  requests (at most ~3,000/s) and never reads its answers.
# Targets: ours CPU/call <= 1/4 of grpc-go's; p50/p99 no worse; p99 <= 200 µs
# sequential; hostile p99 not raised. BENCH_GRPC_CALLS (20000) calls per row.
set -eu
O=${1:-build}
O=$(cd "$O" && pwd)
cd "$(dirname "$0")/.."
OURS="$O/bench/grpc_server"
[ -x "$OURS" ] || { echo "bench: $OURS not built (make bench)"; exit 1; }
bash bench/grpc/build.sh "$O" || { echo "bench: grpc-go side does not build (tests/peers/kubelet, docs/testing.md)"; exit 1; }
GO="$O/bench/grpcgo"
CALLS=${BENCH_GRPC_CALLS:-20000}
STALLED=${BENCH_GRPC_STALLED:-8}
CG_CALLS=${BENCH_GRPC_CG_CALLS:-2000}
if [ "$(nproc)" -ge 2 ]; then SCPU=0 CCPU=1; else SCPU=0 CCPU=0; fi
TMP=$(mktemp -d /tmp/grpcbench.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT

# start NAME CMD...: start a server pinned to $SCPU, wait for "ready"; sets PID_<NAME>.
start() {
	local name=$1
	shift
	taskset -c "$SCPU" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	local pid=$!
	PIDS+=("$pid")
	for _ in $(seq 300); do
		grep -q '^ready' "$TMP/$name.out" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || { echo "bench: $name died: $(cat "$TMP/$name.err")"; exit 1; }
		sleep 0.05
	done
	grep -q '^ready' "$TMP/$name.out" || { echo "bench: $name not ready"; exit 1; }
	printf -v "PID_$name" %s "$pid"
}
stop() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
HZ=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
status() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
load() { taskset -c "$CCPU" "$GO" -load "$@"; }
field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' <<<"$2"; }

echo "grpc: $(nproc) CPUs, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg); server on CPU $SCPU, client on CPU $CCPU"
echo "one call = NodePrepareResources (v1), one claim, answered with one device; $CALLS calls per row (after 500 warm-up)"
start ours "$OURS" --sock "$TMP/ours.sock"
start go "$GO" -serve "$TMP/go.sock"
declare -A T0 R
for s in ours go; do p=PID_$s; T0[$s]=$(ticks "${!p}"); done
printf '%-8s %7s %8s %9s %9s %9s %9s %12s\n' server streams calls/s "p50 µs" "p90 µs" "p99 µs" errors "CPU µs/call"
for c in 1 8 64; do
	for s in ours go; do
		p=PID_$s
		sock="$TMP/$s.sock"
		n0=$(ticks "${!p}")
		out=$(load "$sock" -n "$CALLS" -c "$c")
		n1=$(ticks "${!p}")
		cpu=$(awk -v a="$n0" -v b="$n1" -v n="$CALLS" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz * 1e6 / n }')
		R[$s,$c]="$out cpu $cpu"
		printf '%-8s %7d %8s %9s %9s %9s %9s %12s\n' "$s" "$c" "$(field rps "$out")" \
			"$(field p50 "$out")" "$(field p90 "$out")" "$(field p99 "$out")" "$(field errors "$out")" "$cpu"
	done
done
declare -A TOT RSS HWM
for s in ours go; do
	p=PID_$s
	TOT[$s]=$(awk -v a="${T0[$s]}" -v b="$(ticks "${!p}")" -v n="$CALLS" -v hz="$HZ" \
		'BEGIN { printf "%.2f", (b - a) / hz * 1e6 / (3 * n) }')
	RSS[$s]=$(status "${!p}" VmRSS)
	HWM[$s]=$(status "${!p}" VmHWM)
done
echo "== ours / grpc-go"
printf '%7s %14s %10s %10s\n' streams "CPU µs/call" p50 p99
for c in 1 8 64; do
	awk -v c="$c" -v oc="$(field cpu "${R[ours,$c]}")" -v gc="$(field cpu "${R[go,$c]}")" \
		-v o5="$(field p50 "${R[ours,$c]}")" -v g5="$(field p50 "${R[go,$c]}")" \
		-v o9="$(field p99 "${R[ours,$c]}")" -v g9="$(field p99 "${R[go,$c]}")" \
		'BEGIN { printf "%7d %14.3f %10.3f %10.3f\n", c, oc / gc, o5 / g5, o9 / g9 }'
done
awk -v o="${TOT[ours]}" -v g="${TOT[go]}" 'BEGIN {
	printf "CPU µs/call over all rows, utime+stime (/proc/PID/stat): ours %.2f, grpc-go %.2f, ours/grpc-go %.3f   (target <= 0.25)\n", o, g, o / g }'
awk -v o="$(field p99 "${R[ours,1]}")" 'BEGIN { printf "ours p99 sequential: %.1f µs   (target <= 200)\n", o }'
awk -v or="${RSS[ours]}" -v oh="${HWM[ours]}" -v gr="${RSS[go]}" -v gh="${HWM[go]}" 'BEGIN {
	printf "RSS after 64 streams: ours VmRSS %d kB VmHWM %d kB; grpc-go VmRSS %d kB VmHWM %d kB; ours/grpc-go (HWM) %.3f\n",
		or, oh, gr, gh, oh / gh }'

echo "== hostile: $STALLED connections stalled after their preface + 1 that floods and never reads"
printf '%-8s %9s %9s %11s %13s %10s %s\n' server "p99 µs" "p99 was" "hostile/was" "VmRSS kB" errors "flood requests on conns"
for s in ours go; do
	p=PID_$s
	sock="$TMP/$s.sock"
	was=$(load "$sock" -n $((CALLS / 2)) -c 1)
	taskset -c "$CCPU" "$GO" -hostile "$sock" -stalled "$STALLED" >"$TMP/hostile.out" 2>&1 &
	hp=$!
	PIDS+=("$hp")
	sleep 1
	out=$(load "$sock" -n $((CALLS / 2)) -c 1)
	rss=$(status "${!p}" VmRSS)
	kill "$hp"
	wait "$hp" 2>/dev/null || true
	kill -0 "${!p}" 2>/dev/null || echo "bench: $s died under hostile connections"
	awk -v s="$s" -v h="$(field p99 "$out")" -v b="$(field p99 "$was")" -v r="$rss" \
		-v e="$(field errors "$out")" -v f="$(awk '/flood sent/ { print $4 " on " $7 }' "$TMP/hostile.out")" \
		'BEGIN { printf "%-8s %9.1f %9.1f %11.3f %13d %10d %s\n", s, h, b, h / b, r, e, f }'
done
stop "$PID_ours" # set by start
stop "$PID_go"

echo "== instructions per call (callgrind, all threads; (run of $CG_CALLS+200 calls - run of 200) / $CG_CALLS; sequential)"
echo "   (grpc-go runs with GODEBUG=asyncpreemptoff=1 and exits by itself: callgrind asserts on Go's signals)"
cg() { # cg NAME SOCK CALLS CMD...
	local name=$1 sock=$2 n=$3 pid
	shift 3
	rm -f "$TMP"/cg.out.*
	taskset -c "$SCPU" env GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind \
		--callgrind-out-file="$TMP/cg.out.%p" "$@" >"$TMP/cg.out" 2>"$TMP/cg.err" &
	pid=$!
	PIDS+=("$pid")
	for _ in $(seq 600); do
		grep -q '^ready' "$TMP/cg.out" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if ! grep -q '^ready' "$TMP/cg.out"; then
		echo "x"
		return
	fi
	load "$sock" -n "$n" -c 1 -warm 0 >/dev/null || true
	for _ in $(seq 40); do
		kill -0 "$pid" 2>/dev/null || break
		[ "$name" = go ] || kill "$pid" 2>/dev/null || true
		sleep 0.25
	done
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	awk '/^totals:/ { print $2 }' "$TMP"/cg.out.* 2>/dev/null | head -n1 | grep . || echo x
}
declare -A IR
for s in ours go; do
	for n in 200 $((CG_CALLS + 200)); do
		if [ "$s" = ours ]; then cmd=("$OURS" --sock "$TMP/cg.sock"); else cmd=("$GO" -serve "$TMP/cg.sock" -exit-after "$n"); fi
		if [ "$n" = 200 ]; then a=$(cg "$s" "$TMP/cg.sock" "$n" "${cmd[@]}"); else b=$(cg "$s" "$TMP/cg.sock" "$n" "${cmd[@]}"); fi
	done
	if [ "$a" = x ] || [ "$b" = x ]; then
		IR[$s]=x
		echo "$s: callgrind could not run it: $(grep -m1 -E 'Assertion|error|Error' "$TMP/cg.err" || echo '?')"
	else
		IR[$s]=$(((b - a) / CG_CALLS))
		echo "$s: ${IR[$s]} instructions per call"
	fi
done
if [ "${IR[ours]}" != x ] && [ "${IR[go]}" != x ]; then
	awk -v o="${IR[ours]}" -v g="${IR[go]}" 'BEGIN { printf "ours/grpc-go instructions per call: %.3f\n", o / g }'
fi
