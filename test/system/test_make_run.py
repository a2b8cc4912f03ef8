# SPDX-License-Identifier: MIT
"""`make run`, the command a new user types, reaches the boot report on 2 CPUs."""
from conftest import ROOT


def test_make_run_reaches_report_on_two_cpus(boot):
    b = boot(["make", "-s", "-C", ROOT, "run"], timeout=120)
    b.expect(r"Booting Lowvisor in QEMU: qemu-system-arm .*-smp 2 ")
    b.expect(r"Quit with Ctrl-A x")
    fields = b.report()
    assert fields["cpus"] == ["2 of 2 online"]
