// SPDX-License-Identifier: Apache-2.0
/*
 * The kubelet plugin in the driver's loop (docs/kubelet.md, docs/driver.md
 * "Kubelet plugin"): lib/kubelet's two listening sockets and every accepted
 * connection are fds of the one epoll loop; a connection's call deadlines
 * and the registration retry are drv_timers. Nothing blocks: accept4,
 * grpc_conn_io and the re-created registration socket are non-blocking.
 */
#include "driver.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "grpc/grpc.h"
#include "kubelet/kubelet.h"

struct plug_conn {
	struct drv_plugin *p;
	int fd;
	uint32_t events; /* what the loop watches now */
	struct grpc_conn *g;
	struct drv_timer t; /* the earliest call deadline */
	struct plug_conn *prev, *next;
};

struct drv_plugin {
	struct drv_loop *l;
	struct kubelet k;
	bool k_up; /* kubelet_init() succeeded: kubelet_fini() owes the sockets */
	bool was_registered;
	struct drv_timer tick_t; /* the registration retry */
	struct plug_conn *conns;
	struct drv_plugin_stats st;
	void (*on_registered)(void *ctx);
	void *ctx;
};

static void conn_close(struct plug_conn *c)
{
	struct drv_plugin *p = c->p;

	drv_loop_del_fd(p->l, c->fd);
	drv_timer_cancel(p->l, &c->t);
	grpc_conn_free(c->g);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		p->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	p->st.conns--;
	free(c);
}

/* After any call may have run: registration news and the retry timer. */
static void after_calls(struct drv_plugin *p)
{
	uint64_t next = kubelet_next_tick(&p->k);

	if (p->k.registered && !p->was_registered) {
		p->was_registered = true;
		if (p->on_registered)
			p->on_registered(p->ctx);
	} else if (!p->k.registered) {
		p->was_registered = false;
	}
	if (!next)
		drv_timer_cancel(p->l, &p->tick_t);
	else if (!drv_timer_armed(&p->tick_t) || p->tick_t.due_ms != next)
		if (drv_timer_arm(p->l, &p->tick_t, next) < 0)
			log_err("cannot arm the registration retry timer", "timers=%d",
				DRV_TIMERS_MAX);
}

/* Read, run calls, write; then watch for what the connection waits on. */
static void conn_run(struct plug_conn *c)
{
	struct drv_plugin *p = c->p;
	const char *why = NULL;
	uint64_t deadline;
	uint32_t events;
	int ret = grpc_conn_io(c->g, c->fd, time_now_ns(), &why);

	if (ret <= 0) {
		if (why || ret < 0)
			log_info("kubelet connection closed", "fd=%d why=\"%s\" err=\"%s\"", c->fd,
				 why ? why : "", ret < 0 ? strerror(-ret) : "none");
		conn_close(c);
		after_calls(p);
		return;
	}
	events = EPOLLIN | (grpc_conn_want_write(c->g) ? EPOLLOUT : 0u);
	if (events != c->events) {
		ret = drv_loop_mod_fd(p->l, c->fd, events);
		if (ret < 0)
			log_err("kubelet connection: epoll", "fd=%d err=\"%s\"", c->fd,
				strerror(-ret));
		else
			c->events = events;
	}
	deadline = grpc_conn_deadline(c->g);
	if (!deadline)
		drv_timer_cancel(p->l, &c->t);
	else if (drv_timer_arm(p->l, &c->t, (deadline + 999999u) / 1000000u) < 0)
		log_err("cannot arm a call deadline", "timers=%d", DRV_TIMERS_MAX);
	after_calls(p);
}

static void on_conn_fd(struct drv_loop *l, int fd, uint32_t events, void *data)
{
	(void)l;
	(void)fd;
	(void)events;
	conn_run(data);
}

static void on_conn_timer(struct drv_loop *l, struct drv_timer *t, void *data)
{
	(void)l;
	(void)t;
	conn_run(data);
}

static void on_listen_fd(struct drv_loop *l, int lfd, uint32_t events, void *data)
{
	struct drv_plugin *p = data;
	struct grpc_server *srv = lfd == p->k.reg_fd ? &p->k.reg_srv : &p->k.dra_srv;

	(void)events;
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct plug_conn *c;
		int ret;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_warn("kubelet socket: accept", "err=\"%s\"", strerror(errno));
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;
		}
		if (p->st.conns >= DRV_PLUGIN_CONNS_MAX) {
			p->st.refused++;
			log_warn("too many kubelet connections, closing a new one", "max=%d",
				 DRV_PLUGIN_CONNS_MAX);
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c)
			c->g = grpc_conn_new(srv);
		if (!c || !c->g) {
			log_err("kubelet connection: out of memory", NULL);
			free(c);
			close(fd);
			continue;
		}
		c->p = p;
		c->fd = fd;
		c->events = EPOLLIN;
		drv_timer_init(&c->t, on_conn_timer, c);
		ret = drv_loop_add_fd(l, fd, EPOLLIN, on_conn_fd, c);
		if (ret < 0) {
			log_err("kubelet connection: epoll", "err=\"%s\"", strerror(-ret));
			grpc_conn_free(c->g);
			free(c);
			close(fd);
			continue;
		}
		c->next = p->conns;
		if (p->conns)
			p->conns->prev = c;
		p->conns = c;
		p->st.conns++;
		p->st.accepted++;
		/* Our SETTINGS go out now, before the client's preface arrives. */
		conn_run(c);
	}
}

static void on_tick(struct drv_loop *l, struct drv_timer *t, void *data)
{
	struct drv_plugin *p = data;
	uint64_t now = time_now_ms(), next = kubelet_next_tick(&p->k);
	int ret;

	(void)t;
	if (!next || now < next) {
		after_calls(p);
		return;
	}
	/* kubelet_tick() closes the registration listener: out of the loop first. */
	if (p->k.reg_fd >= 0)
		drv_loop_del_fd(l, p->k.reg_fd);
	ret = kubelet_tick(&p->k, now);
	if (ret < 0)
		log_warn("registration socket not re-created, retrying", "path=%s err=\"%s\"",
			 p->k.reg_path, strerror(-ret));
	if (p->k.reg_fd >= 0) {
		ret = drv_loop_add_fd(l, p->k.reg_fd, EPOLLIN, on_listen_fd, p);
		if (ret < 0)
			log_err("registration socket: epoll", "err=\"%s\"", strerror(-ret));
	}
	after_calls(p);
}

int drv_plugin_new(struct drv_loop *l, const struct drv_plugin_opts *o, struct drv_plugin **out)
{
	struct drv_plugin *p = calloc(1, sizeof(*p));
	int ret;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	p->l = l;
	p->on_registered = o->on_registered;
	p->ctx = o->ctx;
	drv_timer_init(&p->tick_t, on_tick, p);
	ret = kubelet_init(&p->k, o->registry_dir, o->plugins_dir, NULL);
	if (ret < 0) {
		free(p);
		return ret;
	}
	p->k_up = true;
	ret = drv_loop_add_fd(l, p->k.dra_fd, EPOLLIN, on_listen_fd, p);
	if (ret == 0)
		ret = drv_loop_add_fd(l, p->k.reg_fd, EPOLLIN, on_listen_fd, p);
	if (ret < 0) {
		drv_plugin_free(p);
		return ret;
	}
	*out = p;
	return 0;
}

void drv_plugin_free(struct drv_plugin *p)
{
	if (!p)
		return;
	/* GOAWAY where the socket takes it now; open calls are cancelled. */
	while (p->conns) {
		struct plug_conn *c = p->conns;

		int ret;

		grpc_conn_shutdown(c->g);
		ret = grpc_conn_io(c->g, c->fd, time_now_ns(), NULL);
		log_debug("kubelet connection closed at exit", "fd=%d io=%d", c->fd, ret);
		conn_close(c);
	}
	drv_timer_cancel(p->l, &p->tick_t);
	if (p->k_up) {
		drv_loop_del_fd(p->l, p->k.reg_fd);
		drv_loop_del_fd(p->l, p->k.dra_fd);
		kubelet_fini(&p->k);
	}
	free(p);
}

struct kubelet *drv_plugin_kubelet(struct drv_plugin *p)
{
	return &p->k;
}

const char *drv_plugin_reg_path(const struct drv_plugin *p)
{
	return p->k.reg_path;
}

const char *drv_plugin_dra_path(const struct drv_plugin *p)
{
	return p->k.dra_path;
}

bool drv_plugin_registered(const struct drv_plugin *p)
{
	return p->k.registered;
}

const struct drv_plugin_stats *drv_plugin_stats(const struct drv_plugin *p)
{
	return &p->st;
}

int drv_plugin_metrics_write(const struct drv_plugin *p, struct buf *b)
{
	int ret = kubelet_metrics_write(&p->k, b);

	if (ret < 0)
		return ret;
	ret = buf_printf(
		b,
		"# HELP dranet_driver_kubelet_registered 1 while the kubelet has accepted the "
		"plugin's registration.\n"
		"# TYPE dranet_driver_kubelet_registered gauge\n"
		"dranet_driver_kubelet_registered %d\n"
		"# HELP dranet_driver_kubelet_registration_refusals_total Registrations the "
		"kubelet refused (each retried).\n"
		"# TYPE dranet_driver_kubelet_registration_refusals_total counter\n"
		"dranet_driver_kubelet_registration_refusals_total %u\n"
		"# HELP dranet_driver_kubelet_getinfo_calls_total GetInfo calls answered.\n"
		"# TYPE dranet_driver_kubelet_getinfo_calls_total counter\n"
		"dranet_driver_kubelet_getinfo_calls_total %llu\n"
		"# HELP dranet_driver_kubelet_connections Open connections on the plugin's "
		"sockets.\n"
		"# TYPE dranet_driver_kubelet_connections gauge\n"
		"dranet_driver_kubelet_connections %zu\n"
		"# HELP dranet_driver_kubelet_connections_refused_total Connections closed at "
		"once (over the cap).\n"
		"# TYPE dranet_driver_kubelet_connections_refused_total counter\n"
		"dranet_driver_kubelet_connections_refused_total %llu\n",
		p->k.registered ? 1 : 0, p->k.refusals, (unsigned long long)p->k.getinfo_calls,
		p->st.conns, (unsigned long long)p->st.refused);
	return ret < 0 ? -ENOMEM : 0;
}
