#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/peers/k8s/mkcerts.sh DIR [USER[=GROUP,GROUP...]]...: test-only PKI for the API server peer,
# made with the openssl CLI at test time (nothing here is ever committed).
#
#   DIR/ca.crt ca.key              the cluster CA
#   DIR/server.crt server.key      the API server: CN kube-apiserver, SANs IP 127.0.0.1, IP ::1,
#                                  DNS localhost, DNS kubernetes.default.svc
#   DIR/admin.crt admin.key        client cert CN=admin O=system:masters (bypasses RBAC)
#   DIR/<user>.crt <user>.key      one client cert per USER argument: CN=USER, O=each GROUP
#                                  (file name: USER with ':' and '/' turned into '_')
#   DIR/expired.crt expired.key    a server cert (same SANs, same CA) valid 2020-01-01..2020-01-02
#   DIR/other-ca.crt other-ca.key  an unrelated CA, and DIR/other.crt/.key a server cert it signed
#
# Files already present are kept (a restarted peer keeps its CA); a lock (DIR/.lock) lets
# peers started together share DIR. Keys are ECDSA P-256 (fast
# to make); KEY=rsa makes RSA 2048 keys, as kubeadm does.
set -eu
DIR=${1:?usage: mkcerts.sh DIR [USER[=GROUP,...]]...}
shift
mkdir -p "$DIR"
cd "$DIR"
# Several peers may start at once on one DIR: one makes the files, the others wait.
exec 9>"$DIR/.lock"
flock 9
KEY=${KEY:-ec}
SAN="IP:127.0.0.1,IP:::1,DNS:localhost,DNS:kubernetes.default.svc"

newkey() { # newkey FILE
	[ -f "$1" ] && return 0
	if [ "$KEY" = ec ]; then
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
	else
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null
	fi
	chmod 600 "$1"
}

ca() { # ca NAME CN
	[ -f "$1.crt" ] && return 0
	newkey "$1.key"
	openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 3650 -sha256 \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
		-out "$1.crt" 2>/dev/null
}

# sign NAME CA SUBJ EXTFILE-CONTENT [DAYS]
sign() {
	[ -f "$1.crt" ] && return 0
	newkey "$1.key"
	printf '%s\n' "$4" >"$1.ext"
	openssl req -new -key "$1.key" -subj "$3" -out "$1.csr" 2>/dev/null
	openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial \
		-days "${5:-825}" -sha256 -extfile "$1.ext" -out "$1.crt" 2>/dev/null
	rm -f "$1.csr" "$1.ext"
}

SERVER_EXT="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$SAN"
CLIENT_EXT="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"

ca ca kubernetes-ca
sign server ca "/CN=kube-apiserver" "$SERVER_EXT"
sign admin ca "/O=system:masters/CN=admin" "$CLIENT_EXT"

for spec in "$@"; do
	user=${spec%%=*}
	subj=""
	if [ "$spec" != "$user" ]; then
		IFS=, read -ra groups <<<"${spec#*=}"
		for g in "${groups[@]}"; do subj="$subj/O=$g"; done
	fi
	file=$(printf '%s' "$user" | tr ':/' '__')
	sign "$file" ca "$subj/CN=$user" "$CLIENT_EXT"
done

# An expired server certificate: `openssl ca` is the CLI way to set both dates.
if [ ! -f expired.crt ]; then
	newkey expired.key
	mkdir -p .expired-ca
	: >.expired-ca/index.txt
	printf '%s\n' "[ca]
default_ca=x
[x]
database=.expired-ca/index.txt
new_certs_dir=.expired-ca
serial=.expired-ca/serial
default_md=sha256
policy=p
copy_extensions=none
[p]
commonName=supplied
[ext]
$SERVER_EXT" >.expired-ca/openssl.cnf
	echo 01 >.expired-ca/serial
	openssl req -new -key expired.key -subj "/CN=kube-apiserver" -out .expired-ca/expired.csr 2>/dev/null
	openssl ca -batch -config .expired-ca/openssl.cnf -cert ca.crt -keyfile ca.key \
		-startdate 20200101000000Z -enddate 20200102000000Z -extensions ext \
		-in .expired-ca/expired.csr -out expired.crt -notext 2>/dev/null
	rm -rf .expired-ca
fi

ca other-ca other-ca
sign other other-ca "/CN=kube-apiserver" "$SERVER_EXT"
rm -f ca.srl other-ca.srl
