// SPDX-License-Identifier: Apache-2.0
/*
 * RDMA devices from sysfs (/sys/class/infiniband): which RDMA device belongs
 * to which netdev, by exact names only (upstream.md §2.5, weakness 27).
 * Layout: Documentation/ABI/stable/sysfs-class-infiniband (node_guid,
 * ports/<p>/gid_attrs/ndevs/<i>, device).
 */
#include "inventory/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define RDMA_PATH_MAX 1024

struct ndev_list {
	struct inv_rdma_ndev *v;
	size_t n, cap;
};

static int ndev_add(struct arena *a, struct ndev_list *l, const char *netdev, const char *rdma)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct inv_rdma_ndev *v =
			arena_realloc(a, l->v, l->cap * sizeof(*v), cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].netdev = arena_strdup(a, netdev);
	if (!l->v[l->n].netdev)
		return -ENOMEM;
	l->v[l->n++].rdma = rdma;
	return 0;
}

/* The netdev names of one port's GID table (entries without a netdev read as errors). */
static int read_port(int devfd, const char *port, const char *rdma, struct arena *a,
		     struct ndev_list *l)
{
	char path[128], name[64];
	struct dirent *e;
	DIR *d;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "ports/%s/gid_attrs/ndevs", port);
	fd = openat(devfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (fd_read_line(dirfd(d), e->d_name, name, sizeof(name)) <= 0)
			continue;
		ret = ndev_add(a, l, name, rdma);
		if (ret < 0)
			break;
	}
	closedir(d);
	return ret;
}

/* The PCI function of an RDMA device: its device link, resolved from its real directory. */
static void read_pci(int sysfd, struct inv_rdma_dev *dev, struct inv_warn *w)
{
	char path[128], target[RDMA_PATH_MAX], real[RDMA_PATH_MAX], link[RDMA_PATH_MAX];
	char resolved[RDMA_PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "class/infiniband/%s", dev->name);
	n = readlinkat(sysfd, path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	if (inv_sysfs_join_link(path, target, real, sizeof(real)) < 0 ||
	    !str_has_prefix(real, "/sys/"))
		return;
	snprintf(path, sizeof(path), "class/infiniband/%s/device", dev->name);
	n = readlinkat(sysfd, path, target, sizeof(target) - 1);
	if (n <= 0)
		return; /* a software device (rxe, siw) has no parent */
	target[n] = '\0';
	/* real is "/sys/..."; the link sits in it, so resolve from there. */
	if (snprintf(link, sizeof(link), "%s/device", real + 4) >= (int)sizeof(link) ||
	    inv_sysfs_join_link(link, target, resolved, sizeof(resolved)) < 0)
		return;
	dev->has_pci = inv_pci_from_path(resolved, dev->bdf) == 0;
	if (!dev->has_pci)
		inv_warnf(w, "sysfs: %s: %s is not a PCI device", path, resolved);
}

static int cmp_ndev(const void *a, const void *b)
{
	const struct inv_rdma_ndev *x = a, *y = b;
	int c = strcmp(x->netdev, y->netdev);

	return c ? c : strcmp(x->rdma, y->rdma);
}

int inv_rdma_read(int sysfd, struct arena *a, struct inv_rdma *out, struct inv_warn *w)
{
	struct ndev_list l = { 0 };
	const char **names, **ports;
	size_t n, n_ports, k = 0;
	char path[128], buf[64];
	int ret;

	memset(out, 0, sizeof(*out));
	ret = inv_sysfs_list_dir(sysfd, "class/infiniband", a, &names, &n);
	if (ret < 0 || n == 0)
		return ret == -ENOMEM ? ret : 0;
	out->dev = arena_calloc(a, n, sizeof(*out->dev));
	if (!out->dev)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct inv_rdma_dev *dev = &out->dev[out->n_dev++];
		int devfd;

		dev->name = names[i];
		read_pci(sysfd, dev, w);
		snprintf(path, sizeof(path), "class/infiniband/%s", dev->name);
		devfd = openat(sysfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (devfd < 0) {
			inv_warnf(w, "sysfs: %s: %s", path, strerror(errno));
			continue;
		}
		if (fd_read_line(devfd, "node_guid", buf, sizeof(buf)) >= 0)
			dev->has_guid = inv_sysfs_parse_guid(buf, dev->guid) == 0;
		ret = inv_sysfs_list_dir(devfd, "ports", a, &ports, &n_ports);
		for (size_t p = 0; ret == 0 && p < n_ports; p++)
			ret = read_port(devfd, ports[p], dev->name, a, &l);
		close(devfd);
		if (ret < 0)
			return ret;
	}
	if (l.n) {
		qsort(l.v, l.n, sizeof(*l.v), cmp_ndev);
		for (size_t i = 0; i < l.n; i++)
			if (k == 0 || cmp_ndev(&l.v[i], &l.v[k - 1]) != 0)
				l.v[k++] = l.v[i];
	}
	out->ndev = l.v;
	out->n_ndev = k;
	return 0;
}

const char *inv_rdma_by_netdev(const struct inv_rdma *r, const char *netdev)
{
	size_t lo = 0, hi = r->n_ndev;

	/* Lower bound: the first entry for @netdev has the smallest RDMA name. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(r->ndev[mid].netdev, netdev) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < r->n_ndev && strcmp(r->ndev[lo].netdev, netdev) == 0)
		return r->ndev[lo].rdma;
	return NULL;
}

const char *inv_rdma_by_ipoib(const struct inv_rdma *r, const uint8_t *addr, size_t len)
{
	if (len != 20)
		return NULL;
	for (size_t i = 0; i < r->n_dev; i++)
		if (r->dev[i].has_guid && memcmp(r->dev[i].guid, addr + 12, 8) == 0)
			return r->dev[i].name;
	return NULL;
}
