// SPDX-License-Identifier: Apache-2.0
/*
 * Discovery's sysfs side: value parsers, symlink resolution, and the readers
 * of one PCI function and one netdev, as functions of (sysfs dir fd, name)
 * so fixture trees test them (tests/data/sysfs, docs/testing.md).
 * Layouts: Documentation/ABI/testing/sysfs-bus-pci, sysfs-class-net,
 * sysfs-class-infiniband; drivers/pci/pci-sysfs.c (modalias format).
 */
#include "inventory/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Enough for any sysfs device path the kernel builds (deep PCIe trees included). */
#define SYSFS_PATH_MAX 1024

void inv_warnf(struct inv_warn *w, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	char *s;

	if (!w || !w->a)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		const char **v = arena_realloc(w->a, w->v, w->cap * sizeof(*v), cap * sizeof(*v));

		if (!v)
			return;
		w->v = v;
		w->cap = cap;
	}
	s = arena_strdup(w->a, line);
	if (s)
		w->v[w->n++] = s;
}

/* ------------------------------------------------------------- parsers */

/* Exactly @n hex digits at *s (advanced past them). */
static bool hex_fixed(const char **s, unsigned n, uint32_t *out)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < n; i++) {
		int d = str_hex_digit((*s)[i]);

		if (d < 0)
			return false;
		v = v << 4 | (uint32_t)d;
	}
	*s += n;
	*out = v;
	return true;
}

static bool lit(const char **s, const char *l)
{
	size_t n = strlen(l);

	if (strncmp(*s, l, n) != 0)
		return false;
	*s += n;
	return true;
}

int inv_sysfs_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	bool neg = false;
	int64_t v = 0;
	unsigned digits = 0;

	if (*s == '-') {
		neg = true;
		s++;
	}
	for (; *s >= '0' && *s <= '9'; s++) {
		if (++digits > 10)
			return -EINVAL;
		v = v * 10 + (*s - '0');
	}
	if (digits == 0 || *s)
		return -EINVAL;
	if (neg)
		v = -v;
	if (v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int inv_sysfs_parse_hex(const char *s, unsigned digits, uint32_t *out)
{
	uint32_t v = 0;
	unsigned n = 0;

	if (digits == 0 || digits > 8 || !lit(&s, "0x"))
		return -EINVAL;
	for (; *s; s++) {
		int d = str_hex_digit(*s);

		if (d < 0 || ++n > digits)
			return -EINVAL;
		v = v << 4 | (uint32_t)d;
	}
	if (n == 0)
		return -EINVAL;
	*out = v;
	return 0;
}

/* A 16-bit id printed as %08X: eight hex digits, the upper four zero. */
static bool id16(const char **s, uint16_t *out)
{
	uint32_t v;

	if (!hex_fixed(s, 8, &v) || v > 0xffff)
		return false;
	*out = (uint16_t)v;
	return true;
}

int inv_sysfs_parse_modalias(const char *s, struct inv_pci_ids *out)
{
	struct inv_pci_ids ids;
	uint32_t bc, sc, pi;

	if (!lit(&s, "pci:v") || !id16(&s, &ids.vendor) || !lit(&s, "d") ||
	    !id16(&s, &ids.device) || !lit(&s, "sv") || !id16(&s, &ids.subsys_vendor) ||
	    !lit(&s, "sd") || !id16(&s, &ids.subsys_device) || !lit(&s, "bc") ||
	    !hex_fixed(&s, 2, &bc) || !lit(&s, "sc") || !hex_fixed(&s, 2, &sc) || !lit(&s, "i") ||
	    !hex_fixed(&s, 2, &pi) || *s)
		return -EINVAL;
	ids.class = bc << 16 | sc << 8 | pi;
	*out = ids;
	return 0;
}

int inv_sysfs_parse_guid(const char *s, uint8_t out[8])
{
	uint8_t g[8];

	for (unsigned i = 0; i < 4; i++) {
		uint32_t v;

		if ((i > 0 && !lit(&s, ":")) || !hex_fixed(&s, 4, &v))
			return -EINVAL;
		g[2 * i] = (uint8_t)(v >> 8);
		g[2 * i + 1] = (uint8_t)v;
	}
	if (*s)
		return -EINVAL;
	memcpy(out, g, sizeof(g));
	return 0;
}

/* ------------------------------------------------------ lexical paths */

/* Apply the components of @p[0..plen) to the absolute path out[0..*len). */
static int path_walk(char *out, size_t n, size_t *len, const char *p, size_t plen)
{
	size_t i = 0;

	while (i < plen) {
		size_t start, clen;

		while (i < plen && p[i] == '/')
			i++;
		start = i;
		while (i < plen && p[i] != '/')
			i++;
		clen = i - start;
		if (clen == 0 || (clen == 1 && p[start] == '.'))
			continue;
		if (clen == 2 && p[start] == '.' && p[start + 1] == '.') {
			while (*len > 0 && out[*len - 1] != '/')
				(*len)--;
			if (*len > 0)
				(*len)--;
			out[*len] = '\0';
			continue;
		}
		if (*len + 1 + clen + 1 > n)
			return -EMSGSIZE;
		out[(*len)++] = '/';
		memcpy(out + *len, p + start, clen);
		*len += clen;
		out[*len] = '\0';
	}
	return 0;
}

int inv_sysfs_join_link(const char *link, const char *target, char *out, size_t n)
{
	size_t len = 0;
	const char *slash;
	int ret;

	if (n < 2 || !*target)
		return n < 2 ? -EMSGSIZE : -EINVAL;
	out[0] = '\0';
	if (target[0] != '/') {
		slash = strrchr(link, '/');
		ret = path_walk(out, n, &len, "sys", 3);
		if (ret == 0 && slash)
			ret = path_walk(out, n, &len, link, (size_t)(slash - link));
		if (ret < 0)
			return ret;
	}
	ret = path_walk(out, n, &len, target, strlen(target));
	if (ret < 0)
		return ret;
	if (len == 0) {
		out[0] = '/';
		out[1] = '\0';
	}
	return 0;
}

/* k8s deviceattribute's BDF pattern: ^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-9a-f]$ */
static bool is_k8s_bdf(const char *s)
{
	static const char shape[] = "hhhh:hh:hh.h";

	if (strlen(s) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i]; i++) {
		if (shape[i] == 'h') {
			if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
				return false;
		} else if (s[i] != shape[i]) {
			return false;
		}
	}
	return true;
}

int inv_sysfs_pcie_root(const char *resolved, const char *bdf, char *out, size_t n)
{
	static const char prefix[] = "/sys/devices/";
	const char *base = strrchr(resolved, '/'), *root, *end;

	if (!is_k8s_bdf(bdf) || !str_has_prefix(resolved, "/sys/devices/pci") || !base ||
	    strcmp(base + 1, bdf) != 0)
		return -EINVAL;
	root = resolved + sizeof(prefix) - 1;
	end = strchr(root, '/');
	if (!end || (size_t)(end - root) + 1 > n)
		return -EINVAL;
	memcpy(out, root, (size_t)(end - root));
	out[end - root] = '\0';
	return 0;
}

/* ---------------------------------------------------------- directories */

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int inv_sysfs_list_dir(int dirfd, const char *path, struct arena *a, const char ***out, size_t *n)
{
	const char **v = NULL;
	size_t cnt = 0, cap = 0;
	struct dirent *e;
	DIR *d;
	int fd, ret = 0;

	*out = NULL;
	*n = 0;
	fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	d = fdopendir(fd);
	if (!d) {
		ret = -errno;
		close(fd);
		return ret;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (cnt == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			const char **nv = arena_realloc(a, v, cap * sizeof(*v), ncap * sizeof(*v));

			if (!nv) {
				ret = -ENOMEM;
				goto out;
			}
			v = nv;
			cap = ncap;
		}
		v[cnt] = arena_strdup(a, e->d_name);
		if (!v[cnt]) {
			ret = -ENOMEM;
			goto out;
		}
		cnt++;
	}
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_name);
	*out = v;
	*n = cnt;
out:
	closedir(d);
	return ret;
}

/* The bytewise-first entry name of directory @path (no allocation); false when none. */
static bool dir_first(int dirfd, const char *path, char *out, size_t n)
{
	struct dirent *e;
	bool found = false;
	DIR *d;
	int fd;

	out[0] = '\0';
	fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strlen(e->d_name) >= n)
			continue;
		if (!found || strcmp(e->d_name, out) < 0) {
			strcpy(out, e->d_name);
			found = true;
		}
	}
	closedir(d);
	return found;
}

/* readlinkat into @out (NUL-terminated); -ENAMETOOLONG when it does not fit. */
static int read_link(int dirfd, const char *path, char *out, size_t n)
{
	ssize_t r = readlinkat(dirfd, path, out, n);

	if (r < 0)
		return -errno;
	if ((size_t)r >= n)
		return -ENAMETOOLONG;
	out[r] = '\0';
	return (int)r;
}

/* ------------------------------------------------------------ PCI function */

static const char *const userspace_drivers[] = {
	"vfio-pci",
	"uio_pci_generic",
	"igb_uio",
	"pci-stub",
};

bool inv_sysfs_is_userspace_driver(const char *driver)
{
	for (size_t i = 0; i < ARRAY_SIZE(userspace_drivers); i++)
		if (strcmp(driver, userspace_drivers[i]) == 0)
			return true;
	return false;
}

/* Identity from the single-value files, for trees without a modalias. */
static int pci_ids_from_files(int dfd, struct inv_pci_ids *ids)
{
	static const char *const files[] = { "class", "vendor", "device", "subsystem_vendor",
					     "subsystem_device" };
	uint32_t v[ARRAY_SIZE(files)];
	char buf[32];

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		int ret = fd_read_line(dfd, files[i], buf, sizeof(buf));

		if (ret < 0)
			return ret;
		if (inv_sysfs_parse_hex(buf, i == 0 ? 6 : 4, &v[i]) < 0)
			return -EINVAL;
	}
	*ids = (struct inv_pci_ids){ .class = v[0],
				     .vendor = (uint16_t)v[1],
				     .device = (uint16_t)v[2],
				     .subsys_vendor = (uint16_t)v[3],
				     .subsys_device = (uint16_t)v[4] };
	return 0;
}

int inv_sysfs_pci_read(int sysfd, const char *bdf, bool ids_only, struct inv_sysfs_pci *out,
		       struct inv_warn *w)
{
	char path[64], buf[128];
	int dfd, ret;

	memset(out, 0, sizeof(*out));
	if (str_copy(out->bdf, sizeof(out->bdf), bdf) < 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "bus/pci/devices/%s", bdf);
	dfd = openat(sysfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	ret = fd_read_line(dfd, "modalias", buf, sizeof(buf));
	if (ret >= 0 && inv_sysfs_parse_modalias(buf, &out->ids) == 0) {
		ret = 0;
	} else {
		ret = pci_ids_from_files(dfd, &out->ids);
		if (ret < 0)
			inv_warnf(w, "sysfs: %s: no usable modalias or class/vendor/device (%s)",
				  path, strerror(-ret));
	}
	close(dfd);
	if (ret < 0)
		return ret == -ENOENT ? -EINVAL : ret;
	if (!ids_only)
		inv_sysfs_pci_read_more(sysfd, out, w);
	return 0;
}

void inv_sysfs_pci_read_more(int sysfd, struct inv_sysfs_pci *p, struct inv_warn *w)
{
	char path[64], buf[SYSFS_PATH_MAX], resolved[SYSFS_PATH_MAX];
	int64_t v;
	int dfd, ret;

	snprintf(path, sizeof(path), "bus/pci/devices/%s", p->bdf);
	dfd = openat(sysfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	/* numa_node: "%d\n", -1 without affinity; absent without CONFIG_NUMA. */
	ret = fd_read_line(dfd, "numa_node", buf, sizeof(buf));
	if (ret >= 0) {
		if (inv_sysfs_parse_int(buf, -1, INT32_MAX, &v) == 0) {
			p->has_numa = v >= 0;
			p->numa_node = (int)v;
		} else {
			inv_warnf(w, "sysfs: %s/numa_node: not a number", path);
		}
	}
	if (read_link(dfd, "driver", buf, sizeof(buf)) > 0) {
		const char *base = strrchr(buf, '/');

		base = base ? base + 1 : buf;
		if (str_copy(p->driver, sizeof(p->driver), base) < 0)
			inv_warnf(w, "sysfs: %s/driver: name too long", path);
	}
	if (read_link(sysfd, path, buf, sizeof(buf)) > 0 &&
	    inv_sysfs_join_link(path, buf, resolved, sizeof(resolved)) == 0 &&
	    inv_sysfs_pcie_root(resolved, p->bdf, p->pcie_root, sizeof(p->pcie_root)) < 0)
		p->pcie_root[0] = '\0';
	dir_first(dfd, "infiniband", p->rdma, sizeof(p->rdma));
	close(dfd);
}

/* ------------------------------------------------------------------ netdev */

static bool is_ifname(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 16 && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* Optional "%d" file: -1 when absent, a warning when it does not parse. */
static int read_count(int dfd, const char *file, const char *where, struct inv_warn *w)
{
	char buf[32];
	int64_t v;

	if (fd_read_line(dfd, file, buf, sizeof(buf)) < 0)
		return -1;
	if (inv_sysfs_parse_int(buf, 0, INT32_MAX, &v) < 0) {
		inv_warnf(w, "sysfs: %s/%s: not a count", where, file);
		return -1;
	}
	return (int)v;
}

int inv_sysfs_netdev_read(int sysfd, const char *ifname, struct inv_sysfs_netdev *out,
			  struct inv_warn *w)
{
	char path[64], buf[SYSFS_PATH_MAX], resolved[SYSFS_PATH_MAX];
	struct stat st;
	int ret, dfd;

	memset(out, 0, sizeof(*out));
	out->sriov_totalvfs = out->sriov_numvfs = -1;
	if (!is_ifname(ifname))
		return -EINVAL;
	snprintf(path, sizeof(path), "class/net/%s", ifname);
	ret = read_link(sysfd, path, buf, sizeof(buf));
	if (ret == -EINVAL) {
		/* Not a link (CONFIG_SYSFS_DEPRECATED layouts): the path itself. */
		if (fstatat(sysfd, path, &st, 0) < 0)
			return -errno;
		snprintf(resolved, sizeof(resolved), "/sys/%s", path);
	} else if (ret < 0) {
		return ret;
	} else if (inv_sysfs_join_link(path, buf, resolved, sizeof(resolved)) < 0) {
		inv_warnf(w, "sysfs: %s: link target too long", path);
		return -ENAMETOOLONG;
	}
	out->resolved = true;
	out->is_virtual = str_has_prefix(resolved, "/sys/devices/virtual/");
	out->has_pci = inv_pci_from_path(resolved, out->bdf) == 0;
	if (out->is_virtual)
		return 0; /* no device/ link below a virtual netdev */
	snprintf(path, sizeof(path), "class/net/%s/device", ifname);
	dfd = openat(sysfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0;
	out->sriov_totalvfs = read_count(dfd, "sriov_totalvfs", path, w);
	if (out->sriov_totalvfs > 0)
		out->sriov_numvfs = read_count(dfd, "sriov_numvfs", path, w);
	out->is_vf = fstatat(dfd, "physfn", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
	dir_first(dfd, "infiniband", out->rdma, sizeof(out->rdma));
	close(dfd);
	return 0;
}
