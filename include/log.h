/* SPDX-License-Identifier: MIT */
/*
 * Logging.  Every line goes to the console with a "lowvisor: " prefix and,
 * for warnings and errors, the level.  Lines caused by a guest go through a
 * rate limit (struct ratelimit) and are never at error level.
 */
#ifndef LOWVISOR_LOG_H
#define LOWVISOR_LOG_H

#include <stdarg.h>

#include "types.h"

enum log_level {
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

/* The console sink: the hypervisor's console, or a fake in host tests. */
void console_write(const char *s, size_t len);

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* "error", "warn", "info", "debug" (or 0-3) to a level; -EINVAL otherwise. */
int log_level_parse(const char *s, size_t len, enum log_level *out);
const char *log_level_name(enum log_level level);

/* Formats one line "lowvisor: [level: ]message\n" into buf, truncating
 * with "..." when it does not fit; returns the length written. */
size_t log_format(char *buf, size_t len, enum log_level level, const char *fmt, va_list ap);

__printf(2, 3) void log_msg(enum log_level level, const char *fmt, ...);

#define log_err(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* newlib-nano's printf has no long long: 64-bit values are printed through
 * these, as strings.  fmt_hex64 gives "0x%08lx" for values below 4 GiB and
 * all the digits above; HEX64(v) wraps it with a buffer for one call. */
const char *fmt_hex64(char *buf, size_t len, uint64_t v);
const char *fmt_u64(char *buf, size_t len, uint64_t v);
#define HEX64(v) fmt_hex64((char[20]){ 0 }, 20, (v))
#define U64(v) fmt_u64((char[24]){ 0 }, 24, (v))

/* A byte count as "512 KiB", "1 GiB" or "1022.9 MiB". */
const char *fmt_size(char *buf, size_t len, uint64_t bytes);

/* Allows burst events per window ticks; counts what it suppressed. */
struct ratelimit {
	uint64_t window_start;
	unsigned count;
	unsigned suppressed;
};

bool ratelimit_allow(struct ratelimit *rl, uint64_t now, uint64_t window, unsigned burst);

#endif
