# SPDX-License-Identifier: MIT
#
# Bare-metal test guests: programs that run as Lowvisor VMs (or natively on
# QEMU virt) and check the hypervisor from inside, printing TAP lines.
#
# Included by the top-level Makefile, or used alone from the repository root:
#   make -f test/guests/guests.mk guests BUILD=build
#
# Each guest test/guests/NAME/*.c, linked with test/guests/lib, becomes
# $(BUILD)/guests/NAME.elf and NAME.bin at the link address GUESTS_BASE
# (hex without 0x; the VM's load address, inside its RAM).  The same guest
# at another address is NAME@ADDR in GUESTS_AT, built as
# $(BUILD)/guests/NAME-ADDR.elf/.bin, e.g.
#   make -f test/guests/guests.mk guests GUESTS_AT="isolation@60000000"
# or, from a makefile that includes this one, $(call GUEST_BIN,NAME,ADDR)
# defines that build and expands to its .bin path:
#   system-test: $(call GUEST_BIN,isolation,60000000)
#
# guests-native runs every guest natively on qemu-system-arm -M virt (no
# hypervisor; test/guests/native.sh) and keeps the output in
# $(BUILD)/guests/native/NAME.log.

BUILD ?= build

GUESTS_SAVED_GOAL := $(.DEFAULT_GOAL)

GUESTS_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
GUESTS_TOP := $(patsubst %/,%,$(dir $(patsubst %/,%,$(dir $(GUESTS_DIR)))))
GUESTS_OUT := $(BUILD)/guests

GUESTS_CROSS ?= arm-none-eabi-
GUESTS_CC := $(GUESTS_CROSS)gcc
GUESTS_OBJCOPY := $(GUESTS_CROSS)objcopy
GUESTS_QEMU ?= qemu-system-arm
GUESTS_Q := $(if $(filter 1,$(V)),,@)

# Every test/guests/NAME/main.c is a guest.
GUESTS := $(sort $(patsubst $(GUESTS_DIR)/%/main.c,%,$(wildcard $(GUESTS_DIR)/*/main.c)))
GUESTS_BASE ?= 40000000
GUESTS_AT ?= isolation@60000000

# -mno-unaligned-access: the guests run with the MMU off, where every
# access is Strongly-ordered and must be aligned.  -mgeneral-regs-only:
# the VFP is off.  No newlib: the library has its own printf and strings.
GUESTS_ARCH := -mcpu=cortex-a15 -marm -mfloat-abi=soft -mgeneral-regs-only \
	-mno-unaligned-access
GUESTS_CFLAGS := $(GUESTS_ARCH) -std=gnu11 -O2 -g -ffreestanding -fno-common \
	-fno-pic -fno-stack-protector -fno-tree-loop-distribute-patterns \
	-ffunction-sections -fdata-sections \
	-Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wvla \
	-Wstrict-prototypes -Wpointer-arith \
	-I$(GUESTS_TOP)/include -I$(GUESTS_DIR)/lib -MMD -MP
GUESTS_ASFLAGS := $(GUESTS_ARCH) -D__ASSEMBLER__ -g -I$(GUESTS_DIR)/lib -MMD -MP
GUESTS_LDFLAGS := $(GUESTS_ARCH) -nostdlib -nostartfiles -static \
	-T $(GUESTS_DIR)/lib/guest.ld -Wl,--gc-sections \
	-Wl,--no-warn-rwx-segments -Wl,--build-id=none
GUESTS_LDLIBS := -lgcc

GUESTS_LIB_SRCS := $(wildcard $(GUESTS_DIR)/lib/*.c $(GUESTS_DIR)/lib/*.S)
GUESTS_LIB_OBJS := $(patsubst $(GUESTS_DIR)/%,$(GUESTS_OUT)/obj/%.o,$(GUESTS_LIB_SRCS))
$(foreach g,$(GUESTS),$(eval GUESTS_OBJS_$(g) := $(patsubst \
	$(GUESTS_DIR)/%,$(GUESTS_OUT)/obj/%.o,$(wildcard $(GUESTS_DIR)/$(g)/*.c))))

.PHONY: guests guests-native guests-clean guests-force

# The link of guest $(1) at address 0x$(2) into $(GUESTS_OUT)/$(3).elf/.bin
define GUESTS_LINK_RULE
$(GUESTS_OUT)/$(3).elf: $$(GUESTS_OBJS_$(1)) $$(GUESTS_LIB_OBJS) $(GUESTS_DIR)/lib/guest.ld
	@printf '  %-8s %s\n' LD $$@
	$$(GUESTS_Q)$$(GUESTS_CC) $$(GUESTS_LDFLAGS) -Wl,--defsym=GUEST_BASE=0x$(2) \
		-Wl,-Map=$$(@:.elf=.map) -o $$@ $$(GUESTS_OBJS_$(1)) \
		$$(GUESTS_LIB_OBJS) $$(GUESTS_LDLIBS)
$(GUESTS_OUT)/$(3).bin: $(GUESTS_OUT)/$(3).elf
	@printf '  %-8s %s\n' OBJCOPY $$@
	$$(GUESTS_Q)$$(GUESTS_OBJCOPY) -O binary $$< $$@
endef

# $(call GUEST_BIN,NAME,ADDR): the rules for NAME linked at 0xADDR, once;
# expands to the .bin's path.
GUEST_BIN = $(if $(GUESTS_DEFINED_$(1)-$(2)),,$(eval \
	$(call GUESTS_LINK_RULE,$(1),$(2),$(1)-$(2)))$(eval \
	GUESTS_DEFINED_$(1)-$(2) := 1))$(GUESTS_OUT)/$(1)-$(2).bin

$(foreach g,$(GUESTS),$(eval $(call GUESTS_LINK_RULE,$(g),$(GUESTS_BASE),$(g))))

# NAME.elf is relinked when GUESTS_BASE changes: the stamp's time changes
# only with its content.
$(foreach g,$(GUESTS),$(GUESTS_OUT)/$(g).elf): $(GUESTS_OUT)/base.stamp
$(GUESTS_OUT)/base.stamp: guests-force
	@mkdir -p $(@D)
	@echo $(GUESTS_BASE) | cmp -s - $@ 2>/dev/null || echo $(GUESTS_BASE) >$@

GUESTS_BINS := $(foreach g,$(GUESTS),$(GUESTS_OUT)/$(g).bin) \
	$(foreach a,$(GUESTS_AT),$(call GUEST_BIN,$(word 1,$(subst @, ,$(a))),$(word \
		2,$(subst @, ,$(a)))))

guests: $(GUESTS_BINS)

$(GUESTS_OUT)/obj/lib/%.c.o: $(GUESTS_DIR)/lib/%.c
	@printf '  %-8s %s\n' CC $<
	@mkdir -p $(@D)
	$(GUESTS_Q)$(GUESTS_CC) $(GUESTS_CFLAGS) -c -o $@ $<

$(GUESTS_OUT)/obj/lib/%.S.o: $(GUESTS_DIR)/lib/%.S
	@printf '  %-8s %s\n' AS $<
	@mkdir -p $(@D)
	$(GUESTS_Q)$(GUESTS_CC) $(GUESTS_ASFLAGS) -c -o $@ $<

# A guest's own sources know its name (the TAP summary line).
$(GUESTS_OUT)/obj/%.c.o: $(GUESTS_DIR)/%.c
	@printf '  %-8s %s\n' CC $<
	@mkdir -p $(@D)
	$(GUESTS_Q)$(GUESTS_CC) $(GUESTS_CFLAGS) \
		-DGUEST_NAME='"$(patsubst %/,%,$(dir $*))"' -c -o $@ $<

# Native runs (no hypervisor): test/guests/native.sh says which results
# only Lowvisor can give and fails on any other.
guests-native: $(foreach g,$(GUESTS),$(GUESTS_OUT)/$(g).bin)
	$(GUESTS_DIR)/native.sh $(BUILD)

guests-clean:
	rm -rf $(GUESTS_OUT)

-include $(wildcard $(GUESTS_OUT)/obj/*/*.d)

# Including this file must not change the including Makefile's default goal.
.DEFAULT_GOAL := $(GUESTS_SAVED_GOAL)
