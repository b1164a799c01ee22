#!/usr/bin/env bash
# toolchain/setup.sh: everything this project needs, on a fresh Debian 12, as root.
#
#   1. the bookworm-backports source (/etc/apt/sources.list.d/dranet-backports.sources;
#      nothing is installed from it unless asked for with -t bookworm-backports)
#   2. apt-get update + the Debian packages below (only when one is missing)
#   3. npm kubernetes-models (the exact version in tests/peers/k8s/package.json)
#   4. toolchain/build.sh musl and toolchain/build.sh host (cached after the first run)
#
# Idempotent: a second run installs nothing, fetches nothing, and takes seconds.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

ROOT=$(cd "$(dirname "$0")/.." && pwd)
T0=$(date +%s)
say() { printf 'setup: %s\n' "$*"; }
die() {
	printf 'setup: error: %s\n' "$*" >&2
	exit 1
}
[ "$(id -u)" = 0 ] || die "run as root (it installs Debian packages)"

# Debian packages, with what they are for.
PACKAGES=(
	build-essential      # gcc, make, ar: the host build
	musl-tools musl-dev  # musl-gcc: the static binary
	clang llvm lld       # SAN=1 build, libFuzzer, llvm tools
	libclang-rt-14-dev   # ASan/UBSan/libFuzzer runtimes for clang 14
	clang-format         # make fmt-check
	dpkg-dev             # apt-get source / dpkg-source (toolchain/build.sh)
	xz-utils bzip2       # unpacking Debian source tarballs
	ca-certificates      # npm registry over https
	openssl              # the openssl CLI: test certificates (test_tls, e2e 40-http-tls)
	linux-libc-dev       # kernel uapi headers (build/sysroot/kinc)
	zlib1g-dev           # host zlib headers
	protobuf-c-compiler  # protoc-c: proto/ -> build/gen/
	pci.ids              # PCI names table, compiled in at build time
	python3              # /usr/bin/python3: generators, test peers
	python3-yaml         # tests/schema: YAML output parsed back by a real YAML reader
	iproute2 ethtool     # e2e oracles (ip -j)
	util-linux procps    # unshare (e2e), ps/pgrep
	valgrind             # callgrind instruction counts (bench)
	jq git file          # tests/ci.sh, e2e asserts, `file` says statically linked
	dnsmasq-base         # e2e 22-dhcp: the DHCP server (binary only, no service)
	curl                 # a second, independent client of the API server peer (e2e 45)
	python3-h2           # e2e 50-h2 and 55: an independent HTTP/2 client (and python3-hpack: make regen)
	containernetworking-plugins # bench/attach.sh: the host-device CNI plugin
	# The kubelet stand-ins (tests/peers/kubelet, e2e 55-56), reference/peers.md §1-2:
	python3-grpcio python3-grpc-tools # grpcio client + protoc for the peer's own protos
	protobuf-compiler protoc-gen-go protoc-gen-go-grpc # protoc and the Go stub generators
	golang-go golang-google-grpc-dev golang-google-protobuf-dev # grpc-go, GOPATH mode, offline
	golang-github-golang-protobuf-1-5-dev # APIv2-compatible github.com/golang/protobuf (1-3 panics)
)
# From bookworm-backports, one package each ("pkg/bookworm-backports": never -t, which
# also upgraded linux-libc-dev and linux-perf to 6.12 and would hide the 6.1 headers
# that lib/nl/kcompat.h is written against).
BPO_PACKAGES=(
	bpftool              # 7.5: `bpftool net attach tcx_ingress` (Debian 12's 7.1 cannot), e2e 21
)

# ------------------------------------------------------------ apt sources
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ "$codename" = bookworm ] || say "warning: written for Debian 12 (bookworm), this is '${codename:-unknown}'"
BPO=/etc/apt/sources.list.d/dranet-backports.sources
bpo_entry="# Written by dranet toolchain/setup.sh (install from it only with -t ${codename}-backports).
Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: ${codename}-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
sources_changed=0
if [ "$(cat "$BPO" 2>/dev/null)" != "$bpo_entry" ]; then
	printf '%s\n' "$bpo_entry" >"$BPO"
	say "wrote $BPO"
	sources_changed=1
fi

# ------------------------------------------------------------ Debian packages
installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }
missing=()
for p in "${PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
from_bpo() { installed "$1" && dpkg-query -W -f='${Version}' "$1" | grep -q '~bpo'; }
for p in "${BPO_PACKAGES[@]}"; do from_bpo "$p" || missing+=("$p/${codename}-backports"); done
# Node.js + npm: keep whatever node is there (it may be a newer one than Debian's).
if ! command -v node >/dev/null; then
	missing+=(nodejs npm)
elif ! command -v npm >/dev/null; then
	# Debian's npm depends on Debian's nodejs: only add it to Debian's own node.
	if installed nodejs && ! dpkg-query -W -f='${Version}' nodejs | grep -q nodesource; then
		missing+=(npm)
	else
		die "node $(node --version) is here without npm; Debian's npm would replace that node: install npm for it"
	fi
fi

if [ "${#missing[@]}" -gt 0 ] || [ "$sources_changed" = 1 ]; then
	t=$(date +%s)
	say "apt-get update"
	apt-get update -qq
	if [ "${#missing[@]}" -gt 0 ]; then
		say "apt-get install ${missing[*]}"
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
	say "apt done in $(($(date +%s) - t)) s"
else
	say "all ${#PACKAGES[@]} Debian packages present, node $(node --version), npm $(npm --version)"
fi
for c in musl-gcc clang clang-format protoc-c node npm unshare ip jq file bpftool dnsmasq /usr/bin/python3; do
	command -v "$c" >/dev/null || die "$c still missing after apt-get install"
done

# ------------------------------------------------------------ npm peers (tests/peers/k8s)
K8S="$ROOT/tests/peers/k8s"
want=$(node -e 'console.log(require(process.argv[1]).dependencies["kubernetes-models"])' "$K8S/package.json")
have=$(node -e 'try { console.log(require(process.argv[1]).version) } catch (e) { console.log("") }' \
	"$K8S/node_modules/kubernetes-models/package.json")
if [ "$have" = "$want" ]; then
	say "npm kubernetes-models $have present"
else
	t=$(date +%s)
	say "npm install kubernetes-models@$want in tests/peers/k8s"
	# npm trusts only its own CA list; also trust the system's (a proxy's CA may be there).
	ca=/etc/ssl/certs/ca-certificates.crt
	(cd "$K8S" && NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS:-$([ -f $ca ] && echo $ca)} \
		npm install --no-audit --no-fund --loglevel=error)
	say "npm done in $(($(date +%s) - t)) s"
fi

# ------------------------------------------------------------ vendor libraries
bash "$ROOT/toolchain/build.sh" musl
bash "$ROOT/toolchain/build.sh" host

say "done in $(($(date +%s) - T0)) s"
