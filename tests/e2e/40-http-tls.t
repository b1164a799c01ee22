#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# lib/http + lib/tls against real peers: Python's http.server and ssl module
# (tests/e2e/httpd.py) on loopback, certificates made now with the openssl
# CLI. Plain keep-alive, chunked streaming, close-delimited bodies, the
# resend after a server closes a kept-alive connection, timeouts; TLS with an
# IP SAN, a DNS SAN, wrong CA, wrong names, an expired certificate, insecure
# mode, client certificates (RSA and EC) required by the server.
set -eu
. "$(dirname "$0")/lib.sh"

HTTPC=$O/tests/tools/httpc
[ -x "$HTTPC" ] || fail "$HTTPC not built (make e2e builds it)"
T=$E2E_TMP
cd "$T"

# ------------------------------------------------------------ certificates
ossl() { openssl "$@" 2>>"$T/openssl.log" || fail "openssl $*: $(tail -n 3 "$T/openssl.log")"; }
# ca NAME: a self-signed CA
ca() { ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
	-out "$1.crt" -subj "/CN=$1" -days 2 -addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign,cRLSign; }
# leaf NAME CA SAN [KEYTYPE] [EKU]: a certificate signed by CA ("" SAN: none)
leaf() {
	local name=$1 ca=$2 san=$3 kt=${4:-ec} eku=${5:-serverAuth}
	if [ "$kt" = rsa ]; then
		ossl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "/CN=$name"
	else
		ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$name.key" \
			-out "$name.csr" -subj "/CN=$name"
	fi
	{
		echo "basicConstraints=CA:FALSE"
		echo "extendedKeyUsage=$eku"
		[ -z "$san" ] || echo "subjectAltName=$san"
	} >"$name.ext"
	ossl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial \
		-out "$name.crt" -days 2 -extfile "$name.ext"
}
ca ca
ca otherca
leaf ip ca "IP:127.0.0.1"
leaf dns ca "DNS:localhost"
leaf rsaip ca "IP:127.0.0.1,IP:::1" rsa
leaf wrong ca "DNS:other.example,IP:127.0.0.2"
leaf client-rsa ca "" rsa clientAuth
leaf client-ec ca "" ec clientAuth
# an intermediate CA and a client certificate it signed, sent as a chain
ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout inter.key -out inter.csr -subj /CN=inter
printf '%s\n' basicConstraints=critical,CA:TRUE keyUsage=critical,keyCertSign >inter.ext
ossl x509 -req -in inter.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out inter.crt -days 2 \
	-extfile inter.ext
leaf client-sub inter "" ec clientAuth
cat client-sub.crt inter.crt >client-chain.crt
# expired: `openssl ca` takes explicit start and end dates (2020)
mkdir -p cadb/new && : >cadb/index.txt && echo 01 >cadb/serial
cat >ca.cnf <<CNF
[ca]
default_ca = d
[d]
database = $T/cadb/index.txt
new_certs_dir = $T/cadb/new
serial = $T/cadb/serial
default_md = sha256
policy = p
copy_extensions = none
[p]
commonName = supplied
[x]
basicConstraints = CA:FALSE
subjectAltName = IP:127.0.0.1
CNF
ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout expired.key -out expired.csr \
	-subj /CN=expired
ossl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -in expired.csr -out expired.crt \
	-startdate 20200101000000Z -enddate 20200102000000Z -extensions x -notext
# a CA bundle with other certificates around ours (and a non-certificate object)
cat otherca.crt ca.crt >bundle.crt
printf '%s\n' "-----BEGIN X509 CRL-----" "AAAA" "-----END X509 CRL-----" >>bundle.crt

# ------------------------------------------------------------ servers
# serve NAME ARGS...: start httpd.py, wait for its port, set PORT_<NAME>
serve() {
	local name=$1 i
	shift
	/usr/bin/python3 "$E2E_LIB_DIR/httpd.py" --port-file "$T/$name.port" "$@" 2>>"$T/$name.log" &
	defer kill $!
	for i in $(seq 100); do
		[ -s "$T/$name.port" ] && break
		sleep 0.05
	done
	[ -s "$T/$name.port" ] || fail "server $name did not start: $(cat "$T/$name.log")"
	printf -v "PORT_$name" '%s' "$(cat "$T/$name.port")"
}
# ok WHAT HTTPC-ARGS...: must succeed; OUT holds stdout
ok() {
	local what=$1
	shift
	OUT=$("$HTTPC" "$@" 2>"$T/err") || fail "$what: $(cat "$T/err")"
}
# refused WHAT EXPECTED HTTPC-ARGS...: must fail with EXPECTED in the message
refused() {
	local what=$1 want=$2
	shift 2
	if "$HTTPC" "$@" >"$T/out" 2>"$T/err"; then fail "$what: succeeded: $(cat "$T/out")"; fi
	assert_contains "$(cat "$T/err")" "$want" "$what"
	info "$what: $(cat "$T/err")"
}

serve plain
serve plain6 --bind ::1
serve tip --tls ip.crt ip.key
serve tdns --tls dns.crt dns.key
serve trsa --tls rsaip.crt rsaip.key
serve trsa6 --bind ::1 --tls rsaip.crt rsaip.key
serve twrong --tls wrong.crt wrong.key
serve texp --tls expired.crt expired.key
serve tmtls --tls ip.crt ip.key --client-ca ca.crt
serve t13 --tls ip.crt ip.key --tls13-only
serve t6ip --bind ::1 --tls ip.crt ip.key

# ------------------------------------------------------------ plain HTTP
ok "keep-alive" --repeat 3 127.0.0.1 "$PORT_plain" /hello
assert_eq "connects=1" "$(tail -n1 <<<"$OUT")" "three requests, one connection"
assert_eq 3 "$(grep -c 'body=hello from connection 1' <<<"$OUT")" "all on the server's connection 1"
ok "server's count" 127.0.0.1 "$PORT_plain" /conns
assert_contains "$OUT" "body=2" "the server saw 2 connections (3 requests + this one)"
ok "keep-alive, epoll loop" --loop --repeat 2 127.0.0.1 "$PORT_plain" /hello
assert_eq "connects=1" "$(tail -n1 <<<"$OUT")" "epoll loop reuse"

ok "streaming" --stream 127.0.0.1 "$PORT_plain" /chunked
assert_eq 3 "$(grep -c '^piece ' <<<"$OUT")" "three pieces, as the server wrote them"
assert_contains "$OUT" 'data={"type":"ADDED","n":2}\n' "last event"
t_last=$(grep '^piece ' <<<"$OUT" | tail -n1 | sed 's/.*t=\([0-9]*\).*/\1/')
t_first=$(grep '^piece ' <<<"$OUT" | head -n1 | sed 's/.*t=\([0-9]*\).*/\1/')
[ $((t_last - t_first)) -ge 400 ] || fail "pieces not delivered as they came: first $t_first ms, last $t_last ms"
ok "chunked, collected" 127.0.0.1 "$PORT_plain" /chunked
assert_contains "$OUT" 'status=200 len=69' "collected chunked body"

# a large body: many steps, each within its budget (the epoll loop must be woken by deadline 0)
ok "large body" 127.0.0.1 "$PORT_plain" /big
assert_contains "$OUT" "status=200 len=3407859" "3 MiB body"
ok "large body, epoll loop" --loop 127.0.0.1 "$PORT_plain" /big
assert_contains "$OUT" "status=200 len=3407859" "3 MiB body, epoll"
ok "close-delimited body" 127.0.0.1 "$PORT_plain" /close
assert_contains "$OUT" "status=200 len=14000" "body until close"
ok "server closes kept-alive connections" --repeat 3 127.0.0.1 "$PORT_plain" /drop
assert_eq "connects=3" "$(tail -n1 <<<"$OUT")" "reconnects after the server's close"
assert_eq 3 "$(grep -c 'body=dropping' <<<"$OUT")" "every request answered"
ok "PUT with bearer and body" --method PUT --data '{"a":1}' --bearer tok.en-1 127.0.0.1 "$PORT_plain" /echo
assert_contains "$OUT" '"auth": "Bearer tok.en-1", "body": "{\"a\":1}", "ctype": "application/json", "method": "PUT"' "echo"
ok "IPv6 literal" '[::1]' "$PORT_plain6" /hello
assert_contains "$OUT" "status=200" "::1"
ok "localhost" localhost "$PORT_plain" /hello
refused "timeout" "timed out after 300 ms" --timeout 300 127.0.0.1 "$PORT_plain" /slow
refused "connection refused" "Connection refused" 127.0.0.1 1 /hello

# ------------------------------------------------------------ TLS
ok "IP SAN" --ca ca.crt 127.0.0.1 "$PORT_tip" /hello
assert_contains "$OUT" "status=200" "IP SAN"
ok "IP SAN, bundle" --ca bundle.crt --repeat 2 127.0.0.1 "$PORT_tip" /hello
assert_eq "connects=1" "$(tail -n1 <<<"$OUT")" "TLS keep-alive"
ok "IP SAN, epoll loop" --ca ca.crt --loop --repeat 2 127.0.0.1 "$PORT_tip" /hello
ok "TLS streaming" --ca ca.crt --stream 127.0.0.1 "$PORT_tip" /chunked
assert_eq 3 "$(grep -c '^piece ' <<<"$OUT")" "three pieces over TLS"
ok "large body over TLS, epoll loop" --ca ca.crt --loop 127.0.0.1 "$PORT_tip" /big
assert_contains "$OUT" "status=200 len=3407859" "3 MiB body over TLS"
ok "DNS SAN by name" --ca ca.crt localhost "$PORT_tdns" /hello
ok "server name override (kubeconfig tls-server-name)" --ca ca.crt --server-name localhost \
	127.0.0.1 "$PORT_tdns" /hello
refused "server name override, wrong" "x509: certificate is valid for localhost, not other.example" \
	--ca ca.crt --server-name other.example 127.0.0.1 "$PORT_tdns" /hello
ok "RSA server, IPv4 SAN" --ca ca.crt 127.0.0.1 "$PORT_trsa" /hello
ok "RSA server, IPv6 SAN" --ca ca.crt ::1 "$PORT_trsa6" /hello
refused "IPv6 literal not in the SANs" "x509: certificate is valid for 127.0.0.1, not ::1" \
	--ca ca.crt ::1 "$PORT_t6ip" /hello
refused "DNS-only certificate reached by IP" \
	"x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs" \
	--ca ca.crt 127.0.0.1 "$PORT_tdns" /hello
refused "IP-only certificate reached by name" \
	"x509: certificate is not valid for any names, but wanted to match localhost" \
	--ca ca.crt localhost "$PORT_tip" /hello
refused "wrong IP" "x509: certificate is valid for 127.0.0.2, not 127.0.0.1" \
	--ca ca.crt 127.0.0.1 "$PORT_twrong" /hello
refused "wrong name" "x509: certificate is valid for other.example, not localhost" \
	--ca ca.crt localhost "$PORT_twrong" /hello
refused "wrong CA" "x509: certificate signed by unknown authority" \
	--ca otherca.crt 127.0.0.1 "$PORT_tip" /hello
refused "expired" "x509: certificate has expired or is not yet valid" \
	--ca ca.crt 127.0.0.1 "$PORT_texp" /hello
refused "TLS 1.3-only server" "protocol version not supported (alert 70; this client speaks TLS 1.2 only)" \
	--ca ca.crt 127.0.0.1 "$PORT_t13" /hello
ok "insecure mode: wrong CA, wrong name, expired" --insecure 127.0.0.1 "$PORT_texp" /hello
ok "insecure mode, wrong name" --insecure localhost "$PORT_tip" /hello

# client certificates (the server requires one signed by ca)
ok "client certificate, RSA" --ca ca.crt --cert client-rsa.crt --key client-rsa.key \
	127.0.0.1 "$PORT_tmtls" /whoami
assert_contains "$OUT" "body=client-rsa" "server saw the RSA client certificate"
ok "client certificate, EC" --ca ca.crt --cert client-ec.crt --key client-ec.key \
	127.0.0.1 "$PORT_tmtls" /whoami
assert_contains "$OUT" "body=client-ec" "server saw the EC client certificate"
openssl pkcs8 -topk8 -nocrypt -in client-rsa.key -out client-rsa.p8 2>/dev/null
ok "client key in PKCS#8" --ca ca.crt --cert client-rsa.crt --key client-rsa.p8 \
	127.0.0.1 "$PORT_tmtls" /whoami
ok "client certificate chain (leaf + intermediate)" --ca ca.crt --cert client-chain.crt \
	--key client-sub.key 127.0.0.1 "$PORT_tmtls" /whoami
assert_contains "$OUT" "body=client-sub" "server verified the chain"
refused "client certificate without its intermediate" "remote error: tls:" --ca ca.crt \
	--cert client-sub.crt --key client-sub.key 127.0.0.1 "$PORT_tmtls" /whoami
refused "no client certificate" "remote error: tls:" --ca ca.crt 127.0.0.1 "$PORT_tmtls" /whoami
refused "key of another type" "client key type differs" \
	--ca ca.crt --cert client-rsa.crt --key client-ec.key 127.0.0.1 "$PORT_tmtls" /whoami
refused "no CA certificate in the file" "no CERTIFICATE" --ca client-ec.key 127.0.0.1 "$PORT_tip" /
info "all TLS and HTTP interop checks passed"
