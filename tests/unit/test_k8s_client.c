// SPDX-License-Identifier: Apache-2.0
/*
 * lib/k8s client.c and watch.c against a scripted HTTP server on 127.0.0.1
 * in this process (the test plays the server between client steps, so the
 * orderings are exact), with the clock passed to the steps moved forward
 * by the test instead of sleeping: Retry-After and backoff waits, the 401
 * token re-read, the 409 re-read of a PUT, POST not resent on a dropped
 * connection, cancellation, and a watch's targets, split events, 410 (as
 * an ERROR event and as HTTP) and 403.
 */
#include "k8s/k8s.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "t.h"

struct srv {
	int lfd, fd;
	uint16_t port;
	char req[16384]; /* the last request: head and body */
};

static uint64_t skew;

static uint64_t now(void)
{
	return time_now_ms() + skew;
}

static int srv_open(struct srv *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	s->fd = -1;
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(s->lfd, 4) < 0 || getsockname(s->lfd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	s->port = ntohs(a.sin_port);
	return 0;
}

static void srv_close(struct srv *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (s->lfd >= 0)
		close(s->lfd);
	s->fd = s->lfd = -1;
}

/* Step the client (and watch @w when not NULL) for about @ms. */
static void pump(struct k8s_client *c, int ms)
{
	uint64_t end = time_now_ms() + (uint64_t)ms;

	while (time_now_ms() < end) {
		struct pollfd p = { k8s_client_fd(c), k8s_client_events(c), 0 };

		if (k8s_client_step(c, now(), 0))
			return;
		poll(&p, p.fd >= 0 ? 1 : 0, 2);
		if (k8s_client_step(c, now(), p.revents))
			return;
	}
}

/* Accept a new connection if one is waiting (keeping the old one otherwise). */
static void srv_maybe_accept(struct srv *s)
{
	struct pollfd p = { s->lfd, POLLIN, 0 };

	if (poll(&p, 1, 0) == 1) {
		if (s->fd >= 0)
			close(s->fd);
		s->fd = accept(s->lfd, NULL, NULL);
		/* small writes go out at once (no Nagle wait for the client's delayed ACK) */
		if (s->fd >= 0 &&
		    setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int)))
			T_FAIL("%s", "TCP_NODELAY");
	}
}

/* Read one whole request (head + Content-Length body) into s->req, stepping @c meanwhile. */
static bool srv_read(struct srv *s, struct k8s_client *c)
{
	size_t n = 0;

	for (int i = 0; i < 500; i++) {
		char *end;
		ssize_t r;

		if (c)
			pump(c, 2);
		srv_maybe_accept(s);
		if (s->fd < 0)
			continue;
		r = recv(s->fd, s->req + n, sizeof(s->req) - 1 - n, MSG_DONTWAIT);
		if (r > 0)
			n += (size_t)r;
		s->req[n] = '\0';
		end = strstr(s->req, "\r\n\r\n");
		if (end) {
			const char *cl = strstr(s->req, "Content-Length: ");
			size_t body = cl && cl < end ? (size_t)atoi(cl + 16) : 0;

			if (n >= (size_t)(end + 4 - s->req) + body)
				return true;
		}
		if (!c)
			usleep(2000);
	}
	return false;
}

static void srv_write(struct srv *s, const char *text)
{
	if (write(s->fd, text, strlen(text)) != (ssize_t)strlen(text))
		T_FAIL("%s", "server write failed");
}

/* A JSON answer with Content-Length. */
static void srv_answer(struct srv *s, int code, const char *extra, const char *body)
{
	char head[512];

	snprintf(head, sizeof(head),
		 "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n%sContent-Length: %zu\r\n\r\n",
		 code, extra ? extra : "", strlen(body));
	srv_write(s, head);
	srv_write(s, body);
}

static int wait_result(struct k8s_client *c, struct k8s_req *r)
{
	for (int i = 0; i < 500 && k8s_req_result(r) == -EINPROGRESS; i++)
		pump(c, 2);
	return k8s_req_result(r);
}

struct env {
	char dir[64], token_file[96];
	struct k8s_config cfg;
	struct k8s_client *c;
	struct srv s;
};

static void write_token(struct env *e, const char *tok)
{
	FILE *f = fopen(e->token_file, "w");

	if (!f || fputs(tok, f) < 0 || fclose(f))
		T_FAIL("%s", "token file");
}

static bool env_open(struct env *e)
{
	char kc[512];
	struct k8s_config_err err;
	struct k8s_client_opts o = { .attempts = 3 };

	memset(e, 0, sizeof(*e));
	skew = 0;
	snprintf(e->dir, sizeof(e->dir), "/tmp/test_k8s_client.XXXXXX");
	if (!mkdtemp(e->dir) || srv_open(&e->s))
		return false;
	snprintf(e->token_file, sizeof(e->token_file), "%s/token", e->dir);
	write_token(e, "tok-1");
	snprintf(kc, sizeof(kc),
		 "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: "
		 "http://127.0.0.1:%u\nusers:\n- name: u\n  user:\n    tokenFile: %s\n"
		 "contexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n"
		 "current-context: x\n",
		 e->s.port, e->token_file);
	if (k8s_config_parse_kubeconfig(&e->cfg, kc, strlen(kc), e->dir, NULL, NULL, &err))
		return false;
	return k8s_client_new(&e->cfg, &o, &e->c) == 0;
}

static void env_close(struct env *e)
{
	k8s_client_free(e->c);
	k8s_config_fini(&e->cfg);
	srv_close(&e->s);
	unlink(e->token_file);
	rmdir(e->dir);
}

static const struct k8s_call get_x = {
	.method = "GET", .target = "/x", .verb = "get", .resource = "x", .idempotent = true
};

static void test_retry_after_and_backoff(void)
{
	struct env e;
	struct k8s_req *r = NULL;
	uint64_t t, dl;

	REQUIRE(env_open(&e));
	REQUIRE(k8s_req_start(e.c, &get_x, NULL, NULL, &r) == 0);
	CHECK_EQ(k8s_req_result(r), -EINPROGRESS);
	REQUIRE(srv_read(&e.s, e.c));
	CHECK(strncmp(e.s.req, "GET /x HTTP/1.1\r\n", 17) == 0);
	CHECK(strstr(e.s.req, "Authorization: Bearer tok-1\r\n") != NULL);
	srv_answer(&e.s, 429, "Retry-After: 2\r\n",
		   "{\"kind\":\"Status\",\"code\":429,\"reason\":\"TooManyRequests\"}");
	pump(e.c, 30);
	/* waiting for Retry-After: the deadline says when, nothing is sent before */
	t = now();
	dl = k8s_client_deadline(e.c);
	CHECK(dl > t + 1800 && dl <= t + 2000);
	CHECK_EQ(k8s_req_result(r), -EINPROGRESS);
	CHECK_EQ(k8s_req_attempts(r), 1);
	skew += 2000;
	REQUIRE(srv_read(&e.s, e.c));
	CHECK_EQ(k8s_req_attempts(r), 2);
	/* a 500 now: the backoff of the second failure, 500 ms minus jitter */
	srv_answer(&e.s, 500, NULL, "{\"kind\":\"Status\",\"code\":500,\"message\":\"boom\"}");
	pump(e.c, 30);
	t = now();
	dl = k8s_client_deadline(e.c);
	if (!(dl >= t + 200 && dl <= t + 500))
		T_FAIL("backoff deadline %lld ms ahead", (long long)(dl - t));
	skew += 500;
	REQUIRE(srv_read(&e.s, e.c));
	/* the third attempt is the last one (attempts = 3): its 500 is the answer */
	srv_answer(&e.s, 500, NULL, "{\"kind\":\"Status\",\"code\":500,\"message\":\"boom\"}");
	CHECK_EQ(wait_result(e.c, r), -EIO);
	CHECK_EQ(k8s_req_attempts(r), 3);
	CHECK_EQ(k8s_req_http_status(r), 500);
	CHECK_STR(k8s_req_status(r)->message, "boom");
	CHECK(strstr(k8s_req_strerror(r), "GET /x: 500") != NULL);
	CHECK(!k8s_client_is_busy(e.c));
	k8s_req_free(r);
	env_close(&e);
}

static void test_401_token_reread(void)
{
	struct env e;
	struct k8s_req *r = NULL;

	REQUIRE(env_open(&e));
	REQUIRE(k8s_req_start(e.c, &get_x, NULL, NULL, &r) == 0);
	REQUIRE(srv_read(&e.s, e.c));
	CHECK(strstr(e.s.req, "Bearer tok-1\r\n") != NULL);
	write_token(&e, "tok-2\n");
	srv_answer(&e.s, 401, NULL,
		   "{\"kind\":\"Status\",\"code\":401,\"reason\":\"Unauthorized\"}");
	REQUIRE(srv_read(&e.s, e.c));
	CHECK(strstr(e.s.req, "Bearer tok-2\r\n") != NULL);
	/* a second 401 for the same request is the answer (retried once) */
	srv_answer(&e.s, 401, NULL,
		   "{\"kind\":\"Status\",\"code\":401,\"reason\":\"Unauthorized\"}");
	CHECK_EQ(wait_result(e.c, r), -EPERM);
	k8s_req_free(r);
	/* the next request uses the new token at once */
	REQUIRE(k8s_req_start(e.c, &get_x, NULL, NULL, &r) == 0);
	REQUIRE(srv_read(&e.s, e.c));
	CHECK(strstr(e.s.req, "Bearer tok-2\r\n") != NULL);
	srv_answer(&e.s, 200, NULL, "{}");
	CHECK_EQ(wait_result(e.c, r), 0);
	k8s_req_free(r);
	env_close(&e);
}

static void test_409_reread(void)
{
	struct env e;
	struct k8s_req *r = NULL;
	static const char doc[] =
		"{\"metadata\":{\"name\":\"s\",\"resourceVersion\":\"5\"},\"spec\":1}";
	struct k8s_call put = { .method = "PUT",
				.target = "/s",
				.body = doc,
				.body_len = sizeof(doc) - 1,
				.idempotent = true,
				.conflict_reread = true };
	const char *body;

	REQUIRE(env_open(&e));
	REQUIRE(k8s_req_start(e.c, &put, NULL, NULL, &r) == 0);
	REQUIRE(srv_read(&e.s, e.c));
	CHECK(strncmp(e.s.req, "PUT /s ", 7) == 0);
	CHECK(strstr(e.s.req, "Content-Type: application/json\r\n") != NULL);
	srv_answer(&e.s, 409, NULL, "{\"kind\":\"Status\",\"code\":409,\"reason\":\"Conflict\"}");
	REQUIRE(srv_read(&e.s, e.c));
	CHECK(strncmp(e.s.req, "GET /s ", 7) == 0);
	srv_answer(
		&e.s, 200, NULL,
		"{\"metadata\":{\"name\":\"s\",\"resourceVersion\":\"77\",\"uid\":\"u\"},\"spec\":0}");
	REQUIRE(srv_read(&e.s, e.c));
	CHECK(strncmp(e.s.req, "PUT /s ", 7) == 0);
	body = strstr(e.s.req, "\r\n\r\n");
	REQUIRE(body);
	CHECK_STR(body + 4,
		  "{\"metadata\":{\"name\":\"s\",\"resourceVersion\":\"77\"},\"spec\":1}");
	srv_answer(&e.s, 200, NULL, "{\"metadata\":{\"resourceVersion\":\"78\"}}");
	CHECK_EQ(wait_result(e.c, r), 0);
	CHECK(strstr(k8s_req_body(r, NULL), "\"78\"") != NULL);
	k8s_req_free(r);
	/* AlreadyExists is not a conflict to re-read */
	put.method = "POST";
	REQUIRE(k8s_req_start(e.c, &put, NULL, NULL, &r) == 0);
	REQUIRE(srv_read(&e.s, e.c));
	srv_answer(&e.s, 409, NULL,
		   "{\"kind\":\"Status\",\"code\":409,\"reason\":\"AlreadyExists\"}");
	CHECK_EQ(wait_result(e.c, r), -EEXIST);
	k8s_req_free(r);
	env_close(&e);
}

static void test_post_not_resent(void)
{
	struct env e;
	struct k8s_req *r = NULL;
	struct k8s_call post = { .method = "POST", .target = "/p", .body = "{}", .body_len = 2 };

	REQUIRE(env_open(&e));
	REQUIRE(k8s_req_start(e.c, &post, NULL, NULL, &r) == 0);
	REQUIRE(srv_read(&e.s, e.c));
	close(e.s.fd);
	e.s.fd = -1;
	CHECK(wait_result(e.c, r) < 0);
	CHECK(k8s_req_result(r) != -EINPROGRESS);
	CHECK_EQ(k8s_req_attempts(r), 1);
	k8s_req_free(r);
	/* a GET is resent after the backoff */
	REQUIRE(k8s_req_start(e.c, &get_x, NULL, NULL, &r) == 0);
	REQUIRE(srv_read(&e.s, e.c));
	close(e.s.fd);
	e.s.fd = -1;
	pump(e.c, 30);
	skew += 300;
	REQUIRE(srv_read(&e.s, e.c));
	srv_answer(&e.s, 200, NULL, "{}");
	CHECK_EQ(wait_result(e.c, r), 0);
	CHECK_EQ(k8s_req_attempts(r), 2);
	k8s_req_free(r);
	env_close(&e);
}

struct count {
	int calls, last;
	struct k8s_req **own; /* freed from inside the callback when set */
};

static void on_done(struct k8s_req *r, void *arg)
{
	struct count *n = arg;

	n->calls++;
	n->last = k8s_req_result(r);
	if (n->own) {
		k8s_req_free(*n->own);
		*n->own = NULL;
	}
}

static void test_cancel_and_free(void)
{
	struct env e;
	struct k8s_req *r1 = NULL, *r2 = NULL, *r3 = NULL;
	struct count n1 = { 0 }, n2 = { 0 }, n3 = { 0 };

	REQUIRE(env_open(&e));
	REQUIRE(k8s_req_start(e.c, &get_x, on_done, &n1, &r1) == 0);
	REQUIRE(k8s_req_start(e.c, &get_x, on_done, &n2, &r2) == 0);
	n2.own = &r2;
	REQUIRE(srv_read(&e.s, e.c));
	/* the owner frees r1 in flight: no callback, r2 goes on (on a new connection) */
	k8s_req_free(r1);
	CHECK_EQ(n1.calls, 0);
	REQUIRE(srv_read(&e.s, e.c));
	srv_answer(&e.s, 200, NULL, "{}");
	for (int i = 0; i < 200 && n2.calls == 0; i++)
		pump(e.c, 2);
	CHECK_EQ(n2.calls, 1);
	CHECK_EQ(n2.last, 0);
	CHECK(r2 == NULL); /* freed by its callback */
	/* the client goes away with a request queued: -ECANCELED, freed in the callback */
	REQUIRE(k8s_req_start(e.c, &get_x, on_done, &n3, &r3) == 0);
	n3.own = &r3;
	k8s_client_free(e.c);
	e.c = NULL;
	CHECK_EQ(n3.calls, 1);
	CHECK_EQ(n3.last, -ECANCELED);
	CHECK(r3 == NULL);
	env_close(&e);
}

/* ------------------------------------------------------------ watch */

static int watch_next(struct k8s_watch *w, struct srv *s, struct k8s_watch_event *ev)
{
	for (int i = 0; i < 500; i++) {
		struct pollfd p = { k8s_watch_fd(w), k8s_watch_events(w), 0 };
		int ret = k8s_watch_step(w, now(), 0, ev);

		if (ret != -EAGAIN)
			return ret;
		srv_maybe_accept(s);
		poll(&p, p.fd >= 0 ? 1 : 0, 2);
		ret = k8s_watch_step(w, now(), p.revents, ev);
		if (ret != -EAGAIN)
			return ret;
	}
	return -ETIME;
}

/* Read the watch's request while stepping it. */
static bool watch_read(struct k8s_watch *w, struct srv *s)
{
	struct k8s_watch_event ev;

	for (int i = 0; i < 50; i++) {
		if (k8s_watch_step(w, now(), 0, &ev) != -EAGAIN)
			return false;
		srv_maybe_accept(s);
		usleep(1000);
	}
	return srv_read(s, NULL);
}

static void chunk(struct srv *s, const char *data)
{
	char head[32];

	snprintf(head, sizeof(head), "%zx\r\n", strlen(data));
	srv_write(s, head);
	srv_write(s, data);
	srv_write(s, "\r\n");
}

static void test_watch(void)
{
	struct env e;
	struct k8s_watch *w = NULL;
	struct k8s_watch_event ev;

	REQUIRE(env_open(&e));
	REQUIRE(k8s_watch_new(e.c, "/apis/g/v1/things", "spec.nodeName=n1", "10", &w) == 0);
	REQUIRE(watch_read(w, &e.s));
	CHECK(str_has_prefix(
		e.s.req, "GET /apis/g/v1/things?watch=1&resourceVersion=10&allowWatchBookmarks=true"
			 "&timeoutSeconds=300&fieldSelector=spec.nodeName%3Dn1 HTTP/1.1\r\n"));
	if (!str_has_prefix(e.s.req, "GET /apis/g/v1/things?watch=1&resourceVersion=10&"))
		T_FAIL("watch request: %.200s", e.s.req);
	srv_write(&e.s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
	/* an event cut across chunks, then two in one chunk */
	chunk(&e.s, "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\",");
	chunk(&e.s,
	      "\"resourceVersion\":\"11\"}}}\n{\"type\":\"BOOKMARK\",\"object\":"
	      "{\"metadata\":{\"resourceVersion\":\"12\"}}}\n{\"type\":\"DELETED\",\"object\":"
	      "{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"13\"}}}\n");
	REQUIRE(watch_next(w, &e.s, &ev) == 1);
	CHECK_EQ(ev.type, K8S_WATCH_ADDED);
	CHECK_STR(ev.meta.name, "a");
	REQUIRE(watch_next(w, &e.s, &ev) == 1);
	CHECK_EQ(ev.type, K8S_WATCH_BOOKMARK);
	CHECK_STR(k8s_watch_rv(w), "12");
	REQUIRE(watch_next(w, &e.s, &ev) == 1);
	CHECK_EQ(ev.type, K8S_WATCH_DELETED);
	CHECK_STR(k8s_watch_rv(w), "13");
	/* 410 as an ERROR event: stopped until restarted */
	chunk(&e.s, "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,"
		    "\"reason\":\"Expired\",\"message\":\"too old resource version: 13 (20)\"}}\n");
	CHECK_EQ(watch_next(w, &e.s, &ev), K8S_WATCH_GONE);
	CHECK_EQ(k8s_watch_fd(w), -1);
	CHECK_EQ(k8s_watch_deadline(w), UINT64_MAX);
	/* resume from a list's resourceVersion: 410 as HTTP this time */
	REQUIRE(k8s_watch_restart(w, "20") == 0);
	REQUIRE(watch_read(w, &e.s));
	CHECK(strstr(e.s.req, "resourceVersion=20&") != NULL);
	srv_answer(&e.s, 410, NULL, "{\"kind\":\"Status\",\"code\":410,\"reason\":\"Gone\"}");
	CHECK_EQ(watch_next(w, &e.s, &ev), K8S_WATCH_GONE);
	/* the stream ends after an event: resumed at once from the last resourceVersion */
	REQUIRE(k8s_watch_restart(w, "21") == 0);
	REQUIRE(watch_read(w, &e.s));
	srv_write(&e.s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
	chunk(&e.s, "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"b\","
		    "\"resourceVersion\":\"22\"}}}\n");
	srv_write(&e.s, "0\r\n\r\n");
	REQUIRE(watch_next(w, &e.s, &ev) == 1);
	CHECK_EQ(ev.type, K8S_WATCH_MODIFIED);
	REQUIRE(watch_read(w, &e.s));
	CHECK(strstr(e.s.req, "resourceVersion=22&") != NULL);
	CHECK_EQ(k8s_watch_connects(w), 4);
	/* 403: fatal, reported */
	srv_answer(&e.s, 403, NULL, "{\"kind\":\"Status\",\"code\":403,\"reason\":\"Forbidden\"}");
	CHECK_EQ(watch_next(w, &e.s, &ev), -EACCES);
	CHECK_EQ(k8s_watch_step(w, now(), 0, &ev), -EACCES);
	k8s_watch_free(w);
	env_close(&e);
}

int main(void)
{
	static const struct t_case tests[] = {
		T(test_retry_after_and_backoff), T(test_401_token_reread), T(test_409_reread),
		T(test_post_not_resent),	 T(test_cancel_and_free),  T(test_watch),
	};

	log_setup("test", getenv("T_DEBUG") ? LOG_DEBUG : LOG_ERR);
	return T_RUN(tests);
}
