// SPDX-License-Identifier: MIT
/*
 * /chosen/bootargs as space-separated key=value words: how a system
 * test's configuration tells a guest what to probe ("probe=0x60000000").
 */
#include "guest.h"

const char *bootargs(void)
{
	uint32_t len;
	const char *s = fdt_getprop(guest_dtb(), "/chosen",
				    "bootargs", &len);

	if (!s || !len || s[len - 1] != '\0')
		return "";
	return s;
}

/* The value of key in s (its length in *len), or NULL. */
static const char *find_value(const char *s, const char *key, size_t *len)
{
	size_t klen = strlen(key);

	while (*s) {
		const char *word = s;
		size_t wlen = 0;

		while (word[wlen] && word[wlen] != ' ')
			wlen++;
		s = word + wlen;
		while (*s == ' ')
			s++;
		if (wlen > klen && !strncmp(word, key, klen) && word[klen] == '=') {
			*len = wlen - klen - 1;
			return word + klen + 1;
		}
		if (wlen == klen && !strncmp(word, key, klen)) {
			*len = 0;
			return word + klen;
		}
	}
	return NULL;
}

bool bootarg_get(const char *key, char *buf, size_t size)
{
	size_t len;
	const char *v = find_value(bootargs(), key, &len);

	if (!v)
		return false;
	if (size) {
		if (len >= size)
			len = size - 1;
		memcpy(buf, v, len);
		buf[len] = '\0';
	}
	return true;
}

bool parse_u32(const char *s, size_t len, uint32_t *val)
{
	uint64_t v = 0;
	unsigned base = 10;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (!len)
		return false;
	for (; len; len--, s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return false;
		v = v * base + d;
		if (v > 0xffffffffu)
			return false;
	}
	*val = (uint32_t)v;
	return true;
}

bool bootarg_u32(const char *key, uint32_t *val)
{
	size_t len;
	const char *v = find_value(bootargs(), key, &len);

	return v && parse_u32(v, len, val);
}

int bootarg_u32_list(const char *key, uint32_t *vals, int max)
{
	size_t len;
	const char *v = find_value(bootargs(), key, &len);
	int count = 0;

	if (!v)
		return 0;
	while (len) {
		size_t n = 0;
		uint32_t x;

		while (n < len && v[n] != ',')
			n++;
		if (!parse_u32(v, n, &x))
			return -1;
		if (count < max)
			vals[count] = x;
		count++;
		if (n == len)
			break;
		v += n + 1;
		len -= n + 1;
		if (!len)
			return -1; /* a trailing comma */
	}
	return count;
}

int32_t boot_count(void)
{
	uint32_t len;
	const void *v = fdt_getprop(guest_dtb(), "/chosen",
				    "lowvisor,boot-count", &len);

	return v && len == 4 ? (int32_t)fdt_cell(v, 0) : -1;
}
