// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * folio.c - struct page / struct folio layout and snapshots
 * (include/folioscope/folio.h). Layout comes from the target's debug info;
 * the version decides only what the fields mean.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folioscope/folio.h"
#include "folioscope/pgtable.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

static uint64_t off_or_none(struct fs_target *t, const char *type, const char *member)
{
	uint64_t off;

	return fs_member_offset(t, type, member, &off) ? FS_NOFIELD : off;
}

/* First member of the list that exists. */
static uint64_t first_of(struct fs_target *t, const char *type, const char *const *names)
{
	for (; *names; names++) {
		uint64_t off = off_or_none(t, type, *names);
		if (off != FS_NOFIELD)
			return off;
	}
	return FS_NOFIELD;
}

static int flag_bit(struct fs_target *t, const char *name)
{
	int64_t v;

	return fs_enum_value(t, name, &v) ? -1 : (int)v;
}

static int zone_layout(struct fs_mm *mm, struct fs_target *t, const struct fs_profile *p, char *err, size_t errlen)
{
	int64_t nr_zones, dev;
	int nodes_shift = 0, zones_shift;

	/* include/linux/page-flags-layout.h: ZONES_SHIFT from MAX_NR_ZONES
	 * (<= 2: 1, <= 4: 2, else 3; 6.1, 6.12, 7.2 alike). */
	if (fs_enum_value(t, "__MAX_NR_ZONES", &nr_zones))
		return ERR("no enum zone_type in the debug info: %s", fs_target_error(t));
	zones_shift = nr_zones <= 1 ? 0 : nr_zones <= 2 ? 1 : nr_zones <= 4 ? 2 : 3;
	if (fs_enum_value(t, "ZONE_DEVICE", &dev))
		dev = -1;	/* kernel without ZONE_DEVICE: no device pages */
	/* NODES_WIDTH = NODES_SHIFT (CONFIG_NODES_SHIFT with NUMA, else 0);
	 * SECTIONS_WIDTH is 0 with SPARSEMEM_VMEMMAP, so (mmzone.h 7.2:1236)
	 * ZONES_PGOFF = 64 - NODES_WIDTH - ZONES_WIDTH. */
	if (p->ikconfig && fs_kconfig_bool(p->ikconfig, "NUMA") == 1) {
		const char *s = strstr(p->ikconfig, "\nCONFIG_NODES_SHIFT=");
		nodes_shift = s ? atoi(s + 20) : 0;
		/* NODES_SHIFT: range 1 10 (6.12 arch/x86/Kconfig, arch/arm64/Kconfig) */
		if (nodes_shift < 0 || nodes_shift > 10) {
			snprintf(mm->notes, sizeof(mm->notes), "IKCONFIG NODES_SHIFT %d implausible: taken as 0", nodes_shift);
			nodes_shift = 0;
		}
	} else if (!p->ikconfig) {
		uint64_t len;
		/* node_data[MAX_NUMNODES] exists with NUMA: its bound is 1 << NODES_SHIFT */
		if (fs_array_length(t, "node_data", &len) == 0 && len > 1)
			while ((1ULL << nodes_shift) < len)
				nodes_shift++;
	}
	if (p->ikconfig && fs_kconfig_bool(p->ikconfig, "SPARSEMEM_VMEMMAP") == 0)
		snprintf(mm->notes, sizeof(mm->notes), "SPARSEMEM without VMEMMAP: zone bits may be misplaced");
	mm->zones_width = zones_shift;
	mm->zones_pgshift = 64 - nodes_shift - zones_shift;
	mm->zone_device = (int)dev;
	return 0;
}

int fs_mm_init(struct fs_mm *mm, struct fs_target *t, const struct fs_profile *p, char *err, size_t errlen)
{
	static const char *const head_names[] = { "compound_info", "compound_head", NULL };
	static const char *const index_names[] = { "index", "__folio_index", NULL };
	int v = p->facts.ver_major * 100 + p->facts.ver_minor;

	memset(mm, 0, sizeof(*mm));
	if (fs_type_size(t, "struct page", &mm->page_size))
		return ERR("%s", fs_target_error(t));
	if (mm->page_size < 40 || mm->page_size > 256)
		return ERR("sizeof(struct page) is %llu: not a kernel this tool understands",
			   (unsigned long long)mm->page_size);
	mm->vmemmap = p->vmemmap_base;
	mm->flags = off_or_none(t, "struct page", "flags");
	mm->head = first_of(t, "struct page", head_names);
	mm->head_is_info = off_or_none(t, "struct page", "compound_info") != FS_NOFIELD;
	/* page-flags.h (7.2:208): mask mode only with HVO and a power-of-2 struct page */
	mm->head_mask_mode = mm->head_is_info && p->ikconfig &&
			     fs_kconfig_bool(p->ikconfig, "HUGETLB_PAGE_OPTIMIZE_VMEMMAP") == 1 &&
			     (mm->page_size & (mm->page_size - 1)) == 0;
	mm->mapping = off_or_none(t, "struct page", "mapping");
	mm->index = first_of(t, "struct page", index_names);
	mm->private_ = off_or_none(t, "struct page", "private");
	mm->mapcount = off_or_none(t, "struct page", "_mapcount");
	mm->refcount = off_or_none(t, "struct page", "_refcount");
	mm->page_pgmap = off_or_none(t, "struct page", "pgmap");
	mm->zone_device_data = off_or_none(t, "struct page", "zone_device_data");
	if (mm->flags == FS_NOFIELD || mm->head == FS_NOFIELD || mm->mapping == FS_NOFIELD ||
	    mm->refcount == FS_NOFIELD || mm->mapcount == FS_NOFIELD)
		return ERR("struct page lacks flags/compound head/mapping/_refcount/_mapcount in the debug info");

	mm->folio_pgmap = off_or_none(t, "struct folio", "pgmap");
	mm->flags_1 = off_or_none(t, "struct folio", "_flags_1");
	mm->folio_order_61 = off_or_none(t, "struct folio", "_folio_order");
	mm->large_mapcount = off_or_none(t, "struct folio", "_large_mapcount");
	mm->entire_mapcount = off_or_none(t, "struct folio", "_entire_mapcount");
	mm->nr_pages_mapped = off_or_none(t, "struct folio", "_nr_pages_mapped");
	mm->pincount = off_or_none(t, "struct folio", "_pincount");
	mm->total_mapcount = off_or_none(t, "struct folio", "_total_mapcount");
	mm->mm_ids = off_or_none(t, "struct folio", "_mm_ids");
	mm->deferred_list = off_or_none(t, "struct folio", "_deferred_list");
	if (mm->flags_1 == FS_NOFIELD && mm->folio_order_61 == FS_NOFIELD)
		return ERR("struct folio has neither _flags_1 nor _folio_order: cannot tell folio orders");

	mm->pg_locked = flag_bit(t, "PG_locked");
	mm->pg_head = flag_bit(t, "PG_head");
	mm->pg_reserved = flag_bit(t, "PG_reserved");
	mm->pg_anon_exclusive = flag_bit(t, "PG_anon_exclusive");
	mm->pg_large_rmappable = flag_bit(t, "PG_large_rmappable");
	if (mm->pg_head < 0 || mm->pg_locked < 0)
		return ERR("enum pageflags lacks PG_head/PG_locked in the debug info");

	/* page-flags.h: PAGE_MAPPING_ANON 0x1, KSM = ANON|0x2 (6.1, 6.12);
	 * FOLIO_MAPPING_ANON 0x1, FOLIO_MAPPING_KSM = ANON|ANON_KSM(0x2) (7.2). */
	mm->mapping_anon = 1;
	mm->mapping_ksm = 3;
	mm->mapping_flags = 3;
	/* mm/internal.h ENTIRELY_MAPPED 0x800000 (6.12, 7.2; the bit scheme
	 * since "mm: ... _nr_pages_mapped" in 6.3, inferred). */
	mm->entirely_mapped = v >= 603 ? 0x800000 : 0;
	return zone_layout(mm, t, p, err, errlen);
}

uint64_t fs_pfn_to_page(const struct fs_mm *mm, uint64_t pfn)
{
	return mm->vmemmap + pfn * mm->page_size;
}

static uint64_t rd64(const unsigned char *img, uint64_t off)
{
	uint64_t v;

	memcpy(&v, img + off, 8);
	return v;
}

static int32_t rd32(const unsigned char *img, uint64_t off)
{
	int32_t v;

	memcpy(&v, img + off, 4);
	return v;
}

static int read_page_image(struct fs_target *t, const struct fs_profile *p, const struct fs_mm *mm, uint64_t page,
			   unsigned char *img)
{
	return fs_read_kva(t, p, page, img, mm->page_size);
}

/* Head page of a page, from its compound word (page-flags.h _compound_head). */
static uint64_t head_of(const struct fs_mm *mm, uint64_t page, uint64_t info, bool *tail)
{
	*tail = info & 1;
	if (!*tail)
		return page;
	if (mm->head_mask_mode) {
		uint64_t mask = ((info & 1) - 1) | info;
		return page & mask;
	}
	return info - 1;
}

int fs_folio_from_image(struct fs_target *t, const struct fs_profile *p, const struct fs_mm *mm, uint64_t pfn,
			const unsigned char *img, struct fs_folio *f)
{
	unsigned char head_img[256], second[256];
	const unsigned char *h = img;

	memset(f, 0, sizeof(*f));
	f->pfn = pfn;
	f->page = fs_pfn_to_page(mm, pfn);
	f->flags = rd64(img, mm->flags);
	f->head_page = head_of(mm, f->page, rd64(img, mm->head), &f->tail);
	if (f->tail) {
		/* The head must be a struct page below this one, within the
		 * largest folio (MAX_PAGE_ORDER is at most 15 on x86_64/arm64 4K
		 * with gigantic folios at 18): anything else is garbage. */
		if (f->head_page > f->page || f->head_page < mm->vmemmap ||
		    (f->page - f->head_page) / mm->page_size >= (1ULL << 18) ||
		    (f->page - f->head_page) % mm->page_size)
			return fs_target_fail(t, "page 0x%llx (pfn 0x%llx) has a corrupt compound head 0x%llx",
					      (unsigned long long)f->page, (unsigned long long)pfn,
					      (unsigned long long)f->head_page);
		if (read_page_image(t, p, mm, f->head_page, head_img))
			return fs_target_wrap(t, "reading the head page of pfn 0x%llx", (unsigned long long)pfn);
		h = head_img;
	}
	f->head_pfn = (f->head_page - mm->vmemmap) / mm->page_size;
	f->head_flags = rd64(h, mm->flags);
	f->head_flag = f->head_flags >> mm->pg_head & 1;
	f->zone = mm->zones_width ? (int)((f->head_flags >> mm->zones_pgshift) & ((1u << mm->zones_width) - 1)) : 0;
	f->zone_device = mm->zone_device >= 0 && f->zone == mm->zone_device;
	f->refcount = rd32(h, mm->refcount);
	f->mapping = rd64(h, mm->mapping);
	f->index = mm->index != FS_NOFIELD ? rd64(h, mm->index) : 0;
	f->anon = (f->mapping & mm->mapping_flags) == mm->mapping_anon;
	f->ksm = (f->mapping & mm->mapping_flags) == mm->mapping_ksm;
	f->locked = f->head_flags >> mm->pg_locked & 1;
	f->anon_exclusive = mm->pg_anon_exclusive >= 0 && (f->flags >> mm->pg_anon_exclusive & 1);
	f->page_mapcount = rd32(img, mm->mapcount) + 1;
	f->nr_pages = 1;
	if (f->zone_device)
		f->pgmap = mm->folio_pgmap != FS_NOFIELD ? rd64(h, mm->folio_pgmap) :
			   mm->page_pgmap != FS_NOFIELD ? rd64(img, mm->page_pgmap) : 0;

	if (f->head_flag) {
		/* The large-folio counters live in the first tail page. */
		if (read_page_image(t, p, mm, f->head_page + mm->page_size, second))
			return fs_target_wrap(t, "reading the second page of the folio at pfn 0x%llx",
					      (unsigned long long)f->head_pfn);
		/* folio's page[1] fields are given as offsets into struct folio */
#define F1(off) ((off) - mm->page_size)
		if (mm->flags_1 != FS_NOFIELD)
			f->order = (int)(rd64(second, F1(mm->flags_1)) & 0xff);
		else
			f->order = second[F1(mm->folio_order_61)];
		/* the largest folio is order 18 (see the head check above):
		 * a bigger order is garbage, and callers loop over nr_pages */
		if (f->order > 18)
			return fs_target_fail(t, "folio at pfn 0x%llx has order %d: corrupt",
					      (unsigned long long)f->head_pfn, f->order);
		f->nr_pages = 1ULL << f->order;
		f->has_large = true;
		if (mm->large_mapcount != FS_NOFIELD)
			f->large_mapcount = rd32(second, F1(mm->large_mapcount)) + 1;
		if (mm->entire_mapcount != FS_NOFIELD && mm->entire_mapcount < 2 * mm->page_size)
			f->entire_mapcount = rd32(second, F1(mm->entire_mapcount)) + 1;
		else if (mm->total_mapcount != FS_NOFIELD)
			f->entire_mapcount = rd32(second, F1(mm->total_mapcount)) + 1;
		if (mm->nr_pages_mapped != FS_NOFIELD) {
			uint32_t n = (uint32_t)rd32(second, F1(mm->nr_pages_mapped));
			f->nr_pages_mapped_raw = (int32_t)n;
			f->entirely_mapped_flag = mm->entirely_mapped && (n & mm->entirely_mapped);
			f->nr_pages_mapped = (int)(mm->entirely_mapped ? (n & (mm->entirely_mapped - 1)) : n);
		}
		if (mm->pincount != FS_NOFIELD && mm->pincount < 2 * mm->page_size)
			f->pincount = rd32(second, F1(mm->pincount));
		if (mm->mm_ids != FS_NOFIELD)
			f->mm_ids = rd64(second, F1(mm->mm_ids));
#undef F1
		if (mm->deferred_list != FS_NOFIELD) {
			/* list_empty(&folio->_deferred_list): next == itself */
			uint64_t addr = f->head_page + mm->deferred_list, next;
			if (fs_read_kva(t, p, addr, &next, 8) == 0)
				f->on_deferred_list = next != addr && next != 0;
		}
	}
	/* include/linux/mm.h folio_mapcount(): small folios use _mapcount,
	 * large ones _large_mapcount (6.11+); 6.1 sums entire + per page. */
	if (!f->has_large)
		f->folio_mapcount = f->page_mapcount;
	else if (mm->large_mapcount != FS_NOFIELD)
		f->folio_mapcount = f->large_mapcount;
	else
		f->folio_mapcount = f->entire_mapcount;	/* 6.1: per-page part added by callers */
	return 0;
}

bool fs_page_image_plain_free(const struct fs_mm *mm, const unsigned char *img)
{
	uint64_t flags = rd64(img, mm->flags);

	return !(rd64(img, mm->head) & 1) && !(flags >> mm->pg_head & 1) && !(flags >> mm->pg_locked & 1) &&
	       rd32(img, mm->refcount) == 0 && rd64(img, mm->mapping) == 0 && rd32(img, mm->mapcount) == -1;
}

int fs_folio_read(struct fs_target *t, const struct fs_profile *p, const struct fs_mm *mm, uint64_t pfn,
		  struct fs_folio *f)
{
	unsigned char img[256];

	if (read_page_image(t, p, mm, fs_pfn_to_page(mm, pfn), img))
		return fs_target_wrap(t, "reading struct page of pfn 0x%llx", (unsigned long long)pfn);
	return fs_folio_from_image(t, p, mm, pfn, img, f);
}

void fs_folio_flag_names(const struct fs_mm *mm, uint64_t flags, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
#define ADD(bit, name) do { if ((bit) >= 0 && (flags >> (bit) & 1) && n + 1 < len) \
	n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "", name); } while (0)
	ADD(mm->pg_head, "head");
	ADD(mm->pg_locked, "locked");
	ADD(mm->pg_reserved, "reserved");
	ADD(mm->pg_anon_exclusive, "anon_exclusive");
	ADD(mm->pg_large_rmappable, "large_rmappable");
#undef ADD
	if (n >= len)
		buf[len - 1] = 0;
}
