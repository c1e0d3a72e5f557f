// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_checks.c - every finding of docs/checks.md on a synthetic 7.2-like
 * kernel (tests/unit/synth-kernel.c): a clean state gives no finding; each
 * test breaks one invariant and expects exactly that finding. The real-dump
 * counterparts are the clean lab fixtures (no finding) and the bug-zoo
 * fixtures (tests/python/test_real_dumps.py).
 *
 * States no lab kernel here produces, covered only here: negative
 * mapcounts, refcount below mapcount, a deferred-split device folio, stale
 * mappings on free device pages, an unlocked migration entry, a present
 * PTE mapping device memory, a VMA missing from the anon_vma tree, a
 * swap-slot entry in a PMD, and a task stuck in memunmap_pages().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "folioscope/pgtable.h"
#include "folioscope/profile.h"
#include "folioscope/scan.h"
#include "synth-kernel.h"

#define VA 0x100000000000ULL
#define THP_VA (VA + 0x200000)
#define SMALL (SK_DEV_PFN + 1)
#define THP (SK_DEV_PFN + 0x200)
#define DW 28	/* 7.2 without MEMORY_FAILURE: device-private write */
#define DR 29
#define DX 30
#define MR 25

struct run {
	struct fs_profile p;
	struct fs_scan s;
};

/* A clean kernel: an order-0 device folio PTE-mapped at VA, an order-9 one
 * PMD-mapped at THP_VA, both writable, one process. */
static void clean(struct sk *k)
{
	sk_init(k);
	sk_device_folio(k, SMALL, 0, 1, VA);
	sk_set_pte(k, VA, sk_entry(DW, SMALL));
	sk_set_counts(k, SMALL, 0, 0);
	sk_device_folio(k, THP, 9, 1, THP_VA);
	sk_set_pmd(k, THP_VA, sk_entry(DW, THP));
	sk_set_counts(k, THP, 0, 0);
}

static void scan(struct sk *k, struct run *r)
{
	char err[256];

	assert_int_equal(fs_profile_from_target(&r->p, k->t, err, sizeof(err)), 0);
	memset(&r->s, 0, sizeof(r->s));
	if (fs_scan_run(&r->s, k->t, &r->p, err, sizeof(err)))
		fail_msg("scan: %s", err);
	for (size_t i = 0; i < r->s.nerrors; i++)
		fail_msg("unexpected read error: %s", r->s.errors[i]);
}

static void done(struct sk *k, struct run *r)
{
	fs_scan_free(&r->s);
	fs_profile_free(&r->p);
	fs_target_close(k->t);
}

/* Exactly the findings named (comma-separated), in any order. */
static void expect(struct sk *k, const char *ids)
{
	struct run r;
	char got[512] = "";

	scan(k, &r);
	for (size_t i = 0; i < r.s.nfindings; i++) {
		strcat(got, r.s.findings[i].id);
		strcat(got, i + 1 < r.s.nfindings ? "," : "");
	}
	if (strcmp(got, ids)) {
		for (size_t i = 0; i < r.s.nfindings; i++)
			fprintf(stderr, "  %s %s: %s\n", r.s.findings[i].id, r.s.findings[i].subject, r.s.findings[i].evidence);
		fail_msg("findings '%s', expected '%s'", got, ids);
	}
	done(k, &r);
}

static void test_clean(void **state)
{
	struct sk k;
	struct run r;
	(void)state;
	clean(&k);
	scan(&k, &r);
	assert_int_equal(r.s.nfindings, 0);
	assert_int_equal(r.s.pgmaps->n, 1);
	assert_int_equal(r.s.stats[0].expected_ref, 1 + 1 + 512);
	assert_int_equal(r.s.nmaps, 2);
	for (size_t i = 0; i < r.s.nmaps; i++)
		assert_true(fs_scan_map_seen(&r.s, i));
	done(&k, &r);
}

/* head pfn -> folio (scan.c): device heads through the window over the
 * pgmap's range, others through the hash index; either way every folio
 * the scan added is found at its own index, and a pfn no folio starts at
 * is not. */
static void test_folio_index(void **state)
{
	struct sk k;
	struct run r;
	bool outside = false;
	(void)state;
	clean(&k);
	/* a migration entry to a RAM page (its struct page written, so there) */
	sk_put32(&k, sk_page(0x500) + SKP_REFCOUNT, 1);
	sk_set_pte(&k, VA + 0x1000, sk_entry(MR, 0x500));
	scan(&k, &r);
	assert_int_equal(r.s.nwin, 1);
	assert_true(r.s.win[0].start == SK_DEV_PFN && r.s.win[0].pages == SK_DEV_PAGES);
	assert_true(r.s.nfolios >= 3);
	for (size_t v = 0; v < r.s.nfolios; v++) {
		uint64_t pfn = r.s.folios[v].f.head_pfn;
		assert_int_equal(fs_scan_find_folio(&r.s, pfn), (int)v);
		outside |= pfn - SK_DEV_PFN >= SK_DEV_PAGES;
	}
	assert_true(outside);
	assert_int_equal(fs_scan_find_folio(&r.s, SMALL + 2), -1);
	assert_int_equal(fs_scan_find_folio(&r.s, 0x501), -1);
	done(&k, &r);
}

/* fs_pgmap_of_pfn_hinted() answers as fs_pgmap_of_pfn() does, for PFNs
 * asked in runs and at random, with ranges that touch, overlap (a corrupt
 * dump: the first pgmap wins) or leave gaps, and unaligned range ends. */
static void test_pgmap_hint(void **state)
{
	static struct fs_pgmaps s;
	struct fs_pgmap_hint h = { 0 };
	uint64_t x = 12345;
	(void)state;
	memset(&s, 0, sizeof(s));
	s.n = 4;
	s.map[0].nr_range = 1;	/* pfns 0x100-0x1ff */
	s.map[0].range[0].start = 0x100000;
	s.map[0].range[0].end = 0x1fffff;
	s.map[1].nr_range = 2;	/* 0x180-0x27f (overlaps map 0) and 0x400-0x4ff */
	s.map[1].range[0].start = 0x180000;
	s.map[1].range[0].end = 0x27ffff;
	s.map[1].range[1].start = 0x400000;
	s.map[1].range[1].end = 0x4fffff;
	s.map[2].nr_range = 1;	/* 0x500-0x57f, touching map 1 */
	s.map[2].range[0].start = 0x500000;
	s.map[2].range[0].end = 0x57ffff;
	s.map[3].nr_range = 1;	/* unaligned ends: pfns 0x601-0x67f */
	s.map[3].range[0].start = 0x600800;
	s.map[3].range[0].end = 0x6807ff;
	for (uint64_t pfn = 0; pfn < 0x700; pfn++)
		assert_ptr_equal(fs_pgmap_of_pfn_hinted(&s, pfn, &h), fs_pgmap_of_pfn(&s, pfn));
	for (uint64_t pfn = 0x700; pfn-- > 0;)
		assert_ptr_equal(fs_pgmap_of_pfn_hinted(&s, pfn, &h), fs_pgmap_of_pfn(&s, pfn));
	for (int i = 0; i < 20000; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		uint64_t pfn = (x >> 33) % 0x700;
		assert_ptr_equal(fs_pgmap_of_pfn_hinted(&s, pfn, &h), fs_pgmap_of_pfn(&s, pfn));
	}
	assert_ptr_equal(fs_pgmap_of_pfn(&s, 0x1c0), &s.map[0]);	/* the overlap: first wins */
	assert_ptr_equal(fs_pgmap_of_pfn(&s, 0x600), NULL);
}

/* Every map grouped under its own folio, each once. */
static void assert_grouping(struct fs_scan *s)
{
	size_t total = 0, attached = 0;

	for (size_t i = 0; i < s->nmaps; i++)
		attached += s->maps[i].folio >= 0;
	for (size_t fi = 0; fi < s->nfolios; fi++) {
		const struct fs_mapping *m;
		for (size_t k = 0; (m = fs_scan_next_map(s, (int)fi, &k)); total++)
			assert_int_equal(m->folio, (int)fi);
	}
	assert_int_equal(total, attached);
}

/* The grouping sizes each folio's share from its entry counts; when those
 * do not add up (here: made wrong by hand), it counts the records. */
static void test_grouping_counts(void **state)
{
	struct sk k;
	struct run r;
	uint64_t pgd;
	(void)state;
	clean(&k);
	sk_add_process(&k, &pgd);	/* a second mm mapping both folios too */
	sk_set_pte_in(&k, pgd, VA, sk_entry(DR, SMALL));
	sk_set_pmd_in(&k, pgd, THP_VA, sk_entry(DR, THP));
	sk_set_pmd(&k, VA + 0x600000, sk_entry(3, 0x42));	/* a swap slot in a PMD: a map of no folio */
	scan(&k, &r);
	assert_true(r.s.nmaps >= 5);
	assert_grouping(&r.s);
	for (int wrong = 0; wrong < 3; wrong++) {
		int v = fs_scan_find_folio(&r.s, wrong == 2 ? THP : SMALL);
		assert_true(v >= 0);
		if (wrong == 0)
			r.s.folios[v].pte_maps += 1;	/* more than its maps, fewer than all maps */
		else if (wrong == 1)
			r.s.folios[v].pte_maps = 0;	/* fewer */
		else
			r.s.folios[v].pmd_maps = -5;	/* garbage */
		fs_scan_free_grouping(&r.s);
		assert_int_equal(fs_scan_group_maps(&r.s), 0);
		assert_grouping(&r.s);
	}
	done(&k, &r);
}

/* fs_page_image_plain_free() claims a page only when the full decode
 * makes it a free small page the scan would neither keep nor check:
 * images with the fields it reads set at random (and the rest garbage),
 * and the synthetic kernel's own free and allocated device pages. */
static void test_plain_free_pages(void **state)
{
	struct sk k;
	struct run r;
	struct fs_mm mm;
	char err[256];
	unsigned char img[256];
	uint64_t x = 99, claimed = 0;
	(void)state;
	clean(&k);
	assert_int_equal(fs_profile_from_target(&r.p, k.t, err, sizeof(err)), 0);
	assert_int_equal(fs_mm_init(&mm, k.t, &r.p, err, sizeof(err)), 0);
	for (int i = 0; i < 200000; i++) {
		struct fs_folio f;
		for (size_t b = 0; b < sizeof(img); b++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			img[b] = (unsigned char)(x >> 56);
		}
		/* each field the check reads: its plain-free value more often than not */
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		if (x >> 63)
			img[SKP_HEAD] &= (unsigned char)~1;
		if (x >> 62 & 1)
			img[SKP_FLAGS] &= (unsigned char)~(1u << SK_PG_LOCKED | 1u << SK_PG_HEAD);
		if (x >> 61 & 1)
			memset(img + SKP_REFCOUNT, 0, 4);
		if (x >> 60 & 1)
			memset(img + SKP_MAPPING, 0, 8);
		if (x >> 59 & 1)
			memset(img + SKP_MAPCOUNT, 0xff, 4);
		if (!fs_page_image_plain_free(&mm, img))
			continue;
		claimed++;
		assert_int_equal(fs_folio_from_image(k.t, &r.p, &mm, SK_DEV_PFN, img, &f), 0);
		assert_false(f.tail);
		assert_false(f.head_flag);
		assert_false(fs_folio_held(&f));
		assert_int_equal(f.folio_mapcount, 0);
		assert_int_equal(f.mapping, 0);
	}
	assert_true(claimed > 1000);
	/* the real thing: a free device page is plain, a folio head is not */
	assert_int_equal(fs_read_kva(k.t, &r.p, sk_page(SMALL + 2), img, 64), 0);
	assert_true(fs_page_image_plain_free(&mm, img));
	assert_int_equal(fs_read_kva(k.t, &r.p, sk_page(SMALL), img, 64), 0);
	assert_false(fs_page_image_plain_free(&mm, img));
	assert_int_equal(fs_read_kva(k.t, &r.p, sk_page(THP + 1), img, 64), 0);
	assert_false(fs_page_image_plain_free(&mm, img));
	fs_profile_free(&r.p);
	fs_target_close(k.t);
}

static void test_mapcount(void **state)
{
	struct sk k;
	(void)state;
	clean(&k);
	sk_set_counts(&k, SMALL, 1, 0);	/* says 2 mappings, one PTE exists */
	sk_put32(&k, sk_page(SMALL) + SKP_REFCOUNT, 2);
	expect(&k, "FS-MAPCOUNT");
}

static void test_entire_mapcount(void **state)
{
	struct sk k;
	(void)state;
	clean(&k);
	sk_set_counts(&k, THP, 0, 1);	/* entire 2, one PMD */
	expect(&k, "FS-ENTIRE-MAPCOUNT");
}

static void test_page_mapcount(void **state)
{
	struct sk k;
	(void)state;
	clean(&k);
	/* split the THP's PMD into two device-private PTEs... */
	sk_set_pmd(&k, THP_VA, 0);
	sk_set_pte(&k, THP_VA, sk_entry(DW, THP));
	sk_set_pte(&k, THP_VA + 4096, sk_entry(DW, THP + 1));
	sk_set_counts(&k, THP, 1, -1);
	sk_put32(&k, sk_page(THP) + SKP_REFCOUNT, 2);
	sk_put32(&k, sk_page(THP) + SKP_MAPCOUNT, 0);
	/* ...but page 1's own mapcount was never raised */
	sk_put32(&k, sk_page(THP + 1) + SKP_MAPCOUNT, (uint32_t)-1);
	expect(&k, "FS-PAGE-MAPCOUNT");
}

static void test_refcount(void **state)
{
	struct sk k;
	uint64_t child;
	(void)state;
	clean(&k);
	sk_add_process(&k, &child);
	sk_set_pmd(&k, THP_VA, sk_entry(DR, THP));
	sk_set_pmd_in(&k, child, THP_VA, sk_entry(DR, THP));
	sk_set_counts(&k, THP, 1, 1);	/* two PMD mappings, but refcount stays 1 */
	expect(&k, "FS-REFCOUNT");
}

static void test_negative(void **state)
{
	struct sk k;
	(void)state;
	clean(&k);
	sk_set_counts(&k, THP, -3, -3);
	expect(&k, "FS-NEGATIVE-MAPCOUNT");
}

static void test_pmd_not_head(void **state)
{
	struct sk k;
	(void)state;
	clean(&k);
	sk_set_pmd(&k, THP_VA, sk_entry(DW, THP + 1));
	expect(&k, "FS-PMD-NOT-HEAD");
}

static void test_exclusive_device_page(void **state)
{
	struct sk k;
	(void)state;
	clean(&k);
	sk_set_pte(&k, VA, sk_entry(DX, SMALL));
	expect(&k, "FS-EXCLUSIVE-DEVICE-PAGE");
}

static void test_outside_pgmap(void **state)
{
	struct sk k;
	uint64_t ram = 0x5000, pg = sk_page(ram);
	(void)state;
	clean(&k);
	/* an ordinary anon page (zone 1), mapped by a device-private entry */
	sk_put64(&k, pg + SKP_FLAGS, 1ULL << 62);
	sk_put64(&k, pg + SKP_HEAD, 0);
	sk_put64(&k, pg + SKP_MAPPING, k.anon_vma | 1);
	sk_put32(&k, pg + SKP_REFCOUNT, 1);
	sk_put32(&k, pg + SKP_MAPCOUNT, 0);
	sk_set_pte(&k, VA + 0x10000, sk_entry(DR, ram));
	expect(&k, "FS-DEVICE-ENTRY-OUTSIDE-PGMAP");
}

static void test_write_shared(void **state)
{
	struct sk k;
	uint64_t child;
	(void)state;
	clean(&k);
	sk_add_process(&k, &child);
	sk_set_pte_in(&k, child, VA, sk_entry(DW, SMALL));	/* fork kept it writable */
	sk_set_counts(&k, SMALL, 1, 0);
	sk_put32(&k, sk_page(SMALL) + SKP_REFCOUNT, 2);
	expect(&k, "FS-WRITE-ENTRY-SHARED");
}

static void test_migration_unlocked(void **state)
{
	struct sk k;
	(void)state;
	/* the state migrate_vma_collect_pmd() leaves (7.2 mm/migrate_device.c):
	 * migration entry installed, rmap removed (_mapcount -1), the
	 * migration's own reference kept */
	clean(&k);
	sk_set_pte(&k, VA, sk_entry(MR, SMALL));
	sk_set_counts(&k, SMALL, -1, 0);
	expect(&k, "FS-MIGRATION-UNLOCKED");
	clean(&k);	/* the same entry with the folio locked: a migration in flight */
	sk_set_pte(&k, VA, sk_entry(MR, SMALL));
	sk_set_counts(&k, SMALL, -1, 0);
	sk_put64(&k, sk_page(SMALL) + SKP_FLAGS, sk_get64(&k, sk_page(SMALL)) | 1ULL << SK_PG_LOCKED);
	expect(&k, "");
}

/* A THP frozen mid-migration (7.2 __folio_migrate_mapping(): refcount frozen
 * at 0 under the folio lock, its PMD a migration entry, rmap removed) still
 * holds its pgmap references and is not free: no finding. Unlocked, the
 * same state is a free page with an entry pointing at it. */
static void test_frozen_folio(void **state)
{
	struct sk k;
	(void)state;
	for (int locked = 1; locked >= 0; locked--) {
		clean(&k);
		sk_set_pmd(&k, THP_VA, sk_entry(MR, THP));
		sk_set_counts(&k, THP, -1, -1);
		sk_put32(&k, sk_page(THP) + SKP_REFCOUNT, 0);
		if (locked)
			sk_put64(&k, sk_page(THP) + SKP_FLAGS, sk_get64(&k, sk_page(THP)) | 1ULL << SK_PG_LOCKED);
		expect(&k, locked ? "" : "FS-MIGRATION-UNLOCKED,FS-FREE-PAGE-MAPPED,FS-PGMAP-REF");
	}
}

static void test_free_page_mapped(void **state)
{
	struct sk k;
	(void)state;
	clean(&k);
	sk_set_pte(&k, VA + 0x20000, sk_entry(DR, SK_DEV_PFN + 7));	/* pfn +7 was never allocated */
	expect(&k, "FS-FREE-PAGE-MAPPED");
}

static void test_stale_compound(void **state)
{
	struct sk k;
	(void)state;
	clean(&k);
	sk_put64(&k, sk_page(SK_DEV_PFN + 9) + SKP_MAPPING, k.anon_vma | 1);	/* free but still anon */
	expect(&k, "FS-STALE-COMPOUND");
}

static void test_deferred_split(void **state)
{
	struct sk k;
	uint64_t lru;
	(void)state;
	clean(&k);
	lru = sk_alloc(&k, 64);
	sk_put64(&k, sk_page(THP) + SKF_DEFERRED, lru);
	expect(&k, "FS-DEFERRED-SPLIT-DEVICE");
}

static void test_pgmap_ref(void **state)
{
	struct sk k;
	(void)state;
	clean(&k);
	sk_put64(&k, k.ref_data, sk_get64(&k, k.ref_data) + 1);	/* one reference leaked */
	expect(&k, "FS-PGMAP-REF");
	/* the same value held partly in the per-CPU counter: still 1 + pages */
	clean(&k);
	sk_put64(&k, k.ref_data, sk_get64(&k, k.ref_data) - 100);
	sk_put64(&k, k.pcpu_counter, 100);
	expect(&k, "");
}

static void test_rmap_invisible(void **state)
{
	struct sk k;
	uint64_t child;
	(void)state;
	clean(&k);
	/* a process whose VMA is not in the folio's anon_vma tree */
	sk_add_process(&k, &child);
	sk_put64(&k, k.anon_vma + 0x10, 0);	/* rebuild the tree with the parent only */
	sk_add_vma_to_tree(&k, k.vma);
	sk_set_pte(&k, VA, sk_entry(DR, SMALL));
	sk_set_pte_in(&k, child, VA, sk_entry(DR, SMALL));
	sk_set_counts(&k, SMALL, 1, 0);
	sk_put32(&k, sk_page(SMALL) + SKP_REFCOUNT, 2);
	expect(&k, "FS-RMAP-INVISIBLE");
}

static void test_invalid_entry(void **state)
{
	struct sk k;
	(void)state;
	clean(&k);
	sk_set_pmd(&k, VA + 0x600000, sk_entry(3, 0x42));	/* a swap slot in a PMD */
	expect(&k, "FS-INVALID-ENTRY");
}

static void test_present_device_page(void **state)
{
	struct sk k;
	(void)state;
	clean(&k);
	sk_set_pte(&k, VA, (SMALL << 12) | 0x67);
	expect(&k, "FS-PRESENT-DEVICE-PAGE");
}

static void test_stuck_task(void **state)
{
	struct sk k;
	struct run r;
	uint64_t stack, fn = 0xffffffff81234000ULL;
	(void)state;
	clean(&k);
	sk_put64(&k, k.ref_data, sk_get64(&k, k.ref_data) + 1);
	synth_add_symbol_sized(k.t, "memunmap_pages", fn, 0x200);
	/* the process sleeps in D state with a return address into
	 * memunmap_pages() and the pgmap on its stack */
	sk_put32(&k, k.task + 0x50, 2);
	stack = sk_get64(&k, k.task + 0x58);
	sk_put64(&k, stack + 0x3f00, fn + 0x57);
	sk_put64(&k, stack + 0x3f08, k.pgmap);
	scan(&k, &r);
	assert_int_equal(r.s.nstuck, 1);
	assert_int_equal(r.s.stuck[0].pgmap, k.pgmap);
	assert_int_equal(r.s.nfindings, 2);
	assert_string_equal(r.s.findings[1].id, "FS-STUCK-TASK");
	assert_non_null(strstr(r.s.findings[1].evidence, "explained by FS-PGMAP-REF"));
	done(&k, &r);
}

/* Garbage: a cyclic anon_vma tree and a wild compound head end in errors,
 * not hangs or crashes. */
static void test_garbage(void **state)
{
	struct sk k;
	struct run r;
	char err[256];
	uint64_t root;
	(void)state;
	clean(&k);
	root = sk_get64(&k, k.anon_vma + 0x10);
	sk_put64(&k, root + 8, root);	/* rb_right points at itself */
	sk_put64(&k, sk_page(SK_DEV_PFN + 3) + SKP_HEAD, 0xdead000000000001ULL);
	assert_int_equal(fs_profile_from_target(&r.p, k.t, err, sizeof(err)), 0);
	memset(&r.s, 0, sizeof(r.s));
	assert_int_equal(fs_scan_run(&r.s, k.t, &r.p, err, sizeof(err)), 0);
	bool cyc = false, head = false;
	for (size_t i = 0; i < r.s.nfolios; i++)
		cyc |= r.s.folios[i].rmap_err && strstr(r.s.folios[i].rmap_err, "corrupt or cyclic") != NULL;
	for (size_t i = 0; i < r.s.nerrors; i++)
		head |= strstr(r.s.errors[i], "corrupt compound head") != NULL;
	assert_true(cyc);
	assert_true(head);
	done(&k, &r);
}

/* Live kernels (confirm.c): a finding the second read also shows is
 * confirmed; one it does not show is transient and leaves the exit status
 * alone. The transient case needs a state that changes between two reads:
 * here two synthetic kernels stand for the two reads. */
static void scan_live(struct sk *k, struct run *r, bool live)
{
	char err[256];

	k->t->live = live;
	assert_int_equal(fs_profile_from_target(&r->p, k->t, err, sizeof(err)), 0);
	memset(&r->s, 0, sizeof(r->s));
	assert_int_equal(fs_scan_run_live(&r->s, k->t, &r->p, -1, err, sizeof(err)), 0);
	assert_int_equal(r->s.live && r->s.second_read, live);
	assert_int_equal(r->s.nfindings, 1);
	assert_false(r->s.findings[0].transient);
	assert_int_equal(fs_scan_exit_status(&r->s), 1);
}

/* Live: the finding comes back on the second read and is confirmed. A dump
 * (live false) is never re-read. */
static void test_live_confirmed(void **state)
{
	struct sk k;
	struct run r;
	(void)state;
	for (int live = 0; live < 2; live++) {
		clean(&k);
		sk_set_counts(&k, SMALL, 1, 0);
		sk_put32(&k, sk_page(SMALL) + SKP_REFCOUNT, 2);
		scan_live(&k, &r, live);
		done(&k, &r);
	}
}

/* A pgmap finding on a still kernel: the ref and the census of its struct
 * pages re-read five times agree with the second scan, so it is confirmed. */
static void test_live_pgmap_confirmed(void **state)
{
	struct sk k;
	struct run r;
	(void)state;
	clean(&k);
	sk_put64(&k, k.ref_data, sk_get64(&k, k.ref_data) + 1);
	scan_live(&k, &r, true);
	assert_string_equal(r.s.findings[0].id, "FS-PGMAP-REF");
	assert_int_equal(fs_scan_pgmap_census(&r.s, 0, NULL), r.s.stats[0].expected_ref);
	done(&k, &r);
}

static void test_live_transient(void **state)
{
	struct sk k1, k2;
	struct run r1, r2;
	(void)state;
	clean(&k1);
	sk_set_counts(&k1, SMALL, 1, 0);	/* read 1: caught mid-update */
	sk_put32(&k1, sk_page(SMALL) + SKP_REFCOUNT, 2);
	clean(&k2);				/* read 2: consistent again */
	sk_set_pte(&k2, THP_VA + 0x200000, sk_entry(DW, SK_DEV_PFN + 0x3ff));	/* and a new one */
	scan(&k1, &r1);
	scan(&k2, &r2);
	assert_int_equal(r1.s.nfindings, 1);
	assert_int_equal(fs_scan_exit_status(&r1.s), 1);
	assert_int_equal(fs_scan_confirm(&r1.s, &r2.s), 1);
	assert_true(r1.s.findings[0].transient);
	assert_int_equal(fs_scan_exit_status(&r1.s), 0);
	/* what only the second read showed is counted in errors, not reported */
	assert_true(r2.s.nfindings > 0);
	assert_int_equal(r1.s.nerrors, 1);
	assert_non_null(strstr(r1.s.errors[0], "only on the second read"));
	done(&k1, &r1);
	done(&k2, &r2);
}

/* r2: a second scan of k with r1's profile, as a live scan's confirming
 * read is (confirm.c); the state may be changed between the two. */
static void second_read(struct sk *k, struct run *r1, struct run *r2)
{
	char err[256];

	r2->p = r1->p;
	memset(&r2->s, 0, sizeof(r2->s));
	assert_int_equal(fs_scan_run(&r2->s, k->t, &r2->p, err, sizeof(err)), 0);
}

/* A mapcount finding whose missing entry the reverse map reaches at
 * confirmation time was a stale forward walk, not a bug: transient. The
 * same state left alone is confirmed. */
static void test_live_missing_entry_reappears(void **state)
{
	struct sk k;
	struct run r1, r2;
	(void)state;
	for (int reappear = 0; reappear < 2; reappear++) {
		clean(&k);
		sk_set_pte(&k, VA, 0);		/* the forward walk saw no entry */
		scan(&k, &r1);
		second_read(&k, &r1, &r2);
		assert_int_equal(r1.s.nfindings, 1);
		assert_string_equal(r1.s.findings[0].id, "FS-MAPCOUNT");
		if (reappear)
			sk_set_pte(&k, VA, sk_entry(DW, SMALL));	/* ...but it is there now */
		assert_int_equal(fs_scan_confirm(&r1.s, &r2.s), (unsigned)reappear);
		assert_int_equal(r1.s.findings[0].transient, reappear == 1);
		fs_scan_free(&r2.s);
		done(&k, &r1);
	}
}

/* A device page freed and reused between the two reads shows the same
 * counts (the same evidence) at another index: that is another state, not
 * the first one persisting, so the finding is transient. Reused at the same
 * index, it is the state the first read saw, and is confirmed. */
static void test_live_reused_folio(void **state)
{
	struct sk k;
	struct run r1, r2;
	(void)state;
	for (int moved = 0; moved < 2; moved++) {
		clean(&k);
		sk_set_pte(&k, VA, 0);		/* mapcount 1, no entry: FS-MAPCOUNT */
		scan(&k, &r1);
		if (moved)
			sk_put64(&k, sk_page(SMALL) + SKP_INDEX, sk_get64(&k, sk_page(SMALL) + SKP_INDEX) + 0x35);
		second_read(&k, &r1, &r2);
		assert_int_equal(r1.s.nfindings, 1);
		assert_int_equal(r2.s.nfindings, 1);
		assert_string_equal(r1.s.findings[0].evidence, r2.s.findings[0].evidence);
		assert_int_equal(fs_scan_confirm(&r1.s, &r2.s), (unsigned)moved);
		assert_int_equal(r1.s.findings[0].transient, moved == 1);
		fs_scan_free(&r2.s);
		done(&k, &r1);
	}
}

/* The folio and its (missing) entry stay as they were, but the entry where
 * its reverse map says it is mapped changes during the hold: that address
 * is being remapped, the folio's state is in motion, the finding transient.
 * Left alone (test_live_missing_entry_reappears) it is confirmed. */
static void test_live_rmap_view_moves(void **state)
{
	struct sk k;
	struct run r1, r2;
	(void)state;
	clean(&k);
	sk_set_pte(&k, VA, 0);
	scan(&k, &r1);
	second_read(&k, &r1, &r2);
	assert_int_equal(r1.s.nfindings, 1);
	assert_string_equal(r1.s.findings[0].id, "FS-MAPCOUNT");
	sk_set_pte(&k, VA, sk_entry(DR, SK_DEV_PFN + 7));	/* another page there now */
	assert_int_equal(fs_scan_confirm(&r1.s, &r2.s), 1);
	assert_true(r1.s.findings[0].transient);
	fs_scan_free(&r2.s);
	done(&k, &r1);
}

/* A pgmap finding whose reference count and census stay right, while a
 * struct page of the pgmap changes after the (live) second read: the pool
 * is in use, the finding transient. */
static void test_live_pgmap_pool_moves(void **state)
{
	struct sk k;
	struct run r1, r2;
	(void)state;
	clean(&k);
	sk_put64(&k, k.ref_data, sk_get64(&k, k.ref_data) + 1);
	scan(&k, &r1);
	k.t->live = true;	/* the second read digests the struct pages */
	second_read(&k, &r1, &r2);
	assert_int_equal(r1.s.nfindings, 1);
	assert_string_equal(r1.s.findings[0].id, "FS-PGMAP-REF");
	sk_put64(&k, sk_page(SK_DEV_PFN + 9) + SKP_INDEX, 0x1234);	/* a free page touched */
	assert_int_equal(fs_scan_confirm(&r1.s, &r2.s), 1);
	assert_true(r1.s.findings[0].transient);
	fs_scan_free(&r2.s);
	done(&k, &r1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_mapcount),
		cmocka_unit_test(test_entire_mapcount),
		cmocka_unit_test(test_page_mapcount),
		cmocka_unit_test(test_refcount),
		cmocka_unit_test(test_negative),
		cmocka_unit_test(test_pmd_not_head),
		cmocka_unit_test(test_exclusive_device_page),
		cmocka_unit_test(test_outside_pgmap),
		cmocka_unit_test(test_write_shared),
		cmocka_unit_test(test_migration_unlocked),
		cmocka_unit_test(test_frozen_folio),
		cmocka_unit_test(test_free_page_mapped),
		cmocka_unit_test(test_stale_compound),
		cmocka_unit_test(test_deferred_split),
		cmocka_unit_test(test_pgmap_ref),
		cmocka_unit_test(test_folio_index),
		cmocka_unit_test(test_pgmap_hint),
		cmocka_unit_test(test_grouping_counts),
		cmocka_unit_test(test_plain_free_pages),
		cmocka_unit_test(test_rmap_invisible),
		cmocka_unit_test(test_invalid_entry),
		cmocka_unit_test(test_present_device_page),
		cmocka_unit_test(test_stuck_task),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_live_confirmed),
		cmocka_unit_test(test_live_pgmap_confirmed),
		cmocka_unit_test(test_live_transient),
		cmocka_unit_test(test_live_missing_entry_reappears),
		cmocka_unit_test(test_live_reused_folio),
		cmocka_unit_test(test_live_rmap_view_moves),
		cmocka_unit_test(test_live_pgmap_pool_moves),
	};
	return cmocka_run_group_tests_name("checks", tests, NULL, NULL);
}
