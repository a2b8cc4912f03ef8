// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

#define PREFIX "lowvisor."

static __printf(2, 3) void add_warning(struct options_warnings *w, const char *fmt, ...)
{
	va_list ap;

	if (w->count >= OPTIONS_WARN_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(w->msg[w->count++], sizeof(w->msg[0]), fmt, ap);
	va_end(ap);
}

static int parse_uint(const char *s, size_t len, unsigned min, unsigned max, unsigned *out)
{
	unsigned long v = 0;
	size_t i;

	if (!len || len > 10)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = (unsigned)v;
	return 0;
}

static int set_log(struct hyp_options *o, const char *v, size_t len)
{
	return log_level_parse(v, len, &o->log_level);
}

static int set_tick_hz(struct hyp_options *o, const char *v, size_t len)
{
	return parse_uint(v, len, 1, 10000, &o->tick_hz);
}

static int set_slice_us(struct hyp_options *o, const char *v, size_t len)
{
	return parse_uint(v, len, SLICE_US_MIN, SLICE_US_MAX, &o->slice_us);
}

static int set_fault(struct hyp_options *o, const char *v, size_t len)
{
	return parse_uint(v, len, 0, 1, &o->fault);
}

static const struct {
	const char *name;
	int (*set)(struct hyp_options *o, const char *v, size_t len);
} option_table[] = {
	{ "log", set_log },
	{ "tick_hz", set_tick_hz },
	{ "slice_us", set_slice_us },
	{ "fault", set_fault },
};

void options_default(struct hyp_options *o)
{
	*o = (struct hyp_options){ .log_level = LOG_INFO, .tick_hz = 100,
				   .slice_us = SLICE_US_DEFAULT };
}

static void apply_word(struct hyp_options *o, const char *w, size_t len,
		       struct options_warnings *warn)
{
	const char *eq = memchr(w, '=', len);
	size_t nlen, i;

	if (len <= strlen(PREFIX) || memcmp(w, PREFIX, strlen(PREFIX)))
		return;
	w += strlen(PREFIX);
	len -= strlen(PREFIX);
	nlen = eq ? (size_t)(eq - w) : len;
	for (i = 0; i < ARRAY_SIZE(option_table); i++) {
		if (strlen(option_table[i].name) != nlen || memcmp(option_table[i].name, w, nlen))
			continue;
		if (!eq || option_table[i].set(o, eq + 1, len - nlen - 1))
			add_warning(warn, "bootargs: bad value in '" PREFIX "%.*s'", (int)len, w);
		return;
	}
	add_warning(warn, "bootargs: unknown option '" PREFIX "%.*s'", (int)nlen, w);
}

void options_parse(struct hyp_options *o, const char *args, struct options_warnings *w)
{
	w->count = 0;
	while (args && *args) {
		size_t len;

		while (*args == ' ' || *args == '\t' || *args == '\n')
			args++;
		len = strcspn(args, " \t\n");
		if (len)
			apply_word(o, args, len, w);
		args += len;
	}
}
