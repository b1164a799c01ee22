/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/grpc: the gRPC unary server, as the kubelet's grpc-go client uses it
 * (reference/protocols.md §3; gRPC's PROTOCOL-HTTP2.md).
 *
 * The call layer does not know the transport. The transport (lib/h2's stream
 * callbacks, or a test) feeds one call per stream:
 *
 *	c = grpc_call_new(srv, now);            HEADERS opened a stream
 *	grpc_call_header(c, name, value) ...    each decoded header field
 *	grpc_call_headers_end(c, end_stream, now)
 *	grpc_call_data(c, p, n, end_stream, now) each DATA payload
 *
 * and after each step checks grpc_call_replied(): the reply is then in
 * grpc_call_reply() — :status, the framed response message (empty for a
 * trailers-only answer), grpc-status and the percent-encoded grpc-message —
 * and the transport sends HEADERS (:status, content-type application/grpc),
 * DATA, trailers. A handler may answer later (-EINPROGRESS): the call's
 * on_reply hook then says it has its reply. grpc_call_expire()
 * answers DEADLINE_EXCEEDED once grpc-timeout has passed;
 * grpc_call_cancel() tells a pending handler the client went away (RST_STREAM,
 * connection closed). grpc_call_free() frees the call and everything decoded
 * for it (one arena per call, STYLE.md 2.4).
 *
 * Request messages are decoded by protobuf-c's own unpack, after a size check
 * (GRPC_MSG_MAX) and with an allocator backed by the call's capped arena, so
 * a hostile message costs at most GRPC_CALL_ARENA_CAP and then fails with
 * RESOURCE_EXHAUSTED. The messages we decode have no recursive types, so the
 * unpacker's recursion depth is fixed by the schema, not by the input.
 *
 * Not thread-safe; one owner (the event loop).
 */
#ifndef DRANET_GRPC_GRPC_H
#define DRANET_GRPC_GRPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

/* protobuf-c's descriptor type; its header stays out of ours (STYLE.md 2.7). */
struct ProtobufCMessageDescriptor;

/* grpc-go's default max receive message size: a request over it is RESOURCE_EXHAUSTED. */
#define GRPC_MSG_MAX (4u << 20)
/*
 * One call's arena: the message as it arrives (grown by doubling, so up to
 * 2 x 4 MiB), protobuf-c's decoded tree and the encoded response. A request
 * of millions of empty repeated entries hits this cap and fails cleanly.
 */
#define GRPC_CALL_ARENA_CAP (24u << 20)
/* Longest :path we look up (method names are short; longer is UNIMPLEMENTED). */
#define GRPC_PATH_MAX 256
/* Longest grpc-message text we send, before percent-encoding (3x after). */
#define GRPC_MESSAGE_MAX 512

/* Status codes (grpc/doc/statuscodes.md). */
enum grpc_status {
	GRPC_OK = 0,
	GRPC_CANCELLED = 1,
	GRPC_UNKNOWN = 2,
	GRPC_INVALID_ARGUMENT = 3,
	GRPC_DEADLINE_EXCEEDED = 4,
	GRPC_NOT_FOUND = 5,
	GRPC_ALREADY_EXISTS = 6,
	GRPC_PERMISSION_DENIED = 7,
	GRPC_RESOURCE_EXHAUSTED = 8,
	GRPC_FAILED_PRECONDITION = 9,
	GRPC_ABORTED = 10,
	GRPC_OUT_OF_RANGE = 11,
	GRPC_UNIMPLEMENTED = 12,
	GRPC_INTERNAL = 13,
	GRPC_UNAVAILABLE = 14,
	GRPC_DATA_LOSS = 15,
	GRPC_UNAUTHENTICATED = 16,
};

/* "OK", "UNIMPLEMENTED", ...; "UNKNOWN_STATUS" for a number outside 0..16. */
const char *grpc_status_name(int status);

/*
 * The one mapping from our -errno to a gRPC status (STYLE.md 2.3):
 *   0 OK; -EBADMSG INVALID_ARGUMENT (undecodable protobuf, bad argument);
 *   -EMSGSIZE, -ENOMEM RESOURCE_EXHAUSTED; -ENOSYS, -EPROTONOSUPPORT
 *   UNIMPLEMENTED; -ETIMEDOUT DEADLINE_EXCEEDED; -ECANCELED CANCELLED;
 *   -ENOENT NOT_FOUND; -EAGAIN, -ECONNREFUSED, -ENOTCONN UNAVAILABLE;
 *   -EPERM, -EACCES PERMISSION_DENIED; anything else (-EPROTO, -EIO, ...)
 *   INTERNAL.
 */
int grpc_status_from_err(int err);

/*
 * Parse a grpc-timeout value: 1 to 8 ASCII digits and a unit H, M, S, m, u
 * or n. *@ns gets the timeout in nanoseconds (saturated at UINT64_MAX).
 * Returns 0 or -EINVAL (empty, more than 8 digits, no or unknown unit,
 * anything else in it).
 */
MUST_CHECK int grpc_timeout_parse(const uint8_t *p, size_t n, uint64_t *ns);

/*
 * Percent-encode @n bytes of @in for grpc-message: bytes outside 0x20..0x7E
 * and '%' become "%XX" (upper-case hex). Writes at most @cap - 1 bytes and a
 * NUL (when @cap > 0); returns the length the whole encoding needs, so a
 * return >= @cap means it was cut (never inside a %XX triple).
 */
size_t grpc_pct_encode(const uint8_t *in, size_t n, char *out, size_t cap);

/* -------------------------------------------------------- message framing */

/* The 5-byte prefix of every message: compressed flag u8 + length u32 BE. */
#define GRPC_FRAME_HDR 5

/*
 * Push decoder of one length-prefixed message. It grows its buffer from the
 * arena as bytes arrive (never by the declared length alone, so a peer that
 * announces 4 MiB and sends nothing costs nothing).
 */
struct grpc_frame_dec {
	uint8_t hdr[GRPC_FRAME_HDR];
	uint8_t hlen;
	bool done; /* a whole message is in msg/len */
	uint32_t len; /* declared length */
	size_t have; /* bytes of it received */
	size_t size; /* bytes allocated at msg */
	size_t max; /* largest accepted length */
	uint8_t *msg;
};

void grpc_frame_dec_init(struct grpc_frame_dec *d, size_t max);

/*
 * Push @n bytes (n <= INT_MAX). Returns the number consumed (all of them
 * until a message is complete; after that 0, and the rest is the caller's),
 * or: -EMSGSIZE (declared length over max), -EPROTO (compressed flag set:
 * compression is not supported; or a flag other than 0/1), -ENOMEM (arena
 * cap). *@why names the reason on error.
 */
MUST_CHECK int grpc_frame_push(struct grpc_frame_dec *d, struct arena *a, const uint8_t *p,
			       size_t n, const char **why);

/* Write the 5-byte prefix of an uncompressed message of @len bytes. */
void grpc_frame_hdr_put(uint8_t out[GRPC_FRAME_HDR], uint32_t len);

/* ----------------------------------------------------------------- server */

struct grpc_call;

/*
 * A handler gets the decoded request (a protobuf-c message of the method's
 * req descriptor, in the call's arena) and either
 *  - returns 0 with *@resp set to a message of the resp descriptor (built in
 *    grpc_call_arena(), or static): the call answers OK with it;
 *  - returns -EINPROGRESS: it keeps @call and answers later with
 *    grpc_call_respond() or grpc_call_fail(), unless the call is cancelled
 *    first (see grpc_call_on_cancel());
 *  - returns another -errno: the call fails with grpc_status_from_err() and
 *    *@why (a static string or one in the call's arena; NULL for none) as
 *    grpc-message.
 */
typedef int (*grpc_handler_fn)(void *ctx, struct grpc_call *call, const void *req, void **resp,
			       const char **why);

struct grpc_method {
	const char *path; /* "/package.Service/Method" */
	const struct ProtobufCMessageDescriptor *req, *resp;
	grpc_handler_fn fn;
};

/*
 * A server is a method table plus a hook. @ctx is passed to handlers and to
 * @done (may be NULL), which is called once per call when its reply is set,
 * with the method (NULL when unknown), the status and the time since
 * grpc_call_new().
 */
struct grpc_server {
	const struct grpc_method *methods;
	size_t n_methods;
	void *ctx;
	void (*done)(void *ctx, const struct grpc_method *m, int status, uint64_t ns);
};

/* A reply, as the transport sends it. */
struct grpc_reply {
	int http_status; /* 200; 415 for a request that is not gRPC */
	struct slice body; /* framed response message; empty: trailers-only */
	int status; /* grpc-status */
	const char *message; /* grpc-message, percent-encoded; "" for none */
};

/*
 * A new call on @srv at @now_ns (monotonic). Returns NULL when out of memory.
 * The call owns an arena capped at GRPC_CALL_ARENA_CAP.
 */
struct grpc_call *grpc_call_new(struct grpc_server *srv, uint64_t now_ns);
void grpc_call_free(struct grpc_call *c);

/*
 * One request header field (pseudo-headers included; the transport checked
 * the HTTP/2 rules). Returns 0 (also for fields it ignores) or -ENOMEM.
 */
MUST_CHECK int grpc_call_header(struct grpc_call *c, struct slice name, struct slice value);
/*
 * The header block is complete. Checks :method, content-type, :path,
 * grpc-timeout and grpc-encoding, and may reply already (UNIMPLEMENTED for
 * an unknown method, INTERNAL for a malformed grpc-timeout, ...). Returns 0.
 */
MUST_CHECK int grpc_call_headers_end(struct grpc_call *c, bool end_stream, uint64_t now_ns);
/*
 * DATA for the call. Once the message and END_STREAM are in, the request is
 * decoded and the handler runs. Data for a call that has replied is dropped.
 * Returns 0.
 */
MUST_CHECK int grpc_call_data(struct grpc_call *c, const uint8_t *p, size_t n, bool end_stream,
			      uint64_t now_ns);

bool grpc_call_replied(const struct grpc_call *c);
/* The reply (valid while the call lives); NULL before grpc_call_replied(). */
const struct grpc_reply *grpc_call_reply(const struct grpc_call *c);
/* The call's arena (handlers build responses in it). */
struct arena *grpc_call_arena(struct grpc_call *c);
/* The method, or NULL before the headers or when unknown. */
const struct grpc_method *grpc_call_method(const struct grpc_call *c);
/* Absolute deadline (monotonic ns) from grpc-timeout; 0 = none. */
uint64_t grpc_call_deadline(const struct grpc_call *c);

/*
 * If the call has not replied and its deadline is <= @now_ns, reply
 * DEADLINE_EXCEEDED (a pending handler is told through its cancel hook
 * first). Returns true when it did.
 */
bool grpc_call_expire(struct grpc_call *c, uint64_t now_ns);
/*
 * The client is gone (RST_STREAM, connection closed): a pending handler's
 * cancel hook runs; the call must then only be freed.
 */
void grpc_call_cancel(struct grpc_call *c);
/* A pending handler's hook, called once if the call ends before it answers. */
void grpc_call_on_cancel(struct grpc_call *c, void (*fn)(void *arg, struct grpc_call *c),
			 void *arg);

/*
 * The transport's hook: @fn runs when a pending call gets its reply from
 * grpc_call_respond() or grpc_call_fail() (not from grpc_call_expire(), whose
 * caller knows). @arg is the transport's per-call state.
 */
void grpc_call_on_reply(struct grpc_call *c, void (*fn)(void *arg, struct grpc_call *c), void *arg);

/*
 * Answer a pending call: OK with @resp (a message of the method's resp
 * descriptor), or an error status from grpc_status_from_err(@err) and @why.
 * Returns 0, or -EALREADY when the call has replied already (nothing done).
 */
MUST_CHECK int grpc_call_respond(struct grpc_call *c, const void *resp);
MUST_CHECK int grpc_call_fail(struct grpc_call *c, int err, const char *why);

/* ------------------------------------------------------------ over lib/h2 */

/*
 * One gRPC server connection: lib/h2's connection with one call per stream.
 * Replies go out as HEADERS (:status 200, content-type application/grpc),
 * DATA and trailers (grpc-status, grpc-message), or as one trailers-only
 * HEADERS for errors; after a reply sent before the request ended, the rest
 * of the request is read and dropped. Idle connections are never closed
 * here: the kubelet keeps them (protocols.md §1.3).
 */
struct grpc_conn;

/* Returns NULL when out of memory. @srv must outlive the connection. */
struct grpc_conn *grpc_conn_new(struct grpc_server *srv);
/* Cancels the calls still open (their cancel hooks run) and frees everything. */
void grpc_conn_free(struct grpc_conn *c);
/*
 * Read and write the non-blocking @fd (h2_conn_io()), after answering the
 * calls whose deadline is past @now_ns. Returns 1 while the connection goes
 * on, 0 when it is finished (close @fd, free @c), or -errno on a socket
 * error. *@why (may be NULL) gets a protocol error's reason.
 */
MUST_CHECK int grpc_conn_io(struct grpc_conn *c, int fd, uint64_t now_ns, const char **why);
/*
 * True when output is waiting (poll for writability). Check it after
 * answering pending calls (grpc_call_respond/fail) outside grpc_conn_io():
 * their replies are queued, not written.
 */
bool grpc_conn_want_write(struct grpc_conn *c);
/* The earliest deadline of an open call (monotonic ns), 0 for none. */
uint64_t grpc_conn_deadline(const struct grpc_conn *c);
/* Graceful close: GOAWAY, open calls finish. */
void grpc_conn_shutdown(struct grpc_conn *c);

#endif
