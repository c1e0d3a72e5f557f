/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * folio.h - struct page / struct folio as the dumped kernel lays them out.
 *
 * struct fs_mm caches, once per target, where each field lives (asked of the
 * target's debug info, with the member names of each kernel era as
 * fallbacks) and the page-flag bit numbers (from enum pageflags). A
 * struct fs_folio is a snapshot of one page and its folio, read through it.
 * Field names per era: 6.1 include/linux/mm_types.h (compound_head,
 * _folio_order, _total_mapcount), 6.12 (compound_head, _flags_1,
 * _large_mapcount, page->pgmap), 7.2 (compound_info, memdesc_flags_t,
 * folio->pgmap, _mm_ids).
 */
#ifndef FOLIOSCOPE_FOLIO_H
#define FOLIOSCOPE_FOLIO_H

#include <stdbool.h>
#include <stdint.h>

#include "folioscope/profile.h"
#include "folioscope/target.h"

#define FS_NOFIELD UINT64_MAX	/* member absent in this kernel */

struct fs_mm {
	uint64_t page_size;		/* sizeof(struct page) */
	uint64_t vmemmap;		/* address of struct page for pfn 0 */
	/* struct page */
	uint64_t flags, head, mapping, index, private_, mapcount, refcount;
	uint64_t page_pgmap;		/* page->pgmap (<= 6.14) */
	uint64_t zone_device_data;
	bool head_is_info;		/* 7.x compound_info */
	bool head_mask_mode;		/* compound_info_has_mask() */
	/* struct folio */
	uint64_t folio_pgmap;		/* folio->pgmap (6.15+) */
	uint64_t flags_1;		/* order in the low byte (6.x+), FS_NOFIELD on 6.1 */
	uint64_t folio_order_61;	/* 6.1: folio->_folio_order (page[1].compound_order) */
	uint64_t large_mapcount, entire_mapcount, nr_pages_mapped, pincount, total_mapcount;
	uint64_t mm_ids, deferred_list;
	/* page flag bits (enum pageflags) */
	int pg_locked, pg_head, pg_reserved, pg_anon_exclusive, pg_large_rmappable;
	/* zone decoding (include/linux/mmzone.h page_zonenum) */
	int zones_pgshift, zones_width, zone_device;
	/* mapping low bits (page-flags.h PAGE_MAPPING_ANON / FOLIO_MAPPING_ANON) */
	uint64_t mapping_anon, mapping_ksm, mapping_flags;
	/* ENTIRELY_MAPPED in _nr_pages_mapped (mm/internal.h) */
	uint64_t entirely_mapped;
	char notes[256];
};

/* Resolve the layout; -1 with a message naming the missing piece. */
int fs_mm_init(struct fs_mm *mm, struct fs_target *t, const struct fs_profile *p, char *err, size_t errlen);

/* (wide members first, then ints, then flags: no padding, as the
 * whole-dump scan keeps one per device folio) */
struct fs_folio {
	uint64_t pfn;
	uint64_t page;			/* struct page * of pfn */
	uint64_t head_page;		/* struct page * of the folio head */
	uint64_t head_pfn;
	uint64_t nr_pages;
	uint64_t flags;			/* of pfn's page */
	uint64_t head_flags;
	uint64_t mm_ids;
	uint64_t mapping;
	uint64_t index;
	uint64_t pgmap;			/* dev_pagemap of a ZONE_DEVICE folio */
	int order;			/* folio order (0 for small) */
	int zone;
	int refcount;			/* folio (head) _refcount */
	int page_mapcount;		/* pfn's page _mapcount + 1 (small: folio mapcount) */
	int large_mapcount;		/* _large_mapcount + 1 (6.11+) or total (6.1) */
	int entire_mapcount;		/* _entire_mapcount + 1 */
	int nr_pages_mapped;		/* _nr_pages_mapped without ENTIRELY_MAPPED */
	int nr_pages_mapped_raw;	/* as stored (negative: corrupt) */
	int pincount;
	int folio_mapcount;		/* the kernel's folio_mapcount() */
	bool tail;
	bool zone_device;
	bool has_large;			/* large-folio counters read */
	bool entirely_mapped_flag;
	bool anon, ksm, locked, anon_exclusive, head_flag;
	bool on_deferred_list;
};

/*
 * The folio is in use: a reference is held, or its refcount is frozen at 0
 * under the folio lock while the kernel splits or migrates it (7.2
 * mm/huge_memory.c __folio_split(), mm/migrate.c __folio_migrate_mapping():
 * folio_ref_freeze()). A frozen folio still holds its pgmap references and
 * its entries; a free device folio is never locked.
 */
static inline bool fs_folio_held(const struct fs_folio *f)
{
	return f->refcount > 0 || (f->refcount == 0 && f->locked);
}

uint64_t fs_pfn_to_page(const struct fs_mm *mm, uint64_t pfn);
/* Read the snapshot of pfn; -1 with the target's error if unreadable. */
int fs_folio_read(struct fs_target *t, const struct fs_profile *p, const struct fs_mm *mm, uint64_t pfn,
		  struct fs_folio *f);
/* Same from an already-read struct page image (batch scans). */
int fs_folio_from_image(struct fs_target *t, const struct fs_profile *p, const struct fs_mm *mm, uint64_t pfn,
			const unsigned char *page_img, struct fs_folio *f);
/* A struct page image that fs_folio_from_image() would decode as a free
 * small page with nothing to check: no head or tail, not locked, reference
 * count 0, no mapping, mapcount 0. The whole-dump scan counts such pages
 * without decoding them (most free device pages are). */
bool fs_page_image_plain_free(const struct fs_mm *mm, const unsigned char *img);
/* Short flag names of interest ("head,locked,anon_exclusive,reserved"). */
void fs_folio_flag_names(const struct fs_mm *mm, uint64_t flags, char *buf, size_t len);

#endif
