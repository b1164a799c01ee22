// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz lib/nl's tc filter decoder (tc.c): the input is taken as one
 * netlink message (nlmsg_len forced to the input size) and decoded as
 * RTM_NEWTFILTER, then fed unchanged as a received dump buffer to the reply
 * processor, whose callback decodes every message it is handed. Seeds:
 * RTM_GETTFILTER dump replies captured from the kernel
 * (tests/fuzz/capture_tc.py) with cls_bpf and u32 filters.
 */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nl/internal.h"
#include "nl/nl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int decode_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_tc_filter f;
	unsigned *ok = data;

	if (nl_tc_filter_decode(nlh, &f) == 0)
		*ok += (unsigned)strlen(f.kind) + (unsigned)strlen(f.bpf_name);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlmsghdr *nlh;
	struct nl_reply r;
	unsigned ok = 0;
	uint8_t *p;
	char ext[64];
	int ret;

	if (size > 1u << 20)
		return 0;
	p = malloc(size ? size : 1);
	if (!p)
		return 0;
	if (size >= NLMSG_HDRLEN) {
		memcpy(p, data, size);
		nlh = (struct nlmsghdr *)p;
		nlh->nlmsg_len = (uint32_t)size;
		nlh->nlmsg_type = RTM_NEWTFILTER;
		decode_cb(nlh, &ok);
	}
	memcpy(p, data, size);
	nlh = (struct nlmsghdr *)p;
	nl_reply_init(&r, size >= NLMSG_HDRLEN ? nlh->nlmsg_seq : 0,
		      size >= NLMSG_HDRLEN ? nlh->nlmsg_pid : 0, true, decode_cb, &ok, ext,
		      sizeof(ext));
	ret = nl_reply_process(&r, p, size);
	if (ret < 0 && ret != -EBADMSG)
		ok += (unsigned)strlen(ext);
	free(p);
	return 0;
}
