// SPDX-License-Identifier: Apache-2.0
/*
 * The ethtool step of attach: the claim's features and private flags set
 * on the device inside the pod (lib/nl ethtool over generic netlink,
 * reference/upstream.md §6.5), remembering the values it replaced so that a
 * rollback or a detach can put them back (upstream never does).
 */
#include "attach/attach.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "attach/internal.h"

/* The current value of each requested name, from @cur (names as the kernel spells them). */
static int remember(const struct nl_ethtool_flag *req, size_t n, const struct nl_feature *feat,
		    size_t n_feat, const struct nl_ethtool_flag *priv, size_t n_priv,
		    struct arena *a, struct nl_ethtool_flag **out, size_t *n_out)
{
	struct nl_ethtool_flag *o = arena_calloc(a, n + 1, sizeof(*o));
	size_t k = 0;

	if (!o)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *name = NULL;
		bool on = false;

		for (size_t j = 0; feat && j < n_feat && !name; j++)
			if (!strcmp(feat[j].name, req[i].name)) {
				name = feat[j].name;
				on = feat[j].active;
			}
		for (size_t j = 0; priv && j < n_priv && !name; j++)
			if (!strcmp(priv[j].name, req[i].name)) {
				name = priv[j].name;
				on = priv[j].on;
			}
		if (!name || on == req[i].on)
			continue;
		o[k].name = arena_strdup(a, name);
		if (!o[k].name)
			return -ENOMEM;
		o[k++].on = on;
	}
	*out = o;
	*n_out = k;
	return 0;
}

static struct nl_ethtool_flag *from_kv(const struct json_kv_bool *kv, size_t n, struct arena *a)
{
	struct nl_ethtool_flag *f = arena_calloc(a, n + 1, sizeof(*f));

	for (size_t i = 0; f && i < n; i++) {
		f[i].name = kv[i].key;
		f[i].on = kv[i].value;
	}
	return f;
}

int attach_ethtool_apply(const char *netns_path, int ifindex, const struct attach_ethtool_cfg *cfg,
			 struct arena *a, struct attach_ethtool_state *old, char *why,
			 size_t whylen)
{
	struct nl_ethtool_dev dev = { .ifindex = ifindex };
	struct nl_ethtool_flag *in, *req, *priv = NULL;
	struct nl_feature *feat = NULL;
	struct nl_sock *s = NULL;
	struct nl_ethtool e;
	size_t n_feat = 0, n_req = 0, n_priv = 0;
	int ret;

	memset(old, 0, sizeof(*old));
	why[0] = '\0';
	ret = nl_open(NETLINK_GENERIC, netns_path, &s);
	if (ret < 0)
		return ret;
	ret = nl_ethtool_init(&e, s);
	if (ret < 0)
		goto out;
	if (cfg->n_features) {
		in = from_kv(cfg->features, cfg->n_features, a);
		if (!in) {
			ret = -ENOMEM;
			goto out;
		}
		ret = nl_ethtool_features_get(&e, &dev, a, &feat, &n_feat);
		if (ret == 0)
			ret = nl_ethtool_features_translate(feat, n_feat, in, cfg->n_features, a,
							    &req, &n_req, why, whylen);
		if (ret == 0)
			ret = remember(req, n_req, feat, n_feat, NULL, 0, a, &old->features,
				       &old->n_features);
		if (ret == 0)
			ret = nl_ethtool_features_set(&e, &dev, req, n_req, a, why, whylen);
		if (ret < 0)
			goto out;
	}
	if (cfg->n_private_flags) {
		in = from_kv(cfg->private_flags, cfg->n_private_flags, a);
		if (!in) {
			ret = -ENOMEM;
			goto out;
		}
		ret = nl_ethtool_privflags_get(&e, &dev, a, &priv, &n_priv);
		if (ret == 0)
			ret = remember(in, cfg->n_private_flags, NULL, 0, priv, n_priv, a,
				       &old->private_flags, &old->n_private_flags);
		if (ret == 0)
			ret = nl_ethtool_privflags_set(&e, &dev, in, cfg->n_private_flags, a, why,
						       whylen);
	}
out:
	nl_close(s);
	return ret;
}

int attach_ethtool_restore(const char *netns_path, int ifindex,
			   const struct attach_ethtool_state *old, char *why, size_t whylen)
{
	struct nl_ethtool_dev dev = { .ifindex = ifindex };
	struct arena *a;
	struct nl_sock *s = NULL;
	struct nl_ethtool e;
	int ret;

	why[0] = '\0';
	if (!old->n_features && !old->n_private_flags)
		return 0;
	a = arena_new(4u << 20);
	if (!a)
		return -ENOMEM;
	ret = nl_open(NETLINK_GENERIC, netns_path, &s);
	if (ret == 0)
		ret = nl_ethtool_init(&e, s);
	if (ret == 0 && old->n_features)
		ret = nl_ethtool_features_set(&e, &dev, old->features, old->n_features, a, why,
					      whylen);
	if (ret == 0 && old->n_private_flags)
		ret = nl_ethtool_privflags_set(&e, &dev, old->private_flags, old->n_private_flags,
					       a, why, whylen);
	nl_close(s);
	arena_free(a);
	return ret;
}
