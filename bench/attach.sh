#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/attach.sh [BUILD_DIR]: attach + detach cycles (bench/attach.c) of veth
# devices into one pod netns, methods interleaved in one run:
#   ours   lib/attach (snapshot, plan, attach_apply, attach_detach);
#   cni    the host-device CNI plugin (containernetworking-plugins), ADD + DEL
#          with static IPAM of the same addresses and routes;
#   floor  exactly the netlink requests of a cycle, nothing else.
# Prints medians (wall and CPU), ours/floor (target <= 1.3) and cni's overhead
# above the floor over ours' (target >= 5). One device, BENCH_CYCLES (default
# 200) cycles each; then 1, 2, 4, 8 devices into one pod (fewer cycles) to show
# the cost is linear in the devices. Needs root; runs under unshare -n -m (the
# host's namespaces are not touched).
set -eu
O=${1:-build}
O=$(cd "$O" && pwd)
BIN="$O/bench/attach"
[ -x "$BIN" ] || { echo "bench: $BIN not built (make bench)"; exit 1; }
PLUGIN=${CNI_HOST_DEVICE:-/usr/lib/cni/host-device}
[ -x "$PLUGIN" ] || { echo "bench: $PLUGIN missing (apt-get install containernetworking-plugins)"; exit 1; }
if [ "${BENCH_INNER:-}" != 1 ]; then
	exec env BENCH_INNER=1 unshare -n -m -- bash -c \
		'mount --make-rprivate / && mount -t sysfs none /sys && mount -t tmpfs none /run && ip link set lo up && exec bash "$0" "$1"' \
		"$0" "$O"
fi
CYCLES=${BENCH_CYCLES:-200}
mkdir -p /run/netns
ip netns add bpod
devs=()
for k in 1 2 3 4 5 6 7 8; do
	d=bd$k
	ip link add "$d" type veth peer name "$d"p
	ip link set "$d"p up
	ip addr add "10.1.$k.2/24" dev "$d"
	ip addr add "10.2.$k.2/24" dev "$d"
	ip link set "$d" up
	ip route add "10.3.$k.0/24" via "10.1.$k.1" dev "$d"
	devs+=("$d")
done
join() { local IFS=,; echo "$*"; }

echo "attach: $(nproc) CPUs, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "one cycle = attach (move+rename+MTU, 2 addresses, up, 2 routes) + detach (move back"
echo "+ rename + MTU, the host's 2 addresses, up, 1 route); cni = host-device ADD + DEL"
echo "== 1 device, $CYCLES cycles per method, interleaved (ours, cni, floor, ours, ...)"
out=$("$BIN" --netns /run/netns/bpod --dev bd1 --cycles "$CYCLES" --methods ours,cni,floor --plugin "$PLUGIN")
echo "$out"
col() { awk -v m="$1" -v c="$2" '$1 == m { print $c }' <<<"$out"; }
awk -v o="$(col ours 3)" -v c="$(col cni 3)" -v f="$(col floor 3)" \
	-v oc="$(col ours 5)" -v cc="$(col cni 5)" -v fc="$(col floor 5)" 'BEGIN {
	printf "ours / floor (median wall): %.3f   (target <= 1.3)\n", o / f
	printf "overhead above the floor, wall: ours %.2f ms, cni %.2f ms", o - f, c - f
	if (o - f > 0) printf ", cni/ours %.1f", (c - f) / (o - f)
	printf "   (target >= 5)\n"
	printf "overhead above the floor, CPU:  ours %.2f ms, cni %.2f ms", oc - fc, cc - fc
	if (oc - fc > 0) printf ", cni/ours %.1f", (cc - fc) / (oc - fc)
	printf "\n"
}'

echo "== devices into one pod ($((CYCLES / 4)) cycles per method)"
printf '%7s %10s %10s %10s %13s %14s\n' devices "ours ms" "floor ms" "cni ms" "ours ms/dev" "ours/floor"
for n in 1 2 4 8; do
	out=$("$BIN" --netns /run/netns/bpod --dev "$(join "${devs[@]:0:n}")" --cycles $((CYCLES / 4)) \
		--methods ours,cni,floor --plugin "$PLUGIN")
	awk -v n="$n" -v o="$(col ours 3)" -v f="$(col floor 3)" -v c="$(col cni 3)" \
		'BEGIN { printf "%7d %10.2f %10.2f %10.2f %13.2f %14.3f\n", n, o, f, c, o / n, o / f }'
done
