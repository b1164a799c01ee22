// SPDX-License-Identifier: Apache-2.0
/* The device model: typed attributes that always satisfy the API's limits. */
#include "inventory.h"

#include <errno.h>
#include <stdlib.h>

const struct inv_attr *inv_attr_get(const struct inv_device *d, const char *key)
{
	for (unsigned i = 0; i < d->n_attr; i++)
		if (strcmp(d->attr[i].key, key) == 0)
			return &d->attr[i];
	return NULL;
}

/* The slot for @key: the existing one, or a new one at the end. */
static struct inv_attr *slot(struct inv_device *d, const char *key)
{
	for (unsigned i = 0; i < d->n_attr; i++)
		if (strcmp(d->attr[i].key, key) == 0)
			return &d->attr[i];
	if (d->n_attr >= INV_ATTRS_MAX)
		return NULL;
	return &d->attr[d->n_attr++];
}

int inv_attr_set_str(struct inv_device *d, const char *key, const char *s)
{
	struct inv_attr *a;

	if (strlen(s) > INV_STRING_MAX)
		return -EMSGSIZE;
	a = slot(d, key);
	if (!a)
		return -ENOSPC;
	*a = (struct inv_attr){ .key = key, .type = INV_STRING, .s = s };
	return 0;
}

int inv_attr_set_int(struct inv_device *d, const char *key, int64_t v)
{
	struct inv_attr *a = slot(d, key);

	if (!a)
		return -ENOSPC;
	*a = (struct inv_attr){ .key = key, .type = INV_INT, .i = v };
	return 0;
}

int inv_attr_set_bool(struct inv_device *d, const char *key, bool v)
{
	struct inv_attr *a = slot(d, key);

	if (!a)
		return -ENOSPC;
	*a = (struct inv_attr){ .key = key, .type = INV_BOOL, .b = v };
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int inv_attr_set_list(struct inv_device *d, struct arena *a, const char *key, const char **items,
		      size_t n)
{
	const char **sorted;
	char *out;
	size_t len = 0;
	int kept = 0, ret;

	if (n == 0)
		return 0;
	sorted = arena_calloc(a, n, sizeof(*sorted));
	out = arena_alloc(a, INV_STRING_MAX + 1);
	if (!sorted || !out)
		return -ENOMEM;
	memcpy(sorted, items, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_str);
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(sorted[i]), need = l + (kept ? 1 : 0);

		if (i > 0 && strcmp(sorted[i], sorted[i - 1]) == 0)
			continue;
		/* upstream v1.4: stop at the first item that does not fit. */
		if (len + need > INV_STRING_MAX)
			break;
		if (kept)
			out[len++] = ',';
		memcpy(out + len, sorted[i], l);
		len += l;
		kept++;
	}
	out[len] = '\0';
	if (!kept)
		return 0;
	ret = inv_attr_set_str(d, key, out);
	return ret < 0 ? ret : kept;
}
