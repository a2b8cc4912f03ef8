# SPDX-License-Identifier: MIT
#
# Host unit tests (cmocka) of the modules that need no hardware.
#
# Included by the top-level Makefile, or used alone from the repository root:
#   make -f test/unit/unit.mk unit-test BUILD=build
#
# unit-test dumps QEMU virt DTBs into $(BUILD)/dtb, builds each test program
# into $(BUILD)/unit, runs them all (cmocka's own output) and fails if any
# test fails.  The programs take the DTB directory as their first argument
# (or $LOWVISOR_DTB_DIR), so one can be rerun by hand:
#   build/unit/test_platform build/dtb

BUILD ?= build

UNIT_SAVED_GOAL := $(.DEFAULT_GOAL)

UNIT_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
UNIT_TOP := $(patsubst %/,%,$(dir $(patsubst %/,%,$(dir $(UNIT_DIR)))))
UNIT_OUT := $(BUILD)/unit
UNIT_DTB_DIR := $(BUILD)/dtb

# The host compiler, whatever CC the firmware build uses.
UNIT_CC ?= gcc
UNIT_QEMU ?= qemu-system-arm

UNIT_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wvla \
	-Wstrict-prototypes -Wpointer-arith \
	-g -O1 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-I$(UNIT_DIR)/host -I$(UNIT_TOP)/include -I$(UNIT_TOP)/platform -I$(UNIT_TOP)/mm -I$(UNIT_TOP)/hyp \
	-I$(UNIT_TOP)/hyp/config -I$(UNIT_TOP)/hyp/emul -I$(UNIT_TOP)/drivers \
	-I$(UNIT_DIR)
UNIT_LDLIBS := -lfdt -lcmocka -pthread

# Each test program and the sources it tests.
UNIT_TESTS := test_platform test_palloc test_log test_options test_stage2 test_vmid \
	test_hsr test_runq test_lifecycle test_core test_trap test_console test_vcpu
UNIT_SRCS_test_platform := platform/dt.c platform/boards.c hyp/config/passthrough.c hyp/log.c
UNIT_SRCS_test_palloc := mm/palloc.c
UNIT_SRCS_test_log := hyp/log.c
UNIT_SRCS_test_options := hyp/config/options.c hyp/log.c
UNIT_SRCS_test_stage2 := mm/stage2.c
UNIT_SRCS_test_vmid := mm/vmid.c
UNIT_SRCS_test_hsr := hyp/emul/hsr.c hyp/emul/mmio.c
UNIT_SRCS_test_runq := hyp/runq.c
UNIT_SRCS_test_lifecycle := hyp/lifecycle.c hyp/log.c
# The core through the fake arch (test/unit/host/arch/sysreg.h).
UNIT_SRCS_test_core := hyp/hypercall.c hyp/ioreq.c hyp/irq_line.c hyp/cp15.c hyp/vuart.c hyp/emul/mmio.c \
	$(UNIT_DIR)/host/fake_arch.c
UNIT_SRCS_test_console := hyp/console.c hyp/log.c $(UNIT_DIR)/host/fake_arch.c
$(UNIT_OUT)/test_trap: UNIT_CFLAGS += -I$(UNIT_TOP)/vgic
$(UNIT_OUT)/test_vcpu: UNIT_CFLAGS += -I$(UNIT_TOP)/vgic
UNIT_SRCS_test_vcpu := hyp/vcpu.c hyp/runq.c hyp/emul/hsr.c $(UNIT_DIR)/host/fake_arch.c
UNIT_SRCS_test_trap := hyp/trap.c hyp/emul/hsr.c hyp/emul/mmio.c hyp/log.c \
	$(UNIT_DIR)/host/fake_arch.c

UNIT_PROGRAMS := $(addprefix $(UNIT_OUT)/,$(UNIT_TESTS))
UNIT_HEADERS := $(wildcard $(UNIT_TOP)/include/*.h $(UNIT_TOP)/platform/*.h \
	$(UNIT_TOP)/mm/*.h $(UNIT_TOP)/hyp/*.h $(UNIT_TOP)/hyp/*/*.h $(UNIT_DIR)/*.h $(UNIT_DIR)/host/*.h)

# QEMU virt as Lowvisor runs on it (virtualization=on), with 1, 2, 4 and 8
# CPUs, with 2 GiB of RAM, and once without the virtualization extensions
# (its GIC node has no GICH/GICV regions).  -nic none: otherwise QEMU looks
# for efi-virtio.rom, which the dump does not need.
UNIT_SMP := 1 2 4 8
UNIT_DTBS := $(foreach n,$(UNIT_SMP),$(UNIT_DTB_DIR)/virt-smp$(n).dtb) \
	$(UNIT_DTB_DIR)/virt-m2048-smp2.dtb $(UNIT_DTB_DIR)/virt-novirt-smp1.dtb
UNIT_QEMU_ARGS := -cpu cortex-a15 -nographic -nic none

.PHONY: unit-test unit-build unit-dtbs unit-clean

unit-test: $(UNIT_DTBS) $(UNIT_PROGRAMS)
	@failed=; \
	for t in $(UNIT_PROGRAMS); do \
		echo "== $$t $(UNIT_DTB_DIR)"; \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1 \
		LOWVISOR_DTB_DIR=$(UNIT_DTB_DIR) $$t $(UNIT_DTB_DIR) || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "unit-test: FAILED:$$failed"; exit 1; fi; \
	echo "unit-test: all $(words $(UNIT_PROGRAMS)) test programs passed"

unit-build: $(UNIT_PROGRAMS)

unit-dtbs: $(UNIT_DTBS)

# Only what this file makes: $(BUILD)/dtb may hold others' DTBs.
unit-clean:
	rm -rf $(UNIT_OUT)
	rm -f $(UNIT_DTBS) $(addsuffix .tmp,$(UNIT_DTBS))

$(UNIT_OUT) $(UNIT_DTB_DIR):
	mkdir -p $@

# Dumped to a temporary name first so an interrupted dump leaves no DTB.
$(UNIT_DTB_DIR)/virt-smp%.dtb: | $(UNIT_DTB_DIR)
	$(UNIT_QEMU) -M virt,virtualization=on,dumpdtb=$@.tmp $(UNIT_QEMU_ARGS) -smp $* -m 1024
	mv $@.tmp $@

$(UNIT_DTB_DIR)/virt-m2048-smp2.dtb: | $(UNIT_DTB_DIR)
	$(UNIT_QEMU) -M virt,virtualization=on,dumpdtb=$@.tmp $(UNIT_QEMU_ARGS) -smp 2 -m 2048
	mv $@.tmp $@

$(UNIT_DTB_DIR)/virt-novirt-smp1.dtb: | $(UNIT_DTB_DIR)
	$(UNIT_QEMU) -M virt,dumpdtb=$@.tmp $(UNIT_QEMU_ARGS) -smp 1 -m 1024
	mv $@.tmp $@

define UNIT_PROGRAM_RULE
$(UNIT_OUT)/$(1): $(UNIT_DIR)/$(1).c $(addprefix $(UNIT_TOP)/,$(UNIT_SRCS_$(1))) \
		$(UNIT_HEADERS) | $(UNIT_OUT)
	$$(UNIT_CC) $$(UNIT_CFLAGS) -o $$@ $$(filter %.c,$$^) $$(UNIT_LDLIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call UNIT_PROGRAM_RULE,$(t))))

# Including this file must not change the including Makefile's default goal.
.DEFAULT_GOAL := $(UNIT_SAVED_GOAL)
