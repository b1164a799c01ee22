// SPDX-License-Identifier: Apache-2.0
/*
 * lib/tls/tls: client configs and connections over BearSSL's engine API
 * (https://bearssl.org/api1.html): trust anchors and client credentials from
 * PEM, a wrapping X.509 class that adds the iPAddress SAN check (RFC 5280
 * §4.2.1.6, RFC 6125 §6.2.1) and insecure mode, and push-style I/O.
 */
#include "tls/tls.h"

#include <arpa/inet.h>
#include <bearssl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct tls_config {
	struct arena *a;
	br_x509_trust_anchor *tas;
	size_t ntas, tas_cap;
	br_x509_certificate *chain;
	size_t chain_len;
	int key_type; /* 0: no client certificate, else BR_KEYTYPE_RSA or _EC */
	br_rsa_private_key rsa;
	br_ec_private_key ec;
	uint8_t *key_mem; /* the private key's bytes: malloc'd, wiped on free */
	size_t key_mem_len;
	unsigned issuer_key_type;
	bool insecure;
};

struct tls_conn {
	br_ssl_client_context cc;
	br_x509_minimal_context xc;
	br_x509_decoder_context xd; /* insecure mode: the EE key, unchecked */
	const br_x509_class *xw; /* our X.509 class; the engine holds &xw */
	const struct tls_config *cfg;
	char host[TLS_HOST_MAX + 1];
	uint8_t ip[16];
	size_t ip_len; /* 0: host is a DNS name */
	int cert_idx;
	size_t ee_len;
	bool ee_over, ready;
	char msg[TLS_ERRMSG_MAX];
	uint8_t ee[TLS_EE_CERT_MAX];
	uint8_t iobuf[BR_SSL_BUFSIZE_BIDI];
};

/* ------------------------------------------------------------ PEM */

static void buf_dest(void *ctx, const void *src, size_t len)
{
	struct buf *b = ctx;

	if (buf_put(b, src, len) != 0)
		b->err = true;
}

typedef int (*pem_fn)(void *arg, const char *name, const uint8_t *der, size_t len);

struct pem_state {
	br_pem_decoder_context pc;
	char name[128];
	bool in_obj;
	struct buf der;
	pem_fn fn;
	void *arg;
	int count;
	const char **why;
};

/* Push @len bytes to the decoder and act on its events; 0 or an error. */
static int pem_feed(struct pem_state *st, const uint8_t *p, size_t len)
{
	while (len > 0) {
		size_t n = br_pem_decoder_push(&st->pc, p, len);
		int ret;

		p += n;
		len -= n;
		switch (br_pem_decoder_event(&st->pc)) {
		case BR_PEM_BEGIN_OBJ:
			snprintf(st->name, sizeof(st->name), "%s", br_pem_decoder_name(&st->pc));
			buf_reset(&st->der);
			br_pem_decoder_setdest(&st->pc, buf_dest, &st->der);
			st->in_obj = true;
			break;
		case BR_PEM_END_OBJ:
			if (!st->in_obj)
				break;
			st->in_obj = false;
			if (st->der.err)
				return -ENOMEM;
			ret = st->fn(st->arg, st->name, (const uint8_t *)st->der.p, st->der.len);
			if (ret < 0)
				return ret;
			st->count++;
			break;
		case BR_PEM_ERROR:
			*st->why = "malformed PEM";
			return -EBADMSG;
		default:
			break;
		}
	}
	return 0;
}

/*
 * Call @fn for each PEM object of @pem with its decoded DER bytes. Returns
 * the number of objects, -EBADMSG, -EMSGSIZE, -ENOMEM or @fn's error.
 */
static int pem_each(const void *pem, size_t len, pem_fn fn, void *arg, const char **why)
{
	struct pem_state st = { .fn = fn, .arg = arg, .why = why };
	const uint8_t *p = pem, *end = p + len;
	int ret = 0;

	if (len > TLS_PEM_MAX) {
		*why = "PEM text too large";
		return -EMSGSIZE;
	}
	buf_init(&st.der, TLS_PEM_MAX);
	br_pem_decoder_init(&st.pc);
	/* BearSSL takes LF line ends only: feed the text without its CRs. */
	while (p < end && ret == 0) {
		const uint8_t *cr = memchr(p, '\r', (size_t)(end - p));
		const uint8_t *stop = cr ? cr : end;

		ret = pem_feed(&st, p, (size_t)(stop - p));
		p = cr ? cr + 1 : end;
	}
	/* and it needs a final newline to see the last END line */
	if (ret == 0)
		ret = pem_feed(&st, (const uint8_t *)"\n", 1);
	if (ret == 0 && st.in_obj) {
		*why = "PEM object without an END line";
		ret = -EBADMSG;
	}
	if (ret == 0)
		ret = st.count;
	if (st.der.p)
		explicit_bzero(st.der.p, st.der.size);
	buf_fini(&st.der);
	return ret;
}

/* ------------------------------------------------------------ config */

int tls_config_new(struct tls_config **out)
{
	struct tls_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return -ENOMEM;
	cfg->a = arena_new(TLS_CONFIG_ARENA_CAP);
	if (!cfg->a) {
		free(cfg);
		return -ENOMEM;
	}
	*out = cfg;
	return 0;
}

void tls_config_free(struct tls_config *cfg)
{
	if (!cfg)
		return;
	if (cfg->key_mem) {
		explicit_bzero(cfg->key_mem, cfg->key_mem_len);
		free(cfg->key_mem);
	}
	arena_free(cfg->a);
	free(cfg);
}

void tls_config_set_insecure(struct tls_config *cfg, bool insecure)
{
	cfg->insecure = insecure;
}

bool tls_config_is_insecure(const struct tls_config *cfg)
{
	return cfg->insecure;
}

size_t tls_config_ca_count(const struct tls_config *cfg)
{
	return cfg->ntas;
}

struct ca_ctx {
	struct tls_config *cfg;
	const char **why;
	int added;
};

/* Copy a decoded public key into the arena. */
static int pkey_dup(struct arena *a, br_x509_pkey *dst, const br_x509_pkey *src)
{
	*dst = *src;
	if (src->key_type == BR_KEYTYPE_RSA) {
		dst->key.rsa.n = arena_dup(a, src->key.rsa.n, src->key.rsa.nlen);
		dst->key.rsa.e = arena_dup(a, src->key.rsa.e, src->key.rsa.elen);
		return dst->key.rsa.n && dst->key.rsa.e ? 0 : -ENOMEM;
	}
	dst->key.ec.q = arena_dup(a, src->key.ec.q, src->key.ec.qlen);
	return dst->key.ec.q ? 0 : -ENOMEM;
}

static int add_anchor(void *arg, const char *name, const uint8_t *der, size_t len)
{
	struct ca_ctx *ctx = arg;
	struct tls_config *cfg = ctx->cfg;
	br_x509_decoder_context dc;
	br_x509_trust_anchor *ta;
	const br_x509_pkey *pk;
	struct buf dn;
	int ret;

	if (strcmp(name, "CERTIFICATE") != 0 && strcmp(name, "X509 CERTIFICATE") != 0)
		return 0;
	if (cfg->ntas == cfg->tas_cap) {
		size_t ncap = cfg->tas_cap ? cfg->tas_cap * 2 : 8;
		void *p = arena_realloc(cfg->a, cfg->tas, cfg->tas_cap * sizeof(*ta),
					ncap * sizeof(*ta));

		if (!p)
			return -ENOMEM;
		cfg->tas = p;
		cfg->tas_cap = ncap;
	}
	buf_init(&dn, 64 << 10);
	br_x509_decoder_init(&dc, buf_dest, &dn);
	br_x509_decoder_push(&dc, der, len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (!pk || dn.err) {
		*ctx->why = "certificate BearSSL cannot decode in the CA bundle";
		ret = -EBADMSG;
		goto out;
	}
	ta = &cfg->tas[cfg->ntas];
	memset(ta, 0, sizeof(*ta));
	ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	ta->dn.data = arena_dup(cfg->a, dn.p, dn.len ? dn.len : 1);
	ta->dn.len = dn.len;
	ret = ta->dn.data ? pkey_dup(cfg->a, &ta->pkey, pk) : -ENOMEM;
	if (ret == 0) {
		cfg->ntas++;
		ctx->added++;
	}
out:
	buf_fini(&dn);
	return ret;
}

int tls_config_add_ca_pem(struct tls_config *cfg, const void *pem, size_t len, const char **why)
{
	const char *dummy;
	struct ca_ctx ctx = { cfg, why ? why : &dummy, 0 };
	int ret;

	ret = pem_each(pem, len, add_anchor, &ctx, ctx.why);
	if (ret < 0)
		return ret;
	if (ctx.added == 0) {
		*ctx.why = "no CERTIFICATE in the CA bundle";
		return -EINVAL;
	}
	return ctx.added;
}

struct cred_ctx {
	struct tls_config *cfg;
	br_skey_decoder_context *kd;
	const char **why;
	int nkeys;
};

static int add_chain_cert(void *arg, const char *name, const uint8_t *der, size_t len)
{
	struct cred_ctx *ctx = arg;
	struct tls_config *cfg = ctx->cfg;
	br_x509_certificate *chain;

	if (strcmp(name, "CERTIFICATE") != 0 && strcmp(name, "X509 CERTIFICATE") != 0)
		return 0;
	chain = arena_realloc(cfg->a, cfg->chain, cfg->chain_len * sizeof(*chain),
			      (cfg->chain_len + 1) * sizeof(*chain));
	if (!chain)
		return -ENOMEM;
	cfg->chain = chain;
	chain[cfg->chain_len].data = arena_dup(cfg->a, der, len ? len : 1);
	chain[cfg->chain_len].data_len = len;
	if (!chain[cfg->chain_len].data)
		return -ENOMEM;
	cfg->chain_len++;
	return 0;
}

static int add_key(void *arg, const char *name, const uint8_t *der, size_t len)
{
	struct cred_ctx *ctx = arg;

	if (strcmp(name, "RSA PRIVATE KEY") != 0 && strcmp(name, "EC PRIVATE KEY") != 0 &&
	    strcmp(name, "PRIVATE KEY") != 0)
		return 0;
	if (ctx->nkeys++) {
		*ctx->why = "more than one private key";
		return -EINVAL;
	}
	br_skey_decoder_init(ctx->kd);
	br_skey_decoder_push(ctx->kd, der, len);
	if (br_skey_decoder_last_error(ctx->kd) != 0) {
		*ctx->why = "private key BearSSL cannot decode (RSA or EC expected)";
		return -EBADMSG;
	}
	return 0;
}

/* Copy the decoded key into one malloc'd block the config owns. */
static int keep_key(struct tls_config *cfg, br_skey_decoder_context *kd)
{
	const br_rsa_private_key *rk = br_skey_decoder_get_rsa(kd);
	const br_ec_private_key *ek = br_skey_decoder_get_ec(kd);
	size_t n = rk ? rk->plen + rk->qlen + rk->dplen + rk->dqlen + rk->iqlen : ek->xlen;
	uint8_t *m = malloc(n ? n : 1), *p = m;

	if (!m)
		return -ENOMEM;
	if (rk) {
		cfg->rsa = *rk;
		cfg->rsa.p = memcpy(p, rk->p, rk->plen), p += rk->plen;
		cfg->rsa.q = memcpy(p, rk->q, rk->qlen), p += rk->qlen;
		cfg->rsa.dp = memcpy(p, rk->dp, rk->dplen), p += rk->dplen;
		cfg->rsa.dq = memcpy(p, rk->dq, rk->dqlen), p += rk->dqlen;
		cfg->rsa.iq = memcpy(p, rk->iq, rk->iqlen);
		cfg->key_type = BR_KEYTYPE_RSA;
	} else {
		cfg->ec = *ek;
		cfg->ec.x = memcpy(p, ek->x, ek->xlen);
		cfg->key_type = BR_KEYTYPE_EC;
	}
	cfg->key_mem = m;
	cfg->key_mem_len = n;
	return 0;
}

int tls_config_set_client_pem(struct tls_config *cfg, const void *cert_pem, size_t cert_len,
			      const void *key_pem, size_t key_len, const char **why)
{
	br_skey_decoder_context kd;
	br_x509_decoder_context dc;
	const br_x509_pkey *pk;
	const char *dummy;
	struct cred_ctx ctx = { cfg, &kd, why ? why : &dummy, 0 };
	int ret;

	if (cfg->key_type || cfg->chain_len) {
		*ctx.why = "client certificate already set";
		return -EINVAL;
	}
	ret = pem_each(cert_pem, cert_len, add_chain_cert, &ctx, ctx.why);
	if (ret < 0)
		goto fail;
	if (cfg->chain_len == 0) {
		*ctx.why = "no CERTIFICATE in the client certificate";
		ret = -EINVAL;
		goto fail;
	}
	ret = pem_each(key_pem, key_len, add_key, &ctx, ctx.why);
	if (ret < 0)
		goto fail;
	if (ctx.nkeys == 0) {
		*ctx.why = "no PRIVATE KEY in the client key";
		ret = -EINVAL;
		goto fail;
	}
	br_x509_decoder_init(&dc, NULL, NULL);
	br_x509_decoder_push(&dc, cfg->chain[0].data, cfg->chain[0].data_len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (!pk) {
		*ctx.why = "client certificate BearSSL cannot decode";
		ret = -EBADMSG;
		goto fail;
	}
	if ((int)pk->key_type != br_skey_decoder_key_type(&kd)) {
		*ctx.why = "client key type differs from the certificate's";
		ret = -EINVAL;
		goto fail;
	}
	cfg->issuer_key_type = br_x509_decoder_get_signer_key_type(&dc);
	ret = keep_key(cfg, &kd);
	if (ret < 0)
		goto fail;
	explicit_bzero(&kd, sizeof(kd));
	return 0;
fail:
	explicit_bzero(&kd, sizeof(kd));
	cfg->chain = NULL;
	cfg->chain_len = 0;
	return ret;
}

/* ------------------------------------------------------------ X.509 wrapper */

static struct tls_conn *conn_of(const br_x509_class *const *ctx)
{
	return (struct tls_conn *)(void *)((char *)(uintptr_t)ctx - offsetof(struct tls_conn, xw));
}

static void xw_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct tls_conn *c = conn_of(ctx);

	c->cert_idx = -1;
	c->ee_len = 0;
	c->ee_over = false;
	if (c->cfg->insecure)
		br_x509_decoder_init(&c->xd, NULL, NULL);
	else /* an IP literal: BearSSL checks no name, we check the IP SAN */
		c->xc.vtable->start_chain(&c->xc.vtable, c->ip_len ? NULL : server_name);
}

static void xw_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct tls_conn *c = conn_of(ctx);

	c->cert_idx++;
	if (!c->cfg->insecure)
		c->xc.vtable->start_cert(&c->xc.vtable, length);
}

static void xw_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct tls_conn *c = conn_of(ctx);

	if (c->cert_idx == 0) {
		if (len > TLS_EE_CERT_MAX - c->ee_len)
			c->ee_over = true;
		else
			memcpy(c->ee + c->ee_len, buf, len), c->ee_len += len;
		if (c->cfg->insecure)
			br_x509_decoder_push(&c->xd, buf, len);
	}
	if (!c->cfg->insecure)
		c->xc.vtable->append(&c->xc.vtable, buf, len);
}

static void xw_end_cert(const br_x509_class **ctx)
{
	struct tls_conn *c = conn_of(ctx);

	if (!c->cfg->insecure)
		c->xc.vtable->end_cert(&c->xc.vtable);
}

struct ip_match {
	const uint8_t *ip;
	size_t len;
	bool found;
};

static int match_ip(void *arg, int type, struct slice v)
{
	struct ip_match *m = arg;

	if (type == TLS_SAN_IP && v.len == m->len && memcmp(v.p, m->ip, m->len) == 0)
		m->found = true;
	return 0;
}

static unsigned xw_end_chain(const br_x509_class **ctx)
{
	struct tls_conn *c = conn_of(ctx);
	struct ip_match m = { c->ip, c->ip_len, false };
	unsigned err;

	if (c->cfg->insecure)
		return br_x509_decoder_get_pkey(&c->xd) ? 0 : BR_ERR_X509_INVALID_VALUE;
	err = c->xc.vtable->end_chain(&c->xc.vtable);
	if (err || !c->ip_len)
		return err;
	if (c->ee_over)
		return BR_ERR_X509_LIMIT_EXCEEDED;
	if (tls_x509_sans(c->ee, c->ee_len, match_ip, &m) < 0)
		return BR_ERR_X509_INVALID_VALUE;
	return m.found ? 0 : BR_ERR_X509_BAD_SERVER_NAME;
}

static const br_x509_pkey *xw_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	struct tls_conn *c = conn_of(ctx);

	if (c->cfg->insecure) {
		if (usages)
			*usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
		return br_x509_decoder_get_pkey(&c->xd);
	}
	return c->xc.vtable->get_pkey(&c->xc.vtable, usages);
}

static const br_x509_class xw_class = {
	sizeof(struct tls_conn),
	xw_start_chain,
	xw_start_cert,
	xw_append,
	xw_end_cert,
	xw_end_chain,
	xw_get_pkey,
};

/* ------------------------------------------------------------ errors */

struct names_ctx {
	char *p;
	size_t left;
	int n, nip;
	bool want_ip;
};

static int add_name(void *arg, int type, struct slice v)
{
	struct names_ctx *nc = arg;
	char txt[INET6_ADDRSTRLEN + 1];
	int w;

	if (type == TLS_SAN_IP) {
		nc->nip++;
		inet_ntop(v.len == 4 ? AF_INET : AF_INET6, v.p, txt, sizeof(txt));
	} else {
		if (nc->want_ip)
			return 0;
		snprintf(txt, sizeof(txt), "%.*s", (int)(v.len < 45 ? v.len : 45),
			 (const char *)v.p);
		for (char *q = txt; *q; q++)
			if ((unsigned char)*q < 0x21 || (unsigned char)*q > 0x7e)
				*q = '?';
	}
	if (nc->want_ip != (type == TLS_SAN_IP))
		return 0;
	w = snprintf(nc->p, nc->left, "%s%s", nc->n++ ? ", " : "", txt);
	if (w < 0 || (size_t)w >= nc->left)
		return -EMSGSIZE; /* enough names for a message */
	nc->p += w;
	nc->left -= w;
	return 0;
}

/* Go's messages (crypto/x509 HostnameError) for a name that did not match. */
static void name_error(struct tls_conn *c)
{
	char names[300] = "";
	struct names_ctx nc = { names, sizeof(names), 0, 0, c->ip_len != 0 };

	if (tls_x509_sans(c->ee, c->ee_len, add_name, &nc) == -EBADMSG || c->ee_over)
		names[0] = 0, nc.n = 0;
	if (c->ip_len && nc.n == 0)
		snprintf(
			c->msg, sizeof(c->msg),
			"x509: cannot validate certificate for %s because it doesn't contain any IP SANs",
			c->host);
	else if (nc.n == 0)
		snprintf(c->msg, sizeof(c->msg),
			 "x509: certificate is not valid for any names, but wanted to match %s",
			 c->host);
	else
		snprintf(c->msg, sizeof(c->msg), "x509: certificate is valid for %s, not %s", names,
			 c->host);
}

static const char *alert_name(int a)
{
	switch (a) {
	case 40:
		return "handshake failure";
	case 42:
		return "bad certificate";
	case 43:
		return "unsupported certificate";
	case 44:
		return "revoked certificate";
	case 45:
		return "expired certificate";
	case 46:
		return "unknown certificate";
	case 48:
		return "unknown certificate authority";
	case 70:
		return "protocol version not supported";
	case 80:
		return "internal error";
	case 112:
		return "unrecognized name";
	case 116:
		return "certificate required";
	default:
		return "alert";
	}
}

static int map_error(struct tls_conn *c, int err)
{
	if (err >= BR_ERR_SEND_FATAL_ALERT) {
		snprintf(c->msg, sizeof(c->msg), "tls: local error: sent alert %d (%s)",
			 err - BR_ERR_SEND_FATAL_ALERT, alert_name(err - BR_ERR_SEND_FATAL_ALERT));
		return -EPROTO;
	}
	if (err >= BR_ERR_RECV_FATAL_ALERT) {
		int a = err - BR_ERR_RECV_FATAL_ALERT;

		snprintf(c->msg, sizeof(c->msg), "remote error: tls: %s (alert %d%s)",
			 alert_name(a), a, a == 70 ? "; this client speaks TLS 1.2 only" : "");
		return -ECONNRESET;
	}
	switch (err) {
	case BR_ERR_X509_NOT_TRUSTED:
		snprintf(c->msg, sizeof(c->msg), "x509: certificate signed by unknown authority");
		return -EKEYREJECTED;
	case BR_ERR_X509_EXPIRED:
		snprintf(
			c->msg, sizeof(c->msg),
			"x509: certificate has expired or is not yet valid (checked against the system clock)");
		return -EKEYEXPIRED;
	case BR_ERR_X509_BAD_SERVER_NAME:
		name_error(c);
		return -EKEYREJECTED;
	case BR_ERR_X509_BAD_SIGNATURE:
		snprintf(c->msg, sizeof(c->msg), "x509: certificate signature is invalid");
		return -EKEYREJECTED;
	case BR_ERR_X509_NOT_CA:
		snprintf(c->msg, sizeof(c->msg), "x509: an issuer in the chain is not a CA");
		return -EKEYREJECTED;
	case BR_ERR_X509_FORBIDDEN_KEY_USAGE:
		snprintf(c->msg, sizeof(c->msg),
			 "x509: certificate key usage does not allow TLS server use");
		return -EKEYREJECTED;
	case BR_ERR_X509_WEAK_PUBLIC_KEY:
		snprintf(c->msg, sizeof(c->msg), "x509: certificate key is too weak");
		return -EKEYREJECTED;
	case BR_ERR_X509_CRITICAL_EXTENSION:
		snprintf(c->msg, sizeof(c->msg), "x509: unhandled critical extension");
		return -EKEYREJECTED;
	case BR_ERR_X509_EMPTY_CHAIN:
		snprintf(c->msg, sizeof(c->msg), "tls: server sent no certificate");
		return -EKEYREJECTED;
	default:
		break;
	}
	if (err >= BR_ERR_X509_OK && err < BR_ERR_X509_OK + 32) {
		snprintf(c->msg, sizeof(c->msg),
			 "x509: certificate rejected (BearSSL X.509 error %d)", err);
		return -EKEYREJECTED;
	}
	if (err == BR_ERR_BAD_VERSION || err == BR_ERR_UNSUPPORTED_VERSION) {
		snprintf(c->msg, sizeof(c->msg),
			 "tls: server does not speak TLS 1.2 (BearSSL has no TLS 1.3)");
		return -EPROTO;
	}
	snprintf(c->msg, sizeof(c->msg), "tls: handshake or record error (BearSSL error %d)", err);
	return -EPROTO;
}

/* ------------------------------------------------------------ conn */

static bool is_dns_name(const char *h)
{
	size_t n = strlen(h);

	if (n == 0 || n > TLS_HOST_MAX)
		return false;
	for (; *h; h++)
		if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') ||
		      (*h >= '0' && *h <= '9') || *h == '-' || *h == '.' || *h == '_'))
			return false;
	return true;
}

/* Days since 1 January 0 AD and seconds of the day, as BearSSL counts them. */
static void set_wall_clock(br_x509_minimal_context *xc)
{
	struct timespec ts;
	uint64_t s;

	clock_gettime(CLOCK_REALTIME, &ts);
	s = ts.tv_sec > 0 ? (uint64_t)ts.tv_sec : 0;
	br_x509_minimal_set_time(xc, (uint32_t)(s / 86400 + 719528), (uint32_t)(s % 86400));
}

int tls_conn_new(const struct tls_config *cfg, const char *host, struct tls_conn **out)
{
	struct tls_conn *c;

	if (!host || strlen(host) > TLS_HOST_MAX)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cfg = cfg;
	snprintf(c->host, sizeof(c->host), "%s", host);
	if (inet_pton(AF_INET, host, c->ip) == 1)
		c->ip_len = 4;
	else if (inet_pton(AF_INET6, host, c->ip) == 1)
		c->ip_len = 16;
	else if (!is_dns_name(host))
		goto fail_inval;

	br_ssl_client_init_full(&c->cc, &c->xc, cfg->tas, cfg->ntas);
	set_wall_clock(&c->xc);
	c->xw = &xw_class;
	br_ssl_engine_set_x509(&c->cc.eng, &c->xw);
	/* API servers speak 1.2 or 1.3; BearSSL has no 1.3, and < 1.2 is obsolete. */
	br_ssl_engine_set_versions(&c->cc.eng, BR_TLS12, BR_TLS12);
	if (cfg->key_type == BR_KEYTYPE_RSA)
		br_ssl_client_set_single_rsa(&c->cc, cfg->chain, cfg->chain_len, &cfg->rsa,
					     br_rsa_pkcs1_sign_get_default());
	else if (cfg->key_type == BR_KEYTYPE_EC)
		br_ssl_client_set_single_ec(&c->cc, cfg->chain, cfg->chain_len, &cfg->ec,
					    BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN, cfg->issuer_key_type,
					    br_ec_get_default(), br_ecdsa_sign_asn1_get_default());
	br_ssl_engine_set_buffer(&c->cc.eng, c->iobuf, sizeof(c->iobuf), 1);
	if (!br_ssl_client_reset(&c->cc, c->ip_len ? NULL : c->host, 0))
		goto fail_inval;
	*out = c;
	return 0;
fail_inval:
	free(c);
	return -EINVAL;
}

void tls_conn_free(struct tls_conn *c)
{
	if (!c)
		return;
	explicit_bzero(c, sizeof(*c)); /* session keys and plaintext */
	free(c);
}

static unsigned state(struct tls_conn *c)
{
	unsigned st = br_ssl_engine_current_state(&c->cc.eng);

	if (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP))
		c->ready = true;
	return st;
}

const uint8_t *tls_conn_out(struct tls_conn *c, size_t *len)
{
	*len = 0;
	if (!(state(c) & BR_SSL_SENDREC))
		return NULL;
	return br_ssl_engine_sendrec_buf(&c->cc.eng, len);
}

void tls_conn_out_done(struct tls_conn *c, size_t n)
{
	if (n)
		br_ssl_engine_sendrec_ack(&c->cc.eng, n);
}

uint8_t *tls_conn_in(struct tls_conn *c, size_t *len)
{
	*len = 0;
	if (!(state(c) & BR_SSL_RECVREC))
		return NULL;
	return br_ssl_engine_recvrec_buf(&c->cc.eng, len);
}

void tls_conn_in_done(struct tls_conn *c, size_t n)
{
	if (n)
		br_ssl_engine_recvrec_ack(&c->cc.eng, n);
}

const uint8_t *tls_conn_peek(struct tls_conn *c, size_t *len)
{
	*len = 0;
	if (!(state(c) & BR_SSL_RECVAPP))
		return NULL;
	return br_ssl_engine_recvapp_buf(&c->cc.eng, len);
}

void tls_conn_consume(struct tls_conn *c, size_t n)
{
	if (n)
		br_ssl_engine_recvapp_ack(&c->cc.eng, n);
}

int tls_conn_write(struct tls_conn *c, const void *p, size_t n)
{
	unsigned st = state(c);
	unsigned char *dst;
	size_t room;

	if (st & BR_SSL_CLOSED) {
		int err = tls_conn_error(c);

		return err ? err : -EPIPE;
	}
	if (!(st & BR_SSL_SENDAPP))
		return 0;
	dst = br_ssl_engine_sendapp_buf(&c->cc.eng, &room);
	if (room > n)
		room = n;
	if (room > INT32_MAX)
		room = INT32_MAX;
	memcpy(dst, p, room);
	br_ssl_engine_sendapp_ack(&c->cc.eng, room);
	return (int)room;
}

void tls_conn_flush(struct tls_conn *c)
{
	br_ssl_engine_flush(&c->cc.eng, 0);
}

void tls_conn_close(struct tls_conn *c)
{
	br_ssl_engine_close(&c->cc.eng);
}

bool tls_conn_wants_read(struct tls_conn *c)
{
	return state(c) & BR_SSL_RECVREC;
}

bool tls_conn_wants_write(struct tls_conn *c)
{
	return state(c) & BR_SSL_SENDREC;
}

bool tls_conn_is_ready(struct tls_conn *c)
{
	state(c);
	return c->ready;
}

bool tls_conn_is_closed(struct tls_conn *c)
{
	return state(c) & BR_SSL_CLOSED;
}

int tls_conn_error(struct tls_conn *c)
{
	int err = br_ssl_engine_last_error(&c->cc.eng);

	return err == BR_ERR_OK ? 0 : map_error(c, err);
}

const char *tls_conn_strerror(struct tls_conn *c)
{
	c->msg[0] = 0;
	tls_conn_error(c);
	return c->msg;
}
