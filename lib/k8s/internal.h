/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/k8s private declarations: the YAML-subset reader behind the kubeconfig
 * parser (yaml.c), and what watch.c borrows from client.c. Only lib/k8s and
 * its tests include this.
 */
#ifndef DRANET_K8S_INTERNAL_H
#define DRANET_K8S_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "k8s/k8s.h"

/* Containers nested deeper than this are refused (kubeconfigs use 4). */
#define K8S_YAML_DEPTH_MAX 32
/* Keys of one mapping (kubeconfig mappings have about 10; duplicate checks are linear). */
#define K8S_YAML_KEYS_MAX 256

enum k8s_yaml_kind { K8S_YAML_SCALAR, K8S_YAML_MAP, K8S_YAML_SEQ };
enum k8s_yaml_style { K8S_YAML_PLAIN, K8S_YAML_SINGLE, K8S_YAML_DOUBLE };

/*
 * A node of the document tree, allocated in the caller's arena. Scalars keep
 * their text as written (after unquoting) and their style; a plain scalar's
 * type (null, bool) is decided by the reader of the tree, the way Go's
 * sigs.k8s.io/yaml decides it from the target field. A key with no value is
 * an empty plain scalar (null). Map members keep document order; keys are
 * unique. line/col are 1-based, 0 for documents read as JSON.
 */
struct k8s_yaml_node {
	enum k8s_yaml_kind kind;
	enum k8s_yaml_style style;
	uint32_t line, col;
	const char *key; /* member of a map: its key (NUL-terminated), else NULL */
	const char *str; /* scalar: NUL-terminated text (never contains NUL) */
	size_t len;
	struct k8s_yaml_node *child, *last, *next; /* members/elements in order */
	size_t count;
};

struct k8s_yaml_err {
	uint32_t line, col; /* 1-based; 0 when unknown (JSON documents: offset instead) */
	size_t offset;
	char msg[160];
};

/*
 * Parse a kubeconfig-shaped document: the YAML subset kubectl and client-go
 * write (block mappings and sequences, "- " items at their key's indent or
 * deeper, plain / single- / double-quoted one-line scalars, one-line flow
 * collections ({a: 1, b: [x, "y"]}), comments, "---" and "..."), or JSON
 * when the first significant byte is '{' (JSON is YAML; routed to
 * lib/json). Everything else is an error naming line and column: tabs
 * outside quotes, anchors and aliases, tags, block scalars, multi-line
 * scalars and flow collections, single-pair mappings in flow sequences,
 * several documents, duplicate keys. @len is at most K8S_KUBECONFIG_MAX.
 * Returns 0 (*root NULL for an empty document), -EBADMSG (err says where
 * and why), -EMSGSIZE (too large) or -ENOMEM (arena cap).
 */
MUST_CHECK int k8s_yaml_parse(const char *text, size_t len, struct arena *a,
			      struct k8s_yaml_node **root, struct k8s_yaml_err *err);

/* Map member by key, or NULL (also when @map is not a map). */
const struct k8s_yaml_node *k8s_yaml_get(const struct k8s_yaml_node *map, const char *key);
/* A plain "", "~", "null", "Null" or "NULL" scalar (YAML's null). */
bool k8s_yaml_is_null(const struct k8s_yaml_node *n);
/*
 * A scalar as a bool the way go-yaml v2 (sigs.k8s.io/yaml) resolves plain
 * scalars: true/True/TRUE/yes/Yes/YES/on/On/ON/y/Y and the false forms;
 * quoted scalars are strings, not bools. -EINVAL when it is not one.
 */
MUST_CHECK int k8s_yaml_bool(const struct k8s_yaml_node *n, bool *out);

/* client.c, for watch.c: the client's TLS config (NULL over http) and User-Agent. */
struct tls_config *k8s_client_tls(const struct k8s_client *c);
const char *k8s_client_user_agent(const struct k8s_client *c);
/* The config (mutable: token re-reads). */
struct k8s_config *k8s_client_cfg(struct k8s_client *c);
/* The client's backoff (its options, its jitter) before attempt @attempt + 1. */
uint32_t k8s_client_backoff(struct k8s_client *c, unsigned attempt);
/* A 403: warned once per (verb, resource) per client, with the Status message. */
void k8s_client_denied(struct k8s_client *c, const char *method, const char *target,
		       const char *verb, const char *resource, const char *message);

#endif
