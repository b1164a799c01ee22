// SPDX-License-Identifier: Apache-2.0
/* dranet-attach: not built yet; says so and exits 2. */
#include "applet.h"

const char attach_usage[] = "usage: dranet-attach [FLAGS...]\n"
			    "\n"
			    "Not built yet: planned in issue 3 (attach engine).\n";

int attach_main(int argc, char **argv)
{
	(void)argc;
	return applet_not_built(argv[0], "issue 3 (attach engine)");
}
