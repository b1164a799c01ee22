// SPDX-License-Identifier: Apache-2.0
/* Flag helpers shared by the applets: Go flag values and klog compatibility. */
#include "applet.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "inventory/inventory.h"

void applet_klog_flag(const char *applet, const struct option *opts, int longindex)
{
	const char *name = longindex >= 0 ? opts[longindex].name : "?";

	log_warn("klog flag accepted for compatibility and ignored", "applet=%s flag=--%s", applet,
		 name);
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
		/* Go's digits and '.' only: strtod alone would take white space, signs, hex, inf. */
		size_t span = strspn(p, "0123456789.");
		char *end;
		double v = span ? strtod(p, &end) : 0;
		size_t best = 0, best_len = 0;

		if (!span || end != p + span)
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

/* Go strings.TrimSpace for ASCII: [begin, end) of @s without surrounding white space. */
static void trim(const char *s, size_t n, size_t *begin, size_t *end)
{
	size_t b = 0, e = n;

	while (b < e && isspace((unsigned char)s[b]))
		b++;
	while (e > b && isspace((unsigned char)s[e - 1]))
		e--;
	*begin = b;
	*end = e;
}

/* Go strconv.ParseBool (as used by component-base for gate values). */
static int parse_go_bool(const char *s, bool *out)
{
	if (!*s)
		return -EINVAL;
	return applet_parse_bool(s, out);
}

int applet_parse_feature_gates(const char *arg, struct applet_gates *g, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		bool alpha;
		size_t off;
	} gates[] = {
		{ "DRAListTypeAttributes", true,
		  offsetof(struct applet_gates, list_type_attributes) },
		{ "PersistentResourceSliceAttributes", true,
		  offsetof(struct applet_gates, persistent_slice_attributes) },
	};
	bool set[ARRAY_SIZE(gates)] = { false };
	int all_alpha = -1, all_beta = -1;
	const char *p = arg ? arg : "";

	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char key[64], val[16];
		const char *eq = memchr(p, '=', n);
		size_t b, e, vb, ve;
		bool v;
		size_t i;

		if (n == 0)
			goto next;
		if (!eq) {
			trim(p, n, &b, &e);
			snprintf(err, errlen, "missing bool value for %.*s", (int)(e - b), p + b);
			return -EINVAL;
		}
		trim(p, (size_t)(eq - p), &b, &e);
		trim(eq + 1, n - (size_t)(eq + 1 - p), &vb, &ve);
		if (e - b >= sizeof(key) || ve - vb >= sizeof(val)) {
			snprintf(err, errlen, "invalid feature gate entry %.*s", (int)n, p);
			return -EINVAL;
		}
		memcpy(key, p + b, e - b);
		key[e - b] = '\0';
		memcpy(val, eq + 1 + vb, ve - vb);
		val[ve - vb] = '\0';
		if (parse_go_bool(val, &v) < 0) {
			snprintf(err, errlen, "invalid value of %s=%s, err: not a bool", key, val);
			return -EINVAL;
		}
		if (!strcmp(key, "AllAlpha")) {
			all_alpha = v;
			goto next;
		}
		if (!strcmp(key, "AllBeta")) {
			all_beta = v;
			goto next;
		}
		for (i = 0; i < ARRAY_SIZE(gates); i++)
			if (!strcmp(key, gates[i].name))
				break;
		if (i == ARRAY_SIZE(gates)) {
			snprintf(err, errlen, "unrecognized feature gate: %s", key);
			return -EINVAL;
		}
		*(bool *)((char *)g + gates[i].off) = v;
		set[i] = true;
	next:
		if (!comma)
			break;
		p = comma + 1;
	}
	/* component-base: AllAlpha/AllBeta apply to the gates not set by name. */
	for (size_t i = 0; i < ARRAY_SIZE(gates); i++) {
		int all = gates[i].alpha ? all_alpha : all_beta;

		if (!set[i] && all >= 0)
			*(bool *)((char *)g + gates[i].off) = all;
	}
	return 0;
}

int applet_node_name(const char *override, char *out, size_t n)
{
	char host[256];
	const char *src = override;
	size_t b, e;

	if (!src || !*src) {
		if (gethostname(host, sizeof(host)) < 0)
			return -errno;
		host[sizeof(host) - 1] = '\0';
		src = host;
	}
	trim(src, strlen(src), &b, &e);
	if (e == b)
		return -EINVAL;
	if (e - b >= n)
		return -EMSGSIZE;
	for (size_t i = b; i < e; i++)
		out[i - b] = (char)tolower((unsigned char)src[i]);
	out[e - b] = '\0';
	return 0;
}

bool applet_is_node_name(const char *s)
{
	size_t n = strlen(s), label = 0;

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
		if (label == 0 && c == '-')
			return false;
		label++;
	}
	return label > 0 && s[n - 1] != '-';
}

int applet_compile_expr(const char *applet, const char *flag, const char *src, int mode,
			struct arena *a, struct inv_expr **out)
{
	struct inv_expr_err err = { 0 };
	struct buf msg;
	int ret;

	ret = inv_expr_compile(src, (enum inv_expr_mode)mode, a, out, &err);
	if (ret == 0)
		return 0;
	if (ret != -EINVAL) {
		fprintf(stderr, "%s: %s: %s\n", applet, flag, strerror(-ret));
		return EXIT_USAGE;
	}
	buf_init(&msg, 64u << 10);
	if (inv_expr_format_err(src, &err, &msg) < 0)
		fprintf(stderr, "%s: %s: column %zu: %s\n", applet, flag, err.column + 1, err.msg);
	else
		fprintf(stderr, "%s: %s: invalid expression\n%s\n", applet, flag, msg.p);
	buf_fini(&msg);
	return EXIT_USAGE;
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
