# SPDX-License-Identifier: MIT
# /etc/lvinit.d/05-testdisks of the management initramfs of lowvisord's
# test (configs/linux-blk.its, test/system/test_manage.py): makes the disks
# its /etc/lowvisord.conf (test/linux/lowvisord-test.conf) names, in /tmp,
# before 10-lowvisor starts lowvisord.
#   /tmp/disk.img  4 MiB: sector i holds the number i, left-aligned in 511
#                  characters, and a newline
#   /tmp/ro.img    1 MiB: sector i holds "ro ", the number i left-aligned in
#                  508 characters, and a newline; served read-only, on the
#                  legacy transport (virtio-mmio version 1)
awk 'BEGIN { for (i = 0; i < 8192; i++) printf "%-511d\n", i }' >/tmp/disk.img
awk 'BEGIN { for (i = 0; i < 2048; i++) printf "ro %-508d\n", i }' >/tmp/ro.img
echo "lvinit: test disks made: $(md5sum /tmp/disk.img)"
