/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/h2 private declarations: frame codec (RFC 9113 §4, §6) and HPACK
 * (RFC 7541). Only lib/h2, its unit tests and fuzz targets include this.
 */
#ifndef DRANET_H2_INTERNAL_H
#define DRANET_H2_INTERNAL_H

#include "h2/h2.h"

/* ----------------------------------------------------------------- frames */

enum h2_frame_type {
	H2_FRAME_DATA = 0x0,
	H2_FRAME_HEADERS = 0x1,
	H2_FRAME_PRIORITY = 0x2,
	H2_FRAME_RST_STREAM = 0x3,
	H2_FRAME_SETTINGS = 0x4,
	H2_FRAME_PUSH_PROMISE = 0x5,
	H2_FRAME_PING = 0x6,
	H2_FRAME_GOAWAY = 0x7,
	H2_FRAME_WINDOW_UPDATE = 0x8,
	H2_FRAME_CONTINUATION = 0x9,
};

#define H2_FLAG_END_STREAM 0x1
#define H2_FLAG_ACK 0x1
#define H2_FLAG_END_HEADERS 0x4
#define H2_FLAG_PADDED 0x8
#define H2_FLAG_PRIORITY 0x20

enum h2_setting_id {
	H2_SETTINGS_HEADER_TABLE_SIZE = 0x1,
	H2_SETTINGS_ENABLE_PUSH = 0x2,
	H2_SETTINGS_MAX_CONCURRENT_STREAMS = 0x3,
	H2_SETTINGS_INITIAL_WINDOW_SIZE = 0x4,
	H2_SETTINGS_MAX_FRAME_SIZE = 0x5,
	H2_SETTINGS_MAX_HEADER_LIST_SIZE = 0x6,
};

#define H2_FRAME_HEADER_LEN 9u
#define H2_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define H2_PREFACE_LEN 24u
#define H2_MAX_WINDOW 0x7fffffffu
#define H2_DEFAULT_WINDOW 65535u

/* A frame as read: the 9-byte header and the borrowed payload. */
struct h2_frame {
	uint32_t len;
	uint8_t type, flags;
	uint32_t stream; /* reserved bit cleared (RFC 9113 §4.1) */
	struct slice payload;
};

/* A frame's payload, checked for its type (RFC 9113 §6). */
struct h2_frame_info {
	struct slice body; /* DATA data, HEADERS/CONTINUATION fragment, GOAWAY debug data */
	uint32_t dep; /* PRIORITY / HEADERS+PRIORITY: stream dependency */
	bool has_priority;
	uint32_t value; /* RST_STREAM / GOAWAY error code, WINDOW_UPDATE increment */
	uint32_t last_stream; /* GOAWAY */
	uint8_t ping[8];
	size_t n_settings;
};

/*
 * Push decoder for one frame from @r (RFC 9113 §4.1). Returns 0 with *@f
 * filled and r advanced past the frame (payload borrowed from r's buffer);
 * -EAGAIN when the frame is not complete yet (r unchanged); -EMSGSIZE when
 * its length is over @max_len (r unchanged, f's header fields filled).
 */
MUST_CHECK int h2_frame_decode(struct rd *r, uint32_t max_len, struct h2_frame *f,
			       const char **why);
/*
 * Check a frame's payload for its type and fill *@info: padding stripped
 * (DATA, HEADERS), priority fields split off, fixed sizes checked. Returns 0,
 * -EMSGSIZE (FRAME_SIZE_ERROR: wrong fixed length), -EPROTO (PROTOCOL_ERROR:
 * padding longer than the payload). Stream-id rules are the connection's.
 * Unknown types pass with an empty info.
 */
MUST_CHECK int h2_frame_parse(const struct h2_frame *f, struct h2_frame_info *info,
			      const char **why);
/* Setting @i (0..n_settings-1) of a parsed SETTINGS frame. */
void h2_frame_setting(const struct h2_frame *f, size_t i, uint16_t *id, uint32_t *value);
/* Write a 9-byte frame header. */
void h2_frame_header_put(struct wr *w, uint32_t len, uint8_t type, uint8_t flags, uint32_t stream);

/* ------------------------------------------------------------------ HPACK */

#define HPACK_STATIC_COUNT 61u
#define HPACK_ENTRY_OVERHEAD 32u /* RFC 7541 §4.1 */
#define HPACK_MAX_ENTRIES (H2_HPACK_TABLE_SIZE / HPACK_ENTRY_OVERHEAD)
/* Longest decoded string we keep (a longer one cannot fit a header list anyway). */
#define HPACK_MAX_STRING H2_MAX_HEADER_LIST

/*
 * The dynamic table (RFC 7541 §2.3.2): entries oldest first, their bytes
 * packed in data[] in the same order. Eviction moves at most 4 KiB.
 */
struct hpack_table {
	uint32_t size, max_size; /* RFC 7541 §4.1 accounting */
	uint32_t n;
	struct {
		uint32_t off, name_len, value_len;
	} e[HPACK_MAX_ENTRIES];
	uint8_t data[H2_HPACK_TABLE_SIZE];
};

/* Field flags handed to the decoder's emit callback. */
#define HPACK_NEVER_INDEXED 0x1 /* RFC 7541 §6.2.3: keep it literal if forwarded */

/*
 * emit: one decoded field; the slices are valid during the call only. A
 * negative return is remembered (the first one is returned by
 * hpack_decode()), no later field is emitted, and decoding goes on so the
 * table stays in sync.
 */
typedef int (*hpack_emit_fn)(void *ctx, struct slice name, struct slice value, unsigned flags);

struct hpack_dec {
	struct hpack_table t;
	uint32_t settings_max; /* our SETTINGS_HEADER_TABLE_SIZE: size updates above it are errors */
	uint8_t scratch[2][HPACK_MAX_STRING]; /* Huffman-decoded name and value */
};

struct hpack_enc {
	struct hpack_table t;
	bool use_table; /* index fields in the dynamic table */
	bool no_huffman; /* raw strings only (tests: RFC 7541 C.3, C.5) */
	bool pending_update; /* a size update starts the next block */
	uint32_t pending_min; /* smallest size since the last block (RFC 7541 §4.2) */
	uint32_t peer_max; /* the peer's SETTINGS_HEADER_TABLE_SIZE */
};

void hpack_table_init(struct hpack_table *t, uint32_t max_size);
/* Static (1..61) then dynamic (62..) entry @index; false when out of range. */
bool hpack_table_get(const struct hpack_table *t, uint32_t index, struct slice *name,
		     struct slice *value);
/* Add an entry, evicting as needed (an entry bigger than max_size empties the table). */
void hpack_table_add(struct hpack_table *t, struct slice name, struct slice value);
/* Change the maximum size, evicting as needed. */
void hpack_table_resize(struct hpack_table *t, uint32_t max_size);

void hpack_dec_init(struct hpack_dec *d, uint32_t settings_max);
/*
 * Decode a whole header block (RFC 7541 §3, §6), calling @emit per field.
 * Fields are counted as RFC 9113 §6.5.2 does (name + value + 32); past
 * @max_list bytes no field is emitted. Returns 0; -EILSEQ (COMPRESSION_ERROR:
 * a bad index, integer, Huffman code or size update; the table is then out
 * of sync); -E2BIG (the list was over @max_list; the table is in sync);
 * or the first error @emit returned (the table is in sync).
 */
MUST_CHECK int hpack_decode(struct hpack_dec *d, struct slice block, size_t max_list,
			    hpack_emit_fn emit, void *ctx, const char **why);

/* @use_table: index new fields (with incremental indexing) in the dynamic table. */
void hpack_enc_init(struct hpack_enc *e, bool use_table);
/* The peer's SETTINGS_HEADER_TABLE_SIZE changed (RFC 7541 §4.2, RFC 9113 §6.5.2). */
void hpack_enc_set_peer_max(struct hpack_enc *e, uint32_t size);
/* Start a block: the pending dynamic table size update(s), if any. */
void hpack_encode_begin(struct hpack_enc *e, struct wr *w);
/*
 * Encode one field: an exact static or dynamic match as an index, else a
 * literal (indexed name when there is one; incremental indexing when the
 * table is used and @never_index is false, "never indexed" when it is set),
 * strings Huffman-coded when that is not longer (as RFC 7541 C.6). Errors set w->err.
 */
void hpack_encode_field(struct hpack_enc *e, struct wr *w, struct slice name, struct slice value,
			bool never_index);

/* Integers (RFC 7541 §5.1): @prefix bits 1..8; @first holds the bits above the prefix. */
void hpack_int_put(struct wr *w, uint8_t first, unsigned prefix, uint32_t v);
/* Returns 0, -EAGAIN (truncated) or -EILSEQ (over UINT32_MAX or 10 bytes). */
MUST_CHECK int hpack_int_get(struct rd *r, unsigned prefix, uint32_t *v);

/* Huffman (RFC 7541 §5.2, Appendix B). */
size_t hpack_huff_encoded_len(struct slice s);
void hpack_huff_encode(struct wr *w, struct slice s);
/*
 * Decode @in into @out (at most @cap bytes). Returns the decoded length,
 * -EILSEQ (EOS symbol, padding over 7 bits or not all ones), -EMSGSIZE
 * (over @cap).
 */
MUST_CHECK int hpack_huff_decode(struct slice in, uint8_t *out, size_t cap);

extern const uint32_t hpack_huff_code[257];
extern const uint8_t hpack_huff_len[257];
extern const uint32_t hpack_huff_first[31];
extern const uint16_t hpack_huff_count[31];
extern const uint16_t hpack_huff_offset[31];
extern const uint16_t hpack_huff_sym[257];

#endif
