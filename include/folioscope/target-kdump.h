/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * target-kdump.h - the real backend: a vmcore (kdump-compressed, flattened
 * makedumpfile output, ELF, or the live /proc/kcore) read with libkdumpfile,
 * and the vmlinux's DWARF and symbols read with elfutils.
 *
 * Close the target with fs_target_close() (ops->close): it frees everything,
 * including the temporary file a flattened dump was reassembled into.
 */
#ifndef FOLIOSCOPE_TARGET_KDUMP_H
#define FOLIOSCOPE_TARGET_KDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "folioscope/target.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Open vmlinux (an ELF file with DWARF, matching the dump) and vmcore.
 * vmcore NULL or "/proc/kcore" opens the running kernel.
 * The vmlinux must match the dump: OSRELEASE (and BUILD-ID when VMCOREINFO
 * has one) are compared with the vmlinux's own, and a mismatch is refused.
 * On failure returns NULL with a one-line reason in err.
 */
struct fs_target *fs_kdump_open(const char *vmlinux, const char *vmcore, char *err,
				size_t errlen);

/*
 * Which kernel a dump (NULL: the live kernel) is, from the VMCOREINFO near
 * its start: OSRELEASE and BUILD-ID ("" when absent). -1 if it has neither.
 */
int fs_kdump_dump_identity(const char *vmcore, char *osrelease, size_t rellen, char *buildid, size_t bidlen,
			   char *err, size_t errlen);
/*
 * Find the vmlinux of a dump without -k (find-vmlinux.c): build-ID links in
 * $FOLIOSCOPE_DEBUG_DIRS and /usr/lib/debug, release-named files, then
 * debuginfod when DEBUGINFOD_URLS is set. Fills out with the path and where
 * with how it was found ("by build ID ... under /usr/lib/debug").
 */
int fs_kdump_find_vmlinux(const char *vmcore, char *out, size_t outlen, char *where, size_t wherelen,
			  char *err, size_t errlen);

/* Facts the backend found while opening; valid until the target is closed. */
struct fs_kdump_info {
	const char *format;	/* libkdumpfile's file.format: "diskdump", "elf", ... */
	const char *arch;	/* libkdumpfile arch name: "x86_64", "aarch64", ... */
	const char *osrelease;	/* VMCOREINFO OSRELEASE (or the vmlinux's when absent) */
	bool live;		/* /proc/kcore */
	bool flattened;		/* makedumpfile flattened format, reassembled to a temp file */
	int filtered;		/* pages were left out by makedumpfile: 1 yes, 0 no, -1 unknown */
	int dump_level;		/* makedumpfile dump level (-d), -1 when unknown */
	uint64_t kaslr_offset;	/* KERNELOFFSET from VMCOREINFO, 0 when absent */
	/*
	 * Things the user may want to know: fallbacks taken, quirks repaired.
	 * One per line, each ending in '\n'; "" when there is nothing to say.
	 */
	const char *notes;
};

/* The facts of a target opened by fs_kdump_open(); NULL for other targets. */
const struct fs_kdump_info *fs_kdump_info(const struct fs_target *t);

#ifdef __cplusplus
}
#endif
#endif
