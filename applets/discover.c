// SPDX-License-Identifier: Apache-2.0
/* dranet-discover: not built yet; says so and exits 2. */
#include "applet.h"

const char discover_usage[] = "usage: dranet-discover [FLAGS...]\n"
			   "\n"
			   "Not built yet: planned in issue 2.\n";

int discover_main(int argc, char **argv)
{
	(void)argc;
	return applet_not_built(argv[0], "issue 2");
}
