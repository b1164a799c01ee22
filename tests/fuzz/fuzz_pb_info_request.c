// SPDX-License-Identifier: Apache-2.0
/* Fuzz the decoding of pluginregistration.InfoRequest (GetInfo: empty, unknown fields kept). */
#include <stdint.h>

#include "pb_call.h"
#include "proto/pluginregistration.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int handler(void *ctx, struct grpc_call *call, const void *req, void **resp,
		   const char **why)
{
	static char *versions[] = { "v1.DRAPlugin" };
	static Pluginregistration__PluginInfo pi = PLUGINREGISTRATION__PLUGIN_INFO__INIT;

	(void)ctx;
	(void)call;
	(void)req;
	(void)why;
	pi.type = "DRAPlugin";
	pi.n_supported_versions = 1;
	pi.supported_versions = versions;
	*resp = &pi;
	return 0;
}

static const struct grpc_method methods[] = {
	{ "/pluginregistration.Registration/GetInfo", &pluginregistration__info_request__descriptor,
	  &pluginregistration__plugin_info__descriptor, handler },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct grpc_server srv = { methods, 1, NULL, NULL };

	pb_run(&srv, methods[0].path, data, size);
	return 0;
}
