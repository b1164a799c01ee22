/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/nl private declarations: the socket object and the reply processor,
 * a function over one received buffer so that tests and fuzzers can feed
 * crafted replies (DUMP_INTR, wrong seq or port, NLMSG_ERROR with extack).
 */
#ifndef DRANET_NL_INTERNAL_H
#define DRANET_NL_INTERNAL_H

#include "nl/nl.h"

/* Largest single message we grow the receive buffer to (MSG_PEEK|MSG_TRUNC). */
#define NL_RECV_MAX (1u << 20)

struct nl_sock {
	int fd;
	int protocol;
	uint32_t portid; /* kernel-assigned nl_pid */
	uint32_t seq;
	uint8_t *rbuf;
	size_t rbuf_size;
};

/* State of one request while its replies are processed. */
struct nl_reply {
	uint32_t seq, portid;
	bool dump;
	nl_msg_cb cb;
	void *data;
	char *extack; /* may be NULL */
	size_t extack_len;
	bool intr; /* a message of this dump carried NLM_F_DUMP_INTR */
	int cb_err; /* the callback failed during a dump: drain it, then return this */
	unsigned n_msgs; /* data messages handed to cb */
	unsigned n_skipped; /* messages of another seq or port */
};

/* nl_reply_process() results besides -errno. */
enum {
	NL_REPLY_MORE = 0, /* read another buffer */
	NL_REPLY_DONE = 1, /* ack or NLMSG_DONE seen */
	NL_REPLY_INTR = 2, /* NLMSG_DONE of an interrupted dump: restart it */
};

/*
 * Wrap an open @fd (a netlink socket set up by nl_open, or in tests one end
 * of a datagram socketpair playing the kernel) whose replies carry @portid.
 * Owns @fd on success. 0 or -ENOMEM.
 */
MUST_CHECK int nl_sock_wrap(int fd, int protocol, uint32_t portid, struct nl_sock **out);

void nl_reply_init(struct nl_reply *r, uint32_t seq, uint32_t portid, bool dump, nl_msg_cb cb,
		   void *data, char *extack, size_t extack_len);
/*
 * Process the messages of one received buffer [buf, buf + len). Messages of
 * another seq or port are skipped (left over from an earlier request). When
 * the callback fails during a dump, the dump is still read to its end (not
 * handed on) and its error returned at NLMSG_DONE.
 * Returns NL_REPLY_MORE, NL_REPLY_DONE, NL_REPLY_INTR, the kernel's -errno
 * (extack text copied), the callback's -errno, or -EBADMSG for a malformed
 * buffer.
 */
MUST_CHECK int nl_reply_process(struct nl_reply *r, const void *buf, size_t len);

/* Copy NLMSGERR_ATTR_MSG of an NLMSG_ERROR or NLMSG_DONE message to @out. */
void nl_extack_copy(const struct nlmsghdr *nlh, char *out, size_t n);

/* ---------------------------------------------------- genl.c, ethtool.c */

/* Start a generic netlink request (nlmsghdr + genlmsghdr) in @buf; NULL if too small. */
struct nlmsghdr *nl_genl_put_header(void *buf, size_t cap, uint16_t family, uint8_t cmd,
				    uint8_t version);
/* Walk the attributes of a generic netlink message whose command must be @cmd (else -EBADMSG). */
MUST_CHECK int nl_genl_parse(const struct nlmsghdr *nlh, uint8_t cmd, nl_attr_cb cb, void *data);

/* A decoded bitset: @nbits bits in value[] and mask[] (u32 words, host order). */
struct nl_bitset {
	uint32_t nbits;
	bool has_mask; /* false: ETHTOOL_A_BITSET_NOMASK (a list) */
	uint32_t value[NL_ETHTOOL_BITS_MAX / 32];
	uint32_t mask[NL_ETHTOOL_BITS_MAX / 32];
};

static inline bool nl_bitset_test(const uint32_t *words, uint32_t nbits, uint32_t i)
{
	return i < nbits && (words[i / 32] >> (i % 32)) & 1u;
}

/*
 * Decode an ETHTOOL_A_*_<bitset> attribute, compact or verbose. Verbose bits
 * are placed by ETHTOOL_A_BITSET_BIT_INDEX, or by name through @names
 * (@n_names entries) when the index is absent. 0, -EBADMSG, -EMSGSIZE.
 */
MUST_CHECK int nl_ethtool_bitset_decode(const struct nlattr *bs, const char *const *names,
					size_t n_names, struct nl_bitset *out);
/*
 * Append a verbose bitset in mask form: one named bit per pair, with
 * ETHTOOL_A_BITSET_BIT_VALUE when on. false when @cap is exceeded.
 */
bool nl_ethtool_bitset_put(struct nlmsghdr *nlh, size_t cap, uint16_t type,
			   const struct nl_ethtool_flag *req, size_t n);
/*
 * Decoders of single ethtool replies, for the requests, tests and fuzzers.
 * strset: the strings of set @id (ETH_SS_*) of an ETHTOOL_MSG_STRSET_GET_REPLY
 * as an array indexed by bit, in @a. features/privflags: the
 * ETHTOOL_MSG_{FEATURES,PRIVFLAGS}_GET_REPLY bitsets named by @names.
 * features_set: the names of requested bits that did not take (the WANTED
 * diff of an ETHTOOL_MSG_FEATURES_SET_REPLY), joined by ", " in @a ("" if
 * none). Each returns 0, -EBADMSG, -EMSGSIZE or -ENOMEM.
 */
MUST_CHECK int nl_ethtool_strset_decode(const struct nlmsghdr *nlh, uint32_t id, struct arena *a,
					const char ***names, size_t *n);
MUST_CHECK int nl_ethtool_features_decode(const struct nlmsghdr *nlh, const char *const *names,
					  size_t n_names, struct arena *a, struct nl_feature **out,
					  size_t *n);
MUST_CHECK int nl_ethtool_privflags_decode(const struct nlmsghdr *nlh, const char *const *names,
					   size_t n_names, struct arena *a,
					   struct nl_ethtool_flag **out, size_t *n);
MUST_CHECK int nl_ethtool_features_set_decode(const struct nlmsghdr *nlh, const char *const *names,
					      size_t n_names, struct arena *a, char **failed);

#endif
