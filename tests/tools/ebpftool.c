// SPDX-License-Identifier: Apache-2.0
/*
 * tests/tools/ebpftool: drives lib/nl from e2e tests, printing JSON that the
 * test compares with independent tools (tc, bpftool, ip).
 *
 *   ebpftool ebpf-list IFNAME      BPF tc filters (clsact) and TCX programs
 *   ebpftool ebpf-detach IFNAME    nl_ebpf_detach_all: what disableEbpfPrograms does
 *   ebpftool tcx-link IFNAME ingress|egress PROG_PIN LINK_PIN
 *                                attach a pinned program through a TCX bpf_link
 *                                and pin the link (setup only: bpftool 7.5
 *                                attaches TCX without a link)
 *
 * Everything runs in the current network namespace.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nl/kcompat.h"
#include "nl/nl.h"

static void put_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static const char *parent_name(uint32_t parent)
{
	return parent == NL_TC_PARENT_INGRESS  ? "ingress"
	       : parent == NL_TC_PARENT_EGRESS ? "egress"
					       : "other";
}

static int ebpf_list(struct nl_sock *s, int ifindex)
{
	struct arena *a = arena_new(ARENA_CAP_DEFAULT);
	struct nl_ebpf e;
	int ret;

	if (!a)
		return -ENOMEM;
	ret = nl_ebpf_list(s, ifindex, a, &e);
	if (ret < 0)
		goto out;
	printf("{\"ifindex\":%d,\"tcx_supported\":%s,\"tc\":[", ifindex,
	       e.tcx_supported ? "true" : "false");
	for (size_t i = 0; i < e.n_tc; i++) {
		const struct nl_tc_filter *f = &e.tc[i];

		printf("%s{\"parent\":\"%s\",\"kind\":", i ? "," : "", parent_name(f->parent));
		put_str(f->kind);
		printf(",\"name\":");
		put_str(f->bpf_name);
		printf(",\"id\":%u,\"prio\":%u,\"protocol\":%u,\"handle\":%u,\"chain\":%u,"
		       "\"direct_action\":%s}",
		       f->bpf_id, f->prio, f->protocol, f->handle, f->chain,
		       (f->bpf_flags & TCA_BPF_FLAG_ACT_DIRECT) ? "true" : "false");
	}
	printf("],\"tcx\":[");
	for (size_t i = 0; i < e.n_tcx; i++) {
		printf("%s{\"dir\":\"%s\",\"name\":", i ? "," : "",
		       i < e.n_tcx_ingress ? "ingress" : "egress");
		put_str(e.tcx[i].name);
		printf(",\"prog_id\":%u,\"link_id\":%u}", e.tcx[i].prog_id, e.tcx[i].link_id);
	}
	printf("]}\n");
out:
	arena_free(a);
	return ret;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	long ret = syscall(SYS_bpf, cmd, attr, sizeof(*attr));

	return ret < 0 ? -errno : (int)ret;
}

static int tcx_link(int ifindex, bool egress, const char *prog_pin, const char *link_pin)
{
	union bpf_attr attr;
	int prog, link, ret;

	memset(&attr, 0, sizeof(attr));
	attr.pathname = (uint64_t)(uintptr_t)prog_pin;
	prog = sys_bpf(BPF_OBJ_GET, &attr);
	if (prog < 0)
		return prog;
	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = (uint32_t)prog;
	attr.link_create.target_ifindex = (uint32_t)ifindex;
	attr.link_create.attach_type = egress ? NL_BPF_TCX_EGRESS : NL_BPF_TCX_INGRESS;
	link = sys_bpf(BPF_LINK_CREATE, &attr);
	close(prog);
	if (link < 0)
		return link;
	memset(&attr, 0, sizeof(attr));
	attr.pathname = (uint64_t)(uintptr_t)link_pin;
	attr.bpf_fd = (uint32_t)link;
	ret = sys_bpf(BPF_OBJ_PIN, &attr);
	close(link);
	if (ret == 0)
		printf("{\"pinned\":\"%s\"}\n", link_pin);
	return ret;
}

static int usage(void)
{
	fprintf(stderr, "usage: ebpftool ebpf-list IFNAME | ebpf-detach IFNAME |\n"
			"       ebpftool tcx-link IFNAME ingress|egress PROG_PIN LINK_PIN\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct nl_sock *s = NULL;
	int ifindex, ret;

	if (argc < 3)
		return usage();
	ifindex = (int)if_nametoindex(argv[2]);
	if (!ifindex) {
		fprintf(stderr, "ebpftool: %s: no such interface\n", argv[2]);
		return 1;
	}
	if (strcmp(argv[1], "tcx-link") == 0) {
		if (argc != 6 || (strcmp(argv[3], "ingress") && strcmp(argv[3], "egress")))
			return usage();
		ret = tcx_link(ifindex, strcmp(argv[3], "egress") == 0, argv[4], argv[5]);
		goto out;
	}
	if (argc != 3)
		return usage();
	ret = nl_open(NETLINK_ROUTE, NULL, &s);
	if (ret < 0)
		goto out;
	if (strcmp(argv[1], "ebpf-list") == 0) {
		ret = ebpf_list(s, ifindex);
	} else if (strcmp(argv[1], "ebpf-detach") == 0) {
		unsigned n_tc = 0, n_tcx = 0;

		ret = nl_ebpf_detach_all(s, ifindex, &n_tc, &n_tcx);
		printf("{\"tc_removed\":%u,\"tcx_detached\":%u,\"error\":%d}\n", n_tc, n_tcx, ret);
	} else {
		nl_close(s);
		return usage();
	}
out:
	nl_close(s);
	if (ret < 0)
		fprintf(stderr, "ebpftool: %s %s: %s\n", argv[1], argv[2], strerror(-ret));
	return ret < 0 ? 1 : 0;
}
