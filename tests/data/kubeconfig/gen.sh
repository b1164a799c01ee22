#!/usr/bin/env bash
# Regenerate the kubectl-written kubeconfig fixtures of this folder (committed;
# run by hand when they need to change): every file but the hand-written ones
# (handwritten.yaml) is written by `kubectl config ...` itself, so the tests
# read what kubectl really writes. pki/ holds a TEST-ONLY CA, client
# certificate and key made here with openssl; they secure nothing.
# Usage: tests/data/kubeconfig/gen.sh   (needs kubectl and openssl)
set -euo pipefail
cd "$(dirname "$0")"
command -v kubectl >/dev/null || { echo "gen.sh: kubectl not found" >&2; exit 1; }
rm -rf pki tokens ./*.yaml.tmp
mkdir -p pki tokens
# ------------------------------------------------------------ test-only PKI
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500 \
	-subj /CN=dranet-test-ca -keyout pki/ca.key -out pki/ca.crt 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-subj "/O=system:masters/CN=dranet-test-admin" -keyout pki/client.key -out pki/client.csr 2>/dev/null
openssl x509 -req -in pki/client.csr -CA pki/ca.crt -CAkey pki/ca.key -CAcreateserial \
	-days 36500 -out pki/client.crt 2>/dev/null
rm -f pki/client.csr pki/ca.srl pki/ca.key
printf 'eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6a3ViZS1zeXN0ZW06ZHJhbmV0In0.dGVzdC1vbmx5LXNpZ25hdHVyZQ\n' >tokens/tf-token

k() { kubectl --kubeconfig="$cfg" config "$@" >/dev/null; }

# kind's layout: everything embedded as -data.
cfg=kind.yaml; rm -f "$cfg"
k set-cluster kind-kind --server=https://127.0.0.1:36443 --certificate-authority=pki/ca.crt --embed-certs
k set-credentials kind-kind --client-certificate=pki/client.crt --client-key=pki/client.key --embed-certs
k set-context kind-kind --cluster=kind-kind --user=kind-kind
k use-context kind-kind

# The same as JSON (kubectl config view -o json), what some tools write.
kubectl --kubeconfig=kind.yaml config view --raw -o json >kind.json

# File references, relative to the kubeconfig (kubectl relativizes them).
cfg=files.yaml; rm -f "$cfg"
k set-cluster local --server=https://10.96.0.1 --certificate-authority=pki/ca.crt
k set-credentials admin --client-certificate=pki/client.crt --client-key=pki/client.key
k set-context admin@local --cluster=local --user=admin --namespace=kube-system
k use-context admin@local

# Several clusters, users and contexts; current-context picks one.
cfg=multi.yaml; rm -f "$cfg"
k set-cluster prod --server=https://prod.example.test/k8s/clusters/c-abc12/ --certificate-authority=pki/ca.crt --embed-certs
k set-cluster staging --server=https://192.0.2.10:6443 --insecure-skip-tls-verify=true --tls-server-name=kubernetes.default.svc
k set-cluster dev --server=http://localhost:8080
k set-credentials ci-bot --token=dGVzdC1vbmx5LXRva2Vu.not-a-real-token
k set-credentials projected
k set users.projected.tokenFile tokens/tf-token
k set-credentials nobody
k set-context prod --cluster=prod --user=ci-bot --namespace=dra
k set-context staging --cluster=staging --user=projected
k set-context dev --cluster=dev --user=nobody
k set-context broken --cluster=missing --user=ci-bot
k use-context staging

# Credential plugins we refuse with a clear error.
cfg=exec.yaml; rm -f "$cfg"
k set-cluster gke --server=https://34.1.2.3 --certificate-authority=pki/ca.crt --embed-certs
k set-credentials token-user --token=abc
k set-credentials gke-user --exec-command=example-credential-plugin \
	--exec-api-version=client.authentication.k8s.io/v1beta1 --exec-arg=get-token --exec-arg=--cluster=gke
k set-context gke --cluster=gke --user=gke-user
k use-context gke

cfg=auth-provider.yaml; rm -f "$cfg"
k set-cluster oidc --server=https://oidc.example.test:8443 --certificate-authority=pki/ca.crt --embed-certs
k set-credentials oidc-user --auth-provider=oidc --auth-provider-arg=idp-issuer-url=https://issuer.example.test \
	--auth-provider-arg=client-id=kubernetes
k set-context oidc --cluster=oidc --user=oidc-user
k use-context oidc

# No current-context.
cfg=no-current.yaml; rm -f "$cfg"
k set-cluster c --server=https://127.0.0.1:6443 --insecure-skip-tls-verify=true
k set-credentials u --token=abc
k set-context c --cluster=c --user=u

# IPv6 server.
cfg=ipv6.yaml; rm -f "$cfg"
k set-cluster v6 --server=https://[::1]:6443 --certificate-authority=pki/ca.crt
k set-credentials v6 --client-certificate=pki/client.crt --client-key=pki/client.key --embed-certs
k set-context v6 --cluster=v6 --user=v6
k use-context v6
echo "gen.sh: wrote $(ls ./*.yaml ./*.json | tr '\n' ' ')"
