// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz the HPACK decoder (lib/h2/hpack.c). Input: one byte of options (table
 * size, header list cap), then blocks of [u16 BE length][bytes] decoded in
 * turn by one decoder. Each block that decodes is re-encoded by our encoder
 * (with its own dynamic table) and decoded by a second decoder: the fields
 * must come back the same, and both tables must stay within their sizes.
 */
#include <errno.h>
#include <stdlib.h>

#include "h2/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fields {
	uint8_t text[1 << 16];
	size_t len, count;
};

static int add(void *ctx, struct slice name, struct slice value, unsigned flags)
{
	struct fields *f = ctx;
	size_t need = name.len + value.len + 10;

	(void)flags;
	if (need > sizeof(f->text) - f->len)
		return -ENOMEM;
	f->text[f->len++] = (uint8_t)(name.len >> 8);
	f->text[f->len++] = (uint8_t)name.len;
	memcpy(f->text + f->len, name.p, name.len);
	f->len += name.len;
	f->text[f->len++] = (uint8_t)(value.len >> 8);
	f->text[f->len++] = (uint8_t)value.len;
	memcpy(f->text + f->len, value.p, value.len);
	f->len += value.len;
	f->count++;
	return 0;
}

static struct hpack_dec dec, dec2;
static struct hpack_enc enc;
static struct fields got, again;
static uint8_t out[1 << 18];

static void reencode(void)
{
	struct wr w = wr_init(out, sizeof(out));
	struct rd r = rd_init(got.text, got.len);
	const char *why = NULL;

	hpack_encode_begin(&enc, &w);
	for (size_t i = 0; i < got.count; i++) {
		struct slice n, v;

		rd_bytes(&r, rd_be16(&r), &n);
		rd_bytes(&r, rd_be16(&r), &v);
		hpack_encode_field(&enc, &w, n, v, i % 3 == 2);
	}
	if (w.err || r.err)
		abort();
	again.len = again.count = 0;
	if (hpack_decode(&dec2, (struct slice){ out, wr_len(&w) }, SIZE_MAX, add, &again, &why) !=
	    0)
		abort();
	if (again.len != got.len || memcmp(again.text, got.text, got.len) != 0)
		abort();
	if (enc.t.size > enc.t.max_size || dec2.t.size > dec2.t.max_size)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = rd_init(data, size);
	uint8_t opt;
	size_t max_list;

	if (size < 1)
		return 0;
	opt = rd_u8(&r);
	hpack_dec_init(&dec, opt & 1 ? 256 : H2_HPACK_TABLE_SIZE);
	hpack_dec_init(&dec2, H2_HPACK_TABLE_SIZE);
	hpack_enc_init(&enc, true);
	max_list = opt & 2 ? 200 : SIZE_MAX;
	while (rd_left(&r) >= 2) {
		struct slice blk;
		const char *why = NULL;
		int ret;

		if (!rd_bytes(&r, rd_be16(&r), &blk))
			blk = (struct slice){ r.p, rd_left(&r) }, r.p = r.end;
		got.len = got.count = 0;
		ret = hpack_decode(&dec, blk, max_list, add, &got, &why);
		if (dec.t.size > dec.t.max_size || dec.t.max_size > H2_HPACK_TABLE_SIZE)
			abort();
		if (ret == -EILSEQ) {
			if (!why)
				abort();
			break;
		}
		if (ret != 0 && ret != -E2BIG && ret != -ENOMEM)
			abort();
		if (ret == 0)
			reencode();
	}
	return 0;
}
