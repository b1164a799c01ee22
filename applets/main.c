// SPDX-License-Identifier: Apache-2.0
/*
 * The multiplexer: basename(argv[0]) picks the applet, or `dranet APPLET
 * ...`. Invoked as `dranet` with only flags (upstream's image runs
 * `/dranet --v=4 --hostname-override=X`) it runs the driver. -h/--help and
 * --version are answered here before an applet runs (toybox check_help).
 */
#include "applet.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef DRANET_VERSION
#define DRANET_VERSION "0.0.0-dev"
#endif

struct applet {
	const char *name; /* dranet-discover */
	const char *id; /* discover */
	const char *summary;
	const char *usage;
	int (*main)(int, char **);
};

static const struct applet applets[] = {
#define APPLET(name, id, summary) { name, #id, summary, id##_usage, id##_main },
#include "applets.def"
#undef APPLET
};

static const struct applet *find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(applets); i++)
		if (strcmp(name, applets[i].name) == 0 || strcmp(name, applets[i].id) == 0)
			return &applets[i];
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: dranet APPLET [FLAGS...]\n"
		   "       dranet [DRIVER FLAGS...]   (runs dranet-driver, as upstream's /dranet)\n"
		   "\napplets (also callable through a symlink of that name):\n");
	for (size_t i = 0; i < ARRAY_SIZE(applets); i++)
		fprintf(f, "  %-16s %s\n", applets[i].name, applets[i].summary);
	fprintf(f,
		"\nEvery applet takes --help. Flags accept Go's syntax (-v=4, --v=4, -name value)\n"
		"and GNU's (--name=value, --name value).\n");
}

static bool is_help(const char *a)
{
	return !strcmp(a, "-h") || !strcmp(a, "--help") || !strcmp(a, "-help");
}

static bool is_version(const char *a)
{
	return !strcmp(a, "--version") || !strcmp(a, "-version");
}

/* Answer --help/--version for an applet before it parses anything. */
static int check_help(const struct applet *ap, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (is_help(argv[i])) {
			fputs(ap->usage, stdout);
			return EXIT_OK;
		}
		if (is_version(argv[i])) {
			printf("%s %s\n", ap->name, DRANET_VERSION);
			return EXIT_OK;
		}
	}
	return -1;
}

/*
 * File descriptors 0-2 must be open: a process started with one closed would
 * otherwise get its first socket there, and `--config -` would read a
 * netlink socket as stdin (or a log line would go into one).
 */
static int std_fds_open(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (open("/dev/null", O_RDWR) != fd)
			return -1;
	}
	return 0;
}

/* A write error on stdout (a full disk, a closed pipe) is a failure, as toybox's xexit. */
static int finish(const char *name, int ret)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: write error on stdout: %s\n", name, strerror(errno));
		if (ret == EXIT_OK)
			ret = EXIT_FAIL;
	}
	return ret;
}

static int run(const struct applet *ap, int argc, char **argv)
{
	int ret = check_help(ap, argc, argv);

	if (ret >= 0)
		return finish(ap->name, ret);
	argv[0] = (char *)ap->name;
	log_setup(ap->id, LOG_INFO);
	return finish(ap->name, ap->main(argc, argv));
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	const struct applet *ap;

	if (std_fds_open() < 0)
		return EXIT_FAIL;
	base = base ? base + 1 : argv[0];
	ap = find(base);
	if (ap)
		return run(ap, argc, argv);
	if (argc > 1 && is_help(argv[1])) {
		usage(stdout);
		return finish("dranet", EXIT_OK);
	}
	if (argc > 1 && is_version(argv[1])) {
		printf("dranet %s\n", DRANET_VERSION);
		return finish("dranet", EXIT_OK);
	}
	if (argc > 1 && argv[1][0] != '-') {
		ap = find(argv[1]);
		if (!ap) {
			fprintf(stderr, "dranet: unknown applet '%s'\n\n", argv[1]);
			usage(stderr);
			return EXIT_USAGE;
		}
		return run(ap, argc - 1, argv + 1);
	}
	/* Only flags (or nothing): upstream's `/dranet --v=4 ...` runs the driver. */
	return run(find("driver"), argc, argv);
}
