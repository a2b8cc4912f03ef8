# SPDX-License-Identifier: MIT
#
# Unit tests of IRQ_LINE's irq argument (hyp/irq_line.c and the encoding in
# include/uapi/lowvisor.h).  Include right after test/unit/unit.mk (it
# extends that file's lists and uses its program rule):
#   include test/unit/unit.mk
#   include test/unit/irq_line.mk

IRQ_LINE_UNIT_TESTS := test_irq_line
UNIT_SRCS_test_irq_line := hyp/irq_line.c

UNIT_TESTS += $(IRQ_LINE_UNIT_TESTS)
# unit.mk expanded UNIT_PROGRAMS and its rules when it was read, so these
# are added here the same way; unit-test's loop reads UNIT_PROGRAMS late.
UNIT_PROGRAMS += $(addprefix $(UNIT_OUT)/,$(IRQ_LINE_UNIT_TESTS))
unit-test unit-build: $(addprefix $(UNIT_OUT)/,$(IRQ_LINE_UNIT_TESTS))
$(addprefix $(UNIT_OUT)/,$(IRQ_LINE_UNIT_TESTS)): $(UNIT_TOP)/include/uapi/lowvisor.h
$(foreach t,$(IRQ_LINE_UNIT_TESTS),$(eval $(call UNIT_PROGRAM_RULE,$(t))))
