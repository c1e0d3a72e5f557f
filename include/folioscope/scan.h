/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * scan.h - the whole-dump view: every mm's user page tables walked once
 * (the forward map), every device-private pgmap and its folios, the
 * reverse map of each mapped device folio, and the findings of the checks.
 */
#ifndef FOLIOSCOPE_SCAN_H
#define FOLIOSCOPE_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "folioscope/folio.h"
#include "folioscope/pgmap.h"
#include "folioscope/profile.h"
#include "folioscope/swapent.h"
#include "folioscope/target.h"

#define FS_MAX_TABLES_PER_MM (1u << 20)	/* page-table pages walked per mm */
struct fs_rmap_cache;
/* rmap.c: one grouped map: its vaddr | level, its process, its index in maps[] */
struct fs_fmap_key { uint64_t key; uint32_t mmi, idx; };
struct fs_pfn_window { uint64_t start, pages; uint32_t *slot; };	/* scan.c: slot[pfn - start] = folio + 1 */
#define FS_MAX_RMAP_NODES (1u << 16)	/* anon_vma tree nodes per folio */

/* A process whose page tables the forward walk read: what its maps share. */
struct fs_scan_mm {
	uint64_t mm;
	int pid;			/* first process seen using mm */
	char comm[17];			/* of pid, NUL-terminated */
};

/* One page-table entry of interest found by the forward walk: 64 bytes, a
 * cache line, as the whole-dump scan keeps hundreds of thousands (its mm,
 * pid and comm: fs_scan_map_owner(); the entry's physical address:
 * fs_scan_map_entry_pa()). */
struct fs_mapping {
	uint64_t vaddr;
	struct fs_entry e;
	uint32_t mmi;			/* into scan->mmtab */
	int folio;			/* index into scan->folios, -1 if none */
};
_Static_assert(sizeof(struct fs_mapping) == 64, "a mapping record is one cache line");

/* A device-private (or entry-referenced) folio and what maps it. */
struct fs_scan_folio {
	struct fs_folio f;
	uint64_t pgmap;			/* its pgmap (0: none known) */
	int pte_maps, pmd_maps;		/* entries found by the forward walk */
	int mig_pte, mig_pmd;		/* of which migration entries (hold no mapcount) */
	int write_maps;			/* device-private-write entries */
	int nmm;			/* distinct mms mapping it (saturates at 8) */
	uint32_t mms[8];		/* their processes (mmtab indexes) */
	int rmap_found;			/* entries the reverse walk reached */
	int rmap_marked;		/* forward records it marked seen (fs_scan_map_seen) */
	uint64_t rmap_view;		/* digest of every entry the reverse walk read (confirm.c) */
	char *rmap_err;			/* why the reverse walk failed (at most 159 chars), or NULL (fs_scan_free frees it) */
	int *page_ptes;			/* rmap-counted PTE entries per page (large folios), or NULL */
	bool rmap_done;
};

/* Occupancy map cell states, worst wins (for the HTML report). */
enum fs_cell { FS_CELL_FREE = 0, FS_CELL_ALLOCATED, FS_CELL_MAPPED, FS_CELL_SUSPICIOUS };
#define FS_MAX_CELLS 4096

struct fs_pgmap_stats {
	uint64_t pages, allocated_pages, free_pages, folios, mapped_folios, large_folios;
	int64_t expected_ref;		/* 1 + pages of allocated folios */
	uint64_t census_digest;		/* of the struct pages the last census read (confirm.c) */
	bool census_done;
	/* occupancy map along the pgmap's PFN ranges: cell i covers
	 * pages_per_cell pages starting at range offset i * pages_per_cell */
	uint8_t *cells;
	uint32_t ncells;
	uint64_t pages_per_cell;
};

enum fs_severity { FS_SEV_INFO, FS_SEV_WARNING, FS_SEV_ERROR };

struct fs_finding {
	const char *id;			/* stable ID, docs/checks.md */
	enum fs_severity severity;
	const char *title;
	char subject[96];		/* "folio pfn 0x…", "pgmap 0x…", "pid 38 0x…" */
	char evidence[640];
	const char *next;		/* what to inspect next */
	const char *bug;		/* matching bug class of docs/checks.md, or NULL */
	uint64_t pfn;			/* folio head pfn when the subject is a folio */
	unsigned int entries;		/* entry-level findings: entries grouped into this one */
	bool transient;			/* live: gone on the second read (confirm.c) */
};

/* A task sleeping uninterruptibly in a device-private wait site. */
struct fs_stuck {
	int pid;
	char comm[17];
	uint64_t task;
	const char *fn;			/* the wait site */
	const char *what;		/* human description */
	uint64_t slot, ret;		/* stack slot and the return address found there */
	uint64_t pgmap;			/* a known pgmap found on its stack, or 0 */
};

struct fs_scan {
	struct fs_target *t;
	const struct fs_profile *p;
	struct fs_mm mm;
	struct fs_pgmaps *pgmaps;
	struct fs_pgmap_stats stats[FS_MAX_PGMAPS];
	struct fs_mapping *maps;
	size_t nmaps, capmaps;
	uint64_t *map_pa;		/* physical address of maps[i]'s entry (live targets) */
	size_t cap_map_pa;
	struct fs_scan_mm *mmtab;	/* the processes maps[].mmi names */
	size_t nmmtab;
	struct fs_scan_folio *folios;
	size_t nfolios, capfolios;
	/* head pfn -> folio: direct windows over the device pgmaps' ranges,
	 * where nearly every folio's head is, and an open-addressing index
	 * (index_n entries) for the rest */
	struct fs_pfn_window *win;
	int nwin;
	uint32_t *win_slots;		/* every window's slots, one mapping */
	size_t win_total, win_cap;
	int *index;
	size_t index_cap, index_n;
	struct fs_finding *findings;
	size_t nfindings, capfindings;
	/* coverage */
	unsigned int nmms, ntasks;
	uint64_t tables_read, entries_seen;
	char **errors;			/* what could not be read */
	size_t nerrors;
	struct fs_stuck *stuck;
	size_t nstuck;
	bool progress;			/* print progress to stderr */
	bool device_pages_read;		/* whole pgmap ranges were scanned */
	/* maps grouped by folio (rmap.c): maps[fmap_key[k].idx] for k in
	 * fmap_start[f]..fmap_start[f+1]; the key holds what the rmap matches,
	 * side by side: it would otherwise load every scattered record */
	size_t *fmap_start;
	struct fs_fmap_key *fmap_key;
	/* map_seen[i]: the reverse walk reached maps[i] (JSON seen_by_rmap).
	 * A byte array, not a record field: the rmap marks maps in folio
	 * order, scattered through maps[], and a store into each record cost
	 * 4 ms of a 72 ms scan of the large dump (docs/performance.md) */
	uint8_t *map_seen;
	size_t map_seen_n;
	size_t fmap_alloc;		/* fmap_key/map_seen were sized for this many */
	size_t fmap_nmaps, fmap_nfolios;	/* what the grouping was built for */
	struct fs_rmap_cache *rmap_cache;	/* anon_vma -> VMAs, dumps only (rmap.c) */
	bool rmap_layout_ok;
	uint64_t rmap_off[9];		/* anon_vma / vm_area_struct offsets, once per scan */
	bool live;			/* read from a running kernel */
	bool second_read;		/* live findings were re-read (confirm.c) */
};

/* Build the whole view and run every check. -1 only if nothing could be
 * analysed (layout or profile missing); partial failures land in errors. */
int fs_scan_run(struct fs_scan *s, struct fs_target *t, const struct fs_profile *p, char *err, size_t errlen);
/* Only what one folio needs (for `check PFN` and `rmap PFN`). */
int fs_scan_folio(struct fs_scan *s, struct fs_target *t, const struct fs_profile *p, uint64_t pfn,
		  char *err, size_t errlen);
void fs_scan_free(struct fs_scan *s);
/* fs_scan_run (pfn < 0) or fs_scan_folio (pfn >= 0); on a live target with
 * warning/error findings, a second read confirms them or marks them
 * transient (confirm.c). */
int fs_scan_run_live(struct fs_scan *s, struct fs_target *t, const struct fs_profile *p, int64_t pfn,
		     char *err, size_t errlen);
/* Mark first's findings that second (re-read now) does not confirm as
 * transient; returns how many. */
unsigned int fs_scan_confirm(struct fs_scan *first, struct fs_scan *second);
/* 1 if a confirmed warning or error finding exists, else 0 (docs/cli.md). */
int fs_scan_exit_status(const struct fs_scan *s);

/* pieces, exposed for the front ends and tests */
int fs_scan_forward(struct fs_scan *s);
int fs_scan_rmap(struct fs_scan *s, size_t folio_index);
void fs_scan_checks(struct fs_scan *s);
void fs_scan_stuck(struct fs_scan *s);
/* Fill the occupancy maps from the folios and findings (after the checks). */
void fs_scan_occupancy(struct fs_scan *s);
int fs_scan_add_folio(struct fs_scan *s, uint64_t pfn);
/* The index of the folio whose head is head_pfn in s->folios, or -1. */
int fs_scan_find_folio(const struct fs_scan *s, uint64_t head_pfn);
/* 1 + pages of pgmap pi's allocated folios (the pages alone if its ref is
 * dead), counted afresh without touching s; -1 if a page is unreadable.
 * digest (if not NULL) receives a digest of the struct pages it read. */
int64_t fs_scan_pgmap_census(struct fs_scan *s, int pi, uint64_t *digest);
/* Free the anon_vma cache of a scan (fs_scan_free does it). */
void fs_rmap_cache_free(struct fs_rmap_cache *c);
/* How many maps folio fi has, or SIZE_MAX when the maps are not grouped. */
size_t fs_scan_folio_nmaps(const struct fs_scan *s, int fi);
/* Group maps by folio (fmap_key/fmap_start) after the forward walk; -1 out of memory. */
int fs_scan_group_maps(struct fs_scan *s);
/* Release the grouping (fs_scan_free does it). */
void fs_scan_free_grouping(struct fs_scan *s);
/* The process (mm, pid, comm) whose page tables hold m. */
static inline const struct fs_scan_mm *fs_scan_map_owner(const struct fs_scan *s, const struct fs_mapping *m)
{
	return &s->mmtab[m->mmi];
}
/* The physical address of m's page-table entry (kept for live targets,
 * whose findings confirm.c re-reads; 0 on a dump). */
static inline uint64_t fs_scan_map_entry_pa(const struct fs_scan *s, const struct fs_mapping *m)
{
	return s->map_pa && (size_t)(m - s->maps) < s->cap_map_pa ? s->map_pa[m - s->maps] : 0;
}
/* Did the reverse walk reach maps[i]? */
static inline bool fs_scan_map_seen(const struct fs_scan *s, size_t i)
{
	return i < s->map_seen_n && s->map_seen[i];
}
/* Ask the CPU for the records of folio fi's first nmax maps: a folio's maps
 * lie far apart in maps[], and a loop over folios that reads them (the
 * text report) waits on each record otherwise. Does nothing when the maps
 * are not grouped or fi is out of range. */
void fs_scan_prefetch_maps(const struct fs_scan *s, size_t fi, size_t nmax);
/* The maps of folio fi, one per call from cursor *k (start at 0); NULL at the end. */
const struct fs_mapping *fs_scan_next_map(const struct fs_scan *s, int fi, size_t *k);
const char *fs_severity_name(enum fs_severity s);
void fs_scan_error(struct fs_scan *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
