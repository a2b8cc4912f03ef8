# SPDX-License-Identifier: MIT
"""`make run`, the command a new user types: the demo system (configs/
demo.its) comes up on 2 CPUs with what to type printed first, and what it
says works: from the management shell, lowvisorctl lists the VMs and
injects an interrupt that the other Linux counts, seen after switching the
console's focus to it."""
import re

from conftest import ROOT
from test_manage import MGMT_PROMPT, mshell


def test_make_run_demo(boot):
    b = boot(["make", "-s", "-C", ROOT, "run"], timeout=300)
    b.expect(r"Booting Lowvisor in QEMU: qemu-system-arm .*-smp 2 .*-initrd \S+/demo\.itb")
    b.expect(r"Switch the keyboard to the next VM: Ctrl-A three times")
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
    # Ctrl-A three times, each doubled for QEMU's -nographic console.
    b.child.send("\x01\x01" * 3)
    b.expect(r"console: input goes to vm 'linux'")
    b.child.sendline("")
    b.expect(MGMT_PROMPT)  # now linux's own prompt, unprefixed
    b.child.sendline("grep lowvisor-irq /proc/interrupts")
    b.expect(r"\d+:\s+(\d+)\s+GIC-0\s+112\s+Edge\s+lowvisor-irq")
    assert b.child.match.group(1) == "1"
