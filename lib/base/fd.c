// SPDX-License-Identifier: Apache-2.0
/* File, time and string helpers. */
#include "base.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int fd_read_file(int dirfd, const char *path, char *out, size_t cap)
{
	size_t len = 0;
	int fd, ret;

	if (cap == 0)
		return -EINVAL;
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, out + len, cap - 1 - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out_close;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap - 1) {
			char c;

			/* Full: one more byte means the file is too large. */
			n = read(fd, &c, 1);
			if (n > 0) {
				ret = -EMSGSIZE;
				goto out_close;
			}
			break;
		}
	}
	out[len] = '\0';
	ret = (int)len;
out_close:
	close(fd);
	return ret;
}

int fd_read_line(int dirfd, const char *path, char *out, size_t cap)
{
	int n = fd_read_file(dirfd, path, out, cap);

	if (n < 0)
		return n;
	while (n > 0 && isspace((unsigned char)out[n - 1]))
		out[--n] = '\0';
	return n;
}

int fd_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int fd_socket_netns(const char *netns_path, int domain, int type, int protocol)
{
	int orig = -1, target = -1, fd = -1, err = 0;

	if (!netns_path) {
		fd = socket(domain, type, protocol);
		return fd < 0 ? -errno : fd;
	}
	orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0)
		return -errno;
	target = open(netns_path, O_RDONLY | O_CLOEXEC);
	if (target < 0) {
		err = -errno;
		goto out_close_orig;
	}
	if (setns(target, CLONE_NEWNET) < 0) {
		err = -errno;
		goto out_close_target;
	}
	fd = socket(domain, type, protocol);
	if (fd < 0)
		err = -errno;
	/* Always go back; a failure here leaves this thread elsewhere, so report it. */
	if (setns(orig, CLONE_NEWNET) < 0) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
out_close_target:
	close(target);
out_close_orig:
	close(orig);
	return fd >= 0 ? fd : err;
}

uint64_t time_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t time_now_ms(void)
{
	return time_now_ns() / 1000000u;
}

int str_copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (size == 0)
		return -EMSGSIZE;
	if (n >= size) {
		dst[0] = '\0';
		return -EMSGSIZE;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

int str_to_i64(const char *s, int base, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, base);
	if (errno)
		return -errno;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int str_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}
