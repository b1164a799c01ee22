#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/grpc/build.sh O: build bench/grpc/main.go (the grpc-go DRA server and
# load client of bench/grpc.sh) into O/bench/grpcgo, offline, the same way as
# tests/peers/kubelet/build-go.sh: Go 1.19 in GOPATH mode over
# /usr/share/gocode (Debian's golang-google-grpc-dev and friends), stubs from
# the kubelet peer's own protos (tests/peers/kubelet/proto). Cached: rebuilt
# only when a source is newer than the binary.
set -euo pipefail
O=$(cd "${1:?usage: build.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
PROTO=$(cd "$HERE/../../tests/peers/kubelet/proto" && pwd)
OUT=$O/bench/grpcgo.d
BIN=$O/bench/grpcgo
mkdir -p "$OUT"
if [ -x "$BIN" ] && [ -z "$(find "$HERE" "$PROTO" -newer "$BIN" -type f | head -n1)" ]; then
	exit 0
fi
export GO111MODULE=off GOPROXY=off GOFLAGS= GOPATH=$OUT/gopath:/usr/share/gocode GOCACHE=$OUT/gocache
rm -rf "$OUT/gopath/src/kpeer" "$OUT/gopath/src/grpcbench"
mkdir -p "$OUT/gopath/src/grpcbench"
protoc -I "$PROTO" --go_out="$OUT/gopath/src" --go-grpc_out="$OUT/gopath/src" "$PROTO/kpeer_dra_v1.proto"
cp "$HERE/main.go" "$OUT/gopath/src/grpcbench/"
(cd "$OUT/gopath/src/grpcbench" && go build -o "$BIN.tmp" .)
mv "$BIN.tmp" "$BIN"
