#!/usr/bin/env bash
# toolchain/build.sh FLAVOUR: the vendor libraries from Debian's own sources.
#
#   FLAVOUR musl   musl-gcc, static, -isystem build/sysroot/kinc (the `make` build)
#   FLAVOUR host   clang -O1 -g -fPIC (the `make SAN=1` build)
#
# Builds BearSSL, cJSON (-DCJSON_NESTING_LIMIT=64), protobuf-c (runtime only) and zlib
# into build/sysroot/FLAVOUR/{include,lib}, from sources fetched with `apt-get source`
# (Debian's patches applied by dpkg-source). It adds its own deb-src entries
# (/etc/apt/sources.list.d/dranet-src.sources) and runs `apt-get update` when they
# are new or the index lacks a package. It takes the newest version Debian serves
# (backports excluded) whose source downloads, and says so when it falls back to an
# older one. Sources are cached in build/toolchain/src/ (a second run fetches nothing;
# a version that failed to download is remembered there, rm -r that folder to retry),
# unpacked and built per flavour in build/toolchain/FLAVOUR/. Versions and SHA-256 of
# every source file (checked against the .dsc, and the .dsc against apt's signed
# index) go to build/sysroot/FLAVOUR/toolchain.lock, which is printed. A small program
# linking all four libraries must build and run, else this fails. The stamp
# build/sysroot/FLAVOUR/.built is written last.
set -euo pipefail

FLAVOUR=${1:-}
case "$FLAVOUR" in
musl | host) ;;
*)
	echo "usage: toolchain/build.sh musl|host" >&2
	exit 2
	;;
esac

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCRIPT="$ROOT/toolchain/build.sh"
TC="$ROOT/build/toolchain"
SRC="$TC/src"
WORK="$TC/$FLAVOUR"
SYSROOT="$ROOT/build/sysroot/$FLAVOUR"
KINC="$ROOT/build/sysroot/kinc"
PKGS="cjson bearssl protobuf-c zlib"
SRC_LIST=/etc/apt/sources.list.d/dranet-src.sources
JOBS=$(nproc 2>/dev/null || echo 2)
T0=$(date +%s)

say() { printf 'toolchain[%s]: %s\n' "$FLAVOUR" "$*"; }
die() {
	printf 'toolchain[%s]: error: %s\n' "$FLAVOUR" "$*" >&2
	exit 1
}

mkdir -p "$SRC" "$WORK" "$ROOT/build/sysroot"
# One build at a time (make and make SAN=1 may both want the toolchain).
exec 9>"$TC/.lock"
flock 9

# ------------------------------------------------------------ kernel headers for musl-gcc
# musl-gcc uses -nostdinc: give it the kernel's uapi headers, never /usr/include itself.
multiarch=$(gcc -print-multiarch 2>/dev/null || true)
[ -n "$multiarch" ] || multiarch="$(uname -m)-linux-gnu"
mkdir -p "$KINC"
for pair in linux:/usr/include/linux asm-generic:/usr/include/asm-generic \
	"asm:/usr/include/$multiarch/asm"; do
	name=${pair%%:*} target=${pair#*:}
	[ -d "$target" ] || die "$target missing (install linux-libc-dev: toolchain/setup.sh)"
	[ "$(readlink "$KINC/$name" 2>/dev/null)" = "$target" ] || ln -sfn "$target" "$KINC/$name"
done

# ------------------------------------------------------------ compilers and flags
case "$FLAVOUR" in
musl)
	CC=musl-gcc
	CFLAGS="-O2 -fPIC -ffunction-sections -fdata-sections -isystem $KINC"
	CHECK_LDFLAGS=-static
	;;
host)
	CC=clang
	CFLAGS="-O1 -g -fPIC"
	CHECK_LDFLAGS=
	;;
esac
command -v "$CC" >/dev/null || die "$CC not found (run toolchain/setup.sh as root)"
for tool in apt-get apt-cache dpkg-source sha256sum ar make; do
	command -v "$tool" >/dev/null || die "$tool not found (run toolchain/setup.sh as root)"
done
CC_ID="$CC: $("$CC" --version 2>/dev/null | head -n1)"
[ "$FLAVOUR" = musl ] && CC_ID="$CC_ID, musl $(dpkg-query -W -f='${Version}' musl-dev 2>/dev/null || echo '?')"
# Anything that changes what we build invalidates the per-package stamps.
BUILD_ID=$( (sha256sum "$SCRIPT" | cut -c1-64; echo "$CC_ID $CFLAGS") | sha256sum | cut -c1-16)

# ------------------------------------------------------------ apt: deb-src entries
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$codename" ] || die "cannot tell the Debian codename from /etc/os-release"
src_entry="# Written by dranet toolchain/build.sh: Debian sources of the vendor libraries.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename $codename-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: $codename-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"

updated=0
apt_update() {
	[ "$(id -u)" = 0 ] || die "apt-get update needed for deb-src indexes, but not root (run toolchain/setup.sh as root)"
	say "apt-get update (deb-src indexes)"
	apt-get update -qq || die "apt-get update failed"
	updated=1
}
if [ "$(cat "$SRC_LIST" 2>/dev/null)" != "$src_entry" ]; then
	[ "$(id -u)" = 0 ] || die "$SRC_LIST missing or stale, and not root (run toolchain/setup.sh as root)"
	printf '%s\n' "$src_entry" >"$SRC_LIST"
	say "wrote $SRC_LIST"
	apt_update
fi

# Source versions apt knows for PKG, newest first, without backports (~bpo).
versions() {
	apt-cache showsrc --only-source "$1" 2>/dev/null | sed -n 's/^Version: //p' | grep -v '~bpo' |
		sort -u | {
		local v sorted=() i j
		while read -r v; do sorted+=("$v"); done
		for ((i = 1; i < ${#sorted[@]}; i++)); do
			for ((j = i; j > 0; j--)); do
				dpkg --compare-versions "${sorted[j]}" gt "${sorted[j - 1]}" || break
				v=${sorted[j]} sorted[j]=${sorted[j - 1]} sorted[j - 1]=$v
			done
		done
		for v in ${sorted[@]+"${sorted[@]}"}; do echo "$v"; done
	}
}

# The .dsc's "Checksums-Sha256:" block as "sha256 name" lines.
dsc_sums() {
	awk '/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 } on && NF == 3 { print $1, $3 }' "$1"
}

# The SHA-256 that apt's (signed) Sources index gives for FILE of PKG=VER, if any.
index_sum() {
	apt-cache showsrc --only-source "$1" 2>/dev/null | awk -v ver="$2" -v file="$3" '
		/^Package:/ { inpkg = 0 } /^Version:/ { inpkg = ($2 == ver) }
		/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 }
		inpkg && on && $3 == file { print $1; exit }'
}

# 0 if every file of DSC is in its folder with the .dsc's checksum; dies on a mismatch.
verify_dsc() {
	local dsc=$1 pkg=$2 ver=$3 dir sum name got want
	dir=$(dirname "$dsc")
	want=$(index_sum "$pkg" "$ver" "$(basename "$dsc")")
	if [ -n "$want" ]; then
		got=$(sha256sum "$dsc" | cut -c1-64)
		[ "$got" = "$want" ] || die "$(basename "$dsc"): SHA-256 $got, apt's index says $want"
	fi
	[ -n "$(dsc_sums "$dsc")" ] || die "$(basename "$dsc"): no Checksums-Sha256"
	while read -r sum name; do
		[ -f "$dir/$name" ] || return 1
		got=$(sha256sum "$dir/$name" | cut -c1-64)
		[ "$got" = "$sum" ] || die "$name: SHA-256 $got does not match its .dsc ($sum)"
	done < <(dsc_sums "$dsc")
	return 0
}

# fetch PKG: sets VER, DSC and NOTE to the newest downloadable (or cached) version.
fetch() {
	local pkg=$1 cache="$SRC/$1" v dsc newest="" skipped="" tries
	mkdir -p "$cache"
	for tries in 1 2; do
		local list
		list=$(versions "$pkg")
		if [ -z "$list" ] && [ "$updated" = 0 ]; then
			apt_update
			list=$(versions "$pkg")
		fi
		[ -n "$list" ] || die "apt knows no source package $pkg"
		newest=$(head -n1 <<<"$list")
		skipped=""
		for v in $list; do
			dsc="$cache/${pkg}_${v#*:}.dsc"
			if [ -f "$dsc" ] && verify_dsc "$dsc" "$pkg" "$v"; then
				say "$pkg $v: cached"
			elif [ -f "$cache/.unavailable-$v" ]; then
				skipped="$skipped $v"
				continue
			else
				say "$pkg $v: apt-get source --download-only"
				if ! (cd "$cache" && apt-get source -qq --download-only "$pkg=$v") >"$cache/.log" 2>&1; then
					sed 's/^/    /' "$cache/.log" | tail -n 5
					say "$pkg $v: source does not download; trying an older version"
					: >"$cache/.unavailable-$v"
					skipped="$skipped $v"
					continue
				fi
				[ -f "$dsc" ] && verify_dsc "$dsc" "$pkg" "$v" || die "$pkg $v: downloaded, but files are missing"
			fi
			VER=$v DSC=$dsc NOTE=""
			if [ "$v" != "$newest" ]; then
				NOTE="fallback: the source of${skipped} does not download"
				say "$pkg: building $v, NOT the newest Debian version ($newest): source not downloadable"
			fi
			return 0
		done
		# Nothing downloads: the index may be stale. Refresh once and retry everything.
		[ "$updated" = 0 ] || break
		rm -f "$cache"/.unavailable-*
		apt_update
	done
	die "no version of $pkg whose source downloads (tried: $(tr '\n' ' ' <<<"$list"))"
}

# ------------------------------------------------------------ per-package builds
inc="$SYSROOT/include" lib="$SYSROOT/lib"

build_cjson() {
	$CC $CFLAGS -DCJSON_NESTING_LIMIT=64 -c cJSON.c -o cJSON.o
	rm -f libcjson.a && ar rcs libcjson.a cJSON.o
	install -m 644 cJSON.h "$inc/"
	install -m 644 libcjson.a "$lib/"
}

build_bearssl() {
	make -s -j"$JOBS" CONF=Unix CC="$CC" LD="$CC" LDDLL="$CC" CFLAGS="$CFLAGS" lib
	install -m 644 inc/bearssl*.h "$inc/"
	install -m 644 build/libbearssl.a "$lib/"
}

build_protobuf_c() {
	$CC $CFLAGS -I. -c protobuf-c/protobuf-c.c -o protobuf-c.o
	rm -f libprotobuf-c.a && ar rcs libprotobuf-c.a protobuf-c.o
	mkdir -p "$inc/protobuf-c"
	install -m 644 protobuf-c/protobuf-c.h "$inc/protobuf-c/"
	install -m 644 libprotobuf-c.a "$lib/"
}

build_zlib() {
	CC="$CC" CFLAGS="$CFLAGS" ./configure --static --prefix=/nonexistent >configure.log 2>&1 ||
		{ tail -n 20 configure.log; return 1; }
	make -s -j"$JOBS" libz.a
	install -m 644 zlib.h zconf.h "$inc/"
	install -m 644 libz.a "$lib/"
}

outputs_of() {
	case "$1" in
	cjson) echo "include/cJSON.h lib/libcjson.a" ;;
	bearssl) echo "include/bearssl.h lib/libbearssl.a" ;;
	protobuf-c) echo "include/protobuf-c/protobuf-c.h lib/libprotobuf-c.a" ;;
	zlib) echo "include/zlib.h include/zconf.h lib/libz.a" ;;
	esac
}

rm -f "$SYSROOT/.built"
mkdir -p "$inc" "$lib"
LOCK_BODY=""
for pkg in $PKGS; do
	fetch "$pkg"
	stamp="$WORK/$pkg.done"
	want_stamp="$VER $BUILD_ID"
	present=1
	for f in $(outputs_of "$pkg"); do [ -f "$SYSROOT/$f" ] || present=0; done
	if [ "$present" = 1 ] && [ "$(head -n1 "$stamp" 2>/dev/null)" = "$want_stamp" ]; then
		say "$pkg $VER: up to date"
	else
		t=$(date +%s)
		dir="$WORK/$pkg-${VER#*:}"
		rm -rf "$dir" "$stamp"
		dpkg-source -q -x "$DSC" "$dir" >"$WORK/$pkg.unpack.log" 2>&1 ||
			{ cat "$WORK/$pkg.unpack.log"; die "$pkg: dpkg-source -x failed"; }
		(cd "$dir" && "build_${pkg//-/_}") >"$WORK/$pkg.build.log" 2>&1 ||
			{ tail -n 40 "$WORK/$pkg.build.log"; die "$pkg $VER: build failed (log: $WORK/$pkg.build.log)"; }
		say "$pkg $VER: built in $(($(date +%s) - t)) s"
		printf '%s\n' "$want_stamp" >"$stamp"
	fi
	LOCK_BODY+="source $pkg $VER${NOTE:+  ($NOTE)}"$'\n'
	while read -r sum name; do
		LOCK_BODY+="  sha256 $sum  $name"$'\n'
	done < <(
		printf '%s %s\n' "$(sha256sum "$DSC" | cut -c1-64)" "$(basename "$DSC")"
		dsc_sums "$DSC"
	)
done

# ------------------------------------------------------------ check: all four link and run
cat >"$WORK/check.c" <<'EOF'
/* toolchain/build.sh check: the four vendor libraries link and work. */
#include <stdio.h>
#include <string.h>

#include <bearssl.h>
#include <cJSON.h>
#include <protobuf-c/protobuf-c.h>
#include <zlib.h>

static int nested_ok(int depth)
{
	char buf[512];
	int i;
	for (i = 0; i < depth; i++)
		buf[i] = '[';
	for (i = 0; i < depth; i++)
		buf[depth + i] = ']';
	buf[2 * depth] = 0;
	cJSON *j = cJSON_Parse(buf);
	cJSON_Delete(j);
	return j != NULL;
}

int main(void)
{
	static const unsigned char abc_sha256[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	unsigned char out[32], z[128], back[64];
	uLongf zlen = sizeof z, blen = sizeof back;
	br_sha256_context c;
	const char *msg = "dranet toolchain check";
	cJSON *j;

	j = cJSON_Parse("{\"a\":[1,2,3]}");
	if (!j || cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "a")) != 3)
		return puts("check: cJSON_Parse failed"), 1;
	cJSON_Delete(j);
	if (!nested_ok(64) || nested_ok(65))
		return puts("check: cJSON nesting limit is not 64"), 1;

	br_sha256_init(&c);
	br_sha256_update(&c, "abc", 3);
	br_sha256_out(&c, out);
	if (memcmp(out, abc_sha256, 32) != 0)
		return puts("check: BearSSL SHA-256 of \"abc\" is wrong"), 1;

	if (strcmp(zlibVersion(), ZLIB_VERSION) != 0)
		return puts("check: zlibVersion() differs from zlib.h"), 1;
	if (compress(z, &zlen, (const Bytef *)msg, strlen(msg) + 1) != Z_OK ||
	    uncompress(back, &blen, z, zlen) != Z_OK || strcmp((char *)back, msg) != 0)
		return puts("check: zlib round trip failed"), 1;

	if (protobuf_c_version_number() != PROTOBUF_C_VERSION_NUMBER)
		return puts("check: protobuf-c version differs from its header"), 1;

	printf("check: ok (cJSON %s nesting limit 64, zlib %s, protobuf-c %s, BearSSL SHA-256)\n",
	       cJSON_Version(), zlibVersion(), protobuf_c_version());
	return 0;
}
EOF
check_cflags="-std=c11 -Wall -Wextra -Werror -isystem $inc"
[ "$FLAVOUR" = musl ] && check_cflags="$check_cflags -isystem $KINC"
# shellcheck disable=SC2086
$CC $check_cflags $CHECK_LDFLAGS -o "$WORK/check" "$WORK/check.c" -L"$lib" \
	-lbearssl -lcjson -lprotobuf-c -lz || die "the check program does not build"
if [ "$FLAVOUR" = musl ]; then
	file -b "$WORK/check" | grep -q 'statically linked' || die "check program is not static: $(file -b "$WORK/check")"
fi
out=$("$WORK/check") || die "the check program failed: $out"
say "$out"

# ------------------------------------------------------------ lock file, then the stamp
{
	echo "# build/sysroot/$FLAVOUR/toolchain.lock: written by toolchain/build.sh; what was built."
	echo "flavour $FLAVOUR"
	echo "cc $CC_ID"
	echo "cflags $CFLAGS${CFLAGS:+ }(cJSON also -DCJSON_NESTING_LIMIT=64)"
	printf '%s' "$LOCK_BODY"
} >"$SYSROOT/toolchain.lock"
cat "$SYSROOT/toolchain.lock"
date -u +%Y-%m-%dT%H:%M:%SZ >"$SYSROOT/.built"
say "done in $(($(date +%s) - T0)) s: $SYSROOT"
