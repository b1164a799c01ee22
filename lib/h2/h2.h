/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/h2: an HTTP/2 server connection (RFC 9113) with HPACK (RFC 7541), as
 * the kubelet's grpc-go and grpcio clients use it (reference/protocols.md §3).
 *
 * Push style (BearSSL, nghttp2): the caller reads bytes from its socket and
 * hands them to h2_conn_feed(); frames to send collect in an output queue the
 * caller drains with h2_conn_output() + h2_conn_consume() (or h2_conn_io() on
 * a non-blocking fd). Requests arrive through callbacks; responses are queued
 * with h2_submit_*() and leave as the peer's flow-control windows allow.
 *
 * Each stream owns one arena (STYLE.md 2.4), opened with its HEADERS and freed
 * in one call after on_close. A peer that breaks the protocol costs its stream
 * (RST_STREAM) or its connection (GOAWAY), with the RFC's error code.
 *
 * Not thread-safe: one connection belongs to one event loop.
 */
#ifndef DRANET_H2_H2_H
#define DRANET_H2_H2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

/* ----------------------------------------------------------------- limits */

/* SETTINGS_MAX_FRAME_SIZE we accept and never exceed when sending (grpc-go reads 16384). */
#define H2_MAX_FRAME_SIZE 16384u
/* HPACK dynamic table of our decoder (RFC 7541 default, what grpc-go assumes). */
#define H2_HPACK_TABLE_SIZE 4096u
/* SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 §6.5.2 accounting, +32 per field): gRPC needs ~1 KiB. */
#define H2_MAX_HEADER_LIST 16384u
/* Encoded header block (HEADERS + CONTINUATION) we buffer before decoding it. */
#define H2_MAX_HEADER_BLOCK (4 * H2_MAX_HEADER_LIST)
/* SETTINGS_MAX_CONCURRENT_STREAMS: beyond it, RST_STREAM(REFUSED_STREAM). */
#define H2_MAX_STREAMS 100u
/* Stream and connection receive windows we advertise and keep topped up. */
#define H2_RECV_WINDOW (1u << 20)
/* A gRPC message (grpc-go's default max receive size); a bigger body is the upper layer's to refuse. */
#define H2_MAX_MESSAGE (4u << 20)
/* Per-stream arena: a whole message, its framing, and the decoded headers. */
#define H2_STREAM_ARENA_CAP (H2_MAX_MESSAGE + (256u << 10))
/* Response bytes queued per stream (a message plus framing). */
#define H2_STREAM_OUT_CAP (H2_MAX_MESSAGE + (64u << 10))
/* Streams the peer resets before our answer, net of answered ones ("rapid reset", CVE-2023-44487). */
#define H2_MAX_RESET_DEBT 1000u
/* Bytes of frames waiting for the socket; more means the peer does not read. */
#define H2_CONN_OUT_CAP (1u << 20)

/* ------------------------------------------------------------ error codes */

/* RFC 9113 §7. */
enum h2_errcode {
	H2_NO_ERROR = 0x0,
	H2_PROTOCOL_ERROR = 0x1,
	H2_INTERNAL_ERROR = 0x2,
	H2_FLOW_CONTROL_ERROR = 0x3,
	H2_SETTINGS_TIMEOUT = 0x4,
	H2_STREAM_CLOSED = 0x5,
	H2_FRAME_SIZE_ERROR = 0x6,
	H2_REFUSED_STREAM = 0x7,
	H2_CANCEL = 0x8,
	H2_COMPRESSION_ERROR = 0x9,
	H2_CONNECT_ERROR = 0xa,
	H2_ENHANCE_YOUR_CALM = 0xb,
	H2_INADEQUATE_SECURITY = 0xc,
	H2_HTTP_1_1_REQUIRED = 0xd,
};

/*
 * The one mapping from our -errno codes to RFC 9113 error codes:
 *   0 NO_ERROR, -EPROTO/-EBADMSG/-EINVAL PROTOCOL_ERROR, -EOVERFLOW
 *   FLOW_CONTROL_ERROR, -ETIMEDOUT SETTINGS_TIMEOUT, -EPIPE STREAM_CLOSED,
 *   -EMSGSIZE FRAME_SIZE_ERROR, -EBUSY REFUSED_STREAM, -ECANCELED CANCEL,
 *   -EILSEQ COMPRESSION_ERROR, -E2BIG ENHANCE_YOUR_CALM, anything else
 *   (-ENOMEM included) INTERNAL_ERROR.
 */
uint32_t h2_errcode_from_err(int err);
/* "PROTOCOL_ERROR", ...; "UNKNOWN" for codes outside RFC 9113 §7. */
const char *h2_errcode_name(uint32_t code);

/* ----------------------------------------------------------------- fields */

/* A header field. Names are lowercase (validated on input, the caller's duty on output). */
struct h2_field {
	struct slice name, value;
};

static inline struct h2_field h2_field_str(const char *name, const char *value)
{
	struct h2_field f = { { (const uint8_t *)name, strlen(name) },
			      { (const uint8_t *)value, strlen(value) } };
	return f;
}

/*
 * A validated request (RFC 9113 §8.3.1): the pseudo-header values, then the
 * regular fields in arrival order (pseudo-headers not included). Everything
 * lives in the stream's arena until on_close returns.
 */
struct h2_request {
	struct slice method, scheme, path, authority;
	const struct h2_field *fields;
	size_t n_fields;
};

/* The value of the first regular field named @name (lowercase), or NULL. */
const struct slice *h2_request_field(const struct h2_request *req, const char *name);

/* ---------------------------------------------------------- the connection */

struct h2_conn;
struct h2_stream;

/*
 * Callbacks, called only from inside h2_conn_feed(), h2_conn_output(),
 * h2_conn_io() and h2_conn_free(); never from inside h2_submit_*() or
 * h2_stream_reset(), which only queue. @user is h2_conn_new()'s.
 *
 * on_request: a request's header block is complete and valid. @end_stream:
 *   no body follows. Return 0, or -errno to reset the stream with
 *   h2_errcode_from_err(ret) (on_close follows).
 * on_data: body bytes (borrowed; valid during the call), possibly empty when
 *   only @end_stream is news (END_STREAM on an empty DATA or on trailers).
 *   The windows are replenished once it returns. Return 0 or -errno as above.
 * on_close: the stream is gone: @code is H2_NO_ERROR after a complete exchange
 *   (our END_STREAM sent), the peer's RST_STREAM code, the code of a reset we
 *   sent, or H2_CANCEL when the connection ends under it. Called once for each
 *   stream that got on_request. Its arena is freed right after.
 */
struct h2_callbacks {
	int (*on_request)(void *user, struct h2_stream *s, const struct h2_request *req,
			  bool end_stream);
	int (*on_data)(void *user, struct h2_stream *s, struct slice data, bool end_stream);
	void (*on_close)(void *user, struct h2_stream *s, uint32_t code);
};

/*
 * A server connection. Our SETTINGS (and a connection WINDOW_UPDATE) are
 * queued at once, so the first bytes out precede the client's preface
 * (protocols.md §3.1). Returns NULL when out of memory. @cb is copied.
 */
struct h2_conn *h2_conn_new(const struct h2_callbacks *cb, void *user);
/* Calls on_close(H2_CANCEL) for the streams still open, then frees everything. */
void h2_conn_free(struct h2_conn *c);

/*
 * Feed bytes read from the peer. All of @in is consumed (a partial frame is
 * kept, at most one frame). Returns 0, or on a connection error the -errno
 * that h2_errcode_from_err() maps to the GOAWAY code that is now queued (then
 * *@why says what went wrong): flush the output and close. After such an
 * error, or once h2_conn_is_done(), further input is ignored.
 */
MUST_CHECK int h2_conn_feed(struct h2_conn *c, const void *in, size_t len, const char **why);

/*
 * Bytes ready to write: fills *@out with the queued frames (borrowed, valid
 * until the next call on @c), first moving queued response data into frames
 * as the peer's windows allow. Returns out->len (0 when nothing is pending).
 * h2_conn_consume() drops @n written bytes from the front.
 */
size_t h2_conn_output(struct h2_conn *c, struct slice *out);
void h2_conn_consume(struct h2_conn *c, size_t n);
/* True when frames are queued or could be made now (poll for EPOLLOUT). */
bool h2_conn_want_write(struct h2_conn *c);

/*
 * Graceful close: GOAWAY(last stream id, NO_ERROR); later streams are
 * ignored; streams already open finish. Idempotent.
 */
void h2_conn_shutdown(struct h2_conn *c);
/*
 * True when the connection has nothing more to do: after a connection error,
 * after our shutdown with no stream left, or when the peer sent GOAWAY and no
 * stream is left; in all cases once the output is drained.
 */
bool h2_conn_is_done(const struct h2_conn *c);

/*
 * The fd driver for an epoll loop: read everything the non-blocking @fd has
 * (feeding it), then write what it can. Returns 1 while the connection goes
 * on, 0 when it is finished (peer EOF, done, or after a connection error
 * whose GOAWAY was written as far as possible): close @fd and free @c; or
 * -errno for a socket error. *@why (may be NULL) gets the protocol error.
 */
MUST_CHECK int h2_conn_io(struct h2_conn *c, int fd, const char **why);

/* ---------------------------------------------------------------- streams */

uint32_t h2_stream_id(const struct h2_stream *s);
/* The stream's arena (cap H2_STREAM_ARENA_CAP), freed after on_close. */
struct arena *h2_stream_arena(struct h2_stream *s);
void h2_stream_set_user(struct h2_stream *s, void *p);
void *h2_stream_user(const struct h2_stream *s);

/*
 * Queue the response HEADERS: ":status" @status, then @fields (lowercase
 * names). @end_stream makes it the whole response (gRPC trailers-only).
 * Returns 0, -EINVAL (headers already sent, stream finished, status out of
 * 100..999), -EMSGSIZE (block over H2_MAX_HEADER_LIST), -ENOMEM.
 */
MUST_CHECK int h2_submit_headers(struct h2_conn *c, struct h2_stream *s, int status,
				 const struct h2_field *fields, size_t n, bool end_stream);
/*
 * Queue response body bytes (copied); sent in DATA frames as the windows
 * open. Returns 0, -EINVAL (no headers yet or stream finished), -EMSGSIZE
 * (over H2_STREAM_OUT_CAP queued), -ENOMEM.
 */
MUST_CHECK int h2_submit_data(struct h2_conn *c, struct h2_stream *s, const void *p, size_t n,
			      bool end_stream);
/*
 * Queue trailers (HEADERS with END_STREAM) after the queued data. Returns 0,
 * -EINVAL (no headers yet or stream finished), -EMSGSIZE, -ENOMEM.
 */
MUST_CHECK int h2_submit_trailers(struct h2_conn *c, struct h2_stream *s,
				  const struct h2_field *fields, size_t n);
/*
 * Reset the stream with @code (RST_STREAM goes out ahead of its queued
 * data); on_close(@code) follows from the next h2_conn_output()/io call.
 */
void h2_stream_reset(struct h2_conn *c, struct h2_stream *s, uint32_t code);

#endif
