# SPDX-License-Identifier: MIT
"""Debian's unmodified armmp and armmp-lpae kernels boot on Lowvisor to the
busybox shell of test/linux/, where commands typed on the console run:
/proc/cpuinfo lists every vCPU, the arch_timer interrupt counts on every
vCPU, and `poweroff` stops the VM by PSCI (the bundle powers the machine
off when its last VM stops, so QEMU exits).  A management VM's IRQ_LINE
edges are counted, exactly, by a stock driver bound to a node the
configuration adds to the Linux VM's DT."""
import os
import re
import time

import pexpect
import pytest

from conftest import BUILD, qemu_cmd

PROMPT = "lvguest# "


def wait_shell(b, timeout=180):
    """Waits for the first prompt.  busybox's ash asks the terminal for the
    cursor position (ESC[6n) at its first prompt and may swallow what is
    typed meanwhile as the answer: an empty line first settles it."""
    b.expect(PROMPT, timeout=timeout)
    b.child.sendline("")
    b.expect(PROMPT, timeout=30)
    # Kernel messages (a late driver, "hrtimer: interrupt took ...") would
    # land in the middle of the commands' echoes and output: from here on
    # only emergencies reach the console.
    b.child.sendline("echo 1 > /proc/sys/kernel/printk")
    b.expect(PROMPT, timeout=30)


def shell(b, line, timeout=30):
    """Types a command and returns what it printed."""
    b.child.sendline(line)
    b.expect(PROMPT, timeout=timeout)
    out = b.child.before.replace("\r", "")
    # The echo of the command comes first; busybox's cursor query (ESC[6n)
    # may precede it.
    return out.split(line, 1)[-1].strip("\n")


@pytest.mark.parametrize("bundle,vcpus", [("linux-armmp-smp1", 1), ("linux-armmp-smp2", 2),
                                          ("linux-armmp-lpae-smp2", 2), ("linux-armmp-smp8", 8)])
def test_linux_boots_to_shell(boot, bundle, vcpus):
    t0 = time.time()
    b = boot(qemu_cmd(smp=2, extra=["-initrd", os.path.join(BUILD, f"{bundle}.itb")]),
             timeout=180)
    b.expect(r"LOWVISOR-LINUX-UP release=(\S+) cpus=(\d+)\r*\n")
    release, cpus = b.child.match.group(1), int(b.child.match.group(2))
    assert release.startswith("6.1.") and release.endswith(
        "-armmp-lpae" if "lpae" in bundle else "-armmp")
    assert cpus == vcpus
    wait_shell(b)
    print(f"{bundle}: shell after {time.time() - t0:.1f} s")
    assert shell(b, "grep -c ^processor /proc/cpuinfo") == str(vcpus)
    timer = shell(b, "grep arch_timer /proc/interrupts")
    counts = [int(n) for n in timer.split()[1:1 + vcpus]]
    assert len(counts) == vcpus and all(n > 0 for n in counts), timer
    # Counting: the timer keeps interrupting every vCPU.  A sleep on each
    # vCPU ends only with an interrupt of that vCPU's timer.
    assert shell(b, f"(for c in $(seq 0 {vcpus - 1}); do taskset -c $c sleep 1 & done; wait)") == ""
    later = [int(n) for n in shell(b, "grep arch_timer /proc/interrupts").split()[1:1 + vcpus]]
    assert all(l > c for l, c in zip(later, counts)), (counts, later)
    assert shell(b, "echo hello-$((6*7))") == "hello-42"
    # More vCPUs than CPUs (8 on 2): no vCPU was held off long enough for
    # RCU or the soft-lockup detector to notice.
    assert shell(b, "dmesg | grep -c -e 'rcu: INFO' -e 'soft lockup'") == "0"
    b.child.sendline("poweroff")
    b.expect(r"lowvisor: vm 'linux': stopped \(PSCI SYSTEM_OFF\)", timeout=60)
    b.expect(pexpect.EOF, timeout=30)


def test_linux_reboot_comes_back_to_shell(boot):
    b = boot(qemu_cmd(smp=2, extra=["-initrd", os.path.join(BUILD, "linux-armmp-smp1.itb")]),
             timeout=180)
    wait_shell(b)
    b.child.sendline("reboot")
    b.expect(r"lowvisor: vm 'linux': reset \(boot 1\)", timeout=60)
    b.expect(r"LOWVISOR-LINUX-UP", timeout=120)
    wait_shell(b)
    assert shell(b, "echo back") == "back"


def settle_prefixed_shell(b, vm):
    """wait_shell for a VM of a console in prefix mode, with the focus: its
    prompt is a line "VM| lvguest# " (an unfinished line goes out after
    half a second).  Waits for a prompt, types an empty line and waits for
    the prompt that answers it: one more than there were."""
    prompt = rf"{re.escape(vm)}\| lvguest# "
    if not re.search(prompt, b.transcript()):
        b.expect(prompt)
    prompts = len(re.findall(prompt, b.transcript()))
    b.child.sendline("")
    while len(re.findall(prompt, b.transcript())) == prompts:
        b.expect(prompt)


def test_two_linux_vms_with_prefixes_and_focus(boot):
    """Two Linux VMs on a 2-CPU machine, one vCPU each: both reach their
    shells, their output behind their prefixes; typed input goes to the VM
    with the focus, and Ctrl-A three times moves it."""
    b = boot(qemu_cmd(smp=2, extra=["-initrd", os.path.join(BUILD, "linux-two.itb")]),
             timeout=240)
    b.expect(r"console: input goes to vm 'linux-a'")
    seen = set()
    while seen != {"linux-a", "linux-b"}:
        b.expect(r"(linux-[ab])\| LOWVISOR-LINUX-UP release=\S+ cpus=1\r*\n")
        seen.add(b.child.match.group(1))
    # linux-a has the focus: its prompt is shown even without a newline
    # (maybe already, while linux-b was still booting).
    settle_prefixed_shell(b, "linux-a")
    b.child.sendline("echo from-$((40+1))")
    b.expect(r"linux-a\| from-41\r*\n")
    # QEMU's -nographic console takes Ctrl-A as its own escape: Ctrl-A
    # Ctrl-A sends one Ctrl-A to the machine.
    b.child.send("\x01\x01" * 3)
    b.expect(r"console: input goes to vm 'linux-b'")
    # Its prompt, held as an unfinished line while linux-b had no focus,
    # comes out now (or came before, ended by a kernel message).
    settle_prefixed_shell(b, "linux-b")
    b.child.sendline("echo from-$((40+2))")
    b.expect(r"linux-b\| from-42\r*\n")
    b.child.sendline("poweroff -f")
    b.expect(r"vm 'linux-b': stopped \(PSCI SYSTEM_OFF\)", timeout=60)


def test_passthrough_virtio_blk_disk(boot, tmp):
    """A host virtio-mmio transport given to the VM by passthrough: the disk
    QEMU attaches there is mounted by the unmodified guest kernel, which
    reads back a file written into the image beforehand."""
    import secrets
    import subprocess

    disk = tmp / "disk.img"
    word = f"lowvisor-{secrets.token_hex(6)}"
    (tmp / "hello.txt").write_text(word + "\n")
    subprocess.run(["/usr/sbin/mkfs.vfat", "-C", str(disk), "4096"], check=True,
                   capture_output=True)
    subprocess.run(["mcopy", "-i", str(disk), str(tmp / "hello.txt"), "::hello.txt"],
                   check=True, capture_output=True, env={**os.environ, "MTOOLS_SKIP_CHECK": "1"})
    b = boot(qemu_cmd(smp=2, extra=["-initrd", os.path.join(BUILD, "linux-virtio.itb"),
                                    "-drive", f"if=none,file={disk},format=raw,id=d0",
                                    "-device", "virtio-blk-device,drive=d0"]), timeout=180)
    b.expect(r"vm 'linux': passthrough /virtio_mmio@a003e00")
    b.expect(r"virtio_blk virtio0: \[vda\]")
    wait_shell(b)
    assert shell(b, "mkdir -p /mnt && mount -t vfat /dev/vda /mnt && cat /mnt/hello.txt",
                 timeout=60) == word
    # The disk's interrupt reached the guest through the hardware-mapped SPI.
    assert re.search(r"\d+ +GIC-0 +79 Edge +virtio0", shell(b, "cat /proc/interrupts"))


def lowvisor_irq_count(b, first=""):
    """The count of the lowvisor-irq line in /proc/interrupts (1 vCPU),
    read after the command first, if any."""
    out = shell(b, first + "grep lowvisor-irq /proc/interrupts")
    m = re.search(r"^\s*\d+:\s+(\d+)\s+GIC-0\s+112\s+Edge\s+lowvisor-irq\s*$", out, re.M)
    assert m, f"no lowvisor-irq line for GIC ID 112 in /proc/interrupts: {out!r}"
    return int(m.group(1))


def test_management_vm_injects_spis_counted_by_linux(boot):
    """configs/linux-irq.its: the guest DT Lowvisor builds for the Linux VM
    carries the configuration's gpio-keys node (guest-dt), which the
    unmodified kernel's built-in driver binds.  Once Linux is counting (the
    line shows 0 in /proc/interrupts), a 'g' typed on the management VM's
    console makes it inject 5 edges of that SPI with IRQ_LINE; Linux then
    counts exactly 5 more."""
    edges = 5
    b = boot(qemu_cmd(smp=2, extra=["-initrd", os.path.join(BUILD, "linux-irq.itb")]),
             timeout=240)
    b.expect(r"console: input goes to vm 'linux'")
    b.expect(rf"mgmt\| # irqpulse: {edges} edges of ID 112 into vm 0, 1000 ms apart; "
             r"type g to start")
    b.expect(r"LOWVISOR-LINUX-UP release=\S+ cpus=1\r*\n")
    wait_shell(b)
    before = lowvisor_irq_count(b)
    assert before == 0
    # The management VM gets the input: Ctrl-A three times (doubled for
    # QEMU's -nographic console, which takes Ctrl-A as its own escape).
    b.child.send("\x01\x01" * 3)
    b.expect(r"console: input goes to vm 'mgmt'")
    # With the focus, its output comes without the "mgmt| " prefix.
    b.child.send("g")
    b.expect(r"# injected (\d+) edges of ID 112 into vm 0", timeout=60)
    assert int(b.child.match.group(1)) == edges
    b.expect(r"ok 1 - pulse\.edges\s+# irqpulse: 1 passed, 0 failed")
    b.expect(r"vm 'mgmt': stopped \(PSCI SYSTEM_OFF\)")
    b.child.send("\x01\x01" * 3)
    b.expect(r"console: input goes to vm 'linux'")
    b.child.sendline("")
    b.expect(PROMPT, timeout=30)
    assert lowvisor_irq_count(b) == before + edges
    # Still exactly that many after a second of the guest's own time:
    # nothing else raises the line.
    assert lowvisor_irq_count(b, "sleep 1; ") == before + edges
    b.child.sendline("poweroff")
    b.expect(r"vm 'linux': stopped \(PSCI SYSTEM_OFF\)", timeout=60)
    b.expect(pexpect.EOF, timeout=30)


def load_reports(out, vm):
    """The (uptime, units) of each "load K T U" line of vm, K = 1, 2, ..."""
    reports = [(int(m.group(1)), float(m.group(2)), int(m.group(3))) for m in re.finditer(
        rf"^{vm}\| (?:lvguest# \S*)?load (\d+) (\d+\.\d+) (\d+)$", out, re.M)]
    assert [k for k, _, _ in reports] == list(range(1, len(reports) + 1)), reports
    return [(t, u) for _, t, u in reports]


def units_at(reports, t):
    """The units done at time t, interpolated between two reports."""
    for (ta, ua), (tb, ub) in zip(reports, reports[1:]):
        if ta <= t <= tb:
            return ua + (ub - ua) * (t - ta) / (tb - ta)
    raise AssertionError(f"{t} outside {reports}")


def test_two_smp_linux_vms_share_evenly_under_load(boot):
    """Two Linux VMs of 4 vCPUs on 2 CPUs (configs/linux-two-smp4.its: each
    CPU runs 2 vCPUs of each) under the same CPU-bound load (test/linux/
    lvload.c: 4 workers counting units of work, a report due every 2 s of
    the guest's own clock, 20 reports): while both are loaded they do work
    within 10 % of each other, and each VM's reports come at even intervals
    (2 s, give or take 1 s: the reporting process gets a CPU soon after its
    timer), by the guests' own clocks.  The reports' times are the virtual
    counter's (the VMs' start is its origin in both): with CLOCK_MONOTONIC,
    whose origin is each kernel's timekeeping, the windows of the two VMs
    were a second or more apart, and a change in the host's load (another
    test ending) fell in one VM's window before the other's: 11.7 % once."""
    b = boot(qemu_cmd(smp=2, extra=["-initrd", os.path.join(BUILD, "linux-two-smp4.itb")]),
             timeout=300)
    b.expect(pexpect.EOF)
    out = b.transcript()
    assert "lowvisor: all VMs have stopped: powering off" in out
    reports = {vm: load_reports(out, vm) for vm in ("linux-a", "linux-b")}
    for vm, r in reports.items():
        assert len(r) == 20, (vm, r)
    # The window where both ran the load (before it, the other VM's boot
    # rewrites the kernel's page tables, and QEMU stops both CPUs for each
    # of those TLB operations), and the work each did over it, interpolated
    # between its reports.
    start = max(r[0][0] for r in reports.values())
    end = min(r[-1][0] for r in reports.values())
    work, gaps = {}, {}
    for vm, r in reports.items():
        inside = [p for p in r if start <= p[0] <= end]
        assert len(inside) >= 8, (vm, start, end, r)
        gaps[vm] = [round(b[0] - a[0], 2) for a, b in zip(inside, inside[1:])]
        work[vm] = units_at(r, end) - units_at(r, start)
    print(f"over {start:.1f}..{end:.1f} s: work {work}, report intervals {gaps}")
    assert abs(work["linux-a"] - work["linux-b"]) <= 0.10 * max(work.values()), work
    assert all(0.5 * 2 <= g <= 1.5 * 2 for v in gaps.values() for g in v), gaps
