# tests/e2e/lib.sh: helpers for tests/e2e/NN-*.t. Source it after `set -eu`:
#
#   set -eu
#   . "$(dirname "$0")/lib.sh"
#   trap cleanup EXIT
#
# run.sh has already put the test in its own network + mount namespace with a fresh
# sysfs and lo up; env O, DRANET, E2E_TMP and E2E_NAME are set (see run.sh).
# shellcheck shell=bash

# A failing `ip_j ... | jq` must fail the test, not just the pipeline's left side.
set -o pipefail
# Byte order for sort/ls, untranslated messages from tools.
export LC_ALL=C
E2E_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${E2E_TMP:=$(mktemp -d)}"

# ------------------------------------------------------------ results
# fail MSG: the test failed. skip MSG: the kernel truly lacks a feature (exit 77;
# "not root" or "tool missing" are never reasons: CI runs as root with setup.sh done).
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
skip() {
	echo "SKIP: $*" >&2
	exit 77
}
info() { echo "# $*"; }

# assert_eq EXPECTED ACTUAL [WHAT]
assert_eq() {
	[ "$1" = "$2" ] || fail "${3:-assert_eq}: expected '$1', got '$2'"
}
# assert_ne UNEXPECTED ACTUAL [WHAT]
assert_ne() {
	[ "$1" != "$2" ] || fail "${3:-assert_ne}: did not expect '$2'"
}
# assert_contains HAYSTACK NEEDLE [WHAT]: fixed-string match
assert_contains() {
	case "$1" in *"$2"*) ;; *) fail "${3:-assert_contains}: '$2' not in: $1" ;; esac
}
# assert_json_eq EXPECTED_JSON ACTUAL_JSON [WHAT]: equal after normalising (jq -S)
assert_json_eq() {
	local a b
	a=$(jq -cS . <<<"$1") || fail "${3:-assert_json_eq}: expected is not JSON: $1"
	b=$(jq -cS . <<<"$2") || fail "${3:-assert_json_eq}: actual is not JSON: $2"
	[ "$a" = "$b" ] || fail "${3:-assert_json_eq}: expected $a, got $b"
}
# must CMD...: run it; on failure, fail with the command and its output.
must() {
	local out
	out=$("$@" 2>&1) || fail "'$*' failed: $out"
	[ -z "$out" ] || printf '%s\n' "$out"
}
# must_fail CMD...: it must exit non-zero.
must_fail() {
	if "$@" >/dev/null 2>&1; then fail "'$*' succeeded, expected a failure"; fi
}

# ------------------------------------------------------------ cleanup
# defer CMD...: run CMD at exit (last registered, first run); errors are ignored.
_e2e_deferred=()
defer() {
	local q
	printf -v q '%q ' "$@"
	_e2e_deferred+=("$q")
}
# cleanup: the EXIT trap. Keeps the test's exit status.
cleanup() {
	local rc=$? i
	set +e
	for ((i = ${#_e2e_deferred[@]} - 1; i >= 0; i--)); do
		eval "${_e2e_deferred[i]}" >/dev/null 2>&1
	done
	_e2e_deferred=()
	return "$rc"
}
trap cleanup EXIT

# ------------------------------------------------------------ names
# rand_suffix [N]: N (default 6) random lowercase hex characters.
rand_suffix() {
	local n=${1:-6}
	od -An -N"$(((n + 1) / 2))" -tx1 /dev/urandom | tr -d ' \n' | cut -c1-"$n"
}
SUFFIX=$(rand_suffix)

# words: stdin lines joined by single spaces. sorted_words WORD...: sorted, joined.
words() { tr '\n' ' ' | sed 's/ *$//'; }
sorted_words() { printf '%s\n' "$@" | sort | words; }

# ------------------------------------------------------------ ip -j oracles
# ip_j ARGS...: `ip -j ARGS`, failing the test if ip fails.
ip_j() { ip -j "$@" || fail "ip -j $* failed"; }
# ip_jd ARGS...: `ip -j -d ARGS` (details: link kind, master, ...).
ip_jd() { ip -j -d "$@" || fail "ip -j -d $* failed"; }
# link_get IFNAME JQ_FILTER: one field of `ip -j -d link show dev IFNAME`, e.g. '.mtu'.
link_get() { ip_jd link show dev "$1" | jq -r ".[0] | $2"; }
# link_names [NETNS]: sorted interface names in this (or NETNS's) namespace.
link_names() {
	if [ $# -gt 0 ]; then
		ip -n "$1" -j link show | jq -r '.[].ifname' | sort
	else
		ip_j link show | jq -r '.[].ifname' | sort
	fi
}
# addrs IFNAME [FAMILY]: sorted "addr/prefix" of IFNAME (FAMILY inet or inet6).
addrs() {
	ip_j addr show dev "$1" | jq -r --arg f "${2:-}" \
		'.[0].addr_info[] | select($f == "" or .family == $f) | "\(.local)/\(.prefixlen)"' | sort
}
# sysfs_net IFNAME ATTR: /sys/class/net/IFNAME/ATTR (this namespace's sysfs).
sysfs_net() { cat "/sys/class/net/$1/$2"; }

# ------------------------------------------------------------ building blocks
# veth_pair A B: a veth pair, removed at exit.
veth_pair() {
	must ip link add "$1" type veth peer name "$2"
	defer ip link del "$1"
}
# netns_add NAME: a named netns, removed at exit (run.sh's /run/netns is private anyway).
netns_add() {
	must ip netns add "$1"
	defer ip netns del "$1"
}
# need_link_kind KIND [ARGS...]: skip (77) if this kernel cannot create a KIND link.
# ARGS are what follows the name in `ip link add NAME ARGS` (default: type KIND), e.g.
#   need_link_kind macvlan link veth0 type macvlan mode bridge
need_link_kind() {
	local kind=$1 probe="probe$(rand_suffix 4)" out
	shift
	[ $# -gt 0 ] || set -- type "$kind"
	if out=$(ip link add "$probe" "$@" 2>&1); then
		ip link del "$probe"
		return 0
	fi
	case "$out" in
	*"Unknown device type"* | *"not supported"* | *"Not supported"*) skip "kernel has no '$kind' links: $out" ;;
	*) fail "ip link add $probe $*: $out" ;;
	esac
}
# need_dranet: the binary must exist (make e2e builds it first).
need_dranet() { [ -x "$DRANET" ] || fail "$DRANET not built"; }

# ------------------------------------------------------------ attach: host state
# dev_settle DEV: wait (<= 3 s) until no address is tentative and the link is UP,
# so that two dumps differ only in what was restored, not in DAD timing.
dev_settle() {
	local i
	for i in $(seq 30); do
		if [ "$(ip -j addr show dev "$1" | jq '[.[0].addr_info[] | select(.tentative)] | length')" = 0 ] &&
			[ "$(ip -j link show dev "$1" | jq -r '.[0].operstate')" = UP ]; then
			return 0
		fi
		sleep 0.1
	done
}
# dev_dump DEV: every piece of host state detach promises to restore, normalised
# (link with details, addresses, routes of every table, rules, permanent
# neighbours, per-interface sysctls). Diff two of them to compare.
dev_dump() {
	local d=$1 k
	dev_settle "$d"
	echo "# link"
	ip -j -d link show dev "$d" | jq -S '.[0]'
	echo "# addr"
	ip -j addr show dev "$d" | jq -S '.[0].addr_info | sort_by(.family, .local)'
	echo "# route"
	ip -j route show table all dev "$d" | jq -S 'sort_by(.table // "", .type // "", .dst, .metric // 0)'
	echo "# rule"
	ip -j rule show | jq -S .
	ip -6 -j rule show | jq -S .
	echo "# neigh"
	ip -j neigh show nud permanent dev "$d" | jq -S 'sort_by(.dst)'
	echo "# sysctl"
	for k in arp_ignore arp_announce forwarding; do echo "ipv4 $k $(cat "/proc/sys/net/ipv4/conf/$d/$k")"; done
	for k in forwarding disable_ipv6; do echo "ipv6 $k $(cat "/proc/sys/net/ipv6/conf/$d/$k")"; done
}

# ------------------------------------------------------------ Kubernetes API server peer
# apiserver_start DIR [FLAG...]: start tests/peers/k8s/apiserver.py (README.md there) with
# its PKI, tokens and kubeconfig in DIR/tls, stopped at exit. Sets K8S_URL, K8S_PORT,
# K8S_ADMIN (the control interface), K8S_KUBECONFIG, K8S_CA, K8S_TOKEN_FILE and K8S_PID.
apiserver_start() {
	local dir=$1 i
	shift
	mkdir -p "$dir"
	rm -f "$dir/state"
	/usr/bin/python3 "$E2E_LIB_DIR/../peers/k8s/apiserver.py" --port 0 --tls-dir "$dir/tls" \
		--state-file "$dir/state" "$@" >/dev/null 2>"$dir/stderr" &
	K8S_PID=$!
	defer kill "$K8S_PID"
	for i in $(seq 200); do
		[ -s "$dir/state" ] && break
		kill -0 "$K8S_PID" 2>/dev/null || fail "apiserver.py exited: $(tail -5 "$dir/stderr")"
		sleep 0.05
	done
	[ -s "$dir/state" ] || fail "apiserver.py did not start in 10 s: $(tail -5 "$dir/stderr")"
	K8S_URL=$(jq -r .url "$dir/state")
	K8S_PORT=$(jq -r .port "$dir/state")
	K8S_ADMIN=$(jq -r .admin "$dir/state")
	K8S_KUBECONFIG=$(jq -r .kubeconfig "$dir/state")
	K8S_CA=$(jq -r .ca "$dir/state")
	K8S_TOKEN_FILE=$(jq -r .token_file "$dir/state")
	export K8S_URL K8S_PORT K8S_ADMIN K8S_KUBECONFIG K8S_CA K8S_TOKEN_FILE K8S_PID
}
# apiserver_admin METHOD PATH [JSON]: a control-interface request; prints the JSON answer,
# fails the test on a non-200 answer. E.g. apiserver_admin GET /counters.
apiserver_admin() {
	local out code
	out=$(curl -sS -X "$1" -w '\n%{http_code}' ${3:+-H 'Content-Type: application/json' --data "$3"} \
		"$K8S_ADMIN$2") || fail "control interface $1 $2: curl failed"
	code=${out##*$'\n'}
	[ "$code" = 200 ] || fail "control interface $1 $2: $code ${out%$'\n'*}"
	printf '%s\n' "${out%$'\n'*}"
}
# apiserver_writes USER [RESOURCE]: write requests (POST/PUT/PATCH/DELETE) counted for USER
# (default resource resourceslices), 0 if none.
apiserver_writes() {
	apiserver_admin GET /counters | jq --arg u "$1" --arg r "${2:-resourceslices}" '.writes[$u][$r] // 0'
}
