// SPDX-License-Identifier: Apache-2.0
/*
 * Evaluation of a compiled filter or selector against one device (cel-spec
 * doc/langdef.md "Evaluation", "Logical Operators", "Field Selection",
 * "Overflow"). Recursion follows the AST, whose height the parser caps.
 */
#include "expr_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>

struct ectx {
	const struct inv_device *d;
	struct arena *a;
	const char *why;
};

static int eval(struct ectx *c, const struct xnode *n, struct xval *out);

const char *expr_kind_name(enum xk k)
{
	static const char *const names[] = {
		[XK_DYN] = "dyn",
		[XK_NULL] = "null_type",
		[XK_BOOL] = "bool",
		[XK_INT] = "int",
		[XK_UINT] = "uint",
		[XK_DOUBLE] = "double",
		[XK_STRING] = "string",
		[XK_LIST] = "list",
		[XK_ATTRS] = "map(string, DeviceAttribute)",
		[XK_DATTR] = "DeviceAttribute",
		[XK_DEVICE] = "device",
		[XK_DOMAINS] = "map(string, map(string, dyn))",
		[XK_DOMAIN] = "map(string, dyn)",
		[XK_EMPTYMAP] = "map",
	};
	return k < ARRAY_SIZE(names) ? names[k] : "?";
}

/* Record an evaluation error: a message in the arena, else the static @plain. */
static int PRINTF_LIKE(3, 4) fail(struct ectx *c, const char *plain, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->why = c->a ? arena_strdup(c->a, msg) : NULL;
	if (!c->why)
		c->why = plain;
	return -EINVAL;
}

static int no_overload(struct ectx *c, const char *op, enum xk x, enum xk y)
{
	return fail(c, "no such overload", "no such overload: %s(%s, %s)", op, expr_kind_name(x),
		    expr_kind_name(y));
}

static int no_overload1(struct ectx *c, const char *op, enum xk x)
{
	return fail(c, "no such overload", "no such overload: %s(%s)", op, expr_kind_name(x));
}

/* Out of memory while building a value (a list, a concatenation). */
static int no_memory(struct ectx *c)
{
	c->why = "out of memory";
	return -ENOMEM;
}

static bool str_eq(const char *p, size_t n, const char *q, size_t m)
{
	return n == m && (n == 0 || memcmp(p, q, n) == 0);
}

/* ------------------------------------------------------------ attributes */

/* Domain and id of a full attribute key; unqualified keys are the driver's. */
static void split_key(const char *key, struct slice *dom, struct slice *id)
{
	const char *slash = strchr(key, '/');

	if (!slash) {
		*dom = (struct slice){ (const uint8_t *)INV_DRIVER_NAME, strlen(INV_DRIVER_NAME) };
		*id = (struct slice){ (const uint8_t *)key, strlen(key) };
		return;
	}
	*dom = (struct slice){ (const uint8_t *)key, (size_t)(slash - key) };
	*id = (struct slice){ (const uint8_t *)slash + 1, strlen(slash + 1) };
}

static const struct inv_attr *attr_by_key(const struct inv_device *d, const char *k, size_t n)
{
	/* Our strings hold no NUL (the lexer refuses \000), so strncmp is exact. */
	for (unsigned i = 0; i < d->n_attr; i++)
		if (strncmp(d->attr[i].key, k, n) == 0 && d->attr[i].key[n] == '\0')
			return &d->attr[i];
	return NULL;
}

/* The attribute @id of domain @dom, or (id == NULL) any attribute of @dom. */
static const struct inv_attr *attr_in_domain(const struct inv_device *d, const char *dom, size_t dn,
					     const char *id, size_t idn)
{
	struct slice kd, kid;

	for (unsigned i = 0; i < d->n_attr; i++) {
		split_key(d->attr[i].key, &kd, &kid);
		if (!str_eq((const char *)kd.p, kd.len, dom, dn))
			continue;
		if (!id || str_eq((const char *)kid.p, kid.len, id, idn))
			return &d->attr[i];
	}
	return NULL;
}

/* Distinct domains of the device (size(device.attributes)). */
static int64_t count_domains(const struct inv_device *d)
{
	struct slice kd, pd, pid;
	int64_t n = 0;

	for (unsigned i = 0; i < d->n_attr; i++) {
		bool seen = false;

		split_key(d->attr[i].key, &kd, &pid);
		for (unsigned j = 0; j < i && !seen; j++) {
			split_key(d->attr[j].key, &pd, &pid);
			seen = str_eq((const char *)kd.p, kd.len, (const char *)pd.p, pd.len);
		}
		n += !seen;
	}
	return n;
}

static int64_t count_in_domain(const struct inv_device *d, const char *dom, size_t dn)
{
	struct slice kd, kid;
	int64_t n = 0;

	for (unsigned i = 0; i < d->n_attr; i++) {
		split_key(d->attr[i].key, &kd, &kid);
		n += str_eq((const char *)kd.p, kd.len, dom, dn);
	}
	return n;
}

/* A selector sees attribute values as plain CEL values; versions as strings. */
static void attr_plain(const struct inv_attr *at, struct xval *out)
{
	switch (at->type) {
	case INV_INT:
		*out = (struct xval){ .k = XK_INT, .i = at->i };
		break;
	case INV_BOOL:
		*out = (struct xval){ .k = XK_BOOL, .b = at->b };
		break;
	default:
		*out = (struct xval){ .k = XK_STRING, .s = { at->s, strlen(at->s) } };
		break;
	}
}

/*
 * A DeviceAttribute field as upstream's cel-go native-type adapter gives it:
 * a field of another type than the attribute's is a nil Go pointer, read
 * as the zero value ("", 0, false).
 */
static void dattr_field(const struct inv_attr *at, enum xfield f, struct xval *out)
{
	bool str = f == FLD_STRING_VALUE || f == FLD_VERSION_VALUE;
	bool set = (f == FLD_STRING_VALUE && at->type == INV_STRING) ||
		   (f == FLD_VERSION_VALUE && at->type == INV_VERSION) ||
		   (f == FLD_INT_VALUE && at->type == INV_INT) ||
		   (f == FLD_BOOL_VALUE && at->type == INV_BOOL);

	if (str)
		*out = (struct xval){ .k = XK_STRING,
				      .s = { set ? at->s : "", set ? strlen(at->s) : 0 } };
	else if (f == FLD_INT_VALUE)
		*out = (struct xval){ .k = XK_INT, .i = set ? at->i : 0 };
	else
		*out = (struct xval){ .k = XK_BOOL, .b = set && at->b };
}

static bool dattr_has(const struct inv_attr *at, enum xfield f)
{
	switch (f) {
	case FLD_STRING_VALUE:
		return at->type == INV_STRING;
	case FLD_VERSION_VALUE:
		return at->type == INV_VERSION;
	case FLD_INT_VALUE:
		return at->type == INV_INT;
	default:
		return at->type == INV_BOOL;
	}
}

/* ------------------------------------------------------- map-like values */

static void device_field(enum xfield f, struct xval *out)
{
	switch (f) {
	case FLD_DRIVER:
		*out = (struct xval){ .k = XK_STRING,
				      .s = { INV_DRIVER_NAME, strlen(INV_DRIVER_NAME) } };
		break;
	case FLD_ATTRIBUTES:
		out->k = XK_DOMAINS;
		break;
	case FLD_CAPACITY:
		*out = (struct xval){ .k = XK_EMPTYMAP, .b = true };
		break;
	default:
		*out = (struct xval){ .k = XK_BOOL, .b = false };
		break;
	}
}

/*
 * m[key] and m.key. Kubernetes' selector environment gives an empty map for
 * a domain the device has no attribute in (device.attributes["x.io"] and
 * device.capacity["x.io"]); a missing key inside a domain is an error.
 */
static int map_get(struct ectx *c, const struct xval *m, const char *k, size_t kn, struct xval *out)
{
	const struct inv_attr *at;

	switch (m->k) {
	case XK_ATTRS:
		at = attr_by_key(c->d, k, kn);
		if (!at)
			return fail(c, "no such key", "no such key: %.*s", (int)kn, k);
		*out = (struct xval){ .k = XK_DATTR, .attr = at };
		return 0;
	case XK_DOMAINS:
		*out = (struct xval){ .k = XK_DOMAIN, .s = { k, kn } };
		return 0;
	case XK_DOMAIN:
		at = attr_in_domain(c->d, m->s.p, m->s.n, k, kn);
		if (!at)
			return fail(c, "no such key", "no such key: %.*s", (int)kn, k);
		attr_plain(at, out);
		return 0;
	case XK_EMPTYMAP:
		if (!m->b)
			return fail(c, "no such key", "no such key: %.*s", (int)kn, k);
		*out = (struct xval){ .k = XK_EMPTYMAP, .b = false };
		return 0;
	default:
		return no_overload(c, "[]", m->k, XK_STRING);
	}
}

/* Key membership for "in" and has() on maps. */
static bool map_has(const struct ectx *c, const struct xval *m, const char *k, size_t kn)
{
	static const char *const device_fields[] = { "driver", "attributes", "capacity",
						     "allowMultipleAllocations" };

	switch (m->k) {
	case XK_ATTRS:
		return attr_by_key(c->d, k, kn) != NULL;
	case XK_DOMAINS:
		return attr_in_domain(c->d, k, kn, NULL, 0) != NULL;
	case XK_DOMAIN:
		return attr_in_domain(c->d, m->s.p, m->s.n, k, kn) != NULL;
	case XK_DEVICE:
		for (size_t i = 0; i < ARRAY_SIZE(device_fields); i++)
			if (str_eq(device_fields[i], strlen(device_fields[i]), k, kn))
				return true;
		return false;
	default:
		return false;
	}
}

static int map_size(const struct ectx *c, const struct xval *m, int64_t *n)
{
	switch (m->k) {
	case XK_ATTRS:
		*n = c->d->n_attr;
		return 0;
	case XK_DOMAINS:
		*n = count_domains(c->d);
		return 0;
	case XK_DOMAIN:
		*n = count_in_domain(c->d, m->s.p, m->s.n);
		return 0;
	case XK_EMPTYMAP:
		*n = 0;
		return 0;
	default:
		return -EINVAL;
	}
}

/* -------------------------------------------------------------- equality */

static int num_cmp(const struct xval *x, const struct xval *y, bool *unordered)
{
	long double a, b;

	*unordered = false;
	if (x->k == XK_INT && y->k == XK_UINT)
		return x->i < 0 ? -1 : (uint64_t)x->i < y->u ? -1 : (uint64_t)x->i > y->u;
	if (x->k == XK_UINT && y->k == XK_INT)
		return y->i < 0 ? 1 : x->u < (uint64_t)y->i ? -1 : x->u > (uint64_t)y->i;
	if (x->k == XK_INT && y->k == XK_INT)
		return (x->i > y->i) - (x->i < y->i);
	if (x->k == XK_UINT && y->k == XK_UINT)
		return (x->u > y->u) - (x->u < y->u);
	a = x->k == XK_DOUBLE ? x->d : x->k == XK_INT ? (long double)x->i : (long double)x->u;
	b = y->k == XK_DOUBLE ? y->d : y->k == XK_INT ? (long double)y->i : (long double)y->u;
	if (isnan(a) || isnan(b)) {
		*unordered = true;
		return 0;
	}
	return (a > b) - (a < b);
}

static bool is_number(enum xk k)
{
	return k == XK_INT || k == XK_UINT || k == XK_DOUBLE;
}

static int str_cmp(const struct xval *x, const struct xval *y)
{
	size_t n = x->s.n < y->s.n ? x->s.n : y->s.n;
	int r = n ? memcmp(x->s.p, y->s.p, n) : 0;

	if (r)
		return r < 0 ? -1 : 1;
	return (x->s.n > y->s.n) - (x->s.n < y->s.n);
}

/* Heterogeneous equality (numbers compare by value across int/uint/double). */
static bool val_eq(const struct xval *x, const struct xval *y)
{
	bool unordered;

	if (is_number(x->k) && is_number(y->k))
		return num_cmp(x, y, &unordered) == 0 && !unordered;
	if (x->k != y->k)
		return false;
	switch (x->k) {
	case XK_NULL:
	case XK_ATTRS:
	case XK_DEVICE:
	case XK_DOMAINS:
		return true;
	case XK_BOOL:
		return x->b == y->b;
	case XK_STRING:
	case XK_DOMAIN:
		return str_eq(x->s.p, x->s.n, y->s.p, y->s.n);
	case XK_DATTR:
		return x->attr->type == y->attr->type && x->attr->i == y->attr->i &&
		       x->attr->b == y->attr->b &&
		       (x->attr->s == y->attr->s ||
			(x->attr->s && y->attr->s && strcmp(x->attr->s, y->attr->s) == 0));
	case XK_LIST:
		if (x->list.n != y->list.n)
			return false;
		for (size_t i = 0; i < x->list.n; i++)
			if (!val_eq(&x->list.p[i], &y->list.p[i]))
				return false;
		return true;
	default:
		return x->b == y->b; /* XK_EMPTYMAP: empty maps are equal */
	}
}

/* Ordering: <0, 0, >0 into *r, or -EINVAL when the types have no order. */
static int order(struct ectx *c, const char *op, const struct xval *x, const struct xval *y, int *r,
		 bool *unordered)
{
	*unordered = false;
	if (is_number(x->k) && is_number(y->k)) {
		*r = num_cmp(x, y, unordered);
		return 0;
	}
	if (x->k == y->k && x->k == XK_STRING) {
		*r = str_cmp(x, y);
		return 0;
	}
	if (x->k == y->k && x->k == XK_BOOL) {
		*r = (int)x->b - (int)y->b;
		return 0;
	}
	return no_overload(c, op, x->k, y->k);
}

static int eval_in(struct ectx *c, const struct xval *x, const struct xval *y, bool *r)
{
	if (y->k == XK_LIST) {
		*r = false;
		for (size_t i = 0; i < y->list.n && !*r; i++)
			*r = val_eq(x, &y->list.p[i]);
		return 0;
	}
	if (y->k == XK_ATTRS || y->k == XK_DOMAINS || y->k == XK_DOMAIN || y->k == XK_EMPTYMAP) {
		*r = x->k == XK_STRING && map_has(c, y, x->s.p, x->s.n);
		return 0;
	}
	return no_overload(c, "in", x->k, y->k);
}

static int eval_relation(struct ectx *c, const struct xnode *n, struct xval *out)
{
	struct xval x = { .k = XK_NULL }, y = { .k = XK_NULL };
	bool unordered = false, r = false;
	int cmp = 0, ret = eval(c, n->a, &x);

	ret = ret ? ret : eval(c, n->b, &y);
	if (ret)
		return ret;
	out->k = XK_BOOL;
	switch (n->op) {
	case X_EQ:
	case X_NE:
		out->b = val_eq(&x, &y) == (n->op == X_EQ);
		return 0;
	case X_IN:
		ret = eval_in(c, &x, &y, &r);
		out->b = r;
		return ret;
	default:
		break;
	}
	ret = order(c,
		    n->op == X_LT   ? "_<_"
		    : n->op == X_LE ? "_<=_"
		    : n->op == X_GT ? "_>_"
				    : "_>=_",
		    &x, &y, &cmp, &unordered);
	if (ret)
		return ret;
	out->b = !unordered && (n->op == X_LT	? cmp < 0
				: n->op == X_LE ? cmp <= 0
				: n->op == X_GT ? cmp > 0
						: cmp >= 0);
	return 0;
}

/* ------------------------------------------------------------ arithmetic */

static int int_arith(struct ectx *c, enum xop op, int64_t x, int64_t y, int64_t *r)
{
	bool ovf = false;

	switch (op) {
	case X_ADD:
		ovf = __builtin_add_overflow(x, y, r);
		break;
	case X_SUB:
		ovf = __builtin_sub_overflow(x, y, r);
		break;
	case X_MUL:
		ovf = __builtin_mul_overflow(x, y, r);
		break;
	default:
		if (y == 0)
			return fail(c, op == X_DIV ? "division by zero" : "modulus by zero", "%s",
				    op == X_DIV ? "division by zero" : "modulus by zero");
		ovf = x == INT64_MIN && y == -1;
		if (!ovf)
			*r = op == X_DIV ? x / y : x % y;
		break;
	}
	return ovf ? fail(c, "integer overflow", "integer overflow") : 0;
}

static int uint_arith(struct ectx *c, enum xop op, uint64_t x, uint64_t y, uint64_t *r)
{
	bool ovf = false;

	switch (op) {
	case X_ADD:
		ovf = __builtin_add_overflow(x, y, r);
		break;
	case X_SUB:
		ovf = __builtin_sub_overflow(x, y, r);
		break;
	case X_MUL:
		ovf = __builtin_mul_overflow(x, y, r);
		break;
	default:
		if (y == 0)
			return fail(c, op == X_DIV ? "division by zero" : "modulus by zero", "%s",
				    op == X_DIV ? "division by zero" : "modulus by zero");
		*r = op == X_DIV ? x / y : x % y;
		break;
	}
	return ovf ? fail(c, "unsigned integer overflow", "unsigned integer overflow") : 0;
}

static int double_arith(enum xop op, double x, double y, double *r)
{
	switch (op) {
	case X_ADD:
		*r = x + y;
		return 0;
	case X_SUB:
		*r = x - y;
		return 0;
	case X_MUL:
		*r = x * y;
		return 0;
	case X_DIV:
		*r = x / y; /* IEEE: division by zero gives an infinity */
		return 0;
	default:
		return -EINVAL;
	}
}

/* String and list concatenation (+), copied into the evaluation arena. */
static int concat(struct ectx *c, const struct xval *x, const struct xval *y, struct xval *out)
{
	size_t n, esz = x->k == XK_STRING ? 1 : sizeof(struct xval);
	size_t xn = x->k == XK_STRING ? x->s.n : x->list.n,
	       yn = x->k == XK_STRING ? y->s.n : y->list.n;
	const void *xp = x->k == XK_STRING ? (const void *)x->s.p : (const void *)x->list.p;
	const void *yp = x->k == XK_STRING ? (const void *)y->s.p : (const void *)y->list.p;
	char *p;

	if (size_add_overflows(xn, yn, &n) || !c->a || !(p = arena_calloc(c->a, n + 1, esz)))
		return no_memory(c);
	if (xn)
		memcpy(p, xp, xn * esz);
	if (yn)
		memcpy(p + xn * esz, yp, yn * esz);
	out->k = x->k;
	if (x->k == XK_STRING) {
		out->s.p = p;
		out->s.n = n;
	} else {
		out->list.p = (const struct xval *)(void *)p;
		out->list.n = n;
	}
	return 0;
}

static int eval_arith(struct ectx *c, const struct xnode *n, struct xval *out)
{
	static const char *const names[] = {
		[X_ADD] = "_+_", [X_SUB] = "_-_", [X_MUL] = "_*_", [X_DIV] = "_/_", [X_MOD] = "_%_"
	};
	struct xval x = { .k = XK_NULL }, y = { .k = XK_NULL };
	int ret = eval(c, n->a, &x);

	ret = ret ? ret : eval(c, n->b, &y);
	if (ret)
		return ret;
	if (x.k != y.k)
		return no_overload(c, names[n->op], x.k, y.k);
	out->k = x.k;
	if (x.k == XK_INT)
		return int_arith(c, n->op, x.i, y.i, &out->i);
	if (x.k == XK_UINT)
		return uint_arith(c, n->op, x.u, y.u, &out->u);
	if (x.k == XK_DOUBLE && double_arith(n->op, x.d, y.d, &out->d) == 0)
		return 0;
	if (n->op == X_ADD && (x.k == XK_STRING || x.k == XK_LIST))
		return concat(c, &x, &y, out);
	return no_overload(c, names[n->op], x.k, y.k);
}

/* ----------------------------------------------------- select and index */

static int eval_select(struct ectx *c, const struct xnode *n, struct xval *out)
{
	struct xval m = { .k = XK_NULL };
	int ret = eval(c, n->a, &m);

	if (ret)
		return ret;
	if (m.k == XK_DATTR) {
		dattr_field(m.attr, n->field, out);
		return 0;
	}
	if (m.k == XK_DEVICE) {
		device_field(n->field, out);
		return 0;
	}
	if (m.k == XK_ATTRS || m.k == XK_DOMAINS || m.k == XK_DOMAIN || m.k == XK_EMPTYMAP)
		return map_get(c, &m, n->name, strlen(n->name), out);
	return fail(c, "no such field", "no such field: %s", n->name);
}

static int list_get(struct ectx *c, const struct xval *l, const struct xval *i, struct xval *out)
{
	bool neg = i->k == XK_INT && i->i < 0;
	uint64_t idx = i->k == XK_INT ? (uint64_t)i->i : i->u;

	if (i->k != XK_INT && i->k != XK_UINT)
		return no_overload(c, "_[_]", l->k, i->k);
	if (neg || idx >= l->list.n)
		return fail(c, "index out of range", "index out of range: %lld",
			    i->k == XK_INT ? (long long)i->i : (long long)idx);
	*out = l->list.p[idx];
	return 0;
}

static int eval_index(struct ectx *c, const struct xnode *n, struct xval *out)
{
	struct xval m = { .k = XK_NULL }, k = { .k = XK_NULL };
	int ret = eval(c, n->a, &m);

	ret = ret ? ret : eval(c, n->b, &k);
	if (ret)
		return ret;
	if (m.k == XK_LIST)
		return list_get(c, &m, &k, out);
	if (k.k != XK_STRING)
		return no_overload(c, "_[_]", m.k, k.k);
	return map_get(c, &m, k.s.p, k.s.n, out);
}

static int eval_has(struct ectx *c, const struct xnode *n, struct xval *out)
{
	struct xval m = { .k = XK_NULL };
	int ret = eval(c, n->a, &m);

	if (ret)
		return ret;
	out->k = XK_BOOL;
	if (m.k == XK_DATTR)
		out->b = dattr_has(m.attr, n->field);
	else if (m.k == XK_ATTRS || m.k == XK_DOMAINS || m.k == XK_DOMAIN || m.k == XK_DEVICE ||
		 m.k == XK_EMPTYMAP)
		out->b = map_has(c, &m, n->name, strlen(n->name));
	else
		return no_overload1(c, "has", m.k);
	return 0;
}

/* ------------------------------------------------------------- functions */

/* Code points of a (valid UTF-8) string: CEL's size(). */
static int64_t utf8_len(const char *p, size_t n)
{
	int64_t r = 0;

	for (size_t i = 0; i < n; i++)
		r += ((unsigned char)p[i] & 0xc0) != 0x80;
	return r;
}

static int eval_size(struct ectx *c, const struct xval *x, struct xval *out)
{
	out->k = XK_INT;
	if (x->k == XK_STRING) {
		out->i = utf8_len(x->s.p, x->s.n);
		return 0;
	}
	if (x->k == XK_LIST) {
		out->i = (int64_t)x->list.n;
		return 0;
	}
	if (map_size(c, x, &out->i) == 0)
		return 0;
	return no_overload1(c, "size", x->k);
}

static bool str_fn(enum xfn fn, const struct xval *s, const struct xval *t)
{
	if (t->s.n > s->s.n)
		return false;
	if (!t->s.n)
		return true;
	if (fn == F_STARTS_WITH)
		return memcmp(s->s.p, t->s.p, t->s.n) == 0;
	if (fn == F_ENDS_WITH)
		return memcmp(s->s.p + s->s.n - t->s.n, t->s.p, t->s.n) == 0;
	return memmem(s->s.p, s->s.n, t->s.p, t->s.n) != NULL;
}

static int eval_call(struct ectx *c, const struct xnode *n, struct xval *out)
{
	struct xval x = { .k = XK_NULL }, y = { .k = XK_NULL };
	int ret = eval(c, n->a, &x);

	if (ret)
		return ret;
	if (n->fn == F_SIZE)
		return eval_size(c, &x, out);
	ret = eval(c, n->b, &y);
	if (ret)
		return ret;
	if (x.k != XK_STRING || y.k != XK_STRING)
		return no_overload(c, n->name, x.k, y.k);
	*out = (struct xval){ .k = XK_BOOL, .b = str_fn(n->fn, &x, &y) };
	return 0;
}

/* ------------------------------------------------------ logic and others */

/* A logical operand: 1, 0, or <0 (an error, which && and || may absorb). */
static int eval_bool(struct ectx *c, const struct xnode *n, const char *op)
{
	struct xval v = { .k = XK_NULL };
	int ret = eval(c, n, &v);

	if (ret)
		return ret;
	if (v.k != XK_BOOL)
		return no_overload1(c, op, v.k);
	return v.b;
}

/*
 * && and ||: an operand that decides the result wins over an error in the
 * other one, whichever side (langdef "Logical Operators"). Out of memory is
 * never absorbed.
 */
static int eval_logic(struct ectx *c, const struct xnode *n, struct xval *out)
{
	int decide = n->op == X_OR; /* the value that decides: true for ||, false for && */
	int x = eval_bool(c, n->a, decide ? "_||_" : "_&&_"), y;
	const char *why = c->why;

	if (x == -ENOMEM)
		return x;
	if (x == decide) {
		*out = (struct xval){ .k = XK_BOOL, .b = decide };
		return 0;
	}
	y = eval_bool(c, n->b, decide ? "_||_" : "_&&_");
	if (y == -ENOMEM || y == decide) {
		*out = (struct xval){ .k = XK_BOOL, .b = decide };
		return y < 0 ? y : 0;
	}
	if (x < 0) {
		c->why = why;
		return x;
	}
	if (y < 0)
		return y;
	*out = (struct xval){ .k = XK_BOOL, .b = !decide };
	return 0;
}

static int eval_unary(struct ectx *c, const struct xnode *n, struct xval *out)
{
	int ret = eval(c, n->a, out);

	if (ret)
		return ret;
	if (n->op == X_NOT && out->k == XK_BOOL) {
		out->b = !out->b;
		return 0;
	}
	if (n->op == X_NEG && out->k == XK_INT) {
		if (out->i == INT64_MIN)
			return fail(c, "integer overflow", "integer overflow");
		out->i = -out->i;
		return 0;
	}
	if (n->op == X_NEG && out->k == XK_DOUBLE) {
		out->d = -out->d;
		return 0;
	}
	return no_overload1(c, n->op == X_NOT ? "!_" : "-_", out->k);
}

static int eval_cond(struct ectx *c, const struct xnode *n, struct xval *out)
{
	int x = eval_bool(c, n->a, "_?_:_");

	if (x < 0)
		return x;
	return eval(c, x ? n->b : n->c, out);
}

static int eval_list(struct ectx *c, const struct xnode *n, struct xval *out)
{
	struct xval *items = NULL;
	int ret;

	if (n->n && (!c->a || !(items = arena_calloc(c->a, n->n, sizeof(*items)))))
		return no_memory(c);
	for (size_t i = 0; i < n->n; i++) {
		ret = eval(c, n->items[i], &items[i]);
		if (ret)
			return ret;
	}
	*out = (struct xval){ .k = XK_LIST, .list = { items, n->n } };
	return 0;
}

static int eval(struct ectx *c, const struct xnode *n, struct xval *out)
{
	switch (n->op) {
	case X_CONST:
		*out = n->v;
		return 0;
	case X_LIST:
		return eval_list(c, n, out);
	case X_IDENT:
		*out = (struct xval){ .k = n->type };
		return 0;
	case X_SELECT:
		return eval_select(c, n, out);
	case X_INDEX:
		return eval_index(c, n, out);
	case X_HAS:
		return eval_has(c, n, out);
	case X_CALL:
		return eval_call(c, n, out);
	case X_NOT:
	case X_NEG:
		return eval_unary(c, n, out);
	case X_AND:
	case X_OR:
		return eval_logic(c, n, out);
	case X_COND:
		return eval_cond(c, n, out);
	case X_EQ:
	case X_NE:
	case X_LT:
	case X_LE:
	case X_GT:
	case X_GE:
	case X_IN:
		return eval_relation(c, n, out);
	default:
		return eval_arith(c, n, out);
	}
}

int inv_expr_eval(const struct inv_expr *e, const struct inv_device *d, const char **why,
		  struct arena *a)
{
	struct ectx c = { .d = d, .a = a };
	struct xval v = { .k = XK_NULL };
	int ret = eval(&c, e->root, &v);

	*why = NULL;
	if (ret) {
		*why = c.why ? c.why : "evaluation error";
		return ret;
	}
	return v.k == XK_BOOL && v.b;
}
