# SPDX-License-Identifier: MIT
# /etc/lvinit.d/05-demo of the demo's management initramfs
# (initramfs-mgmt-demo, configs/demo.its), before 10-lowvisor starts
# lowvisord with /etc/lowvisord.conf (tools/linux/demo-lowvisord.conf):
#   /tmp/disk.img  the guest linux's /dev/vda: 4 MiB in the tmpfs, a FAT
#                  file system labelled LOWVISOR (busybox mkdosfs)
#   lv0            the TAP device lowvisord makes for the network "lan":
#                  once it is there, 10.0.15.254/24, up (in the background:
#                  lowvisord starts after this script)
dd if=/dev/zero of=/tmp/disk.img bs=1024 count=4096 2>/dev/null
mkdosfs -n LOWVISOR /tmp/disk.img >/dev/null
echo "lvinit: demo disk /tmp/disk.img made (4 MiB, FAT): the guest linux's /dev/vda"
(
	i=0
	while [ ! -e /sys/class/net/lv0 ] && [ $i -lt 30 ]; do
		sleep 1
		i=$((i + 1))
	done
	if ip addr add 10.0.15.254/24 dev lv0 && ip link set lv0 up; then
		echo "lvinit: lv0 is 10.0.15.254/24, the guest linux is 10.0.15.1: ping 10.0.15.1"
	else
		echo "lvinit: no TAP device lv0 (see /tmp/lowvisord.log)"
	fi
) &
