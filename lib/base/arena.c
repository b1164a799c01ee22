// SPDX-License-Identifier: Apache-2.0
/* Capped bump allocator: one per request or scan, freed in one call (h2o pool). */
#include "base.h"

#include <stdio.h>
#include <stdlib.h>

#define ARENA_ALIGN 16u
#define ARENA_CHUNK_MIN (16u << 10)

struct chunk {
	struct chunk *next;
	size_t size, used;
	/* C11 flexible array, aligned for any object. */
	_Alignas(16) unsigned char mem[];
};

struct arena {
	struct chunk *head;
	size_t cap, total; /* bytes of all chunks, headers included */
	size_t handed; /* bytes handed out, padding included */
};

static size_t align_up(size_t n)
{
	return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

static struct chunk *chunk_add(struct arena *a, size_t need)
{
	size_t size = a->head ? a->head->size * 2 : ARENA_CHUNK_MIN;
	size_t bytes;
	struct chunk *c;

	if (size < need)
		size = need;
	if (size_add_overflows(size, sizeof(*c), &bytes))
		return NULL;
	if (a->total + bytes > a->cap || a->total + bytes < a->total) {
		/* Try the smallest chunk that still fits under the cap. */
		if (size_add_overflows(need, sizeof(*c), &bytes) || a->total + bytes > a->cap)
			return NULL;
		size = need;
	}
	c = malloc(bytes);
	if (!c)
		return NULL;
	c->size = size;
	c->used = 0;
	c->next = a->head;
	a->head = c;
	a->total += bytes;
	return c;
}

struct arena *arena_new(size_t cap)
{
	struct arena *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->cap = cap;
	return a;
}

void arena_free(struct arena *a)
{
	struct chunk *c, *next;

	if (!a)
		return;
	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void arena_free_wipe(struct arena *a)
{
	struct chunk *c, *next;

	if (!a)
		return;
	for (c = a->head; c; c = next) {
		next = c->next;
		explicit_bzero(c->mem, c->used);
		free(c);
	}
	free(a);
}

void arena_reset(struct arena *a)
{
	struct chunk *c, *next;

	if (!a->head)
		return;
	/* Keep the oldest (last) chunk; it is the smallest. */
	for (c = a->head; c->next; c = next) {
		next = c->next;
		a->total -= c->size + sizeof(*c);
		free(c);
	}
	c->used = 0;
	a->head = c;
	a->handed = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
	struct chunk *c = a->head;
	size_t need = align_up(n ? n : 1);
	void *p;

	if (need < n)
		return NULL;
	if (!c || c->size - c->used < need) {
		c = chunk_add(a, need);
		if (!c)
			return NULL;
	}
	p = c->mem + c->used;
	c->used += need;
	a->handed += need;
	memset(p, 0, n);
	return p;
}

void *arena_calloc(struct arena *a, size_t n, size_t size)
{
	size_t bytes;

	if (size_mul_overflows(n, size, &bytes))
		return NULL;
	return arena_alloc(a, bytes);
}

void *arena_realloc(struct arena *a, void *p, size_t old, size_t n)
{
	struct chunk *c = a->head;
	void *q;

	if (n <= old)
		return p;
	/* Grow in place when p is the last block of the newest chunk. */
	if (p && c && (unsigned char *)p + align_up(old) == c->mem + c->used &&
	    c->size - c->used + align_up(old) >= align_up(n)) {
		c->used += align_up(n) - align_up(old);
		a->handed += align_up(n) - align_up(old);
		memset((unsigned char *)p + old, 0, n - old);
		return p;
	}
	q = arena_alloc(a, n);
	if (q && p)
		memcpy(q, p, old);
	return q;
}

void *arena_dup(struct arena *a, const void *p, size_t n)
{
	void *q = arena_alloc(a, n);

	if (q && n)
		memcpy(q, p, n);
	return q;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *q;

	if (n == SIZE_MAX)
		return NULL;
	q = arena_alloc(a, n + 1);
	if (!q)
		return NULL;
	if (n)
		memcpy(q, s, n);
	q[n] = '\0';
	return q;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *q;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	q = arena_alloc(a, (size_t)n + 1);
	if (!q)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(q, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return q;
}

size_t arena_used(const struct arena *a)
{
	return a->handed;
}

size_t arena_cap(const struct arena *a)
{
	return a->cap;
}
