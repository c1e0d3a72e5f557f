/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dwarf-index.h - private to the kdump backend: type layout and symbols of a
 * vmlinux (or any ELF file with DWARF), read with elfutils libdw/libelf.
 *
 * The index is lazy: nothing is scanned at open. The first type query walks
 * the top-level DIEs of one compilation unit at a time, adding every named
 * struct/union/enum/typedef/base type/variable and every enumerator to a hash
 * table, and stops as soon as the wanted name has a complete definition. Later
 * queries are hash look-ups; a name that is not there costs one full pass the
 * first time, and nothing after. Symbols come from .symtab, hashed on first
 * use.
 *
 * Every fallible call returns 0 or -1; on -1 the reason is a one-line message
 * in fs_dwidx_error(), naming what was asked for.
 */
#ifndef FOLIOSCOPE_KDUMP_DWARF_INDEX_H
#define FOLIOSCOPE_KDUMP_DWARF_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "folioscope/target.h"	/* struct fs_member */

struct fs_dwidx;

/*
 * Open path. need_dwarf: fail when the file has no .debug_info (otherwise
 * only symbols and ELF facts work). On failure returns NULL with a message in
 * err.
 */
struct fs_dwidx *fs_dwidx_open(const char *path, bool need_dwarf, char *err, size_t errlen);
void fs_dwidx_close(struct fs_dwidx *idx);
const char *fs_dwidx_error(const struct fs_dwidx *idx);

/* sizeof(type): "struct page", "union x", "enum x", "pte_t", "unsigned long", "struct page *". */
int fs_dwidx_type_size(struct fs_dwidx *idx, const char *type, uint64_t *size);
/* Layout of type.member, member a '.'-separated path; "a[3].b" indexes arrays. */
int fs_dwidx_member(struct fs_dwidx *idx, const char *type, const char *member,
		    struct fs_member *out);
int fs_dwidx_enum_value(struct fs_dwidx *idx, const char *enumerator, int64_t *value);
/* Element count of a global array variable (its first dimension). */
int fs_dwidx_array_length(struct fs_dwidx *idx, const char *variable, uint64_t *len);

/*
 * Link-time value of an ELF symbol. *relocatable is false for symbols that a
 * KASLR slide does not move (absolute symbols, zero-based per-CPU sections).
 */
int fs_dwidx_symbol(struct fs_dwidx *idx, const char *name, uint64_t *value, bool *relocatable);
/* The same, with the symbol's ELF st_size (a function's length in bytes). */
int fs_dwidx_symbol_sized(struct fs_dwidx *idx, const char *name, uint64_t *value, bool *relocatable,
			  uint64_t *size);

/* Copy of up to len bytes of the file's initialised data at link-time address addr. */
int fs_dwidx_read_static(struct fs_dwidx *idx, uint64_t addr, void *buf, size_t len);

/* Release as the file says: from linux_banner, else init_uts_ns (NULL: unknown). */
const char *fs_dwidx_osrelease(struct fs_dwidx *idx);
/* NT_GNU_BUILD_ID as lowercase hex (NULL: none). */
const char *fs_dwidx_build_id(struct fs_dwidx *idx);
/* ELF e_machine and class (ELFCLASS32/64), and libkdumpfile's arch name (NULL: unknown). */
int fs_dwidx_elf_machine(const struct fs_dwidx *idx, int *elfclass);
const char *fs_dwidx_arch_name(const struct fs_dwidx *idx);
bool fs_dwidx_has_dwarf(const struct fs_dwidx *idx);

/* Statistics, for measurements and tests. */
struct fs_dwidx_stats {
	unsigned long units_total;	/* -1UL until all units have been seen */
	unsigned long units_indexed;
	unsigned long units_alone;	/* hinted units opened on their own handle */
	unsigned long names;		/* distinct names in the type/variable hash */
	unsigned long dies_visited;	/* top-level DIEs + enumerators walked */
};
void fs_dwidx_stats(const struct fs_dwidx *idx, struct fs_dwidx_stats *st);

#endif
