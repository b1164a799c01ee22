// SPDX-License-Identifier: Apache-2.0
/*
 * tests/data/bpf/dummy_bpf_tcx.c: the TCX programs of tests/e2e/21-ebpf.t,
 * compiled by the test (clang -target bpf -O2 -c) into $E2E_TMP, never
 * committed. No headers: the sections and return codes are all it needs.
 *   tcx/ingress  handle_ingress, tcx/egress handle_egress (bpftool 7.5 prog loadall: TCX types)
 */
#define SEC(name) __attribute__((section(name), used))
#define TC_ACT_OK 0 /* TCX_NEXT is -1; OK passes the packet on */

struct __sk_buff;

SEC("tcx/ingress") int handle_ingress(struct __sk_buff *skb)
{
	(void)skb;
	return TC_ACT_OK;
}

SEC("tcx/egress") int handle_egress(struct __sk_buff *skb)
{
	(void)skb;
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
