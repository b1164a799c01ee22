// SPDX-License-Identifier: Apache-2.0
/*
 * Inventory following (upstream weaknesses 11 and 18; DESIGN.md "Beyond
 * upstream" 5): rtnetlink multicast for links, addresses, routes and rules
 * marks links dirty or asks for a full scan; re-reads are paced by a token
 * bucket (--inventory-min-poll-interval, --inventory-poll-burst); a safety
 * rescan runs every --inventory-max-poll-interval. Upstream rescans
 * everything on a link event only and misses address and route changes
 * for up to a minute (upstream.md §2.7).
 */
#include "driver.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "inventory/inventory.h"
#include "nl/nl.h"

/* Groups we follow: links (and their addresses) one by one, routes and rules as a whole. */
static const unsigned groups[] = {
	RTNLGRP_LINK,	    RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE,
	RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_RULE,	 RTNLGRP_IPV6_RULE,
};

struct drv_follow {
	struct drv_loop *l;
	struct inv *inv;
	struct drv_follow_opts o;
	struct nl_sock *ev; /* subscribed to events */
	struct nl_sock *rq; /* address dumps for the node-address exclusion */
	struct arena *a[2]; /* the current scan's arena and the next full scan's */
	int cur;
	struct inv_scan scan;
	bool have_scan;
	int dirty[DRV_DIRTY_MAX];
	size_t n_dirty;
	bool full;
	bool failing; /* the last scan failed: log once until one succeeds */
	struct drv_bucket bucket;
	struct drv_timer work_t, safety_t;
	char **node_addrs;
	size_t n_node_addrs;
	struct drv_follow_stats st;
};

static void mark(struct drv_follow *f, int ifindex)
{
	if (ifindex <= 0)
		return;
	for (size_t i = 0; i < f->n_dirty; i++)
		if (f->dirty[i] == ifindex)
			return;
	if (f->n_dirty == DRV_DIRTY_MAX) {
		f->full = true; /* a storm: one full scan is cheaper than many link reads */
		return;
	}
	f->dirty[f->n_dirty++] = ifindex;
}

static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	struct drv_follow *f = data;
	struct nl_link link;
	struct nl_addr addr;
	struct nl_route rt;

	f->st.events++;
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		if (nl_link_decode(nlh, &link) < 0) {
			f->full = true;
			break;
		}
		/* The link, its lower device (a veth's peer here) and its master may change. */
		mark(f, link.ifindex);
		if (link.link_netnsid < 0)
			mark(f, link.link);
		mark(f, link.master);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		if (nl_addr_decode(nlh, &addr) < 0)
			f->full = true;
		else
			mark(f, addr.ifindex);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		/* Only default routes choose uplinks (lib/inventory exclude.c). */
		if (nl_route_decode(nlh, &rt) < 0 || rt.dst_len == 0)
			f->full = true;
		break;
	case RTM_NEWRULE:
	case RTM_DELRULE:
		f->full = true;
		break;
	default:
		break;
	}
	return 0;
}

/* Work is pending: run it when the bucket has a token. */
static void schedule(struct drv_follow *f)
{
	uint64_t at;

	if (!f->full && !f->n_dirty)
		return;
	at = drv_bucket_ready_ms(&f->bucket, time_now_ms());
	if (drv_timer_armed(&f->work_t) && f->work_t.due_ms <= at)
		return;
	if (drv_timer_arm(f->l, &f->work_t, at) < 0)
		log_err("cannot arm the inventory timer", "timers=%d", DRV_TIMERS_MAX);
}

static void on_events(struct drv_loop *l, int fd, uint32_t events, void *data)
{
	struct drv_follow *f = data;
	int ret;

	(void)l;
	(void)fd;
	(void)events;
	ret = nl_read_events(f->ev, on_msg, f);
	if (ret == -ENOBUFS) {
		/* The kernel dropped events: only a full scan knows what changed. */
		f->st.overflows++;
		f->full = true;
		log_warn("netlink events lost, full rescan", "overflows=%llu",
			 (unsigned long long)f->st.overflows);
	} else if (ret < 0) {
		log_warn("netlink events unreadable, full rescan", "err=\"%s\"", strerror(-ret));
		f->full = true;
	}
	schedule(f);
}

/* Filter and node addresses on the fresh @f->scan; then tell the owner. */
static void publish_scan(struct drv_follow *f)
{
	struct arena *a = f->a[f->cur];
	size_t published = 0;
	int ret;

	ret = inv_scan_filter(&f->scan, f->o.filter, a);
	if (ret > 0)
		log_warn("filter errors, devices not published", "devices=%d", ret);
	if (f->n_node_addrs) {
		struct nl_addr *addrs = NULL;
		size_t n = 0;

		ret = nl_addr_dump(f->rq, 0, a, &addrs, &n);
		if (ret == 0)
			ret = drv_exclude_node_addrs(&f->scan, addrs, n,
						     (const char *const *)f->node_addrs,
						     f->n_node_addrs, a);
		if (ret < 0) {
			/* Fail closed: without addresses, no interface is known safe. */
			log_err("node addresses not checked, publishing nothing", "err=\"%s\"",
				strerror(-ret));
			for (size_t i = 0; i < f->scan.n; i++)
				if (!f->scan.dev[i].excluded)
					f->scan.dev[i].excluded = "node addresses unknown";
		}
	}
	for (size_t i = 0; i < f->scan.n; i++)
		published += !f->scan.dev[i].excluded;
	f->st.devices = f->scan.n;
	f->st.published = published;
	if (f->o.on_scan)
		f->o.on_scan(f->o.ctx, &f->scan);
}

static int full_scan(struct drv_follow *f)
{
	int nxt = !f->cur;
	struct inv_scan s;
	uint64_t t0 = time_now_ns(), us;
	int ret;

	arena_reset(f->a[nxt]);
	ret = inv_scan_all(f->inv, f->a[nxt], &s);
	us = (time_now_ns() - t0) / 1000u;
	if (ret < 0) {
		f->st.errors++;
		if (!f->failing)
			log_err("inventory scan failed, keeping the last good one", "err=\"%s\"",
				strerror(-ret));
		f->failing = true;
		return ret;
	}
	if (f->failing)
		log_info("inventory scan works again", "devices=%zu", s.n);
	f->failing = false;
	f->st.full_scans++;
	f->st.last_full_us = us;
	if (us > f->st.max_full_us)
		f->st.max_full_us = us;
	f->scan = s;
	f->cur = nxt;
	f->have_scan = true;
	f->full = false;
	f->n_dirty = 0;
	log_debug("full scan", "devices=%zu us=%llu", s.n, (unsigned long long)us);
	publish_scan(f);
	return 0;
}

static void on_work(struct drv_loop *l, struct drv_timer *t, void *data)
{
	struct drv_follow *f = data;
	uint64_t now = time_now_ms();
	bool changed = false;

	(void)l;
	(void)t;
	if (!f->full && !f->n_dirty)
		return;
	if (!drv_bucket_take(&f->bucket, now)) {
		schedule(f);
		return;
	}
	if (!f->full && f->have_scan) {
		for (size_t i = 0; i < f->n_dirty && !f->full; i++) {
			int ret = inv_scan_link(f->inv, f->a[f->cur], &f->scan, f->dirty[i]);

			if (ret < 0) {
				log_debug("link re-read failed, full rescan",
					  "ifindex=%d err=\"%s\"", f->dirty[i], strerror(-ret));
				f->full = true;
				break;
			}
			f->st.link_scans++;
			changed |= ret > 0;
		}
		f->n_dirty = 0;
		if (!f->full) {
			/*
			 * Always: a rebuilt scan has lost the filter's and the node
			 * addresses' exclusions (inv_scan_link recomputes its own);
			 * the publisher writes only when the content changed.
			 */
			log_debug("links re-read", "changed=%d", changed);
			publish_scan(f);
			return;
		}
	}
	f->full = true;
	if (full_scan(f) < 0) {
		/* Retried when the next token comes, at the earliest one period on. */
		uint64_t at = now + (f->o.min_poll_ms ? f->o.min_poll_ms : 1000);

		if (drv_timer_arm(f->l, &f->work_t, at) < 0)
			log_err("cannot arm the inventory timer", "timers=%d", DRV_TIMERS_MAX);
	}
}

static void on_safety(struct drv_loop *l, struct drv_timer *t, void *data)
{
	struct drv_follow *f = data;

	f->full = true;
	schedule(f);
	if (drv_timer_arm(l, t, time_now_ms() + f->o.max_poll_ms) < 0)
		log_err("cannot arm the rescan timer", "timers=%d", DRV_TIMERS_MAX);
}

int drv_follow_new(struct drv_loop *l, struct inv *inv, const struct drv_follow_opts *o,
		   struct drv_follow **out)
{
	struct drv_follow *f = calloc(1, sizeof(*f));
	int rcvbuf = DRV_NL_RCVBUF, ret;

	if (!f)
		return -ENOMEM;
	f->l = l;
	f->inv = inv;
	f->o = *o;
	drv_bucket_init(&f->bucket, o->min_poll_ms, o->burst, time_now_ms());
	drv_timer_init(&f->work_t, on_work, f);
	drv_timer_init(&f->safety_t, on_safety, f);
	f->a[0] = arena_new(ARENA_CAP_DEFAULT);
	f->a[1] = arena_new(ARENA_CAP_DEFAULT);
	ret = -ENOMEM;
	if (!f->a[0] || !f->a[1])
		goto out_free;
	ret = nl_open(NETLINK_ROUTE, o->netns_path, &f->ev);
	if (ret < 0)
		goto out_free;
	ret = nl_open(NETLINK_ROUTE, o->netns_path, &f->rq);
	if (ret < 0)
		goto out_free;
	/* As root the larger buffer is forced past rmem_max; else the default stays. */
	if (setsockopt(nl_fd(f->ev), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		(void)setsockopt(nl_fd(f->ev), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	for (size_t i = 0; i < ARRAY_SIZE(groups); i++) {
		ret = nl_subscribe(f->ev, groups[i]);
		if (ret < 0)
			goto out_free;
	}
	ret = drv_loop_add_fd(l, nl_fd(f->ev), EPOLLIN, on_events, f);
	if (ret < 0)
		goto out_free;
	if (o->max_poll_ms) {
		ret = drv_timer_arm(l, &f->safety_t, time_now_ms() + o->max_poll_ms);
		if (ret < 0)
			goto out_free;
	}
	/* The start-up scan takes a token like any other (upstream waits for one too). */
	f->full = true;
	(void)drv_bucket_take(&f->bucket, time_now_ms());
	if (full_scan(f) < 0)
		schedule(f);
	*out = f;
	return 0;

out_free:
	drv_follow_free(f);
	return ret;
}

void drv_follow_free(struct drv_follow *f)
{
	if (!f)
		return;
	drv_timer_cancel(f->l, &f->work_t);
	drv_timer_cancel(f->l, &f->safety_t);
	if (f->ev) {
		drv_loop_del_fd(f->l, nl_fd(f->ev));
		nl_close(f->ev);
	}
	nl_close(f->rq);
	for (size_t i = 0; i < f->n_node_addrs; i++)
		free(f->node_addrs[i]);
	free(f->node_addrs);
	arena_free(f->a[0]);
	arena_free(f->a[1]);
	free(f);
}

int drv_follow_set_node_addrs(struct drv_follow *f, const char *const *addrs, size_t n)
{
	char **v = n ? calloc(n, sizeof(*v)) : NULL;

	if (n && !v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		v[i] = strdup(addrs[i]);
		if (!v[i]) {
			for (size_t k = 0; k < i; k++)
				free(v[k]);
			free(v);
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < f->n_node_addrs; i++)
		free(f->node_addrs[i]);
	free(f->node_addrs);
	f->node_addrs = v;
	f->n_node_addrs = n;
	f->full = true;
	schedule(f);
	return 0;
}

const struct inv_scan *drv_follow_scan(const struct drv_follow *f)
{
	return f->have_scan ? &f->scan : NULL;
}

const struct drv_follow_stats *drv_follow_stats(const struct drv_follow *f)
{
	return &f->st;
}
