#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/attach.sh [BUILD_DIR]: attach + detach cycles (bench/attach.c) of veth
# devices into one pod netns, methods interleaved in one run:
#   floor  exactly the netlink requests of a cycle, nothing else;
#   cni    the host-device CNI plugin (containernetworking-plugins), ADD + DEL
#          with static IPAM of the same addresses and routes.
# One device, BENCH_CYCLES (default 200) cycles each; then 1, 2, 4, 8 devices
# into one pod (fewer cycles) to show the cost is linear in the devices.
# Needs root; runs under unshare -n -m (the host's namespaces are not touched).
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
echo "== 1 device, $CYCLES cycles per method, interleaved"
out=$("$BIN" --netns /run/netns/bpod --dev bd1 --cycles "$CYCLES" --methods floor,cni --plugin "$PLUGIN")
echo "$out"
floor=$(awk '$1 == "floor" { print $3 }' <<<"$out")
cni=$(awk '$1 == "cni" { print $3 }' <<<"$out")
awk -v f="$floor" -v c="$cni" -v fc="$(awk '$1 == "floor" { print $5 }' <<<"$out")" -v cc="$(awk '$1 == "cni" { print $5 }' <<<"$out")" 'BEGIN { printf "cni above the floor: %.2f ms wall, %.2f ms CPU per cycle\n", c - f, cc - fc }'

echo "== devices into one pod ($((CYCLES / 4)) cycles per method)"
printf '%7s %10s %10s %14s\n' devices "floor ms" "cni ms" "floor ms/dev"
for n in 1 2 4 8; do
	out=$("$BIN" --netns /run/netns/bpod --dev "$(join "${devs[@]:0:n}")" --cycles $((CYCLES / 4)) \
		--methods floor,cni --plugin "$PLUGIN")
	f=$(awk '$1 == "floor" { print $3 }' <<<"$out")
	c=$(awk '$1 == "cni" { print $3 }' <<<"$out")
	awk -v n="$n" -v f="$f" -v c="$c" 'BEGIN { printf "%7d %10.2f %10.2f %14.2f\n", n, f, c, f / n }'
done
