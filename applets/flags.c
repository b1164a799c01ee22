// SPDX-License-Identifier: Apache-2.0
/* Flag helpers shared by the applets: Go flag values and klog compatibility. */
#include "applet.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void applet_klog_flag(const char *applet, const struct option *opts, int longindex)
{
	const char *name = longindex >= 0 ? opts[longindex].name : "?";

	log_warn("klog flag accepted for compatibility and ignored", "applet=%s flag=--%s",
		 applet, name);
}

int applet_parse_bool(const char *arg, bool *out)
{
	static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
	static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };

	if (!arg) {
		*out = true;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(arg, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(arg, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

int applet_parse_duration_ms(const char *arg, uint64_t *out_ms)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = { { "ns", 1e-6 }, { "us", 1e-3 }, { "µs", 1e-3 }, { "ms", 1 },
		      { "s", 1e3 },   { "m", 6e4 },   { "h", 3.6e6 } };
	const char *p = arg;
	double total = 0;

	if (!arg || !*arg)
		return -EINVAL;
	if (!strcmp(arg, "0")) {
		*out_ms = 0;
		return 0;
	}
	while (*p) {
		char *end;
		double v = strtod(p, &end);
		size_t best = 0, best_len = 0;

		if (end == p || *p == '-' || *p == '+')
			return -EINVAL;
		for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
			size_t l = strlen(units[i].unit);

			if (!strncmp(end, units[i].unit, l) && l > best_len) {
				best = i;
				best_len = l;
			}
		}
		if (!best_len)
			return -EINVAL;
		total += v * units[best].ms;
		p = end + best_len;
	}
	if (total > 1e15)
		return -ERANGE;
	*out_ms = (uint64_t)total;
	return 0;
}

int applet_parse_verbosity(const char *arg, int *out)
{
	int64_t v;

	if (!arg || str_to_i64(arg, 10, &v) < 0 || v < 0 || v > 10)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

int applet_usage_error(const char *applet, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", applet);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", applet);
	return EXIT_USAGE;
}

int applet_not_built(const char *applet, const char *issue)
{
	fprintf(stderr, "%s: not built yet (planned in %s); nothing was done\n", applet, issue);
	return EXIT_USAGE;
}
