/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP/2 frame codec: the 9-byte header (RFC 9113 §4.1) and each type's
 * payload layout (§6).
 */
#include "h2/internal.h"

#include <errno.h>

int h2_frame_decode(struct rd *r, uint32_t max_len, struct h2_frame *f, const char **why)
{
	struct rd h = *r;

	if (rd_left(r) < H2_FRAME_HEADER_LEN)
		return -EAGAIN;
	f->len = rd_be24(&h);
	f->type = rd_u8(&h);
	f->flags = rd_u8(&h);
	f->stream = rd_be32(&h) & 0x7fffffffu;
	f->payload.p = NULL;
	f->payload.len = 0;
	if (f->len > max_len) {
		*why = "frame larger than SETTINGS_MAX_FRAME_SIZE";
		return -EMSGSIZE;
	}
	if (f->len > rd_left(&h))
		return -EAGAIN;
	if (!rd_bytes(&h, f->len, &f->payload))
		return -EAGAIN;
	*r = h;
	return 0;
}

void h2_frame_header_put(struct wr *w, uint32_t len, uint8_t type, uint8_t flags, uint32_t stream)
{
	wr_be24(w, len);
	wr_u8(w, type);
	wr_u8(w, flags);
	wr_be32(w, stream & 0x7fffffffu);
}

/* RFC 9113 §6.1, §6.2: Pad Length, then the body, then that many bytes. */
static int unpad(const struct h2_frame *f, struct rd *r, const char **why)
{
	uint8_t pad;

	if (!(f->flags & H2_FLAG_PADDED))
		return 0;
	if (rd_left(r) < 1) {
		*why = "padded frame without a pad length";
		return -EMSGSIZE;
	}
	pad = rd_u8(r);
	if (pad > rd_left(r)) {
		*why = "padding longer than the frame";
		return -EPROTO;
	}
	r->end -= pad;
	return 0;
}

static int fixed_len(const struct h2_frame *f, uint32_t len, const char *what, const char **why)
{
	if (f->len == len)
		return 0;
	*why = what;
	return -EMSGSIZE;
}

int h2_frame_parse(const struct h2_frame *f, struct h2_frame_info *info, const char **why)
{
	struct rd r = rd_init(f->payload.p, f->payload.len);
	int ret = 0;

	memset(info, 0, sizeof(*info));
	switch (f->type) {
	case H2_FRAME_DATA:
		ret = unpad(f, &r, why);
		info->body.p = r.p;
		info->body.len = rd_left(&r);
		break;
	case H2_FRAME_HEADERS:
		ret = unpad(f, &r, why);
		if (ret == 0 && (f->flags & H2_FLAG_PRIORITY)) {
			if (rd_left(&r) < 5) {
				*why = "HEADERS too short for its priority";
				/* RFC 9113 §4.2: a frame too small for its fields */
				return -EMSGSIZE;
			}
			info->dep = rd_be32(&r) & 0x7fffffffu;
			(void)rd_u8(&r); /* weight: priority signals are ignored (§5.3.2) */
			info->has_priority = true;
		}
		info->body.p = r.p;
		info->body.len = rd_left(&r);
		break;
	case H2_FRAME_PRIORITY:
		ret = fixed_len(f, 5, "PRIORITY length is not 5", why);
		info->dep = rd_be32(&r) & 0x7fffffffu;
		info->has_priority = true;
		break;
	case H2_FRAME_RST_STREAM:
		ret = fixed_len(f, 4, "RST_STREAM length is not 4", why);
		info->value = rd_be32(&r);
		break;
	case H2_FRAME_SETTINGS:
		if ((f->flags & H2_FLAG_ACK) && f->len) {
			*why = "SETTINGS ack with a payload";
			return -EMSGSIZE;
		}
		if (f->len % 6) {
			*why = "SETTINGS length is not a multiple of 6";
			return -EMSGSIZE;
		}
		info->n_settings = f->len / 6;
		break;
	case H2_FRAME_PING:
		ret = fixed_len(f, 8, "PING length is not 8", why);
		if (ret == 0)
			memcpy(info->ping, f->payload.p, 8);
		break;
	case H2_FRAME_GOAWAY:
		if (f->len < 8) {
			*why = "GOAWAY shorter than 8";
			return -EMSGSIZE;
		}
		info->last_stream = rd_be32(&r) & 0x7fffffffu;
		info->value = rd_be32(&r);
		info->body.p = r.p;
		info->body.len = rd_left(&r);
		break;
	case H2_FRAME_WINDOW_UPDATE:
		ret = fixed_len(f, 4, "WINDOW_UPDATE length is not 4", why);
		info->value = rd_be32(&r) & 0x7fffffffu;
		break;
	case H2_FRAME_CONTINUATION:
	case H2_FRAME_PUSH_PROMISE:
		info->body = f->payload;
		break;
	default:
		break;
	}
	return ret;
}

void h2_frame_setting(const struct h2_frame *f, size_t i, uint16_t *id, uint32_t *value)
{
	struct rd r = rd_init(f->payload.p + 6 * i, 6);

	*id = rd_be16(&r);
	*value = rd_be32(&r);
}
