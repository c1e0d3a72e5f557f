/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pgmap.h - struct dev_pagemap instances of a dump, found through the
 * ZONE_DEVICE-tainted memory sections (include/linux/mmzone.h
 * SECTION_TAINT_ZONE_DEVICE), with their ranges, type, owner and the value
 * of their percpu_ref (lib/percpu-refcount.c) in any mode.
 */
#ifndef FOLIOSCOPE_PGMAP_H
#define FOLIOSCOPE_PGMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "folioscope/folio.h"
#include "folioscope/profile.h"
#include "folioscope/target.h"

#define FS_PGMAP_MAX_RANGES 16
#define FS_MAX_PGMAPS 256

enum fs_ref_mode { FS_REF_PERCPU, FS_REF_ATOMIC, FS_REF_SWITCHING, FS_REF_DEAD, FS_REF_EXITED };

struct fs_percpu_ref {
	enum fs_ref_mode mode;
	int64_t value;		/* the reference count the kernel would compute */
	uint64_t count;		/* data->count as stored */
	int64_t percpu_sum;	/* sum of the per-CPU counters (percpu modes) */
	uint64_t data;		/* struct percpu_ref_data * */
};

struct fs_pgmap {
	uint64_t addr;
	int type;			/* enum memory_type */
	const char *type_name;		/* "private", "coherent", "fsdax", ... */
	bool is_private;		/* MEMORY_DEVICE_PRIVATE */
	uint64_t flags, vmemmap_shift, ops, owner;
	int nr_range;
	struct { uint64_t start, end; } range[FS_PGMAP_MAX_RANGES];	/* physical, inclusive end */
	struct fs_percpu_ref ref;
	char ref_err[160];		/* why the ref could not be read, if so */
};

struct fs_pgmaps {
	int n;
	struct fs_pgmap map[FS_MAX_PGMAPS];
	uint64_t device_sections;	/* ZONE_DEVICE sections seen */
	char warn[256];
};

int fs_percpu_ref_read(struct fs_target *t, const struct fs_profile *p, uint64_t ref_addr, struct fs_percpu_ref *r);
const char *fs_ref_mode_name(enum fs_ref_mode m);

/* Read one pgmap. */
int fs_pgmap_read(struct fs_target *t, const struct fs_profile *p, uint64_t addr, struct fs_pgmap *pm);
/* Find every pgmap behind a ZONE_DEVICE section. */
int fs_pgmaps_find(struct fs_target *t, const struct fs_profile *p, const struct fs_mm *mm, struct fs_pgmaps *out);
/* The pgmap whose ranges hold pfn, or NULL. */
const struct fs_pgmap *fs_pgmap_of_pfn(const struct fs_pgmaps *s, uint64_t pfn);
/* The same answer, for loops that ask about runs of PFNs: *h (zeroed
 * before the first call) remembers a PFN range whose answer is known. */
struct fs_pgmap_hint {
	uint64_t lo, hi;		/* pfns lo..hi belong to pm, and to no pgmap before it */
	const struct fs_pgmap *pm;
};
const struct fs_pgmap *fs_pgmap_of_pfn_hinted(const struct fs_pgmaps *s, uint64_t pfn, struct fs_pgmap_hint *h);

#endif
