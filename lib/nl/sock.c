// SPDX-License-Identifier: Apache-2.0
/*
 * Netlink sockets: open (optionally inside another network namespace),
 * request/ack and dump handling with sequence and port checks, extack text,
 * NLM_F_DUMP_INTR restarts, multicast events.
 * Spec: include/uapi/linux/netlink.h; Documentation/userspace-api/netlink/intro.rst.
 */
#include "nl/nl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nl/internal.h"

static void copy_str(char *out, size_t n, const char *s, size_t len)
{
	if (!out || n == 0)
		return;
	if (len >= n)
		len = n - 1;
	memcpy(out, s, len);
	out[len] = '\0';
}

/* Offset of the extack TLVs in an NLMSG_ERROR, or 0 when there are none. */
static size_t err_tlv_offset(const struct nlmsghdr *nlh)
{
	struct nlmsghdr inner;
	size_t off = NLMSG_HDRLEN + sizeof(int);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0;
	if (nlh->nlmsg_len < off + sizeof(inner))
		return 0;
	memcpy(&inner, (const uint8_t *)nlh + off, sizeof(inner));
	/* Without NETLINK_CAP_ACK the whole request is echoed before the TLVs. */
	if (nlh->nlmsg_flags & NLM_F_CAPPED)
		off += sizeof(inner);
	else
		off += NLMSG_ALIGN((size_t)inner.nlmsg_len);
	if (inner.nlmsg_len < sizeof(inner) || off > nlh->nlmsg_len)
		return 0;
	return off;
}

void nl_extack_copy(const struct nlmsghdr *nlh, char *out, size_t n)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = NLMSG_HDRLEN + sizeof(int);

	if (out && n)
		out[0] = '\0';
	if (nlh->nlmsg_type == NLMSG_ERROR)
		off = err_tlv_offset(nlh);
	else if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		off = 0;
	if (off == 0 || off > nlh->nlmsg_len)
		return;
	if (nl_attr_parse_table((const uint8_t *)nlh + off, nlh->nlmsg_len - off, tb,
				NLMSGERR_ATTR_MAX) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG] && nl_attr_validate(tb[NLMSGERR_ATTR_MSG], NL_ATTR_STRZ) == 0)
		copy_str(out, n, nl_attr_get_str(tb[NLMSGERR_ATTR_MSG]),
			 nl_attr_len(tb[NLMSGERR_ATTR_MSG]) - 1);
}

void nl_reply_init(struct nl_reply *r, uint32_t seq, uint32_t portid, bool dump, nl_msg_cb cb,
		   void *data, char *extack, size_t extack_len)
{
	memset(r, 0, sizeof(*r));
	r->seq = seq;
	r->portid = portid;
	r->dump = dump;
	r->cb = cb;
	r->data = data;
	r->extack = extack;
	r->extack_len = extack_len;
	if (extack && extack_len)
		extack[0] = '\0';
}

/* The error of an NLMSG_ERROR (0 = ack) or NLMSG_DONE (may be absent = 0). */
static int msg_error(const struct nlmsghdr *nlh, int *err)
{
	int e;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(e)) {
		if (nlh->nlmsg_type == NLMSG_ERROR)
			return -EBADMSG;
		*err = 0;
		return 0;
	}
	memcpy(&e, (const uint8_t *)nlh + NLMSG_HDRLEN, sizeof(e));
	/* Normalise the sign as iproute2 does; INT_MIN cannot be negated. */
	if (e == INT32_MIN)
		return -EBADMSG;
	*err = e > 0 ? -e : e;
	return 0;
}

static int process_one(struct nl_reply *r, const struct nlmsghdr *nlh)
{
	int err = 0, ret;

	if (nlh->nlmsg_seq != r->seq || nlh->nlmsg_pid != r->portid) {
		r->n_skipped++;
		return NL_REPLY_MORE;
	}
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		r->intr = true;
	switch (nlh->nlmsg_type) {
	case NLMSG_NOOP:
		return NL_REPLY_MORE;
	case NLMSG_OVERRUN:
		return -EBADMSG;
	case NLMSG_ERROR:
	case NLMSG_DONE:
		ret = msg_error(nlh, &err);
		if (ret < 0)
			return ret;
		if (r->cb_err)
			return r->cb_err;
		if (err < 0) {
			nl_extack_copy(nlh, r->extack, r->extack_len);
			return err;
		}
		if (nlh->nlmsg_type == NLMSG_DONE && r->intr)
			return NL_REPLY_INTR;
		return NL_REPLY_DONE;
	default:
		break;
	}
	if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
		return NL_REPLY_MORE; /* reserved control types */
	/*
	 * Once interrupted (the dump restarts) or once the callback failed, the
	 * rest is read but not handed on: a dump left unread keeps the socket
	 * busy (the kernel answers the next dump with -EBUSY).
	 */
	if (r->intr || r->cb_err)
		return NL_REPLY_MORE;
	r->n_msgs++;
	if (!r->cb)
		return NL_REPLY_MORE;
	ret = r->cb(nlh, r->data);
	if (ret < 0) {
		if (!r->dump)
			return ret;
		r->cb_err = ret;
	}
	return NL_REPLY_MORE;
}

int nl_reply_process(struct nl_reply *r, const void *buf, size_t len)
{
	struct rd rd = rd_init(buf, len);

	while (rd_left(&rd) > 0) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)rd.p;
		uint32_t mlen = rd_ne32(&rd);
		int ret;

		if (rd.err || mlen < NLMSG_HDRLEN || mlen - sizeof(mlen) > rd_left(&rd))
			return -EBADMSG;
		ret = process_one(r, nlh);
		if (ret != NL_REPLY_MORE)
			return ret;
		if (NLMSG_ALIGN((size_t)mlen) - sizeof(mlen) >= rd_left(&rd))
			break;
		rd_skip(&rd, NLMSG_ALIGN((size_t)mlen) - sizeof(mlen));
	}
	return NL_REPLY_MORE;
}

static int set_opt(int fd, int opt)
{
	int one = 1;

	return setsockopt(fd, SOL_NETLINK, opt, &one, sizeof(one)) < 0 ? -errno : 0;
}

int nl_sock_wrap(int fd, int protocol, uint32_t portid, struct nl_sock **out)
{
	struct nl_sock *s;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->rbuf_size = NL_RECV_SIZE;
	s->rbuf = malloc(s->rbuf_size);
	if (!s->rbuf) {
		free(s);
		return -ENOMEM;
	}
	s->fd = fd;
	s->protocol = protocol;
	s->portid = portid;
	s->seq = (uint32_t)time_now_ns();
	*out = s;
	return 0;
}

/* Options, bind (the kernel picks our port) and connect to the kernel (port 0). */
static int setup(int fd, uint32_t *portid)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	socklen_t salen = sizeof(sa);
	int err;

	err = set_opt(fd, NETLINK_EXT_ACK);
	if (!err)
		err = set_opt(fd, NETLINK_CAP_ACK);
	if (err)
		return err;
	/* Older kernels (< 4.20) lack strict checking; dumps then ignore filters. */
	err = set_opt(fd, NETLINK_GET_STRICT_CHK);
	if (err && err != -ENOPROTOOPT)
		return err;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &salen) < 0 ||
	    connect(fd, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	if (salen != sizeof(sa) || sa.nl_family != AF_NETLINK)
		return -EINVAL;
	*portid = sa.nl_pid;
	return 0;
}

int nl_open(int protocol, const char *netns_path, struct nl_sock **out)
{
	uint32_t portid = 0;
	int fd, err;

	*out = NULL;
	fd = fd_socket_netns(netns_path, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
	if (fd < 0)
		return fd;
	err = setup(fd, &portid);
	if (!err)
		err = nl_sock_wrap(fd, protocol, portid, out);
	if (err)
		close(fd);
	return err;
}

void nl_close(struct nl_sock *s)
{
	if (!s)
		return;
	close(s->fd);
	free(s->rbuf);
	free(s);
}

int nl_fd(const struct nl_sock *s)
{
	return s->fd;
}

/*
 * Receive one datagram into s->rbuf, first peeking at its true size and
 * growing the buffer (up to NL_RECV_MAX) when it would be truncated.
 * Returns its length or -errno (-EAGAIN when @flags has MSG_DONTWAIT and
 * nothing is pending).
 */
static ssize_t recv_one(struct nl_sock *s, int flags)
{
	ssize_t n;

	do
		n = recv(s->fd, s->rbuf, s->rbuf_size, flags | MSG_PEEK | MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n > s->rbuf_size) {
		uint8_t *p;

		if ((size_t)n > NL_RECV_MAX)
			return -EMSGSIZE;
		p = realloc(s->rbuf, (size_t)n);
		if (!p)
			return -ENOMEM;
		s->rbuf = p;
		s->rbuf_size = (size_t)n;
	}
	do
		n = recv(s->fd, s->rbuf, s->rbuf_size, flags);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static int send_req(struct nl_sock *s, struct nlmsghdr *req, bool dump)
{
	ssize_t n;

	req->nlmsg_seq = ++s->seq;
	req->nlmsg_pid = 0;
	req->nlmsg_flags |= NLM_F_REQUEST;
	if (!dump)
		req->nlmsg_flags |= NLM_F_ACK;
	do
		n = send(s->fd, req, req->nlmsg_len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == req->nlmsg_len ? 0 : -EIO;
}

int nl_request(struct nl_sock *s, struct nlmsghdr *req, nl_msg_cb cb, void *data,
	       void (*restart)(void *data), char *extack, size_t extack_len)
{
	bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	struct nl_reply r;
	int tries = 0, ret;

	if (req->nlmsg_len < NLMSG_HDRLEN)
		return -EINVAL;
	for (;;) {
		ret = send_req(s, req, dump);
		if (ret < 0)
			return ret;
		nl_reply_init(&r, req->nlmsg_seq, s->portid, dump, cb, data, extack, extack_len);
		do {
			ssize_t n = recv_one(s, 0);

			if (n == -ENOBUFS && dump) {
				/* Replies were dropped: read this dump to its end, then redo it. */
				r.intr = true;
				ret = NL_REPLY_MORE;
				continue;
			}
			if (n < 0)
				return (int)n;
			ret = nl_reply_process(&r, s->rbuf, (size_t)n);
		} while (ret == NL_REPLY_MORE);
		if (ret != NL_REPLY_INTR)
			return ret < 0 ? ret : 0;
		if (++tries > NL_DUMP_RETRIES)
			return -EAGAIN;
		if (restart)
			restart(data);
		req->nlmsg_flags &= (uint16_t) ~(NLM_F_REQUEST | NLM_F_ACK);
	}
}

int nl_subscribe(struct nl_sock *s, unsigned group)
{
	int g = (int)group;

	if (setsockopt(s->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0)
		return -errno;
	return 0;
}

static int event_msgs(const uint8_t *p, size_t len, nl_msg_cb cb, void *data)
{
	struct rd rd = rd_init(p, len);
	int count = 0;

	while (rd_left(&rd) > 0) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)rd.p;
		uint32_t mlen = rd_ne32(&rd);
		int ret;

		if (rd.err || mlen < NLMSG_HDRLEN || mlen - sizeof(mlen) > rd_left(&rd))
			return -EBADMSG;
		if (nlh->nlmsg_type >= NLMSG_MIN_TYPE) {
			count++;
			ret = cb ? cb(nlh, data) : 0;
			if (ret < 0)
				return ret;
		}
		if (NLMSG_ALIGN((size_t)mlen) - sizeof(mlen) >= rd_left(&rd))
			break;
		rd_skip(&rd, NLMSG_ALIGN((size_t)mlen) - sizeof(mlen));
	}
	return count;
}

int nl_read_events(struct nl_sock *s, nl_msg_cb cb, void *data)
{
	int total = 0;

	for (;;) {
		ssize_t n = recv_one(s, MSG_DONTWAIT);
		int ret;

		if (n == -EAGAIN || n == -EWOULDBLOCK)
			return total;
		if (n < 0)
			return (int)n;
		ret = event_msgs(s->rbuf, (size_t)n, cb, data);
		if (ret < 0)
			return ret;
		total += ret;
	}
}
