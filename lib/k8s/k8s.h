/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/k8s: the Kubernetes API client (DESIGN.md layout; protocols.md §5).
 *
 * config (config.c): where the API server is and how to authenticate, from
 * a kubeconfig file or from the in-cluster service account, in upstream's
 * order (dranet: --kubeconfig given → clientcmd.BuildConfigFromFlags("",
 * path), else rest.InClusterConfig()).
 */
#ifndef DRANET_K8S_K8S_H
#define DRANET_K8S_K8S_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

/* ------------------------------------------------------- config (config.c) */

/* A kubeconfig larger than this is refused (hundreds of clusters with embedded certs fit). */
#define K8S_KUBECONFIG_MAX (4u << 20)
/* CA bundle file or -data (a full system bundle is about 220 KiB). */
#define K8S_CA_MAX (1u << 20)
/* Client certificate chain or key, file or -data. */
#define K8S_CERT_MAX (256u << 10)
/* Bearer token (service-account JWTs are about 1 KiB; OIDC tokens a few). */
#define K8S_TOKEN_MAX (64u << 10)
/* Parse arena: a kubeconfig's tree is a few times its size. */
#define K8S_CONFIG_ARENA_CAP (32u << 20)
/* A config's own arena: names, CA and client certificate copies (the CA is the biggest). */
#define K8S_CONFIG_KEEP_CAP (2 * K8S_CA_MAX + 2 * K8S_CERT_MAX)
/*
 * client-go re-reads a token file at most once a minute, 10 s early
 * (transport/token_source.go: cachingTokenSource, period 1 min, leeway 10 s).
 */
#define K8S_TOKEN_MAX_AGE_MS 50000u
/* In-cluster service-account directory (protocols.md §5.8). */
#define K8S_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

/*
 * Everything lib/http needs to reach and authenticate to the API server.
 * Strings live in @a, except the two secrets: the private key and the
 * token sit in their own heap buffers, are wiped with explicit_bzero() when
 * replaced or freed, and are never logged.
 */
struct k8s_config {
	struct arena *a;
	const char *source; /* "kubeconfig PATH" or "in-cluster", for logs */
	const char *context, *cluster, *user; /* kubeconfig names; NULL in-cluster */
	const char *scheme; /* "https" or "http" */
	const char *host; /* DNS name or IP literal, without IPv6 brackets */
	uint16_t port;
	const char *authority; /* "host:port", "[v6]:port": the Host header */
	const char *base_path; /* "" or "/prefix" from the server URL, no trailing '/' */
	const uint8_t *ca_pem; /* NULL: none given */
	size_t ca_len;
	const uint8_t *cert_pem; /* client certificate chain (PEM), with key_pem */
	size_t cert_len;
	uint8_t *key_pem; /* secret */
	size_t key_len;
	char *token; /* secret; NUL-terminated; NULL: none */
	size_t token_len;
	const char *token_file; /* re-read by k8s_config_token_refresh(); NULL: none */
	uint64_t token_read_ms; /* time_now_ms() of the last read of token_file */
	bool insecure; /* insecure-skip-tls-verify: the caller warns loudly */
	const char *tls_server_name; /* NULL: verify against host */
	const char *namespace; /* context's or the service account's; NULL: unknown */
};

/* Why loading failed: "FILE:LINE:COL: PATH: message" or "in-cluster: ...". */
struct k8s_config_err {
	char msg[512];
};

/*
 * Parse kubeconfig text @text[0..len) (YAML or JSON) into @cfg, using the
 * context named @context, else current-context. File references
 * (certificate-authority, client-certificate, client-key, tokenFile) are
 * read relative to @dir, the kubeconfig's directory (NULL: file references
 * are refused). @name names the file in messages (NULL: "kubeconfig").
 * Supported: clusters (server, certificate-authority(-data),
 * insecure-skip-tls-verify, tls-server-name), users (client-certificate
 * (-data), client-key(-data), token, tokenFile), contexts (cluster, user,
 * namespace). exec, auth-provider, username/password, impersonation and
 * proxy-url are refused with "not supported" naming the field. Unknown
 * fields are ignored, as client-go does. On failure @cfg is empty (safe
 * to k8s_config_fini()).
 * Returns 0, -EBADMSG (bad or unsupported document; @err says where),
 * -ENOENT (context, cluster or user missing; a referenced file missing),
 * -EMSGSIZE (a size cap), -ENOMEM, or -errno of a file read.
 */
MUST_CHECK int k8s_config_parse_kubeconfig(struct k8s_config *cfg, const char *text, size_t len,
					   const char *dir, const char *name, const char *context,
					   struct k8s_config_err *err);
/* k8s_config_parse_kubeconfig() of the file at @path (relative paths from its directory). */
MUST_CHECK int k8s_config_from_kubeconfig(struct k8s_config *cfg, const char *path,
					  const char *context, struct k8s_config_err *err);
/*
 * In-cluster configuration (rest.InClusterConfig): server
 * https://@host:@port (an IPv6 @host is bracketed in the authority), token
 * and CA from @root + K8S_SA_DIR (@root NULL or "" for "/"; tests point it
 * at a temporary tree), namespace from the same directory when present.
 * Returns 0, -ENOENT (host or port not set: not in a cluster; token or CA
 * missing), -EINVAL (bad port), -EBADMSG (empty or malformed token),
 * -EMSGSIZE, -ENOMEM or -errno.
 */
MUST_CHECK int k8s_config_in_cluster(struct k8s_config *cfg, const char *host, const char *port,
				     const char *root, struct k8s_config_err *err);
/*
 * Upstream's order: @kubeconfig (a path, non-empty) → that file, else
 * in-cluster from KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT.
 * The KUBECONFIG environment variable is not consulted (upstream does not
 * either: BuildConfigFromFlags with an explicit path). Returns as above.
 */
MUST_CHECK int k8s_config_load(struct k8s_config *cfg, const char *kubeconfig, const char *context,
			       struct k8s_config_err *err);
/*
 * Re-read token_file when the token is older than @max_age_ms (0: now,
 * e.g. after a 401; K8S_TOKEN_MAX_AGE_MS periodically). Returns 1 when the
 * token changed, 0 when not (or not due, or no token file), or -errno /
 * -EBADMSG (empty or malformed) / -EMSGSIZE, in which case the old token
 * stays in use (client-go keeps its cached token on a failed re-read).
 */
MUST_CHECK int k8s_config_token_refresh(struct k8s_config *cfg, uint64_t max_age_ms);
/* Free everything, wiping the secrets; @cfg is zeroed. NULL-safe, idempotent. */
void k8s_config_fini(struct k8s_config *cfg);

#endif
