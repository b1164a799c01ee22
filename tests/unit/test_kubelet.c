/* SPDX-License-Identifier: Apache-2.0 */
/* lib/kubelet: sockets, registration, DRA per-claim answers, metrics. */
#include "kubelet/kubelet.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/dra_v1.pb-c.h"
#include "proto/dra_v1beta1.pb-c.h"
#include "proto/pluginregistration.pb-c.h"
#include "t.h"

static char tmp[64];

static struct slice S(const char *s) {
	struct slice x = { (const uint8_t *)s, strlen(s) };
	return x;
}

/* Run one unary call on @srv with the packed request @pb. */
static struct grpc_call *
call(struct grpc_server *srv, const char *path, const uint8_t *pb, size_t n)
{
	struct grpc_call *c = grpc_call_new(srv, 0);
	uint8_t hdr[GRPC_FRAME_HDR];

	if (!c)
		return NULL;
	grpc_frame_hdr_put(hdr, (uint32_t)n);
	if (grpc_call_header(c, S(":method"), S("POST")) < 0 ||
	    grpc_call_header(c, S(":path"), S(path)) < 0 ||
	    grpc_call_header(c, S("content-type"), S("application/grpc")) < 0 ||
	    grpc_call_headers_end(c, false, 0) < 0 || grpc_call_data(c, hdr, 5, false, 0) < 0 ||
	    grpc_call_data(c, pb, n, true, 0) < 0 || !grpc_call_replied(c)) {
		grpc_call_free(c);
		return NULL;
	}
	return c;
}

static bool is_sock_mode(const char *path, mode_t mode)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == mode;
}

static void test_sockets(void)
{
	struct kubelet k;
	char reg[128], plug[128], path[256];
	struct stat st;
	int fd;

	snprintf(reg, sizeof(reg), "%s/registry", tmp);
	snprintf(plug, sizeof(plug), "%s/plugins", tmp);
	CHECK_EQ(kubelet_init(&k, "relative", plug, NULL), -EINVAL);
	CHECK_EQ(kubelet_init(&k, reg, plug, "bad/name"), -EINVAL);
	/* A stale socket is replaced; a regular file is refused. */
	snprintf(path, sizeof(path), "%s/dra.net-reg.sock", reg);
	fd = kubelet_listen(path);
	REQUIRE(fd >= 0);
	close(fd);
	REQUIRE(kubelet_init(&k, reg, plug, NULL) == 0);
	CHECK_STR(k.reg_path, path);
	snprintf(path, sizeof(path), "%s/dra.net/dra.sock", plug);
	CHECK_STR(k.dra_path, path);
	CHECK(is_sock_mode(k.reg_path, 0600));
	CHECK(is_sock_mode(k.dra_path, 0600));
	CHECK(stat(k.dra_dir, &st) == 0 && (st.st_mode & 0777) == 0750);
	kubelet_fini(&k);
	CHECK(access(k.reg_path, F_OK) < 0 && errno == ENOENT);
	CHECK(access(k.dra_path, F_OK) < 0 && errno == ENOENT);
	fd = open(k.dra_path, O_CREAT | O_WRONLY, 0600);
	REQUIRE(fd >= 0);
	close(fd);
	CHECK_EQ(kubelet_init(&k, reg, plug, NULL), -EEXIST);
	unlink(path);
	/* A path longer than sun_path. */
	snprintf(path, sizeof(path), "%s/%0100d", tmp, 0);
	CHECK_EQ(kubelet_init(&k, path, plug, NULL), -ENAMETOOLONG);
}

static void test_registration(void)
{
	struct kubelet k;
	struct grpc_call *c;
	Pluginregistration__PluginInfo *pi;
	const struct grpc_reply *r;
	const uint8_t refused[] = { 0x08, 0x00, 0x12, 0x03, 'b', 'a', 'd' };
	const uint8_t ok[] = { 0x08, 0x01 };
	int old_fd;

	REQUIRE(kubelet_init(&k, tmp, tmp, NULL) == 0);
	c = call(&k.reg_srv, "/pluginregistration.Registration/GetInfo", NULL, 0);
	REQUIRE(c);
	r = grpc_call_reply(c);
	CHECK_EQ(r->status, GRPC_OK);
	pi = pluginregistration__plugin_info__unpack(NULL, r->body.len - 5, r->body.p + 5);
	REQUIRE(pi);
	CHECK_STR(pi->type, "DRAPlugin");
	CHECK_STR(pi->name, "dra.net");
	CHECK_STR(pi->endpoint, k.dra_path);
	REQUIRE(pi->n_supported_versions == 2);
	CHECK_STR(pi->supported_versions[0], "v1.DRAPlugin");
	CHECK_STR(pi->supported_versions[1], "v1beta1.DRAPlugin");
	pluginregistration__plugin_info__free_unpacked(pi, NULL);
	grpc_call_free(c);
	/* Refused: retried by re-creating the socket. */
	c = call(&k.reg_srv, "/pluginregistration.Registration/NotifyRegistrationStatus", refused,
		 sizeof(refused));
	REQUIRE(c);
	CHECK_EQ(grpc_call_reply(c)->status, GRPC_OK);
	grpc_call_free(c);
	CHECK(!k.registered);
	CHECK_EQ(k.refusals, 1);
	CHECK(kubelet_next_tick(&k) > 0);
	CHECK_EQ(kubelet_tick(&k, kubelet_next_tick(&k) - 1), 0);
	old_fd = k.reg_fd;
	CHECK_EQ(kubelet_tick(&k, kubelet_next_tick(&k)), 1);
	CHECK(k.reg_fd >= 0);
	CHECK(is_sock_mode(k.reg_path, 0600));
	CHECK(kubelet_next_tick(&k) == 0);
	(void)old_fd;
	/* The second refusal waits longer. */
	c = call(&k.reg_srv, "/pluginregistration.Registration/NotifyRegistrationStatus", refused,
		 sizeof(refused));
	grpc_call_free(c);
	CHECK_EQ(k.retry_ms, 2 * KUBELET_RETRY_MIN_MS);
	c = call(&k.reg_srv, "/pluginregistration.Registration/NotifyRegistrationStatus", ok,
		 sizeof(ok));
	REQUIRE(c);
	CHECK_EQ(grpc_call_reply(c)->status, GRPC_OK);
	grpc_call_free(c);
	CHECK(k.registered);
	CHECK(kubelet_next_tick(&k) == 0);
	kubelet_fini(&k);
}

static const char *hook_ok(void *ctx, const struct kubelet_claim *c, struct arena *a)
{
	(void)ctx;
	(void)a;
	return strcmp(c->name, "bad") == 0 ? "no such device" : NULL;
}

static void test_dra(void)
{
	/* claims {ns "n1" uid "u1" name "c1"}, {ns "n2" uid "u2" name "bad"} */
	const uint8_t req[] = { 0x0a, 0x0c, 0x0a, 0x02, 'n',  '1',  0x12, 0x02, 'u', '1',
				0x1a, 0x02, 'c',  '1',	0x0a, 0x0d, 0x0a, 0x02, 'n', '2',
				0x12, 0x02, 'u',  '2',	0x1a, 0x03, 'b',  'a',	'd' };
	const char *paths[] = {
		"/k8s.io.kubelet.pkg.apis.dra.v1.DRAPlugin/NodePrepareResources",
		"/k8s.io.kubelet.pkg.apis.dra.v1beta1.DRAPlugin/NodePrepareResources",
		"/k8s.io.kubelet.pkg.apis.dra.v1.DRAPlugin/NodeUnprepareResources",
		"/k8s.io.kubelet.pkg.apis.dra.v1beta1.DRAPlugin/NodeUnprepareResources",
	};
	struct kubelet k;
	struct buf b;

	REQUIRE(kubelet_init(&k, tmp, tmp, NULL) == 0);
	for (int hooked = 0; hooked < 2; hooked++) {
		if (hooked)
			k.prepare = k.unprepare = hook_ok;
		for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
			struct grpc_call *c = call(&k.dra_srv, paths[i], req, sizeof(req));
			const struct grpc_reply *r;

			REQUIRE(c);
			r = grpc_call_reply(c);
			CHECK_EQ(r->status, GRPC_OK);
			if (i < 2) {
				K8s__Io__Kubelet__Pkg__Apis__Dra__V1__NodePrepareResourcesResponse *p =
					k8s__io__kubelet__pkg__apis__dra__v1__node_prepare_resources_response__unpack(
						NULL, r->body.len - 5, r->body.p + 5);
				REQUIRE(p);
				REQUIRE(p->n_claims == 2);
				CHECK_STR(p->claims[0]->key, "u1");
				CHECK_STR(p->claims[1]->key, "u2");
				CHECK(hooked ? p->claims[0]->value->error[0] == '\0'
					     : strstr(p->claims[0]->value->error,
						      "not implemented") != NULL);
				CHECK(p->claims[1]->value->error[0] != '\0');
				CHECK_EQ(p->claims[0]->value->n_devices, 0);
				k8s__io__kubelet__pkg__apis__dra__v1__node_prepare_resources_response__free_unpacked(
					p, NULL);
			} else {
				K8s__Io__Kubelet__Pkg__Apis__Dra__V1beta1__NodeUnprepareResourcesResponse
					*p = k8s__io__kubelet__pkg__apis__dra__v1beta1__node_unprepare_resources_response__unpack(
						NULL, r->body.len - 5, r->body.p + 5);
				REQUIRE(p);
				REQUIRE(p->n_claims == 2);
				CHECK_STR(p->claims[1]->key, "u2");
				CHECK_STR(p->claims[1]->value->error,
					  hooked ? "no such device"
						 : "dra.net: NodeUnprepareResources is not "
						   "implemented yet");
				k8s__io__kubelet__pkg__apis__dra__v1beta1__node_unprepare_resources_response__free_unpacked(
					p, NULL);
			}
			grpc_call_free(c);
		}
	}
	CHECK_EQ(k.requests[KUBELET_PREPARE][1], 4);
	CHECK_EQ(k.requests[KUBELET_UNPREPARE][1], 4);
	buf_init(&b, 1 << 16);
	CHECK_EQ(kubelet_metrics_write(&k, &b), 0);
	CHECK(strstr(b.p,
		     "dranet_driver_dra_plugin_requests_total{method=\"PrepareResourceClaims\","
		     "status=\"failed\"} 4\n"));
	CHECK(strstr(b.p, "dranet_driver_dra_plugin_requests_latency_seconds_count{method="
			  "\"UnprepareResourceClaims\"} 4\n"));
	CHECK(strstr(b.p, "le=\"+Inf\"} 4\n"));
	buf_fini(&b);
	kubelet_fini(&k);
}

int main(void)
{
	static const struct t_case tests[] = {
		{ "sockets", test_sockets },
		{ "registration", test_registration },
		{ "dra", test_dra },
	};
	char cmd[128];
	int ret;

	snprintf(tmp, sizeof(tmp), "/tmp/test_kubelet.XXXXXX");
	if (!mkdtemp(tmp))
		return 1;
	ret = t_run(tests, ARRAY_SIZE(tests));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		ret = 1;
	return ret;
}
