/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * profile.h - what folioscope knows about the kernel it reads: arch,
 * paging, version, the config bits that change meaning, and the swap-entry
 * layout that follows from them. Discovered once per target from VMCOREINFO,
 * IKCONFIG and debug-info probes; user overrides apply last. Struct layout is
 * never part of the profile: it is asked of the target when needed.
 */
#ifndef FOLIOSCOPE_PROFILE_H
#define FOLIOSCOPE_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "folioscope/swapent.h"
#include "folioscope/target.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The newest kernel whose tables were verified in source; the default. */
#define FS_NEWEST_MAJOR 7
#define FS_NEWEST_MINOR 2

struct fs_profile {
	struct fs_kernel_facts facts;
	struct fs_swap_layout swap;
	char osrelease[65];
	int levels;			/* paging levels in use (4/5 x86_64; 3/4 arm64) */
	uint64_t page_offset;		/* direct-map base */
	uint64_t vmemmap_base;		/* struct page array base (SPARSEMEM_VMEMMAP) */
	uint64_t kernel_pgd;		/* kernel virtual address of the kernel's top-level table */
	uint64_t kernel_offset;		/* KASLR: VMCOREINFO KERNELOFFSET */
	uint64_t phys_base;		/* x86_64: NUMBER(phys_base) */
	uint64_t kimage_voffset;	/* arm64 */
	uint64_t phys_offset;		/* arm64 PHYS_OFFSET */
	int va_bits;			/* arm64 VA_BITS */
	/* where the facts came from, for the "profile:" line users see */
	char version_source[48];
	char config_source[96];
	char notes[512];		/* anything guessed or overridden */
	char *ikconfig;			/* decompressed IKCONFIG text, or NULL */
};

/* A profile with no dump: x86_64 or arm64, a kernel "MAJOR.MINOR" (NULL =
 * newest) and a distro-like config (Debian's: MIGRATION, DEVICE_PRIVATE,
 * MEMORY_FAILURE, MEM_SOFT_DIRTY, USERFAULTFD, THP migration all on). */
int fs_profile_default(struct fs_profile *p, enum fs_arch arch, const char *kernel,
		       char *err, size_t errlen);

/* Discover the profile of a dump or live kernel. */
int fs_profile_from_target(struct fs_profile *p, struct fs_target *t, char *err, size_t errlen);

/* Apply "K=V,K=V" overrides (CONFIG_ prefix optional): DEVICE_PRIVATE,
 * MIGRATION, MEMORY_FAILURE, PTE_MARKER, MEM_SOFT_DIRTY, USERFAULTFD,
 * THP_MIGRATION, MIG_AD (y/n), MAX_PHYSMEM_BITS (number). Re-derives the
 * swap layout. */
int fs_profile_override(struct fs_profile *p, const char *spec, char *err, size_t errlen);
/* Set the kernel version ("6.12", "7.2.13", "6.1.0-foo"); re-derives layout. */
int fs_profile_set_version(struct fs_profile *p, const char *ver, char *err, size_t errlen);

/* One-line description: "x86_64, kernel 7.2 (VMCOREINFO), ..." */
void fs_profile_describe(const struct fs_profile *p, char *buf, size_t len);

/* Parse helpers (exposed for tests and fuzzing). */
int fs_parse_version(const char *s, int *major, int *minor);
/* Find KEY=value in VMCOREINFO text; copies value (without newline). */
int fs_vmcoreinfo_get(const char *text, const char *key, char *val, size_t len);
int fs_vmcoreinfo_number(const char *text, const char *key, int64_t *v);
int fs_vmcoreinfo_hex(const char *text, const char *key, uint64_t *v);
/* Look up CONFIG_NAME in kconfig text: 1 = y/m, 0 = not set, -1 = absent. */
int fs_kconfig_bool(const char *text, const char *name);

void fs_profile_free(struct fs_profile *p);

#ifdef __cplusplus
}
#endif
#endif
