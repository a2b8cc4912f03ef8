# SPDX-License-Identifier: MIT
"""Debian's U-Boot for QEMU boots build/hyp.uimg (and a bundle) unattended
from a disk image built by scripts/uboot/mkdisk.sh: Lowvisor comes up in HYP
mode and runs the bundle's VMs."""
import os
import subprocess

import pexpect

from conftest import BUILD, HYP_UIMG, QEMU, ROOT, UBOOT_BIOS


def uboot_disk_cmd(tmp, *files):
    """A disk image from scripts/uboot/mkdisk.sh with hyp.uimg and files,
    and the QEMU command that boots it with Debian's U-Boot."""
    disk = str(tmp / "boot.img")
    subprocess.run([os.path.join(ROOT, "scripts", "uboot", "mkdisk.sh"), disk, HYP_UIMG,
                    *files], check=True, capture_output=True, timeout=60)
    return [QEMU, "-M", "virt,virtualization=on", "-cpu", "cortex-a15", "-smp", "2",
            "-m", "1024", "-nographic", "-nic", "none", "-no-reboot", "-bios", UBOOT_BIOS,
            "-drive", f"if=none,file={disk},format=raw,id=hd0",
            "-device", "virtio-blk-device,drive=hd0"]


def test_uboot_boots_uimage_in_hyp_mode(boot, tmp):
    b = boot(uboot_disk_cmd(tmp), timeout=60)
    b.expect(r"U-Boot 20\d\d")
    b.expect(r"Found U-Boot script /boot.scr")
    b.expect(r"Lowvisor: bootm 0x40400000 - ([0-9a-f]+)\r*\n")
    fdt = int(b.child.match.group(1), 16)
    b.expect(r"lowvisor: Lowvisor \S+ starting in HYP mode")
    fields = b.report()
    assert fields["cpus"] == ["2 of 2 online"]
    assert fields["ram"] == ["0x40000000-0x7fffffff 1 GiB"]
    # U-Boot hands over its own copy of the DTB, near the top of RAM.
    assert 0x70000000 < fdt < 0x80000000


def test_uboot_boots_hypervisor_and_bundle(boot, tmp):
    """The same disk with a bundle (configs/irq-line.its): U-Boot loads both,
    puts the bundle's place into /chosen, and the bundle's VMs run to their
    end; the last one to stop powers the machine off."""
    b = boot(uboot_disk_cmd(tmp, os.path.join(BUILD, "irq-line.itb")), timeout=120)
    b.expect(r"Found U-Boot script /boot.scr")
    b.expect(r"Lowvisor: bundle is a FIT; fdt chosen (0x)?[0-9a-f]+ [0-9a-f]+; bootm")
    b.expect(r"lowvisor: bundle: \d+ bytes at 0x[0-9a-f]+ \(from /chosen/linux,initrd-\*\)")
    fields = b.report()
    assert fields["vms"] == ["3 running"]
    b.expect(r"all VMs have stopped: powering off", timeout=60)
    b.expect(pexpect.EOF, timeout=30)
    log = b.transcript()
    for vm, guest, tests in (("target", "irqtarget", 7), ("mgmt", "irqmgmt", 11),
                             ("plain", "irqmgmt", 11)):
        assert f"{vm}| # {guest}: {tests} passed, 0 failed" in log, vm
