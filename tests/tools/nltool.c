// SPDX-License-Identifier: Apache-2.0
/*
 * nltool: a test-only driver of lib/nl for the e2e tests (no engine, no
 * applet). One subcommand per operation, JSON on stdout, the error on
 * stderr, exit 0 ok, 1 failure, 2 usage. Other areas add subcommands here.
 *
 *   nltool ethtool-get IFNAME [--netns PATH]
 *   nltool ethtool-set IFNAME NAME=on|off... [--netns PATH]   (legacy names translated)
 *   nltool privflags-set IFNAME NAME=on|off... [--netns PATH]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl/nl.h"

#define ARENA_CAP (1u << 20)

struct args {
	const char *ifname;
	const char *netns;
	struct nl_ethtool_flag pairs[NL_ETHTOOL_REQ_MAX];
	size_t n;
};

static int usage(void)
{
	fprintf(stderr, "usage: nltool ethtool-get IFNAME [--netns PATH]\n"
			"       nltool ethtool-set|privflags-set IFNAME NAME=on|off... "
			"[--netns PATH]\n");
	return 2;
}

static int parse_args(int argc, char **argv, bool pairs, struct args *a)
{
	memset(a, 0, sizeof(*a));
	for (int i = 0; i < argc; i++) {
		char *eq;

		if (strcmp(argv[i], "--netns") == 0 && i + 1 < argc) {
			a->netns = argv[++i];
		} else if (!a->ifname) {
			a->ifname = argv[i];
		} else if (pairs && (eq = strchr(argv[i], '=')) && a->n < NL_ETHTOOL_REQ_MAX) {
			*eq = '\0';
			if (strcmp(eq + 1, "on") != 0 && strcmp(eq + 1, "off") != 0)
				return -EINVAL;
			a->pairs[a->n].name = argv[i];
			a->pairs[a->n].on = strcmp(eq + 1, "on") == 0;
			a->n++;
		} else {
			return -EINVAL;
		}
	}
	return a->ifname ? 0 : -EINVAL;
}

static int print_get(struct nl_ethtool *e, const struct nl_ethtool_dev *dev, struct arena *ar)
{
	struct nl_feature *f;
	struct nl_ethtool_flag *p;
	size_t nf, np;
	int ret;

	ret = nl_ethtool_features_get(e, dev, ar, &f, &nf);
	if (ret < 0)
		return ret;
	ret = nl_ethtool_privflags_get(e, dev, ar, &p, &np);
	if (ret < 0)
		return ret;
	printf("{\"features\":[");
	for (size_t i = 0; i < nf; i++)
		printf("%s{\"name\":\"%s\",\"active\":%s,\"wanted\":%s,\"hw\":%s,"
		       "\"nochange\":%s,\"fixed\":%s}",
		       i ? "," : "", f[i].name, f[i].active ? "true" : "false",
		       f[i].wanted ? "true" : "false", f[i].hw ? "true" : "false",
		       f[i].nochange ? "true" : "false",
		       nl_feature_is_fixed(&f[i]) ? "true" : "false");
	printf("],\"privflags\":[");
	for (size_t i = 0; i < np; i++)
		printf("%s{\"name\":\"%s\",\"on\":%s}", i ? "," : "", p[i].name,
		       p[i].on ? "true" : "false");
	printf("]}\n");
	return 0;
}

static int do_set(struct nl_ethtool *e, const struct nl_ethtool_dev *dev, struct arena *ar,
		  const struct args *a, bool priv, char *why, size_t why_len)
{
	struct nl_ethtool_flag *k;
	struct nl_feature *f;
	size_t nf, nk;
	int ret;

	if (priv)
		return nl_ethtool_privflags_set(e, dev, a->pairs, a->n, ar, why, why_len);
	ret = nl_ethtool_features_get(e, dev, ar, &f, &nf);
	if (ret < 0)
		return ret;
	ret = nl_ethtool_features_translate(f, nf, a->pairs, a->n, ar, &k, &nk, why, why_len);
	if (ret < 0)
		return ret;
	return nl_ethtool_features_set(e, dev, k, nk, ar, why, why_len);
}

static int ethtool_cmd(const char *cmd, int argc, char **argv)
{
	bool get = strcmp(cmd, "ethtool-get") == 0;
	bool priv = strcmp(cmd, "privflags-set") == 0;
	struct nl_ethtool_dev dev = { 0 };
	struct nl_ethtool e;
	struct nl_sock *s = NULL;
	struct arena *ar = NULL;
	char why[512] = "";
	struct args a;
	int ret;

	if (parse_args(argc, argv, !get, &a) < 0)
		return usage();
	dev.ifname = a.ifname;
	ar = arena_new(ARENA_CAP);
	if (!ar)
		return 1;
	ret = nl_open(NETLINK_GENERIC, a.netns, &s);
	if (!ret)
		ret = nl_ethtool_init(&e, s);
	if (!ret)
		ret = get ? print_get(&e, &dev, ar)
			  : do_set(&e, &dev, ar, &a, priv, why, sizeof(why));
	if (ret < 0)
		fprintf(stderr, "nltool: %s: %s%s%s\n", cmd, strerror(-ret), why[0] ? ": " : "",
			why);
	nl_close(s);
	arena_free(ar);
	return ret < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "ethtool-get") == 0 || strcmp(argv[1], "ethtool-set") == 0 ||
	    strcmp(argv[1], "privflags-set") == 0)
		return ethtool_cmd(argv[1], argc - 2, argv + 2);
	return usage();
}
