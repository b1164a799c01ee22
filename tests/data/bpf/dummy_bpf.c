// SPDX-License-Identifier: Apache-2.0
/*
 * tests/data/bpf/dummy_bpf.c: the tc classifier of tests/e2e/21-ebpf.t,
 * compiled by the test (clang -target bpf -O2 -c) into $E2E_TMP, never
 * committed. No headers: the sections and return codes are all it needs.
 *   classifier   a tc classifier (tc filter ... bpf direct-action obj dummy_bpf.o sec classifier)
 */
#define SEC(name) __attribute__((section(name), used))
#define TC_ACT_OK 0 /* TCX_NEXT is -1; OK passes the packet on */

struct __sk_buff;

SEC("classifier") int cls_main(struct __sk_buff *skb)
{
	(void)skb;
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
