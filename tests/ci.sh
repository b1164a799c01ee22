#!/usr/bin/env bash
# tests/ci.sh [STAGE...]: the whole test run, stage by stage (as root, after
# toolchain/setup.sh). With STAGE arguments, only those stages run.
#
#   setup      the toolchain and test tools are in place (setup.sh ran)
#   fmt-check  make fmt-check
#   hdrcheck   make hdrcheck
#   build      make; build/dranet must be statically linked   (a failure stops the run)
#   unit       make test: unit tests + fuzz-corpus replay
#   san        make SAN=1 test: the same under ASan + UBSan (host clang)
#   e2e        make e2e: tests/e2e in fresh network namespaces
#   schema     tests/schema/*.sh, if any
#   fuzz       make fuzz T=x for every tests/fuzz/fuzz_x.c, under 2 minutes in all
#
# Each stage's output is shown indented and kept in build/ci/STAGE.log. A stage's
# count is its last "N passed, N failed" line (a non-zero exit with 0 failed counts
# one failure more); a stage without such a line counts as one test, passed or failed
# by its exit status. Prints each stage's time against its budget (DESIGN.md "CI
# time budget"), and ends with one line: "N passed, N failed" (the totals).
# Exit status 1 if anything failed.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
JOBS=$(nproc 2>/dev/null || echo 2)
LOGS=build/ci
mkdir -p "$LOGS"
FUZZ_BUDGET=${FUZZ_BUDGET:-110} # seconds for the fuzz stage (DESIGN.md: 2 min), compiling included

ALL_STAGES="setup fmt-check hdrcheck build unit san e2e schema fuzz"
STAGES=${*:-$ALL_STAGES}
for s in $STAGES; do
	case " $ALL_STAGES " in *" $s "*) ;; *)
		echo "usage: tests/ci.sh [STAGE...]; stages: $ALL_STAGES" >&2
		exit 2
		;;
	esac
done

now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ------------------------------------------------------------ stage bodies
stage_setup() {
	local ok=1 f c
	for f in build/sysroot/musl/.built build/sysroot/host/.built build/sysroot/kinc/linux/netlink.h \
		tests/peers/k8s/node_modules/kubernetes-models/package.json; do
		[ -e "$f" ] || { echo "missing: $f"; ok=0; }
	done
	for c in musl-gcc clang clang-format protoc-c node unshare ip jq file /usr/bin/python3; do
		command -v "$c" >/dev/null || { echo "missing command: $c"; ok=0; }
	done
	[ "$(id -u)" = 0 ] || { echo "not root: e2e needs root"; ok=0; }
	[ "$ok" = 1 ] || { echo "run: bash toolchain/setup.sh (as root)"; return 1; }
	echo "vendor libraries (build/sysroot/*/toolchain.lock):"
	grep -h '^source ' build/sysroot/musl/toolchain.lock | sed 's/^source /  /'
	echo "compilers: $(sed -n 's/^cc //p' build/sysroot/musl/toolchain.lock); $(sed -n 's/^cc //p' build/sysroot/host/toolchain.lock)"
}

stage_build() {
	make -j"$JOBS" || return 1
	local what
	what=$(file -b build/dranet) || return 1
	echo "build/dranet: $what"
	case "$what" in
	*"statically linked"* | *"static-pie linked"*) ;;
	*)
		echo "build/dranet is not statically linked"
		return 1
		;;
	esac
	ls -l build/dranet build/dranet-* 2>/dev/null | awk '{ print $5, $9, $10, $11 }'
}

# run_scripts LABEL SCRIPT...: each `bash SCRIPT BUILD_DIR` (env O too) is one or more
# tests (its last "N passed, N failed" line, else its exit status); prints the sum as
# "LABEL: N passed, N failed".
run_scripts() {
	local label=$1 p=0 f=0 s out rc line sp sf
	shift
	for s in "$@"; do
		out=$(O="$ROOT/build" bash "$s" "$ROOT/build" 2>&1)
		rc=$?
		printf '%s\n' "$out" | tail -n 30
		line=$(printf '%s\n' "$out" | grep -oE '[0-9]+ passed, [0-9]+ failed' | tail -n1)
		if [ -n "$line" ]; then
			sp=${line%% passed*} sf=${line#*passed, } sf=${sf%% failed*}
		else
			sp=$((rc == 0)) sf=$((rc != 0))
		fi
		[ "$rc" = 0 ] || [ "$sf" -gt 0 ] || sf=1
		echo "$label $(basename "$s"): $sp passed, $sf failed (exit $rc)"
		p=$((p + sp)) f=$((f + sf))
	done
	echo "$label: $p passed, $f failed"
	[ "$f" = 0 ]
}

stage_schema() {
	local scripts=(tests/schema/*.sh)
	[ -e "${scripts[0]}" ] || return 77
	run_scripts schema "${scripts[@]}"
}

stage_fuzz() {
	local targets=() t secs p=0 f=0 t0 left
	for t in tests/fuzz/fuzz_*.c; do
		[ -e "$t" ] || continue
		t=${t#tests/fuzz/fuzz_}
		targets+=("${t%.c}")
	done
	[ ${#targets[@]} -gt 0 ] || return 77
	# The instrumented library once, in parallel; then what is left of the stage's
	# budget (less ~3 s per target to link and start) is shared, 1..10 s each.
	t0=$(now)
	make --no-print-directory -j"$JOBS" FUZZ=1 build/libfuzzer/libdranet.a || return 1
	left=$(awk -v a="$t0" -v b="$(now)" -v n="${#targets[@]}" -v budget="$FUZZ_BUDGET" \
		'BEGIN { printf "%d", budget - (b - a) - 3 * n }')
	secs=$((left / ${#targets[@]}))
	[ "$secs" -le 10 ] || secs=10
	[ "$secs" -ge 1 ] || secs=1
	echo "library built in $(elapsed "$t0") s; ${#targets[@]} targets, ${secs} s each"
	for t in "${targets[@]}"; do
		t0=$(now)
		if make --no-print-directory fuzz T="$t" SECS="$secs" >"$LOGS/fuzz_$t.log" 2>&1; then
			echo "fuzz $t: ok in $(elapsed "$t0") s ($(grep -m1 -oE 'Done [0-9]+ runs' "$LOGS/fuzz_$t.log" || echo '?'))"
			p=$((p + 1))
		else
			tail -n 40 "$LOGS/fuzz_$t.log"
			echo "fuzz $t: FAILED in $(elapsed "$t0") s (log: $LOGS/fuzz_$t.log; crashers in build/libfuzzer/)"
			f=$((f + 1))
		fi
	done
	echo "fuzz: $p passed, $f failed"
	[ "$f" = 0 ]
}

# ------------------------------------------------------------ the runner
TOTAL_P=0 TOTAL_F=0
SUMMARY=()
STOPPED=""

# stage NAME BUDGET_SECONDS COMMAND...
stage() {
	local name=$1 budget=$2 t0 rc line p f secs result note=""
	shift 2
	case " $STAGES " in *" $name "*) ;; *) return 0 ;; esac
	if [ -n "$STOPPED" ]; then
		SUMMARY+=("$(printf '%-9s %s' "$name" "not run ($STOPPED)")")
		return 0
	fi
	echo "== $name: $*"
	t0=$(now)
	("$@") 2>&1 | tee "$LOGS/$name.log" | sed -u 's/^/  /'
	rc=${PIPESTATUS[0]}
	secs=$(elapsed "$t0")
	if [ "$rc" = 77 ]; then
		result="skipped (nothing to run)"
		p=0 f=0
	else
		line=$(grep -oE '[0-9]+ passed, [0-9]+ failed' "$LOGS/$name.log" | tail -n1)
		if [ -n "$line" ]; then
			p=${line%% passed*} f=${line#*passed, } f=${f%% failed*}
			[ "$rc" = 0 ] || [ "$f" -gt 0 ] || f=$((f + 1))
		elif [ "$rc" = 0 ]; then
			p=1 f=0
		else
			p=0 f=1
		fi
		result="$p passed, $f failed"
		line=$(grep -oE '[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$LOGS/$name.log" | tail -n1)
		[ -z "$line" ] || result="$result, ${line##*failed, }"
	fi
	awk -v s="$secs" -v b="$budget" 'BEGIN { exit !(b > 0 && s > b) }' && note="  OVER BUDGET"
	echo "== $name: $result, exit $rc, ${secs} s (budget ${budget} s)$note"
	SUMMARY+=("$(printf '%-9s %-37s %7s s  / %4s s%s' "$name" "$result" "$secs" "$budget" "$note")")
	TOTAL_P=$((TOTAL_P + p)) TOTAL_F=$((TOTAL_F + f))
	return "$([ "$f" = 0 ] && echo 0 || echo 1)"
}

T_ALL=$(now)
# Budgets in seconds (DESIGN.md "CI time budget"; setup + toolchain, 600 s, run before this).
stage setup 30 stage_setup
stage fmt-check 30 make --no-print-directory fmt-check
stage hdrcheck 60 make --no-print-directory hdrcheck
stage build 120 stage_build || STOPPED="build failed"
stage unit 180 make --no-print-directory -j"$JOBS" test
stage san 240 make --no-print-directory -j"$JOBS" SAN=1 test
stage e2e 480 make --no-print-directory e2e
stage schema 360 stage_schema
stage fuzz 120 stage_fuzz

echo
echo "stage     result                                   time     budget"
printf '%s\n' "${SUMMARY[@]}"
echo "all stages: $(elapsed "$T_ALL") s"
echo "$TOTAL_P passed, $TOTAL_F failed"
[ "$TOTAL_F" = 0 ]
