#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/data/tls/gen.sh DIR: makes the TLS inputs of tests/unit/test_tls.c in
# DIR with the openssl CLI, at test time (no key is ever committed): two CA
# certificates, an RSA client certificate with a traditional "RSA PRIVATE
# KEY", an EC one with both "EC PRIVATE KEY" and PKCS#8 "PRIVATE KEY" forms.
set -eu
cd "$1"
o() { openssl "$@" 2>/dev/null; }
o req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
	-subj /CN=dranet-test-ca -days 2 -addext basicConstraints=critical,CA:TRUE
o req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout ca2.key -out ca2.pem \
	-subj /CN=dranet-test-ca2 -days 2 -addext basicConstraints=critical,CA:TRUE
o req -x509 -newkey rsa:2048 -nodes -keyout client-rsa.p8 -out client-rsa.pem \
	-subj /CN=dranet-test-rsa -days 2
o rsa -in client-rsa.p8 -out client-rsa.key -traditional
o req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout client-ec.p8 \
	-out client-ec.pem -subj /CN=dranet-test-ec -days 2
o ec -in client-ec.p8 -out client-ec.key
