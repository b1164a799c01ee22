// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz the flag value parsers of applets/flags.c (compiled in: the applets
 * are not in libdranet.a): feature gates, node names, Go bools, durations
 * and verbosity. Invariants: no crash, errors leave a NUL-terminated reason,
 * a node name is trimmed, lower-case and non-empty.
 */
#include "../../applets/flags.c"

#include <assert.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct applet_gates g = { 0 };
	char err[160], node[64];
	uint64_t ms;
	bool b;
	int v;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(err, 'x', sizeof(err));
	if (applet_parse_feature_gates(s, &g, err, sizeof(err)) < 0)
		assert(memchr(err, '\0', sizeof(err)) != NULL);
	if (applet_node_name(s, node, sizeof(node)) == 0) {
		size_t n = strlen(node);

		assert(n > 0 && n < sizeof(node));
		assert(!isspace((unsigned char)node[0]) && !isspace((unsigned char)node[n - 1]));
		for (size_t i = 0; i < n; i++)
			assert(!isupper((unsigned char)node[i]));
	}
	if (applet_parse_bool(s, &b) == 0)
		assert(strlen(s) >= 1 && strlen(s) <= 5);
	if (applet_parse_duration_ms(s, &ms) == 0)
		assert(ms <= (uint64_t)1e15);
	if (applet_parse_verbosity(s, &v) == 0)
		assert(v >= 0 && v <= 10);
	free(s);
	return 0;
}
