// SPDX-License-Identifier: Apache-2.0
/*
 * lib/nl tc filter decoder (tc.c) on hand-built RTM_NEWTFILTER messages:
 * a cls_bpf filter as the kernel dumps it, the per-chain placeholder
 * without TCA_OPTIONS, another kind, and malformed attributes at each
 * level; then every truncation of a good message. Then the kernel, in a
 * private network namespace on lo: no clsact, a missing ifindex, a cls_bpf
 * filter and a TCX program (a two-instruction program loaded here) listed
 * and removed by nl_ebpf_detach_all. tests/e2e/21-ebpf.t checks the same
 * against tc and bpftool.
 */
#include "nl/nl.h"

#include <errno.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nl/kcompat.h"
#include "t.h"

/* Test-only state: did main() get us into a private network namespace? */
static int netns_err = -1;

#define ETH_P_ALL_BE 0x0300 /* htons(ETH_P_ALL), as tc puts it in tcm_info */

struct opts {
	const char *kind; /* NULL: no TCA_KIND */
	bool options; /* put TCA_OPTIONS */
	const char *name; /* TCA_BPF_NAME, NULL: none */
	size_t name_len; /* bytes of it to put (0: strlen + 1) */
	uint32_t id, flags;
	size_t id_len; /* 0: 4 */
	uint32_t chain;
	bool has_chain;
};

static struct nlmsghdr *filter_msg(uint8_t *buf, size_t cap, const struct opts *o)
{
	struct nlmsghdr *nlh = nl_msg_put_header(buf, cap, RTM_NEWTFILTER, NLM_F_MULTI);
	struct tcmsg *tcm = nl_msg_put_extra(nlh, cap, sizeof(*tcm));
	struct nlattr *nest;

	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = 7;
	tcm->tcm_parent = NL_TC_PARENT_INGRESS;
	tcm->tcm_handle = 1;
	tcm->tcm_info = TC_H_MAKE(49152u << 16, ETH_P_ALL_BE);
	if (o->kind && !nl_attr_put_strz(nlh, cap, TCA_KIND, o->kind))
		return NULL;
	if (o->has_chain && !nl_attr_put_u32(nlh, cap, TCA_CHAIN, o->chain))
		return NULL;
	if (!o->options)
		return nlh;
	nest = nl_attr_nest_start(nlh, cap, TCA_OPTIONS);
	if (!nest)
		return NULL;
	if (o->name && !nl_attr_put(nlh, cap, TCA_BPF_NAME,
				    o->name_len ? o->name_len : strlen(o->name) + 1, o->name))
		return NULL;
	if (o->id && !nl_attr_put(nlh, cap, TCA_BPF_ID, o->id_len ? o->id_len : 4, &o->id))
		return NULL;
	if (o->flags && !nl_attr_put_u32(nlh, cap, TCA_BPF_FLAGS, o->flags))
		return NULL;
	nl_attr_nest_end(nlh, nest);
	return nlh;
}

static void test_decode_bpf(void)
{
	uint8_t buf[1024] __attribute__((aligned(4)));
	struct opts o = { .kind = "bpf",
			  .options = true,
			  .name = "dummy_bpf.o:[classifier]",
			  .id = 42,
			  .flags = TCA_BPF_FLAG_ACT_DIRECT,
			  .chain = 0,
			  .has_chain = true };
	struct nlmsghdr *nlh = filter_msg(buf, sizeof(buf), &o);
	struct nl_tc_filter f;

	REQUIRE(nlh);
	CHECK_EQ(nl_tc_filter_decode(nlh, &f), 0);
	CHECK_EQ(f.ifindex, 7);
	CHECK_EQ(f.parent, NL_TC_PARENT_INGRESS);
	CHECK_EQ(f.handle, 1);
	CHECK_EQ(f.prio, 49152);
	CHECK_EQ(f.protocol, ETH_P_ALL_BE);
	CHECK_STR(f.kind, "bpf");
	CHECK(f.has_options);
	CHECK_STR(f.bpf_name, "dummy_bpf.o:[classifier]");
	CHECK_EQ(f.bpf_id, 42);
	CHECK_EQ(f.bpf_flags, TCA_BPF_FLAG_ACT_DIRECT);
	CHECK_EQ(f.chain, 0);

	/* The placeholder the kernel sends first for a chain: no options. */
	o = (struct opts){ .kind = "bpf", .has_chain = true, .chain = 3 };
	nlh = filter_msg(buf, sizeof(buf), &o);
	REQUIRE(nlh);
	CHECK_EQ(nl_tc_filter_decode(nlh, &f), 0);
	CHECK(!f.has_options);
	CHECK_EQ(f.chain, 3);
	CHECK_STR(f.bpf_name, "");

	/* Another kind: its options are not read as cls_bpf's. */
	o = (struct opts){ .kind = "u32", .options = true, .name = "not a name", .id = 5 };
	nlh = filter_msg(buf, sizeof(buf), &o);
	REQUIRE(nlh);
	CHECK_EQ(nl_tc_filter_decode(nlh, &f), 0);
	CHECK_STR(f.kind, "u32");
	CHECK_STR(f.bpf_name, "");
	CHECK_EQ(f.bpf_id, 0);

	/* A bpf filter without a name (loaded by fd without TCA_BPF_NAME). */
	o = (struct opts){ .kind = "bpf", .options = true, .id = 9 };
	nlh = filter_msg(buf, sizeof(buf), &o);
	REQUIRE(nlh);
	CHECK_EQ(nl_tc_filter_decode(nlh, &f), 0);
	CHECK_STR(f.bpf_name, "");
	CHECK_EQ(f.bpf_id, 9);
	CHECK_EQ(f.bpf_flags, 0);
}

static void test_decode_malformed(void)
{
	uint8_t buf[1024] __attribute__((aligned(4)));
	char longname[NL_TC_BPF_NAME_MAX + 1];
	struct nl_tc_filter f;
	struct nlmsghdr *nlh;
	struct opts o;

	/* Name of exactly the maximum fits; one more byte does not. */
	memset(longname, 'n', sizeof(longname));
	longname[NL_TC_BPF_NAME_MAX - 1] = 0;
	o = (struct opts){ .kind = "bpf", .options = true, .name = longname };
	nlh = filter_msg(buf, sizeof(buf), &o);
	REQUIRE(nlh);
	CHECK_EQ(nl_tc_filter_decode(nlh, &f), 0);
	CHECK_EQ(strlen(f.bpf_name), NL_TC_BPF_NAME_MAX - 1);
	longname[NL_TC_BPF_NAME_MAX - 1] = 'n';
	longname[NL_TC_BPF_NAME_MAX] = 0;
	nlh = filter_msg(buf, sizeof(buf), &o);
	REQUIRE(nlh);
	CHECK_EQ(nl_tc_filter_decode(nlh, &f), -EBADMSG);
	/* Unterminated name. */
	o = (struct opts){ .kind = "bpf", .options = true, .name = "abcdef", .name_len = 6 };
	nlh = filter_msg(buf, sizeof(buf), &o);
	REQUIRE(nlh);
	CHECK_EQ(nl_tc_filter_decode(nlh, &f), -EBADMSG);
	/* A 2-byte TCA_BPF_ID. */
	o = (struct opts){ .kind = "bpf", .options = true, .id = 1, .id_len = 2 };
	nlh = filter_msg(buf, sizeof(buf), &o);
	REQUIRE(nlh);
	CHECK_EQ(nl_tc_filter_decode(nlh, &f), -EBADMSG);
	/* An over-long kind. */
	o = (struct opts){ .kind = "0123456789012345678901234567890123456789" };
	nlh = filter_msg(buf, sizeof(buf), &o);
	REQUIRE(nlh);
	CHECK_EQ(nl_tc_filter_decode(nlh, &f), -EBADMSG);
	/* Another message type; a short tcmsg. */
	o = (struct opts){ .kind = "bpf" };
	nlh = filter_msg(buf, sizeof(buf), &o);
	REQUIRE(nlh);
	nlh->nlmsg_type = RTM_NEWQDISC;
	CHECK_EQ(nl_tc_filter_decode(nlh, &f), -ENOENT);
	nlh->nlmsg_type = RTM_DELTFILTER;
	CHECK_EQ(nl_tc_filter_decode(nlh, &f), 0);
	nlh->nlmsg_len = NLMSG_HDRLEN + sizeof(struct tcmsg) - 1;
	CHECK_EQ(nl_tc_filter_decode(nlh, &f), -EBADMSG);
	/* A TCA_OPTIONS nest whose inner header runs past it. */
	o = (struct opts){ .kind = "bpf", .options = true, .name = "x", .id = 3 };
	nlh = filter_msg(buf, sizeof(buf), &o);
	REQUIRE(nlh);
	{
		/* Find TCA_OPTIONS and make its first inner attribute claim too much. */
		uint8_t *p = (uint8_t *)nlh + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct tcmsg));
		uint8_t *end = (uint8_t *)nlh + nlh->nlmsg_len;
		bool done = false;

		while (p + sizeof(struct nlattr) <= end && !done) {
			struct nlattr *a = (struct nlattr *)p;

			if (nl_attr_type(a) == TCA_OPTIONS) {
				((struct nlattr *)(a + 1))->nla_len = 200;
				done = true;
			}
			p += NLA_ALIGN(a->nla_len);
		}
		REQUIRE(done);
	}
	CHECK_EQ(nl_tc_filter_decode(nlh, &f), -EBADMSG);
}

/* Every truncation of a good message decodes or fails cleanly (ASan watches reads). */
static void test_truncation(void)
{
	uint8_t buf[1024] __attribute__((aligned(4)));
	struct opts o = { .kind = "bpf",
			  .options = true,
			  .name = "dummy_bpf.o:[classifier]",
			  .id = 42,
			  .flags = 1,
			  .has_chain = true };
	struct nlmsghdr *nlh = filter_msg(buf, sizeof(buf), &o);
	uint32_t full;
	unsigned ok = 0, bad = 0;

	REQUIRE(nlh);
	full = nlh->nlmsg_len;
	for (uint32_t len = 0; len <= full; len++) {
		uint8_t copy[1024] __attribute__((aligned(4)));
		struct nl_tc_filter f;
		struct nlmsghdr *c = (struct nlmsghdr *)copy;
		int ret;

		memcpy(copy, buf, len);
		if (len < sizeof(*c)) /* nlmsg_len itself must be readable */
			continue;
		c->nlmsg_len = len;
		ret = nl_tc_filter_decode(c, &f);
		CHECK(ret == 0 || ret == -EBADMSG);
		ok += ret == 0;
		bad += ret == -EBADMSG;
	}
	CHECK(ok > 0 && bad > 0);
}

/* ---------------------------------------------------------------- kernel */

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	long ret = syscall(SYS_bpf, cmd, attr, sizeof(*attr));

	return ret < 0 ? -errno : (int)ret;
}

/* r0 = 0; exit: a classifier that passes everything. */
static int load_prog(const char *name)
{
	static const struct bpf_insn insns[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = 2;
	attr.license = (uint64_t)(uintptr_t) "GPL";
	snprintf(attr.prog_name, sizeof(attr.prog_name), "%s", name);
	return sys_bpf(BPF_PROG_LOAD, &attr);
}

static int tc_add(struct nl_sock *s, uint16_t type, uint32_t parent, uint32_t handle, uint32_t info,
		  const char *kind, int bpf_fd)
{
	uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = nl_msg_put_header(buf, sizeof(buf), type, NLM_F_CREATE | NLM_F_EXCL);
	struct tcmsg *tcm = nl_msg_put_extra(nlh, sizeof(buf), sizeof(*tcm));
	char ext[128];

	tcm->tcm_ifindex = 1;
	tcm->tcm_parent = parent;
	tcm->tcm_handle = handle;
	tcm->tcm_info = info;
	nl_attr_put_strz(nlh, sizeof(buf), TCA_KIND, kind);
	if (bpf_fd >= 0) {
		struct nlattr *o = nl_attr_nest_start(nlh, sizeof(buf), TCA_OPTIONS);

		nl_attr_put_u32(nlh, sizeof(buf), TCA_BPF_FD, (uint32_t)bpf_fd);
		nl_attr_put_strz(nlh, sizeof(buf), TCA_BPF_NAME, "t.o:[classifier]");
		nl_attr_put_u32(nlh, sizeof(buf), TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
		nl_attr_nest_end(nlh, o);
	}
	return nl_request(s, nlh, NULL, NULL, NULL, ext, sizeof(ext));
}

static void test_kernel(void)
{
	struct arena *a = arena_new(1u << 20);
	struct nl_tcx_prog progs[NL_TCX_PROGS_MAX];
	struct nl_tc_filter *f;
	struct nl_sock *s = NULL;
	struct nl_ebpf e;
	union bpf_attr attr;
	unsigned n_tc = 9, n_tcx = 9;
	bool tcx;
	size_t n;
	int cls, prog;

	if (netns_err) {
		T_FAIL("no private network namespace: %s", strerror(-netns_err));
		goto out;
	}
	REQUIRE(a);
	REQUIRE(nl_open(NETLINK_ROUTE, NULL, &s) == 0);
	/* No clsact: an empty list, no error; nothing to detach. */
	CHECK_EQ(nl_tc_filter_dump(s, 1, NL_TC_PARENT_INGRESS, a, &f, &n), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(nl_tcx_query(1, false, progs, &n, &tcx), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(nl_ebpf_detach_all(s, 1, &n_tc, &n_tcx), 0);
	CHECK(n_tc == 0 && n_tcx == 0);
	/* A missing ifindex: the tc dump is empty (the kernel skips it), bpf(2) says ENODEV. */
	CHECK_EQ(nl_tc_filter_dump(s, 4242, NL_TC_PARENT_INGRESS, a, &f, &n), 0);
	CHECK_EQ(n, 0);
	if (tcx) {
		bool sup;

		CHECK_EQ(nl_tcx_query(4242, false, progs, &n, &sup), -ENODEV);
	}

	/* A cls_bpf filter on clsact ingress of lo. */
	REQUIRE(tc_add(s, RTM_NEWQDISC, TC_H_CLSACT, TC_H_MAKE(TC_H_CLSACT, 0), 0, "clsact", -1) ==
		0);
	cls = load_prog("t_cls");
	REQUIRE(cls >= 0);
	REQUIRE(tc_add(s, RTM_NEWTFILTER, NL_TC_PARENT_INGRESS, 1,
		       TC_H_MAKE(10u << 16, htons(ETH_P_ALL)), "bpf", cls) == 0);
	close(cls);
	CHECK_EQ(nl_tc_filter_dump(s, 1, NL_TC_PARENT_EGRESS, a, &f, &n), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(nl_tc_filter_dump(s, 1, NL_TC_PARENT_INGRESS, a, &f, &n), 0);
	REQUIRE(n == 1);
	CHECK_STR(f[0].kind, "bpf");
	CHECK_STR(f[0].bpf_name, "t.o:[classifier]");
	CHECK_EQ(f[0].prio, 10);
	CHECK_EQ(f[0].protocol, htons(ETH_P_ALL));
	CHECK_EQ(f[0].handle, 1);
	CHECK(f[0].bpf_id > 0);
	CHECK_EQ(f[0].bpf_flags, TCA_BPF_FLAG_ACT_DIRECT);

	/* A TCX program attached without a link (Linux 6.6+). */
	if (tcx) {
		prog = load_prog("t_tcx");
		REQUIRE(prog >= 0);
		memset(&attr, 0, sizeof(attr));
		attr.target_fd = 1;
		attr.attach_bpf_fd = (uint32_t)prog;
		attr.attach_type = NL_BPF_TCX_EGRESS;
		CHECK_EQ(sys_bpf(BPF_PROG_ATTACH, &attr), 0);
		close(prog);
	} else {
		fprintf(stderr, "# this kernel has no TCX: TCX checks skipped\n");
	}
	CHECK_EQ(nl_ebpf_list(s, 1, a, &e), 0);
	CHECK_EQ(e.n_tc, 1);
	CHECK_EQ(e.tcx_supported, tcx);
	if (tcx) {
		REQUIRE(e.n_tcx == 1);
		CHECK_EQ(e.n_tcx_ingress, 0); /* it is on egress */
		CHECK_STR(e.tcx[0].name, "t_tcx");
		CHECK_EQ(e.tcx[0].link_id, 0);
	}
	CHECK_EQ(nl_ebpf_detach_all(s, 1, &n_tc, &n_tcx), 0);
	CHECK_EQ(n_tc, 1);
	CHECK_EQ(n_tcx, tcx ? 1 : 0);
	CHECK_EQ(nl_ebpf_list(s, 1, a, &e), 0);
	CHECK(e.n_tc == 0 && e.n_tcx == 0);
out:
	nl_close(s);
	arena_free(a);
}

static int enter_netns(void)
{
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
		return -errno;
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	return 0;
}

static const struct t_case tests[] = {
	T(test_decode_bpf),
	T(test_decode_malformed),
	T(test_truncation),
	T(test_kernel),
};

int main(void)
{
	netns_err = enter_netns();
	if (netns_err)
		fprintf(stderr, "unshare(CLONE_NEWNET): %s (the kernel tests need root)\n",
			strerror(-netns_err));
	return T_RUN(tests);
}
