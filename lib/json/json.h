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

/*
 * Add @val under @key (a later add of the same key replaces the value).
 * 0, -ENOMEM, or -EINVAL (@obj is not an object / @arr not an array: @val
 * freed; @val already in a tree: left alone).
 */
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
 * Append @v to @out with object keys sorted bytewise; @v is not modified.
 * No trailing newline. Compact: no whitespace at all. Pretty: two-space
 * indent, one member or element per line, "key": value, empty containers
 * as {} and [] (the layout of Go's json.MarshalIndent(v, "", "  ")).
 * Strings are escaped per RFC 8259: '"', '\\', \b \f \n \r \t, other
 * control bytes and DEL as \u00XX; valid UTF-8 passes through unchanged.
 * Numbers print as their text: the literal as parsed, or the exact decimal
 * of json_new_int() (int64 round-trips exactly; see json.c).
 * Returns 0, -ENOMEM (buf cap or malloc), or -EINVAL (a string or key that
 * is not valid UTF-8, or a number that is not finite).
 */
MUST_CHECK int json_print(const struct json *v, unsigned flags, struct buf *out);
/*
 * Append @v as a YAML block document (keys sorted, two-space indent,
 * strings quoted whenever a plain scalar would change type or meaning:
 * "true", "123", "", ":"...). Parsing the YAML gives back the same tree.
 * Layout as kubectl prints: list items ("- ") at their key's indent, empty
 * map {} and empty list [], strings double-quoted (YAML escapes) unless
 * plain is safe in YAML 1.1 and 1.2 (PyYAML, go-yaml), keys over 1000
 * bytes in explicit "? key" form; ends with a newline. Returns as
 * json_print().
 */
MUST_CHECK int json_print_yaml(const struct json *v, struct buf *out);
/* True when @s[0..n) is well-formed UTF-8 (no overlongs, surrogates, > U+10FFFF). */
bool json_is_utf8(const char *s, size_t n);

/* ------------------------------------------------------------- parsing */

/*
 * Where and why a parse or decode failed: path "routes[1].gateway", msg
 * "expected string, got number" (json_err_format() joins them as
 * "routes[1].gateway: expected string, got number"). path is "" for the
 * top level and for syntax errors; both are truncated to fit, never
 * overflowed.
 */
struct json_err {
	char path[256];
	char msg[256];
	size_t offset; /* byte offset in the text of a json_parse() error */
};

/* "path: msg" (or just msg when path is empty) into @buf; returns @buf. */
const char *json_err_format(const struct json_err *err, char *buf, size_t size);

/*
 * Parse @len bytes of @text (need not be NUL-terminated). On success *out
 * is a tree owned by the caller. Strict RFC 8259: one value, whitespace
 * around it only (no BOM, no trailing garbage), no duplicate keys, depth
 * at most JSON_DEPTH_MAX, strings valid UTF-8 without raw control bytes,
 * \u escapes with paired surrogates and never \u0000, numbers in RFC 8259
 * grammar (at most 63 bytes) that are finite as doubles. Returns 0,
 * -EBADMSG (err: offset of a syntax error, path of a duplicate key),
 * -EMSGSIZE (over JSON_TEXT_MAX; nothing parsed) or -ENOMEM. @err may be NULL.
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
/*
 * The next element or member after @v in its container, or NULL: with
 * json_at(v, 0) it walks a container in O(n) where json_at(v, i) in a loop
 * is O(n^2).
 */
const struct json *json_next(const struct json *v);
/* The key of an object member returned by json_at(). */
const char *json_key(const struct json *member);
/* Scalar values; each returns -EINVAL when the type does not match. */
MUST_CHECK int json_get_string(const struct json *v, const char **out);
MUST_CHECK int json_get_bool(const struct json *v, bool *out);
/*
 * Integer literals only, exact over the whole int64 range: "-9223372036854775808"
 * is fine, "9223372036854775808", 1.5, 1.0 and 1e2 are -ERANGE (as Go's
 * encoding/json refuses them for an int field).
 */
MUST_CHECK int json_get_int(const struct json *v, int64_t *out);

/* ---------------------------------------------------- strict decoding */

/*
 * Table-driven decoding of an object into a C struct, strict like
 * sigs.k8s.io/json's UnmarshalStrict: member names match case-sensitively,
 * an unknown member, a wrong type or an out-of-range integer is an error
 * naming the path in Go/K8s style ("routes[1].gateway: expected string, got
 * number", "interface.mtuu: unknown field"). A JSON null member counts as
 * absent (Go leaves the field alone); a null element decodes as {} in an
 * object array (required fields still apply), "" or 0 in a string or int
 * array, false in a bool map. Strings and arrays are allocated in the
 * caller's arena; a JSON_FK_RAW field borrows the subtree (valid while the
 * tree lives). Recursion follows the schema, never the input.
 *
 * Example:
 *	struct route { const char *dst, *gw; bool has_gw; };
 *	static const struct json_field route_fields[] = {
 *		JSON_FIELD(struct route, dst, "destination", JSON_FK_STRING, .flags = JSON_F_REQUIRED),
 *		JSON_FIELD(struct route, gw, "gateway", JSON_FK_STRING, JSON_HAS(struct route, has_gw)),
 *	};
 *	static const struct json_schema route_schema = JSON_SCHEMA(struct route, route_fields);
 */
enum json_fkind {
	JSON_FK_STRING, /* const char * (arena copy) */
	JSON_FK_BOOL, /* bool */
	JSON_FK_INT64, /* int64_t */
	JSON_FK_INT32, /* int32_t */
	JSON_FK_UINT8, /* uint8_t */
	JSON_FK_UINT32, /* uint32_t */
	JSON_FK_OBJECT, /* struct of schema @sub embedded at @off */
	JSON_FK_ARRAY_OBJECT, /* pointer to @sub->size elements; size_t count at @count_off */
	JSON_FK_ARRAY_STRING, /* const char **; count at @count_off */
	JSON_FK_ARRAY_INT64, /* int64_t *; count at @count_off */
	JSON_FK_MAP_STRING, /* struct json_kv_str *; count at @count_off (document order) */
	JSON_FK_MAP_BOOL, /* struct json_kv_bool *; count at @count_off (document order) */
	JSON_FK_RAW, /* const struct json * borrowed from the tree (any type) */
};

enum json_field_flags {
	JSON_F_REQUIRED = 1 << 0, /* absent or null: "<path>: required field is missing" */
	JSON_F_RANGE = 1 << 1, /* integers: value must be in [@min, @max] */
};

struct json_schema;

struct json_field {
	const char *name;
	enum json_fkind kind;
	size_t off;
	const struct json_schema *sub; /* JSON_FK_OBJECT, JSON_FK_ARRAY_OBJECT */
	size_t count_off; /* JSON_FK_ARRAY_*, JSON_FK_MAP_*: a size_t */
	/* 1 + offset of a bool set when the member is present and not null; 0: none */
	size_t has_off;
	unsigned flags;
	int64_t min, max; /* with JSON_F_RANGE */
};

enum json_schema_flags {
	/*
	 * Members the table does not name are skipped, not errors. For objects
	 * of someone else's schema (a Kubernetes API server adds fields with
	 * every release: client-go ignores them too); our own documents (claim
	 * config, kubeconfig-shaped input we define) stay strict.
	 */
	JSON_S_LENIENT = 1 << 0,
};

struct json_schema {
	const char *type_name; /* the C type ("struct route"), for the caller's logs */
	size_t size; /* sizeof the struct */
	const struct json_field *fields;
	size_t n_fields;
	unsigned flags; /* enum json_schema_flags */
};

struct json_kv_str {
	const char *key, *value;
};

struct json_kv_bool {
	const char *key;
	bool value;
};

#define JSON_FIELD(st, member, jname, fkind, ...)                                                  \
	{                                                                                          \
		.name = (jname), .kind = (fkind), .off = offsetof(st, member), __VA_ARGS__         \
	}
#define JSON_COUNT(st, member) .count_off = offsetof(st, member)
#define JSON_HAS(st, member) .has_off = offsetof(st, member) + 1
#define JSON_SCHEMA(st, fields_)                                                                   \
	{                                                                                          \
		.type_name = #st, .size = sizeof(st), .fields = (fields_),                         \
		.n_fields = ARRAY_SIZE(fields_)                                                    \
	}
/* A schema whose unknown members are ignored (JSON_S_LENIENT): server objects only. */
#define JSON_SCHEMA_LENIENT(st, fields_)                                                           \
	{                                                                                          \
		.type_name = #st, .size = sizeof(st), .fields = (fields_),                         \
		.n_fields = ARRAY_SIZE(fields_), .flags = JSON_S_LENIENT                           \
	}

/*
 * Decode object @v into @out (a struct of @s->size bytes, zeroed first).
 * Returns 0, -EBADMSG (input does not match; err says where and why),
 * -ENOMEM (arena cap) or -EINVAL (a broken schema). An unknown field does
 * not stop decoding: the rest of @out is still filled (upstream's strict
 * mode returns the known fields too), err holds the first unknown field and
 * the result is -EBADMSG. Any other error stops at once; @out is then
 * partially filled. @err may be NULL.
 */
MUST_CHECK int json_decode(const struct json *v, const struct json_schema *s, void *out,
			   struct arena *a, struct json_err *err);

#endif
