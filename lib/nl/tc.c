// SPDX-License-Identifier: Apache-2.0
/*
 * tc filters: the RTM_GETTFILTER dump of one clsact parent, the decoder of
 * its messages (kind "bpf" options in detail) and RTM_DELTFILTER of one
 * filter. Spec: include/uapi/linux/{rtnetlink,pkt_sched,pkt_cls}.h,
 * net/sched/cls_api.c (tc_dump_tfilter, tc_del_tfilter), cls_bpf.c
 * (cls_bpf_dump).
 */
#include "nl/nl.h"

#include <errno.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <string.h>

/* A NUL-terminated string attribute that must fit @n bytes with its NUL. */
static bool tc_str(const struct nlattr *a, char *out, size_t n)
{
	size_t len;

	if (!a)
		return true;
	if (nl_attr_validate(a, NL_ATTR_STRZ) < 0)
		return false;
	len = strnlen(nl_attr_get_str(a), nl_attr_len(a));
	if (len >= n)
		return false;
	memcpy(out, nl_attr_get_str(a), len);
	out[len] = '\0';
	return true;
}

static bool tc_u32(const struct nlattr *a, uint32_t *out)
{
	if (!a)
		return true;
	if (nl_attr_validate(a, NL_ATTR_U32) < 0)
		return false;
	*out = nl_attr_get_u32(a);
	return true;
}

/* cls_bpf_dump: TCA_BPF_NAME, TCA_BPF_ID, TCA_BPF_FLAGS (only when non-zero), ... */
static bool decode_bpf(const struct nlattr *opts, struct nl_tc_filter *out)
{
	const struct nlattr *tb[TCA_BPF_MAX + 1];
	bool ok = true;

	if (nl_attr_parse_table(nl_attr_data(opts), nl_attr_len(opts), tb, TCA_BPF_MAX) < 0)
		return false;
	ok &= tc_str(tb[TCA_BPF_NAME], out->bpf_name, sizeof(out->bpf_name));
	ok &= tc_u32(tb[TCA_BPF_ID], &out->bpf_id);
	ok &= tc_u32(tb[TCA_BPF_FLAGS], &out->bpf_flags);
	return ok;
}

int nl_tc_filter_decode(const struct nlmsghdr *nlh, struct nl_tc_filter *out)
{
	const struct nlattr *tb[TCA_MAX + 1];
	struct tcmsg tcm;
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(tcm));
	bool ok = true;

	if (nlh->nlmsg_type != RTM_NEWTFILTER && nlh->nlmsg_type != RTM_DELTFILTER)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_len < off)
		return -EBADMSG;
	memcpy(&tcm, NLMSG_DATA(nlh), sizeof(tcm));
	if (nl_attr_parse_table((const uint8_t *)nlh + off, nlh->nlmsg_len - off, tb, TCA_MAX) < 0)
		return -EBADMSG;
	out->ifindex = tcm.tcm_ifindex;
	out->parent = tcm.tcm_parent;
	out->handle = tcm.tcm_handle;
	out->prio = (uint16_t)(TC_H_MAJ(tcm.tcm_info) >> 16);
	out->protocol = (uint16_t)TC_H_MIN(tcm.tcm_info);
	ok &= tc_str(tb[TCA_KIND], out->kind, sizeof(out->kind));
	ok &= tc_u32(tb[TCA_CHAIN], &out->chain);
	if (tb[TCA_OPTIONS]) {
		out->has_options = true;
		if (strcmp(out->kind, "bpf") == 0)
			ok &= decode_bpf(tb[TCA_OPTIONS], out);
	}
	return ok ? 0 : -EBADMSG;
}

struct filter_list {
	struct arena *a;
	struct nl_tc_filter *v;
	size_t n, cap;
	int ifindex;
	uint32_t parent;
};

static int filter_cb(const struct nlmsghdr *nlh, void *data)
{
	struct filter_list *l = data;
	struct nl_tc_filter f;
	int ret = nl_tc_filter_decode(nlh, &f);

	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	/* Only real filters of what was asked (the kernel filters; check anyway). */
	if (!f.has_options || !f.kind[0] || f.ifindex != l->ifindex || f.parent != l->parent)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		struct nl_tc_filter *v =
			arena_realloc(l->a, l->v, l->cap * sizeof(*v), cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = f;
	return 0;
}

static void filter_restart(void *data)
{
	((struct filter_list *)data)->n = 0;
}

int nl_tc_filter_dump(struct nl_sock *s, int ifindex, uint32_t parent, struct arena *a,
		      struct nl_tc_filter **out, size_t *n)
{
	uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = nl_msg_put_header(buf, sizeof(buf), RTM_GETTFILTER, NLM_F_DUMP);
	struct tcmsg *tcm = nlh ? nl_msg_put_extra(nlh, sizeof(buf), sizeof(*tcm)) : NULL;
	struct filter_list l = { .a = a, .ifindex = ifindex, .parent = parent };
	char extack[128] = "";
	int ret;

	*out = NULL;
	*n = 0;
	if (!tcm)
		return -EMSGSIZE;
	if (ifindex <= 0)
		return -EINVAL;
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = parent;
	ret = nl_request(s, nlh, filter_cb, &l, filter_restart, extack, sizeof(extack));
	/*
	 * tc_dump_tfilter: no qdisc at the parent's major (no clsact) ends the
	 * dump empty, no error (measured on 6.18; the code is the same in 6.1).
	 */
	if (ret < 0) {
		log_debug("tc filter dump failed", "ifindex=%d parent=%08x err=%d extack=\"%s\"",
			  ifindex, parent, ret, extack);
		return ret;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

int nl_tc_filter_del(struct nl_sock *s, const struct nl_tc_filter *f)
{
	uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = nl_msg_put_header(buf, sizeof(buf), RTM_DELTFILTER, 0);
	struct tcmsg *tcm = nlh ? nl_msg_put_extra(nlh, sizeof(buf), sizeof(*tcm)) : NULL;
	char extack[128] = "";
	int ret;

	if (!tcm)
		return -EMSGSIZE;
	if (f->ifindex <= 0 || !f->prio)
		return -EINVAL; /* prio 0 would flush the whole chain */
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = f->ifindex;
	tcm->tcm_parent = f->parent;
	tcm->tcm_handle = f->handle;
	tcm->tcm_info = TC_H_MAKE((uint32_t)f->prio << 16, f->protocol);
	if ((f->kind[0] && !nl_attr_put_strz(nlh, sizeof(buf), TCA_KIND, f->kind)) ||
	    (f->chain && !nl_attr_put_u32(nlh, sizeof(buf), TCA_CHAIN, f->chain)))
		return -EMSGSIZE;
	ret = nl_request(s, nlh, NULL, NULL, NULL, extack, sizeof(extack));
	if (ret < 0)
		log_debug("tc filter delete failed",
			  "ifindex=%d parent=%08x prio=%u handle=%08x err=%d extack=\"%s\"",
			  f->ifindex, f->parent, f->prio, f->handle, ret, extack);
	return ret;
}
