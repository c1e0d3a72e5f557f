// SPDX-License-Identifier: GPL-2.0-or-later
/* pgmap.c - dev_pagemap discovery and percpu_ref values (pgmap.h). */
#include <stdio.h>
#include <string.h>

#include "folioscope/pgmap.h"
#include "folioscope/pgtable.h"

/* lib/percpu-refcount.c (6.1, 6.12, 7.2): PERCPU_COUNT_BIAS = 1 << 63;
 * include/linux/percpu-refcount.h: __PERCPU_REF_ATOMIC 1, __PERCPU_REF_DEAD 2. */
#define PERCPU_COUNT_BIAS (1ULL << 63)
#define REF_ATOMIC 1ULL
#define REF_DEAD 2ULL

const char *fs_ref_mode_name(enum fs_ref_mode m)
{
	switch (m) {
	case FS_REF_PERCPU: return "percpu";
	case FS_REF_ATOMIC: return "atomic";
	case FS_REF_SWITCHING: return "switching-to-atomic";
	case FS_REF_DEAD: return "dead";
	case FS_REF_EXITED: return "exited";
	}
	return "?";
}

int fs_percpu_ref_read(struct fs_target *t, const struct fs_profile *p, uint64_t ref_addr, struct fs_percpu_ref *r)
{
	uint64_t o_ptr, o_data, o_count, ptr;
	unsigned int ncpu;

	memset(r, 0, sizeof(*r));
	if (fs_member_offset(t, "struct percpu_ref", "percpu_count_ptr", &o_ptr) ||
	    fs_member_offset(t, "struct percpu_ref", "data", &o_data) ||
	    fs_member_offset(t, "struct percpu_ref_data", "count", &o_count))
		return fs_target_wrap(t, "percpu_ref layout");
	if (fs_read_kva(t, p, ref_addr + o_ptr, &ptr, 8) || fs_read_kva(t, p, ref_addr + o_data, &r->data, 8))
		return fs_target_wrap(t, "reading percpu_ref at 0x%llx", (unsigned long long)ref_addr);
	/* percpu_ref_exit(): ptr = __PERCPU_REF_ATOMIC_DEAD, data freed */
	if (!r->data) {
		r->mode = FS_REF_EXITED;
		return 0;
	}
	if (fs_read_kva(t, p, r->data + o_count, &r->count, 8))
		return fs_target_wrap(t, "reading percpu_ref_data at 0x%llx", (unsigned long long)r->data);
	/* The per-CPU counters still count while data->count carries the bias:
	 * percpu mode, or atomic mode before percpu_ref_switch_to_atomic_rcu()
	 * folded them in (it adds sum - BIAS). */
	if (r->count & PERCPU_COUNT_BIAS) {
		if (fs_nr_cpus(t, &ncpu))
			return fs_target_wrap(t, "summing per-CPU counters of percpu_ref 0x%llx",
					      (unsigned long long)ref_addr);
		/* unsigned long arithmetic, wrapping, as the kernel sums them
		 * (percpu_ref_switch_to_atomic_rcu(), lib/percpu-refcount.c) */
		uint64_t sum = 0;
		for (unsigned int cpu = 0; cpu < ncpu; cpu++) {
			uint64_t off, v;
			if (fs_percpu_offset(t, cpu, &off) ||
			    fs_read_kva(t, p, (ptr & ~3ULL) + off, &v, 8))
				return fs_target_wrap(t, "reading CPU %u's counter of percpu_ref 0x%llx", cpu,
						      (unsigned long long)ref_addr);
			sum += v;
		}
		r->percpu_sum = (int64_t)sum;
		r->value = (int64_t)(r->count - PERCPU_COUNT_BIAS + sum);
		r->mode = (ptr & REF_ATOMIC) ? FS_REF_SWITCHING : FS_REF_PERCPU;
	} else {
		r->value = (int64_t)r->count;
		r->mode = FS_REF_ATOMIC;
	}
	if (ptr & REF_DEAD)
		r->mode = FS_REF_DEAD;
	return 0;
}

static const char *type_name(struct fs_target *t, int type, bool *is_private)
{
	static const char *const names[][2] = {
		{ "MEMORY_DEVICE_PRIVATE", "private" }, { "MEMORY_DEVICE_COHERENT", "coherent" },
		{ "MEMORY_DEVICE_FS_DAX", "fsdax" }, { "MEMORY_DEVICE_GENERIC", "generic" },
		{ "MEMORY_DEVICE_PCI_P2PDMA", "p2pdma" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int64_t v;
		if (fs_enum_value(t, names[i][0], &v) == 0 && v == type) {
			*is_private = i == 0;
			return names[i][1];
		}
	}
	*is_private = false;
	return "unknown";
}

int fs_pgmap_read(struct fs_target *t, const struct fs_profile *p, uint64_t addr, struct fs_pgmap *pm)
{
	uint64_t o_ref, o_type, o_flags, o_shift, o_ops, o_owner, o_nr, o_range;
	uint32_t type, flags;
	int32_t nr;

	memset(pm, 0, sizeof(*pm));
	pm->addr = addr;
	if (fs_member_offset(t, "struct dev_pagemap", "ref", &o_ref) ||
	    fs_member_offset(t, "struct dev_pagemap", "type", &o_type) ||
	    fs_member_offset(t, "struct dev_pagemap", "flags", &o_flags) ||
	    fs_member_offset(t, "struct dev_pagemap", "ops", &o_ops) ||
	    fs_member_offset(t, "struct dev_pagemap", "owner", &o_owner) ||
	    fs_member_offset(t, "struct dev_pagemap", "nr_range", &o_nr) ||
	    fs_member_offset(t, "struct dev_pagemap", "range", &o_range))
		return fs_target_wrap(t, "struct dev_pagemap layout");
	if (fs_member_offset(t, "struct dev_pagemap", "vmemmap_shift", &o_shift))
		o_shift = FS_NOFIELD;
	if (fs_read_kva(t, p, addr + o_type, &type, 4) || fs_read_kva(t, p, addr + o_flags, &flags, 4) ||
	    fs_read_kva(t, p, addr + o_ops, &pm->ops, 8) || fs_read_kva(t, p, addr + o_owner, &pm->owner, 8) ||
	    fs_read_kva(t, p, addr + o_nr, &nr, 4) ||
	    (o_shift != FS_NOFIELD && fs_read_kva(t, p, addr + o_shift, &pm->vmemmap_shift, 8)))
		return fs_target_wrap(t, "reading dev_pagemap 0x%llx", (unsigned long long)addr);
	if (nr < 1 || nr > FS_PGMAP_MAX_RANGES)
		return fs_target_fail(t, "dev_pagemap 0x%llx has nr_range %d: corrupt (or more than %d ranges)",
				      (unsigned long long)addr, nr, FS_PGMAP_MAX_RANGES);
	pm->type = (int)type;
	pm->flags = flags;
	pm->nr_range = nr;
	pm->type_name = type_name(t, pm->type, &pm->is_private);
	/* union { struct range range; struct range ranges[]; }: u64 start, end */
	for (int i = 0; i < nr; i++)
		if (fs_read_kva(t, p, addr + o_range + 16ULL * i, &pm->range[i], 16))
			return fs_target_wrap(t, "reading range %d of dev_pagemap 0x%llx", i, (unsigned long long)addr);
	/* struct range is inclusive and physical: MAX_PHYSMEM_BITS bounds it */
	for (int i = 0; i < nr; i++) {
		int bits = p->facts.max_physmem_bits;
		if (pm->range[i].end < pm->range[i].start ||
		    (bits > 0 && bits < 64 && pm->range[i].end >> bits))
			return fs_target_fail(t, "dev_pagemap 0x%llx range %d [0x%llx, 0x%llx] is not a physical range: corrupt",
					      (unsigned long long)addr, i, (unsigned long long)pm->range[i].start,
					      (unsigned long long)pm->range[i].end);
	}
	if (fs_percpu_ref_read(t, p, addr + o_ref, &pm->ref))
		snprintf(pm->ref_err, sizeof(pm->ref_err), "%s", fs_target_error(t));
	return 0;
}

const struct fs_pgmap *fs_pgmap_of_pfn(const struct fs_pgmaps *s, uint64_t pfn)
{
	uint64_t pa = pfn << 12;

	for (int i = 0; i < s->n; i++)
		for (int r = 0; r < s->map[i].nr_range; r++)
			if (pa >= s->map[i].range[r].start && pa <= s->map[i].range[r].end)
				return &s->map[i];
	return NULL;
}

const struct fs_pgmap *fs_pgmap_of_pfn_hinted(const struct fs_pgmaps *s, uint64_t pfn, struct fs_pgmap_hint *h)
{
	const struct fs_pgmap *pm;

	if (h->pm && pfn >= h->lo && pfn <= h->hi)
		return h->pm;
	pm = fs_pgmap_of_pfn(s, pfn);
	if (!pm)
		return NULL;
	/* remember the range that answered, unless a pgmap before pm
	 * overlaps it (corrupt ranges): then only the full search is right */
	for (int r = 0; r < pm->nr_range; r++) {
		uint64_t start = pm->range[r].start, end = pm->range[r].end;
		if ((pfn << 12) < start || (pfn << 12) > end)
			continue;
		for (const struct fs_pgmap *q = s->map; q < pm; q++)
			for (int k = 0; k < q->nr_range; k++)
				if (q->range[k].start <= end && start <= q->range[k].end)
					return pm;
		h->lo = (start + 4095) >> 12;
		h->hi = end >> 12;
		h->pm = pm;
		break;
	}
	return pm;
}

static bool known(const struct fs_pgmaps *s, uint64_t addr)
{
	for (int i = 0; i < s->n; i++)
		if (s->map[i].addr == addr)
			return true;
	return false;
}

int fs_pgmaps_find(struct fs_target *t, const struct fs_profile *p, const struct fs_mm *mm, struct fs_pgmaps *out)
{
	const char *vi = fs_vmcoreinfo(t);
	uint64_t ms_sym, roots_n, ms_size, ms_map_off, size_bits;
	int64_t n, has_map_bit;
	uint64_t per_root;

	memset(out, 0, sizeof(*out));
	/* kernel/vmcore_info.c: SYMBOL(mem_section), LENGTH(mem_section)
	 * (NR_SECTION_ROOTS), SIZE(mem_section), OFFSET(mem_section.section_mem_map),
	 * NUMBER(SECTION_SIZE_BITS) */
	if (!vi || fs_vmcoreinfo_hex(vi, "SYMBOL(mem_section)", &ms_sym))
		return fs_target_fail(t, "VMCOREINFO lacks the mem_section lines (SPARSEMEM kernels have them)");
	{
		static const char *const keys[] = { "LENGTH(mem_section)", "SIZE(mem_section)",
						    "OFFSET(mem_section.section_mem_map)", "NUMBER(SECTION_SIZE_BITS)" };
		uint64_t *vals[] = { &roots_n, &ms_size, &ms_map_off, &size_bits };
		for (size_t k = 0; k < 4; k++) {
			if (fs_vmcoreinfo_number(vi, keys[k], &n) || n < 0)
				return fs_target_fail(t, "VMCOREINFO lacks %s (SPARSEMEM kernels have it)", keys[k]);
			*vals[k] = (uint64_t)n;
		}
	}
	/* SECTION_HAS_MEM_MAP (include/linux/mmzone.h enum, bit 1 in 6.1-7.2) */
	if (fs_enum_value(t, "SECTION_HAS_MEM_MAP_BIT", &has_map_bit))
		has_map_bit = 1;
	if (!ms_size || ms_size > 64 || roots_n > (1u << 20) || size_bits < 20 || size_bits > 40)
		return fs_target_fail(t, "implausible mem_section geometry in VMCOREINFO");
	/* SPARSEMEM_EXTREME: struct mem_section **mem_section, each root a
	 * page of sections (include/linux/mmzone.h SECTIONS_PER_ROOT).
	 * VMCOREINFO_SYMBOL_ARRAY(mem_section) prints the array's value, i.e.
	 * the address of the roots array itself (kernel/vmcore_info.c 7.2). */
	per_root = 4096 / ms_size;
	uint64_t roots = ms_sym;
	for (uint64_t r = 0; r < roots_n; r++) {
		uint64_t root;
		if (fs_read_kva(t, p, roots + 8 * r, &root, 8))
			return fs_target_wrap(t, "reading mem_section root %llu", (unsigned long long)r);
		if (!root)
			continue;
		for (uint64_t i = 0; i < per_root; i++) {
			uint64_t map, nr = r * per_root + i, pfn;
			struct fs_folio f;
			struct fs_pgmap *pm;
			if (fs_read_kva(t, p, root + i * ms_size + ms_map_off, &map, 8))
				return fs_target_wrap(t, "reading mem_section %llu", (unsigned long long)nr);
			/* SECTION_TAINT_ZONE_DEVICE marks only sections that
			 * ZONE_DEVICE shares with other memory
			 * (mm/memory_hotplug.c move_pfn_range_to_zone, 7.2), so ask
			 * the first page of every section with a memmap. */
			if (!(map >> has_map_bit & 1))
				continue;
			pfn = nr << (size_bits - 12);
			if (fs_folio_read(t, p, mm, pfn, &f) || !f.zone_device)
				continue;
			out->device_sections++;
			if (fs_pgmap_of_pfn(out, pfn) || !f.pgmap || known(out, f.pgmap))
				continue;
			if (out->n == FS_MAX_PGMAPS) {
				snprintf(out->warn, sizeof(out->warn), "more than %d pgmaps: the rest are not checked",
					 FS_MAX_PGMAPS);
				return 0;
			}
			pm = &out->map[out->n];
			if (fs_pgmap_read(t, p, f.pgmap, pm)) {
				snprintf(out->warn, sizeof(out->warn), "pfn 0x%llx: %s", (unsigned long long)pfn,
					 fs_target_error(t));
				continue;
			}
			out->n++;
		}
	}
	return 0;
}
