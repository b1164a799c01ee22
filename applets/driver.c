// SPDX-License-Identifier: Apache-2.0
/* dranet-driver: not built yet; says so and exits 2. */
#include "applet.h"

const char driver_usage[] = "usage: dranet-driver [FLAGS...]\n"
			   "\n"
			   "Not built yet: planned in issue 4 (publishing) and later.\n";

int driver_main(int argc, char **argv)
{
	(void)argc;
	return applet_not_built(argv[0], "issue 4 (publishing) and later");
}
