// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check.c - one function per finding (docs/checks.md is the catalog; the
 * IDs are a contract shared with the drgn helpers). Each compares the
 * forward map, the reverse map and the kernel's own counters, and records
 * the evidence a kernel developer needs to accept or reject the finding.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folioscope/json.h"
#include "folioscope/scan.h"

const char *fs_severity_name(enum fs_severity s)
{
	switch (s) {
	case FS_SEV_INFO: return "info";
	case FS_SEV_WARNING: return "warning";
	case FS_SEV_ERROR: return "error";
	}
	return "?";
}

struct check_def {
	const char *id;
	enum fs_severity sev;
	const char *title;
	const char *next;
	const char *bug;
};

/* The catalog (keep in step with docs/checks.md and drgn-helpers). */
static const struct check_def C_MAPCOUNT = { "FS-MAPCOUNT", FS_SEV_ERROR,
	"folio mapcount differs from the page-table entries that map it",
	"compare the entries listed with the folio's counters; a split or zap path that skipped (or repeated) an rmap update is the usual cause",
	"B6/B9: rmap accounting on device-private split/zap (\"mm: support device-private THP\" review)" };
static const struct check_def C_ENTIRE = { "FS-ENTIRE-MAPCOUNT", FS_SEV_ERROR,
	"entire mapcount differs from the PMD entries that map the folio",
	"look at the PMD entries listed; __split_huge_pmd_locked()/zap_huge_pmd() must drop the entire mapcount exactly once",
	"B5/B6: zap_huge_pmd() device-private branch" };
static const struct check_def C_PAGE_MAPCOUNT = { "FS-PAGE-MAPCOUNT", FS_SEV_ERROR,
	"a page's own mapcount differs from the PTEs and PMDs that map it",
	"check per-page accounting after a PMD split into device-private PTEs",
	"B9: split with device-private entries still mapping the folio" };
static const struct check_def C_REFCOUNT = { "FS-REFCOUNT", FS_SEV_ERROR,
	"refcount is below the number of mappings",
	"every present or device-private mapping holds a folio reference; look for a put without an unmap (or a lost get on fork)",
	"B5: folio_put ordered before the counter update in zap_huge_pmd()" };
static const struct check_def C_NEGATIVE = { "FS-NEGATIVE-MAPCOUNT", FS_SEV_ERROR,
	"a mapcount went below zero",
	"an rmap removal ran twice (zap + split); the kernel WARNs on folio_mapcount() < 0",
	"B6: rmap removal done twice" };
static const struct check_def C_PMD_HEAD = { "FS-PMD-NOT-HEAD", FS_SEV_ERROR,
	"a device-private PMD entry does not point at the PMD-aligned head of a PMD-order folio",
	"page_vma_mapped_walk()'s check_pmd() would miss it; look at the code that installed the PMD (migrate_vma_insert_huge_pmd_page, remove_migration_pmd)",
	"B2/B11: PMD entry pointing at a tail page, pmd_pfn() on a swap PMD" };
static const struct check_def C_EXCL_DEVICE = { "FS-EXCLUSIVE-DEVICE-PAGE", FS_SEV_ERROR,
	"a device-exclusive entry points at a ZONE_DEVICE page",
	"device-exclusive entries are made by make_device_exclusive() on ordinary pages only; a split or mprotect path produced one from a device-private entry",
	"B3/B4: device-exclusive entries produced by __split_huge_pmd_locked()/change_huge_pmd()" };
static const struct check_def C_OUTSIDE = { "FS-DEVICE-ENTRY-OUTSIDE-PGMAP", FS_SEV_ERROR,
	"a device-private entry points outside every MEMORY_DEVICE_PRIVATE pgmap",
	"the PFN is not device-private memory: a corrupt entry, a wrong swap-type table, or a pgmap already torn down",
	NULL };
static const struct check_def C_WRITE_SHARED = { "FS-WRITE-ENTRY-SHARED", FS_SEV_ERROR,
	"a writable device-private entry maps a folio that several processes map",
	"fork must turn writable device-private entries into read entries in both processes (copy_nonpresent_pte / copy_huge_pmd)",
	"B2: the write bit forged or kept (remove_migration_pmd(), copy_huge_pmd())" };
static const struct check_def C_MIGRATION_UNLOCKED = { "FS-MIGRATION-UNLOCKED", FS_SEV_WARNING,
	"a migration entry points at a folio that is not locked",
	"a migration holds the folio lock until it removes its entries: an unlocked folio means the entry was left behind (tasks touching it wait forever in migration_entry_wait)",
	"B1: migrate_vma collection left a migration PTE behind" };
static const struct check_def C_FREE_MAPPED = { "FS-FREE-PAGE-MAPPED", FS_SEV_ERROR,
	"a page-table entry points at a device page whose folio is free (refcount 0)",
	"the folio was freed while mapped: look for an extra put or a missed unmap",
	"B7/B8: device folio freed while still referenced" };
static const struct check_def C_STALE = { "FS-STALE-COMPOUND", FS_SEV_ERROR,
	"a free device folio still carries state of its last use (mapping or mapcount)",
	"free_zone_device_folio() must clear it; a folio freed or reused without being reinitialised keeps it",
	"B8/B15: \"mm/zone_device: Reinitialize large zone device private folios\"" };
static const struct check_def C_DEFERRED = { "FS-DEFERRED-SPLIT-DEVICE", FS_SEV_ERROR,
	"a device-private folio is on a deferred-split queue",
	"device-private folios do not support deferred splitting (__folio_remove_rmap excludes them in 7.2)",
	"B10: partial munmap left to deferred split" };
static const struct check_def C_PGMAP_REF = { "FS-PGMAP-REF", FS_SEV_ERROR,
	"pgmap reference count differs from 1 + pages of its allocated folios",
	"memunmap_pages() waits for this count to reach zero: a leaked reference hangs it; look for get/put imbalance in zone_device_*_init / free_zone_device_folio",
	"B7: pgmap reference imbalance" };
static const struct check_def C_RMAP_INVISIBLE = { "FS-RMAP-INVISIBLE", FS_SEV_ERROR,
	"an entry maps the folio but its reverse map cannot reach it",
	"the VMA is missing from the folio's anon_vma tree, or folio->index/mapping is stale: migration and unmap will miss this entry",
	"B12: rmap walkers that do not see device-private entries" };
static const struct check_def C_INVALID = { "FS-INVALID-ENTRY", FS_SEV_WARNING,
	"a non-present entry the kernel never creates",
	"unknown swap type, reserved bits set, or a kind not allowed at this level: corruption, or a profile that does not match the kernel (check 'profile:')",
	NULL };
static const struct check_def C_PRESENT_DEVICE = { "FS-PRESENT-DEVICE-PAGE", FS_SEV_ERROR,
	"a present entry maps a device-private page, which the CPU cannot access",
	"device-private memory must only be mapped through device-private swap entries",
	NULL };

static const struct check_def C_STUCK = { "FS-STUCK-TASK", FS_SEV_WARNING,
	"a task sleeps uninterruptibly where device-private state makes tasks wait",
	"the finding named in the evidence explains the wait when there is one; otherwise look at the entry or pgmap it waits on",
	NULL };

static struct fs_finding *add(struct fs_scan *s, const struct check_def *d, uint64_t pfn, const char *subject_fmt, ...)
	__attribute__((format(printf, 4, 5)));

static struct fs_finding *add(struct fs_scan *s, const struct check_def *d, uint64_t pfn, const char *subject_fmt, ...)
{
	struct fs_finding *f;
	va_list ap;

	if (s->nfindings == s->capfindings) {
		size_t cap = s->capfindings ? s->capfindings * 2 : 16;
		struct fs_finding *n = realloc(s->findings, cap * sizeof(*n));
		if (!n)
			return NULL;
		s->findings = n;
		s->capfindings = cap;
	}
	f = &s->findings[s->nfindings++];
	memset(f, 0, sizeof(*f));
	f->id = d->id;
	f->severity = d->sev;
	f->title = d->title;
	f->next = d->next;
	f->bug = d->bug;
	f->pfn = pfn;
	va_start(ap, subject_fmt);
	vsnprintf(f->subject, sizeof(f->subject), subject_fmt, ap);
	va_end(ap);
	return f;
}

static void evidence(struct fs_finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void evidence(struct fs_finding *f, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	if (!f)
		return;
	n = strlen(f->evidence);
	if (n + 3 >= sizeof(f->evidence))
		return;
	if (n) {
		f->evidence[n++] = ';';
		f->evidence[n++] = ' ';
		f->evidence[n] = 0;
	}
	va_start(ap, fmt);
	vsnprintf(f->evidence + n, sizeof(f->evidence) - n, fmt, ap);
	va_end(ap);
}

/*
 * Entry-level checks report once per (check, folio): a split that produced
 * 512 bad PTEs is one bug in one folio. The evidence names the first few
 * entries and the count. Entries with no folio are reported one by one.
 */
#define ENTRY_EVIDENCE_MAX 3

static struct fs_finding *add_entry(struct fs_scan *s, const struct check_def *d, const struct fs_scan_folio *sf,
				    const struct fs_mapping *m)
{
	struct fs_finding *x;

	if (sf) {
		for (size_t i = 0; i < s->nfindings; i++) {
			x = &s->findings[i];
			if (x->id == d->id && x->pfn == sf->f.head_pfn && x->entries) {
				x->entries++;
				return x->entries <= ENTRY_EVIDENCE_MAX ? x : NULL;
			}
		}
		x = add(s, d, sf->f.head_pfn, "folio pfn 0x%" PRIx64, sf->f.head_pfn);
	} else {
		x = add(s, d, 0, "pid %d 0x%" PRIx64, fs_scan_map_owner(s, m)->pid, m->vaddr);
	}
	if (x)
		x->entries = 1;
	return x;
}

static void close_entry_groups(struct fs_scan *s)
{
	for (size_t i = 0; i < s->nfindings; i++)
		if (s->findings[i].entries > ENTRY_EVIDENCE_MAX)
			evidence(&s->findings[i], "%u entries in all", s->findings[i].entries);
}

/* "pid 38 0x100000000000 pmd device-private-read" for the first few entries */
static void list_entries(struct fs_scan *s, struct fs_finding *f, int folio)
{
	int shown = 0, total = 0;
	const struct fs_mapping *m;

	for (size_t k = 0; (m = fs_scan_next_map(s, folio, &k));) {
		total++;
		if (shown < 4) {
			evidence(f, "pid %d (%s) 0x%" PRIx64 " %s %s", fs_scan_map_owner(s, m)->pid, fs_scan_map_owner(s, m)->comm, m->vaddr,
				 fs_level_name(m->e.level), fs_entry_kind_name(m->e.kind));
			shown++;
		}
	}
	if (total > shown)
		evidence(f, "and %d more entries", total - shown);
}

static void check_folio_counts(struct fs_scan *s, int i)
{
	struct fs_scan_folio *sf = &s->folios[i];
	const struct fs_folio *f = &sf->f;
	int entries = sf->pte_maps + sf->pmd_maps;
	/* the mappings the folio counts: not migration entries (scan.c) */
	int pte = sf->pte_maps - sf->mig_pte, pmd = sf->pmd_maps - sf->mig_pmd, mapped = pte + pmd;
	char mig[80] = "";
	bool large_scheme = s->mm.large_mapcount != FS_NOFIELD;	/* 6.11+ */
	struct fs_finding *x;

	if (!f->zone_device)
		return;	/* ordinary folios are mapped by more than we record */
	if (f->folio_mapcount < 0 || (f->has_large && (f->entire_mapcount < 0 || f->nr_pages_mapped_raw < 0))) {
		x = add(s, &C_NEGATIVE, f->head_pfn, "folio pfn 0x%" PRIx64, f->head_pfn);
		evidence(x, "folio mapcount %d, entire mapcount %d, _nr_pages_mapped %d, refcount %d",
			 f->folio_mapcount, f->entire_mapcount, f->nr_pages_mapped_raw, f->refcount);
	}
	if (!fs_folio_held(f) && entries > 0) {
		x = add(s, &C_FREE_MAPPED, f->head_pfn, "folio pfn 0x%" PRIx64, f->head_pfn);
		evidence(x, "refcount %d, %d entries map it", f->refcount, entries);
		list_entries(s, x, i);
		return;
	}
	/* include/linux/mm.h folio_mapcount(): _large_mapcount + 1 counts every
	 * PTE and PMD mapping (6.11+); small folios count in _mapcount. Device-
	 * private entries are rmap-tracked mappings like present ones
	 * (migrate_vma_insert_page(): folio_add_new_anon_rmap). */
	if (sf->mig_pte + sf->mig_pmd)
		snprintf(mig, sizeof(mig), " (and %d migration entries, which hold no mapcount)",
			 sf->mig_pte + sf->mig_pmd);
	if ((!f->has_large || large_scheme) && f->folio_mapcount >= 0 && f->folio_mapcount != mapped) {
		x = add(s, &C_MAPCOUNT, f->head_pfn, "folio pfn 0x%" PRIx64, f->head_pfn);
		evidence(x, "order %d, folio_mapcount %d, found %d PTE + %d PMD entries%s", f->order, f->folio_mapcount,
			 pte, pmd, mig);
		list_entries(s, x, i);
	}
	if (f->has_large && f->entire_mapcount >= 0 && f->entire_mapcount != pmd) {
		x = add(s, &C_ENTIRE, f->head_pfn, "folio pfn 0x%" PRIx64, f->head_pfn);
		evidence(x, "entire_mapcount %d, found %d PMD entries%s", f->entire_mapcount, pmd, mig);
		list_entries(s, x, i);
	}
	/* every mapping, counted by the page tables or by the folio itself,
	 * holds a reference: refcount >= max(mappings, folio_mapcount); a
	 * migration entry's reference went with its rmap (folio_put above) */
	if (f->refcount >= 0 && (f->refcount < mapped || f->refcount < f->folio_mapcount)) {
		x = add(s, &C_REFCOUNT, f->head_pfn, "folio pfn 0x%" PRIx64, f->head_pfn);
		evidence(x, "refcount %d, folio_mapcount %d, %d entries (each mapping holds a reference)%s", f->refcount,
			 f->folio_mapcount, mapped, mig);
		list_entries(s, x, i);
	}
	if (sf->write_maps > 0 && sf->nmm > 1) {
		x = add(s, &C_WRITE_SHARED, f->head_pfn, "folio pfn 0x%" PRIx64, f->head_pfn);
		evidence(x, "%d device-private-write entries; %d processes map the folio", sf->write_maps, sf->nmm);
		list_entries(s, x, i);
	}
	if (f->has_large && f->on_deferred_list) {
		x = add(s, &C_DEFERRED, f->head_pfn, "folio pfn 0x%" PRIx64, f->head_pfn);
		evidence(x, "order %d, _deferred_list not empty, mapcount %d", f->order, f->folio_mapcount);
	}
	/* every record marked seen: none to report (and none to load) */
	if (sf->rmap_done && !sf->rmap_err && (size_t)sf->rmap_marked != fs_scan_folio_nmaps(s, i)) {
		const struct fs_mapping *m;
		for (size_t k = 0; (m = fs_scan_next_map(s, i, &k));) {
			if (fs_scan_map_seen(s, (size_t)(m - s->maps)))
				continue;
			x = add_entry(s, &C_RMAP_INVISIBLE, sf, m);
			evidence(x, "pid %d 0x%" PRIx64 " %s %s entry 0x%" PRIx64 " maps folio pfn 0x%" PRIx64 " (anon_vma 0x%" PRIx64
				 ", index 0x%" PRIx64 ") but no VMA in its anon_vma tree reaches it",
				 fs_scan_map_owner(s, m)->pid, m->vaddr, fs_level_name(m->e.level), fs_entry_kind_name(m->e.kind), m->e.raw, f->head_pfn,
				 f->mapping & ~s->mm.mapping_flags, f->index);
		}
	}
}

/* Per-page mapcounts of a PTE-mapped large device folio (CONFIG_PAGE_MAPCOUNT). */
static void check_page_mapcounts(struct fs_scan *s, int i)
{
	struct fs_scan_folio *sf = &s->folios[i];
	int bad = 0;
	struct fs_finding *x = NULL;

	if (!sf->f.zone_device || !sf->page_ptes || sf->f.nr_pages > 512)
		return;
	if (s->p->ikconfig && fs_kconfig_bool(s->p->ikconfig, "NO_PAGE_MAPCOUNT") == 1)
		return;	/* 7.x: per-page mapcounts are not kept */
	for (uint64_t k = 0; k < sf->f.nr_pages; k++) {
		struct fs_folio pf;
		int want = sf->page_ptes[k] + sf->pmd_maps - sf->mig_pmd;
		if (fs_folio_read(s->t, s->p, &s->mm, sf->f.head_pfn + k, &pf))
			continue;
		if (pf.page_mapcount != want) {
			if (!bad++) {
				x = add(s, &C_PAGE_MAPCOUNT, sf->f.head_pfn, "folio pfn 0x%" PRIx64, sf->f.head_pfn);
				evidence(x, "page pfn 0x%" PRIx64 ": _mapcount+1 = %d, mapped by %d PTE + %d PMD entries",
					 pf.pfn, pf.page_mapcount, sf->page_ptes[k], sf->pmd_maps - sf->mig_pmd);
			}
		}
	}
	if (bad > 1)
		evidence(x, "%d pages of %" PRIu64 " disagree", bad, sf->f.nr_pages);
}

static void check_entries(struct fs_scan *s)
{
	struct fs_pgmap_hint hint = { 0 };

	for (size_t i = 0; i < s->nmaps; i++) {
		const struct fs_mapping *m = &s->maps[i];
		const struct fs_entry *e = &m->e;
		const struct fs_scan_folio *sf = m->folio >= 0 ? &s->folios[m->folio] : NULL;
		struct fs_finding *x;

		if (e->kind == FS_ENT_UNKNOWN || e->extra_bits || (e->level == FS_LVL_PMD && e->pmd_invalid_kind)) {
			x = add_entry(s, &C_INVALID, sf, m);
			evidence(x, "pid %d 0x%" PRIx64 " %s entry 0x%" PRIx64 " decodes as %s (type %d)%s%s", fs_scan_map_owner(s, m)->pid,
				 m->vaddr, fs_level_name(e->level), e->raw,
				 fs_entry_kind_name(e->kind), e->type, e->extra_bits ? ", reserved offset bits set" : "",
				 e->pmd_invalid_kind ? ", a kind the kernel never puts in a PMD" : "");
		}
		if (e->kind == FS_ENT_PRESENT) {
			x = add_entry(s, &C_PRESENT_DEVICE, sf, m);
			evidence(x, "pid %d 0x%" PRIx64 " %s entry 0x%" PRIx64 " maps pfn 0x%" PRIx64
				 " of a device-private pgmap", fs_scan_map_owner(s, m)->pid, m->vaddr, fs_level_name(e->level), e->raw, e->pfn);
			continue;
		}
		if (!sf)
			continue;
		if (fs_kind_is_device_private(e->kind)) {
			const struct fs_pgmap *pm = fs_pgmap_of_pfn_hinted(s->pgmaps, e->pfn, &hint);
			if (!sf->f.zone_device || !pm || !pm->is_private) {
				x = add_entry(s, &C_OUTSIDE, sf, m);
				evidence(x, "pid %d 0x%" PRIx64 " %s entry 0x%" PRIx64 " -> pfn 0x%" PRIx64 ": zone %d%s, %s",
					 fs_scan_map_owner(s, m)->pid, m->vaddr, fs_level_name(e->level), e->raw, e->pfn, sf->f.zone,
					 sf->f.zone_device ? " (ZONE_DEVICE)" : "",
					 pm ? "pgmap is not MEMORY_DEVICE_PRIVATE" : "no pgmap covers it");
			}
			if (e->level == FS_LVL_PMD &&
			    (e->pfn != sf->f.head_pfn || sf->f.order != 9 || (e->pfn & 511) || (m->vaddr & 0x1fffff))) {
				x = add_entry(s, &C_PMD_HEAD, sf, m);
				evidence(x, "pid %d 0x%" PRIx64 " PMD entry 0x%" PRIx64 " -> pfn 0x%" PRIx64
					 "; folio head pfn 0x%" PRIx64 " order %d%s", fs_scan_map_owner(s, m)->pid, m->vaddr, e->raw, e->pfn,
					 sf->f.head_pfn, sf->f.order,
					 e->pfn != sf->f.head_pfn ? " (entry points at a tail page)" : "");
			}
		}
		if (fs_kind_is_device_exclusive(e->kind) && sf->f.zone_device) {
			x = add_entry(s, &C_EXCL_DEVICE, sf, m);
			evidence(x, "pid %d 0x%" PRIx64 " %s %s entry 0x%" PRIx64 " -> pfn 0x%" PRIx64 " in pgmap 0x%" PRIx64,
				 fs_scan_map_owner(s, m)->pid, m->vaddr, fs_level_name(e->level), fs_entry_kind_name(e->kind), e->raw, e->pfn,
				 sf->pgmap);
		}
		if (fs_kind_is_migration(e->kind) && !sf->f.locked) {
			x = add_entry(s, &C_MIGRATION_UNLOCKED, sf, m);
			evidence(x, "pid %d 0x%" PRIx64 " %s %s entry 0x%" PRIx64 " -> folio pfn 0x%" PRIx64
				 " (order %d, refcount %d) without PG_locked", fs_scan_map_owner(s, m)->pid, m->vaddr, fs_level_name(e->level),
				 fs_entry_kind_name(e->kind), e->raw, sf->f.head_pfn, sf->f.order, sf->f.refcount);
		}
	}
}

static void check_pgmaps(struct fs_scan *s)
{
	if (!s->device_pages_read)
		return;
	for (int i = 0; i < s->pgmaps->n; i++) {
		const struct fs_pgmap *pm = &s->pgmaps->map[i];
		const struct fs_pgmap_stats *st = &s->stats[i];
		struct fs_finding *x;

		int64_t expected = st->expected_ref;	/* without the initial ref when dead */
		bool dead = pm->ref.mode == FS_REF_DEAD;

		if (!pm->is_private || pm->ref_err[0] || pm->ref.mode == FS_REF_EXITED)
			continue;
		if (pm->ref.value != expected) {
			x = add(s, &C_PGMAP_REF, 0, "pgmap 0x%" PRIx64, pm->addr);
			evidence(x, "percpu_ref %" PRId64 " (%s), expected %" PRId64 " = %s%" PRIu64
				 " pages in %" PRIu64 " allocated folios; difference %+" PRId64,
				 pm->ref.value, fs_ref_mode_name(pm->ref.mode), expected, dead ? "" : "1 + ",
				 st->allocated_pages, st->folios, (int64_t)((uint64_t)pm->ref.value - (uint64_t)expected));
			if (dead)
				evidence(x, "the ref is dead (its initial reference dropped): memunmap_pages() "
					 "is waiting for it to reach zero");
		}
	}
}

/* Free device pages and tails: compound metadata must belong to a live folio. */
static void check_stale(struct fs_scan *s)
{
	for (size_t i = 0; i < s->nfolios; i++) {
		const struct fs_folio *f = &s->folios[i].f;
		struct fs_finding *x;

		if (!f->zone_device || f->refcount != 0 || fs_folio_held(f))
			continue;
		/* a free folio should be unmapped (free_zone_device_folio clears
		 * mapping, 7.2 mm/memremap.c) */
		if (f->mapping || f->folio_mapcount > 0) {
			size_t k = 0;
			if (fs_scan_next_map(s, (int)i, &k))
				continue;	/* FS-FREE-PAGE-MAPPED says it already */
			x = add(s, &C_STALE, f->head_pfn, "device page pfn 0x%" PRIx64, f->head_pfn);
			evidence(x, "refcount 0 but mapping 0x%" PRIx64 ", mapcount %d, order %d", f->mapping,
				 f->folio_mapcount, f->order);
		}
	}
}

/* Tie each stuck task to the finding that explains its wait. */
static void check_stuck(struct fs_scan *s)
{
	size_t before = s->nfindings;

	for (size_t i = 0; i < s->nstuck; i++) {
		const struct fs_stuck *st = &s->stuck[i];
		struct fs_finding *x = add(s, &C_STUCK, 0, "pid %d", st->pid);
		char comm[80];

		fs_escape_text(st->comm, comm, sizeof(comm));
		evidence(x, "pid %d (%s) %s: return address 0x%" PRIx64 " in %s() at stack slot 0x%" PRIx64,
			 st->pid, comm, st->what, st->ret, st->fn, st->slot);
		if (st->pgmap)
			evidence(x, "pgmap 0x%" PRIx64 " is on its stack", st->pgmap);
		for (size_t k = 0; k < before; k++) {
			const struct fs_finding *f = &s->findings[k];
			bool related = !strcmp(st->fn, "memunmap_pages") ? !strcmp(f->id, "FS-PGMAP-REF") &&
				       (!st->pgmap || strstr(f->subject, "pgmap") != NULL) :
				       !strcmp(f->id, "FS-MIGRATION-UNLOCKED");
			if (related)
				evidence(x, "explained by %s on %s", f->id, f->subject);
		}
	}
}

void fs_scan_checks(struct fs_scan *s)
{
	s->nfindings = 0;
	fs_scan_group_maps(s);	/* on failure fs_scan_next_map() scans every map */
	check_entries(s);
	for (size_t i = 0; i < s->nfolios; i++) {
		check_folio_counts(s, (int)i);
		check_page_mapcounts(s, (int)i);
	}
	close_entry_groups(s);
	check_pgmaps(s);
	check_stale(s);
	check_stuck(s);
}
