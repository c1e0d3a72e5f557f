// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pgtable.c - page-table walks (include/folioscope/pgtable.h).
 *
 * x86_64 (arch/x86/include/asm/pgtable_64_types.h, 6.1-7.2): 4-level
 * PGD 39, PUD 30, PMD 21, PTE 12; 5-level adds PGD 48 above P4D 39.
 * Tables hold 512 8-byte entries; the next table's physical address is
 * entry & PTE_PFN_MASK (bits 12..51). PUD/PMD leaves have _PAGE_PSE.
 * arm64 4K pages (arch/arm64/include/asm/pgtable-hwdef.h): 48-bit VA uses
 * 4 levels (39/30/21/12), 39-bit VA 3 levels (30/21/12); descriptor bits
 * [1:0] = 3 is a table above the last level, 1 a block.
 */
#include <stdio.h>
#include <string.h>

#include "folioscope/pgtable.h"

#define X86_START_KERNEL_MAP 0xffffffff80000000ULL	/* page_64_types.h */

int fs_level_shift(const struct fs_profile *p, enum fs_level l)
{
	switch (l) {
	case FS_LVL_PTE: return 12;
	case FS_LVL_PMD: return 21;
	case FS_LVL_PUD: return 30;
	case FS_LVL_P4D: return 39;
	case FS_LVL_PGD:
		if (p->facts.arch == FS_ARCH_X86_64)
			return p->levels == 5 ? 48 : 39;
		return p->levels == 4 ? 39 : 30;
	default: return -1;
	}
}

int fs_profile_levels(const struct fs_profile *p, enum fs_level out[5])
{
	int n = 0;

	out[n++] = FS_LVL_PGD;
	if (p->facts.arch == FS_ARCH_X86_64) {
		if (p->levels == 5)
			out[n++] = FS_LVL_P4D;
		out[n++] = FS_LVL_PUD;
	} else if (p->levels == 4) {
		out[n++] = FS_LVL_PUD;
	}
	out[n++] = FS_LVL_PMD;
	out[n++] = FS_LVL_PTE;
	return n;
}

int fs_kva_to_pa_linear(const struct fs_profile *p, uint64_t kva, uint64_t *pa)
{
	if (p->facts.arch == FS_ARCH_X86_64) {
		/* arch/x86/mm/physaddr.c __phys_addr(): kernel image addresses
		 * are x - __START_KERNEL_map + phys_base, the rest x - PAGE_OFFSET */
		if (kva >= X86_START_KERNEL_MAP) {
			*pa = kva - X86_START_KERNEL_MAP + p->phys_base;
			return 0;
		}
		if (kva >= p->page_offset && kva - p->page_offset < (1ULL << p->facts.max_physmem_bits)) {
			*pa = kva - p->page_offset;
			return 0;
		}
		return -1;
	}
	if (p->facts.arch == FS_ARCH_ARM64) {
		/* arch/arm64/include/asm/memory.h: linear map below the kernel
		 * image; image addresses translate with kimage_voffset */
		uint64_t linear_end = p->page_offset + (1ULL << ((p->va_bits ? p->va_bits : 48) - 1));
		if (kva >= p->page_offset && kva < linear_end) {
			*pa = kva - p->page_offset + p->phys_offset;
			return 0;
		}
		if (p->kimage_voffset && kva >= linear_end) {
			*pa = kva - p->kimage_voffset;
			return 0;
		}
	}
	return -1;
}

static uint64_t next_table_pa(const struct fs_profile *p, uint64_t raw)
{
	if (p->facts.arch == FS_ARCH_X86_64)
		return raw & 0x000ffffffffff000ULL;
	return raw & 0x0000fffffffff000ULL;
}

/* Is an upper-level (above PMD) entry a pointer to the next table? */
static bool upper_is_table(const struct fs_profile *p, uint64_t raw)
{
	if (p->facts.arch == FS_ARCH_X86_64)
		return (raw & 1) && !(raw & (1ULL << 7));
	return (raw & 3) == 3;
}

int fs_pgtable_walk(struct fs_target *t, const struct fs_profile *p, uint64_t top_kva,
		    uint64_t vaddr, struct fs_walk *w)
{
	enum fs_level lv[5];
	int nlv = fs_profile_levels(p, lv);
	uint64_t table_pa;

	memset(w, 0, sizeof(*w));
	w->vaddr = vaddr;
	w->leaf = -1;
	if (fs_kva_to_pa_linear(p, top_kva, &table_pa)) {
		snprintf(w->err, sizeof(w->err),
			 "top-level table 0x%llx is neither in the direct map nor the kernel image",
			 (unsigned long long)top_kva);
		return -1;
	}
	for (int i = 0; i < nlv; i++) {
		struct fs_walk_level *L = &w->lv[i];
		int shift = fs_level_shift(p, lv[i]);
		uint64_t raw;

		L->level = lv[i];
		L->index = (unsigned)((vaddr >> shift) & 511);
		L->entry_pa = table_pa + 8ULL * L->index;
		if (fs_read(t, FS_PADDR, L->entry_pa, &raw, sizeof(raw))) {
			snprintf(w->err, sizeof(w->err), "reading %s entry at physical 0x%llx: %s",
				 fs_level_name(lv[i]), (unsigned long long)L->entry_pa, fs_target_error(t));
			return -1;
		}
		w->n = i + 1;
		if (lv[i] == FS_LVL_PMD || lv[i] == FS_LVL_PTE) {
			fs_entry_decode(&p->swap, lv[i], raw, &L->e);
		} else {
			/* Upper levels never hold swap entries: present-or-not only. */
			memset(&L->e, 0, sizeof(L->e));
			L->e.raw = raw;
			L->e.level = lv[i];
			L->e.type = -1;
			if (raw == 0 || (p->facts.arch == FS_ARCH_X86_64 && !(raw & 1)) ||
			    (p->facts.arch == FS_ARCH_ARM64 && !(raw & 1))) {
				L->e.kind = raw ? FS_ENT_UNKNOWN : FS_ENT_NONE;
				return 0;
			}
			L->e.kind = FS_ENT_PRESENT;
			L->e.pfn = next_table_pa(p, raw) >> 12;
			if (!upper_is_table(p, raw)) {	/* 1 GiB (or larger) leaf */
				L->e.huge = L->e.is_leaf = true;
				L->e.has_pfn = true;
				L->e.pfn = (next_table_pa(p, raw) & ~((1ULL << shift) - 1)) >> 12;
			}
		}
		if (L->e.kind == FS_ENT_NONE)
			return 0;
		if (L->e.is_leaf) {
			w->leaf = i;
			if (L->e.kind == FS_ENT_PRESENT) {
				w->mapped = true;
				w->paddr = (L->e.pfn << 12) + (vaddr & ((1ULL << shift) - 1));
			}
			return 0;
		}
		table_pa = next_table_pa(p, raw);
	}
	return 0;
}

int fs_read_kva(struct fs_target *t, const struct fs_profile *p, uint64_t kva, void *buf, size_t len)
{
	char first[FS_TARGET_ERRLEN];
	unsigned char *out = buf;

	if (fs_read(t, FS_KVADDR, kva, buf, len) == 0)
		return 0;
	snprintf(first, sizeof(first), "%s", fs_target_error(t));
	while (len) {
		struct fs_walk w;
		size_t chunk = 4096 - (kva & 4095);

		if (chunk > len)
			chunk = len;
		if (fs_pgtable_walk(t, p, p->kernel_pgd, kva, &w) || !w.mapped)
			return fs_target_fail(t, "%s (and the kernel page tables %s)", first,
					      w.err[0] ? w.err : "do not map it");
		if (fs_read(t, FS_PADDR, w.paddr, out, chunk))
			return fs_target_wrap(t, "reading 0x%llx through the kernel page tables",
					      (unsigned long long)kva);
		out += chunk;
		kva += chunk;
		len -= chunk;
	}
	return 0;
}
