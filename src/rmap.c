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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Group the forward walk's maps by folio (counting sort), so an rmap hit
 * looks at the few maps of its folio, not at every map of the dump. */
int fs_scan_group_maps(struct fs_scan *s)
{
	size_t *start, *idx;

	if (s->fmap_start && s->fmap_nmaps == s->nmaps && s->fmap_nfolios == s->nfolios)
		return 0;
	start = calloc(s->nfolios + 2, sizeof(*start));
	idx = malloc((s->nmaps ? s->nmaps : 1) * sizeof(*idx));
	if (!start || !idx) {
		free(start);
		free(idx);
		return -1;
	}
	for (size_t i = 0; i < s->nmaps; i++)
		if (s->maps[i].folio >= 0 && (size_t)s->maps[i].folio < s->nfolios)
			start[s->maps[i].folio + 2]++;
	for (size_t f = 2; f < s->nfolios + 2; f++)
		start[f] += start[f - 1];
	for (size_t i = 0; i < s->nmaps; i++)
		if (s->maps[i].folio >= 0 && (size_t)s->maps[i].folio < s->nfolios)
			idx[start[s->maps[i].folio + 1]++] = i;
	free(s->fmap_start);
	free(s->fmap_idx);
	s->fmap_start = start;	/* start[f]..start[f+1] now spans folio f's maps */
	s->fmap_idx = idx;
	s->fmap_nmaps = s->nmaps;
	s->fmap_nfolios = s->nfolios;
	return 0;
}

/*
 * The maps of folio fi: grouped by fs_scan_group_maps() (linear in the
 * dump's entries, not quadratic), or, if that ran out of memory, found by
 * a scan of every map. *k is the cursor; returns NULL at the end.
 */
const struct fs_mapping *fs_scan_next_map(const struct fs_scan *s, int fi, size_t *k)
{
	if (s->fmap_start && s->fmap_nmaps == s->nmaps && s->fmap_nfolios == s->nfolios) {
		size_t pos = s->fmap_start[fi] + *k;
		if (pos >= s->fmap_start[fi + 1])
			return NULL;
		++*k;
		return &s->maps[s->fmap_idx[pos]];
	}
	while (*k < s->nmaps)
		if (s->maps[(*k)++].folio == fi)
			return &s->maps[*k - 1];
	return NULL;
}

static void mark_found(struct fs_scan *s, struct fs_scan_folio *sf, uint64_t mm, uint64_t va, const struct fs_walk *w)
{
	size_t fi = (size_t)(sf - s->folios);
	const struct fs_entry *e = &w->lv[w->leaf].e;
	uint64_t pfn;

	if (e->kind == FS_ENT_PRESENT || !e->has_pfn)
		pfn = e->kind == FS_ENT_PRESENT ? e->pfn : ~0ULL;
	else
		pfn = e->pfn;
	/* the entry must point into this folio (check_pte()/check_pmd()) */
	if (pfn == ~0ULL || pfn < sf->f.head_pfn || pfn >= sf->f.head_pfn + sf->f.nr_pages)
		return;
	sf->rmap_found++;
	for (size_t k = s->fmap_start[fi]; k < s->fmap_start[fi + 1]; k++) {
		struct fs_mapping *m = &s->maps[s->fmap_idx[k]];
		if (m->mm == mm && m->vaddr == (va & ~((1ULL << (e->level == FS_LVL_PMD ? 21 : 12)) - 1)) &&
		    m->e.level == e->level)
			m->seen_by_rmap = true;
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

/* In-order walk of the whole tree with an explicit, bounded stack: a
 * cycle or a garbage pointer ends it with an error, not a hang. A node met
 * twice ends it at once: each visit may walk the page tables of every
 * page of the folio. */
static int walk_tree(struct fs_scan *s, struct fs_scan_folio *sf, const struct rmap_layout *l,
		     uint64_t anon_vma, uint64_t node, struct node_set *seen)
{
	uint64_t stack[64];
	unsigned int depth = 0, visited = 0;

	while (node || depth) {
		if (node) {
			int again = node_seen(seen, node);
			if (again) {
				snprintf(sf->rmap_err, sizeof(sf->rmap_err), "anon_vma 0x%" PRIx64 " tree: %s",
					 anon_vma, again < 0 ? "out of memory" : "a node is reached twice: corrupt or cyclic");
				return -1;
			}
			if (depth == 64 || ++visited > FS_MAX_RMAP_NODES) {
				snprintf(sf->rmap_err, sizeof(sf->rmap_err),
					 "anon_vma 0x%" PRIx64 " tree deeper than 64 or over %u nodes: corrupt or cyclic",
					 anon_vma, FS_MAX_RMAP_NODES);
				return -1;
			}
			stack[depth++] = node;
			if (fs_read_kva(s->t, s->p, node + l->rb_left, &node, 8))
				goto bad_node;
			continue;
		}
		node = stack[--depth];
		{
			uint64_t avc = node - l->avc_rb, vma, start, end, pgoff, mm, pgd, va, right;
			struct fs_walk w;

			if (fs_read_kva(s->t, s->p, avc + l->avc_vma, &vma, 8) ||
			    fs_read_kva(s->t, s->p, vma + l->vm_start, &start, 8) ||
			    fs_read_kva(s->t, s->p, vma + l->vm_end, &end, 8) ||
			    fs_read_kva(s->t, s->p, vma + l->vm_pgoff, &pgoff, 8) ||
			    fs_read_kva(s->t, s->p, vma + l->vm_mm, &mm, 8))
				goto bad_node;
			/* every page of the folio: PTE-mapped pieces can sit in
			 * different VMAs after mremap/mprotect splits */
			for (uint64_t k = 0; k < sf->f.nr_pages; k++) {
				uint64_t idx = sf->f.index + k;
				if (idx < pgoff)
					continue;
				va = start + ((idx - pgoff) << 12);
				if (va < start || va >= end)
					continue;
				/* an unreadable mm or table leaves the reverse map
				 * incomplete: an error, not "no VMA reaches it" */
				if (fs_mm_pgd(s->t, mm, &pgd) || fs_pgtable_walk(s->t, s->p, pgd, va, &w)) {
					fs_target_wrap(s->t, "vma 0x%" PRIx64 " (mm 0x%" PRIx64 ") at 0x%" PRIx64, vma, mm, va);
					goto bad_node;
				}
				if (w.leaf < 0)
					continue;
				mark_found(s, sf, mm, va, &w);
				/* a PMD leaf covers the whole folio: one walk is enough */
				if (w.lv[w.leaf].level == FS_LVL_PMD)
					break;
			}
			if (fs_read_kva(s->t, s->p, node + l->rb_right, &right, 8))
				goto bad_node;
			node = right;
		}
	}
	return 0;
bad_node:
	snprintf(sf->rmap_err, sizeof(sf->rmap_err), "anon_vma 0x%" PRIx64 " tree: %s", anon_vma,
		 fs_target_error(s->t));
	return -1;
}

int fs_scan_rmap(struct fs_scan *s, size_t fi)
{
	struct fs_scan_folio *sf = &s->folios[fi];
	struct rmap_layout l;
	uint64_t anon_vma, node;
	struct node_set seen = { NULL, 0, 0 };
	int rc;

	sf->rmap_done = true;
	if (!sf->f.anon || sf->f.ksm) {
		snprintf(sf->rmap_err, sizeof(sf->rmap_err), "%s folio: no anon_vma to walk",
			 sf->f.ksm ? "KSM" : sf->f.mapping ? "file" : "unmapped (mapping NULL)");
		return -1;
	}
	if (layout(s, &l)) {
		snprintf(sf->rmap_err, sizeof(sf->rmap_err), "%s", fs_target_error(s->t));
		return -1;
	}
	if (fs_scan_group_maps(s)) {
		snprintf(sf->rmap_err, sizeof(sf->rmap_err), "out of memory grouping entries by folio");
		return -1;
	}
	anon_vma = sf->f.mapping & ~s->mm.mapping_flags;
	/* rb_root_cached.rb_root.rb_node is its first word; anon_vma locking
	 * may set bit 0 of it (include/linux/rmap.h comment), so mask it. */
	if (fs_read_kva(s->t, s->p, anon_vma + l.av_root, &node, 8)) {
		snprintf(sf->rmap_err, sizeof(sf->rmap_err), "reading anon_vma 0x%" PRIx64 ": %s", anon_vma,
			 fs_target_error(s->t));
		return -1;
	}
	node &= ~1ULL;
	rc = walk_tree(s, sf, &l, anon_vma, node, &seen);
	free(seen.slot);
	return rc;
}
