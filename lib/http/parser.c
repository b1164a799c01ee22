// SPDX-License-Identifier: Apache-2.0
/*
 * lib/http/parser: push parser of one HTTP/1.1 response (RFC 9112 §4 status
 * line, §5 fields, §6 message body length, §7.1 chunked coding; RFC 9110
 * §15 status codes without content).
 */
#include "http/http.h"
#include "internal.h"

#include <errno.h>
#include <strings.h>

enum {
	S_HEAD,
	S_BODY_LEN,
	S_BODY_CLOSE,
	S_CHUNK_SIZE,
	S_CHUNK_EXT,
	S_CHUNK_DATA,
	S_CHUNK_END,
	S_TRAILER,
	S_DONE_PENDING,
	S_DONE,
	S_DEAD,
};

/* Private flags beside enum http_parser_flags: Connection tokens seen. */
#define F_CLOSE (1u << 30)
#define F_KEEP_ALIVE (1u << 29)

/* The largest body length we parse: far over any cap, far from overflow. */
#define LEN_MAX ((uint64_t)1 << 56)

static int fail(struct http_parser *p, int err, const char *why)
{
	p->state = S_DEAD;
	p->err = err;
	p->why = why;
	return err;
}

/* [s, e) without the line end (LF, or CR LF). */
static const uint8_t *line_end(const uint8_t *s, const uint8_t *e)
{
	const uint8_t *nl = memchr(s, '\n', (size_t)(e - s));

	return nl ? nl : e;
}

static const uint8_t *strip_cr(const uint8_t *s, const uint8_t *nl)
{
	return nl > s && nl[-1] == '\r' ? nl - 1 : nl;
}

/* "HTTP/1.x SP 3DIGIT [SP reason]" (RFC 9112 §4; the SP before an empty reason may be missing). */
static int parse_status_line(struct http_parser *p, const uint8_t *s, const uint8_t *e)
{
	struct http_response *r = &p->resp;
	size_t n = (size_t)(e - s);

	if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || s[7] < '0' || s[7] > '9' || s[8] != ' ')
		return fail(p, -EBADMSG, "bad status line");
	for (int i = 9; i < 12; i++)
		if (s[i] < '0' || s[i] > '9')
			return fail(p, -EBADMSG, "bad status code");
	if (n > 12 && s[12] != ' ')
		return fail(p, -EBADMSG, "bad status line");
	r->minor = s[7] - '0';
	r->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	if (r->status < 100 || r->status > 599)
		return fail(p, -EBADMSG, "status code out of range");
	for (const uint8_t *q = s + 12; q < e; q++)
		if (http_is_ctl(*q))
			return fail(p, -EBADMSG, "control character in the reason phrase");
	r->reason = arena_strndup(p->a, n > 13 ? (const char *)s + 13 : "", n > 13 ? n - 13 : 0);
	return r->reason ? 0 : fail(p, -ENOMEM, "arena cap");
}

int http_field_parse(struct arena *a, const uint8_t *s, const uint8_t *e, struct http_header *h,
		     const char **why)
{
	const uint8_t *colon = memchr(s, ':', (size_t)(e - s)), *v, *ve;

	*why = NULL;
	if (s < e && http_is_ows(*s))
		return *why = "obsolete line folding", -EBADMSG;
	if (!colon || colon == s)
		return *why = "header line without a field name", -EBADMSG;
	for (const uint8_t *q = s; q < colon; q++)
		if (!http_is_tchar(*q))
			return *why = "bad character in a field name", -EBADMSG;
	for (v = colon + 1; v < e && http_is_ows(*v); v++)
		;
	for (ve = e; ve > v && http_is_ows(ve[-1]); ve--)
		;
	for (const uint8_t *q = v; q < ve; q++)
		if (http_is_ctl(*q))
			return *why = "control character in a field value", -EBADMSG;
	h->name = arena_strndup(a, (const char *)s, (size_t)(colon - s));
	h->value = arena_strndup(a, (const char *)v, (size_t)(ve - v));
	if (!h->name || !h->value)
		return *why = "arena cap", -ENOMEM;
	return 0;
}

static int parse_field(struct http_parser *p, const uint8_t *s, const uint8_t *e,
		       struct http_header *h)
{
	const char *why;
	int ret = http_field_parse(p->a, s, e, h, &why);

	return ret < 0 ? fail(p, ret, why) : 0;
}

int http_each_element(const char *v, int (*fn)(void *ctx, const char *v, size_t n), void *ctx)
{
	while (*v) {
		const char *end = strchr(v, ',');
		size_t n;
		int ret;

		if (!end)
			end = v + strlen(v);
		while (v < end && http_is_ows((unsigned char)*v))
			v++;
		n = (size_t)(end - v);
		while (n && http_is_ows((unsigned char)v[n - 1]))
			n--;
		if (n) {
			ret = fn(ctx, v, n);
			if (ret < 0)
				return ret;
		}
		v = *end ? end + 1 : end;
	}
	return 0;
}

/* RFC 9112 §6.3 item 5: a list of identical lengths is that length; anything else is an error. */
static int content_length(void *ctx, const char *v, size_t n)
{
	struct http_parser *p = ctx;
	uint64_t len = 0;

	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return fail(p, -EBADMSG, "bad Content-Length");
		len = len * 10 + (uint64_t)(v[i] - '0');
		if (len > LEN_MAX)
			return fail(p, -EMSGSIZE, "Content-Length too large");
	}
	if (p->resp.content_length >= 0 && (uint64_t)p->resp.content_length != len)
		return fail(p, -EBADMSG, "conflicting Content-Length values");
	p->resp.content_length = (int64_t)len;
	return 0;
}

/* RFC 9112 §6.1: only "chunked", and only last; we never ask for other codings. */
static int transfer_coding(void *ctx, const char *v, size_t n)
{
	struct http_parser *p = ctx;

	if (p->resp.chunked)
		return fail(p, -EBADMSG, "chunked applied twice");
	if (n != 7 || strncasecmp(v, "chunked", 7) != 0)
		return fail(p, -EPROTO, "unsupported transfer coding");
	p->resp.chunked = true;
	return 0;
}

static int connection_token(void *ctx, const char *v, size_t n)
{
	struct http_parser *p = ctx;

	if (n == 5 && strncasecmp(v, "close", 5) == 0)
		p->flags |= F_CLOSE;
	else if (n == 10 && strncasecmp(v, "keep-alive", 10) == 0)
		p->flags |= F_KEEP_ALIVE;
	return 0;
}

/* Field semantics and the body's framing (RFC 9112 §6.3). */
static int frame_body(struct http_parser *p)
{
	struct http_response *r = &p->resp;
	bool has_te = false;
	int ret = 0;

	for (size_t i = 0; i < r->nheaders && ret == 0; i++) {
		const struct http_header *h = &r->headers[i];

		if (!strcasecmp(h->name, "Content-Length")) {
			if (!*h->value)
				return fail(p, -EBADMSG, "bad Content-Length");
			ret = http_each_element(h->value, content_length, p);
		} else if (!strcasecmp(h->name, "Transfer-Encoding")) {
			has_te = true;
			ret = http_each_element(h->value, transfer_coding, p);
		} else if (!strcasecmp(h->name, "Connection")) {
			ret = http_each_element(h->value, connection_token, p);
		}
	}
	if (ret < 0)
		return ret;
	if (has_te && !r->chunked)
		return fail(p, -EPROTO, "unsupported transfer coding");
	r->keep_alive = !(p->flags & F_CLOSE) && (r->minor >= 1 || (p->flags & F_KEEP_ALIVE));
	if (r->status == 101)
		return fail(p, -EPROTO, "unexpected protocol switch (101)");
	r->no_body = (p->flags & HTTP_PARSE_HEAD) || r->status < 200 || r->status == 204 ||
		     r->status == 304;
	if (r->no_body) {
		p->state = S_DONE_PENDING;
		return 0;
	}
	if (r->chunked) {
		/* RFC 9112 §6.3 item 3: both is a smuggling sign; we refuse it. */
		if (r->content_length >= 0)
			return fail(p, -EBADMSG, "both Transfer-Encoding and Content-Length");
		p->state = S_CHUNK_SIZE;
	} else if (r->content_length >= 0) {
		if ((uint64_t)r->content_length > p->body_cap)
			return fail(p, -EMSGSIZE, "body over the cap");
		p->left = (uint64_t)r->content_length;
		p->state = p->left ? S_BODY_LEN : S_DONE_PENDING;
	} else {
		r->keep_alive = false; /* the close ends the body */
		p->state = S_BODY_CLOSE;
	}
	return 0;
}

/* The buffered head [0, head_len), ending in an empty line. */
static int parse_head(struct http_parser *p)
{
	const uint8_t *s = p->head, *e = p->head + p->head_len, *nl;
	struct http_response *r = &p->resp;
	size_t nlines = 0;
	int ret;

	for (const uint8_t *q = s; q < e; q++)
		nlines += *q == '\n';
	/* status line + fields + the empty line */
	if (nlines - 2 > HTTP_HEADERS_MAX)
		return fail(p, -EMSGSIZE, "too many header fields");
	nl = line_end(s, e);
	ret = parse_status_line(p, s, strip_cr(s, nl));
	if (ret < 0)
		return ret;
	r->nheaders = 0;
	r->headers = NULL;
	if (nlines > 2) {
		r->headers = arena_calloc(p->a, nlines - 2, sizeof(*r->headers));
		if (!r->headers)
			return fail(p, -ENOMEM, "arena cap");
	}
	for (s = nl + 1; s < e; s = nl + 1) {
		const uint8_t *le;

		nl = line_end(s, e);
		le = strip_cr(s, nl);
		if (le == s)
			break; /* the empty line */
		for (const uint8_t *q = s; q < le; q++)
			if (*q == '\r')
				return fail(p, -EBADMSG, "bare CR in the header");
		ret = parse_field(p, s, le, &r->headers[r->nheaders]);
		if (ret < 0)
			return ret;
		r->nheaders++;
	}
	return frame_body(p);
}

/* Buffer the head until its empty line; 0 when parsed, -EAGAIN, or an error. */
static int head_feed(struct http_parser *p, struct rd *in)
{
	while (rd_left(in)) {
		uint8_t b = *in->p++;
		size_t line;

		if (p->head_len == HTTP_HEAD_MAX)
			return fail(p, -EMSGSIZE, "response head over 16 KiB");
		if (p->head_len == p->head_size) {
			size_t n = p->head_size ? p->head_size * 2 : 512;
			uint8_t *h;

			if (n > HTTP_HEAD_MAX)
				n = HTTP_HEAD_MAX;
			h = arena_realloc(p->a, p->head, p->head_size, n);
			if (!h)
				return fail(p, -ENOMEM, "arena cap");
			p->head = h;
			p->head_size = n;
		}
		p->head[p->head_len++] = b;
		if (b != '\n')
			continue;
		line = p->head_len - p->line_start;
		if (line > 2 || (line == 2 && p->head[p->line_start] != '\r')) {
			p->line_start = p->head_len;
			continue;
		}
		if (p->line_start == 0) {
			/* RFC 9112 §2.2: empty lines before the status line are ignored. */
			p->head_len = 0;
			continue;
		}
		return parse_head(p);
	}
	return -EAGAIN;
}

/*
 * One byte of a line we do not keep (chunk extension, trailer): the line
 * end rules shared by them. Returns 1 at the end of the line, 0 to go on,
 * or an error.
 */
static int eol_byte(struct http_parser *p, uint8_t b)
{
	if (p->cr) {
		p->cr = false;
		return b == '\n' ? 1 : fail(p, -EBADMSG, "CR without LF");
	}
	if (b == '\r') {
		p->cr = true;
		return 0;
	}
	return b == '\n' ? 1 : 0;
}

/* The chunk-size line (RFC 9112 §7.1: chunk-size [chunk-ext] CRLF). */
static int chunk_line(struct http_parser *p, struct rd *in)
{
	while (rd_left(in)) {
		uint8_t b = *in->p++;
		int ret, v;

		if (++p->line_len > HTTP_CHUNK_LINE_MAX)
			return fail(p, -EMSGSIZE, "chunk-size line too long");
		if (p->state == S_CHUNK_SIZE && !p->cr && !p->bws && (v = str_hex_digit(b)) >= 0) {
			if (p->left > (LEN_MAX >> 4))
				return fail(p, -EMSGSIZE, "chunk too large");
			p->left = p->left * 16 + (uint64_t)v;
			p->any_digit = true;
			continue;
		}
		if (!p->any_digit)
			return fail(p, -EBADMSG, "bad chunk size");
		ret = eol_byte(p, b);
		if (ret < 0)
			return ret;
		if (ret == 0) {
			if (b == '\r')
				continue;
			/* BWS then ";" extensions (RFC 9112 §7.1.1): skipped, checked for CTLs. */
			if (p->state == S_CHUNK_SIZE && http_is_ows(b)) {
				p->bws = true;
				continue;
			}
			if (p->state == S_CHUNK_SIZE && b != ';')
				return fail(p, -EBADMSG, "bad chunk size");
			if (http_is_ctl(b))
				return fail(p, -EBADMSG, "control character in a chunk extension");
			p->state = S_CHUNK_EXT;
			continue;
		}
		p->line_len = 0;
		p->any_digit = false;
		p->bws = false;
		if (p->left == 0) {
			p->state = S_TRAILER;
			return 0;
		}
		if (p->left > p->body_cap - p->body_seen)
			return fail(p, -EMSGSIZE, "body over the cap");
		p->state = S_CHUNK_DATA;
		return 0;
	}
	return -EAGAIN;
}

/* Trailer fields (RFC 9112 §7.1.2): read and dropped, within the head's limit. */
static int trailer(struct http_parser *p, struct rd *in)
{
	while (rd_left(in)) {
		uint8_t b = *in->p++;
		int ret;

		if (++p->trailer_len > HTTP_HEAD_MAX)
			return fail(p, -EMSGSIZE, "trailer over 16 KiB");
		ret = eol_byte(p, b);
		if (ret < 0)
			return ret;
		if (ret == 1) {
			if (p->line_len == 0) {
				p->state = S_DONE;
				return HTTP_EV_DONE;
			}
			p->line_len = 0;
			continue;
		}
		if (b == '\r')
			continue;
		if (p->line_len == 0 && http_is_ows(b))
			return fail(p, -EBADMSG, "obsolete line folding");
		if (http_is_ctl(b))
			return fail(p, -EBADMSG, "control character in a trailer");
		p->line_len++;
	}
	return -EAGAIN;
}

static int body_piece(struct http_parser *p, struct rd *in, uint64_t max, struct slice *body)
{
	size_t n = rd_left(in);

	if (n == 0)
		return -EAGAIN;
	if (n > max)
		n = (size_t)max;
	if (n > p->body_cap - p->body_seen)
		return fail(p, -EMSGSIZE, "body over the cap");
	rd_bytes(in, n, body);
	p->body_seen += n;
	return HTTP_EV_BODY;
}

void http_parser_init(struct http_parser *p, struct arena *a, size_t body_cap, unsigned flags)
{
	memset(p, 0, sizeof(*p));
	p->a = a;
	p->body_cap = body_cap;
	p->flags = flags & HTTP_PARSE_HEAD;
	p->resp.content_length = -1;
	p->state = S_HEAD;
}

int http_parser_push(struct http_parser *p, struct rd *in, struct slice *body)
{
	int ret;

	*body = (struct slice){ NULL, 0 };
	if (rd_left(in))
		p->started = true;
	for (;;) {
		switch (p->state) {
		case S_HEAD:
			ret = head_feed(p, in);
			if (ret < 0)
				return ret;
			if (p->resp.status < 200) {
				/* interim (1xx): forget it, parse the next head */
				struct arena *a = p->a;
				size_t cap = p->body_cap;
				unsigned fl = p->flags & HTTP_PARSE_HEAD;

				http_parser_init(p, a, cap, fl);
				p->started = true;
				continue;
			}
			return HTTP_EV_HEAD;
		case S_BODY_LEN:
			ret = body_piece(p, in, p->left, body);
			if (ret == HTTP_EV_BODY) {
				p->left -= body->len;
				if (p->left == 0)
					p->state = S_DONE_PENDING;
			}
			return ret;
		case S_BODY_CLOSE:
			return body_piece(p, in, UINT64_MAX, body);
		case S_CHUNK_SIZE:
		case S_CHUNK_EXT:
			ret = chunk_line(p, in);
			if (ret < 0)
				return ret;
			continue;
		case S_CHUNK_DATA:
			ret = body_piece(p, in, p->left, body);
			if (ret == HTTP_EV_BODY) {
				p->left -= body->len;
				if (p->left == 0)
					p->state = S_CHUNK_END;
			}
			return ret;
		case S_CHUNK_END:
			if (!rd_left(in))
				return -EAGAIN;
			ret = eol_byte(p, *in->p++);
			if (ret < 0)
				return ret;
			if (ret == 0 && !p->cr)
				return fail(p, -EBADMSG, "chunk data longer than its size");
			if (ret == 1)
				p->state = S_CHUNK_SIZE;
			continue;
		case S_TRAILER:
			return trailer(p, in);
		case S_DONE_PENDING:
			p->state = S_DONE;
			return HTTP_EV_DONE;
		case S_DEAD:
			return p->err;
		default:
			return -EINVAL;
		}
	}
}

int http_parser_eof(struct http_parser *p)
{
	switch (p->state) {
	case S_BODY_CLOSE:
	case S_DONE_PENDING:
		p->state = S_DONE;
		return HTTP_EV_DONE;
	case S_DONE:
		return -EINVAL;
	case S_DEAD:
		return p->err;
	case S_HEAD:
		if (!p->started)
			return 0;
		break;
	default:
		break;
	}
	return fail(p, -EBADMSG, "connection closed before the response ended");
}

const struct http_response *http_parser_response(const struct http_parser *p)
{
	return p->state == S_HEAD || (p->state == S_DEAD && !p->resp.reason) ? NULL : &p->resp;
}

const char *http_parser_why(const struct http_parser *p)
{
	return p->why ? p->why : "";
}

const char *http_response_header(const struct http_response *resp, const char *name)
{
	for (size_t i = 0; i < resp->nheaders; i++)
		if (!strcasecmp(resp->headers[i].name, name))
			return resp->headers[i].value;
	return NULL;
}
