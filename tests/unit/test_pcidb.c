// SPDX-License-Identifier: Apache-2.0
/*
 * PCI names: the compiled-in table, host pci.ids and PCIDB_PATH sources
 * (plain, gzip, broken), and the pci.ids line parser (fixtures in
 * tests/data/pcidb/, truncation at every offset, limits, arena caps).
 */
#include "inventory/inventory.h"
#include "inventory/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "t.h"

#define FIXTURES "tests/data/pcidb/"

/* ----------------------------------------------------------- helpers */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	p = malloc((size_t)n + 1);
	if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return p;
}

static bool spit(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	bool ok;

	if (fd < 0)
		return false;
	ok = fd_write_all(fd, p, n) == 0;
	return close(fd) == 0 && ok;
}

/* A fresh empty directory: a root with no host pci.ids. */
static char *tmp_root(void)
{
	static char dir[64];

	snprintf(dir, sizeof(dir), "/tmp/test_pcidb.XXXXXX");
	return mkdtemp(dir);
}

static void rm_rf(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* Write @n bytes of @p gzip-compressed (RFC 1952) to @path. */
static bool spit_gz(const char *path, const void *p, size_t n)
{
	z_stream z = { 0 };
	size_t cap = n / 2 + 1024;
	unsigned char *out = malloc(cap);
	bool ok = false;

	if (!out || deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		goto out_free;
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) == Z_STREAM_END)
		ok = spit(path, out, z.total_out);
	deflateEnd(&z);
out_free:
	free(out);
	return ok;
}

static struct inv_pcidb *open_db(const char *root, const char *path)
{
	struct inv_pcidb *db = NULL;

	if (inv_pcidb_open(root, path, &db) != 0)
		return NULL;
	return db;
}

/* ---------------------------------------------------- the embedded table */

static void test_embedded_lookups(void)
{
	char *root = tmp_root();
	struct inv_pcidb *db;

	REQUIRE(root);
	db = open_db(root, NULL);
	REQUIRE(db);
	CHECK(str_has_prefix(inv_pcidb_source(db), "embedded (pci.ids "));
	CHECK(inv_pcidb_warning(db) == NULL);
	CHECK_STR(inv_pcidb_device(db, 0x8086, 0x100e), "82540EM Gigabit Ethernet Controller");
	CHECK_STR(inv_pcidb_device(db, 0x1af4, 0x1041), "Virtio 1.0 network device");
	CHECK_STR(inv_pcidb_vendor(db, 0x15b3), "Mellanox Technologies");
	CHECK_STR(inv_pcidb_vendor(db, 0x8086), "Intel Corporation");
	CHECK_STR(inv_pcidb_vendor(db, 0x1af4), "Red Hat, Inc.");
	/* Subsystem names are not in the table: 1af4:1041's subsystem line is not a device. */
	CHECK(inv_pcidb_device(db, 0x1af4, 0x1100) == NULL);
	CHECK(inv_pcidb_vendor(db, 0x0bad) == NULL);
	CHECK(inv_pcidb_device(db, 0x8086, 0xfffe) == NULL);
	CHECK(inv_pcidb_device(db, 0x0bad, 0x100e) == NULL);
	/* Class "02" and its subclasses are not vendors or devices. */
	CHECK(inv_pcidb_vendor(db, 0x0002) == NULL);
	CHECK_STR(inv_pcidb_vendor_name(db, 0x0bad), "unknown");
	CHECK_STR(inv_pcidb_device_name(db, 0x8086, 0xfffe), "unknown");
	CHECK_STR(inv_pcidb_device_name(db, 0x8086, 0x100e), "82540EM Gigabit Ethernet Controller");
	inv_pcidb_free(db);
	rm_rf(root);
}

/* The embedded table says what the host's pci.ids (its source) says. */
static void test_embedded_matches_host(void)
{
	const char *host = "/usr/share/misc/pci.ids";
	struct inv_pcidb *emb, *db;
	char *root = tmp_root();
	unsigned checked = 0;

	REQUIRE(root);
	if (access(host, R_OK) != 0) {
		fprintf(stderr, "note: %s absent, comparison skipped\n", host);
		rm_rf(root);
		return;
	}
	emb = open_db(root, NULL);
	db = open_db(root, host);
	REQUIRE(emb && db);
	CHECK(str_has_prefix(inv_pcidb_source(db), host));
	for (uint32_t v = 0; v < 0x10000; v += 7) {
		const char *a = inv_pcidb_vendor(emb, (uint16_t)v),
			   *b = inv_pcidb_vendor(db, (uint16_t)v);

		if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
			T_FAIL("vendor %04x: \"%s\" vs \"%s\"", v, a ? a : "-", b ? b : "-");
		checked += a != NULL;
		for (uint32_t d = 0; a && d < 0x10000; d += 97) {
			const char *x = inv_pcidb_device(emb, (uint16_t)v, (uint16_t)d);
			const char *y = inv_pcidb_device(db, (uint16_t)v, (uint16_t)d);

			if ((x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0))
				T_FAIL("device %04x:%04x differs", v, d);
		}
	}
	CHECK(checked > 100);
	inv_pcidb_free(emb);
	inv_pcidb_free(db);
	rm_rf(root);
}

/* ---------------------------------------------------------------- sources */

static void test_pcidb_path_plain_and_gz(void)
{
	char *root = tmp_root(), path[128];
	struct inv_pcidb *db;
	size_t len;
	char *text = slurp(FIXTURES "basic.ids", &len);

	REQUIRE(root && text);
	db = open_db(root, FIXTURES "basic.ids");
	REQUIRE(db);
	CHECK_STR(inv_pcidb_source(db), FIXTURES "basic.ids (pci.ids 2099.01.02)");
	CHECK_STR(inv_pcidb_vendor(db, 0x8086), "Fixture Intel");
	CHECK_STR(inv_pcidb_device(db, 0x8086, 0x100e), "Fixture 82540EM");
	CHECK_STR(inv_pcidb_device(db, 0x15b3, 0x101d), "Fixture ConnectX-6 Dx");
	CHECK_STR(inv_pcidb_vendor(db, 0xffff), "Fixture Illegal Vendor ID");
	/* Dropped: subsystem and class lines. */
	CHECK(inv_pcidb_device(db, 0x0001, 0x0001) == NULL);
	CHECK(inv_pcidb_device(db, 0x0001, 0x0003) == NULL);
	CHECK(inv_pcidb_vendor(db, 0x0002) == NULL);
	CHECK(inv_pcidb_device(db, 0x15b3, 0x0000) == NULL);
	inv_pcidb_free(db);

	/* The committed gzip fixture, and one made here: both by magic bytes. */
	db = open_db(root, FIXTURES "basic.ids.gz");
	REQUIRE(db);
	CHECK_STR(inv_pcidb_device(db, 0x1af4, 0x1041), "Fixture Virtio net");
	inv_pcidb_free(db);
	snprintf(path, sizeof(path), "%s/no-suffix", root);
	REQUIRE(spit_gz(path, text, len));
	db = open_db(root, path);
	REQUIRE(db);
	CHECK_STR(inv_pcidb_vendor(db, 0x15b3), "Fixture Mellanox");
	CHECK(inv_pcidb_warning(db) == NULL);
	inv_pcidb_free(db);
	free(text);
	rm_rf(root);
}

static void test_pcidb_path_unusable_falls_back(void)
{
	char *root = tmp_root(), path[128];
	struct inv_pcidb *db;

	REQUIRE(root);
	db = open_db(root, "/nonexistent/pci.ids");
	REQUIRE(db);
	CHECK(str_has_prefix(inv_pcidb_source(db), "embedded"));
	CHECK_STR(inv_pcidb_warning(db),
		  "PCIDB_PATH /nonexistent/pci.ids: No such file or directory");
	CHECK_STR(inv_pcidb_vendor(db, 0x8086), "Intel Corporation");
	inv_pcidb_free(db);
	/* No vendor line at all: not a pci.ids. */
	snprintf(path, sizeof(path), "%s/empty", root);
	REQUIRE(spit(path, "# nothing\n", 10));
	db = open_db(root, path);
	REQUIRE(db);
	CHECK(str_has_prefix(inv_pcidb_source(db), "embedded"));
	CHECK(strstr(inv_pcidb_warning(db), "Bad message") != NULL);
	inv_pcidb_free(db);
	/* A directory. */
	db = open_db(root, root);
	REQUIRE(db);
	CHECK(str_has_prefix(inv_pcidb_source(db), "embedded"));
	CHECK(inv_pcidb_warning(db) != NULL);
	inv_pcidb_free(db);
	/* "" is as unset: no warning. */
	db = open_db(root, "");
	REQUIRE(db);
	CHECK(inv_pcidb_warning(db) == NULL);
	inv_pcidb_free(db);
	rm_rf(root);
}

/* Host copies under the root, in pcidb's order; plain before .gz. */
static void test_host_paths_order(void)
{
	char *root = tmp_root(), p[256];
	struct inv_pcidb *db;
	static const char a[] = "8086  Host hwdata\n", b[] = "8086  Host misc\n";
	static const char c[] = "8086  Host hwdata gz\n", d[] = "8086  Host misc gz\n";

	REQUIRE(root);
	snprintf(p, sizeof(p), "mkdir -p '%s/usr/share/hwdata' '%s/usr/share/misc'", root, root);
	REQUIRE(system(p) == 0);
	snprintf(p, sizeof(p), "%s/usr/share/misc/pci.ids.gz", root);
	REQUIRE(spit_gz(p, d, strlen(d)));
	db = open_db(root, NULL);
	REQUIRE(db);
	CHECK_STR(inv_pcidb_vendor(db, 0x8086), "Host misc gz");
	CHECK_STR(inv_pcidb_source(db), p);
	inv_pcidb_free(db);
	snprintf(p, sizeof(p), "%s/usr/share/hwdata/pci.ids.gz", root);
	REQUIRE(spit_gz(p, c, strlen(c)));
	db = open_db(root, NULL);
	REQUIRE(db);
	CHECK_STR(inv_pcidb_vendor(db, 0x8086), "Host hwdata gz");
	inv_pcidb_free(db);
	snprintf(p, sizeof(p), "%s/usr/share/misc/pci.ids", root);
	REQUIRE(spit(p, b, strlen(b)));
	db = open_db(root, NULL);
	REQUIRE(db);
	CHECK_STR(inv_pcidb_vendor(db, 0x8086), "Host misc");
	inv_pcidb_free(db);
	snprintf(p, sizeof(p), "%s/usr/share/hwdata/pci.ids", root);
	REQUIRE(spit(p, a, strlen(a)));
	db = open_db(root, NULL);
	REQUIRE(db);
	CHECK_STR(inv_pcidb_vendor(db, 0x8086), "Host hwdata");
	inv_pcidb_free(db);
	/* PCIDB_PATH before all of them. */
	db = open_db(root, FIXTURES "basic.ids");
	REQUIRE(db);
	CHECK_STR(inv_pcidb_vendor(db, 0x8086), "Fixture Intel");
	inv_pcidb_free(db);
	/* A broken hwdata copy is skipped, with a warning. */
	REQUIRE(spit(p, "\x1f\x8b garbage", 10));
	db = open_db(root, NULL);
	REQUIRE(db);
	CHECK_STR(inv_pcidb_vendor(db, 0x8086), "Host misc");
	CHECK(inv_pcidb_warning(db) && strstr(inv_pcidb_warning(db), "hwdata/pci.ids: "));
	inv_pcidb_free(db);
	rm_rf(root);
}

/*
 * A gzip file cut at every offset: never a crash, and never half-loaded
 * (even without only its trailer, the CRC and size): the next source wins.
 */
static void test_gz_truncated_every_offset(void)
{
	char *root = tmp_root(), path[256];
	size_t len;
	char *gz = slurp(FIXTURES "basic.ids.gz", &len);
	static const char host[] = "8086  Host fallback\n";

	REQUIRE(root && gz);
	snprintf(path, sizeof(path), "mkdir -p '%s/usr/share/misc'", root);
	REQUIRE(system(path) == 0);
	snprintf(path, sizeof(path), "%s/usr/share/misc/pci.ids", root);
	REQUIRE(spit(path, host, strlen(host)));
	snprintf(path, sizeof(path), "%s/cut.gz", root);
	for (size_t n = 0; n <= len; n++) {
		struct inv_pcidb *db;
		const char *v;

		REQUIRE(spit(path, gz, n));
		db = open_db(root, path);
		REQUIRE(db);
		v = inv_pcidb_vendor(db, 0x8086);
		if (!v || strcmp(v, n == len ? "Fixture Intel" : "Host fallback") != 0)
			T_FAIL("cut at %zu: vendor \"%s\"", n, v ? v : "(null)");
		inv_pcidb_free(db);
	}
	free(gz);
	rm_rf(root);
}

/* Over the size cap: the file (sparse) and a gzip that inflates past it. */
static void test_size_limits(void)
{
	char *root = tmp_root(), path[128];
	struct inv_pcidb *db;
	size_t big = INV_PCIDB_FILE_MAX + 1;
	char *text = malloc(big);
	static const char head[] = "8086  At the limit\n";
	int fd;

	REQUIRE(root && text);
	snprintf(path, sizeof(path), "%s/sparse", root);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	REQUIRE(fd >= 0);
	CHECK(fd_write_all(fd, head, strlen(head)) == 0);
	CHECK(ftruncate(fd, (off_t)big) == 0);
	close(fd);
	db = open_db(root, path);
	REQUIRE(db);
	CHECK(strstr(inv_pcidb_warning(db), "Message too") != NULL);
	CHECK_STR(inv_pcidb_vendor(db, 0x8086), "Intel Corporation");
	inv_pcidb_free(db);
	/* Exactly at the cap: used. */
	memset(text, '\n', big);
	memcpy(text, head, strlen(head));
	REQUIRE(spit(path, text, big - 1));
	db = open_db(root, path);
	REQUIRE(db);
	CHECK_STR(inv_pcidb_vendor(db, 0x8086), "At the limit");
	inv_pcidb_free(db);
	/* The same as gzip: at the cap used, one over refused. */
	REQUIRE(spit_gz(path, text, big - 1));
	db = open_db(root, path);
	REQUIRE(db);
	CHECK_STR(inv_pcidb_vendor(db, 0x8086), "At the limit");
	inv_pcidb_free(db);
	REQUIRE(spit_gz(path, text, big));
	db = open_db(root, path);
	REQUIRE(db);
	CHECK(strstr(inv_pcidb_warning(db), "Message too") != NULL);
	CHECK_STR(inv_pcidb_vendor(db, 0x8086), "Intel Corporation");
	inv_pcidb_free(db);
	free(text);
	rm_rf(root);
}

/* ------------------------------------------------------------ the parser */

static struct inv_pcidb_table *parse(struct arena *a, const char *text, size_t len)
{
	struct inv_pcidb_table *t = NULL;

	if (inv_pcidb_table_parse(text, len, a, &t) != 0)
		return NULL;
	return t;
}

#define PARSE_LIT(a, s) parse((a), (s), sizeof(s) - 1)

static void test_parse_malformed_lines(void)
{
	struct arena *a = arena_new(1 << 20);
	size_t len;
	char *text = slurp(FIXTURES "malformed.ids", &len);
	struct inv_pcidb_table *t;

	REQUIRE(a && text);
	t = parse(a, text, len);
	REQUIRE(t);
	CHECK_STR(inv_pcidb_table_vendor(t, 0x1111), "Good Vendor");
	CHECK_STR(inv_pcidb_table_device(t, 0x1111, 0x0001), "Good Device");
	CHECK(inv_pcidb_table_device(t, 0x1111, 0x0bad) == NULL); /* before any vendor */
	CHECK(inv_pcidb_table_device(t, 0x1111, 0x0003) == NULL); /* no separator */
	CHECK(inv_pcidb_table_device(t, 0x1111, 0x0004) == NULL); /* empty name */
	CHECK(inv_pcidb_table_device(t, 0x1111, 0x0005) == NULL);
	CHECK(inv_pcidb_table_vendor(t, 0x2222) == NULL);
	CHECK(inv_pcidb_table_device(t, 0x1111, 0x0006) == NULL); /* under " 2222" */
	CHECK(inv_pcidb_table_device(t, 0x2222, 0x0006) == NULL);
	CHECK(inv_pcidb_table_vendor(t, 0x0333) == NULL);
	CHECK(inv_pcidb_table_device(t, 0x1111, 0x0007) == NULL); /* under "333" */
	CHECK_STR(inv_pcidb_table_vendor(t, 0x4444), "Second Good Vendor");
	CHECK_STR(inv_pcidb_table_device(t, 0x4444, 0x0008), "CRLF device again (last wins)");
	CHECK(inv_pcidb_table_device(t, 0x4444, 0x0009) == NULL); /* tab inside the name */
	CHECK(inv_pcidb_table_device(t, 0x4444, 0x000a) == NULL); /* truncated UTF-8 */
	CHECK_STR(inv_pcidb_table_device(t, 0x4444, 0x000b), "Good UTF-8 caf\xc3\xa9 ok");
	CHECK(inv_pcidb_table_device(t, 0x4444, 0x000c) == NULL); /* overlong */
	CHECK_STR(inv_pcidb_table_device(t, 0x4444, 0x000d), "Upper-case hex device");
	CHECK_STR(inv_pcidb_table_vendor(t, 0xabcd), "Upper-case Vendor");
	CHECK(inv_pcidb_table_device(t, 0xabcd, 0x0000) == NULL); /* a subclass line */
	CHECK_STR(inv_pcidb_table_vendor(t, 0x5555), "Vendor after the class section");
	CHECK_STR(inv_pcidb_table_device(t, 0x5555, 0x0001), "Device after the class section");
	free(text);
	arena_free(a);
}

static void test_parse_crlf_and_sorting(void)
{
	static const char text[] = "ffff  Last\r\n\tffff  Last device\r\n"
				   "0001  First\r\n\t0002  Two\r\n\t0001  One\r\n"
				   "0001  First again\n";
	struct arena *a = arena_new(1 << 20);
	struct inv_pcidb_table *t;

	REQUIRE(a);
	t = parse(a, text, sizeof(text) - 1);
	REQUIRE(t);
	CHECK_STR(inv_pcidb_table_vendor(t, 0xffff), "Last");
	CHECK_STR(inv_pcidb_table_device(t, 0xffff, 0xffff), "Last device");
	CHECK_STR(inv_pcidb_table_vendor(t, 0x0001), "First again");
	CHECK_STR(inv_pcidb_table_device(t, 0x0001, 0x0001), "One");
	CHECK_STR(inv_pcidb_table_device(t, 0x0001, 0x0002), "Two");
	CHECK(inv_pcidb_table_device(t, 0x0001, 0xffff) == NULL);
	CHECK(inv_pcidb_table_vendor(t, 0x0000) == NULL);
	/* No final newline, a lone '\r', NUL bytes. */
	t = PARSE_LIT(a, "0001  A\n\t0001  B");
	REQUIRE(t);
	CHECK_STR(inv_pcidb_table_device(t, 0x0001, 0x0001), "B");
	t = PARSE_LIT(a, "0001  A\r\r\n0002  B\r");
	REQUIRE(t);
	CHECK(inv_pcidb_table_vendor(t, 0x0001) == NULL);
	CHECK_STR(inv_pcidb_table_vendor(t, 0x0002), "B");
	t = PARSE_LIT(a, "0001  A\0B\n0002  C\n");
	REQUIRE(t);
	CHECK(inv_pcidb_table_vendor(t, 0x0001) == NULL);
	CHECK_STR(inv_pcidb_table_vendor(t, 0x0002), "C");
	t = parse(a, "", 0);
	REQUIRE(t);
	CHECK(inv_pcidb_table_vendor(t, 0x0001) == NULL);
	arena_free(a);
}

/*
 * Every prefix of both fixtures: parses, and each name found is the full
 * parse's name or a prefix of it (the line cut short).
 */
static void check_prefixes(const char *file)
{
	static const uint16_t ids[][2] = {
		{ 0x0001, 0x0002 }, { 0x8086, 0x100e }, { 0x8086, 0x10d3 }, { 0x1af4, 0x1041 },
		{ 0x15b3, 0x101d }, { 0xffff, 0 },	{ 0x1111, 0x0001 }, { 0x4444, 0x0008 },
		{ 0x4444, 0x000b }, { 0x5555, 0x0001 }, { 0xabcd, 0x0000 },
	};
	struct arena *full_a = arena_new(1 << 20);
	size_t len;
	char *text = slurp(file, &len);
	struct inv_pcidb_table *full;

	REQUIRE(full_a && text);
	full = parse(full_a, text, len);
	REQUIRE(full);
	for (size_t n = 0; n <= len; n++) {
		struct arena *a = arena_new(1 << 20);
		/* An exact-size copy so ASan sees a read past the end. */
		char *cut = malloc(n ? n : 1);
		struct inv_pcidb_table *t;

		REQUIRE(a && cut);
		memcpy(cut, text, n);
		t = parse(a, cut, n);
		if (!t)
			T_FAIL("%s cut at %zu: parse failed", file, n);
		for (size_t i = 0; t && i < ARRAY_SIZE(ids); i++) {
			const char *v = inv_pcidb_table_vendor(t, ids[i][0]);
			const char *d = inv_pcidb_table_device(t, ids[i][0], ids[i][1]);
			const char *fv = inv_pcidb_table_vendor(full, ids[i][0]);
			const char *fd = inv_pcidb_table_device(full, ids[i][0], ids[i][1]);

			if (v && (!fv || strncmp(fv, v, strlen(v)) != 0))
				T_FAIL("%s cut at %zu: vendor %04x \"%s\"", file, n, ids[i][0], v);
			if (d && (!fd || strncmp(fd, d, strlen(d)) != 0))
				T_FAIL("%s cut at %zu: device %04x:%04x \"%s\"", file, n, ids[i][0],
				       ids[i][1], d);
		}
		if (t && n == len && !inv_pcidb_table_vendor(t, ids[1][0]) &&
		    !inv_pcidb_table_vendor(t, 0x1111))
			T_FAIL("%s: whole file has no known vendor", file);
		free(cut);
		arena_free(a);
	}
	free(text);
	arena_free(full_a);
}

static void test_parse_truncation(void)
{
	check_prefixes(FIXTURES "basic.ids");
	check_prefixes(FIXTURES "malformed.ids");
}

static void test_parse_limits_and_caps(void)
{
	size_t big = INV_PCIDB_FILE_MAX + 1, len;
	char *text = malloc(big), *fixture = slurp(FIXTURES "basic.ids", &len);
	struct arena *a = arena_new(INV_PCIDB_MEM_MAX);
	struct inv_pcidb_table *t = NULL;
	bool ok = false;

	REQUIRE(text && fixture && a);
	memset(text, '#', big);
	memcpy(text, "8086  X\n", 8);
	CHECK_EQ(inv_pcidb_table_parse(text, big - 1, a, &t), 0);
	CHECK_STR(inv_pcidb_table_vendor(t, 0x8086), "X");
	CHECK_EQ(inv_pcidb_table_parse(text, big, a, &t), -EMSGSIZE);
	CHECK_EQ(inv_pcidb_table_parse(NULL, 1, a, &t), -EINVAL);
	CHECK_EQ(inv_pcidb_table_parse(text, 1, NULL, &t), -EINVAL);
	arena_free(a);
	/* Arena caps from 0 up: -ENOMEM cleanly until the table fits. */
	for (size_t cap = 0; cap < 256 << 10 && !ok; cap += 256) {
		int ret;

		a = arena_new(cap);
		REQUIRE(a);
		ret = inv_pcidb_table_parse(fixture, len, a, &t);
		if (ret == 0) {
			CHECK_STR(inv_pcidb_table_vendor(t, 0x15b3), "Fixture Mellanox");
			ok = true;
		} else {
			CHECK_EQ(ret, -ENOMEM);
		}
		arena_free(a);
	}
	CHECK(ok);
	free(text);
	free(fixture);
}

static const struct t_case tests[] = {
	T(test_embedded_lookups),
	T(test_embedded_matches_host),
	T(test_pcidb_path_plain_and_gz),
	T(test_pcidb_path_unusable_falls_back),
	T(test_host_paths_order),
	T(test_gz_truncated_every_offset),
	T(test_size_limits),
	T(test_parse_malformed_lines),
	T(test_parse_crlf_and_sorting),
	T(test_parse_truncation),
	T(test_parse_limits_and_caps),
};

int main(void)
{
	return T_RUN(tests);
}
