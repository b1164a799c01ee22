// SPDX-License-Identifier: Apache-2.0
/* logfmt logging to stderr (STYLE.md 2.5). */
#include "base.h"

#include <stdio.h>
#include <stdlib.h>

/* The only process-wide state in lib/: set once by the applet at start. */
static const char *log_applet = "dranet";
static int log_cur = LOG_INFO;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void log_setup(const char *applet, int level)
{
	const char *env = getenv("DRANET_LOG_LEVEL");
	int64_t v;

	if (applet)
		log_applet = applet;
	log_cur = level;
	if (env) {
		for (size_t i = 0; i < ARRAY_SIZE(level_names); i++)
			if (strcmp(env, level_names[i]) == 0)
				log_cur = (int)i;
		if (str_to_i64(env, 10, &v) == 0)
			log_cur = log_level_from_verbosity((int)v);
	}
}

int log_level(void)
{
	return log_cur;
}

int log_level_from_verbosity(int v)
{
	return v >= 2 ? LOG_DEBUG : LOG_INFO;
}

void log_msg(int level, const char *msg, const char *kv, ...)
{
	char line[2048];
	struct wr w = wr_init(line, sizeof(line) - 1);
	va_list ap;
	int n;

	if (level > log_cur)
		return;
	if (level < 0 || level > LOG_DEBUG)
		level = LOG_ERR;
	n = snprintf((char *)w.p, (size_t)(w.end - w.p), "level=%s applet=%s msg=\"%s\"",
		     level_names[level], log_applet, msg);
	if (n > 0)
		w.p += (size_t)n < (size_t)(w.end - w.p) ? (size_t)n : (size_t)(w.end - w.p) - 1;
	if (kv && *kv && w.p < w.end - 1) {
		*w.p++ = ' ';
		va_start(ap, kv);
		n = vsnprintf((char *)w.p, (size_t)(w.end - w.p), kv, ap);
		va_end(ap);
		if (n > 0)
			w.p += (size_t)n < (size_t)(w.end - w.p) ? (size_t)n
								 : (size_t)(w.end - w.p) - 1;
	}
	*w.p++ = '\n';
	/* One write so concurrent processes never interleave a line. */
	if (fd_write_all(2, line, wr_len(&w)) < 0)
		return;
}
