# SPDX-License-Identifier: MIT
# /etc/lvinit.d/ script of the management partition's initramfs: loads
# lowvisor.ko (its kernel log line says why if it refuses) and says what
# to type.  Run by test/linux/rootfs/init after its marker line.  With
# lvdev=serve on the kernel command line it starts `lvdev serve` (the test
# device model, tools/linux/lvdev.c) in the background, logging to
# /tmp/lvdev.log; with lvdev=N it answers N accesses quietly and powers
# the VM off (`make bench`).  With /etc/lowvisord.conf it starts lowvisord
# (tools/linux/lowvisord.c), the device models of the devices that file
# names, in the background, logging to /tmp/lowvisord.log.
if insmod /lib/lowvisor/lowvisor.ko; then
	echo "lvinit: lowvisor.ko loaded: /dev/lowvisor; try: lowvisorctl list"
	n=$(sed -n 's/.*lvdev=\([^ ]*\).*/\1/p' /proc/cmdline)
	if [ "$n" = serve ]; then
		lvdev serve >/tmp/lvdev.log 2>&1 &
		echo "lvinit: lvdev serving"
	elif [ -n "$n" ]; then
		(lvdev serve "$n"; poweroff -f) &
	fi
	if [ -f /etc/lowvisord.conf ]; then
		lowvisord >/tmp/lowvisord.log 2>&1 &
		echo "lvinit: lowvisord started for /etc/lowvisord.conf (log: /tmp/lowvisord.log)"
	fi
else
	echo "lvinit: lowvisor.ko did not load:"
	dmesg | grep 'lowvisor:' | tail -n 3
fi
