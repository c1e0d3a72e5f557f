// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_pgtable.c - page-table walks over hand-built x86_64 tables
 * (synthetic: layouts per arch/x86/include/asm/pgtable_64_types.h), incl.
 * states a lab kernel does not produce on demand: tables pointing at
 * memory missing from the dump, and 5-level paging (QEMU's TCG CPU has no
 * LA57). Real-dump walks are in tests/python/test_real_dumps.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "folioscope/pgtable.h"
#include "synth-target.h"

#define PAGE_OFFSET 0xffff888000000000ULL
#define TBL 0x63ULL	/* present, rw, accessed, dirty */

struct rig {
	struct fs_target *t;
	struct fs_profile p;
};

static void rig_init(struct rig *r, int levels)
{
	char err[256];

	r->t = synth_new();
	assert_int_equal(fs_profile_default(&r->p, FS_ARCH_X86_64, "7.2", err, sizeof(err)), 0);
	assert_int_equal(fs_profile_override(&r->p, "MEMORY_FAILURE=n", err, sizeof(err)), 0);
	r->p.levels = levels;
	r->p.page_offset = PAGE_OFFSET;
	r->p.kernel_pgd = PAGE_OFFSET + 0x1000;
}

static void put(struct rig *r, uint64_t table_pa, unsigned idx, uint64_t v)
{
	synth_write_pa_u64(r->t, table_pa + 8ULL * idx, v);
}

static uint64_t idx(uint64_t va, int shift) { return (va >> shift) & 511; }

/* 4-level: PGD 0x1000 -> PUD 0x2000 -> PMD 0x3000 -> PTE 0x4000 */
static void build_4level(struct rig *r, uint64_t va)
{
	put(r, 0x1000, idx(va, 39), 0x2000 | TBL);
	put(r, 0x2000, idx(va, 30), 0x3000 | TBL);
	put(r, 0x3000, idx(va, 21), 0x4000 | TBL);
}

static void test_present_pte(void **state)
{
	struct rig r;
	struct fs_walk w;
	uint64_t va = 0x7ffff7a00123ULL;
	(void)state;
	rig_init(&r, 4);
	build_4level(&r, va);
	put(&r, 0x4000, idx(va, 12), 0x8000000012345067ULL);
	assert_int_equal(fs_pgtable_walk(r.t, &r.p, r.p.kernel_pgd, va, &w), 0);
	assert_int_equal(w.n, 4);
	assert_int_equal(w.leaf, 3);
	assert_true(w.mapped);
	assert_int_equal(w.paddr, 0x12345123ULL);
	assert_int_equal(w.lv[3].entry_pa, 0x4000 + 8 * idx(va, 12));
	fs_target_close(r.t);
}

static void test_device_private_pmd(void **state)
{
	struct rig r;
	struct fs_walk w;
	uint64_t va = 0x7fffe0000000ULL + 0x1234;
	uint64_t raw;
	(void)state;
	rig_init(&r, 4);
	raw = fs_swap_entry_encode(&r.p.swap, 28, 0xfcdfc00);
	put(&r, 0x1000, idx(va, 39), 0x2000 | TBL);
	put(&r, 0x2000, idx(va, 30), 0x3000 | TBL);
	put(&r, 0x3000, idx(va, 21), raw);
	assert_int_equal(raw, 0xe7ffffe06407fe00ULL);	/* a 7.2 lab value */
	assert_int_equal(fs_pgtable_walk(r.t, &r.p, r.p.kernel_pgd, va, &w), 0);
	assert_int_equal(w.n, 3);
	assert_int_equal(w.leaf, 2);
	assert_false(w.mapped);
	assert_int_equal(w.lv[2].level, FS_LVL_PMD);
	assert_int_equal(w.lv[2].e.kind, FS_ENT_DEVICE_PRIVATE_WRITE);
	assert_int_equal(w.lv[2].e.pfn, 0xfcdfc00);
	assert_false(w.lv[2].e.pmd_invalid_kind);
	fs_target_close(r.t);
}

static void test_device_private_pte_and_none(void **state)
{
	struct rig r;
	struct fs_walk w;
	uint64_t va = 0x7ffff7a00000ULL;
	(void)state;
	rig_init(&r, 4);
	build_4level(&r, va);
	put(&r, 0x4000, idx(va, 12), 0xefffffe06409fe00ULL);
	assert_int_equal(fs_pgtable_walk(r.t, &r.p, r.p.kernel_pgd, va, &w), 0);
	assert_int_equal(w.lv[3].e.kind, FS_ENT_DEVICE_PRIVATE_READ);
	/* next page: PTE none (memory reads as zero inside a present table page) */
	assert_int_equal(fs_pgtable_walk(r.t, &r.p, r.p.kernel_pgd, va + 4096, &w), 0);
	assert_int_equal(w.leaf, -1);
	assert_int_equal(w.lv[3].e.kind, FS_ENT_NONE);
	/* an address whose PGD entry is empty stops at the top */
	assert_int_equal(fs_pgtable_walk(r.t, &r.p, r.p.kernel_pgd, 0x1000, &w), 0);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.lv[0].e.kind, FS_ENT_NONE);
	fs_target_close(r.t);
}

static void test_huge_leaves(void **state)
{
	struct rig r;
	struct fs_walk w;
	uint64_t va = 0x40000000ULL * 3 + 0x12345;
	(void)state;
	rig_init(&r, 4);
	put(&r, 0x1000, idx(va, 39), 0x2000 | TBL);
	put(&r, 0x2000, idx(va, 30), 0x80000000ULL | TBL | 0x80);	/* 1 GiB page */
	assert_int_equal(fs_pgtable_walk(r.t, &r.p, r.p.kernel_pgd, va, &w), 0);
	assert_true(w.mapped);
	assert_int_equal(w.leaf, 1);
	assert_int_equal(w.paddr, 0x80000000ULL + (va & ((1ULL << 30) - 1)));
	va = 0x200000ULL * 7 + 0x1000;
	put(&r, 0x1000, idx(va, 39), 0x2000 | TBL);
	put(&r, 0x2000, idx(va, 30), 0x3000 | TBL);
	put(&r, 0x3000, idx(va, 21), 0x8400000001e000a5ULL);		/* a 7.2 lab THP PMD */
	assert_int_equal(fs_pgtable_walk(r.t, &r.p, r.p.kernel_pgd, va, &w), 0);
	assert_true(w.mapped && w.lv[2].e.huge);
	assert_int_equal(w.paddr, 0x1e00000ULL + 0x1000);
	fs_target_close(r.t);
}

static void test_five_level(void **state)
{
	struct rig r;
	struct fs_walk w;
	uint64_t va = 0x00ff123456789000ULL & ((1ULL << 56) - 1);
	(void)state;
	rig_init(&r, 5);
	put(&r, 0x1000, idx(va, 48), 0x5000 | TBL);
	put(&r, 0x5000, idx(va, 39), 0x2000 | TBL);
	put(&r, 0x2000, idx(va, 30), 0x3000 | TBL);
	put(&r, 0x3000, idx(va, 21), 0x4000 | TBL);
	put(&r, 0x4000, idx(va, 12), 0x7777067ULL);
	assert_int_equal(fs_pgtable_walk(r.t, &r.p, r.p.kernel_pgd, va, &w), 0);
	assert_int_equal(w.n, 5);
	assert_int_equal(w.lv[1].level, FS_LVL_P4D);
	assert_int_equal(w.paddr, 0x7777000ULL);
	fs_target_close(r.t);
}

/* A table entry pointing at memory the dump does not hold: a clear error
 * naming the level and the physical address, never a crash. */
static void test_missing_table(void **state)
{
	struct rig r;
	struct fs_walk w;
	uint64_t va = 0x7ffff7a00000ULL;
	(void)state;
	rig_init(&r, 4);
	put(&r, 0x1000, idx(va, 39), 0x2000 | TBL);
	put(&r, 0x2000, idx(va, 30), 0xdead000ULL | TBL);
	assert_int_equal(fs_pgtable_walk(r.t, &r.p, r.p.kernel_pgd, va, &w), -1);
	assert_non_null(strstr(w.err, "reading pmd entry at physical 0xdead"));
	/* a top-level table outside the direct map is refused */
	assert_int_equal(fs_pgtable_walk(r.t, &r.p, 0x1234, va, &w), -1);
	assert_non_null(strstr(w.err, "neither in the direct map"));
	fs_target_close(r.t);
}

/* Live /proc/kcore does not expose vmemmap for device memory: fs_read_kva
 * must translate through the kernel page tables. */
static void test_read_kva_fallback(void **state)
{
	struct rig r;
	uint64_t va = 0xffffea0003f37f00ULL, got = 0;
	(void)state;
	rig_init(&r, 4);
	build_4level(&r, va);
	put(&r, 0x4000, idx(va, 12), 0x9000ULL | 0x63);
	synth_write_pa_u64(r.t, 0x9000 + (va & 4095), 0x1122334455667788ULL);
	synth_block_kva(r.t, 0xffffea0000000000ULL, 1ULL << 40);
	assert_int_equal(fs_read(r.t, FS_KVADDR, va, &got, 8), -1);
	assert_int_equal(fs_read_kva(r.t, &r.p, va, &got, 8), 0);
	assert_int_equal(got, 0x1122334455667788ULL);
	/* unmapped in the page tables too: the error says both */
	assert_int_equal(fs_read_kva(r.t, &r.p, va + 4096, &got, 8), -1);
	assert_non_null(strstr(fs_target_error(r.t), "kernel page tables"));
	fs_target_close(r.t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_present_pte),
		cmocka_unit_test(test_device_private_pmd),
		cmocka_unit_test(test_device_private_pte_and_none),
		cmocka_unit_test(test_huge_leaves),
		cmocka_unit_test(test_five_level),
		cmocka_unit_test(test_missing_table),
		cmocka_unit_test(test_read_kva_fallback),
	};
	return cmocka_run_group_tests_name("pgtable", tests, NULL, NULL);
}
