// SPDX-License-Identifier: Apache-2.0
/*
 * lib/nl tc filter decoder (tc.c) on hand-built RTM_NEWTFILTER messages:
 * a cls_bpf filter as the kernel dumps it, the per-chain placeholder
 * without TCA_OPTIONS, another kind, and malformed attributes at each
 * level; then every truncation of a good message.
 */
#include "nl/nl.h"

#include <errno.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "t.h"

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

static const struct t_case tests[] = {
	T(test_decode_bpf),
	T(test_decode_malformed),
	T(test_truncation),
};

int main(void)
{
	return T_RUN(tests);
}
