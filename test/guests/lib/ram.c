// SPDX-License-Identifier: MIT
/* The guest's RAM as its DTB describes it, minus what the guest needs. */
#include "guest.h"

#define RAM_TOP 0xfffff000ull

bool ram_info(struct ram_info *ri)
{
	const void *fdt = guest_dtb();
	uint64_t base, size;

	if (!fdt_valid(fdt) || !fdt_memory(fdt, &base, &size))
		return false;
	if (base + size > RAM_TOP) /* keep every end address a uint32_t */
		size = base < RAM_TOP ? RAM_TOP - base : 0;
	ri->base = (uint32_t)base;
	ri->size = (uint32_t)size;
	ri->dtb = boot_info.dtb;
	ri->dtb_size = fdt_totalsize(fdt);
	return true;
}

bool ram_for_each_free(const struct ram_info *ri,
		       bool (*fn)(uint32_t start, uint32_t end, void *arg),
		       void *arg)
{
	uint64_t ram_end = (uint64_t)ri->base + ri->size;
	uint64_t holes[2][2] = {
		{ (uintptr_t)__image_start, (uintptr_t)__image_end },
		{ ri->dtb & ~7u, ((uint64_t)ri->dtb + ri->dtb_size + 7) & ~7ull },
	};
	uint64_t pos = ri->base;

	if (holes[1][0] < holes[0][0]) {
		uint64_t t0 = holes[0][0], t1 = holes[0][1];

		holes[0][0] = holes[1][0];
		holes[0][1] = holes[1][1];
		holes[1][0] = t0;
		holes[1][1] = t1;
	}
	for (int i = 0; i <= 2; i++) {
		uint64_t hs = i < 2 ? holes[i][0] : ram_end;
		uint64_t he = i < 2 ? holes[i][1] : ram_end;

		if (hs > ram_end)
			hs = ram_end;
		if (hs > pos && !fn((uint32_t)pos, (uint32_t)hs, arg))
			return false;
		if (he > pos)
			pos = he;
	}
	return true;
}
