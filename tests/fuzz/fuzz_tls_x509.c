// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz lib/tls's subjectAltName walker (DER) over arbitrary bytes: it must
 * only read inside the input and return 0 or -EBADMSG.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "tls/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct span {
	const uint8_t *p;
	size_t n;
};

static int check(void *arg, int type, struct slice v)
{
	const struct span *s = arg;

	if (v.len && (v.p < s->p || v.p + v.len > s->p + s->n))
		abort();
	if (type == TLS_SAN_IP && v.len != 4 && v.len != 16)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct span s = { data, size };
	int ret = tls_x509_sans(data, size, check, &s);

	if (ret != 0 && ret != -EBADMSG)
		abort();
	return 0;
}
