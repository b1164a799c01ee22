// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz the kubeconfig reader: the YAML subset (lib/k8s/yaml.c) in an arena
 * whose cap comes from the first input byte, then the whole kubeconfig
 * decoding (context, cluster, user, base64, server URL) without a
 * directory, so no file is ever opened.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "k8s/internal.h"
#include "k8s/k8s.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct k8s_yaml_node *root;
	struct k8s_yaml_err yerr;
	struct k8s_config cfg;
	struct k8s_config_err err;
	const char *text;
	struct arena *a;
	size_t cap;
	int ret;

	if (size < 1)
		return 0;
	/* 0: a roomy arena; else a small cap, to exercise -ENOMEM paths. */
	cap = data[0] ? (size_t)data[0] * 64 : 1u << 22;
	text = (const char *)data + 1;
	a = arena_new(cap);
	if (!a)
		abort();
	ret = k8s_yaml_parse(text, size - 1, a, &root, &yerr);
	if (ret != 0 && ret != -EBADMSG && ret != -ENOMEM && ret != -EMSGSIZE)
		abort();
	if (ret == -EBADMSG && !yerr.msg[0])
		abort();
	arena_free(a);

	ret = k8s_config_parse_kubeconfig(&cfg, text, size - 1, NULL, "fuzz", NULL, &err);
	if (ret == 0) {
		/* A usable config: a host, a port, a scheme; secrets header-safe. */
		if (!cfg.host[0] || !cfg.port || !cfg.authority || !cfg.scheme)
			abort();
		for (size_t i = 0; i < cfg.token_len; i++)
			if ((unsigned char)cfg.token[i] <= 0x20 ||
			    (unsigned char)cfg.token[i] >= 0x7f)
				abort();
		if (!cfg.cert_pem != !cfg.key_pem)
			abort();
		k8s_config_fini(&cfg);
	} else if (!err.msg[0] || cfg.a) {
		abort();
	}
	return 0;
}
