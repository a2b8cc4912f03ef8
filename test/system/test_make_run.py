# SPDX-License-Identifier: MIT
"""`make run`, the command a new user types: the demo system (configs/
demo.its) comes up on 2 CPUs with what to type printed first, and what it
says works: from the management shell, lowvisorctl lists the VMs and
injects an interrupt that the other Linux counts, seen after switching the
console's focus to it; lowvisord, started by the management initramfs,
gives that Linux a disk (/dev/vda) and a network that the management
Linux joins through its TAP device lv0 and pings it on."""
import re

from conftest import ROOT
from test_manage import MGMT_PROMPT, mshell, own_lines


def test_make_run_demo(boot):
    b = boot(["make", "-s", "-C", ROOT, "run"], timeout=300)
    b.expect(r"Booting Lowvisor in QEMU: qemu-system-arm .*-smp 2 .*-initrd \S+/demo\.itb")
    b.expect(r"Switch the keyboard to the next VM: Ctrl-A three times")
    b.expect(r"  ping -c 3 10\.0\.15\.1\r*\n")
    b.expect(r"lowvisorctl irq linux spi 112 1; lowvisorctl irq linux spi 112 0")
    b.expect(r"Quit with Ctrl-A x")
    fields = b.report()
    assert fields["cpus"] == ["2 of 2 online"]
    assert fields["vms"] == ["3 running"]
    b.expect(r"(?<!\| )lvinit: lowvisor\.ko loaded", timeout=180)
    b.expect(MGMT_PROMPT, timeout=60)
    b.child.sendline("")
    b.expect(MGMT_PROMPT)
    out = mshell(b, "lowvisorctl list")
    for name in ("mgmt", "linux", "ticker"):
        assert re.search(rf"\d+\s+{name}\s+running", out), out
    # The other Linux must be up (its driver bound) before the edge.
    if "linux| LOWVISOR-LINUX-UP" not in b.transcript():
        b.expect(r"linux\| LOWVISOR-LINUX-UP", timeout=180)
    out = mshell(b, "lowvisorctl irq linux spi 112 1; lowvisorctl irq linux spi 112 0; "
                    "echo rc=$?")
    assert "rc=0" in out, out

    # Its disk and its network, served by lowvisord: eth0's address is set
    # by its /init (lvnet=), lv0's by the demo's lvinit.d script.
    for line in (r"(?<!\| )lvinit: demo disk /tmp/disk\.img made \(4 MiB, FAT\)",
                 r"(?<!\| )lvinit: lowvisord started for /etc/lowvisord\.conf",
                 r"(?<!\| )lvinit: lv0 is 10\.0\.15\.254/24",
                 r"linux\| \[[ \d.]+\] virtio_blk virtio0: \[vda\] 8192 512-byte logical blocks",
                 r"linux\| lvinit: eth0 is 10\.0\.15\.1/24\r*\n"):
        if not re.search(line, b.transcript()):
            b.expect(line, timeout=120)
    out = own_lines(mshell(b, "lowvisorctl devices; echo rc=$?"))
    rows = [l for l in out if re.match(r"\s*\d+\s", l)]
    assert out[-2] == "rc=0", out
    assert len(rows) == 2, out
    assert re.fullmatch(r"  1  linux\s+0  block    mgmt\s+0x0a000000 +48  driver ok", rows[0]), out
    assert re.fullmatch(r"  1  linux\s+1  net      mgmt\s+0x0a000200 +49  driver ok", rows[1]), out
    b.child.sendline("ping -c 3 10.0.15.1")
    b.expect(r"(?<!\| )64 bytes from 10\.0\.15\.1: seq=0 ttl=64 time=[\d.]+ ms\r*\n", timeout=60)
    b.expect(r"(?<!\| )3 packets transmitted, 3 packets received, 0% packet loss\r*\n",
             timeout=60)
    b.expect(MGMT_PROMPT)
    # Ctrl-A three times, each doubled for QEMU's -nographic console.
    b.child.send("\x01\x01" * 3)
    b.expect(r"console: input goes to vm 'linux'")
    b.child.sendline("")
    b.expect(MGMT_PROMPT)  # now linux's own prompt, unprefixed
    b.child.sendline("grep lowvisor-irq /proc/interrupts")
    b.expect(r"\d+:\s+(\d+)\s+GIC-0\s+112\s+Edge\s+lowvisor-irq")
    assert b.child.match.group(1) == "1"
    b.expect(MGMT_PROMPT)
    b.child.sendline("grep -w vda /proc/partitions")
    b.expect(r"(?<!\| )\s*\d+\s+0\s+4096 vda\r*\n")
    b.expect(MGMT_PROMPT)
