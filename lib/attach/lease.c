// SPDX-License-Identifier: Apache-2.0
/*
 * interface.dhcp in the engine: take the lease on the host before the
 * move (reference/upstream.md §6.7) and give it back at detach (beyond
 * upstream, weakness 23), over lib/attach/dhcp.c's client.
 */
#include "attach/attach.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "attach/internal.h"

int attach_dhcp_take(struct nl_sock *host, const struct attach_snapshot *snap, uint32_t timeout_ms,
		     struct attach_dhcp_lease *out, char *why, size_t whylen)
{
	struct attach_link_set ls = { .netns_fd = -1, .set_up = true };
	struct attach_dhcp_params p = { .ifname = snap->name, .timeout_ms = timeout_ms };
	int ret;

	why[0] = '\0';
	if (snap->mac_len != 6) {
		snprintf(why, whylen, "%s: DHCP needs an Ethernet address", snap->name);
		return -EINVAL;
	}
	memcpy(p.mac, snap->mac, 6);
	ret = attach_nl_link_set(host, snap->ifindex, &ls, why, whylen);
	if (ret < 0)
		return ret;
	ret = attach_dhcp_acquire(&p, out, NULL);
	if (ret < 0) {
		char ext[64];

		snprintf(why, whylen, "no DHCP lease on %s", snap->name);
		ls = (struct attach_link_set){ .netns_fd = -1, .set_down = true };
		if (!snap->up && attach_nl_link_set(host, snap->ifindex, &ls, ext, sizeof(ext)) < 0)
			snprintf(why, whylen, "no DHCP lease on %s, and it stays up", snap->name);
	}
	return ret;
}

int attach_dhcp_give_back(const char *netns_path, const char *ifname, const uint8_t mac[6],
			  const struct attach_dhcp_lease *lease)
{
	struct attach_dhcp_params p = { .ifname = ifname, .netns_path = netns_path };
	struct attach_dhcp *d = NULL;
	int ret;

	memcpy(p.mac, mac, 6);
	ret = attach_dhcp_resume(&p, lease, time_now_ms(), &d);
	if (ret < 0)
		return ret;
	ret = attach_dhcp_release(d);
	attach_dhcp_free(d);
	return ret;
}
