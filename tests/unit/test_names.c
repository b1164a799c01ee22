// SPDX-License-Identifier: Apache-2.0
/* Device names: upstream's vectors (pkg/names tests) and the dedupe tie-break. */
#include "inventory/inventory.h"

#include <errno.h>
#include <stdlib.h>

#include "t.h"

/* Names from dedupe_all_orders live here until main() ends. */
static struct arena *names_arena;

static const char long_name[] =
	"very_long_interface_name_that_is_not_dns_compliant_at_all_and_exceeds_limits";
static const char long_want[] =
	"net-ozsxe6k7nrxw4z27nfxhizlsmzqwgzk7nzqw2zk7orugc5c7nfzv63tporpwi3ttl5rw63lqnruwc3tul5qxix3bnrwf6ylomrpwk6ddmvswi427nruw22luom";

static void check_ifname(const char *in, const char *want)
{
	char out[256];
	int ret = inv_name_ifname(in, out, sizeof(out));

	if (ret != (int)strlen(want) || strcmp(out, want) != 0)
		T_FAIL("ifname \"%s\": got %d \"%s\", want \"%s\"", in, ret, ret >= 0 ? out : "",
		       want);
}

static void test_ifname_upstream_vectors(void)
{
	char a63[64];

	memset(a63, 'a', 63);
	a63[63] = '\0';
	check_ifname("eth0", "eth0");
	check_ifname("my-device-1", "my-device-1");
	check_ifname(a63, a63);
	check_ifname("eth:0", "net-mv2gqorq");
	check_ifname("ETH0", "net-ivkeqma");
	check_ifname("eth_int", "net-mv2gqx3jnz2a");
	check_ifname("mlx5_6", "net-nvwhqnk7gy");
	check_ifname(long_name, long_want);
}

/* RFC 4648 §10 vectors, through non-label inputs so they get encoded. */
static void test_ifname_base32(void)
{
	check_ifname("FOOBAR", "net-izhu6qsbki");
	check_ifname("F", "net-iy");
	check_ifname("-", "net-fu");
	check_ifname("a.", "net-mexa");
	check_ifname("\xff", "net-74");
	check_ifname("a-", "net-mewq");
	/* 64 × 'a' is one over the label limit: encoded. */
	char a64[65];

	memset(a64, 'a', 64);
	a64[64] = '\0';
	char out[256];

	CHECK(inv_name_ifname(a64, out, sizeof(out)) > 63);
	CHECK(str_has_prefix(out, "net-mfqwc"));
}

static void test_ifname_errors(void)
{
	char out[256];

	CHECK_EQ(inv_name_ifname("", out, sizeof(out)), -EINVAL);
	CHECK_EQ(inv_name_ifname(NULL, out, sizeof(out)), -EINVAL);
	/* Exactly at the buffer size and one under it. */
	CHECK_EQ(inv_name_ifname("eth:0", out, 13), 12);
	CHECK_STR(out, "net-mv2gqorq");
	CHECK_EQ(inv_name_ifname("eth:0", out, 12), -EMSGSIZE);
	CHECK_EQ(inv_name_ifname("eth0", out, 5), 4);
	CHECK_EQ(inv_name_ifname("eth0", out, 4), -EMSGSIZE);
	CHECK_EQ(inv_name_ifname(long_name, out, sizeof(long_want)), (int)strlen(long_want));
	CHECK_STR(out, long_want);
	CHECK_EQ(inv_name_ifname(long_name, out, sizeof(long_want) - 1), -EMSGSIZE);
	CHECK_EQ(inv_name_ifname(long_name, out, INV_NAME_MAX + 1), -EMSGSIZE);
	CHECK_EQ(inv_name_ifname("eth0", out, 0), -EMSGSIZE);
}

static void test_is_dns_label(void)
{
	char s[70];

	CHECK(inv_is_dns_label("a"));
	CHECK(inv_is_dns_label("0"));
	CHECK(inv_is_dns_label("a-b"));
	CHECK(inv_is_dns_label("a--b"));
	CHECK(!inv_is_dns_label(""));
	CHECK(!inv_is_dns_label(NULL));
	CHECK(!inv_is_dns_label("-a"));
	CHECK(!inv_is_dns_label("a-"));
	CHECK(!inv_is_dns_label("A"));
	CHECK(!inv_is_dns_label("a.b"));
	CHECK(!inv_is_dns_label("a_b"));
	CHECK(!inv_is_dns_label("a b"));
	CHECK(!inv_is_dns_label("\xc3\xa9"));
	memset(s, 'a', 63);
	s[63] = '\0';
	CHECK(inv_is_dns_label(s));
	s[63] = 'a';
	s[64] = '\0';
	CHECK(!inv_is_dns_label(s));
}

static void test_name_pci(void)
{
	char out[64];

	CHECK_EQ(inv_name_pci("0000:8a:00.0", out, sizeof(out)), 16);
	CHECK_STR(out, "pci-0000-8a-00-0");
	CHECK_EQ(inv_name_pci("0000:00:04.0", out, sizeof(out)), 16);
	CHECK_STR(out, "pci-0000-00-04-0");
	CHECK_EQ(inv_name_pci("00:04.0", out, sizeof(out)), 16);
	CHECK_STR(out, "pci-0000-00-04-0");
	CHECK_EQ(inv_name_pci("ABCD:8A:1f.7", out, sizeof(out)), 16);
	CHECK_STR(out, "pci-abcd-8a-1f-7");
	CHECK(inv_is_dns_label(out));
	CHECK_EQ(inv_name_pci("0000:8a:00.0", out, 17), 16);
	CHECK_EQ(inv_name_pci("0000:8a:00.0", out, 16), -EMSGSIZE);
	CHECK_EQ(inv_name_pci("", out, sizeof(out)), -EINVAL);
	CHECK_EQ(inv_name_pci(NULL, out, sizeof(out)), -EINVAL);
	CHECK_EQ(inv_name_pci("not-a-pci-address", out, sizeof(out)), -EINVAL);
}

/* ------------------------------------------------------------ dedupe */

struct spec {
	const char *pci, *ifname, *name;
};

/* Devices named as discovery would name them, unless spec.name says otherwise. */
static void make_devs(struct inv_device *d, const struct spec *s, size_t n, struct arena *a)
{
	for (size_t i = 0; i < n; i++) {
		char buf[256];

		memset(&d[i], 0, sizeof(d[i]));
		d[i].pci = s[i].pci;
		d[i].ifname = s[i].ifname;
		d[i].ifindex = (int)i + 2;
		if (s[i].name)
			d[i].name = s[i].name;
		else if (s[i].pci && inv_name_pci(s[i].pci, buf, sizeof(buf)) > 0)
			d[i].name = arena_strdup(a, buf);
		else if (s[i].ifname && inv_name_ifname(s[i].ifname, buf, sizeof(buf)) > 0)
			d[i].name = arena_strdup(a, buf);
	}
}

/* All names DNS labels and pairwise different. */
static bool all_unique_labels(const struct inv_device *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!inv_is_dns_label(d[i].name)) {
			fprintf(stderr, "not a label: \"%s\"\n", d[i].name ? d[i].name : "(null)");
			return false;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(d[i].name, d[j].name) == 0) {
				fprintf(stderr, "duplicate: \"%s\"\n", d[i].name);
				return false;
			}
	}
	return true;
}

/*
 * Dedupe @s in every rotation and in reverse; each device (by index in @s)
 * must get the same name every time. Names land in @got.
 */
static void dedupe_all_orders(const struct spec *s, size_t n, const char **got)
{
	struct arena *a = names_arena;
	struct inv_device d[8];
	struct spec perm[8];

	REQUIRE(a && n <= 8);
	for (size_t order = 0; order <= n; order++) {
		size_t map[8];

		for (size_t i = 0; i < n; i++)
			map[i] = order < n ? (i + order) % n : n - 1 - i;
		for (size_t i = 0; i < n; i++)
			perm[i] = s[map[i]];
		make_devs(d, perm, n, a);
		CHECK(inv_names_dedupe(d, n, a) >= 0);
		CHECK(all_unique_labels(d, n));
		for (size_t i = 0; i < n; i++) {
			if (order == 0)
				got[map[i]] = d[i].name;
			else if (!got[map[i]] || strcmp(got[map[i]], d[i].name) != 0)
				T_FAIL("order %zu: device %zu got \"%s\", first \"%s\"", order,
				       map[i], d[i].name, got[map[i]] ? got[map[i]] : "(null)");
		}
	}
}

static bool is_hashed_of(const char *name, const char *base)
{
	size_t b = strlen(base);

	if (strncmp(name, base, b) != 0 || name[b] != '-' || strlen(name + b + 1) != 8)
		return false;
	for (const char *p = name + b + 1; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

static void test_dedupe_no_collision(void)
{
	static const struct spec s[] = {
		{ "0000:00:03.0", "ens3", NULL },
		{ NULL, "eth0", NULL },
		{ NULL, "eth:0", NULL },
	};
	const char *got[3];

	dedupe_all_orders(s, 3, got);
	CHECK_STR(got[0], "pci-0000-00-03-0");
	CHECK_STR(got[1], "eth0");
	CHECK_STR(got[2], "net-mv2gqorq");
}

/* An interface literally named like a PCI device's name: the PCI device keeps it. */
static void test_dedupe_literal_pci_name(void)
{
	static const struct spec s[] = {
		{ NULL, "pci-0000-00-03-0", NULL },
		{ "0000:00:03.0", NULL, NULL },
	};
	const char *got[2];

	dedupe_all_orders(s, 2, got);
	CHECK_STR(got[1], "pci-0000-00-03-0");
	CHECK_STR(got[0], "net-obrwsljqgaydaljqgawtamznga");
}

/* "net-mv2gqorq" literally, and "eth:0" whose base32 form it is. */
static void test_dedupe_literal_base32(void)
{
	static const struct spec s[] = {
		{ NULL, "eth:0", NULL },
		{ NULL, "net-mv2gqorq", NULL },
	};
	const char *got[2];

	dedupe_all_orders(s, 2, got);
	CHECK_STR(got[1], "net-mv2gqorq");
	CHECK(is_hashed_of(got[0], "net-mv2gqorq"));
}

/* Several netdevs of one PCI function: the first by ifname keeps pci-<bdf>. */
static void test_dedupe_multi_netdev(void)
{
	static const struct spec s[] = {
		{ "0000:8a:00.0", "eth1", NULL },
		{ "0000:8a:00.0", "ens1_x", NULL },
		{ "0000:8a:00.0", "eth0", NULL },
		{ "0000:8b:00.0", "eth2", NULL },
	};
	const char *got[4];

	dedupe_all_orders(s, 4, got);
	/* "ens1_x" < "eth0" < "eth1" bytewise. */
	CHECK_STR(got[1], "pci-0000-8a-00-0");
	CHECK_STR(got[2], "pci-0000-8a-00-0-eth0");
	CHECK_STR(got[0], "pci-0000-8a-00-0-eth1");
	CHECK_STR(got[3], "pci-0000-8b-00-0");
}

/* A netdev-less PCI function beside netdevs of it: it keeps the name. */
static void test_dedupe_multi_netdev_without_ifname(void)
{
	static const struct spec s[] = {
		{ "0000:8a:00.0", "eth1", NULL },
		{ "0000:8a:00.0", NULL, NULL },
		{ "0000:8a:00.0", "IB_0", NULL },
	};
	const char *got[3];

	dedupe_all_orders(s, 3, got);
	CHECK_STR(got[1], "pci-0000-8a-00-0");
	CHECK_STR(got[0], "pci-0000-8a-00-0-eth1");
	CHECK_STR(got[2], "pci-0000-8a-00-0-jfbf6ma");
}

/* The first choice taken too: the loser falls back to the hashed form. */
static void test_dedupe_chain(void)
{
	static const struct spec s[] = {
		{ "0000:8a:00.0", "eth0", NULL },
		{ "0000:8a:00.0", "eth1", NULL },
		{ NULL, "pci-0000-8a-00-0-eth1", NULL },
		{ NULL, "pci-0000-8a-00-0", NULL },
	};
	const char *got[4];

	dedupe_all_orders(s, 4, got);
	CHECK_STR(got[0], "pci-0000-8a-00-0");
	CHECK_STR(got[2], "pci-0000-8a-00-0-eth1");
	CHECK(is_hashed_of(got[1], "pci-0000-8a-00-0"));
	/* The literal "pci-0000-8a-00-0" interface: base32 of its name. */
	CHECK(str_has_prefix(got[3], "net-"));
	CHECK(strlen(got[3]) <= INV_NAME_MAX);
}

/* A hashed name already taken: the next probe, still stable. */
static void test_dedupe_hash_probe(void)
{
	struct spec s[3] = {
		{ NULL, "eth:0", NULL },
		{ NULL, "net-mv2gqorq", NULL },
		{ NULL, NULL, NULL },
	};
	const char *first[2], *got[3];
	char taken[64];

	dedupe_all_orders(s, 2, first);
	REQUIRE(first[0]);
	snprintf(taken, sizeof(taken), "%s", first[0]);
	s[2].ifname = taken;
	dedupe_all_orders(s, 3, got);
	CHECK_STR(got[2], taken);
	CHECK(is_hashed_of(got[0], "net-mv2gqorq"));
	CHECK(strcmp(got[0], taken) != 0);
}

/* Names that are not labels (NULL, over 63 bytes, upper case) are replaced. */
static void test_dedupe_invalid_names(void)
{
	static const struct spec s[] = {
		{ NULL, long_name, long_want },
		{ NULL, "x", "BAD" },
		{ NULL, NULL, NULL },
		{ NULL, "y", "-dash" },
	};
	const char *got[4];

	dedupe_all_orders(s, 4, got);
	CHECK(str_has_prefix(got[0], "net-ozsxe6k7"));
	CHECK_EQ(strlen(got[0]), INV_NAME_MAX);
	CHECK_STR(got[1], "net-pa");
	CHECK(is_hashed_of(got[2], "dev"));
	CHECK_STR(got[3], "net-pe");
}

/* Many devices on few identities: unique labels in every order, identical results. */
static void test_dedupe_property(void)
{
	static const char *const pcis[] = { NULL, "0000:00:03.0", "0000:8a:00.0" };
	static const char *const ifs[] = { NULL,
					   "eth0",
					   "eth:0",
					   "net-mv2gqorq",
					   "pci-0000-00-03-0",
					   "pci-0000-8a-00-0-eth0",
					   "net-obrwsljqgaydaljqgawtamznga" };
	struct spec s[8];
	const char *got[8];
	unsigned seed = 12345;

	for (int round = 0; round < 200; round++) {
		bool used[ARRAY_SIZE(pcis) * ARRAY_SIZE(ifs)] = { false };

		/* Distinct (pci, ifname) pairs: one netns never has two of one. */
		for (size_t i = 0; i < 8; i++) {
			size_t k;

			seed = seed * 1103515245u + 12345u;
			k = (seed >> 16) % ARRAY_SIZE(used);
			while (used[k])
				k = (k + 1) % ARRAY_SIZE(used);
			used[k] = true;
			s[i].pci = pcis[k / ARRAY_SIZE(ifs)];
			s[i].ifname = ifs[k % ARRAY_SIZE(ifs)];
			s[i].name = NULL;
		}
		dedupe_all_orders(s, 8, got);
	}
}

static void test_dedupe_errors_and_caps(void)
{
	static const struct spec s[] = {
		{ "0000:8a:00.0", "eth0", NULL },
		{ "0000:8a:00.0", "eth1", NULL },
		{ NULL, "eth:0", NULL },
		{ NULL, "net-mv2gqorq", NULL },
	};
	struct arena *big = arena_new(1 << 20);
	struct inv_device d[4];
	int ok_at = -1;

	REQUIRE(big);
	CHECK_EQ(inv_names_dedupe(NULL, 1, big), -EINVAL);
	CHECK_EQ(inv_names_dedupe(d, 1, NULL), -EINVAL);
	CHECK_EQ(inv_names_dedupe(NULL, 0, big), 0);
	/* Arena caps from 0 up: -ENOMEM cleanly until it fits, then 2 renamed. */
	for (size_t cap = 0; cap < 64 << 10; cap += 64) {
		struct arena *a = arena_new(cap);
		int ret;

		REQUIRE(a);
		make_devs(d, s, 4, big);
		ret = inv_names_dedupe(d, 4, a);
		if (ret == -ENOMEM) {
			arena_free(a);
			continue;
		}
		CHECK_EQ(ret, 2);
		CHECK(all_unique_labels(d, 4));
		ok_at = (int)cap;
		arena_free(a);
		break;
	}
	CHECK(ok_at > 0);
	arena_free(big);
}

static const struct t_case tests[] = {
	T(test_ifname_upstream_vectors),
	T(test_ifname_base32),
	T(test_ifname_errors),
	T(test_is_dns_label),
	T(test_name_pci),
	T(test_dedupe_no_collision),
	T(test_dedupe_literal_pci_name),
	T(test_dedupe_literal_base32),
	T(test_dedupe_multi_netdev),
	T(test_dedupe_multi_netdev_without_ifname),
	T(test_dedupe_chain),
	T(test_dedupe_hash_probe),
	T(test_dedupe_invalid_names),
	T(test_dedupe_property),
	T(test_dedupe_errors_and_caps),
};

int main(void)
{
	int ret;

	names_arena = arena_new(64u << 20);
	if (!names_arena)
		return 1;
	ret = T_RUN(tests);
	arena_free(names_arena);
	return ret;
}
