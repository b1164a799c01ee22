// SPDX-License-Identifier: Apache-2.0
/*
 * dranet-driver: parses and checks every upstream flag (reference/upstream.md
 * §1.1, upstream-v1.4.md §1) plus ours, then says it is not built yet.
 */
#include "applet.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/inventory.h"

const char driver_usage[] =
	"usage: dranet-driver [FLAGS...]\n"
	"       dranet [FLAGS...]\n"
	"\n"
	"The DRA kubelet plugin and NRI plugin daemon. Not built yet: planned in\n"
	"issue 4 (publishing) and later. Every flag below is parsed and checked\n"
	"already; then the applet says it is not built and exits 2.\n"
	"\n"
	"Upstream's flags (Go syntax -flag=value and GNU syntax both work):\n"
	"  --kubeconfig PATH                 kubeconfig; default in-cluster config\n"
	"  --bind-address ADDR               /healthz and /metrics (default :9177)\n"
	"  --hostname-override NAME          node name; default the hostname\n"
	"  --filter EXPR                     CEL device filter (default: drop veth)\n"
	"  --inventory-min-poll-interval D   scan rate limit period (default 2s)\n"
	"  --inventory-max-poll-interval D   forced rescan period (default 1m)\n"
	"  --inventory-poll-burst N          scan burst (default 5)\n"
	"  --db-path PATH                    checkpoint file (default\n"
	"                                    /var/run/dranet/dranet.db; '' = none)\n"
	"  --move-ib-interfaces[=BOOL]       move IPoIB netdevs (default true)\n"
	"  --cloud-provider-hint NAME        AWS GCE AZURE OKE ALIBABA webhook NONE\n"
	"                                    none or '' (auto-detect)\n"
	"  --profile-provider NAME           cloud (default), webhook or none\n"
	"  --webhook-url URL                 http(s)://... or unix:///path\n"
	"  --kubelet-root-dir DIR            kubelet root (default /var/lib/kubelet)\n"
	"  --feature-gates LIST              Name=bool,... (DRAListTypeAttributes,\n"
	"                                    PersistentResourceSliceAttributes)\n"
	"  -v, --v N                         log verbosity 0..10\n"
	"  klog flags (--logtostderr, --log_dir, ...) are accepted and ignored.\n"
	"Ours:\n"
	"  --state-dir DIR                   checkpoint directory (default\n"
	"                                    /var/lib/kubelet/plugins/dra.net)\n"
	"  --nri-socket PATH                 NRI socket (default /var/run/nri/nri.sock)\n"
	"\n"
	"Exit status: 2 (not built yet, or a usage error).\n";

enum {
	OPT_KUBECONFIG = 0x100,
	OPT_BIND,
	OPT_HOSTNAME,
	OPT_FILTER,
	OPT_MIN_POLL,
	OPT_MAX_POLL,
	OPT_BURST,
	OPT_DB_PATH,
	OPT_MOVE_IB,
	OPT_CLOUD_HINT,
	OPT_PROFILE,
	OPT_WEBHOOK,
	OPT_KUBELET_ROOT,
	OPT_GATES,
	OPT_STATE_DIR,
	OPT_NRI_SOCKET,
};

static const struct option long_opts[] = {
	{ "kubeconfig", required_argument, NULL, OPT_KUBECONFIG },
	{ "bind-address", required_argument, NULL, OPT_BIND },
	{ "hostname-override", required_argument, NULL, OPT_HOSTNAME },
	{ "filter", required_argument, NULL, OPT_FILTER },
	{ "inventory-min-poll-interval", required_argument, NULL, OPT_MIN_POLL },
	{ "inventory-max-poll-interval", required_argument, NULL, OPT_MAX_POLL },
	{ "inventory-poll-burst", required_argument, NULL, OPT_BURST },
	{ "db-path", required_argument, NULL, OPT_DB_PATH },
	{ "move-ib-interfaces", optional_argument, NULL, OPT_MOVE_IB },
	{ "cloud-provider-hint", required_argument, NULL, OPT_CLOUD_HINT },
	{ "profile-provider", required_argument, NULL, OPT_PROFILE },
	{ "webhook-url", required_argument, NULL, OPT_WEBHOOK },
	{ "kubelet-root-dir", required_argument, NULL, OPT_KUBELET_ROOT },
	{ "feature-gates", required_argument, NULL, OPT_GATES },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "nri-socket", required_argument, NULL, OPT_NRI_SOCKET },
	{ "v", required_argument, NULL, 'v' },
	APPLET_KLOG_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

struct driver_opts {
	const char *kubeconfig;
	const char *bind_address;
	const char *hostname_override;
	const char *filter;
	uint64_t min_poll_ms, max_poll_ms;
	int64_t poll_burst;
	const char *db_path;
	bool move_ib;
	const char *cloud_hint;
	const char *profile_provider;
	const char *webhook_url;
	const char *kubelet_root_dir;
	struct applet_gates gates;
	const char *state_dir;
	const char *nri_socket;
	int verbosity;
	char node_name[256];
};

/* "[host]:port", "host:port" or ":port" with a port 0..65535 (Go net.SplitHostPort). */
static bool is_bind_address(const char *s)
{
	const char *colon = strrchr(s, ':');
	int64_t port;

	if (!colon || !colon[1])
		return false;
	if (str_to_i64(colon + 1, 10, &port) < 0 || port < 0 || port > 65535)
		return false;
	if (s[0] == '[')
		return colon > s && colon[-1] == ']' &&
		       !memchr(s + 1, '[', (size_t)(colon - s - 1));
	/* An unbracketed host must not contain another ':' (an IPv6 literal needs []). */
	return !memchr(s, ':', (size_t)(colon - s)) && !strchr(s, '[') && !strchr(s, ']');
}

static bool is_in(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

static int parse_flags(int argc, char **argv, struct driver_opts *o, struct arena *a)
{
	static const char *const hints[] = { "AWS",	"GCE",	"AZURE", "OKE", "ALIBABA",
					     "webhook", "NONE", "none",	 "" };
	static const char *const profiles[] = { "cloud", "webhook", "none" };
	const char *me = argv[0];
	struct inv_expr *filter;
	char err[160];
	int c, idx, ret;

	opterr = 1;
	for (;;) {
		idx = -1;
		/*
		 * No short options: -o and -v are one-letter long options. musl
		 * finds "-o=json" ambiguous when 'o' is also a short option and
		 * then reads it as -o with the argument "=json".
		 */
		c = getopt_long_only(argc, argv, "", long_opts, &idx);
		if (c == -1)
			break;
		switch (c) {
		case OPT_KUBECONFIG:
			o->kubeconfig = optarg;
			break;
		case OPT_BIND:
			if (!is_bind_address(optarg))
				return applet_usage_error(
					me, "--bind-address: want [HOST]:PORT, got '%s'", optarg);
			o->bind_address = optarg;
			break;
		case OPT_HOSTNAME:
			o->hostname_override = optarg;
			break;
		case OPT_FILTER:
			o->filter = optarg;
			break;
		case OPT_MIN_POLL:
		case OPT_MAX_POLL:
			if (applet_parse_duration_ms(optarg, c == OPT_MIN_POLL
								     ? &o->min_poll_ms
								     : &o->max_poll_ms) < 0)
				return applet_usage_error(me, "--%s: not a duration: '%s'",
							  long_opts[idx].name, optarg);
			break;
		case OPT_BURST:
			if (str_to_i64(optarg, 0, &o->poll_burst) < 0 || o->poll_burst < 0 ||
			    o->poll_burst > INT32_MAX)
				return applet_usage_error(
					me, "--inventory-poll-burst: not a count: '%s'", optarg);
			break;
		case OPT_DB_PATH:
			o->db_path = optarg;
			break;
		case OPT_MOVE_IB:
			if (applet_parse_bool(optarg, &o->move_ib) < 0)
				return applet_usage_error(
					me, "--move-ib-interfaces: not a bool: '%s'", optarg);
			break;
		case OPT_CLOUD_HINT:
			if (!is_in(optarg, hints, ARRAY_SIZE(hints)))
				return applet_usage_error(
					me,
					"--cloud-provider-hint: want one of AWS, GCE, "
					"AZURE, OKE, ALIBABA, webhook, NONE; got '%s'",
					optarg);
			o->cloud_hint = optarg;
			break;
		case OPT_PROFILE:
			if (!is_in(optarg, profiles, ARRAY_SIZE(profiles)))
				return applet_usage_error(
					me,
					"--profile-provider: want cloud, webhook or none; got '%s'",
					optarg);
			o->profile_provider = optarg;
			break;
		case OPT_WEBHOOK:
			if (*optarg && !str_has_prefix(optarg, "http://") &&
			    !str_has_prefix(optarg, "https://") &&
			    !str_has_prefix(optarg, "unix:///"))
				return applet_usage_error(
					me,
					"--webhook-url: want http(s)://... or unix:///path, got '%s'",
					optarg);
			o->webhook_url = optarg;
			break;
		case OPT_KUBELET_ROOT:
			if (!*optarg)
				return applet_usage_error(me, "--kubelet-root-dir: empty");
			o->kubelet_root_dir = optarg;
			break;
		case OPT_GATES:
			ret = applet_parse_feature_gates(optarg, &o->gates, err, sizeof(err));
			if (ret < 0)
				return applet_usage_error(me, "--feature-gates: %s", err);
			break;
		case OPT_STATE_DIR:
			if (!*optarg)
				return applet_usage_error(me, "--state-dir: empty");
			o->state_dir = optarg;
			break;
		case OPT_NRI_SOCKET:
			if (!*optarg)
				return applet_usage_error(me, "--nri-socket: empty");
			o->nri_socket = optarg;
			break;
		case 'v':
			if (applet_parse_verbosity(optarg, &o->verbosity) < 0)
				return applet_usage_error(me, "-v: want 0..10, got '%s'", optarg);
			break;
		case APPLET_OPT_KLOG:
			applet_klog_flag("driver", long_opts, idx);
			break;
		default:
			fputs(driver_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return applet_usage_error(me, "unexpected argument '%s'", argv[optind]);
	if (!strcmp(o->profile_provider, "webhook") && !*o->webhook_url)
		return applet_usage_error(me, "--profile-provider=webhook needs --webhook-url");
	if (!strcmp(o->cloud_hint, "webhook") && !*o->webhook_url)
		return applet_usage_error(me, "--cloud-provider-hint=webhook needs --webhook-url");
	/* Upstream: the node name and the filter are resolved at start, fatal when bad. */
	ret = applet_node_name(o->hostname_override, o->node_name, sizeof(o->node_name));
	if (ret < 0)
		return applet_usage_error(me, "node name: %s",
					  ret == -EINVAL ? "empty hostname is invalid"
							 : strerror(-ret));
	if (*o->filter)
		return applet_compile_expr(me, "--filter", o->filter, INV_EXPR_FILTER, a, &filter);
	return 0;
}

int driver_main(int argc, char **argv)
{
	struct driver_opts o = {
		.kubeconfig = "",
		.bind_address = ":9177",
		.hostname_override = "",
		.filter = INV_FILTER_DEFAULT,
		.min_poll_ms = 2000,
		.max_poll_ms = 60000,
		.poll_burst = 5,
		.db_path = "/var/run/dranet/dranet.db",
		.move_ib = true,
		.cloud_hint = "",
		.profile_provider = "cloud",
		.webhook_url = "",
		.kubelet_root_dir = "/var/lib/kubelet",
		.state_dir = "/var/lib/kubelet/plugins/dra.net",
		.nri_socket = "/var/run/nri/nri.sock",
	};
	struct arena *a = arena_new(1u << 20);
	int ret;

	if (!a) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		return EXIT_FAIL;
	}
	ret = parse_flags(argc, argv, &o, a);
	arena_free(a);
	if (ret)
		return ret;
	if (o.verbosity)
		log_setup("driver", log_level_from_verbosity(o.verbosity));
	log_debug("flags checked", "node=%s bind=%s kubelet_root=%s", o.node_name, o.bind_address,
		  o.kubelet_root_dir);
	return applet_not_built(argv[0], "issue 4 (publishing) and later");
}
