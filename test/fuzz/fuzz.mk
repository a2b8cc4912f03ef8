# SPDX-License-Identifier: MIT
#
# Fuzzing of what the hypervisor reads from outside at boot, on the host,
# with libFuzzer (clang's -fsanitize=fuzzer, with ASan and UBSan):
#
#   fuzz_bundle  a bundle: hyp/config/config.c's config_parse, hyp/config/bundle.c,
#                hyp/config/hash.c, then hyp/config/guest_dt.c for each VM accepted
#   fuzz_hostdt  a host DTB: platform/dt.c, and passthrough nodes copied
#                by hyp/config/guest_dt.c
#
# Built for 32-bit x86 (FUZZ_ARCH=-m32, libc6-dev-i386 and lib32stdc++-12-dev),
# as the hypervisor is a 32-bit program (its size_t, long and pointers are
# 32 bits), with the libfdt sources the firmware itself compiles
# (scripts/setup.sh --libfdt-dir).  FUZZ_ARCH= builds for the host's own
# word size instead.  Included by the top-level
# Makefile after test/unit/unit.mk (it uses LIBFDT_DIR, LIBFDT_C,
# BUNDLES and UNIT_DTBS):
#
#   make fuzz-test                  what make test runs: each target once
#                                   over test/fuzz/regressions/TARGET, then
#                                   all of them at once for
#                                   FUZZ_TEST_SECONDS (45) each
#   make fuzz FUZZ_SECONDS=600      the same for as long as asked (600)
#   make fuzz-build                 build/fuzz/fuzz_TARGET only
#
# Seeds (build/fuzz/seeds, test/fuzz/seeds.sh) come from configs/ and QEMU
# virt's DTBs; what the fuzzers find grows in build/fuzz/corpus across runs;
# a crash lands in build/fuzz/crashes (test/fuzz/run.sh).  One input is
# replayed with build/fuzz/fuzz_TARGET FILE.

FUZZ_SAVED_GOAL := $(.DEFAULT_GOAL)

FUZZ_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
FUZZ_OUT := $(BUILD)/fuzz
FUZZ_CC ?= clang-14
FUZZ_TEST_SECONDS ?= 45
FUZZ_SECONDS ?= 600

FUZZ_TARGETS := bundle hostdt
FUZZ_SRCS_bundle := hyp/config/config.c hyp/config/guest_dt.c hyp/config/bundle.c hyp/config/hash.c hyp/log.c \
	platform/dt.c
FUZZ_SRCS_hostdt := platform/dt.c hyp/config/guest_dt.c

FUZZ_ARCH ?= -m32
FUZZ_CFLAGS := $(FUZZ_ARCH) -std=gnu11 -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wvla -Wstrict-prototypes \
	-Wpointer-arith -Iinclude -Iplatform -Imm -Ihyp -Ihyp/config -Ihyp/emul -I$(FUZZ_DIR) -I$(LIBFDT_DIR) \
	$(if $(FUZZ_ARCH),-isystem $(FUZZ_OUT)/include)
FUZZ_PROGRAMS := $(addprefix $(FUZZ_OUT)/fuzz_,$(FUZZ_TARGETS))
FUZZ_HEADERS := $(wildcard include/*.h platform/*.h hyp/*.h hyp/*/*.h $(FUZZ_DIR)/*.h)
FUZZ_SEEDS := $(FUZZ_OUT)/seeds/.done

.PHONY: fuzz fuzz-test fuzz-build fuzz-seeds

fuzz-build: $(FUZZ_PROGRAMS)

fuzz-seeds: $(FUZZ_SEEDS)

fuzz-test: $(FUZZ_PROGRAMS) $(FUZZ_SEEDS)
	$(FUZZ_DIR)/run.sh $(BUILD) $(FUZZ_TEST_SECONDS) $(FUZZ_TARGETS)

fuzz: $(FUZZ_PROGRAMS) $(FUZZ_SEEDS)
	$(FUZZ_DIR)/run.sh $(BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The seeds are made again when a bundle, a seed source or the script changes.
$(FUZZ_SEEDS): $(FUZZ_DIR)/seeds.sh $(FUZZ_DIR)/seed.its $(FUZZ_DIR)/seed.dts $(BUNDLES) $(UNIT_DTBS) | $(SETUP_STAMP)
	@printf '  %-8s %s\n' SEEDS $(@D)
	$(Q)$(FUZZ_DIR)/seeds.sh $(BUILD)
	$(Q)touch $@

# <asm/...> for -m32: the host's (x86-64) kernel headers serve both word
# sizes; gcc-multilib links /usr/include/asm to them, but it conflicts
# with gcc-arm-linux-gnueabihf, so the link is made here instead.
FUZZ_ASM := $(FUZZ_OUT)/include/asm
$(FUZZ_ASM):
	$(Q)mkdir -p $(@D)
	$(Q)ln -sfn /usr/include/$$(gcc -print-multiarch)/asm $@

define FUZZ_PROGRAM_RULE
$(FUZZ_OUT)/fuzz_$(1): $(FUZZ_DIR)/fuzz_$(1).c $(FUZZ_SRCS_$(1)) \
		$(addprefix $(LIBFDT_DIR)/,$(LIBFDT_C)) $(FUZZ_HEADERS) | $(SETUP_STAMP) \
		$(if $(FUZZ_ARCH),$(FUZZ_ASM))
	@printf '  %-8s %s\n' FUZZCC $$@
	$(Q)mkdir -p $$(@D)
	$(Q)$$(FUZZ_CC) $$(FUZZ_CFLAGS) -o $$@ $$(filter %.c,$$^)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_PROGRAM_RULE,$(t))))

# Including this file must not change the including Makefile's default goal.
.DEFAULT_GOAL := $(FUZZ_SAVED_GOAL)
