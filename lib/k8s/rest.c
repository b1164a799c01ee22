// SPDX-License-Identifier: Apache-2.0
/*
 * lib/k8s/rest: the I/O-free pieces of the REST client (k8s.h "rest"):
 * escaping and targets (RFC 3986; Go's url.PathEscape / url.QueryEscape),
 * metav1.Status bodies and their errno, Retry-After (client-go request.go
 * checkWait), the backoff schedule, ObjectMeta, the watch stream's line
 * splitter and event decoder (protocols.md §5.9), discovery (§5.1) and the
 * ResourceSlice shapes of v1 / v1beta2 / v1beta1 (§5.3).
 *
 * Server objects are decoded with lenient schemas (JSON_SCHEMA_LENIENT):
 * a real API server adds fields with each release, and client-go ignores
 * the ones it does not know.
 */
#include "k8s/k8s.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "json/json.h"

/* ------------------------------------------------------------ escaping */

static bool is_unreserved(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

static int put_pct(struct buf *out, unsigned char ch)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[3] = { '%', hex[ch >> 4], hex[ch & 15] };

	return buf_put(out, e, 3);
}

int k8s_escape_path(struct buf *out, const char *s)
{
	int ret = 0;

	if (!s || !*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return -EINVAL;
	for (; *s && !ret; s++) {
		unsigned char ch = (unsigned char)*s;

		/* Go's url.PathEscape (shouldEscape, encodePathSegment) keeps these too */
		if (is_unreserved(ch) || (ch && strchr("$&+:=@", ch)))
			ret = buf_putc(out, (char)ch);
		else
			ret = put_pct(out, ch);
	}
	return ret;
}

int k8s_escape_query(struct buf *out, const char *s)
{
	int ret = 0;

	if (!s)
		return -EINVAL;
	for (; *s && !ret; s++) {
		unsigned char ch = (unsigned char)*s;

		if (is_unreserved(ch))
			ret = buf_putc(out, (char)ch);
		else if (ch == ' ')
			ret = buf_putc(out, '+');
		else
			ret = put_pct(out, ch);
	}
	return ret;
}

static bool is_query_key(const char *k)
{
	if (!k || !*k)
		return false;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
		      (*k >= '0' && *k <= '9')))
			return false;
	return true;
}

int k8s_target(struct buf *out, const char *base_path, const char *const *segs, size_t nsegs,
	       const struct k8s_query *q, size_t nq)
{
	char sep = '?';
	int ret = 0;

	buf_reset(out);
	if (base_path && *base_path) {
		if (base_path[0] != '/' || strpbrk(base_path, "?#% \r\n"))
			return -EINVAL;
		ret = buf_puts(out, base_path);
	}
	for (size_t i = 0; i < nsegs && segs[i] && !ret; i++) {
		ret = buf_putc(out, '/');
		if (!ret)
			ret = k8s_escape_path(out, segs[i]);
	}
	if (!ret && out->len == 0)
		ret = buf_putc(out, '/');
	for (size_t i = 0; i < nq && !ret; i++) {
		if (!q[i].value)
			continue;
		if (!is_query_key(q[i].key))
			return -EINVAL;
		ret = buf_putc(out, sep);
		if (!ret)
			ret = buf_puts(out, q[i].key);
		if (!ret)
			ret = buf_putc(out, '=');
		if (!ret)
			ret = k8s_escape_query(out, q[i].value);
		sep = '&';
	}
	if (ret)
		return ret;
	return out->len > K8S_TARGET_MAX ? -EMSGSIZE : 0;
}

/* ------------------------------------------------------------ Status */

struct status_details {
	const char *name, *kind;
	int64_t retry_after;
};

struct status_doc {
	const char *kind, *status, *message, *reason;
	int64_t code;
	struct status_details details;
};

static const struct json_field details_fields[] = {
	JSON_FIELD(struct status_details, name, "name", JSON_FK_STRING),
	JSON_FIELD(struct status_details, kind, "kind", JSON_FK_STRING),
	JSON_FIELD(struct status_details, retry_after, "retryAfterSeconds", JSON_FK_INT64),
};
static const struct json_schema details_schema =
	JSON_SCHEMA_LENIENT(struct status_details, details_fields);

static const struct json_field status_fields[] = {
	JSON_FIELD(struct status_doc, kind, "kind", JSON_FK_STRING),
	JSON_FIELD(struct status_doc, status, "status", JSON_FK_STRING),
	JSON_FIELD(struct status_doc, message, "message", JSON_FK_STRING),
	JSON_FIELD(struct status_doc, reason, "reason", JSON_FK_STRING),
	JSON_FIELD(struct status_doc, code, "code", JSON_FK_INT64),
	JSON_FIELD(struct status_doc, details, "details", JSON_FK_OBJECT, .sub = &details_schema),
};
static const struct json_schema status_schema =
	JSON_SCHEMA_LENIENT(struct status_doc, status_fields);

static const char *nz(const char *s)
{
	return s ? s : "";
}

static int status_from_tree(const struct json *v, struct arena *a, struct k8s_status *st)
{
	struct status_doc d;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = json_decode(v, &status_schema, &d, a, NULL);
	if (ret == -ENOMEM)
		return ret;
	if (ret || !d.kind || strcmp(d.kind, "Status") != 0)
		return -EBADMSG;
	st->status = nz(d.status);
	st->message = nz(d.message);
	st->reason = nz(d.reason);
	st->code = d.code;
	st->retry_after_s = d.details.retry_after;
	st->name = nz(d.details.name);
	st->kind = nz(d.details.kind);
	return 0;
}

int k8s_status_parse(const char *body, size_t len, struct arena *a, struct k8s_status *st)
{
	struct json *v = NULL;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = json_parse(body, len, &v, NULL);
	if (ret)
		return ret == -ENOMEM ? ret : -EBADMSG;
	ret = status_from_tree(v, a, st);
	json_free(v);
	return ret;
}

int k8s_errno_from_status(int http_status, const char *reason)
{
	if (http_status >= 200 && http_status < 300)
		return 0;
	switch (http_status) {
	case 400:
	case 422:
		return -EINVAL;
	case 401:
		return -EPERM;
	case 403:
		return -EACCES;
	case 404:
		return -ENOENT;
	case 405:
	case 415:
		return -EOPNOTSUPP;
	case 409:
		return reason && strcmp(reason, "AlreadyExists") == 0 ? -EEXIST : -ESTALE;
	case 410:
		return -ETIME;
	case 413:
		return -EMSGSIZE;
	case 429:
		return -EBUSY;
	case 504:
		return -ETIMEDOUT;
	}
	return http_status >= 500 && http_status < 600 ? -EIO : -EPROTO;
}

int k8s_retry_after_parse(const char *v)
{
	int64_t n = 0;

	if (!v)
		return -EINVAL;
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v < '0' || *v > '9')
		return -EINVAL;
	for (; *v >= '0' && *v <= '9'; v++) {
		n = n * 10 + (*v - '0');
		if (n > K8S_RETRY_AFTER_MAX_S)
			n = K8S_RETRY_AFTER_MAX_S + 1; /* saturate, keep scanning */
	}
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v)
		return -EINVAL;
	return n > K8S_RETRY_AFTER_MAX_S ? K8S_RETRY_AFTER_MAX_S : (int)n;
}

uint32_t k8s_backoff_ms(unsigned attempt, uint32_t rnd)
{
	uint32_t d = K8S_BACKOFF_BASE_MS;

	for (unsigned i = 1; i < attempt && d < K8S_BACKOFF_MAX_MS; i++)
		d *= 2;
	if (d > K8S_BACKOFF_MAX_MS)
		d = K8S_BACKOFF_MAX_MS;
	/* jitter: spread retries of many nodes over [d/2, d] */
	return d - rnd % (d / 2 + 1);
}

/* ------------------------------------------------------------ metadata */

static const struct json_field meta_fields[] = {
	JSON_FIELD(struct k8s_meta, name, "name", JSON_FK_STRING),
	JSON_FIELD(struct k8s_meta, namespace, "namespace", JSON_FK_STRING),
	JSON_FIELD(struct k8s_meta, uid, "uid", JSON_FK_STRING),
	JSON_FIELD(struct k8s_meta, resource_version, "resourceVersion", JSON_FK_STRING),
	JSON_FIELD(struct k8s_meta, generate_name, "generateName", JSON_FK_STRING),
	JSON_FIELD(struct k8s_meta, generation, "generation", JSON_FK_INT64),
};
static const struct json_schema meta_schema = JSON_SCHEMA_LENIENT(struct k8s_meta, meta_fields);

int k8s_meta_decode(const struct json *obj, struct arena *a, struct k8s_meta *m)
{
	const struct json *md;

	memset(m, 0, sizeof(*m));
	if (json_type_of(obj) != JSON_OBJECT)
		return -EBADMSG;
	md = json_get(obj, "metadata");
	if (!md || json_type_of(md) == JSON_NULL)
		return 0;
	return json_decode(md, &meta_schema, m, a, NULL);
}

/* ------------------------------------------------------------ watch lines */

void k8s_lines_init(struct k8s_lines *l, size_t max)
{
	/* one byte of slack for buf's NUL */
	buf_init(&l->line, max + 1);
	l->max = max;
	l->have = false;
}

void k8s_lines_fini(struct k8s_lines *l)
{
	buf_fini(&l->line);
}

void k8s_lines_reset(struct k8s_lines *l)
{
	size_t max = l->max;

	buf_fini(&l->line);
	k8s_lines_init(l, max);
}

int k8s_lines_push(struct k8s_lines *l, struct rd *in, struct slice *line)
{
	if (l->have) {
		buf_reset(&l->line);
		l->have = false;
	}
	while (rd_left(in)) {
		const uint8_t *nl = memchr(in->p, '\n', rd_left(in));
		size_t n = nl ? (size_t)(nl - in->p) : rd_left(in);

		if (n > l->max - l->line.len)
			return -EMSGSIZE;
		if (n && buf_put(&l->line, in->p, n))
			return -ENOMEM;
		in->p += n;
		if (!nl)
			break;
		in->p++; /* the newline */
		/* tolerate CRLF and blank lines (keep-alive newlines) */
		if (l->line.len && l->line.p[l->line.len - 1] == '\r')
			l->line.p[--l->line.len] = '\0';
		if (l->line.len == 0)
			continue;
		line->p = (const uint8_t *)l->line.p;
		line->len = l->line.len;
		l->have = true;
		return 1;
	}
	return -EAGAIN;
}

/* ------------------------------------------------------------ watch events */

static const char *const watch_names[] = {
	[K8S_WATCH_ADDED] = "ADDED",	 [K8S_WATCH_MODIFIED] = "MODIFIED",
	[K8S_WATCH_DELETED] = "DELETED", [K8S_WATCH_BOOKMARK] = "BOOKMARK",
	[K8S_WATCH_ERROR] = "ERROR",
};

const char *k8s_watch_type_name(enum k8s_watch_type t)
{
	return (unsigned)t < ARRAY_SIZE(watch_names) && watch_names[t] ? watch_names[t] : "?";
}

int k8s_watch_event_decode(const char *line, size_t len, struct arena *a,
			   struct k8s_watch_event *ev, struct json **tree)
{
	struct json *v = NULL;
	const struct json *t, *o;
	const char *type = NULL;
	int ret;

	memset(ev, 0, sizeof(*ev));
	*tree = NULL;
	ret = json_parse(line, len, &v, NULL);
	if (ret)
		return ret == -ENOMEM ? ret : -EBADMSG;
	ret = -EBADMSG;
	t = json_get(v, "type");
	o = json_get(v, "object");
	if (json_type_of(v) != JSON_OBJECT || !t || json_get_string(t, &type) ||
	    json_type_of(o) != JSON_OBJECT)
		goto out_free;
	for (size_t i = 1; i < ARRAY_SIZE(watch_names); i++)
		if (strcmp(type, watch_names[i]) == 0)
			ev->type = (enum k8s_watch_type)i;
	if (!ev->type)
		goto out_free;
	ev->object = o;
	if (ev->type == K8S_WATCH_ERROR) {
		ret = status_from_tree(o, a, &ev->status);
		if (ret == -EBADMSG) /* an ERROR whose object is not a Status: keep it, code 0 */
			ret = 0;
	} else {
		ret = k8s_meta_decode(o, a, &ev->meta);
		if (!ret && !ev->meta.resource_version)
			ret = -EBADMSG; /* every watched object and bookmark carries one */
	}
	if (ret)
		goto out_free;
	*tree = v;
	return 0;
out_free:
	json_free(v);
	memset(ev, 0, sizeof(*ev));
	return ret;
}

/* ------------------------------------------------------------ discovery */

static const char *const res_versions[] = {
	[K8S_RES_V1] = "v1",
	[K8S_RES_V1BETA2] = "v1beta2",
	[K8S_RES_V1BETA1] = "v1beta1",
};

const char *k8s_res_version_name(enum k8s_res_version v)
{
	return (unsigned)v < ARRAY_SIZE(res_versions) && res_versions[v] ? res_versions[v] : "";
}

enum k8s_res_version k8s_res_version_parse(const char *s)
{
	for (size_t i = 1; s && i < ARRAY_SIZE(res_versions); i++)
		if (strcmp(s, res_versions[i]) == 0)
			return (enum k8s_res_version)i;
	return K8S_RES_NONE;
}

struct group_version {
	const char *version;
};
struct api_group {
	const char *kind, *name;
	struct group_version *versions;
	size_t nversions;
};
static const struct json_field gv_fields[] = {
	JSON_FIELD(struct group_version, version, "version", JSON_FK_STRING),
};
static const struct json_schema gv_schema = JSON_SCHEMA_LENIENT(struct group_version, gv_fields);
static const struct json_field group_fields[] = {
	JSON_FIELD(struct api_group, kind, "kind", JSON_FK_STRING),
	JSON_FIELD(struct api_group, name, "name", JSON_FK_STRING),
	JSON_FIELD(struct api_group, versions, "versions", JSON_FK_ARRAY_OBJECT, .sub = &gv_schema,
		   JSON_COUNT(struct api_group, nversions)),
};
static const struct json_schema group_schema = JSON_SCHEMA_LENIENT(struct api_group, group_fields);

int k8s_discovery_pick(const char *body, size_t len)
{
	struct arena *a = arena_new(1u << 20);
	struct json *v = NULL;
	struct api_group g;
	enum k8s_res_version best = K8S_RES_NONE;
	int ret;

	if (!a)
		return -ENOMEM;
	ret = json_parse(body, len, &v, NULL);
	if (ret) {
		ret = ret == -ENOMEM ? ret : -EBADMSG;
		goto out;
	}
	ret = json_decode(v, &group_schema, &g, a, NULL);
	if (ret == -ENOMEM)
		goto out;
	if (ret || !g.kind || strcmp(g.kind, "APIGroup") != 0 || !g.name ||
	    strcmp(g.name, "resource.k8s.io") != 0) {
		ret = -EBADMSG;
		goto out;
	}
	for (size_t i = 0; i < g.nversions; i++) {
		enum k8s_res_version r = k8s_res_version_parse(g.versions[i].version);

		if (r != K8S_RES_NONE && (best == K8S_RES_NONE || r < best))
			best = r;
	}
	ret = best == K8S_RES_NONE ? -ENOENT : (int)best;
out:
	json_free(v);
	arena_free(a);
	return ret;
}

/* ------------------------------------------------------------ slice shapes */

/* Copy every member of @from but "name" and @skip (may be NULL) into @to. */
static int copy_members_except(const struct json *from, struct json *to, const char *skip)
{
	for (const struct json *m = json_at(from, 0); m; m = json_next(m)) {
		if (strcmp(json_key(m), "name") == 0 || (skip && strcmp(json_key(m), skip) == 0))
			continue;
		if (json_obj_add(to, json_key(m), json_dup(m)))
			return -ENOMEM;
	}
	return 0;
}

static int convert_devices(struct json *doc, bool to_beta1)
{
	struct json *spec = (struct json *)json_get(doc, "spec");
	const struct json *devs;
	struct json *out;

	if (!spec)
		return 0;
	if (json_type_of(spec) != JSON_OBJECT)
		return -EINVAL;
	devs = json_get(spec, "devices");
	if (!devs || json_type_of(devs) == JSON_NULL)
		return 0;
	if (json_type_of(devs) != JSON_ARRAY)
		return -EINVAL;
	out = json_new_array();
	if (!out)
		return -ENOMEM;
	for (const struct json *d = json_at(devs, 0); d; d = json_next(d)) {
		struct json *nd = json_new_object(), *inner;
		const struct json *name = json_get(d, "name"), *basic = json_get(d, "basic");
		int ret;

		if (json_type_of(d) != JSON_OBJECT ||
		    (!to_beta1 && basic && json_type_of(basic) != JSON_OBJECT)) {
			json_free(nd);
			json_free(out);
			return -EINVAL;
		}
		ret = nd ? 0 : -ENOMEM;
		if (!ret && name)
			ret = json_obj_add(nd, "name", json_dup(name));
		if (!ret && to_beta1) {
			inner = json_obj_add_object(nd, "basic");
			ret = inner ? copy_members_except(d, inner, NULL) : -ENOMEM;
		} else if (!ret) {
			/* v1beta1 → v1: basic's members lifted, other members kept */
			ret = copy_members_except(d, nd, "basic");
			if (!ret && basic)
				ret = copy_members_except(basic, nd, NULL);
		}
		if (!ret)
			ret = json_arr_add(out, nd);
		else
			json_free(nd);
		if (ret) {
			json_free(out);
			return ret;
		}
	}
	return json_obj_add(spec, "devices", out);
}

static int set_api_version(struct json *doc, enum k8s_res_version v)
{
	char av[48];

	snprintf(av, sizeof(av), "resource.k8s.io/%s", k8s_res_version_name(v));
	return json_obj_add_str(doc, "apiVersion", av);
}

int k8s_slice_to_version(const struct json *v1, enum k8s_res_version v, struct json **out)
{
	struct json *doc;
	int ret;

	*out = NULL;
	if (json_type_of(v1) != JSON_OBJECT || v == K8S_RES_NONE || !*k8s_res_version_name(v))
		return -EINVAL;
	doc = json_dup(v1);
	if (!doc)
		return -ENOMEM;
	ret = set_api_version(doc, v);
	if (!ret && v == K8S_RES_V1BETA1)
		ret = convert_devices(doc, true);
	if (ret) {
		json_free(doc);
		return ret;
	}
	*out = doc;
	return 0;
}

int k8s_slice_to_v1(const struct json *in, enum k8s_res_version v, struct json **out)
{
	struct json *doc;
	int ret;

	*out = NULL;
	if (json_type_of(in) != JSON_OBJECT || v == K8S_RES_NONE || !*k8s_res_version_name(v))
		return -EINVAL;
	doc = json_dup(in);
	if (!doc)
		return -ENOMEM;
	ret = json_get(doc, "apiVersion") ? set_api_version(doc, K8S_RES_V1) : 0;
	if (!ret && v == K8S_RES_V1BETA1)
		ret = convert_devices(doc, false);
	if (ret) {
		json_free(doc);
		return ret;
	}
	*out = doc;
	return 0;
}
