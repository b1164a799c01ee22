// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz the DHCPv4 reply decoder (lib/attach/dhcp_msg.c), and the IPv4/UDP
 * unwrapping of a packet-socket read in front of it: decode, build a
 * lease from what decoded, and round-trip that lease through its checkpoint
 * JSON (which must give the same lease back). Seeds: the dnsmasq OFFER and
 * ACK of tests/data/dhcp/ and the RFC 2131/3442 layouts of test_dhcp.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attach/attach.h"
#include "json/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct attach_dhcp_reply reply;
static struct attach_dhcp_lease lease, back;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p = malloc(size ? size : 1);
	const char *why = NULL;
	struct slice pl;
	struct json *j;

	/* An exact-size copy: ASan sees any read past the end. */
	if (!p)
		return 0;
	memcpy(p, data, size);
	/* The same bytes as a packet-socket read: an IPv4/UDP datagram around a reply. */
	if (attach_dhcp_udp_payload(p, size, &pl, &why) == 0) {
		if (pl.len > size || (pl.len && (pl.p < p || pl.p + pl.len > p + size)))
			abort();
		if (attach_dhcp_decode(pl.p, pl.len, &reply, &why) < 0 && !why)
			abort();
	} else if (!why) {
		abort();
	}
	if (attach_dhcp_decode(p, size, &reply, &why) < 0) {
		if (!why)
			abort(); /* every error says why */
		goto out;
	}
	if (reply.n_routes > ATTACH_DHCP_ROUTES_MAX || reply.n_routers > ATTACH_DHCP_ADDRS_MAX ||
	    reply.n_dns > ATTACH_DHCP_ADDRS_MAX)
		abort();
	if (attach_dhcp_lease_from_reply(&reply, 1000000, 1700000000, &lease) < 0)
		goto out;
	j = attach_dhcp_lease_to_json(&lease);
	if (!j)
		goto out;
	if (attach_dhcp_lease_from_json(j, 1000000, 1700000000, &back, &why) < 0 ||
	    memcmp(&back.addr, &lease.addr, sizeof(back.addr)) != 0 ||
	    back.n_routes != lease.n_routes || back.lease_s != lease.lease_s ||
	    back.t1_s != lease.t1_s || back.t2_s != lease.t2_s || back.start_ms != lease.start_ms)
		abort();
	for (size_t i = 0; i < lease.n_routes; i++)
		if (memcmp(&back.routes[i], &lease.routes[i], sizeof(back.routes[i])) != 0)
			abort();
	json_free(j);
out:
	free(p);
	return 0;
}
