// SPDX-License-Identifier: Apache-2.0
/*
 * Filter and selector expressions: a precedence-climbing parser of the CEL
 * subset (cel-spec doc/langdef.md "Syntax") into an AST in the caller's
 * arena, with the static checks CEL's type checker would make: unknown
 * names, functions, fields, arity and operand types known at compile time.
 * Evaluation is in expr_eval.c, the lexer in expr_lex.c.
 */
#include "expr_internal.h"

#include <errno.h>

struct parser {
	struct lexer lx;
	struct tok t; /* the current token */
	enum inv_expr_mode mode;
	struct inv_expr_err *err;
};

/* CEL functions we know but do not implement: a clearer error than "unknown". */
static const char *const unsupported_fns[] = {
	"matches",  "all",	   "exists",	 "exists_one", "map",	  "filter",   "int",
	"uint",	    "double",	   "string",	 "bytes",      "bool",	  "type",     "dyn",
	"duration", "timestamp",   "lowerAscii", "upperAscii", "split",	  "replace",  "trim",
	"indexOf",  "lastIndexOf", "join",	 "substring",  "charAt",  "format",   "semver",
	"isSemver", "quantity",	   "optional",	 "or",	       "orValue", "hasValue", "value",
};

static int advance(struct parser *p)
{
	return expr_lex(&p->lx, &p->t);
}

static bool is_ident(const struct tok *t, const char *s)
{
	return t->k == TK_IDENT && t->slen == strlen(s) && memcmp(t->s, s, t->slen) == 0;
}

/* "unexpected ..." for the current token. */
static int unexpected(struct parser *p)
{
	const struct tok *t = &p->t;

	if (t->k == TK_EOF)
		return expr_error(p->err, t->col, "unexpected end of expression");
	return expr_error(p->err, t->col, "unexpected '%.*s'", (int)(t->len > 40 ? 40 : t->len),
			  p->lx.src + t->col);
}

static int expect(struct parser *p, enum tk k, const char *what)
{
	if (p->t.k != k) {
		if (p->t.k == TK_EOF)
			return expr_error(p->err, p->t.col,
					  "unexpected end of expression, expected '%s'", what);
		return expr_error(p->err, p->t.col, "expected '%s', found '%.*s'", what,
				  (int)(p->t.len > 40 ? 40 : p->t.len), p->lx.src + p->t.col);
	}
	return advance(p);
}

/* ---------------------------------------------------------- AST building */

static struct xnode *node_new(struct parser *p, enum xop op, size_t col, struct xnode *a,
			      struct xnode *b, struct xnode *c)
{
	struct xnode *kids[] = { a, b, c }, *n;
	unsigned h = 0;

	for (size_t i = 0; i < ARRAY_SIZE(kids); i++)
		if (kids[i] && kids[i]->height > h)
			h = kids[i]->height;
	if (h >= EXPR_HEIGHT_MAX) {
		expr_error(p->err, col, "expression too complex");
		return NULL;
	}
	n = arena_alloc(p->lx.a, sizeof(*n));
	if (!n)
		return NULL;
	n->op = op;
	n->col = col;
	n->a = a;
	n->b = b;
	n->c = c;
	n->height = h + 1;
	return n;
}

/* After node_new() returned NULL: the height error it set, or no memory. */
static int node_fail(const struct parser *p)
{
	return p->err->msg[0] ? -EINVAL : -ENOMEM;
}

/* Range check of an int literal that was not negated. */
static int finish_int(struct parser *p, struct xnode *n)
{
	if (!n->raw_int)
		return 0;
	n->raw_int = false;
	if (n->mag > INT64_MAX)
		return expr_error(p->err, n->col, "integer literal out of range");
	n->v.i = (int64_t)n->mag;
	return 0;
}

static bool is_num(enum xk k)
{
	return k == XK_INT || k == XK_UINT || k == XK_DOUBLE;
}

static bool is_map(enum xk k)
{
	return k == XK_ATTRS || k == XK_DOMAINS || k == XK_DOMAIN || k == XK_EMPTYMAP;
}

static int no_overload(struct parser *p, size_t col, const char *op, enum xk x, enum xk y)
{
	return expr_error(p->err, col, "no matching overload for '%s' applied to (%s, %s)", op,
			  expr_kind_name(x), expr_kind_name(y));
}

/* The same for an operator or function of one operand. */
static int no_overload1(struct parser *p, size_t col, const char *op, enum xk x)
{
	return expr_error(p->err, col, "no matching overload for '%s' applied to (%s)", op,
			  expr_kind_name(x));
}

static const char *op_name(enum xop op)
{
	static const char *const names[] = {
		[X_AND] = "&&", [X_OR] = "||", [X_EQ] = "==", [X_NE] = "!=", [X_LT] = "<",
		[X_LE] = "<=",	[X_GT] = ">",  [X_GE] = ">=", [X_IN] = "in", [X_ADD] = "+",
		[X_SUB] = "-",	[X_MUL] = "*", [X_DIV] = "/", [X_MOD] = "%",
	};
	return op < ARRAY_SIZE(names) && names[op] ? names[op] : "?";
}

/* Static type of arithmetic on @x and @y, or XK_NULL when no overload fits. */
static enum xk arith_type(enum xop op, enum xk x, enum xk y)
{
	if (x == XK_DYN || y == XK_DYN)
		return XK_DYN;
	if (x != y)
		return XK_NULL;
	if (op == X_ADD && (x == XK_STRING || x == XK_LIST))
		return x;
	if (op == X_MOD)
		return x == XK_INT || x == XK_UINT ? x : XK_NULL;
	return is_num(x) ? x : XK_NULL;
}

static bool comparable(enum xop op, enum xk x, enum xk y)
{
	if (x == XK_DYN || y == XK_DYN)
		return true;
	if (op == X_EQ || op == X_NE) {
		/* Types the checker knows to differ cannot be equal: reject. */
		return x == y || x == XK_NULL || y == XK_NULL || (is_num(x) && is_num(y)) ||
		       (is_map(x) && is_map(y));
	}
	if (is_num(x) && is_num(y))
		return true;
	return x == y && (x == XK_BOOL || x == XK_STRING);
}

static int check_in(struct parser *p, size_t col, enum xk x, enum xk y)
{
	if (y == XK_DYN || y == XK_LIST || y == XK_DOMAINS || y == XK_DOMAIN || y == XK_EMPTYMAP)
		return 0;
	if (y == XK_ATTRS && (x == XK_STRING || x == XK_DYN))
		return 0;
	return no_overload(p, col, "in", x, y);
}

static enum xk binary_type(struct parser *p, enum xop op, size_t col, enum xk x, enum xk y,
			   int *ret)
{
	enum xk t;

	*ret = 0;
	switch (op) {
	case X_AND:
	case X_OR:
		if ((x != XK_BOOL && x != XK_DYN) || (y != XK_BOOL && y != XK_DYN))
			*ret = no_overload(p, col, op_name(op), x, y);
		return XK_BOOL;
	case X_IN:
		*ret = check_in(p, col, x, y);
		return XK_BOOL;
	case X_EQ:
	case X_NE:
	case X_LT:
	case X_LE:
	case X_GT:
	case X_GE:
		if (!comparable(op, x, y))
			*ret = no_overload(p, col, op_name(op), x, y);
		return XK_BOOL;
	default:
		t = arith_type(op, x, y);
		if (t == XK_NULL)
			*ret = no_overload(p, col, op_name(op), x, y);
		return t;
	}
}

static struct xnode *mk_binary(struct parser *p, enum xop op, size_t col, struct xnode *a,
			       struct xnode *b, int *ret)
{
	struct xnode *n = node_new(p, op, col, a, b, NULL);

	if (!n) {
		*ret = node_fail(p);
		return NULL;
	}
	n->type = binary_type(p, op, col, a->type, b->type, ret);
	return *ret ? NULL : n;
}

/* Field selection: the static type, or an error for a field that cannot exist. */
static int select_type(struct parser *p, struct xnode *n, enum xk on)
{
	static const struct {
		enum xk on;
		const char *name;
		enum xfield f;
		enum xk type;
	} fields[] = {
		{ XK_DATTR, "StringValue", FLD_STRING_VALUE, XK_STRING },
		{ XK_DATTR, "IntValue", FLD_INT_VALUE, XK_INT },
		{ XK_DATTR, "BoolValue", FLD_BOOL_VALUE, XK_BOOL },
		{ XK_DATTR, "VersionValue", FLD_VERSION_VALUE, XK_STRING },
		{ XK_DEVICE, "driver", FLD_DRIVER, XK_STRING },
		{ XK_DEVICE, "attributes", FLD_ATTRIBUTES, XK_DOMAINS },
		{ XK_DEVICE, "capacity", FLD_CAPACITY, XK_EMPTYMAP },
		{ XK_DEVICE, "allowMultipleAllocations", FLD_MULTI_ALLOC, XK_BOOL },
	};
	/* What a map's values are; device.capacity["x"] is a map of unknown shape. */
	static const enum xk map_value[] = {
		[XK_ATTRS] = XK_DATTR,	[XK_DOMAINS] = XK_DOMAIN, [XK_DOMAIN] = XK_DYN,
		[XK_EMPTYMAP] = XK_DYN, [XK_DYN] = XK_DYN,
	};

	if (on == XK_DATTR || on == XK_DEVICE) {
		for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
			if (fields[i].on == on && strcmp(fields[i].name, n->name) == 0) {
				n->field = fields[i].f;
				n->type = fields[i].type;
				return 0;
			}
		return expr_error(p->err, n->col, "undefined field '%s' of %s", n->name,
				  expr_kind_name(on));
	}
	if (on == XK_ATTRS || on == XK_DOMAINS || on == XK_DOMAIN || on == XK_EMPTYMAP ||
	    on == XK_DYN) {
		n->type = map_value[on];
		return 0;
	}
	return expr_error(p->err, n->col, "type '%s' has no fields", expr_kind_name(on));
}

static int index_type(struct parser *p, struct xnode *n)
{
	enum xk on = n->a->type, key = n->b->type;

	if (on == XK_LIST && (key == XK_INT || key == XK_UINT || key == XK_DYN))
		n->type = XK_DYN;
	else if ((on == XK_ATTRS || on == XK_DOMAINS || on == XK_DOMAIN || on == XK_EMPTYMAP) &&
		 (key == XK_STRING || key == XK_DYN))
		n->type = on == XK_ATTRS ? XK_DATTR : on == XK_DOMAINS ? XK_DOMAIN : XK_DYN;
	else if (on == XK_DYN)
		n->type = XK_DYN;
	else
		return no_overload(p, n->col, "[]", on, key);
	return 0;
}

/* ------------------------------------------------------------- functions */

static int resolve_fn(struct parser *p, size_t col, const char *name, size_t len, enum xfn *fn)
{
	static const struct {
		const char *name;
		enum xfn fn;
	} fns[] = {
		{ "size", F_SIZE },
		{ "startsWith", F_STARTS_WITH },
		{ "endsWith", F_ENDS_WITH },
		{ "contains", F_CONTAINS },
	};

	for (size_t i = 0; i < ARRAY_SIZE(fns); i++)
		if (strlen(fns[i].name) == len && memcmp(fns[i].name, name, len) == 0) {
			*fn = fns[i].fn;
			return 0;
		}
	for (size_t i = 0; i < ARRAY_SIZE(unsupported_fns); i++)
		if (strlen(unsupported_fns[i]) == len && memcmp(unsupported_fns[i], name, len) == 0)
			return expr_error(p->err, col, "function '%.*s' is not supported", (int)len,
					  name);
	return expr_error(p->err, col, "undeclared function '%.*s'", (int)len, name);
}

/* Arity and argument types of a call: @recv is the receiver or NULL. */
static int check_call(struct parser *p, struct xnode *n, struct xnode *recv, struct xnode **args,
		      size_t nargs)
{
	struct xnode *subject = recv ? recv : nargs ? args[0] : NULL;
	size_t want = n->fn == F_SIZE ? (recv ? 0 : 1) : 1;
	enum xk t;

	if (nargs != want || (n->fn != F_SIZE && !recv))
		return expr_error(p->err, n->col, "wrong number of arguments to '%s'", n->name);
	t = subject->type;
	n->a = subject;
	n->b = n->fn == F_SIZE ? NULL : args[0];
	if (n->fn == F_SIZE) {
		n->type = XK_INT;
		if (t == XK_DYN || t == XK_STRING || t == XK_LIST || is_map(t))
			return 0;
		return no_overload1(p, n->col, "size", t);
	}
	n->type = XK_BOOL;
	if ((t == XK_STRING || t == XK_DYN) && (n->b->type == XK_STRING || n->b->type == XK_DYN))
		return 0;
	return no_overload(p, n->col, n->name, t, n->b->type);
}

static int parse_expr(struct parser *p, unsigned depth, struct xnode **out);

/* "(" [args] ")" after a function name; at most 2 arguments are ever valid. */
static int parse_args(struct parser *p, unsigned depth, struct xnode **args, size_t *n)
{
	int ret = expect(p, TK_LPAREN, "(");

	*n = 0;
	while (!ret && p->t.k != TK_RPAREN) {
		if (*n == 2)
			return expr_error(p->err, p->t.col, "too many arguments");
		ret = parse_expr(p, depth + 1, &args[(*n)++]);
		if (!ret && p->t.k != TK_RPAREN)
			ret = expect(p, TK_COMMA, ",");
	}
	return ret ? ret : advance(p);
}

static int finish_call(struct parser *p, struct xnode *n, struct xnode *recv, struct xnode **args,
		       size_t nargs)
{
	unsigned h = recv ? recv->height : 0;

	for (size_t i = 0; i < nargs; i++)
		if (args[i]->height > h)
			h = args[i]->height;
	if (h >= EXPR_HEIGHT_MAX)
		return expr_error(p->err, n->col, "expression too complex");
	n->height = h + 1;
	return check_call(p, n, recv, args, nargs);
}

/* has(e.f): a macro, the argument must be a field selection. */
static int parse_has(struct parser *p, size_t col, unsigned depth, struct xnode **out)
{
	struct xnode *args[2] = { NULL, NULL }, *n = NULL;
	size_t nargs = 0;
	int ret = parse_args(p, depth, args, &nargs);

	if (ret)
		return ret;
	if (nargs != 1 || args[0]->op != X_SELECT)
		return expr_error(p->err, col, "invalid argument to has() macro");
	n = node_new(p, X_HAS, col, args[0]->a, NULL, NULL);
	if (!n)
		return node_fail(p);
	n->name = args[0]->name;
	n->field = args[0]->field;
	n->type = XK_BOOL;
	*out = n;
	return 0;
}

/* A global call NAME(...) with the name already consumed. */
static int parse_global_call(struct parser *p, const struct tok *name, unsigned depth,
			     struct xnode **out)
{
	struct xnode *args[2] = { NULL, NULL }, *n = NULL;
	size_t nargs = 0;
	enum xfn fn;
	int ret;

	if (name->slen == 3 && memcmp(name->s, "has", 3) == 0)
		return parse_has(p, name->col, depth, out);
	ret = resolve_fn(p, name->col, name->s, name->slen, &fn);
	if (!ret && fn != F_SIZE)
		ret = expr_error(p->err, name->col, "'%.*s' must be called on a string receiver",
				 (int)name->slen, name->s);
	if (!ret)
		ret = parse_args(p, depth, args, &nargs);
	if (ret)
		return ret;
	n = node_new(p, X_CALL, name->col, NULL, NULL, NULL);
	if (!n)
		return node_fail(p);
	n->fn = fn;
	n->name = "size";
	*out = n;
	return finish_call(p, n, NULL, args, nargs);
}

/* --------------------------------------------------------------- parsing */

static int parse_ident(struct parser *p, unsigned depth, struct xnode **out)
{
	struct tok name = p->t;
	struct xnode *n = NULL;
	const char *var = p->mode == INV_EXPR_FILTER ? "attributes" : "device";
	int ret;

	if (name.reserved)
		return expr_error(p->err, name.col, "reserved identifier '%.*s'", (int)name.slen,
				  name.s);
	ret = advance(p);
	if (ret)
		return ret;
	if (p->t.k == TK_LPAREN)
		return parse_global_call(p, &name, depth, out);
	if (!is_ident(&name, var))
		return expr_error(p->err, name.col, "undeclared reference to '%.*s'",
				  (int)name.slen, name.s);
	n = node_new(p, X_IDENT, name.col, NULL, NULL, NULL);
	if (!n)
		return node_fail(p);
	n->type = p->mode == INV_EXPR_FILTER ? XK_ATTRS : XK_DEVICE;
	*out = n;
	return 0;
}

static int parse_list(struct parser *p, unsigned depth, struct xnode **out)
{
	struct xnode *n = node_new(p, X_LIST, p->t.col, NULL, NULL, NULL), *item = NULL;
	size_t cap = 0;
	int ret = advance(p);

	if (!n)
		return node_fail(p);
	n->type = XK_LIST;
	while (!ret && p->t.k != TK_RBRACKET) {
		ret = parse_expr(p, depth + 1, &item);
		if (ret)
			return ret;
		if (n->n == cap) {
			size_t ncap = cap ? cap * 2 : 4;

			n->items = arena_realloc(p->lx.a, n->items, cap * sizeof(*n->items),
						 ncap * sizeof(*n->items));
			if (!n->items)
				return -ENOMEM;
			cap = ncap;
		}
		if (item->height >= EXPR_HEIGHT_MAX)
			return expr_error(p->err, item->col, "expression too complex");
		n->items[n->n++] = item;
		if (item->height >= n->height)
			n->height = item->height + 1;
		if (p->t.k != TK_RBRACKET)
			ret = expect(p, TK_COMMA, ",");
	}
	*out = n;
	return ret ? ret : advance(p);
}

static int parse_literal(struct parser *p, struct xnode **out)
{
	struct xnode *n = node_new(p, X_CONST, p->t.col, NULL, NULL, NULL);
	const struct tok *t = &p->t;

	if (!n)
		return node_fail(p);
	switch (t->k) {
	case TK_INT:
		n->v.k = XK_INT;
		n->raw_int = true;
		n->mag = t->u;
		break;
	case TK_UINT:
		n->v = (struct xval){ .k = XK_UINT, .u = t->u };
		break;
	case TK_DOUBLE:
		n->v = (struct xval){ .k = XK_DOUBLE, .d = t->d };
		break;
	case TK_STRING:
		n->v = (struct xval){ .k = XK_STRING, .s = { t->s, t->slen } };
		break;
	case TK_TRUE:
	case TK_FALSE:
		n->v = (struct xval){ .k = XK_BOOL, .b = t->k == TK_TRUE };
		break;
	case TK_NULL:
		n->v.k = XK_NULL;
		break;
	case TK_BYTES:
		return expr_error(p->err, t->col, "bytes literals are not supported");
	default:
		return unexpected(p);
	}
	n->type = n->v.k;
	*out = n;
	return advance(p);
}

static int parse_primary(struct parser *p, unsigned depth, struct xnode **out)
{
	int ret;

	switch (p->t.k) {
	case TK_DOT: /* ".name" resolves in the root scope: the same names here */
		ret = advance(p);
		if (!ret && p->t.k != TK_IDENT)
			ret = unexpected(p);
		return ret ? ret : parse_ident(p, depth, out);
	case TK_IDENT:
		return parse_ident(p, depth, out);
	case TK_LPAREN:
		ret = advance(p);
		if (!ret)
			ret = parse_expr(p, depth + 1, out);
		return ret ? ret : expect(p, TK_RPAREN, ")");
	case TK_LBRACKET:
		return parse_list(p, depth, out);
	case TK_LBRACE:
		return expr_error(p->err, p->t.col, "map literals are not supported");
	default:
		return parse_literal(p, out);
	}
}

/* ".name", ".name(args)" after a member. */
static int parse_dot(struct parser *p, unsigned depth, struct xnode **np)
{
	struct xnode *args[2] = { NULL, NULL }, *n = NULL;
	struct tok name;
	size_t nargs = 0;
	int ret = advance(p);

	if (ret)
		return ret;
	name = p->t;
	if (name.k != TK_IDENT)
		return unexpected(p);
	if (name.reserved)
		return expr_error(p->err, name.col, "reserved identifier '%.*s'", (int)name.slen,
				  name.s);
	ret = advance(p);
	if (ret)
		return ret;
	n = node_new(p, p->t.k == TK_LPAREN ? X_CALL : X_SELECT, name.col, *np, NULL, NULL);
	if (!n)
		return node_fail(p);
	n->name = arena_strndup(p->lx.a, name.s, name.slen);
	if (!n->name)
		return -ENOMEM;
	*np = n;
	if (n->op == X_SELECT)
		return select_type(p, n, n->a->type);
	ret = resolve_fn(p, name.col, name.s, name.slen, &n->fn);
	if (!ret)
		ret = parse_args(p, depth, args, &nargs);
	return ret ? ret : finish_call(p, n, n->a, args, nargs);
}

static int parse_member(struct parser *p, unsigned depth, struct xnode **out)
{
	struct xnode *n = NULL, *idx = NULL;
	size_t col;
	int ret = parse_primary(p, depth, &n);

	while (!ret && (p->t.k == TK_DOT || p->t.k == TK_LBRACKET || p->t.k == TK_LBRACE)) {
		ret = finish_int(p, n);
		if (ret)
			break;
		col = p->t.col;
		if (p->t.k == TK_LBRACE)
			return expr_error(p->err, col, "message construction is not supported");
		if (p->t.k == TK_DOT) {
			ret = parse_dot(p, depth, &n);
			continue;
		}
		ret = advance(p);
		if (!ret)
			ret = parse_expr(p, depth + 1, &idx);
		if (!ret)
			ret = expect(p, TK_RBRACKET, "]");
		if (!ret && !(n = node_new(p, X_INDEX, col, n, idx, NULL)))
			ret = node_fail(p);
		if (!ret)
			ret = index_type(p, n);
	}
	*out = n;
	return ret;
}

/* Wrap @n in @count unary @op nodes (a loop: the count is input-controlled). */
static int apply_unary(struct parser *p, enum xop op, size_t col, unsigned count, struct xnode **np)
{
	enum xk t;

	if (op == X_NEG && count && (*np)->raw_int) {
		if ((*np)->mag > (uint64_t)INT64_MAX + 1)
			return expr_error(p->err, (*np)->col, "integer literal out of range");
		(*np)->v.i = (int64_t)(0 - (*np)->mag);
		(*np)->raw_int = false;
		count--;
	}
	if (finish_int(p, *np))
		return -EINVAL;
	for (unsigned i = 0; i < count; i++) {
		t = (*np)->type;
		if (op == X_NOT && t != XK_BOOL && t != XK_DYN)
			return no_overload1(p, col, "!", t);
		if (op == X_NEG && t != XK_INT && t != XK_DOUBLE && t != XK_DYN)
			return no_overload1(p, col, "-", t);
		*np = node_new(p, op, col, *np, NULL, NULL);
		if (!*np)
			return node_fail(p);
		(*np)->type = t;
	}
	return 0;
}

/* Unary = Member | "!" {"!"} Member | "-" {"-"} Member */
static int parse_unary(struct parser *p, unsigned depth, struct xnode **out)
{
	enum tk k = p->t.k;
	size_t col = p->t.col;
	unsigned count = 0;
	int ret = 0;

	if (k == TK_NOT || k == TK_MINUS)
		while (!ret && p->t.k == k) {
			if (++count > EXPR_HEIGHT_MAX)
				return expr_error(p->err, p->t.col, "expression too complex");
			ret = advance(p);
		}
	if (!ret)
		ret = parse_member(p, depth, out);
	if (ret)
		return ret;
	return apply_unary(p, k == TK_MINUS ? X_NEG : X_NOT, col, count, out);
}

static int binary_prec(enum tk k, enum xop *op)
{
	static const struct {
		enum tk k;
		enum xop op;
		int prec;
	} ops[] = {
		{ TK_OR, X_OR, 1 },	{ TK_AND, X_AND, 2 },	  { TK_EQ, X_EQ, 3 },
		{ TK_NE, X_NE, 3 },	{ TK_LT, X_LT, 3 },	  { TK_LE, X_LE, 3 },
		{ TK_GT, X_GT, 3 },	{ TK_GE, X_GE, 3 },	  { TK_IN, X_IN, 3 },
		{ TK_PLUS, X_ADD, 4 },	{ TK_MINUS, X_SUB, 4 },	  { TK_STAR, X_MUL, 5 },
		{ TK_SLASH, X_DIV, 5 }, { TK_PERCENT, X_MOD, 5 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		if (ops[i].k == k) {
			*op = ops[i].op;
			return ops[i].prec;
		}
	return 0;
}

/*
 * Precedence climbing over || && relations + - * / % (all left
 * associative): recursion only to a higher level, so at most 5 deep.
 */
static int parse_binary(struct parser *p, int min_prec, unsigned depth, struct xnode **out)
{
	struct xnode *lhs = NULL, *rhs = NULL;
	enum xop op = X_OR;
	int prec, ret = parse_unary(p, depth, &lhs);

	while (!ret && (prec = binary_prec(p->t.k, &op)) >= min_prec) {
		size_t col = p->t.col;

		ret = advance(p);
		if (!ret)
			ret = parse_binary(p, prec + 1, depth, &rhs);
		if (!ret)
			lhs = mk_binary(p, op, col, lhs, rhs, &ret);
		if (!ret && lhs->height > EXPR_HEIGHT_MAX)
			ret = expr_error(p->err, col, "expression too complex");
	}
	*out = lhs;
	return ret;
}

/* Expr = ConditionalOr ["?" ConditionalOr ":" Expr] */
static int parse_expr(struct parser *p, unsigned depth, struct xnode **out)
{
	struct xnode *c = NULL, *t = NULL, *f = NULL;
	size_t col;
	int ret;

	if (depth > EXPR_DEPTH_MAX)
		return expr_error(p->err, p->t.col, "expression nested deeper than %d levels",
				  EXPR_DEPTH_MAX);
	ret = parse_binary(p, 1, depth, &c);
	if (ret || p->t.k != TK_QUESTION) {
		*out = c;
		return ret;
	}
	col = p->t.col;
	if (c->type != XK_BOOL && c->type != XK_DYN)
		return no_overload1(p, col, "?:", c->type);
	ret = advance(p);
	if (!ret)
		ret = parse_binary(p, 1, depth + 1, &t);
	if (!ret)
		ret = expect(p, TK_COLON, ":");
	if (!ret)
		ret = parse_expr(p, depth + 1, &f);
	if (ret)
		return ret;
	*out = node_new(p, X_COND, col, c, t, f);
	if (!*out)
		return node_fail(p);
	(*out)->type = t->type == f->type ? t->type : XK_DYN;
	return (*out)->height > EXPR_HEIGHT_MAX ? expr_error(p->err, col, "expression too complex")
						: 0;
}

/* -------------------------------------------------------------- checks */

/* Column of the first invalid UTF-8 sequence, or -1 when the text is valid. */
static long utf8_invalid_at(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t len = c < 0x80		  ? 1
			     : (c & 0xe0) == 0xc0 ? 2
			     : (c & 0xf0) == 0xe0 ? 3
			     : (c & 0xf8) == 0xf0 ? 4
						  : 0;
		uint32_t cp = len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;

		if (!len || len > n - i)
			return (long)i;
		for (size_t k = 1; k < len; k++) {
			if (((unsigned char)s[i + k] & 0xc0) != 0x80)
				return (long)i;
			cp = cp << 6 | ((unsigned char)s[i + k] & 0x3f);
		}
		if (len > 1 && (cp < (len == 2	 ? 0x80u
				      : len == 3 ? 0x800u
						 : 0x10000u) ||
				cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)))
			return (long)i;
		i += len;
	}
	return -1;
}

/* ---------------------------------------------------------------- public */

int inv_expr_compile(const char *src, enum inv_expr_mode mode, struct arena *a,
		     struct inv_expr **out, struct inv_expr_err *err)
{
	struct parser p = { .lx = { .src = src, .a = a, .err = err }, .mode = mode, .err = err };
	struct inv_expr *e;
	long bad;
	int ret;

	memset(err, 0, sizeof(*err));
	*out = NULL;
	p.lx.len = strnlen(src, EXPR_SRC_MAX + 1);
	if (p.lx.len > EXPR_SRC_MAX)
		return expr_error(err, 0, "expression longer than %d bytes", EXPR_SRC_MAX);
	bad = utf8_invalid_at(src, p.lx.len);
	if (bad >= 0)
		return expr_error(err, (size_t)bad, "invalid UTF-8");
	e = arena_alloc(a, sizeof(*e));
	ret = e ? advance(&p) : -ENOMEM;
	if (!ret)
		ret = parse_expr(&p, 0, &e->root);
	if (!ret && p.t.k != TK_EOF)
		ret = unexpected(&p);
	if (ret == -ENOMEM)
		expr_error(err, 0, "out of memory");
	if (ret)
		return ret;
	e->mode = mode;
	*out = e;
	return 0;
}

/* Bytes of the line that holds @col, and the column's code points into it. */
static size_t line_of(const char *src, size_t col, size_t *start, size_t *pad)
{
	size_t n = strnlen(src, EXPR_SRC_MAX + 1), end;

	if (col > n)
		col = n;
	*start = col;
	while (*start > 0 && src[*start - 1] != '\n' && src[*start - 1] != '\r')
		(*start)--;
	for (end = col; end < n && src[end] != '\n' && src[end] != '\r'; end++)
		;
	*pad = col;
	return end - *start;
}

int inv_expr_format_err(const char *src, const struct inv_expr_err *err, struct buf *out)
{
	size_t start, col, len = line_of(src, err->column, &start, &col);
	int ret = buf_put(out, src + start, len);

	ret = ret ? ret : buf_putc(out, '\n');
	/* One pad character per code point; tabs stay tabs so the caret lines up. */
	for (size_t i = start; !ret && i < col; i++) {
		unsigned char c = (unsigned char)src[i];

		if ((c & 0xc0) == 0x80)
			continue;
		ret = buf_putc(out, c == '\t' ? '\t' : ' ');
	}
	return ret ? ret : buf_printf(out, "^ %s", err->msg);
}
