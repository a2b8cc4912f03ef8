// SPDX-License-Identifier: MIT
/*
 * lifecycle: the management partition's VM calls (configs/lifecycle.its).
 *
 * As the management VM (id 1) it lists the VMs, pauses the worker (VM 0,
 * an isolation guest printing "progress N") once the system test has seen
 * it make progress (it presses a key), prints "# paused", waits a second
 * and prints "# resuming" (the system test checks that the worker printed
 * nothing in between), resumes it, waits for the next key, resets it,
 * stops it, and checks the error cases.  With bootargs "role=plain" (not management) every call
 * is -EPERM.
 */
#include "test.h"

#define WORKER 0u
#define SELF 1u
#define VM_COUNT 4u
#define PAUSE_US 1000000u
#define START_US 500000u

static bool plain;
static struct lowvisor_vm_info info[VM_COUNT];

#define NEED_MANAGER()                                                         \
	do {                                                                   \
		if (plain)                                                     \
			SKIP("role=plain");                                    \
	} while (0)

static int32_t call(uint32_t fn, uint32_t a1, uint32_t a2, uint32_t a3, struct smccc_res *res)
{
	return (int32_t)smccc_hvc(fn, a1, a2, a3, res);
}

static int32_t vm_op(uint32_t fn, uint32_t vm)
{
	struct smccc_res res;

	return call(fn, vm, 0, 0, &res);
}

/* The worker's state as LIST reports it, or -1. */
static int32_t worker_state(void)
{
	struct smccc_res res;

	if (call(LOWVISOR_FN_VM_LIST, (uint32_t)(uintptr_t)info, sizeof(info), 0, &res) < 1)
		return -1;
	return (int32_t)info[WORKER].state;
}

TEST(list, all_vms)
{
	static const char *const names[VM_COUNT] = { "worker", "mgmt", "plain", "offline" };
	static const uint32_t vcpus[VM_COUNT] = { 1, 1, 1, 2 }, mib[VM_COUNT] = { 16, 16, 16, 4 };
	struct smccc_res res;
	uint32_t i;

	NEED_MANAGER();
	EXPECT_EQ(call(LOWVISOR_FN_VM_LIST, (uint32_t)(uintptr_t)info, sizeof(info), 0, &res),
		  VM_COUNT);
	EXPECT_EQ(res.a1, VM_COUNT);
	for (i = 0; i < VM_COUNT; i++) {
		printf("# vm %lu: %s state %lu vcpus %lu %lu MiB\n", (unsigned long)info[i].id,
		       info[i].name, (unsigned long)info[i].state, (unsigned long)info[i].vcpus,
		       (unsigned long)info[i].mem_mib);
		EXPECT_EQ(info[i].id, i);
		EXPECT_EQ(strcmp(info[i].name, names[i]), 0);
		/* plain and offline may have finished and stopped. */
		if (i < 2)
			EXPECT_EQ(info[i].state, LOWVISOR_VM_RUNNING);
		else
			EXPECT_TRUE(info[i].state == LOWVISOR_VM_RUNNING ||
				    info[i].state == LOWVISOR_VM_STOPPED);
		EXPECT_EQ(info[i].vcpus, vcpus[i]);
		EXPECT_EQ(info[i].mem_mib, mib[i]);
	}
	/* From index 2, room for one. */
	EXPECT_EQ(call(LOWVISOR_FN_VM_LIST, (uint32_t)(uintptr_t)info, sizeof(info[0]), 2, &res),
		  1);
	EXPECT_EQ(strcmp(info[0].name, "plain"), 0);
	/* A buffer that is not this VM's RAM. */
	EXPECT_EQ(call(LOWVISOR_FN_VM_LIST, 0x10000000u, sizeof(info), 0, &res),
		  -LOWVISOR_EFAULT);
}

/* The system test watches the worker's progress lines and presses a key
 * (the console's input goes to this VM) once it has seen one. */
static void wait_for_key(const char *what)
{
	printf("# press a key when %s\n", what);
	while (uart_getc() < 0)
		time_delay_us(1000);
}

TEST(lifecycle, pause_and_resume)
{
	NEED_MANAGER();
	wait_for_key("the worker has made progress");
	EXPECT_EQ(vm_op(LOWVISOR_FN_VM_PAUSE, WORKER), 0);
	printf("# paused\n");
	EXPECT_EQ(worker_state(), LOWVISOR_VM_PAUSED);
	EXPECT_EQ(vm_op(LOWVISOR_FN_VM_PAUSE, WORKER), 0); /* again: still paused */
	time_delay_us(PAUSE_US);
	printf("# resuming\n");
	EXPECT_EQ(vm_op(LOWVISOR_FN_VM_RESUME, WORKER), 0);
	EXPECT_EQ(worker_state(), LOWVISOR_VM_RUNNING);
	wait_for_key("the worker has made progress again");
}

TEST(lifecycle, reset_then_stop)
{
	NEED_MANAGER();
	EXPECT_EQ(vm_op(LOWVISOR_FN_VM_RESET, WORKER), 0);
	EXPECT_EQ(worker_state(), LOWVISOR_VM_RUNNING);
	time_delay_us(START_US);
	EXPECT_EQ(vm_op(LOWVISOR_FN_VM_STOP, WORKER), 0);
	EXPECT_EQ(worker_state(), LOWVISOR_VM_STOPPED);
	EXPECT_EQ(vm_op(LOWVISOR_FN_VM_PAUSE, WORKER), -LOWVISOR_EINVAL);
	EXPECT_EQ(vm_op(LOWVISOR_FN_VM_RESUME, WORKER), -LOWVISOR_EINVAL);
	EXPECT_EQ(vm_op(LOWVISOR_FN_VM_STOP, WORKER), 0);
}

TEST(errors, unknown_vm_and_self)
{
	NEED_MANAGER();
	EXPECT_EQ(vm_op(LOWVISOR_FN_VM_PAUSE, 9), -LOWVISOR_ENOENT);
	EXPECT_EQ(vm_op(LOWVISOR_FN_VM_RESET, 0xffffffffu), -LOWVISOR_ENOENT);
	EXPECT_EQ(vm_op(LOWVISOR_FN_VM_PAUSE, SELF), -LOWVISOR_EINVAL);
	EXPECT_EQ(vm_op(LOWVISOR_FN_VM_STOP, SELF), -LOWVISOR_EINVAL);
}

TEST(errors, not_management)
{
	struct smccc_res res;

	if (!plain)
		SKIP("the management VM");
	EXPECT_EQ(call(LOWVISOR_FN_VM_LIST, (uint32_t)(uintptr_t)info, sizeof(info), 0, &res),
		  -LOWVISOR_EPERM);
	EXPECT_EQ(vm_op(LOWVISOR_FN_VM_PAUSE, WORKER), -LOWVISOR_EPERM);
	EXPECT_EQ(vm_op(LOWVISOR_FN_VM_RESUME, WORKER), -LOWVISOR_EPERM);
	EXPECT_EQ(vm_op(LOWVISOR_FN_VM_RESET, WORKER), -LOWVISOR_EPERM);
	EXPECT_EQ(vm_op(LOWVISOR_FN_VM_STOP, WORKER), -LOWVISOR_EPERM);
}

int main(void)
{
	char role[16] = "";

	plain = bootarg_get("role", role, sizeof(role)) && strcmp(role, "plain") == 0;
	printf("# lifecycle: role %s\n", plain ? "plain" : "management");
	return test_run_all();
}
