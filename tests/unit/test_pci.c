// SPDX-License-Identifier: Apache-2.0
/* PCI address parsing and the sysfs path walk (upstream sysfs_test.go vectors). */
#include "inventory/inventory.h"

#include <errno.h>

#include "t.h"

static void test_parse_upstream_vectors(void)
{
	char out[INV_BDF_LEN + 1];

	CHECK_EQ(inv_pci_parse("0000:00:04.0", out), 0);
	CHECK_STR(out, "0000:00:04.0");
	CHECK_EQ(inv_pci_parse("00:04.0", out), 0);
	CHECK_STR(out, "0000:00:04.0");
	CHECK_EQ(inv_pci_parse("not-a-pci-address", out), -EINVAL);
	CHECK_EQ(inv_pci_parse("", out), -EINVAL);
	CHECK_EQ(inv_pci_parse("pci-0000:8c:00.0-device", out), -EINVAL);
}

static void test_parse_normalizes(void)
{
	char out[INV_BDF_LEN + 1];

	CHECK_EQ(inv_pci_parse("0000:8A:00.F", out), 0);
	CHECK_STR(out, "0000:8a:00.f");
	CHECK_EQ(inv_pci_parse("ABCD:ef:1F.7", out), 0);
	CHECK_STR(out, "abcd:ef:1f.7");
	CHECK_EQ(inv_pci_parse("8c:00.0", out), 0);
	CHECK_STR(out, "0000:8c:00.0");
}

static void test_parse_rejects(void)
{
	static const char *const bad[] = {
		"0000:00:04.0\n", "0000:00:04.00", "000:00:04.0", "0000:00:4.0",  "0000-00-04-0",
		"g000:00:04.0",	  " 00:04.0",	   "00:04.0 ",	  "0000:00:04:0", "0000.00:04.0",
		"00000:00:04.0",  "0:00:04.0",	   "00:04.",	  "00:04",	  "pci0000:00",
		"0000:00:04.g",	  "+0000:00:04.0", "0x00:04.0",	  "00:0x.0",
	};
	char out[INV_BDF_LEN + 1] = "untouched";

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (inv_pci_parse(bad[i], out) != -EINVAL)
			T_FAIL("accepted \"%s\"", bad[i]);
	}
	CHECK_STR(out, "untouched");
	CHECK_EQ(inv_pci_parse(NULL, out), -EINVAL);
}

/* Every prefix of a valid address: only the 7-byte short form and the whole one parse. */
static void test_parse_truncation(void)
{
	const char *full = "0000:8c:00.0";
	char buf[32], out[INV_BDF_LEN + 1];

	for (size_t n = 0; n < strlen(full); n++) {
		memcpy(buf, full, n);
		buf[n] = '\0';
		CHECK_EQ(inv_pci_parse(buf, out), -EINVAL);
	}
	/* The tail as a short form: exactly 7 bytes is the limit without a domain. */
	CHECK_EQ(inv_pci_parse(full + 5, out), 0);
	CHECK_EQ(inv_pci_parse(full + 4, out), -EINVAL);
	CHECK_EQ(inv_pci_parse(full + 6, out), -EINVAL);
}

static void test_path_upstream_vectors(void)
{
	char out[INV_BDF_LEN + 1];

	CHECK_EQ(inv_pci_from_path("/sys/devices/pci0000:00/0000:00:04.0/virtio1/net/eth0", out),
		 0);
	CHECK_STR(out, "0000:00:04.0");
	CHECK_EQ(inv_pci_from_path("/sys/devices/pci0000:8c/0000:8c:00.0/0000:8d:00.0/"
				   "0000:8e:02.0/0000:91:00.0/net/eth3",
				   out),
		 0);
	CHECK_STR(out, "0000:91:00.0");
	CHECK_EQ(inv_pci_from_path("/sys/devices/virtual/net/lo", out), -ENOENT);
	CHECK_EQ(inv_pci_from_path("", out), -ENOENT);
}

static void test_path_edges(void)
{
	char out[INV_BDF_LEN + 1];

	CHECK_EQ(inv_pci_from_path("/sys/devices/pci0000:00/0000:00:04.0/", out), 0);
	CHECK_STR(out, "0000:00:04.0");
	CHECK_EQ(inv_pci_from_path("0000:00:1F.7", out), 0);
	CHECK_STR(out, "0000:00:1f.7");
	CHECK_EQ(inv_pci_from_path("/x/00:03.0/y", out), 0);
	CHECK_STR(out, "0000:00:03.0");
	CHECK_EQ(inv_pci_from_path("/sys/devices/pci0000:00", out), -ENOENT);
	CHECK_EQ(inv_pci_from_path("/", out), -ENOENT);
	CHECK_EQ(inv_pci_from_path("//", out), -ENOENT);
	CHECK_EQ(inv_pci_from_path("/a/0000:00:04.0x/b", out), -ENOENT);
	CHECK_EQ(inv_pci_from_path("/a/x0000:00:04.0/b", out), -ENOENT);
	CHECK_EQ(inv_pci_from_path(NULL, out), -EINVAL);
}

/*
 * Every prefix of the 4-level bridge path: the result is the deepest
 * complete address component in that prefix.
 */
static void test_path_truncation(void)
{
	const char *path = "/sys/devices/pci0000:8c/0000:8c:00.0/0000:8d:00.0/0000:8e:02.0/"
			   "0000:91:00.0/net/eth3";
	char buf[256], out[INV_BDF_LEN + 1];

	for (size_t n = 0; n <= strlen(path); n++) {
		const char *want = NULL;
		char comp[64];
		size_t start = 0;
		int ret;

		memcpy(buf, path, n);
		buf[n] = '\0';
		/* The oracle: split by '/' and keep the last component that is 12 bytes of a BDF shape. */
		for (size_t i = 0; i <= n; i++) {
			if (i == n || buf[i] == '/') {
				size_t len = i - start;

				if (len == INV_BDF_LEN && buf[start + 4] == ':' &&
				    buf[start + 7] == ':' && buf[start + 10] == '.') {
					memcpy(comp, buf + start, len);
					comp[len] = '\0';
					want = strstr(path, comp);
				}
				start = i + 1;
			}
		}
		ret = inv_pci_from_path(buf, out);
		if (!want) {
			CHECK_EQ(ret, -ENOENT);
		} else {
			CHECK_EQ(ret, 0);
			CHECK_STR(out, comp);
		}
	}
}

static const struct t_case tests[] = {
	T(test_parse_upstream_vectors), T(test_parse_normalizes),      T(test_parse_rejects),
	T(test_parse_truncation),	T(test_path_upstream_vectors), T(test_path_edges),
	T(test_path_truncation),
};

int main(void)
{
	return T_RUN(tests);
}
