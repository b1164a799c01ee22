// SPDX-License-Identifier: Apache-2.0
/*
 * lib/attach identity rules (attach.h "Identity"), the pure parts:
 * attach_is_ours() for hardware (permanent MAC and PCI parent), a veth by
 * its host peer, other virtual kinds by MAC; the snapshot's optional
 * peerIfindex (absent in older state files); attach_check_device() on a
 * hardwareAddr of another length. The kernel side (RTM_GETNSID, impostors in
 * a pod) is tests/e2e/29-attach-identity.t.
 */
#include "attach/attach.h"

#include <errno.h>
#include <string.h>

#include "attach/internal.h"
#include "t.h"

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

static void veth_snap(struct attach_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	strcpy(s->name, "eth1");
	strcpy(s->kind, "veth");
	s->ifindex = 7;
	s->peer_ifindex = 8;
	memcpy(s->mac, mac_a, 6);
	s->mac_len = 6;
}

/* The pod's view of our veth (ifindex 7, peer 8 on the host, nsid 3 from the host). */
static void pod_link(struct nl_link *l, const uint8_t *mac)
{
	memset(l, 0, sizeof(*l));
	l->ifindex = 7;
	strcpy(l->name, "net0");
	strcpy(l->kind, "veth");
	l->link = 8;
	l->link_netnsid = 0;
	memcpy(l->addr, mac, 6);
	l->addr_len = 6;
}

static void host_peer(struct attach_peer *p, int nsid)
{
	memset(p, 0, sizeof(*p));
	p->known = true;
	p->link.ifindex = 8;
	strcpy(p->link.name, "peth1");
	strcpy(p->link.kind, "veth");
	p->link.link = 7;
	p->link.link_netnsid = 3;
	p->nsid = nsid;
}

static void test_veth_by_peer(void)
{
	struct attach_snapshot s;
	struct attach_peer p;
	struct nl_link l;

	veth_snap(&s);
	pod_link(&l, mac_a);
	host_peer(&p, 3);
	CHECK(attach_is_ours(&l, &s, &p, NULL, 0));
	/* The pod may change the MAC: still ours (the peer says so). */
	pod_link(&l, mac_b);
	CHECK(attach_is_ours(&l, &s, &p, NULL, 0));
	/* Finding 5: the pod's own veth, same name and MAC, peer in the pod. */
	pod_link(&l, mac_a);
	l.ifindex = 9;
	l.link = 10;
	l.link_netnsid = -1;
	CHECK(!attach_is_ours(&l, &s, &p, NULL, 0));
	/* Same ifindex and a peer index that looks right, but the host peer points elsewhere. */
	pod_link(&l, mac_a);
	p.link.link = 12;
	CHECK(!attach_is_ours(&l, &s, &p, NULL, 0));
	/* The host peer points into another netns than the candidate's. */
	host_peer(&p, 4);
	CHECK(!attach_is_ours(&l, &s, &p, NULL, 0));
	/* Host peer gone, or no longer a veth, or not read at all. */
	host_peer(&p, 3);
	p.known = false;
	CHECK(!attach_is_ours(&l, &s, &p, NULL, 0));
	host_peer(&p, 3);
	strcpy(p.link.kind, "");
	CHECK(!attach_is_ours(&l, &s, &p, NULL, 0));
	CHECK(!attach_is_ours(&l, &s, NULL, NULL, 0));
	/* On the host: the peer's link is local (-1), as the candidate's netns. */
	host_peer(&p, -1);
	p.link.link_netnsid = -1;
	l.link_netnsid = -1;
	CHECK(attach_is_ours(&l, &s, &p, NULL, 0));
	/* A candidate of another kind. */
	host_peer(&p, 3);
	pod_link(&l, mac_a);
	strcpy(l.kind, "macvlan");
	CHECK(!attach_is_ours(&l, &s, &p, NULL, 0));
}

static void test_veth_without_peer(void)
{
	struct attach_snapshot s;
	struct nl_link l;

	/* An older state file (no peerIfindex): kind plus one of the MACs, as before. */
	veth_snap(&s);
	s.peer_ifindex = 0;
	pod_link(&l, mac_a);
	CHECK(attach_is_ours(&l, &s, NULL, NULL, 0));
	pod_link(&l, mac_b);
	CHECK(!attach_is_ours(&l, &s, NULL, NULL, 0));
	CHECK(attach_is_ours(&l, &s, NULL, mac_b, 6));
	CHECK(!attach_is_ours(&l, &s, NULL, mac_b, 5));
}

static void test_hardware(void)
{
	struct attach_snapshot s;
	struct nl_link l;

	memset(&s, 0, sizeof(s));
	memcpy(s.perm_addr, mac_a, 6);
	s.perm_addr_len = 6;
	strcpy(s.pci, "0000:00:03.0");
	memset(&l, 0, sizeof(l));
	memcpy(l.perm_addr, mac_a, 6);
	l.perm_addr_len = 6;
	strcpy(l.parent_dev, "0000:00:03.0");
	CHECK(attach_is_ours(&l, &s, NULL, NULL, 0));
	/* Both must match: a right perm MAC with another parent is not ours, nor the reverse. */
	strcpy(l.parent_dev, "0000:00:04.0");
	CHECK(!attach_is_ours(&l, &s, NULL, NULL, 0));
	strcpy(l.parent_dev, "0000:00:03.0");
	memcpy(l.perm_addr, mac_b, 6);
	CHECK(!attach_is_ours(&l, &s, NULL, NULL, 0));
	l.perm_addr_len = 0;
	CHECK(!attach_is_ours(&l, &s, NULL, NULL, 0));
	/* PCI only (no permanent MAC): the parent decides, not the MAC. */
	s.perm_addr_len = 0;
	memcpy(l.addr, mac_b, 6);
	l.addr_len = 6;
	CHECK(attach_is_ours(&l, &s, NULL, NULL, 0));
	strcpy(l.parent_dev, "");
	CHECK(!attach_is_ours(&l, &s, NULL, NULL, 0));
}

static void test_peer_json(void)
{
	struct arena *a = arena_new(1u << 20);
	struct attach_snapshot s, t;
	struct json_err err;
	struct json *v;

	REQUIRE(a);
	veth_snap(&s);
	v = attach_snapshot_json(&s);
	REQUIRE(v);
	REQUIRE(attach_snapshot_from_json(v, a, &t, &err) == 0);
	CHECK_EQ(t.peer_ifindex, 8);
	json_free(v);
	/* No peer on the host: not written; absent (an older state file): 0, unknown. */
	s.peer_ifindex = 0;
	v = attach_snapshot_json(&s);
	REQUIRE(v);
	CHECK(!json_get(v, "peerIfindex"));
	t.peer_ifindex = 5;
	REQUIRE(attach_snapshot_from_json(v, a, &t, &err) == 0);
	CHECK_EQ(t.peer_ifindex, 0);
	/* Not an ifindex. */
	CHECK(json_obj_add_int(v, "peerIfindex", -1) == 0);
	CHECK_EQ(attach_snapshot_from_json(v, a, &t, &err), -EBADMSG);
	json_free(v);
	arena_free(a);
}

static void test_check_device(void)
{
	struct attach_config cfg;
	struct attach_snapshot s;
	char why[256] = "";

	veth_snap(&s);
	memset(&cfg, 0, sizeof(cfg));
	CHECK_EQ(attach_check_device(NULL, &s, why, sizeof(why)), 0);
	CHECK_EQ(attach_check_device(&cfg, &s, why, sizeof(why)), 0);
	cfg.interface.has_hardware_addr = true;
	cfg.interface.mac.len = 6;
	CHECK_EQ(attach_check_device(&cfg, &s, why, sizeof(why)), 0);
	cfg.interface.mac.len = 8;
	CHECK_EQ(attach_check_device(&cfg, &s, why, sizeof(why)), -EINVAL);
	CHECK_STR(why,
		  "interface.hardwareAddr: 8 bytes, but eth1's hardware addresses are 6 bytes");
	/* An IPoIB device takes 20 bytes, not 6. */
	s.mac_len = 20;
	cfg.interface.mac.len = 6;
	CHECK_EQ(attach_check_device(&cfg, &s, why, sizeof(why)), -EINVAL);
	cfg.interface.mac.len = 20;
	CHECK_EQ(attach_check_device(&cfg, &s, why, sizeof(why)), 0);
}

static const struct t_case tests[] = {
	T(test_veth_by_peer), T(test_veth_without_peer), T(test_hardware),
	T(test_peer_json),    T(test_check_device),
};

int main(void)
{
	return T_RUN(tests);
}
