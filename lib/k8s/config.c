// SPDX-License-Identifier: Apache-2.0
/*
 * Where the API server is and how to authenticate (k8s.h, "config"):
 * kubeconfig files as client-go's clientcmd reads them (k8s.io/client-go/
 * tools/clientcmd: loader.go, client_config.go, validation.go; the v1
 * schema in tools/clientcmd/api/v1/types.go) and the in-cluster service
 * account (rest.InClusterConfig, protocols.md §5.8).
 */
#include "k8s/k8s.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "k8s/internal.h"

/* ------------------------------------------------------------- files */

/* Free a heap buffer that may hold a secret. */
static void wipe_free(void *p, size_t n)
{
	if (!p)
		return;
	explicit_bzero(p, n);
	free(p);
}

/*
 * Read the whole file at @path into a new heap buffer (NUL-terminated; the
 * caller wipe_free()s it with *size), at most @cap bytes. Growing copies
 * are wiped: the file may be a key or a token. 0, -EMSGSIZE or -errno.
 */
static int slurp(const char *path, size_t cap, char **out, size_t *len, size_t *size)
{
	size_t n = 0, sz = 4096;
	char *buf;
	struct stat st;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size < cap)
		sz = (size_t)st.st_size + 2;
	buf = malloc(sz);
	if (!buf) {
		ret = -ENOMEM;
		goto out_close;
	}
	for (;;) {
		ssize_t r;

		if (n + 1 == sz) {
			char *grow;

			if (n > cap) {
				ret = -EMSGSIZE;
				goto out_free;
			}
			grow = malloc(sz * 2);
			if (!grow) {
				ret = -ENOMEM;
				goto out_free;
			}
			memcpy(grow, buf, n);
			wipe_free(buf, sz);
			buf = grow;
			sz *= 2;
		}
		r = read(fd, buf + n, sz - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			goto out_free;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > cap) {
		ret = -EMSGSIZE;
		goto out_free;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	*size = sz;
	close(fd);
	return 0;
out_free:
	wipe_free(buf, sz);
out_close:
	close(fd);
	return ret;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* A bearer token must fit an HTTP header value: visible ASCII only (RFC 9110 §5.5). */
static bool is_token_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return false;
	return n > 0;
}

/* Replace cfg's token with @s[0..n) (a new heap copy); the old one is wiped. */
static int token_set(struct k8s_config *cfg, const char *s, size_t n)
{
	char *t = malloc(n + 1);

	if (!t)
		return -ENOMEM;
	memcpy(t, s, n);
	t[n] = '\0';
	wipe_free(cfg->token, cfg->token_len + 1);
	cfg->token = t;
	cfg->token_len = n;
	return 0;
}

/*
 * Read @path as a token file: white space around it trimmed (client-go:
 * strings.TrimSpace). 1 when it differs from the current token (now set),
 * 0 when equal, -EBADMSG when empty or not header-safe, or -errno.
 */
static int token_load(struct k8s_config *cfg, const char *path)
{
	char *buf = NULL, *s;
	size_t len, size, n;
	int ret = slurp(path, K8S_TOKEN_MAX, &buf, &len, &size);

	if (ret < 0)
		return ret;
	s = buf;
	n = len;
	while (n && is_space(*s)) {
		s++;
		n--;
	}
	while (n && is_space(s[n - 1]))
		n--;
	if (!is_token_text(s, n)) {
		ret = -EBADMSG;
	} else if (cfg->token && cfg->token_len == n && memcmp(cfg->token, s, n) == 0) {
		ret = 0;
	} else {
		ret = token_set(cfg, s, n);
		ret = ret < 0 ? ret : 1;
	}
	if (ret >= 0)
		cfg->token_read_ms = time_now_ms();
	wipe_free(buf, size);
	return ret;
}

/* ------------------------------------------------------ the kubeconfig */

struct kc {
	struct k8s_config *cfg;
	struct k8s_config_err *err;
	struct arena *tmp; /* the parse tree */
	const char *name; /* the file, for messages */
	const char *dir; /* for relative paths; NULL: no file references */
};

static int kc_fail(struct kc *k, const struct k8s_yaml_node *n, int ret, const char *path,
		   const char *fmt, ...) PRINTF_LIKE(5, 6);

/* "NAME:LINE:COL: PATH: message" (LINE:COL when known, PATH when not empty). */
static int kc_fail(struct kc *k, const struct k8s_yaml_node *n, int ret, const char *path,
		   const char *fmt, ...)
{
	char where[64] = "", msg[320];
	va_list ap;

	if (!k->err)
		return ret;
	if (n && n->line)
		snprintf(where, sizeof(where), ":%u:%u", n->line, n->col);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(k->err->msg, sizeof(k->err->msg), "%s%s: %s%s%s", k->name, where, path,
		 *path ? ": " : "", msg);
	return ret;
}

static const char *kind_name(const struct k8s_yaml_node *n)
{
	return n->kind == K8S_YAML_MAP	 ? "a mapping"
	       : n->kind == K8S_YAML_SEQ ? "a list"
					 : "a scalar";
}

/* @map.@key as a string: NULL when absent, null or "" (Go's zero value means unset). */
static int get_str(struct kc *k, const struct k8s_yaml_node *map, const char *path, const char *key,
		   const char **out)
{
	const struct k8s_yaml_node *n = k8s_yaml_get(map, key);

	*out = NULL;
	if (!n || k8s_yaml_is_null(n))
		return 0;
	if (n->kind != K8S_YAML_SCALAR)
		return kc_fail(k, n, -EBADMSG, path, "%s: expected a string, got %s", key,
			       kind_name(n));
	if (n->len)
		*out = n->str;
	return 0;
}

/* A member that must be a mapping when present; NULL when absent or null. */
static int get_map(struct kc *k, const struct k8s_yaml_node *map, const char *path, const char *key,
		   const struct k8s_yaml_node **out)
{
	const struct k8s_yaml_node *n = k8s_yaml_get(map, key);

	*out = NULL;
	if (!n || k8s_yaml_is_null(n))
		return 0;
	if (n->kind != K8S_YAML_MAP)
		return kc_fail(k, n, -EBADMSG, path, "%s: expected a mapping, got %s", key,
			       kind_name(n));
	*out = n;
	return 0;
}

/* Refuse @key of @map when it is set: "PATH.KEY: WHAT is not supported". */
static int refuse(struct kc *k, const struct k8s_yaml_node *map, const char *path, const char *key,
		  const char *what)
{
	const struct k8s_yaml_node *n = k8s_yaml_get(map, key);

	if (!n || k8s_yaml_is_null(n) || (n->kind == K8S_YAML_SCALAR && n->len == 0))
		return 0;
	return kc_fail(k, n, -EBADMSG, path, "%s: %s is not supported", key, what);
}

/*
 * In list @list of the root (clusters, users, contexts: [{name, @inner}]),
 * the entry named @want: its @inner mapping (NULL when empty) and index.
 * Duplicate names are an error, as in clientcmd's v1 conversion.
 */
static int find_named(struct kc *k, const struct k8s_yaml_node *root, const char *list,
		      const char *inner, const char *want, const struct k8s_yaml_node **out,
		      char *path, size_t path_size)
{
	const struct k8s_yaml_node *l = k8s_yaml_get(root, list), *found = NULL;
	size_t i = 0;
	int ret;

	*out = NULL;
	if (l && !k8s_yaml_is_null(l) && l->kind != K8S_YAML_SEQ)
		return kc_fail(k, l, -EBADMSG, list, "expected a list, got %s", kind_name(l));
	for (const struct k8s_yaml_node *e = l ? l->child : NULL; e; e = e->next, i++) {
		const char *name;
		char p[64];

		snprintf(p, sizeof(p), "%s[%zu]", list, i);
		if (e->kind != K8S_YAML_MAP)
			return kc_fail(k, e, -EBADMSG, p, "expected a mapping, got %s",
				       kind_name(e));
		ret = get_str(k, e, p, "name", &name);
		if (ret < 0)
			return ret;
		if (!name)
			name = "";
		if (strcmp(name, want) != 0)
			continue;
		if (found)
			return kc_fail(k, e, -EBADMSG, p, "duplicate name \"%.64s\" in %s", name,
				       list);
		found = e;
		snprintf(path, path_size, "%s.%s", p, inner);
		ret = get_map(k, e, p, inner, out);
		if (ret < 0)
			return ret;
	}
	if (!found)
		return kc_fail(k, l, -ENOENT, list, "no entry named \"%.64s\"", want);
	return 0;
}

/* @rel from the kubeconfig's directory (clientcmd ResolveLocalPaths), in the tmp arena. */
static int resolve(struct kc *k, const struct k8s_yaml_node *at, const char *path, const char *key,
		   const char *rel, const char **out)
{
	if (!k->dir)
		return kc_fail(k, at, -EBADMSG, path,
			       "%s: file references need the kubeconfig's directory", key);
	*out = rel[0] == '/' ? rel : arena_printf(k->tmp, "%s/%s", k->dir, rel);
	if (!*out)
		return -ENOMEM;
	if (strlen(*out) >= PATH_MAX)
		return kc_fail(k, at, -EMSGSIZE, path, "%s: path too long", key);
	return 0;
}

/*
 * One PEM source: @key (a file) or @key-data (base64, as Go's encoding/json
 * decodes []byte). Both set is an error (clientcmd validation.go). A secret
 * goes to a heap buffer (*heap true) instead of the config's arena.
 */
static int load_pem(struct kc *k, const struct k8s_yaml_node *map, const char *path,
		    const char *key, size_t cap, bool secret, uint8_t **out, size_t *len)
{
	char dkey[64];
	const char *file, *data, *full;
	const struct k8s_yaml_node *n;
	char *buf = NULL;
	size_t n_in, size = 0, at = 0;
	int ret;

	*out = NULL;
	*len = 0;
	snprintf(dkey, sizeof(dkey), "%s-data", key);
	ret = get_str(k, map, path, key, &file);
	if (ret == 0)
		ret = get_str(k, map, path, dkey, &data);
	if (ret < 0)
		return ret;
	if (file && data)
		return kc_fail(k, k8s_yaml_get(map, key), -EBADMSG, path, "%s and %s are both set",
			       key, dkey);
	if (data) {
		n = k8s_yaml_get(map, dkey);
		n_in = strlen(data);
		size = base64_decoded_max(n_in);
		if (size > cap + 3)
			return kc_fail(k, n, -EMSGSIZE, path, "%s: larger than %zu bytes", dkey,
				       cap);
		buf = secret ? malloc(size) : arena_alloc(k->cfg->a, size);
		if (!buf)
			return -ENOMEM;
		ret = base64_decode(data, n_in, (uint8_t *)buf, size, &at);
		if (ret < 0) {
			if (secret)
				wipe_free(buf, size);
			return kc_fail(k, n, -EBADMSG, path,
				       "%s: illegal base64 data at input byte %zu", dkey, at);
		}
		*len = (size_t)ret;
	} else if (file) {
		n = k8s_yaml_get(map, key);
		ret = resolve(k, n, path, key, file, &full);
		if (ret < 0)
			return ret;
		ret = slurp(full, cap, &buf, len, &size);
		if (ret < 0)
			return kc_fail(k, n, ret, path, "%s: reading %s: %s", key, full,
				       strerror(-ret));
		if (!secret) {
			char *copy = arena_dup(k->cfg->a, buf, *len);

			free(buf);
			buf = copy;
			if (!buf)
				return -ENOMEM;
		}
	}
	if (buf && *len == 0) {
		if (secret)
			wipe_free(buf, size);
		buf = NULL;
	}
	*out = (uint8_t *)buf;
	return 0;
}

static bool is_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_';
}

static bool is_v6_char(char c)
{
	return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') ||
	       c == ':' || c == '.';
}

/* Decimal port 1..65535 from [s, e). */
static int parse_port(const char *s, const char *e, uint16_t *out)
{
	uint32_t v = 0;

	if (s == e || e - s > 5)
		return -EINVAL;
	for (; s < e; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint32_t)(*s - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

/*
 * Split "host", "host:port", "[v6]" or "[v6]:port" [s, e) into cfg's host
 * and port (@def when absent) and build the authority. 0 or -EINVAL.
 */
static int set_host_port(struct k8s_config *cfg, const char *s, const char *e, uint16_t def)
{
	const char *h = s, *he, *c;
	bool v6 = false;

	if (s < e && *s == '[') {
		h = s + 1;
		he = memchr(h, ']', (size_t)(e - h));
		if (!he || he == h)
			return -EINVAL;
		for (c = h; c < he; c++)
			if (!is_v6_char(*c))
				return -EINVAL;
		if (!memchr(h, ':', (size_t)(he - h)))
			return -EINVAL;
		c = he + 1;
		v6 = true;
	} else {
		for (he = s; he < e && *he != ':'; he++)
			if (!is_host_char(*he))
				return -EINVAL;
		if (he == s)
			return -EINVAL;
		c = he;
	}
	cfg->port = def;
	if (c < e) {
		if (*c != ':' || parse_port(c + 1, e, &cfg->port) < 0)
			return -EINVAL;
	}
	cfg->host = arena_strndup(cfg->a, h, (size_t)(he - h));
	if (!cfg->host)
		return -ENOMEM;
	cfg->authority = arena_printf(cfg->a, v6 ? "[%s]:%u" : "%s:%u", cfg->host, cfg->port);
	return cfg->authority ? 0 : -ENOMEM;
}

/*
 * The cluster's server URL: http(s)://host[:port][/path]. Without a scheme,
 * https when TLS is configured, else http (rest.DefaultServerURL).
 */
static int parse_server(struct kc *k, const struct k8s_yaml_node *n, const char *path,
			const char *url, bool default_tls)
{
	struct k8s_config *cfg = k->cfg;
	const char *s = url, *auth_end, *p;
	size_t plen;
	int ret;

	if (str_has_prefix(s, "https://")) {
		cfg->scheme = "https";
		s += 8;
	} else if (str_has_prefix(s, "http://")) {
		cfg->scheme = "http";
		s += 7;
	} else if (strstr(s, "://")) {
		return kc_fail(k, n, -EBADMSG, path,
			       "server: \"%.128s\": scheme must be https or http", url);
	} else {
		cfg->scheme = default_tls ? "https" : "http";
	}
	auth_end = s + strcspn(s, "/?#");
	if (*auth_end == '?' || *auth_end == '#' || strchr(auth_end, '?') || strchr(auth_end, '#'))
		return kc_fail(k, n, -EBADMSG, path,
			       "server: \"%.128s\": a query or fragment is not supported", url);
	if (memchr(s, '@', (size_t)(auth_end - s)))
		return kc_fail(k, n, -EBADMSG, path,
			       "server: \"%.128s\": user information in the URL is not supported",
			       url);
	ret = set_host_port(cfg, s, auth_end, cfg->scheme[4] == 's' ? 443 : 80);
	if (ret == -EINVAL)
		return kc_fail(k, n, -EBADMSG, path, "server: \"%.128s\": bad host or port", url);
	if (ret < 0)
		return ret;
	p = auth_end;
	plen = strlen(p);
	while (plen && p[plen - 1] == '/')
		plen--;
	for (size_t i = 0; i < plen; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f)
			return kc_fail(k, n, -EBADMSG, path, "server: \"%.128s\": bad path", url);
	cfg->base_path = arena_strndup(cfg->a, p, plen);
	return cfg->base_path ? 0 : -ENOMEM;
}

/* A string of the tree into the config's arena (NULL stays NULL). */
static int keep(struct k8s_config *cfg, const char *s, const char **out)
{
	*out = NULL;
	if (!s)
		return 0;
	*out = arena_strdup(cfg->a, s);
	return *out ? 0 : -ENOMEM;
}

static int read_cluster(struct kc *k, const struct k8s_yaml_node *c, const char *path)
{
	struct k8s_config *cfg = k->cfg;
	const struct k8s_yaml_node *n;
	const char *server, *sni;
	uint8_t *ca;
	int ret;

	ret = refuse(k, c, path, "proxy-url", "a proxy");
	if (ret < 0)
		return ret;
	n = k8s_yaml_get(c, "insecure-skip-tls-verify");
	if (n && !k8s_yaml_is_null(n) && k8s_yaml_bool(n, &cfg->insecure) < 0)
		return kc_fail(k, n, -EBADMSG, path,
			       "insecure-skip-tls-verify: expected true or false");
	ret = load_pem(k, c, path, "certificate-authority", K8S_CA_MAX, false, &ca, &cfg->ca_len);
	if (ret < 0)
		return ret;
	cfg->ca_pem = ca;
	/* transport.TLSConfigFor: "specifying a root certificates file with the insecure flag is not allowed". */
	if (cfg->insecure && ca)
		return kc_fail(
			k, n, -EBADMSG, path,
			"insecure-skip-tls-verify cannot be combined with a certificate authority");
	ret = get_str(k, c, path, "server", &server);
	if (ret == 0)
		ret = get_str(k, c, path, "tls-server-name", &sni);
	if (ret < 0)
		return ret;
	if (!server)
		return kc_fail(k, c, -EBADMSG, path, "server: no server found for cluster \"%s\"",
			       cfg->cluster);
	/* rest.defaultServerURLFor: defaultTLS = hasCA || hasCert || Insecure (the user is read first). */
	ret = parse_server(k, k8s_yaml_get(c, "server"), path, server,
			   ca || cfg->cert_pem || cfg->insecure);
	if (ret == 0)
		ret = keep(cfg, sni, &cfg->tls_server_name);
	return ret;
}

static int read_user(struct kc *k, const struct k8s_yaml_node *u, const char *path)
{
	static const struct {
		const char *key, *what;
	} unsupported[] = {
		{ "exec",
		  "an exec credential plugin (use a token, tokenFile or client certificate)" },
		{ "auth-provider",
		  "an auth-provider plugin (use a token, tokenFile or client certificate)" },
		{ "username", "basic authentication (username/password)" },
		{ "password", "basic authentication (username/password)" },
		{ "as", "impersonation" },
		{ "as-uid", "impersonation" },
		{ "as-groups", "impersonation" },
		{ "as-user-extra", "impersonation" },
	};
	struct k8s_config *cfg = k->cfg;
	const struct k8s_yaml_node *ap;
	const char *token, *file, *name = NULL;
	uint8_t *cert;
	int ret;

	ap = k8s_yaml_get(u, "auth-provider");
	if (ap && ap->kind == K8S_YAML_MAP && get_str(k, ap, path, "name", &name) == 0 && name)
		return kc_fail(
			k, ap, -EBADMSG, path,
			"auth-provider: the \"%.32s\" auth-provider plugin is not supported (use a token, tokenFile or client certificate)",
			name);
	for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++) {
		ret = refuse(k, u, path, unsupported[i].key, unsupported[i].what);
		if (ret < 0)
			return ret;
	}
	ret = load_pem(k, u, path, "client-certificate", K8S_CERT_MAX, false, &cert,
		       &cfg->cert_len);
	if (ret < 0)
		return ret;
	cfg->cert_pem = cert;
	ret = load_pem(k, u, path, "client-key", K8S_CERT_MAX, true, &cfg->key_pem, &cfg->key_len);
	if (ret < 0)
		return ret;
	if (!cfg->cert_pem != !cfg->key_pem)
		return kc_fail(k, u, -EBADMSG, path,
			       "client-certificate(-data) and client-key(-data) go together");
	ret = get_str(k, u, path, "token", &token);
	if (ret == 0)
		ret = get_str(k, u, path, "tokenFile", &file);
	if (ret < 0)
		return ret;
	if (token) {
		if (!is_token_text(token, strlen(token)))
			return kc_fail(k, k8s_yaml_get(u, "token"), -EBADMSG, path,
				       "token: contains bytes not allowed in an HTTP header");
		ret = token_set(cfg, token, strlen(token));
		if (ret < 0)
			return ret;
	}
	if (file) {
		const struct k8s_yaml_node *n = k8s_yaml_get(u, "tokenFile");
		const char *full;

		ret = resolve(k, n, path, "tokenFile", file, &full);
		if (ret == 0)
			ret = keep(cfg, full, &cfg->token_file);
		if (ret < 0)
			return ret;
		/* An inline token covers a failed first read (transport: NewBearerAuthWithRefreshRoundTripper). */
		ret = token_load(cfg, cfg->token_file);
		if (ret < 0 && !token)
			return kc_fail(k, n, ret == -EBADMSG ? -EBADMSG : ret, path,
				       "tokenFile: reading %s: %s", full,
				       ret == -EBADMSG ? "empty or not a bearer token"
						       : strerror(-ret));
	}
	return 0;
}

/* The context to use, its cluster and user entries: names into cfg. */
static int read_context(struct kc *k, const struct k8s_yaml_node *root, const char *want)
{
	struct k8s_config *cfg = k->cfg;
	const struct k8s_yaml_node *ctx, *cl, *us;
	char path[96], cpath[96], upath[96];
	const char *cluster, *user, *ns, *current;
	int ret;

	ret = get_str(k, root, "", "current-context", &current);
	if (ret < 0)
		return ret;
	if (!want || !*want)
		want = current;
	if (!want)
		return kc_fail(k, NULL, -ENOENT, "current-context",
			       "not set, and no context was given");
	ret = find_named(k, root, "contexts", "context", want, &ctx, path, sizeof(path));
	if (ret < 0)
		return ret;
	ret = get_str(k, ctx, path, "cluster", &cluster);
	if (ret == 0)
		ret = get_str(k, ctx, path, "user", &user);
	if (ret == 0)
		ret = get_str(k, ctx, path, "namespace", &ns);
	if (ret < 0)
		return ret;
	if (!cluster)
		return kc_fail(k, ctx, -EBADMSG, path, "cluster: not set");
	ret = keep(cfg, want, &cfg->context);
	if (ret == 0)
		ret = keep(cfg, cluster, &cfg->cluster);
	if (ret == 0)
		ret = keep(cfg, user, &cfg->user);
	if (ret == 0)
		ret = keep(cfg, ns, &cfg->namespace);
	if (ret < 0)
		return ret;
	ret = find_named(k, root, "clusters", "cluster", cluster, &cl, cpath, sizeof(cpath));
	if (ret < 0)
		return ret;
	if (!cl)
		return kc_fail(k, NULL, -EBADMSG, cpath,
			       "server: no server found for cluster \"%s\"", cluster);
	/* A context without a user authenticates with nothing (client-go allows it). */
	us = NULL;
	if (user) {
		ret = find_named(k, root, "users", "user", user, &us, upath, sizeof(upath));
		if (ret < 0)
			return ret;
	}
	if (us) {
		ret = read_user(k, us, upath);
		if (ret < 0)
			return ret;
	}
	return read_cluster(k, cl, cpath);
}

static int cfg_init(struct k8s_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->a = arena_new(K8S_CONFIG_KEEP_CAP);
	return cfg->a ? 0 : -ENOMEM;
}

int k8s_config_parse_kubeconfig(struct k8s_config *cfg, const char *text, size_t len,
				const char *dir, const char *name, const char *context,
				struct k8s_config_err *err)
{
	struct kc k = { .cfg = cfg, .err = err, .name = name ? name : "kubeconfig", .dir = dir };
	struct k8s_yaml_node *root;
	struct k8s_yaml_err yerr;
	int ret;

	if (err)
		err->msg[0] = '\0';
	ret = cfg_init(cfg);
	if (ret < 0)
		return ret;
	k.tmp = arena_new(K8S_CONFIG_ARENA_CAP);
	if (!k.tmp) {
		ret = -ENOMEM;
		goto out_fini;
	}
	ret = k8s_yaml_parse(text, len, k.tmp, &root, &yerr);
	if (ret == -EBADMSG && err) {
		if (yerr.line)
			snprintf(err->msg, sizeof(err->msg), "%s:%u:%u: %s", k.name, yerr.line,
				 yerr.col, yerr.msg);
		else
			snprintf(err->msg, sizeof(err->msg), "%s: %s", k.name, yerr.msg);
	} else if (ret == -EMSGSIZE) {
		kc_fail(&k, NULL, ret, "", "larger than %u bytes", K8S_KUBECONFIG_MAX);
	}
	if (ret < 0)
		goto out_free_tmp;
	if (!root || root->kind != K8S_YAML_MAP) {
		ret = kc_fail(&k, root, -EBADMSG, "",
			      root ? "a kubeconfig is a mapping" : "empty kubeconfig");
		goto out_free_tmp;
	}
	cfg->source = arena_printf(cfg->a, "kubeconfig %s", k.name);
	ret = cfg->source ? read_context(&k, root, context) : -ENOMEM;
out_free_tmp:
	arena_free_wipe(k.tmp);
out_fini:
	if (ret == -ENOMEM && err && !err->msg[0])
		snprintf(err->msg, sizeof(err->msg), "%s: out of memory", k.name);
	if (ret < 0)
		k8s_config_fini(cfg);
	return ret;
}

int k8s_config_from_kubeconfig(struct k8s_config *cfg, const char *path, const char *context,
			       struct k8s_config_err *err)
{
	char dir[PATH_MAX], *text = NULL;
	const char *slash = strrchr(path, '/');
	size_t len, size;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		return -ENAMETOOLONG;
	ret = slurp(path, K8S_KUBECONFIG_MAX, &text, &len, &size);
	if (ret < 0) {
		if (err)
			snprintf(err->msg, sizeof(err->msg), "kubeconfig %s: %s", path,
				 ret == -EMSGSIZE ? "file too large" : strerror(-ret));
		return ret;
	}
	ret = k8s_config_parse_kubeconfig(cfg, text, len, dir, path, context, err);
	wipe_free(text, size);
	return ret;
}

/* ---------------------------------------------------------- in-cluster */

static int ic_fail(struct k8s_config_err *err, int ret, const char *fmt, ...) PRINTF_LIKE(3, 4);

static int ic_fail(struct k8s_config_err *err, int ret, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		snprintf(err->msg, sizeof(err->msg), "in-cluster: %s", msg);
	}
	return ret;
}

static int in_cluster(struct k8s_config *cfg, const char *host, const char *port, const char *dir,
		      struct k8s_config_err *err)
{
	char *buf = NULL, *path;
	size_t len, size, n;
	bool v6 = strchr(host, ':') != NULL;
	const char *hp;
	int ret;

	cfg->source = "in-cluster";
	cfg->scheme = "https";
	cfg->base_path = "";
	hp = arena_printf(cfg->a, v6 ? "[%s]:%s" : "%s:%s", host, port);
	if (!hp)
		return -ENOMEM;
	ret = set_host_port(cfg, hp, hp + strlen(hp), 443);
	if (ret == -EINVAL || !*port)
		return ic_fail(err, -EINVAL, "bad KUBERNETES_SERVICE_HOST/PORT \"%.64s\" \"%.16s\"",
			       host, port);
	if (ret < 0)
		return ret;
	path = arena_printf(cfg->a, "%s/token", dir);
	if (!path)
		return -ENOMEM;
	cfg->token_file = path;
	ret = token_load(cfg, path);
	if (ret < 0)
		return ic_fail(err, ret, "reading token %s: %s", path,
			       ret == -EBADMSG ? "empty or not a bearer token" : strerror(-ret));
	path = arena_printf(cfg->a, "%s/ca.crt", dir);
	if (!path)
		return -ENOMEM;
	ret = slurp(path, K8S_CA_MAX, &buf, &len, &size);
	if (ret == 0 && len == 0)
		ret = -EBADMSG;
	if (ret < 0)
		return ic_fail(err, ret, "reading CA %s: %s", path,
			       ret == -EBADMSG ? "empty" : strerror(-ret));
	cfg->ca_pem = arena_dup(cfg->a, buf, len);
	cfg->ca_len = len;
	free(buf);
	if (!cfg->ca_pem)
		return -ENOMEM;
	/* The namespace file is optional (client-go falls back to "default" where it uses it). */
	path = arena_printf(cfg->a, "%s/namespace", dir);
	if (!path)
		return -ENOMEM;
	if (slurp(path, 253, &buf, &len, &size) == 0) {
		for (n = len; n && is_space(buf[n - 1]); n--)
			;
		if (n)
			cfg->namespace = arena_strndup(cfg->a, buf, n);
		free(buf);
	}
	return 0;
}

int k8s_config_in_cluster(struct k8s_config *cfg, const char *host, const char *port,
			  const char *root, struct k8s_config_err *err)
{
	char dir[PATH_MAX];
	int ret;

	if (err)
		err->msg[0] = '\0';
	memset(cfg, 0, sizeof(*cfg));
	if (!host || !*host || !port || !*port)
		return ic_fail(
			err, -ENOENT,
			"unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined");
	if ((size_t)snprintf(dir, sizeof(dir), "%s%s", root ? root : "", K8S_SA_DIR) >= sizeof(dir))
		return -ENAMETOOLONG;
	ret = cfg_init(cfg);
	if (ret < 0)
		return ret;
	ret = in_cluster(cfg, host, port, dir, err);
	if (ret < 0)
		k8s_config_fini(cfg);
	return ret;
}

int k8s_config_load(struct k8s_config *cfg, const char *kubeconfig, const char *context,
		    struct k8s_config_err *err)
{
	if (kubeconfig && *kubeconfig)
		return k8s_config_from_kubeconfig(cfg, kubeconfig, context, err);
	return k8s_config_in_cluster(cfg, getenv("KUBERNETES_SERVICE_HOST"),
				     getenv("KUBERNETES_SERVICE_PORT"), NULL, err);
}

int k8s_config_token_refresh(struct k8s_config *cfg, uint64_t max_age_ms)
{
	if (!cfg->token_file)
		return 0;
	if (max_age_ms && cfg->token && time_now_ms() - cfg->token_read_ms < max_age_ms)
		return 0;
	return token_load(cfg, cfg->token_file);
}

void k8s_config_fini(struct k8s_config *cfg)
{
	if (!cfg)
		return;
	wipe_free(cfg->token, cfg->token_len + 1);
	wipe_free(cfg->key_pem, cfg->key_len);
	arena_free(cfg->a);
	memset(cfg, 0, sizeof(*cfg));
}
