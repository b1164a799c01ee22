// SPDX-License-Identifier: Apache-2.0
/*
 * Fault points, release flavour: a weak definition that does nothing. Test
 * builds link tests/fault/fault_env.o, whose strong attach_fault() wins at
 * link time (attach.h "Fault points"): the release binary cannot honour
 * DRANET_FAULT because the code that reads it is not in it.
 */
#include "attach/attach.h"

__attribute__((weak)) int attach_fault(const char *point)
{
	(void)point;
	return 0;
}
