/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/json private declarations: the cJSON mapping, UTF-8 and sorted-member
 * helpers shared by json.c, print.c and decode.c. Only lib/json includes it.
 *
 * Representation: struct json is a cJSON node. Every number node we make
 * (json_new_int) or parse carries its exact decimal text in valuestring
 * (cJSON_Delete and cJSON_Duplicate already free and copy valuestring for
 * any type), so int64 values beyond 2^53 print and read back exactly while
 * valuedouble stays cJSON's approximation.
 */
#ifndef DRANET_JSON_INTERNAL_H
#define DRANET_JSON_INTERNAL_H

#include <cJSON.h>

#include "json/json.h"

static inline cJSON *cj(struct json *v)
{
	return (cJSON *)(void *)v;
}

static inline const cJSON *ccj(const struct json *v)
{
	return (const cJSON *)(const void *)v;
}

static inline struct json *js(cJSON *c)
{
	return (struct json *)(void *)c;
}

/*
 * Decode one UTF-8 sequence at @s (@n bytes left). Returns its length
 * (1..4) and the code point, or 0 when it is not well-formed.
 */
size_t json_utf8_next(const uint8_t *s, size_t n, uint32_t *cp);

/*
 * The members of object @obj sorted bytewise by key, in a malloc'd array
 * (free() it; NULL with *n = 0 for an empty object). 0 or -ENOMEM.
 */
MUST_CHECK int json_sorted_members(const cJSON *obj, const cJSON ***out, size_t *n);

/* True when @s is an integer literal: -?(0|[1-9][0-9]*). */
bool json_is_int_text(const char *s);

/* Fill @err (may be NULL) with a path and a printf message. */
void json_err_set(struct json_err *err, const char *path, size_t offset, const char *fmt, ...)
	PRINTF_LIKE(4, 5);

#endif
