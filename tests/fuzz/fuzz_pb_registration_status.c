// SPDX-License-Identifier: Apache-2.0
/* Fuzz the decoding of pluginregistration.RegistrationStatus (NotifyRegistrationStatus). */
#include <stdint.h>

#include "pb_call.h"
#include "proto/pluginregistration.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int handler(void *ctx, struct grpc_call *call, const void *req, void **resp,
		   const char **why)
{
	static Pluginregistration__RegistrationStatusResponse empty =
		PLUGINREGISTRATION__REGISTRATION_STATUS_RESPONSE__INIT;
	const Pluginregistration__RegistrationStatus *st = req;

	(void)ctx;
	(void)call;
	(void)why;
	if (pb_walk_str(st->error) > GRPC_MSG_MAX ||
	    (st->plugin_registered != 0 && st->plugin_registered != 1))
		abort();
	*resp = &empty;
	return 0;
}

static const struct grpc_method methods[] = {
	{ "/pluginregistration.Registration/NotifyRegistrationStatus",
	  &pluginregistration__registration_status__descriptor,
	  &pluginregistration__registration_status_response__descriptor, handler },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct grpc_server srv = { methods, 1, NULL, NULL };

	pb_run(&srv, methods[0].path, data, size);
	return 0;
}
