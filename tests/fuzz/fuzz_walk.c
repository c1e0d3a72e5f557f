// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_walk.c - libFuzzer target: the whole-dump scan over corrupted memory.
 *
 * Builds a valid state of the synthetic 7.2 kernel (tests/unit/synth-kernel.c:
 * a device-private pgmap, an order-0 and an order-9 device folio mapped by
 * device-private entries, a process with page tables and an anon_vma tree),
 * lets the input overwrite bytes of it, then runs what `folioscope scan`
 * runs - profile, pgmap discovery, the page-table walk, the reverse map,
 * the stuck-task search, every check, the occupancy map - and the text, JSON
 * and HTML reports, plus the one-folio view of `check PFN`. Corrupt memory
 * may give any findings and read errors, never a crash, UB, hang or leak.
 *
 * Input: [scenario] then patches until the input ends:
 *   [op] [region] [offset u16] payload
 *   op % 4 == 0  bytes:   [len % 16 + 1] [len bytes]
 *   op % 4 == 1  u64:     [8 bytes]
 *   op % 4 == 2  pointer: [region] [offset u16]  - the address of another
 *                object (or the same), to make cycles and aliasing likely;
 *                with op bit 2 as a page-table entry (physical | 0x67)
 *   op % 4 == 3  small:   [int8] written as a u32 (counts, refcounts, flags)
 * Offsets are taken modulo the region size (u64 and pointer ops: 8-aligned).
 * Scenario bits: 0 fork child sharing the THP (read entries), 1 THP mapped
 * by PTEs, 2 migration entry on the small folio, 3 task stuck in
 * memunmap_pages(), 4 RAM page behind a device entry, 5 verbose reports,
 * 6 HTML report, 7 `check PFN` on a folio the last patch names.
 * With bit 5 the views of `folio`, `pgmap` and `vtop --pid` run too.
 * An odd input length marks the target cacheable, as the kdump backend is.
 */
#include "folioscope/pgtable.h"
#include "folioscope/profile.h"
#include "folioscope/report.h"
#include "folioscope/scan.h"
#include "folioscope/task.h"
#include "fuzz.h"
#include "synth-kernel.h"

#define VA 0x100000000000ULL
#define THP_VA (VA + 0x200000)
#define SMALL (SK_DEV_PFN + 1)
#define THP (SK_DEV_PFN + 0x200)
#define DW 28	/* 7.2, MEMORY_FAILURE=n: device-private write, read 29, migration-read 25 */
#define DR 29
#define MR 25
#define RAM_PFN 0x5000ULL
#define STUCK_FN 0xffffffff81234000ULL

struct region {
	const char *name;
	uint64_t kva, len;
};

enum { NREG = 22 };

/* kva of the table the entry at slot (level shift) of va points to, or 0 */
static uint64_t next_table(struct sk *k, uint64_t table_kva, uint64_t va, int shift)
{
	uint64_t e = sk_get64(k, table_kva + 8 * ((va >> shift) & 511));

	return (e & 1) && !(e & 0x80) ? SK_PAGE_OFFSET + (e & 0x000ffffffffff000ULL) : 0;
}

static int regions(struct sk *k, uint64_t child_pgd_pa, struct region *r)
{
	uint64_t pgd = SK_PAGE_OFFSET + k->pgd_pa, p4d, pud, pmd, pte, avc_rb;
	int n = 0;

	p4d = next_table(k, pgd, VA, 39);	/* 4-level: the PGD entry points at the PUD */
	pud = p4d;
	pmd = pud ? next_table(k, pud, VA, 30) : 0;
	pte = pmd ? next_table(k, pmd, VA, 21) : 0;
	avc_rb = sk_get64(k, k->anon_vma + 0x10);
#define R(nm, a, l) (r[n++] = (struct region){ nm, (a), (l) })
	R("direct-map heap", SK_PAGE_OFFSET + 0x100000, k->next_pa - 0x100000);
	R("device struct pages", sk_page(SK_DEV_PFN), SK_DEV_PAGES * 64);
	R("pgmap", k->pgmap, 0x100);
	R("percpu_ref_data", k->ref_data, 64);
	R("per-CPU counter", k->pcpu_counter, 64);
	R("task", k->task, 0x100);
	R("mm", k->mm, 0x40);
	R("anon_vma", k->anon_vma, 64);
	R("vma", k->vma, 0x80);
	R("anon_vma_chain", avc_rb ? avc_rb - 0x20 : k->anon_vma, 0x40);
	R("small folio page", sk_page(SMALL), 64);
	R("THP head pages", sk_page(THP), 4 * 64);
	R("pgd", pgd, 4096);
	R("pmd table", pmd ? pmd : pgd, 4096);
	R("pte table", pte ? pte : pgd, 4096);
	R("init_task", 0xffffffff82200000ULL, 0x100);
	R("mem_section root", sk_get64(k, 0xffffffff82100000ULL), 4096);
	R("per-cpu/nr_cpu_ids", 0xffffffff82300000ULL, 0x200);
	R("task stack", sk_get64(k, k->task + 0x58), 16384);
	R("mem_section roots", 0xffffffff82100000ULL, 2048 * 8);
	R("child pgd", child_pgd_pa ? SK_PAGE_OFFSET + child_pgd_pa : pgd, 4096);
	R("THP tail pages", sk_page(THP + 4), 508 * 64);
#undef R
	return n;
}

static void build(struct sk *k, uint8_t sc, uint64_t *child)
{
	*child = 0;
	sk_init(k);
	sk_device_folio(k, SMALL, 0, 1, VA);
	sk_set_pte(k, VA, sk_entry(sc & 4 ? MR : DW, SMALL));
	sk_set_counts(k, SMALL, 0, 0);
	sk_device_folio(k, THP, 9, 1, THP_VA);
	if (sc & 2) {
		/* four pages PTE-mapped: one mapping and one reference each */
		for (uint64_t i = 0; i < 4; i++) {
			sk_set_pte(k, THP_VA + 4096 * i, sk_entry(DW, THP + i));
			sk_put32(k, sk_page(THP + i) + SKP_MAPCOUNT, 0);
		}
		sk_set_counts(k, THP, 3, -1);
		sk_put32(k, sk_page(THP) + SKP_REFCOUNT, 4);
	} else {
		sk_set_pmd(k, THP_VA, sk_entry(sc & 1 ? DR : DW, THP));
		sk_set_counts(k, THP, sc & 1 ? 1 : 0, sc & 1 ? 1 : 0);
	}
	if (sc & 1) {
		/* a fork child: with the PMD-mapped THP it maps it too */
		sk_add_process(k, child);
		if (!(sc & 2)) {
			sk_set_pmd_in(k, *child, THP_VA, sk_entry(DR, THP));
			sk_put32(k, sk_page(THP) + SKP_REFCOUNT, 2);
		}
	}
	if (sc & 8) {
		uint64_t stack = sk_get64(k, k->task + 0x58);
		synth_add_symbol_sized(k->t, "memunmap_pages", STUCK_FN, 0x200);
		sk_put32(k, k->task + 0x50, 2);
		sk_put64(k, stack + 0x3f00, STUCK_FN + 0x57);
		sk_put64(k, stack + 0x3f08, k->pgmap);
	}
	if (sc & 16) {
		uint64_t pg = sk_page(RAM_PFN);
		sk_put64(k, pg, 1ULL << 62);
		sk_put64(k, pg + 24, k->anon_vma | 1);
		sk_put32(k, pg + 52, 1);
		sk_set_pte(k, VA + 0x10000, sk_entry(DR, RAM_PFN));
	}
}

/* `folio PFN`, `pgmap` and `vtop --pid` on the scanned state */
static void other_views(struct sk *k, const struct fs_profile *p, struct fs_scan *s, FILE *out)
{
	static const uint64_t vas[] = { VA, THP_VA, THP_VA + 4096, VA + 0x10000 };
	struct fs_task task;
	uint64_t pgd;

	for (size_t i = 0; i < s->nfolios && i < 8; i++) {
		fs_report_folio_text(out, &s->mm, &s->folios[i].f);
		fs_report_folio_json(out, &s->mm, &s->folios[i].f);
	}
	fs_report_pgmap_header(out);
	for (int i = 0; i < s->pgmaps->n; i++) {
		fs_report_pgmap(out, &s->pgmaps->map[i], false);
		fs_report_pgmap(out, &s->pgmaps->map[i], true);
	}
	if (fs_find_task(k->t, k->pid, &task) || !task.mm || fs_mm_pgd(k->t, task.mm, &pgd))
		return;
	fs_report_entry_header(out);
	for (size_t i = 0; i < sizeof(vas) / sizeof(vas[0]); i++) {
		struct fs_walk w;
		int rc = fs_pgtable_walk(k->t, p, pgd, vas[i], &w);

		FZ_CHECK(w.n >= 0 && w.n <= 5 && w.leaf < w.n, "walk of 0x%llx: %d levels, leaf %d",
			 (unsigned long long)vas[i], w.n, w.leaf);
		FZ_CHECK(rc == 0 || memchr(w.err, 0, sizeof(w.err)), "walk error text");
		for (int l = 0; l < w.n; l++)
			fs_report_entry_text(out, &w.lv[l].e);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct region reg[NREG];
	struct fs_profile p;
	struct fs_scan s;
	struct sk k;
	uint64_t child, folio_pfn = SMALL;
	char err[256];
	uint8_t sc;
	int nreg;

	if (size < 1 || size > 4096)
		return 0;
	sc = fz_u8(&in);
	build(&k, sc, &child);
	/* odd-length inputs read through the dump page cache (src/target.c) */
	k.t->cacheable = size & 1;
	nreg = regions(&k, child, reg);
	FZ_CHECK(nreg == NREG, "regions %d", nreg);

	while (fz_left(&in) >= 4) {
		uint8_t op = fz_u8(&in), table = op & 4;
		const struct region *r = &reg[fz_u8(&in) % NREG];
		uint64_t off = fz_u16(&in) % r->len, v;
		uint8_t buf[16];
		size_t len;

		op %= 4;
		if (op) {
			off &= ~7ULL;
			if (off + 8 > r->len)
				continue;
		}
		switch (op) {
		case 0:
			len = fz_u8(&in) % 16 + 1;
			for (size_t i = 0; i < len; i++)
				buf[i] = fz_u8(&in);
			if (off + len > r->len)
				len = r->len - off;
			synth_write_kva(k.t, r->kva + off, buf, len);
			break;
		case 1:
			sk_put64(&k, r->kva + off, fz_u64(&in));
			break;
		case 2: {
			const struct region *to = &reg[fz_u8(&in) % NREG];
			v = to->kva + fz_u16(&in) % to->len;
			if (table && v >= SK_PAGE_OFFSET && v - SK_PAGE_OFFSET < (1ULL << 40))
				v = ((v - SK_PAGE_OFFSET) & ~0xfffULL) | 0x67;
			sk_put64(&k, r->kva + off, v);
			break;
		}
		case 3:
			sk_put32(&k, r->kva + off, (uint32_t)(int32_t)(int8_t)fz_u8(&in));
			break;
		}
		/* the folio `check PFN` looks at: the struct page last patched */
		if (r->kva >= SK_VMEMMAP && r->kva < SK_VMEMMAP + (1ULL << 30))
			folio_pfn = (r->kva + off - SK_VMEMMAP) / 64;
	}

	if (fs_profile_from_target(&p, k.t, err, sizeof(err)) == 0) {
		FILE *out = fz_sink();
		bool verbose = sc & 32;

		memset(&s, 0, sizeof(s));
		if (fs_scan_run(&s, k.t, &p, err, sizeof(err)) == 0) {
			for (size_t i = 0; i < s.nmaps; i++)
				FZ_CHECK(s.maps[i].folio < (int)s.nfolios, "mapping %zu folio %d", i, s.maps[i].folio);
			for (size_t i = 0; i < s.nfindings; i++)
				FZ_CHECK(s.findings[i].id && s.findings[i].title &&
					 memchr(s.findings[i].evidence, 0, sizeof(s.findings[i].evidence)),
					 "finding %zu", i);
			fs_report_scan_text(out, &s, &p, verbose, false);
			fs_report_scan_json(out, &s, &p, verbose);
			if (sc & 64)
				fs_report_scan_html(out, &s, &p);
			if (verbose)
				other_views(&k, &p, &s, out);
		}
		fs_scan_free(&s);
		if (sc & 128 && fs_scan_folio(&s, k.t, &p, folio_pfn, err, sizeof(err)) == 0) {
			fs_report_scan_text(out, &s, &p, verbose, true);
			fs_report_scan_json(out, &s, &p, verbose);
		}
		if (sc & 128)
			fs_scan_free(&s);
	}
	fs_profile_free(&p);
	fs_target_close(k.t);
	return 0;
}
