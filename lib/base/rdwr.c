// SPDX-License-Identifier: Apache-2.0
/* Bounds-checked readers and writers with a sticky error flag (STYLE.md 2.4). */
#include "base.h"

static const uint8_t *take(struct rd *r, size_t n)
{
	const uint8_t *p;

	if (r->err || n > rd_left(r)) {
		r->err = true;
		return NULL;
	}
	p = r->p;
	r->p += n;
	return p;
}

uint8_t rd_u8(struct rd *r)
{
	const uint8_t *p = take(r, 1);

	return p ? p[0] : 0;
}

uint16_t rd_be16(struct rd *r)
{
	const uint8_t *p = take(r, 2);

	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

uint32_t rd_be24(struct rd *r)
{
	const uint8_t *p = take(r, 3);

	return p ? (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2] : 0;
}

uint32_t rd_be32(struct rd *r)
{
	const uint8_t *p = take(r, 4);

	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
}

uint16_t rd_ne16(struct rd *r)
{
	const uint8_t *p = take(r, 2);
	uint16_t v = 0;

	if (p)
		memcpy(&v, p, sizeof(v));
	return v;
}

uint32_t rd_ne32(struct rd *r)
{
	const uint8_t *p = take(r, 4);
	uint32_t v = 0;

	if (p)
		memcpy(&v, p, sizeof(v));
	return v;
}

uint64_t rd_ne64(struct rd *r)
{
	const uint8_t *p = take(r, 8);
	uint64_t v = 0;

	if (p)
		memcpy(&v, p, sizeof(v));
	return v;
}

uint64_t rd_varint(struct rd *r)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < 10; i++) {
		const uint8_t *p = take(r, 1);

		if (!p)
			return 0;
		/* The tenth byte may only carry the top bit of a 64-bit value. */
		if (i == 9 && p[0] > 1) {
			r->err = true;
			return 0;
		}
		v |= (uint64_t)(p[0] & 0x7f) << (7 * i);
		if (!(p[0] & 0x80))
			return v;
	}
	r->err = true;
	return 0;
}

bool rd_bytes(struct rd *r, size_t n, struct slice *out)
{
	const uint8_t *p = take(r, n);

	out->p = p;
	out->len = p ? n : 0;
	return p != NULL;
}

bool rd_skip(struct rd *r, size_t n)
{
	return take(r, n) != NULL;
}

void *wr_reserve(struct wr *w, size_t n)
{
	uint8_t *p;

	if (w->err || n > (size_t)(w->end - w->p)) {
		w->err = true;
		return NULL;
	}
	p = w->p;
	w->p += n;
	return p;
}

void wr_bytes(struct wr *w, const void *src, size_t n)
{
	uint8_t *p = wr_reserve(w, n);

	if (p && n)
		memcpy(p, src, n);
}

void wr_u8(struct wr *w, uint8_t v)
{
	wr_bytes(w, &v, 1);
}

void wr_be16(struct wr *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	wr_bytes(w, b, sizeof(b));
}

void wr_be24(struct wr *w, uint32_t v)
{
	uint8_t b[3] = { (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	wr_bytes(w, b, sizeof(b));
}

void wr_be32(struct wr *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	wr_bytes(w, b, sizeof(b));
}

void wr_ne16(struct wr *w, uint16_t v)
{
	wr_bytes(w, &v, sizeof(v));
}

void wr_ne32(struct wr *w, uint32_t v)
{
	wr_bytes(w, &v, sizeof(v));
}

void wr_varint(struct wr *w, uint64_t v)
{
	do {
		uint8_t b = v & 0x7f;

		v >>= 7;
		wr_u8(w, b | (v ? 0x80 : 0));
	} while (v);
}
