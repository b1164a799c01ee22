// SPDX-License-Identifier: Apache-2.0
/*
 * Base64 decoding, RFC 4648 §4 (standard alphabet, padded), with the exact
 * acceptance rules of Go's encoding/base64 StdEncoding (decodeQuantum in
 * src/encoding/base64/base64.go): CR/LF ignored, non-strict trailing bits.
 */
#include "base.h"

#include <errno.h>

/* 0..63 for alphabet bytes, 0xff otherwise. */
static uint8_t b64_value(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return (uint8_t)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (uint8_t)(c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (uint8_t)(c - '0' + 52);
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return 0xff;
}

static bool is_crlf(uint8_t c)
{
	return c == '\r' || c == '\n';
}

size_t base64_decoded_max(size_t n)
{
	return n / 4 * 3 + 3;
}

/*
 * Decode one quantum starting at *si: up to 4 symbols into q, their count
 * into *nsym. Returns 0 (*done set at the end of input or after padding),
 * or -EBADMSG with *at the offending offset.
 */
static int quantum(const uint8_t *s, size_t n, size_t *si, uint8_t q[4], size_t *nsym, bool *done,
		   size_t *at)
{
	size_t i = *si, j;

	for (j = 0; j < 4;) {
		uint8_t c, v;

		if (i == n) {
			*done = true;
			if (j == 0)
				goto out;
			/* A partial group without padding (padding is mandatory). */
			*at = i - j;
			return -EBADMSG;
		}
		c = s[i++];
		v = b64_value(c);
		if (v != 0xff) {
			q[j++] = v;
			continue;
		}
		if (is_crlf(c))
			continue;
		if (c != '=' || j < 2) {
			*at = i - 1;
			return -EBADMSG;
		}
		if (j == 2) {
			/* "==" expected; newlines may sit between the two. */
			while (i < n && is_crlf(s[i]))
				i++;
			if (i == n || s[i] != '=') {
				*at = i == n ? n : i;
				return -EBADMSG;
			}
			i++;
		}
		while (i < n && is_crlf(s[i]))
			i++;
		if (i < n) {
			*at = i;
			return -EBADMSG;
		}
		*done = true;
		break;
	}
out:
	*si = i;
	*nsym = j;
	return 0;
}

int base64_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *at)
{
	const uint8_t *s = (const uint8_t *)in;
	size_t si = 0, len = 0, where = 0;
	bool done = false;

	while (!done) {
		uint8_t q[4] = { 0, 0, 0, 0 };
		size_t nsym = 0, nb;
		uint32_t v;
		int ret = quantum(s, n, &si, q, &nsym, &done, &where);

		if (ret < 0) {
			if (at)
				*at = where;
			return ret;
		}
		if (nsym == 0)
			break;
		nb = nsym - 1; /* 2 symbols: 1 byte, 3: 2, 4: 3 */
		if (nb > cap - len || len + nb > INT32_MAX)
			return -EMSGSIZE;
		v = (uint32_t)q[0] << 18 | (uint32_t)q[1] << 12 | (uint32_t)q[2] << 6 | q[3];
		out[len++] = (uint8_t)(v >> 16);
		if (nb > 1)
			out[len++] = (uint8_t)(v >> 8);
		if (nb > 2)
			out[len++] = (uint8_t)v;
	}
	return (int)len;
}
