/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/base: the ground every other area stands on.
 *
 * - arena: one capped allocation pool per request/scan, freed in one call
 * - struct slice / struct rd / struct wr: bounds-checked readers and writers
 *   for untrusted input and for output with a fixed capacity
 * - struct buf: a growable output buffer with a hard cap
 * - log: one logfmt line per call on stderr
 * - small fd and time helpers
 *
 * Return convention (STYLE.md 2.3): 0 or a count on success, -errno on failure.
 */
#ifndef DRANET_BASE_BASE_H
#define DRANET_BASE_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MUST_CHECK __attribute__((warn_unused_result))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define ARRAY_SIZE(x) (sizeof(x) / sizeof((x)[0]))
#define UNUSED __attribute__((unused))

/* Overflow-checked size arithmetic: true when the result would not fit. */
#define size_add_overflows(a, b, res) __builtin_add_overflow((a), (b), (res))
#define size_mul_overflows(a, b, res) __builtin_mul_overflow((a), (b), (res))

/* ------------------------------------------------------------------ arena */

/*
 * An arena hands out zeroed, 16-byte aligned memory from chunks it owns and
 * frees everything in arena_free(). It never grows past @cap bytes (chunk
 * overhead included): at the cap arena_alloc() returns NULL and the caller
 * returns -ENOMEM. Not thread-safe.
 */
struct arena;

/* Arena sizes used across the tree; each user may choose a smaller cap. */
#define ARENA_CAP_DEFAULT (64u << 20) /* a whole node scan of 4000 links fits */

struct arena *arena_new(size_t cap);
void arena_free(struct arena *a);
/* arena_free() after overwriting every byte handed out (secrets: tokens, keys). */
void arena_free_wipe(struct arena *a);
/* Drop every allocation but keep the first chunk for reuse. */
void arena_reset(struct arena *a);
void *arena_alloc(struct arena *a, size_t n);
/* Overflow-checked n * size allocation; NULL on overflow or at the cap. */
void *arena_calloc(struct arena *a, size_t n, size_t size);
/* Resize the block @p (of @old bytes, from this arena) to @n bytes. */
void *arena_realloc(struct arena *a, void *p, size_t old, size_t n);
void *arena_dup(struct arena *a, const void *p, size_t n);
/* Copy @n bytes of @s and NUL-terminate (s need not be terminated). */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Bytes handed out so far, and the cap. */
size_t arena_used(const struct arena *a);
size_t arena_cap(const struct arena *a);

/* ------------------------------------------------------------------ slice */

struct slice {
	const uint8_t *p;
	size_t len;
};

static inline bool slice_eq_str(struct slice s, const char *str)
{
	return s.len == strlen(str) && (s.len == 0 || memcmp(s.p, str, s.len) == 0);
}

/* -------------------------------------------------------------- rd and wr */

/*
 * A reader over untrusted bytes [p, end). Every read checks the length; on a
 * short read the sticky err flag is set and reads return 0 or an empty slice.
 * Check r.err once per message.
 */
struct rd {
	const uint8_t *p, *end;
	bool err;
};

static inline struct rd rd_init(const void *p, size_t n)
{
	struct rd r = { (const uint8_t *)p, (const uint8_t *)p + n, false };
	return r;
}

static inline size_t rd_left(const struct rd *r)
{
	return (size_t)(r->end - r->p);
}

uint8_t rd_u8(struct rd *r);
uint16_t rd_be16(struct rd *r);
uint32_t rd_be24(struct rd *r);
uint32_t rd_be32(struct rd *r);
/* Host-endian (netlink) reads. */
uint16_t rd_ne16(struct rd *r);
uint32_t rd_ne32(struct rd *r);
uint64_t rd_ne64(struct rd *r);
/* Protobuf base-128 varint: at most 10 bytes, else err. */
uint64_t rd_varint(struct rd *r);
/* Borrow @n bytes; returns false (and sets err) when fewer are left. */
bool rd_bytes(struct rd *r, size_t n, struct slice *out);
bool rd_skip(struct rd *r, size_t n);

/*
 * A writer into a caller buffer [p, end). Writes past the end set the sticky
 * err flag and write nothing.
 */
struct wr {
	uint8_t *start, *p, *end;
	bool err;
};

static inline struct wr wr_init(void *p, size_t n)
{
	struct wr w = { (uint8_t *)p, (uint8_t *)p, (uint8_t *)p + n, false };
	return w;
}

static inline size_t wr_len(const struct wr *w)
{
	return (size_t)(w->p - w->start);
}

void wr_u8(struct wr *w, uint8_t v);
void wr_be16(struct wr *w, uint16_t v);
void wr_be24(struct wr *w, uint32_t v);
void wr_be32(struct wr *w, uint32_t v);
void wr_ne16(struct wr *w, uint16_t v);
void wr_ne32(struct wr *w, uint32_t v);
void wr_varint(struct wr *w, uint64_t v);
void wr_bytes(struct wr *w, const void *p, size_t n);
/* Reserve @n bytes and return where they start (NULL and err when full). */
void *wr_reserve(struct wr *w, size_t n);

/* -------------------------------------------------------------------- buf */

/*
 * A growable byte buffer on the heap with a hard cap, always NUL-terminated
 * (the NUL is not counted in len). Once an append fails, err stays set and
 * later appends do nothing; buf_put*() return -ENOMEM or 0.
 */
struct buf {
	char *p;
	size_t len, size, cap;
	bool err;
};

#define BUF_CAP_DEFAULT (64u << 20)

void buf_init(struct buf *b, size_t cap);
void buf_fini(struct buf *b);
void buf_reset(struct buf *b);
MUST_CHECK int buf_put(struct buf *b, const void *p, size_t n);
MUST_CHECK int buf_puts(struct buf *b, const char *s);
MUST_CHECK int buf_putc(struct buf *b, char c);
MUST_CHECK int buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
MUST_CHECK int buf_vprintf(struct buf *b, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);

/* -------------------------------------------------------------------- log */

/*
 * One logfmt line per call on stderr:
 *   level=info applet=discover msg="scan done" devices=4
 * @msg is the fixed message (lowercase, no trailing period); @kv is an
 * optional printf format for "key=value ..." pairs (NULL for none). The level
 * and applet name are the one piece of process-wide state in lib/: they are
 * set once by the applet at start.
 */
enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

void log_setup(const char *applet, int level);
int log_level(void);
/* Map a klog-style -v number (0..10) to our levels: 0-1 info, >=2 debug. */
int log_level_from_verbosity(int v);
void log_msg(int level, const char *msg, const char *kv, ...) PRINTF_LIKE(3, 4);

#define log_err(msg, ...) log_msg(LOG_ERR, msg, __VA_ARGS__)
#define log_warn(msg, ...) log_msg(LOG_WARN, msg, __VA_ARGS__)
#define log_info(msg, ...) log_msg(LOG_INFO, msg, __VA_ARGS__)
#define log_debug(msg, ...)                                                                        \
	do {                                                                                       \
		if (log_level() >= LOG_DEBUG)                                                      \
			log_msg(LOG_DEBUG, msg, __VA_ARGS__);                                      \
	} while (0)

/* ------------------------------------------------------------- fd and time */

/*
 * Read the whole file at @path (relative to @dirfd, or AT_FDCWD) into @out,
 * at most @cap - 1 bytes, NUL-terminated. Returns the length, -EMSGSIZE when
 * the file is larger than cap - 1, or -errno.
 */
MUST_CHECK int fd_read_file(int dirfd, const char *path, char *out, size_t cap);
/* As fd_read_file, then strip trailing whitespace (sysfs values end in \n). */
MUST_CHECK int fd_read_line(int dirfd, const char *path, char *out, size_t cap);
/* Write all @n bytes, retrying on EINTR and short writes. */
MUST_CHECK int fd_write_all(int fd, const void *p, size_t n);
/*
 * socket(@domain, @type, @protocol) created in the network namespace at
 * @netns_path (e.g. /proc/PID/ns/net, /run/netns/NAME), or in the current one
 * when NULL: setns there, socket(), setns back. The socket stays in that
 * namespace for life. Returns the fd or -errno; a failure to return to the
 * original namespace is reported (the socket is then closed).
 */
MUST_CHECK int fd_socket_netns(const char *netns_path, int domain, int type, int protocol);
/* Monotonic clock in nanoseconds and milliseconds. */
uint64_t time_now_ns(void);
uint64_t time_now_ms(void);

/* ----------------------------------------------------------------- string */

/* Copy with truncation check: -EMSGSIZE (dst untouched beyond a NUL) when too long. */
MUST_CHECK int str_copy(char *dst, size_t size, const char *src);
/* Parse a whole decimal/hex/octal (base 0) or base-@base integer; -EINVAL if not all of it. */
MUST_CHECK int str_to_i64(const char *s, int base, int64_t *out);
bool str_has_prefix(const char *s, const char *prefix);
/* The value of an ASCII hex digit (0-9, a-f, A-F), else -1. */
int str_hex_digit(int c);

/* ----------------------------------------------------------------- base64 */

/*
 * Standard base64 (RFC 4648 §4) decoding as Go's base64.StdEncoding.Decode
 * does it (what encoding/json uses for []byte, e.g. kubeconfig *-data
 * fields): alphabet A-Z a-z 0-9 + /, '=' padding required, CR and LF
 * skipped anywhere, any other byte (spaces included) an error, nothing but
 * CR/LF after the padding, unused low bits of the last group ignored (Go's
 * non-Strict mode). base64_decoded_max() bounds the output for @n input
 * bytes. base64_decode() writes at most @cap bytes to @out and returns the
 * decoded length, -EBADMSG (not base64; *@at = offset of the bad byte when
 * @at is not NULL) or -EMSGSIZE (@cap too small, or over INT32_MAX).
 */
size_t base64_decoded_max(size_t n);
MUST_CHECK int base64_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *at);

#endif
