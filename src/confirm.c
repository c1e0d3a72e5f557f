// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * confirm.c - findings on a live kernel are confirmed by a second read.
 *
 * On /proc/kcore (or a live crash session) page tables, struct pages and
 * reference counts change while the scan reads them: a folio caught between
 * try_to_migrate() replacing its entries and its mapcount dropping looks, for
 * a moment, exactly like the bugs docs/checks.md describes. A dump is a
 * still picture and needs none of this.
 *
 * When a live scan has warning or error findings, the same scan runs again
 * from scratch and a finding is confirmed only if
 *   - the second read reports it too, with the same id, subject and
 *     evidence (the evidence holds the values the check compared, so equal
 *     evidence means the same state, not just the same pfn being in some
 *     other transient state), and
 *   - a folio finding's folio is the same in both reads (index included: a
 *     page freed and reused shows the same counts elsewhere), and
 *   - the state it rests on is quiescent: re-read FS_CONFIRM_ROUNDS times,
 *     FS_CONFIRM_GAP_MS apart, it still holds the values the second scan
 *     used every time (a folio finding: the folio, every entry found
 *     mapping it, and every entry its reverse map reads, read
 *     folio-entries-rmap-folio; a pgmap finding: the reference count, then
 *     a census of its struct pages that must read them byte for byte as
 *     the second scan did, then the count again, also held
 *     FS_CONFIRM_PGMAP_ROUNDS times FS_CONFIRM_PGMAP_GAP_MS apart).
 * A scan reads struct pages and page tables seconds apart, so a folio in
 * motion can look inconsistent twice in a row (a workload that cycles the
 * same pages through the same states, as the live stress test's does). A
 * real bug's state does not move; a folio the kernel is working on does,
 * within the quiescence window.
 * The rest are kept in the report marked transient and do not set the exit
 * status. Findings only the second read shows are not reported: they were
 * not confirmed either, and their count goes to errors[] so nothing is
 * hidden. Stuck-task findings rest on the evidence rule alone.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "folioscope/scan.h"

#define FS_CONFIRM_ROUNDS 5
#define FS_CONFIRM_GAP_MS 40
/* A leaked pgmap reference is permanent: pgmap findings are also held over
 * a longer window, which filters a reference/refcount window the kernel
 * keeps open for a while (a free in progress on a descheduled CPU). */
#define FS_CONFIRM_PGMAP_ROUNDS 5
#define FS_CONFIRM_PGMAP_GAP_MS 500

static bool worth_confirming(const struct fs_scan *s)
{
	for (size_t i = 0; i < s->nfindings; i++)
		if (s->findings[i].severity >= FS_SEV_WARNING)
			return true;
	return false;
}

static bool same_finding(const struct fs_finding *a, const struct fs_finding *b)
{
	return strcmp(a->id, b->id) == 0 && strcmp(a->subject, b->subject) == 0;
}

static bool same_folio(const struct fs_folio *a, const struct fs_folio *b)
{
	return a->head_pfn == b->head_pfn && a->order == b->order && a->head_flags == b->head_flags &&
	       a->refcount == b->refcount && a->page_mapcount == b->page_mapcount &&
	       a->large_mapcount == b->large_mapcount && a->entire_mapcount == b->entire_mapcount &&
	       a->nr_pages_mapped_raw == b->nr_pages_mapped_raw && a->folio_mapcount == b->folio_mapcount &&
	       a->mapping == b->mapping && a->index == b->index && a->pgmap == b->pgmap &&
	       a->on_deferred_list == b->on_deferred_list;
}

/* The entries the reverse map reaches for folio v now, or -1, and the
 * digest of every entry it read (*view); s is left as it was
 * (fs_scan_rmap() records into the folio and its maps). */
static int rmap_count_now(struct fs_scan *s, size_t v, const struct fs_folio *now, uint64_t *view)
{
	struct fs_scan_folio saved = s->folios[v];
	const struct fs_mapping *m;
	size_t n = 0, k;
	bool *seen;
	int found;

	for (k = 0; fs_scan_next_map(s, (int)v, &k);)
		n++;
	seen = calloc(n ? n : 1, sizeof(*seen));
	if (!seen)
		return -1;
	n = 0;
	for (k = 0; (m = fs_scan_next_map(s, (int)v, &k));)
		seen[n++] = fs_scan_map_seen(s, (size_t)(m - s->maps));
	s->folios[v].f = *now;
	s->folios[v].rmap_found = 0;
	s->folios[v].rmap_err = NULL;
	found = fs_scan_rmap(s, v) ? -1 : s->folios[v].rmap_found;
	*view = s->folios[v].rmap_view;
	free(s->folios[v].rmap_err);
	s->folios[v] = saved;
	n = 0;
	for (k = 0; (m = fs_scan_next_map(s, (int)v, &k)); n++)
		if ((size_t)(m - s->maps) < s->map_seen_n)
			s->map_seen[m - s->maps] = seen[n];
	free(seen);
	return found;
}

/*
 * The folio pfn and its entries as s saw them, re-read now, unchanged? And
 * does the reverse map, walked now, read the very entries s's reverse map
 * read (at every address where the folio's VMAs would map it), reaching no
 * more than the forward walk found? (A mapping the forward walk missed means
 * its view was stale: the entry came or went while it walked. An entry that
 * changed where the folio should be mapped means that address is being
 * remapped: the live stress test's pages cycle device -> RAM -> device at
 * the same address every ~30 ms, so a folio's own counts can look the same
 * at every re-read while its address moves on.)
 */
static bool folio_still(struct fs_scan *s, uint64_t pfn)
{
	struct fs_folio now;
	const struct fs_mapping *m;
	int found = fs_scan_find_folio(s, pfn), reached;
	size_t v = (size_t)found;

	if (found < 0)
		return false;
	if (fs_folio_read(s->t, s->p, &s->mm, pfn, &now) || !same_folio(&now, &s->folios[v].f))
		return false;
	for (size_t k = 0; (m = fs_scan_next_map(s, (int)v, &k));) {
		uint64_t raw;
		if (fs_read(s->t, FS_PADDR, fs_scan_map_entry_pa(s, m), &raw, sizeof(raw)) || raw != m->e.raw)
			return false;
	}
	if (s->folios[v].rmap_done && !s->folios[v].rmap_err && now.anon && !now.ksm) {
		uint64_t view;
		reached = rmap_count_now(s, v, &now, &view);
		if (reached < 0 || reached != s->folios[v].rmap_found || view != s->folios[v].rmap_view ||
		    reached > s->folios[v].pte_maps + s->folios[v].pmd_maps)
			return false;
	}
	return !fs_folio_read(s->t, s->p, &s->mm, pfn, &now) && same_folio(&now, &s->folios[v].f);
}

/*
 * A pgmap finding rests on the reference count and on the census of the
 * pgmap's struct pages: both must be what the second scan saw, with the
 * count unchanged across the census (no allocation or free during it), and
 * every census must read the same struct pages byte for byte. A pool in use
 * allocates and frees faster than the re-reads (the live stress test's
 * device THPs cycle every ~30 ms), so the count and a census can agree at
 * every re-read while a folio is between its free and its reference put;
 * an idle pool's struct pages do not change, a leaked reference stays.
 */
/* pm's reference count, read now, is what s saw. */
static bool ref_still(struct fs_scan *s, const struct fs_pgmap *pm)
{
	struct fs_pgmap now;

	return !fs_pgmap_read(s->t, s->p, pm->addr, &now) && !now.ref_err[0] && now.ref.value == pm->ref.value &&
	       now.ref.mode == pm->ref.mode;
}

static bool pgmap_still(struct fs_scan *s, const char *subject)
{
	uint64_t addr;

	if (sscanf(subject, "pgmap 0x%" SCNx64, &addr) != 1)
		return true;	/* not a pgmap subject */
	for (int i = 0; i < s->pgmaps->n; i++) {
		struct fs_pgmap_stats *st = &s->stats[i];
		uint64_t digest;

		if (s->pgmaps->map[i].addr != addr)
			continue;
		if (!ref_still(s, &s->pgmaps->map[i]) || fs_scan_pgmap_census(s, i, &digest) != st->expected_ref ||
		    !ref_still(s, &s->pgmaps->map[i]))
			return false;
		if (st->census_done && digest != st->census_digest)
			return false;
		st->census_done = true;	/* not a live scan: the first census is the reference */
		st->census_digest = digest;
		return true;
	}
	return false;
}

/*
 * The finding of second that repeats f of first exactly, or NULL. A folio
 * finding also needs the folio itself unchanged between the two reads: the
 * evidence holds counts, and a device page the workload frees and reuses
 * within a round (the live stress test recycles one every ~30 ms) shows
 * the same counts again at another index, which is another state.
 */
static const struct fs_finding *repeated(const struct fs_finding *f, const struct fs_scan *first,
					 const struct fs_scan *second)
{
	for (size_t k = 0; k < second->nfindings; k++) {
		const struct fs_finding *g = &second->findings[k];
		if (!same_finding(f, g) || strcmp(f->evidence, g->evidence) != 0)
			continue;
		if (g->pfn) {
			int a = fs_scan_find_folio(first, f->pfn), b = fs_scan_find_folio(second, g->pfn);
			if (a < 0 || b < 0 || !same_folio(&first->folios[a].f, &second->folios[b].f))
				return NULL;
		}
		return g;
	}
	return NULL;
}

static bool still(struct fs_scan *second, const struct fs_finding *g)
{
	return g->pfn ? folio_still(second, g->pfn) : pgmap_still(second, g->subject);
}

/*
 * Re-read the state of every candidate g[i] (pgmap_only: only pgmap
 * findings) rounds times, gap_ms apart; a candidate whose state moved is
 * dropped (NULL). The first round reads at once.
 */
static void hold(struct fs_scan *second, const struct fs_finding **g, size_t n, int rounds, long gap_ms,
		 bool pgmap_only)
{
	const struct timespec gap = { gap_ms / 1000, (gap_ms % 1000) * 1000000L };

	for (int round = 0; round < rounds; round++) {
		bool any = false;
		for (size_t i = 0; i < n; i++)
			any |= g[i] && (!pgmap_only || !g[i]->pfn);
		if (!any)
			return;
		if (round || pgmap_only)
			nanosleep(&gap, NULL);
		for (size_t i = 0; i < n; i++)
			if (g[i] && (!pgmap_only || !g[i]->pfn) && !still(second, g[i]))
				g[i] = NULL;
	}
}

unsigned int fs_scan_confirm(struct fs_scan *first, struct fs_scan *second)
{
	unsigned int transient = 0, only_second = 0;
	const struct fs_finding **g = calloc(first->nfindings ? first->nfindings : 1, sizeof(*g));

	for (size_t i = 0; g && i < first->nfindings; i++)
		g[i] = repeated(&first->findings[i], first, second);
	if (g) {
		hold(second, g, first->nfindings, FS_CONFIRM_ROUNDS, FS_CONFIRM_GAP_MS, false);
		hold(second, g, first->nfindings, FS_CONFIRM_PGMAP_ROUNDS, FS_CONFIRM_PGMAP_GAP_MS, true);
	}
	for (size_t i = 0; i < first->nfindings; i++) {
		first->findings[i].transient = !g || !g[i];
		transient += first->findings[i].transient;
	}
	free(g);
	for (size_t k = 0; k < second->nfindings; k++) {
		bool seen = false;
		if (second->findings[k].severity < FS_SEV_WARNING)
			continue;
		for (size_t i = 0; i < first->nfindings && !seen; i++)
			seen = same_finding(&first->findings[i], &second->findings[k]);
		only_second += !seen;
	}
	first->second_read = true;
	if (only_second)
		fs_scan_error(first, "live: %u finding%s appeared only on the second read (not confirmed, not "
			      "reported); scan again to see whether they persist", only_second,
			      only_second == 1 ? "" : "s");
	return transient;
}

int fs_scan_run_live(struct fs_scan *s, struct fs_target *t, const struct fs_profile *p, int64_t pfn,
		     char *err, size_t errlen)
{
	struct fs_scan again;
	int rc, rc2;

	rc = pfn < 0 ? fs_scan_run(s, t, p, err, errlen) : fs_scan_folio(s, t, p, (uint64_t)pfn, err, errlen);
	if (rc < 0 || !t->live)
		return rc;
	s->live = true;
	if (!worth_confirming(s))
		return rc;
	memset(&again, 0, sizeof(again));
	rc2 = pfn < 0 ? fs_scan_run(&again, t, p, err, errlen) :
			fs_scan_folio(&again, t, p, (uint64_t)pfn, err, errlen);
	if (rc2 < 0)
		fs_scan_error(s, "live: the confirming second read failed (%s); findings are unconfirmed", err);
	else
		fs_scan_confirm(s, &again);
	fs_scan_free(&again);
	return rc;
}

int fs_scan_exit_status(const struct fs_scan *s)
{
	for (size_t i = 0; i < s->nfindings; i++)
		if (s->findings[i].severity >= FS_SEV_WARNING && !s->findings[i].transient)
			return 1;
	return 0;
}
