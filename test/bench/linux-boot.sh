#!/usr/bin/env bash
# Boots Debian's armmp kernel with the test initramfs to its /init marker
# (which then powers off: lvinit=poweroff) natively and under Lowvisor, on
# the same QEMU, and prints the two wall-clock times and their ratio.
# Measured, not asserted: wall clock on a shared machine is noisy, so each
# side runs RUNS times and the median is taken.
#
#   test/bench/linux-boot.sh [BUILD]
set -euo pipefail
build=${1:-build}
runs=${RUNS:-3}
qemu=(qemu-system-arm -M virt,virtualization=on -cpu cortex-a15 -smp 2 -m 1024
	-nographic -nic none -no-reboot)

time_run() { # prints seconds for one boot to the marker and power-off
	local t0 t1 out
	t0=$(date +%s.%N)
	out=$(timeout 300 "$@" </dev/null 2>&1) || true
	t1=$(date +%s.%N)
	grep -q LOWVISOR-LINUX-UP <<<"$out" || { echo "bench: no marker from: $*" >&2; exit 1; }
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }' 
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

native=$(for _ in $(seq "$runs"); do
	time_run "${qemu[@]}" -kernel "$build/linux/vmlinuz-armmp" \
		-initrd "$build/linux/initramfs.cpio.gz" -append "console=ttyAMA0 lvinit=poweroff"
done | median)
lowvisor=$(for _ in $(seq "$runs"); do
	time_run "${qemu[@]}" -kernel "$build/hyp-core.bin" -initrd "$build/linux-bench.itb"
done | median)
printf 'linux armmp boot to /init and power-off, median of %d:\n' "$runs"
printf '  native    %6.2f s\n  lowvisor  %6.2f s\n  ratio     %6.2f (target < 1.5)\n' \
	"$native" "$lowvisor" "$(awk -v a="$lowvisor" -v b="$native" 'BEGIN { print a / b }')"
