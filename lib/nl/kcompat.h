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

/* include/uapi/linux/if_link.h, enum IFLA_* */
#define NL_IFLA_GSO_IPV4_MAX_SIZE 63 /* Linux 6.3 */
#define NL_IFLA_GRO_IPV4_MAX_SIZE 64 /* Linux 6.3 */
/* Highest IFLA_* type the link decoder looks at. */
#define NL_IFLA_DECODE_MAX NL_IFLA_GRO_IPV4_MAX_SIZE

/* include/uapi/linux/bpf.h, enum bpf_attach_type (lib/attach/config.c's probe) */
#define NL_BPF_TCX_INGRESS 46 /* Linux 6.6 */
#define NL_BPF_TCX_EGRESS 47 /* Linux 6.6 */

#endif
