// SPDX-License-Identifier: MIT
/*
 * iofront: a frontend of the device-model path (configs/ioreq.its).  Its
 * configuration gives it two virtio devices backed by the management VM
 * running test/guests/ioback; every access to their windows goes to that
 * backend, which answers reads with iot_read_value() and checks that
 * writes carry iot_write_value() (lib/ioreq_test.h).
 *
 * Every vCPU at once (CPU_ON for the secondaries) goes through IOT_WORDS
 * words of each window: a word, a halfword and a byte written and read
 * back, the halfword and byte also read sign-extended (LDRSH, LDRSB), each
 * value checked against what the backend answers.  Then, on device 0: a
 * write to QueueNotify, which is posted (the vCPU goes on at once, the
 * backend holds it IOT_POSTED_HOLD_US), and a read right after it, which
 * waits until the backend took the write; and a Thumb store and load
 * (16-bit encodings: the PC moves by 2).  Before all that it writes
 * IOT_MAGIC at IOT_MAGIC_IPA, which the backend reads through MAP_GUEST.
 * The calls of a backend are refused to it (-EPERM).
 *
 * With bootargs "role=bench" (configs/bench-ioreq.its, `make bench`) it
 * times forwarded reads answered by ioback role=bench on the same CPU:
 * "bench ioreq_read N", the median of IOT_BENCH_BATCHES batches, in
 * instructions under -icount shift=0 (16 a counter tick); then a write
 * to IOT_BENCH_END ends the backend.
 *
 * With bootargs "role=stuck" it reads one word of its window, whose
 * backend never answers (ioback role=mute): it prints "# reading" and
 * should print nothing more; the backend resets it (it reads again) and
 * then stops it.
 */
#include "ioreq_test.h"
#include "test.h"

#define SECONDARY_TIMEOUT_US 60000000u

static uint32_t vm_id;
static volatile uint32_t bad[GUEST_MAX_CPUS], done[GUEST_MAX_CPUS];
static volatile uint32_t notify_us, after_us;

static void check(uint32_t cpu, uint32_t got, uint32_t want, uint32_t addr, const char *what)
{
	if (got == want)
		return;
	if (bad[cpu]++ < 4) {
		console_lock();
		printf("# cpu %lu: %s at 0x%08lx: 0x%08lx, not 0x%08lx\n", (unsigned long)cpu, what,
		       (unsigned long)addr, (unsigned long)got, (unsigned long)want);
		console_unlock();
	}
}

/* 16-bit Thumb encodings (low registers, no offset). */
__attribute__((target("thumb"), noinline)) static void thumb_strh(volatile uint16_t *p,
								  uint32_t v)
{
	*p = (uint16_t)v;
}

__attribute__((target("thumb"), noinline)) static uint32_t thumb_ldrb(volatile uint8_t *p)
{
	return *p;
}

static void io_words(uint32_t cpu)
{
	unsigned dev, i;

	for (dev = 0; dev < IOT_DEVICES; dev++) {
		uint32_t base = LOWVISOR_VIRTIO_BASE + dev * LOWVISOR_VIRTIO_SIZE;

		for (i = 0; i < IOT_WORDS; i++) {
			uint32_t a = base + IOT_FIRST + 4 * i, h = a + 2, b = a + 1;
			uint32_t rv;

			*(volatile uint32_t *)a = iot_write_value(a, vm_id, cpu);
			check(cpu, *(volatile uint32_t *)a, iot_read_value(a, vm_id, cpu), a, "LDR");
			*(volatile uint16_t *)h = (uint16_t)iot_write_value(h, vm_id, cpu);
			rv = iot_read_value(h, vm_id, cpu);
			check(cpu, *(volatile uint16_t *)h, rv & 0xffffu, h, "LDRH");
			check(cpu, (uint32_t)(int32_t)*(volatile int16_t *)h,
			      (uint32_t)(int32_t)(int16_t)rv, h, "LDRSH");
			*(volatile uint8_t *)b = (uint8_t)iot_write_value(b, vm_id, cpu);
			rv = iot_read_value(b, vm_id, cpu);
			check(cpu, *(volatile uint8_t *)b, rv & 0xffu, b, "LDRB");
			check(cpu, (uint32_t)(int32_t)*(volatile int8_t *)b,
			      (uint32_t)(int32_t)(int8_t)rv, b, "LDRSB");
		}
	}
}

/* The posted QueueNotify write and the read after it; the Thumb pair. */
static void io_extra(uint32_t cpu)
{
	uint32_t n = LOWVISOR_VIRTIO_BASE + LOWVISOR_VIRTIO_NOTIFY;
	uint32_t after = LOWVISOR_VIRTIO_BASE + IOT_AFTER_NOTIFY, t = after + 2;
	uint64_t t0 = time_now_us(), t1, t2;
	uint32_t v;

	*(volatile uint32_t *)n = iot_write_value(n, vm_id, cpu);
	t1 = time_now_us();
	v = *(volatile uint32_t *)after;
	t2 = time_now_us();
	check(cpu, v, iot_read_value(after, vm_id, cpu), after, "LDR after notify");
	if (cpu == 0) {
		notify_us = (uint32_t)(t1 - t0);
		after_us = (uint32_t)(t2 - t1);
	}
	thumb_strh((volatile uint16_t *)t, iot_write_value(t, vm_id, cpu));
	check(cpu, thumb_ldrb((volatile uint8_t *)t), iot_read_value(t, vm_id, cpu) & 0xffu, t,
	      "Thumb LDRB");
}

static void secondary(uint32_t cpu)
{
	io_words(cpu);
	io_extra(cpu);
	dmb();
	done[cpu] = 1;
}

TEST(calls, refused)
{
	EXPECT_EQ(smccc_hvc(LOWVISOR_FN_IOREQ_SETUP, 0x40000, 0, 0, NULL), -LOWVISOR_EPERM);
	EXPECT_EQ(smccc_hvc(LOWVISOR_FN_IOREQ_DONE, 0, 1, 0, NULL), -LOWVISOR_EPERM);
	EXPECT_EQ(smccc_hvc(LOWVISOR_FN_MAP_GUEST, vm_id, 0x80000, 0, NULL), -LOWVISOR_EPERM);
}

TEST(io, every_width_from_every_vcpu)
{
	uint32_t mpidrs[GUEST_MAX_CPUS];
	unsigned cpus = (unsigned)fdt_cpus(guest_dtb(), mpidrs, GUEST_MAX_CPUS), i;
	uint64_t end;

	ASSERT_GE(cpus, 1);
	for (i = 1; i < cpus; i++)
		ASSERT_EQ(smp_cpu_on(mpidrs[i], secondary, i), PSCI_RET_SUCCESS);
	secondary(0);
	end = time_now_us() + SECONDARY_TIMEOUT_US;
	for (i = 1; i < cpus; i++)
		while (!done[i] && time_now_us() < end)
			;
	for (i = 0; i < cpus; i++) {
		EXPECT_EQ(done[i], 1);
		EXPECT_EQ(bad[i], 0);
	}
	printf("# %u vCPUs made %u accesses each\n", cpus, IOT_PER_VCPU);
}

TEST(io, posted_write_does_not_wait)
{
	printf("# notify took %lu us, the read after it %lu us\n", (unsigned long)notify_us,
	       (unsigned long)after_us);
	EXPECT_LT(notify_us, IOT_POSTED_HOLD_US / 2);
	EXPECT_GE(after_us, IOT_POSTED_HOLD_US * 3 / 4);
}

static void bench(void)
{
	uint64_t per[IOT_BENCH_BATCHES], t;
	unsigned b, i, j;

	for (b = 0; b < IOT_BENCH_BATCHES; b++) {
		t = counter();
		for (i = 0; i < IOT_BENCH_BATCH; i++)
			(void)*(volatile uint32_t *)(LOWVISOR_VIRTIO_BASE + IOT_FIRST);
		per[b] = (counter() - t) * 16 / IOT_BENCH_BATCH;
		for (j = b; j > 0 && per[j - 1] > per[j]; j--) {
			t = per[j];
			per[j] = per[j - 1];
			per[j - 1] = t;
		}
	}
	printf("bench ioreq_read %llu\n", (unsigned long long)per[IOT_BENCH_BATCHES / 2]);
	*(volatile uint32_t *)(LOWVISOR_VIRTIO_BASE + IOT_BENCH_END) = 0;
}

int main(void)
{
	char role[16] = "";
	const void *v = fdt_getprop(guest_dtb(), "/chosen", "lowvisor,vm-id", NULL);

	vm_id = v ? fdt_cell(v, 0) : 0;
	if (bootarg_get("role", role, sizeof(role)) && !strcmp(role, "stuck")) {
		printf("# reading (boot %ld)\n", (long)boot_count());
		printf("# read returned 0x%08lx\n",
		       (unsigned long)*(volatile uint32_t *)(LOWVISOR_VIRTIO_BASE + IOT_FIRST));
		return 1;
	}
	if (!strcmp(role, "bench")) {
		bench();
		return 0;
	}
	*(volatile uint32_t *)IOT_MAGIC_IPA = IOT_MAGIC;
	dsb();
	return test_run_all();
}
