/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel UAPI constants that Debian 12's linux-libc-dev (6.1) lacks
 * (DESIGN.md "Facts of this test machine"). The kernel's names are enum
 * members, which the preprocessor cannot test for, so ours carry an NL_
 * prefix and the value of include/uapi/linux/if_link.h, with the kernel
 * release that added each.
 */
#ifndef DRANET_NL_KCOMPAT_H
#define DRANET_NL_KCOMPAT_H

#include <stdint.h>

/* include/uapi/linux/if_link.h, enum IFLA_* */
#define NL_IFLA_GSO_IPV4_MAX_SIZE 63 /* Linux 6.3 */
#define NL_IFLA_GRO_IPV4_MAX_SIZE 64 /* Linux 6.3 */
/* Highest IFLA_* type the link decoder looks at. */
#define NL_IFLA_DECODE_MAX NL_IFLA_GRO_IPV4_MAX_SIZE

/*
 * include/uapi/linux/bpf.h, enum bpf_attach_type: TCX (Linux 6.6). The 6.1
 * enum ends at BPF_PERF_EVENT 41, BPF_TRACE_KPROBE_MULTI 42, BPF_LSM_CGROUP
 * 43; 6.4 added BPF_STRUCT_OPS 44 and BPF_NETFILTER 45.
 */
#define NL_BPF_TCX_INGRESS 46 /* Linux 6.6 */
#define NL_BPF_TCX_EGRESS 47 /* Linux 6.6 */

/*
 * include/uapi/linux/fib_rules.h after FRA_DPORT_RANGE (24): FRA_DSCP 25,
 * FRA_FLOWLABEL 26, FRA_FLOWLABEL_MASK 27 (Linux 6.14-6.15), then the port
 * masks (Linux 6.16). A single port (start == end) is reported with the
 * mask 0xffff that the kernel gives it by itself.
 */
#define NL_FRA_SPORT_MASK 28
#define NL_FRA_DPORT_MASK 29

/*
 * union bpf_attr as BPF_PROG_QUERY reads it since Linux 6.6 (the 6.1 layout
 * stops at prog_attach_flags, offset 32): target_ifindex shares target_fd's
 * slot, prog_cnt is also "count", and link_ids (one per program, 0 for a
 * program attached without a bpf_link), link_attach_flags and the mprog
 * revision follow. 64 bytes; bpf(2) is given the whole size.
 */
struct nl_bpf_query_attr {
	uint32_t target_ifindex;
	uint32_t attach_type;
	uint32_t query_flags;
	uint32_t attach_flags;
	uint64_t prog_ids; /* pointer to uint32_t[count] */
	uint32_t count; /* in: capacity of the arrays; out: programs attached */
	uint32_t pad;
	uint64_t prog_attach_flags;
	uint64_t link_ids; /* Linux 6.6 */
	uint64_t link_attach_flags; /* Linux 6.6 */
	uint64_t revision; /* Linux 6.6 */
};

#endif
