# SPDX-License-Identifier: MIT
# /etc/lvinit.d/ script of the management partition's initramfs: loads
# lowvisor.ko (its kernel log line says why if it refuses) and says what
# to type.  Run by test/linux/rootfs/init after its marker line.
if insmod /lib/lowvisor/lowvisor.ko; then
	echo "lvinit: lowvisor.ko loaded: /dev/lowvisor; try: lowvisorctl list"
else
	echo "lvinit: lowvisor.ko did not load:"
	dmesg | grep 'lowvisor:' | tail -n 3
fi
