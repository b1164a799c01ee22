#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/discover.sh [BUILD_DIR]: discovery of 100, 1000 and 4000 links (veth
# pairs: two links each) in a fresh network namespace, against
# `ip -j -d addr show` on the same namespace in the same run.
# Prints the median wall time and the CPU time (user+sys, from the children's
# rusage) per run, the cost per link (linearity), the ratio ours/ip and the
# binary size. Target: <= 50 ms for 1000 links. Needs root; the host's
# namespaces are never touched (everything runs under unshare -n -m).
set -eu
O=${1:-build}
O=$(cd "$O" && pwd)
DRANET="$O/dranet"
[ -x "$DRANET" ] || { echo "bench: $DRANET not built (make)"; exit 1; }
if [ "${BENCH_INNER:-}" != 1 ]; then
	exec env BENCH_INNER=1 unshare -n -m -- bash -c \
		'mount --make-rprivate / && mount -t sysfs none /sys && ip link set lo up && exec bash "$0" "$1"' \
		"$0" "$O"
fi
SIZES=${BENCH_SIZES:-"100 1000 4000"}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

have=0 # links made so far (lo not counted)
grow() { # make veth pairs until there are $1 links
	local want=$1 i=$((have / 2))
	: >"$TMP/batch"
	while [ "$have" -lt "$want" ]; do
		echo "link add b$i-a type veth peer name b$i-b" >>"$TMP/batch"
		i=$((i + 1)) have=$((have + 2))
	done
	[ -s "$TMP/batch" ] && ip -batch "$TMP/batch"
	return 0
}

# time.py RUNS CMD...: median wall ms and median CPU ms of RUNS runs (stdout discarded).
cat >"$TMP/time.py" <<'PY'
import os, resource, statistics, subprocess, sys, time
runs = int(sys.argv[1]); cmd = sys.argv[2:]
wall, cpu = [], []
subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)  # warm caches
for _ in range(runs):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    t1 = time.perf_counter()
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall.append((t1 - t0) * 1e3)
    cpu.append(((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)) * 1e3)
print("%.2f %.2f" % (statistics.median(wall), statistics.median(cpu)))
PY

echo "discover: $(nproc) CPUs, kernel $(uname -r), $("$DRANET" --version 2>/dev/null | head -n1), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "(on a loaded machine wall time includes waiting for a CPU; the CPU columns do not)"
echo "ours = dranet discover -o json --all; table = the same as a table (no JSON tree); ip = ip -j -d addr show"
printf '%7s %10s %12s %10s %10s %10s %9s %8s\n' links "ours ms" "ours cpu ms" "table ms" "ip ms" "ip cpu ms" "us/link" "ours/ip"
first_links="" first_ms=""
for n in $SIZES; do
	grow "$n"
	runs=$((n >= 4000 ? 7 : n >= 1000 ? 11 : 21))
	read -r ours ours_cpu < <(/usr/bin/python3 "$TMP/time.py" "$runs" "$DRANET" discover -o json --all)
	read -r table _ < <(/usr/bin/python3 "$TMP/time.py" "$runs" "$DRANET" discover --all)
	read -r ipt ip_cpu < <(/usr/bin/python3 "$TMP/time.py" "$runs" ip -j -d addr show)
	count=$(("$DRANET" discover -o json --all --filter '' | grep -c '"name"') || true)
	awk -v n="$n" -v o="$ours" -v oc="$ours_cpu" -v t="$table" -v i="$ipt" -v ic="$ip_cpu" 'BEGIN {
		printf "%7d %10.2f %12.2f %10.2f %10.2f %10.2f %9.1f %8.2f\n", n, o, oc, t, i, ic, o * 1000 / n, o / i }'
	[ "$count" -ge "$n" ] || echo "        (warning: only $count devices listed for $n links)"
	if [ -z "$first_links" ]; then first_links=$n first_ms=$ours; fi
	last_links=$n last_ms=$ours
done
if [ "$last_links" != "$first_links" ]; then
	awk -v a="$first_links" -v am="$first_ms" -v b="$last_links" -v bm="$last_ms" 'BEGIN {
		printf "linearity: marginal cost %.1f us/link between %d and %d links (%.1fx the links, %.1fx the time)\n",
			(bm - am) * 1000 / (b - a), a, b, b / a, bm / am }'
fi
size=$(stat -c %s "$DRANET")
awk -v s="$size" 'BEGIN { printf "binary: %s bytes (%.2f MiB of the 2 MiB budget for the finished product)\n", s, s / 1048576 }'
echo "target: <= 50 ms for 1000 links"
