// SPDX-License-Identifier: Apache-2.0
/*
 * bench/attach.c: attach + detach cycles of veth devices into one pod netns,
 * interleaved between methods so that the kernel's noisy 20-30 ms per netns
 * move hits every method alike (run by bench/attach.sh, which makes the
 * namespace and the devices).
 *
 *   ours   lib/attach as the driver uses it: host snapshot, plan from the claim
 *          config (name, MTU, 2 addresses, 2 routes), attach_apply (one
 *          RTM_NEWLINK moving + renaming, then the pod side), attach_detach
 *          (move back + rename, the snapshot restored);
 *   floor  the netlink requests of one cycle and nothing else: move + rename
 *          + MTU in one RTM_NEWLINK, 2 addresses, link up, 2 routes in the pod;
 *          move back + rename + MTU, the host's 2 addresses, up, 1 route;
 *   cni    the host-device CNI plugin, ADD + DEL with static IPAM of the same
 *          addresses and routes (a process per call, as a runtime runs it);
 *          its DEL does not restore the host's addresses and route, so the
 *          floor's own requests do that inside the timed part: the cycle does
 *          the same work for every method.
 *
 * Prints per method: median and p90 wall ms per cycle, median CPU ms (user +
 * sys of this process and the plugin's processes).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attach/attach.h"
#include "nl/nl.h"

#define DEVS_MAX 8

struct dev {
	char host[IFNAMSIZ], pod[IFNAMSIZ];
	int ifindex;
	unsigned k; /* addresses 10.1.k.2/24, 10.2.k.2/24; routes 10.3.k.0/24, 10.4.k.0/24 */
};

struct ours {
	struct arena *cfg_arena, *a;
	struct attach_config *cfg;
	struct attach_snapshot snap;
	struct attach_plan plan;
	struct attach_result res;
};

struct bench {
	const char *netns, *plugin;
	struct ours ours[DEVS_MAX];
	int pod_fd, host_fd;
	struct nl_sock *host, *pod;
	struct dev dev[DEVS_MAX];
	unsigned n_dev;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* User + system CPU of this process and of its waited-for children (the plugin). */
static double cpu_ms(void)
{
	struct rusage ru[2];

	getrusage(RUSAGE_SELF, &ru[0]);
	getrusage(RUSAGE_CHILDREN, &ru[1]);
	return (ru[0].ru_utime.tv_sec + ru[0].ru_stime.tv_sec + ru[1].ru_utime.tv_sec +
		ru[1].ru_stime.tv_sec) *
		       1e3 +
	       (ru[0].ru_utime.tv_usec + ru[0].ru_stime.tv_usec + ru[1].ru_utime.tv_usec +
		ru[1].ru_stime.tv_usec) /
		       1e3;
}

static int req(struct nl_sock *s, struct nlmsghdr *nlh, const char *what)
{
	char ext[256] = "";
	int ret = nl_request(s, nlh, NULL, NULL, NULL, ext, sizeof(ext));

	if (ret < 0)
		fprintf(stderr, "attach-bench: %s: %s %s\n", what, strerror(-ret), ext);
	return ret;
}

/* RTM_NEWLINK on @s: move @ifindex to @ns_fd (or not, -1), rename, MTU, up. */
static int link_set(struct nl_sock *s, int ifindex, int ns_fd, const char *name, uint32_t mtu,
		    bool up)
{
	uint8_t buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = nl_msg_put_header(buf, sizeof(buf), RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = nl_msg_put_extra(nlh, sizeof(buf), sizeof(*ifi));

	ifi->ifi_index = ifindex;
	if (up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	if (ns_fd >= 0 && !nl_attr_put_u32(nlh, sizeof(buf), IFLA_NET_NS_FD, (uint32_t)ns_fd))
		return -EMSGSIZE;
	if (name && !nl_attr_put_strz(nlh, sizeof(buf), IFLA_IFNAME, name))
		return -EMSGSIZE;
	if (mtu && !nl_attr_put_u32(nlh, sizeof(buf), IFLA_MTU, mtu))
		return -EMSGSIZE;
	return req(s, nlh, "RTM_NEWLINK");
}

static int addr_add(struct nl_sock *s, int ifindex, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t buf[NL_BUF_SIZE], ip[4] = { a, b, c, d };
	struct nlmsghdr *nlh =
		nl_msg_put_header(buf, sizeof(buf), RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg *ifa = nl_msg_put_extra(nlh, sizeof(buf), sizeof(*ifa));

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 24;
	ifa->ifa_index = (unsigned)ifindex;
	if (!nl_attr_put(nlh, sizeof(buf), IFA_LOCAL, 4, ip) ||
	    !nl_attr_put(nlh, sizeof(buf), IFA_ADDRESS, 4, ip))
		return -EMSGSIZE;
	return req(s, nlh, "RTM_NEWADDR");
}

/* 10.@net.@k.0/24 via 10.@via.@k.1 dev @ifindex, main table. */
static int route_add(struct nl_sock *s, int ifindex, uint8_t net, uint8_t via, uint8_t k)
{
	uint8_t buf[NL_BUF_SIZE], dst[4] = { 10, net, k, 0 }, gw[4] = { 10, via, k, 1 };
	struct nlmsghdr *nlh =
		nl_msg_put_header(buf, sizeof(buf), RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	struct rtmsg *rtm = nl_msg_put_extra(nlh, sizeof(buf), sizeof(*rtm));

	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 24;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	if (!nl_attr_put(nlh, sizeof(buf), RTA_DST, 4, dst) ||
	    !nl_attr_put(nlh, sizeof(buf), RTA_GATEWAY, 4, gw) ||
	    !nl_attr_put_u32(nlh, sizeof(buf), RTA_OIF, (uint32_t)ifindex))
		return -EMSGSIZE;
	return req(s, nlh, "RTM_NEWROUTE");
}

/* The host side as bench/attach.sh made it: 2 addresses, up, 1 route. */
static int host_restore(struct bench *b, const struct dev *d)
{
	int ret;

	if ((ret = addr_add(b->host, d->ifindex, 10, 1, (uint8_t)d->k, 2)) < 0 ||
	    (ret = addr_add(b->host, d->ifindex, 10, 2, (uint8_t)d->k, 2)) < 0 ||
	    (ret = link_set(b->host, d->ifindex, -1, NULL, 0, true)) < 0 ||
	    (ret = route_add(b->host, d->ifindex, 3, 1, (uint8_t)d->k)) < 0)
		return ret;
	return 0;
}

/*
 * The floor. The pod side uses the host ifindex: the kernel keeps it on a
 * move when it is free in the target, as it is in the bench's fresh netns.
 */
static int floor_cycle(struct bench *b)
{
	int ret;

	for (unsigned i = 0; i < b->n_dev; i++) {
		const struct dev *d = &b->dev[i];
		uint8_t k = (uint8_t)d->k;

		if ((ret = link_set(b->host, d->ifindex, b->pod_fd, d->pod, 1400, false)) < 0 ||
		    (ret = addr_add(b->pod, d->ifindex, 10, 1, k, 2)) < 0 ||
		    (ret = addr_add(b->pod, d->ifindex, 10, 2, k, 2)) < 0 ||
		    (ret = link_set(b->pod, d->ifindex, -1, NULL, 0, true)) < 0 ||
		    (ret = route_add(b->pod, d->ifindex, 3, 1, k)) < 0 ||
		    (ret = route_add(b->pod, d->ifindex, 4, 2, k)) < 0)
			return ret;
	}
	for (unsigned i = 0; i < b->n_dev; i++) {
		const struct dev *d = &b->dev[i];

		if ((ret = link_set(b->pod, d->ifindex, b->host_fd, d->host, 1500, false)) < 0 ||
		    (ret = host_restore(b, d)) < 0)
			return ret;
	}
	return 0;
}

static int run_plugin(struct bench *b, const struct dev *d, const char *cmd)
{
	char conf[1024], env_cmd[64], env_ns[256], env_if[64], env_id[64];
	int in[2], st;
	pid_t pid;

	snprintf(conf, sizeof(conf),
		 "{\"cniVersion\":\"1.0.0\",\"name\":\"bench\",\"type\":\"host-device\","
		 "\"device\":\"%s\",\"ipam\":{\"type\":\"static\",\"addresses\":["
		 "{\"address\":\"10.1.%u.2/24\"},{\"address\":\"10.2.%u.2/24\"}],\"routes\":["
		 "{\"dst\":\"10.3.%u.0/24\",\"gw\":\"10.1.%u.1\"},"
		 "{\"dst\":\"10.4.%u.0/24\",\"gw\":\"10.2.%u.1\"}]}}",
		 d->host, d->k, d->k, d->k, d->k, d->k, d->k);
	snprintf(env_cmd, sizeof(env_cmd), "CNI_COMMAND=%s", cmd);
	snprintf(env_ns, sizeof(env_ns), "CNI_NETNS=%s", b->netns);
	snprintf(env_if, sizeof(env_if), "CNI_IFNAME=%s", d->pod);
	snprintf(env_id, sizeof(env_id), "CNI_CONTAINERID=bench%u", d->k);
	if (pipe(in) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char *argv[] = { (char *)b->plugin, NULL };
		char *envp[] = { env_cmd,
				 env_ns,
				 env_if,
				 env_id,
				 "CNI_PATH=/usr/lib/cni",
				 "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
				 NULL };
		int null = open("/dev/null", O_WRONLY);

		dup2(in[0], 0);
		if (null >= 0)
			dup2(null, 1);
		close(in[1]);
		execve(b->plugin, argv, envp);
		_exit(127);
	}
	close(in[0]);
	if (write(in[1], conf, strlen(conf)) < 0)
		st = -errno;
	close(in[1]);
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "attach-bench: %s %s: exit status %d\n", b->plugin, cmd, st);
		return -EIO;
	}
	return 0;
}

static int cni_cycle(struct bench *b)
{
	int ret;

	for (unsigned i = 0; i < b->n_dev; i++)
		if ((ret = run_plugin(b, &b->dev[i], "ADD")) < 0)
			return ret;
	for (unsigned i = 0; i < b->n_dev; i++)
		if ((ret = run_plugin(b, &b->dev[i], "DEL")) < 0 ||
		    (ret = host_restore(b, &b->dev[i])) < 0)
			return ret;
	return 0;
}

/* The claim config of device @d: what the floor does, as a user would write it. */
static int ours_init(struct bench *b, struct dev *d, struct ours *o)
{
	char text[512];
	struct attach_errs errs = { 0 };
	int n = snprintf(text, sizeof(text),
			 "{\"interface\":{\"name\":\"%s\",\"mtu\":1400,\"addresses\":"
			 "[\"10.1.%u.2/24\",\"10.2.%u.2/24\"]},\"routes\":["
			 "{\"destination\":\"10.3.%u.0/24\",\"gateway\":\"10.1.%u.1\"},"
			 "{\"destination\":\"10.4.%u.0/24\",\"gateway\":\"10.2.%u.1\"}]}",
			 d->pod, d->k, d->k, d->k, d->k, d->k, d->k);

	(void)b;
	o->cfg_arena = arena_new(64 << 10);
	o->a = arena_new(4 << 20);
	if (!o->cfg_arena || !o->a)
		return -ENOMEM;
	if (attach_config_parse(text, (size_t)n, o->cfg_arena, &o->cfg, &errs) < 0) {
		fprintf(stderr, "attach-bench: config: %s\n",
			attach_errs_join(&errs, o->cfg_arena));
		return -EINVAL;
	}
	return 0;
}

static int ours_cycle(struct bench *b)
{
	struct attach_error err = { 0 };
	int ret;

	for (unsigned i = 0; i < b->n_dev; i++) {
		const struct dev *d = &b->dev[i];
		struct ours *o = &b->ours[i];

		arena_reset(o->a);
		if ((ret = attach_snapshot_take(b->host, d->ifindex, d->host, o->a, &o->snap)) <
			    0 ||
		    (ret = attach_plan_build(o->cfg, &o->snap, o->a, &o->plan)) < 0) {
			fprintf(stderr, "attach-bench: snapshot/plan: %s\n", strerror(-ret));
			return ret;
		}
		ret = attach_apply(b->host, b->netns, &o->snap, &o->plan, NULL, o->a, &o->res,
				   &err);
		if (ret < 0) {
			fprintf(stderr, "attach-bench: attach: %s: %s\n", err.step, err.msg);
			return ret;
		}
	}
	for (unsigned i = 0; i < b->n_dev; i++) {
		struct ours *o = &b->ours[i];
		struct attach_detached out;

		ret = attach_detach(b->host, b->netns, &o->snap, &o->res, &out, &err);
		if (ret < 0) {
			fprintf(stderr, "attach-bench: detach: %s: %s\n", err.step, err.msg);
			return ret;
		}
	}
	return 0;
}

struct method {
	const char *name;
	int (*cycle)(struct bench *b);
	double *wall, *cpu;
	unsigned n;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double pct(double *v, unsigned n, double p)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n ? v[(unsigned)(p * (n - 1) + 0.5)] : 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: attach-bench --netns PATH --dev NAME[,NAME...] [--cycles N]\n"
			"                    [--methods ours,cni,floor] [--plugin PATH]\n");
	return 2;
}

static int parse_devs(struct bench *b, char *list)
{
	for (char *save = NULL, *t = strtok_r(list, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		struct dev *d;

		if (b->n_dev == DEVS_MAX || strlen(t) >= IFNAMSIZ)
			return -EINVAL;
		d = &b->dev[b->n_dev];
		d->k = ++b->n_dev;
		snprintf(d->host, sizeof(d->host), "%s", t);
		snprintf(d->pod, sizeof(d->pod), "net%u", d->k);
		d->ifindex = (int)if_nametoindex(t);
		if (!d->ifindex)
			return -ENODEV;
	}
	return b->n_dev ? 0 : -EINVAL;
}

int main(int argc, char **argv)
{
	struct bench b = { .plugin = "/usr/lib/cni/host-device", .pod_fd = -1, .host_fd = -1 };
	struct method all[] = {
		{ .name = "ours", .cycle = ours_cycle },
		{ .name = "floor", .cycle = floor_cycle },
		{ .name = "cni", .cycle = cni_cycle },
	};
	struct method *m[ARRAY_SIZE(all)];
	unsigned n_m = 0, cycles = 200;
	char *devs = NULL, *methods = "ours,cni,floor";
	int ret;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			return usage();
		if (!strcmp(argv[i], "--netns"))
			b.netns = v;
		else if (!strcmp(argv[i], "--dev"))
			devs = argv[i + 1];
		else if (!strcmp(argv[i], "--cycles"))
			cycles = (unsigned)atoi(v);
		else if (!strcmp(argv[i], "--methods"))
			methods = argv[i + 1];
		else if (!strcmp(argv[i], "--plugin"))
			b.plugin = v;
		else
			return usage();
		i++;
	}
	if (!b.netns || !devs || !cycles || parse_devs(&b, devs) < 0)
		return usage();
	for (char *save = NULL, *t = strtok_r(methods, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		size_t j = 0;

		while (j < ARRAY_SIZE(all) && strcmp(all[j].name, t))
			j++;
		if (j == ARRAY_SIZE(all) || n_m == ARRAY_SIZE(m))
			return usage();
		m[n_m++] = &all[j];
	}
	for (unsigned i = 0; i < b.n_dev; i++)
		if (ours_init(&b, &b.dev[i], &b.ours[i]) < 0)
			return 1;
	b.pod_fd = open(b.netns, O_RDONLY | O_CLOEXEC);
	b.host_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (b.pod_fd < 0 || b.host_fd < 0) {
		perror("attach-bench: open netns");
		return 1;
	}
	if ((ret = nl_open(NETLINK_ROUTE, NULL, &b.host)) < 0 ||
	    (ret = nl_open(NETLINK_ROUTE, b.netns, &b.pod)) < 0) {
		fprintf(stderr, "attach-bench: netlink: %s\n", strerror(-ret));
		return 1;
	}
	for (unsigned j = 0; j < n_m; j++) {
		m[j]->wall = calloc(cycles, sizeof(double));
		m[j]->cpu = calloc(cycles, sizeof(double));
		if (!m[j]->wall || !m[j]->cpu)
			return 1;
	}
	/* One untimed warm-up cycle each, then A, B, floor, A, B, floor, ... */
	for (unsigned c = 0; c <= cycles; c++) {
		for (unsigned j = 0; j < n_m; j++) {
			double c0 = cpu_ms(), t0 = now_ms();

			if ((ret = m[j]->cycle(&b)) < 0) {
				fprintf(stderr, "attach-bench: %s cycle %u failed\n", m[j]->name,
					c);
				return 1;
			}
			if (c > 0) {
				m[j]->wall[m[j]->n] = now_ms() - t0;
				m[j]->cpu[m[j]->n++] = cpu_ms() - c0;
			}
		}
	}
	printf("%-6s %7s %10s %10s %11s\n", "method", "cycles", "median ms", "p90 ms", "cpu ms");
	for (unsigned j = 0; j < n_m; j++) {
		double p90 = pct(m[j]->wall, m[j]->n, 0.9), med = pct(m[j]->wall, m[j]->n, 0.5);

		printf("%-6s %7u %10.2f %10.2f %11.2f\n", m[j]->name, m[j]->n, med, p90,
		       pct(m[j]->cpu, m[j]->n, 0.5));
	}
	nl_close(b.pod);
	nl_close(b.host);
	return 0;
}
