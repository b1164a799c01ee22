// SPDX-License-Identifier: Apache-2.0
/*
 * Strict table-driven decoding of JSON objects into C structs (json.h
 * "strict decoding"), with Go/K8s-style error paths: routes[1].gateway.
 * Recursion follows the schema (ours), never the input.
 */
#include "json/json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "json/internal.h"

struct dec {
	struct arena *a;
	struct json_err *err;
	char path[sizeof(((struct json_err *)0)->path)];
	size_t plen;
	bool unknown; /* an unknown field was seen; err holds the first */
};

/* Append ".name" (or "name" at the top) or "[i]"; returns the old length. */
static size_t path_push(struct dec *d, const char *name, size_t index)
{
	size_t old = d->plen, room = sizeof(d->path) - d->plen;
	int n;

	if (name)
		n = snprintf(d->path + d->plen, room, "%s%s", d->plen ? "." : "", name);
	else
		n = snprintf(d->path + d->plen, room, "[%zu]", index);
	if (n < 0 || (size_t)n >= room)
		d->plen = sizeof(d->path) - 1; /* truncated; snprintf terminated it */
	else
		d->plen += (size_t)n;
	return old;
}

static void path_pop(struct dec *d, size_t old)
{
	d->plen = old;
	d->path[old] = '\0';
}

/* "<what> <text>": "value 1e99 out of range", "expected integer, got 1.5". */
static int dec_fail(struct dec *d, const char *what, const char *text)
{
	json_err_set(d->err, d->path, 0, "%s %s", what, text);
	return -EBADMSG;
}

static int type_error(struct dec *d, const char *want, const cJSON *c)
{
	json_err_set(d->err, d->path, 0, "expected %s, got %s", want,
		     json_type_name(json_type_of(js((cJSON *)c))));
	return -EBADMSG;
}

static int decode_int(struct dec *d, const cJSON *c, const struct json_field *f, int64_t *out)
{
	int64_t lo = INT64_MIN, hi = INT64_MAX;
	int ret;

	if (!cJSON_IsNumber(c))
		return type_error(d, "integer", c);
	ret = json_get_int(js((cJSON *)c), out);
	if (ret) {
		const char *text = c->valuestring ? c->valuestring : "number";

		if (c->valuestring && json_is_int_text(c->valuestring)) {
			json_err_set(d->err, d->path, 0, "value %s out of range", text);
			return -EBADMSG;
		}
		return dec_fail(d, "expected integer, got", text);
	}
	switch (f->kind) {
	case JSON_FK_INT32:
		lo = INT32_MIN, hi = INT32_MAX;
		break;
	case JSON_FK_UINT8:
		lo = 0, hi = UINT8_MAX;
		break;
	case JSON_FK_UINT32:
		lo = 0, hi = UINT32_MAX;
		break;
	default:
		break;
	}
	if (f->flags & JSON_F_RANGE) {
		lo = f->min > lo ? f->min : lo;
		hi = f->max < hi ? f->max : hi;
	}
	if (*out < lo || *out > hi) {
		json_err_set(d->err, d->path, 0,
			     "value %" PRId64 " out of range [%" PRId64 ", %" PRId64 "]", *out, lo,
			     hi);
		return -EBADMSG;
	}
	return 0;
}

static int decode_string(struct dec *d, const cJSON *c, const char **out)
{
	if (cJSON_IsNull(c)) {
		*out = ""; /* a null element: Go leaves the zero value */
		return 0;
	}
	if (!cJSON_IsString(c) || !c->valuestring)
		return type_error(d, "string", c);
	*out = arena_strdup(d->a, c->valuestring);
	return *out ? 0 : -ENOMEM;
}

static int decode_object(struct dec *d, const cJSON *o, const struct json_schema *s, void *out);

/* Arrays and maps: @n zeroed elements of @size (NULL for none). 0 or -ENOMEM. */
static int alloc_elems(struct dec *d, size_t n, size_t size, char **out)
{
	*out = n ? arena_calloc(d->a, n, size) : NULL;
	return n && !*out ? -ENOMEM : 0;
}

static int decode_array(struct dec *d, const cJSON *c, const struct json_field *f, void *dst,
			size_t *count)
{
	size_t n = 0, i = 0, size;
	const cJSON *e;
	char *v;
	int ret = 0;

	if (!cJSON_IsArray(c))
		return type_error(d, "array", c);
	for (e = c->child; e; e = e->next)
		n++;
	switch (f->kind) {
	case JSON_FK_ARRAY_OBJECT:
		size = f->sub->size;
		break;
	case JSON_FK_ARRAY_STRING:
		size = sizeof(const char *);
		break;
	default:
		size = sizeof(int64_t);
		break;
	}
	if (alloc_elems(d, n, size, &v))
		return -ENOMEM;
	for (e = c->child; e && !ret; e = e->next, i++) {
		size_t old = path_push(d, NULL, i);
		void *elem = v + i * size;

		if (f->kind == JSON_FK_ARRAY_OBJECT)
			ret = decode_object(d, e, f->sub, elem);
		else if (f->kind == JSON_FK_ARRAY_STRING)
			ret = decode_string(d, e, elem);
		else if (!cJSON_IsNull(e))
			ret = decode_int(d, e, f, elem);
		if (!ret)
			path_pop(d, old);
	}
	if (ret)
		return ret;
	*(void **)dst = v;
	*count = n;
	return 0;
}

static int decode_map(struct dec *d, const cJSON *c, const struct json_field *f, void *dst,
		      size_t *count)
{
	bool is_str = f->kind == JSON_FK_MAP_STRING;
	size_t n = 0, i = 0,
	       size = is_str ? sizeof(struct json_kv_str) : sizeof(struct json_kv_bool);
	const cJSON *e;
	char *v;

	if (!cJSON_IsObject(c))
		return type_error(d, "object", c);
	for (e = c->child; e; e = e->next)
		n++;
	if (alloc_elems(d, n, size, &v))
		return -ENOMEM;
	for (e = c->child; e; e = e->next, i++) {
		size_t old = path_push(d, e->string, 0);
		const char *key = arena_strdup(d->a, e->string);
		int ret;

		if (!key)
			return -ENOMEM;
		if (is_str) {
			struct json_kv_str *kv = (struct json_kv_str *)(void *)v + i;

			kv->key = key;
			ret = decode_string(d, e, &kv->value);
		} else {
			struct json_kv_bool *kv = (struct json_kv_bool *)(void *)v + i;

			kv->key = key;
			ret = 0;
			if (cJSON_IsBool(e))
				kv->value = cJSON_IsTrue(e);
			else if (!cJSON_IsNull(e))
				ret = type_error(d, "boolean", e);
		}
		if (ret)
			return ret;
		path_pop(d, old);
	}
	*(void **)dst = v;
	*count = n;
	return 0;
}

/* Member @c (present, not null) into field @f of the struct at @base. */
static int decode_field(struct dec *d, const cJSON *c, const struct json_field *f, char *base)
{
	void *dst = base + f->off;
	size_t *count = (size_t *)(void *)(base + f->count_off);
	int64_t v;
	int ret;

	switch (f->kind) {
	case JSON_FK_STRING:
		return decode_string(d, c, dst);
	case JSON_FK_BOOL:
		if (!cJSON_IsBool(c))
			return type_error(d, "boolean", c);
		*(bool *)dst = cJSON_IsTrue(c);
		return 0;
	case JSON_FK_INT64:
	case JSON_FK_INT32:
	case JSON_FK_UINT8:
	case JSON_FK_UINT32:
		ret = decode_int(d, c, f, &v);
		if (ret)
			return ret;
		if (f->kind == JSON_FK_INT64)
			*(int64_t *)dst = v;
		else if (f->kind == JSON_FK_INT32)
			*(int32_t *)dst = (int32_t)v;
		else if (f->kind == JSON_FK_UINT8)
			*(uint8_t *)dst = (uint8_t)v;
		else
			*(uint32_t *)dst = (uint32_t)v;
		return 0;
	case JSON_FK_OBJECT:
		return decode_object(d, c, f->sub, dst);
	case JSON_FK_ARRAY_OBJECT:
	case JSON_FK_ARRAY_STRING:
	case JSON_FK_ARRAY_INT64:
		return decode_array(d, c, f, dst, count);
	case JSON_FK_MAP_STRING:
	case JSON_FK_MAP_BOOL:
		return decode_map(d, c, f, dst, count);
	case JSON_FK_RAW:
		*(const struct json **)dst = js((cJSON *)c);
		return 0;
	}
	return -EINVAL;
}

static const struct json_field *find_field(const struct json_schema *s, const char *name)
{
	for (size_t i = 0; i < s->n_fields; i++) {
		if (strcmp(s->fields[i].name, name) == 0)
			return &s->fields[i];
	}
	return NULL;
}

static int decode_object(struct dec *d, const cJSON *o, const struct json_schema *s, void *out)
{
	char *base = out;
	const cJSON *m;

	if (!s || !s->fields || !s->size)
		return -EINVAL;
	/* A null array element decodes as {} so required fields are still checked. */
	if (!cJSON_IsObject(o) && !cJSON_IsNull(o))
		return type_error(d, "object", o);
	memset(out, 0, s->size);
	/* Members in document order, so the first error is the first in the text. */
	for (m = cJSON_IsObject(o) ? o->child : NULL; m; m = m->next) {
		const struct json_field *f = find_field(s, m->string);
		size_t old = path_push(d, m->string, 0);
		int ret;

		if (!f && (s->flags & JSON_S_LENIENT)) {
			path_pop(d, old);
			continue;
		}
		if (!f) {
			if (!d->unknown)
				json_err_set(d->err, d->path, 0, "unknown field");
			d->unknown = true;
			path_pop(d, old);
			continue;
		}
		if ((f->kind == JSON_FK_OBJECT || f->kind == JSON_FK_ARRAY_OBJECT) && !f->sub)
			return -EINVAL;
		if (cJSON_IsNull(m)) {
			path_pop(d, old);
			continue; /* null is absent (Go leaves the field alone) */
		}
		if (f->has_off)
			*(bool *)(void *)(base + f->has_off - 1) = true;
		ret = decode_field(d, m, f, base);
		if (ret)
			return ret;
		path_pop(d, old);
	}
	for (size_t i = 0; i < s->n_fields; i++) {
		const struct json_field *f = &s->fields[i];

		m = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, f->name) : NULL;
		if ((f->flags & JSON_F_REQUIRED) && (!m || cJSON_IsNull(m))) {
			size_t old = path_push(d, f->name, 0);

			json_err_set(d->err, d->path, 0, "required field is missing");
			path_pop(d, old);
			return -EBADMSG;
		}
	}
	return 0;
}

int json_decode(const struct json *v, const struct json_schema *s, void *out, struct arena *a,
		struct json_err *err)
{
	struct dec d = { .a = a, .err = err };
	int ret;

	if (err)
		memset(err, 0, sizeof(*err));
	if (!v || !s || !out || !a)
		return -EINVAL;
	ret = decode_object(&d, ccj(v), s, out);
	if (!ret && d.unknown)
		ret = -EBADMSG;
	return ret;
}
