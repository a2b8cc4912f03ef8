# SPDX-License-Identifier: MIT
# /etc/lvinit.d/05-benchdisk of the management initramfs of the served-disk
# benchmark (configs/bench-disk-served.its, test/bench/bench.mk): makes
# /tmp/bench.img, the disk its /etc/lowvisord.conf
# (test/bench/linux/lowvisord-disk.conf) gives the guest, before
# 10-lowvisor starts lowvisord: 64 MiB of the letter L in the tmpfs (real
# pages, not a sparse file), which the benchmark's guest overwrites with
# zeros.
tr '\0' L </dev/zero | head -c 1048576 >/tmp/1m
for _ in $(seq 64); do
	cat /tmp/1m
done >/tmp/bench.img
rm /tmp/1m
echo "lvinit: bench disk made: $(wc -c </tmp/bench.img) bytes"
