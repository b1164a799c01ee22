// SPDX-License-Identifier: Apache-2.0
/*
 * The few bpf(2) calls TCX needs: BPF_PROG_QUERY of a TCX hook, program
 * names (BPF_PROG_GET_FD_BY_ID + BPF_OBJ_GET_INFO_BY_FD), detach through the
 * bpf_link (BPF_LINK_GET_FD_BY_ID + BPF_LINK_DETACH) or without one
 * (BPF_PROG_DETACH); and the per-link eBPF inventory and detach that
 * combine them with the tc filters of tc.c. Spec: include/uapi/linux/bpf.h,
 * kernel/bpf/{syscall,mprog}.c, kernel/bpf/tcx.c (Linux 6.6). bpf(2)
 * resolves ifindexes in the caller's current network namespace.
 */
#include "nl/nl.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nl/kcompat.h"

static int sys_bpf(int cmd, void *attr, unsigned size)
{
	long ret = syscall(SYS_bpf, cmd, attr, size);

	return ret < 0 ? -errno : (int)ret;
}

static uint32_t tcx_type(bool egress)
{
	return egress ? NL_BPF_TCX_EGRESS : NL_BPF_TCX_INGRESS;
}

/* An fd of program @id; -ENOENT when it is gone. */
static int prog_fd_by_id(uint32_t id)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_id = id;
	return sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr, sizeof(attr));
}

static int prog_name(uint32_t id, char *out, size_t n)
{
	struct bpf_prog_info info;
	union bpf_attr attr;
	int fd = prog_fd_by_id(id), ret;

	if (fd < 0)
		return fd;
	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (uint32_t)fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = (uint64_t)(uintptr_t)&info;
	ret = sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr));
	close(fd);
	if (ret < 0)
		return ret;
	snprintf(out, n, "%.*s", (int)strnlen(info.name, sizeof(info.name)), info.name);
	return 0;
}

int nl_tcx_query(int ifindex, bool egress, struct nl_tcx_prog *out, size_t *n, bool *supported)
{
	uint32_t prog_ids[NL_TCX_PROGS_MAX], link_ids[NL_TCX_PROGS_MAX];
	struct nl_bpf_query_attr q;
	size_t k = 0;
	int ret;

	*n = 0;
	*supported = false;
	if (ifindex <= 0)
		return -EINVAL;
	memset(&q, 0, sizeof(q));
	q.target_ifindex = (uint32_t)ifindex;
	q.attach_type = tcx_type(egress);
	q.prog_ids = (uint64_t)(uintptr_t)prog_ids;
	q.link_ids = (uint64_t)(uintptr_t)link_ids;
	q.count = NL_TCX_PROGS_MAX;
	ret = sys_bpf(BPF_PROG_QUERY, &q, sizeof(q));
	/*
	 * Before 6.6 the attach type is unknown (EINVAL); a kernel that does not
	 * know the bigger attr rejects its non-zero tail (E2BIG). No TCX then.
	 */
	if (ret == -EINVAL || ret == -E2BIG)
		return 0;
	if (ret < 0)
		return ret;
	*supported = true;
	if (q.count > NL_TCX_PROGS_MAX)
		q.count = NL_TCX_PROGS_MAX;
	for (uint32_t i = 0; i < q.count; i++) {
		struct nl_tcx_prog *p = &out[k];

		memset(p, 0, sizeof(*p));
		p->prog_id = prog_ids[i];
		p->link_id = link_ids[i];
		ret = prog_name(p->prog_id, p->name, sizeof(p->name));
		if (ret == -ENOENT)
			continue; /* detached and freed since the query */
		if (ret < 0)
			return ret;
		k++;
	}
	*n = k;
	return 0;
}

static int detach_link(uint32_t link_id)
{
	union bpf_attr attr;
	int fd, ret;

	memset(&attr, 0, sizeof(attr));
	attr.link_id = link_id;
	fd = sys_bpf(BPF_LINK_GET_FD_BY_ID, &attr, sizeof(attr));
	if (fd < 0)
		return fd;
	memset(&attr, 0, sizeof(attr));
	attr.link_detach.link_fd = (uint32_t)fd;
	ret = sys_bpf(BPF_LINK_DETACH, &attr, sizeof(attr));
	close(fd);
	return ret;
}

int nl_tcx_detach(int ifindex, bool egress, const struct nl_tcx_prog *p)
{
	union bpf_attr attr;
	int fd, ret;

	if (ifindex <= 0)
		return -EINVAL;
	if (p->link_id)
		return detach_link(p->link_id);
	fd = prog_fd_by_id(p->prog_id);
	if (fd < 0)
		return fd;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)ifindex; /* target_ifindex since 6.6, the same slot */
	attr.attach_bpf_fd = (uint32_t)fd;
	attr.attach_type = tcx_type(egress);
	ret = sys_bpf(BPF_PROG_DETACH, &attr, sizeof(attr));
	close(fd);
	return ret;
}

/* ------------------------------------------------------ per-link inventory */

static int add_bpf_filters(struct nl_sock *s, int ifindex, uint32_t parent, struct arena *a,
			   struct nl_ebpf *out)
{
	struct nl_tc_filter *f;
	size_t n, keep = 0;
	int ret = nl_tc_filter_dump(s, ifindex, parent, a, &f, &n);

	if (ret < 0)
		return ret;
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].kind, "bpf") == 0)
			keep++;
	if (!keep)
		return 0;
	{
		size_t old = out->n_tc * sizeof(*out->tc),
		       bytes = (out->n_tc + keep) * sizeof(*out->tc);
		struct nl_tc_filter *v = arena_realloc(a, out->tc, old, bytes);

		if (!v)
			return -ENOMEM;
		out->tc = v;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].kind, "bpf") == 0)
			out->tc[out->n_tc++] = f[i];
	return 0;
}

int nl_ebpf_list(struct nl_sock *s, int ifindex, struct arena *a, struct nl_ebpf *out)
{
	size_t n;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = add_bpf_filters(s, ifindex, NL_TC_PARENT_INGRESS, a, out);
	if (!ret)
		ret = add_bpf_filters(s, ifindex, NL_TC_PARENT_EGRESS, a, out);
	if (!ret)
		ret = nl_tcx_query(ifindex, false, out->tcx, &n, &out->tcx_supported);
	if (ret < 0)
		return ret;
	out->n_tcx = out->n_tcx_ingress = n;
	if (!out->tcx_supported)
		return 0;
	ret = nl_tcx_query(ifindex, true, out->tcx + n, &n, &out->tcx_supported);
	if (ret < 0)
		return ret;
	out->n_tcx += n;
	return 0;
}

static void first_err(int *err, int ret)
{
	if (ret < 0 && !*err)
		*err = ret;
}

int nl_ebpf_detach_all(struct nl_sock *s, int ifindex, unsigned *n_tc, unsigned *n_tcx)
{
	static const uint32_t parents[2] = { NL_TC_PARENT_INGRESS, NL_TC_PARENT_EGRESS };
	unsigned done_tc = 0, done_tcx = 0;
	int err = 0;

	for (int d = 0; d < 2; d++) {
		struct nl_tcx_prog progs[NL_TCX_PROGS_MAX];
		struct nl_tc_filter *f;
		struct arena *a = arena_new(1u << 20);
		size_t n;
		bool supported;
		int ret;

		if (!a) {
			first_err(&err, -ENOMEM);
			break;
		}
		ret = nl_tc_filter_dump(s, ifindex, parents[d], a, &f, &n);
		first_err(&err, ret);
		for (size_t i = 0; ret == 0 && i < n; i++) {
			int r;

			if (strcmp(f[i].kind, "bpf") != 0)
				continue;
			r = nl_tc_filter_del(s, &f[i]);
			if (r == -ENOENT)
				continue; /* gone meanwhile */
			first_err(&err, r);
			done_tc += r == 0;
		}
		arena_free(a);
		ret = nl_tcx_query(ifindex, d == 1, progs, &n, &supported);
		first_err(&err, ret);
		for (size_t i = 0; ret == 0 && i < n; i++) {
			int r = nl_tcx_detach(ifindex, d == 1, &progs[i]);

			if (r == -ENOENT)
				continue;
			first_err(&err, r);
			done_tcx += r == 0;
		}
	}
	if (n_tc)
		*n_tc = done_tc;
	if (n_tcx)
		*n_tcx = done_tcx;
	return err;
}
