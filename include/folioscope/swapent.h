/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * swapent.h - decoding of page-table entries: present, none, and the
 * non-present "swap entries" (softleaf entries since 6.19) that carry swap
 * slots, migration targets, device-private pages, device-exclusive pages,
 * hwpoison and PTE markers.
 *
 * Pure functions: no I/O. What an entry means depends on the arch (bit
 * layout), the kernel version (type numbering, marker bits) and the config
 * (which special types exist); all of that is in struct fs_swap_layout,
 * built by fs_swap_layout_init() from struct fs_kernel_facts. The tables
 * and every rule cite the kernel source they come from (src/swapent.c).
 */
#ifndef FOLIOSCOPE_SWAPENT_H
#define FOLIOSCOPE_SWAPENT_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum fs_arch {
	FS_ARCH_UNKNOWN = 0,
	FS_ARCH_X86_64,
	FS_ARCH_ARM64,
};

/* What a page-table entry is. Names (fs_entry_kind_name) are a JSON contract. */
enum fs_entry_kind {
	FS_ENT_NONE = 0,		/* pte_none()/pmd_none() */
	FS_ENT_PRESENT,			/* pte_present()/pmd_present() */
	FS_ENT_SWAP,			/* a swap slot: type < MAX_SWAPFILES */
	FS_ENT_MIGRATION_READ,
	FS_ENT_MIGRATION_READ_EXCLUSIVE,
	FS_ENT_MIGRATION_WRITE,
	FS_ENT_DEVICE_PRIVATE_READ,
	FS_ENT_DEVICE_PRIVATE_WRITE,
	FS_ENT_DEVICE_EXCLUSIVE,	/* 6.15+: one type */
	FS_ENT_DEVICE_EXCLUSIVE_READ,	/* <= 6.14 */
	FS_ENT_DEVICE_EXCLUSIVE_WRITE,	/* <= 6.14 */
	FS_ENT_HWPOISON,
	FS_ENT_MARKER,			/* SWP_PTE_MARKER */
	FS_ENT_SWAPIN_ERROR,		/* SWP_SWAPIN_ERROR, 5.19 - 6.1 */
	FS_ENT_UNKNOWN,			/* a type this kernel does not define */
	FS_ENT__COUNT
};

enum fs_level { FS_LVL_PGD = 0, FS_LVL_P4D, FS_LVL_PUD, FS_LVL_PMD, FS_LVL_PTE, FS_LVL__COUNT };

/* Facts about a kernel that decide what entries mean. */
struct fs_kernel_facts {
	enum fs_arch arch;
	int ver_major, ver_minor;	/* from OSRELEASE */
	int page_shift;			/* 12 */
	int max_physmem_bits;		/* VMCOREINFO NUMBER(MAX_PHYSMEM_BITS) */
	/* config bits that change the meaning of swap types and entry bits */
	bool migration, device_private, memory_failure;
	bool pte_marker;		/* only optional in 5.19 - 6.1 */
	bool mem_soft_dirty, uffd_wp;
	bool thp_migration;		/* ARCH_ENABLE_THP_MIGRATION: PMD swap entries */
	bool mig_ad_supported;		/* swap_migration_ad_supported (mm/swapfile.c) */
	int max_swapfiles_probe;	/* from DWARF swap_info[] bound, or -1 */
};

/* What each of the 32 swap types means for one kernel, and the field layout. */
struct fs_swap_layout {
	enum fs_arch arch;
	int max_swapfiles;
	uint8_t kind[32];		/* enum fs_entry_kind per type */
	int pfn_bits;			/* SWP_PFN_BITS */
	bool mig_ad;			/* young/dirty bits encoded above the PFN */
	uint64_t marker_mask;		/* PTE_MARKER_MASK */
	const char *marker_names[8];	/* name of each marker bit */
	/* arch layout */
	int type_shift, offset_shift;	/* arm64; x86_64 uses the inverted form */
	bool has_soft_dirty, has_uffd_wp;
	bool pmd_softleaf;		/* PMD swap entries can exist */
	bool pmd_device_private;	/* device-private PMDs can exist (6.19+) */
	const char *era;		/* human description with source citation */
	char warning[160];		/* set when the kernel is outside verified ranges */
};

/* One decoded entry: 48 bytes, packed because the whole-dump scan keeps
 * one per page-table entry of interest (hundreds of thousands). */
struct fs_entry {
	uint64_t raw;
	uint64_t offset;		/* swap offset (decoded), 0 if none */
	uint64_t pfn;			/* leaf: mapped/carried PFN; table entry: next table's frame */
	uint64_t marker;		/* marker bits (FS_ENT_MARKER) */
	uint64_t extra_bits;		/* offset bits beyond PFN/A/D or marker mask */
	uint8_t level;			/* enum fs_level */
	uint8_t kind;			/* enum fs_entry_kind */
	int8_t type;			/* swap type, -1 if not a swap entry */
	bool is_leaf : 1;		/* present huge or PTE, or any non-present */
	bool huge : 1;			/* present PMD/PUD leaf */
	bool has_pfn : 1;
	bool soft_dirty : 1, uffd_wp : 1, exclusive : 1;
	bool has_ad : 1;		/* migration with young/dirty encoded */
	bool young : 1, dirty : 1;
	bool write : 1;			/* present: hardware writable */
	bool pmd_invalid_kind : 1;	/* a PMD softleaf of a kind not allowed there */
};
_Static_assert(FS_ENT__COUNT <= 256 && FS_LVL__COUNT <= 256, "struct fs_entry keeps kind and level in a byte");

int fs_swap_layout_init(struct fs_swap_layout *l, const struct fs_kernel_facts *k);

/* Decode raw at a level. Never fails: garbage decodes as garbage, flagged. */
void fs_entry_decode(const struct fs_swap_layout *l, enum fs_level level, uint64_t raw,
		     struct fs_entry *e);

/* Encode a swap entry (for tests and fault injection). */
uint64_t fs_swap_entry_encode(const struct fs_swap_layout *l, int type, uint64_t offset);
/* Swap type a kind uses in this layout, or -1 if the kernel has none. */
int fs_swap_type_of(const struct fs_swap_layout *l, enum fs_entry_kind kind);

const char *fs_entry_kind_name(enum fs_entry_kind k);
int fs_entry_kind_from_name(const char *name);
const char *fs_level_name(enum fs_level l);
const char *fs_arch_name(enum fs_arch a);
enum fs_arch fs_arch_from_name(const char *name);

bool fs_kind_has_pfn(enum fs_entry_kind k);
bool fs_kind_is_device_private(enum fs_entry_kind k);
bool fs_kind_is_device_exclusive(enum fs_entry_kind k);
bool fs_kind_is_migration(enum fs_entry_kind k);

#ifdef __cplusplus
}
#endif
#endif
