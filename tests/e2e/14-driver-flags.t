#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# dranet-driver (and `dranet` with only flags): every upstream flag is parsed
# and checked; good flags start the daemon (inventory done, the kubelet
# plugin's sockets listening: it logs that it waits for the kubelet's
# registration; SIGTERM ends it with 0 and removes the sockets), bad values
# are usage errors (exit 2 with the reason), a kubeconfig that cannot be used
# is a runtime failure (exit 1). The kubelet sockets go under $TMP
# (--kubelet-root-dir), never /var/lib/kubelet.
set -eu
DRANET=${DRANET:-build/dranet}
DRANET=$(readlink -f "$DRANET")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; fails=$((fails + 1)); }
# run WANT_STDERR_PATTERN DESC ARGS...: exit must be 2 and stderr match
run() {
	local pat=$1 desc=$2 rc=0
	shift 2
	"$DRANET" "$@" >/dev/null 2>"$TMP/e" || rc=$?
	if [ "$rc" -eq 2 ] && grep -q -- "$pat" "$TMP/e"; then ok "$desc"; else
		bad "$desc: exit $rc"; sed 's/^/#   /' "$TMP/e" | head -n 5
	fi
}
# starts DESC ARGS...: the driver starts (within 10 s: inventory done, the
# kubelet sockets listening) and SIGTERM ends it with 0, sockets removed.
# --kubelet-root-dir $TMP/kubelet comes last (ARGS may name other dirs).
starts() {
	local desc=$1 pid rc=0 reg
	shift
	"$DRANET" "$@" --kubelet-root-dir "$TMP/kubelet" >/dev/null 2>"$TMP/e" &
	pid=$!
	for _ in $(seq 100); do
		grep -q 'waiting for the kubelet to register' "$TMP/e" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	reg=$(sed -n 's/.*msg="kubelet plugin listening" registration=\([^ ]*\) .*/\1/p' "$TMP/e")
	[ -S "$reg" ] || { bad "$desc: no registration socket at '$reg'"; sed 's/^/#   /' "$TMP/e" | head -n 5; }
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" || rc=$?
	if [ "$rc" -eq 0 ] && grep -q 'waiting for the kubelet to register' "$TMP/e" && [ -n "$reg" ] && [ ! -e "$reg" ]; then
		ok "$desc"
	else
		bad "$desc: exit $rc"; sed 's/^/#   /' "$TMP/e" | head -n 5
	fi
}
KC=$(readlink -f tests/data/kubeconfig/kind.yaml)
starts "upstream DaemonSet command line" --v=4 --hostname-override=node-a
grep -q 'nothing is published' "$TMP/e" && ok "says nothing is published without an API server" || bad "no word on publishing"
grep -q "registration=$TMP/kubelet/plugins_registry/dra.net-reg.sock dra=$TMP/kubelet/plugins/dra.net/dra.sock" "$TMP/e" &&
	ok "sockets under --kubelet-root-dir" || bad "socket paths: $(grep 'plugin listening' "$TMP/e")"
starts "every upstream flag, Go syntax" -kubeconfig="$KC" -bind-address=:9177 \
	-hostname-override=n -filter='attributes["dra.net/virtual"].BoolValue == false' \
	-inventory-min-poll-interval=2s -inventory-max-poll-interval=1m30s \
	-inventory-poll-burst=5 -v=4 -db-path= -move-ib-interfaces=false \
	-cloud-provider-hint=GCE -profile-provider=none -webhook-url=unix:///run/w.sock \
	-kubelet-registry-dir="$TMP/reg" -kubelet-plugins-dir="$TMP/plug" -feature-gates=DRAListTypeAttributes=true,PersistentResourceSliceAttributes=false \
	-state-dir=/tmp/s -nri-socket=/run/nri.sock
grep -q "registration=$TMP/reg/dra.net-reg.sock dra=$TMP/plug/dra.net/dra.sock" "$TMP/e" &&
	ok "--kubelet-registry-dir and --kubelet-plugins-dir win over the root" ||
	bad "socket paths: $(grep 'plugin listening' "$TMP/e")"
starts "GNU syntax" driver --bind-address '[::]:9177' --inventory-poll-burst 3 --move-ib-interfaces
starts "dranet-driver name" dranet-driver --cloud-provider-hint=
starts "klog flag accepted" --logtostderr=false --vmodule=x=2
grep -q klog "$TMP/e" && ok "klog flag warned" || bad "no klog warning"
run "unrecognized feature gate" "unknown feature gate" --feature-gates=Bogus=true
run "missing bool value" "gate without value" --feature-gates=DRAListTypeAttributes
run "invalid value" "gate with bad bool" --feature-gates=DRAListTypeAttributes=yes
starts "AllAlpha" --feature-gates=AllAlpha=true
run "bind-address" "bad bind address" --bind-address=9177
run "bind-address" "unbracketed IPv6" --bind-address=::1:9177
run "cloud-provider-hint" "hint is case-sensitive" --cloud-provider-hint=gce
run "profile-provider" "bad profile provider" --profile-provider=aws
run "webhook-url" "webhook provider needs a URL" --profile-provider=webhook
run "webhook-url" "bad webhook URL" --webhook-url=ftp://x
run "not a duration" "bad duration" --inventory-min-poll-interval=2
run "not a count" "bad burst" --inventory-poll-burst=-1
run "\^" "bad filter shows a caret" --filter='attributes["x"].StringValue =='
run "empty hostname" "blank hostname" --hostname-override='  '
run "usage" "unknown flag" --no-such-flag
run "absolute path" "relative kubelet root" --kubelet-root-dir=var/lib/kubelet
run "absolute path" "relative registry dir" --kubelet-registry-dir=
run "absolute path" "relative plugins dir" --kubelet-plugins-dir=./p
rc=0
"$DRANET" --kubeconfig=/nonexistent/kubeconfig >/dev/null 2>"$TMP/e" || rc=$?
if [ "$rc" -eq 1 ] && grep -q 'kubeconfig unusable' "$TMP/e"; then ok "missing kubeconfig: exit 1"; else
	bad "missing kubeconfig: exit $rc"; sed 's/^/#   /' "$TMP/e" | head -n 5
fi
[ "$fails" -eq 0 ]
