// SPDX-License-Identifier: Apache-2.0
/*
 * The driver's one epoll loop (DESIGN.md "The event loop keeps its
 * promises"): fd watchers, a min-heap of timer deadlines that bounds
 * epoll_wait's timeout, and a signalfd for SIGTERM/SIGINT. Also the token
 * bucket (Go's golang.org/x/time/rate semantics for Every(period), burst).
 */
#include "driver.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

/* Watched fds are small numbers; this bounds the table (and is far above RLIMIT_NOFILE's usual 1024). */
#define FD_TABLE_MAX 65536

struct watcher {
	drv_fd_cb cb;
	void *data;
	uint32_t gen; /* bumped per add: stale events of an fd number reused in one batch are dropped */
	bool used;
};

struct drv_loop {
	int epfd, sigfd;
	struct watcher *w;
	size_t n_w;
	uint32_t gen;
	struct drv_timer **heap;
	size_t n_heap, cap_heap;
	bool stop;
	int code, signo;
	uint64_t max_cb_ms;
};

/* ------------------------------------------------------------ timers */

static bool before(const struct drv_timer *a, const struct drv_timer *b)
{
	return a->due_ms < b->due_ms;
}

static void heap_set(struct drv_loop *l, size_t i, struct drv_timer *t)
{
	l->heap[i] = t;
	t->idx = i;
}

static void sift_up(struct drv_loop *l, size_t i)
{
	struct drv_timer *t = l->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!before(t, l->heap[parent]))
			break;
		heap_set(l, i, l->heap[parent]);
		i = parent;
	}
	heap_set(l, i, t);
}

static void sift_down(struct drv_loop *l, size_t i)
{
	struct drv_timer *t = l->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= l->n_heap)
			break;
		if (c + 1 < l->n_heap && before(l->heap[c + 1], l->heap[c]))
			c++;
		if (!before(l->heap[c], t))
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

void drv_timer_init(struct drv_timer *t, drv_timer_cb cb, void *data)
{
	t->due_ms = 0;
	t->cb = cb;
	t->data = data;
	t->idx = SIZE_MAX;
}

void drv_timer_cancel(struct drv_loop *l, struct drv_timer *t)
{
	size_t i = t->idx;
	struct drv_timer *last;

	if (i == SIZE_MAX)
		return;
	t->idx = SIZE_MAX;
	last = l->heap[--l->n_heap];
	if (i == l->n_heap)
		return;
	heap_set(l, i, last);
	sift_up(l, i);
	sift_down(l, last->idx);
}

int drv_timer_arm(struct drv_loop *l, struct drv_timer *t, uint64_t due_ms)
{
	drv_timer_cancel(l, t);
	if (l->n_heap == l->cap_heap) {
		size_t cap = l->cap_heap ? 2 * l->cap_heap : 16;
		struct drv_timer **h;

		if (cap > DRV_TIMERS_MAX)
			return -ENOMEM;
		h = realloc(l->heap, cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		l->heap = h;
		l->cap_heap = cap;
	}
	t->due_ms = due_ms;
	heap_set(l, l->n_heap++, t);
	sift_up(l, t->idx);
	return 0;
}

/* ------------------------------------------------------------ watchers */

static struct watcher *watcher_of(struct drv_loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->n_w || !l->w[fd].used)
		return NULL;
	return &l->w[fd];
}

int drv_loop_add_fd(struct drv_loop *l, int fd, uint32_t events, drv_fd_cb cb, void *data)
{
	struct epoll_event ev = { .events = events };
	struct watcher *w;

	if (fd < 0 || fd >= FD_TABLE_MAX || !cb)
		return -EINVAL;
	if ((size_t)fd >= l->n_w) {
		size_t n = (size_t)fd + 1 > 2 * l->n_w ? (size_t)fd + 1 : 2 * l->n_w;

		if (n > FD_TABLE_MAX)
			n = FD_TABLE_MAX;
		w = realloc(l->w, n * sizeof(*w));
		if (!w)
			return -ENOMEM;
		memset(w + l->n_w, 0, (n - l->n_w) * sizeof(*w));
		l->w = w;
		l->n_w = n;
	}
	w = &l->w[fd];
	if (w->used)
		return -EEXIST;
	l->gen++;
	ev.data.u64 = (uint64_t)l->gen << 32 | (uint32_t)fd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	*w = (struct watcher){ .cb = cb, .data = data, .gen = l->gen, .used = true };
	return 0;
}

int drv_loop_mod_fd(struct drv_loop *l, int fd, uint32_t events)
{
	struct watcher *w = watcher_of(l, fd);
	struct epoll_event ev = { .events = events };

	if (!w)
		return -ENOENT;
	ev.data.u64 = (uint64_t)w->gen << 32 | (uint32_t)fd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	return 0;
}

void drv_loop_del_fd(struct drv_loop *l, int fd)
{
	struct watcher *w = watcher_of(l, fd);

	if (!w)
		return;
	/* The fd may be closed already: the kernel then dropped it from the set. */
	(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	w->used = false;
}

/* ------------------------------------------------------------ signals */

static void on_signal(struct drv_loop *l, int fd, uint32_t events, void *data)
{
	struct signalfd_siginfo si;
	ssize_t n;

	(void)events;
	(void)data;
	for (;;) {
		n = read(fd, &si, sizeof(si));
		if (n != (ssize_t)sizeof(si))
			return;
		if (!l->signo) {
			l->signo = (int)si.ssi_signo;
			log_info("signal received, stopping", "signal=%s",
				 si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
		}
		drv_loop_stop(l, 0);
	}
}

static int setup_signals(struct drv_loop *l)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };
	sigset_t set;
	int ret;

	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		return -errno;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l->sigfd < 0)
		return -errno;
	ret = drv_loop_add_fd(l, l->sigfd, EPOLLIN, on_signal, NULL);
	return ret;
}

/* ------------------------------------------------------------ the loop */

int drv_loop_new(bool signals, struct drv_loop **out)
{
	struct drv_loop *l = calloc(1, sizeof(*l));
	int ret;

	if (!l)
		return -ENOMEM;
	l->sigfd = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		ret = -errno;
		goto out_free;
	}
	if (signals) {
		ret = setup_signals(l);
		if (ret < 0)
			goto out_free;
	}
	*out = l;
	return 0;

out_free:
	drv_loop_free(l);
	return ret;
}

void drv_loop_free(struct drv_loop *l)
{
	if (!l)
		return;
	if (l->sigfd >= 0)
		close(l->sigfd);
	if (l->epfd >= 0)
		close(l->epfd);
	free(l->w);
	free(l->heap);
	free(l);
}

static void account(struct drv_loop *l, uint64_t start_ns)
{
	uint64_t ms = (time_now_ns() - start_ns) / 1000000u;

	if (ms > l->max_cb_ms)
		l->max_cb_ms = ms;
}

/*
 * Run timers due at @now, at most as many as were armed when the round
 * began: a callback that re-arms for "now" runs next turn, after I/O.
 */
static int run_timers(struct drv_loop *l, uint64_t now)
{
	size_t budget = l->n_heap;
	int n = 0;

	while (budget-- && l->n_heap && l->heap[0]->due_ms <= now && !l->stop) {
		struct drv_timer *t = l->heap[0];
		uint64_t start = time_now_ns();

		drv_timer_cancel(l, t);
		t->cb(l, t, t->data);
		account(l, start);
		n++;
	}
	return n;
}

int drv_loop_once(struct drv_loop *l, int max_wait_ms)
{
	struct epoll_event ev[DRV_EVENTS_MAX];
	uint64_t now = time_now_ms();
	int timeout = max_wait_ms, n, ran = 0;

	if (l->n_heap) {
		uint64_t due = l->heap[0]->due_ms;
		uint64_t wait = due > now ? due - now : 0;

		if (wait > INT32_MAX)
			wait = INT32_MAX;
		if (timeout < 0 || (uint64_t)timeout > wait)
			timeout = (int)wait;
	}
	n = epoll_wait(l->epfd, ev, DRV_EVENTS_MAX, timeout);
	if (n < 0) {
		if (errno != EINTR)
			return -errno;
		n = 0;
	}
	for (int i = 0; i < n && !l->stop; i++) {
		int fd = (int)(uint32_t)ev[i].data.u64;
		uint32_t gen = (uint32_t)(ev[i].data.u64 >> 32);
		struct watcher *w = watcher_of(l, fd);
		uint64_t start = time_now_ns();

		if (!w || w->gen != gen)
			continue;
		w->cb(l, fd, ev[i].events, w->data);
		account(l, start);
		ran++;
	}
	ran += run_timers(l, time_now_ms());
	return ran;
}

int drv_loop_run(struct drv_loop *l)
{
	while (!l->stop) {
		int ret = drv_loop_once(l, -1);

		if (ret < 0)
			return ret;
	}
	return l->code;
}

void drv_loop_stop(struct drv_loop *l, int code)
{
	l->stop = true;
	l->code = code;
}

int drv_loop_signal(const struct drv_loop *l)
{
	return l->signo;
}

uint64_t drv_loop_max_cb_ms(const struct drv_loop *l)
{
	return l->max_cb_ms;
}

/* ------------------------------------------------------------ token bucket */

void drv_bucket_init(struct drv_bucket *b, uint64_t period_ms, uint32_t burst, uint64_t now_ms)
{
	if (burst == 0)
		burst = 1;
	b->period_ms = period_ms;
	b->max_ms = period_ms * burst;
	b->credit_ms = b->max_ms;
	b->last_ms = now_ms;
}

static void refill(struct drv_bucket *b, uint64_t now_ms)
{
	if (now_ms > b->last_ms) {
		uint64_t add = now_ms - b->last_ms;

		b->credit_ms = b->max_ms - b->credit_ms < add ? b->max_ms : b->credit_ms + add;
		b->last_ms = now_ms;
	}
}

bool drv_bucket_take(struct drv_bucket *b, uint64_t now_ms)
{
	if (b->period_ms == 0)
		return true;
	refill(b, now_ms);
	if (b->credit_ms < b->period_ms)
		return false;
	b->credit_ms -= b->period_ms;
	return true;
}

uint64_t drv_bucket_ready_ms(struct drv_bucket *b, uint64_t now_ms)
{
	if (b->period_ms == 0)
		return now_ms;
	refill(b, now_ms);
	if (b->credit_ms >= b->period_ms)
		return now_ms;
	return now_ms + (b->period_ms - b->credit_ms);
}
