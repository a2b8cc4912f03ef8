// SPDX-License-Identifier: MIT
/* The fake arch's registers (test/unit/host/arch/sysreg.h). */
#include "arch/sysreg.h"

struct fake_sysregs fake_sysreg;
