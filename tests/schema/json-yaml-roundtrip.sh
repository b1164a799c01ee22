#!/usr/bin/env bash
# JSON -> YAML with our printer (test_json --emit-yaml) -> PyYAML safe_load
# must give back exactly the JSON value (types included): every quoting edge
# case of lib/json/print.c as value and as key, numbers, nesting, and
# random strings. Usage: tests/schema/json-yaml-roundtrip.sh [BUILD_DIR]
set -u
O=${1:-build}
bin=$O/tests/test_json
if [ ! -x "$bin" ]; then
	echo "json-yaml-roundtrip: $bin is not built"
	echo "0 passed, 1 failed"
	exit 1
fi
if ! /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
	echo "json-yaml-roundtrip: python3-yaml missing (apt-get install -y python3-yaml)"
	echo "0 passed, 1 failed"
	exit 1
fi
exec /usr/bin/python3 - "$bin" <<'PY'
import json, os, random, subprocess, sys, tempfile
import yaml

binary = sys.argv[1]
edge = ["plain", "with space", "eth0", "dra.net/ifName", "a-b_c", "", " lead", "trail ",
        "  ", "a:b", "a: b", "a:", ":a", "a #b", "#c", "{x}", "[x]", "a,b", "&anchor",
        "*alias", "!tag", "|", ">", "it's", 'say "hi"', "%x", "@x", "`x", "-x", "-", "---",
        "...", "?x", "? x", "true", "False", "TRUE", "yes", "Yes", "YES", "no", "No", "on",
        "On", "off", "OFF", "null", "Null", "NULL", "~", "y", "Y", "n", "N", "123", "-1",
        "+1", "1.5", ".5", "1e3", "1E3", "0o17", "017", "0x1F", "0b101", ".inf", "-.inf",
        ".NaN", "1_000", "1:20:30", "2001-12-14", "2001-12-14t21:59:43.10-05:00",
        "10.0.0.1", "fd00::1/64", "<<", "=", "line\nbreak", "tab\there", "cr\r", "\x01",
        "del\x7f", "back\\slash", 'q\\"', "caf\u00e9", "nel\u0085", "ls\u2028", "ps\u2029",
        "bom\ufeff", "nbsp\u00a0", "emoji\U0001F600", "\u00ff\ufffd", "\ufffe", "a\u0080b",
        "x" * 1001, "k" * 1100, "multi\n\nline\n", "\\n", "'", '"', "a'b\"c",
        "0", "00", "-0", "1e", "e1", "Infinity", "NaN", "nan", "inf"]
numbers = ["0", "-0", "1", "-1", "1500", "9223372036854775807", "-9223372036854775808",
           "123456789012345678901234567890", "1.5", "-0.25", "1e5", "1E-7", "-2.5e+300",
           "3.0", "0.1", "1e300", "5e-324"]

cases = []
for s in edge:
    cases.append(json.dumps({"k": s, s: 1, "l": [s, {"n": s}]}, ensure_ascii=False))
    cases.append(json.dumps(s, ensure_ascii=False))
for n in numbers:
    cases.append('{"n": %s, "l": [%s, [%s]]}' % (n, n, n))
    cases.append(n)
cases += ["{}", "[]", "null", "true", "[[]]", "[{}]", '{"a":{}}', '{"a":[]}',
          '[[1,[2,[3,{"a":[[]]}]]]]', '{"a":[{"b":[{"c":{"d":[1]}}]}]}',
          '[' * 63 + '{}' + ']' * 63]
rng = random.Random(1)
pool = list(" azAZ09-_.:/#{}[],&*!|>'\"%@`?~<=+\\\t\n\r\x01\x1f\x7f") + \
       ["\u00e9", "\u0085", "\u2028", "\u00a0", "\ufeff", "\U0001F600", "\u4e2d"]
for _ in range(400):
    s = "".join(rng.choice(pool) for _ in range(rng.randint(0, 12)))
    cases.append(json.dumps({s: [s, {"v": s}], "x": s}, ensure_ascii=False))

def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b

passed = failed = 0
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "in.json")
    for text in cases:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        want = json.loads(text)
        r = subprocess.run([binary, "--emit-yaml", path], capture_output=True)
        try:
            got = yaml.safe_load(r.stdout.decode("utf-8")) if r.returncode == 0 else None
            ok = r.returncode == 0 and same(want, got)
        except yaml.YAMLError as e:
            ok, got = False, "YAML error: %s" % e
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL %r\n  yaml: %r\n  got: %r %s" % (text[:200], r.stdout[:300], got,
                  r.stderr.decode(errors="replace")))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
