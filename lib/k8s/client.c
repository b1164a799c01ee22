// SPDX-License-Identifier: Apache-2.0
/*
 * lib/k8s/client: the API client's request engine (k8s.h "client"): one
 * keep-alive lib/http connection, requests queued FIFO and driven by the
 * caller's event loop, bearer token or client certificate, the token
 * re-read after a 401 (protocols.md §5.8), retries with backoff and jitter
 * on connection errors, 429 (Retry-After) and 5xx, the 409 re-read of PUTs,
 * and 403 reported once per (verb, resource) (DESIGN.md "least privilege").
 */
#include "k8s/k8s.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "http/http.h"
#include "json/json.h"
#include "k8s/internal.h"
#include "tls/tls.h"

/* (verb, resource) pairs a 403 was reported for; more are reported every time. */
#define DENIED_MAX 32

struct k8s_client {
	struct k8s_config *cfg;
	struct tls_config *tls;
	struct http_conn *conn;
	struct k8s_client_opts o;
	char ua[96];
	enum k8s_res_version version;
	struct k8s_req *head, *tail;
	char denied[DENIED_MAX][96];
	size_t ndenied;
	uint64_t rnd;
};

struct k8s_req {
	struct k8s_client *c;
	struct k8s_req *next;
	bool queued, in_flight, done_called, rereading;
	struct arena *a; /* the call's strings */
	struct arena *ra; /* one attempt's response */
	char *method, *target, *content_type, *verb, *resource;
	char *body; /* heap, NUL-terminated; replaced after a 409 re-read */
	size_t body_len;
	bool idempotent, conflict_reread;
	k8s_done_fn *done;
	void *arg;
	int result;
	int http_status;
	const char *resp_body;
	size_t resp_len;
	struct k8s_status st;
	unsigned attempts, conflicts;
	bool auth_retried;
	uint64_t not_before;
	char err[512];
};

/* ------------------------------------------------------------ helpers */

static uint32_t next_rnd(struct k8s_client *c)
{
	/* xorshift64*: jitter only, not secrets */
	c->rnd ^= c->rnd >> 12;
	c->rnd ^= c->rnd << 25;
	c->rnd ^= c->rnd >> 27;
	return (uint32_t)((c->rnd * 2685821657736338717ull) >> 32);
}

static uint32_t backoff(struct k8s_client *c, unsigned attempt)
{
	uint32_t base = c->o.backoff_base_ms, max = c->o.backoff_max_ms, d = base;

	for (unsigned i = 1; i < attempt && d < max; i++)
		d *= 2;
	if (d > max)
		d = max;
	if (base == K8S_BACKOFF_BASE_MS && max == K8S_BACKOFF_MAX_MS)
		return k8s_backoff_ms(attempt, next_rnd(c));
	return d - next_rnd(c) % (d / 2 + 1);
}

void k8s_client_denied(struct k8s_client *c, const char *method, const char *target,
		       const char *verb, const char *resource, const char *message)
{
	char key[96], msg[512];
	size_t i;

	snprintf(key, sizeof(key), "%s %s", verb ? verb : method, resource ? resource : target);
	/* the server's words inside a logfmt value: its double quotes become single */
	snprintf(msg, sizeof(msg), "%s", message ? message : "");
	for (i = 0; msg[i]; i++)
		if (msg[i] == '"' || msg[i] == '\\' || (unsigned char)msg[i] < 0x20)
			msg[i] = msg[i] == '"' ? '\'' : ' ';
	for (i = 0; i < c->ndenied; i++)
		if (strcmp(c->denied[i], key) == 0)
			return;
	if (c->ndenied < DENIED_MAX)
		memcpy(c->denied[c->ndenied++], key, sizeof(key));
	log_warn("api access denied, falling back", "request=\"%s %s\" rbac=\"%s\" status=\"%s\"",
		 method, target, key, msg);
}

static void unqueue(struct k8s_client *c, struct k8s_req *r)
{
	struct k8s_req **pp = &c->head, *prev = NULL;

	for (; *pp; prev = *pp, pp = &(*pp)->next) {
		if (*pp != r)
			continue;
		*pp = r->next;
		if (c->tail == r)
			c->tail = prev;
		break;
	}
	r->next = NULL;
	r->queued = false;
}

static void finish(struct k8s_req *r, int result)
{
	struct k8s_client *c = r->c;

	if (r->in_flight && c)
		http_conn_close(c->conn);
	r->in_flight = false;
	if (c && r->queued)
		unqueue(c, r);
	r->result = result;
	if (!r->done_called) {
		r->done_called = true;
		if (r->done)
			r->done(r, r->arg);
	}
}

static int start_attempt(struct k8s_req *r, uint64_t now)
{
	struct k8s_client *c = r->c;
	struct k8s_config *cfg = c->cfg;
	struct http_request hr = {
		.method = r->rereading ? "GET" : r->method,
		.target = r->target,
		.host = cfg->authority,
		.accept = "application/json",
		.headers = (struct http_header[]){ { "User-Agent", c->ua } },
		.nheaders = 1,
	};
	int ret;

	if (!r->rereading && r->body) {
		hr.body = r->body;
		hr.body_len = r->body_len;
		hr.content_type = r->content_type ? r->content_type : "application/json";
	}
	/* client-go re-reads a token file at most once a minute (k8s.h) */
	if (k8s_config_token_refresh(cfg, K8S_TOKEN_MAX_AGE_MS) < 0)
		log_debug("token re-read failed, keeping the old one", "file=%s", cfg->token_file);
	hr.bearer = cfg->token;
	arena_reset(r->ra);
	r->resp_body = "";
	r->resp_len = 0;
	memset(&r->st, 0, sizeof(r->st));
	r->attempts++;
	ret = http_conn_request(c->conn, &hr, r->ra, K8S_BODY_MAX, 0, now, c->o.timeout_ms);
	if (ret) {
		snprintf(r->err, sizeof(r->err), "%s %s: %s", r->method, r->target,
			 http_conn_strerror(c->conn));
		return ret;
	}
	r->in_flight = true;
	return 0;
}

static bool is_retryable_status(int s)
{
	return s == 429 || (s >= 500 && s != 501 && s != 505);
}

/* Schedule another attempt, or give up with @err. */
static void retry_or_fail(struct k8s_req *r, int err, int64_t after_s, uint64_t now)
{
	struct k8s_client *c = r->c;
	uint32_t wait;

	if (r->attempts >= c->o.attempts) {
		finish(r, err);
		return;
	}
	wait = after_s > 0 ? (uint32_t)after_s * 1000u : backoff(c, r->attempts);
	if (r->attempts == 1)
		log_warn("api request failed, retrying", "error=\"%s\" wait_ms=%u", r->err, wait);
	else
		log_debug("api request failed, retrying", "error=\"%s\" wait_ms=%u attempt=%u",
			  r->err, wait, r->attempts);
	r->not_before = now + wait;
}

/* The GET after a 409 came back: take its resourceVersion into our body. */
static int conflict_rebase(struct k8s_req *r)
{
	struct json *cur = NULL, *mine = NULL;
	struct k8s_meta m;
	struct json *md;
	struct buf out;
	int ret;

	ret = json_parse(r->resp_body, r->resp_len, &cur, NULL);
	if (ret)
		return -EBADMSG;
	ret = k8s_meta_decode(cur, r->ra, &m);
	if (!ret && !m.resource_version)
		ret = -EBADMSG;
	if (!ret)
		ret = json_parse(r->body, r->body_len, &mine, NULL) ? -EINVAL : 0;
	md = ret ? NULL : (struct json *)json_get(mine, "metadata");
	if (!ret && !md)
		md = json_obj_add_object(mine, "metadata");
	if (!ret && !md)
		ret = -ENOMEM;
	if (!ret)
		ret = json_obj_add_str(md, "resourceVersion", m.resource_version);
	buf_init(&out, HTTP_REQUEST_MAX);
	if (!ret)
		ret = json_print(mine, JSON_COMPACT, &out);
	if (!ret) {
		/* the new body replaces the old: a conflict loop does not pile copies up */
		free(r->body);
		r->body = out.p;
		r->body_len = out.len;
		out.p = NULL;
		out.len = out.size = 0;
	}
	buf_fini(&out);
	json_free(cur);
	json_free(mine);
	return ret;
}

static void on_response(struct k8s_req *r, uint64_t now)
{
	struct k8s_client *c = r->c;
	const struct http_response *resp = http_conn_response(c->conn);
	int s = resp->status;

	r->in_flight = false;
	r->http_status = s;
	/* lib/http's body lives until the connection's next request: keep a copy */
	r->resp_len = resp->body ? resp->body_len : 0;
	r->resp_body = arena_strndup(r->ra, resp->body ? resp->body : "", r->resp_len);
	memset(&r->st, 0, sizeof(r->st));
	if (!r->resp_body) {
		r->resp_body = "";
		r->resp_len = 0;
		finish(r, -ENOMEM);
		return;
	}
	if (s < 200 || s >= 300) {
		if (k8s_status_parse(r->resp_body, r->resp_len, r->ra, &r->st))
			memset(&r->st, 0, sizeof(r->st));
		snprintf(r->err, sizeof(r->err), "%s %s: %d %s%s%s",
			 r->rereading ? "GET" : r->method, r->target, s,
			 r->st.reason && *r->st.reason ? r->st.reason : resp->reason,
			 r->st.message && *r->st.message ? ": " : "",
			 r->st.message ? r->st.message : "");
	}
	if (r->rereading) {
		r->rereading = false;
		if (s != 200) {
			finish(r, k8s_errno_from_status(s, r->st.reason));
			return;
		}
		if (conflict_rebase(r)) {
			snprintf(r->err, sizeof(r->err), "%s %s: cannot re-read the object",
				 r->method, r->target);
			finish(r, -EBADMSG);
			return;
		}
		r->not_before = now;
		return;
	}
	if (s == 401 && !r->auth_retried && c->cfg->token_file) {
		int ch = k8s_config_token_refresh(c->cfg, 0);

		r->auth_retried = true;
		if (ch >= 0) {
			log_info("api answered 401, token re-read", "changed=%d file=%s", ch,
				 c->cfg->token_file);
			r->attempts--; /* not a failure of the server */
			r->not_before = now;
			return;
		}
	}
	if (s == 409 && r->conflict_reread && k8s_errno_from_status(s, r->st.reason) == -ESTALE &&
	    r->conflicts < K8S_CONFLICT_RETRIES) {
		r->conflicts++;
		r->rereading = true;
		r->attempts--;
		log_debug("api conflict, re-reading", "target=%s", r->target);
		r->not_before = now;
		return;
	}
	if (is_retryable_status(s)) {
		int after = k8s_retry_after_parse(http_response_header(resp, "Retry-After"));

		retry_or_fail(r, k8s_errno_from_status(s, r->st.reason), after > 0 ? after : 0,
			      now);
		return;
	}
	if (s == 403)
		k8s_client_denied(c, r->method, r->target, r->verb, r->resource, r->st.message);
	finish(r, k8s_errno_from_status(s, r->st.reason));
}

static void on_conn_error(struct k8s_req *r, int err, uint64_t now)
{
	struct k8s_client *c = r->c;

	r->in_flight = false;
	r->http_status = 0;
	snprintf(r->err, sizeof(r->err), "%s %s: %s", r->method, r->target,
		 http_conn_strerror(c->conn));
	/* certificate problems do not heal by retrying */
	if (err == -EKEYREJECTED || err == -EKEYEXPIRED || err == -EMSGSIZE || err == -ENOMEM) {
		finish(r, err);
		return;
	}
	/* a POST may have been done already; only a refused connect surely was not */
	if (!r->idempotent && !r->rereading && err != -ECONNREFUSED) {
		finish(r, err);
		return;
	}
	retry_or_fail(r, err, 0, now);
}

/* ------------------------------------------------------------ client */

static int client_tls(struct k8s_client *c)
{
	struct k8s_config *cfg = c->cfg;
	const char *why = NULL;
	int ret;

	ret = tls_config_new(&c->tls);
	if (ret)
		return ret;
	if (cfg->insecure) {
		tls_config_set_insecure(c->tls, true);
		log_warn(
			"INSECURE: the API server's certificate is not verified "
			"(insecure-skip-tls-verify); anyone on the path can read and change this traffic",
			"source=\"%s\" server=%s", cfg->source ? cfg->source : "", cfg->authority);
	}
	if (cfg->ca_pem && !cfg->insecure) {
		ret = tls_config_add_ca_pem(c->tls, cfg->ca_pem, cfg->ca_len, &why);
		if (ret < 0) {
			log_err("cannot load the API server CA", "source=\"%s\" error=\"%s\"",
				cfg->source ? cfg->source : "", why ? why : strerror(-ret));
			return ret == -ENOMEM ? ret : -EINVAL;
		}
	}
	if (cfg->cert_pem && cfg->key_pem) {
		ret = tls_config_set_client_pem(c->tls, cfg->cert_pem, cfg->cert_len, cfg->key_pem,
						cfg->key_len, &why);
		if (ret < 0) {
			log_err("cannot load the client certificate", "source=\"%s\" error=\"%s\"",
				cfg->source ? cfg->source : "", why ? why : strerror(-ret));
			return ret == -ENOMEM ? ret : -EINVAL;
		}
	}
	return 0;
}

int k8s_client_new(struct k8s_config *cfg, const struct k8s_client_opts *o, struct k8s_client **out)
{
	struct k8s_client *c;
	bool https;
	int ret;

	*out = NULL;
	if (!cfg || !cfg->host || !cfg->authority || !cfg->scheme)
		return -EINVAL;
	https = strcmp(cfg->scheme, "https") == 0;
	if (!https && (cfg->cert_pem || cfg->key_pem))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cfg = cfg;
	if (o)
		c->o = *o;
	if (!c->o.timeout_ms)
		c->o.timeout_ms = K8S_TIMEOUT_MS;
	if (!c->o.attempts)
		c->o.attempts = K8S_ATTEMPTS_MAX;
	if (!c->o.backoff_base_ms)
		c->o.backoff_base_ms = K8S_BACKOFF_BASE_MS;
	if (!c->o.backoff_max_ms)
		c->o.backoff_max_ms = K8S_BACKOFF_MAX_MS;
	snprintf(c->ua, sizeof(c->ua), "%s", c->o.user_agent ? c->o.user_agent : "dranet");
	c->version = K8S_RES_V1;
	c->rnd = time_now_ns() ^ ((uint64_t)getpid() << 32) ^ (uintptr_t)c;
	if (!c->rnd)
		c->rnd = 1;
	if (https) {
		ret = client_tls(c);
		if (ret)
			goto out_free;
	}
	ret = http_conn_new(cfg->host, cfg->port, https ? c->tls : NULL, &c->conn);
	if (ret)
		goto out_free;
	if (https && cfg->tls_server_name) {
		ret = http_conn_set_server_name(c->conn, cfg->tls_server_name);
		if (ret)
			goto out_free;
	}
	*out = c;
	return 0;
out_free:
	k8s_client_free(c);
	return ret;
}

void k8s_client_free(struct k8s_client *c)
{
	if (!c)
		return;
	/* each finish() unqueues its request; done() may free it */
	while (c->head)
		finish(c->head, -ECANCELED);
	http_conn_free(c->conn);
	tls_config_free(c->tls);
	free(c);
}

enum k8s_res_version k8s_client_version(const struct k8s_client *c)
{
	return c->version;
}

void k8s_client_set_version(struct k8s_client *c, enum k8s_res_version v)
{
	c->version = v;
}

const struct k8s_config *k8s_client_config(const struct k8s_client *c)
{
	return c->cfg;
}

struct k8s_config *k8s_client_cfg(struct k8s_client *c)
{
	return c->cfg;
}

uint32_t k8s_client_backoff(struct k8s_client *c, unsigned attempt)
{
	return backoff(c, attempt);
}

struct tls_config *k8s_client_tls(const struct k8s_client *c)
{
	return c->tls;
}

const char *k8s_client_user_agent(const struct k8s_client *c)
{
	return c->ua;
}

/* ------------------------------------------------------------ requests */

static char *dup_or_null(struct arena *a, const char *s, bool *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = arena_strdup(a, s);
	if (!d)
		*oom = true;
	return d;
}

int k8s_req_start(struct k8s_client *c, const struct k8s_call *call, k8s_done_fn *done, void *arg,
		  struct k8s_req **out)
{
	struct k8s_req *r;
	bool oom = false;

	*out = NULL;
	if (!call || !call->method || !call->target || call->target[0] != '/')
		return -EINVAL;
	if (call->body_len > HTTP_REQUEST_MAX)
		return -EMSGSIZE;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->a = arena_new(64 * 1024);
	r->ra = arena_new(K8S_REQ_ARENA_CAP);
	if (!r->a || !r->ra)
		goto out_free;
	r->method = dup_or_null(r->a, call->method, &oom);
	r->target = dup_or_null(r->a, call->target, &oom);
	r->content_type = dup_or_null(r->a, call->content_type, &oom);
	r->verb = dup_or_null(r->a, call->verb, &oom);
	r->resource = dup_or_null(r->a, call->resource, &oom);
	if (call->body) {
		r->body = malloc(call->body_len + 1);
		if (!r->body)
			oom = true;
		else
			memcpy(r->body, call->body, call->body_len);
		if (r->body)
			r->body[call->body_len] = '\0';
		r->body_len = call->body_len;
	}
	if (oom)
		goto out_free;
	r->idempotent = call->idempotent;
	r->conflict_reread = call->conflict_reread;
	r->done = done;
	r->arg = arg;
	r->result = -EINPROGRESS;
	r->resp_body = "";
	r->c = c;
	r->queued = true;
	if (c->tail)
		c->tail->next = r;
	else
		c->head = r;
	c->tail = r;
	*out = r;
	return 0;
out_free:
	free(r->body);
	arena_free(r->a);
	arena_free(r->ra);
	free(r);
	return -ENOMEM;
}

int k8s_req_result(const struct k8s_req *r)
{
	return r->result;
}

int k8s_req_http_status(const struct k8s_req *r)
{
	return r->http_status;
}

const char *k8s_req_body(const struct k8s_req *r, size_t *len)
{
	if (len)
		*len = r->resp_len;
	return r->resp_body;
}

const struct k8s_status *k8s_req_status(const struct k8s_req *r)
{
	return &r->st;
}

const char *k8s_req_strerror(const struct k8s_req *r)
{
	if (r->result == 0)
		return "";
	if (r->result == -ECANCELED)
		return "canceled";
	return r->err[0] ? r->err : strerror(-r->result);
}

unsigned k8s_req_attempts(const struct k8s_req *r)
{
	return r->attempts;
}

struct arena *k8s_req_arena(struct k8s_req *r)
{
	return r->ra;
}

void k8s_req_free(struct k8s_req *r)
{
	if (!r)
		return;
	if (r->queued) {
		r->done = NULL; /* the owner is freeing it: no callback into it */
		finish(r, -ECANCELED);
	}
	free(r->body);
	arena_free(r->a);
	arena_free(r->ra);
	free(r);
}

/* ------------------------------------------------------------ loop */

int k8s_client_fd(const struct k8s_client *c)
{
	return http_conn_fd(c->conn);
}

short k8s_client_events(struct k8s_client *c)
{
	return http_conn_events(c->conn);
}

uint64_t k8s_client_deadline(const struct k8s_client *c)
{
	const struct k8s_req *r = c->head;

	if (!r)
		return UINT64_MAX;
	if (!r->in_flight)
		return r->not_before;
	return http_conn_deadline(c->conn);
}

bool k8s_client_is_busy(const struct k8s_client *c)
{
	return c->head != NULL;
}

int k8s_client_step(struct k8s_client *c, uint64_t now, short revents)
{
	for (;;) {
		struct k8s_req *r = c->head;
		int ret;

		if (!r) {
			/* idle: lets the connection notice the server's close (-EAGAIN) */
			ret = http_conn_step(c->conn, now, revents);
			return ret == -ENOMEM ? ret : 0;
		}
		if (!r->in_flight) {
			if (now < r->not_before)
				return 0;
			ret = start_attempt(r, now);
			if (ret)
				finish(r, ret);
			continue;
		}
		ret = http_conn_step(c->conn, now, revents);
		revents = 0;
		if (ret == HTTP_EV_HEAD || ret == HTTP_EV_BODY)
			continue;
		if (ret == -EAGAIN)
			return 0;
		if (ret == HTTP_EV_DONE)
			on_response(r, now);
		else
			on_conn_error(r, ret, now);
	}
}

int k8s_do(struct k8s_client *c, const struct k8s_call *call, struct k8s_req **out)
{
	struct k8s_req *r;
	int ret;

	if (out)
		*out = NULL;
	ret = k8s_req_start(c, call, NULL, NULL, &r);
	if (ret)
		return ret;
	while (r->result == -EINPROGRESS) {
		struct pollfd pfd = { .fd = k8s_client_fd(c), .events = k8s_client_events(c) };
		uint64_t now = time_now_ms(), dl = k8s_client_deadline(c);
		int wait = dl <= now ? 0 : dl - now > 1000 ? 1000 : (int)(dl - now);
		int n = poll(&pfd, pfd.fd >= 0 ? 1 : 0, wait);

		if (n < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		ret = k8s_client_step(c, time_now_ms(), n > 0 ? pfd.revents : 0);
		if (ret)
			break;
	}
	if (!ret)
		ret = r->result;
	if (out)
		*out = r;
	else
		k8s_req_free(r);
	return ret;
}

int k8s_discover(struct k8s_client *c)
{
	const char *segs[] = { "apis", "resource.k8s.io" };
	struct k8s_call call = {
		.method = "GET", .verb = "get", .resource = "discovery", .idempotent = true
	};
	struct k8s_req *r = NULL;
	struct buf t;
	const char *body;
	size_t len;
	int ret;

	buf_init(&t, K8S_TARGET_MAX + 1);
	ret = k8s_target(&t, c->cfg->base_path, segs, 2, NULL, 0);
	call.target = t.p;
	if (!ret)
		ret = k8s_do(c, &call, &r);
	if (!ret) {
		body = k8s_req_body(r, &len);
		ret = k8s_discovery_pick(body, len);
		if (ret > 0)
			c->version = (enum k8s_res_version)ret;
	}
	if (ret < 0 && r)
		log_debug("discovery failed", "error=\"%s\"", k8s_req_strerror(r));
	k8s_req_free(r);
	buf_fini(&t);
	return ret;
}
