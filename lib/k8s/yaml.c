// SPDX-License-Identifier: Apache-2.0
/*
 * The YAML subset of kubeconfig files (YAML 1.2, https://yaml.org/spec/1.2.2/):
 * what kubectl and client-go (go-yaml v2 behind sigs.k8s.io/yaml) write, and
 * what people write by hand in the same shape. Line by line with an explicit
 * stack of open block collections (no recursion; depth capped), one-line
 * scalars only. Documents whose first significant byte is '{' are JSON
 * (YAML 1.2 §1.3: JSON is YAML) and go through lib/json.
 */
#include "k8s/internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "json/json.h"
#include "k8s/k8s.h"

struct frame {
	struct k8s_yaml_node *node; /* K8S_YAML_MAP or K8S_YAML_SEQ */
	size_t indent;
};

struct parser {
	struct arena *a;
	struct k8s_yaml_err *err;
	const char *s, *e; /* the current line, without its line break */
	uint32_t line;
	struct frame stack[K8S_YAML_DEPTH_MAX];
	size_t depth;
	struct k8s_yaml_node *root;
	/* A member or item whose value is on the next lines (or absent: null). */
	struct k8s_yaml_node *pending;
	size_t pending_indent;
	bool pending_in_map;
	bool started, ended; /* "---" seen; "..." seen */
};

static int fail(struct parser *p, const char *at, const char *fmt, ...) PRINTF_LIKE(3, 4);

static int fail(struct parser *p, const char *at, const char *fmt, ...)
{
	va_list ap;

	if (p->err) {
		p->err->line = p->line;
		p->err->col = (uint32_t)(at - p->s) + 1;
		va_start(ap, fmt);
		vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

static bool is_end(const char *c, const char *e)
{
	return c == e;
}

/* At a comment: '#' at the start of content or after white space. */
static bool is_comment(const char *c, const char *e)
{
	return c < e && *c == '#';
}

static const char *skip_spaces(const char *c, const char *e)
{
	while (c < e && *c == ' ')
		c++;
	return c;
}

/* Nothing but spaces and maybe a comment from @c to the end of the line. */
static bool is_rest_empty(const char *c, const char *e)
{
	c = skip_spaces(c, e);
	return is_end(c, e) || is_comment(c, e);
}

/* "-" followed by a space or the end of the line: a block sequence item. */
static bool is_item(const char *c, const char *e)
{
	return c < e && *c == '-' && (c + 1 == e || c[1] == ' ');
}

static struct k8s_yaml_node *node_new(struct parser *p, enum k8s_yaml_kind kind, const char *at)
{
	struct k8s_yaml_node *n = arena_alloc(p->a, sizeof(*n));

	if (!n)
		return NULL;
	n->kind = kind;
	n->style = K8S_YAML_PLAIN;
	n->line = p->line;
	n->col = (uint32_t)(at - p->s) + 1;
	n->str = "";
	return n;
}

static void node_append(struct k8s_yaml_node *parent, struct k8s_yaml_node *n)
{
	if (parent->last)
		parent->last->next = n;
	else
		parent->child = n;
	parent->last = n;
	parent->count++;
}

static int push(struct parser *p, struct k8s_yaml_node *n, size_t indent, const char *at)
{
	if (p->depth == K8S_YAML_DEPTH_MAX)
		return fail(p, at, "nesting deeper than %d levels", K8S_YAML_DEPTH_MAX);
	p->stack[p->depth].node = n;
	p->stack[p->depth].indent = indent;
	p->depth++;
	return 0;
}

static struct frame *top(struct parser *p)
{
	return p->depth ? &p->stack[p->depth - 1] : NULL;
}

/* ------------------------------------------------------------ scalars */

/* Append the UTF-8 encoding of @cp (already checked) to @out. */
static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* YAML 1.2 §5.7 escapes: the one-character ones, then \x \u \U. */
static int escape_char(char c, uint32_t *cp, int *hex_digits)
{
	static const char from[] = "0abtnvfre \"/\\N_LP\t";
	static const uint32_t to[] = { 0,   7,	 8,   9,    10,	  11,	12,	13,	27,
				       ' ', '"', '/', '\\', 0x85, 0xa0, 0x2028, 0x2029, 9 };
	const char *f;

	*hex_digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
	if (*hex_digits)
		return 0;
	f = c ? memchr(from, c, sizeof(from) - 1) : NULL;
	if (!f)
		return -1;
	*cp = to[f - from];
	return 0;
}

/* One escape after a backslash at @c (c < e); its code point into *cp. */
static int read_escape(struct parser *p, const char **pc, const char *e, uint32_t *cp)
{
	const char *c = *pc, *bs = c - 1;
	int digits;

	if (escape_char(*c, cp, &digits) < 0)
		return fail(p, bs, "unknown escape \\%c in a double-quoted string", *c);
	c++;
	if (digits) {
		*cp = 0;
		for (int i = 0; i < digits; i++, c++) {
			int v = c < e ? str_hex_digit(*c) : -1;

			if (v < 0)
				return fail(p, bs, "escape needs %d hex digits", digits);
			*cp = *cp << 4 | (uint32_t)v;
		}
		if (*cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
			return fail(p, bs, "escape is not a Unicode scalar value");
	}
	if (*cp == 0)
		return fail(p, bs, "NUL characters are not supported");
	*pc = c;
	return 0;
}

/* Where the quoted scalar whose text starts at @c ends (its closing quote, or @e). */
static const char *quoted_end(const char *c, const char *e, char q)
{
	while (c < e) {
		if (*c == q && !(q == '\'' && c + 1 < e && c[1] == '\''))
			return c;
		c += ((q == '"' && *c == '\\') || (q == '\'' && *c == '\'')) && c + 1 < e ? 2 : 1;
	}
	return e;
}

/*
 * A quoted scalar starting at *pc (at the quote). The text is unescaped into
 * an arena copy; *pc moves past the closing quote.
 */
static int read_quoted(struct parser *p, const char **pc, const char *e, struct k8s_yaml_node *n)
{
	const char *c = *pc, *open = c;
	char q = *c++, *out, *o;
	int ret;

	/* Unescaped text is at most 3/2 of the source (\L and \P: 2 bytes give 3). */
	out = arena_alloc(p->a, 2 * (size_t)(quoted_end(c, e, q) - c) + 1);
	if (!out)
		return -ENOMEM;
	o = out;
	for (;;) {
		uint32_t cp = 0;

		if (c == e)
			return fail(
				p, open,
				"unterminated quoted string (multi-line quoted strings are not supported)");
		if (*c == q) {
			if (q == '\'' && c + 1 < e && c[1] == '\'') {
				*o++ = '\'';
				c += 2;
				continue;
			}
			c++;
			break;
		}
		if (q == '"' && *c == '\\') {
			c++;
			if (c == e)
				return fail(
					p, c - 1,
					"escaped line break (multi-line quoted strings are not supported)");
			ret = read_escape(p, &c, e, &cp);
			if (ret < 0)
				return ret;
			o += put_utf8(o, cp);
			continue;
		}
		*o++ = *c++;
	}
	*o = '\0';
	n->style = q == '"' ? K8S_YAML_DOUBLE : K8S_YAML_SINGLE;
	n->str = out;
	n->len = (size_t)(o - out);
	*pc = c;
	return 0;
}

/* Why a plain scalar cannot start with @c (YAML 1.2 §7.3.3), or NULL. */
static const char *plain_start_error(const char *c, const char *e)
{
	bool sp = c + 1 == e || c[1] == ' ';

	switch (*c) {
	case '&':
		return "anchors (&) are not supported";
	case '*':
		return "aliases (*) are not supported";
	case '!':
		return "tags (!) are not supported";
	case '|':
	case '>':
		return "block scalars (| and >) are not supported";
	case '{':
	case '[':
		return "a flow collection cannot start here";
	case '}':
	case ']':
	case ',':
		return "unexpected flow indicator";
	case '%':
	case '@':
	case '`':
		return "a plain scalar cannot start with a reserved indicator (%, @, `)";
	case '?':
		return sp ? "complex mapping keys (?) are not supported" : NULL;
	case ':':
		return sp ? "a mapping value without a key" : NULL;
	case '-':
		return sp ? "a sequence item cannot start here" : NULL;
	}
	return NULL;
}

/*
 * The end of a plain scalar starting at @c: the end of the line, " #", or
 * (for keys) ": " / a final ':'. *colon tells whether it stopped at a ':'.
 */
static const char *plain_end(const char *c, const char *e, bool *colon)
{
	*colon = false;
	for (; c < e; c++) {
		if (*c == ':' && (c + 1 == e || c[1] == ' ')) {
			*colon = true;
			return c;
		}
		if (*c == ' ' && c + 1 < e && c[1] == '#')
			return c;
		if (*c == '\t')
			return c;
	}
	return c;
}

static int check_plain_text(struct parser *p, const char *b, const char *e)
{
	for (const char *c = b; c < e; c++)
		if (*c == '\t')
			return fail(p, c,
				    "tab characters are only supported inside quoted strings");
	return 0;
}

static int read_flow(struct parser *p, const char *c, const char *e, struct k8s_yaml_node *n);

/* The scalar or flow collection value of @n at @c, up to the end of the line. */
static int read_value(struct parser *p, const char *c, const char *e, struct k8s_yaml_node *n)
{
	const char *why, *end, *t;
	bool colon;
	int ret;

	if (*c == '"' || *c == '\'') {
		ret = read_quoted(p, &c, e, n);
		if (ret < 0)
			return ret;
		t = skip_spaces(c, e);
		if (t < e && *t == '\t')
			return fail(p, t,
				    "tab characters are only supported inside quoted strings");
		if (!is_end(t, e) && !(is_comment(t, e) && t > c))
			return fail(p, t, "unexpected text after a quoted string");
		return 0;
	}
	if (*c == '{' || *c == '[')
		return read_flow(p, c, e, n);
	why = plain_start_error(c, e);
	if (why)
		return fail(p, c, "%s", why);
	end = plain_end(c, e, &colon);
	if (colon)
		return fail(p, end, "a mapping value is not allowed here (quote the string)");
	ret = check_plain_text(p, c, end);
	if (ret < 0)
		return ret;
	if (end < e && *end == '\t')
		return fail(p, end, "tab characters are only supported inside quoted strings");
	while (end > c && end[-1] == ' ')
		end--;
	n->str = arena_strndup(p->a, c, (size_t)(end - c));
	if (!n->str)
		return -ENOMEM;
	n->len = (size_t)(end - c);
	return 0;
}

/* Does the content at @c start with a "key:" (plain or quoted)? */
static bool is_key(const char *c, const char *e)
{
	bool colon;

	if (c == e || *c == '{' || *c == '[')
		return false;
	if (*c == '"' || *c == '\'') {
		char q = *c++;

		c = quoted_end(c, e, q);
		if (c == e)
			return false;
		c = skip_spaces(c + 1, e);
		return c < e && *c == ':' && (c + 1 == e || c[1] == ' ');
	}
	plain_end(c, e, &colon);
	return colon;
}

/* Read a key at @c into @n->key; *pc ends after the ':'. */
static int read_key(struct parser *p, const char **pc, const char *e, struct k8s_yaml_node *n)
{
	const char *c = *pc, *end, *why;
	struct k8s_yaml_node k = { 0 };
	bool colon;
	int ret;

	if (*c == '"' || *c == '\'') {
		ret = read_quoted(p, &c, e, &k);
		if (ret < 0)
			return ret;
		c = skip_spaces(c, e);
		/* is_key() checked that the ':' follows. */
		n->key = k.str;
		*pc = c + 1;
		return 0;
	}
	why = plain_start_error(c, e);
	if (why)
		return fail(p, c, "%s", why);
	end = plain_end(c, e, &colon);
	ret = check_plain_text(p, c, end);
	if (ret < 0)
		return ret;
	*pc = end + 1;
	while (end > c && end[-1] == ' ')
		end--;
	n->key = arena_strndup(p->a, c, (size_t)(end - c));
	return n->key ? 0 : -ENOMEM;
}

/* ------------------------------------------------------------ structure */

/* Close what the indentation of a new line closes; open a pending block. */
static int settle(struct parser *p, const char *c, size_t ind, bool item)
{
	struct k8s_yaml_node *pend = p->pending;
	struct frame *f;

	p->pending = NULL;
	if (pend &&
	    (ind > p->pending_indent || (ind == p->pending_indent && item && p->pending_in_map))) {
		pend->kind = item ? K8S_YAML_SEQ : K8S_YAML_MAP;
		return push(p, pend, ind, c);
	}
	while (p->depth && top(p)->indent > ind)
		p->depth--;
	f = top(p);
	if (f && f->indent == ind && f->node->kind == K8S_YAML_SEQ && !item) {
		p->depth--;
		f = top(p);
	}
	if (!f) {
		if (p->root)
			return fail(p, c,
				    "content after the end of the document's top-level block");
		p->root = node_new(p, item ? K8S_YAML_SEQ : K8S_YAML_MAP, c);
		if (!p->root)
			return -ENOMEM;
		return push(p, p->root, ind, c);
	}
	if (f->indent != ind)
		return fail(
			p, c,
			"bad indentation (expected column %zu; multi-line scalars are not supported)",
			f->indent + 1);
	return 0;
}

/* Is @key in @map? Linear: K8S_YAML_KEYS_MAX bounds the cost. */
static bool has_key(const struct k8s_yaml_node *map, const char *key)
{
	for (const struct k8s_yaml_node *m = map->child; m; m = m->next)
		if (strcmp(m->key, key) == 0)
			return true;
	return false;
}

/* ------------------------------------------------------------ flow */

static bool is_flow_indicator(char c)
{
	return c == ',' || c == '[' || c == ']' || c == '{' || c == '}';
}

/*
 * The end of a plain scalar in a flow collection (YAML 1.2 §7.3.3, ns-plain
 * in flow context): at a flow indicator, ": " (or ':' before an indicator or
 * the end), " #", a tab or the end of the line.
 */
static const char *flow_plain_end(const char *c, const char *e)
{
	for (; c < e; c++) {
		if (is_flow_indicator(*c) || *c == '\t')
			return c;
		if (*c == ':' && (c + 1 == e || c[1] == ' ' || is_flow_indicator(c[1])))
			return c;
		if (*c == ' ' && c + 1 < e && c[1] == '#')
			return c;
	}
	return c;
}

/* A quoted or plain scalar in flow context into @n; *pc moves past it. */
static int flow_scalar(struct parser *p, const char **pc, const char *e, struct k8s_yaml_node *n)
{
	const char *c = *pc, *end, *why;

	n->col = (uint32_t)(c - p->s) + 1;
	if (*c == '"' || *c == '\'')
		return read_quoted(p, pc, e, n);
	why = plain_start_error(c, e);
	if (why)
		return fail(p, c, "%s", why);
	end = flow_plain_end(c, e);
	if (end < e && *end == '\t')
		return fail(p, end, "tab characters are only supported inside quoted strings");
	*pc = end;
	while (end > c && end[-1] == ' ')
		end--;
	if (end == c)
		return fail(p, c, "expected a value");
	n->str = arena_strndup(p->a, c, (size_t)(end - c));
	n->len = (size_t)(end - c);
	return n->str ? 0 : -ENOMEM;
}

/* A "key:" in a flow mapping: key text into @n->key; *pc after the ':'. */
static int flow_key(struct parser *p, const char **pc, const char *e, struct k8s_yaml_node *n)
{
	struct k8s_yaml_node k = { 0 };
	const char *c;
	int ret = flow_scalar(p, pc, e, &k);

	if (ret < 0)
		return ret;
	c = skip_spaces(*pc, e);
	if (c == e || *c != ':')
		return fail(p, c, "expected ':' after a flow mapping key");
	/* After a plain key the ':' needs a space or an indicator (flow_plain_end saw to it). */
	n->key = k.str;
	*pc = c + 1;
	return 0;
}

/*
 * A flow collection on one line ("{a: 1, b: [x, 'y']}"), with an explicit
 * stack whose depth counts with the block levels above it. Single-pair
 * mappings inside sequences ("[a: b]") and multi-line collections are refused.
 */
static int read_flow(struct parser *p, const char *c, const char *e, struct k8s_yaml_node *n)
{
	struct k8s_yaml_node *st[K8S_YAML_DEPTH_MAX];
	size_t depth = 0;
	bool after = false; /* an entry just ended: ',' or a closing bracket next */
	int ret;

	for (;;) {
		struct k8s_yaml_node *top_n, *m;

		c = skip_spaces(c, e);
		if (c == e)
			return fail(p, c, "multi-line flow collections are not supported");
		if (*c == '\t')
			return fail(p, c,
				    "tab characters are only supported inside quoted strings");
		if (!depth || n) {
			/* Open n: every value starts here. */
			if (*c != '[' && *c != '{') {
				ret = flow_scalar(p, &c, e, n);
				if (ret < 0)
					return ret;
				n = NULL;
				after = true;
				continue;
			}
			if (p->depth + depth == K8S_YAML_DEPTH_MAX)
				return fail(p, c, "nesting deeper than %d levels",
					    K8S_YAML_DEPTH_MAX);
			n->kind = *c == '{' ? K8S_YAML_MAP : K8S_YAML_SEQ;
			n->col = (uint32_t)(c - p->s) + 1;
			st[depth++] = n;
			n = NULL;
			after = false;
			c++;
			continue;
		}
		top_n = st[depth - 1];
		if (*c == (top_n->kind == K8S_YAML_MAP ? '}' : ']')) {
			c++;
			after = true;
			if (--depth == 0)
				break;
			continue;
		}
		if (after) {
			if (*c == ':' && top_n->kind == K8S_YAML_SEQ)
				return fail(
					p, c,
					"single-pair mappings in flow sequences are not supported");
			if (*c != ',')
				return fail(p, c, "expected ',' or the end of the flow collection");
			after = false;
			c++;
			continue;
		}
		if (*c == ',')
			return fail(p, c, "an empty entry in a flow collection");
		m = node_new(p, K8S_YAML_SCALAR, c);
		if (!m)
			return -ENOMEM;
		if (top_n->kind == K8S_YAML_MAP) {
			ret = flow_key(p, &c, e, m);
			if (ret < 0)
				return ret;
			if (has_key(top_n, m->key))
				return fail(p, p->s + m->col - 1, "duplicate key \"%.64s\"",
					    m->key);
			if (top_n->count == K8S_YAML_KEYS_MAX)
				return fail(p, c, "a mapping with more than %d keys",
					    K8S_YAML_KEYS_MAX);
			node_append(top_n, m);
			c = skip_spaces(c, e);
			if (c < e && (*c == ',' || *c == '}')) {
				after = true; /* "{a: , b: 1}": a is null */
				continue;
			}
		} else {
			node_append(top_n, m);
		}
		n = m;
	}
	c = skip_spaces(c, e);
	if (c < e && *c == '\t')
		return fail(p, c, "tab characters are only supported inside quoted strings");
	if (!is_end(c, e) && !is_comment(c, e))
		return fail(p, c, "unexpected text after a flow collection");
	return 0;
}

/* A "key: value" line part at @c in the map on top of the stack. */
static int map_entry(struct parser *p, const char *c, const char *e)
{
	struct frame *f = top(p);
	struct k8s_yaml_node *n;
	const char *v;
	int ret;

	if (!is_key(c, e)) {
		const char *tab = memchr(c, '\t', (size_t)(e - c));

		if (tab)
			return fail(p, tab,
				    "tab characters are only supported inside quoted strings");
		if (plain_start_error(c, e) && !is_item(c, e))
			return fail(p, c, "%s", plain_start_error(c, e));
		if (is_item(c, e))
			return fail(p, c, "a sequence item where a mapping key was expected");
		return fail(p, c, "expected a \"key: value\" line");
	}
	n = node_new(p, K8S_YAML_SCALAR, c);
	if (!n)
		return -ENOMEM;
	ret = read_key(p, &c, e, n);
	if (ret < 0)
		return ret;
	if (has_key(f->node, n->key))
		return fail(p, p->s + n->col - 1, "duplicate key \"%.64s\"", n->key);
	if (f->node->count == K8S_YAML_KEYS_MAX)
		return fail(p, c, "a mapping with more than %d keys", K8S_YAML_KEYS_MAX);
	node_append(f->node, n);
	v = skip_spaces(c, e);
	if (v < e && *v == '\t')
		return fail(p, v, "tab characters are only supported inside quoted strings");
	if (is_end(v, e) || is_comment(v, e)) {
		if (is_comment(v, e) && v == c)
			return fail(p, v, "a comment needs a space before it");
		p->pending = n;
		p->pending_indent = f->indent;
		p->pending_in_map = true;
		return 0;
	}
	if (is_item(v, e))
		return fail(p, v, "a block sequence cannot start on its key's line");
	if (is_key(v, e))
		return fail(p, v, "a mapping value is not allowed here (quote the string)");
	n->line = p->line;
	n->col = (uint32_t)(v - p->s) + 1;
	return read_value(p, v, e, n);
}

/* One line's content starting at @c (column @ind), after indentation. */
static int content(struct parser *p, const char *c, const char *e, size_t ind)
{
	bool item = is_item(c, e);
	int ret = settle(p, c, ind, item);

	if (ret < 0)
		return ret;
	for (;;) {
		struct frame *f = top(p);
		struct k8s_yaml_node *n;

		if (f->node->kind == K8S_YAML_MAP)
			return map_entry(p, c, e);
		if (!is_item(c, e))
			return fail(p, c, "expected a \"- \" sequence item");
		n = node_new(p, K8S_YAML_SCALAR, c);
		if (!n)
			return -ENOMEM;
		node_append(f->node, n);
		c = skip_spaces(c + 1, e);
		if (c < e && *c == '\t')
			return fail(p, c,
				    "tab characters are only supported inside quoted strings");
		if (is_end(c, e) || is_comment(c, e)) {
			p->pending = n;
			p->pending_indent = f->indent;
			p->pending_in_map = false;
			return 0;
		}
		n->col = (uint32_t)(c - p->s) + 1;
		if (!is_item(c, e) && !is_key(c, e))
			return read_value(p, c, e, n);
		/* "- - x" or "- key: v": a block collection at this column. */
		n->kind = is_item(c, e) ? K8S_YAML_SEQ : K8S_YAML_MAP;
		ret = push(p, n, (size_t)(c - p->s), c);
		if (ret < 0)
			return ret;
	}
}

/* Marker lines at column 0: "---", "...", "%DIRECTIVE". 1 when handled. */
static int marker(struct parser *p)
{
	const char *c = p->s, *e = p->e;
	bool dashes = e - c >= 3 && memcmp(c, "---", 3) == 0;
	bool dots = e - c >= 3 && memcmp(c, "...", 3) == 0;

	if (c < e && *c == '%')
		return fail(p, c, "directives (%%YAML, %%TAG) are not supported");
	if ((!dashes && !dots) || !(e - c == 3 || c[3] == ' '))
		return 0;
	if (!is_rest_empty(c + 3, e))
		return fail(p, c + 3, "content on a document marker line is not supported");
	if (dashes && (p->root || p->started || p->ended))
		return fail(p, c, "several documents in one file are not supported");
	p->started |= dashes;
	p->ended |= dots;
	return 1;
}

static int line(struct parser *p)
{
	const char *c = p->s, *e = p->e;
	int ret;

	for (const char *t = c; t < e; t++) {
		unsigned char u = (unsigned char)*t;

		if ((u < 0x20 && u != '\t') || u == 0x7f)
			return fail(p, t, "control character 0x%02x", u);
	}
	ret = marker(p);
	if (ret)
		return ret < 0 ? ret : 0;
	c = skip_spaces(c, e);
	if (c < e && *c == '\t')
		return fail(p, c, "tab in indentation (YAML forbids tabs there)");
	if (is_end(c, e) || is_comment(c, e))
		return 0;
	if (p->ended)
		return fail(p, c, "content after the document end marker \"...\"");
	return content(p, c, e, (size_t)(c - p->s));
}

/* --------------------------------------------------------------- JSON */

/* The literal text of a JSON number, bool or null. */
static const char *json_scalar_text(const struct json *v, struct arena *a, size_t *len)
{
	struct buf b;
	char *s = NULL;

	buf_init(&b, 128);
	if (json_print(v, JSON_COMPACT, &b) == 0) {
		s = arena_strndup(a, b.p, b.len);
		*len = b.len;
	}
	buf_fini(&b);
	return s;
}

static struct k8s_yaml_node *from_json_value(const struct json *v, struct arena *a)
{
	struct k8s_yaml_node *n = arena_alloc(a, sizeof(*n));
	const char *s;

	if (!n)
		return NULL;
	switch (json_type_of(v)) {
	case JSON_OBJECT:
		n->kind = K8S_YAML_MAP;
		return n;
	case JSON_ARRAY:
		n->kind = K8S_YAML_SEQ;
		return n;
	case JSON_STRING:
		if (json_get_string(v, &s) != 0)
			return NULL;
		n->style = K8S_YAML_DOUBLE;
		n->len = strlen(s);
		n->str = arena_strndup(a, s, n->len);
		break;
	default:
		n->str = json_scalar_text(v, a, &n->len);
		break;
	}
	return n->str ? n : NULL;
}

/* The JSON tree as nodes, iteratively (lib/json caps the depth at JSON_DEPTH_MAX). */
static int from_json(const struct json *root, struct arena *a, struct k8s_yaml_node **out)
{
	struct {
		const struct json *next;
		struct k8s_yaml_node *node;
	} st[JSON_DEPTH_MAX + 2];
	size_t depth = 0;

	*out = from_json_value(root, a);
	if (!*out)
		return -ENOMEM;
	if ((*out)->kind == K8S_YAML_SCALAR)
		return 0;
	st[depth].next = json_at(root, 0);
	st[depth++].node = *out;
	while (depth) {
		const struct json *v = st[depth - 1].next;
		struct k8s_yaml_node *n, *parent = st[depth - 1].node;

		if (!v) {
			depth--;
			continue;
		}
		st[depth - 1].next = json_next(v);
		n = from_json_value(v, a);
		if (!n)
			return -ENOMEM;
		if (parent->kind == K8S_YAML_MAP) {
			n->key = arena_strdup(a, json_key(v));
			if (!n->key)
				return -ENOMEM;
		}
		node_append(parent, n);
		if (n->kind != K8S_YAML_SCALAR) {
			if (depth == ARRAY_SIZE(st))
				return -EBADMSG;
			st[depth].next = json_at(v, 0);
			st[depth++].node = n;
		}
	}
	return 0;
}

static int parse_json(const char *text, size_t len, struct arena *a, struct k8s_yaml_node **root,
		      struct k8s_yaml_err *err)
{
	struct json *v = NULL;
	struct json_err je;
	int ret = json_parse(text, len, &v, &je);

	if (ret == -EBADMSG && err) {
		char buf[sizeof(err->msg)];

		err->offset = je.offset;
		err->line = 1;
		err->col = 1;
		for (size_t i = 0; i < je.offset && i < len; i++) {
			if (text[i] == '\n') {
				err->line++;
				err->col = 1;
			} else {
				err->col++;
			}
		}
		snprintf(err->msg, sizeof(err->msg), "JSON: %s",
			 json_err_format(&je, buf, sizeof(buf)));
	}
	if (ret < 0)
		return ret;
	ret = from_json(v, a, root);
	json_free(v);
	return ret;
}

/* ------------------------------------------------------------- public */

/* The first byte that is not white space or part of a comment line. */
static bool starts_with_brace(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
			i++;
		} else if (s[i] == '#') {
			while (i < len && s[i] != '\n')
				i++;
		} else {
			return s[i] == '{';
		}
	}
	return false;
}

int k8s_yaml_parse(const char *text, size_t len, struct arena *a, struct k8s_yaml_node **root,
		   struct k8s_yaml_err *err)
{
	struct parser p = { .a = a, .err = err };
	const char *s = text, *end = text + len;
	int ret;

	*root = NULL;
	if (err)
		memset(err, 0, sizeof(*err));
	if (len > K8S_KUBECONFIG_MAX)
		return -EMSGSIZE;
	/* A UTF-8 byte order mark may open the stream (YAML 1.2 §5.2). */
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	if (!json_is_utf8(s, (size_t)(end - s))) {
		if (err)
			snprintf(err->msg, sizeof(err->msg), "not valid UTF-8");
		return -EBADMSG;
	}
	if (starts_with_brace(s, (size_t)(end - s)))
		return parse_json(s, (size_t)(end - s), a, root, err);
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));

		p.line++;
		p.s = s;
		p.e = nl ? nl : end;
		/* CRLF line breaks (files edited on Windows); a lone CR is a control character. */
		if (p.e > p.s && p.e[-1] == '\r')
			p.e--;
		ret = line(&p);
		if (ret < 0)
			return ret;
		s = nl ? nl + 1 : end;
	}
	*root = p.root;
	return 0;
}

const struct k8s_yaml_node *k8s_yaml_get(const struct k8s_yaml_node *map, const char *key)
{
	if (!map || map->kind != K8S_YAML_MAP)
		return NULL;
	for (const struct k8s_yaml_node *m = map->child; m; m = m->next)
		if (strcmp(m->key, key) == 0)
			return m;
	return NULL;
}

bool k8s_yaml_is_null(const struct k8s_yaml_node *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };

	if (!n || n->kind != K8S_YAML_SCALAR || n->style != K8S_YAML_PLAIN)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(nulls); i++)
		if (strcmp(n->str, nulls[i]) == 0)
			return true;
	return false;
}

int k8s_yaml_bool(const struct k8s_yaml_node *n, bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes", "YES",
					   "on",   "On",   "ON",   "y",	  "Y" };
	static const char *const no[] = { "false", "False", "FALSE", "no", "No", "NO",
					  "off",   "Off",   "OFF",   "n",  "N" };

	if (!n || n->kind != K8S_YAML_SCALAR || n->style != K8S_YAML_PLAIN)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcmp(n->str, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(n->str, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}
