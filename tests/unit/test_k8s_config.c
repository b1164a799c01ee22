// SPDX-License-Identifier: Apache-2.0
/*
 * lib/k8s config: kubeconfigs as kubectl writes them (tests/data/kubeconfig/,
 * made by its gen.sh with kubectl itself), the YAML subset's edge cases,
 * in-cluster configuration from a temporary root with token rotation,
 * base64 (RFC 4648 §10 and Go's StdEncoding rules), truncation at every
 * offset and an arena-cap sweep.
 *
 * `test_k8s_config --dump FILE [CONTEXT]` prints the decoded config as JSON,
 * `--dump-yaml FILE` the YAML tree (tests/schema/kubeconfig-pyyaml.sh
 * compares both with PyYAML's view of the same files).
 */
#include "k8s/k8s.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json/json.h"
#include "k8s/internal.h"
#include "t.h"

#define FIX "tests/data/kubeconfig/"

/* The whole file at @path (test fixtures are small), NUL-terminated; caller frees. */
static char *slurp_file(const char *path, size_t *len)
{
	static const size_t cap = 8 << 20;
	char *buf = malloc(cap);
	int n;

	if (!buf)
		return NULL;
	n = fd_read_file(AT_FDCWD, path, buf, cap);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	*len = (size_t)n;
	return buf;
}

static bool mem_is_file(const uint8_t *p, size_t n, const char *path)
{
	size_t len = 0;
	char *f = slurp_file(path, &len);
	bool same = f && p && len == n && memcmp(f, p, n) == 0;

	free(f);
	return same;
}

static bool has(const char *hay, const char *needle)
{
	bool ok = strstr(hay, needle) != NULL;

	if (!ok)
		fprintf(stderr, "  \"%s\" lacks \"%s\"\n", hay, needle);
	return ok;
}

/* ------------------------------------------------------------ base64 */

static void test_base64_rfc4648(void)
{
	/* RFC 4648 §10 test vectors. */
	static const char *const vec[][2] = {
		{ "", "" },
		{ "Zg==", "f" },
		{ "Zm8=", "fo" },
		{ "Zm9v", "foo" },
		{ "Zm9vYg==", "foob" },
		{ "Zm9vYmE=", "fooba" },
		{ "Zm9vYmFy", "foobar" },
	};
	uint8_t out[64];

	for (size_t i = 0; i < ARRAY_SIZE(vec); i++) {
		int n = base64_decode(vec[i][0], strlen(vec[i][0]), out, sizeof(out), NULL);

		CHECK_EQ(n, strlen(vec[i][1]));
		if (n > 0)
			CHECK_MEM(out, vec[i][1], (size_t)n);
	}
}

static void test_base64_go_rules(void)
{
	/* encoding/base64 StdEncoding: CR/LF skipped anywhere, padding mandatory. */
	static const struct {
		const char *in;
		int want; /* length, or -EBADMSG */
		size_t at;
	} cases[] = {
		{ "Zm9v\nYmFy", 6, 0 },	      { "Zm9v\r\nYmFy\r\n", 6, 0 },
		{ "Zg=\n=", 1, 0 },	      { "Zg==\n\n", 1, 0 },
		{ "\nZg==", 1, 0 },	      { "Zh==", 1, 0 }, /* non-strict bits */
		{ "Zg", -EBADMSG, 0 },	      { "Zg=", -EBADMSG, 3 },
		{ "Z===", -EBADMSG, 1 },      { "=Zg=", -EBADMSG, 0 },
		{ "Zm9v YmFy", -EBADMSG, 4 }, { "Zg==x", -EBADMSG, 4 },
		{ "Zg==Zg==", -EBADMSG, 4 },  { "Zm9v\t", -EBADMSG, 4 },
		{ "Zm-_", -EBADMSG, 2 },      { "Zm9vYmF", -EBADMSG, 4 },
	};
	uint8_t out[16];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t at = 99;
		int n = base64_decode(cases[i].in, strlen(cases[i].in), out, sizeof(out), &at);

		if (n != cases[i].want)
			fprintf(stderr, "  base64 case %zu \"%s\"\n", i, cases[i].in);
		CHECK_EQ(n, cases[i].want);
		if (cases[i].want < 0)
			CHECK_EQ(at, cases[i].at);
	}
	CHECK_EQ(base64_decode("Zm9vYmFy", 8, out, 5, NULL), -EMSGSIZE);
	CHECK_EQ(base64_decode("Zm9vYmFy", 8, out, 6, NULL), 6);
	CHECK(base64_decoded_max(8) >= 6);
}

/* ------------------------------------------------------------ fixtures */

static void test_kind_embedded(void)
{
	struct k8s_config c;
	struct k8s_config_err err;
	int ret = k8s_config_from_kubeconfig(&c, FIX "kind.yaml", NULL, &err);

	if (ret)
		fprintf(stderr, "  %s\n", err.msg);
	REQUIRE(ret == 0);
	CHECK_STR(c.context, "kind-kind");
	CHECK_STR(c.cluster, "kind-kind");
	CHECK_STR(c.user, "kind-kind");
	CHECK_STR(c.scheme, "https");
	CHECK_STR(c.host, "127.0.0.1");
	CHECK_EQ(c.port, 36443);
	CHECK_STR(c.authority, "127.0.0.1:36443");
	CHECK_STR(c.base_path, "");
	CHECK(mem_is_file(c.ca_pem, c.ca_len, FIX "pki/ca.crt"));
	CHECK(mem_is_file(c.cert_pem, c.cert_len, FIX "pki/client.crt"));
	CHECK(mem_is_file(c.key_pem, c.key_len, FIX "pki/client.key"));
	CHECK(!c.token && !c.token_file && !c.insecure && !c.tls_server_name && !c.namespace);
	CHECK(has(c.source, "kind.yaml"));
	k8s_config_fini(&c);
	k8s_config_fini(&c); /* idempotent */
}

static void test_json_kubeconfig(void)
{
	struct k8s_config y, j;
	struct k8s_config_err err;

	REQUIRE(k8s_config_from_kubeconfig(&y, FIX "kind.yaml", NULL, &err) == 0);
	if (k8s_config_from_kubeconfig(&j, FIX "kind.json", NULL, &err) != 0) {
		fprintf(stderr, "  %s\n", err.msg);
		k8s_config_fini(&y);
		REQUIRE(0);
	}
	CHECK_STR(j.host, y.host);
	CHECK_EQ(j.port, y.port);
	CHECK_EQ(j.ca_len, y.ca_len);
	CHECK(j.ca_len == y.ca_len && memcmp(j.ca_pem, y.ca_pem, y.ca_len) == 0);
	CHECK(j.key_len == y.key_len && memcmp(j.key_pem, y.key_pem, y.key_len) == 0);
	CHECK(j.cert_len == y.cert_len && memcmp(j.cert_pem, y.cert_pem, y.cert_len) == 0);
	k8s_config_fini(&y);
	k8s_config_fini(&j);
}

static void test_file_references(void)
{
	struct k8s_config c;
	struct k8s_config_err err;

	REQUIRE(k8s_config_from_kubeconfig(&c, FIX "files.yaml", NULL, &err) == 0);
	CHECK_STR(c.host, "10.96.0.1");
	CHECK_EQ(c.port, 443);
	CHECK_STR(c.namespace, "kube-system");
	CHECK(mem_is_file(c.ca_pem, c.ca_len, FIX "pki/ca.crt"));
	CHECK(mem_is_file(c.cert_pem, c.cert_len, FIX "pki/client.crt"));
	CHECK(mem_is_file(c.key_pem, c.key_len, FIX "pki/client.key"));
	k8s_config_fini(&c);

	/* The same text read from another directory: its files are not there. */
	{
		size_t len;
		char *text = slurp_file(FIX "files.yaml", &len);
		int ret;

		REQUIRE(text);
		ret = k8s_config_parse_kubeconfig(&c, text, len, "/nonexistent", "x.yaml", NULL,
						  &err);
		CHECK_EQ(ret, -ENOENT);
		CHECK(has(err.msg, "x.yaml:19:25:"));
		CHECK(has(
			err.msg,
			"users[0].user: client-certificate: reading /nonexistent/pki/client.crt"));
		/* Without a directory, file references are refused. */
		ret = k8s_config_parse_kubeconfig(&c, text, len, NULL, NULL, NULL, &err);
		CHECK_EQ(ret, -EBADMSG);
		CHECK(has(err.msg, "file references need the kubeconfig's directory"));
		free(text);
	}
}

static void test_multi_contexts(void)
{
	struct k8s_config c;
	struct k8s_config_err err;
	int ret;

	/* current-context: staging → insecure, SNI name, tokenFile. */
	REQUIRE(k8s_config_from_kubeconfig(&c, FIX "multi.yaml", NULL, &err) == 0);
	CHECK_STR(c.context, "staging");
	CHECK_STR(c.host, "192.0.2.10");
	CHECK_EQ(c.port, 6443);
	CHECK(c.insecure);
	CHECK(!c.ca_pem);
	CHECK_STR(c.tls_server_name, "kubernetes.default.svc");
	CHECK_STR(c.token_file, FIX "tokens/tf-token");
	REQUIRE(c.token);
	CHECK(str_has_prefix(c.token, "eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ."));
	CHECK(c.token[c.token_len - 1] == 'Q'); /* the file's newline trimmed */
	CHECK(!c.namespace);
	k8s_config_fini(&c);

	/* A context override: prod → path prefix, default port, inline token. */
	REQUIRE(k8s_config_from_kubeconfig(&c, FIX "multi.yaml", "prod", &err) == 0);
	CHECK_STR(c.host, "prod.example.test");
	CHECK_EQ(c.port, 443);
	CHECK_STR(c.base_path, "/k8s/clusters/c-abc12");
	CHECK_STR(c.token, "dGVzdC1vbmx5LXRva2Vu.not-a-real-token");
	CHECK(!c.token_file);
	CHECK_STR(c.namespace, "dra");
	CHECK(mem_is_file(c.ca_pem, c.ca_len, FIX "pki/ca.crt"));
	k8s_config_fini(&c);

	/* dev: plain http, no credentials (user: {}). */
	REQUIRE(k8s_config_from_kubeconfig(&c, FIX "multi.yaml", "dev", &err) == 0);
	CHECK_STR(c.scheme, "http");
	CHECK_STR(c.host, "localhost");
	CHECK_EQ(c.port, 8080);
	CHECK(!c.token && !c.cert_pem && !c.ca_pem);
	k8s_config_fini(&c);

	ret = k8s_config_from_kubeconfig(&c, FIX "multi.yaml", "nope", &err);
	CHECK_EQ(ret, -ENOENT);
	CHECK(has(err.msg, "contexts: no entry named \"nope\""));
	ret = k8s_config_from_kubeconfig(&c, FIX "multi.yaml", "broken", &err);
	CHECK_EQ(ret, -ENOENT);
	CHECK(has(err.msg, "multi.yaml:2:1: clusters: no entry named \"missing\""));
	CHECK(!c.a && !c.token); /* emptied on failure */
}

static void test_plugins_refused(void)
{
	struct k8s_config c;
	struct k8s_config_err err;
	int ret;

	ret = k8s_config_from_kubeconfig(&c, FIX "exec.yaml", NULL, &err);
	CHECK_EQ(ret, -EBADMSG);
	CHECK(has(err.msg, "exec.yaml:18:5: users[0].user: exec: an exec credential plugin"));
	CHECK(has(err.msg, "is not supported"));
	/* Another user of the same file works. */
	ret = k8s_config_from_kubeconfig(&c, FIX "exec.yaml", NULL, &err);
	CHECK_EQ(ret, -EBADMSG);

	ret = k8s_config_from_kubeconfig(&c, FIX "auth-provider.yaml", NULL, &err);
	CHECK_EQ(ret, -EBADMSG);
	CHECK(has(err.msg, "auth-provider.yaml:"));
	CHECK(has(
		err.msg,
		"users[0].user: auth-provider: the \"oidc\" auth-provider plugin is not supported"));

	ret = k8s_config_from_kubeconfig(&c, FIX "no-current.yaml", NULL, &err);
	CHECK_EQ(ret, -ENOENT);
	CHECK(has(err.msg, "current-context: not set, and no context was given"));
	/* ... but a context named by the caller works. */
	ret = k8s_config_from_kubeconfig(&c, FIX "no-current.yaml", "c", &err);
	CHECK_EQ(ret, 0);
	CHECK(c.insecure);
	CHECK_STR(c.token, "abc");
	k8s_config_fini(&c);

	ret = k8s_config_from_kubeconfig(&c, FIX "does-not-exist.yaml", NULL, &err);
	CHECK_EQ(ret, -ENOENT);
	CHECK(has(err.msg, "does-not-exist.yaml: No such file"));
}

static void test_ipv6_and_handwritten(void)
{
	struct k8s_config c;
	struct k8s_config_err err;
	int ret;

	REQUIRE(k8s_config_from_kubeconfig(&c, FIX "ipv6.yaml", NULL, &err) == 0);
	CHECK_STR(c.host, "::1");
	CHECK_EQ(c.port, 6443);
	CHECK_STR(c.authority, "[::1]:6443");
	CHECK(mem_is_file(c.ca_pem, c.ca_len, FIX "pki/ca.crt"));
	CHECK(mem_is_file(c.key_pem, c.key_len, FIX "pki/client.key"));
	k8s_config_fini(&c);

	ret = k8s_config_from_kubeconfig(&c, FIX "handwritten.yaml", NULL, &err);
	if (ret)
		fprintf(stderr, "  %s\n", err.msg);
	REQUIRE(ret == 0);
	CHECK_STR(c.context, "lab admin");
	CHECK_STR(c.host, "fd00:10::1");
	CHECK_STR(c.authority, "[fd00:10::1]:6443");
	CHECK_STR(c.base_path, "");
	CHECK_STR(c.tls_server_name, "api.lab.example.test");
	CHECK_STR(c.token, "lab-token.v1");
	CHECK_STR(c.namespace, "default");
	CHECK(mem_is_file(c.ca_pem, c.ca_len, FIX "pki/ca.crt"));
	k8s_config_fini(&c);

	REQUIRE(k8s_config_from_kubeconfig(&c, FIX "handwritten.yaml", "quoted", &err) == 0);
	CHECK_STR(c.cluster, "it's quoted");
	CHECK(c.insecure);
	CHECK_EQ(c.port, 8443);
	k8s_config_fini(&c);
}

/* ------------------------------------------------- semantic errors */

static int parse_str(const char *text, const char *context, struct k8s_config_err *err)
{
	struct k8s_config c;
	int ret = k8s_config_parse_kubeconfig(&c, text, strlen(text), NULL, "t.yaml", context, err);

	if (ret == 0)
		k8s_config_fini(&c);
	return ret;
}

#define KC_HEAD                                                                                    \
	"clusters:\n- name: c\n  cluster:\n    server: https://h:1\n"                              \
	"contexts:\n- name: x\n  context: {}\n- name: c\n  context:\n    cluster: c\n"             \
	"    user: u\ncurrent-context: c\nusers:\n- name: u\n  user:\n"

static void test_semantic_errors(void)
{
	static const struct {
		const char *text, *want;
		int ret;
	} cases[] = {
		{ KC_HEAD "    token: a\n", NULL, 0 },
		{ KC_HEAD "    username: admin\n    password: secret\n",
		  "t.yaml:16:15: users[0].user: username: basic authentication (username/password) is not supported",
		  -EBADMSG },
		{ KC_HEAD
		  "    exec: {command: aws, args: [eks, get-token, --cluster-name, \"x\"]}\n",
		  "t.yaml:16:11: users[0].user: exec: an exec credential plugin", -EBADMSG },
		{ KC_HEAD "    as: system:admin\n",
		  "users[0].user: as: impersonation is not supported", -EBADMSG },
		{ KC_HEAD "    exec: null\n    token: a\n", NULL, 0 },
		{ KC_HEAD "    client-certificate-data: Zm9v\n",
		  "users[0].user: client-certificate(-data) and client-key(-data) go together",
		  -EBADMSG },
		{ KC_HEAD "    client-key-data: Zm9v!\n",
		  "t.yaml:16:22: users[0].user: client-key-data: illegal base64 data at input byte 4",
		  -EBADMSG },
		{ KC_HEAD "    token: two words\n",
		  "users[0].user: token: contains bytes not allowed in an HTTP header", -EBADMSG },
		{ KC_HEAD "    token: [a]\n",
		  "t.yaml:16:12: users[0].user: token: expected a string, got a list", -EBADMSG },
		{ KC_HEAD "    token:\n      a: b\n",
		  "t.yaml:16:5: users[0].user: token: expected a string, got a mapping", -EBADMSG },
		{ "clusters:\n- name: c\n  cluster:\n    server: ftp://h\ncontexts:\n- name: c\n"
		  "  context:\n    cluster: c\ncurrent-context: c\n",
		  "t.yaml:4:13: clusters[0].cluster: server: \"ftp://h\": scheme must be https or http",
		  -EBADMSG },
		{ "clusters:\n- name: c\n  cluster:\n    server: https://h:99999\ncontexts:\n- name: c\n"
		  "  context:\n    cluster: c\ncurrent-context: c\n",
		  "bad host or port", -EBADMSG },
		{ "clusters:\n- name: c\n  cluster:\n    server: https://u:p@h\ncontexts:\n- name: c\n"
		  "  context:\n    cluster: c\ncurrent-context: c\n",
		  "user information", -EBADMSG },
		{ "clusters:\n- name: c\n  cluster:\n    server: h:6443\n    insecure-skip-tls-verify: true\n"
		  "contexts:\n- name: c\n  context:\n    cluster: c\ncurrent-context: c\n",
		  NULL, 0 },
		{ "clusters:\n- name: c\n  cluster:\n    server: https://h\n    insecure-skip-tls-verify: maybe\n"
		  "contexts:\n- name: c\n  context:\n    cluster: c\ncurrent-context: c\n",
		  "t.yaml:5:31: clusters[0].cluster: insecure-skip-tls-verify: expected true or false",
		  -EBADMSG },
		{ "clusters:\n- name: c\n  cluster:\n    server: https://h\n    insecure-skip-tls-verify: true\n"
		  "    certificate-authority-data: Zm9v\n"
		  "contexts:\n- name: c\n  context:\n    cluster: c\ncurrent-context: c\n",
		  "insecure-skip-tls-verify cannot be combined with a certificate authority",
		  -EBADMSG },
		{ "clusters:\n- name: c\n  cluster:\n    server: https://h\n    certificate-authority: /x\n"
		  "    certificate-authority-data: Zm9v\n"
		  "contexts:\n- name: c\n  context:\n    cluster: c\ncurrent-context: c\n",
		  "certificate-authority and certificate-authority-data are both set", -EBADMSG },
		{ "clusters:\n- name: c\n  cluster:\n    server: https://h\n    proxy-url: http://p:3128\n"
		  "contexts:\n- name: c\n  context:\n    cluster: c\ncurrent-context: c\n",
		  "clusters[0].cluster: proxy-url: a proxy is not supported", -EBADMSG },
		{ "clusters:\n- name: c\n  cluster:\n    insecure-skip-tls-verify: true\n"
		  "contexts:\n- name: c\n  context:\n    cluster: c\ncurrent-context: c\n",
		  "no server found for cluster \"c\"", -EBADMSG },
		{ "clusters: [{name: c, cluster: {server: 'https://h:1', insecure-skip-tls-verify: true}}]\n"
		  "contexts: [{name: c, context: {cluster: c}}]\ncurrent-context: c\n",
		  NULL, 0 },
		{ "clusters:\n- name: c\n- name: c\ncontexts:\n- name: c\n  context:\n    cluster: c\n"
		  "current-context: c\n",
		  "t.yaml:3:3: clusters[1]: duplicate name \"c\" in clusters", -EBADMSG },
		{ "clusters: abc\ncontexts:\n- name: c\n  context:\n    cluster: c\ncurrent-context: c\n",
		  "t.yaml:1:11: clusters: expected a list, got a scalar", -EBADMSG },
		{ "contexts:\n- name: c\n  context:\n    user: u\ncurrent-context: c\n",
		  "contexts[0].context: cluster: not set", -EBADMSG },
		{ "- a\n", "a kubeconfig is a mapping", -EBADMSG },
		{ "# nothing\n", "t.yaml: empty kubeconfig", -EBADMSG },
		{ "", "empty kubeconfig", -EBADMSG },
		{ "{\"clusters\": 3}", "current-context: not set", -ENOENT },
		{ "{\"current-context\": \"c\", \"contexts\": [{\"name\": \"c\", \"context\": []}]}",
		  "t.yaml: contexts[0]: context: expected a mapping, got a list", -EBADMSG },
		{ "{\"a\": 1,}", "t.yaml:1:9: JSON:", -EBADMSG },
	};
	struct k8s_config_err err;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int ret = parse_str(cases[i].text, NULL, &err);

		if (ret != cases[i].ret)
			fprintf(stderr, "  case %zu: %d: %s\n", i, ret, ret ? err.msg : "");
		CHECK_EQ(ret, cases[i].ret);
		if (cases[i].want)
			CHECK(has(err.msg, cases[i].want));
	}
	/* A context override that names nothing, and an empty current context. */
	CHECK_EQ(parse_str(KC_HEAD "    token: a\n", "x", &err), -EBADMSG);
	CHECK(has(err.msg, "contexts[0].context: cluster: not set"));
}

/* Server URLs, with the scheme default of rest.defaultServerURLFor. */
static void test_server_urls(void)
{
	static const struct {
		const char *server, *cluster_extra, *user_extra;
		const char *scheme, *host, *authority, *base_path;
		uint16_t port;
	} cases[] = {
		{ "https://api.example.test", "", "", "https", "api.example.test",
		  "api.example.test:443", "", 443 },
		{ "http://10.0.0.1", "", "", "http", "10.0.0.1", "10.0.0.1:80", "", 80 },
		{ "https://[2001:db8::1]", "", "", "https", "2001:db8::1", "[2001:db8::1]:443", "",
		  443 },
		{ "https://h:1/a/b//", "", "", "https", "h", "h:1", "/a/b", 1 },
		{ "h:6443", "", "    token: t\n", "http", "h", "h:6443", "", 6443 },
		{ "h:6443", "    insecure-skip-tls-verify: true\n", "", "https", "h", "h:6443", "",
		  6443 },
		{ "h:6443", "    certificate-authority-data: Zm9v\n", "", "https", "h", "h:6443",
		  "", 6443 },
		{ "h", "", "    client-certificate-data: Zm9v\n    client-key-data: YmFy\n",
		  "https", "h", "h:443", "", 443 },
		{ "\"https://h:65535\"", "", "", "https", "h", "h:65535", "", 65535 },
	};
	static const char *const bad[] = { "https://h:0",     "https://h:",    "https://[::1",
					   "https://[]:1",    "https://[h]:1", "https://h h",
					   "https://h/a b",   "https://:443",  "https://h?x=1",
					   "https://h/#frag", "HTTPS://h",     "https://h:1x" };

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char text[1024];
		struct k8s_config c;
		struct k8s_config_err err;
		int ret;

		snprintf(text, sizeof(text),
			 "clusters:\n- name: c\n  cluster:\n    server: %s\n%s"
			 "contexts:\n- name: c\n  context:\n    cluster: c\n    user: u\n"
			 "current-context: c\nusers:\n- name: u\n  user:\n%s",
			 cases[i].server, cases[i].cluster_extra, cases[i].user_extra);
		ret = k8s_config_parse_kubeconfig(&c, text, strlen(text), NULL, NULL, NULL, &err);
		if (ret)
			fprintf(stderr, "  case %zu: %s\n", i, err.msg);
		REQUIRE(ret == 0);
		CHECK_STR(c.scheme, cases[i].scheme);
		CHECK_STR(c.host, cases[i].host);
		CHECK_STR(c.authority, cases[i].authority);
		CHECK_STR(c.base_path, cases[i].base_path);
		CHECK_EQ(c.port, cases[i].port);
		k8s_config_fini(&c);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char text[512];
		struct k8s_config_err err;

		snprintf(text, sizeof(text),
			 "clusters:\n- name: c\n  cluster:\n    server: '%s'\n"
			 "contexts:\n- name: c\n  context:\n    cluster: c\ncurrent-context: c\n",
			 bad[i]);
		if (parse_str(text, NULL, &err) != -EBADMSG)
			fprintf(stderr, "  bad server %s accepted\n", bad[i]);
		CHECK(has(err.msg, "t.yaml:4:13: clusters[0].cluster: server: \""));
	}
}

/* ------------------------------------------------------------ YAML */

static int yparse(const char *text, struct arena *a, struct k8s_yaml_node **root,
		  struct k8s_yaml_err *err)
{
	return k8s_yaml_parse(text, strlen(text), a, root, err);
}

static void test_yaml_scalars(void)
{
	struct arena *a = arena_new(1 << 20);
	struct k8s_yaml_node *r;
	struct k8s_yaml_err err;
	const struct k8s_yaml_node *n;
	bool b;

	REQUIRE(a);
	if (yparse("a: \"x\\ty\\\\z\\\"q\\u00e9\\U0001F600\\x41\\/\\N\\_\\L\"\n"
		   "b: 'it''s # not a comment'  # a comment\n"
		   "c: plain text with:colon-less a#hash and spaces   # comment\n"
		   "d: ~\n"
		   "e:\n"
		   "f: \"\"\n"
		   "g: TRUE\n"
		   "h: 'true'\n"
		   "\"quoted key\": 1\n"
		   "'single key' : 2\n"
		   "i: -dash\n"
		   "j: https://[::1]:6443/a?b\n"
		   "k: \"tab\tinside\"\n",
		   a, &r, &err) != 0) {
		fprintf(stderr, "  %u:%u %s\n", err.line, err.col, err.msg);
		REQUIRE(0);
	}
	REQUIRE(r && r->kind == K8S_YAML_MAP);
	CHECK_EQ(r->count, 13);
	n = k8s_yaml_get(r, "a");
	REQUIRE(n);
	CHECK_STR(n->str, "x\ty\\z\"q\xc3\xa9\xf0\x9f\x98\x80"
			  "A/\xc2\x85\xc2\xa0\xe2\x80\xa8");
	CHECK_EQ(n->style, K8S_YAML_DOUBLE);
	CHECK_EQ(n->line, 1);
	CHECK_EQ(n->col, 4);
	CHECK_STR(k8s_yaml_get(r, "b")->str, "it's # not a comment");
	CHECK_STR(k8s_yaml_get(r, "c")->str, "plain text with:colon-less a#hash and spaces");
	CHECK(k8s_yaml_is_null(k8s_yaml_get(r, "d")));
	CHECK(k8s_yaml_is_null(k8s_yaml_get(r, "e")));
	CHECK(!k8s_yaml_is_null(k8s_yaml_get(r, "f")));
	CHECK(k8s_yaml_bool(k8s_yaml_get(r, "g"), &b) == 0 && b);
	CHECK_EQ(k8s_yaml_bool(k8s_yaml_get(r, "h"), &b), -EINVAL);
	CHECK_STR(k8s_yaml_get(r, "quoted key")->str, "1");
	CHECK_STR(k8s_yaml_get(r, "single key")->str, "2");
	CHECK_STR(k8s_yaml_get(r, "i")->str, "-dash");
	CHECK_STR(k8s_yaml_get(r, "j")->str, "https://[::1]:6443/a?b");
	CHECK_STR(k8s_yaml_get(r, "k")->str, "tab\tinside");
	arena_free(a);
}

static void test_yaml_structure(void)
{
	struct arena *a = arena_new(1 << 20);
	struct k8s_yaml_node *r;
	struct k8s_yaml_err err;
	const struct k8s_yaml_node *l, *m;

	REQUIRE(a);
	/* Items at the key's indent and indented; "- - x"; nested "- k: v"; CRLF; BOM. */
	REQUIRE(yparse("\xef\xbb\xbf---\r\n"
		       "kubectl:\r\n"
		       "- name: a\r\n"
		       "  v: 1\r\n"
		       "-   name: b\r\n"
		       "    list:\r\n"
		       "      - - x\r\n"
		       "        - y\r\n"
		       "      -\r\n"
		       "        deep: z\r\n"
		       "-\r\n"
		       "empty: []\r\n"
		       "emptymap: {}  # c\r\n"
		       "flow: {a: 1, \"b\":[x, 'y' , {c: d}], e: , f: [ ], g: [h, ]} # c\r\n"
		       "...\r\n"
		       "# trailing comment\r\n",
		       a, &r, &err) == 0);
	l = k8s_yaml_get(r, "kubectl");
	REQUIRE(l && l->kind == K8S_YAML_SEQ);
	CHECK_EQ(l->count, 3);
	m = l->child;
	CHECK_STR(k8s_yaml_get(m, "name")->str, "a");
	CHECK_STR(k8s_yaml_get(m, "v")->str, "1");
	m = m->next;
	CHECK_STR(k8s_yaml_get(m, "name")->str, "b");
	CHECK_EQ(m->col, 5);
	l = k8s_yaml_get(m, "list");
	REQUIRE(l && l->kind == K8S_YAML_SEQ && l->count == 2);
	CHECK(l->child->kind == K8S_YAML_SEQ && l->child->count == 2);
	CHECK_STR(l->child->last->str, "y");
	CHECK_STR(k8s_yaml_get(l->last, "deep")->str, "z");
	CHECK(k8s_yaml_is_null(m->next));
	CHECK(k8s_yaml_get(r, "empty")->kind == K8S_YAML_SEQ);
	CHECK(k8s_yaml_get(r, "emptymap")->kind == K8S_YAML_MAP);
	CHECK_EQ(k8s_yaml_get(r, "emptymap")->count, 0);
	m = k8s_yaml_get(r, "flow");
	REQUIRE(m && m->kind == K8S_YAML_MAP && m->count == 5);
	CHECK_STR(k8s_yaml_get(m, "a")->str, "1");
	l = k8s_yaml_get(m, "b");
	REQUIRE(l && l->kind == K8S_YAML_SEQ && l->count == 3);
	CHECK_STR(l->child->str, "x");
	CHECK_STR(l->child->next->str, "y");
	CHECK_EQ(l->child->next->style, K8S_YAML_SINGLE);
	CHECK_STR(k8s_yaml_get(l->last, "c")->str, "d");
	CHECK(k8s_yaml_is_null(k8s_yaml_get(m, "e")));
	CHECK_EQ(k8s_yaml_get(m, "f")->count, 0);
	CHECK_EQ(k8s_yaml_get(m, "g")->count, 1);
	CHECK_EQ(k8s_yaml_get(m, "g")->col, 53); /* the '[' */
	arena_free(a);
}

static void test_yaml_errors(void)
{
	static const struct {
		const char *text, *msg;
		uint32_t line, col;
	} cases[] = {
		{ "a: &x 1\nb: *x\n", "anchors (&) are not supported", 1, 4 },
		{ "a: *x\n", "aliases (*) are not supported", 1, 4 },
		{ "- &x\n", "anchors", 1, 3 },
		{ "a: !!str 1\n", "tags (!) are not supported", 1, 4 },
		{ "a: |\n  x\n", "block scalars (| and >) are not supported", 1, 4 },
		{ "a: >-\n  x\n", "block scalars", 1, 4 },
		{ "a:\n\tb: 1\n", "tab in indentation", 2, 1 },
		{ "a:\tb\n", "tab characters are only supported inside quoted strings", 1, 3 },
		{ "a: b\tc\n", "tab characters", 1, 5 },
		{ "a: 1\na: 2\n", "duplicate key \"a\"", 2, 1 },
		{ "a: 1\n---\nb: 2\n", "several documents", 2, 1 },
		{ "a: 1\n...\nb: 2\n", "content after the document end marker", 3, 1 },
		{ "%YAML 1.2\n---\na: 1\n", "directives", 1, 1 },
		{ "a: [1,\n 2]\n", "multi-line flow collections are not supported", 1, 7 },
		{ "a: [b: c]\n", "single-pair mappings in flow sequences are not supported", 1, 6 },
		{ "a: {b}\n", "expected ':' after a flow mapping key", 1, 6 },
		{ "a: [a, , b]\n", "an empty entry in a flow collection", 1, 8 },
		{ "a: [a] x\n", "unexpected text after a flow collection", 1, 8 },
		{ "a: {b: 1, b: 2}\n", "duplicate key \"b\"", 1, 11 },
		{ "a: [&x 1]\n", "anchors", 1, 5 },
		{ "a: {b: [c}\n", "expected ',' or the end of the flow collection", 1, 10 },
		{ "a: ]\n", "unexpected flow indicator", 1, 4 },
		{ "a: b\n  c\n", "bad indentation", 2, 3 },
		{ "a:\n  b: 1\n c: 2\n", "bad indentation (expected column 1", 3, 2 },
		{ "a: b: c\n", "a mapping value is not allowed here", 1, 4 },
		{ "a: - b\n", "a block sequence cannot start on its key's line", 1, 4 },
		{ "a: \"x\n", "unterminated quoted string", 1, 4 },
		{ "a: 'x\n  y'\n", "unterminated quoted string", 1, 4 },
		{ "a: \"x\\q\"\n", "unknown escape \\q", 1, 6 },
		{ "a: \"\\ud800\"\n", "not a Unicode scalar value", 1, 5 },
		{ "a: \"\\0\"\n", "NUL characters are not supported", 1, 5 },
		{ "a: \"\\x4\"\n", "escape needs 2 hex digits", 1, 5 },
		{ "a: \"x\" y\n", "unexpected text after a quoted string", 1, 8 },
		{ "a: 'x'#c\n", "unexpected text after a quoted string", 1, 7 },
		{ "? a\n: b\n", "complex mapping keys", 1, 1 },
		{ "a: 1\n- b\n", "a sequence item where a mapping key was expected", 2, 1 },
		{ "- a\nb: 1\n", "content after the end of the document", 2, 1 },
		{ "a: @x\n", "reserved indicator", 1, 4 },
		{ "a: \x01\n", "control character 0x01", 1, 4 },
		{ "a: b\rc: d\n", "control character 0x0d", 1, 5 },
		{ "just a scalar\n", "expected a \"key: value\" line", 1, 1 },
		{ "a: \xff\n", "not valid UTF-8", 0, 0 },
		{ "--- a: 1\n", "content on a document marker line", 1, 4 },
	};
	struct arena *a = arena_new(1 << 20);

	REQUIRE(a);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct k8s_yaml_node *r;
		struct k8s_yaml_err err;
		int ret = yparse(cases[i].text, a, &r, &err);

		if (ret != -EBADMSG || !strstr(err.msg, cases[i].msg) ||
		    err.line != cases[i].line || err.col != cases[i].col)
			fprintf(stderr, "  case %zu: ret %d at %u:%u \"%s\"\n", i, ret, err.line,
				err.col, err.msg);
		CHECK_EQ(ret, -EBADMSG);
		CHECK(strstr(err.msg, cases[i].msg));
		CHECK_EQ(err.line, cases[i].line);
		CHECK_EQ(err.col, cases[i].col);
		arena_reset(a);
	}
	arena_free(a);
}

static void test_yaml_limits(void)
{
	struct arena *a = arena_new(1 << 20);
	struct k8s_yaml_node *r;
	struct k8s_yaml_err err;
	struct buf b;
	int ret;

	REQUIRE(a);
	buf_init(&b, 1 << 20);
	/* K8S_YAML_DEPTH_MAX nested mappings parse; one more is refused. */
	for (int depth = K8S_YAML_DEPTH_MAX; depth <= K8S_YAML_DEPTH_MAX + 1; depth++) {
		buf_reset(&b);
		/* depth - 1 keys below the root mapping: depth mappings in all. */
		for (int i = 0; i < depth - 1; i++)
			CHECK(buf_printf(&b, "%*sk%d:\n", i, "", i) == 0);
		CHECK(buf_printf(&b, "%*sleaf: 1\n", depth - 1, "") == 0);
		ret = k8s_yaml_parse(b.p, b.len, a, &r, &err);
		if (depth == K8S_YAML_DEPTH_MAX) {
			CHECK_EQ(ret, 0);
		} else {
			CHECK_EQ(ret, -EBADMSG);
			CHECK(has(err.msg, "nesting deeper than"));
		}
		arena_reset(a);
	}
	/* Deep "- - - ..." on one line too. */
	buf_reset(&b);
	for (int i = 0; i < K8S_YAML_DEPTH_MAX + 1; i++)
		CHECK(buf_puts(&b, "- ") == 0);
	CHECK(buf_puts(&b, "x\n") == 0);
	CHECK_EQ(k8s_yaml_parse(b.p, b.len, a, &r, &err), -EBADMSG);
	CHECK(has(err.msg, "nesting deeper than"));
	/* K8S_YAML_KEYS_MAX keys in a mapping, block and flow; one more is refused. */
	for (int n = K8S_YAML_KEYS_MAX; n <= K8S_YAML_KEYS_MAX + 1; n++) {
		buf_reset(&b);
		for (int i = 0; i < n - 1; i++) /* n - 1 keys and f */
			CHECK(buf_printf(&b, "k%d: v\n", i) == 0);
		CHECK(buf_puts(&b, "f: {") == 0);
		for (int i = 0; i < n; i++)
			CHECK(buf_printf(&b, "%sk%d: v", i ? ", " : "", i) == 0);
		CHECK(buf_puts(&b, "}\n") == 0);
		ret = k8s_yaml_parse(b.p, b.len, a, &r, &err);
		if (n == K8S_YAML_KEYS_MAX) {
			CHECK_EQ(ret, 0);
		} else {
			CHECK_EQ(ret, -EBADMSG);
			CHECK(has(err.msg, "a mapping with more than 256 keys"));
			CHECK_EQ(err.line, (uint32_t)n); /* f, the 257th key */
		}
		arena_reset(a);
	}
	/* ... and in a flow mapping alone. */
	buf_reset(&b);
	CHECK(buf_puts(&b, "f: {") == 0);
	for (int i = 0; i <= K8S_YAML_KEYS_MAX; i++)
		CHECK(buf_printf(&b, "%sk%d: v", i ? ", " : "", i) == 0);
	CHECK(buf_puts(&b, "}\n") == 0);
	CHECK_EQ(k8s_yaml_parse(b.p, b.len, a, &r, &err), -EBADMSG);
	CHECK(has(err.msg, "a mapping with more than 256 keys"));
	CHECK_EQ(err.line, 1);
	arena_reset(a);
	/* Over the size cap: refused before parsing. */
	CHECK_EQ(k8s_yaml_parse(b.p, K8S_KUBECONFIG_MAX + 1, a, &r, &err), -EMSGSIZE);
	buf_fini(&b);
	arena_free(a);
}

/* Every prefix of a fixture parses or fails cleanly with a message. */
static void test_truncation(void)
{
	static const char *const files[] = { FIX "multi.yaml", FIX "kind.json",
					     FIX "handwritten.yaml" };

	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		size_t len;
		char *text = slurp_file(files[f], &len);

		REQUIRE(text);
		for (size_t n = 0; n < len; n++) {
			struct k8s_config c;
			struct k8s_config_err err;
			char *copy = malloc(n ? n : 1);
			int ret;

			REQUIRE(copy);
			memcpy(copy, text, n);
			ret = k8s_config_parse_kubeconfig(&c, copy, n, FIX, "t", NULL, &err);
			if (ret == 0)
				k8s_config_fini(&c);
			else
				CHECK(err.msg[0]);
			/* A cut tokenFile path may name the directory (-EISDIR). */
			CHECK(ret == 0 || ret == -EBADMSG || ret == -ENOENT || ret == -EISDIR);
			free(copy);
		}
		free(text);
	}
}

/* Arena caps from 0 up: each parse succeeds or fails with -ENOMEM. */
static void test_arena_cap_sweep(void)
{
	size_t len;
	char *text = slurp_file(FIX "kind.yaml", &len);
	size_t cap;
	bool ok = false;

	REQUIRE(text);
	for (cap = 0; cap < (1u << 20) && !ok; cap += 64) {
		struct arena *a = arena_new(cap);
		struct k8s_yaml_node *r;
		struct k8s_yaml_err err;
		int ret;

		REQUIRE(a);
		ret = k8s_yaml_parse(text, len, a, &r, &err);
		CHECK(ret == 0 || ret == -ENOMEM);
		ok = ret == 0;
		arena_free(a);
	}
	CHECK(ok);
	free(text);
}

/* ------------------------------------------------------------ in-cluster */

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ret = fd_write_all(fd, text, strlen(text));
	close(fd);
	return ret;
}

static int mkdirs(const char *root, char *sa, size_t n)
{
	const char *parts[] = { "/var", "/var/run", "/var/run/secrets",
				"/var/run/secrets/kubernetes.io", K8S_SA_DIR };

	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		snprintf(sa, n, "%s%s", root, parts[i]);
		if (mkdir(sa, 0700) != 0 && errno != EEXIST)
			return -errno;
	}
	return 0;
}

static void test_in_cluster(void)
{
	char root[] = "/tmp/test_k8s_config.XXXXXX", sa[512], path[600];
	struct k8s_config c;
	struct k8s_config_err err;
	int ret;

	REQUIRE(mkdtemp(root));
	REQUIRE(mkdirs(root, sa, sizeof(sa)) == 0);

	/* Not in a cluster. */
	CHECK_EQ(k8s_config_in_cluster(&c, NULL, "443", root, &err), -ENOENT);
	CHECK(has(err.msg, "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined"));
	/* No token yet. */
	CHECK_EQ(k8s_config_in_cluster(&c, "10.96.0.1", "443", root, &err), -ENOENT);
	CHECK(has(err.msg, "in-cluster: reading token"));
	REQUIRE(write_file(sa, "token", "first-token\n") == 0);
	CHECK_EQ(k8s_config_in_cluster(&c, "10.96.0.1", "443", root, &err), -ENOENT);
	CHECK(has(err.msg, "ca.crt"));
	REQUIRE(write_file(sa, "ca.crt", "-----BEGIN CERTIFICATE-----\nx\n") == 0);
	CHECK_EQ(k8s_config_in_cluster(&c, "10.96.0.1", "0", root, &err), -EINVAL);
	CHECK_EQ(k8s_config_in_cluster(&c, "10.96.0.1", "44x", root, &err), -EINVAL);

	REQUIRE(write_file(sa, "namespace", "dranet-system") == 0);
	ret = k8s_config_in_cluster(&c, "fd00:96::1", "6443", root, &err);
	if (ret)
		fprintf(stderr, "  %s\n", err.msg);
	REQUIRE(ret == 0);
	CHECK_STR(c.source, "in-cluster");
	CHECK_STR(c.scheme, "https");
	CHECK_STR(c.host, "fd00:96::1");
	CHECK_STR(c.authority, "[fd00:96::1]:6443");
	CHECK_EQ(c.port, 6443);
	CHECK_STR(c.token, "first-token");
	CHECK_STR(c.namespace, "dranet-system");
	CHECK_EQ(c.ca_len, strlen("-----BEGIN CERTIFICATE-----\nx\n"));
	snprintf(path, sizeof(path), "%s/token", sa);
	CHECK_STR(c.token_file, path);

	/* Rotation: not due yet → untouched; forced (after a 401) → the new token. */
	REQUIRE(write_file(sa, "token", "second-token") == 0);
	CHECK_EQ(k8s_config_token_refresh(&c, 3600 * 1000), 0);
	CHECK_STR(c.token, "first-token");
	CHECK_EQ(k8s_config_token_refresh(&c, 0), 1);
	CHECK_STR(c.token, "second-token");
	CHECK_EQ(k8s_config_token_refresh(&c, 0), 0);
	/* kubelet replaces the file by a symlink swap: a missing or empty file keeps the old token. */
	REQUIRE(unlink(path) == 0);
	CHECK_EQ(k8s_config_token_refresh(&c, 0), -ENOENT);
	CHECK_STR(c.token, "second-token");
	REQUIRE(write_file(sa, "token", " \n") == 0);
	CHECK_EQ(k8s_config_token_refresh(&c, 0), -EBADMSG);
	REQUIRE(write_file(sa, "token", "bad token") == 0);
	CHECK_EQ(k8s_config_token_refresh(&c, 0), -EBADMSG);
	CHECK_STR(c.token, "second-token");
	REQUIRE(write_file(sa, "token", "third") == 0);
	usleep(2000);
	CHECK_EQ(k8s_config_token_refresh(&c, 1), 1); /* 2 ms old: due */
	CHECK_STR(c.token, "third");
	k8s_config_fini(&c);

	/* k8s_config_load() without a kubeconfig reads the environment; root is "/" there. */
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	unsetenv("KUBERNETES_SERVICE_PORT");
	CHECK_EQ(k8s_config_load(&c, NULL, NULL, &err), -ENOENT);
	CHECK(has(err.msg, "must be defined"));
	unsetenv("KUBERNETES_SERVICE_HOST");
	/* With a kubeconfig, the environment does not matter. */
	CHECK_EQ(k8s_config_load(&c, FIX "kind.yaml", NULL, &err), 0);
	CHECK_EQ(c.port, 36443);
	k8s_config_fini(&c);

	/* A kubeconfig tokenFile rotates the same way. */
	{
		char text[1024];

		REQUIRE(write_file(sa, "token", "kc-one") == 0);
		snprintf(text, sizeof(text),
			 "clusters:\n- name: c\n  cluster:\n    server: https://h\n"
			 "contexts:\n- name: c\n  context: {}\ncurrent-context: c\n");
		snprintf(text, sizeof(text),
			 "clusters:\n- name: c\n  cluster:\n    server: https://h\n"
			 "contexts:\n- name: c\n  context:\n    cluster: c\n    user: u\n"
			 "current-context: c\nusers:\n- name: u\n  user:\n    token: inline\n"
			 "    tokenFile: %s\n",
			 path);
		ret = k8s_config_parse_kubeconfig(&c, text, strlen(text), "/", NULL, NULL, &err);
		REQUIRE(ret == 0);
		CHECK_STR(c.token, "kc-one");
		REQUIRE(write_file(sa, "token", "kc-two\n") == 0);
		CHECK_EQ(k8s_config_token_refresh(&c, 0), 1);
		CHECK_STR(c.token, "kc-two");
		k8s_config_fini(&c);
		/* The file unreadable at load: the inline token carries on. */
		REQUIRE(unlink(path) == 0);
		ret = k8s_config_parse_kubeconfig(&c, text, strlen(text), "/", NULL, NULL, &err);
		REQUIRE(ret == 0);
		CHECK_STR(c.token, "inline");
		k8s_config_fini(&c);
	}

	snprintf(path, sizeof(path), "%s/ca.crt", sa);
	unlink(path);
	snprintf(path, sizeof(path), "%s/namespace", sa);
	unlink(path);
	for (int i = 4; i >= 0; i--) {
		static const char *const parts[] = { "/var", "/var/run", "/var/run/secrets",
						     "/var/run/secrets/kubernetes.io", K8S_SA_DIR };

		snprintf(path, sizeof(path), "%s%s", root, parts[i]);
		CHECK(rmdir(path) == 0);
	}
	CHECK(rmdir(root) == 0);
}

/* ------------------------------------------------------------ dump */

static int add_bytes(struct json *o, const char *key, const uint8_t *p, size_t n)
{
	char *s;
	int ret;

	if (!p)
		return json_obj_add(o, key, json_new_null());
	s = malloc(n + 1);
	if (!s)
		return -ENOMEM;
	memcpy(s, p, n);
	s[n] = '\0';
	ret = json_obj_add_str(o, key, s);
	free(s);
	return ret;
}

static int add_str(struct json *o, const char *key, const char *s)
{
	return json_obj_add(o, key, s ? json_new_string(s) : json_new_null());
}

/* The decoded config (or {"error": msg}) as JSON on stdout, for the PyYAML cross-check. */
static int dump(const char *file, const char *context)
{
	struct k8s_config c;
	struct k8s_config_err err;
	struct json *o = json_new_object();
	struct buf b;
	int ret = k8s_config_from_kubeconfig(&c, file, context, &err);

	if (!o)
		return 1;
	if (ret < 0) {
		ret = json_obj_add_str(o, "error", err.msg);
	} else {
		ret = add_str(o, "context", c.context);
		ret |= add_str(o, "cluster", c.cluster);
		ret |= add_str(o, "user", c.user);
		ret |= add_str(o, "scheme", c.scheme);
		ret |= add_str(o, "host", c.host);
		ret |= json_obj_add_int(o, "port", c.port);
		ret |= add_str(o, "base_path", c.base_path);
		ret |= add_bytes(o, "ca", c.ca_pem, c.ca_len);
		ret |= add_bytes(o, "cert", c.cert_pem, c.cert_len);
		ret |= add_bytes(o, "key", c.key_pem, c.key_len);
		ret |= add_str(o, "token", c.token);
		ret |= add_str(o, "token_file", c.token_file);
		ret |= json_obj_add_bool(o, "insecure", c.insecure);
		ret |= add_str(o, "tls_server_name", c.tls_server_name);
		ret |= add_str(o, "namespace", c.namespace);
		k8s_config_fini(&c);
	}
	buf_init(&b, 1 << 20);
	if (ret == 0)
		ret = json_print(o, JSON_COMPACT, &b);
	if (ret == 0)
		printf("%s\n", b.p);
	buf_fini(&b);
	json_free(o);
	return ret ? 1 : 0;
}

/* The YAML tree as JSON: mappings, lists, every scalar as a string (PyYAML's BaseLoader view). */
static struct json *tree_json(const struct k8s_yaml_node *n)
{
	struct json *v;

	if (n->kind == K8S_YAML_SCALAR)
		return json_new_string(n->str);
	v = n->kind == K8S_YAML_MAP ? json_new_object() : json_new_array();
	for (const struct k8s_yaml_node *m = n->child; v && m; m = m->next) {
		struct json *c = tree_json(m);
		int ret = n->kind == K8S_YAML_MAP ? json_obj_add(v, m->key, c) : json_arr_add(v, c);

		if (ret < 0) {
			json_free(v);
			return NULL;
		}
	}
	return v;
}

/* --dump-yaml FILE: the tree, or {"error": "LINE:COL: msg"}. */
static int dump_yaml(const char *file)
{
	struct arena *a = arena_new(K8S_CONFIG_ARENA_CAP);
	struct k8s_yaml_node *root;
	struct k8s_yaml_err err;
	struct json *o = NULL;
	struct buf b;
	size_t len;
	char *text = slurp_file(file, &len), msg[256];
	int ret = -ENOMEM;

	if (!a || !text)
		goto out;
	ret = k8s_yaml_parse(text, len, a, &root, &err);
	if (ret < 0) {
		snprintf(msg, sizeof(msg), "%u:%u: %s", err.line, err.col, err.msg);
		o = json_new_object();
		ret = o ? json_obj_add_str(o, "error", msg) : -ENOMEM;
	} else {
		o = root ? tree_json(root) : json_new_null();
		ret = o ? 0 : -ENOMEM;
	}
	buf_init(&b, 16 << 20);
	if (ret == 0)
		ret = json_print(o, JSON_COMPACT, &b);
	if (ret == 0)
		printf("%s\n", b.p);
	buf_fini(&b);
out:
	json_free(o);
	free(text);
	arena_free(a);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct t_case tests[] = {
		T(test_base64_rfc4648),	 T(test_base64_go_rules),      T(test_kind_embedded),
		T(test_json_kubeconfig), T(test_file_references),      T(test_multi_contexts),
		T(test_plugins_refused), T(test_ipv6_and_handwritten), T(test_semantic_errors),
		T(test_server_urls),	 T(test_yaml_scalars),	       T(test_yaml_structure),
		T(test_yaml_errors),	 T(test_yaml_limits),	       T(test_truncation),
		T(test_arena_cap_sweep), T(test_in_cluster),
	};

	if (argc == 3 && strcmp(argv[1], "--dump-yaml") == 0)
		return dump_yaml(argv[2]);
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "--dump") == 0)
		return dump(argv[2], argc == 4 ? argv[3] : NULL);
	return T_RUN(tests);
}
