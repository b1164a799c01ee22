#!/usr/bin/env bash
# Unit tests and fuzz-corpus replay: runs every build/tests/test_* binary and
# replays tests/fuzz/corpus/<target>/ through every build/fuzz/fuzz_<target>.
# Sums the binaries' "N passed, N failed" lines; a replay is one test.
set -u
O=${1:-build}
pass=0 fail=0
for t in "$O"/tests/test_*; do
	[ -x "$t" ] || continue
	out=$("$t" 2>&1); rc=$?
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n1)
	if [ -z "$line" ]; then
		printf '%s\n' "$out" | tail -n 20
		echo "FAIL $(basename "$t"): no result line (exit $rc)"
		fail=$((fail + 1)); continue
	fi
	p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	[ "$f" -eq 0 ] || printf '%s\n' "$out" | grep -v '^[0-9]* passed' | tail -n 40
	printf '  %-28s %s\n' "$(basename "$t")" "$line"
	pass=$((pass + p)); fail=$((fail + f))
done
for z in "$O"/fuzz/fuzz_*; do
	[ -x "$z" ] || continue
	name=$(basename "$z"); name=${name#fuzz_}
	dir=tests/fuzz/corpus/$name
	if [ ! -d "$dir" ] || [ -z "$(ls -A "$dir" 2>/dev/null)" ]; then
		echo "FAIL replay $name: no seed corpus in $dir"
		fail=$((fail + 1)); continue
	fi
	if out=$("$z" "$dir" 2>&1); then
		printf '  %-28s %s\n' "replay $name" "$(printf '%s\n' "$out" | tail -n1)"
		pass=$((pass + 1))
	else
		printf '%s\n' "$out" | tail -n 30
		echo "FAIL replay $name"
		fail=$((fail + 1))
	fi
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
