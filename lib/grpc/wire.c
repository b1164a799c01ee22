/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gRPC wire pieces: status names and the errno mapping, grpc-timeout,
 * grpc-message percent-encoding and the 5-byte message framing.
 * Spec: grpc/doc/PROTOCOL-HTTP2.md, grpc/doc/statuscodes.md.
 */
#include "grpc/grpc.h"

#include <errno.h>
#include <limits.h>

static const char *const status_names[] = {
	"OK",
	"CANCELLED",
	"UNKNOWN",
	"INVALID_ARGUMENT",
	"DEADLINE_EXCEEDED",
	"NOT_FOUND",
	"ALREADY_EXISTS",
	"PERMISSION_DENIED",
	"RESOURCE_EXHAUSTED",
	"FAILED_PRECONDITION",
	"ABORTED",
	"OUT_OF_RANGE",
	"UNIMPLEMENTED",
	"INTERNAL",
	"UNAVAILABLE",
	"DATA_LOSS",
	"UNAUTHENTICATED",
};

const char *grpc_status_name(int status)
{
	if (status < 0 || (size_t)status >= ARRAY_SIZE(status_names))
		return "UNKNOWN_STATUS";
	return status_names[status];
}

int grpc_status_from_err(int err)
{
	switch (err) {
	case 0:
		return GRPC_OK;
	case -EBADMSG:
		return GRPC_INVALID_ARGUMENT;
	case -EMSGSIZE:
	case -ENOMEM:
		return GRPC_RESOURCE_EXHAUSTED;
	case -ENOSYS:
	case -EPROTONOSUPPORT:
		return GRPC_UNIMPLEMENTED;
	case -ETIMEDOUT:
		return GRPC_DEADLINE_EXCEEDED;
	case -ECANCELED:
		return GRPC_CANCELLED;
	case -ENOENT:
		return GRPC_NOT_FOUND;
	case -EAGAIN:
	case -ECONNREFUSED:
	case -ENOTCONN:
		return GRPC_UNAVAILABLE;
	case -EPERM:
	case -EACCES:
		return GRPC_PERMISSION_DENIED;
	default:
		return GRPC_INTERNAL;
	}
}

/* PROTOCOL-HTTP2.md: Timeout → TimeoutValue TimeoutUnit; TimeoutValue → {positive integer as ASCII string of at most 8 digits}. */
int grpc_timeout_parse(const uint8_t *p, size_t n, uint64_t *ns)
{
	uint64_t v = 0, mul, out;
	size_t i;

	if (n < 2 || n > 9)
		return -EINVAL;
	for (i = 0; i + 1 < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	switch (p[n - 1]) {
	case 'H':
		mul = 3600ull * 1000000000ull;
		break;
	case 'M':
		mul = 60ull * 1000000000ull;
		break;
	case 'S':
		mul = 1000000000ull;
		break;
	case 'm':
		mul = 1000000ull;
		break;
	case 'u':
		mul = 1000ull;
		break;
	case 'n':
		mul = 1;
		break;
	default:
		return -EINVAL;
	}
	if (__builtin_mul_overflow(v, mul, &out))
		out = UINT64_MAX;
	*ns = out;
	return 0;
}

size_t grpc_pct_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t need = 0, w = 0;
	bool full = false;

	for (size_t i = 0; i < n; i++) {
		bool plain = in[i] >= 0x20 && in[i] <= 0x7e && in[i] != '%';
		size_t k = plain ? 1 : 3;

		need += k;
		if (full || cap == 0 || w + k > cap - 1) {
			full = true;
			continue;
		}
		if (plain) {
			out[w++] = (char)in[i];
		} else {
			out[w++] = '%';
			out[w++] = hex[in[i] >> 4];
			out[w++] = hex[in[i] & 0xf];
		}
	}
	if (cap)
		out[w] = '\0';
	return need;
}

void grpc_frame_dec_init(struct grpc_frame_dec *d, size_t max)
{
	memset(d, 0, sizeof(*d));
	d->max = max;
}

void grpc_frame_hdr_put(uint8_t out[GRPC_FRAME_HDR], uint32_t len)
{
	struct wr w = wr_init(out, GRPC_FRAME_HDR);

	wr_u8(&w, 0);
	wr_be32(&w, len);
}

/* Make room for @more bytes after d->have, doubling, never past d->len. */
static int grow(struct grpc_frame_dec *d, struct arena *a, size_t more)
{
	size_t want = d->have + more, size = d->size ? d->size : 4096;
	uint8_t *p;

	if (want <= d->size)
		return 0;
	while (size < want)
		size *= 2;
	if (size > d->len)
		size = d->len;
	p = arena_realloc(a, d->msg, d->size, size);
	if (!p)
		return -ENOMEM;
	d->msg = p;
	d->size = size;
	return 0;
}

int grpc_frame_push(struct grpc_frame_dec *d, struct arena *a, const uint8_t *p, size_t n,
		    const char **why)
{
	size_t used = 0, take;
	int ret;

	if (n > INT_MAX)
		n = INT_MAX;
	if (d->done)
		return 0;
	while (d->hlen < GRPC_FRAME_HDR && used < n)
		d->hdr[d->hlen++] = p[used++];
	if (d->hlen < GRPC_FRAME_HDR)
		return (int)used;
	if (d->have == 0 && !d->msg) {
		struct rd r = rd_init(d->hdr, GRPC_FRAME_HDR);
		uint8_t flag = rd_u8(&r);

		d->len = rd_be32(&r);
		if (flag == 1) {
			*why = "compressed message: compression not supported";
			return -EPROTO;
		}
		if (flag != 0) {
			*why = "invalid compressed-flag byte";
			return -EPROTO;
		}
		if (d->len > d->max) {
			*why = "request message larger than 4 MiB";
			return -EMSGSIZE;
		}
	}
	take = n - used;
	if (take > d->len - d->have)
		take = d->len - d->have;
	if (take) {
		ret = grow(d, a, take);
		if (ret < 0) {
			*why = "out of memory for the request message";
			return ret;
		}
		memcpy(d->msg + d->have, p + used, take);
		d->have += take;
		used += take;
	}
	if (d->have == d->len)
		d->done = true;
	return (int)used;
}
