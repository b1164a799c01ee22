// SPDX-License-Identifier: Apache-2.0
/*
 * dranet-attach: move a host netdev into a network namespace configured as
 * a claim config says, and back (lib/attach). For machines without
 * Kubernetes and for debugging; the driver uses the same engine.
 */
#include "applet.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attach/attach.h"
#include "inventory/inventory.h"
#include "json/json.h"
#include "nl/nl.h"

const char attach_usage[] =
	"usage: dranet-attach IFNAME (--netns PATH | --pid PID) [--config FILE|-] [FLAGS...]\n"
	"       dranet-attach --detach NAME [--netns PATH] [FLAGS...]\n"
	"\n"
	"Move the host network device IFNAME into a network namespace, configured\n"
	"as a claim config says (the JSON of a ResourceClaim's opaque parameters,\n"
	"docs/attach.md): one netlink request moves and renames it (and sets MTU,\n"
	"MAC, GSO/GRO sizes), then addresses, link up, routes, rules and permanent\n"
	"neighbours are applied inside. Without a config the device keeps its name\n"
	"and takes the host's global addresses, routes, rules and neighbours.\n"
	"A failure undoes every step: the device is back on the host as it was.\n"
	"Running the same attach again is a no-op that prints the same result.\n"
	"\n"
	"--detach moves it back (NAME: the host name, or the name in the pod now\n"
	"with --netns; without it the config's pod name) and\n"
	"restores what the host had: name, MTU, MAC, GSO/GRO sizes, addresses,\n"
	"routes of every table, rules, neighbours, sysctls, up state. When the\n"
	"host name was taken meanwhile, the device gets dranet<ifindex>.\n"
	"\n"
	"Attach writes a state file STATE-DIR/IFNAME.json (the host snapshot, the\n"
	"netns, the result); --detach reads it (so the netns path is optional) and\n"
	"removes it when done.\n"
	"\n"
	"Flags (Go syntax -flag=value and GNU syntax --flag value both work):\n"
	"      --netns PATH          target network namespace (/run/netns/NAME)\n"
	"      --pid PID             target: the network namespace of process PID\n"
	"      --config FILE         claim config JSON; '-' reads stdin\n"
	"      --detach              move NAME back to the host and restore it\n"
	"      --state-dir DIR       state files (default /run/dranet-attach)\n"
	"      --force               also move the node's uplink, a bridge port or\n"
	"                            another device discovery would not publish\n"
	"  -v, --v N                 log verbosity 0..10 (>= 2: debug)\n"
	"\n"
	"Output (stdout, JSON): attach {hostName, podName, netns, ifindex, mac,\n"
	"ips}; detach {hostName, ifindex, tempName, gone}. gone: the device was\n"
	"destroyed (a veth whose host peer is gone too). A device alive elsewhere\n"
	"(its netns file deleted, --pid dead, moved on by the pod) is an error and\n"
	"the state is kept: --detach NAME --netns PATH of that netns brings it back.\n"
	"A link in the pod that is not the device (identity: permanent MAC and PCI\n"
	"parent, a veth's host peer) is never touched.\n"
	"\n"
	"Refused before anything moves (exit 1): a hardwareAddr of another length\n"
	"than the device's, a target that is the device's own netns, a device\n"
	"attached already elsewhere or with another config.\n"
	"\n"
	"Exit status: 0 ok (also a no-op), 1 failure (the error names the step and\n"
	"the kernel's reason), 2 usage error (bad flag, bad config).\n";

#define STATE_DIR_DEFAULT "/run/dranet-attach"

enum {
	OPT_NETNS = 0x100,
	OPT_PID,
	OPT_CONFIG,
	OPT_DETACH,
	OPT_STATE_DIR,
	OPT_FORCE,
};

static const struct option long_opts[] = {
	{ "netns", required_argument, NULL, OPT_NETNS },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "detach", optional_argument, NULL, OPT_DETACH },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "force", optional_argument, NULL, OPT_FORCE },
	{ "v", required_argument, NULL, 'v' },
	APPLET_KLOG_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

struct attach_opts {
	const char *name;
	const char *netns;
	char pid_netns[64];
	const char *config;
	bool detach, force;
	const char *state_dir;
	int verbosity;
};

static int parse_flags(int argc, char **argv, struct attach_opts *o)
{
	const char *me = argv[0];
	int64_t pid;
	int c, idx;

	opterr = 1;
	for (;;) {
		idx = -1;
		c = getopt_long_only(argc, argv, "", long_opts, &idx);
		if (c == -1)
			break;
		switch (c) {
		case OPT_NETNS:
			o->netns = optarg;
			break;
		case OPT_PID:
			if (str_to_i64(optarg, 10, &pid) < 0 || pid <= 0 || pid > INT32_MAX)
				return applet_usage_error(me, "--pid: not a process id: '%s'",
							  optarg);
			snprintf(o->pid_netns, sizeof(o->pid_netns), "/proc/%d/ns/net", (int)pid);
			break;
		case OPT_CONFIG:
			o->config = optarg;
			break;
		case OPT_DETACH:
			if (applet_parse_bool(optarg, &o->detach) < 0)
				return applet_usage_error(me, "--detach: not a bool: '%s'", optarg);
			break;
		case OPT_FORCE:
			if (applet_parse_bool(optarg, &o->force) < 0)
				return applet_usage_error(me, "--force: not a bool: '%s'", optarg);
			break;
		case OPT_STATE_DIR:
			o->state_dir = optarg;
			break;
		case 'v':
			if (applet_parse_verbosity(optarg, &o->verbosity) < 0)
				return applet_usage_error(me, "-v: want 0..10, got '%s'", optarg);
			break;
		case APPLET_OPT_KLOG:
			applet_klog_flag("attach", long_opts, idx);
			break;
		default:
			fputs(attach_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return applet_usage_error(me, "missing the interface name");
	o->name = argv[optind++];
	if (optind < argc)
		return applet_usage_error(me, "unexpected argument '%s'", argv[optind]);
	if (!*o->name || strlen(o->name) >= IFNAMSIZ || strchr(o->name, '/'))
		return applet_usage_error(me, "'%s' is not an interface name", o->name);
	if (o->netns && o->pid_netns[0])
		return applet_usage_error(me, "--netns and --pid: give one");
	if (o->pid_netns[0])
		o->netns = o->pid_netns;
	if (o->netns && !*o->netns)
		return applet_usage_error(me, "--netns: empty path");
	if (!o->detach && !o->netns)
		return applet_usage_error(me, "attach needs --netns PATH or --pid PID");
	if (o->detach && o->config)
		return applet_usage_error(me, "--detach takes no --config");
	if (!*o->state_dir)
		return applet_usage_error(me, "--state-dir: empty path");
	return 0;
}

/* ------------------------------------------------------------ state files */

struct state {
	char path[512];
	const char *netns;
	struct attach_snapshot snap;
	struct attach_result res;
	bool has_res;
	struct attach_dhcp_lease lease; /* interface.dhcp */
	bool has_lease;
	const char *config; /* "config" as compact JSON ("null": none) */
};

/* @cfg as the state file keeps it, compact: what a retry compares. NULL when out of memory. */
static const char *config_text(const struct json *cj, struct arena *a)
{
	struct buf b;
	const char *s = NULL;

	buf_init(&b, BUF_CAP_DEFAULT);
	if (cj && json_print(cj, JSON_COMPACT, &b) == 0 && buf_putc(&b, '\0') == 0)
		s = arena_strdup(a, b.p);
	buf_fini(&b);
	return s;
}

static int state_path(const struct attach_opts *o, const char *name, char *out, size_t n)
{
	int len = snprintf(out, n, "%s/%s.json", o->state_dir, name);

	return len < 0 || (size_t)len >= n ? -ENAMETOOLONG : 0;
}

static int state_load(const char *path, struct arena *a, struct state *st, char *why, size_t n)
{
	static char text[1u << 20];
	const struct json *v;
	struct json *doc = NULL;
	struct json_err jerr = { 0 };
	const char *s;
	int ret = fd_read_file(AT_FDCWD, path, text, sizeof(text));

	if (ret < 0)
		return ret;
	ret = json_parse(text, (size_t)ret, &doc, &jerr);
	if (ret < 0)
		goto out_bad;
	v = json_get(doc, "netns");
	if (!v || json_get_string(v, &s) < 0) {
		snprintf(jerr.msg, sizeof(jerr.msg), "netns: expected string");
		ret = -EBADMSG;
		goto out_bad;
	}
	st->netns = *s ? arena_strdup(a, s) : NULL;
	v = json_get(doc, "config");
	st->config = v ? config_text(v, a) : "null";
	if (!st->config) {
		ret = -ENOMEM;
		goto out_bad;
	}
	v = json_get(doc, "snapshot");
	ret = v ? attach_snapshot_from_json(v, a, &st->snap, &jerr) : -EBADMSG;
	if (ret < 0)
		goto out_bad;
	v = json_get(doc, "dhcpLease");
	st->has_lease = v && json_type_of(v) != JSON_NULL;
	if (st->has_lease) {
		const char *lwhy = "";

		if (attach_dhcp_lease_from_json(v, time_now_ms(), time(NULL), &st->lease, &lwhy) <
		    0) {
			snprintf(jerr.msg, sizeof(jerr.msg), "dhcpLease: %s", lwhy);
			ret = -EBADMSG;
			goto out_bad;
		}
	}
	v = json_get(doc, "result");
	st->has_res = v && json_type_of(v) != JSON_NULL;
	if (st->has_res) {
		ret = attach_result_from_json(v, a, &st->res, &jerr);
		if (ret < 0)
			goto out_bad;
	}
	json_free(doc);
	return 0;
out_bad:
	json_err_format(&jerr, why, n);
	json_free(doc);
	return ret == -ENOMEM ? ret : -EBADMSG;
}

/* Write atomically: a temporary file, fsync, rename. */
static int state_save(const struct attach_opts *o, const struct state *st,
		      const struct attach_config *cfg)
{
	struct json *doc = json_new_object(), *cj;
	struct buf b;
	char tmp[600];
	int fd, ret = -ENOMEM;

	buf_init(&b, BUF_CAP_DEFAULT);
	if (!doc)
		goto out;
	cj = cfg ? attach_config_to_json(cfg) : json_new_null();
	if (json_obj_add_int(doc, "version", 1) < 0 ||
	    json_obj_add_str(doc, "netns", st->netns ? st->netns : "") < 0 ||
	    json_obj_add(doc, "config", cj) < 0 ||
	    json_obj_add(doc, "snapshot", attach_snapshot_json(&st->snap)) < 0 ||
	    json_obj_add(doc, "result",
			 st->has_res ? attach_result_json(&st->res) : json_new_null()) < 0 ||
	    json_obj_add(doc, "dhcpLease",
			 st->has_lease ? attach_dhcp_lease_to_json(&st->lease) : json_new_null()) <
		    0)
		goto out;
	ret = json_print(doc, JSON_PRETTY, &b);
	if (ret == 0)
		ret = buf_putc(&b, '\n');
	if (ret < 0)
		goto out;
	if (mkdir(o->state_dir, 0700) < 0 && errno != EEXIST) {
		ret = -errno;
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", st->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	ret = fd_write_all(fd, b.p, b.len);
	if (ret == 0 && fsync(fd) < 0)
		ret = -errno;
	close(fd);
	if (ret == 0 && rename(tmp, st->path) < 0)
		ret = -errno;
	if (ret < 0)
		unlink(tmp);
out:
	buf_fini(&b);
	json_free(doc);
	return ret;
}

/* The state of NAME: STATE-DIR/NAME.json, else the one whose pod name is NAME (in @netns). */
static int state_find(const struct attach_opts *o, struct nl_sock *host, struct arena *a,
		      struct state *st, char *why, size_t n)
{
	DIR *d;
	struct dirent *e;
	int found = 0, ret;
	bool by_identity = false;

	ret = state_path(o, o->name, st->path, sizeof(st->path));
	if (ret < 0)
		return ret;
	ret = state_load(st->path, a, st, why, n);
	if (ret != -ENOENT)
		return ret;
again:
	d = opendir(o->state_dir);
	if (!d)
		return -ENOENT;
	while ((e = readdir(d))) {
		struct state cand = { 0 };
		size_t len = strlen(e->d_name);

		if (len < 6 || strcmp(e->d_name + len - 5, ".json"))
			continue;
		snprintf(cand.path, sizeof(cand.path), "%s/%s", o->state_dir, e->d_name);
		if (state_load(cand.path, a, &cand, why, n) < 0 || !cand.has_res)
			continue;
		if (by_identity) {
			bool ours = false;

			/* Renamed inside the pod: the link of that name there, by identity. */
			if (attach_identify(host, o->netns, o->name, &cand.snap, &cand.res, &ours) <
				    0 ||
			    !ours)
				continue;
		} else {
			if (strcmp(cand.res.pod_name, o->name))
				continue;
			if (o->netns && (!cand.netns || strcmp(cand.netns, o->netns)))
				continue;
		}
		*st = cand;
		found++;
	}
	closedir(d);
	why[0] = '\0';
	if (!found && !by_identity && o->netns) {
		by_identity = true;
		goto again;
	}
	if (found > 1) {
		snprintf(why, n,
			 "%d devices are named %s in their pods: give the host name or --netns",
			 found, o->name);
		return -EBADMSG;
	}
	return found ? 0 : -ENOENT;
}

/* ------------------------------------------------------------ output */

static int print_json(struct json *doc)
{
	struct buf b;
	int ret;

	if (!doc)
		return -ENOMEM;
	buf_init(&b, BUF_CAP_DEFAULT);
	ret = json_print(doc, JSON_PRETTY, &b);
	if (ret == 0)
		ret = buf_putc(&b, '\n');
	if (ret == 0)
		ret = fd_write_all(STDOUT_FILENO, b.p, b.len);
	buf_fini(&b);
	json_free(doc);
	return ret;
}

/* What a user (or a claim status) wants to see; the state file keeps the rest. */
static struct json *attach_out(const struct state *st)
{
	struct json *o = json_new_object(), *ips;
	const struct json *mac;
	struct json *full = attach_result_json(&st->res);

	if (!o || !full)
		goto out_free;
	ips = json_obj_add_array(o, "ips");
	mac = json_get(full, "mac");
	if (!ips || !mac || json_obj_add_str(o, "hostName", st->snap.name) < 0 ||
	    json_obj_add_str(o, "podName", st->res.pod_name) < 0 ||
	    json_obj_add_str(o, "netns", st->netns) < 0 ||
	    json_obj_add_int(o, "ifindex", st->res.pod_ifindex) < 0 ||
	    json_obj_add(o, "mac", json_dup(mac)) < 0)
		goto out_free;
	for (size_t i = 0; i < st->res.n_ips; i++)
		if (json_arr_add(ips, json_new_string(st->res.ips[i])) < 0)
			goto out_free;
	json_free(full);
	return o;
out_free:
	json_free(full);
	json_free(o);
	return NULL;
}

/* ------------------------------------------------------------ attach */

static int read_config(const struct attach_opts *o, struct arena *a, struct attach_config **cfg)
{
	const char *me = "dranet-attach";
	struct attach_errs errs;
	struct attach_kernel k;
	char *text;
	ssize_t n = 0;
	int ret;

	*cfg = NULL;
	if (!o->config)
		return 0;
	text = arena_alloc(a, JSON_TEXT_MAX + 1);
	if (!text)
		return EXIT_FAIL;
	if (!strcmp(o->config, "-")) {
		size_t len = 0;

		while ((n = read(STDIN_FILENO, text + len, JSON_TEXT_MAX - len)) > 0)
			len += (size_t)n;
		if (n < 0) {
			fprintf(stderr, "%s: --config -: %s\n", me, strerror(errno));
			return EXIT_FAIL;
		}
		n = (ssize_t)len;
	} else {
		ret = fd_read_file(AT_FDCWD, o->config, text, JSON_TEXT_MAX + 1);
		if (ret < 0) {
			fprintf(stderr, "%s: --config %s: %s\n", me, o->config, strerror(-ret));
			return EXIT_USAGE;
		}
		n = ret;
	}
	ret = attach_config_parse(text, (size_t)n, a, cfg, &errs);
	if (ret == -EBADMSG) {
		fprintf(stderr, "%s: config: %s\n", me, attach_errs_join(&errs, a));
		return EXIT_USAGE;
	}
	if (ret < 0) {
		fprintf(stderr, "%s: config: %s\n", me, strerror(-ret));
		return EXIT_FAIL;
	}
	/* A config needing what this kernel lacks (GSO/GRO IPv4 sizes, TCX) is refused here. */
	ret = attach_kernel_probe(&k);
	if (ret == 0) {
		memset(&errs, 0, sizeof(errs));
		ret = attach_config_check_kernel(*cfg, &k, &errs, a);
		if (ret == -EBADMSG) {
			fprintf(stderr, "%s: config: %s\n", me, attach_errs_join(&errs, a));
			return EXIT_FAIL;
		}
	}
	if (ret < 0) {
		fprintf(stderr, "%s: kernel probe: %s\n", me, strerror(-ret));
		return EXIT_FAIL;
	}
	return 0;
}

/* Refuse what discovery would never publish (uplink, bridge, bridge port...). */
static int check_movable(const struct attach_opts *o, const struct attach_snapshot *snap,
			 struct arena *a)
{
	struct inv_opts io = { .move_ib_interfaces = true, .pcidb_path = getenv("PCIDB_PATH") };
	struct inv_scan scan = { 0 };
	struct inv *inv = NULL;
	int ret = inv_new(&io, &inv);

	if (ret == 0)
		ret = inv_scan_all(inv, a, &scan);
	for (size_t i = 0; ret == 0 && i < scan.n; i++) {
		const struct inv_device *d = &scan.dev[i];

		if (d->ifindex != snap->ifindex || !d->excluded)
			continue;
		if (o->force) {
			log_warn("moving a device discovery excludes (--force)",
				 "ifname=%s reason=\"%s\"", snap->name, d->excluded);
			break;
		}
		fprintf(stderr, "dranet-attach: %s: refusing to move it (%s); --force overrides\n",
			snap->name, d->excluded);
		ret = -EPERM;
	}
	inv_free(inv);
	if (ret < 0 && ret != -EPERM)
		fprintf(stderr, "dranet-attach: discovery: %s\n", strerror(-ret));
	return ret;
}

static int do_attach(const struct attach_opts *o, struct nl_sock *host, struct arena *a)
{
	struct attach_config *cfg = NULL;
	struct state st = { 0 };
	struct attach_plan plan;
	struct attach_error err;
	char why[256] = "";
	int ret;

	bool same;

	ret = read_config(o, a, &cfg);
	if (ret)
		return ret;
	/* The host's own netns is no target: the move would only rename the device. */
	ret = attach_netns_is_current(o->netns, &same);
	if (ret < 0 || same) {
		if (ret < 0)
			fprintf(stderr, "dranet-attach: %s: %s\n", o->netns, strerror(-ret));
		else
			fprintf(stderr,
				"dranet-attach: %s: %s is the network namespace it is in already "
				"(the host's): nothing to attach\n",
				o->name, o->netns);
		return EXIT_FAIL;
	}
	ret = state_path(o, o->name, st.path, sizeof(st.path));
	if (ret == 0)
		ret = state_load(st.path, a, &st, why, sizeof(why));
	if (ret == 0) {
		/* A retry: the snapshot of the first attempt is what the host had. */
		struct json *cj = cfg ? attach_config_to_json(cfg) : json_new_null();
		const char *now = config_text(cj, a);

		json_free(cj);
		if (!st.netns || strcmp(st.netns, o->netns)) {
			fprintf(stderr, "dranet-attach: %s is attached to %s already (%s)\n",
				o->name, st.netns ? st.netns : "?", st.path);
			return EXIT_FAIL;
		}
		/* The same netns with another config: a move would tear it out of the pod. */
		if (!now || strcmp(now, st.config)) {
			fprintf(stderr,
				"dranet-attach: %s is attached to %s already with another config "
				"(%s); detach first\n",
				o->name, st.netns, st.path);
			return EXIT_FAIL;
		}
	} else if (ret == -ENOENT) {
		ret = attach_snapshot_take(host, 0, o->name, a, &st.snap);
		if (ret < 0) {
			fprintf(stderr, "dranet-attach: %s: %s\n", o->name,
				ret == -ENODEV ? "no such device on the host" : strerror(-ret));
			return EXIT_FAIL;
		}
		ret = attach_check_device(cfg, &st.snap, why, sizeof(why));
		if (ret < 0) {
			fprintf(stderr, "dranet-attach: %s: config: %s\n", o->name, why);
			return EXIT_FAIL;
		}
		if (check_movable(o, &st.snap, a) < 0)
			return EXIT_FAIL;
		if (cfg && cfg->interface.has_dhcp && cfg->interface.dhcp) {
			ret = attach_dhcp_take(host, &st.snap, 0, &st.lease, why, sizeof(why));
			if (ret < 0) {
				fprintf(stderr, "dranet-attach: %s: dhcp: %s: %s\n", o->name, why,
					strerror(-ret));
				return EXIT_FAIL;
			}
			st.has_lease = true;
		}
		st.netns = o->netns;
	} else {
		fprintf(stderr, "dranet-attach: state %s: %s\n", st.path,
			why[0] ? why : strerror(-ret));
		return EXIT_FAIL;
	}
	ret = attach_plan_build(cfg, &st.snap, a, &plan);
	if (ret == 0 && st.has_lease)
		ret = attach_plan_add_dhcp(&plan, &st.lease, a);
	if (ret < 0) {
		fprintf(stderr, "dranet-attach: plan: %s\n", strerror(-ret));
		return EXIT_FAIL;
	}
	if (!st.has_res) {
		/*
		 * Written before the move: where the device is going (pod name,
		 * MAC), so that a detach after a crash mid-attach finds it.
		 */
		memcpy(st.res.pod_name, plan.pod_name, IFNAMSIZ);
		st.res.pod_ifindex = st.snap.ifindex;
		memcpy(st.res.mac, st.snap.mac, sizeof(st.res.mac));
		st.res.mac_len = st.snap.mac_len;
		if (cfg && cfg->interface.has_hardware_addr && cfg->interface.mac.len &&
		    cfg->interface.mac.len <= sizeof(st.res.mac)) {
			memcpy(st.res.mac, cfg->interface.mac.addr, cfg->interface.mac.len);
			st.res.mac_len = cfg->interface.mac.len;
		}
		st.has_res = true;
		ret = state_save(o, &st, cfg);
		if (ret < 0) {
			fprintf(stderr, "dranet-attach: state %s: %s\n", st.path, strerror(-ret));
			return EXIT_FAIL;
		}
	}
	ret = attach_apply(host, o->netns, &st.snap, &plan, NULL, a, &st.res, &err);
	if (ret < 0) {
		fprintf(stderr, "dranet-attach: %s: %s: %s\n", o->name,
			err.step[0] ? err.step : "attach", err.msg[0] ? err.msg : strerror(-ret));
		/* Rolled back: the device is on the host as it was, nothing to remember. */
		if (st.has_lease && st.snap.mac_len == 6 &&
		    attach_dhcp_give_back(NULL, st.snap.name, st.snap.mac, &st.lease) < 0)
			log_warn("dhcp lease not released", "ifname=%s", st.snap.name);
		if (!err.undo_err)
			unlink(st.path);
		return EXIT_FAIL;
	}
	if (ret == 1)
		log_info("already attached, nothing to do", "ifname=%s netns=%s", o->name,
			 o->netns);
	st.has_res = true;
	ret = state_save(o, &st, cfg);
	if (ret < 0)
		fprintf(stderr, "dranet-attach: state %s: %s\n", st.path, strerror(-ret));
	return print_json(attach_out(&st)) < 0 || ret < 0 ? EXIT_FAIL : EXIT_OK;
}

/* ------------------------------------------------------------ detach */

static int do_detach(const struct attach_opts *o, struct nl_sock *host, struct arena *a)
{
	struct state st = { 0 };
	struct attach_detached d;
	struct attach_error err;
	struct json *out;
	char why[256] = "";
	bool released;
	int ret = state_find(o, host, a, &st, why, sizeof(why));

	if (ret == -ENOENT && attach_snapshot_take(host, 0, o->name, a, &st.snap) == 0) {
		/* Detached already (the state goes with a detach): nothing to do. */
		log_info("not attached, nothing to do", "ifname=%s", o->name);
		out = json_new_object();
		if (out && (json_obj_add_str(out, "hostName", st.snap.name) < 0 ||
			    json_obj_add_int(out, "ifindex", st.snap.ifindex) < 0 ||
			    json_obj_add_bool(out, "tempName", false) < 0 ||
			    json_obj_add_bool(out, "gone", false) < 0)) {
			json_free(out);
			out = NULL;
		}
		return print_json(out) < 0 ? EXIT_FAIL : EXIT_OK;
	}
	if (ret < 0) {
		if (ret == -ENOENT)
			fprintf(stderr, "dranet-attach: %s: no state in %s (attached by whom?)\n",
				o->name, o->state_dir);
		else
			fprintf(stderr, "dranet-attach: %s: state: %s\n", o->name,
				why[0] ? why : strerror(-ret));
		return EXIT_FAIL;
	}
	if (!st.has_res) {
		/* The attach never finished: all we know is where the device was going. */
		memcpy(st.res.pod_name, st.snap.name, IFNAMSIZ);
		st.res.pod_ifindex = st.snap.ifindex;
	}
	/* The lease goes back first, from the pod (unicast from its address). */
	released = !st.has_lease || st.snap.mac_len != 6 ||
		   attach_dhcp_give_back(o->netns ? o->netns : st.netns, st.res.pod_name,
					 st.snap.mac, &st.lease) == 0;
	ret = attach_detach(host, o->netns ? o->netns : st.netns, &st.snap, &st.res, &d, &err);
	if (ret == 0 && !released && !d.gone &&
	    attach_dhcp_give_back(NULL, d.host_name, st.snap.mac, &st.lease) < 0)
		log_warn("dhcp lease not released", "ifname=%s", st.snap.name);
	if (ret < 0) {
		fprintf(stderr, "dranet-attach: detach %s: %s: %s\n", o->name,
			err.step[0] ? err.step : "detach", err.msg[0] ? err.msg : strerror(-ret));
		return EXIT_FAIL;
	}
	if (d.gone)
		log_warn("device gone: not in the pod, not on the host", "ifname=%s netns=%s",
			 st.snap.name, st.netns ? st.netns : "");
	if (d.temp_name)
		log_warn("host name taken, device renamed", "ifname=%s name=%s", st.snap.name,
			 d.host_name);
	unlink(st.path);
	out = json_new_object();
	if (out && (json_obj_add_str(out, "hostName", d.gone ? st.snap.name : d.host_name) < 0 ||
		    json_obj_add_int(out, "ifindex", d.gone ? 0 : d.ifindex) < 0 ||
		    json_obj_add_bool(out, "tempName", d.temp_name) < 0 ||
		    json_obj_add_bool(out, "gone", d.gone) < 0)) {
		json_free(out);
		out = NULL;
	}
	return print_json(out) < 0 ? EXIT_FAIL : EXIT_OK;
}

static int lock_state_dir(const struct attach_opts *o)
{
	char path[512];
	int fd;

	if (mkdir(o->state_dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/.lock", o->state_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int attach_main(int argc, char **argv)
{
	struct attach_opts o = { .state_dir = STATE_DIR_DEFAULT };
	struct nl_sock *host = NULL;
	struct arena *a;
	int ret, rc, lock;

	ret = parse_flags(argc, argv, &o);
	if (ret)
		return ret;
	log_setup("attach", o.verbosity ? log_level_from_verbosity(o.verbosity) : LOG_INFO);
	a = arena_new(ARENA_CAP_DEFAULT);
	if (!a) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		return EXIT_FAIL;
	}
	ret = nl_open(NETLINK_ROUTE, NULL, &host);
	if (ret < 0) {
		fprintf(stderr, "%s: netlink: %s\n", argv[0], strerror(-ret));
		rc = EXIT_FAIL;
		goto out;
	}
	/* One dranet-attach at a time per state dir: runs read and write the same files. */
	lock = lock_state_dir(&o);
	if (lock < 0) {
		fprintf(stderr, "%s: lock %s/.lock: %s\n", argv[0], o.state_dir, strerror(-lock));
		rc = EXIT_FAIL;
		nl_close(host);
		goto out;
	}
	rc = o.detach ? do_detach(&o, host, a) : do_attach(&o, host, a);
	close(lock);
	nl_close(host);
out:
	arena_free(a);
	return rc;
}
