#!/usr/bin/env bash
# tests/e2e/run.sh O [NAME...]: run tests/e2e/NN-*.t, each in fresh namespaces.
#
# Each test is `bash tests/e2e/NN-name.t`, run as root under `unshare -n -m` in its own
# network namespace (only lo, brought up) and mount namespace, with:
#   - a freshly mounted sysfs, so /sys/class/net shows this namespace, not the host's;
#   - a tmpfs on /run/netns, so `ip netns add` inside leaves nothing on the host;
#   - env O (the build dir, absolute), DRANET (absolute $O/dranet), E2E_TMP (a scratch
#     dir, removed after a pass), E2E_NAME; the working directory is the repo root.
# Exit 0 = pass, 77 = skip (the kernel truly lacks a feature), anything else = fail;
# a test is killed after E2E_TIMEOUT seconds (default 120). Output goes to
# $O/e2e/NAME.log, and its tail is printed on failure. NAME arguments select tests
# by substring. Ends with `e2e: N passed, N failed, N skipped`; exits 1 if any failed.
set -u

O=${1:-}
[ -n "$O" ] || {
	echo "usage: tests/e2e/run.sh BUILD_DIR [NAME...]" >&2
	exit 2
}
shift
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
mkdir -p "$O"
O=$(cd "$O" && pwd)
DRANET="$O/dranet"
TIMEOUT=${E2E_TIMEOUT:-120}
LOGS="$O/e2e"
mkdir -p "$LOGS"

if [ "$(id -u)" != 0 ]; then
	echo "e2e: needs root (network and mount namespaces)"
	echo "e2e: 0 passed, 1 failed, 0 skipped"
	exit 1
fi
for c in unshare timeout ip jq; do
	command -v "$c" >/dev/null || {
		echo "e2e: $c missing (run toolchain/setup.sh)"
		echo "e2e: 0 passed, 1 failed, 0 skipped"
		exit 1
	}
done
[ -x "$DRANET" ] || echo "e2e: note: $DRANET not built; tests that need it will fail"

tests=()
for t in tests/e2e/[0-9][0-9]-*.t; do
	[ -f "$t" ] || continue
	if [ $# -gt 0 ]; then
		hit=0
		for pat in "$@"; do case "$t" in *"$pat"*) hit=1 ;; esac; done
		[ "$hit" = 1 ] || continue
	fi
	tests+=("$t")
done

# What each test sees before its script starts (runs inside the new namespaces).
# shellcheck disable=SC2016
PRELUDE='set -e
mount --make-rprivate /
mount -t sysfs none /sys
mkdir -p /run/netns
mount -t tmpfs -o mode=0755 e2e-netns /run/netns
ip link set lo up
set +e
exec bash "$1"'

host_links() { ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort; }

pass=0 fail=0 skip=0
start_all=$EPOCHREALTIME
for t in ${tests[@]+"${tests[@]}"}; do
	name=$(basename "$t" .t)
	log="$LOGS/$name.log"
	tmp="$LOGS/tmp/$name"
	rm -rf "$tmp" && mkdir -p "$tmp"
	before=$(host_links)
	t0=$EPOCHREALTIME
	O="$O" DRANET="$DRANET" E2E_TMP="$tmp" E2E_NAME="$name" \
		timeout -k 10 "$TIMEOUT" unshare -n -m -- bash -c "$PRELUDE" e2e-prelude "$t" >"$log" 2>&1
	rc=$?
	secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
	after=$(host_links)
	case $rc in
	0)
		printf '  PASS  %-36s %7s s\n' "$name" "$secs"
		pass=$((pass + 1))
		rm -rf "$tmp"
		;;
	77)
		printf '  SKIP  %-36s %7s s  (%s)\n' "$name" "$secs" "$(grep -m1 -i 'skip' "$log" | cut -c1-100)"
		skip=$((skip + 1))
		;;
	*)
		why="exit $rc"
		[ "$rc" = 124 ] || [ "$rc" = 137 ] && why="timed out after ${TIMEOUT} s"
		printf '  FAIL  %-36s %7s s  (%s, log: %s)\n' "$name" "$secs" "$why" "$log"
		tail -n 40 "$log" | sed 's/^/      | /'
		fail=$((fail + 1))
		;;
	esac
	if [ "$before" != "$after" ]; then
		echo "  WARN  the host's links changed while $name ran:" \
			"$(diff <(echo "$before") <(echo "$after") | sed -n 's/^\([<>]\) /\1/p' | tr '\n' ' ')"
	fi
done
total=$(awk -v a="$start_all" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
[ ${#tests[@]} -gt 0 ] || echo "e2e: no tests matched"
echo "e2e: ${#tests[@]} tests in ${total} s"
echo "e2e: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
