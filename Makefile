# Lowvisor: a type-1 microhypervisor for ARM Cortex-A15.
#
#   make            build build/hyp.bin, build/hyp.elf, build/hyp.uimg
#   make run        boot it in QEMU (2 CPUs); quit with Ctrl-A x
#   make test       unit tests and a minute of fuzzing on the host, then
#                   system tests in QEMU
#   make help       all targets
#
# Missing tools are installed by scripts/setup.sh (Debian packages) the first
# time; V=1 shows the commands.

BUILD ?= build
CROSS ?= arm-none-eabi-
CC := $(CROSS)gcc
OBJCOPY := $(CROSS)objcopy
SIZE := $(CROSS)size
PYTHON ?= /usr/bin/python3
QEMU ?= qemu-system-arm
UIMAGE_LOAD ?= 0x40008000
DEFAULT_BUNDLE ?= hello
SMP ?= 2
MEM ?= 1024

ifeq ($(V),1)
Q :=
else
Q := @
endif

SETUP_STAMP := $(BUILD)/.setup-ok
LIBFDT_DIR := $(shell scripts/setup.sh --libfdt-dir)

ARCH_FLAGS := -mcpu=cortex-a15 -marm -mfloat-abi=soft -mgeneral-regs-only
WARN_FLAGS := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wvla \
	-Wstrict-prototypes -Wpointer-arith
CFLAGS := $(ARCH_FLAGS) $(WARN_FLAGS) -std=gnu11 -O2 -g -ffreestanding -DLOWVISOR_HYPERVISOR \
	-fno-common -fno-pic -fno-stack-protector -ffunction-sections \
	-fdata-sections --specs=nano.specs
# The rooms (docs/architecture.md has the map).  Each room's sources see
# include/, their own folder, and $(BUILD)/api/ROOM/: links to exactly the
# other rooms' public headers it may use (ROOM_API_ROOM), so any other
# include fails the build.  libfdt is for the rooms that read device trees.
ROOMS := boot mm drivers platform hyp/emul hyp/config vgic hyp
ROOM_API_boot :=
ROOM_API_mm :=
ROOM_API_drivers :=
ROOM_API_platform :=
ROOM_API_hyp/emul :=
ROOM_API_hyp/config := platform/platform.h
ROOM_API_vgic := hyp/emul/emul.h drivers/drivers.h
ROOM_API_hyp := mm/mm.h drivers/drivers.h platform/platform.h hyp/emul/emul.h \
	hyp/config/config.h vgic/vgic.h
ROOM_LIBFDT := platform hyp/config hyp
room_api = $(BUILD)/api/$(subst /,-,$(1))
ROOM_LINKS := $(foreach r,$(ROOMS),$(call room_api,$(r))/.links)
# The generated asm-offsets.h (the core's struct offsets) is for boot/ and
# the core.
ROOM_GENERATED := boot hyp
room_inc = -Iinclude -I$(1) -I$(call room_api,$(1)) \
	$(if $(filter $(1),$(ROOM_LIBFDT)),-I$(LIBFDT_DIR)) \
	$(if $(filter $(1),$(ROOM_GENERATED)),-I$(BUILD)/include)
# (A pattern with a shorter stem wins: hyp/config/%.o over hyp/%.o.)
$(foreach r,$(ROOMS),$(eval $(BUILD)/obj/$(r)/%.o: INCLUDES := $(call room_inc,$(r))))
ASFLAGS := $(ARCH_FLAGS) -D__ASSEMBLER__ -g
LDFLAGS := $(ARCH_FLAGS) -nostartfiles --specs=nano.specs -T linker/hyp.ld \
	-Wl,--gc-sections -Wl,-Map=$(BUILD)/hyp.map -Wl,--no-warn-rwx-segments

HYP_C := $(foreach r,$(ROOMS),$(wildcard $(r)/*.c))
HYP_C := $(filter-out hyp/asm-offsets.c,$(HYP_C))
HYP_S := $(wildcard boot/*.S)
# The libfdt files the build needs, one list shared with the set-up
# script's check (scripts/setup.sh --libfdt-files).
LIBFDT_FILES := $(shell scripts/setup.sh --libfdt-files)
LIBFDT_C := $(filter %.c,$(LIBFDT_FILES))

HYP_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(HYP_C)) \
	$(patsubst %.S,$(BUILD)/obj/%.o,$(HYP_S)) \
	$(patsubst %.c,$(BUILD)/obj/libfdt/%.o,$(LIBFDT_C))
ASM_OFFSETS := $(BUILD)/include/asm-offsets.h

# Code that runs once, at boot or for a configuration error, is compiled for
# size: the hot paths (traps, the vGIC, the scheduler) keep -O2, and
# hyp-core.bin its 128 KiB budget (docs/performance.md).
COLD_C := $(filter-out hyp/config/hash.c,$(wildcard hyp/config/*.c)) hyp/report.c \
	platform/boards.c platform/dt.c hyp/lifecycle.c hyp/main.c hyp/memory.c hyp/smp.c
COLD_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(COLD_C)) \
	$(patsubst %.c,$(BUILD)/obj/libfdt/%.o,$(filter-out fdt.c fdt_ro.c,$(LIBFDT_C)))
$(COLD_OBJS): CFLAGS := $(filter-out -O2,$(CFLAGS)) -Os

.PHONY: all run test rooms-test unit-test system-test setup clean help bundles guests bench \
	bench-smp
all: $(BUILD)/hyp.bin $(BUILD)/hyp.uimg $(BUILD)/hyp-core.bin guests linux bundles
	@printf '  %-8s %s\n' SIZE "$(BUILD)/hyp-core.elf (the hypervisor alone)"
	$(Q)$(SIZE) $(BUILD)/hyp-core.elf | sed 's/^/    /'
	@printf '    hyp-core.bin: %s bytes; hyp.bin with the default bundle ($(DEFAULT_BUNDLE)): %s bytes\n' \
		"$$(stat -c %s $(BUILD)/hyp-core.bin)" "$$(stat -c %s $(BUILD)/hyp.bin)"

help:
	@echo "Lowvisor make targets:"
	@echo "  all (default)  build/hyp.bin (raw, for qemu -kernel), build/hyp.elf"
	@echo "                 (symbols, for gdb) and build/hyp.uimg (uImage for U-Boot)"
	@echo "  run            boot build/hyp.bin with the demo system (configs/demo.its;"
	@echo "                 RUN_BUNDLE=NAME for another) in QEMU virt (SMP=$(SMP),"
	@echo "                 MEM=$(MEM) MiB); quit with Ctrl-A x"
	@echo "  test           unit-test, fuzz-test, then system-test"
	@echo "  unit-test      host unit tests (cmocka) of the pure-C modules"
	@echo "  fuzz-test      the boot-time parsers fuzzed on the host (libFuzzer)"
	@echo "                 for FUZZ_TEST_SECONDS=$(FUZZ_TEST_SECONDS) each, at once"
	@echo "  fuzz           the same for FUZZ_SECONDS=$(FUZZ_SECONDS) (e.g. make fuzz"
	@echo "                 FUZZ_SECONDS=3600); finds kept in $(BUILD)/fuzz/corpus"
	@echo "  system-test    QEMU boots driven by pytest + pexpect (test/system/)"
	@echo "  bench          per-operation costs, Linux against native, footprint, in"
	@echo "                 QEMU instruction counts (-icount); writes $(BUILD)/bench.json"
	@echo "  bench-smp      wall time of an 8-vCPU Linux on 2 CPUs to its shell beside"
	@echo "                 QEMU -smp 8 native (BENCH_SMP_ARGS, e.g. --runs 3 --load 240)"
	@echo "  linux          Debian kernels and the busybox initramfs in $(BUILD)/linux"
	@echo "  tools          lowvisor.ko and lowvisorctl (management Linux) in $(BUILD)/tools"
	@echo "  setup          install missing Debian packages, prepare libfdt"
	@echo "  clean          remove $(BUILD)/"
	@echo "Variables: V=1 (show commands), UIMAGE_LOAD=$(UIMAGE_LOAD) (uImage"
	@echo "  load address), SMP, MEM (for run), QEMU, CROSS=$(CROSS)"

setup:
	scripts/setup.sh

# The set-up script runs when a tool or the libfdt sources are missing.
$(SETUP_STAMP): scripts/setup.sh
	$(Q)scripts/setup.sh --check >/dev/null || scripts/setup.sh
	$(Q)mkdir -p $(@D) && touch $@

$(ASM_OFFSETS): hyp/asm-offsets.c hyp/percpu.h hyp/trap.h hyp/vcpu.h | $(SETUP_STAMP) $(ROOM_LINKS)
	@printf '  %-8s %s\n' GEN $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(call room_inc,hyp) -S -o $@.s $<
	$(Q){ echo '/* Generated from hyp/asm-offsets.c; do not edit. */'; \
	  sed -n 's/.*->\([A-Z0-9_]*\) #\{0,1\}\([0-9]*\).*/#define \1 \2/p' $@.s; } > $@
	$(Q)rm -f $@.s

$(BUILD)/obj/%.o: %.c | $(SETUP_STAMP) $(ROOM_LINKS)
	@printf '  %-8s %s\n' CC $<
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) -MMD -MP -c -o $@ $<

$(BUILD)/obj/%.o: %.S $(ASM_OFFSETS) | $(SETUP_STAMP) $(ROOM_LINKS)
	@printf '  %-8s %s\n' AS $<
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ASFLAGS) $(INCLUDES) -MMD -MP -c -o $@ $<

# Each room's view of the others: links to the public headers it may use.
define room_links
$(call room_api,$(1))/.links: Makefile
	$$(Q)rm -rf $$(@D) && mkdir -p $$(@D)
	$$(Q)for h in $(ROOM_API_$(1)); do ln -s $$(CURDIR)/$$$$h $$(@D)/; done
	$$(Q)touch $$@
endef
$(foreach r,$(ROOMS),$(eval $(call room_links,$(r))))

# libfdt from Debian's linux-source-6.1, compiled with the firmware's flags.
$(BUILD)/obj/libfdt/%.o: $(LIBFDT_DIR)/%.c | $(SETUP_STAMP)
	@printf '  %-8s %s\n' CC libfdt/$*.c
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Iinclude -I$(LIBFDT_DIR) -MMD -MP -c -o $@ $<

# The cache's sources are explicit targets, so make never takes them for
# intermediate files and deletes them after a build; any that is missing
# (a cache removed or damaged since) is prepared again by the set-up script.
LIBFDT_PATHS := $(addprefix $(LIBFDT_DIR)/,$(LIBFDT_FILES))
.PRECIOUS: $(LIBFDT_PATHS)
$(LIBFDT_PATHS) &: | $(SETUP_STAMP)
	$(Q)scripts/setup.sh

# hyp-core.elf is the hypervisor alone (its size is the one that counts);
# hyp.elf adds the default bundle.
$(BUILD)/hyp-core.elf: $(HYP_OBJS) linker/hyp.ld
	@printf '  %-8s %s\n' LD $@
	$(Q)$(CC) $(LDFLAGS) -Wl,-Map=$(BUILD)/hyp-core.map -o $@ $(HYP_OBJS) \
		-Wl,--start-group -lc -lgcc -Wl,--end-group

$(BUILD)/hyp.elf: $(HYP_OBJS) $(BUILD)/obj/default-bundle.o linker/hyp.ld
	@printf '  %-8s %s\n' LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $(HYP_OBJS) $(BUILD)/obj/default-bundle.o \
		-Wl,--start-group -lc -lgcc -Wl,--end-group

$(BUILD)/hyp-core.bin: $(BUILD)/hyp-core.elf
	@printf '  %-8s %s\n' OBJCOPY $@
	$(Q)$(OBJCOPY) -O binary $< $@

$(BUILD)/hyp.bin: $(BUILD)/hyp.elf
	@printf '  %-8s %s\n' OBJCOPY $@
	$(Q)$(OBJCOPY) -O binary $< $@

$(BUILD)/hyp.uimg: $(BUILD)/hyp.bin
	@printf '  %-8s %s\n' MKIMAGE $@
	$(Q)mkimage -A arm -O linux -T kernel -C none -a $(UIMAGE_LOAD) \
		-e $(UIMAGE_LOAD) -n "Lowvisor" -d $< $@ >/dev/null

QEMU_RUN := $(QEMU) -M virt,virtualization=on -cpu cortex-a15 -smp $(SMP) \
	-m $(MEM) -nographic -nic none

# The demo system (configs/demo.its); RUN_BUNDLE=hello (or any bundle)
# runs another.
RUN_BUNDLE ?= demo
run: all
	@echo "Booting Lowvisor in QEMU: $(QEMU_RUN) -kernel $(BUILD)/hyp.bin -initrd $(BUILD)/$(RUN_BUNDLE).itb"
	@cat docs/demo.txt
	@echo "Quit with Ctrl-A x."
	$(QEMU_RUN) -kernel $(BUILD)/hyp.bin -initrd $(BUILD)/$(RUN_BUNDLE).itb

include test/unit/unit.mk
include test/unit/config.mk
-include test/unit/vgic.mk
-include test/unit/irq_line.mk
$(UNIT_PROGRAMS) $(UNIT_DTBS): | $(SETUP_STAMP)
GUESTS_AT := isolation@60000000 basic@50000000
include test/guests/guests.mk
include test/linux/linux.mk
include tools/linux/linux-tools.mk
include test/bench/bench.mk
$(GUESTS_LIB_OBJS) $(foreach g,$(GUESTS),$(GUESTS_OBJS_$(g))) $(GUESTS_BINS): | $(SETUP_STAMP)

# Bundles: build/NAME.itb from configs/NAME.its.  dtc looks up /incbin/ files
# next to the .its, then in -i dirs, never in the cwd; -D replaces all of
# mkimage's dtc options, so its defaults are repeated.  The interrupts of a
# VM's guest-dt nodes belong to the guest's GIC, which is not in the bundle:
# dtc's check for their interrupt parent does not apply.
GUEST_DIR := $(BUILD)/guests
BUNDLES := $(patsubst configs/%.its,$(BUILD)/%.itb,$(wildcard configs/*.its))
# A plain name is a guest in $(BUILD)/guests; a path (linux/vmlinuz-armmp)
# is under $(BUILD).
ITS_INCBINS = $(foreach f,$(shell sed -n 's|.*/incbin/("\([^"]*\)").*|\1|p' $(1)),\
	$(if $(filter /%,$(f)),$(f),\
	$(if $(wildcard $(dir $(1))$(f)),$(dir $(1))$(f),\
	$(if $(findstring /,$(f)),$(BUILD)/$(f),$(GUEST_DIR)/$(f)))))
MKIMAGE_DTC := -I dts -O dtb -p 500 -W no-interrupts_property -i $(GUEST_DIR) -i $(BUILD)

.SECONDEXPANSION:
$(BUNDLES): $(BUILD)/%.itb: configs/%.its $$(call ITS_INCBINS,configs/$$*.its) | $(SETUP_STAMP)
	@printf '  %-8s %s\n' MKIMAGE $@
	$(Q)mkdir -p $(@D)
	$(Q)SOURCE_DATE_EPOCH=0 mkimage -D "$(MKIMAGE_DTC)" -f $< $@.tmp >/dev/null
	$(Q)mv $@.tmp $@

# The scale test's system has too many VMs to write out: a script prints it.
$(BUILD)/scale.its: configs/scale.its.sh
	@printf '  %-8s %s\n' GEN $@
	$(Q)mkdir -p $(@D)
	$(Q)sh $< > $@.tmp && mv $@.tmp $@

$(BUILD)/scale.itb: $(BUILD)/scale.its $(GUEST_DIR)/isolation.bin | $(SETUP_STAMP)
	@printf '  %-8s %s\n' MKIMAGE $@
	$(Q)SOURCE_DATE_EPOCH=0 mkimage -D "$(MKIMAGE_DTC)" -f $< $@.tmp >/dev/null
	$(Q)mv $@.tmp $@

BUNDLES += $(BUILD)/scale.itb

# The lifecycle race (configs/race.its.sh): alone, and with 260 fillers so
# that the VMIDs roll over meanwhile.
$(BUILD)/race.its: configs/race.its.sh
	@printf '  %-8s %s\n' GEN $@
	$(Q)mkdir -p $(@D)
	$(Q)sh $< 0 > $@.tmp && mv $@.tmp $@

$(BUILD)/race-vmid.its: configs/race.its.sh
	@printf '  %-8s %s\n' GEN $@
	$(Q)mkdir -p $(@D)
	$(Q)sh $< 260 6000 1 > $@.tmp && mv $@.tmp $@

$(BUILD)/race.itb $(BUILD)/race-vmid.itb: $(BUILD)/%.itb: $(BUILD)/%.its $(GUEST_DIR)/ticker.bin \
		$(GUEST_DIR)/racer.bin | $(SETUP_STAMP)
	@printf '  %-8s %s\n' MKIMAGE $@
	$(Q)SOURCE_DATE_EPOCH=0 mkimage -D "$(MKIMAGE_DTC)" -f $< $@.tmp >/dev/null
	$(Q)mv $@.tmp $@

BUNDLES += $(BUILD)/race.itb $(BUILD)/race-vmid.itb

bundles: $(BUNDLES)

# Host fuzzing of the boot-time parsers (make fuzz-test, make fuzz).
include test/fuzz/fuzz.mk

# The default bundle, linked into hyp.bin so that -kernel hyp.bin alone runs
# a system; a bundle given by the loader (-initrd, bootm) replaces it.
$(BUILD)/obj/default-bundle.o: $(BUILD)/$(DEFAULT_BUNDLE).itb
	@printf '  %-8s %s\n' BUNDLE $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CROSS)objcopy -I binary -O elf32-littlearm -B arm \
		--rename-section .data=.bundle,alloc,load,readonly,data,contents $< $@

# Independent QEMU boots, two at a time; each has its own timeout.
system-test: all
	$(PYTHON) -m pytest -q -n 2 -p no:cacheprovider test/system

test: rooms-test unit-test fuzz-test system-test

# The map enforced: each room reaches every header the map gives it, and
# no other room's header, public or private.
ROOM_HEADERS := $(foreach r,$(ROOMS),$(wildcard $(r)/*.h))
rooms-test: $(ROOM_LINKS)
	$(Q)bad=0; \
	check() { for h in $(ROOM_HEADERS); do \
	    [ "$${h%/*}" = "$$1" ] && continue; \
	    want=no; for a in $$3; do [ "$$a" = "$$h" ] && want=yes; done; \
	    if echo "#include \"$${h##*/}\"" | $(CC) -E -x c -o /dev/null $$2 - 2>/dev/null; \
	    then got=yes; else got=no; fi; \
	    [ $$want = $$got ] && continue; \
	    echo "rooms-test: $$1 $$([ $$want = yes ] && echo cannot || echo can) include $$h"; bad=1; \
	  done; }; \
	$(foreach r,$(ROOMS),check "$(r)" "$(call room_inc,$(r))" "$(ROOM_API_$(r))";) \
	[ $$bad = 0 ] && echo "rooms-test: each room reaches exactly the headers of the map"
	$(Q)s2='#include "mm.h"\nint f(struct stage2 *s);\nint f(struct stage2 *s) {\n return stage2_map(s, %s, %s, 4096, STAGE2_MEM_NORMAL, STAGE2_PERM_RW);\n}\n'; \
	printf "$$s2" 'ipa_init(0)' 'pa_init(0)' | $(CC) -fsyntax-only -x c -Iinclude -Imm - && \
	! printf "$$s2" 'pa_init(0)' 'ipa_init(0)' | $(CC) -fsyntax-only -x c -Iinclude -Imm - 2>/dev/null && \
	echo "rooms-test: a PA where stage2_map takes an IPA does not compile"

# Measured, not asserted: per-operation costs, Linux against native and
# the footprint, each beside its target (docs/performance.md).
bench: all
	$(PYTHON) test/bench/bench.py --build $(BUILD)

# Wall time, not instructions (no -icount: see the script): an idle machine.
BENCH_SMP_ARGS ?= --runs 3
bench-smp: all
	$(PYTHON) test/bench/smp_boot.py --build $(BUILD) $(BENCH_SMP_ARGS)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
