// SPDX-License-Identifier: Apache-2.0
/*
 * JSON values over cJSON: building, read access and strict parsing (RFC 8259).
 *
 * Parsing is two passes. Our own lexer walks the text once with a small
 * state machine and checks everything strictness needs and cJSON does not:
 * the grammar (cJSON accepts 01, 1., a BOM, \f as whitespace, raw control
 * bytes), UTF-8, surrogates, depth, trailing bytes; it gives exact offsets.
 * cJSON then builds the tree, and an iterative walk over it rejects
 * duplicate keys and attaches each number's literal text (internal.h).
 */
#include "json/json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "json/internal.h"

/* ------------------------------------------------------------ helpers */

size_t json_utf8_next(const uint8_t *s, size_t n, uint32_t *cp)
{
	uint32_t c, min;
	size_t len;

	if (n == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, c &= 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, c &= 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

bool json_is_utf8(const char *s, size_t n)
{
	struct rd r = rd_init(s, n);
	uint32_t cp;

	while (rd_left(&r)) {
		size_t len = json_utf8_next(r.p, rd_left(&r), &cp);

		if (!len)
			return false;
		rd_skip(&r, len);
	}
	return true;
}

bool json_is_int_text(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		return s[1] == '\0';
	if (*s < '1' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9')
		s++;
	return *s == '\0';
}

static int key_cmp(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;

	/* strcmp compares as unsigned char: bytewise order (C11 7.24.4). */
	return strcmp(x->string, y->string);
}

int json_sorted_members(const cJSON *obj, const cJSON ***out, size_t *n)
{
	const cJSON **v, *c;
	size_t count = 0, i = 0;

	for (c = obj->child; c; c = c->next)
		count++;
	*out = NULL;
	*n = 0;
	if (!count)
		return 0;
	v = calloc(count, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (c = obj->child; c; c = c->next)
		v[i++] = c;
	qsort(v, count, sizeof(*v), key_cmp);
	*out = v;
	*n = count;
	return 0;
}

void json_err_set(struct json_err *err, const char *path, size_t offset, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	snprintf(err->path, sizeof(err->path), "%s", path ? path : "");
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->offset = offset;
}

const char *json_err_format(const struct json_err *err, char *buf, size_t size)
{
	if (!size)
		return buf;
	if (err->path[0])
		snprintf(buf, size, "%s: %s", err->path, err->msg);
	else
		snprintf(buf, size, "%s", err->msg);
	return buf;
}

/* ------------------------------------------------------------ building */

struct json *json_new_object(void)
{
	return js(cJSON_CreateObject());
}

struct json *json_new_array(void)
{
	return js(cJSON_CreateArray());
}

struct json *json_new_string(const char *s)
{
	return s ? js(cJSON_CreateString(s)) : NULL;
}

struct json *json_new_int(int64_t v)
{
	char text[24];
	cJSON *c = cJSON_CreateNumber((double)v);
	size_t n;

	if (!c)
		return NULL;
	n = (size_t)snprintf(text, sizeof(text), "%" PRId64, v);
	c->valuestring = cJSON_malloc(n + 1);
	if (!c->valuestring) {
		cJSON_Delete(c);
		return NULL;
	}
	memcpy(c->valuestring, text, n + 1);
	return js(c);
}

struct json *json_new_bool(bool v)
{
	return js(cJSON_CreateBool(v));
}

struct json *json_new_null(void)
{
	return js(cJSON_CreateNull());
}

void json_free(struct json *v)
{
	cJSON_Delete(cj(v));
}

int json_obj_add(struct json *obj, const char *key, struct json *val)
{
	cJSON *o = cj(obj), *v = cj(val), *old;
	size_t n;

	if (v && (v == o || v->prev))
		return -EINVAL; /* already in a tree: not ours to free */
	if (!o || !v || !key)
		goto out_free;
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(v);
		return -EINVAL;
	}
	n = strlen(key);
	if (v->string && !(v->type & cJSON_StringIsConst))
		cJSON_free(v->string);
	v->type &= ~cJSON_StringIsConst;
	v->string = cJSON_malloc(n + 1);
	if (!v->string)
		goto out_free;
	memcpy(v->string, key, n + 1);
	old = cJSON_GetObjectItemCaseSensitive(o, key);
	if (old) {
		/* Replaces in place and frees the old member. */
		if (!cJSON_ReplaceItemViaPointer(o, old, v))
			goto out_free;
		return 0;
	}
	if (!cJSON_AddItemToArray(o, v))
		goto out_free;
	return 0;
out_free:
	cJSON_Delete(v);
	return -ENOMEM;
}

int json_obj_add_str(struct json *obj, const char *key, const char *s)
{
	return json_obj_add(obj, key, json_new_string(s));
}

int json_obj_add_int(struct json *obj, const char *key, int64_t v)
{
	return json_obj_add(obj, key, json_new_int(v));
}

int json_obj_add_bool(struct json *obj, const char *key, bool v)
{
	return json_obj_add(obj, key, json_new_bool(v));
}

struct json *json_obj_add_object(struct json *obj, const char *key)
{
	struct json *v = json_new_object();

	return json_obj_add(obj, key, v) == 0 ? v : NULL;
}

struct json *json_obj_add_array(struct json *obj, const char *key)
{
	struct json *v = json_new_array();

	return json_obj_add(obj, key, v) == 0 ? v : NULL;
}

int json_arr_add(struct json *arr, struct json *val)
{
	cJSON *a = cj(arr), *v = cj(val);

	if (v && (v == a || v->prev))
		return -EINVAL; /* already in a tree: not ours to free */
	if (!a || !v)
		goto out_free;
	if (!cJSON_IsArray(a)) {
		cJSON_Delete(v);
		return -EINVAL;
	}
	if (!cJSON_AddItemToArray(a, v))
		goto out_free;
	return 0;
out_free:
	cJSON_Delete(v);
	return -ENOMEM;
}

struct json *json_dup(const struct json *v)
{
	/* Parsed trees are at most JSON_DEPTH_MAX deep (cJSON recurses here). */
	return v ? js(cJSON_Duplicate(ccj(v), 1)) : NULL;
}

/* ------------------------------------------------------------ reading */

enum json_type json_type_of(const struct json *v)
{
	const cJSON *c = ccj(v);

	switch (c ? c->type & 0xff : cJSON_NULL) {
	case cJSON_False:
	case cJSON_True:
		return JSON_BOOL;
	case cJSON_Number:
		return JSON_NUMBER;
	case cJSON_String:
		return JSON_STRING;
	case cJSON_Array:
		return JSON_ARRAY;
	case cJSON_Object:
		return JSON_OBJECT;
	default:
		return JSON_NULL;
	}
}

const char *json_type_name(enum json_type t)
{
	switch (t) {
	case JSON_NULL:
		return "null";
	case JSON_BOOL:
		return "boolean";
	case JSON_NUMBER:
		return "number";
	case JSON_STRING:
		return "string";
	case JSON_ARRAY:
		return "array";
	case JSON_OBJECT:
		return "object";
	}
	return "unknown";
}

const struct json *json_get(const struct json *obj, const char *key)
{
	const cJSON *o = ccj(obj);

	if (!o || !cJSON_IsObject(o) || !key)
		return NULL;
	return js(cJSON_GetObjectItemCaseSensitive(o, key));
}

size_t json_count(const struct json *v)
{
	const cJSON *c = ccj(v), *k;
	size_t n = 0;

	if (!c || !(cJSON_IsArray(c) || cJSON_IsObject(c)))
		return 0;
	for (k = c->child; k; k = k->next)
		n++;
	return n;
}

const struct json *json_at(const struct json *v, size_t i)
{
	const cJSON *c = ccj(v), *k;

	if (!c || !(cJSON_IsArray(c) || cJSON_IsObject(c)))
		return NULL;
	for (k = c->child; k && i; k = k->next)
		i--;
	return js((cJSON *)k);
}

const struct json *json_next(const struct json *v)
{
	const cJSON *c = ccj(v);

	return c ? js(c->next) : NULL;
}

const char *json_key(const struct json *member)
{
	const cJSON *c = ccj(member);

	return c ? c->string : NULL;
}

int json_get_string(const struct json *v, const char **out)
{
	const cJSON *c = ccj(v);

	if (!c || !cJSON_IsString(c) || !c->valuestring)
		return -EINVAL;
	*out = c->valuestring;
	return 0;
}

int json_get_bool(const struct json *v, bool *out)
{
	const cJSON *c = ccj(v);

	if (!c || !cJSON_IsBool(c))
		return -EINVAL;
	*out = cJSON_IsTrue(c);
	return 0;
}

int json_get_int(const struct json *v, int64_t *out)
{
	const cJSON *c = ccj(v);
	long long n;
	char *end;

	if (!c || !cJSON_IsNumber(c))
		return -EINVAL;
	if (!c->valuestring) {
		/* Not made by us (cannot happen through this API): the double. */
		double d = c->valuedouble;

		if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) ||
		    d != (double)(int64_t)d)
			return -ERANGE;
		*out = (int64_t)d;
		return 0;
	}
	if (!json_is_int_text(c->valuestring))
		return -ERANGE;
	errno = 0;
	n = strtoll(c->valuestring, &end, 10);
	if (errno == ERANGE || *end)
		return -ERANGE;
	*out = n;
	return 0;
}

/* ------------------------------------------------------------- parsing */

enum lex_state {
	LX_VALUE, /* a value must come */
	LX_VALUE_OR_CLOSE, /* just after '[' */
	LX_KEY_OR_CLOSE, /* just after '{' */
	LX_KEY, /* after ',' in an object */
	LX_COLON,
	LX_AFTER, /* after a value inside a container: ',' or close */
	LX_DONE, /* the top-level value is complete */
};

struct lex {
	struct rd r;
	const uint8_t *start;
	enum lex_state st;
	unsigned depth;
	uint64_t is_obj; /* bit d-1: the container at depth d is an object */
	struct json_err *err;
};

static size_t lex_off(const struct lex *l)
{
	return (size_t)(l->r.p - l->start);
}

static int lex_fail(struct lex *l, const char *msg)
{
	json_err_set(l->err, "", lex_off(l), "%s at offset %zu", msg, lex_off(l));
	return -EBADMSG;
}

static int peek(const struct rd *r)
{
	return rd_left(r) ? r->p[0] : -1;
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* After "\u": four hex digits. Returns the code unit or -1. */
static int lex_hex4(struct lex *l)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		int h = str_hex_digit(peek(&l->r));

		if (h < 0)
			return -1;
		rd_skip(&l->r, 1);
		v = v << 4 | h;
	}
	return v;
}

static int lex_string(struct lex *l)
{
	rd_skip(&l->r, 1); /* the opening quote */
	for (;;) {
		int c = peek(&l->r), u;
		uint32_t cp;
		size_t len;

		if (c < 0)
			return lex_fail(l, "unterminated string");
		if (c == '"') {
			rd_skip(&l->r, 1);
			return 0;
		}
		if (c < 0x20)
			return lex_fail(l, "control character in string");
		if (c >= 0x80) {
			len = json_utf8_next(l->r.p, rd_left(&l->r), &cp);
			if (!len)
				return lex_fail(l, "invalid UTF-8 in string");
			rd_skip(&l->r, len);
			continue;
		}
		rd_skip(&l->r, 1);
		if (c != '\\')
			continue;
		c = peek(&l->r);
		if (c >= 0 && strchr("\"\\/bfnrt", c)) {
			rd_skip(&l->r, 1);
			continue;
		}
		if (c != 'u')
			return lex_fail(l, "invalid escape in string");
		rd_skip(&l->r, 1);
		u = lex_hex4(l);
		if (u < 0)
			return lex_fail(l, "invalid \\u escape");
		if (u == 0)
			return lex_fail(l, "\\u0000 in string is not supported");
		if (u >= 0xdc00 && u <= 0xdfff)
			return lex_fail(l, "unpaired surrogate in \\u escape");
		if (u >= 0xd800 && u <= 0xdbff) {
			if (peek(&l->r) != '\\')
				return lex_fail(l, "unpaired surrogate in \\u escape");
			rd_skip(&l->r, 1);
			if (peek(&l->r) != 'u')
				return lex_fail(l, "unpaired surrogate in \\u escape");
			rd_skip(&l->r, 1);
			u = lex_hex4(l);
			if (u < 0xdc00 || u > 0xdfff)
				return lex_fail(l, "unpaired surrogate in \\u escape");
		}
	}
}

/* RFC 8259 §6: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int lex_number(struct lex *l)
{
	const uint8_t *begin = l->r.p;

	if (peek(&l->r) == '-')
		rd_skip(&l->r, 1);
	if (peek(&l->r) == '0') {
		rd_skip(&l->r, 1);
	} else if (is_digit(peek(&l->r))) {
		while (is_digit(peek(&l->r)))
			rd_skip(&l->r, 1);
	} else {
		return lex_fail(l, "invalid number");
	}
	if (peek(&l->r) == '.') {
		rd_skip(&l->r, 1);
		if (!is_digit(peek(&l->r)))
			return lex_fail(l, "invalid number");
		while (is_digit(peek(&l->r)))
			rd_skip(&l->r, 1);
	}
	if (peek(&l->r) == 'e' || peek(&l->r) == 'E') {
		rd_skip(&l->r, 1);
		if (peek(&l->r) == '+' || peek(&l->r) == '-')
			rd_skip(&l->r, 1);
		if (!is_digit(peek(&l->r)))
			return lex_fail(l, "invalid number");
		while (is_digit(peek(&l->r)))
			rd_skip(&l->r, 1);
	}
	/* cJSON copies a number into a 64-byte buffer before strtod. */
	if (l->r.p - begin > 63) {
		l->r.p = begin;
		return lex_fail(l, "number literal longer than 63 bytes");
	}
	if (is_digit(peek(&l->r)))
		return lex_fail(l, "invalid number");
	return 0;
}

static int lex_literal(struct lex *l)
{
	static const char *const words[] = { "true", "false", "null" };

	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		size_t n = strlen(words[i]);

		if (rd_left(&l->r) >= n && memcmp(l->r.p, words[i], n) == 0) {
			rd_skip(&l->r, n);
			return 0;
		}
	}
	return lex_fail(l, "invalid literal");
}

static void lex_value_done(struct lex *l)
{
	l->st = l->depth ? LX_AFTER : LX_DONE;
}

static bool lex_wants_value(const struct lex *l)
{
	return l->st == LX_VALUE || l->st == LX_VALUE_OR_CLOSE;
}

static int lex_step(struct lex *l, int c)
{
	bool top_obj = l->depth && (l->is_obj >> (l->depth - 1) & 1);
	int ret;

	if (l->st == LX_DONE)
		return lex_fail(l, "trailing characters after the value");
	switch (c) {
	case '{':
	case '[':
		if (!lex_wants_value(l))
			return lex_fail(l, "unexpected character");
		if (l->depth >= JSON_DEPTH_MAX)
			return lex_fail(l, "nesting deeper than 64");
		if (c == '{')
			l->is_obj |= (uint64_t)1 << l->depth;
		else
			l->is_obj &= ~((uint64_t)1 << l->depth);
		l->depth++;
		l->st = c == '{' ? LX_KEY_OR_CLOSE : LX_VALUE_OR_CLOSE;
		rd_skip(&l->r, 1);
		return 0;
	case '}':
	case ']':
		if (c == '}' ? !(top_obj && (l->st == LX_KEY_OR_CLOSE || l->st == LX_AFTER))
			     : !(l->depth && !top_obj &&
				 (l->st == LX_VALUE_OR_CLOSE || l->st == LX_AFTER)))
			return lex_fail(l, "unexpected character");
		l->depth--;
		rd_skip(&l->r, 1);
		lex_value_done(l);
		return 0;
	case ',':
		if (l->st != LX_AFTER)
			return lex_fail(l, "unexpected character");
		l->st = top_obj ? LX_KEY : LX_VALUE;
		rd_skip(&l->r, 1);
		return 0;
	case ':':
		if (l->st != LX_COLON)
			return lex_fail(l, "unexpected character");
		l->st = LX_VALUE;
		rd_skip(&l->r, 1);
		return 0;
	case '"':
		if (l->st == LX_KEY || l->st == LX_KEY_OR_CLOSE) {
			ret = lex_string(l);
			l->st = LX_COLON;
			return ret;
		}
		if (!lex_wants_value(l))
			return lex_fail(l, "unexpected character");
		ret = lex_string(l);
		lex_value_done(l);
		return ret;
	default:
		if (!lex_wants_value(l))
			return lex_fail(l, "unexpected character");
		if (c == '-' || is_digit(c))
			ret = lex_number(l);
		else if (c == 't' || c == 'f' || c == 'n')
			ret = lex_literal(l);
		else
			return lex_fail(l, "unexpected character");
		lex_value_done(l);
		return ret;
	}
}

static int lex_all(const char *text, size_t len, struct json_err *err)
{
	struct lex l = { .r = rd_init(text, len), .start = (const uint8_t *)text, .err = err };

	while (rd_left(&l.r)) {
		int c = peek(&l.r), ret;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			rd_skip(&l.r, 1);
			continue;
		}
		ret = lex_step(&l, c);
		if (ret)
			return ret;
	}
	if (l.st != LX_DONE)
		return lex_fail(&l, "unexpected end of input");
	return 0;
}

/*
 * Find the next number literal at or after @r (a text the lexer accepted):
 * skips strings, since no literal or structural byte is '-' or a digit.
 */
static struct slice next_number(struct rd *r)
{
	struct slice s = { NULL, 0 };

	while (rd_left(r)) {
		int c = peek(r);

		if (c == '"') {
			rd_skip(r, 1);
			while (rd_left(r) && (c = rd_u8(r)) != '"') {
				if (c == '\\')
					rd_skip(r, 1);
			}
			continue;
		}
		if (c == '-' || is_digit(c)) {
			s.p = r->p;
			while (rd_left(r) && strchr("+-.eE0123456789", peek(r)))
				rd_skip(r, 1);
			s.len = (size_t)(r->p - s.p);
			return s;
		}
		rd_skip(r, 1);
	}
	return s;
}

struct walk_frame {
	cJSON *node; /* a container */
	cJSON *cur; /* the child being visited */
	size_t index;
};

/* Render the path of frames [0, n) (each at its current child) into @buf. */
static void walk_path(const struct walk_frame *f, size_t n, char *buf, size_t size)
{
	struct wr w = wr_init(buf, size - 1);

	for (size_t i = 0; i < n; i++) {
		if (cJSON_IsObject(f[i].node)) {
			if (wr_len(&w))
				wr_u8(&w, '.');
			wr_bytes(&w, f[i].cur->string, strlen(f[i].cur->string));
		} else {
			char idx[24];

			snprintf(idx, sizeof(idx), "[%zu]", f[i].index);
			wr_bytes(&w, idx, strlen(idx));
		}
	}
	buf[wr_len(&w)] = '\0';
}

static int check_dup_keys(cJSON *obj, struct walk_frame *f, size_t n, struct json_err *err)
{
	const cJSON **v;
	size_t count, dup = 0;
	int ret = json_sorted_members(obj, &v, &count);

	if (ret)
		return ret;
	for (size_t i = 1; i < count; i++) {
		if (strcmp(v[i - 1]->string, v[i]->string) == 0) {
			dup = i;
			break;
		}
	}
	if (dup) {
		char path[sizeof(err->path)];

		f[n].node = obj;
		f[n].cur = (cJSON *)v[dup];
		walk_path(f, n + 1, path, sizeof(path));
		json_err_set(err, path, 0, "duplicate key");
		ret = -EBADMSG;
	}
	free(v);
	return ret;
}

/* Visit one node: attach number text, check an object's keys. */
static int walk_visit(cJSON *c, struct rd *text, const char *start, struct walk_frame *f, size_t n,
		      struct json_err *err)
{
	struct slice s;

	if (cJSON_IsObject(c))
		return check_dup_keys(c, f, n, err);
	if (!cJSON_IsNumber(c))
		return 0;
	s = next_number(text);
	if (!s.len || c->valuestring)
		return -ENOMEM; /* cannot happen: the lexer saw this literal */
	if (!isfinite(c->valuedouble)) {
		size_t off = (size_t)((const char *)s.p - start);

		json_err_set(err, "", off, "number out of range at offset %zu", off);
		return -EBADMSG;
	}
	c->valuestring = cJSON_malloc(s.len + 1);
	if (!c->valuestring)
		return -ENOMEM;
	memcpy(c->valuestring, s.p, s.len);
	c->valuestring[s.len] = '\0';
	return 0;
}

/* Pre-order, document-order walk with an explicit stack (no recursion). */
static int walk(cJSON *root, const char *text, size_t len, struct json_err *err)
{
	struct walk_frame f[JSON_DEPTH_MAX + 1];
	struct rd r = rd_init(text, len);
	size_t n = 0;
	int ret;

	ret = walk_visit(root, &r, text, f, 0, err);
	if (ret || !root->child)
		return ret;
	f[0] = (struct walk_frame){ root, root->child, 0 };
	n = 1;
	while (n) {
		struct walk_frame *t = &f[n - 1];
		cJSON *c = t->cur;

		if (!c) {
			n--;
			if (n) {
				f[n - 1].cur = f[n - 1].cur->next;
				f[n - 1].index++;
			}
			continue;
		}
		ret = walk_visit(c, &r, text, f, n, err);
		if (ret)
			return ret;
		if ((cJSON_IsObject(c) || cJSON_IsArray(c)) && c->child) {
			if (n > JSON_DEPTH_MAX)
				return -EBADMSG; /* the lexer bounds depth */
			f[n++] = (struct walk_frame){ c, c->child, 0 };
			continue;
		}
		t->cur = c->next;
		t->index++;
	}
	return 0;
}

int json_parse(const char *text, size_t len, struct json **out, struct json_err *err)
{
	const char *end = NULL;
	cJSON *root;
	int ret;

	*out = NULL;
	if (err)
		memset(err, 0, sizeof(*err));
	if (len > JSON_TEXT_MAX) {
		json_err_set(err, "", 0, "document of %zu bytes is over the limit of %u", len,
			     JSON_TEXT_MAX);
		return -EMSGSIZE;
	}
	if (!text)
		text = "";
	ret = lex_all(text, len, err);
	if (ret)
		return ret;
	/*
	 * The lexer accepted the text, so cJSON can only fail for memory (its
	 * nesting limit is ours). The error pointer is a global: read it now.
	 */
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!root) {
		const char *at = cJSON_GetErrorPtr();
		size_t off = at && at >= text && at <= text + len ? (size_t)(at - text) : 0;

		json_err_set(err, "", off, "cJSON failed at offset %zu (out of memory?)", off);
		return -ENOMEM;
	}
	ret = walk(root, text, len, err);
	if (ret) {
		cJSON_Delete(root);
		return ret;
	}
	*out = js(root);
	return 0;
}
