// SPDX-License-Identifier: Apache-2.0
/*
 * dranet-discover: what this node would publish, as a table, as JSON/YAML
 * devices, or as the ResourceSlice documents the driver would create.
 * Same inventory, filter and slice code as the driver (lib/inventory).
 */
#include "applet.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "inventory/inventory.h"
#include "json/json.h"

const char discover_usage[] =
	"usage: dranet-discover [FLAGS...]\n"
	"\n"
	"Show the network devices this node would publish as DRA devices (driver\n"
	"dra.net, one pool named after the node), with every attribute, and with\n"
	"--all the devices that would not be published and why. No cluster needed.\n"
	"\n"
	"Flags (Go syntax -flag=value and GNU syntax --flag value both work):\n"
	"  -o, --output FORMAT       table (default), json or yaml\n"
	"      --slice               with -o json|yaml: the ResourceSlice documents\n"
	"                            (resource.k8s.io/v1, 128 devices per slice)\n"
	"      --all                 also show excluded devices, with the reason\n"
	"      --filter EXPR         CEL filter as the driver's --filter (default:\n"
	"                            upstream's, which drops veth); '' disables it;\n"
	"                            a device whose evaluation errors is excluded\n"
	"      --select EXPR         show only devices a DeviceClass/claim selector\n"
	"                            matches, e.g. 'device.attributes[\"dra.net\"].mtu > 1500'\n"
	"      --node NAME           node (pool) name; default the hostname\n"
	"      --hostname-override NAME  the same, under the driver's flag name\n"
	"      --netns PATH          discover inside the network namespace at PATH\n"
	"                            (e.g. /run/netns/NAME); needs CAP_SYS_ADMIN\n"
	"      --move-ib-interfaces  attach IPoIB netdevs to their PCI device\n"
	"                            (default true; false: publish IB-only devices)\n"
	"      --feature-gates LIST  Name=bool,... (DRAListTypeAttributes,\n"
	"                            PersistentResourceSliceAttributes)\n"
	"  -v, --v N                 log verbosity 0..10 (>= 2: debug)\n"
	"  klog flags (--logtostderr, --log_dir, ...) are accepted and ignored.\n"
	"\n"
	"Environment: PCIDB_PATH (a pci.ids file for PCI names, as upstream),\n"
	"DRANET_LOG_LEVEL.\n"
	"\n"
	"Table columns: NAME IFNAME TYPE PCI NUMA MAC MTU STATE IPS RDMA (+ REASON\n"
	"with --all). JSON: an array of {name, attributes} (+ published, reason\n"
	"with --all; + selected with --select --all).\n"
	"\n"
	"Exit status: 0 ok, 1 discovery failed, 2 usage error (bad flag, bad\n"
	"expression).\n";

enum {
	OPT_SLICE = 0x100,
	OPT_ALL,
	OPT_FILTER,
	OPT_SELECT,
	OPT_NODE,
	OPT_NETNS,
	OPT_MOVE_IB,
	OPT_GATES,
	OPT_ROOT,
};

static const struct option long_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "o", required_argument, NULL, 'o' },
	{ "slice", optional_argument, NULL, OPT_SLICE },
	{ "all", optional_argument, NULL, OPT_ALL },
	{ "filter", required_argument, NULL, OPT_FILTER },
	{ "select", required_argument, NULL, OPT_SELECT },
	{ "node", required_argument, NULL, OPT_NODE },
	{ "hostname-override", required_argument, NULL, OPT_NODE },
	{ "netns", required_argument, NULL, OPT_NETNS },
	{ "move-ib-interfaces", optional_argument, NULL, OPT_MOVE_IB },
	{ "feature-gates", required_argument, NULL, OPT_GATES },
	{ "v", required_argument, NULL, 'v' },
	/* Tests only (docs/testing.md): read /sys under DIR. */
	{ "root", required_argument, NULL, OPT_ROOT },
	APPLET_KLOG_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

enum output { OUT_TABLE, OUT_JSON, OUT_YAML };

struct discover_opts {
	enum output output;
	bool slice;
	bool all;
	const char *filter;
	const char *select;
	const char *node;
	const char *netns;
	bool move_ib;
	struct applet_gates gates;
	int verbosity;
	const char *root;
	char node_name[256];
};

/* Per-device --select outcome. */
struct sel {
	bool match;
	const char *err; /* evaluation error, NULL if none */
};

static const char *str_attr(const struct inv_device *d, const char *key)
{
	const struct inv_attr *a = inv_attr_get(d, key);

	return a && (a->type == INV_STRING || a->type == INV_VERSION) && a->s && *a->s ? a->s
										       : NULL;
}

/* A cell of the table, in @a; "-" when absent. */
static const char *cell_int(struct arena *a, const struct inv_device *d, const char *key)
{
	const struct inv_attr *at = inv_attr_get(d, key);

	if (!at || at->type != INV_INT)
		return "-";
	return arena_printf(a, "%lld", (long long)at->i);
}

static const char *cell_ips(struct arena *a, const struct inv_device *d)
{
	const char *v4 = str_attr(d, "dra.net/ipv4"), *v6 = str_attr(d, "dra.net/ipv6");

	if (v4 && v6)
		return arena_printf(a, "%s,%s", v4, v6);
	return v4 ? v4 : v6 ? v6 : "-";
}

static const char *cell_rdma(const struct inv_device *d)
{
	const struct inv_attr *at = inv_attr_get(d, "dra.net/rdma");

	if (!at || at->type != INV_BOOL)
		return "-";
	return at->b ? "true" : "false";
}

static const char *reason_of(const struct inv_device *d, const struct sel *s)
{
	if (d->excluded)
		return d->excluded;
	if (s && s->err)
		return s->err;
	if (s && !s->match)
		return "not selected";
	return "-";
}

static bool shown(const struct discover_opts *o, const struct inv_device *d, const struct sel *s)
{
	if (o->all)
		return true;
	return !d->excluded && (!s || s->match);
}

/*
 * A table cell as the terminal will show it: control bytes (a link name can
 * hold ESC sequences) as \xNN; JSON and YAML escape them their own way.
 * Returns @v itself when it is clean, NULL when out of memory.
 */
static const char *cell_printable(struct arena *a, const char *v)
{
	size_t n = 0, bad = 0;
	char *out, *p;

	for (; v[n]; n++)
		bad += (unsigned char)v[n] < 0x20 || v[n] == 0x7f || v[n] == '\\';
	if (!bad)
		return v;
	out = arena_alloc(a, n + 3 * bad + 1);
	if (!out)
		return NULL;
	p = out;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20 || c == 0x7f || c == '\\')
			p += sprintf(p, "\\x%02x", c);
		else
			*p++ = (char)c;
	}
	*p = '\0';
	return out;
}

#define N_COLS 11

static int print_table(const struct discover_opts *o, const struct inv_scan *scan,
		       const struct sel *sel, struct arena *a)
{
	static const char *const head[N_COLS] = { "NAME", "IFNAME", "TYPE", "PCI",  "NUMA",  "MAC",
						  "MTU",  "STATE",  "IPS",  "RDMA", "REASON" };
	size_t ncols = o->all ? N_COLS : N_COLS - 1;
	size_t width[N_COLS];
	const char **cells;
	size_t rows = 0;
	struct buf out;
	int ret;

	cells = arena_calloc(a, (scan->n + 1) * N_COLS, sizeof(*cells));
	if (!cells)
		return -ENOMEM;
	for (size_t c = 0; c < N_COLS; c++)
		cells[c] = head[c];
	rows = 1;
	for (size_t i = 0; i < scan->n; i++) {
		const struct inv_device *d = &scan->dev[i];
		const struct sel *s = sel ? &sel[i] : NULL;
		const char **r = cells + rows * N_COLS;
		const char *v;

		if (!shown(o, d, s))
			continue;
		r[0] = d->name;
		r[1] = (v = str_attr(d, "dra.net/ifName")) ? v : "-";
		r[2] = (v = str_attr(d, "dra.net/type")) ? v : "-";
		r[3] = (v = str_attr(d, "dra.net/pciAddress")) ? v : "-";
		r[4] = cell_int(a, d, "dra.net/numaNode");
		r[5] = (v = str_attr(d, "dra.net/mac")) ? v : "-";
		r[6] = cell_int(a, d, "dra.net/mtu");
		r[7] = (v = str_attr(d, "dra.net/state")) ? v : "-";
		r[8] = cell_ips(a, d);
		r[9] = cell_rdma(d);
		r[10] = reason_of(d, s);
		for (size_t c = 0; c < N_COLS; c++)
			if (!r[c] || !(r[c] = cell_printable(a, r[c])))
				return -ENOMEM;
		rows++;
	}
	for (size_t c = 0; c < N_COLS; c++) {
		width[c] = 0;
		for (size_t r = 0; r < rows; r++) {
			size_t l = strlen(cells[r * N_COLS + c]);

			if (l > width[c])
				width[c] = l;
		}
	}
	buf_init(&out, BUF_CAP_DEFAULT);
	for (size_t r = 0; r < rows; r++) {
		for (size_t c = 0; c < ncols; c++) {
			const char *v = cells[r * N_COLS + c];

			if (c + 1 == ncols)
				ret = buf_printf(&out, "%s\n", v);
			else
				ret = buf_printf(&out, "%-*s  ", (int)width[c], v);
			if (ret < 0)
				goto out_fini;
		}
	}
	ret = fd_write_all(STDOUT_FILENO, out.p, out.len);
out_fini:
	buf_fini(&out);
	return ret;
}

static struct json *devices_json(const struct discover_opts *o, const struct inv_scan *scan,
				 const struct sel *sel)
{
	struct json *arr = json_new_array();

	if (!arr)
		return NULL;
	for (size_t i = 0; i < scan->n; i++) {
		const struct inv_device *d = &scan->dev[i];
		const struct sel *s = sel ? &sel[i] : NULL;
		struct json *obj;

		if (!shown(o, d, s))
			continue;
		obj = json_new_object();
		if (json_arr_add(arr, obj) < 0)
			goto out_free;
		if (json_obj_add_str(obj, "name", d->name) < 0 ||
		    json_obj_add(obj, "attributes", inv_device_attrs_json(d)) < 0)
			goto out_free;
		if (!o->all)
			continue;
		if (json_obj_add_bool(obj, "published", !d->excluded) < 0)
			goto out_free;
		if (d->excluded && json_obj_add_str(obj, "reason", d->excluded) < 0)
			goto out_free;
		if (s && json_obj_add_bool(obj, "selected", s->match) < 0)
			goto out_free;
		if (s && s->err && json_obj_add_str(obj, "selectError", s->err) < 0)
			goto out_free;
	}
	return arr;
out_free:
	json_free(arr);
	return NULL;
}

/* Print @v as JSON (one value) or YAML (@multi: one document per element). */
static int print_doc(const struct json *v, enum output fmt, bool multi)
{
	struct buf out;
	int ret = 0;

	buf_init(&out, BUF_CAP_DEFAULT);
	if (fmt == OUT_JSON) {
		ret = json_print(v, JSON_PRETTY, &out);
	} else if (!multi) {
		ret = json_print_yaml(v, &out);
	} else {
		for (size_t i = 0; i < json_count(v) && ret == 0; i++) {
			ret = buf_puts(&out, "---\n");
			if (ret == 0)
				ret = json_print_yaml(json_at(v, i), &out);
			if (ret == 0 && out.len && out.p[out.len - 1] != '\n')
				ret = buf_putc(&out, '\n');
		}
	}
	if (ret == 0 && out.len && out.p[out.len - 1] != '\n')
		ret = buf_putc(&out, '\n');
	if (ret == 0)
		ret = fd_write_all(STDOUT_FILENO, out.p, out.len);
	buf_fini(&out);
	return ret;
}

/*
 * Enter the network namespace at @path for the rest of the process, with a
 * private mount namespace and a fresh sysfs on /sys: sysfs shows the
 * network devices of the namespace that mounted it, so without a new mount
 * /sys/class/net would still list our old namespace's links.
 */
static int enter_netns(const char *path, const char **what)
{
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*what = "open";
		return -errno;
	}
	if (unshare(CLONE_NEWNS) < 0) {
		*what = "unshare(CLONE_NEWNS)";
		ret = -errno;
		goto out_close;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		*what = "make / rprivate";
		ret = -errno;
		goto out_close;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		*what = "setns(CLONE_NEWNET)";
		ret = -errno;
		goto out_close;
	}
	if (mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		*what = "mount sysfs on /sys";
		ret = -errno;
	}
out_close:
	close(fd);
	return ret;
}

static int parse_flags(int argc, char **argv, struct discover_opts *o)
{
	const char *me = argv[0];
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
		case 'o':
			if (!strcmp(optarg, "table"))
				o->output = OUT_TABLE;
			else if (!strcmp(optarg, "json"))
				o->output = OUT_JSON;
			else if (!strcmp(optarg, "yaml"))
				o->output = OUT_YAML;
			else
				return applet_usage_error(
					me, "-o: want table, json or yaml, got '%s'", optarg);
			break;
		case OPT_SLICE:
			if (applet_parse_bool(optarg, &o->slice) < 0)
				return applet_usage_error(me, "--slice: not a bool: '%s'", optarg);
			break;
		case OPT_ALL:
			if (applet_parse_bool(optarg, &o->all) < 0)
				return applet_usage_error(me, "--all: not a bool: '%s'", optarg);
			break;
		case OPT_MOVE_IB:
			if (applet_parse_bool(optarg, &o->move_ib) < 0)
				return applet_usage_error(
					me, "--move-ib-interfaces: not a bool: '%s'", optarg);
			break;
		case OPT_FILTER:
			o->filter = optarg;
			break;
		case OPT_SELECT:
			o->select = optarg;
			break;
		case OPT_NODE:
			o->node = optarg;
			break;
		case OPT_NETNS:
			o->netns = optarg;
			break;
		case OPT_ROOT:
			o->root = optarg;
			break;
		case OPT_GATES:
			ret = applet_parse_feature_gates(optarg, &o->gates, err, sizeof(err));
			if (ret < 0)
				return applet_usage_error(me, "--feature-gates: %s", err);
			break;
		case 'v':
			if (applet_parse_verbosity(optarg, &o->verbosity) < 0)
				return applet_usage_error(me, "-v: want 0..10, got '%s'", optarg);
			break;
		case APPLET_OPT_KLOG:
			applet_klog_flag("discover", long_opts, idx);
			break;
		default:
			fputs(discover_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return applet_usage_error(me, "unexpected argument '%s'", argv[optind]);
	if (o->slice && o->output == OUT_TABLE)
		return applet_usage_error(me, "--slice needs -o json or -o yaml");
	if (o->slice && o->all)
		return applet_usage_error(me, "--slice shows only what is published; drop --all");
	if (o->slice && o->select)
		return applet_usage_error(me, "--select does not change what is published; "
					      "drop it with --slice");
	if (o->netns && !*o->netns)
		return applet_usage_error(me, "--netns: empty path");
	ret = applet_node_name(o->node, o->node_name, sizeof(o->node_name));
	if (ret < 0)
		return applet_usage_error(me, "node name: %s",
					  ret == -EINVAL ? "empty hostname is invalid"
							 : strerror(-ret));
	if (!applet_is_node_name(o->node_name)) {
		/* The pool is named after the node: its slices would be refused. */
		if (o->slice)
			return applet_usage_error(me,
						  "node name '%s' is not a DNS-1123 subdomain "
						  "(a Kubernetes node name)",
						  o->node_name);
		fprintf(stderr,
			"%s: warning: node name '%s' is not a DNS-1123 subdomain: the API "
			"server would refuse these slices\n",
			me, o->node_name);
	}
	return 0;
}

/* Evaluate --select on every device; errors are no match (reported with --all). */
static int run_select(const struct inv_expr *e, const struct inv_scan *scan, struct arena *a,
		      struct sel **out)
{
	struct sel *sel = arena_calloc(a, scan->n ? scan->n : 1, sizeof(*sel));

	if (!sel)
		return -ENOMEM;
	for (size_t i = 0; i < scan->n; i++) {
		const char *why = NULL;
		int ret = inv_expr_eval(e, &scan->dev[i], &why, a);

		if (ret == -ENOMEM)
			return ret;
		sel[i].match = ret == 1;
		if (ret < 0) {
			sel[i].err =
				arena_printf(a, "select error: %s", why ? why : strerror(-ret));
			if (!sel[i].err)
				return -ENOMEM;
		}
	}
	*out = sel;
	return 0;
}

int discover_main(int argc, char **argv)
{
	struct discover_opts o = { .output = OUT_TABLE,
				   .filter = INV_FILTER_DEFAULT,
				   .move_ib = true };
	struct inv_expr *filter = NULL, *select = NULL;
	struct inv_scan scan = { 0 };
	struct inv *inv = NULL;
	struct json *doc = NULL;
	struct sel *sel = NULL;
	struct arena *a;
	const char *what = NULL;
	struct inv_opts io;
	int ret, rc = EXIT_FAIL;

	o.root = getenv("DRANET_SYSFS_ROOT");
	ret = parse_flags(argc, argv, &o);
	if (ret)
		return ret;
	log_setup("discover", o.verbosity ? log_level_from_verbosity(o.verbosity) : LOG_INFO);
	a = arena_new(ARENA_CAP_DEFAULT);
	if (!a) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		return EXIT_FAIL;
	}
	if (*o.filter) {
		ret = applet_compile_expr(argv[0], "--filter", o.filter, INV_EXPR_FILTER, a,
					  &filter);
		if (ret) {
			rc = ret;
			goto out_arena;
		}
	}
	if (o.select) {
		ret = applet_compile_expr(argv[0], "--select", o.select, INV_EXPR_SELECT, a,
					  &select);
		if (ret) {
			rc = ret;
			goto out_arena;
		}
	}
	if (o.netns) {
		ret = enter_netns(o.netns, &what);
		if (ret < 0) {
			fprintf(stderr, "%s: --netns %s: %s: %s\n", argv[0], o.netns, what,
				strerror(-ret));
			goto out_arena;
		}
	}
	io = (struct inv_opts){
		.root = o.root,
		.netns_path = NULL, /* entered above, with its own sysfs */
		.pcidb_path = getenv("PCIDB_PATH"),
		.move_ib_interfaces = o.move_ib,
		.list_type_attributes = o.gates.list_type_attributes,
	};
	ret = inv_new(&io, &inv);
	if (ret < 0) {
		fprintf(stderr, "%s: inventory: %s\n", argv[0], strerror(-ret));
		goto out_arena;
	}
	ret = inv_scan_all(inv, a, &scan);
	if (ret < 0) {
		fprintf(stderr, "%s: scan: %s\n", argv[0], strerror(-ret));
		goto out_inv;
	}
	for (size_t i = 0; i < scan.n_warnings; i++)
		log_warn("discovery problem", "detail=\"%s\"", scan.warnings[i]);
	ret = inv_scan_filter(&scan, filter, a);
	if (ret < 0)
		goto out_nomem;
	for (size_t i = 0; ret > 0 && i < scan.n; i++)
		if (scan.dev[i].excluded && str_has_prefix(scan.dev[i].excluded, "filter error: "))
			log_warn("filter evaluation failed, device excluded",
				 "device=%s reason=\"%s\"", scan.dev[i].name, scan.dev[i].excluded);
	if (select && run_select(select, &scan, a, &sel) < 0)
		goto out_nomem;

	if (o.output == OUT_TABLE) {
		ret = print_table(&o, &scan, sel, a);
	} else if (o.slice) {
		struct inv_slice_opts so = {
			.node = o.node_name,
			.driver = INV_DRIVER_NAME,
			.generation = 1,
			.api_version = "resource.k8s.io/v1",
		};

		ret = inv_slices_build(&scan, &so, &doc);
		if (ret == 0)
			ret = print_doc(doc, o.output, true);
	} else {
		doc = devices_json(&o, &scan, sel);
		ret = doc ? print_doc(doc, o.output, false) : -ENOMEM;
	}
	if (ret < 0) {
		fprintf(stderr, "%s: output: %s\n", argv[0], strerror(-ret));
		goto out_doc;
	}
	rc = EXIT_OK;
	goto out_doc;
out_nomem:
	fprintf(stderr, "%s: out of memory\n", argv[0]);
out_doc:
	json_free(doc);
out_inv:
	inv_free(inv);
out_arena:
	arena_free(a);
	return rc;
}
