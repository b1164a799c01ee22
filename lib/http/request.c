// SPDX-License-Identifier: Apache-2.0
/*
 * lib/http/request: HTTP/1.1 request serialisation (RFC 9112 §3, RFC 9110
 * §5.6.2 tokens, §5.5 field values, §11.6.2 Authorization).
 */
#include "http/http.h"

#include <errno.h>
#include <stdio.h>
#include <strings.h>

/* RFC 9110 §5.6.2: tchar */
static bool is_tchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static bool is_token(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!is_tchar((unsigned char)*s))
			return false;
	return true;
}

/* A field value: visible characters, SP, HTAB, obs-text; no leading/trailing space. */
static bool is_field_value(const char *s)
{
	size_t n;

	if (!s)
		return false;
	for (n = 0; s[n]; n++) {
		unsigned char ch = (unsigned char)s[n];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return false;
	}
	return n == 0 || (s[0] != ' ' && s[0] != '\t' && s[n - 1] != ' ' && s[n - 1] != '\t');
}

/* An origin-form target (RFC 9112 §3.2.1): "/" then visible ASCII. */
static bool is_target(const char *s)
{
	if (!s || s[0] != '/')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/* RFC 6750 §2.1: b64token */
static bool is_b64token(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || strchr("-._~+/=", ch)))
			return false;
	}
	return true;
}

static int check(const struct http_request *req, const char **why)
{
	if (!is_token(req->method))
		return *why = "method is not a token", -EINVAL;
	if (!is_target(req->target))
		return *why = "request target is not an escaped absolute path", -EINVAL;
	if (!req->host || !*req->host || !is_field_value(req->host) || strchr(req->host, ' '))
		return *why = "bad Host", -EINVAL;
	if (req->bearer && !is_b64token(req->bearer))
		return *why = "bearer token has characters a token cannot have", -EINVAL;
	if (req->accept && !is_field_value(req->accept))
		return *why = "bad Accept value", -EINVAL;
	if (req->content_type && !is_field_value(req->content_type))
		return *why = "bad Content-Type value", -EINVAL;
	for (size_t i = 0; i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];

		if (!is_token(h->name) || !is_field_value(h->value))
			return *why = "bad header field", -EINVAL;
		/* These we write ourselves: a second copy would be ambiguous framing. */
		if (!strcasecmp(h->name, "Host") || !strcasecmp(h->name, "Content-Length") ||
		    !strcasecmp(h->name, "Transfer-Encoding") || !strcasecmp(h->name, "Connection"))
			return *why = "header field set by the client itself", -EINVAL;
	}
	return 0;
}

bool http_method_is_idempotent(const char *m)
{
	static const char *const ok[] = { "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE" };

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		if (strcmp(m, ok[i]) == 0)
			return true;
	return false;
}

int http_request_encode(const struct http_request *req, struct buf *out, const char **why)
{
	const char *dummy;
	int ret;

	if (!why)
		why = &dummy;
	ret = check(req, why);
	if (ret < 0)
		return ret;
	ret = buf_printf(out, "%s %s HTTP/1.1\r\nHost: %s\r\n", req->method, req->target,
			 req->host);
	if (req->bearer)
		ret |= buf_printf(out, "Authorization: Bearer %s\r\n", req->bearer);
	if (req->accept)
		ret |= buf_printf(out, "Accept: %s\r\n", req->accept);
	if (req->content_type)
		ret |= buf_printf(out, "Content-Type: %s\r\n", req->content_type);
	for (size_t i = 0; i < req->nheaders; i++)
		ret |= buf_printf(out, "%s: %s\r\n", req->headers[i].name, req->headers[i].value);
	if (req->body)
		ret |= buf_printf(out, "Content-Length: %zu\r\n", req->body_len);
	if (req->close)
		ret |= buf_puts(out, "Connection: close\r\n");
	ret |= buf_puts(out, "\r\n");
	if (req->body)
		ret |= buf_put(out, req->body, req->body_len);
	if (ret) {
		*why = "request larger than the buffer's cap";
		return -ENOMEM;
	}
	return 0;
}
