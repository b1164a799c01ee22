/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/k8s: the Kubernetes API client (DESIGN.md layout; protocols.md §5).
 *
 * config (config.c): where the API server is and how to authenticate, from
 * a kubeconfig file or from the in-cluster service account, in upstream's
 * order (dranet: --kubeconfig given → clientcmd.BuildConfigFromFlags("",
 * path), else rest.InClusterConfig()).
 *
 * rest (rest.c): pure pieces with no I/O: URL escaping and targets, Status
 * bodies, errno mapping, Retry-After, the backoff schedule, object metadata,
 * the watch stream's line splitter and event decoder, discovery, and the
 * ResourceSlice shape conversion between v1 and v1beta1/v1beta2.
 *
 * client (client.c): a client made from a k8s_config. Requests are objects
 * driven by the caller's event loop (fd, events, deadline, step) with a
 * completion callback; auth, the 401 token re-read, retries with backoff,
 * the 409 re-read of PUTs and the once-per-(verb, resource) 403 report
 * happen inside. k8s_do() is the blocking wrapper for applets and tests.
 *
 * resources (resources.c): the calls dranet makes (slices, nodes, claims,
 * pods, claim status apply, events) as struct k8s_call builders, usable with
 * either k8s_req_start() or k8s_do().
 *
 * watch (watch.c): a watch on its own connection: resourceVersion,
 * bookmarks, events split from the stream, reconnects, 410 reported so the
 * caller re-lists.
 *
 * Decoding: documents whose shape is ours go through lib/json's strict
 * tables; objects the API server sends are decoded leniently
 * (JSON_S_LENIENT: unknown fields ignored, as client-go does), because a
 * real server adds fields with every release.
 */
#ifndef DRANET_K8S_K8S_H
#define DRANET_K8S_K8S_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

struct json;
struct http_response;

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

/* ---------------------------------------------------------- rest (rest.c) */

/* A response body (lists, objects); a list of one node's slices is far smaller. */
#define K8S_BODY_MAX (8u << 20)
/* One watch event line (an object of the largest kind we watch, plus framing). */
#define K8S_WATCH_LINE_MAX (4u << 20)
/* A request target (path + query); names are ≤ 253, selectors short. */
#define K8S_TARGET_MAX 4096
/* Attempts of one request on connection errors, 429 and 5xx (the first included). */
#define K8S_ATTEMPTS_MAX 6
/* PUT re-reads after 409 Conflict before giving up (client-go's RetryOnConflict: 5). */
#define K8S_CONFLICT_RETRIES 5
/* Backoff: 250 ms doubling to 8 s, with up to 50 % jitter subtracted. */
#define K8S_BACKOFF_BASE_MS 250u
#define K8S_BACKOFF_MAX_MS 8000u
/* A Retry-After longer than this is clamped (a hostile or broken server cannot park us). */
#define K8S_RETRY_AFTER_MAX_S 60
/* One request's timeout (connect + send + whole answer); watches bound each silence. */
#define K8S_TIMEOUT_MS 30000u
/* A watch's server-side timeoutSeconds; it is then resumed from its resourceVersion. */
#define K8S_WATCH_TIMEOUT_S 300u
/* Silence on a watch (bookmarks arrive about every minute on a real server). */
#define K8S_WATCH_IDLE_MS 150000u
/* Per-request arena (response strings, the decoded Status, request copy). */
#define K8S_REQ_ARENA_CAP (3 * K8S_BODY_MAX)

/*
 * Append @s escaped for one path segment as Go's url.PathEscape does (RFC
 * 3986 unreserved and "$&+:=@" kept, everything else %XX, '/' included) or
 * for a query value as url.QueryEscape does (unreserved kept, space as '+'). Returns 0, -EINVAL (empty segment, or a
 * "." / ".." segment), -ENOMEM (@out's cap).
 */
MUST_CHECK int k8s_escape_path(struct buf *out, const char *s);
MUST_CHECK int k8s_escape_query(struct buf *out, const char *s);

struct k8s_query {
	const char *key, *value; /* value NULL: the pair is skipped */
};

/*
 * "@base_path/@segs[0]/@segs[1]...?k=v&k=v" into @out (reset first): each
 * segment escaped with k8s_escape_path() (so a name cannot add a path
 * level), each query value with k8s_escape_query(); keys are ours and must
 * be [A-Za-z0-9]. A NULL segment ends the list early. Returns 0, -EINVAL,
 * -EMSGSIZE (over K8S_TARGET_MAX), -ENOMEM.
 */
MUST_CHECK int k8s_target(struct buf *out, const char *base_path, const char *const *segs,
			  size_t nsegs, const struct k8s_query *q, size_t nq);

/* A metav1.Status (protocols.md §5.9); strings in the caller's arena, "" when absent. */
struct k8s_status {
	const char *status, *message, *reason;
	int64_t code;
	int64_t retry_after_s; /* details.retryAfterSeconds, 0 when absent */
	const char *name, *kind; /* details */
};

/*
 * Decode a Status body leniently (unknown fields ignored). Returns 0, or
 * -EBADMSG when the body is not a JSON object with kind "Status" (then
 * @st is empty: the caller reports the HTTP status alone), -ENOMEM.
 */
MUST_CHECK int k8s_status_parse(const char *body, size_t len, struct arena *a,
				struct k8s_status *st);

/*
 * The errno for an HTTP status (and the Status reason, which may be NULL):
 * 2xx 0, 400 -EINVAL, 401 -EPERM, 403 -EACCES, 404 -ENOENT, 405/415
 * -EOPNOTSUPP, 409 AlreadyExists -EEXIST, 409 otherwise (Conflict, apply
 * conflicts) -ESTALE, 410 -ETIME, 413 -EMSGSIZE, 422 -EINVAL, 429 -EBUSY,
 * 504 -ETIMEDOUT, other 5xx -EIO, anything else -EPROTO.
 */
int k8s_errno_from_status(int http_status, const char *reason);

/*
 * Retry-After as client-go reads it (request.go checkWait: whole seconds
 * only; an HTTP-date is ignored). Returns the seconds clamped to
 * K8S_RETRY_AFTER_MAX_S, or -EINVAL when @v is NULL or not a number.
 */
MUST_CHECK int k8s_retry_after_parse(const char *v);

/*
 * The wait before attempt @attempt + 1 (@attempt ≥ 1 failures so far):
 * min(BASE·2^(attempt-1), MAX), minus up to half of it by @rnd (any random
 * 32 bits; the same @rnd gives the same wait, so the schedule is testable).
 */
uint32_t k8s_backoff_ms(unsigned attempt, uint32_t rnd);

/* ObjectMeta fields we read (lenient); strings in the arena, NULL when absent. */
struct k8s_meta {
	const char *name, *namespace, *uid, *resource_version, *generate_name;
	int64_t generation;
};

/* metadata of object @obj (a JSON object); -EBADMSG when a field has a wrong type. */
MUST_CHECK int k8s_meta_decode(const struct json *obj, struct arena *a, struct k8s_meta *m);

/*
 * Splits a watch stream (newline-delimited JSON) into lines, from pieces cut
 * anywhere. The pending partial line is kept (capped at @max bytes).
 */
struct k8s_lines {
	struct buf line;
	size_t max;
	bool have; /* line holds a complete line returned by the last push */
};

void k8s_lines_init(struct k8s_lines *l, size_t max);
void k8s_lines_fini(struct k8s_lines *l);
void k8s_lines_reset(struct k8s_lines *l);
/*
 * Consume bytes of @in up to the end of the next non-empty line. Returns 1
 * with *line set (no newline, valid until the next push or reset), -EAGAIN
 * when all of @in was consumed without completing a line, -EMSGSIZE when a
 * line is longer than max (the splitter must then be reset), -ENOMEM.
 */
MUST_CHECK int k8s_lines_push(struct k8s_lines *l, struct rd *in, struct slice *line);

enum k8s_watch_type {
	K8S_WATCH_ADDED = 1,
	K8S_WATCH_MODIFIED,
	K8S_WATCH_DELETED,
	K8S_WATCH_BOOKMARK,
	K8S_WATCH_ERROR,
};

struct k8s_watch_event {
	enum k8s_watch_type type;
	const struct json *object; /* borrowed from the event's tree */
	struct k8s_meta meta; /* object's metadata (bookmarks: resource_version only) */
	struct k8s_status status; /* ERROR: the Status object */
};

/*
 * Decode one watch line {"type": ..., "object": {...}} (lenient inside the
 * object). *tree receives the parsed document (caller frees with
 * json_free; ev->object points into it). Returns 0, -EBADMSG (not JSON, an
 * unknown type, object missing or not an object; *tree NULL), -ENOMEM.
 */
MUST_CHECK int k8s_watch_event_decode(const char *line, size_t len, struct arena *a,
				      struct k8s_watch_event *ev, struct json **tree);
const char *k8s_watch_type_name(enum k8s_watch_type t);

/* resource.k8s.io versions, in preference order (protocols.md §5.1). */
enum k8s_res_version {
	K8S_RES_NONE = 0,
	K8S_RES_V1 = 1,
	K8S_RES_V1BETA2 = 2,
	K8S_RES_V1BETA1 = 3,
};
const char *k8s_res_version_name(enum k8s_res_version v);
/* "v1" → K8S_RES_V1 ...; K8S_RES_NONE when unknown. */
enum k8s_res_version k8s_res_version_parse(const char *s);

/*
 * From the APIGroup document of GET /apis/resource.k8s.io (lenient), the
 * best version served: v1, else v1beta2, else v1beta1. Returns the version,
 * -ENOENT when none of them is served, -EBADMSG for a body that is not an
 * APIGroup.
 */
MUST_CHECK int k8s_discovery_pick(const char *body, size_t len);

/*
 * A copy of the v1-shaped ResourceSlice @v1 (lib/inventory's slice.c
 * output, or a v1 object read back) in version @v's shape: apiVersion
 * "resource.k8s.io/<v>", and for v1beta1 each device {name, X...} becomes
 * {name, basic: {X...}} (protocols.md §5.3; nodeName stays a string, which
 * both shapes accept when set). v1beta2 is v1's shape. Returns 0 with *out
 * owned by the caller, -EINVAL (not an object, devices not an array of
 * objects), -ENOMEM.
 */
MUST_CHECK int k8s_slice_to_version(const struct json *v1, enum k8s_res_version v,
				    struct json **out);
/* The reverse: a slice read in version @v's shape → the v1 shape. Same returns. */
MUST_CHECK int k8s_slice_to_v1(const struct json *doc, enum k8s_res_version v, struct json **out);

/* ------------------------------------------------------ client (client.c) */

struct k8s_client;
struct k8s_req;

struct k8s_client_opts {
	const char *user_agent; /* NULL: "dranet" */
	uint32_t timeout_ms; /* per attempt; 0: K8S_TIMEOUT_MS */
	unsigned attempts; /* 0: K8S_ATTEMPTS_MAX; 1: no retries */
	uint32_t backoff_base_ms, backoff_max_ms; /* 0: the K8S_BACKOFF_* defaults */
};

/*
 * A client for @cfg (borrowed: it must outlive the client; its token is
 * re-read through it). Builds the TLS config (CA, client certificate) and
 * the request connection; nothing connects yet. Insecure mode is logged
 * once, loudly, here. Returns 0, -EINVAL (an http:// server with client
 * credentials, bad CA or key: logged), -ENOMEM, or http_conn_new's errors.
 */
MUST_CHECK int k8s_client_new(struct k8s_config *cfg, const struct k8s_client_opts *o,
			      struct k8s_client **out);
/* Free the client; pending requests complete with -ECANCELED first. NULL-safe. */
void k8s_client_free(struct k8s_client *c);

/* The resource.k8s.io version requests are built for (K8S_RES_V1 until set). */
enum k8s_res_version k8s_client_version(const struct k8s_client *c);
void k8s_client_set_version(struct k8s_client *c, enum k8s_res_version v);
const struct k8s_config *k8s_client_config(const struct k8s_client *c);

/* What a request asks (built by resources.c, or by hand). Copied at start. */
struct k8s_call {
	const char *method; /* GET, POST, PUT, PATCH, DELETE */
	const char *target; /* path + query, escaped (k8s_target) */
	const char *content_type; /* NULL: application/json when there is a body */
	const void *body;
	size_t body_len;
	const char *verb, *resource; /* RBAC words for the 403 report: "get", "pods" */
	bool idempotent; /* may be resent after an ambiguous connection error */
	bool conflict_reread; /* PUT: on 409 GET target, take its resourceVersion, resend */
};

/* Completion: called once, from k8s_client_step() (or k8s_req_cancel / free). */
typedef void k8s_done_fn(struct k8s_req *r, void *arg);

/*
 * Queue @call on @c's request connection (one at a time, FIFO). @done may
 * be NULL (poll k8s_req_result instead). The request owns its copy of the
 * call; the caller owns *out and frees it with k8s_req_free() (also from
 * inside @done). Returns 0, -EINVAL (no method, a target not starting with
 * '/'), -EMSGSIZE (body over HTTP_REQUEST_MAX), -ENOMEM.
 */
MUST_CHECK int k8s_req_start(struct k8s_client *c, const struct k8s_call *call, k8s_done_fn *done,
			     void *arg, struct k8s_req **out);
/*
 * -EINPROGRESS while pending, then 0 (2xx) or the error: k8s_errno_from_status()
 * of the final answer, -ECANCELED, or the connection's -errno after the
 * last attempt.
 */
int k8s_req_result(const struct k8s_req *r);
/* The final HTTP status (0: no answer), body (NUL-terminated, "" when none), Status. */
int k8s_req_http_status(const struct k8s_req *r);
const char *k8s_req_body(const struct k8s_req *r, size_t *len);
const struct k8s_status *k8s_req_status(const struct k8s_req *r);
/* One line for logs: "GET /api/v1/nodes/n1: 403 Forbidden: <status.message>" or the socket error. */
const char *k8s_req_strerror(const struct k8s_req *r);
/* Attempts made (retries + 1), for tests. */
unsigned k8s_req_attempts(const struct k8s_req *r);
/* The request's arena (strings decoded from its body may live here). */
struct arena *k8s_req_arena(struct k8s_req *r);
/* Cancel (done runs with -ECANCELED if not yet called) and free. NULL-safe. */
void k8s_req_free(struct k8s_req *r);

/*
 * The event-loop face of the request connection: its fd (-1: none; it
 * changes on reconnects), the poll events (POLLIN/POLLOUT), and when to
 * step without I/O (UINT64_MAX: nothing to do; a backoff wait counts).
 */
int k8s_client_fd(const struct k8s_client *c);
short k8s_client_events(struct k8s_client *c);
uint64_t k8s_client_deadline(const struct k8s_client *c);
/*
 * Advance: pass the fd's revents (or 0). Runs completions. Returns 0 or
 * -ENOMEM; request failures are reported through the requests.
 */
MUST_CHECK int k8s_client_step(struct k8s_client *c, uint64_t now_ms, short revents);
/* A request is queued or in flight. */
bool k8s_client_is_busy(const struct k8s_client *c);

/*
 * Blocking: queue @call and poll() until it completes. Returns
 * k8s_req_result(); *out (may be NULL) gets the request for its body and
 * status (caller frees). For applets and tests, not the driver's loop.
 */
MUST_CHECK int k8s_do(struct k8s_client *c, const struct k8s_call *call, struct k8s_req **out);

/*
 * Discovery (blocking): GET /apis/resource.k8s.io, pick with
 * k8s_discovery_pick(), set the client's version. Returns the version or
 * -errno (-ENOENT: resource.k8s.io not served at all).
 */
MUST_CHECK int k8s_discover(struct k8s_client *c);

/* ------------------------------------------------ resources (resources.c) */

/*
 * Each builder fills @call with strings in @a (the caller's; it must live
 * until k8s_req_start or k8s_do has copied the call) for @c's version and
 * base path. Bodies given as struct json are printed compactly (and, for
 * slices, converted to the client's version first). Returns 0, -EINVAL
 * (empty name, bad document), -ENOMEM.
 */

/* GET .../resourceslices?fieldSelector=spec.nodeName=@node,spec.driver=@driver (either may be NULL). */
MUST_CHECK int k8s_call_slices_list(struct k8s_client *c, const char *node, const char *driver,
				    struct arena *a, struct k8s_call *call);
/* POST .../resourceslices with @v1doc (v1 shape; metadata.generateName as given). */
MUST_CHECK int k8s_call_slice_create(struct k8s_client *c, const struct json *v1doc,
				     struct arena *a, struct k8s_call *call);
/* PUT .../resourceslices/@name with @v1doc; metadata.name set to @name, resourceVersion as given (conflict_reread set). */
MUST_CHECK int k8s_call_slice_update(struct k8s_client *c, const char *name,
				     const struct json *v1doc, struct arena *a,
				     struct k8s_call *call);
/* DELETE .../resourceslices/@name, with preconditions {uid, resourceVersion} when given. */
MUST_CHECK int k8s_call_slice_delete(struct k8s_client *c, const char *name, const char *uid,
				     const char *rv, struct arena *a, struct k8s_call *call);
/* GET /api/v1/nodes/@name. */
MUST_CHECK int k8s_call_node_get(struct k8s_client *c, const char *name, struct arena *a,
				 struct k8s_call *call);
/* GET /api/v1/namespaces/@ns/pods/@name. */
MUST_CHECK int k8s_call_pod_get(struct k8s_client *c, const char *ns, const char *name,
				struct arena *a, struct k8s_call *call);
/* GET .../namespaces/@ns/resourceclaims/@name. */
MUST_CHECK int k8s_call_claim_get(struct k8s_client *c, const char *ns, const char *name,
				  struct arena *a, struct k8s_call *call);
/*
 * Server-side apply of claim status (protocols.md §5.6): PATCH
 * .../namespaces/@ns/resourceclaims/@name/status?fieldManager=@manager&force=true,
 * application/apply-patch+yaml, body {apiVersion, kind, metadata {name,
 * namespace}, status {devices: @devices}}. @devices is an array of
 * AllocatedDeviceStatus objects; entries whose driver is not @manager are
 * refused (-EINVAL): we apply only our own driver's entries, and the list-map
 * merge keeps the others'.
 */
MUST_CHECK int k8s_call_claim_status_apply(struct k8s_client *c, const char *ns, const char *name,
					   const char *manager, const struct json *devices,
					   struct arena *a, struct k8s_call *call);
/* POST /api/v1/namespaces/@ns/events with @event (a core/v1 Event object). */
MUST_CHECK int k8s_call_event_create(struct k8s_client *c, const char *ns, const struct json *event,
				     struct arena *a, struct k8s_call *call);

enum k8s_collection {
	K8S_COLL_SLICES, /* resource.k8s.io resourceslices (cluster-scoped) */
	K8S_COLL_CLAIMS, /* resource.k8s.io resourceclaims, in a namespace or (NULL) all */
};

/*
 * The escaped path of a collection, without a query, for k8s_watch_new()
 * (and lists): "<base>/apis/resource.k8s.io/<v>/resourceslices",
 * ".../namespaces/<ns>/resourceclaims" or ".../resourceclaims". *path lives
 * in @a. Returns 0, -EINVAL, -ENOMEM.
 */
MUST_CHECK int k8s_collection_path(struct k8s_client *c, enum k8s_collection coll, const char *ns,
				   struct arena *a, const char **path);

/* Node fields the driver reads (lenient). */
struct k8s_node_addr {
	const char *type, *address;
};
struct k8s_node {
	struct k8s_meta meta;
	struct k8s_node_addr *addrs; /* status.addresses */
	size_t naddrs;
};
/* Decode a Node body (lenient). Returns 0, -EBADMSG, -ENOMEM. */
MUST_CHECK int k8s_node_decode(const char *body, size_t len, struct arena *a, struct k8s_node *n);

/*
 * A list body (kind *List, lenient): its metadata.resourceVersion and
 * continue token, and the items (*tree owns them; items is borrowed).
 * Returns 0, -EBADMSG, -ENOMEM.
 */
struct k8s_list {
	const char *resource_version, *cont;
	const struct json *items; /* an array */
	size_t count;
};
MUST_CHECK int k8s_list_decode(const char *body, size_t len, struct arena *a, struct k8s_list *l,
			       struct json **tree);

/* -------------------------------------------------------- watch (watch.c) */

struct k8s_watch;

/*
 * A watch of the collection at @path (escaped, no query: e.g. the target of
 * a list without its "?...") with @field_selector (NULL: none), from
 * resourceVersion @rv (NULL or "": the current state first, as ADDED), with
 * bookmarks, on its own connection to @c's server. Nothing connects until
 * the first step. Returns 0, -EINVAL, -ENOMEM or http_conn_new's errors.
 */
MUST_CHECK int k8s_watch_new(struct k8s_client *c, const char *path, const char *field_selector,
			     const char *rv, struct k8s_watch **out);
void k8s_watch_free(struct k8s_watch *w);

/* Returned by k8s_watch_step when the resourceVersion expired (410): re-list, then k8s_watch_restart. */
#define K8S_WATCH_GONE 2

/*
 * Advance the watch. Returns 1 with *ev set (valid until the next step;
 * BOOKMARKs also move the resume point and are reported), K8S_WATCH_GONE
 * (HTTP 410 or an ERROR event with code 410: the watch is stopped until
 * k8s_watch_restart), -EAGAIN (wait for fd/events/deadline), or a fatal
 * error: -EACCES (403, reported once), -EPERM (401 after a token re-read).
 * A stream that ends (timeoutSeconds, a dropped connection, the server
 * down) is resumed from the last resourceVersion after a backoff, quietly.
 */
MUST_CHECK int k8s_watch_step(struct k8s_watch *w, uint64_t now_ms, short revents,
			      struct k8s_watch_event *ev);
/* Resume from @rv (a fresh list's) after K8S_WATCH_GONE, or move it anyway. */
MUST_CHECK int k8s_watch_restart(struct k8s_watch *w, const char *rv);
/*
 * The event-loop face of the watch: its fd (-1 while waiting to resume or
 * stopped; it changes on every resume), the poll events, and when to step
 * without I/O: 0 (now) while received events wait to be handed out (a step
 * returns one at a time), the resume time, lib/http's deadline while
 * streaming, UINT64_MAX when stopped.
 */
int k8s_watch_fd(const struct k8s_watch *w);
short k8s_watch_events(struct k8s_watch *w);
uint64_t k8s_watch_deadline(const struct k8s_watch *w);
/* The resume point: the last event's or bookmark's resourceVersion. */
const char *k8s_watch_rv(const struct k8s_watch *w);
/* Streams opened so far (reconnects + 1), for tests. */
unsigned k8s_watch_connects(const struct k8s_watch *w);

#endif
