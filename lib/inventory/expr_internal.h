/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to lib/inventory/expr*.c: tokens, values and the AST of the CEL
 * subset (https://github.com/google/cel-spec/blob/master/doc/langdef.md).
 */
#ifndef DRANET_INVENTORY_EXPR_INTERNAL_H
#define DRANET_INVENTORY_EXPR_INTERNAL_H

#include "inventory.h"

/* Limits (STYLE.md 2.4). */
#define EXPR_DEPTH_MAX 32 /* CEL requires 32 nesting levels; deeper is an error */
#define EXPR_HEIGHT_MAX 256 /* AST height, bounds the evaluator's recursion */
#define EXPR_SRC_MAX 8192 /* bytes of source; a --filter flag is far shorter */

/* ------------------------------------------------------------------ lexer */

enum tk {
	TK_EOF,
	TK_INT, /* magnitude in u; range checked by the parser */
	TK_UINT,
	TK_DOUBLE,
	TK_STRING,
	TK_BYTES,
	TK_IDENT,
	TK_TRUE,
	TK_FALSE,
	TK_NULL,
	TK_IN,
	TK_EQ,
	TK_NE,
	TK_LT,
	TK_LE,
	TK_GT,
	TK_GE,
	TK_AND,
	TK_OR,
	TK_NOT,
	TK_MINUS,
	TK_PLUS,
	TK_STAR,
	TK_SLASH,
	TK_PERCENT,
	TK_QUESTION,
	TK_COLON,
	TK_DOT,
	TK_COMMA,
	TK_LPAREN,
	TK_RPAREN,
	TK_LBRACKET,
	TK_RBRACKET,
	TK_LBRACE,
	TK_RBRACE,
};

struct tok {
	enum tk k;
	size_t col, len; /* byte offset and length in the source */
	uint64_t u; /* TK_INT, TK_UINT */
	double d; /* TK_DOUBLE */
	const char *s; /* TK_STRING (decoded, in the arena), TK_IDENT (in the source) */
	size_t slen;
	bool reserved; /* TK_IDENT that CEL reserves */
};

struct lexer {
	const char *src;
	size_t len, pos;
	struct arena *a;
	struct inv_expr_err *err;
};

/* Next token into @t: 0, -EINVAL (err filled) or -ENOMEM. */
int expr_lex(struct lexer *lx, struct tok *t);
/* Set err once (the first error wins); returns -EINVAL. */
int expr_error(struct inv_expr_err *err, size_t col, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* ------------------------------------------------------- values and types */

/* Kinds of values; XK_DYN only as a static type ("known at run time"). */
enum xk {
	XK_DYN,
	XK_NULL,
	XK_BOOL,
	XK_INT,
	XK_UINT,
	XK_DOUBLE,
	XK_STRING,
	XK_LIST,
	XK_ATTRS, /* filter: attributes, full key -> DeviceAttribute */
	XK_DATTR, /* filter: one DeviceAttribute (Go struct) */
	XK_DEVICE, /* select: device */
	XK_DOMAINS, /* select: device.attributes, domain -> map */
	XK_DOMAIN, /* select: device.attributes["dra.net"], id -> value */
	XK_EMPTYMAP, /* select: device.capacity and its domains */
};

struct xval {
	enum xk k;
	union {
		bool b;
		int64_t i;
		uint64_t u;
		double d;
		struct {
			const char *p;
			size_t n;
		} s; /* XK_STRING; XK_DOMAIN: the domain name */
		struct {
			const struct xval *p;
			size_t n;
		} list;
		const struct inv_attr *attr; /* XK_DATTR */
	};
};

const char *expr_kind_name(enum xk k);

/* -------------------------------------------------------------------- AST */

enum xop {
	X_CONST,
	X_LIST,
	X_IDENT,
	X_SELECT, /* a.name */
	X_INDEX, /* a[b] */
	X_HAS, /* has(a.name) */
	X_CALL, /* fn(a[, b]) or a.fn(b) */
	X_NOT,
	X_NEG,
	X_AND,
	X_OR,
	X_COND,
	X_EQ,
	X_NE,
	X_LT,
	X_LE,
	X_GT,
	X_GE,
	X_IN,
	X_ADD,
	X_SUB,
	X_MUL,
	X_DIV,
	X_MOD,
};

enum xfn {
	F_SIZE,
	F_STARTS_WITH,
	F_ENDS_WITH,
	F_CONTAINS,
};

/* DeviceAttribute fields (filter) and device fields (select). */
enum xfield {
	FLD_NONE,
	FLD_STRING_VALUE,
	FLD_INT_VALUE,
	FLD_BOOL_VALUE,
	FLD_VERSION_VALUE,
	FLD_DRIVER,
	FLD_ATTRIBUTES,
	FLD_CAPACITY,
	FLD_MULTI_ALLOC,
};

struct xnode {
	enum xop op;
	enum xk type; /* static type, XK_DYN when only known at run time */
	enum xfn fn;
	enum xfield field;
	unsigned height;
	size_t col;
	bool raw_int; /* X_CONST from an int literal not yet range checked */
	uint64_t mag; /* its magnitude */
	struct xnode *a, *b, *c;
	struct xnode **items; /* X_LIST */
	size_t n;
	const char *name; /* X_SELECT, X_HAS: the field or key; NUL-terminated */
	struct xval v; /* X_CONST */
};

struct inv_expr {
	enum inv_expr_mode mode;
	struct xnode *root;
};

#endif
