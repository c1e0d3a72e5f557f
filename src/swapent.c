// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * swapent.c - page-table entry decoding (see include/folioscope/swapent.h).
 *
 * Sources, read in Debian's linux-source packages 6.1.192, 6.12.117 and
 * 7.2.13 (cited below as 6.1, 6.12, 7.2):
 *   include/linux/swap.h          special swap types and MAX_SWAPFILES
 *   include/linux/swapops.h       SWP_PFN_BITS, migration A/D bits, markers
 *   include/linux/leafops.h (7.2) softleaf kinds, pmd_is_valid_softleaf()
 *   arch/x86/include/asm/pgtable_64.h, pgtable_types.h, pgtable_64_types.h,
 *   pgtable.h, pgtable-invert.h   x86_64 swap PTE layout and present tests
 *   arch/arm64/include/asm/pgtable.h, pgtable-prot.h   arm64 layout
 * Version boundaries between those three trees are inferred from the
 * upstream patches named next to each rule and flagged as such.
 */
#include <stdio.h>
#include <string.h>

#include "folioscope/swapent.h"

static const char *const kind_names[FS_ENT__COUNT] = {
	[FS_ENT_NONE] = "none",
	[FS_ENT_PRESENT] = "present",
	[FS_ENT_SWAP] = "swap",
	[FS_ENT_MIGRATION_READ] = "migration-read",
	[FS_ENT_MIGRATION_READ_EXCLUSIVE] = "migration-read-exclusive",
	[FS_ENT_MIGRATION_WRITE] = "migration-write",
	[FS_ENT_DEVICE_PRIVATE_READ] = "device-private-read",
	[FS_ENT_DEVICE_PRIVATE_WRITE] = "device-private-write",
	[FS_ENT_DEVICE_EXCLUSIVE] = "device-exclusive",
	[FS_ENT_DEVICE_EXCLUSIVE_READ] = "device-exclusive-read",
	[FS_ENT_DEVICE_EXCLUSIVE_WRITE] = "device-exclusive-write",
	[FS_ENT_HWPOISON] = "hwpoison",
	[FS_ENT_MARKER] = "marker",
	[FS_ENT_SWAPIN_ERROR] = "swapin-error",
	[FS_ENT_UNKNOWN] = "unknown",
};

const char *fs_entry_kind_name(enum fs_entry_kind k)
{
	return (unsigned)k < FS_ENT__COUNT ? kind_names[k] : "unknown";
}

int fs_entry_kind_from_name(const char *name)
{
	for (int i = 0; i < FS_ENT__COUNT; i++)
		if (strcmp(kind_names[i], name) == 0)
			return i;
	return -1;
}

const char *fs_level_name(enum fs_level l)
{
	static const char *const n[FS_LVL__COUNT] = { "pgd", "p4d", "pud", "pmd", "pte" };
	return (unsigned)l < FS_LVL__COUNT ? n[l] : "?";
}

const char *fs_arch_name(enum fs_arch a)
{
	switch (a) {
	case FS_ARCH_X86_64: return "x86_64";
	case FS_ARCH_ARM64: return "arm64";
	default: return "unknown";
	}
}

enum fs_arch fs_arch_from_name(const char *name)
{
	if (!strcmp(name, "x86_64") || !strcmp(name, "x86-64") || !strcmp(name, "amd64"))
		return FS_ARCH_X86_64;
	if (!strcmp(name, "arm64") || !strcmp(name, "aarch64"))
		return FS_ARCH_ARM64;
	return FS_ARCH_UNKNOWN;
}

bool fs_kind_is_migration(enum fs_entry_kind k)
{
	return k == FS_ENT_MIGRATION_READ || k == FS_ENT_MIGRATION_READ_EXCLUSIVE ||
	       k == FS_ENT_MIGRATION_WRITE;
}

bool fs_kind_is_device_private(enum fs_entry_kind k)
{
	return k == FS_ENT_DEVICE_PRIVATE_READ || k == FS_ENT_DEVICE_PRIVATE_WRITE;
}

bool fs_kind_is_device_exclusive(enum fs_entry_kind k)
{
	return k == FS_ENT_DEVICE_EXCLUSIVE || k == FS_ENT_DEVICE_EXCLUSIVE_READ ||
	       k == FS_ENT_DEVICE_EXCLUSIVE_WRITE;
}

/*
 * PFN-carrying kinds: is_pfn_swap_entry() in 6.12 swapops.h (migration,
 * device-private, device-exclusive) plus hwpoison, whose offset is a PFN too
 * (make_hwpoison_entry(); softleaf_has_pfn() in 7.2 leafops.h includes it).
 */
bool fs_kind_has_pfn(enum fs_entry_kind k)
{
	return fs_kind_is_migration(k) || fs_kind_is_device_private(k) ||
	       fs_kind_is_device_exclusive(k) || k == FS_ENT_HWPOISON;
}

static int version_code(const struct fs_kernel_facts *k)
{
	return k->ver_major * 100 + k->ver_minor;
}

/*
 * The special types sit above MAX_SWAPFILES in this ascending order
 * (include/linux/swap.h, all three trees): HWPOISON, MIGRATION block,
 * DEVICE block, PTE_MARKER, and in 5.19-6.1 SWAPIN_ERROR last.
 *   6.1  swap.h: DEVICE = WRITE, READ, EXCLUSIVE_WRITE, EXCLUSIVE_READ;
 *        PTE_MARKER only #ifdef CONFIG_PTE_MARKER; SWAPIN_ERROR always.
 *   6.12 swap.h: same DEVICE block; PTE_MARKER always; no SWAPIN_ERROR
 *        (removed in 6.2 by "mm: Always compile in pte markers", inferred).
 *   7.2  swap.h: DEVICE = WRITE, READ, EXCLUSIVE (SWP_DEVICE_NUM 3; one
 *        exclusive type since 6.15, "mm: use single SWP_DEVICE_EXCLUSIVE
 *        entry type", inferred).
 *   MIGRATION = READ, READ_EXCLUSIVE, WRITE in all three.
 */
static int special_types(const struct fs_kernel_facts *k, uint8_t *out)
{
	int v = version_code(k), n = 0;

	if (k->memory_failure)
		out[n++] = FS_ENT_HWPOISON;
	if (k->migration) {
		out[n++] = FS_ENT_MIGRATION_READ;
		out[n++] = FS_ENT_MIGRATION_READ_EXCLUSIVE;
		out[n++] = FS_ENT_MIGRATION_WRITE;
	}
	if (k->device_private) {
		out[n++] = FS_ENT_DEVICE_PRIVATE_WRITE;
		out[n++] = FS_ENT_DEVICE_PRIVATE_READ;
		if (v >= 615) {
			out[n++] = FS_ENT_DEVICE_EXCLUSIVE;
		} else {
			out[n++] = FS_ENT_DEVICE_EXCLUSIVE_WRITE;
			out[n++] = FS_ENT_DEVICE_EXCLUSIVE_READ;
		}
	}
	if (v >= 602 || k->pte_marker)
		out[n++] = FS_ENT_MARKER;
	if (v <= 601)
		out[n++] = FS_ENT_SWAPIN_ERROR;
	return n;
}

int fs_swap_layout_init(struct fs_swap_layout *l, const struct fs_kernel_facts *k)
{
	uint8_t specials[16];
	int v = version_code(k), n, pb;

	memset(l, 0, sizeof(*l));
	l->arch = k->arch;
	if (k->arch != FS_ARCH_X86_64 && k->arch != FS_ARCH_ARM64)
		return -1;

	n = special_types(k, specials);
	l->max_swapfiles = 32 - n;	/* 1 << MAX_SWAPFILES_SHIFT (5) in every tree */
	for (int t = 0; t < 32; t++)
		l->kind[t] = t < l->max_swapfiles ? FS_ENT_SWAP : FS_ENT_UNKNOWN;
	for (int i = 0; i < n; i++)
		l->kind[l->max_swapfiles + i] = specials[i];

	/* swapops.h: SWP_PFN_BITS = MAX_PHYSMEM_BITS - PAGE_SHIFT. Outside
	 * 32..56 (what --config accepts) the number is garbage: every shift
	 * by pfn_bits below needs it sane, so use the arch default. */
	pb = k->max_physmem_bits;
	if (pb < 32 || pb > 56)
		pb = k->arch == FS_ARCH_X86_64 ? 46 : 48;
	l->pfn_bits = pb - (k->page_shift ? k->page_shift : 12);
	/*
	 * Migration young/dirty bits (SWP_MIG_YOUNG_BIT = SWP_PFN_BITS, DIRTY +1;
	 * 6.1/6.12/7.2 swapops.h) only when migration_entry_supports_ad(), i.e.
	 * the boot-time bool swap_migration_ad_supported (mm/swapfile.c).
	 */
	l->mig_ad = k->mig_ad_supported;

	/*
	 * PTE markers: 6.1 swapops.h UFFD_WP BIT(0), mask BIT(0);
	 * 6.12: + POISONED BIT(1), mask BIT(2)-1 (bit 1 was SWAPIN_ERROR in
	 * 6.2-6.5, renamed for UFFDIO_POISON in 6.6: inferred);
	 * 7.2: + GUARD BIT(2), mask BIT(3)-1 (guard regions, 6.13: inferred).
	 */
	l->marker_names[0] = "uffd-wp";
	l->marker_mask = 1;
	if (v >= 602) {
		l->marker_names[1] = v >= 606 ? "poisoned" : "swapin-error";
		l->marker_mask = 3;
	}
	if (v >= 613) {
		l->marker_names[2] = "guard";
		l->marker_mask = 7;
	}

	if (k->arch == FS_ARCH_X86_64) {
		/* pgtable_types.h: _PAGE_SWP_SOFT_DIRTY = _PAGE_RW only with
		 * CONFIG_MEM_SOFT_DIRTY, _PAGE_SWP_UFFD_WP = _PAGE_USER only with
		 * CONFIG_HAVE_ARCH_USERFAULTFD_WP (X86_64 && USERFAULTFD). */
		l->has_soft_dirty = k->mem_soft_dirty;
		l->has_uffd_wp = k->uffd_wp;
	} else {
		/* arm64 pgtable.h: 6.1 __SWP_TYPE_SHIFT 3, __SWP_OFFSET_SHIFT 8;
		 * 6.12 and 7.2: 6 and 12, after "arm64/mm: Move PTE_PRESENT_INVALID
		 * to overlay PTE_NG" (6.10, inferred). PTE_SWP_UFFD_WP (bit 3) from
		 * the same release; no soft-dirty on arm64. */
		if (v >= 610) {
			l->type_shift = 6;
			l->offset_shift = 12;
			l->has_uffd_wp = k->uffd_wp;
		} else {
			l->type_shift = 3;
			l->offset_shift = 8;
		}
	}
	l->pmd_softleaf = k->thp_migration;
	/* Device-private PMDs: "mm: support device-private THP" (6.19; present in
	 * 7.2 leafops.h pmd_is_device_private_entry()). */
	l->pmd_device_private = k->thp_migration && k->device_private && v >= 619;

	if (v >= 615)
		l->era = "6.15+: one device-exclusive type (verified in 7.2 swap.h)";
	else if (v >= 602)
		l->era = "6.2-6.14: two device-exclusive types, markers always (verified in 6.12 swap.h)";
	else
		l->era = "5.19-6.1: two device-exclusive types, SWAPIN_ERROR (verified in 6.1 swap.h)";
	if (v < 601 || v > 702)
		snprintf(l->warning, sizeof(l->warning),
			 "kernel %d.%d is outside the verified range 6.1-7.2: decoding with the nearest profile",
			 k->ver_major, k->ver_minor);
	if (k->max_physmem_bits && pb != k->max_physmem_bits)
		snprintf(l->warning, sizeof(l->warning),
			 "MAX_PHYSMEM_BITS %d is implausible (want 32-56): decoding with %d", k->max_physmem_bits, pb);
	if (k->max_swapfiles_probe >= 0 && k->max_swapfiles_probe != l->max_swapfiles)
		snprintf(l->warning, sizeof(l->warning),
			 "MAX_SWAPFILES from the kernel's swap_info[] is %d but the config implies %d: config bits are wrong",
			 k->max_swapfiles_probe, l->max_swapfiles);
	return 0;
}

int fs_swap_type_of(const struct fs_swap_layout *l, enum fs_entry_kind kind)
{
	if (kind == FS_ENT_SWAP)
		return 0;
	for (int t = l->max_swapfiles; t < 32; t++)
		if (l->kind[t] == kind)
			return t;
	return -1;
}

/* x86_64 (pgtable_64.h): type in bits 59-63; offset in bits 9-58, stored
 * inverted for L1TF: __swp_offset(x) = ~x << SWP_TYPE_BITS >> SWP_OFFSET_SHIFT,
 * with SWP_TYPE_BITS 5, SWP_OFFSET_SHIFT = _PAGE_BIT_PROTNONE + 1 + 5 = 14. */
#define X86_SWP_TYPE_BITS 5
#define X86_SWP_OFFSET_SHIFT 14

uint64_t fs_swap_entry_encode(const struct fs_swap_layout *l, int type, uint64_t offset)
{
	if (l->arch == FS_ARCH_X86_64)
		return ((~offset << X86_SWP_OFFSET_SHIFT) >> X86_SWP_TYPE_BITS) |
		       ((uint64_t)type << (64 - X86_SWP_TYPE_BITS));
	return ((uint64_t)(type & 0x1f) << l->type_shift) |
	       ((offset & ((1ULL << 50) - 1)) << l->offset_shift);
}

/* x86_64 pgtable_types.h bit numbers. */
#define X86_P		(1ULL << 0)
#define X86_RW		(1ULL << 1)
#define X86_USER	(1ULL << 2)
#define X86_PWT		(1ULL << 3)
#define X86_PSE		(1ULL << 7)
#define X86_PROTNONE	(1ULL << 8)	/* _PAGE_BIT_PROTNONE = _PAGE_BIT_GLOBAL */
#define X86_KNL_ERRATUM	((1ULL << 5) | (1ULL << 6))	/* accessed | dirty */
#define X86_PHYS_MASK	0x000ffffffffff000ULL	/* __PHYSICAL_MASK_SHIFT 52 */

static bool x86_present(enum fs_level lvl, uint64_t raw)
{
	/* pgtable.h: pte_present = PRESENT|PROTNONE; pmd_present adds PSE
	 * (split_huge_page clears PRESENT but keeps PSE). Upper levels are
	 * never swap entries: anything non-none there counts as present. */
	if (lvl == FS_LVL_PTE)
		return raw & (X86_P | X86_PROTNONE);
	if (lvl == FS_LVL_PMD)
		return raw & (X86_P | X86_PROTNONE | X86_PSE);
	return true;
}

static void x86_present_decode(enum fs_level lvl, uint64_t raw, struct fs_entry *e)
{
	/* pgtable-invert.h: a non-zero entry without _PAGE_PRESENT (PROTNONE)
	 * has its PFN bits inverted; pte_pfn() undoes it. */
	uint64_t v = (raw && !(raw & X86_P)) ? ~raw : raw;
	uint64_t mask = X86_PHYS_MASK;

	e->huge = (lvl == FS_LVL_PMD || lvl == FS_LVL_PUD) && (raw & X86_PSE);
	if (e->huge)	/* bit 12 is _PAGE_PAT_LARGE in a huge entry */
		mask &= lvl == FS_LVL_PMD ? ~((1ULL << 21) - 1) : ~((1ULL << 30) - 1);
	e->pfn = (v & mask) >> 12;
	e->write = raw & X86_RW;
	e->is_leaf = lvl == FS_LVL_PTE || e->huge;
	e->has_pfn = e->is_leaf;	/* else pfn is the next table's frame */
}

/* arm64 pgtable-prot.h / pgtable-hwdef.h bits. */
#define A64_VALID		(1ULL << 0)
#define A64_TABLE		(1ULL << 1)	/* with VALID at PGD..PMD: next level */
#define A64_SWP_EXCLUSIVE	(1ULL << 2)
#define A64_SWP_UFFD_WP		(1ULL << 3)
#define A64_PRESENT_INVALID	(1ULL << 11)	/* 6.10+: PTE_NG overlay */
#define A64_PROT_NONE_OLD	(1ULL << 58)	/* <= 6.9 */
#define A64_PMD_PRESENT_INVALID_OLD (1ULL << 59)	/* <= 6.9 */
#define A64_WRITE		(1ULL << 51)	/* PTE_WRITE = PTE_DBM */
#define A64_ADDR_MASK		0x0000fffffffff000ULL	/* PTE_ADDR_LOW, 48-bit PA */

static bool a64_present(const struct fs_swap_layout *l, enum fs_level lvl, uint64_t raw)
{
	if (lvl != FS_LVL_PTE && lvl != FS_LVL_PMD)
		return true;
	if (l->offset_shift == 12)	/* 6.12/7.2: pte_present = VALID|PRESENT_INVALID */
		return raw & (A64_VALID | A64_PRESENT_INVALID);
	/* 6.1: pte_present = VALID|PROT_NONE; pmd_present adds PMD_PRESENT_INVALID */
	if (raw & (A64_VALID | A64_PROT_NONE_OLD))
		return true;
	return lvl == FS_LVL_PMD && (raw & A64_PMD_PRESENT_INVALID_OLD);
}

static void a64_present_decode(enum fs_level lvl, uint64_t raw, struct fs_entry *e)
{
	uint64_t mask = A64_ADDR_MASK;

	e->huge = (lvl == FS_LVL_PMD || lvl == FS_LVL_PUD) && (raw & A64_VALID) &&
		  !(raw & A64_TABLE);
	if (e->huge)
		mask &= lvl == FS_LVL_PMD ? ~((1ULL << 21) - 1) : ~((1ULL << 30) - 1);
	e->pfn = (raw & mask) >> 12;
	e->write = raw & A64_WRITE;
	e->is_leaf = lvl == FS_LVL_PTE || e->huge;
	e->has_pfn = e->is_leaf;	/* else pfn is the next table's frame */
}

static void classify_swap(const struct fs_swap_layout *l, enum fs_level lvl, struct fs_entry *e)
{
	uint64_t pfn_mask = (e->type >= 0 && l->pfn_bits < 64) ? (1ULL << l->pfn_bits) - 1 : ~0ULL;

	e->kind = l->kind[e->type & 31];
	if (fs_kind_has_pfn(e->kind)) {
		/* swapops.h swp_offset_pfn(): offset & SWP_PFN_MASK */
		uint64_t used = pfn_mask;
		e->has_pfn = true;
		e->pfn = e->offset & pfn_mask;
		if (fs_kind_is_migration(e->kind) && l->mig_ad) {
			e->has_ad = true;
			e->young = e->offset >> l->pfn_bits & 1;
			e->dirty = e->offset >> (l->pfn_bits + 1) & 1;
			used |= 3ULL << l->pfn_bits;
		}
		/* "If there're more bits besides PFN and A/D bits, they should be
		 * reserved and always be zeros" (swapops.h, 6.1-7.2). */
		e->extra_bits = e->offset & ~used;
	} else if (e->kind == FS_ENT_MARKER) {
		e->marker = e->offset & l->marker_mask;
		e->extra_bits = e->offset & ~l->marker_mask;
	}
	if (lvl == FS_LVL_PMD) {
		/* 7.2 leafops.h pmd_is_valid_softleaf(): "Only device private,
		 * migration entries valid for PMD". Before 6.19 device-private
		 * PMDs did not exist, so only migration was valid there. */
		bool ok = fs_kind_is_migration(e->kind) ||
			  (fs_kind_is_device_private(e->kind) && l->pmd_device_private);
		e->pmd_invalid_kind = !ok || !l->pmd_softleaf;
	}
}

void fs_entry_decode(const struct fs_swap_layout *l, enum fs_level lvl, uint64_t raw,
		     struct fs_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->raw = raw;
	e->level = lvl;
	e->type = -1;

	if (l->arch == FS_ARCH_X86_64) {
		/* pte_none(): !(pte & ~_PAGE_KNL_ERRATUM_MASK) */
		if (!(raw & ~X86_KNL_ERRATUM)) {
			e->kind = FS_ENT_NONE;
			return;
		}
		if (x86_present(lvl, raw)) {
			e->kind = FS_ENT_PRESENT;
			x86_present_decode(lvl, raw, e);
			return;
		}
		e->is_leaf = true;
		e->type = (int)(raw >> (64 - X86_SWP_TYPE_BITS));
		e->offset = (~raw << X86_SWP_TYPE_BITS) >> X86_SWP_OFFSET_SHIFT;
		e->soft_dirty = l->has_soft_dirty && (raw & X86_RW);
		e->uffd_wp = l->has_uffd_wp && (raw & X86_USER);
		/* _PAGE_SWP_EXCLUSIVE = _PAGE_PWT (pgtable_64_types.h); PTEs only */
		e->exclusive = lvl == FS_LVL_PTE && (raw & X86_PWT);
	} else if (l->arch == FS_ARCH_ARM64) {
		if (!raw) {
			e->kind = FS_ENT_NONE;
			return;
		}
		if (a64_present(l, lvl, raw)) {
			e->kind = FS_ENT_PRESENT;
			a64_present_decode(lvl, raw, e);
			return;
		}
		e->is_leaf = true;
		e->type = (int)((raw >> l->type_shift) & 0x1f);
		e->offset = (raw >> l->offset_shift) & ((1ULL << 50) - 1);
		e->uffd_wp = l->has_uffd_wp && (raw & A64_SWP_UFFD_WP);
		e->exclusive = lvl == FS_LVL_PTE && (raw & A64_SWP_EXCLUSIVE);
	} else {
		e->kind = FS_ENT_UNKNOWN;
		return;
	}
	classify_swap(l, lvl, e);
}
