// SPDX-License-Identifier: Apache-2.0
/*
 * Fault points, test flavour (linked only into build/tests/dranet-fault and
 * unit tests that want it): DRANET_FAULT="POINT:error[,POINT:crash...]".
 * error: attach_fault() returns -EIO there; crash: _exit(137) at once (what
 * kill -9 leaves behind: no cleanup, no undo); pause: sleep 1 s and go on (a
 * test changes the world meanwhile). POINT "*" matches every point
 * (with :error, the first one met). Each hit is logged on stderr.
 */
#include "attach/attach.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int attach_fault(const char *point)
{
	const char *env = getenv("DRANET_FAULT"), *p;
	size_t n = strlen(point);

	if (!env)
		return 0;
	for (p = env; *p;) {
		const char *end = strchr(p, ','), *colon;
		size_t len = end ? (size_t)(end - p) : strlen(p);

		colon = memchr(p, ':', len);
		if (colon && (((size_t)(colon - p) == n && !memcmp(p, point, n)) ||
			      (colon - p == 1 && *p == '*'))) {
			const char *act = colon + 1;
			size_t alen = len - (size_t)(act - p);

			if (alen == 5 && !memcmp(act, "crash", 5)) {
				fprintf(stderr, "fault point %s: crash\n", point);
				_exit(137);
			}
			if (alen == 5 && !memcmp(act, "pause", 5)) {
				fprintf(stderr, "fault point %s: pause\n", point);
				sleep(1);
				return 0;
			}
			if (alen == 5 && !memcmp(act, "error", 5)) {
				fprintf(stderr, "fault point %s: error\n", point);
				return -EIO;
			}
		}
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
}
