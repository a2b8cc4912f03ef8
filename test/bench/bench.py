#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Lowvisor's benchmarks (`make bench`): per-operation costs, Linux against
native, footprint, the devices lowvisord serves beside passthrough.  Prints
a table with each figure beside its target and writes BUILD/bench.json.
Method and results: docs/performance.md.

Every QEMU runs with -icount shift=0,sleep=off: one instruction (guest or
hypervisor) is 1 ns of virtual time and an idle machine jumps to its next
deadline, so every figure is an exact count that repeats from run to run.
The guests read the virtual counter (62.5 MHz: 16 instructions a tick).

    test/bench/bench.py [--build BUILD] [--json FILE]
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import select
import subprocess
import sys
import tempfile
import time

QEMU = os.environ.get("QEMU", "qemu-system-arm")
ICOUNT = ["-icount", "shift=0,sleep=off"]
COMMON = ["-cpu", "cortex-a15", "-nographic", "-nic", "none", "-no-reboot"] + ICOUNT
HYP = [QEMU, "-M", "virt,virtualization=on", "-smp", "2", "-m", "1024"] + COMMON
NATIVE = [QEMU, "-M", "virt", "-smp", "1", "-m", "256"] + COMMON
COUNTER_HZ = 62_500_000
NS_PER_TICK = 1e9 / COUNTER_HZ
TIMEOUT = 600
VM_RAM_KIB = 16 * 1024  # each bench-*.its VM
STARTUP_VMS = (1, 10, 100, 300)
STARTUP_SLICE_US = 2000  # configs/scale.its.sh
DISK_BYTES = 64 << 20  # test/bench/linux/lvinit-io.sh, lvio=disk
NET_BYTES = 16 << 20  # configs/bench-net.its, lvio=net-client
# QEMU's own virtio-blk disk for the passthrough run: null-co completes each
# request at once, in virtual time as a host file does when its thread wins
# the race against the idle machine's jump to its next timer (see
# docs/performance.md); read-zeroes: reads give zeros, as the served disk
# gives once the guest wrote its zeros.
PASS_DISK = ["-blockdev", f"driver=null-co,node-name=d0,size={DISK_BYTES},read-zeroes=on",
             "-device", "virtio-blk-device,drive=d0"]


class BenchError(Exception):
    pass


def run(cmd, what):
    """QEMU's output (it powers off by itself); killed after TIMEOUT s."""
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired as e:
        raise BenchError(f"{what}: no power-off within {TIMEOUT} s") from e
    return p.stdout.decode(errors="replace").replace("\r", "")


def run_until(cmd, what, vms):
    """QEMU's output up to the `LVBENCH done` line of each VM in vms; then
    QEMU is stopped (a management VM stays up).  Killed after TIMEOUT s."""
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    out, buf, pending = [], b"", set(vms)
    deadline = time.monotonic() + TIMEOUT
    try:
        while pending:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BenchError(f"{what}: no 'LVBENCH done' from {sorted(pending)} within "
                                 f"{TIMEOUT} s:\n{''.join(out)[-3000:]}")
            if not select.select([p.stdout], [], [], left)[0]:
                continue
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                raise BenchError(f"{what}: QEMU stopped before 'LVBENCH done' from "
                                 f"{sorted(pending)}:\n{''.join(out)[-3000:]}")
            *lines, buf = (buf + chunk).split(b"\n")
            for line in lines:
                text = line.decode(errors="replace").replace("\r", "")
                out.append(text + "\n")
                m = re.match(r"^(\S+)\| LVBENCH done$", text)
                if m:
                    pending.discard(m.group(1))
    finally:
        p.kill()
        p.wait()
    text = "".join(out)
    if "LVBENCH error" in text:
        raise BenchError(f"{what}: {re.search(r'LVBENCH error.*', text).group(0)}")
    return text


def hyp_run(build, bundle):
    out = run(HYP + ["-kernel", f"{build}/hyp-core.bin", "-initrd", f"{build}/{bundle}.itb"],
              bundle)
    if "all VMs have stopped" not in out:
        raise BenchError(f"{bundle}: the VMs did not all stop:\n{out[-2000:]}")
    return out


def guest_figures(out, bundle):
    """{name: instructions} from the bench guest's `bench NAME VALUE` lines;
    every VM must have passed its checks."""
    for m in re.finditer(r"^(\S+)\| # bench: (\d+) passed, (\d+) failed$", out, re.M):
        if m.group(3) != "0":
            raise BenchError(f"{bundle}: VM {m.group(1)} failed:\n{out[-3000:]}")
    if not re.search(r"^\S+\| # done$", out, re.M):
        raise BenchError(f"{bundle}: no '# done':\n{out[-3000:]}")
    return {m.group(1): float(m.group(2))
            for m in re.finditer(r"^\S+\| bench (\S+) ([\d.]+)$", out, re.M)}


def report_field(out, pattern, bundle):
    m = re.search(pattern, out, re.M)
    if not m:
        raise BenchError(f"{bundle}: no line matching {pattern!r}")
    return int(m.group(1))


def free_kib(out, bundle):
    return report_field(out, r"^lowvisor:   memory +(\d+) KiB free", bundle)


def linux_run(cmd, what):
    """Virtual ns (instructions, plus idle time jumped over) from the
    guest's start to /init and to the shell, and of the md5sum workload."""
    out = run(cmd, what)
    got = {}
    for m in re.finditer(r"LVBENCH (init|shell|md5) (\d+)(?: (\d+) ([0-9a-f]{32}))?", out):
        if m.group(1) == "md5":
            got["md5"] = (int(m.group(3)) - int(m.group(2))) * NS_PER_TICK
            got["md5sum"] = m.group(4)
        else:
            got[m.group(1)] = int(m.group(2)) * NS_PER_TICK
    if set(got) != {"init", "shell", "md5", "md5sum"}:
        raise BenchError(f"{what}: missing LVBENCH lines:\n{out[-3000:]}")
    return got


class Table:
    def __init__(self):
        self.rows = []

    def add(self, name, what, value, unit, target=None, note="", at_least=False):
        """A figure; its target is a most, or with at_least a least."""
        met = None if target is None else value >= target if at_least else value <= target
        self.rows.append({
            "name": name, "description": what, "value": value, "unit": unit,
            "target": target, "at_least": at_least, "met": met, "note": note,
        })

    def print(self):
        print(f"{'figure':<44} {'value':>12} {'unit':<6} {'target':>10}  result")
        for r in self.rows:
            v = r["value"]
            val = (f"{v:,.0f}" if r["unit"] in ("insn", "KiB", "us") else
                   f"{v:,.1f}" if r["unit"] == "MB/s" else f"{v:.4f}")
            rel = ">=" if r["at_least"] else "<="
            tgt = "" if r["target"] is None else (
                f"{rel} {r['target']:,}" if r["unit"] != "x" else f"{rel} {r['target']:.2f}")
            res = "" if r["met"] is None else ("met" if r["met"] else "MISSED")
            print(f"{r['description']:<44} {val:>12} {r['unit']:<6} {tgt:>10}  {res}")
            if r["note"]:
                print(f"{'':<46}{r['note']}")


def micro(build, t, mem):
    one = hyp_run(build, "bench-one")
    f = guest_figures(one, "bench-one")
    mem["one"] = free_kib(one, "bench-one")
    t.add("hvc_null", "null hypercall round trip (HVC)", f["hvc_null"], "insn", 60)
    t.add("psci_version", "PSCI_VERSION round trip", f["psci_version"], "insn")
    t.add("vgic_mmio_read", "MMIO read of a vGIC register (GICD_TYPER)", f["vgic_mmio_read"],
          "insn", 300)
    t.add("vuart_write", "virtual UART register write (UARTIFLS)", f["vuart_write"], "insn")
    t.add("ack_eoi", "ack + EOI of a virtual IRQ through GICV", f["ack_eoi"], "insn")
    t.add("vtimer_latency", "virtual timer: deadline to handler (WFI)", f["vtimer_latency"],
          "insn", 700)
    ipi = hyp_run(build, "bench-ipi")
    f = guest_figures(ipi, "bench-ipi")
    mem["ipi"] = free_kib(ipi, "bench-ipi")
    t.add("ipi_one_way", "virtual IPI: send to receive (2 CPUs)", f["ipi_one_way"], "insn", 2500)
    t.add("ipi_round_trip", "virtual IPI: send to reply received", f["ipi_round_trip"], "insn")
    inj = hyp_run(build, "bench-inject")
    f = guest_figures(inj, "bench-inject")
    mem["inject"] = free_kib(inj, "bench-inject")
    t.add("irq_line_to_handler", "IRQ_LINE to target handler (half round trip)",
          f["irq_line_to_handler"], "insn", 3000)
    t.add("irq_line_round_trip", "IRQ_LINE round trip between 2 VMs", f["irq_line_round_trip"],
          "insn")
    sw = hyp_run(build, "bench-switch")
    f = guest_figures(sw, "bench-switch")
    t.add("vcpu_switch", "vCPU switch: SGI handover, one way (1 CPU)", f["switch_one_way"],
          "insn", 1500)
    t.add("vcpu_switch_round_trip", "vCPU switch: there and back", f["switch_round_trip"], "insn")
    turns = hyp_run(build, "bench-turns")
    f = guest_figures(turns, "bench-turns")
    t.add("vcpu_turn_switch", "vCPU switch at the end of a turn (timer)", f["turn_switch"],
          "insn")
    io = hyp_run(build, "bench-ioreq")
    f = guest_figures(io, "bench-ioreq")
    t.add("ioreq_read", "forwarded MMIO read, load to completion (bare-metal backend, 1 CPU)",
          f["ioreq_read"], "insn")
    io = hyp_run(build, "bench-ioreq-linux")
    f = guest_figures(io, "bench-ioreq-linux")
    t.add("ioreq_read_linux", "forwarded MMIO read answered by lvdev through lowvisor.ko (1 CPU)",
          f["ioreq_read"], "insn")
    return one


NEUTRAL = (("gicd_read", "GICD_TYPER read", 300), ("gicd_write", "distributor write, no effect", 350),
           ("self_sgi", "self-SGI, SGIR write to handler", None),
           ("psci_version", "PSCI_VERSION (HVC)", None),
           ("vtimer", "vtimer deadline to handler (WFI)", 700),
           ("uart_write", "PL011 write (UARTIFLS)", None))


def neutral(build, t):
    """The hypervisor-neutral bench guest (role=neutral) under Lowvisor and
    natively (the floor), side by side: the same image and figures."""
    lv = guest_figures(hyp_run(build, "bench-neutral"), "bench-neutral")
    out = run(NATIVE + ["-kernel", f"{build}/guests/bench.bin", "-append", "role=neutral"],
              "bench-neutral natively")
    nat = guest_figures("\n".join("native| " + l for l in out.splitlines()), "bench natively")
    for key, what, target in NEUTRAL:
        t.add(f"neutral_{key}", f"neutral: {what}", lv[f"neutral_{key}"], "insn", target,
              f"(native {nat[f'neutral_{key}']:,.0f})")


def linux(build, t):
    kernel, initrd = f"{build}/linux/vmlinuz-armmp", f"{build}/bench/initramfs.cpio.gz"
    nat = linux_run(NATIVE + ["-kernel", kernel, "-initrd", initrd,
                              "-append", "console=ttyAMA0 lvbench"], "linux native")
    lv = linux_run(HYP + ["-kernel", f"{build}/hyp-core.bin", "-initrd",
                          f"{build}/linux-bench.itb"], "linux under lowvisor")
    if nat["md5sum"] != lv["md5sum"]:
        raise BenchError(f"md5sum differs: native {nat['md5sum']}, lowvisor {lv['md5sum']}")
    for key, name, what, target in (
            ("init", "linux_init_ratio", "Linux armmp start to /init, x native", 1.10),
            ("shell", "linux_shell_ratio", "Linux armmp start to the shell, x native", None),
            ("md5", "linux_md5_ratio", "md5sum of 64 MiB in Linux, x native", 1.03)):
        t.add(name, what, lv[key] / nat[key], "x", target,
              f"(virtual time: native {nat[key] / 1e6:,.1f} ms, Lowvisor {lv[key] / 1e6:,.1f} ms)")


def footprint(build, t, mem, one):
    size = os.path.getsize(f"{build}/hyp-core.bin")
    t.add("hyp_bin_kib", "hyp.bin without guests (hyp-core.bin)", size / 1024, "KiB", 128)
    # The same guest and RAM in each bundle: one VM of one vCPU, one VM of
    # two vCPUs, two VMs of one vCPU; the allocator's pages are 4 KiB.
    t.add("mem_per_vm_kib", "hypervisor memory per VM (beyond its RAM)",
          mem["one"] - mem["inject"] - VM_RAM_KIB, "KiB")
    t.add("mem_per_vcpu_kib", "hypervisor memory per extra vCPU", mem["one"] - mem["ipi"], "KiB")
    t.add("first_guest_us", "entry to first guest instruction (1 VM)",
          report_field(one, r"^lowvisor:   first vm +(\d+) us", "bench-one"), "us", 2000)


def startup(build, t):
    """N VMs of 1 MiB (configs/scale.its.sh, one round each), all on CPU 1:
    the boot report's time per VM between sizes, and how long after the
    report the last VM ran its first instruction, in rounds of the run
    queue (N turns of 2 ms).  On one CPU, because under -icount QEMU runs
    the CPUs in turns, each as long as its next timer deadline allows, and
    a CPU's turns of the run queue then stretch by the other's."""
    boot = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in STARTUP_VMS:
            its = subprocess.run(["sh", "configs/scale.its.sh", str(n), "0x2", "1"], check=True,
                                 capture_output=True, text=True).stdout
            with open(f"{tmp}/s{n}.its", "w", encoding="utf-8") as f:
                f.write(its)
            dtc = f"-I dts -O dtb -p 500 -i {build}/guests -i {build}"
            subprocess.run(["mkimage", "-D", dtc, "-f", f"{tmp}/s{n}.its", f"{tmp}/s{n}.itb"],
                           check=True, stdout=subprocess.DEVNULL)
            out = run(HYP + ["-kernel", f"{build}/hyp-core.bin", "-initrd", f"{tmp}/s{n}.itb"],
                      f"start-up of {n} VMs")
            if "all VMs have stopped" not in out:
                raise BenchError(f"start-up of {n} VMs: the VMs did not all stop:\n{out[-2000:]}")
            boot[n] = report_field(out, r"^lowvisor:   boot time +(\d+) us", f"{n} VMs")
            last = report_field(out, r"^lowvisor:   last vm +(\d+) us", f"{n} VMs")
    for lo, hi in zip(STARTUP_VMS, STARTUP_VMS[1:]):
        t.add(f"startup_per_vm_{lo}_{hi}", f"start-up per VM, {lo} to {hi} VMs of 1 MiB",
              (boot[hi] - boot[lo]) / (hi - lo), "us", 300)
    n = STARTUP_VMS[-1]
    t.add(f"startup_{n}_us", f"entry to the boot report, {n} VMs", boot[n], "us")
    t.add(f"last_first_insn_{n}", f"{n} VMs on 1 CPU: last one's start, rounds",
          (last - boot[n]) / (n * STARTUP_SLICE_US), "x", 1.0,
          f"({(last - boot[n]) / 1000:,.1f} ms after the report; a round is {n} turns "
          f"of {STARTUP_SLICE_US / 1000:.0f} ms)")


def disk_run(cmd, what):
    """The lvio=disk guest's figures: per direction, virtual ns, requests
    and virtio interrupts (test/bench/linux/lvinit-io.sh)."""
    out = run_until(cmd, what, ["disk"])
    got = {}
    for m in re.finditer(r"^disk\| LVBENCH disk (size|write|read) ((?:\d+ ?)+)$", out, re.M):
        got[m.group(1)] = [int(v) for v in m.group(2).split()]
    md5 = re.search(r"^disk\| LVBENCH disk md5 ([0-9a-f]{32})$", out, re.M)
    if set(got) != {"size", "write", "read"} or not md5:
        raise BenchError(f"{what}: missing LVBENCH disk lines:\n{out[-3000:]}")
    if got["size"][0] * 512 < DISK_BYTES:
        raise BenchError(f"{what}: /dev/vda has {got['size'][0]} sectors, under 64 MiB")
    if md5.group(1) != hashlib.md5(bytes(DISK_BYTES)).hexdigest():
        raise BenchError(f"{what}: the 64 MiB read back are not the zeros written "
                         f"(md5 {md5.group(1)})")
    # [irqs, read requests, sectors read, write requests, sectors written]
    before, wr, rd = got["size"][1:], got["write"][2:], got["read"][2:]
    if wr[4] - before[4] != DISK_BYTES // 512 or rd[2] - wr[2] != DISK_BYTES // 512:
        raise BenchError(f"{what}: sectors written or read are not 64 MiB's: {got}")
    return {"write": ((got["write"][1] - got["write"][0]) * NS_PER_TICK,
                      wr[3] - before[3], wr[0] - before[0]),
            "read": ((got["read"][1] - got["read"][0]) * NS_PER_TICK,
                     rd[1] - wr[1], rd[0] - wr[0])}


def net_run(cmd, what):
    """The lvio=net-* guests' figures: ping's min/avg/max round trip in
    ms, and virtual ns for NET_BYTES through TCP."""
    out = run_until(cmd, what, ["net-a", "net-b"])
    ping = re.search(r"^net-a\| LVBENCH net ping ([\d.]+)/([\d.]+)/([\d.]+) ms$", out, re.M)
    send = re.search(r"^net-a\| LVBENCH net send (\d+) (\d+) (\d+)$", out, re.M)
    recv = re.search(r"^net-b\| LVBENCH net received (\d+)$", out, re.M)
    retrans = re.search(r"^net-a\| LVBENCH net retrans (\d+)$", out, re.M)
    if not (ping and send and recv and retrans):
        raise BenchError(f"{what}: missing LVBENCH net lines:\n{out[-3000:]}")
    if int(send.group(3)) != NET_BYTES or int(recv.group(1)) != NET_BYTES:
        raise BenchError(f"{what}: {send.group(3)} bytes sent, {recv.group(1)} received; "
                         f"want {NET_BYTES}")
    return {"ping": [float(ping.group(i)) for i in (1, 2, 3)],
            "send": (int(send.group(2)) - int(send.group(1))) * NS_PER_TICK,
            "retrans": int(retrans.group(1))}


def devices_start(build, pool):
    """The device benchmarks, each a QEMU of its own, started in pool."""
    hyp = HYP + ["-kernel", f"{build}/hyp-core.bin", "-initrd"]
    return {
        "served": pool.submit(disk_run, hyp + [f"{build}/bench-disk-served.itb"],
                              "bench-disk-served"),
        "pass": pool.submit(disk_run, hyp + [f"{build}/bench-disk-pass.itb"] + PASS_DISK,
                            "bench-disk-pass"),
        "net": pool.submit(net_run, hyp + [f"{build}/bench-net.itb"], "bench-net"),
    }


def devices(t, runs):
    """MB/s (10^6 bytes a second of virtual time) of the served disk and of
    passthrough, the ratio against the 50 % goal, ping and TCP."""
    served, pas = runs["served"].result(), runs["pass"].result()
    for way in ("read", "write"):
        mbs = {}
        for key, r, what in (("served", served, "served by lowvisord"),
                             ("pass", pas, "passthrough (QEMU's virtio-blk)")):
            ns, reqs, irqs = r[way]
            mbs[key] = DISK_BYTES / ns * 1e3
            t.add(f"disk_{way}_{key}", f"disk {way} 64 MiB, O_DIRECT 1 MiB: {what}", mbs[key],
                  "MB/s", note=f"({ns / 1e6:,.1f} ms; {reqs} requests, {irqs} interrupts)")
        t.add(f"disk_{way}_ratio", f"disk {way}: served / passthrough",
              mbs["served"] / mbs["pass"], "x", 0.50, at_least=True)
    net = runs["net"].result()
    t.add("net_ping_rtt_us", "ping between two guests on lowvisord's network", net["ping"][1] * 1e3,
          "us", note=f"(average of 20; min {net['ping'][0] * 1e3:,.0f}, max "
          f"{net['ping'][2] * 1e3:,.0f} us)")
    t.add("net_tcp_mbs", "TCP between them: 16 MiB through busybox nc",
          NET_BYTES / net["send"] * 1e3, "MB/s",
          note=f"({net['send'] / 1e6:,.1f} ms; {net['retrans']} segments retransmitted)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--json", help="default BUILD/bench.json")
    a = ap.parse_args()
    t, mem = Table(), {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        runs = devices_start(a.build, pool)
        try:
            one = micro(a.build, t, mem)
            neutral(a.build, t)
            linux(a.build, t)
            footprint(a.build, t, mem, one)
            startup(a.build, t)
            devices(t, runs)
        except BenchError as e:
            print(f"bench: {e}", file=sys.stderr)
            for f in runs.values():
                f.cancel()
            return 1
    print("Lowvisor benchmarks: QEMU -icount shift=0,sleep=off (1 insn = 1 ns of virtual time);")
    print("per-operation figures are medians, in instructions (guest + hypervisor).")
    t.print()
    path = a.json or f"{a.build}/bench.json"
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"qemu": QEMU, "icount": ICOUNT[1], "figures": t.rows}, f, indent=1)
        f.write("\n")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
