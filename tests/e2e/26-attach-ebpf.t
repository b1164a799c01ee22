#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# disableEbpfPrograms through dranet-attach (upstream.md §7 scenario 10): a tc
# BPF classifier on clsact ingress and a TCX program (bpftool) on a veth; the
# move drops clsact, the TCX program travels; with disableEbpfPrograms the pod
# sees neither, without it the TCX program is still there. Oracles: bpftool
# -j and tc -j inside the pod netns. BPF objects built from tests/data/bpf.
set -eu
. "$(dirname "$0")/lib.sh"
need_dranet
for c in clang bpftool tc; do command -v "$c" >/dev/null || fail "$c missing (toolchain/setup.sh)"; done
mount -t bpf bpf /sys/fs/bpf || fail "mount bpffs"
T=$E2E_TMP
ST=$T/state
att() { "$DRANET" attach --state-dir "$ST" "$@"; }
clang -target bpf -O2 -g -c tests/data/bpf/dummy_bpf.c -o "$T/dummy_bpf.o"
clang -target bpf -O2 -g -c tests/data/bpf/dummy_bpf_tcx.c -o "$T/dummy_bpf_tcx.o"
must bpftool prog loadall "$T/dummy_bpf_tcx.o" /sys/fs/bpf/tcx

# tcx_names NS DEV: TCX program names on DEV inside NS (bpftool -j).
tcx_names() {
	ip netns exec "$1" bpftool -j net show dev "$2" |
		jq -r '[.[0].tc[]? | select(.kind | startswith("tcx/")) | .name] | sort | join(",")'
}
tc_names() {
	ip netns exec "$1" tc -j filter show dev "$2" ingress | jq -r '[.[] | select(.kind=="bpf") | .options.bpf_name // empty] | join(",")'
}
# ebpf_dev NAME: a veth with a clsact classifier and a TCX ingress program.
ebpf_dev() {
	must ip link add "$1" type veth peer name "$1-p"
	defer ip link del "$1-p"
	must ip link set "$1" up
	must tc qdisc add dev "$1" clsact
	must tc filter add dev "$1" ingress bpf direct-action obj "$T/dummy_bpf.o" sec classifier
	if ! bpftool net attach tcx_ingress pinned /sys/fs/bpf/tcx/handle_ingress dev "$1" 2>"$T/tcx.err"; then
		skip "kernel without TCX: $(cat "$T/tcx.err")"
	fi
	assert_contains "$(bpftool net show dev "$1")" "tcx/ingress handle_ingress" "setup $1"
}

# Control: without disableEbpfPrograms the TCX program moves with the device.
netns_add keep
ebpf_dev keep0
att keep0 --netns /run/netns/keep >/dev/null
assert_eq handle_ingress "$(tcx_names keep keep0)" "TCX program travels with the device"
info "control ok"

# disableEbpfPrograms: nothing left in the pod.
netns_add pod
ebpf_dev bpf0
att bpf0 --netns /run/netns/pod --config - >/dev/null <<<'{"interface":{"name":"eth99","disableEbpfPrograms":true}}'
assert_eq "" "$(tcx_names pod eth99)" "TCX programs detached"
assert_eq "" "$(tc_names pod eth99)" "no tc BPF filters"
info "disableEbpfPrograms ok"
echo PASS
