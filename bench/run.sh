#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/run.sh [BUILD_DIR]: every benchmark (called by `make bench`). They print
# figures and ratios; they are not tests and do not fail on a slow result.
set -u
O=${1:-build}
cd "$(dirname "$0")/.."
rc=0
for b in bench/discover.sh bench/attach.sh bench/driver.sh bench/grpc.sh; do
	echo "== $b"
	bash "$b" "$O" || rc=1
done
exit $rc
