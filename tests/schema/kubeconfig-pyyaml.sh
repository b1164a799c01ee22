#!/usr/bin/env bash
# Cross-check lib/k8s's kubeconfig reader against PyYAML, an independent YAML
# implementation:
#  1. every fixture of tests/data/kubeconfig/ (kubectl-written, JSON and
#     hand-written), for every context in it and for current-context: the
#     config we decode (test_k8s_config --dump) must equal the one this script
#     derives from PyYAML's safe_load with client-go's rules (relative paths
#     from the file's directory, -data base64, tokenFile over token, exec /
#     auth-provider refused, default ports);
#  2. the YAML tree (test_k8s_config --dump-yaml) of the fixtures and of a
#     list of edge-case documents must equal PyYAML's BaseLoader tree (every
#     scalar a string), and documents outside our subset must be refused with
#     a line:column error, never read differently.
# Usage: tests/schema/kubeconfig-pyyaml.sh [BUILD_DIR]
set -u
O=${1:-build}
case "$O" in /*) ;; *) O=$PWD/$O ;; esac
cd "$(dirname "$0")/../.." || exit 1
bin=$O/tests/test_k8s_config
if [ ! -x "$bin" ]; then
	echo "kubeconfig-pyyaml: $bin is not built"
	echo "0 passed, 1 failed"
	exit 1
fi
if ! /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
	echo "kubeconfig-pyyaml: python3-yaml missing (apt-get install -y python3-yaml)"
	echo "0 passed, 1 failed"
	exit 1
fi
exec /usr/bin/python3 - "$bin" <<'PY'
import base64, glob, json, os, subprocess, sys, tempfile
from urllib.parse import urlsplit
import yaml

binary = sys.argv[1]
fixdir = "tests/data/kubeconfig"
passed = failed = 0


def run(*args):
    out = subprocess.run([binary, *args], capture_output=True, check=True)
    return json.loads(out.stdout)


def named(lst, name):
    hits = [e for e in (lst or []) if (e.get("name") or "") == name]
    return hits[0] if len(hits) == 1 else None


def data_or_file(m, key, d):
    if m.get(key + "-data"):
        return base64.b64decode(m[key + "-data"], validate=True).decode()
    if m.get(key):
        with open(os.path.join(d, m[key])) as f:
            return f.read()
    return None


def expect(path, context):
    """What client-go would use, derived from PyYAML's view; 'error' + a word it must contain."""
    d = os.path.dirname(path)
    with open(path) as f:
        root = yaml.safe_load(f)
    name = context or root.get("current-context") or ""
    if not name:
        return {"error": "current-context"}
    ctx = named(root.get("contexts"), name)
    if ctx is None:
        return {"error": "contexts"}
    c = ctx.get("context") or {}
    cl = named(root.get("clusters"), c.get("cluster") or "")
    if cl is None:
        return {"error": "clusters"}
    u = {}
    if c.get("user"):
        ue = named(root.get("users"), c["user"])
        if ue is None:
            return {"error": "users"}
        u = ue.get("user") or {}
    for bad in ("exec", "auth-provider"):
        if u.get(bad):
            return {"error": bad}
    cluster = cl.get("cluster") or {}
    ca = data_or_file(cluster, "certificate-authority", d)
    insecure = bool(cluster.get("insecure-skip-tls-verify", False))
    url = urlsplit(cluster["server"])
    token, token_file = u.get("token") or None, None
    if u.get("tokenFile"):
        token_file = os.path.join(d, u["tokenFile"])
        with open(token_file) as f:
            token = f.read().strip()
    return {
        "context": name, "cluster": c.get("cluster"), "user": c.get("user") or None,
        "scheme": url.scheme, "host": url.hostname,
        "port": url.port or (443 if url.scheme == "https" else 80),
        "base_path": url.path.rstrip("/"), "ca": ca,
        "cert": data_or_file(u, "client-certificate", d),
        "key": data_or_file(u, "client-key", d),
        "token": token, "token_file": token_file, "insecure": insecure,
        "tls_server_name": cluster.get("tls-server-name") or None,
        "namespace": c.get("namespace") or None,
    }


def check(label, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {label} {detail}")


# 1. decoded configs, every context of every fixture
fixtures = sorted(glob.glob(fixdir + "/*.yaml")) + sorted(glob.glob(fixdir + "/*.json"))
for path in fixtures:
    with open(path) as f:
        root = yaml.safe_load(f)
    for ctx in [None] + [e.get("name") for e in root.get("contexts") or []]:
        want = expect(path, ctx)
        got = run("--dump", path, *([ctx] if ctx else []))
        label = f"{os.path.basename(path)} context={ctx or '(current)'}"
        if "error" in want:
            check(label, "error" in got and want["error"] in got["error"],
                  f"want an error about {want['error']}, got {got}")
        else:
            if got.get("token_file"):
                got["token_file"] = os.path.normpath(got["token_file"])
            if want.get("token_file"):
                want["token_file"] = os.path.normpath(want["token_file"])
            diff = {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}
            check(label, not diff, f"(ours, PyYAML's): {diff}")

# 2. YAML trees against BaseLoader (all scalars strings)
accept = [
    "a: b\n", "a: 'x''y'\n", 'a: "\\t\\\\\\"\\u00e9\\U0001F600\\x41\\N\\_\\L\\P\\/\\e\\0A"\n'.replace("\\0A", "A"),
    "a:\n- 1\n- 2\n", "a:\n  - 1\n  -   2\n", "a:\n  b:\n    c: d\n", "- - a\n  - b\n- c\n",
    "- a: 1\n  b: 2\n- c: 3\n", "a: ~\nb:\nc: null\n", "a: {}\nb: []\n", "'k k': v\n\"k\\tk\": v\n",
    "a: b # c\n# d\ne: f\n", "---\na: b\n...\n", "a: -b\nc: :d\ne: ?f\n", "a: x:y\n",
    "a: https://[::1]:6443/p\n", "a: \"x\\ty\"\n", "a:   spaced    \n", "a: 'x' # c\n",
    "\ufeffa: b\n", "a: b\r\nc: d\r\n", "a:\n-\n  b: c\n-\n", "k: 1.0\nk2: 0x1F\nk3: yes\n",
    "a: \"caf\u00e9 \u2603\"\n", "- 'a'\n- \"b\"\n- c\n",
    '{"a": [1, true, null, "x"], "b": {"c": 1.5e3}}',
    "a: [1, 2]\n", "a: {b: 1}\n", "a: {b: [x, 'y', \"z\"], c: {d: e}}\n", "a: [ ]\nb: { }\n",
    "a: [x, ]\n", "a: {b: , c: 1}\n", '- {"a":1, b: "x y"}\n', "a: [-x, x-y, 'a,b']  # c\n",
    "args: [\"--cluster\", gke, \"--v=2\"]\n",
]
refuse = [
    "a: &x 1\n", "a: *x\n", "a: !!str 1\n", "a: |\n  x\n", "a: >\n  x\n", "a: [1,\n  2]\n",
    "a: [b: c]\n", "a: {b}\n", "a:\n\tb: 1\n", "a: b\n  c\n", "a: 1\na: 2\n", "a: 1\n---\nb: 1\n",
    "a: 'x\n  y'\n", '%YAML 1.2\n---\na: 1\n', "? a\n: b\n", "a: \"\\0\"\n",
]
with tempfile.TemporaryDirectory() as tmp:
    docs = [(p, True) for p in fixtures]
    for i, text in enumerate(accept + refuse):
        p = os.path.join(tmp, f"doc{i}.yaml")
        with open(p, "w", newline="") as f:
            f.write(text)
        docs.append((p, i < len(accept)))
    for p, ok in docs:
        with open(p, "rb") as f:
            raw = f.read()
        got = run("--dump-yaml", p)
        label = os.path.basename(p) if p.startswith(fixdir) else repr(raw.decode())
        if ok:
            # JSON is YAML: BaseLoader reads JSON documents too, scalars as their text.
            want = yaml.load(raw.decode("utf-8-sig"), Loader=yaml.BaseLoader)
            check(label, got == want, f"\n  ours:   {got}\n  PyYAML: {want}")
        else:
            yaml_err = None
            try:
                yaml.load(raw.decode(), Loader=yaml.BaseLoader)
            except yaml.YAMLError as e:
                yaml_err = e
            check(label, isinstance(got, dict) and "error" in got and got["error"][0].isdigit(),
                  f"want a refusal with line:column, got {got} (PyYAML: {yaml_err or 'accepts'})")
print(f"kubeconfig-pyyaml: {passed} passed, {failed} failed")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
