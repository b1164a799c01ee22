// SPDX-License-Identifier: Apache-2.0
/*
 * lib/tls: CA bundles and client credentials from PEM (made at test time by
 * tests/data/tls/gen.sh with the openssl CLI), PEM errors and limits, the
 * engine's first flight (ClientHello, SNI only for names), host checks, and
 * the error a garbage server reply gives. Real handshakes: tests/e2e/40.
 */
#include "tls/tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "t.h"

static char dir[] = "/tmp/test_tls.XXXXXX";
static bool have_files;

/* Read DIR/name into a malloc'd buffer (NUL-terminated); *len its size. */
static char *slurp(const char *name, size_t *len)
{
	char path[256];
	FILE *f;
	char *p;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = calloc(1, (size_t)n + 1);
	if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return p;
}

static int add_ca_str(struct tls_config *cfg, const char *s)
{
	const char *why = NULL;
	int ret = tls_config_add_ca_pem(cfg, s, strlen(s), &why);

	if (ret < 0 && (!why || !*why))
		T_FAIL("error %d without a reason", ret);
	return ret;
}

static void test_ca_bundle(void)
{
	struct tls_config *cfg;
	size_t n1, n2;
	char *ca = slurp("ca.pem", &n1), *ca2 = slurp("ca2.pem", &n2), *both, *crlf;
	size_t j = 0;

	REQUIRE(have_files && ca && ca2);
	REQUIRE(tls_config_new(&cfg) == 0);
	CHECK_EQ(tls_config_ca_count(cfg), 0);
	CHECK_EQ(add_ca_str(cfg, ca), 1);
	/* a bundle, with text between the objects */
	both = malloc(n1 + n2 + 64);
	REQUIRE(both);
	sprintf(both, "# bundle\n%s\nsome comment\n%s", ca, ca2);
	CHECK_EQ(add_ca_str(cfg, both), 2);
	CHECK_EQ(tls_config_ca_count(cfg), 3);
	/* CRLF line ends and no final newline */
	crlf = malloc(2 * n1 + 1);
	REQUIRE(crlf);
	for (size_t i = 0; i < n1; i++) {
		if (ca[i] == '\n')
			crlf[j++] = '\r';
		crlf[j++] = ca[i];
	}
	while (j && (crlf[j - 1] == '\n' || crlf[j - 1] == '\r'))
		j--;
	crlf[j] = 0;
	CHECK_EQ(add_ca_str(cfg, crlf), 1);
	CHECK(!tls_config_is_insecure(cfg));
	tls_config_set_insecure(cfg, true);
	CHECK(tls_config_is_insecure(cfg));
	tls_config_free(cfg);
	free(ca);
	free(ca2);
	free(both);
	free(crlf);
}

static void test_ca_errors(void)
{
	struct tls_config *cfg;
	size_t n;
	char *key = slurp("client-ec.key", &n), *ca = slurp("ca.pem", &n), *big;
	const char *why = NULL;

	REQUIRE(have_files && key && ca);
	REQUIRE(tls_config_new(&cfg) == 0);
	CHECK_EQ(add_ca_str(cfg, ""), -EINVAL);
	CHECK_EQ(add_ca_str(cfg, "just text\n"), -EINVAL);
	CHECK_EQ(add_ca_str(cfg, key), -EINVAL); /* a key is no certificate */
	/* valid base64 that is no certificate */
	CHECK_EQ(add_ca_str(
			 cfg,
			 "-----BEGIN CERTIFICATE-----\nAAECAwQFBgcI\n-----END CERTIFICATE-----\n"),
		 -EBADMSG);
	/* bad base64 */
	CHECK_EQ(add_ca_str(cfg, "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"),
		 -EBADMSG);
	/* no END line */
	ca[n / 2] = 0;
	CHECK_EQ(add_ca_str(cfg, ca), -EBADMSG);
	CHECK_EQ(tls_config_ca_count(cfg), 0);
	big = calloc(1, TLS_PEM_MAX + 1);
	REQUIRE(big);
	CHECK_EQ(tls_config_add_ca_pem(cfg, big, TLS_PEM_MAX + 1, &why), -EMSGSIZE);
	tls_config_free(cfg);
	free(big);
	free(key);
	free(ca);
}

static int set_client(struct tls_config *cfg, const char *cert, const char *key)
{
	size_t nc, nk;
	char *c = slurp(cert, &nc), *k = slurp(key, &nk);
	const char *why = NULL;
	int ret = c && k ? tls_config_set_client_pem(cfg, c, nc, k, nk, &why) : -ENOENT;

	if (ret < 0 && ret != -ENOENT && (!why || !*why))
		T_FAIL("error %d without a reason", ret);
	free(c);
	free(k);
	return ret;
}

static void test_client_credentials(void)
{
	static const char *const ok[][2] = {
		{ "client-rsa.pem", "client-rsa.key" },
		{ "client-rsa.pem", "client-rsa.p8" },
		{ "client-ec.pem", "client-ec.key" },
		{ "client-ec.pem", "client-ec.p8" },
	};
	struct tls_config *cfg;

	REQUIRE(have_files);
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		REQUIRE(tls_config_new(&cfg) == 0);
		CHECK_EQ(set_client(cfg, ok[i][0], ok[i][1]), 0);
		/* only one client identity per config */
		CHECK_EQ(set_client(cfg, ok[i][0], ok[i][1]), -EINVAL);
		tls_config_free(cfg);
	}
	REQUIRE(tls_config_new(&cfg) == 0);
	CHECK_EQ(set_client(cfg, "client-rsa.pem", "client-ec.key"), -EINVAL);
	CHECK_EQ(set_client(cfg, "client-ec.pem", "client-rsa.key"), -EINVAL);
	CHECK_EQ(set_client(cfg, "client-ec.pem", "client-ec.pem"), -EINVAL); /* no key */
	CHECK_EQ(set_client(cfg, "client-ec.key", "client-ec.key"), -EINVAL); /* no cert */
	/* a failed set leaves the config usable */
	CHECK_EQ(set_client(cfg, "client-ec.pem", "client-ec.key"), 0);
	tls_config_free(cfg);
}

static bool contains(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);

	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(p + i, s, k) == 0)
			return true;
	return false;
}

static void test_client_hello(void)
{
	struct tls_config *cfg;
	struct tls_conn *c;
	const uint8_t *out;
	size_t len;

	REQUIRE(tls_config_new(&cfg) == 0);
	CHECK_EQ(tls_conn_new(cfg, "bad host", &c), -EINVAL);
	CHECK_EQ(tls_conn_new(cfg, "", &c), -EINVAL);
	CHECK_EQ(tls_conn_new(cfg, "1.2.3.4:443", &c), -EINVAL);

	/* a name goes out as SNI (RFC 6066 §3) */
	REQUIRE(tls_conn_new(cfg, "api.example.test", &c) == 0);
	CHECK(!tls_conn_is_ready(c) && !tls_conn_is_closed(c));
	CHECK(tls_conn_wants_write(c));
	out = tls_conn_out(c, &len);
	REQUIRE(out && len > 45);
	CHECK_EQ(out[0], 0x16); /* handshake record */
	CHECK_EQ(out[1], 0x03);
	CHECK_EQ(out[5], 0x01); /* ClientHello */
	CHECK(contains(out, len, "api.example.test"));
	CHECK_EQ(tls_conn_error(c), 0);
	CHECK_STR(tls_conn_strerror(c), "");
	tls_conn_free(c);

	/* an IP literal is not sent (SNI carries host names only) */
	REQUIRE(tls_conn_new(cfg, "10.96.0.1", &c) == 0);
	out = tls_conn_out(c, &len);
	REQUIRE(out && len > 45);
	CHECK(!contains(out, len, "10.96.0.1"));
	tls_conn_free(c);
	REQUIRE(tls_conn_new(cfg, "fd00::1", &c) == 0);
	tls_conn_free(c);
	tls_config_free(cfg);
}

/* Whatever the server says that is not TLS ends the engine with a clear error. */
static void test_garbage_reply(void)
{
	static const char reply[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
	struct tls_config *cfg;
	struct tls_conn *c;
	size_t len;
	uint8_t *in;
	int w;

	REQUIRE(tls_config_new(&cfg) == 0);
	REQUIRE(tls_conn_new(cfg, "127.0.0.1", &c) == 0);
	tls_conn_out(c, &len);
	tls_conn_out_done(c, len); /* "sent" */
	w = tls_conn_write(c, "x", 1);
	CHECK_EQ(w, 0); /* no application data before the handshake */
	CHECK(tls_conn_wants_read(c));
	/* the engine asks for the record header first, then the rest */
	for (size_t off = 0; off < sizeof(reply) - 1 && !tls_conn_is_closed(c);) {
		size_t n;

		in = tls_conn_in(c, &len);
		REQUIRE(in && len > 0);
		n = len < sizeof(reply) - 1 - off ? len : sizeof(reply) - 1 - off;
		memcpy(in, reply + off, n);
		tls_conn_in_done(c, n);
		off += n;
	}
	CHECK(tls_conn_is_closed(c));
	CHECK_EQ(tls_conn_error(c), -EPROTO);
	CHECK(strstr(tls_conn_strerror(c), "tls:") != NULL);
	CHECK(tls_conn_write(c, "x", 1) < 0);
	tls_conn_free(c);
	tls_config_free(cfg);
}

int main(void)
{
	static const struct t_case tests[] = {
		T(test_ca_bundle),    T(test_ca_errors),     T(test_client_credentials),
		T(test_client_hello), T(test_garbage_reply),
	};
	char cmd[512];
	int ret;

	if (mkdtemp(dir)) {
		snprintf(cmd, sizeof(cmd), "bash tests/data/tls/gen.sh %s", dir);
		have_files = system(cmd) == 0;
	}
	if (!have_files)
		fprintf(stderr, "test_tls: tests/data/tls/gen.sh failed (openssl CLI?)\n");
	ret = T_RUN(tests);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_tls: could not remove %s\n", dir);
	return ret;
}
