# SPDX-License-Identifier: MIT
#
# Unit tests of the VGIC (vgic/): the distributor's register semantics,
# injection, and the choice and folding of list registers, against a fake
# GICH with 4 list registers.  Include right after test/unit/unit.mk (it
# extends that file's lists and uses its program rule):
#   include test/unit/unit.mk
#   include test/unit/vgic.mk

VGIC_UNIT_TESTS := test_vgic
UNIT_SRCS_test_vgic := vgic/vgic.c vgic/vgic-mmio.c vgic/vgic-mmio-v2.c vgic/vgic-v2.c \
	hyp/emul/mmio.c

UNIT_TESTS += $(VGIC_UNIT_TESTS)
# unit.mk expanded UNIT_PROGRAMS, UNIT_HEADERS and its rules when it was
# read, so these are added here the same way; unit-test's loop reads
# UNIT_PROGRAMS late.  The vgic/ headers are found through a target-specific
# include path, which leaves the other programs' flags alone.
UNIT_PROGRAMS += $(addprefix $(UNIT_OUT)/,$(VGIC_UNIT_TESTS))
unit-test unit-build: $(addprefix $(UNIT_OUT)/,$(VGIC_UNIT_TESTS))
$(addprefix $(UNIT_OUT)/,$(VGIC_UNIT_TESTS)): UNIT_CFLAGS += -I$(UNIT_TOP)/vgic
$(addprefix $(UNIT_OUT)/,$(VGIC_UNIT_TESTS)): $(wildcard $(UNIT_TOP)/vgic/*.h)
$(foreach t,$(VGIC_UNIT_TESTS),$(eval $(call UNIT_PROGRAM_RULE,$(t))))
