// SPDX-License-Identifier: Apache-2.0
/* dranet-inspect: not built yet; says so and exits 2. */
#include "applet.h"

const char inspect_usage[] = "usage: dranet-inspect [FLAGS...]\n"
			     "\n"
			     "Not built yet: planned in issue 6 (state) and issue 9.\n";

int inspect_main(int argc, char **argv)
{
	(void)argc;
	return applet_not_built(argv[0], "issue 6 (state) and issue 9");
}
