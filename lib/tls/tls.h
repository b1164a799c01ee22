/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/tls: TLS client over BearSSL, the only user of <bearssl.h>.
 *
 * - struct tls_config: what a cluster's credentials say (trust anchors from a
 *   PEM CA bundle, an optional client certificate chain + key, an insecure
 *   switch). Built once, shared read-only by every connection made with it.
 * - struct tls_conn: one client connection as a push engine. It never touches
 *   a socket: the caller moves ciphertext between the socket and the engine
 *   (tls_conn_out/tls_conn_in) and plaintext in and out of it
 *   (tls_conn_write/tls_conn_peek), so it fits a non-blocking event loop.
 *
 * TLS 1.2 only (with 1.0 and 1.1 as BearSSL allows): BearSSL has no TLS 1.3,
 * and every API server speaks 1.2. The server certificate is checked against
 * the CA bundle, the wall clock (expired or not yet valid: refused) and the
 * host name (a DNS SAN, wildcards as BearSSL matches them; BearSSL falls back
 * to the subject CN only when the certificate has no SAN at all) or, for an IP
 * literal, an iPAddress SAN (BearSSL checks DNS names only, so we check IPs).
 */
#ifndef DRANET_TLS_TLS_H
#define DRANET_TLS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

/* A CA bundle or client credential larger than this is refused (Debian's whole bundle: 220 KiB). */
#define TLS_PEM_MAX (4u << 20)
/* Memory for decoded trust anchors and client credentials of one config. */
#define TLS_CONFIG_ARENA_CAP (8u << 20)
/* The server's end-entity certificate is kept for the IP SAN check (API server certs: ~1.5 KiB). */
#define TLS_EE_CERT_MAX 16384
/* Longest host name (RFC 1035: 253 characters). */
#define TLS_HOST_MAX 253
/* Longest error message of tls_conn_strerror(). */
#define TLS_ERRMSG_MAX 512

struct tls_config;
struct tls_conn;

/* ------------------------------------------------------------ config */

/*
 * A new, empty config (no trust anchors: every server is refused until a CA
 * is added or insecure mode is set). Free with tls_config_free().
 * Returns 0 or -ENOMEM.
 */
MUST_CHECK int tls_config_new(struct tls_config **out);
void tls_config_free(struct tls_config *cfg);

/*
 * Add every CERTIFICATE of the PEM text @pem (@len bytes) as a trust anchor;
 * other PEM objects are skipped. Returns the number added (>= 1), -EINVAL
 * when the text holds no certificate, -EBADMSG for bad PEM or a certificate
 * BearSSL cannot decode, -EMSGSIZE over TLS_PEM_MAX, -ENOMEM. @why (may be
 * NULL) gets a static description on failure.
 */
MUST_CHECK int tls_config_add_ca_pem(struct tls_config *cfg, const void *pem, size_t len,
				     const char **why);

/*
 * Set the client certificate chain (PEM, end-entity first, then any
 * intermediates) and its private key (PEM: "RSA PRIVATE KEY", "EC PRIVATE
 * KEY" or PKCS#8 "PRIVATE KEY"; RSA or EC). Sent when a server asks for a
 * client certificate. Returns 0, -EINVAL (no certificate or no key in the
 * text, or the key's type differs from the certificate's), -EBADMSG
 * (undecodable), -EMSGSIZE, -ENOMEM; @why as above.
 */
MUST_CHECK int tls_config_set_client_pem(struct tls_config *cfg, const void *cert_pem,
					 size_t cert_len, const void *key_pem, size_t key_len,
					 const char **why);

/*
 * Insecure mode: the server certificate is not verified at all (no CA, name
 * or time check). Only when the user asked for it; the caller warns loudly.
 */
void tls_config_set_insecure(struct tls_config *cfg, bool insecure);
bool tls_config_is_insecure(const struct tls_config *cfg);
/* Number of trust anchors loaded. */
size_t tls_config_ca_count(const struct tls_config *cfg);

/* -------------------------------------------------------------- conn */

/*
 * A new client connection to @host (a DNS name, or an IPv4/IPv6 literal
 * without brackets), ready to start its handshake (the first ciphertext is
 * in tls_conn_out()). @cfg must outlive the connection. A DNS name is sent
 * as SNI and matched against the certificate's DNS SANs; an IP literal is
 * not sent and is matched against its iPAddress SANs. The I/O buffer
 * (~33 KiB) is allocated here, once. Returns 0, -EINVAL (bad host),
 * -ENOMEM.
 */
MUST_CHECK int tls_conn_new(const struct tls_config *cfg, const char *host, struct tls_conn **out);
void tls_conn_free(struct tls_conn *c);

/*
 * Ciphertext waiting to be written to the transport: returns a pointer and
 * sets *len (0 and NULL when none); after writing n bytes call
 * tls_conn_out_done(c, n).
 */
const uint8_t *tls_conn_out(struct tls_conn *c, size_t *len);
void tls_conn_out_done(struct tls_conn *c, size_t n);

/*
 * Room for ciphertext read from the transport (NULL and 0 when the engine
 * takes none now); after reading n bytes into it call tls_conn_in_done().
 */
uint8_t *tls_conn_in(struct tls_conn *c, size_t *len);
void tls_conn_in_done(struct tls_conn *c, size_t n);

/*
 * Plaintext received: a pointer to what is ready and its length in *len
 * (NULL/0 when none yet); tls_conn_consume() drops n bytes of it.
 */
const uint8_t *tls_conn_peek(struct tls_conn *c, size_t *len);
void tls_conn_consume(struct tls_conn *c, size_t n);

/*
 * Queue plaintext for sending. Returns the bytes taken (may be fewer than
 * @n; 0 when the engine takes nothing now, e.g. during the handshake), or
 * -errno once the connection failed (see tls_conn_error). Call
 * tls_conn_flush() after the last piece of a message.
 */
MUST_CHECK int tls_conn_write(struct tls_conn *c, const void *p, size_t n);
void tls_conn_flush(struct tls_conn *c);

/* Start a clean close (close_notify); tls_conn_out() then has the alert. */
void tls_conn_close(struct tls_conn *c);

/* What the engine waits for: read ciphertext, write ciphertext. */
bool tls_conn_wants_read(struct tls_conn *c);
bool tls_conn_wants_write(struct tls_conn *c);
/* The handshake completed (application data can flow). */
bool tls_conn_is_ready(struct tls_conn *c);
/* The engine is closed: a clean close_notify (error 0) or a failure. */
bool tls_conn_is_closed(struct tls_conn *c);

/*
 * 0 while fine or after a clean close, else -errno: -EKEYREJECTED (the
 * certificate failed verification: unknown authority, wrong name, bad
 * signature...), -EKEYEXPIRED (expired or not yet valid), -ECONNRESET (the
 * server sent a fatal alert, e.g. it refused our client certificate),
 * -EPROTO (other TLS failures).
 */
int tls_conn_error(struct tls_conn *c);
/*
 * A human message for the failure, in Go's words where Go has them
 * ("x509: certificate signed by unknown authority", "x509: certificate is
 * valid for 10.96.0.1, kubernetes, not 10.0.0.9", "x509: certificate has
 * expired or is not yet valid"), or "" when there is none.
 */
const char *tls_conn_strerror(struct tls_conn *c);

/* ------------------------------------------------------------- x509 */

/*
 * The subjectAltName entries of a DER certificate (RFC 5280 §4.2.1.6):
 * calls @fn for each dNSName (type 2, text) and iPAddress (type 7, 4 or 16
 * bytes). Only reads; never trusts the input. Returns 0 (also when there is
 * no SAN), -EBADMSG for malformed DER, or what @fn returned when negative
 * (which stops the walk).
 */
#define TLS_SAN_DNS 2
#define TLS_SAN_IP 7
MUST_CHECK int tls_x509_sans(const uint8_t *der, size_t len,
			     int (*fn)(void *arg, int type, struct slice value), void *arg);

#endif
