// SPDX-License-Identifier: MIT
/*
 * PL011 output and input, and a small printf.  Under Lowvisor the UART is
 * emulated; nothing but UARTDR and UARTFR is touched here, but by
 * uart_wait_for(), which sets UARTIMSC for its wait.
 */
#include "gic.h"
#include "guest.h"

#define UARTDR 0x00
#define UARTFR 0x18
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)

static void uart_raw_putc(char c)
{
	volatile uint32_t *uart = (volatile uint32_t *)GUEST_UART_BASE;
	unsigned spins = 1000000; /* a wedged UART must not hang a test */

	while ((uart[UARTFR / 4] & FR_TXFF) && --spins)
		;
	uart[UARTDR / 4] = (uint8_t)c;
}

void uart_putc(char c)
{
	if (c == '\n')
		uart_raw_putc('\r');
	uart_raw_putc(c);
}

int uart_getc(void)
{
	volatile uint32_t *uart = (volatile uint32_t *)GUEST_UART_BASE;

	if (uart[UARTFR / 4] & FR_RXFE)
		return -1;
	return (int)(uart[UARTDR / 4] & 0xffu);
}

#define UART_IRQ 33u /* SPI 1 */
#define UARTIMSC 0x38u
#define UART_RXIM (1u << 4)
#define UART_RTIM (1u << 6)

void uart_wait_for(int want)
{
	mmio_write8(GICD_BASE + GICD_IPRIORITYR + UART_IRQ, 0x80u);
	mmio_write8(GICD_BASE + GICD_ITARGETSR + UART_IRQ, 1u); /* CPU 0 */
	irq_bit_write(GICD_ISENABLER, UART_IRQ);
	mmio_write32(GUEST_UART_BASE + UARTIMSC, UART_RXIM | UART_RTIM);
	for (;;) {
		int c = uart_getc();

		if (c == want)
			break;
		if (c < 0)
			wfi();
	}
	mmio_write32(GUEST_UART_BASE + UARTIMSC, 0);
	irq_bit_write(GICD_ICENABLER, UART_IRQ);
}

void uart_puts(const char *s)
{
	console_lock();
	while (*s)
		uart_putc(*s++);
	console_unlock();
}

/*
 * Lamport's bakery: plain loads and stores, so it works with the MMU off
 * where exclusives may not.  The CPU holding the lock can take it again
 * (an exception report from inside a printf).
 */
static volatile uint32_t lock_choosing[GUEST_MAX_CPUS];
static volatile uint32_t lock_number[GUEST_MAX_CPUS];
static volatile uint32_t lock_depth[GUEST_MAX_CPUS];

static bool bakery_before(uint32_t j, uint32_t me)
{
	uint32_t nj = lock_number[j], nme = lock_number[me];

	return nj && (nj < nme || (nj == nme && j < me));
}

void console_lock(void)
{
	uint32_t me = smp_cpu_index(), max = 0;

	if (lock_depth[me]) {
		lock_depth[me]++;
		return;
	}
	lock_choosing[me] = 1;
	dmb();
	for (uint32_t j = 0; j < GUEST_MAX_CPUS; j++) {
		if (lock_number[j] > max)
			max = lock_number[j];
	}
	lock_number[me] = max + 1;
	dmb();
	lock_choosing[me] = 0;
	dmb();
	for (uint32_t j = 0; j < GUEST_MAX_CPUS; j++) {
		if (j == me)
			continue;
		while (lock_choosing[j])
			dmb();
		while (bakery_before(j, me))
			dmb();
	}
	dmb();
	lock_depth[me] = 1;
}

void console_unlock(void)
{
	uint32_t me = smp_cpu_index();

	if (--lock_depth[me])
		return;
	dmb();
	lock_number[me] = 0;
	dmb();
}

/* Where formatted output goes: a caller's buffer, or the UART. */
struct sink {
	char *buf;
	size_t size, pos; /* pos counts every character, stored or not */
	bool uart;
};

static void sink_put(struct sink *s, char c)
{
	if (s->uart)
		uart_putc(c);
	else if (s->pos + 1 < s->size)
		s->buf[s->pos] = c;
	s->pos++;
}

struct spec {
	bool left, zero, plus;
	unsigned width;
};

/* str, after a sign character if sign is not 0, padded to the width */
static void put_padded(struct sink *s, const struct spec *sp, const char *str,
		       size_t len, char sign)
{
	size_t total = len + (sign ? 1 : 0);
	size_t pad = sp->width > total ? sp->width - total : 0;

	if (!sp->left && !sp->zero) {
		for (; pad; pad--)
			sink_put(s, ' ');
	}
	if (sign)
		sink_put(s, sign);
	if (!sp->left) {
		for (; pad; pad--)
			sink_put(s, '0');
	}
	while (len--)
		sink_put(s, *str++);
	for (; pad; pad--)
		sink_put(s, ' ');
}

static void put_number(struct sink *s, const struct spec *sp, uint64_t v,
		       unsigned base, bool upper, char sign)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	size_t n = sizeof(tmp);

	do {
		tmp[--n] = digits[v % base];
		v /= base;
	} while (v);
	put_padded(s, sp, tmp + n, sizeof(tmp) - n, sign);
}

/* The argument of an integer conversion, by its length modifier. */
static uint64_t arg_unsigned(va_list *ap, int longs)
{
	if (longs >= 2)
		return va_arg(*ap, unsigned long long);
	if (longs == 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned int);
}

static int64_t arg_signed(va_list *ap, int longs)
{
	if (longs >= 2)
		return va_arg(*ap, long long);
	if (longs == 1)
		return va_arg(*ap, long);
	return va_arg(*ap, int);
}

static const char *format_one(struct sink *s, const char *f, va_list *ap)
{
	struct spec sp = { 0 };
	int longs = 0;

	for (;; f++) {
		if (*f == '-')
			sp.left = true;
		else if (*f == '+')
			sp.plus = true;
		else if (*f == '0')
			sp.zero = true;
		else
			break;
	}
	while (*f >= '0' && *f <= '9')
		sp.width = sp.width * 10 + (unsigned)(*f++ - '0');
	for (; *f == 'l' || *f == 'z'; f++)
		longs += *f == 'l' ? 1 : 0;

	switch (*f) {
	case 'd':
	case 'i': {
		int64_t v = arg_signed(ap, longs);

		put_number(s, &sp, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, false,
			   v < 0 ? '-' : sp.plus ? '+' : 0);
		break;
	}
	case 'u':
		put_number(s, &sp, arg_unsigned(ap, longs), 10, false, 0);
		break;
	case 'x':
	case 'X':
		put_number(s, &sp, arg_unsigned(ap, longs), 16, *f == 'X', 0);
		break;
	case 'p':
		sink_put(s, '0');
		sink_put(s, 'x');
		sp.width = 8;
		sp.zero = true;
		put_number(s, &sp, (uintptr_t)va_arg(*ap, void *), 16, false, 0);
		break;
	case 'c': {
		char c = (char)va_arg(*ap, int);

		put_padded(s, &sp, &c, 1, 0);
		break;
	}
	case 's': {
		const char *str = va_arg(*ap, const char *);

		if (!str)
			str = "(null)";
		put_padded(s, &sp, str, strlen(str), 0);
		break;
	}
	case '\0':
		return f;
	default: /* %% and anything unknown */
		sink_put(s, *f);
		break;
	}
	return f + 1;
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%')
			sink_put(s, *fmt++);
		else
			fmt = format_one(s, fmt + 1, &aq);
	}
	va_end(aq);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { .buf = buf, .size = size };

	format(&s, fmt, ap);
	if (size)
		buf[s.pos < size ? s.pos : size - 1] = '\0';
	return (int)s.pos;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int vprintf(const char *fmt, va_list ap)
{
	struct sink s = { .uart = true };

	console_lock();
	format(&s, fmt, ap);
	console_unlock();
	return (int)s.pos;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}
