# SPDX-License-Identifier: MIT
"""Bare-metal test guests (test/guests/) running under Lowvisor, with bundles
from configs/.  Each guest checks Lowvisor from inside and prints TAP lines
behind its console prefix; the hypervisor powers the machine off when the
last VM stops (poweroff = "last-vm"), so a boot ends on its own."""
import os
import re
import subprocess

import pexpect
import pytest

from conftest import BUILD, HYP_BIN, ROOT, dtb_to_dts, dts_to_dtb, dump_dtb, qemu_cmd

BUNDLE = {name: os.path.join(BUILD, f"{name}.itb")
          for name in ("first-guests", "isolation", "errors", "hello", "vgic", "traps", "lifecycle",
                       "irq-line", "sched", "sched-count", "sched-ipi", "scale", "race", "race-vmid", "passthrough",
                       "hcfuzz", "ioreq", "idle")}


def run_to_end(boot, cmd, timeout=120):
    """Boots and returns everything printed until QEMU exits."""
    b = boot(cmd, timeout=timeout)
    b.expect(pexpect.EOF)
    out = b.child.before.replace("\r", "")
    assert "unexpected" not in out and "halted" not in out, "the hypervisor stopped"
    return out


def vm_lines(out, vm):
    return [m.group(1) for m in re.finditer(rf"^{re.escape(vm)}\| (.*)$", out, re.M)]


def check_tap(out, vm, guest, tests):
    """The guest printed its plan, every test ok and its summary."""
    lines = vm_lines(out, vm)
    assert f"1..{tests}" in lines, lines
    assert [l for l in lines if l.startswith("not ok")] == []
    oks = [l for l in lines if re.match(r"ok \d+ - ", l)]
    assert len(oks) == tests, lines
    assert f"# {guest}: {tests} passed, 0 failed" in lines
    assert f"lowvisor: vm '{vm}': stopped (PSCI SYSTEM_OFF)" in out


def test_first_guests(boot):
    out = run_to_end(boot, qemu_cmd(smp=2, extra=["-initrd", BUNDLE["first-guests"]]))
    check_tap(out, "basic", "basic", 20)
    check_tap(out, "smccc", "smccc", 12)
    check_tap(out, "reset", "reset", 4)
    # PSCI CPU_ON brought up every secondary vCPU of VMs with 2, 3 and 4,
    # each reporting its own MPIDR.
    for vm, vcpus in (("smp2", 2), ("smp3", 3), ("smp", 4)):
        check_tap(out, vm, "smp", 12)
        lines = vm_lines(out, vm)
        assert f"# {vcpus} CPUs in /cpus, this is number 0 (MPIDR 0x80000000)" in lines
        for cpu in range(1, vcpus):
            assert f"cpu {cpu} mpidr 0x8000000{cpu}" in lines
    # The reset guest ran twice, the second time from zeroed RAM.
    assert "lowvisor: vm 'reset': reset (boot 1)" in out
    assert "# checked" in "\n".join(vm_lines(out, "reset"))
    # basic's probes of the hypervisor's image, the host DTB, GICH and
    # another VM's RAM each became an abort in basic, at that address.
    basic = "\n".join(vm_lines(out, "basic"))
    for ipa in ("0x40010000", "0x48000000", "0x08030000", "0x60000000"):
        assert re.search(rf"# data abort: pc 0x5[0-9a-f]+ DFAR {ipa} DFSR", basic), ipa
    # Lowvisor logs what the guest did, rate-limited per VM.
    assert re.search(r"vm 'basic' vcpu0: read at 0x52000000 \(IPA 0x52000000\) is not RAM "
                     r"or a device: data abort injected", out)
    # basic's accesses through its own LPAE tables to IPAs above 4 GiB each
    # became an abort (mmu.ipa_above_4gib), logged with the whole IPA: not
    # the distributor, nor basic's RAM, which the IPAs' low 32 bits name.
    for va, ipa in (("0xc0000008", "0x108000008"), ("0xc02[0-9a-f]{5}", "0x1500[0-9a-f]{5}"),
                    ("0xc05ff000", "0xfffffff000")):
        assert re.search(rf"vm 'basic' vcpu0: read at {va} \(IPA {ipa}\) is not RAM or a device: "
                         r"data abort injected", out), ipa
    assert re.search(r"vm 'basic' vcpu0: instruction fetch at 0xc02[0-9a-f]{5} "
                     r"\(IPA 0x1500[0-9a-f]{5}\) is not RAM: prefetch abort injected", out)
    assert "lowvisor: all VMs have stopped: powering off" in out


def test_two_vms_on_two_cpus_are_isolated(boot):
    out = run_to_end(boot, qemu_cmd(smp=2, extra=["-initrd", BUNDLE["isolation"]]))
    check_tap(out, "iso-a", "isolation", 3)
    check_tap(out, "iso-b", "isolation", 3)
    # Each on its own CPU, so they ran at the same time (whether their
    # output interleaves depends on how the host schedules QEMU's threads).
    assert re.search(r"vm 'iso-a': id 0, 1 vcpu\(s\) on cpu 0,", out)
    assert re.search(r"vm 'iso-b': id 1, 1 vcpu\(s\) on cpu 1,", out)
    for vm in ("iso-a", "iso-b"):
        assert [l for l in vm_lines(out, vm) if l.startswith("progress")] == \
            [f"progress {n}" for n in range(1, 9)]
    for vm, other in (("iso-a", "0x40000000"), ("iso-b", "0x60000000")):
        assert re.search(rf"vm '{vm}' vcpu0: read at {other} .*data abort injected", out)


def test_configuration_errors_leave_other_vms_running(boot):
    out = run_to_end(boot, qemu_cmd(smp=2, extra=["-initrd", BUNDLE["errors"]]))
    expected = [
        "error: vm 'no-image': kernel = \"missing\": no image 'missing' under /images",
        "error: vm 'ipa-range': memory: 0x10000000000 + 0x01000000 runs past the 40-bit "
        "IPA space",
        "error: out of memory: vm 'too-big' memory needs 2 GiB",
        "error: vm 'too-big': not started",
        "error: vm 'hyp-overlap': memory: 0x40000000-0x40ffffff (identity-mapped) is not "
        "free RAM",
        "error: vm 'ovl-b': memory: 0x60000000-0x60ffffff (identity-mapped) is not free RAM",
        "error: vm 'dt-spi': guest-dt: node 'dev': interrupts: SPI 96 is not one of the VM's "
        "SPIs 0..95 (IDs 32..127)",
        "error: vm 'dt-pt': passthrough: /virtio_mmio@a000000: SPI 16 (ID 48) is also a "
        "guest-dt node's interrupt",
        "error: vm 'dt-pt': not started",
        "error: vm 'vcpus-str': vcpus = \"two\": must be one 32-bit cell (the number of "
        "vCPUs), not a string",
    ]
    for e in expected:
        assert "lowvisor: " + e in out, e
    check_tap(out, "good", "smccc", 12)
    check_tap(out, "ovl-a", "isolation", 3)
    assert "lowvisor:   vms        2 running" in out


# Nodes added to QEMU virt's DT for configs/passthrough.its: reserved memory,
# a disabled device, one over the GIC's GICV frame, devices with the console
# UART's SPI (1, ID 33), /virtio_mmio@a000000's (16) and one past the vGIC's
# 96 (100).
PASSTHROUGH_NODES = """
\treserved-memory {
\t\t#address-cells = <2>;
\t\t#size-cells = <2>;
\t\tranges;
\t\tbuf@70000000 {
\t\t\treg = <0x0 0x70000000 0x0 0x100000>;
\t\t\tno-map;
\t\t};
\t};
\toff@a200000 {
\t\tcompatible = "lowvisor,test";
\t\treg = <0x0 0xa200000 0x0 0x200>;
\t\tstatus = "disabled";
\t};
\tgicv@8040000 {
\t\tcompatible = "lowvisor,test";
\t\treg = <0x0 0x8040000 0x0 0x1000>;
\t};
\tspi1@a300000 {
\t\tcompatible = "lowvisor,test";
\t\treg = <0x0 0xa300000 0x0 0x200>;
\t\tinterrupts = <0x0 0x1 0x4>;
\t};
\tspi16@a400000 {
\t\tcompatible = "lowvisor,test";
\t\treg = <0x0 0xa400000 0x0 0x200>;
\t\tinterrupts = <0x0 0x10 0x1>;
\t};
\tspi100@a500000 {
\t\tcompatible = "lowvisor,test";
\t\treg = <0x0 0xa500000 0x0 0x200>;
\t\tinterrupts = <0x0 0x64 0x4>;
\t};
"""


def test_passthrough_only_devices(boot, tmp):
    """A passthrough node must be a device whose pages are nobody else's:
    each VM that names something else is not started, with a message
    naming the VM, the property and the node; the good VMs run."""
    dts = dtb_to_dts(dump_dtb(str(tmp / "virt.dtb"), smp=2))
    dts = dts.replace("\tchosen {", PASSTHROUGH_NODES + "\n\tchosen {", 1)
    dtb = dts_to_dtb(dts, str(tmp / "pt.dtb"))
    out = run_to_end(boot, qemu_cmd(smp=2, dtb=dtb, extra=["-initrd", BUNDLE["passthrough"]]))
    errors = {
        "pt-root": "/: is the root of the host DT, not a device",
        "pt-ram": "/memory@40000000: is RAM (device_type \"memory\"), not a device",
        "pt-resv": "/reserved-memory/buf@70000000: is in reserved memory, not a device",
        "pt-noreg": "/gpio-keys: has no reg: only a device with registers can be passed "
                    "through",
        "pt-off": "/off@a200000: is disabled (status = \"disabled\")",
        "pt-gic": "/intc@8000000: is the GIC Lowvisor uses, not a device",
        "pt-gicv": "/gicv@8040000: reg 0 (0x08040000 + 0x00001000): its pages overlap the "
                   "GIC virtual CPU interface at 0x08040000 + 0x00010000",
        "pt-uart": "/pl011@9000000: reg 0 (0x09000000 + 0x00001000): its pages overlap the "
                   "console UART at 0x09000000 + 0x00001000",
        "pt-uart-spi": "/spi1@a300000: SPI 1 (ID 33) is the console UART's",
        "pt-same": "/virtio_mmio@a000000: page 0x0a000000 is also vm 'pt-good''s, by "
                   "passthrough /virtio_mmio@a000000",
        "pt-spi-taken": "/spi16@a400000: SPI 16 (ID 48) is vm 'pt-good''s",
        "pt-spi-big": "/spi100@a500000: interrupt 132 is not an SPI of the VM's vGIC "
                      "(IDs 32..127)",
        "pt-share": "/virtio_mmio@a000200: page 0x0a000000 is also vm 'pt-good''s, by "
                    "passthrough /virtio_mmio@a000000",
        "pt-ipa": "/virtio_mmio@a003e00: reg 0 (0x0a003e00 + 0x00000200): its pages overlap "
                  "the VM's memory at 0x0a000000 + 0x01000000",
    }
    lines = out.splitlines()
    for vm, why in errors.items():
        assert f"lowvisor: error: vm '{vm}': passthrough: {why}" in lines, vm
        assert f"lowvisor: error: vm '{vm}': not started" in lines, vm
        assert f"{vm}|" not in out, vm
    # Nothing but those errors; pt-share, refused before anything was taken
    # for it, left the GPIO's page and SPI to pt-gpio.
    assert len([l for l in lines if "error:" in l]) == 2 * len(errors), out
    assert "lowvisor: vm 'pt-good': passthrough /virtio_mmio@a000000" in lines
    assert "lowvisor: vm 'pt-gpio': passthrough /pl061@9030000" in lines
    for vm in ("pt-good", "pt-gpio", "good"):
        check_tap(out, vm, "smccc", 12)
    assert "lowvisor:   vms        3 running" in out


def test_hash_mismatch_is_named_and_other_vms_start(boot, tmp):
    itb = bytearray(open(BUNDLE["first-guests"], "rb").read())
    smccc = open(os.path.join(BUILD, "guests", "smccc.bin"), "rb").read()
    at = itb.find(smccc)
    assert at > 0
    itb[at + len(smccc) // 2] ^= 0x01
    bad = tmp / "bad-hash.itb"
    bad.write_bytes(itb)
    out = run_to_end(boot, qemu_cmd(smp=2, extra=["-initrd", str(bad)]))
    assert re.search(r"lowvisor: error: vm 'smccc': .*image 'smccc': hash-1: crc32 does not "
                     r"match the data", out), out
    assert "smccc|" not in out
    check_tap(out, "basic", "basic", 20)
    check_tap(out, "smp", "smp", 12)


def test_bundle_that_is_not_a_fit(boot, tmp):
    junk = tmp / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 64)
    b = boot(qemu_cmd(extra=["-initrd", str(junk)]))
    b.expect(r"lowvisor: error: bundle: not a valid DTB header[^\r\n]*\r*\n")
    fields = b.report()
    assert fields["vms"] == ["0 running"]


def test_default_bundle_runs_with_no_other_file(boot):
    """-kernel hyp.bin alone: the bundle linked into the image."""
    b = boot(qemu_cmd(kernel=HYP_BIN))
    b.expect(r"bundle: the default one, \d+ bytes, linked into the image")
    b.expect(r"hello\| # hello: 3 passed, 0 failed")
    b.expect(r"vm 'hello': stopped \(PSCI SYSTEM_OFF\)")


def test_traps(boot):
    """Traps seen from inside (configs/traps.its): lazy VFP across switches
    of two vCPUs on one CPU, MMIO without syndrome, SMC, trapped CP15,
    WFI/WFE with IRQs masked."""
    out = run_to_end(boot, qemu_cmd(smp=2, extra=["-initrd", BUNDLE["traps"]]))
    check_tap(out, "traps", "traps", 17)
    traps = vm_lines(out, "traps")
    # Both vCPUs kept their VFP registers while being switched out.
    for cpu in (0, 1):
        m = [re.match(rf"# vcpu {cpu}: \d+ rounds, (\d+) checks, (\d+) mismatches, "
                      r"switched out (\d+) times", l) for l in traps]
        m = [x for x in m if x]
        assert len(m) == 1, traps
        checks, mismatches, switches = map(int, m[0].groups())
        assert checks > 0 and mismatches == 0 and switches >= 3, m[0].group(0)
    # LDM/LDRD/STM on the UART: aborts at the address, logged by Lowvisor.
    text = "\n".join(traps)
    assert re.search(r"# data abort: pc 0x4[0-9a-f]+ DFAR 0x09000018 DFSR 0x00000008", text)
    assert re.search(r"# data abort: pc 0x4[0-9a-f]+ DFAR 0x09000044 DFSR 0x00000808", text)
    assert re.search(r"vm 'traps' vcpu0: read at 0x09000018 \(IPA 0x09000018\) without "
                     r"syndrome: data abort injected", out)
    assert re.search(r"# undefined instruction: pc 0x4[0-9a-f]+ insn 0xe1600070", text)
    assert "lowvisor: all VMs have stopped: powering off" in out


def test_vgic_and_virtual_timer(boot):
    """The emulated distributor, GICV as the CPU interface, SGIs between
    vCPUs, priority masking, pending and active state, the hardware-mapped
    virtual timer and WFI wake-ups, checked by the vgic guest."""
    out = run_to_end(boot, qemu_cmd(smp=2, extra=["-initrd", BUNDLE["vgic"]]))
    check_tap(out, "vgic", "vgic", 19)
    lines = vm_lines(out, "vgic")
    # The guest measured the timer latency and stated it within tolerance.
    assert any(l.startswith("# timer: 5000 us deadline") for l in lines)


def test_irq_line(boot):
    """IRQ_LINE from a management VM (configs/irq-line.its): an edge SPI
    pended once, a level SPI raised then lowered (nothing left pending), a
    PPI on the target's vCPU 1, the target's own IRQ/FIQ lines, every error
    case, and a VM not marked management refused with -EPERM."""
    out = run_to_end(boot, qemu_cmd(smp=2, extra=["-initrd", BUNDLE["irq-line"]]))
    check_tap(out, "target", "irqtarget", 7)
    check_tap(out, "mgmt", "irqmgmt", 11)
    check_tap(out, "plain", "irqmgmt", 11)
    target = vm_lines(out, "target")
    assert "got 72 on cpu 0 count 1" in target, target
    assert "got 20 on cpu 1 count 1" in target, target
    # The vCPUs' own lines: each taken once, on its vCPU, and low at the end.
    assert "line irq on cpu 1 count 1 lowered 1" in target, target
    assert "line fiq on cpu 0 count 1 lowered 1" in target, target
    assert [l for l in target if l.startswith("line ")
            and not re.match(r"line (irq on cpu 1|fiq on cpu 0) ", l)] == [], target
    assert [l for l in target if l.startswith("got ")
            and not re.match(r"got (72|73|20) on cpu ", l)] == [], target
    assert "lowvisor: all VMs have stopped: powering off" in out


def test_ioreq_forwarded_accesses_answered_by_a_backend_vm(boot):
    """The device-model path (configs/ioreq.its): two frontends' accesses of
    every width, from three vCPUs at once, each answered by the bare-metal
    backend with the right value (sign- and zero-extended, ARM and Thumb);
    QueueNotify writes posted; every refusal of IOREQ_DONE and MAP_GUEST;
    the backend reads the frontend's RAM through MAP_GUEST, and aborts
    there once it unmapped it.  A frontend whose backend never answers
    waits (listed as waiting) while the others run, is reset with its
    request outstanding (cancelled) and stopped."""
    out = run_to_end(boot, qemu_cmd(smp=2, extra=["-initrd", BUNDLE["ioreq"]]))
    for vm in ("front", "front1"):
        check_tap(out, vm, "iofront", 3)
    check_tap(out, "back", "ioback", 4)
    check_tap(out, "mute", "ioback", 4)
    assert "front| # 2 vCPUs made 260 accesses each" in out
    assert "front1| # 1 vCPUs made 260 accesses each" in out
    assert re.search(r"^back\| # served 780 requests \(0 bad, 3 posted\), [1-9]\d* ioreq "
                     r"interrupts$", out, re.M), vm_lines(out, "back")
    # The one that waits: it read once per boot and never got an answer.
    stuck = vm_lines(out, "stuck")
    assert stuck == ["# reading (boot 0)", "# reading (boot 1)"], stuck
    assert "lowvisor: vm 'stuck': reset (boot 1)" in out
    assert "lowvisor: vm 'stuck': stopped (stopped by the management partition)" in out
    # The backend's read of the frontend's RAM after MAP_GUEST's unmap.
    assert re.search(r"vm 'back' vcpu0: read at 0x80f00000 \(IPA 0x80f00000\) is not RAM or "
                     r"a device: data abort injected", out)
    assert "lowvisor: all VMs have stopped: powering off" in out


def test_an_idle_cpu_sleeps_beside_a_stopped_vm_with_its_timer_armed(boot):
    """configs/idle.its: a VM arms its virtual timer and turns its vCPUs off
    on CPU 1, which then idles with that vCPU still loaded when the timer
    fires (its interrupt goes into a list register at injection, and a
    pending one there ends every WFI at once).  CPU 1 sleeps all the same:
    about one idle wait per housekeeping tick (100 Hz) over the other VM's
    second of ticks, not the hundreds of thousands a spinning idle loop
    makes."""
    out = run_to_end(boot, qemu_cmd(smp=2, extra=["-initrd", BUNDLE["idle"]]), timeout=60)
    assert "lowvisor: vm 'offline': stopped (PSCI CPU_OFF of its last vCPU)" in out
    assert vm_lines(out, "ticker")[-2:] == ["tick 10", "# done"], out[-500:]
    m = re.search(r"^lowvisor:   cpu1 +\d+ exits, \d+ vCPU switches, (\d+) idle waits$", out, re.M)
    assert m, out[-500:]
    print("cpu1 idle waits:", m.group(1))
    assert 0 < int(m.group(1)) < 5000, m.group(0)


def test_vm_lifecycle_from_the_management_vm(boot):
    """The management VM lists the VMs, pauses the worker (which prints
    nothing while paused), resumes, resets and stops it; a VM not marked
    management is refused every call."""
    b = boot(qemu_cmd(smp=2, extra=["-initrd", BUNDLE["lifecycle"]]), timeout=120)
    # The console's input to mgmt: it pauses the worker once the test has
    # seen the worker's progress, and resets it once it has seen progress
    # again after the resume.
    b.expect(r"console: input goes to vm 'worker'")
    b.child.send("\x01\x01" * 3)  # Ctrl-A three times, doubled for QEMU
    b.expect(r"console: input goes to vm 'mgmt'")
    for again in ("", " again"):
        asks = rf"mgmt\| # press a key when the worker has made progress{again}\r*\n"
        if not re.search(asks, b.transcript().replace("\n", "\r\n")):  # not yet
            b.expect(asks)
        b.expect(r"worker\| progress \d+\r*\n")
        b.child.send("k")
    b.expect(pexpect.EOF)
    out = b.transcript()
    assert "unexpected" not in out and "halted" not in out, "the hypervisor stopped"
    check_tap(out, "mgmt", "lifecycle", 5)
    check_tap(out, "plain", "lifecycle", 5)
    lines = out.splitlines()
    paused = lines.index("mgmt| # paused")
    resuming = lines.index("mgmt| # resuming")
    progress = [i for i, l in enumerate(lines) if re.match(r"worker\| progress \d+$", l)]
    # It made progress before the pause and after the resume, none between.
    assert any(i < paused for i in progress) and any(i > resuming for i in progress)
    assert not [i for i in progress if paused < i < resuming]
    assert "lowvisor: vm 'worker': paused" in out and "lowvisor: vm 'worker': resumed" in out
    assert "lowvisor: vm 'worker': reset (boot 1)" in out
    assert "lowvisor: vm 'worker': stopped (stopped by the management partition)" in out
    # A VM whose vCPUs all called CPU_OFF has stopped: the machine powered
    # off when the others had.
    assert vm_lines(out, "offline")[-1] == "cpuoff: cpu 1 is off, cpu 0 calling CPU_OFF"
    assert "lowvisor: vm 'offline': stopped (PSCI CPU_OFF of its last vCPU)" in out
    assert "lowvisor: all VMs have stopped: powering off" in out


def race_calls(out, vm):
    """The lifecycle calls a racer made, over all its boots (each boot
    counts from 0 and prints its count every 16 calls)."""
    total = last = 0
    for line in vm_lines(out, vm):
        if line.startswith("race: vm "):
            total, last = total + last, 0
        m = re.match(r"race: (\d+) calls$", line)
        if m:
            last = int(m.group(1))
    return total + last


def check_race(out, ms):
    """What a lifecycle race (configs/race.its.sh) must show: the referee
    stopped everything at its end, no call answered wrongly, both canaries
    ticked all along, and the lifecycle lines were rate-limited."""
    assert re.search(r"^referee\| referee: done after \d+ rounds, \d+ resumes, \d+ resets$",
                     out, re.M), out[-2000:]
    assert "FAIL" not in out, [l for l in out.splitlines() if "FAIL" in l]
    for canary in ("canary0", "canary1"):
        ticks = [m.group(1) for m in
                 (re.match(r"tick (\d+)$", l) for l in vm_lines(out, canary)) if m]
        # The referee's final stop may cut the last line short ("tick 29"
        # of "tick 298"): the console flushes what the VM had written.
        if ticks and str(len(ticks)) != ticks[-1] and str(len(ticks)).startswith(ticks[-1]):
            ticks.pop()
        ticks = [int(t) for t in ticks]
        assert ticks == list(range(1, len(ticks) + 1)), (canary, ticks)
        # A tick every 20 ms of the referee's ms, give or take the ends.
        assert len(ticks) >= ms // 20 * 8 // 10, (canary, len(ticks))
    assert re.search(r"^lowvisor: warn: vm 'racer-[ab]': \d+ messages suppressed$", out, re.M)
    assert "lowvisor: all VMs have stopped: powering off" in out


def test_management_vms_racing_lifecycle_calls(boot):
    """Two management VMs on CPU 0 and 1 call PAUSE, RESUME, RESET and STOP
    at random on each other, on themselves and on a victim, for thousands
    of calls; a referee undoes what would leave them stuck, then stops
    everything.  No CPU waits for another: the canaries on both CPUs tick
    throughout and the machine powers off at the end."""
    out = run_to_end(boot, qemu_cmd(smp=2, extra=["-initrd", BUNDLE["race"]]), timeout=180)
    check_race(out, 3000)
    calls = {vm: race_calls(out, vm) for vm in ("racer-a", "racer-b")}
    print("lifecycle calls:", calls)
    # The one that is paused and reset more often makes fewer.
    assert sum(calls.values()) >= 2000 and min(calls.values()) >= 16, calls
    # Both racers and the victim were reset (they started again), and the
    # referee had paused VMs to resume and stopped ones to reset.
    for vm in ("racer-a", "racer-b"):
        assert re.search(rf"^{vm}\| race: vm \d, seed \d+, boot [1-9]\d*$", out, re.M), vm
    assert vm_lines(out, "victim").count("ticker: a tick every 50 ms") >= 2
    m = re.search(r"^referee\| referee: done after \d+ rounds, (\d+) resumes, (\d+) resets$",
                  out, re.M)
    assert int(m.group(1)) >= 1 and int(m.group(2)) >= 1, m.group(0)


def test_lifecycle_race_while_vmids_roll_over(boot):
    """The same race beside 260 more VMs taking turns: the VMIDs roll over
    again and again while the lifecycle calls race."""
    out = run_to_end(boot, qemu_cmd(smp=2, extra=["-initrd", BUNDLE["race-vmid"]]),
                     timeout=300)
    check_race(out, 6000)
    calls = {vm: race_calls(out, vm) for vm in ("racer-a", "racer-b")}
    m = re.search(r"^lowvisor:   vmids +generation (\d+), (\d+) rollovers, (\d+) allocated$",
                  out, re.M)
    assert m, out[-500:]
    print("lifecycle calls:", calls, "VMID rollovers:", m.group(2))
    assert int(m.group(2)) >= 3 and sum(calls.values()) >= 300, (calls, m.group(0))


def test_sched_shares_vfp_and_timer_deadlines(boot):
    """Five VMs on one physical CPU (configs/sched.its, 2 ms slices, under
    -icount so that guest time is instructions, not the host's mood): three
    CPU-bound spinners get equal shares within 10 % and keep their VFP
    registers across switches; a vCPU waiting for its virtual timer in WFI
    gets it at once (it has some of its turn left), spinning while
    descheduled within the spinners' turns; one with priority 1 preempts
    the spinners and gets it at once.  On the other CPU, one VM of three
    vCPUs counting, each with a 4 ms timer tick and 5 ms slices: even
    shares, and none switched out for more than the other two's turns."""
    out = run_to_end(boot, qemu_cmd(smp=2, append="lowvisor.slice_us=2000",
                                    extra=["-icount", "shift=0",
                                           "-initrd", BUNDLE["sched"]]))
    units = {}
    for vm in ("spin1", "spin2", "spin3"):
        check_tap(out, vm, "sched", 5)
        m = re.search(rf"^{vm}\| # sched: spin seed=\d+ units=(\d+) switches=(\d+) "
                      r"max_gap_us=(\d+) vfp_checks=\d+ vfp_bad=0$", out, re.M)
        assert m, vm_lines(out, vm)
        units[vm] = int(m.group(1))
        # It really shared the CPU: switched out many times, for about the
        # others' turns (4 others, 2 ms each, at most).
        assert int(m.group(2)) >= 50 and int(m.group(3)) <= 4 * 2000 + 500, m.group(0)
    mean = sum(units.values()) / len(units)
    for vm, n in units.items():
        assert abs(n - mean) <= 0.10 * mean, units
    for vm in ("timer", "urgent"):
        check_tap(out, vm, "sched", 5)
    timer = re.search(r"^timer\| # sched: timer limit_us=300 wfi_max_us=(\d+) "
                      r"busy_limit_us=6500 busy_max_us=(\d+) rounds=12$", out, re.M)
    assert timer, vm_lines(out, "timer")
    # Spinning, it did wait for the spinners' turns.
    assert int(timer.group(2)) > 2000, timer.group(0)
    urgent = re.search(r"^urgent\| # sched: timer limit_us=300 wfi_max_us=(\d+) ", out, re.M)
    assert urgent and int(urgent.group(1)) <= 300, vm_lines(out, "urgent")
    assert "lowvisor: all VMs have stopped: powering off" in out


def test_sched_three_busy_vcpus_with_ticks_share_evenly(boot):
    """One VM of three vCPUs on one physical CPU (configs/sched-count.its,
    5 ms slices, -icount), each counting with its virtual timer ticking
    every 4 ms, so each one's deadline passes while the others run: even
    shares within 10 %, and none switched out for more than the other two's
    turns."""
    out = run_to_end(boot, qemu_cmd(smp=2, extra=["-icount", "shift=0",
                                                  "-initrd", BUNDLE["sched-count"]]))
    check_tap(out, "count", "sched", 5)
    counted = [tuple(map(int, m.groups())) for m in re.finditer(
        r"^count\| # sched: count cpu=\d units=(\d+) ticks=(\d+) max_gap_us=(\d+)$", out, re.M)]
    assert len(counted) == 3, vm_lines(out, "count")
    print("count: units, ticks, longest gap (us):", counted)
    mean = sum(c[0] for c in counted) / 3
    for n, ticks, gap in counted:
        assert abs(n - mean) <= 0.10 * mean and ticks >= 10 and gap <= 2 * 5000 + 500, counted
    assert "lowvisor: all VMs have stopped: powering off" in out


def test_sched_a_woken_sibling_answers_a_spinning_sender_at_once(boot):
    """One VM of four vCPUs on one physical CPU (configs/sched-ipi.its, 5 ms
    slices, -icount): vCPU 0 sends an SGI to vCPU 1, asleep in WFI, and
    spins without WFE until its handler replies, as Linux's cross-CPU calls
    wait, while vCPUs 2 and 3 are CPU-bound.  The woken vCPU has its turn
    left, so it runs at once: every round trip within 500 us (waiting out
    the sender's turn took up to a 5 ms slice), and the median far below."""
    out = run_to_end(boot, qemu_cmd(smp=2, extra=["-icount", "shift=0",
                                                  "-initrd", BUNDLE["sched-ipi"]]))
    check_tap(out, "ipi", "sched", 5)
    m = re.search(r"^ipi\| # sched: ipi cpus=4 rounds=(\d+) median_us=(\d+) max_us=(\d+) "
                  r"limit_us=500$", out, re.M)
    assert m, vm_lines(out, "ipi")
    rounds, median, longest = map(int, m.groups())
    print(f"ipi: {rounds} rounds, median {median} us, longest {longest} us")
    assert rounds == 64 and median <= 100 and longest <= 500, m.group(0)


def test_300_vms_on_2_cpus(boot):
    """300 VMs of 1 MiB (configs/scale.its.sh: more than the 255 VMIDs) on 2
    CPUs with 2 ms turns: every one fills its RAM with its own signature and
    checks it round after round while the others run (progress 1..3), none
    finds a word of another's, all stop, and Lowvisor reports the VMID
    generations it went through."""
    out = run_to_end(boot, qemu_cmd(smp=2, extra=["-initrd", BUNDLE["scale"]]), timeout=240)
    assert re.search(r"^lowvisor:   vms +300 running$", out, re.M), "not all 300 VMs started"
    for i in range(300):
        vm = f"vm{i:03d}"
        check_tap(out, vm, "isolation", 3)
        lines = vm_lines(out, vm)
        assert [l for l in lines if l.startswith("progress ")] == \
            ["progress 1", "progress 2", "progress 3"], lines
        assert f"# isolation: bootargs \"sig=0x{0x5ca1e000 + i:08x} rounds=3\"" in lines
    # Both CPUs switched among their 150 vCPUs, several turns each.
    for cpu in (0, 1):
        m = re.search(rf"^lowvisor:   cpu{cpu} +\d+ exits, (\d+) vCPU switches, \d+ idle waits$",
                      out, re.M)
        assert m and int(m.group(1)) >= 300, out[-500:]
    m = re.search(r"^lowvisor:   vmids +generation (\d+), (\d+) rollovers, (\d+) allocated$",
                  out, re.M)
    assert m, out[-500:]
    print("VMID rollovers:", m.group(2), "allocations:", m.group(3))
    assert int(m.group(2)) >= 1 and int(m.group(1)) == int(m.group(2)) + 1
    assert int(m.group(3)) > 300


# configs/hcfuzz.its: the fuzzers' calls and the canary's rounds.
HCFUZZ_CALLS = {"fz-mgmt": 50000, "fz-plain": 200000}
HCFUZZ_ROUNDS = 250


def hcfuzz_bundle(tmp, seed):
    """configs/hcfuzz.its with seed=SEED in both fuzzers' bootargs, built as
    the Makefile builds bundles."""
    its = open(os.path.join(ROOT, "configs", "hcfuzz.its")).read()
    its = its.replace('bootargs = "calls=', f'bootargs = "seed={seed} calls=')
    its = its.replace('bootargs = "role=plain ', f'bootargs = "seed={seed} role=plain ')
    (tmp / "hcfuzz.its").write_text(its)
    dtc = (f"-I dts -O dtb -p 500 -W no-interrupts_property -i {BUILD}/guests -i {BUILD}")
    subprocess.run(["mkimage", "-D", dtc, "-f", str(tmp / "hcfuzz.its"),
                    str(tmp / "hcfuzz.itb")], check=True, capture_output=True)
    return str(tmp / "hcfuzz.itb")


def test_hypercall_fuzzer_beside_a_canary(boot, tmp):
    """A management VM and a plain VM make random and boundary calls (r0-r7,
    every SMCCC owner, HVC and SMC, IRQ_LINE, VM_LIST with bad buffers,
    lifecycle calls on a victim VM) and check each answer; a canary VM
    checking its RAM keeps printing progress all along and finishes; the
    hypervisor neither halts nor hangs, and powers off.  Each fuzzer prints
    its seed; HCFUZZ_SEED=S replays a run with seed S in both."""
    seed = os.environ.get("HCFUZZ_SEED")
    bundle = hcfuzz_bundle(tmp, seed) if seed else BUNDLE["hcfuzz"]
    out = run_to_end(boot, qemu_cmd(smp=2, extra=["-initrd", bundle]), timeout=240)
    seeds = dict(re.findall(r"^(fz-\S+)\| # hcfuzz: seed (0x[0-9a-f]+) ", out, re.M))
    replay = f"seeds {seeds}: replay one with HCFUZZ_SEED=<its seed>"
    assert sorted(seeds) == sorted(HCFUZZ_CALLS), replay
    stats = {}
    for vm, calls in HCFUZZ_CALLS.items():
        check_tap(out, vm, "hcfuzz", 3)
        m = re.search(rf"^{vm}\| # hcfuzz: done: (.*)$", out, re.M)
        assert m, replay
        stats[vm] = {k: int(v) for k, v in re.findall(r"(\w+) (\d+)", m.group(1))}
        st = stats[vm]
        assert st["calls"] == calls and st["hvc"] + st["smc"] == calls, (m.group(0), replay)
        assert st["bad"] == 0 and st["undef"] == st["smc"] > calls // 16, (m.group(0), replay)
        assert vm_lines(out, vm).count(f"# hcfuzz: {calls} calls") == 1
    # Every kind of answer came up: the calls reached the code behind them.
    mgmt, plain = stats["fz-mgmt"], stats["fz-plain"]
    for key in ("ok", "unsupported", "efault", "enoent", "einval"):
        assert mgmt[key] > 0, (key, mgmt)
    assert plain["eperm"] > 0 and plain["efault"] == plain["einval"] == 0, plain
    # The canary ran all its rounds, untouched, through the management
    # fuzzer's run: progress lines between its first report and its end.
    check_tap(out, "canary", "isolation", 3)
    assert [l for l in vm_lines(out, "canary") if l.startswith("progress ")] == \
        [f"progress {i}" for i in range(1, HCFUZZ_ROUNDS + 1)]
    lines = out.splitlines()
    first = lines.index(f"fz-mgmt| # hcfuzz: {HCFUZZ_CALLS['fz-mgmt'] // 10} calls")
    done = next(i for i, l in enumerate(lines) if l.startswith("fz-mgmt| # hcfuzz: done:"))
    during = [l for l in lines[first:done] if l.startswith("canary| progress ")]
    assert len(during) >= 5, (len(during), replay)
    for vm in ("canary", "fz-mgmt", "fz-plain"):
        assert not re.search(rf"vm '{vm}': (paused|reset|stopped \(stopped by)", out), vm
    # The victim took the lifecycle calls, and the last one stopped it.
    for what in ("paused", "resumed", "reset (boot"):
        assert f"lowvisor: vm 'victim': {what}" in out, what
    assert "lowvisor: all VMs have stopped: powering off" in out
