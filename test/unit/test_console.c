// SPDX-License-Identifier: MIT
/*
 * The physical console on the host, through the fake arch: hyp/console.c
 * (with hyp/log.c writing through it).  The PL011 is a fake that keeps
 * what was sent and hands out what a test typed; the VMs are three structs
 * whose virtual UARTs record what reached them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/sysreg.h"
#include "console.h"
#include "drivers.h"
#include "log.h"
#include "vm.h"
#include "vuart.h"

#define NVMS 3
static struct vm vms[NVMS];

static struct {
	char out[2048];
	size_t out_len;
	const char *in; /* typed, not yet read */
	char got[NVMS][64]; /* what each VM's virtual UART received */
	uint64_t now;
	unsigned irq_enabled;
} fake;

void pl011_init(uintptr_t base) { (void)base; }
void pl011_rx_irq_enable(uintptr_t base) { (void)base; }
void gic_enable_irq(unsigned irq, uint8_t prio) { (void)prio; fake.irq_enabled = irq; }
uint64_t timer_now(void) { return fake.now; }
uint64_t timer_us_to_ticks(uint64_t us) { return us; } /* 1 tick = 1 us */
unsigned vm_count(void) { return NVMS; }
struct vm *vm_at(unsigned i) { return i < NVMS ? &vms[i] : NULL; }

void pl011_putc(uintptr_t base, char c)
{
	(void)base;
	if (fake.out_len < sizeof(fake.out) - 1)
		fake.out[fake.out_len++] = c;
}

int pl011_getc(uintptr_t base)
{
	(void)base;
	return fake.in && *fake.in ? (uint8_t)*fake.in++ : -1;
}

bool vuart_receive(struct vuart *u, uint8_t c)
{
	unsigned i = (unsigned)(container_of(u, struct vm, uart) - vms);
	size_t n = strlen(fake.got[i]);

	fake.got[i][n] = (char)c;
	return true;
}

/* What went out since the last call. */
static const char *sent(void)
{
	static char copy[sizeof(fake.out)];

	memcpy(copy, fake.out, sizeof(copy));
	memset(fake.out, 0, sizeof(fake.out));
	fake.out_len = 0;
	return copy;
}

static void type(const char *keys)
{
	fake.in = keys;
	console_input_irq();
}

static int setup(void **state)
{
	static const char *const names[NVMS] = { "a", "b", "c" };
	unsigned i;

	(void)state;
	memset(&fake, 0, sizeof(fake));
	memset(vms, 0, sizeof(vms));
	for (i = 0; i < NVMS; i++) {
		strcpy(vms[i].cfg.name, names[i]);
		vms[i].state = VM_RUNNING;
	}
	console_init(0x09000000);
	console_set_mode(CONSOLE_PREFIX);
	console_set_focus(&vms[0]);
	sent();
	return 0;
}

static void test_lines_get_carriage_returns(void **state)
{
	(void)state;
	console_write_line("b| hello\n", 9);
	log_info("x=%d", 42);
	assert_string_equal(sent(), "b| hello\r\nlowvisor: x=42\r\n");
}

static void test_escape_moves_the_focus_and_keys_reach_it(void **state)
{
	(void)state;
	console_input_enable(33);
	assert_int_equal(fake.irq_enabled, 33);
	type("ls\r");
	assert_string_equal(fake.got[0], "ls\r");
	/* Three Ctrl-As: the next VM, said on the console; then c, then a. */
	type("\1\1\1x");
	assert_string_equal(sent(), "lowvisor: console: input goes to vm 'b' (Ctrl-A three times "
				    "for the next VM)\r\n");
	assert_string_equal(fake.got[1], "x");
	type("\1\1\1\1\1\1");
	assert_true(console_has_focus(&vms[0]));
	/* Fewer than three are the guest's, in order, before the next key. */
	type("\1\1y");
	assert_string_equal(fake.got[0], "ls\r\1\1y");
	/* A paused VM gets nothing. */
	vms[0].state = VM_PAUSED;
	type("z");
	assert_string_equal(fake.got[0], "ls\r\1\1y");
}

static void test_focus_mode_holds_others_lines_off_a_prompt(void **state)
{
	(void)state;
	console_set_mode(CONSOLE_FOCUS);
	fake.now = 1000;
	console_write_raw("a# ", 3);
	/* b's line waits while a's prompt is fresh... */
	fake.now = 1000 + 50000;
	console_write_line("b| late\n", 8);
	assert_string_equal(sent(), "a# ");
	console_release_held(fake.now);
	assert_string_equal(sent(), "");
	/* ...and goes out on a line of its own once a has been still for
	 * 100 ms. */
	console_release_held(1000 + 100000);
	assert_string_equal(sent(), "\r\nb| late\r\n");
	/* Held lines also go out when the focused VM ends its line. */
	fake.now = 200000;
	console_write_raw("ls", 2);
	console_write_line("c| x\n", 5);
	console_write_raw("\n", 1);
	assert_string_equal(sent(), "ls\nc| x\r\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_lines_get_carriage_returns, setup),
		cmocka_unit_test_setup(test_escape_moves_the_focus_and_keys_reach_it, setup),
		cmocka_unit_test_setup(test_focus_mode_holds_others_lines_off_a_prompt, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
