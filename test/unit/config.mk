# SPDX-License-Identifier: MIT
#
# Unit tests of the configuration code: digests, bundles (FITs), the
# /lowvisor parser and the guest device-tree builder.  Include right after
# test/unit/unit.mk (it extends that file's lists and uses its program rule):
#   include test/unit/unit.mk
#   include test/unit/config.mk
#
# test_config also runs mkimage on configs/hello.its (skipped without
# mkimage), so it is run from the repository root, as unit-test does.

CONFIG_UNIT_TESTS := test_config test_guest_dt
UNIT_SRCS_test_config := hyp/config/config.c hyp/config/guest_dt.c hyp/config/bundle.c hyp/config/hash.c hyp/log.c \
	platform/dt.c
UNIT_SRCS_test_guest_dt := hyp/config/guest_dt.c platform/dt.c

UNIT_TESTS += $(CONFIG_UNIT_TESTS)
# unit.mk expanded UNIT_PROGRAMS and its rules when it was read, so these
# are added here the same way; unit-test's loop reads UNIT_PROGRAMS late.
UNIT_PROGRAMS += $(addprefix $(UNIT_OUT)/,$(CONFIG_UNIT_TESTS))
unit-test unit-build: $(addprefix $(UNIT_OUT)/,$(CONFIG_UNIT_TESTS))
$(foreach t,$(CONFIG_UNIT_TESTS),$(eval $(call UNIT_PROGRAM_RULE,$(t))))
