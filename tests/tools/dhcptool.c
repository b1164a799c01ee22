// SPDX-License-Identifier: Apache-2.0
/*
 * dhcptool: small helpers for the e2e tests, linked against libdranet.a.
 *
 *   dhcptool dhcp IFNAME [--netns PATH] [--timeout MS]
 *	      [--wait-file F --move-to PATH --move-name NAME --renew-wait S] [--release]
 *	take a lease (attach_dhcp_acquire) and print it as checkpoint JSON;
 *	the lease is kept unless --release. With --wait-file, then wait for F
 *	to exist (the test has moved the device to PATH's netns and named it
 *	NAME there), attach_dhcp_move() the client there and renew as below
 *   dhcptool dhcp-resume IFNAME --lease FILE [--netns PATH] [--renew-wait S] [--release]
 *	resume a checkpointed lease (attach_dhcp_resume) on IFNAME inside
 *	PATH's netns; with --renew-wait, drive the state machine up to S
 *	seconds until it has renewed (exit 1 if not) and print the new lease;
 *	with --release, then send a DHCPRELEASE
 *
 * Exit 0 ok, 1 failure, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "attach/attach.h"
#include "base/base.h"
#include "json/json.h"

static int usage(void)
{
	fprintf(stderr, "usage: dhcptool dhcp IFNAME [--netns PATH] [--timeout MS] [--wait-file F "
			"--move-to PATH --move-name NAME --renew-wait S] [--release]\n"
			"       dhcptool dhcp-resume IFNAME --lease FILE [--netns PATH] "
			"[--renew-wait S] [--release]\n");
	return 2;
}

static int get_mac(const char *netns, const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr;
	int fd = fd_socket_netns(netns, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return fd;
	memset(&ifr, 0, sizeof(ifr));
	if (str_copy(ifr.ifr_name, sizeof(ifr.ifr_name), ifname) < 0)
		err = -EINVAL;
	else if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return err;
}

static int print_lease(const struct attach_dhcp_lease *l)
{
	struct json *j = attach_dhcp_lease_to_json(l);
	struct buf b;
	int err;

	if (!j)
		return -ENOMEM;
	buf_init(&b, 1 << 20);
	err = json_print(j, JSON_COMPACT, &b);
	if (!err)
		printf("%s\n", b.p);
	fflush(stdout);
	buf_fini(&b);
	json_free(j);
	return err;
}

static int read_lease(const char *path, struct attach_dhcp_lease *out)
{
	static char text[1 << 16];
	struct json *j = NULL;
	struct json_err jerr;
	const char *why = "";
	int n, err;

	n = fd_read_file(AT_FDCWD, path, text, sizeof(text));
	if (n < 0)
		return n;
	err = json_parse(text, (size_t)n, &j, &jerr);
	if (err)
		return err;
	err = attach_dhcp_lease_from_json(j, time_now_ms(), (int64_t)time(NULL), out, &why);
	if (err)
		fprintf(stderr, "dhcptool: %s: %s\n", path, why);
	json_free(j);
	return err;
}

/* Drive @d until it reports renewal (or change) or @secs pass. */
static int wait_renewal(struct attach_dhcp *d, unsigned secs)
{
	uint64_t end = time_now_ms() + (uint64_t)secs * 1000;

	for (;;) {
		uint64_t now = time_now_ms(), next;
		struct pollfd pfd = { .fd = attach_dhcp_fd(d), .events = POLLIN };
		int ev = attach_dhcp_step(d, now);

		if (ev < 0)
			return ev;
		if (ev == ATTACH_DHCP_EV_RENEWED || ev == ATTACH_DHCP_EV_CHANGED) {
			fprintf(stderr, "dhcptool: %s\n",
				ev == ATTACH_DHCP_EV_RENEWED ? "renewed" : "changed");
			return 0;
		}
		if (ev == ATTACH_DHCP_EV_EXPIRED)
			return -ESTALE;
		if (now >= end)
			return -ETIMEDOUT;
		next = attach_dhcp_next_ms(d);
		if (next > end)
			next = end;
		now = time_now_ms();
		if (poll(&pfd, 1, next > now ? (int)(next - now) : 0) < 0 && errno != EINTR)
			return -errno;
	}
}

static int wait_for(const char *path, unsigned secs)
{
	for (unsigned i = 0; i < secs * 10; i++) {
		if (access(path, F_OK) == 0)
			return 0;
		poll(NULL, 0, 100);
	}
	return -ETIMEDOUT;
}

static int cmd_dhcp(int argc, char **argv)
{
	struct attach_dhcp_params p = { 0 };
	struct attach_dhcp_lease lease;
	const char *lease_path = NULL, *wait_file = NULL, *move_to = NULL, *move_name = NULL;
	unsigned renew_wait = 0;
	bool resume = strcmp(argv[0], "dhcp-resume") == 0, release = false;
	struct attach_dhcp *d = NULL;
	int64_t v;
	int err;

	if (argc < 2)
		return usage();
	p.ifname = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--release")) {
			release = true;
			continue;
		}
		if (!val)
			return usage();
		i++;
		if (!strcmp(a, "--netns")) {
			p.netns_path = val;
		} else if (!strcmp(a, "--wait-file")) {
			wait_file = val;
		} else if (!strcmp(a, "--move-to")) {
			move_to = val;
		} else if (!strcmp(a, "--move-name")) {
			move_name = val;
		} else if (!strcmp(a, "--lease")) {
			lease_path = val;
		} else if (!strcmp(a, "--timeout") && str_to_i64(val, 10, &v) == 0 && v > 0) {
			p.timeout_ms = (uint32_t)v;
		} else if (!strcmp(a, "--renew-wait") && str_to_i64(val, 10, &v) == 0 && v > 0) {
			renew_wait = (unsigned)v;
		} else {
			return usage();
		}
	}
	if (resume != (lease_path != NULL) || (wait_file && (resume || !move_name || !renew_wait)))
		return usage();
	err = get_mac(p.netns_path, p.ifname, p.mac);
	if (err)
		goto out;
	if (!resume) {
		err = attach_dhcp_acquire(&p, &lease, &d);
		if (!err)
			err = print_lease(&lease);
		if (!err && wait_file)
			err = wait_for(wait_file, renew_wait);
		/* The engine's path: the device moved, the client follows it. */
		if (!err && wait_file)
			err = attach_dhcp_move(d, move_to, move_name);
		if (!wait_file)
			renew_wait = 0;
	} else {
		err = read_lease(lease_path, &lease);
		if (!err)
			err = attach_dhcp_resume(&p, &lease, time_now_ms(), &d);
	}
	if (!err && renew_wait) {
		err = wait_renewal(d, renew_wait);
		if (!err)
			err = print_lease(attach_dhcp_lease(d));
	}
	if (!err && release)
		err = attach_dhcp_release(d);
out:
	attach_dhcp_free(d);
	if (err) {
		fprintf(stderr, "dhcptool: %s %s: %s\n", argv[0], p.ifname, strerror(-err));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (getenv("NLTOOL_DEBUG"))
		log_setup("dhcptool", LOG_DEBUG);
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "dhcp") || !strcmp(argv[1], "dhcp-resume"))
		return cmd_dhcp(argc - 1, argv + 1);
	return usage();
}
