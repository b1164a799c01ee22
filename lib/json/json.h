/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/json: the only user of cJSON (DESIGN.md layout). Vendor types never
 * leave this area: callers see struct json, an opaque JSON value.
 *
 * Emitting: build a tree, print it with object keys sorted bytewise (so the
 * same content always prints the same bytes), as JSON or as YAML.
 * Parsing: strict (duplicate keys, nesting deeper than JSON_DEPTH_MAX, bad
 * UTF-8, trailing garbage are errors) with errors that name the path.
 */
#ifndef DRANET_JSON_JSON_H
#define DRANET_JSON_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

/* cJSON is built with -DCJSON_NESTING_LIMIT=64; our own limit is the same. */
#define JSON_DEPTH_MAX 64
/* A document larger than this is refused before parsing (claim configs, kubeconfigs). */
#define JSON_TEXT_MAX (8u << 20)

struct json;

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

/* ------------------------------------------------------------ building */

/*
 * Constructors return a new value owned by the caller (free with json_free)
 * or NULL when out of memory. json_obj_add()/json_arr_add() take ownership
 * of @val in every case (on failure it is freed), so calls can be chained
 * and checked once: a NULL @val makes the add fail with -ENOMEM.
 */
struct json *json_new_object(void);
struct json *json_new_array(void);
struct json *json_new_string(const char *s);
struct json *json_new_int(int64_t v);
struct json *json_new_bool(bool v);
struct json *json_new_null(void);
void json_free(struct json *v);

/* Add @val under @key (a later add of the same key replaces the value). 0 or -ENOMEM. */
MUST_CHECK int json_obj_add(struct json *obj, const char *key, struct json *val);
MUST_CHECK int json_obj_add_str(struct json *obj, const char *key, const char *s);
MUST_CHECK int json_obj_add_int(struct json *obj, const char *key, int64_t v);
MUST_CHECK int json_obj_add_bool(struct json *obj, const char *key, bool v);
/* Add a new empty object/array under @key and return it (owned by @obj), or NULL. */
struct json *json_obj_add_object(struct json *obj, const char *key);
struct json *json_obj_add_array(struct json *obj, const char *key);
MUST_CHECK int json_arr_add(struct json *arr, struct json *val);
/* Deep copy; NULL when out of memory. */
struct json *json_dup(const struct json *v);

/* ------------------------------------------------------------ printing */

enum json_print_flags {
	JSON_COMPACT = 0,
	JSON_PRETTY = 1 << 0, /* two-space indent, one member per line */
};

/*
 * Append @v to @out with object keys sorted bytewise. Returns 0, -ENOMEM
 * (buf cap), or -EINVAL (a number that is not finite).
 */
MUST_CHECK int json_print(const struct json *v, unsigned flags, struct buf *out);
/*
 * Append @v as a YAML block document (keys sorted, two-space indent,
 * strings quoted whenever a plain scalar would change type or meaning:
 * "true", "123", "", ":"...). Parsing the YAML gives back the same tree.
 */
MUST_CHECK int json_print_yaml(const struct json *v, struct buf *out);

/* ------------------------------------------------------------- parsing */

/* Where and why a parse or decode failed: "routes[1].gateway: expected a string". */
struct json_err {
	char path[256];
	char msg[256];
	size_t offset; /* byte offset in the text for syntax errors */
};

/*
 * Parse @len bytes of @text (need not be NUL-terminated). On success *out
 * is a tree owned by the caller. Returns 0, -EBADMSG (syntax, duplicate key,
 * too deep; err says where), -EMSGSIZE (over JSON_TEXT_MAX) or -ENOMEM.
 */
MUST_CHECK int json_parse(const char *text, size_t len, struct json **out, struct json_err *err);

/* Read access (borrowed pointers, valid while the tree lives). */
enum json_type json_type_of(const struct json *v);
const char *json_type_name(enum json_type t);
/* Object member by key, or NULL. */
const struct json *json_get(const struct json *obj, const char *key);
/* Number of members (object) or elements (array); 0 otherwise. */
size_t json_count(const struct json *v);
/* Array element or object member by position (objects keep document order). */
const struct json *json_at(const struct json *v, size_t i);
/* The key of an object member returned by json_at(). */
const char *json_key(const struct json *member);
/* Scalar values; each returns -EINVAL when the type does not match. */
MUST_CHECK int json_get_string(const struct json *v, const char **out);
MUST_CHECK int json_get_bool(const struct json *v, bool *out);
/* Integral numbers only (1.5 or 1e400 are -ERANGE), as JSON writers emit them. */
MUST_CHECK int json_get_int(const struct json *v, int64_t *out);

#endif
