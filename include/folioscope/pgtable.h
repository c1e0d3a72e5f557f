/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pgtable.h - page-table walks over a target: (top-level table, virtual
 * address) -> every level's raw entry and the decoded leaf. Tables are read
 * by physical address, so the walk also translates kernel addresses that a
 * dump does not map directly (live /proc/kcore exposes vmemmap only for
 * System RAM, yet device-private struct pages live in vmemmap).
 */
#ifndef FOLIOSCOPE_PGTABLE_H
#define FOLIOSCOPE_PGTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "folioscope/profile.h"
#include "folioscope/swapent.h"
#include "folioscope/target.h"

#ifdef __cplusplus
extern "C" {
#endif

struct fs_walk_level {
	enum fs_level level;
	unsigned int index;		/* index of the entry in its table */
	uint64_t entry_pa;		/* physical address of the entry */
	struct fs_entry e;		/* decoded entry (raw inside) */
};

struct fs_walk {
	uint64_t vaddr;
	int n;				/* levels read */
	struct fs_walk_level lv[5];
	int leaf;			/* index into lv of the leaf, or -1 */
	bool mapped;			/* a present leaf: paddr is valid */
	uint64_t paddr;
	char err[FS_TARGET_ERRLEN];	/* set when a table could not be read */
};

/* Physical address of a kernel direct-map or kernel-image address, without
 * reading anything; -1 if kva is in neither. */
int fs_kva_to_pa_linear(const struct fs_profile *p, uint64_t kva, uint64_t *pa);

/* Walk the tables rooted at top_kva (mm->pgd, or the profile's kernel_pgd)
 * for vaddr. Returns 0 when the walk ended normally (leaf, none or a
 * non-present upper level), -1 when a table read failed (w->err says where). */
int fs_pgtable_walk(struct fs_target *t, const struct fs_profile *p, uint64_t top_kva,
		    uint64_t vaddr, struct fs_walk *w);

/* Read kernel virtual memory; when the target cannot read kva directly,
 * translate each page through the kernel page tables and read physically. */
int fs_read_kva(struct fs_target *t, const struct fs_profile *p, uint64_t kva, void *buf, size_t len);

/* The page-table shift of each level in this profile (12 for PTE ...). */
int fs_level_shift(const struct fs_profile *p, enum fs_level l);
/* The levels this profile walks, top first; returns their count. */
int fs_profile_levels(const struct fs_profile *p, enum fs_level out[5]);

#ifdef __cplusplus
}
#endif
#endif
