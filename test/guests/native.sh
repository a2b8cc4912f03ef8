#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Runs the test guests natively on QEMU virt (no hypervisor: QEMU's own
# PSCI, by HVC, stands in for Lowvisor's) and checks their TAP output.
# Some results only Lowvisor can give (its UID and revision, SMCCC 1.1,
# PSCI 1.0 exactly (QEMU's is 1.1), loading an image at its link address): those tests
# are expected to fail here, and are listed below, as are libcheck's
# fail.* tests, which fail on purpose.  Anything else that
# fails, or a guest that does not reach "# done", fails this script.
#
#   test/guests/native.sh [BUILD]     (after make -f test/guests/guests.mk guests)
#
# Logs: BUILD/guests/native/NAME.log.

set -u
BUILD=${1:-build}
QEMU=${QEMU:-qemu-system-arm}
OUT=$BUILD/guests/native
QEMU_BASE="$QEMU -M virt -cpu cortex-a15 -m 1024 -nographic -nic none -no-reboot"
TIMEOUT=${TIMEOUT:-120}
failed=

mkdir -p "$OUT"

# Expected native failures, per guest.
expected_hello="hello.psci_version hello.lowvisor_uid"
expected_basic="entry.loaded_at_link_address"
expected_smccc="smccc.version smccc.discoverable_through_psci_features psci.version lowvisor.call_uid lowvisor.revision"
expected_smp=""
expected_reset=""
expected_isolation=""
expected_libcheck="fail.unexpected_abort fail.expectations fail.assert_returns"

# run LOG COMMAND...: the guest's output, with a bounded time
run() {
	log=$1
	shift
	echo "  RUN      $*"
	timeout "$TIMEOUT" "$@" </dev/null 2>&1 | tr -d '\r' >"$log"
}

# check NAME LOG EXPECTED: the not-ok tests must be exactly EXPECTED
check() {
	name=$1 log=$2 expected=$3
	summary=$(grep -E "^# $name: [0-9]+ passed, [0-9]+ failed$" "$log")
	got=$(sed -n 's/^not ok [0-9]* - \([^ ]*\).*/\1/p' "$log" | sort | tr '\n' ' ')
	want=
	[ -n "$expected" ] && want=$(printf '%s\n' $expected | sort | tr '\n' ' ')
	if [ -z "$summary" ] || ! tail -n 1 "$log" | grep -qx '# done'; then
		echo "  FAIL     $name: no summary or no '# done' (see $log)"
		failed="$failed $name"
	elif [ "$got" != "$want" ]; then
		echo "  FAIL     $name: failed [$got], expected natively [$want] (see $log)"
		failed="$failed $name"
	else
		echo "  ok       ${summary#\# }${expected:+ (expected to fail natively: $expected)}"
	fi
}

# A DTB like Lowvisor's /chosen: QEMU's, plus lowvisor,boot-count = <N>.
make_dtb() {
	$QEMU_BASE -M virt,dumpdtb="$OUT/virt.dtb" >/dev/null 2>&1 || return 1
	dtc -q -I dtb -O dts "$OUT/virt.dtb" |
		sed "s/chosen {/chosen {\n\t\tlowvisor,boot-count = <$1>;/" |
		dtc -q -I dts -O dtb -o "$OUT/boot$1.dtb"
}

G=$BUILD/guests

run "$OUT/hello.log" $QEMU_BASE -kernel "$G/hello.bin"
check hello "$OUT/hello.log" "$expected_hello"

run "$OUT/basic.log" $QEMU_BASE -kernel "$G/basic.bin" \
	-append "probe=0x81000000,0xc0000000"
check basic "$OUT/basic.log" "$expected_basic"

run "$OUT/smccc.log" $QEMU_BASE -kernel "$G/smccc.bin"
check smccc "$OUT/smccc.log" "$expected_smccc"

run "$OUT/smp.log" $QEMU_BASE -smp 4 -kernel "$G/smp.bin"
check smp "$OUT/smp.log" "$expected_smp"

# QEMU keeps neither a boot count nor zeroes RAM on reset: boot 1 runs
# on fresh RAM with a DTB saying boot 1; boot 0 must fill and reset
# (-no-reboot: QEMU exits at the reset).
if make_dtb 0 && make_dtb 1; then
	run "$OUT/reset.log" $QEMU_BASE -dtb "$OUT/boot1.dtb" -kernel "$G/reset.bin"
	check reset "$OUT/reset.log" "$expected_reset"
	run "$OUT/reset-boot0.log" $QEMU_BASE -dtb "$OUT/boot0.dtb" -kernel "$G/reset.bin"
	if grep -q "calling SYSTEM_RESET" "$OUT/reset-boot0.log" &&
	   ! grep -q "SYSTEM_RESET returned" "$OUT/reset-boot0.log"; then
		echo "  ok       reset: boot 0 filled RAM and reset"
	else
		echo "  FAIL     reset: boot 0 (see $OUT/reset-boot0.log)"
		failed="$failed reset-boot0"
	fi
else
	echo "  FAIL     reset: could not make a DTB (dtc?)"
	failed="$failed reset"
fi

run "$OUT/isolation.log" $QEMU_BASE -kernel "$G/isolation.bin" \
	-append "sig=0x1234abcd rounds=2 probe=0x81000000"
check isolation "$OUT/isolation.log" "$expected_isolation"
grep -q '^progress 2$' "$OUT/isolation.log" || {
	echo "  FAIL     isolation: no 'progress 2' line"
	failed="$failed isolation-progress"
}

run "$OUT/libcheck.log" $QEMU_BASE -smp 2 -kernel "$G/libcheck.bin" \
	-append "flag name=vm1 n=42 list=1,0xA0,4294967295 bad=1,,2 big=0x100000000"
check libcheck "$OUT/libcheck.log" "$expected_libcheck"
if grep -q "NOT REACHED" "$OUT/libcheck.log" ||
   ! grep -q "^ok 4 - framework.skip # SKIP reason 42$" "$OUT/libcheck.log"; then
	echo "  FAIL     libcheck: ASSERT or SKIP misbehaved (see $OUT/libcheck.log)"
	failed="$failed libcheck-framework"
fi

if [ -n "$failed" ]; then
	echo "guests-native: FAILED:$failed"
	exit 1
fi
echo "guests-native: all guests behaved as expected without Lowvisor"
