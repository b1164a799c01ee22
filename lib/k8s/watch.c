// SPDX-License-Identifier: Apache-2.0
/*
 * lib/k8s/watch: one watch on its own connection (k8s.h "watch";
 * protocols.md §5.9): ?watch=1&resourceVersion=RV&allowWatchBookmarks=true,
 * a chunked stream of newline-delimited events split by k8s_lines, the
 * resume point moved by every event and bookmark, quiet resumes after the
 * stream ends or the connection drops (with backoff), and 410 Gone (HTTP or
 * an ERROR event) handed to the caller, who re-lists.
 */
#include "k8s/k8s.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "http/http.h"
#include "json/json.h"
#include "k8s/internal.h"

/* An error answer's body kept for its Status (the rest is dropped). */
#define WATCH_ERR_BODY_MAX (64u << 10)
/* Resource versions are decimal strings in practice; opaque to us. */
#define WATCH_RV_MAX 128

enum wstate { W_IDLE, W_STREAM, W_STOPPED, W_FATAL };

/* An empty reader points somewhere real (NULL + 0 is undefined in C). */
static const uint8_t no_bytes;

struct k8s_watch {
	struct k8s_client *c;
	struct http_conn *conn;
	struct arena *ra; /* one stream's response strings */
	struct arena *ea; /* one event's strings */
	char *path, *fsel, *resource;
	char rv[WATCH_RV_MAX + 1];
	enum wstate state;
	int fatal;
	int status; /* the stream's HTTP status, 0 before its head */
	struct buf errbody;
	struct k8s_lines lines;
	struct rd piece; /* body bytes not yet split */
	struct json *tree; /* the event handed out last */
	uint64_t not_before;
	unsigned connects, failures, events_in_stream;
	bool auth_retried;
};

static int set_rv(struct k8s_watch *w, const char *rv)
{
	if (!rv)
		rv = "";
	if (strlen(rv) > WATCH_RV_MAX)
		return -EMSGSIZE;
	strcpy(w->rv, rv);
	return 0;
}

int k8s_watch_new(struct k8s_client *c, const char *path, const char *field_selector,
		  const char *rv, struct k8s_watch **out)
{
	const struct k8s_config *cfg = k8s_client_config(c);
	struct k8s_watch *w;
	const char *slash;
	int ret = -ENOMEM;

	*out = NULL;
	if (!path || path[0] != '/' || strchr(path, '?'))
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->c = c;
	w->ra = arena_new(1u << 20);
	w->ea = arena_new(1u << 20);
	w->path = strdup(path);
	w->fsel = field_selector ? strdup(field_selector) : NULL;
	slash = strrchr(path, '/');
	w->resource = strdup(slash ? slash + 1 : path);
	if (!w->ra || !w->ea || !w->path || !w->resource || (field_selector && !w->fsel))
		goto out_free;
	ret = set_rv(w, rv);
	if (ret)
		goto out_free;
	buf_init(&w->errbody, WATCH_ERR_BODY_MAX);
	k8s_lines_init(&w->lines, K8S_WATCH_LINE_MAX);
	ret = http_conn_new(cfg->host, cfg->port, k8s_client_tls(c), &w->conn);
	if (!ret && k8s_client_tls(c) && cfg->tls_server_name)
		ret = http_conn_set_server_name(w->conn, cfg->tls_server_name);
	if (ret)
		goto out_free;
	*out = w;
	return 0;
out_free:
	k8s_watch_free(w);
	return ret;
}

void k8s_watch_free(struct k8s_watch *w)
{
	if (!w)
		return;
	http_conn_free(w->conn);
	json_free(w->tree);
	k8s_lines_fini(&w->lines);
	buf_fini(&w->errbody);
	arena_free(w->ra);
	arena_free(w->ea);
	free(w->path);
	free(w->fsel);
	free(w->resource);
	free(w);
}

static int start(struct k8s_watch *w, uint64_t now)
{
	struct k8s_config *cfg = k8s_client_cfg(w->c);
	char tmo[16];
	const char *segs[] = { NULL };
	struct k8s_query q[] = {
		{ "watch", "1" },
		{ "resourceVersion", w->rv[0] ? w->rv : NULL },
		{ "allowWatchBookmarks", "true" },
		{ "timeoutSeconds", tmo },
		{ "fieldSelector", w->fsel },
	};
	struct http_request hr = {
		.method = "GET",
		.host = cfg->authority,
		.accept = "application/json",
		.headers = (struct http_header[]){ { "User-Agent", k8s_client_user_agent(w->c) } },
		.nheaders = 1,
	};
	struct buf t;
	int ret;

	snprintf(tmo, sizeof(tmo), "%u", K8S_WATCH_TIMEOUT_S);
	buf_init(&t, K8S_TARGET_MAX + 1);
	/* the path is escaped already: k8s_target adds the query only */
	ret = k8s_target(&t, NULL, segs, 0, q, ARRAY_SIZE(q));
	if (ret) {
		buf_fini(&t);
		return ret;
	}
	arena_reset(w->ra);
	hr.target = arena_printf(w->ra, "%s%s", w->path, t.p + 1); /* drop k8s_target's "/" */
	buf_fini(&t);
	if (!hr.target)
		return -ENOMEM;
	if (k8s_config_token_refresh(cfg, K8S_TOKEN_MAX_AGE_MS) < 0)
		log_debug("token re-read failed, keeping the old one", "file=%s", cfg->token_file);
	hr.bearer = cfg->token;
	k8s_lines_reset(&w->lines);
	buf_reset(&w->errbody);
	w->piece = rd_init(&no_bytes, 0);
	w->status = 0;
	w->events_in_stream = 0;
	ret = http_conn_request(w->conn, &hr, w->ra, SIZE_MAX, HTTP_STREAM, now, K8S_WATCH_IDLE_MS);
	if (ret)
		return ret;
	w->connects++;
	w->state = W_STREAM;
	return 0;
}

/* Resume later (after a backoff unless the stream was healthy). */
static void resume(struct k8s_watch *w, uint64_t now, const char *why, uint32_t wait_ms)
{
	http_conn_close(w->conn);
	w->state = W_IDLE;
	if (w->events_in_stream)
		w->failures = 0;
	if (!wait_ms && !w->events_in_stream)
		wait_ms = k8s_client_backoff(w->c, ++w->failures);
	if (w->failures == 1)
		log_info("watch interrupted, resuming", "path=%s rv=%s why=\"%s\" wait_ms=%u",
			 w->path, w->rv, why, wait_ms);
	else
		log_debug("watch interrupted, resuming", "path=%s rv=%s why=\"%s\" wait_ms=%u",
			  w->path, w->rv, why, wait_ms);
	w->not_before = now + wait_ms;
}

static int stop(struct k8s_watch *w, int ret)
{
	http_conn_close(w->conn);
	if (ret == K8S_WATCH_GONE) {
		w->state = W_STOPPED;
		log_debug("watch expired, re-list needed", "path=%s rv=%s", w->path, w->rv);
		return ret;
	}
	w->state = W_FATAL;
	w->fatal = ret;
	return ret;
}

/* A non-200 answer to the watch request, complete. */
static int on_error_answer(struct k8s_watch *w, uint64_t now)
{
	struct k8s_config *cfg = k8s_client_cfg(w->c);
	struct k8s_status st;
	const struct http_response *resp = http_conn_response(w->conn);
	char why[160];
	int after;

	if (k8s_status_parse(w->errbody.p, w->errbody.len, w->ea, &st))
		memset(&st, 0, sizeof(st));
	snprintf(why, sizeof(why), "%d %s", w->status, st.message ? st.message : "");
	if (w->status == 410)
		return stop(w, K8S_WATCH_GONE);
	if (w->status == 401 && !w->auth_retried && cfg->token_file &&
	    k8s_config_token_refresh(cfg, 0) >= 0) {
		w->auth_retried = true;
		resume(w, now, why, 1);
		return -EAGAIN;
	}
	if (w->status == 429 || w->status >= 500) {
		after = k8s_retry_after_parse(http_response_header(resp, "Retry-After"));
		resume(w, now, why, after > 0 ? (uint32_t)after * 1000u : 0);
		return -EAGAIN;
	}
	if (w->status == 403)
		k8s_client_denied(w->c, "GET", w->path, "watch", w->resource, st.message);
	else
		log_warn("watch refused", "path=%s status=%d message=\"%s\"", w->path, w->status,
			 st.message ? st.message : "");
	return stop(w, k8s_errno_from_status(w->status, st.reason));
}

/* Split and decode the next line of the current piece: 1 (event), -EAGAIN, or a result. */
static int next_event(struct k8s_watch *w, uint64_t now, struct k8s_watch_event *ev)
{
	struct slice line;
	int ret;

	if (!rd_left(&w->piece))
		return -EAGAIN;
	ret = k8s_lines_push(&w->lines, &w->piece, &line);
	if (ret == -EAGAIN)
		return -EAGAIN;
	if (ret < 0) {
		resume(w, now, ret == -EMSGSIZE ? "event over its size cap" : "out of memory", 0);
		return -EAGAIN;
	}
	arena_reset(w->ea);
	ret = k8s_watch_event_decode((const char *)line.p, line.len, w->ea, ev, &w->tree);
	if (ret) {
		resume(w, now, "undecodable event", 0);
		return -EAGAIN;
	}
	if (ev->type == K8S_WATCH_ERROR) {
		if (ev->status.code == 410)
			return stop(w, K8S_WATCH_GONE);
		resume(w, now, ev->status.message ? ev->status.message : "ERROR event", 0);
		return -EAGAIN;
	}
	if (set_rv(w, ev->meta.resource_version)) {
		resume(w, now, "resourceVersion too long", 0);
		return -EAGAIN;
	}
	w->events_in_stream++;
	w->failures = 0;
	w->auth_retried = false;
	return 1;
}

int k8s_watch_step(struct k8s_watch *w, uint64_t now, short revents, struct k8s_watch_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	json_free(w->tree);
	w->tree = NULL;
	for (;;) {
		int ret;

		if (w->state == W_STOPPED)
			return -EAGAIN;
		if (w->state == W_FATAL)
			return w->fatal;
		ret = next_event(w, now, ev);
		if (ret != -EAGAIN)
			return ret;
		if (w->state == W_IDLE) {
			if (now < w->not_before)
				return -EAGAIN;
			ret = start(w, now);
			if (ret)
				return stop(w, ret);
			continue;
		}
		if (w->state != W_STREAM)
			continue;
		ret = http_conn_step(w->conn, now, revents);
		revents = 0;
		if (ret == HTTP_EV_HEAD) {
			w->status = http_conn_response(w->conn)->status;
			continue;
		}
		if (ret == HTTP_EV_BODY) {
			struct slice s = http_conn_body(w->conn);

			if (!s.len)
				continue;
			if (w->status == 200)
				w->piece = rd_init(s.p, s.len);
			else if (w->errbody.len + s.len < WATCH_ERR_BODY_MAX)
				(void)!buf_put(&w->errbody, s.p, s.len);
			continue;
		}
		if (ret == HTTP_EV_DONE) {
			if (w->status != 200) {
				ret = on_error_answer(w, now);
				if (ret != -EAGAIN)
					return ret;
				continue;
			}
			/* timeoutSeconds ran out, or the server ended the stream */
			resume(w, now, "stream ended", w->events_in_stream ? 1 : 0);
			continue;
		}
		if (ret == -EAGAIN)
			return -EAGAIN;
		resume(w, now, http_conn_strerror(w->conn), 0);
	}
}

int k8s_watch_restart(struct k8s_watch *w, const char *rv)
{
	int ret = set_rv(w, rv);

	if (ret)
		return ret;
	http_conn_close(w->conn);
	w->state = W_IDLE;
	w->not_before = 0;
	w->failures = 0;
	w->piece = rd_init(&no_bytes, 0);
	return 0;
}

int k8s_watch_fd(const struct k8s_watch *w)
{
	return w->state == W_STREAM ? http_conn_fd(w->conn) : -1;
}

short k8s_watch_events(struct k8s_watch *w)
{
	return w->state == W_STREAM ? http_conn_events(w->conn) : 0;
}

uint64_t k8s_watch_deadline(const struct k8s_watch *w)
{
	if (rd_left(&w->piece))
		return 0; /* events already received wait to be split */
	switch (w->state) {
	case W_IDLE:
		return w->not_before;
	case W_STREAM:
		return http_conn_deadline(w->conn);
	default:
		return UINT64_MAX;
	}
}

const char *k8s_watch_rv(const struct k8s_watch *w)
{
	return w->rv;
}

unsigned k8s_watch_connects(const struct k8s_watch *w)
{
	return w->connects;
}
