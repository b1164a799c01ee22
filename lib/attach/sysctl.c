// SPDX-License-Identifier: Apache-2.0
/*
 * Per-interface sysctls in another network namespace, and the one place the
 * engine enters another netns with setns(2): /proc/sys/net shows the netns
 * of the thread that opens the file, and bpf(2) resolves an ifindex in the
 * caller's netns, so the thread enters the pod's, works, and goes back.
 * Documentation/networking/ip-sysctl.rst (arp_ignore, arp_announce,
 * forwarding, disable_ipv6).
 */
#include "attach/attach.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attach/internal.h"

struct one {
	uint8_t family;
	const char *key;
	size_t off;
};

static const struct one keys[] = {
	/* disable_ipv6 first: the others of ipv6 exist either way, addresses need it. */
	{ AF_INET6, "disable_ipv6", offsetof(struct attach_sysctls, disable_ipv6) },
	{ AF_INET, "arp_ignore", offsetof(struct attach_sysctls, arp_ignore) },
	{ AF_INET, "arp_announce", offsetof(struct attach_sysctls, arp_announce) },
	{ AF_INET, "forwarding", offsetof(struct attach_sysctls, forwarding4) },
	{ AF_INET6, "forwarding", offsetof(struct attach_sysctls, forwarding6) },
};

static int write_all(const char *name, const struct attach_sysctls *vals, char *why, size_t whylen)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		int32_t v = *(const int32_t *)((const uint8_t *)vals + keys[i].off);
		char path[128], txt[16];
		int fd, ret, len;

		if (v < 0)
			continue;
		ret = attach_sysctl_path(name, keys[i].family, keys[i].key, path, sizeof(path));
		if (ret < 0)
			return ret;
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			snprintf(why, whylen, "%s", path);
			return ret;
		}
		len = snprintf(txt, sizeof(txt), "%d\n", v);
		ret = fd_write_all(fd, txt, (size_t)len);
		close(fd);
		if (ret < 0) {
			snprintf(why, whylen, "%s", path);
			return ret;
		}
	}
	return 0;
}

int attach_netns_run(const char *netns_path, int (*fn)(void *arg), void *arg, char *why,
		     size_t whylen)
{
	int orig = -1, target = -1, ret;

	if (!netns_path)
		return fn(arg);
	orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0)
		return -errno;
	target = open(netns_path, O_RDONLY | O_CLOEXEC);
	if (target < 0) {
		ret = -errno;
		snprintf(why, whylen, "%s", netns_path);
		goto out_close_orig;
	}
	if (setns(target, CLONE_NEWNET) < 0) {
		ret = -errno;
		snprintf(why, whylen, "setns %s", netns_path);
		goto out_close_target;
	}
	ret = fn(arg);
	/* Always go back; staying in the pod netns would be far worse than any error. */
	if (setns(orig, CLONE_NEWNET) < 0) {
		ret = -errno;
		snprintf(why, whylen, "setns back to the host netns");
	}
out_close_target:
	close(target);
out_close_orig:
	close(orig);
	return ret;
}

struct write_arg {
	const char *name;
	const struct attach_sysctls *vals;
	char *why;
	size_t whylen;
};

static int write_cb(void *p)
{
	struct write_arg *w = p;

	return write_all(w->name, w->vals, w->why, w->whylen);
}

int attach_sysctls_write(const char *netns_path, const char *name,
			 const struct attach_sysctls *vals, char *why, size_t whylen)
{
	struct write_arg w = { name, vals, why, whylen };

	why[0] = '\0';
	return attach_netns_run(netns_path, write_cb, &w, why, whylen);
}

/*
 * The snapshot's extra per-interface sysctls: those a host agent sets on a
 * device and that a netns move resets to the netns defaults
 * (Documentation/networking/ip-sysctl.rst, conf/interface/ keys). Integer
 * ones only; addr_gen_mode is left out (writing it regenerates the IPv6
 * link-local address), and so are read-only ones (mc_forwarding).
 */
static const struct one extra_keys[] = {
	{ AF_INET, "rp_filter", 0 },
	{ AF_INET, "proxy_arp", 0 },
	{ AF_INET, "proxy_arp_pvlan", 0 },
	{ AF_INET, "accept_local", 0 },
	{ AF_INET, "route_localnet", 0 },
	{ AF_INET, "src_valid_mark", 0 },
	{ AF_INET, "arp_filter", 0 },
	{ AF_INET, "arp_accept", 0 },
	{ AF_INET, "arp_notify", 0 },
	{ AF_INET, "arp_evict_nocarrier", 0 },
	{ AF_INET, "drop_gratuitous_arp", 0 },
	{ AF_INET, "drop_unicast_in_l2_multicast", 0 },
	{ AF_INET, "accept_redirects", 0 },
	{ AF_INET, "secure_redirects", 0 },
	{ AF_INET, "send_redirects", 0 },
	{ AF_INET, "shared_media", 0 },
	{ AF_INET, "accept_source_route", 0 },
	{ AF_INET, "log_martians", 0 },
	{ AF_INET, "bootp_relay", 0 },
	{ AF_INET, "promote_secondaries", 0 },
	{ AF_INET, "ignore_routes_with_linkdown", 0 },
	{ AF_INET, "bc_forwarding", 0 },
	{ AF_INET, "disable_policy", 0 },
	{ AF_INET, "disable_xfrm", 0 },
	{ AF_INET, "tag", 0 },
	{ AF_INET6, "mtu", 0 },
	{ AF_INET6, "hop_limit", 0 },
	{ AF_INET6, "accept_ra", 0 },
	{ AF_INET6, "accept_ra_defrtr", 0 },
	{ AF_INET6, "accept_ra_pinfo", 0 },
	{ AF_INET6, "accept_ra_rtr_pref", 0 },
	{ AF_INET6, "accept_ra_mtu", 0 },
	{ AF_INET6, "accept_ra_min_hop_limit", 0 },
	{ AF_INET6, "autoconf", 0 },
	{ AF_INET6, "accept_dad", 0 },
	{ AF_INET6, "dad_transmits", 0 },
	{ AF_INET6, "enhanced_dad", 0 },
	{ AF_INET6, "use_tempaddr", 0 },
	{ AF_INET6, "max_addresses", 0 },
	{ AF_INET6, "router_solicitations", 0 },
	{ AF_INET6, "accept_redirects", 0 },
	{ AF_INET6, "accept_source_route", 0 },
	{ AF_INET6, "proxy_ndp", 0 },
	{ AF_INET6, "keep_addr_on_down", 0 },
	{ AF_INET6, "ndisc_notify", 0 },
	{ AF_INET6, "drop_unsolicited_na", 0 },
	{ AF_INET6, "ignore_routes_with_linkdown", 0 },
	{ AF_INET6, "disable_policy", 0 },
};

_Static_assert(ARRAY_SIZE(extra_keys) == ATTACH_SYSCTL_EXTRA_N, "ATTACH_SYSCTL_EXTRA_N");

const char *attach_sysctl_extra_key(size_t i, uint8_t *family)
{
	if (i >= ARRAY_SIZE(extra_keys))
		return NULL;
	if (family)
		*family = extra_keys[i].family;
	return extra_keys[i].key;
}

void attach_sysctls_extra_read(const char *name, int32_t vals[ATTACH_SYSCTL_EXTRA_N])
{
	for (size_t i = 0; i < ARRAY_SIZE(extra_keys); i++)
		vals[i] = attach_sysctl_read_one(name, extra_keys[i].family, extra_keys[i].key);
}

int attach_sysctls_extra_restore(const char *name, const int32_t vals[ATTACH_SYSCTL_EXTRA_N],
				 char *why, size_t whylen)
{
	int first = 0;

	why[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(extra_keys); i++) {
		char path[128], txt[16];
		int fd, ret, len;

		if (vals[i] < 0 || attach_sysctl_read_one(name, extra_keys[i].family,
							  extra_keys[i].key) == vals[i])
			continue;
		ret = attach_sysctl_path(name, extra_keys[i].family, extra_keys[i].key, path,
					 sizeof(path));
		if (ret == 0) {
			fd = open(path, O_WRONLY | O_CLOEXEC);
			ret = fd < 0 ? -errno : 0;
		}
		if (ret == 0) {
			len = snprintf(txt, sizeof(txt), "%d\n", vals[i]);
			ret = fd_write_all(fd, txt, (size_t)len);
			close(fd);
		}
		if (ret < 0 && !first) {
			first = ret;
			snprintf(why, whylen, "%s", path);
		}
	}
	return first;
}
