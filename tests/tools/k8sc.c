// SPDX-License-Identifier: Apache-2.0
/*
 * k8sc: a test client over lib/k8s, for tests/e2e/41-44.
 *
 *   k8sc [--kubeconfig FILE [--context NAME] | --in-cluster ROOT]
 *        [--versions auto|v1|v1beta2|v1beta1] [--attempts N] [--timeout MS]
 *        [--repeat N [--between SHELLCMD]] CMD ARGS...
 *
 *   discover                        {"version": "v1"}
 *   list NODE                       {"resourceVersion", "items": [v1-shaped slices]}
 *   create FILE                     the created slice (v1 shape); FILE is v1-shaped
 *   update NAME FILE                PUT (409 → re-read, retried); the stored slice
 *   delete NAME [UID RV]            {"deleted": NAME}
 *   node NAME                       {"name", "uid", "addresses": [{type, address}]}
 *   pod NS NAME | claim NS NAME     the object as the server sent it
 *   apply-status NS NAME FILE       FILE: a JSON array of status.devices entries of dra.net
 *   event NS FILE                   POST a core/v1 Event
 *   watch NODE N [RV]               slices of NODE: one line per event
 *                                   {"type", "name", "rv"} until N non-bookmark events;
 *                                   410 → {"type": "RELIST", "rv"} and the watch resumes
 *                                   from a fresh list's resourceVersion
 *   watch-claims NS N               claims of namespace NS from their current state
 *                                   (ADDED first), N non-bookmark events as above
 *   loop NODE K FILE                the driver's shape: one epoll loop over the
 *                                   request connection and a watch of NODE's slices;
 *                                   K-1 lists and a create of FILE queued at once:
 *                                   {"done": K, "failed": 0, "watch_saw_create": true}
 *
 * --repeat runs CMD N times on one client (one connection, one 403 report),
 * running SHELLCMD between two runs (e.g. a token rotation at the peer).
 * Versions other than auto skip discovery. A failed API call prints
 * {"error": "EACCES", "code": 403, "message": "..."} on stdout and exits 3;
 * other failures "k8sc: ..." on stderr, exit 1. Every request also prints
 * "k8sc: attempts=N" on stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "json/json.h"
#include "k8s/k8s.h"

static const char *errname(int e)
{
	static const struct {
		int e;
		const char *n;
	} t[] = {
		{ EACCES, "EACCES" },
		{ EPERM, "EPERM" },
		{ ENOENT, "ENOENT" },
		{ EEXIST, "EEXIST" },
		{ ESTALE, "ESTALE" },
		{ ETIME, "ETIME" },
		{ EINVAL, "EINVAL" },
		{ EBUSY, "EBUSY" },
		{ EIO, "EIO" },
		{ ETIMEDOUT, "ETIMEDOUT" },
		{ ECONNREFUSED, "ECONNREFUSED" },
		{ ECONNRESET, "ECONNRESET" },
		{ EKEYREJECTED, "EKEYREJECTED" },
		{ EOPNOTSUPP, "EOPNOTSUPP" },
		{ EMSGSIZE, "EMSGSIZE" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (t[i].e == e)
			return t[i].n;
	return "E?";
}

static int read_json(const char *path, struct json **out)
{
	static char text[4u << 20];
	int n = fd_read_file(-100 /* AT_FDCWD */, path, text, sizeof(text));
	struct json_err err;

	if (n < 0)
		return n;
	if (json_parse(text, (size_t)n, out, &err)) {
		char b[600];

		fprintf(stderr, "k8sc: %s: %s\n", path, json_err_format(&err, b, sizeof(b)));
		return -EBADMSG;
	}
	return 0;
}

static void print_json(const struct json *v)
{
	struct buf b;

	buf_init(&b, BUF_CAP_DEFAULT);
	if (json_print(v, JSON_COMPACT, &b) == 0)
		printf("%s\n", b.p);
	buf_fini(&b);
	fflush(stdout);
}

/* Run @call; on an API error print it and return 3. *body gets the answer on success. */
static int run(struct k8s_client *c, const struct k8s_call *call, struct k8s_req **out)
{
	struct k8s_req *r = NULL;
	int ret = k8s_do(c, call, &r);

	if (r)
		fprintf(stderr, "k8sc: attempts=%u\n", k8s_req_attempts(r));
	if (ret) {
		const struct k8s_status *st = r ? k8s_req_status(r) : NULL;
		struct json *e = json_new_object();

		if (e && !json_obj_add_str(e, "error", errname(-ret)) &&
		    !json_obj_add_int(e, "code", r ? k8s_req_http_status(r) : 0) &&
		    !json_obj_add_str(e, "message",
				      st && st->message && *st->message ? st->message
				      : r				? k8s_req_strerror(r)
									: strerror(-ret)))
			print_json(e);
		json_free(e);
		k8s_req_free(r);
		return 3;
	}
	*out = r;
	return 0;
}

/* Print a slice body in the v1 shape. */
static int print_slice_body(struct k8s_client *c, struct k8s_req *r)
{
	size_t len;
	const char *body = k8s_req_body(r, &len);
	struct json *v = NULL, *v1 = NULL;

	if (json_parse(body, len, &v, NULL) || k8s_slice_to_v1(v, k8s_client_version(c), &v1)) {
		json_free(v);
		return 1;
	}
	print_json(v1);
	json_free(v);
	json_free(v1);
	return 0;
}

static int cmd_list(struct k8s_client *c, const char *node, struct arena *a, char **rv_out)
{
	struct k8s_call call;
	struct k8s_req *r = NULL;
	struct k8s_list l;
	struct json *tree = NULL, *out = NULL, *items;
	const char *body;
	size_t len;
	int ret;

	if (k8s_call_slices_list(c, node, "dra.net", a, &call))
		return 1;
	ret = run(c, &call, &r);
	if (ret)
		return ret;
	body = k8s_req_body(r, &len);
	ret = 1;
	if (k8s_list_decode(body, len, a, &l, &tree))
		goto out;
	if (rv_out) {
		*rv_out = arena_strdup(a, l.resource_version ? l.resource_version : "");
		ret = 0;
		goto out;
	}
	out = json_new_object();
	items = out ? json_obj_add_array(out, "items") : NULL;
	if (!items ||
	    json_obj_add_str(out, "resourceVersion", l.resource_version ? l.resource_version : ""))
		goto out;
	for (const struct json *it = json_at(l.items, 0); it; it = json_next(it)) {
		struct json *v1 = NULL;

		if (k8s_slice_to_v1(it, k8s_client_version(c), &v1) || json_arr_add(items, v1))
			goto out;
	}
	print_json(out);
	ret = 0;
out:
	json_free(out);
	json_free(tree);
	k8s_req_free(r);
	return ret;
}

/* Watch slices of @node (NULL: claims of namespace @ns). */
static int cmd_watch(struct k8s_client *c, const char *node, const char *ns, int n, const char *rv0,
		     struct arena *a)
{
	struct k8s_watch *w = NULL;
	const char *path, *fsel = NULL;
	int seen = 0, ret;

	if (k8s_collection_path(c, node ? K8S_COLL_SLICES : K8S_COLL_CLAIMS, ns, a, &path))
		return 1;
	if (node && !(fsel = arena_printf(a, "spec.nodeName=%s,spec.driver=dra.net", node)))
		return 1;
	ret = k8s_watch_new(c, path, fsel, rv0, &w);
	if (ret) {
		fprintf(stderr, "k8sc: watch: %s\n", strerror(-ret));
		return 1;
	}
	while (seen < n) {
		struct k8s_watch_event ev;
		struct pollfd pfd;
		uint64_t now = time_now_ms(), dl;
		int p;

		ret = k8s_watch_step(w, now, 0, &ev);
		if (ret == 1) {
			printf("{\"type\":\"%s\",\"name\":\"%s\",\"rv\":\"%s\"}\n",
			       k8s_watch_type_name(ev.type), ev.meta.name ? ev.meta.name : "",
			       ev.meta.resource_version);
			fflush(stdout);
			if (ev.type != K8S_WATCH_BOOKMARK)
				seen++;
			continue;
		}
		if (ret == K8S_WATCH_GONE) {
			char *rv = "";

			/* claims: resume from their current state (ADDED again) */
			ret = node ? cmd_list(c, node, a, &rv) : 0;
			if (ret)
				break;
			printf("{\"type\":\"RELIST\",\"rv\":\"%s\"}\n", rv);
			fflush(stdout);
			if (k8s_watch_restart(w, rv))
				break;
			continue;
		}
		if (ret != -EAGAIN) {
			printf("{\"error\":\"%s\"}\n", errname(-ret));
			ret = 3;
			break;
		}
		ret = 0;
		pfd.fd = k8s_watch_fd(w);
		pfd.events = k8s_watch_events(w);
		dl = k8s_watch_deadline(w);
		p = poll(&pfd, pfd.fd >= 0 ? 1 : 0,
			 dl <= now	   ? 0
			 : dl - now > 1000 ? 1000
					   : (int)(dl - now));
		if (p < 0 && errno != EINTR)
			break;
	}
	fprintf(stderr, "k8sc: watch connects=%u\n", k8s_watch_connects(w));
	k8s_watch_free(w);
	return seen >= n ? 0 : ret ? ret : 1;
}

struct loop_ctx {
	int done, failed;
};

static void loop_done(struct k8s_req *r, void *arg)
{
	struct loop_ctx *x = arg;

	x->done++;
	if (k8s_req_result(r))
		x->failed++;
}

/* One epoll registration kept in step with an fd that changes on reconnects. */
struct reg {
	int fd;
	uint32_t events;
};

static int reg_update(int ep, struct reg *r, int fd, short pev, void *tag)
{
	struct epoll_event ev = { .events = (pev & POLLIN ? EPOLLIN : 0u) |
					    (pev & POLLOUT ? EPOLLOUT : 0u),
				  .data.ptr = tag };

	if (r->fd >= 0 && r->fd != fd) {
		(void)epoll_ctl(ep, EPOLL_CTL_DEL, r->fd, NULL); /* may be closed already */
		r->fd = -1;
	}
	if (fd < 0)
		return 0;
	if (r->fd < 0) {
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			return -errno;
	} else if (r->events != ev.events && epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) < 0) {
		/* closed and reopened under the same number: the kernel dropped the old entry */
		if (errno != ENOENT || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			return -errno;
	}
	r->fd = fd;
	r->events = ev.events;
	return 0;
}

static short revents_of(const struct epoll_event *e)
{
	return (short)((e->events & EPOLLIN ? POLLIN : 0) | (e->events & EPOLLOUT ? POLLOUT : 0) |
		       (e->events & (EPOLLERR | EPOLLHUP) ? POLLIN : 0));
}

/*
 * The driver's shape: one epoll loop over the request connection and a watch
 * of NODE's slices (from the current state). K-1 lists and one create of
 * FILE are queued at once; the loop ends when all K answered and the watch
 * saw the created slice ADDED (at most 10 s).
 */
static int cmd_loop(struct k8s_client *c, const char *node, int k, const char *file,
		    struct arena *a)
{
	struct k8s_req *rs[64] = { 0 };
	struct loop_ctx x = { 0 };
	struct k8s_watch *w = NULL;
	struct reg rc = { -1, 0 }, rw = { -1, 0 };
	struct json *doc = NULL;
	const char *path, *fsel, *created = NULL, *added[256];
	size_t nadded = 0;
	bool seen = false;
	uint64_t end = time_now_ms() + 10000;
	int ep = epoll_create1(EPOLL_CLOEXEC), ret;

	if (ep < 0 || k < 1 || k > 64 || read_json(file, &doc))
		return 1;
	fsel = arena_printf(a, "spec.nodeName=%s,spec.driver=dra.net", node);
	ret = fsel ? k8s_collection_path(c, K8S_COLL_SLICES, NULL, a, &path) : -ENOMEM;
	if (!ret)
		ret = k8s_watch_new(c, path, fsel, NULL, &w);
	for (int i = 0; i < k && !ret; i++) {
		struct k8s_call call;

		ret = i == k - 1 ? k8s_call_slice_create(c, doc, a, &call)
				 : k8s_call_slices_list(c, node, "dra.net", a, &call);
		if (!ret)
			ret = k8s_req_start(c, &call, loop_done, &x, &rs[i]);
	}
	while (!ret && (k8s_client_is_busy(c) || !seen) && time_now_ms() < end) {
		struct epoll_event evs[2];
		struct k8s_watch_event wev;
		short crev = 0, wrev = 0;
		uint64_t now = time_now_ms(), dl = k8s_client_deadline(c);
		int n;

		if (k8s_watch_deadline(w) < dl)
			dl = k8s_watch_deadline(w);
		ret = reg_update(ep, &rc, k8s_client_fd(c), k8s_client_events(c), &rc);
		if (!ret)
			ret = reg_update(ep, &rw, k8s_watch_fd(w), k8s_watch_events(w), &rw);
		if (ret)
			break;
		n = epoll_wait(ep, evs, 2,
			       dl <= now	 ? 0
			       : dl - now > 1000 ? 1000
						 : (int)(dl - now));
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == &rc)
				crev = revents_of(&evs[i]);
			else
				wrev = revents_of(&evs[i]);
		}
		ret = k8s_client_step(c, time_now_ms(), crev);
		if (!created && rs[k - 1] && k8s_req_result(rs[k - 1]) == 0) {
			struct json *v = NULL;
			const char *body = k8s_req_body(rs[k - 1], NULL);

			if (!json_parse(body, strlen(body), &v, NULL) &&
			    !json_get_string(json_get(json_get(v, "metadata"), "name"), &created))
				created = arena_strdup(a, created);
			json_free(v);
		}
		while (!ret) {
			int wret = k8s_watch_step(w, time_now_ms(), wrev, &wev);

			wrev = 0;
			if (wret == -EAGAIN)
				break;
			if (wret != 1) {
				ret = wret;
				break;
			}
			/* the event may come before the create's answer: remember the names */
			if (wev.type == K8S_WATCH_ADDED && wev.meta.name &&
			    nadded < ARRAY_SIZE(added))
				added[nadded++] = arena_strdup(a, wev.meta.name);
		}
		for (size_t i = 0; created && i < nadded; i++)
			if (added[i] && strcmp(added[i], created) == 0)
				seen = true;
	}
	printf("{\"done\":%d,\"failed\":%d,\"watch_saw_create\":%s}\n", x.done, x.failed,
	       seen ? "true" : "false");
	for (int i = 0; i < k; i++)
		k8s_req_free(rs[i]);
	k8s_watch_free(w);
	json_free(doc);
	close(ep);
	return ret || x.failed || !seen ? 1 : 0;
}

static int dispatch(struct k8s_client *c, int argc, char **argv, struct arena *a)
{
	const char *cmd = argv[0];
	struct k8s_call call;
	struct k8s_req *r = NULL;
	struct json *doc = NULL;
	int ret = 1;

#define NEED(n)                                                                                    \
	do {                                                                                       \
		if (argc < (n) + 1) {                                                              \
			fprintf(stderr, "k8sc: %s needs %d arguments\n", cmd, (n));                \
			return 2;                                                                  \
		}                                                                                  \
	} while (0)
	if (strcmp(cmd, "discover") == 0) {
		printf("{\"version\":\"%s\"}\n", k8s_res_version_name(k8s_client_version(c)));
		return 0;
	}
	if (strcmp(cmd, "list") == 0) {
		NEED(1);
		return cmd_list(c, argv[1], a, NULL);
	}
	if (strcmp(cmd, "watch") == 0) {
		NEED(2);
		return cmd_watch(c, argv[1], NULL, atoi(argv[2]), argc > 3 ? argv[3] : NULL, a);
	}
	if (strcmp(cmd, "watch-claims") == 0) {
		NEED(2);
		return cmd_watch(c, NULL, argv[1], atoi(argv[2]), NULL, a);
	}
	if (strcmp(cmd, "loop") == 0) {
		NEED(3);
		return cmd_loop(c, argv[1], atoi(argv[2]), argv[3], a);
	}
	if (strcmp(cmd, "create") == 0) {
		NEED(1);
		if (read_json(argv[1], &doc) || k8s_call_slice_create(c, doc, a, &call))
			goto out;
	} else if (strcmp(cmd, "update") == 0) {
		NEED(2);
		if (read_json(argv[2], &doc) || k8s_call_slice_update(c, argv[1], doc, a, &call))
			goto out;
	} else if (strcmp(cmd, "delete") == 0) {
		NEED(1);
		if (k8s_call_slice_delete(c, argv[1], argc > 2 ? argv[2] : NULL,
					  argc > 3 ? argv[3] : NULL, a, &call))
			goto out;
	} else if (strcmp(cmd, "node") == 0) {
		NEED(1);
		if (k8s_call_node_get(c, argv[1], a, &call))
			goto out;
	} else if (strcmp(cmd, "pod") == 0) {
		NEED(2);
		if (k8s_call_pod_get(c, argv[1], argv[2], a, &call))
			goto out;
	} else if (strcmp(cmd, "claim") == 0) {
		NEED(2);
		if (k8s_call_claim_get(c, argv[1], argv[2], a, &call))
			goto out;
	} else if (strcmp(cmd, "apply-status") == 0) {
		NEED(3);
		if (read_json(argv[3], &doc) ||
		    k8s_call_claim_status_apply(c, argv[1], argv[2], "dra.net", doc, a, &call))
			goto out;
	} else if (strcmp(cmd, "event") == 0) {
		NEED(2);
		if (read_json(argv[2], &doc) || k8s_call_event_create(c, argv[1], doc, a, &call))
			goto out;
	} else {
		fprintf(stderr, "k8sc: unknown command %s\n", cmd);
		return 2;
	}
	ret = run(c, &call, &r);
	if (ret)
		goto out;
	if (strcmp(cmd, "create") == 0 || strcmp(cmd, "update") == 0) {
		ret = print_slice_body(c, r);
	} else if (strcmp(cmd, "delete") == 0) {
		printf("{\"deleted\":\"%s\"}\n", argv[1]);
	} else if (strcmp(cmd, "node") == 0) {
		struct k8s_node n;
		size_t len;
		const char *body = k8s_req_body(r, &len);

		ret = k8s_node_decode(body, len, a, &n) ? 1 : 0;
		if (!ret) {
			printf("{\"name\":\"%s\",\"uid\":\"%s\",\"addresses\":[", n.meta.name,
			       n.meta.uid);
			for (size_t i = 0; i < n.naddrs; i++)
				printf("%s{\"type\":\"%s\",\"address\":\"%s\"}", i ? "," : "",
				       n.addrs[i].type ? n.addrs[i].type : "",
				       n.addrs[i].address ? n.addrs[i].address : "");
			printf("]}\n");
		}
	} else {
		printf("%s\n", k8s_req_body(r, NULL));
	}
out:
	json_free(doc);
	k8s_req_free(r);
	return ret;
#undef NEED
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "kubeconfig", required_argument, NULL, 'k' },
		{ "context", required_argument, NULL, 'c' },
		{ "in-cluster", required_argument, NULL, 'i' },
		{ "versions", required_argument, NULL, 'V' },
		{ "attempts", required_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 't' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "between", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	const char *kubeconfig = NULL, *context = NULL, *root = NULL, *versions = "auto";
	const char *between = NULL;
	int repeat = 1;
	struct k8s_client_opts o = { .user_agent = "k8sc/test" };
	struct k8s_config cfg = { 0 };
	struct k8s_config_err err = { { 0 } };
	struct k8s_client *c = NULL;
	struct arena *a;
	int opt, ret;

	log_setup("k8sc", getenv("K8SC_DEBUG") ? LOG_DEBUG : LOG_INFO);
	while ((opt = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
		switch (opt) {
		case 'k':
			kubeconfig = optarg;
			break;
		case 'c':
			context = optarg;
			break;
		case 'i':
			root = optarg;
			break;
		case 'V':
			versions = optarg;
			break;
		case 'a':
			o.attempts = (unsigned)atoi(optarg);
			break;
		case 't':
			o.timeout_ms = (uint32_t)atoi(optarg);
			break;
		case 'r':
			repeat = atoi(optarg);
			break;
		case 'b':
			between = optarg;
			break;
		default:
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: k8sc [--kubeconfig F | --in-cluster ROOT] CMD ARGS...\n");
		return 2;
	}
	if (root)
		ret = k8s_config_in_cluster(&cfg, getenv("KUBERNETES_SERVICE_HOST"),
					    getenv("KUBERNETES_SERVICE_PORT"), root, &err);
	else
		ret = k8s_config_load(&cfg, kubeconfig, context, &err);
	if (ret) {
		fprintf(stderr, "k8sc: config: %s (%s)\n", err.msg, strerror(-ret));
		return 1;
	}
	ret = k8s_client_new(&cfg, &o, &c);
	if (ret) {
		fprintf(stderr, "k8sc: client: %s\n", strerror(-ret));
		k8s_config_fini(&cfg);
		return 1;
	}
	if (strcmp(versions, "auto") == 0) {
		ret = k8s_discover(c);
		if (ret < 0) {
			printf("{\"error\":\"%s\",\"code\":0,\"message\":\"discovery\"}\n",
			       errname(-ret));
			ret = 3;
			goto out;
		}
	} else if (k8s_res_version_parse(versions) != K8S_RES_NONE) {
		k8s_client_set_version(c, k8s_res_version_parse(versions));
	} else {
		fprintf(stderr, "k8sc: bad --versions %s\n", versions);
		ret = 2;
		goto out;
	}
	for (int i = 0; i < repeat; i++) {
		int one;

		if (i && between && system(between) != 0) {
			fprintf(stderr, "k8sc: %s failed\n", between);
			ret = 1;
			break;
		}
		a = arena_new(64u << 20);
		one = a ? dispatch(c, argc - optind, argv + optind, a) : 1;
		arena_free(a);
		if (!i || one)
			ret = one;
	}
out:
	k8s_client_free(c);
	k8s_config_fini(&cfg);
	return ret;
}
