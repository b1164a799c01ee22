/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every applet shares: the table entry, Go-style flag values and the
 * klog flags that upstream's manifests may pass. Only applets/ includes this.
 */
#ifndef DRANET_APPLETS_APPLET_H
#define DRANET_APPLETS_APPLET_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/base.h"

#define APPLET(name, id, summary)                                                                  \
	int id##_main(int argc, char **argv);                                                      \
	extern const char id##_usage[];
#include "applets.def"
#undef APPLET

/* Exit codes (STYLE.md 2.2). */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/*
 * getopt val for klog's flags: accepted, warned about once, ignored. Put
 * APPLET_KLOG_OPTIONS at the end of an applet's option table (before the
 * terminator) and pass the case to applet_klog_flag().
 */
#define APPLET_OPT_KLOG 0x4b4c
#define APPLET_KLOG_OPTIONS                                                                        \
	{ "logtostderr", optional_argument, NULL, APPLET_OPT_KLOG },                               \
		{ "alsologtostderr", optional_argument, NULL, APPLET_OPT_KLOG },                   \
		{ "log_dir", required_argument, NULL, APPLET_OPT_KLOG },                           \
		{ "log_file", required_argument, NULL, APPLET_OPT_KLOG },                          \
		{ "log_file_max_size", required_argument, NULL, APPLET_OPT_KLOG },                 \
		{ "log_backtrace_at", required_argument, NULL, APPLET_OPT_KLOG },                  \
		{ "skip_headers", optional_argument, NULL, APPLET_OPT_KLOG },                      \
		{ "skip_log_headers", optional_argument, NULL, APPLET_OPT_KLOG },                  \
		{ "stderrthreshold", required_argument, NULL, APPLET_OPT_KLOG },                   \
		{ "vmodule", required_argument, NULL, APPLET_OPT_KLOG },                           \
		{ "add_dir_header", optional_argument, NULL, APPLET_OPT_KLOG },                    \
		{ "one_output", optional_argument, NULL, APPLET_OPT_KLOG },                        \
	{                                                                                          \
		"logging-format", required_argument, NULL, APPLET_OPT_KLOG                         \
	}

/* Warn once that a klog flag is accepted for compatibility and ignored. */
void applet_klog_flag(const char *applet, const struct option *opts, int longindex);

/*
 * Go flag values. A bool flag is declared optional_argument: "--all" is
 * true, "--all=false" false; Go's spellings 1/0/t/f/true/false/TRUE/...
 * Returns 0 or -EINVAL.
 */
MUST_CHECK int applet_parse_bool(const char *arg, bool *out);
/* Go time.Duration ("1m30s", "2s", "500ms", "0"); -EINVAL or -ERANGE. */
MUST_CHECK int applet_parse_duration_ms(const char *arg, uint64_t *out_ms);
/* A klog -v level 0..10. */
MUST_CHECK int applet_parse_verbosity(const char *arg, int *out);

/*
 * Upstream v1.4's feature gates (pkg/features; both alpha, default false)
 * in k8s component-base syntax "Name=bool,Name=bool". As component-base:
 * an unknown name, a missing "=" or a bad bool is an error; "AllAlpha" and
 * "AllBeta" set every alpha/beta gate not named explicitly. 0 or -EINVAL
 * with @err (of @errlen bytes) saying why.
 */
struct applet_gates {
	bool list_type_attributes; /* DRAListTypeAttributes */
	bool persistent_slice_attributes; /* PersistentResourceSliceAttributes */
};

MUST_CHECK int applet_parse_feature_gates(const char *arg, struct applet_gates *g, char *err,
					  size_t errlen);
/*
 * The node name as k8s nodeutil.GetHostname: @override, else the kernel's
 * hostname; then trimmed of white space and lower-cased. 0, -EINVAL when
 * the result is empty, -EMSGSIZE when it does not fit @n.
 */
MUST_CHECK int applet_node_name(const char *override, char *out, size_t n);
/* A DNS-1123 subdomain (lower case, <= 253 bytes, labels of [a-z0-9-] not starting or ending with '-'), as the API server wants a node name. */
bool applet_is_node_name(const char *s);

struct arena;
struct inv_expr;
/*
 * Compile the expression of flag @flag (mode enum inv_expr_mode); on a
 * syntax error print the source with a caret under the column and the
 * reason on stderr. 0, or EXIT_USAGE after printing.
 */
MUST_CHECK int applet_compile_expr(const char *applet, const char *flag, const char *src, int mode,
				   struct arena *a, struct inv_expr **out);

/* Print "<applet>: <msg>" and the usage hint on stderr; returns EXIT_USAGE. */
int applet_usage_error(const char *applet, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* An applet that is not built yet says so and exits 2 (no fake behaviour). */
int applet_not_built(const char *applet, const char *issue);

#endif
