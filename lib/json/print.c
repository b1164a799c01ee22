// SPDX-License-Identifier: Apache-2.0
/*
 * Printing JSON (RFC 8259 §7 escapes) and YAML block documents (YAML 1.2
 * §7.3.1 double-quoted escapes, §7.3.3 plain scalars; YAML 1.1 types that
 * PyYAML and go-yaml still resolve) with keys sorted bytewise. Both walk
 * the tree with an explicit stack and never modify it.
 */
#include "json/json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "json/internal.h"

/* Keys longer than this use YAML's explicit "? key" form (YAML 1.2 §7.4.2: 1024 chars). */
#define YAML_IMPLICIT_KEY_MAX 1000

struct frame {
	const cJSON *node;
	const cJSON **kids; /* objects: members sorted by key; NULL for arrays */
	const cJSON *next; /* arrays: the next element */
	size_t n, i;
	unsigned indent; /* YAML */
	bool inline_first; /* YAML: the first line follows "- " */
};

struct stack {
	struct frame *f;
	size_t n, size;
};

static void stack_fini(struct stack *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->f[i].kids);
	free(s->f);
}

/* Push container @c (non-empty). 0 or -ENOMEM. */
static int stack_push(struct stack *s, const cJSON *c, unsigned indent, bool inline_first)
{
	struct frame *f;
	int ret;

	if (s->n == s->size) {
		size_t size = s->size ? s->size * 2 : 16;

		f = realloc(s->f, size * sizeof(*f));
		if (!f)
			return -ENOMEM;
		s->f = f;
		s->size = size;
	}
	f = &s->f[s->n];
	memset(f, 0, sizeof(*f));
	f->node = c;
	f->indent = indent;
	f->inline_first = inline_first;
	if (cJSON_IsObject(c)) {
		ret = json_sorted_members(c, &f->kids, &f->n);
		if (ret)
			return ret;
	} else {
		for (const cJSON *k = c->child; k; k = k->next)
			f->n++;
		f->next = c->child;
	}
	s->n++;
	return 0;
}

static const cJSON *frame_next(struct frame *f)
{
	const cJSON *c;

	if (f->kids)
		return f->kids[f->i++];
	c = f->next;
	f->next = c->next;
	f->i++;
	return c;
}

static bool is_container(const cJSON *c)
{
	return cJSON_IsObject(c) || cJSON_IsArray(c);
}

static int put_indent(struct buf *out, unsigned n)
{
	int ret = 0;

	while (n-- && !ret)
		ret = buf_putc(out, ' ');
	return ret;
}

/* ------------------------------------------------------------------ JSON */

static int json_put_string(struct buf *out, const char *s)
{
	struct rd r = rd_init(s, strlen(s));
	int ret = buf_putc(out, '"');

	while (rd_left(&r) && !ret) {
		const uint8_t *p = r.p;
		uint32_t cp;
		size_t len;

		/* Copy the longest run that needs no escape in one go. */
		while (rd_left(&r) && r.p[0] >= 0x20 && r.p[0] < 0x7f && r.p[0] != '"' &&
		       r.p[0] != '\\')
			rd_skip(&r, 1);
		if (r.p != p)
			ret = buf_put(out, p, (size_t)(r.p - p));
		if (!rd_left(&r) || ret)
			break;
		if (r.p[0] >= 0x80) {
			len = json_utf8_next(r.p, rd_left(&r), &cp);
			if (!len)
				return -EINVAL;
			ret = buf_put(out, r.p, len);
			rd_skip(&r, len);
			continue;
		}
		switch (r.p[0]) {
		case '"':
			ret = buf_puts(out, "\\\"");
			break;
		case '\\':
			ret = buf_puts(out, "\\\\");
			break;
		case '\b':
			ret = buf_puts(out, "\\b");
			break;
		case '\f':
			ret = buf_puts(out, "\\f");
			break;
		case '\n':
			ret = buf_puts(out, "\\n");
			break;
		case '\r':
			ret = buf_puts(out, "\\r");
			break;
		case '\t':
			ret = buf_puts(out, "\\t");
			break;
		default:
			ret = buf_printf(out, "\\u%04x", r.p[0]);
			break;
		}
		rd_skip(&r, 1);
	}
	return ret ? ret : buf_putc(out, '"');
}

static int put_double(struct buf *out, double d)
{
	char text[32];

	if (!isfinite(d))
		return -EINVAL;
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(text, sizeof(text), "%.*g", prec, d);
		if (strtod(text, NULL) == d)
			break;
	}
	return buf_puts(out, text);
}

static int json_put_scalar(struct buf *out, const cJSON *c)
{
	switch (c->type & 0xff) {
	case cJSON_False:
		return buf_puts(out, "false");
	case cJSON_True:
		return buf_puts(out, "true");
	case cJSON_Number:
		if (c->valuestring)
			return buf_puts(out, c->valuestring);
		return put_double(out, c->valuedouble);
	case cJSON_String:
		return json_put_string(out, c->valuestring ? c->valuestring : "");
	case cJSON_Object:
		return buf_puts(out, "{}");
	case cJSON_Array:
		return buf_puts(out, "[]");
	default:
		return buf_puts(out, "null");
	}
}

/* A scalar or empty container; else push it and write its opening bracket. */
static int json_put_value(struct buf *out, struct stack *s, const cJSON *c)
{
	int ret;

	if (!is_container(c) || !c->child)
		return json_put_scalar(out, c);
	ret = stack_push(s, c, 0, false);
	if (ret)
		return ret;
	return buf_putc(out, cJSON_IsObject(c) ? '{' : '[');
}

int json_print(const struct json *v, unsigned flags, struct buf *out)
{
	bool pretty = flags & JSON_PRETTY;
	struct stack s = { 0 };
	int ret;

	if (!v)
		return -EINVAL;
	ret = json_put_value(out, &s, ccj(v));
	while (!ret && s.n) {
		struct frame *f = &s.f[s.n - 1];
		const cJSON *c;

		if (f->i == f->n) {
			bool obj = f->kids != NULL;

			free(f->kids);
			s.n--;
			if (pretty) {
				ret = buf_putc(out, '\n');
				if (!ret)
					ret = put_indent(out, 2 * (unsigned)s.n);
			}
			if (!ret)
				ret = buf_putc(out, obj ? '}' : ']');
			continue;
		}
		if (f->i)
			ret = buf_putc(out, ',');
		if (!ret && pretty) {
			ret = buf_putc(out, '\n');
			if (!ret)
				ret = put_indent(out, 2 * (unsigned)s.n);
		}
		c = frame_next(f);
		if (!ret && f->kids) {
			ret = json_put_string(out, c->string);
			if (!ret)
				ret = buf_puts(out, pretty ? ": " : ":");
		}
		if (!ret)
			ret = json_put_value(out, &s, c);
	}
	stack_fini(&s);
	return ret;
}

/* ------------------------------------------------------------------ YAML */

/* Words YAML 1.1 resolves to bool or null (go-yaml v2 also takes y and n). */
static bool yaml_is_special_word(const char *s)
{
	static const char *const words[] = { "true", "false", "yes", "no", "on",
					     "off",  "null",  "y",   "n" };

	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		if (strcasecmp(s, words[i]) == 0)
			return true;
	}
	return false;
}

/*
 * May @s be written as a plain scalar? Conservative on purpose: anything
 * that starts like a number, date, indicator or document marker, or holds
 * an indicator, control or non-ASCII byte, is quoted instead.
 */
static bool yaml_plain_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || s[0] == ' ' || s[n - 1] == ' ')
		return false;
	if (strchr("-?:,[]{}#&*!|>'\"%@`+.<=~", s[0]) || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c >= 0x7f || strchr(":#{}[],&*!|>'\"%@`", c))
			return false;
	}
	return !yaml_is_special_word(s);
}

/* YAML 1.2 §5.1: what may not appear raw in a double-quoted scalar, or folds as a break. */
static bool yaml_needs_escape(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0xa0) || cp == 0x2028 ||
	       cp == 0x2029 || cp == 0xfeff || cp == 0xfffe || cp == 0xffff;
}

static int yaml_put_quoted(struct buf *out, const char *s)
{
	struct rd r = rd_init(s, strlen(s));
	int ret = buf_putc(out, '"');

	while (rd_left(&r) && !ret) {
		uint32_t cp;
		size_t len = json_utf8_next(r.p, rd_left(&r), &cp);

		if (!len)
			return -EINVAL;
		if (cp == '"')
			ret = buf_puts(out, "\\\"");
		else if (cp == '\\')
			ret = buf_puts(out, "\\\\");
		else if (cp == '\n')
			ret = buf_puts(out, "\\n");
		else if (cp == '\t')
			ret = buf_puts(out, "\\t");
		else if (cp == '\r')
			ret = buf_puts(out, "\\r");
		else if (yaml_needs_escape(cp))
			ret = buf_printf(out, cp < 0x100 ? "\\x%02X" : "\\u%04X", (unsigned)cp);
		else
			ret = buf_put(out, r.p, len);
		rd_skip(&r, len);
	}
	return ret ? ret : buf_putc(out, '"');
}

static int yaml_put_string(struct buf *out, const char *s)
{
	if (!json_is_utf8(s, strlen(s)))
		return -EINVAL;
	if (yaml_plain_ok(s))
		return buf_puts(out, s);
	return yaml_put_quoted(out, s);
}

/*
 * A float in the form every YAML 1.1 resolver takes as a float: a '.' and
 * a signed exponent (PyYAML's float pattern), e.g. 1e5 -> 1.0e+05.
 */
static int yaml_put_float(struct buf *out, double d)
{
	char text[40], *e;

	if (!isfinite(d))
		return -EINVAL;
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(text, sizeof(text), "%.*g", prec, d);
		if (strtod(text, NULL) == d)
			break;
	}
	if (strchr(text, '.'))
		return buf_puts(out, text);
	e = strchr(text, 'e');
	if (!e)
		return buf_printf(out, "%s.0", text);
	return buf_printf(out, "%.*s.0%s", (int)(e - text), text, e);
}

static int yaml_put_scalar(struct buf *out, const cJSON *c)
{
	switch (c->type & 0xff) {
	case cJSON_Number:
		/* Integer literals (any size) are YAML ints as written. */
		if (c->valuestring && json_is_int_text(c->valuestring))
			return buf_puts(out, c->valuestring);
		return yaml_put_float(out, c->valuestring ? strtod(c->valuestring, NULL)
							  : c->valuedouble);
	case cJSON_String:
		return yaml_put_string(out, c->valuestring ? c->valuestring : "");
	default:
		return json_put_scalar(out, c); /* null, true, false, {}, [] */
	}
}

static int yaml_put_key(struct buf *out, const char *key, unsigned indent, bool *is_long)
{
	int ret;

	*is_long = strlen(key) > YAML_IMPLICIT_KEY_MAX;
	if (!*is_long)
		return yaml_put_string(out, key);
	if (!json_is_utf8(key, strlen(key)))
		return -EINVAL;
	ret = buf_puts(out, "? ");
	if (!ret)
		ret = yaml_put_quoted(out, key);
	if (!ret)
		ret = buf_putc(out, '\n');
	if (!ret)
		ret = put_indent(out, indent);
	return ret;
}

/* One member (@key non-NULL) or list element of the frame on top. */
static int yaml_put_entry(struct buf *out, struct stack *s, const struct frame *f, const cJSON *c,
			  const char *key)
{
	unsigned indent = f->indent;
	bool nested = is_container(c) && c->child, is_long = false;
	int ret;

	if (!key) {
		ret = buf_puts(out, "- ");
		if (ret)
			return ret;
		if (nested)
			return stack_push(s, c, indent + 2, true);
		ret = yaml_put_scalar(out, c);
		return ret ? ret : buf_putc(out, '\n');
	}
	ret = yaml_put_key(out, key, indent, &is_long);
	if (!ret)
		ret = buf_putc(out, ':');
	if (ret)
		return ret;
	if (!nested) {
		ret = buf_putc(out, ' ');
		if (!ret)
			ret = yaml_put_scalar(out, c);
		return ret ? ret : buf_putc(out, '\n');
	}
	ret = buf_putc(out, '\n');
	if (ret)
		return ret;
	/* kubectl's layout: a list value sits at its key's indent ("key:\n- a"). */
	if (cJSON_IsArray(c) && !is_long)
		return stack_push(s, c, indent, false);
	return stack_push(s, c, indent + 2, false);
}

int json_print_yaml(const struct json *v, struct buf *out)
{
	const cJSON *root = ccj(v);
	struct stack s = { 0 };
	int ret;

	if (!root)
		return -EINVAL;
	if (!is_container(root) || !root->child) {
		ret = yaml_put_scalar(out, root);
		return ret ? ret : buf_putc(out, '\n');
	}
	ret = stack_push(&s, root, 0, false);
	while (!ret && s.n) {
		struct frame *f = &s.f[s.n - 1];
		struct frame top;
		const cJSON *c;

		if (f->i == f->n) {
			free(f->kids);
			s.n--;
			continue;
		}
		if (!(f->i == 0 && f->inline_first))
			ret = put_indent(out, f->indent);
		c = frame_next(f);
		/* The push below may move the stack: work on a copy. */
		top = *f;
		if (!ret)
			ret = yaml_put_entry(out, &s, &top, c, top.kids ? c->string : NULL);
	}
	stack_fini(&s);
	return ret;
}
