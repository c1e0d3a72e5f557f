// SPDX-License-Identifier: GPL-2.0-or-later
/* synth-kernel.c - the synthetic kernel of synth-kernel.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth-kernel.h"

#define START_KERNEL_MAP 0xffffffff80000000ULL
#define PHYS_BASE 0x2000000ULL
#define VMEMMAP_PA 0x40000000ULL
#define TBL 0x67ULL

/* offsets of the other structures */
enum {
	TS_TASKS = 0x10, TS_PID = 0x20, TS_COMM = 0x30, TS_MM = 0x40, TS_STATE = 0x50, TS_STACK = 0x58, TS_SIZE = 0x100,
	MM_PGD = 0x8, MM_SIZE = 0x40,
	PM_REF = 0x80, PM_TYPE = 0xa0, PM_FLAGS = 0xa4, PM_SHIFT = 0xa8, PM_OPS = 0xb0, PM_OWNER = 0xb8,
	PM_NR = 0xc0, PM_RANGE = 0xc8, PM_SIZE = 0x100,
	AV_ROOT = 0x10, AVC_VMA = 0, AVC_AV = 8, AVC_RB = 0x20, AVC_SIZE = 0x40,
	RB_LEFT = 16, RB_RIGHT = 8,
	VMA_START = 0, VMA_END = 8, VMA_MM = 0x10, VMA_PGOFF = 0x20, VMA_SIZE = 0x80,
};

static const char vmcoreinfo[] =
	"OSRELEASE=7.2.13\nPAGESIZE=4096\nSYMBOL(init_top_pgt)=ffffffff82000000\n"
	"NUMBER(pgtable_l5_enabled)=0\nNUMBER(phys_base)=33554432\nNUMBER(MAX_PHYSMEM_BITS)=46\n"
	"KERNELOFFSET=0\nSYMBOL(mem_section)=ffffffff82100000\nLENGTH(mem_section)=2048\n"
	"SIZE(mem_section)=16\nOFFSET(mem_section.section_mem_map)=0\nNUMBER(SECTION_SIZE_BITS)=27\n";

uint64_t sk_page(uint64_t pfn) { return SK_VMEMMAP + pfn * 64; }

void sk_put32(struct sk *k, uint64_t kva, uint32_t v) { synth_write_kva(k->t, kva, &v, 4); }
void sk_put64(struct sk *k, uint64_t kva, uint64_t v) { synth_write_kva(k->t, kva, &v, 8); }

uint64_t sk_get64(struct sk *k, uint64_t kva)
{
	uint64_t v = 0;

	fs_read(k->t, FS_KVADDR, kva, &v, 8);
	return v;
}

uint64_t sk_alloc(struct sk *k, uint64_t size)
{
	uint64_t pa = k->next_pa;
	static const unsigned char zero[4096];

	k->next_pa += (size + 4095) & ~4095ULL;
	for (uint64_t o = 0; o < size; o += 4096)
		synth_write_pa(k->t, pa + o, zero, 4096);	/* present, zeroed */
	return SK_PAGE_OFFSET + pa;
}

static void member(struct sk *k, const char *type, const char *m, uint64_t off, uint64_t size)
{
	synth_add_member(k->t, type, m, off, size);
}

static void layout(struct sk *k)
{
	static const char *const page_types[] = { "struct page", "struct folio" };
	for (int i = 0; i < 2; i++) {
		member(k, page_types[i], "flags", SKP_FLAGS, 8);
		member(k, page_types[i], "mapping", SKP_MAPPING, 8);
		member(k, page_types[i], "index", SKP_INDEX, 8);
		member(k, page_types[i], "private", 40, 8);
		member(k, page_types[i], "_mapcount", SKP_MAPCOUNT, 4);
		member(k, page_types[i], "_refcount", SKP_REFCOUNT, 4);
	}
	member(k, "struct page", "compound_info", SKP_HEAD, 8);
	member(k, "struct folio", "pgmap", SKP_HEAD, 8);
	member(k, "struct folio", "_flags_1", SKF_FLAGS_1, 8);
	member(k, "struct folio", "_large_mapcount", SKF_LARGE, 4);
	member(k, "struct folio", "_nr_pages_mapped", SKF_NR_MAPPED, 4);
	member(k, "struct folio", "_entire_mapcount", SKF_ENTIRE, 4);
	member(k, "struct folio", "_pincount", SKF_PINCOUNT, 4);
	member(k, "struct folio", "_deferred_list", SKF_DEFERRED, 16);
	synth_add_type(k->t, "struct page", 64);
	member(k, "struct percpu_ref", "percpu_count_ptr", 0, 8);
	member(k, "struct percpu_ref", "data", 8, 8);
	member(k, "struct percpu_ref_data", "count", 0, 8);
	member(k, "struct dev_pagemap", "ref", PM_REF, 16);
	member(k, "struct dev_pagemap", "type", PM_TYPE, 4);
	member(k, "struct dev_pagemap", "flags", PM_FLAGS, 4);
	member(k, "struct dev_pagemap", "vmemmap_shift", PM_SHIFT, 8);
	member(k, "struct dev_pagemap", "ops", PM_OPS, 8);
	member(k, "struct dev_pagemap", "owner", PM_OWNER, 8);
	member(k, "struct dev_pagemap", "nr_range", PM_NR, 4);
	member(k, "struct dev_pagemap", "range", PM_RANGE, 16);
	member(k, "struct task_struct", "tasks", TS_TASKS, 16);
	member(k, "struct task_struct", "pid", TS_PID, 4);
	member(k, "struct task_struct", "comm", TS_COMM, 16);
	member(k, "struct task_struct", "mm", TS_MM, 8);
	member(k, "struct task_struct", "__state", TS_STATE, 4);
	member(k, "struct task_struct", "stack", TS_STACK, 8);
	member(k, "struct mm_struct", "pgd", MM_PGD, 8);
	member(k, "struct anon_vma", "rb_root", AV_ROOT, 16);
	member(k, "struct anon_vma_chain", "vma", AVC_VMA, 8);
	member(k, "struct anon_vma_chain", "anon_vma", AVC_AV, 8);
	member(k, "struct anon_vma_chain", "rb", AVC_RB, 24);
	member(k, "struct rb_node", "rb_left", RB_LEFT, 8);
	member(k, "struct rb_node", "rb_right", RB_RIGHT, 8);
	member(k, "struct vm_area_struct", "vm_start", VMA_START, 8);
	member(k, "struct vm_area_struct", "vm_end", VMA_END, 8);
	member(k, "struct vm_area_struct", "vm_mm", VMA_MM, 8);
	member(k, "struct vm_area_struct", "vm_pgoff", VMA_PGOFF, 8);
	/* enums (values as in a tinyconfig 7.2 x86_64 kernel: 4 zones) */
	synth_add_enum(k->t, "__MAX_NR_ZONES", 4);
	synth_add_enum(k->t, "ZONE_DEVICE", 3);
	synth_add_enum(k->t, "PG_locked", SK_PG_LOCKED);
	synth_add_enum(k->t, "PG_head", SK_PG_HEAD);
	synth_add_enum(k->t, "PG_reserved", SK_PG_RESERVED);
	synth_add_enum(k->t, "PG_anon_exclusive", SK_PG_ANON_EXCL);
	synth_add_enum(k->t, "SECTION_HAS_MEM_MAP_BIT", 1);
	synth_add_enum(k->t, "MEMORY_DEVICE_PRIVATE", 1);
	synth_add_array(k->t, "swap_info", 25);
	/* no IKCONFIG: the profile probes these (src/profile.c) */
	synth_add_symbol(k->t, "migrate_pages", 0xffffffff81000000ULL);
	synth_add_symbol(k->t, "migrate_vma_setup", 0xffffffff81000100ULL);
	synth_add_symbol(k->t, "set_pmd_migration_entry", 0xffffffff81000200ULL);
}

/* page tables of a process: allocate missing levels down to the PMD table */
static uint64_t pmd_table_pa(struct sk *k, uint64_t pgd_pa, uint64_t va)
{
	uint64_t pa = pgd_pa;

	for (int shift = 39; shift >= 30; shift -= 9) {
		uint64_t slot = pa + 8 * ((va >> shift) & 511), e = 0;
		fs_read(k->t, FS_PADDR, slot, &e, 8);
		if (!(e & 1)) {
			e = (sk_alloc(k, 4096) - SK_PAGE_OFFSET) | TBL;
			synth_write_pa_u64(k->t, slot, e);
		}
		pa = e & 0x000ffffffffff000ULL;
	}
	return pa;
}

void sk_set_pmd_in(struct sk *k, uint64_t pgd_pa, uint64_t va, uint64_t raw)
{
	synth_write_pa_u64(k->t, pmd_table_pa(k, pgd_pa, va) + 8 * ((va >> 21) & 511), raw);
}

void sk_set_pte_in(struct sk *k, uint64_t pgd_pa, uint64_t va, uint64_t raw)
{
	uint64_t pmd = pmd_table_pa(k, pgd_pa, va) + 8 * ((va >> 21) & 511), e = 0;

	fs_read(k->t, FS_PADDR, pmd, &e, 8);
	if (!(e & 1)) {
		e = (sk_alloc(k, 4096) - SK_PAGE_OFFSET) | TBL;
		synth_write_pa_u64(k->t, pmd, e);
	}
	synth_write_pa_u64(k->t, (e & 0x000ffffffffff000ULL) + 8 * ((va >> 12) & 511), raw);
}

void sk_set_pmd(struct sk *k, uint64_t va, uint64_t raw) { sk_set_pmd_in(k, k->pgd_pa, va, raw); }
void sk_set_pte(struct sk *k, uint64_t va, uint64_t raw) { sk_set_pte_in(k, k->pgd_pa, va, raw); }

uint64_t sk_entry(int type, uint64_t pfn)
{
	return ((~pfn << 14) >> 5) | ((uint64_t)type << 59);
}

static uint64_t task_new(struct sk *k, int pid, const char *comm, uint64_t mm)
{
	uint64_t t = sk_alloc(k, TS_SIZE), init, last;
	char c[16] = { 0 };

	strncpy(c, comm, 15);
	sk_put32(k, t + TS_PID, (uint32_t)pid);
	synth_write_kva(k->t, t + TS_COMM, c, 16);
	sk_put64(k, t + TS_MM, mm);
	sk_put64(k, t + TS_STACK, sk_alloc(k, 16384));
	/* append to init_task.tasks (a circular list) */
	init = 0xffffffff82200000ULL;
	last = sk_get64(k, init + TS_TASKS + 8);	/* prev */
	sk_put64(k, last, t + TS_TASKS);		/* last->next */
	sk_put64(k, t + TS_TASKS, init + TS_TASKS);
	sk_put64(k, t + TS_TASKS + 8, last);
	sk_put64(k, init + TS_TASKS + 8, t + TS_TASKS);
	return t;
}

uint64_t sk_new_vma(struct sk *k, uint64_t mm, uint64_t start, uint64_t end)
{
	uint64_t v = sk_alloc(k, VMA_SIZE);

	sk_put64(k, v + VMA_START, start);
	sk_put64(k, v + VMA_END, end);
	sk_put64(k, v + VMA_MM, mm);
	sk_put64(k, v + VMA_PGOFF, start >> 12);
	return v;
}

/* anon_vma tree: a right-leaning chain is a valid (if unbalanced) rb tree */
void sk_add_vma_to_tree(struct sk *k, uint64_t vma)
{
	uint64_t avc = sk_alloc(k, AVC_SIZE), root = sk_get64(k, k->anon_vma + AV_ROOT), n = root;

	sk_put64(k, avc + AVC_VMA, vma);
	sk_put64(k, avc + AVC_AV, k->anon_vma);
	if (!root) {
		sk_put64(k, k->anon_vma + AV_ROOT, avc + AVC_RB);
		return;
	}
	while (sk_get64(k, n + RB_RIGHT))
		n = sk_get64(k, n + RB_RIGHT);
	sk_put64(k, n + RB_RIGHT, avc + AVC_RB);
}

int sk_add_process(struct sk *k, uint64_t *pgd_pa_out)
{
	uint64_t mm = sk_alloc(k, MM_SIZE), pgd = sk_alloc(k, 4096);
	int pid = k->pid + 1;

	sk_put64(k, mm + MM_PGD, pgd);
	task_new(k, pid, "child", mm);
	sk_add_vma_to_tree(k, sk_new_vma(k, mm, 0x100000000000ULL, 0x100000400000ULL));
	*pgd_pa_out = pgd - SK_PAGE_OFFSET;
	return pid;
}

void sk_init(struct sk *k)
{
	uint64_t init = 0xffffffff82200000ULL, roots, root, pcpu;

	memset(k, 0, sizeof(*k));
	k->t = synth_new();
	k->next_pa = 0x100000;
	synth_map_kva(k->t, SK_PAGE_OFFSET, 0, 1ULL << 40);
	synth_map_kva(k->t, SK_VMEMMAP, VMEMMAP_PA, 1ULL << 30);
	synth_map_kva(k->t, START_KERNEL_MAP, PHYS_BASE, 1ULL << 30);
	synth_set_vmcoreinfo(k->t, vmcoreinfo);
	layout(k);

	/* kernel image: init_top_pgt (empty), init_task, mem_section roots,
	 * __per_cpu_offset, nr_cpu_ids */
	synth_write_pa_u64(k->t, PHYS_BASE + 0x2000000, 0);
	synth_add_symbol(k->t, "init_task", init);
	sk_put64(k, init + TS_TASKS, init + TS_TASKS);
	sk_put64(k, init + TS_TASKS + 8, init + TS_TASKS);
	sk_put32(k, init + TS_PID, 0);
	synth_write_kva(k->t, init + TS_COMM, "swapper/0\0\0\0\0\0\0", 16);
	sk_put64(k, init + TS_STACK, 0);
	roots = 0xffffffff82100000ULL;
	{
		static const unsigned char zero[2048 * 8];
		synth_write_kva(k->t, roots, zero, sizeof(zero));	/* LENGTH(mem_section) roots */
	}
	root = sk_alloc(k, 4096);
	sk_put64(k, roots + 8 * 0, root);	/* root 0 holds sections 0..255 */
	/* section 32 (pfn 0x100000): present, with a memmap */
	sk_put64(k, root + 16 * 32, 3);
	pcpu = sk_alloc(k, 4096);
	synth_add_symbol(k->t, "__per_cpu_offset", 0xffffffff82300000ULL);
	(void)pcpu;
	sk_put64(k, 0xffffffff82300000ULL, 0);	/* CPU 0's offset: per-CPU pointers are plain addresses */
	synth_add_symbol(k->t, "nr_cpu_ids", 0xffffffff82300100ULL);
	sk_put32(k, 0xffffffff82300100ULL, 1);

	/* the pgmap: MEMORY_DEVICE_PRIVATE, one range, ref in percpu mode at 1 */
	k->pgmap = sk_alloc(k, PM_SIZE);
	k->ref_data = sk_alloc(k, 64);
	k->pcpu_counter = sk_alloc(k, 64);
	sk_put32(k, k->pgmap + PM_TYPE, 1);
	sk_put32(k, k->pgmap + PM_NR, 1);
	sk_put64(k, k->pgmap + PM_RANGE, SK_DEV_PFN << 12);
	sk_put64(k, k->pgmap + PM_RANGE + 8, ((SK_DEV_PFN + SK_DEV_PAGES) << 12) - 1);
	sk_put64(k, k->pgmap + PM_REF, k->pcpu_counter);	/* percpu mode: no flag bits */
	sk_put64(k, k->pgmap + PM_REF + 8, k->ref_data);
	sk_put64(k, k->ref_data, (1ULL << 63) + 1);
	/* every device page: ZONE_DEVICE (3 << 62), reserved, own pgmap, free */
	for (uint64_t p = 0; p < SK_DEV_PAGES; p++) {
		uint64_t pg = sk_page(SK_DEV_PFN + p);
		sk_put64(k, pg + SKP_FLAGS, (3ULL << 62) | (1ULL << SK_PG_RESERVED));
		sk_put64(k, pg + SKP_HEAD, k->pgmap);
		sk_put32(k, pg + SKP_MAPCOUNT, (uint32_t)-1);
		sk_put32(k, pg + SKP_REFCOUNT, 0);
	}

	/* one process with an mm, a VMA over 0x100000000000 and an anon_vma */
	uint64_t mm = sk_alloc(k, MM_SIZE), pgd = sk_alloc(k, 4096);
	k->mm = mm;
	k->pgd_pa = pgd - SK_PAGE_OFFSET;
	sk_put64(k, mm + MM_PGD, pgd);
	k->pid = 37;
	k->task = task_new(k, k->pid, "hmmscen", mm);
	k->anon_vma = sk_alloc(k, 64);
	k->vma = sk_new_vma(k, mm, 0x100000000000ULL, 0x100000400000ULL);
	sk_add_vma_to_tree(k, k->vma);
}

void sk_set_counts(struct sk *k, uint64_t pfn, int mapcount, int entire)
{
	uint64_t pg = sk_page(pfn);

	if (sk_get64(k, pg + SKP_FLAGS) >> SK_PG_HEAD & 1) {
		sk_put32(k, pg + SKF_LARGE, (uint32_t)mapcount);
		sk_put32(k, pg + SKF_ENTIRE, (uint32_t)entire);
	} else {
		sk_put32(k, pg + SKP_MAPCOUNT, (uint32_t)mapcount);
	}
}

void sk_device_folio(struct sk *k, uint64_t pfn, int order, int refcount, uint64_t va)
{
	uint64_t head = sk_page(pfn), nr = 1ULL << order;

	sk_put64(k, head + SKP_FLAGS, (3ULL << 62) | (1ULL << SK_PG_RESERVED) | (order ? 1ULL << SK_PG_HEAD : 0));
	sk_put64(k, head + SKP_MAPPING, k->anon_vma | 1);
	sk_put64(k, head + SKP_INDEX, va >> 12);
	sk_put32(k, head + SKP_REFCOUNT, (uint32_t)refcount);
	if (order) {
		sk_put64(k, head + SKF_FLAGS_1, (uint64_t)order);
		sk_put32(k, head + SKF_LARGE, (uint32_t)-1);
		sk_put32(k, head + SKF_ENTIRE, (uint32_t)-1);
		sk_put64(k, head + SKF_DEFERRED, head + SKF_DEFERRED);	/* empty list */
		sk_put64(k, head + SKF_DEFERRED + 8, head + SKF_DEFERRED);
		for (uint64_t i = 1; i < nr; i++) {
			uint64_t pg = sk_page(pfn + i);
			if (i > 2)	/* page[1] and page[2] hold folio fields in their flags words */
				sk_put64(k, pg + SKP_FLAGS, (3ULL << 62) | (1ULL << SK_PG_RESERVED));
			sk_put64(k, pg + SKP_HEAD, head | 1);
		}
		sk_put64(k, sk_page(pfn + 1) + SKP_FLAGS, (uint64_t)order);	/* _flags_1 */
	}
	/* zone_device_folio_init(): one pgmap reference per page */
	sk_put64(k, k->ref_data, sk_get64(k, k->ref_data) + nr);
}
