// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rmap.c - the reverse map of an anonymous folio: folio->mapping is the
 * anon_vma (low bit FOLIO_MAPPING_ANON), whose interval tree
 * (anon_vma->rb_root, an rb_root_cached of anon_vma_chain.rb nodes;
 * include/linux/rmap.h, mm/interval_tree.c) lists every VMA that may map it.
 * For each VMA the address is vm_start + ((index - vm_pgoff) << PAGE_SHIFT)
 * (mm/internal.h vma_address(), 6.1-7.2), and the VMA's mm page tables
 * are walked there. Device-private PMDs are accepted like the kernel's own
 * page_vma_mapped_walk() does since 6.19 (mm/page_vma_mapped.c, 7.2).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folioscope/bigtab.h"
#include "folioscope/digest.h"
#include "folioscope/pgtable.h"
#include "folioscope/scan.h"
#include "folioscope/task.h"

struct rmap_layout {
	uint64_t av_root, avc_vma, avc_rb, rb_left, rb_right;
	uint64_t vm_start, vm_end, vm_pgoff, vm_mm;
};

static int layout_read(struct fs_target *t, struct rmap_layout *l)
{
	if (fs_member_offset(t, "struct anon_vma", "rb_root", &l->av_root) ||
	    fs_member_offset(t, "struct anon_vma_chain", "vma", &l->avc_vma) ||
	    fs_member_offset(t, "struct anon_vma_chain", "rb", &l->avc_rb) ||
	    fs_member_offset(t, "struct rb_node", "rb_left", &l->rb_left) ||
	    fs_member_offset(t, "struct rb_node", "rb_right", &l->rb_right) ||
	    fs_member_offset(t, "struct vm_area_struct", "vm_start", &l->vm_start) ||
	    fs_member_offset(t, "struct vm_area_struct", "vm_end", &l->vm_end) ||
	    fs_member_offset(t, "struct vm_area_struct", "vm_pgoff", &l->vm_pgoff) ||
	    fs_member_offset(t, "struct vm_area_struct", "vm_mm", &l->vm_mm))
		return fs_target_wrap(t, "anon_vma/vm_area_struct layout");
	return 0;
}

/* Asked of the debug info once per scan, not once per folio. */
static int layout(struct fs_scan *s, struct rmap_layout *l)
{
	_Static_assert(sizeof(s->rmap_off) == sizeof(*l), "rmap_off holds struct rmap_layout");
	if (!s->rmap_layout_ok) {
		if (layout_read(s->t, l))
			return -1;
		memcpy(s->rmap_off, l, sizeof(*l));
		s->rmap_layout_ok = true;
	}
	memcpy(l, s->rmap_off, sizeof(*l));
	return 0;
}

/* The grouping below is there and still fits the scan's tables. */
static bool grouped(const struct fs_scan *s)
{
	return s->fmap_start && s->fmap_nmaps == s->nmaps && s->fmap_nfolios == s->nfolios;
}

/* A grouped map's key: its vaddr with the level in the low bits (a leaf's
 * vaddr is page aligned); the rmap matches a hit against it and the map's
 * process. */
static uint64_t va_level(uint64_t va, enum fs_level level)
{
	return va | (uint64_t)level;
}

/* Place maps[] by folio into keys from start[] (first position of
 * each folio's maps; start[nf]: all of them). With check, false when the
 * maps do not fill their folios' shares exactly. */
static bool place(struct fs_scan *s, const size_t *start, size_t *fill, struct fs_fmap_key *keys, bool check)
{
	size_t nf = s->nfolios;

	memcpy(fill, start, nf * sizeof(*fill));
	for (size_t i = 0; i < s->nmaps; i++) {
		const struct fs_mapping *m = &s->maps[i];
		if (m->folio < 0 || (size_t)m->folio >= nf)
			continue;
		size_t f = (size_t)m->folio;
		if (check && fill[f] == start[f + 1])
			return false;
		keys[fill[f]++] = (struct fs_fmap_key){ va_level(m->vaddr, m->e.level), m->mmi, (uint32_t)i };
	}
	for (size_t f = 0; check && f < nf; f++)
		if (fill[f] != start[f + 1])
			return false;
	return true;
}

/* Group the forward walk's maps by folio (counting sort), so an rmap hit
 * looks at the few maps of its folio, not at every map of the dump. Each
 * folio's share is its entry count, which the forward walk's attach raised
 * once per map it pointed at the folio (scan.c): one pass over the folios,
 * not over the far larger records. Should the counts not add up, the
 * records are counted. The seen marks of maps grouped before are kept. */
int fs_scan_group_maps(struct fs_scan *s)
{
	size_t *start, *fill;
	struct fs_fmap_key *keys;
	uint8_t *seen;
	size_t n = s->nmaps ? s->nmaps : 1, nf = s->nfolios, cap;

	if (grouped(s))
		return 0;
	if (s->nmaps > UINT32_MAX)
		return -1;	/* a key holds a map's index in 32 bits */
	/* megabytes on a large dump: huge pages (src/bigtab.c) */
	start = calloc(nf + 1, sizeof(*start));	/* start[nf]: all the maps */
	fill = malloc((nf ? nf : 1) * sizeof(*fill));
	keys = fs_bigtab_zalloc(&cap, n, sizeof(*keys));
	seen = fs_bigtab_zalloc(&cap, n, 1);
	if (!start || !fill || !keys || !seen) {
		free(start);
		free(fill);
		fs_bigtab_free(keys, n, sizeof(*keys));
		fs_bigtab_free(seen, n, 1);
		return -1;
	}
	for (size_t f = 0; f < nf; f++)
		start[f + 1] = start[f] + (size_t)(s->folios[f].pte_maps > 0 ? s->folios[f].pte_maps : 0) +
			       (size_t)(s->folios[f].pmd_maps > 0 ? s->folios[f].pmd_maps : 0);
	if (start[nf] > s->nmaps || !place(s, start, fill, keys, true)) {
		memset(start, 0, (nf + 1) * sizeof(*start));
		for (size_t i = 0; i < s->nmaps; i++)
			if (s->maps[i].folio >= 0 && (size_t)s->maps[i].folio < nf)
				start[s->maps[i].folio + 1]++;
		for (size_t f = 0; f < nf; f++)
			start[f + 1] += start[f];
		place(s, start, fill, keys, false);
	}
	free(fill);
	if (s->map_seen_n)
		memcpy(seen, s->map_seen, s->map_seen_n < s->nmaps ? s->map_seen_n : s->nmaps);
	fs_scan_free_grouping(s);
	s->fmap_alloc = n;
	s->fmap_start = start;	/* start[f]..start[f+1] spans folio f's maps */
	s->fmap_key = keys;
	s->map_seen = seen;
	s->map_seen_n = s->nmaps;
	s->fmap_nmaps = s->nmaps;
	s->fmap_nfolios = s->nfolios;
	return 0;
}

void fs_scan_free_grouping(struct fs_scan *s)
{
	free(s->fmap_start);
	fs_bigtab_free(s->fmap_key, s->fmap_alloc, sizeof(*s->fmap_key));
	fs_bigtab_free(s->map_seen, s->fmap_alloc, 1);
	s->fmap_start = NULL;
	s->fmap_key = NULL;
	s->map_seen = NULL;
	s->fmap_alloc = s->map_seen_n = 0;
}

void fs_scan_prefetch_maps(const struct fs_scan *s, size_t fi, size_t nmax)
{
	if (!grouped(s) || fi >= s->nfolios)
		return;
	for (size_t k = s->fmap_start[fi]; k < s->fmap_start[fi + 1] && k - s->fmap_start[fi] < nmax; k++) {
		const char *r = (const char *)&s->maps[s->fmap_key[k].idx];
		for (size_t b = 0; b < sizeof(struct fs_mapping); b += 64)
			__builtin_prefetch(r + b);
		__builtin_prefetch(r + sizeof(struct fs_mapping) - 1);
	}
}

size_t fs_scan_folio_nmaps(const struct fs_scan *s, int fi)
{
	if (grouped(s) && fi >= 0 && (size_t)fi < s->nfolios)
		return s->fmap_start[fi + 1] - s->fmap_start[fi];
	return SIZE_MAX;
}

/*
 * The maps of folio fi: grouped by fs_scan_group_maps() (linear in the
 * dump's entries, not quadratic), or, if that ran out of memory, found by
 * a scan of every map. *k is the cursor; returns NULL at the end.
 */
const struct fs_mapping *fs_scan_next_map(const struct fs_scan *s, int fi, size_t *k)
{
	if (grouped(s)) {
		size_t pos = s->fmap_start[fi] + *k;
		if (pos >= s->fmap_start[fi + 1])
			return NULL;
		++*k;
		return &s->maps[s->fmap_key[pos].idx];
	}
	while (*k < s->nmaps)
		if (s->maps[(*k)++].folio == fi)
			return &s->maps[*k - 1];
	return NULL;
}

/* Why the reverse walk of sf failed, as snprintf into 160 bytes would have
 * kept it; replaces an earlier reason. */
static void __attribute__((format(printf, 2, 3))) set_rmap_err(struct fs_scan_folio *sf, const char *fmt, ...)
{
	char buf[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(sf->rmap_err);
	sf->rmap_err = NULL;
	if (buf[0] && !(sf->rmap_err = strdup(buf))) {
		perror("folioscope");	/* as the scan's tables do (scan.c grow()) */
		exit(2);
	}
}

static void mark_found(struct fs_scan *s, struct fs_scan_folio *sf, uint64_t mm, uint64_t va, const struct fs_entry *e)
{
	size_t fi = (size_t)(sf - s->folios);
	uint64_t pfn;

	if (e->kind == FS_ENT_PRESENT || !e->has_pfn)
		pfn = e->kind == FS_ENT_PRESENT ? e->pfn : ~0ULL;
	else
		pfn = e->pfn;
	/* the entry must point into this folio (check_pte()/check_pmd()) */
	if (pfn == ~0ULL || pfn < sf->f.head_pfn || pfn >= sf->f.head_pfn + sf->f.nr_pages)
		return;
	sf->rmap_found++;
	/* one forward record at most: the walk visits an mm's (vaddr, level)
	 * once */
	va &= ~((1ULL << (e->level == FS_LVL_PMD ? 21 : 12)) - 1);
	uint64_t key = va_level(va, e->level);
	for (size_t k = s->fmap_start[fi]; k < s->fmap_start[fi + 1]; k++) {
		if (s->fmap_key[k].key != key || s->mmtab[s->fmap_key[k].mmi].mm != mm)
			continue;
		sf->rmap_marked += !s->map_seen[s->fmap_key[k].idx];
		s->map_seen[s->fmap_key[k].idx] = 1;
		break;
	}
}

/* The tree nodes seen so far (open addressing): a node met twice means a
 * cycle or a shared subtree, which a valid rb tree never has. */
struct node_set {
	uint64_t *slot;
	size_t cap, n;
};

/* 1 if node was already in the set, 0 once added, -1 out of memory. */
static int node_seen(struct node_set *ns, uint64_t node)
{
	size_t i;

	if (2 * (ns->n + 1) > ns->cap) {
		size_t cap = ns->cap ? 2 * ns->cap : 256;
		struct node_set bigger = { calloc(cap, sizeof(uint64_t)), cap, 0 };
		if (!bigger.slot)
			return -1;
		for (size_t k = 0; k < ns->cap; k++)
			if (ns->slot[k])
				node_seen(&bigger, ns->slot[k]);
		free(ns->slot);
		*ns = bigger;
	}
	for (i = (size_t)((node * 0x9e3779b97f4a7c15ULL) >> 32) & (ns->cap - 1); ns->slot[i];
	     i = (i + 1) & (ns->cap - 1))
		if (ns->slot[i] == node)
			return 1;
	ns->slot[i] = node;
	ns->n++;
	return 0;
}

/* The VMAs an anon_vma's tree lists, with what the reverse map needs. */
struct rmap_vma {
	uint64_t vma, start, end, pgoff, mm, pgd;	/* pgd 0: not read yet */
	/* dumps: the PTE table the last walk through this VMA reached, and
	 * the 2 MiB region it maps (+ 1; 0: none) */
	uint64_t pte_region, pte_table;
};

struct rmap_vmas {
	uint64_t anon_vma;
	struct rmap_vma *v;
	size_t n, cap;
	char err[160];		/* the walk failed: why (v holds what came before) */
};

/*
 * Every anon_vma a dump's folios point to, walked once (src/scan.c's whole
 * scan has tens of thousands of folios sharing a handful of anon_vmas).
 * Only for dumps: a live target's tree is walked afresh each time.
 */
#define RMAP_CACHE_MAX 256
struct fs_rmap_cache {
	struct rmap_vmas list[RMAP_CACHE_MAX];
	size_t n;
};

void fs_rmap_cache_free(struct fs_rmap_cache *c)
{
	for (size_t i = 0; c && i < c->n; i++)
		free(c->list[i].v);
	free(c);
}

static int add_vma(struct rmap_vmas *out, const struct rmap_vma *v)
{
	if (out->n == out->cap) {
		size_t cap = out->cap ? 2 * out->cap : 16;
		struct rmap_vma *bigger = realloc(out->v, cap * sizeof(*bigger));
		if (!bigger)
			return -1;
		out->v = bigger;
		out->cap = cap;
	}
	out->v[out->n++] = *v;
	return 0;
}

/* In-order walk of the whole tree with an explicit, bounded stack: a
 * cycle or a garbage pointer ends it with an error, not a hang. A node met
 * twice ends it at once. */
static int collect_vmas(struct fs_scan *s, const struct rmap_layout *l, uint64_t node, struct rmap_vmas *out)
{
	struct node_set seen = { NULL, 0, 0 };
	uint64_t stack[64];
	unsigned int depth = 0, visited = 0;
	int rc = -1;

	while (node || depth) {
		if (node) {
			int again = node_seen(&seen, node);
			if (again) {
				snprintf(out->err, sizeof(out->err), "anon_vma 0x%" PRIx64 " tree: %s", out->anon_vma,
					 again < 0 ? "out of memory" : "a node is reached twice: corrupt or cyclic");
				goto done;
			}
			if (depth == 64 || ++visited > FS_MAX_RMAP_NODES) {
				snprintf(out->err, sizeof(out->err),
					 "anon_vma 0x%" PRIx64 " tree deeper than 64 or over %u nodes: corrupt or cyclic",
					 out->anon_vma, FS_MAX_RMAP_NODES);
				goto done;
			}
			stack[depth++] = node;
			if (fs_read_kva(s->t, s->p, node + l->rb_left, &node, 8))
				goto bad_node;
			continue;
		}
		node = stack[--depth];
		{
			uint64_t avc = node - l->avc_rb;
			struct rmap_vma v = { 0 };

			if (fs_read_kva(s->t, s->p, avc + l->avc_vma, &v.vma, 8) ||
			    fs_read_kva(s->t, s->p, v.vma + l->vm_start, &v.start, 8) ||
			    fs_read_kva(s->t, s->p, v.vma + l->vm_end, &v.end, 8) ||
			    fs_read_kva(s->t, s->p, v.vma + l->vm_pgoff, &v.pgoff, 8) ||
			    fs_read_kva(s->t, s->p, v.vma + l->vm_mm, &v.mm, 8))
				goto bad_node;
			if (add_vma(out, &v)) {
				snprintf(out->err, sizeof(out->err), "anon_vma 0x%" PRIx64 " tree: out of memory",
					 out->anon_vma);
				goto done;
			}
			if (fs_read_kva(s->t, s->p, node + l->rb_right, &node, 8))
				goto bad_node;
		}
	}
	rc = 0;
	goto done;
bad_node:
	snprintf(out->err, sizeof(out->err), "anon_vma 0x%" PRIx64 " tree: %s", out->anon_vma, fs_target_error(s->t));
done:
	free(seen.slot);
	return rc;
}

/* The VMAs of anon_vma: from the cache (dumps), else walked now into *tmp. */
static struct rmap_vmas *vmas_of(struct fs_scan *s, const struct rmap_layout *l, uint64_t anon_vma,
				 struct rmap_vmas *tmp)
{
	struct fs_rmap_cache *c = s->rmap_cache;
	struct rmap_vmas *out = tmp;
	uint64_t node;

	if (s->t->cacheable && !s->t->live) {
		if (!c && (c = s->rmap_cache = calloc(1, sizeof(*c))) == NULL)
			return NULL;
		for (size_t i = 0; i < c->n; i++)
			if (c->list[i].anon_vma == anon_vma)
				return &c->list[i];
		if (c->n < RMAP_CACHE_MAX)
			out = &c->list[c->n++];
	}
	memset(out, 0, sizeof(*out));
	out->anon_vma = anon_vma;
	/* rb_root_cached.rb_root.rb_node is its first word; anon_vma locking
	 * may set bit 0 of it (include/linux/rmap.h comment), so mask it. */
	if (fs_read_kva(s->t, s->p, anon_vma + l->av_root, &node, 8))
		snprintf(out->err, sizeof(out->err), "reading anon_vma 0x%" PRIx64 ": %s", anon_vma,
			 fs_target_error(s->t));
	else
		collect_vmas(s, l, node & ~1ULL, out);
	return out;
}

/*
 * The leaf entry at va in v's mm (*leaf false: none; the walk ended above it
 * or at an empty entry), as fs_pgtable_walk() finds it. On a dump (cache)
 * a VMA remembers the PTE table its last walk reached: the next address
 * in the same 2 MiB region reads its entry there, without the upper levels
 * (a dump does not change; their entries were read and found to point
 * there). -1 if a table or the mm could not be read (the target's error
 * says why).
 */
static int leaf_at(struct fs_scan *s, struct rmap_vma *v, uint64_t va, bool cache, struct fs_entry *e, bool *leaf)
{
	struct fs_walk w;
	uint64_t raw;

	if (cache && v->pte_region == (va >> 21) + 1 &&
	    fs_read(s->t, FS_PADDR, v->pte_table + 8 * ((va >> 12) & 511), &raw, sizeof(raw)) == 0) {
		fs_entry_decode(&s->p->swap, FS_LVL_PTE, raw, e);
		*leaf = e->kind != FS_ENT_NONE && e->is_leaf;
		return 0;
	}
	if ((!v->pgd && fs_mm_pgd(s->t, v->mm, &v->pgd)) || fs_pgtable_walk(s->t, s->p, v->pgd, va, &w))
		return -1;
	if (cache && w.n > 0 && w.lv[w.n - 1].level == FS_LVL_PTE) {
		v->pte_region = (va >> 21) + 1;
		v->pte_table = w.lv[w.n - 1].entry_pa - 8ULL * w.lv[w.n - 1].index;
	}
	*leaf = w.leaf >= 0;
	if (*leaf)
		*e = w.lv[w.leaf].e;
	return 0;
}

/* Walk the tables of every VMA at every page of the folio. */
static int walk_vmas(struct fs_scan *s, struct fs_scan_folio *sf, struct rmap_vmas *list, bool cache)
{
	for (size_t i = 0; i < list->n; i++) {
		struct rmap_vma *v = &list->v[i];
		/* every page of the folio: PTE-mapped pieces can sit in
		 * different VMAs after mremap/mprotect splits */
		for (uint64_t k = 0; k < sf->f.nr_pages; k++) {
			uint64_t idx = sf->f.index + k, va;
			struct fs_entry e;
			bool leaf;
			if (idx < v->pgoff)
				continue;
			va = v->start + ((idx - v->pgoff) << 12);
			if (va < v->start || va >= v->end)
				continue;
			/* an unreadable mm or table leaves the reverse map
			 * incomplete: an error, not "no VMA reaches it" */
			if (leaf_at(s, v, va, cache, &e, &leaf)) {
				fs_target_wrap(s->t, "vma 0x%" PRIx64 " (mm 0x%" PRIx64 ") at 0x%" PRIx64, v->vma, v->mm, va);
				set_rmap_err(sf, "anon_vma 0x%" PRIx64 " tree: %s",
					 list->anon_vma, fs_target_error(s->t));
				return -1;
			}
			/* what the walk read, hit or not: a live confirmation
			 * needs these entries to stay put too (confirm.c). A
			 * dump (cache) does not change: its digest would be
			 * the same at every read, so it is not computed. */
			if (!cache)
				sf->rmap_view = fs_digest_u64(fs_digest_u64(fs_digest_u64(sf->rmap_view, v->vma), va),
							      leaf ? e.raw : ~0ULL);
			if (!leaf)
				continue;
			mark_found(s, sf, v->mm, va, &e);
			/* a PMD leaf covers the whole folio: one walk is enough */
			if (e.level == FS_LVL_PMD)
				break;
		}
	}
	return 0;
}

int fs_scan_rmap(struct fs_scan *s, size_t fi)
{
	struct fs_scan_folio *sf = &s->folios[fi];
	struct rmap_layout l;
	struct rmap_vmas tmp, *list;
	int rc;

	sf->rmap_done = true;
	sf->rmap_view = FS_DIGEST_INIT;
	if (!sf->f.anon || sf->f.ksm) {
		set_rmap_err(sf, "%s folio: no anon_vma to walk",
			 sf->f.ksm ? "KSM" : sf->f.mapping ? "file" : "unmapped (mapping NULL)");
		return -1;
	}
	if (layout(s, &l)) {
		set_rmap_err(sf, "%s", fs_target_error(s->t));
		return -1;
	}
	if (fs_scan_group_maps(s)) {
		set_rmap_err(sf, "out of memory grouping entries by folio");
		return -1;
	}
	list = vmas_of(s, &l, sf->f.mapping & ~s->mm.mapping_flags, &tmp);
	if (!list) {
		set_rmap_err(sf, "out of memory caching anon_vma trees");
		return -1;
	}
	/* the VMAs before a broken node are still walked: what they reach counts */
	rc = walk_vmas(s, sf, list, list != &tmp);
	if (list->err[0] && !sf->rmap_err) {
		set_rmap_err(sf, "%s", list->err);
		rc = -1;
	}
	if (list == &tmp)
		free(tmp.v);
	return rc;
}
