#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/schema/slices.sh [BUILD_DIR]: the ResourceSlice documents lib/inventory
# builds (a 300-device pool from test_slice, 3 slices) against the real
# resource.k8s.io/v1 schema and the API's limits (tests/peers/k8s/validate-slice.mjs).
# Mutated copies (129 devices in one slice, an int attribute as a string, no
# driver, a 65-byte string, a bad device name) must be rejected, so the check can fail. Ends with "N passed, N failed".
set -u
O=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VALIDATE="$ROOT/tests/peers/k8s/validate-slice.mjs"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0
ok() { echo "  ok   $*"; pass=$((pass + 1)); }
bad() { echo "  FAIL $*"; fail=$((fail + 1)); }

if ! TEST_SLICE_DUMP="$TMP/pool.json" "$O/tests/test_slice" || [ ! -s "$TMP/pool.json" ]; then
	bad "generate the 300-device pool with $O/tests/test_slice"
	echo "schema: $pass passed, $fail failed"
	exit 1
fi
if /usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert [len(x["spec"]["devices"]) for x in s] == [128, 128, 44]
assert all(x["spec"]["pool"]["resourceSliceCount"] == 3 for x in s)
' "$TMP/pool.json"; then ok "300 devices -> 3 slices of 128/128/44"; else bad "pool shape"; fi
if out=$(/usr/bin/node "$VALIDATE" "$TMP/pool.json" 2>&1); then
	ok "300-device pool valid against resource.k8s.io/v1 ($(grep -c VALID <<<"$out") documents)"
else
	printf '%s\n' "$out" | head -n 20
	bad "300-device pool rejected"
fi

# mutate NAME PYTHON: apply PYTHON (on s, the list) and expect a rejection.
mutate() {
	/usr/bin/python3 - "$TMP/pool.json" "$TMP/$1.json" "$2" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(s, open(sys.argv[2], "w"))
PY
	if /usr/bin/node "$VALIDATE" "$TMP/$1.json" >/dev/null 2>&1; then
		bad "mutation '$1' was accepted"
	else
		ok "mutation '$1' rejected"
	fi
}
mutate too-many 's[0]["spec"]["devices"] += s[1]["spec"]["devices"][:1]'
mutate int-as-string 's[0]["spec"]["devices"][0]["attributes"]["dra.net/mtu"] = {"int": "1500"}'
mutate no-driver 'del s[2]["spec"]["driver"]'
mutate long-string 's[0]["spec"]["devices"][1]["attributes"]["dra.net/alias"] = {"string": "x" * 65}'
mutate bad-name 's[0]["spec"]["devices"][0]["name"] = "Not_A_Label"'
echo "schema: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
