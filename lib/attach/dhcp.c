// SPDX-License-Identifier: Apache-2.0
/*
 * DHCPv4 client state machine (RFC 2131 §4.4, figure 5), driven by an event
 * loop: attach_dhcp_step() reads what is pending, sends what is due and
 * never blocks; attach_dhcp_next_ms() says when to call it again.
 *
 *   INIT -> SELECTING -> REQUESTING -> BOUND -> RENEWING -> REBINDING
 *     ^         (NAK in REQUESTING) |              (expiry or NAK) |
 *     +-----------------------------+-------------------------------+
 *
 * Retransmissions (§4.1): 1 s doubling to 64 s with up to ±1 s of jitter
 * (the RFC starts at 4 s; with upstream's 5 s acquisition budget that would
 * allow one retry only). RENEWING and REBINDING resend at half the time left
 * to T2 or to expiry, at least 60 s apart (§4.4.5).
 */
#include "attach/attach.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CLIENT_PORT 68
#define SERVER_PORT 67
#define BCAST 0xffffffffu
#define RTX_FIRST_MS 1000u
#define RTX_MAX_MS 64000u
#define RTX_JITTER_MS 1000u
#define REQUEST_TRIES 4 /* REQUESTs without an answer before discovering again */
#define RENEW_MIN_MS 60000u
#define RECV_MAX (60 + 8 + ATTACH_DHCP_MSG_MAX) /* IP header with options, UDP header */

struct attach_dhcp {
	char ifname[IFNAMSIZ];
	uint8_t mac[6];
	uint32_t timeout_ms;
	attach_dhcp_send_fn send;
	void *send_ctx;
	int fd; /* AF_PACKET: receives */
	int ufd; /* UDP on port 68: sends */
	enum attach_dhcp_state st;
	bool started; /* the initial acquisition has begun (its deadline is set) */
	uint32_t rng, xid, tries;
	uint64_t deadline_ms; /* of the initial acquisition; UINT64_MAX after it */
	uint64_t acq_start_ms; /* for the secs field */
	uint64_t next_ms; /* next retransmission */
	uint64_t req_sent_ms; /* first send of the current xid: the lease starts there */
	int64_t req_sent_unix;
	uint32_t offer_ip, offer_server;
	struct attach_dhcp_lease lease;
	uint64_t t1_ms, t2_ms, expiry_ms;
};

static uint32_t next_rand(struct attach_dhcp *d)
{
	/* xorshift32: xids and jitter need spread, not secrecy. */
	uint32_t x = d->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	d->rng = x;
	return x;
}

static uint64_t backoff_ms(struct attach_dhcp *d)
{
	uint32_t base = RTX_FIRST_MS, jitter;

	for (uint32_t i = 0; i < d->tries && base < RTX_MAX_MS; i++)
		base *= 2;
	if (base > RTX_MAX_MS)
		base = RTX_MAX_MS;
	jitter = base / 4 < RTX_JITTER_MS ? base / 4 : RTX_JITTER_MS;
	return base - jitter + next_rand(d) % (2 * jitter + 1);
}

static int64_t wall_now(void)
{
	return (int64_t)time(NULL);
}

static uint32_t ip_u32(const struct attach_ip *ip)
{
	return (uint32_t)ip->addr[0] << 24 | (uint32_t)ip->addr[1] << 16 |
	       (uint32_t)ip->addr[2] << 8 | ip->addr[3];
}

static int sock_send(struct attach_dhcp *d, const uint8_t *p, size_t n, uint32_t dst)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(SERVER_PORT) };
	ssize_t w;

	if (d->send)
		return d->send(d->send_ctx, p, n, dst);
	sa.sin_addr.s_addr = htonl(dst);
	do
		w = sendto(d->ufd, p, n, 0, (struct sockaddr *)&sa, sizeof(sa));
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -errno;
	return (size_t)w == n ? 0 : -EIO;
}

/*
 * Would a unicast to @server leave from @addr? Not when the engine has not
 * configured the lease (or has removed it): the kernel then sends from
 * 0.0.0.0 and the server drops it, so a RELEASE goes by broadcast instead.
 * Connecting the socket is harmless here: nothing is received after a
 * RELEASE. With the send seam the answer is yes.
 */
static bool sends_from(struct attach_dhcp *d, uint32_t server, uint32_t addr)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(SERVER_PORT) };
	socklen_t len = sizeof(sa);

	if (d->ufd < 0)
		return true;
	sa.sin_addr.s_addr = htonl(server);
	if (connect(d->ufd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(d->ufd, (struct sockaddr *)&sa, &len) < 0)
		return false;
	return ntohl(sa.sin_addr.s_addr) == addr;
}

static int send_msg(struct attach_dhcp *d, uint8_t type, uint64_t now_ms)
{
	struct attach_dhcp_req q = { .type = type, .xid = d->xid };
	uint64_t secs = (now_ms - d->acq_start_ms) / 1000;
	uint32_t dst = BCAST;
	uint8_t buf[512];
	int n, err;

	memcpy(q.mac, d->mac, 6);
	q.secs = secs > UINT16_MAX ? UINT16_MAX : (uint16_t)secs;
	switch (d->st) {
	case ATTACH_DHCP_SELECTING:
		q.broadcast = true;
		break;
	case ATTACH_DHCP_REQUESTING:
		q.broadcast = true;
		q.requested_ip = d->offer_ip;
		q.server_id = d->offer_server;
		break;
	case ATTACH_DHCP_RENEWING:
		q.ciaddr = ip_u32(&d->lease.addr);
		dst = ip_u32(&d->lease.server);
		break;
	case ATTACH_DHCP_REBINDING:
		q.ciaddr = ip_u32(&d->lease.addr);
		break;
	default: /* RELEASE from BOUND, RENEWING or REBINDING */
		q.ciaddr = ip_u32(&d->lease.addr);
		q.server_id = ip_u32(&d->lease.server);
		dst = sends_from(d, q.server_id, q.ciaddr) ? q.server_id : BCAST;
		break;
	}
	n = attach_dhcp_encode(&q, buf, sizeof(buf));
	if (n < 0)
		return n;
	err = sock_send(d, buf, (size_t)n, dst);
	/* No route to the server (the address is gone): the link's broadcast still reaches it. */
	if ((err == -ENETUNREACH || err == -EHOSTUNREACH) && dst != BCAST)
		err = sock_send(d, buf, (size_t)n, BCAST);
	log_debug("dhcp send", "ifname=%s type=%u xid=%08x dst=%08x err=%d", d->ifname, type,
		  d->xid, dst, err);
	return err;
}

/* A new exchange: fresh xid; the lease of its answer counts from now. */
static void new_xid(struct attach_dhcp *d, uint64_t now_ms)
{
	d->xid = next_rand(d);
	d->tries = 0;
	d->req_sent_ms = now_ms;
	d->req_sent_unix = wall_now();
}

static uint64_t add_s(uint64_t ms, uint32_t s)
{
	return s == ATTACH_DHCP_LEASE_INFINITE ? UINT64_MAX : ms + (uint64_t)s * 1000;
}

static void set_lease(struct attach_dhcp *d, const struct attach_dhcp_lease *l)
{
	d->lease = *l;
	d->t1_ms = add_s(l->start_ms, l->t1_s);
	d->t2_ms = add_s(l->start_ms, l->t2_s);
	d->expiry_ms = add_s(l->start_ms, l->lease_s);
}

static bool same_lease(const struct attach_dhcp_lease *a, const struct attach_dhcp_lease *b)
{
	if (memcmp(&a->addr, &b->addr, sizeof(a->addr)) || a->n_routes != b->n_routes ||
	    memcmp(&a->server, &b->server, sizeof(a->server)))
		return false;
	for (size_t i = 0; i < a->n_routes; i++)
		if (memcmp(&a->routes[i], &b->routes[i], sizeof(a->routes[i])))
			return false;
	return true;
}

/* Half the time left to @until, at least 60 s, never past it (RFC 2131 §4.4.5). */
static uint64_t renew_wait(uint64_t now_ms, uint64_t until)
{
	uint64_t left = until > now_ms ? until - now_ms : 0, w = left / 2;

	if (w < RENEW_MIN_MS)
		w = left < RENEW_MIN_MS ? left : RENEW_MIN_MS;
	return now_ms + (w ? w : 1);
}

static void to_init(struct attach_dhcp *d, uint64_t now_ms)
{
	d->st = ATTACH_DHCP_INIT;
	d->next_ms = now_ms;
	memset(&d->lease, 0, sizeof(d->lease));
}

static int handle_ack(struct attach_dhcp *d, const struct attach_dhcp_reply *r)
{
	struct attach_dhcp_lease l;
	enum attach_dhcp_state was = d->st;
	int ev;

	if (attach_dhcp_lease_from_reply(r, d->req_sent_ms, d->req_sent_unix, &l) < 0)
		return ATTACH_DHCP_EV_NONE;
	if (was == ATTACH_DHCP_REQUESTING && r->yiaddr != d->offer_ip)
		return ATTACH_DHCP_EV_NONE;
	if (was == ATTACH_DHCP_REQUESTING)
		ev = ATTACH_DHCP_EV_BOUND;
	else
		ev = same_lease(&l, &d->lease) ? ATTACH_DHCP_EV_RENEWED : ATTACH_DHCP_EV_CHANGED;
	set_lease(d, &l);
	d->st = ATTACH_DHCP_BOUND;
	d->deadline_ms = UINT64_MAX;
	return ev;
}

int attach_dhcp_input(struct attach_dhcp *d, const uint8_t *p, size_t n, uint64_t now_ms)
{
	struct attach_dhcp_reply *r;
	const char *why = NULL;
	int ev = ATTACH_DHCP_EV_NONE, err;

	r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	err = attach_dhcp_decode(p, n, r, &why);
	if (err < 0) {
		log_debug("dhcp reply dropped", "ifname=%s why=\"%s\"", d->ifname, why ? why : "");
		goto out_free;
	}
	if (r->xid != d->xid || memcmp(r->chaddr, d->mac, 6) != 0)
		goto out_free;
	log_debug("dhcp reply", "ifname=%s state=%s type=%u xid=%08x", d->ifname,
		  attach_dhcp_state_name(d->st), r->type, r->xid);
	switch (d->st) {
	case ATTACH_DHCP_SELECTING:
		if (r->type != ATTACH_DHCP_OFFER || !r->yiaddr || !r->has_server_id)
			break;
		/* The first offer wins (§4.4.1 allows it); the REQUEST keeps the xid. */
		d->offer_ip = r->yiaddr;
		d->offer_server = r->server_id;
		d->st = ATTACH_DHCP_REQUESTING;
		d->tries = 0;
		d->req_sent_ms = now_ms;
		d->req_sent_unix = wall_now();
		err = send_msg(d, ATTACH_DHCP_REQUEST, now_ms);
		d->next_ms = now_ms + backoff_ms(d);
		if (err < 0)
			ev = err;
		break;
	case ATTACH_DHCP_REQUESTING:
	case ATTACH_DHCP_RENEWING:
	case ATTACH_DHCP_REBINDING:
		if (r->type == ATTACH_DHCP_ACK) {
			ev = handle_ack(d, r);
		} else if (r->type == ATTACH_DHCP_NAK) {
			/* §4.4.1 / §4.4.5: restart; a lost lease must be removed. */
			if (d->st == ATTACH_DHCP_REQUESTING && r->has_server_id &&
			    r->server_id != d->offer_server)
				break;
			ev = d->st == ATTACH_DHCP_REQUESTING ? ATTACH_DHCP_EV_NONE
							     : ATTACH_DHCP_EV_EXPIRED;
			to_init(d, now_ms);
		}
		break;
	default:
		break;
	}
out_free:
	free(r);
	return ev;
}

/* Events by importance, for a step where several happened. */
static int merge_ev(int a, int b)
{
	static const int rank[] = {
		[ATTACH_DHCP_EV_NONE] = 0,    [ATTACH_DHCP_EV_RENEWED] = 1,
		[ATTACH_DHCP_EV_CHANGED] = 2, [ATTACH_DHCP_EV_BOUND] = 3,
		[ATTACH_DHCP_EV_EXPIRED] = 4, [ATTACH_DHCP_EV_FAILED] = 5,
	};

	if (a < 0 || b < 0)
		return a < 0 ? a : b;
	return rank[b] > rank[a] ? b : a;
}

static int timers(struct attach_dhcp *d, uint64_t now_ms)
{
	int ev = ATTACH_DHCP_EV_NONE, err = 0;

	/* A few passes: after a long sleep BOUND may be past T1, T2 and expiry at once. */
	for (int pass = 0; pass < 4; pass++) {
		enum attach_dhcp_state was = d->st;

		switch (d->st) {
		case ATTACH_DHCP_INIT:
			if (!d->started) {
				d->started = true;
				d->deadline_ms = now_ms + d->timeout_ms;
			}
			d->acq_start_ms = now_ms;
			new_xid(d, now_ms);
			d->st = ATTACH_DHCP_SELECTING;
			err = send_msg(d, ATTACH_DHCP_DISCOVER, now_ms);
			d->next_ms = now_ms + backoff_ms(d);
			break;
		case ATTACH_DHCP_SELECTING:
		case ATTACH_DHCP_REQUESTING:
			if (now_ms >= d->deadline_ms) {
				d->st = ATTACH_DHCP_FAILED;
				return ATTACH_DHCP_EV_FAILED;
			}
			if (now_ms < d->next_ms)
				break;
			d->tries++;
			if (d->st == ATTACH_DHCP_REQUESTING && d->tries >= REQUEST_TRIES) {
				to_init(d, now_ms);
				break;
			}
			err = send_msg(d,
				       d->st == ATTACH_DHCP_SELECTING ? ATTACH_DHCP_DISCOVER
								      : ATTACH_DHCP_REQUEST,
				       now_ms);
			d->next_ms = now_ms + backoff_ms(d);
			break;
		case ATTACH_DHCP_BOUND:
		case ATTACH_DHCP_RENEWING:
		case ATTACH_DHCP_REBINDING:
			if (now_ms >= d->expiry_ms) {
				to_init(d, now_ms);
				ev = merge_ev(ev, ATTACH_DHCP_EV_EXPIRED);
				break;
			}
			if (d->st != ATTACH_DHCP_REBINDING && now_ms >= d->t2_ms) {
				d->st = ATTACH_DHCP_REBINDING;
				new_xid(d, now_ms);
				err = send_msg(d, ATTACH_DHCP_REQUEST, now_ms);
				d->next_ms = renew_wait(now_ms, d->expiry_ms);
			} else if (d->st == ATTACH_DHCP_BOUND && now_ms >= d->t1_ms) {
				d->st = ATTACH_DHCP_RENEWING;
				new_xid(d, now_ms);
				err = send_msg(d, ATTACH_DHCP_REQUEST, now_ms);
				d->next_ms = renew_wait(now_ms, d->t2_ms);
			} else if (d->st != ATTACH_DHCP_BOUND && now_ms >= d->next_ms) {
				err = send_msg(d, ATTACH_DHCP_REQUEST, now_ms);
				d->next_ms = renew_wait(now_ms, d->st == ATTACH_DHCP_RENEWING
									? d->t2_ms
									: d->expiry_ms);
			}
			break;
		default:
			break;
		}
		/*
		 * A send that fails (link down, no route yet) is retried by the
		 * timers like a lost packet; the caller sees it when it is a
		 * socket error that will not go away.
		 */
		if (err == -EBADF || err == -ENOTSOCK || err == -EINVAL)
			return err;
		err = 0;
		if (d->st == was)
			break;
	}
	return ev;
}

/* Drop what the UDP socket queued: it only keeps port 68 bound. */
static void drain(int fd, uint8_t *buf)
{
	for (int i = 0; i < 64; i++)
		if (recv(fd, buf, ATTACH_DHCP_MSG_MAX, MSG_DONTWAIT) < 0 && errno != EINTR)
			break;
}

int attach_dhcp_step(struct attach_dhcp *d, uint64_t now_ms)
{
	uint8_t *buf = NULL;
	int ev = ATTACH_DHCP_EV_NONE;

	if (d->fd >= 0) {
		buf = malloc(RECV_MAX);
		if (!buf)
			return -ENOMEM;
		drain(d->ufd, buf);
		for (;;) {
			ssize_t n = recv(d->fd, buf, RECV_MAX, MSG_DONTWAIT | MSG_TRUNC);
			const char *why = NULL;
			struct slice pl;

			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				ev = -errno;
				goto out_free;
			}
			if ((size_t)n > RECV_MAX ||
			    attach_dhcp_udp_payload(buf, (size_t)n, &pl, &why) < 0) {
				log_debug("dhcp packet dropped", "ifname=%s len=%zd why=\"%s\"",
					  d->ifname, n, why ? why : "too long");
				continue;
			}
			ev = merge_ev(ev, attach_dhcp_input(d, pl.p, pl.len, now_ms));
			if (ev < 0)
				goto out_free;
		}
	}
	ev = merge_ev(ev, timers(d, now_ms));
out_free:
	free(buf);
	return ev;
}

/* UDP on 0.0.0.0:68, bound to @ifname: sends, and keeps the port taken. */
static int open_udp(const char *netns_path, const char *ifname)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(CLIENT_PORT) };
	int one = 1, small = 2048, fd, err = 0;

	fd = fd_socket_netns(netns_path, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			     IPPROTO_UDP);
	if (fd < 0)
		return fd;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/*
 * AF_PACKET (IP header on) on @ifname with a classic BPF filter: IPv4, UDP,
 * not a fragment, destination port 68. Created with protocol 0 (it receives
 * nothing) and bound to ETH_P_IP on the interface only once the filter is
 * in place, so nothing unfiltered is ever queued.
 */
static int open_packet(const char *netns_path, const char *ifname)
{
	static const struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9), /* protocol */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 6),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6), /* flags, fragment offset */
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 4, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0), /* X = header length */
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2), /* UDP destination port */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CLIENT_PORT, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(code), .filter = (struct sock_filter *)code };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP) };
	struct ifreq ifr;
	int fd, err = 0;

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname) + 1);
	fd = fd_socket_netns(netns_path, AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fd;
	/* The socket's own namespace answers: the name is looked up where the device is. */
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		err = -errno;
	if (!err) {
		sll.sll_ifindex = ifr.ifr_ifindex;
		if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
			err = -errno;
	}
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

static int open_socks(const char *netns_path, const char *ifname, int *fd, int *ufd)
{
	*ufd = open_udp(netns_path, ifname);
	if (*ufd < 0)
		return *ufd;
	*fd = open_packet(netns_path, ifname);
	if (*fd < 0) {
		close(*ufd);
		return *fd;
	}
	return 0;
}

int attach_dhcp_new(const struct attach_dhcp_params *p, struct attach_dhcp **out)
{
	struct attach_dhcp *d;
	int err;

	*out = NULL;
	if (!p->ifname || !*p->ifname || strlen(p->ifname) >= IFNAMSIZ)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	memcpy(d->ifname, p->ifname, strlen(p->ifname) + 1);
	memcpy(d->mac, p->mac, 6);
	d->timeout_ms = p->timeout_ms ? p->timeout_ms : ATTACH_DHCP_TIMEOUT_MS_DEFAULT;
	d->send = p->send;
	d->send_ctx = p->send_ctx;
	d->rng = p->seed;
	if (!d->rng && getrandom(&d->rng, sizeof(d->rng), GRND_NONBLOCK) != sizeof(d->rng))
		d->rng = (uint32_t)time_now_ns();
	if (!d->rng)
		d->rng = 1; /* xorshift's one fixed point */
	d->fd = d->ufd = -1;
	d->st = ATTACH_DHCP_INIT;
	d->deadline_ms = UINT64_MAX; /* set at the first step */
	if (!d->send) {
		err = open_socks(p->netns_path, d->ifname, &d->fd, &d->ufd);
		if (err < 0) {
			free(d);
			return err;
		}
	}
	*out = d;
	return 0;
}

int attach_dhcp_resume(const struct attach_dhcp_params *p, const struct attach_dhcp_lease *lease,
		       uint64_t now_ms, struct attach_dhcp **out)
{
	int err = attach_dhcp_new(p, out);

	if (err)
		return err;
	set_lease(*out, lease);
	(*out)->st = ATTACH_DHCP_BOUND;
	(*out)->started = true;
	(*out)->acq_start_ms = now_ms;
	/* timers() moves it on to RENEWING, REBINDING or INIT as the clock says. */
	return 0;
}

void attach_dhcp_free(struct attach_dhcp *d)
{
	if (!d)
		return;
	if (d->fd >= 0)
		close(d->fd);
	if (d->ufd >= 0)
		close(d->ufd);
	free(d);
}

int attach_dhcp_move(struct attach_dhcp *d, const char *netns_path, const char *ifname)
{
	int fd, ufd, err;

	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	if (!d->send) {
		err = open_socks(netns_path, ifname, &fd, &ufd);
		if (err < 0)
			return err;
		close(d->fd);
		close(d->ufd);
		d->fd = fd;
		d->ufd = ufd;
	}
	memcpy(d->ifname, ifname, strlen(ifname) + 1);
	return 0;
}

int attach_dhcp_fd(const struct attach_dhcp *d)
{
	return d->fd;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t attach_dhcp_next_ms(const struct attach_dhcp *d)
{
	switch (d->st) {
	case ATTACH_DHCP_INIT:
		return d->next_ms; /* 0 when new: at once */
	case ATTACH_DHCP_SELECTING:
	case ATTACH_DHCP_REQUESTING:
		return min_u64(d->next_ms, d->deadline_ms);
	case ATTACH_DHCP_BOUND:
		return min_u64(d->t1_ms, d->expiry_ms);
	case ATTACH_DHCP_RENEWING:
		return min_u64(min_u64(d->next_ms, d->t2_ms), d->expiry_ms);
	case ATTACH_DHCP_REBINDING:
		return min_u64(d->next_ms, d->expiry_ms);
	default:
		return UINT64_MAX;
	}
}

enum attach_dhcp_state attach_dhcp_state(const struct attach_dhcp *d)
{
	return d->st;
}

const char *attach_dhcp_state_name(enum attach_dhcp_state s)
{
	static const char *const names[] = {
		[ATTACH_DHCP_INIT] = "init",
		[ATTACH_DHCP_SELECTING] = "selecting",
		[ATTACH_DHCP_REQUESTING] = "requesting",
		[ATTACH_DHCP_BOUND] = "bound",
		[ATTACH_DHCP_RENEWING] = "renewing",
		[ATTACH_DHCP_REBINDING] = "rebinding",
		[ATTACH_DHCP_RELEASED] = "released",
		[ATTACH_DHCP_FAILED] = "failed",
	};

	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}

const struct attach_dhcp_lease *attach_dhcp_lease(const struct attach_dhcp *d)
{
	switch (d->st) {
	case ATTACH_DHCP_BOUND:
	case ATTACH_DHCP_RENEWING:
	case ATTACH_DHCP_REBINDING:
		return &d->lease;
	default:
		return NULL;
	}
}

int attach_dhcp_release(struct attach_dhcp *d)
{
	int err;

	if (!attach_dhcp_lease(d))
		return -ENOENT;
	/* RFC 2131 §4.4.6: a new xid, ciaddr and server id, unicast to the server. */
	d->xid = next_rand(d);
	err = send_msg(d, ATTACH_DHCP_RELEASE, d->acq_start_ms);
	d->st = ATTACH_DHCP_RELEASED;
	memset(&d->lease, 0, sizeof(d->lease));
	return err;
}

int attach_dhcp_acquire(const struct attach_dhcp_params *p, struct attach_dhcp_lease *lease,
			struct attach_dhcp **out)
{
	struct attach_dhcp *d;
	int err;

	if (out)
		*out = NULL;
	err = attach_dhcp_new(p, &d);
	if (err)
		return err;
	for (;;) {
		uint64_t now = time_now_ms(), next;
		struct pollfd pfd = { .fd = d->fd, .events = POLLIN };
		int ev = attach_dhcp_step(d, now);

		if (ev < 0) {
			err = ev;
			goto out_free;
		}
		if (ev == ATTACH_DHCP_EV_FAILED) {
			err = -ETIMEDOUT;
			goto out_free;
		}
		if (d->st == ATTACH_DHCP_BOUND)
			break;
		next = attach_dhcp_next_ms(d);
		now = time_now_ms();
		if (poll(&pfd, 1, next > now ? (int)min_u64(next - now, 1000) : 0) < 0 &&
		    errno != EINTR) {
			err = -errno;
			goto out_free;
		}
	}
	*lease = d->lease;
	if (out) {
		*out = d;
		d = NULL;
	}
out_free:
	attach_dhcp_free(d);
	return err;
}
