// SPDX-License-Identifier: Apache-2.0
/*
 * Lexer of the CEL subset: numbers, strings with CEL's escapes, identifiers,
 * operators, comments (cel-spec doc/langdef.md "Syntax", lexis).
 */
#include "expr_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const reserved_words[] = {
	"as",  "break", "const",   "continue",	"else",	  "for", "function", "if",    "import",
	"let", "loop",	"package", "namespace", "return", "var", "void",     "while",
};

int expr_error(struct inv_expr_err *err, size_t col, const char *fmt, ...)
{
	va_list ap;

	if (err->msg[0])
		return -EINVAL;
	err->column = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (!err->msg[0])
		snprintf(err->msg, sizeof(err->msg), "syntax error");
	return -EINVAL;
}

/* The byte at pos + off, or 0 past the end. */
static unsigned char peek(const struct lexer *lx, size_t off)
{
	if (off >= lx->len - lx->pos)
		return 0;
	return (unsigned char)lx->src[lx->pos + off];
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_ident_start(int c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_quote(unsigned char c)
{
	return c == '"' || c == '\'';
}

static bool is_raw_prefix(unsigned char c)
{
	return c == 'r' || c == 'R';
}

static bool is_bytes_prefix(unsigned char c)
{
	return c == 'b' || c == 'B';
}

static void skip_space_and_comments(struct lexer *lx)
{
	for (;;) {
		unsigned char c = peek(lx, 0);

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
			lx->pos++;
		} else if (c == '/' && peek(lx, 1) == '/') {
			while (peek(lx, 0) && peek(lx, 0) != '\n' && peek(lx, 0) != '\r')
				lx->pos++;
		} else {
			return;
		}
	}
}

/* Append the UTF-8 form of @cp to @out (room for 4 bytes is guaranteed). */
static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* @n hex digits at pos + 2 (after the backslash and the letter) into *cp. */
static bool read_hex(const struct lexer *lx, size_t n, uint32_t *cp)
{
	*cp = 0;
	for (size_t i = 0; i < n; i++) {
		int h = str_hex_digit(peek(lx, 2 + i));

		if (h < 0)
			return false;
		*cp = *cp << 4 | (uint32_t)h;
	}
	return true;
}

/*
 * One escape sequence at pos (the backslash): decoded into @out, pos moved
 * past it. Returns the bytes written or -EINVAL.
 */
static int lex_escape(struct lexer *lx, char *out)
{
	size_t at = lx->pos;
	unsigned char c = peek(lx, 1);
	const char *simple = "\\\\??\"\"''``a\ab\bf\fn\nr\rt\tv\v";
	uint32_t cp;
	size_t n = 0;

	for (const char *s = simple; *s; s += 2)
		if (c && c == (unsigned char)s[0]) {
			out[0] = s[1];
			lx->pos += 2;
			return 1;
		}
	if (c == 'x' || c == 'X')
		n = 2;
	else if (c == 'u')
		n = 4;
	else if (c == 'U')
		n = 8;
	if (n) {
		if (!read_hex(lx, n, &cp))
			return expr_error(lx->err, at, "invalid escape sequence");
		lx->pos += 2 + n;
	} else if (c >= '0' && c <= '3' && peek(lx, 2) >= '0' && peek(lx, 2) <= '7' &&
		   peek(lx, 3) >= '0' && peek(lx, 3) <= '7') {
		cp = (uint32_t)((c - '0') << 6 | (peek(lx, 2) - '0') << 3 | (peek(lx, 3) - '0'));
		lx->pos += 4;
	} else {
		return expr_error(lx->err, at, "invalid escape sequence");
	}
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return expr_error(lx->err, at, "invalid unicode code point in escape sequence");
	if (cp == 0)
		return expr_error(lx->err, at, "NUL characters are not supported in strings");
	return (int)put_utf8(out, cp);
}

/* Is there the closing quote of a @q string (tripled when @triple) at pos? */
static bool at_close(const struct lexer *lx, unsigned char q, bool triple)
{
	if (peek(lx, 0) != q)
		return false;
	return !triple || (peek(lx, 1) == q && peek(lx, 2) == q);
}

/* The body of a string literal; pos is just past the opening quote(s). */
static int lex_string_body(struct lexer *lx, struct tok *t, unsigned char q, bool triple, bool raw)
{
	/* Decoding never grows the text: an escape of k bytes gives at most k. */
	char *out = arena_alloc(lx->a, lx->len - lx->pos + 1);
	size_t n = 0;

	if (!out)
		return -ENOMEM;
	while (!at_close(lx, q, triple)) {
		unsigned char c = peek(lx, 0);
		int r;

		if (!c)
			return expr_error(lx->err, t->col, "unterminated string literal");
		if (!triple && (c == '\n' || c == '\r'))
			return expr_error(lx->err, lx->pos, "newline in string literal");
		if (c == '\\' && !raw) {
			r = lex_escape(lx, out + n);
			if (r < 0)
				return r;
			n += (size_t)r;
			continue;
		}
		out[n++] = (char)c;
		lx->pos++;
	}
	lx->pos += triple ? 3 : 1;
	out[n] = '\0';
	t->s = out;
	t->slen = n;
	return 0;
}

/* A string or bytes literal with its optional r/b prefixes at pos. */
static int lex_string(struct lexer *lx, struct tok *t)
{
	bool raw = false, bytes = false, triple;
	unsigned char q;

	/* at_string() has checked the prefix: at most one r and one b. */
	while (!is_quote(peek(lx, 0))) {
		raw |= is_raw_prefix(peek(lx, 0));
		bytes |= is_bytes_prefix(peek(lx, 0));
		lx->pos++;
	}
	q = peek(lx, 0);
	triple = peek(lx, 1) == q && peek(lx, 2) == q;
	lx->pos += triple ? 3 : 1;
	t->k = bytes ? TK_BYTES : TK_STRING;
	return lex_string_body(lx, t, q, triple, raw);
}

/* Does a string literal start at pos: a quote after "", r, b, rb or br (any case)? */
static bool at_string(const struct lexer *lx)
{
	unsigned char c0 = peek(lx, 0), c1 = peek(lx, 1), c2 = peek(lx, 2);

	if (is_quote(c0))
		return true;
	if (!is_raw_prefix(c0) && !is_bytes_prefix(c0))
		return false;
	if (is_quote(c1))
		return true;
	return ((is_raw_prefix(c0) && is_bytes_prefix(c1)) ||
		(is_bytes_prefix(c0) && is_raw_prefix(c1))) &&
	       is_quote(c2);
}

static int lex_double(struct lexer *lx, struct tok *t)
{
	char buf[64];
	size_t n = 0;

	while (is_digit(peek(lx, n)))
		n++;
	if (peek(lx, n) == '.' && is_digit(peek(lx, n + 1))) {
		n++;
		while (is_digit(peek(lx, n)))
			n++;
	}
	if (peek(lx, n) == 'e' || peek(lx, n) == 'E') {
		size_t e = n + 1;

		if (peek(lx, e) == '+' || peek(lx, e) == '-')
			e++;
		if (!is_digit(peek(lx, e)))
			return expr_error(lx->err, lx->pos + n, "malformed exponent");
		while (is_digit(peek(lx, e)))
			e++;
		n = e;
	}
	if (n >= sizeof(buf))
		return expr_error(lx->err, lx->pos, "floating-point literal too long");
	memcpy(buf, lx->src + lx->pos, n);
	buf[n] = '\0';
	t->k = TK_DOUBLE;
	t->d = strtod(buf, NULL);
	lx->pos += n;
	return 0;
}

/* Digits of base @base at pos into *v; false on overflow of uint64. */
static bool lex_digits(struct lexer *lx, unsigned base, uint64_t *v)
{
	bool ok = true;
	int d;

	*v = 0;
	while ((d = str_hex_digit(peek(lx, 0))) >= 0 && (unsigned)d < base) {
		if (__builtin_mul_overflow(*v, base, v) || __builtin_add_overflow(*v, d, v))
			ok = false;
		lx->pos++;
	}
	return ok;
}

static int lex_number(struct lexer *lx, struct tok *t)
{
	size_t n = 0;
	bool hex = peek(lx, 0) == '0' && peek(lx, 1) == 'x'; /* INT_LIT: lowercase 0x only */

	if (!hex) {
		while (is_digit(peek(lx, n)))
			n++;
		if ((peek(lx, n) == '.' && is_digit(peek(lx, n + 1))) || peek(lx, n) == 'e' ||
		    peek(lx, n) == 'E')
			return lex_double(lx, t);
	} else {
		lx->pos += 2;
		if (str_hex_digit(peek(lx, 0)) < 0)
			return expr_error(lx->err, t->col, "malformed hexadecimal literal");
	}
	if (!lex_digits(lx, hex ? 16 : 10, &t->u))
		return expr_error(lx->err, t->col, "integer literal out of range");
	t->k = TK_INT;
	if (peek(lx, 0) == 'u' || peek(lx, 0) == 'U') {
		t->k = TK_UINT;
		lx->pos++;
	}
	if (is_ident_start(peek(lx, 0)) || is_digit(peek(lx, 0)))
		return expr_error(lx->err, lx->pos, "malformed number");
	return 0;
}

static void lex_ident(struct lexer *lx, struct tok *t)
{
	static const struct {
		const char *w;
		enum tk k;
	} kw[] = {
		{ "true", TK_TRUE }, { "false", TK_FALSE }, { "null", TK_NULL }, { "in", TK_IN }
	};
	size_t n = 0;

	while (is_ident_start(peek(lx, n)) || is_digit(peek(lx, n)))
		n++;
	t->k = TK_IDENT;
	t->s = lx->src + lx->pos;
	t->slen = n;
	lx->pos += n;
	for (size_t i = 0; i < ARRAY_SIZE(kw); i++)
		if (strlen(kw[i].w) == n && memcmp(kw[i].w, t->s, n) == 0)
			t->k = kw[i].k;
	for (size_t i = 0; i < ARRAY_SIZE(reserved_words); i++)
		if (strlen(reserved_words[i]) == n && memcmp(reserved_words[i], t->s, n) == 0)
			t->reserved = true;
}

/* Operators and punctuation; 0 or -EINVAL for a character we do not know. */
static int lex_punct(struct lexer *lx, struct tok *t)
{
	static const struct {
		const char *s;
		enum tk k;
	} ops[] = {
		{ "==", TK_EQ },      { "!=", TK_NE },	   { "<=", TK_LE },
		{ ">=", TK_GE },      { "&&", TK_AND },	   { "||", TK_OR },
		{ "<", TK_LT },	      { ">", TK_GT },	   { "!", TK_NOT },
		{ "-", TK_MINUS },    { "+", TK_PLUS },	   { "*", TK_STAR },
		{ "/", TK_SLASH },    { "%", TK_PERCENT }, { "?", TK_QUESTION },
		{ ":", TK_COLON },    { ".", TK_DOT },	   { ",", TK_COMMA },
		{ "(", TK_LPAREN },   { ")", TK_RPAREN },  { "[", TK_LBRACKET },
		{ "]", TK_RBRACKET }, { "{", TK_LBRACE },  { "}", TK_RBRACE },
	};
	unsigned char c = peek(lx, 0);

	for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
		size_t n = strlen(ops[i].s);

		if ((unsigned char)ops[i].s[0] == c &&
		    (n == 1 || peek(lx, 1) == (unsigned char)ops[i].s[1])) {
			t->k = ops[i].k;
			lx->pos += n;
			return 0;
		}
	}
	if (c == '=' || c == '&' || c == '|')
		return expr_error(lx->err, lx->pos, "unexpected '%c' (did you mean '%c%c'?)", c, c,
				  c);
	if (c >= 0x20 && c < 0x7f)
		return expr_error(lx->err, lx->pos, "unexpected character '%c'", c);
	return expr_error(lx->err, lx->pos, "unexpected character 0x%02x", c);
}

int expr_lex(struct lexer *lx, struct tok *t)
{
	unsigned char c;
	int ret;

	skip_space_and_comments(lx);
	*t = (struct tok){ .col = lx->pos };
	c = peek(lx, 0);
	if (!c)
		ret = 0; /* TK_EOF */
	else if (at_string(lx))
		ret = lex_string(lx, t);
	else if (is_digit(c) || (c == '.' && is_digit(peek(lx, 1))))
		ret = is_digit(c) ? lex_number(lx, t) : lex_double(lx, t);
	else if (is_ident_start(c))
		ret = (lex_ident(lx, t), 0);
	else
		ret = lex_punct(lx, t);
	t->len = lx->pos - t->col;
	return ret;
}
