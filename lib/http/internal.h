/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/http's private pieces shared by the response parser (parser.c) and
 * the request parser of the server (server.c): RFC 9110 §5.6.2 tokens and
 * RFC 9112 §5 field lines. Only lib/http includes this.
 */
#ifndef DRANET_HTTP_INTERNAL_H
#define DRANET_HTTP_INTERNAL_H

#include <stdbool.h>
#include <string.h>

#include "http/http.h"

static inline bool http_is_tchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static inline bool http_is_ctl(unsigned char ch)
{
	return (ch < 0x20 && ch != '\t') || ch == 0x7f;
}

static inline bool http_is_ows(unsigned char ch)
{
	return ch == ' ' || ch == '\t';
}

/*
 * One field line [s, e) (no line end) into @h, name and value copied to @a
 * with the value's OWS trimmed. Returns 0, -EBADMSG (*why: obsolete line
 * folding, no name, bad name character, control character in the value)
 * or -ENOMEM.
 */
MUST_CHECK int http_field_parse(struct arena *a, const uint8_t *s, const uint8_t *e,
				struct http_header *h, const char **why);

/*
 * Call @fn on each comma-separated element of @v (RFC 9110 §5.6.1), OWS
 * trimmed, empty ones skipped; stops at the first negative return.
 */
MUST_CHECK int http_each_element(const char *v, int (*fn)(void *ctx, const char *v, size_t n),
				 void *ctx);

#endif
