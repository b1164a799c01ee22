// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz lib/nl's rtnetlink decoders and reply processor: the input is taken
 * as one netlink message (its nlmsg_len forced to the input size) and fed to
 * each decoder under that decoder's message type, then fed unchanged as a
 * received reply buffer to the reply processor, with the seq and port of
 * its first header, whose callback decodes every message it is handed.
 */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nl/internal.h"
#include "nl/nl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int decode_all(const struct nlmsghdr *nlh, void *data)
{
	union {
		struct nl_link l;
		struct nl_addr a;
		struct nl_route r;
		struct nl_rule ru;
		struct nl_neigh ne;
	} u;
	unsigned *ok = data;

	*ok += nl_link_decode(nlh, &u.l) == 0;
	*ok += nl_addr_decode(nlh, &u.a) == 0;
	*ok += nl_route_decode(nlh, &u.r) == 0;
	*ok += nl_rule_decode(nlh, &u.ru) == 0;
	*ok += nl_neigh_decode(nlh, &u.ne) == 0;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = { RTM_NEWLINK, RTM_NEWADDR, RTM_NEWROUTE, RTM_NEWRULE,
					  RTM_NEWNEIGH };
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
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
			nlh->nlmsg_type = types[i];
			decode_all(nlh, &ok);
		}
	}
	memcpy(p, data, size);
	nlh = (struct nlmsghdr *)p;
	nl_reply_init(&r, size >= NLMSG_HDRLEN ? nlh->nlmsg_seq : 0,
		      size >= NLMSG_HDRLEN ? nlh->nlmsg_pid : 0, true, decode_all, &ok, ext,
		      sizeof(ext));
	ret = nl_reply_process(&r, p, size);
	if (ret < 0 && ret != -EBADMSG)
		ok += strlen(ext); /* a kernel error: the extack text must be terminated */
	free(p);
	return 0;
}
