// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * scan.c - the forward map (every mm's user page tables, walked once by
 * physical address), the folios its entries point at, and the walk over
 * every device-private pgmap's struct pages (include/folioscope/scan.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "folioscope/bigtab.h"
#include "folioscope/digest.h"
#include "folioscope/pgtable.h"
#include "folioscope/scan.h"
#include "folioscope/task.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)
#define MAX_ERRORS 64

void fs_scan_error(struct fs_scan *s, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (s->nerrors >= MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	char **n = realloc(s->errors, (s->nerrors + 1) * sizeof(*n));
	if (!n)
		return;
	s->errors = n;
	s->errors[s->nerrors++] = strdup(buf);
}

/* Room for need elements, doubling. The new capacity is left as realloc
 * gives it (not zeroed: memory nobody writes is never faulted in); callers
 * set every field of an element they add. */
static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return p;
	size_t nc = *cap ? *cap * 2 : 64;
	while (nc < need)
		nc *= 2;
	void *n = realloc(p, nc * elem);
	if (!n) {
		perror("folioscope");
		exit(2);
	}
	*cap = nc;
	return n;
}

/* --- folio index: head pfn -> folios[] -------------------------------- */

/* A window covers one device pgmap range. The slots of all windows are one
 * zero-filled mapping (src/bigtab.c: huge pages from 1 MiB), whose pages
 * are touched only where folios are. Bounds keep garbage ranges from
 * reserving much. */
#define WINDOWS_MAX_PAGES (1ULL << 27)
#define WINDOWS_MAX 64

static size_t hash_pfn(uint64_t pfn, size_t cap)
{
	return (size_t)((pfn * 0x9e3779b97f4a7c15ULL) >> 7) & (cap - 1);
}

/* The slot of pfn in a window, or NULL when no window covers it. */
static uint32_t *window_slot(const struct fs_scan *s, uint64_t pfn)
{
	for (int i = 0; i < s->nwin; i++)
		if (pfn - s->win[i].start < s->win[i].pages)
			return &s->win[i].slot[pfn - s->win[i].start];
	return NULL;
}

/* Windows over every range of the private pgmaps (skipping any that
 * overlaps one already made: a corrupt dump's ranges can). */
static void make_windows(struct fs_scan *s)
{
	struct fs_pfn_window w[WINDOWS_MAX];
	uint64_t total = 0;
	int n = 0;

	for (int i = 0; i < s->pgmaps->n; i++) {
		const struct fs_pgmap *pm = &s->pgmaps->map[i];
		for (int r = 0; pm->is_private && r < pm->nr_range && n < WINDOWS_MAX; r++) {
			uint64_t start = pm->range[r].start >> 12, end = pm->range[r].end >> 12;
			bool overlaps = false;
			if (end < start || end - start >= WINDOWS_MAX_PAGES - total)
				continue;
			for (int k = 0; k < n; k++)
				overlaps |= start < w[k].start + w[k].pages && w[k].start <= end;
			if (overlaps)
				continue;
			w[n++] = (struct fs_pfn_window){ start, end - start + 1, NULL };
			total += end - start + 1;
		}
	}
	if (!n || !(s->win = calloc((size_t)n, sizeof(*s->win))) ||
	    !(s->win_slots = fs_bigtab_zalloc(&s->win_cap, (size_t)total, sizeof(uint32_t)))) {
		free(s->win);
		s->win = NULL;
		return;	/* the hash index takes every folio */
	}
	s->win_total = (size_t)total;
	total = 0;
	for (int k = 0; k < n; k++) {
		w[k].slot = s->win_slots + total;
		total += w[k].pages;
		s->win[k] = w[k];
	}
	s->nwin = n;
}

int fs_scan_find_folio(const struct fs_scan *s, uint64_t head_pfn)
{
	const uint32_t *slot = window_slot(s, head_pfn);

	if (slot)
		return (int)*slot - 1;
	if (!s->index_cap)
		return -1;
	for (size_t i = hash_pfn(head_pfn, s->index_cap);; i = (i + 1) & (s->index_cap - 1)) {
		int v = s->index[i];
		if (v < 0)
			return -1;
		if (s->folios[v].f.head_pfn == head_pfn)
			return v;
	}
}

static void index_put(struct fs_scan *s, int v)
{
	uint32_t *slot = window_slot(s, s->folios[v].f.head_pfn);

	if (slot) {
		*slot = (uint32_t)v + 1;
		return;
	}
	if ((s->index_n + 1) * 2 > s->index_cap) {
		size_t cap = s->index_cap ? s->index_cap * 2 : 1024;
		free(s->index);
		s->index = malloc(cap * sizeof(int));
		if (!s->index) {
			perror("folioscope");
			exit(2);
		}
		memset(s->index, 0xff, cap * sizeof(int));
		s->index_cap = cap;
		for (size_t k = 0; k < s->nfolios; k++) {
			if ((int)k == v || window_slot(s, s->folios[k].f.head_pfn))
				continue;
			size_t i = hash_pfn(s->folios[k].f.head_pfn, cap);
			while (s->index[i] >= 0)
				i = (i + 1) & (cap - 1);
			s->index[i] = (int)k;
		}
	}
	size_t i = hash_pfn(s->folios[v].f.head_pfn, s->index_cap);
	while (s->index[i] >= 0)
		i = (i + 1) & (s->index_cap - 1);
	s->index[i] = v;
	s->index_n++;
}

static int add_snapshot(struct fs_scan *s, const struct fs_folio *f)
{
	int v = fs_scan_find_folio(s, f->head_pfn);

	if (v >= 0)
		return v;
	s->folios = fs_bigtab_grow(s->folios, &s->capfolios, s->nfolios + 1, sizeof(*s->folios));
	v = (int)s->nfolios;
	memset(&s->folios[v], 0, sizeof(s->folios[v]));
	s->folios[v].f = *f;
	s->folios[v].pgmap = f->zone_device ? f->pgmap : 0;
	s->nfolios++;
	index_put(s, v);
	return v;
}

int fs_scan_add_folio(struct fs_scan *s, uint64_t pfn)
{
	struct fs_folio f;
	int v = fs_scan_find_folio(s, pfn);

	/* a head this scan has read already (the pgmap page scan reads every
	 * device folio): no second read. Tails are read: their compound head
	 * is what says which folio they belong to. */
	if (v >= 0)
		return v;

	if (fs_folio_read(s->t, s->p, &s->mm, pfn, &f)) {
		fs_scan_error(s, "pfn 0x%" PRIx64 ": %s", pfn, fs_target_error(s->t));
		return -1;
	}
	/* A folio that claims more pages than any kernel allocates is garbage:
	 * keep it, but do not let it size per-page arrays. */
	if (f.order > 18)
		f.order = 18;
	return add_snapshot(s, &f);
}

/* --- forward walk ----------------------------------------------------- */

struct mm_ctx {
	uint64_t mm;
	int pid;
	char comm[17];
	uint64_t tables;
	bool cut;
	uint32_t mmi;			/* its entry in s->mmtab (what maps name) */
};

static bool interesting(const struct fs_scan *s, const struct fs_entry *e)
{
	if (e->kind == FS_ENT_NONE)
		return false;
	if (e->kind == FS_ENT_PRESENT)	/* a device-private PFN must never be present */
		return e->is_leaf && fs_pgmap_of_pfn(s->pgmaps, e->pfn);
	return e->has_pfn || e->kind == FS_ENT_UNKNOWN || e->extra_bits || e->level == FS_LVL_PMD;
}

static void record(struct fs_scan *s, struct mm_ctx *c, uint64_t va, uint64_t entry_pa, const struct fs_entry *e)
{
	struct fs_mapping *m;

	if (s->nmaps == s->capmaps)
		s->maps = fs_bigtab_grow(s->maps, &s->capmaps, s->nmaps + 1, sizeof(*s->maps));
	/* only a live kernel's findings are confirmed by re-reading entries */
	if (s->t->live) {
		if (s->nmaps == s->cap_map_pa)
			s->map_pa = fs_bigtab_grow(s->map_pa, &s->cap_map_pa, s->nmaps + 1, sizeof(*s->map_pa));
		s->map_pa[s->nmaps] = entry_pa;
	}
	m = &s->maps[s->nmaps++];
	m->vaddr = va;
	m->e = *e;
	m->mmi = c->mmi;
	m->folio = -1;
}

static void walk_table(struct fs_scan *s, struct mm_ctx *c, const enum fs_level *lv, int nlv, int li,
		       uint64_t table_pa, uint64_t base)
{
	uint64_t tbl[512];
	int shift = fs_level_shift(s->p, lv[li]);
	unsigned int n = 512;

	if (c->cut)
		return;
	if (++c->tables > FS_MAX_TABLES_PER_MM) {
		c->cut = true;
		fs_scan_error(s, "pid %d mm 0x%" PRIx64 ": more than %u page tables: walk cut short (corrupt tables?)",
			      c->pid, c->mm, FS_MAX_TABLES_PER_MM);
		return;
	}
	s->tables_read++;
	if (fs_read(s->t, FS_PADDR, table_pa, tbl, sizeof(tbl))) {
		fs_scan_error(s, "pid %d mm 0x%" PRIx64 ": %s table at physical 0x%" PRIx64 " for 0x%" PRIx64 ": %s",
			      c->pid, c->mm, fs_level_name(lv[li]), table_pa, base, fs_target_error(s->t));
		return;
	}
	/* x86_64: user space is the lower half of the top-level table
	 * (arch/x86/include/asm/pgtable_64_types.h); arm64 user tables are
	 * separate (TTBR0) and use the whole table. */
	if (li == 0 && s->p->facts.arch == FS_ARCH_X86_64)
		n = 256;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t raw = tbl[i], va = base + ((uint64_t)i << shift);
		struct fs_entry e;

		if (!raw)
			continue;
		s->entries_seen++;
		if (lv[li] == FS_LVL_PMD || lv[li] == FS_LVL_PTE) {
			fs_entry_decode(&s->p->swap, lv[li], raw, &e);
			if (e.kind == FS_ENT_PRESENT && !e.is_leaf) {
				walk_table(s, c, lv, nlv, li + 1, e.pfn << 12, va);
				continue;
			}
			if (interesting(s, &e))
				record(s, c, va, table_pa + 8ULL * i, &e);
			continue;
		}
		/* upper levels: follow present table pointers, skip leaves */
		if (!(raw & 1))
			continue;
		if (s->p->facts.arch == FS_ARCH_X86_64 ? (raw & 0x80) : ((raw & 3) != 3))
			continue;
		walk_table(s, c, lv, nlv, li + 1,
			   raw & (s->p->facts.arch == FS_ARCH_X86_64 ? 0x000ffffffffff000ULL : 0x0000fffffffff000ULL), va);
	}
}

struct task_collect {
	struct fs_scan *s;
	struct mm_ctx *ctx;
	size_t n, cap;
};

static int collect_cb(const struct fs_task *task, void *arg)
{
	struct task_collect *tc = arg;

	tc->s->ntasks++;
	if (!task->mm)
		return 0;
	for (size_t i = 0; i < tc->n; i++)
		if (tc->ctx[i].mm == task->mm)
			return 0;
	tc->ctx = grow(tc->ctx, &tc->cap, tc->n + 1, sizeof(*tc->ctx));
	memset(&tc->ctx[tc->n], 0, sizeof(tc->ctx[tc->n]));
	tc->ctx[tc->n].mm = task->mm;
	tc->ctx[tc->n].pid = task->pid;
	memcpy(tc->ctx[tc->n].comm, task->comm, sizeof(task->comm));
	tc->n++;
	return 0;
}

int fs_scan_forward(struct fs_scan *s)
{
	struct task_collect tc = { s, NULL, 0, 0 };
	enum fs_level lv[5];
	int nlv = fs_profile_levels(s->p, lv);

	if (fs_for_each_task(s->t, collect_cb, &tc) < 0)
		fs_scan_error(s, "task list: %s (processes after the break are not scanned)", fs_target_error(s->t));
	if (tc.n) {
		/* the processes the maps will name, kept for the scan's life */
		struct fs_scan_mm *t = realloc(s->mmtab, (s->nmmtab + tc.n) * sizeof(*t));
		if (!t || s->nmmtab + tc.n > UINT32_MAX) {
			perror("folioscope");
			exit(2);
		}
		s->mmtab = t;
		for (size_t i = 0; i < tc.n; i++) {
			struct fs_scan_mm *o = &s->mmtab[s->nmmtab];
			o->mm = tc.ctx[i].mm;
			o->pid = tc.ctx[i].pid;
			memcpy(o->comm, tc.ctx[i].comm, sizeof(o->comm));
			tc.ctx[i].mmi = (uint32_t)s->nmmtab++;
		}
	}
	for (size_t i = 0; i < tc.n; i++) {
		uint64_t pgd, pa;
		if (s->progress && isatty(2))
			fprintf(stderr, "\rfolioscope: page tables of process %zu/%zu (pid %d)   ", i + 1, tc.n, tc.ctx[i].pid);
		if (fs_mm_pgd(s->t, tc.ctx[i].mm, &pgd)) {
			fs_scan_error(s, "pid %d: %s", tc.ctx[i].pid, fs_target_error(s->t));
			continue;
		}
		if (fs_kva_to_pa_linear(s->p, pgd, &pa)) {
			fs_scan_error(s, "pid %d: pgd 0x%" PRIx64 " is not a direct-map address", tc.ctx[i].pid, pgd);
			continue;
		}
		s->nmms++;
		walk_table(s, &tc.ctx[i], lv, nlv, 0, pa, 0);
	}
	if (s->progress && isatty(2) && tc.n)
		fputc('\n', stderr);
	free(tc.ctx);

	/* Attach every PFN-carrying entry to its folio and count. */
	for (size_t i = 0; i < s->nmaps; i++) {
		struct fs_mapping *m = &s->maps[i];
		struct fs_scan_folio *sf;
		int v;

		if (!m->e.has_pfn)
			continue;
		v = fs_scan_add_folio(s, m->e.pfn);
		if (v < 0)
			continue;
		m->folio = v;
		sf = &s->folios[v];
		if (m->e.level == FS_LVL_PMD)
			sf->pmd_maps++;
		else
			sf->pte_maps++;
		/* installing a migration entry removes the rmap (7.2
		 * migrate_vma_collect_pmd(), set_pmd_migration_entry(),
		 * try_to_migrate_one(): folio_remove_rmap_*()) */
		bool migration = fs_kind_is_migration(m->e.kind);
		if (migration && m->e.level == FS_LVL_PMD)
			sf->mig_pmd++;
		else if (migration)
			sf->mig_pte++;
		if (m->e.kind == FS_ENT_DEVICE_PRIVATE_WRITE)
			sf->write_maps++;
		bool seen = false;
		uint64_t mm = fs_scan_map_owner(s, m)->mm;
		for (int k = 0; k < sf->nmm; k++)
			seen |= s->mmtab[sf->mms[k]].mm == mm;
		if (!seen && sf->nmm < 8)
			sf->mms[sf->nmm++] = m->mmi;
		if (m->e.level == FS_LVL_PTE && !migration && sf->f.nr_pages > 1 && m->e.pfn >= sf->f.head_pfn &&
		    m->e.pfn - sf->f.head_pfn < sf->f.nr_pages) {
			if (!sf->page_ptes)
				sf->page_ptes = calloc(sf->f.nr_pages, sizeof(int));
			if (sf->page_ptes)
				sf->page_ptes[m->e.pfn - sf->f.head_pfn]++;
		}
	}
	return 0;
}

/* --- device pages ----------------------------------------------------- */

/* struct pages are read in batches: one read per 64 pages instead of one
 * per page (the whole-dump scan touches every device page). */
#define PAGE_BATCH 64
/* Consecutive unreadable struct pages after which the rest of a pgmap
 * range is given up: one memory section's worth (SECTION_SIZE_BITS 27 on
 * x86_64). A corrupt range can be terabytes long. */
#define UNREADABLE_CUT (1u << 15)

/*
 * Every struct page of pgmap pi into st. record: keep folio snapshots and
 * report unreadable pages (the scan); otherwise only count, and give up at
 * the first unreadable page (a census, confirm.c). -1 if a page could not
 * be read in census mode or out of memory.
 */
static uint64_t census_fields(uint64_t h, uint64_t pfn, const struct fs_folio *f)
{
	const uint64_t v[] = { pfn, (uint64_t)f->refcount, (uint64_t)f->folio_mapcount, f->head_flags, f->mapping,
			       f->index, f->head_pfn };

	return fs_digest(h, v, sizeof(v));
}

static int pgmap_pages(struct fs_scan *s, int pi, struct fs_pgmap_stats *st, bool record, uint64_t *digest)
{
	const struct fs_pgmap *pm = &s->pgmaps->map[pi];
	unsigned char *batch = malloc(PAGE_BATCH * s->mm.page_size);

	if (!batch) {
		if (record)
			fs_scan_error(s, "out of memory scanning pgmap 0x%" PRIx64, pm->addr);
		return -1;
	}
	st->expected_ref = 1;	/* the pgmap's own reference, memremap_pages() */
	for (int r = 0; r < pm->nr_range; r++) {
		uint64_t start = pm->range[r].start >> 12, end = pm->range[r].end >> 12;
		uint64_t pfn = start, bstart = 0, bcount = 0, unreadable = 0;

		while (pfn <= end) {
			struct fs_folio f;
			int rc;

			if (pfn < bstart || pfn >= bstart + bcount) {
				bstart = pfn;
				bcount = end - pfn + 1 < PAGE_BATCH ? end - pfn + 1 : PAGE_BATCH;
				if (fs_read_kva(s->t, s->p, fs_pfn_to_page(&s->mm, pfn), batch, bcount * s->mm.page_size))
					bcount = 0;	/* fall back to page-by-page reads below */
			}
			if (bcount && fs_page_image_plain_free(&s->mm, batch + (pfn - bstart) * s->mm.page_size)) {
				/* a free page: counted, nothing to decode or keep */
				if (digest)
					*digest = fs_digest(*digest, batch + (pfn - bstart) * s->mm.page_size,
							    s->mm.page_size);
				unreadable = 0;
				st->pages++;
				st->free_pages++;
				pfn++;
				continue;
			}
			if (bcount)
				rc = fs_folio_from_image(s->t, s->p, &s->mm, pfn,
							 batch + (pfn - bstart) * s->mm.page_size, &f);
			else
				rc = fs_folio_read(s->t, s->p, &s->mm, pfn, &f);
			if (rc && !record) {
				free(batch);
				return -1;
			}
			/* a census digests every struct page it examines: the raw
			 * image when it came in a batch, else what was decoded */
			if (digest && !rc && bcount)
				*digest = fs_digest(*digest, batch + (pfn - bstart) * s->mm.page_size, s->mm.page_size);
			else if (digest && !rc)
				*digest = census_fields(*digest, pfn, &f);
			if (rc) {
				fs_scan_error(s, "pgmap 0x%" PRIx64 " pfn 0x%" PRIx64 ": %s", pm->addr, pfn,
					      fs_target_error(s->t));
				if (++unreadable == UNREADABLE_CUT) {
					fs_scan_error(s, "pgmap 0x%" PRIx64 ": %u struct pages in a row unreadable: "
						      "pfns 0x%" PRIx64 "-0x%" PRIx64 " not scanned", pm->addr,
						      UNREADABLE_CUT, pfn + 1, end);
					break;
				}
				pfn++;
				continue;
			}
			unreadable = 0;
			st->pages++;
			if (f.tail) {
				/* tails of free large folios (7.2 keeps a freed folio's
				 * order until it is reused) count as free pages */
				if (f.refcount == 0)
					st->free_pages++;
				pfn++;
				continue;
			}
			if (fs_folio_held(&f)) {
				uint64_t nr = f.nr_pages;
				st->folios++;
				st->allocated_pages += nr;
				st->expected_ref += (int64_t)nr;
				if (nr > 1)
					st->large_folios++;
				int v = record ? add_snapshot(s, &f) : -1;
				if (v >= 0 && s->folios[v].f.folio_mapcount > 0)
					st->mapped_folios++;
				/* count the tails as pages of this folio */
				if (nr > 1 && pfn + nr - 1 <= end) {
					st->pages += nr - 1;
					pfn += nr;
					continue;
				}
			} else {
				st->free_pages++;
				if (record && (f.head_flag || f.folio_mapcount > 0 || f.mapping))
					add_snapshot(s, &f);	/* for the free-page checks */
			}
			pfn++;
		}
	}
	free(batch);
	/* memunmap_pages() kills the ref, which drops the initial reference
	 * (lib/percpu-refcount.c percpu_ref_kill_and_confirm), then waits for
	 * zero: a dead ref should hold just the pages still allocated. */
	if (pm->ref.mode == FS_REF_DEAD)
		st->expected_ref -= 1;
	return 0;
}

static void scan_pgmap_pages(struct fs_scan *s, int pi)
{
	struct fs_pgmap_stats *st = &s->stats[pi];

	/* on a live kernel the scan's read is the reference a confirming
	 * census must match (confirm.c); a dump does not pay for the digest */
	st->census_digest = FS_DIGEST_INIT;
	st->census_done = s->t->live;
	pgmap_pages(s, pi, st, true, s->t->live ? &st->census_digest : NULL);
}

int64_t fs_scan_pgmap_census(struct fs_scan *s, int pi, uint64_t *digest)
{
	struct fs_pgmap_stats st;
	uint64_t d = FS_DIGEST_INIT;

	memset(&st, 0, sizeof(st));
	if (pi < 0 || pi >= s->pgmaps->n || pgmap_pages(s, pi, &st, false, &d))
		return -1;
	if (digest)
		*digest = d;
	return st.expected_ref;
}

static int setup(struct fs_scan *s, struct fs_target *t, const struct fs_profile *p, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->t = t;
	s->p = p;
	if (fs_mm_init(&s->mm, t, p, err, errlen))
		return -1;
	s->pgmaps = calloc(1, sizeof(*s->pgmaps));
	if (!s->pgmaps)
		return ERR("out of memory");
	if (fs_pgmaps_find(t, p, &s->mm, s->pgmaps))
		fs_scan_error(s, "finding pgmaps: %s", fs_target_error(t));
	if (s->pgmaps->warn[0])
		fs_scan_error(s, "%s", s->pgmaps->warn);
	return 0;
}

int fs_scan_run(struct fs_scan *s, struct fs_target *t, const struct fs_profile *p, char *err, size_t errlen)
{
	bool progress = s->progress;

	if (setup(s, t, p, err, errlen))
		return -1;
	s->progress = progress;
	make_windows(s);
	for (int i = 0; i < s->pgmaps->n; i++) {
		if (s->progress && isatty(2))
			fprintf(stderr, "\rfolioscope: struct pages of pgmap %d/%d   ", i + 1, s->pgmaps->n);
		if (s->pgmaps->map[i].is_private)
			scan_pgmap_pages(s, i);
	}
	s->device_pages_read = true;
	if (s->progress && isatty(2) && s->pgmaps->n)
		fputc('\n', stderr);
	fs_scan_forward(s);
	for (size_t i = 0; i < s->nfolios; i++)
		if (s->folios[i].f.zone_device && (s->folios[i].pte_maps || s->folios[i].pmd_maps ||
						   s->folios[i].f.folio_mapcount > 0))
			fs_scan_rmap(s, i);
	fs_scan_stuck(s);
	fs_scan_checks(s);
	fs_scan_occupancy(s);
	return 0;
}

int fs_scan_folio(struct fs_scan *s, struct fs_target *t, const struct fs_profile *p, uint64_t pfn,
		  char *err, size_t errlen)
{
	int v;

	if (setup(s, t, p, err, errlen))
		return -1;
	v = fs_scan_add_folio(s, pfn);
	if (v < 0)
		return ERR("%s", s->nerrors ? s->errors[0] : "cannot read the folio");
	/* The forward walk is what says who maps it; the rmap says who should. */
	fs_scan_forward(s);
	v = fs_scan_find_folio(s, s->folios[v].f.head_pfn);
	fs_scan_rmap(s, (size_t)v);
	fs_scan_checks(s);
	return v;
}

void fs_scan_free(struct fs_scan *s)
{
	for (size_t i = 0; i < s->nfolios; i++) {
		free(s->folios[i].page_ptes);
		free(s->folios[i].rmap_err);
	}
	for (size_t i = 0; i < s->nerrors; i++)
		free(s->errors[i]);
	for (int i = 0; s->pgmaps && i < s->pgmaps->n; i++)
		free(s->stats[i].cells);
	free(s->mmtab);
	fs_bigtab_free(s->map_pa, s->cap_map_pa, sizeof(*s->map_pa));
	free(s->errors);
	free(s->stuck);
	fs_bigtab_free(s->folios, s->capfolios, sizeof(*s->folios));
	fs_bigtab_free(s->maps, s->capmaps, sizeof(*s->maps));
	fs_bigtab_free(s->win_slots, s->win_total, sizeof(uint32_t));
	free(s->win);
	free(s->index);
	free(s->findings);
	free(s->pgmaps);
	fs_scan_free_grouping(s);
	fs_rmap_cache_free(s->rmap_cache);
	memset(s, 0, sizeof(*s));
}

/* Offset of pfn along pgmap i's ranges, or -1. */
static int64_t range_offset(const struct fs_pgmap *pm, uint64_t pfn)
{
	uint64_t base = 0;

	for (int r = 0; r < pm->nr_range; r++) {
		uint64_t start = pm->range[r].start >> 12, end = pm->range[r].end >> 12;
		if (pfn >= start && pfn <= end)
			return (int64_t)(base + pfn - start);
		base += end - start + 1;
	}
	return -1;
}

static void mark(struct fs_pgmap_stats *st, const struct fs_pgmap *pm, uint64_t pfn, uint64_t n, enum fs_cell c)
{
	for (uint64_t k = 0; k < n; k++) {
		int64_t off = range_offset(pm, pfn + k);
		if (off < 0)
			continue;
		uint64_t cell = (uint64_t)off / st->pages_per_cell;
		if (cell < st->ncells && st->cells[cell] < c)
			st->cells[cell] = (uint8_t)c;
		/* jump to the next cell: one page per cell decides its state */
		k += st->pages_per_cell - 1 - ((uint64_t)off % st->pages_per_cell);
	}
}

/* The private pgmap (index) whose address is addr, starting the search at
 * *last (folios come pgmap by pgmap); -1 if none. */
static int private_pgmap_at(const struct fs_scan *s, uint64_t addr, int *last)
{
	if (*last >= 0 && s->pgmaps->map[*last].addr == addr)
		return *last;
	for (int i = 0; i < s->pgmaps->n; i++)
		if (s->pgmaps->map[i].addr == addr && s->stats[i].cells) {
			*last = i;
			return i;
		}
	return -1;
}

void fs_scan_occupancy(struct fs_scan *s)
{
	int last = -1;

	for (int i = 0; i < s->pgmaps->n; i++) {
		const struct fs_pgmap *pm = &s->pgmaps->map[i];
		struct fs_pgmap_stats *st = &s->stats[i];
		uint64_t pages = 0;

		free(st->cells);
		st->cells = NULL;
		for (int r = 0; r < pm->nr_range; r++)
			pages += (pm->range[r].end >> 12) - (pm->range[r].start >> 12) + 1;
		if (!pages || !pm->is_private)
			continue;
		st->pages_per_cell = (pages + FS_MAX_CELLS - 1) / FS_MAX_CELLS;
		st->ncells = (uint32_t)((pages + st->pages_per_cell - 1) / st->pages_per_cell);
		st->cells = calloc(st->ncells, 1);
		if (!st->cells)
			return;
	}
	/* one pass over the folios, each marked in its pgmap's map */
	for (size_t f = 0; f < s->nfolios; f++) {
		const struct fs_scan_folio *sf = &s->folios[f];
		enum fs_cell c = FS_CELL_FREE;
		int i = private_pgmap_at(s, sf->pgmap, &last);
		if (i < 0)
			continue;
		if (fs_folio_held(&sf->f))
			c = FS_CELL_ALLOCATED;
		if (sf->pte_maps || sf->pmd_maps)
			c = FS_CELL_MAPPED;
		if (c != FS_CELL_FREE)
			mark(&s->stats[i], &s->pgmaps->map[i], sf->f.head_pfn, sf->f.nr_pages, c);
	}
	/* then the folios a warning or error names (the worst state wins,
	 * so the order does not matter) */
	for (size_t k = 0; k < s->nfindings; k++) {
		int v = s->findings[k].severity >= FS_SEV_WARNING ? fs_scan_find_folio(s, s->findings[k].pfn) : -1;
		int i = v >= 0 ? private_pgmap_at(s, s->folios[v].pgmap, &last) : -1;
		if (i >= 0)
			mark(&s->stats[i], &s->pgmaps->map[i], s->folios[v].f.head_pfn, s->folios[v].f.nr_pages,
			     FS_CELL_SUSPICIOUS);
	}
}
