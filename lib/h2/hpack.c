/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HPACK (RFC 7541): static and dynamic tables, integers, Huffman strings,
 * the header block decoder and a small encoder.
 */
#include "h2/internal.h"

#include <errno.h>

#define S(n, v)                                                                                    \
	{                                                                                          \
		n, v                                                                               \
	}

/* RFC 7541 Appendix A. */
static const struct {
	const char *name, *value;
} static_table[HPACK_STATIC_COUNT] = {
	S(":authority", ""),
	S(":method", "GET"),
	S(":method", "POST"),
	S(":path", "/"),
	S(":path", "/index.html"),
	S(":scheme", "http"),
	S(":scheme", "https"),
	S(":status", "200"),
	S(":status", "204"),
	S(":status", "206"),
	S(":status", "304"),
	S(":status", "400"),
	S(":status", "404"),
	S(":status", "500"),
	S("accept-charset", ""),
	S("accept-encoding", "gzip, deflate"),
	S("accept-language", ""),
	S("accept-ranges", ""),
	S("accept", ""),
	S("access-control-allow-origin", ""),
	S("age", ""),
	S("allow", ""),
	S("authorization", ""),
	S("cache-control", ""),
	S("content-disposition", ""),
	S("content-encoding", ""),
	S("content-language", ""),
	S("content-length", ""),
	S("content-location", ""),
	S("content-range", ""),
	S("content-type", ""),
	S("cookie", ""),
	S("date", ""),
	S("etag", ""),
	S("expect", ""),
	S("expires", ""),
	S("from", ""),
	S("host", ""),
	S("if-match", ""),
	S("if-modified-since", ""),
	S("if-none-match", ""),
	S("if-range", ""),
	S("if-unmodified-since", ""),
	S("last-modified", ""),
	S("link", ""),
	S("location", ""),
	S("max-forwards", ""),
	S("proxy-authenticate", ""),
	S("proxy-authorization", ""),
	S("range", ""),
	S("referer", ""),
	S("refresh", ""),
	S("retry-after", ""),
	S("server", ""),
	S("set-cookie", ""),
	S("strict-transport-security", ""),
	S("transfer-encoding", ""),
	S("user-agent", ""),
	S("vary", ""),
	S("via", ""),
	S("www-authenticate", ""),
};

static struct slice str_slice(const char *s)
{
	struct slice r = { (const uint8_t *)s, strlen(s) };
	return r;
}

static bool slice_eq(struct slice a, struct slice b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* ------------------------------------------------------------------ table */

static uint32_t entry_size(size_t name_len, size_t value_len)
{
	return (uint32_t)(name_len + value_len + HPACK_ENTRY_OVERHEAD);
}

/* Drop the oldest @k entries and compact the bytes (at most 4 KiB moved). */
static void evict(struct hpack_table *t, uint32_t k)
{
	uint32_t drop = 0;

	for (uint32_t i = 0; i < k; i++) {
		drop += t->e[i].name_len + t->e[i].value_len;
		t->size -= entry_size(t->e[i].name_len, t->e[i].value_len);
	}
	t->n -= k;
	memmove(t->e, t->e + k, t->n * sizeof(t->e[0]));
	if (drop) {
		uint32_t used = t->n ? t->e[t->n - 1].off + t->e[t->n - 1].name_len +
						t->e[t->n - 1].value_len - drop
				     : 0;

		memmove(t->data, t->data + drop, used);
	}
	for (uint32_t i = 0; i < t->n; i++)
		t->e[i].off -= drop;
}

static void evict_to(struct hpack_table *t, uint32_t limit)
{
	uint32_t k = 0, size = t->size;

	while (k < t->n && size > limit) {
		size -= entry_size(t->e[k].name_len, t->e[k].value_len);
		k++;
	}
	if (k)
		evict(t, k);
}

void hpack_table_init(struct hpack_table *t, uint32_t max_size)
{
	t->size = 0;
	t->n = 0;
	t->max_size = max_size < H2_HPACK_TABLE_SIZE ? max_size : H2_HPACK_TABLE_SIZE;
}

void hpack_table_resize(struct hpack_table *t, uint32_t max_size)
{
	t->max_size = max_size < H2_HPACK_TABLE_SIZE ? max_size : H2_HPACK_TABLE_SIZE;
	evict_to(t, t->max_size);
}

void hpack_table_add(struct hpack_table *t, struct slice name, struct slice value)
{
	uint32_t off;

	/* RFC 7541 §4.4: an entry larger than the table empties it and is not added. */
	if (name.len + value.len > t->max_size || entry_size(name.len, value.len) > t->max_size) {
		evict_to(t, 0);
		return;
	}
	evict_to(t, t->max_size - entry_size(name.len, value.len));
	if (t->n == HPACK_MAX_ENTRIES)
		evict(t, 1); /* cannot happen: 128 entries of 32 bytes fill 4096 */
	off = t->n ? t->e[t->n - 1].off + t->e[t->n - 1].name_len + t->e[t->n - 1].value_len : 0;
	if (name.len)
		memcpy(t->data + off, name.p, name.len);
	if (value.len)
		memcpy(t->data + off + name.len, value.p, value.len);
	t->e[t->n].off = off;
	t->e[t->n].name_len = (uint32_t)name.len;
	t->e[t->n].value_len = (uint32_t)value.len;
	t->n++;
	t->size += entry_size(name.len, value.len);
}

bool hpack_table_get(const struct hpack_table *t, uint32_t index, struct slice *name,
		     struct slice *value)
{
	uint32_t i;

	if (index == 0)
		return false;
	if (index <= HPACK_STATIC_COUNT) {
		*name = str_slice(static_table[index - 1].name);
		*value = str_slice(static_table[index - 1].value);
		return true;
	}
	index -= HPACK_STATIC_COUNT;
	if (index > t->n)
		return false;
	/* Dynamic index 1 is the newest entry (RFC 7541 §2.3.3). */
	i = t->n - index;
	name->p = t->data + t->e[i].off;
	name->len = t->e[i].name_len;
	value->p = name->p + name->len;
	value->len = t->e[i].value_len;
	return true;
}

/* --------------------------------------------------------------- integers */

void hpack_int_put(struct wr *w, uint8_t first, unsigned prefix, uint32_t v)
{
	uint32_t max = (1u << prefix) - 1;

	if (v < max) {
		wr_u8(w, (uint8_t)(first | v));
		return;
	}
	wr_u8(w, (uint8_t)(first | max));
	v -= max;
	while (v >= 128) {
		wr_u8(w, (uint8_t)(0x80 | (v & 0x7f)));
		v >>= 7;
	}
	wr_u8(w, (uint8_t)v);
}

int hpack_int_get(struct rd *r, unsigned prefix, uint32_t *v)
{
	uint32_t max = (1u << prefix) - 1, val;
	unsigned shift = 0;
	uint8_t b;

	if (rd_left(r) < 1)
		return -EAGAIN;
	val = rd_u8(r) & max;
	if (val < max) {
		*v = val;
		return 0;
	}
	do {
		uint32_t add;

		if (rd_left(r) < 1)
			return -EAGAIN;
		b = rd_u8(r);
		add = b & 0x7f;
		/* nghttp2's checks: shift past 32 bits, or adding overflows. */
		if (shift >= 32 || (add && (UINT32_MAX >> shift) < add))
			return -EILSEQ;
		add <<= shift;
		if (UINT32_MAX - val < add)
			return -EILSEQ;
		val += add;
		shift += 7;
	} while (b & 0x80);
	*v = val;
	return 0;
}

/* ---------------------------------------------------------------- Huffman */

size_t hpack_huff_encoded_len(struct slice s)
{
	uint64_t bits = 0;

	for (size_t i = 0; i < s.len; i++)
		bits += hpack_huff_len[s.p[i]];
	return (size_t)((bits + 7) / 8);
}

void hpack_huff_encode(struct wr *w, struct slice s)
{
	uint64_t acc = 0;
	unsigned n = 0;

	for (size_t i = 0; i < s.len; i++) {
		acc = (acc << hpack_huff_len[s.p[i]]) | hpack_huff_code[s.p[i]];
		n += hpack_huff_len[s.p[i]];
		while (n >= 8) {
			n -= 8;
			wr_u8(w, (uint8_t)(acc >> n));
		}
	}
	/* Pad with the most significant bits of EOS (all ones), RFC 7541 §5.2. */
	if (n)
		wr_u8(w, (uint8_t)((acc << (8 - n)) | (0xffu >> n)));
}

int hpack_huff_decode(struct slice in, uint8_t *out, size_t cap)
{
	uint32_t code = 0;
	unsigned len = 0;
	size_t n = 0;

	for (size_t i = 0; i < in.len; i++) {
		for (int bit = 7; bit >= 0; bit--) {
			uint32_t k;

			code = (code << 1) | ((in.p[i] >> bit) & 1u);
			len++;
			k = code - hpack_huff_first[len];
			if (k >= hpack_huff_count[len])
				continue;
			k = hpack_huff_sym[hpack_huff_offset[len] + k];
			if (k == 256)
				return -EILSEQ; /* EOS in a string, RFC 7541 §5.2 */
			if (n == cap)
				return -EMSGSIZE;
			out[n++] = (uint8_t)k;
			code = 0;
			len = 0;
		}
	}
	/* Padding: fewer than 8 bits, all ones (a prefix of EOS). */
	if (len > 7 || code != (1u << len) - 1)
		return -EILSEQ;
	return (int)n;
}

/* ---------------------------------------------------------------- decoder */

void hpack_dec_init(struct hpack_dec *d, uint32_t settings_max)
{
	hpack_table_init(&d->t, settings_max);
	d->settings_max = d->t.max_size;
}

/*
 * A string literal (RFC 7541 §5.2) into *@out: borrowed from the block, or
 * Huffman-decoded into @scratch. A decoded string over HPACK_MAX_STRING is
 * reported by *@oversize with its length only (it can fit neither a header
 * list nor the table).
 */
static int get_string(struct rd *r, uint8_t *scratch, struct slice *out, size_t *oversize,
		      const char **why)
{
	uint32_t len;
	bool huff;
	struct slice raw;
	int ret;

	*oversize = 0;
	if (rd_left(r) < 1)
		goto truncated;
	huff = *r->p & 0x80;
	ret = hpack_int_get(r, 7, &len);
	if (ret == -EAGAIN)
		goto truncated;
	if (ret < 0) {
		*why = "hpack string length overflows";
		return ret;
	}
	if (!rd_bytes(r, len, &raw))
		goto truncated;
	if (!huff) {
		*out = raw;
		if (raw.len > HPACK_MAX_STRING) {
			*oversize = raw.len;
			out->len = 0;
		}
		return 0;
	}
	ret = hpack_huff_decode(raw, scratch, HPACK_MAX_STRING);
	if (ret == -EMSGSIZE) {
		/* Too long to keep: still check the code, then report only its size. */
		*oversize = HPACK_MAX_STRING + 1;
		out->p = scratch;
		out->len = 0;
		return 0;
	}
	if (ret < 0) {
		*why = "bad hpack huffman string";
		return ret;
	}
	out->p = scratch;
	out->len = (size_t)ret;
	return 0;
truncated:
	*why = "truncated hpack string";
	return -EILSEQ;
}

struct dec_state {
	hpack_emit_fn emit;
	void *ctx;
	size_t list, max_list;
	int err;
};

static void deliver(struct dec_state *st, struct slice name, struct slice value, size_t extra,
		    unsigned flags)
{
	size_t sz = name.len + value.len + extra + HPACK_ENTRY_OVERHEAD;

	if (st->err)
		return;
	if (sz > st->max_list - st->list || st->list > st->max_list) {
		st->list = st->max_list + 1;
		st->err = -E2BIG;
		return;
	}
	st->list += sz;
	st->err = st->emit(st->ctx, name, value, flags);
	if (st->err > 0)
		st->err = 0;
}

/* A literal field (RFC 7541 §6.2): @prefix bits of name index. */
static int literal(struct hpack_dec *d, struct rd *r, unsigned prefix, bool add, unsigned flags,
		   struct dec_state *st, const char **why)
{
	struct slice name, value, dummy;
	size_t name_big = 0, value_big = 0;
	uint32_t idx;
	int ret;

	ret = hpack_int_get(r, prefix, &idx);
	if (ret < 0) {
		*why = "bad hpack name index";
		return -EILSEQ;
	}
	if (idx) {
		if (!hpack_table_get(&d->t, idx, &name, &dummy)) {
			*why = "hpack name index out of range";
			return -EILSEQ;
		}
		if (idx > HPACK_STATIC_COUNT) {
			/* hpack_table_add() below may move or evict it. */
			memcpy(d->scratch[0], name.p, name.len);
			name.p = d->scratch[0];
		}
	} else {
		ret = get_string(r, d->scratch[0], &name, &name_big, why);
		if (ret < 0)
			return ret;
	}
	ret = get_string(r, d->scratch[1], &value, &value_big, why);
	if (ret < 0)
		return ret;
	/* Emit before adding: adding may evict the entry the name came from. */
	if (name_big || value_big) {
		deliver(st, name, value, name_big + value_big, flags);
		if (add)
			evict_to(&d->t, 0); /* bigger than any table */
		return 0;
	}
	deliver(st, name, value, 0, flags);
	if (add)
		hpack_table_add(&d->t, name, value);
	return 0;
}

static int decode_one(struct hpack_dec *d, struct rd *r, bool *fields_seen, struct dec_state *st,
		      const char **why)
{
	uint8_t b = *r->p;
	struct slice name, value;
	uint32_t v;

	if (b & 0x80) { /* §6.1 indexed */
		if (hpack_int_get(r, 7, &v) < 0 || !hpack_table_get(&d->t, v, &name, &value)) {
			*why = "hpack index out of range";
			return -EILSEQ;
		}
		*fields_seen = true;
		deliver(st, name, value, 0, 0);
		return 0;
	}
	if (b & 0x40) { /* §6.2.1 incremental indexing */
		*fields_seen = true;
		return literal(d, r, 6, true, 0, st, why);
	}
	if (b & 0x20) { /* §6.3 dynamic table size update */
		if (*fields_seen) {
			*why = "hpack table size update after a field";
			return -EILSEQ;
		}
		if (hpack_int_get(r, 5, &v) < 0 || v > d->settings_max) {
			*why = "hpack table size update over the limit";
			return -EILSEQ;
		}
		hpack_table_resize(&d->t, v);
		return 0;
	}
	*fields_seen = true;
	/* §6.2.2 without indexing (0000), §6.2.3 never indexed (0001) */
	return literal(d, r, 4, false, (b & 0x10) ? HPACK_NEVER_INDEXED : 0, st, why);
}

int hpack_decode(struct hpack_dec *d, struct slice block, size_t max_list, hpack_emit_fn emit,
		 void *ctx, const char **why)
{
	struct rd r = rd_init(block.p, block.len);
	struct dec_state st = { emit, ctx, 0, max_list, 0 };
	bool fields_seen = false;

	while (rd_left(&r)) {
		int ret = decode_one(d, &r, &fields_seen, &st, why);

		if (ret < 0)
			return ret;
	}
	if (st.err == -E2BIG)
		*why = "header list over the limit";
	return st.err;
}

/* ---------------------------------------------------------------- encoder */

void hpack_enc_init(struct hpack_enc *e, bool use_table)
{
	hpack_table_init(&e->t, use_table ? H2_HPACK_TABLE_SIZE : 0);
	e->use_table = use_table;
	e->no_huffman = false;
	e->pending_update = false;
	e->peer_max = H2_HPACK_TABLE_SIZE;
	e->pending_min = H2_HPACK_TABLE_SIZE;
}

void hpack_enc_set_peer_max(struct hpack_enc *e, uint32_t size)
{
	uint32_t want = size < H2_HPACK_TABLE_SIZE ? size : H2_HPACK_TABLE_SIZE;

	e->peer_max = size;
	if (!e->use_table) {
		/*
		 * We never index, but our size must still follow the peer's
		 * limit when it shrinks below what the peer thinks we use.
		 */
		if (size < H2_HPACK_TABLE_SIZE && !e->pending_update) {
			e->pending_update = true;
			e->pending_min = size;
		}
		return;
	}
	if (!e->pending_update || want < e->pending_min)
		e->pending_min = want < e->t.max_size ? want : e->t.max_size;
	e->pending_update = true;
	hpack_table_resize(&e->t, want);
}

void hpack_encode_begin(struct hpack_enc *e, struct wr *w)
{
	if (!e->pending_update)
		return;
	/* RFC 7541 §4.2: the smallest size first, then the final one. */
	if (e->use_table && e->pending_min < e->t.max_size)
		hpack_int_put(w, 0x20, 5, e->pending_min);
	hpack_int_put(w, 0x20, 5, e->use_table ? e->t.max_size : 0);
	e->pending_update = false;
}

static void put_string(const struct hpack_enc *e, struct wr *w, struct slice s)
{
	size_t h = hpack_huff_encoded_len(s);

	if (!e->no_huffman && s.len && h <= s.len) { /* as RFC 7541 C.6 does */
		hpack_int_put(w, 0x80, 7, (uint32_t)h);
		hpack_huff_encode(w, s);
	} else {
		hpack_int_put(w, 0, 7, (uint32_t)s.len);
		wr_bytes(w, s.p, s.len);
	}
}

/* Index of an exact match (*@exact) or of a name match, 0 when none. */
static uint32_t find(const struct hpack_enc *e, struct slice name, struct slice value, bool *exact)
{
	uint32_t name_idx = 0;
	struct slice n, v;

	*exact = false;
	for (uint32_t i = 1; i <= HPACK_STATIC_COUNT + e->t.n; i++) {
		if (!hpack_table_get(&e->t, i, &n, &v) || !slice_eq(n, name))
			continue;
		if (slice_eq(v, value)) {
			*exact = true;
			return i;
		}
		if (!name_idx)
			name_idx = i;
	}
	return name_idx;
}

void hpack_encode_field(struct hpack_enc *e, struct wr *w, struct slice name, struct slice value,
			bool never_index)
{
	bool exact, add = e->use_table && !never_index;
	uint32_t idx = find(e, name, value, &exact);

	if (exact && !never_index) {
		hpack_int_put(w, 0x80, 7, idx);
		return;
	}
	if (never_index)
		hpack_int_put(w, 0x10, 4, idx);
	else if (add)
		hpack_int_put(w, 0x40, 6, idx);
	else
		hpack_int_put(w, 0x00, 4, idx);
	if (!idx)
		put_string(e, w, name);
	put_string(e, w, value);
	if (add)
		hpack_table_add(&e->t, name, value);
}
