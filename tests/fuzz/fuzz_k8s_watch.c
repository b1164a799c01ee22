// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz the watch stream path of lib/k8s: the newline splitter (k8s_lines)
 * fed the stream whole and cut in three pieces at points taken from the
 * first two input bytes must give the same lines, and every line goes
 * through the event decoder (k8s_watch_event_decode), whose results are
 * checked for consistency. Input: 2 cut bytes, then the stream.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "json/json.h"
#include "k8s/k8s.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A small cap so the over-long-line path is reached too. */
#define LINE_CAP 2048

static void check_event(const struct slice *line, struct arena *a)
{
	struct k8s_watch_event ev;
	struct json *tree = NULL;
	int ret = k8s_watch_event_decode((const char *)line->p, line->len, a, &ev, &tree);

	if (ret != 0 && ret != -EBADMSG && ret != -ENOMEM)
		abort();
	if (ret) {
		if (tree)
			abort();
		return;
	}
	if (!tree || !ev.object || ev.type < K8S_WATCH_ADDED || ev.type > K8S_WATCH_ERROR)
		abort();
	if (ev.type != K8S_WATCH_ERROR && !ev.meta.resource_version)
		abort();
	json_free(tree);
}

/* Split @n bytes of @p cut at @c1 and @c2 into @out ("line\n" each); decode when @a. */
static int split(const uint8_t *p, size_t n, size_t c1, size_t c2, struct buf *out, struct arena *a)
{
	struct k8s_lines l;
	size_t cuts[] = { 0, c1, c2, n };
	int ret = 0;

	k8s_lines_init(&l, LINE_CAP);
	for (size_t i = 0; i + 1 < 4 && ret >= 0; i++) {
		struct rd r = rd_init(p + cuts[i], cuts[i + 1] - cuts[i]);
		struct slice line;

		while ((ret = k8s_lines_push(&l, &r, &line)) == 1) {
			if (line.len == 0 || line.len > LINE_CAP || memchr(line.p, '\n', line.len))
				abort();
			if (buf_put(out, line.p, line.len) || buf_putc(out, '\n'))
				abort();
			if (a)
				check_event(&line, a);
		}
		if (ret == -EAGAIN) {
			if (rd_left(&r))
				abort();
			ret = 0;
		}
		if (ret && ret != -EMSGSIZE)
			abort();
	}
	k8s_lines_fini(&l);
	return ret;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf whole, cut;
	struct arena *a;
	size_t n, c1, c2;
	int r1, r2;

	if (size < 2)
		return 0;
	n = size - 2;
	c1 = n ? (size_t)data[0] * n / 255 : 0;
	c2 = n ? (size_t)data[1] * n / 255 : 0;
	if (c2 < c1) {
		size_t t = c1;

		c1 = c2;
		c2 = t;
	}
	a = arena_new(1u << 22);
	if (!a)
		abort();
	buf_init(&whole, 1u << 24);
	buf_init(&cut, 1u << 24);
	r1 = split(data + 2, n, n, n, &whole, a);
	r2 = split(data + 2, n, c1, c2, &cut, NULL);
	/* the same lines however the stream was cut (up to an over-long line) */
	if (r1 != r2 || whole.len != cut.len || (whole.len && memcmp(whole.p, cut.p, whole.len)))
		abort();
	buf_fini(&whole);
	buf_fini(&cut);
	arena_free(a);
	return 0;
}
