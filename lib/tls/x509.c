// SPDX-License-Identifier: Apache-2.0
/*
 * lib/tls/x509: the subjectAltName entries of a DER certificate, for the IP
 * SAN check BearSSL's minimal engine lacks and for error messages.
 * X.690 (DER), RFC 5280 §4.1 (Certificate), §4.2.1.6 (subjectAltName).
 */
#include "tls/tls.h"

#include <errno.h>

/* DER tags we walk through. */
#define DER_SEQUENCE 0x30
#define DER_OID 0x06
#define DER_BOOLEAN 0x01
#define DER_OCTET_STRING 0x04
#define DER_CTX_EXTENSIONS 0xa3 /* tbsCertificate [3] EXPLICIT Extensions */
#define DER_SAN_DNS 0x82 /* GeneralName [2] IMPLICIT IA5String */
#define DER_SAN_IP 0x87 /* GeneralName [7] IMPLICIT OCTET STRING */

/* id-ce-subjectAltName, 2.5.29.17 */
static const uint8_t oid_san[] = { 0x55, 0x1d, 0x11 };

/*
 * One TLV: the tag in *tag, the value as a slice. Low tag numbers only
 * (high-tag-number form never appears in a certificate), definite lengths
 * of at most 4 bytes. false on malformed or truncated input.
 */
static bool der_next(struct rd *r, uint8_t *tag, struct slice *val)
{
	uint8_t b;
	size_t len = 0;

	*tag = rd_u8(r);
	b = rd_u8(r);
	if (r->err || (*tag & 0x1f) == 0x1f)
		return false;
	if (b < 0x80) {
		len = b;
	} else {
		unsigned n = b & 0x7f;

		if (n == 0 || n > 4)
			return false; /* indefinite (BER) or absurd */
		while (n--)
			len = (len << 8) | rd_u8(r);
		if (r->err)
			return false;
	}
	return rd_bytes(r, len, val);
}

static struct rd rd_of(struct slice s)
{
	return rd_init(s.p, s.len);
}

static int walk_general_names(struct slice names, int (*fn)(void *, int, struct slice), void *arg)
{
	struct rd r = rd_of(names), seq;
	struct slice v;
	uint8_t tag;

	if (!der_next(&r, &tag, &v) || tag != DER_SEQUENCE || rd_left(&r))
		return -EBADMSG;
	seq = rd_of(v);
	while (rd_left(&seq)) {
		int ret = 0;

		if (!der_next(&seq, &tag, &v))
			return -EBADMSG;
		if (tag == DER_SAN_DNS)
			ret = fn(arg, TLS_SAN_DNS, v);
		else if (tag == DER_SAN_IP && (v.len == 4 || v.len == 16))
			ret = fn(arg, TLS_SAN_IP, v);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Extensions ::= SEQUENCE OF Extension { extnID, critical DEFAULT FALSE, extnValue } */
static int walk_extensions(struct slice exts, int (*fn)(void *, int, struct slice), void *arg)
{
	struct rd r = rd_of(exts), seq;
	struct slice v;
	uint8_t tag;

	if (!der_next(&r, &tag, &v) || tag != DER_SEQUENCE || rd_left(&r))
		return -EBADMSG;
	seq = rd_of(v);
	while (rd_left(&seq)) {
		struct rd ext;
		struct slice oid, val;

		if (!der_next(&seq, &tag, &v) || tag != DER_SEQUENCE)
			return -EBADMSG;
		ext = rd_of(v);
		if (!der_next(&ext, &tag, &oid) || tag != DER_OID)
			return -EBADMSG;
		if (!der_next(&ext, &tag, &val))
			return -EBADMSG;
		if (tag == DER_BOOLEAN && !der_next(&ext, &tag, &val))
			return -EBADMSG;
		if (tag != DER_OCTET_STRING || rd_left(&ext))
			return -EBADMSG;
		if (oid.len == sizeof(oid_san) && memcmp(oid.p, oid_san, sizeof(oid_san)) == 0)
			return walk_general_names(val, fn, arg);
	}
	return 0;
}

int tls_x509_sans(const uint8_t *der, size_t len,
		  int (*fn)(void *arg, int type, struct slice value), void *arg)
{
	struct rd r = rd_init(der, len), cert, tbs;
	struct slice v;
	uint8_t tag;

	if (!der_next(&r, &tag, &v) || tag != DER_SEQUENCE)
		return -EBADMSG;
	cert = rd_of(v);
	if (!der_next(&cert, &tag, &v) || tag != DER_SEQUENCE)
		return -EBADMSG;
	tbs = rd_of(v);
	/* version, serial, signature, issuer, validity, subject, spki, uids: skipped */
	while (rd_left(&tbs)) {
		if (!der_next(&tbs, &tag, &v))
			return -EBADMSG;
		if (tag == DER_CTX_EXTENSIONS)
			return walk_extensions(v, fn, arg);
	}
	return 0;
}
