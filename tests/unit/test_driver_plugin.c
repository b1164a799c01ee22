/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/driver plugin.c: the kubelet plugin on the driver's loop. Real unix
 * sockets and hand-built HTTP/2 frames (the peers' own stacks are in e2e 59):
 * sockets' life, SETTINGS on accept, a registration call answered through
 * the loop, a refusal retried by the loop's timer (the new listener is
 * watched), the connection cap, GOAWAY and socket removal at free.
 */
#include "driver/driver.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "t.h"

static char tmp[64];
static char reg_dir[128], plug_dir[128];

static int dial(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 3 }; /* a read that would hang fails the test instead */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		close(fd);
		return -1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Turn the loop until @cond or about 2 s. */
#define TURN_UNTIL(l, cond)                                                                        \
	do {                                                                                       \
		for (int i_ = 0; i_ < 200 && !(cond); i_++)                                        \
			if (drv_loop_once(l, 10) < 0)                                              \
				break;                                                             \
	} while (0)

/* Read one frame header (9 bytes) and skip its payload; returns the type or -1. */
static int read_frame(int fd)
{
	uint8_t h[9], skip[256];
	size_t len;

	if (recv(fd, h, 9, MSG_WAITALL) != 9)
		return -1;
	len = (size_t)h[0] << 16 | (size_t)h[1] << 8 | h[2];
	while (len) {
		size_t n = len < sizeof(skip) ? len : sizeof(skip);

		if (recv(fd, skip, n, MSG_WAITALL) != (ssize_t)n)
			return -1;
		len -= n;
	}
	return h[3];
}

static size_t put_frame(uint8_t *p, uint8_t type, uint8_t flags, uint32_t stream, const void *pl,
			size_t n)
{
	p[0] = (uint8_t)(n >> 16);
	p[1] = (uint8_t)(n >> 8);
	p[2] = (uint8_t)n;
	p[3] = type;
	p[4] = flags;
	p[5] = (uint8_t)(stream >> 24);
	p[6] = (uint8_t)(stream >> 16);
	p[7] = (uint8_t)(stream >> 8);
	p[8] = (uint8_t)stream;
	if (n)
		memcpy(p + 9, pl, n);
	return 9 + n;
}

/* HPACK literal without indexing, new name, no Huffman (lengths < 127). */
static size_t put_field(uint8_t *p, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);

	p[0] = 0x00;
	p[1] = (uint8_t)nl;
	memcpy(p + 2, name, nl);
	p[2 + nl] = (uint8_t)vl;
	memcpy(p + 3 + nl, value, vl);
	return 3 + nl + vl;
}

/* A NotifyRegistrationStatus call on @stream (with the preface when @first). */
static size_t notify_call(uint8_t *out, bool first, uint32_t stream, bool registered)
{
	static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
	uint8_t hb[512], msg[7] = { 0, 0, 0, 0, 2, 0x08, registered ? 1 : 0 };
	size_t n = 0, h = 0;

	if (first) {
		memcpy(out, preface, 24);
		n = 24;
		n += put_frame(out + n, 0x4, 0, 0, NULL, 0);
	}
	h += put_field(hb + h, ":method", "POST");
	h += put_field(hb + h, ":scheme", "http");
	h += put_field(hb + h, ":path",
		       "/pluginregistration.Registration/NotifyRegistrationStatus");
	h += put_field(hb + h, ":authority", "localhost");
	h += put_field(hb + h, "content-type", "application/grpc");
	h += put_field(hb + h, "te", "trailers");
	n += put_frame(out + n, 0x1, 0x4, stream, hb, h);
	n += put_frame(out + n, 0x0, 0x1, stream, msg, sizeof(msg));
	return n;
}

static int registered_calls;

static void on_registered(void *ctx)
{
	(void)ctx;
	registered_calls++;
}

static bool gone(const char *path)
{
	return access(path, F_OK) < 0 && errno == ENOENT;
}

static void test_life(void)
{
	struct drv_plugin_opts o = { reg_dir, plug_dir, NULL, NULL };
	struct drv_loop *l;
	struct drv_plugin *p;
	char reg[256], dra[256];
	struct stat st;
	int fd;

	REQUIRE(drv_loop_new(false, &l) == 0);
	REQUIRE(drv_plugin_new(l, &o, &p) == 0);
	snprintf(reg, sizeof(reg), "%s/dra.net-reg.sock", reg_dir);
	snprintf(dra, sizeof(dra), "%s/dra.net/dra.sock", plug_dir);
	CHECK_STR(drv_plugin_reg_path(p), reg);
	CHECK_STR(drv_plugin_dra_path(p), dra);
	CHECK(lstat(reg, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0600);
	CHECK(lstat(dra, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0600);
	CHECK(!drv_plugin_registered(p));
	drv_plugin_free(p);
	CHECK(gone(reg));
	CHECK(gone(dra));
	/* Not a socket at the DRA path: refused, left alone, no registration socket. */
	fd = open(dra, O_CREAT | O_WRONLY, 0600);
	REQUIRE(fd >= 0);
	close(fd);
	CHECK_EQ(drv_plugin_new(l, &o, &p), -EEXIST);
	CHECK(p == NULL);
	CHECK(access(dra, F_OK) == 0);
	CHECK(gone(reg));
	unlink(dra);
	o.registry_dir = "relative";
	CHECK_EQ(drv_plugin_new(l, &o, &p), -EINVAL);
	drv_plugin_free(NULL);
	drv_loop_free(l);
}

static void test_calls(void)
{
	struct drv_plugin_opts o = { reg_dir, plug_dir, on_registered, NULL };
	struct drv_loop *l;
	struct drv_plugin *p;
	uint8_t buf[1024];
	char reg[256], dra[256];
	struct stat st0, st1;
	struct buf m;
	size_t n;
	int fd, fd2;

	registered_calls = 0;
	REQUIRE(drv_loop_new(false, &l) == 0);
	REQUIRE(drv_plugin_new(l, &o, &p) == 0);
	fd = dial(drv_plugin_reg_path(p));
	REQUIRE(fd >= 0);
	TURN_UNTIL(l, drv_plugin_stats(p)->accepted == 1);
	CHECK_EQ(drv_plugin_stats(p)->conns, 1);
	/* Our SETTINGS first, sent on accept before the client said anything. */
	CHECK_EQ(read_frame(fd), 0x4);
	n = notify_call(buf, true, 1, true);
	REQUIRE(write(fd, buf, n) == (ssize_t)n);
	TURN_UNTIL(l, registered_calls == 1);
	CHECK_EQ(registered_calls, 1);
	CHECK(drv_plugin_registered(p));
	/* The kubelet refuses: the retry timer re-creates the socket within ~1 s. */
	REQUIRE(lstat(drv_plugin_reg_path(p), &st0) == 0);
	n = notify_call(buf, false, 3, false);
	REQUIRE(write(fd, buf, n) == (ssize_t)n);
	TURN_UNTIL(l, !drv_plugin_registered(p));
	CHECK(!drv_plugin_registered(p));
	for (int i = 0; i < 300; i++) {
		if (lstat(drv_plugin_reg_path(p), &st1) == 0 &&
		    (st1.st_ino != st0.st_ino || st1.st_ctim.tv_nsec != st0.st_ctim.tv_nsec ||
		     st1.st_ctim.tv_sec != st0.st_ctim.tv_sec))
			break;
		REQUIRE(drv_loop_once(l, 10) >= 0);
	}
	CHECK(st1.st_ino != st0.st_ino || st1.st_ctim.tv_nsec != st0.st_ctim.tv_nsec ||
	      st1.st_ctim.tv_sec != st0.st_ctim.tv_sec);
	/* The new listener is in the loop: a dial is accepted, and a registration works. */
	fd2 = dial(drv_plugin_reg_path(p));
	REQUIRE(fd2 >= 0);
	TURN_UNTIL(l, drv_plugin_stats(p)->accepted == 2);
	CHECK_EQ(drv_plugin_stats(p)->accepted, 2);
	n = notify_call(buf, true, 1, true);
	REQUIRE(write(fd2, buf, n) == (ssize_t)n);
	TURN_UNTIL(l, registered_calls == 2);
	CHECK_EQ(registered_calls, 2);
	buf_init(&m, 1 << 16);
	REQUIRE(drv_plugin_metrics_write(p, &m) == 0);
	CHECK(strstr(m.p, "\ndranet_driver_kubelet_registered 1\n"));
	CHECK(strstr(m.p, "\ndranet_driver_kubelet_registration_refusals_total 1\n"));
	CHECK(strstr(m.p, "\ndranet_driver_kubelet_connections 2\n"));
	CHECK(strstr(m.p,
		     "dranet_driver_dra_plugin_requests_total{method=\"PrepareResourceClaims\","
		     "status=\"failed\"} 0\n"));
	buf_fini(&m);
	/* A client that breaks the protocol costs its connection only. */
	REQUIRE(write(fd2, "GET / HTTP/1.1\r\n\r\n", 18) == 18);
	TURN_UNTIL(l, drv_plugin_stats(p)->conns == 1);
	CHECK_EQ(drv_plugin_stats(p)->conns, 1);
	close(fd2);
	/* Free: GOAWAY to the open connection, then EOF; sockets removed. */
	snprintf(reg, sizeof(reg), "%s", drv_plugin_reg_path(p));
	snprintf(dra, sizeof(dra), "%s", drv_plugin_dra_path(p));
	drv_plugin_free(p);
	for (;;) {
		int t = read_frame(fd);

		if (t < 0 || t == 0x7) {
			CHECK_EQ(t, 0x7);
			break;
		}
	}
	CHECK(recv(fd, buf, sizeof(buf), 0) == 0);
	close(fd);
	CHECK(gone(reg));
	CHECK(gone(dra));
	drv_loop_free(l);
}

static void test_cap(void)
{
	struct drv_plugin_opts o = { reg_dir, plug_dir, NULL, NULL };
	static int fds[DRV_PLUGIN_CONNS_MAX + 1];
	struct drv_loop *l;
	struct drv_plugin *p;

	REQUIRE(drv_loop_new(false, &l) == 0);
	REQUIRE(drv_plugin_new(l, &o, &p) == 0);
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		fds[i] = dial(drv_plugin_dra_path(p));
		REQUIRE(fds[i] >= 0);
		TURN_UNTIL(l, drv_plugin_stats(p)->accepted + drv_plugin_stats(p)->refused > i);
	}
	CHECK_EQ(drv_plugin_stats(p)->conns, DRV_PLUGIN_CONNS_MAX);
	CHECK_EQ(drv_plugin_stats(p)->refused, 1);
	drv_plugin_free(p);
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		close(fds[i]);
	drv_loop_free(l);
}

int main(void)
{
	static const struct t_case tests[] = {
		T(test_life),
		T(test_calls),
		T(test_cap),
	};
	char cmd[128];
	int ret;

	log_setup("test", LOG_ERR);
	signal(SIGPIPE, SIG_IGN);
	snprintf(tmp, sizeof(tmp), "/tmp/dranet-plugin-XXXXXX");
	if (!mkdtemp(tmp))
		return 1;
	snprintf(reg_dir, sizeof(reg_dir), "%s/registry", tmp);
	snprintf(plug_dir, sizeof(plug_dir), "%s/plugins", tmp);
	ret = T_RUN(tests);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		ret = 1;
	return ret;
}
