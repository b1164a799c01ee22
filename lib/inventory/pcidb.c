// SPDX-License-Identifier: Apache-2.0
/*
 * PCI vendor and device names from a pci.ids text (https://pci-ids.ucw.cz/,
 * format in the file's own header): $PCIDB_PATH, a host copy (plain or
 * gzip) or the table compiled in (internal.h), parsed into sorted arrays.
 */
#include "inventory.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Where a host keeps pci.ids, in jaypipes/pcidb's search order. */
static const char *const host_paths[] = {
	"/usr/share/hwdata/pci.ids",
	"/usr/share/misc/pci.ids",
	"/usr/share/hwdata/pci.ids.gz",
	"/usr/share/misc/pci.ids.gz",
};

#define VERSION_MAX 32

struct pent {
	uint32_t key; /* vendor, or vendor << 16 | device */
	uint32_t off; /* name in names[]; grows in file order */
};

struct table {
	bool loaded, failed;
	struct pent *vendor, *device;
	size_t n_vendor, n_device;
	char *names;
	char version[VERSION_MAX + 1];
};

struct inv_pcidb {
	struct arena *a;
	/* Filled on first lookup for the embedded table: lookups take a const db. */
	struct table *t;
	bool embedded;
	const char *source;
	const char *warning;
};

/* ---------------------------------------------------------- line parser */

enum line_kind {
	LINE_SKIP,
	LINE_VENDOR,
	LINE_DEVICE,
	LINE_CLASS,
};

struct line {
	enum line_kind kind;
	uint16_t id;
	struct slice name;
};

/* Printable UTF-8 (RFC 3629 §4: no overlongs, no surrogates, ≤ U+10FFFF). */
static bool is_name_text(struct slice s)
{
	size_t i = 0;

	while (i < s.len) {
		uint8_t c = s.p[i];
		size_t n;
		uint32_t cp;

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return false;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (n > s.len - i - 1)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s.p[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s.p[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/*
 * "hhhh<spaces or tabs>Name" starting at @at: the ID and a non-empty name
 * (taken as it is, as jaypipes/pcidb does). false when malformed.
 */
static bool parse_entry(struct slice l, size_t at, uint16_t *id, struct slice *name)
{
	uint32_t v = 0;
	size_t i;

	if (l.len - at < 6)
		return false;
	for (i = at; i < at + 4; i++) {
		int h = str_hex_digit(l.p[i]);

		if (h < 0)
			return false;
		v = v << 4 | (uint32_t)h;
	}
	if (l.p[i] != ' ' && l.p[i] != '\t')
		return false;
	while (i < l.len && (l.p[i] == ' ' || l.p[i] == '\t'))
		i++;
	if (i == l.len)
		return false;
	name->p = l.p + i;
	name->len = l.len - i;
	*id = (uint16_t)v;
	return is_name_text(*name);
}

/* Classify one line (without its '\n'; a trailing '\r' is dropped). */
static struct line classify(struct slice l)
{
	struct line out = { .kind = LINE_SKIP };

	if (l.len && l.p[l.len - 1] == '\r')
		l.len--;
	if (l.len == 0 || l.p[0] == '#')
		return out;
	if (l.p[0] == 'C') {
		/* "C 02  Network controller": the class section (pcidb's test). */
		out.kind = LINE_CLASS;
		return out;
	}
	if (l.p[0] != '\t') {
		if (parse_entry(l, 0, &out.id, &out.name))
			out.kind = LINE_VENDOR;
		else
			out.kind = LINE_CLASS; /* a malformed vendor: skip its devices */
		return out;
	}
	if (l.len > 1 && l.p[1] == '\t')
		return out; /* subsystem or programming interface */
	if (parse_entry(l, 1, &out.id, &out.name))
		out.kind = LINE_DEVICE;
	return out;
}

/* "#\tVersion: 2023.04.10" → "2023.04.10" (printable ASCII, capped). */
static void take_version(struct slice l, char *out)
{
	static const char tag[] = "Version:";
	size_t i = 1, n = 0;

	while (i < l.len && (l.p[i] == ' ' || l.p[i] == '\t'))
		i++;
	if (l.len - i < sizeof(tag) - 1 || memcmp(l.p + i, tag, sizeof(tag) - 1) != 0)
		return;
	i += sizeof(tag) - 1;
	while (i < l.len && (l.p[i] == ' ' || l.p[i] == '\t'))
		i++;
	while (i < l.len && n < VERSION_MAX && l.p[i] > 0x20 && l.p[i] < 0x7f)
		out[n++] = (char)l.p[i++];
	out[n] = '\0';
}

/* Next line of @r (borrowed, without '\n'); false at the end. */
static bool next_line(struct slice *r, struct slice *l)
{
	const uint8_t *nl;

	if (r->len == 0)
		return false;
	nl = memchr(r->p, '\n', r->len);
	l->p = r->p;
	l->len = nl ? (size_t)(nl - r->p) : r->len;
	r->p += nl ? l->len + 1 : l->len;
	r->len -= nl ? l->len + 1 : l->len;
	return true;
}

/*
 * One pass over the text. Without @t->vendor it only counts (entries and
 * name bytes, NULs included); with it, it fills.
 */
static void scan(struct slice text, struct table *t, size_t *n_vendor, size_t *n_device,
		 size_t *n_bytes)
{
	struct slice r = text, l;
	bool have_vendor = false, in_class = false;
	uint16_t vendor = 0;

	*n_vendor = *n_device = *n_bytes = 0;
	while (next_line(&r, &l)) {
		struct line x;
		struct pent *e;

		if (l.len && l.p[0] == '#' && !t->version[0])
			take_version(l, t->version);
		x = classify(l);
		switch (x.kind) {
		case LINE_SKIP:
			continue;
		case LINE_CLASS:
			in_class = true;
			have_vendor = false;
			continue;
		case LINE_VENDOR:
			in_class = false;
			have_vendor = true;
			vendor = x.id;
			e = t->vendor ? &t->vendor[(*n_vendor)] : NULL;
			(*n_vendor)++;
			if (e)
				*e = (struct pent){ .key = x.id, .off = (uint32_t)*n_bytes };
			break;
		case LINE_DEVICE:
			if (in_class || !have_vendor)
				continue;
			e = t->device ? &t->device[(*n_device)] : NULL;
			(*n_device)++;
			if (e)
				*e = (struct pent){ .key = (uint32_t)vendor << 16 | x.id,
						    .off = (uint32_t)*n_bytes };
			break;
		}
		if (t->names) {
			memcpy(t->names + *n_bytes, x.name.p, x.name.len);
			t->names[*n_bytes + x.name.len] = '\0';
		}
		*n_bytes += x.name.len + 1;
	}
}

static int cmp_pent(const void *a, const void *b)
{
	const struct pent *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->off > y->off) - (x->off < y->off);
}

/* Sort by key; of equal keys keep the last in the file (a map, as pcidb). */
static size_t sort_unique(struct pent *e, size_t n)
{
	size_t out = 0;

	qsort(e, n, sizeof(*e), cmp_pent);
	for (size_t i = 0; i < n; i++) {
		if (out && e[out - 1].key == e[i].key)
			out--;
		e[out++] = e[i];
	}
	return out;
}

int inv_pcidb_table_parse(const void *text, size_t len, struct arena *a,
			  struct inv_pcidb_table **out)
{
	struct slice s = { text, len };
	struct table *t;
	size_t nv, nd, nb;

	if ((!text && len) || !a || !out)
		return -EINVAL;
	if (len > INV_PCIDB_FILE_MAX)
		return -EMSGSIZE;
	t = arena_alloc(a, sizeof(*t));
	if (!t)
		return -ENOMEM;
	scan(s, t, &nv, &nd, &nb);
	t->vendor = arena_calloc(a, nv ? nv : 1, sizeof(*t->vendor));
	t->device = arena_calloc(a, nd ? nd : 1, sizeof(*t->device));
	t->names = arena_alloc(a, nb ? nb : 1);
	if (!t->vendor || !t->device || !t->names)
		return -ENOMEM;
	scan(s, t, &nv, &nd, &nb);
	t->n_vendor = sort_unique(t->vendor, nv);
	t->n_device = sort_unique(t->device, nd);
	t->loaded = true;
	*out = (struct inv_pcidb_table *)t;
	return 0;
}

static const char *find(const struct table *t, const struct pent *e, size_t n, uint32_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (e[mid].key == key)
			return t->names + e[mid].off;
		if (e[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *inv_pcidb_table_vendor(const struct inv_pcidb_table *tt, uint16_t vendor)
{
	const struct table *t = (const struct table *)tt;

	return t ? find(t, t->vendor, t->n_vendor, vendor) : NULL;
}

const char *inv_pcidb_table_device(const struct inv_pcidb_table *tt, uint16_t vendor,
				   uint16_t device)
{
	const struct table *t = (const struct table *)tt;

	return t ? find(t, t->device, t->n_device, (uint32_t)vendor << 16 | device) : NULL;
}

/* -------------------------------------------------------------- sources */

/* Inflate a gzip member (RFC 1952) of @in into a new heap buffer. */
static int gunzip(const uint8_t *in, size_t in_len, uint8_t **out, size_t *out_len)
{
	z_stream z = { 0 };
	size_t cap = in_len * 4 > 1 << 20 ? in_len * 4 : 1 << 20;
	uint8_t *buf = NULL, *nbuf;
	int ret, zr;

	if (in_len > UINT_MAX)
		return -EMSGSIZE;
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)in_len;
	for (;;) {
		if (cap > INV_PCIDB_FILE_MAX + 1)
			cap = INV_PCIDB_FILE_MAX + 1;
		if (z.total_out >= cap) {
			ret = -EMSGSIZE;
			goto out_free;
		}
		nbuf = realloc(buf, cap);
		if (!nbuf) {
			ret = -ENOMEM;
			goto out_free;
		}
		buf = nbuf;
		z.next_out = buf + z.total_out;
		z.avail_out = (uInt)(cap - z.total_out);
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END)
			break;
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			ret = zr == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
			goto out_free;
		}
		if (z.avail_out != 0) {
			ret = -EBADMSG; /* truncated: input used up, no end */
			goto out_free;
		}
		cap *= 2;
	}
	if (z.total_out > INV_PCIDB_FILE_MAX) {
		ret = -EMSGSIZE;
		goto out_free;
	}
	*out = buf;
	*out_len = z.total_out;
	buf = NULL;
	ret = 0;
out_free:
	free(buf);
	inflateEnd(&z);
	return ret;
}

/* The whole file, at most INV_PCIDB_FILE_MAX bytes, into a heap buffer. */
static int read_all(const char *path, uint8_t **out, size_t *out_len)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		goto out_close;
	}
	if (st.st_size > INV_PCIDB_FILE_MAX) {
		ret = -EMSGSIZE;
		goto out_close;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out_close;
	}
	while (len < (size_t)st.st_size + 1) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out_free;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > (size_t)st.st_size) {
		ret = -EMSGSIZE; /* grew while we read it */
		goto out_free;
	}
	*out = buf;
	*out_len = len;
	buf = NULL;
	ret = 0;
out_free:
	free(buf);
out_close:
	close(fd);
	return ret;
}

/* Load @path (plain or gzip, by its magic bytes) as db's table. */
static int load_file(struct inv_pcidb *db, const char *path)
{
	uint8_t *raw = NULL, *text = NULL;
	size_t raw_len = 0, text_len = 0;
	struct inv_pcidb_table *tt;
	int ret;

	ret = read_all(path, &raw, &raw_len);
	if (ret < 0)
		return ret;
	if (raw_len >= 2 && raw[0] == 0x1f && raw[1] == 0x8b) {
		ret = gunzip(raw, raw_len, &text, &text_len);
		if (ret < 0)
			goto out_free;
	} else {
		text = raw;
		text_len = raw_len;
		raw = NULL;
	}
	ret = inv_pcidb_table_parse(text, text_len, db->a, &tt);
	if (ret < 0)
		goto out_free;
	if (((struct table *)tt)->n_vendor == 0) {
		ret = -EBADMSG; /* not a pci.ids */
		goto out_free;
	}
	db->t = (struct table *)tt;
out_free:
	free(raw);
	free(text);
	return ret;
}

/* The compiled-in table, on first lookup. */
static void load_embedded(const struct inv_pcidb *db)
{
	struct table *t = db->t;
	struct inv_pcidb_table *tt;
	uLongf len = (uLongf)inv_pcinames_len;
	uint8_t *text = malloc(inv_pcinames_len ? inv_pcinames_len : 1);

	t->failed = true;
	if (!text)
		return;
	if (uncompress(text, &len, inv_pcinames_z, (uLong)inv_pcinames_z_len) == Z_OK &&
	    len == inv_pcinames_len && inv_pcidb_table_parse(text, len, db->a, &tt) == 0) {
		*t = *(struct table *)tt;
		t->failed = false;
	}
	free(text);
}

static const struct table *table_of(const struct inv_pcidb *db)
{
	if (!db)
		return NULL;
	if (db->embedded && !db->t->loaded && !db->t->failed)
		load_embedded(db);
	return db->t->loaded ? db->t : NULL;
}

/* Note the first source that could not be used (never a missing host file). */
static void warn(struct inv_pcidb *db, const char *what, const char *path, int err)
{
	if (!db->warning)
		db->warning = arena_printf(db->a, "%s %s: %s", what, path, strerror(-err));
}

int inv_pcidb_open(const char *root, const char *pcidb_path, struct inv_pcidb **out)
{
	struct inv_pcidb *db;
	int ret;

	if (!out)
		return -EINVAL;
	if (!root || strcmp(root, "/") == 0)
		root = "";
	db = calloc(1, sizeof(*db));
	if (!db)
		return -ENOMEM;
	db->a = arena_new(INV_PCIDB_MEM_MAX);
	if (!db->a)
		goto out_nomem;
	db->t = arena_alloc(db->a, sizeof(*db->t));
	if (!db->t)
		goto out_nomem;
	if (pcidb_path && pcidb_path[0]) {
		ret = load_file(db, pcidb_path);
		if (ret == 0) {
			db->source = pcidb_path;
			goto out_found;
		}
		if (ret == -ENOMEM)
			goto out_nomem;
		warn(db, "PCIDB_PATH", pcidb_path, ret);
	}
	for (size_t i = 0; i < ARRAY_SIZE(host_paths); i++) {
		char *path = arena_printf(db->a, "%s%s", root, host_paths[i]);

		if (!path)
			goto out_nomem;
		ret = load_file(db, path);
		if (ret == 0) {
			db->source = path;
			goto out_found;
		}
		if (ret == -ENOMEM)
			goto out_nomem;
		if (ret != -ENOENT)
			warn(db, "pci.ids", path, ret);
	}
	db->embedded = true;
	db->source = arena_printf(db->a, "embedded (pci.ids %s)", inv_pcinames_version);
	if (!db->source)
		goto out_nomem;
	*out = db;
	return 0;
out_found:
	if (db->t->version[0])
		db->source = arena_printf(db->a, "%s (pci.ids %s)", db->source, db->t->version);
	if (!db->source)
		goto out_nomem;
	*out = db;
	return 0;
out_nomem:
	inv_pcidb_free(db);
	return -ENOMEM;
}

void inv_pcidb_free(struct inv_pcidb *db)
{
	if (!db)
		return;
	arena_free(db->a);
	free(db);
}

const char *inv_pcidb_source(const struct inv_pcidb *db)
{
	return db ? db->source : NULL;
}

const char *inv_pcidb_warning(const struct inv_pcidb *db)
{
	return db ? db->warning : NULL;
}

const char *inv_pcidb_vendor(const struct inv_pcidb *db, uint16_t vendor)
{
	const struct table *t = table_of(db);

	return t ? find(t, t->vendor, t->n_vendor, vendor) : NULL;
}

const char *inv_pcidb_device(const struct inv_pcidb *db, uint16_t vendor, uint16_t device)
{
	const struct table *t = table_of(db);

	return t ? find(t, t->device, t->n_device, (uint32_t)vendor << 16 | device) : NULL;
}

const char *inv_pcidb_vendor_name(const struct inv_pcidb *db, uint16_t vendor)
{
	const char *s = inv_pcidb_vendor(db, vendor);

	return s ? s : INV_PCI_UNKNOWN;
}

const char *inv_pcidb_device_name(const struct inv_pcidb *db, uint16_t vendor, uint16_t device)
{
	const char *s = inv_pcidb_device(db, vendor, device);

	return s ? s : INV_PCI_UNKNOWN;
}
