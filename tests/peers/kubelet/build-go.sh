#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# build-go.sh O: build the grpc-go kubelet stand-in into O/peers/kubelet/kubeletgo,
# offline, from Debian packages only (reference/peers.md §2): Go 1.19 in GOPATH
# mode over /usr/share/gocode (golang-google-grpc-dev, golang-google-protobuf-dev,
# golang-github-golang-protobuf-1-5-dev), stubs from the peer's own protos by
# protoc + protoc-gen-go + protoc-gen-go-grpc. Cached: rebuilt only when a
# source is newer than the binary (first build ~10 s, then nothing).
set -euo pipefail
O=$(cd "${1:?usage: build-go.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$O/peers/kubelet
BIN=$OUT/kubeletgo
mkdir -p "$OUT"
if [ -x "$BIN" ] && [ -z "$(find "$HERE/go" "$HERE/proto" "$0" -newer "$BIN" -type f | head -n1)" ]; then
	exit 0
fi
export GO111MODULE=off GOPROXY=off GOFLAGS= GOPATH=$OUT/gopath:/usr/share/gocode GOCACHE=$OUT/gocache
rm -rf "$OUT/gopath/src/kpeer"
mkdir -p "$OUT/gopath/src"
protoc -I "$HERE/proto" --go_out="$OUT/gopath/src" --go-grpc_out="$OUT/gopath/src" \
	"$HERE/proto/kpeer_reg.proto" "$HERE/proto/kpeer_dra_v1.proto" "$HERE/proto/kpeer_dra_v1beta1.proto"
(cd "$HERE/go" && go build -o "$BIN.tmp" .)
mv "$BIN.tmp" "$BIN"
