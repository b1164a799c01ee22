// SPDX-License-Identifier: Apache-2.0
/*
 * The eBPF step of attach (upstream's disableEbpfPrograms, reference/
 * upstream.md §6.6): tc BPF filters on clsact ingress/egress and TCX
 * programs removed from the device inside the pod. A move already drops
 * clsact filters; TCX programs go with the device and are detached here.
 */
#include "attach/attach.h"

#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>

#include "attach/internal.h"

struct detach_arg {
	int ifindex;
	unsigned n_tc, n_tcx;
};

/* Inside the pod netns: bpf(2) resolves the ifindex there, the socket is opened there. */
static int detach_cb(void *p)
{
	struct detach_arg *d = p;
	struct nl_sock *s = NULL;
	int ret = nl_open(NETLINK_ROUTE, NULL, &s);

	if (ret < 0)
		return ret;
	ret = nl_ebpf_detach_all(s, d->ifindex, &d->n_tc, &d->n_tcx);
	nl_close(s);
	return ret;
}

int attach_ebpf_detach(const char *netns_path, int ifindex, char *why, size_t whylen)
{
	struct detach_arg d = { .ifindex = ifindex };
	int ret;

	why[0] = '\0';
	ret = attach_netns_run(netns_path, detach_cb, &d, why, whylen);
	if (ret < 0 && !why[0])
		snprintf(why, whylen,
			 "removed %u tc filters and %u TCX programs before the failure", d.n_tc,
			 d.n_tcx);
	return ret;
}
