# SPDX-License-Identifier: MIT
"""Boot, boot report, SMP, memory sizes, images, and the error paths."""
import re
import struct
import subprocess

import pytest

from conftest import (BUILD, HYP_BIN, HYP_UIMG, dts_to_dtb, dtb_to_dts, dump_dtb,
                      qemu_cmd)


def free_kib(fields):
    m = re.fullmatch(r"(\d+) KiB free \(\S+ \S+\) of \S+ \S+ in \d+ ranges",
                     fields["memory"][0])
    assert m, fields["memory"]
    return int(m.group(1))


def check_cpus(fields, smp):
    assert fields["cpus"] == [f"{smp} of {smp} online"]
    cpus = {k: v[0] for k, v in fields.items() if re.fullmatch(r"cpu\d+", k)}
    assert len(cpus) == smp
    for i in range(smp):
        m = re.fullmatch(r"mpidr (0x[0-9a-f]+) online, hyp timer ticks (\d+)", cpus[f"cpu{i}"])
        assert m, cpus[f"cpu{i}"]
        # QEMU virt: Aff0 = cpu number, MPIDR bit 31 set (multiprocessor format).
        assert int(m.group(1), 16) == 0x80000000 | i
        # The HYP timer interrupt was taken on this CPU.
        assert int(m.group(2)) >= 3


@pytest.mark.parametrize("smp", [1, 2, 4, 8])
def test_report_every_cpu_online(boot, smp):
    b = boot(qemu_cmd(smp=smp))
    b.expect(r"Lowvisor \S+ starting in HYP mode")
    fields = b.report()
    check_cpus(fields, smp)
    assert fields["platform"][0].startswith("QEMU virt (linux,dummy-virt)")
    assert fields["gic"][0] == ("gicd 0x08000000 gicc 0x08010000 "
                                "gich 0x08030000 gicv 0x08040000")
    assert re.fullmatch(r"\d+ irqs, 4 list registers, maintenance irq 25", fields["gic"][1])
    assert fields["timer"] == ["62500000 Hz, hyp timer irq 26 at 100 Hz"]
    assert fields["console"] == ["pl011 /pl011@9000000 at 0x09000000"]
    assert fields["psci"] == ["smc"]
    assert int(fields["boot time"][0]) > 0


@pytest.mark.parametrize("mem,ram", [(256, "0x40000000-0x4fffffff 256 MiB"),
                                     (2048, "0x40000000-0xbfffffff 2 GiB")])
def test_memory_sizes(boot, mem, ram):
    fields = boot(qemu_cmd(mem=mem, smp=2)).report()
    assert fields["ram"] == [ram]
    free = free_kib(fields)
    # Everything but the image (< 1 MiB with BSS) and the 1 MiB DTB is free.
    assert mem * 1024 - 2048 < free < mem * 1024 - 1024


def test_uimage_at_header_load_address(boot):
    b = boot(qemu_cmd(kernel=HYP_UIMG, smp=2, append="lowvisor.log=debug"))
    b.expect(r"reserved firmware image 0x40008000-")
    check_cpus(b.report(), 2)


def test_runs_at_0x80000000(boot, tmp):
    """A uImage loaded in the upper GiB of RAM, where vexpress-a15 has its
    RAM; QEMU puts the DTB right after such an image, over where BSS goes."""
    uimg = str(tmp / "hyp-80008000.uimg")
    subprocess.run(["mkimage", "-A", "arm", "-O", "linux", "-T", "kernel", "-C", "none",
                    "-a", "0x80008000", "-e", "0x80008000", "-n", "Lowvisor",
                    "-d", HYP_BIN, uimg], check=True, capture_output=True)
    b = boot(qemu_cmd(kernel=uimg, smp=2, mem=2048, append="lowvisor.log=debug"))
    b.expect(r"reserved firmware image 0x80008000-")
    fields = b.report()
    check_cpus(fields, 2)
    assert fields["ram"] == ["0x40000000-0xbfffffff 2 GiB"]


def test_without_virtualization_is_a_clear_error(boot):
    b = boot(qemu_cmd(virt=False), timeout=10)
    b.expect(r"lowvisor: error: entered in SVC mode, not HYP: .*"
             r"on QEMU use -M virt,virtualization=on")
    b.expect("lowvisor: error: halted")


def corrupt_property_name(dtb, node_prefix):
    """Points the first property of the first node named node_prefix* past
    the strings block: QEMU still loads such a DTB, a full check fails."""
    d = bytearray(dtb)
    off_struct = struct.unpack(">I", d[8:12])[0]
    p, node = off_struct, ""
    while True:
        tok = struct.unpack(">I", d[p:p + 4])[0]
        p += 4
        if tok == 1:
            end = d.index(b"\0", p)
            node = d[p:end].decode()
            p = (end + 4) & ~3
        elif tok == 3:
            length = struct.unpack(">I", d[p:p + 4])[0]
            if node.startswith(node_prefix):
                struct.pack_into(">I", d, p + 4, 0x7FFFFFF0)
                return bytes(d)
            p = (p + 8 + length + 3) & ~3
        elif tok == 9:
            raise AssertionError(f"no node {node_prefix}")


def test_corrupt_dtb_is_a_clear_error(boot, tmp):
    good = open(dump_dtb(str(tmp / "virt.dtb")), "rb").read()
    bad = tmp / "corrupt.dtb"
    bad.write_bytes(corrupt_property_name(good, "pl031"))
    b = boot(qemu_cmd(dtb=str(bad)), timeout=10)
    b.expect(r"lowvisor: error: device tree at 0x[0-9a-f]+: corrupt DTB: bad property")
    b.expect("lowvisor: error: halted")


def test_gic_without_virtualization_regions_is_a_clear_error(boot, tmp):
    dts = dtb_to_dts(dump_dtb(str(tmp / "virt.dtb")))
    # Keep only GICD and GICC in the GIC's reg, as a GIC without GICH/GICV.
    dts, n = re.subn(r"(intc@8000000 \{[^}]*?reg = <0x00 0x8000000 0x00 0x10000 "
                     r"0x00 0x8010000 0x00 0x10000)[^>]*>", r"\1>", dts, flags=re.S)
    assert n == 1
    b = boot(qemu_cmd(dtb=dts_to_dtb(dts, str(tmp / "nogich.dtb"))), timeout=10)
    b.expect(r"device tree at 0x[0-9a-f]+: /intc@8000000: reg has no GICH and GICV regions.*"
             r"virtualization=on")
    b.expect("lowvisor: error: halted")


def test_cpu_that_cannot_start_is_reported_and_boot_goes_on(boot, tmp):
    dts = dtb_to_dts(dump_dtb(str(tmp / "virt.dtb"), smp=2))
    # A third CPU that this 2-CPU machine does not have.
    dts = dts.replace("\t\tcpu@1 {", "\t\tcpu@5 {\n\t\t\treg = <0x05>;\n\t\t\tenable-method = \"psci\";\n"
                      "\t\t\tcompatible = \"arm,cortex-a15\";\n\t\t\tdevice_type = \"cpu\";\n\t\t};\n\n"
                      "\t\tcpu@1 {", 1)
    b = boot(qemu_cmd(smp=2, dtb=dts_to_dtb(dts, str(tmp / "3cpu.dtb"))))
    b.expect(r"smp: cpu1 \(mpidr 0x5\): CPU_ON failed: INVALID_PARAMETERS \(-2\); "
             r"continuing without it")
    fields = b.report()
    assert fields["cpus"] == ["2 of 3 online"]
    assert fields["cpu1"] == ["mpidr 0x00000005 offline"]
    assert re.fullmatch(r"mpidr 0x80000001 online, hyp timer ticks \d+", fields["cpu2"][0])


def test_reserved_memory_is_not_free(boot, tmp):
    dts = dtb_to_dts(dump_dtb(str(tmp / "virt.dtb")))
    dts = dts.replace("/dts-v1/;", "/dts-v1/;\n/memreserve/ 0x50000000 0x100000;", 1)
    dts = dts.replace("\tchosen {", "\treserved-memory {\n\t\t#address-cells = <2>;\n"
                      "\t\t#size-cells = <2>;\n\t\tranges;\n\t\tfw@60000000 {\n"
                      "\t\t\treg = <0x0 0x60000000 0x0 0x400000>;\n\t\t\tno-map;\n\t\t};\n"
                      "\t};\n\n\tchosen {", 1)
    b = boot(qemu_cmd(dtb=dts_to_dtb(dts, str(tmp / "resv.dtb")),
                      append="lowvisor.log=debug"))
    b.expect(r"reserved reserved memory 0x50000000-0x500fffff")
    b.expect(r"reserved reserved memory 0x60000000-0x603fffff")
    fields = b.report()
    # 1 GiB minus the 1 MiB and 4 MiB reserved, the image and the DTB.
    assert 1048576 - 5120 - 1536 < free_kib(fields) < 1048576 - 5120 - 64


def test_unexpected_exception_dumps_registers_and_halts(boot):
    b = boot(qemu_cmd(append="lowvisor.fault=1"))
    b.expect("lowvisor: error: unexpected data abort in HYP mode on cpu0")
    b.expect(r"HSR   0x9[0-9a-f]{7} \(EC 0x25")  # data abort taken from HYP
    b.expect(r"HDFAR 0xfefff000  HIFAR 0x[0-9a-f]{8}  HPFAR 0x[0-9a-f]{8}")
    b.expect(r"ELR_hyp 0xf0[0-9a-f]{6}  SPSR 0x[0-9a-f]{7}a")  # from HYP mode
    for regs in ("r0 ", "r4 ", "r8 "):
        b.expect(re.escape(regs) + r" 0x[0-9a-f]{8}  r")
    b.expect(r"r12 0x[0-9a-f]{8}  SP  0xf0[0-9a-f]{6}  LR  0xf0[0-9a-f]{6}")
    b.expect("lowvisor: error: halted")


def test_bootargs_options(boot):
    b = boot(qemu_cmd(append="console=ttyAMA0 lowvisor.log=debug lowvisor.tick_hz=250 "
                             "lowvisor.bogus=1 lowvisor.log=loud"))
    b.expect(r"lowvisor: warn: bootargs: unknown option 'lowvisor.bogus'")
    b.expect(r"lowvisor: warn: bootargs: bad value in 'lowvisor.log=loud'")
    fields = b.report()
    assert fields["log"] == ["level  debug"]
    assert fields["timer"] == ["62500000 Hz, hyp timer irq 26 at 250 Hz"]
