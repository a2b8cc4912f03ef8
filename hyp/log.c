// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

#define LOG_LINE_MAX 256

static enum log_level current_level = LOG_INFO;

static const char *const level_names[] = {
	[LOG_ERROR] = "error", [LOG_WARN] = "warn", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

const char *log_level_name(enum log_level level)
{
	return (unsigned)level < ARRAY_SIZE(level_names) ? level_names[level] : "?";
}

int log_level_parse(const char *s, size_t len, enum log_level *out)
{
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(level_names); i++) {
		if ((len == strlen(level_names[i]) && !memcmp(s, level_names[i], len)) ||
		    (len == 1 && s[0] == (char)('0' + i))) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

size_t log_format(char *buf, size_t len, enum log_level level, const char *fmt, va_list ap)
{
	size_t n;
	int r;

	if (len < 8)
		return 0;
	if (level <= LOG_WARN)
		r = snprintf(buf, len, "lowvisor: %s: ", log_level_name(level));
	else
		r = snprintf(buf, len, "lowvisor: ");
	n = r < 0 ? 0 : (size_t)r;
	if (n < len) {
		r = vsnprintf(buf + n, len - n, fmt, ap);
		n += r < 0 ? 0 : (size_t)r;
	}
	if (n >= len - 1) { /* truncated: mark it and keep room for '\n' */
		n = len - 1;
		memcpy(buf + n - 4, "...", 3);
		n--;
	}
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;
	size_t n;

	if (level > current_level)
		return;
	va_start(ap, fmt);
	n = log_format(line, sizeof(line), level, fmt, ap);
	va_end(ap);
	console_write(line, n);
}

const char *fmt_hex64(char *buf, size_t len, uint64_t v)
{
	if (v >> 32)
		snprintf(buf, len, "0x%lx%08lx", (unsigned long)(v >> 32), (unsigned long)(uint32_t)v);
	else
		snprintf(buf, len, "0x%08lx", (unsigned long)v);
	return buf;
}

const char *fmt_u64(char *buf, size_t len, uint64_t v)
{
	char tmp[24];
	size_t n = 0, i;

	if (!len)
		return buf;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < sizeof(tmp));
	/* Like snprintf, a short buffer keeps the leading digits. */
	for (i = 0; i < n && i < len - 1; i++)
		buf[i] = tmp[n - 1 - i];
	buf[i] = '\0';
	return buf;
}

const char *fmt_size(char *buf, size_t len, uint64_t bytes)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	unsigned u = 0;
	uint64_t scale = 1;

	while (u + 1 < ARRAY_SIZE(units) && bytes >= scale * 1024) {
		scale *= 1024;
		u++;
	}
	if (bytes % scale == 0)
		snprintf(buf, len, "%lu %s", (unsigned long)(bytes / scale), units[u]);
	else
		snprintf(buf, len, "%lu.%lu %s", (unsigned long)(bytes / scale),
			 (unsigned long)((bytes % scale) * 10 / scale), units[u]);
	return buf;
}

bool ratelimit_allow(struct ratelimit *rl, uint64_t now, uint64_t window, unsigned burst)
{
	if (now - rl->window_start >= window || now < rl->window_start) {
		rl->window_start = now;
		rl->count = 0;
	}
	if (rl->count < burst) {
		rl->count++;
		return true;
	}
	rl->suppressed++;
	return false;
}
