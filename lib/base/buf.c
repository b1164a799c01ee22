// SPDX-License-Identifier: Apache-2.0
/* Growable, capped, NUL-terminated output buffer. */
#include "base.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

void buf_init(struct buf *b, size_t cap)
{
	b->p = NULL;
	b->len = b->size = 0;
	b->cap = cap;
	b->err = false;
}

void buf_fini(struct buf *b)
{
	free(b->p);
	buf_init(b, b->cap);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->err = false;
	if (b->p)
		b->p[0] = '\0';
}

static int grow(struct buf *b, size_t extra)
{
	size_t need, size;
	char *p;

	if (b->err)
		return -ENOMEM;
	if (size_add_overflows(b->len, extra, &need) || size_add_overflows(need, 1, &need) ||
	    need > b->cap) {
		b->err = true;
		return -ENOMEM;
	}
	if (need <= b->size)
		return 0;
	size = b->size ? b->size : 256;
	while (size < need)
		size = size > b->cap / 2 ? b->cap : size * 2;
	p = realloc(b->p, size);
	if (!p) {
		b->err = true;
		return -ENOMEM;
	}
	b->p = p;
	b->size = size;
	return 0;
}

int buf_put(struct buf *b, const void *p, size_t n)
{
	int ret = grow(b, n);

	if (ret < 0)
		return ret;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_put(b, s, strlen(s));
}

int buf_putc(struct buf *b, char c)
{
	return buf_put(b, &c, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n, ret;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return -EINVAL;
	ret = grow(b, (size_t)n);
	if (ret < 0)
		return ret;
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return ret;
}
