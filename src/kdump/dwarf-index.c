/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dwarf-index.c - lazy (tag, name) index over a vmlinux's DWARF, plus its ELF
 * symbol table and a few ELF facts (machine, build id, release string).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "dwarf-index.h"
#include "folioscope/bigtab.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Kinds of names in the type index (one namespace per kind). */
enum {
	K_STRUCT = 1,
	K_UNION,
	K_ENUM,
	K_TYPEDEF,	/* typedefs and base types: plain names */
	K_VARIABLE,
	K_ENUMERATOR,
};

/* Quality of an entry: a complete definition ends the search at once. */
enum { Q_DECL = 1, Q_DEF = 2 };

struct entry {
	const char *name;	/* points into the DWARF string data */
	uint32_t hash;
	uint8_t kind;
	uint8_t quality;
	uint8_t alt;		/* where the DIE lives: 0 main file, 1 dwz file, 2 + i lone[i] */
	Dwarf_Off off;		/* DIE offset; for enumerators unused */
	int64_t value;		/* enumerator value */
};

struct table {
	struct entry *e;
	size_t cap;		/* power of two */
	size_t n;
};

struct symbol {
	const char *name;	/* points into the ELF string table */
	uint32_t hash;
	uint8_t global;
	uint8_t relocatable;
	uint64_t value;
	uint64_t size;		/* st_size: a function's length */
};

/* Symbols in .symtab order (s[0..n)), found through a hash of 8-byte
 * slots: an insert or look-up misses the cache once in the slots, not in
 * 32-byte symbols scattered over a table twice the size. */
struct symslot {
	uint32_t hash;
	uint32_t sym;		/* index into s + 1; 0: empty */
};

struct symtab {
	struct symbol *s;
	size_t n, nalloc;		/* symbols in s, and what s was sized for */
	struct symslot *slot;
	size_t cap;		/* slots, a power of two */
	bool built;
};

/* Cache of resolved member paths: key "type\0member". */
struct mcache_ent {
	char *key;
	size_t keylen;
	uint32_t hash;
	struct fs_member m;
};

struct mcache {
	struct mcache_ent *e;
	size_t cap;
	size_t n;
};

struct fs_dwidx {
	int fd;
	Elf *elf;
	Dwarf *dw;
	Dwarf *alt;		/* dwz alternate file, when libdw found one */
	char *path;
	int machine;
	int elfclass;
	bool little_endian;
	uint8_t addr_size;

	/* lazy CU walk */
	Dwarf_CU *cursor;	/* last unit indexed, NULL before the first */
	int phase;		/* 0: main file, 1: alt file, 2: all done */
	unsigned long units_indexed;
	unsigned long dies_visited;
	/* units indexed out of turn (hints below): the walk skips them */
	Dwarf_Off hinted[4];
	int nhinted;
	Dwarf_Off walked_to;	/* the last unit the walk reached (main file) */
	unsigned int hints_tried;	/* bit i: hint i was looked at */
	/* hinted units opened on their own (open_unit_alone()): entries with
	 * alt 2 + i live in lone[i] */
	struct { Elf *elf; Dwarf *dw; } lone[4];
	int nlone;
	int lone_ok;		/* 0: not known yet, 1: possible, -1: not for this file */

	struct table types;
	struct symtab syms;
	struct mcache members;

	bool release_done;
	char release[96];
	bool buildid_done;
	char buildid[2 * 64 + 1];

	char err[FS_TARGET_ERRLEN];
};

static int fail(struct fs_dwidx *idx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct fs_dwidx *idx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(idx->err, sizeof(idx->err), fmt, ap);
	va_end(ap);
	return -1;
}

const char *fs_dwidx_error(const struct fs_dwidx *idx)
{
	return idx->err;
}

/* FNV-1a over kind and name. */
static uint32_t hash_name(int kind, const char *s, size_t len)
{
	uint32_t h = 2166136261u ^ (uint32_t)kind;

	h *= 16777619u;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h ? h : 1;
}

/* ---------------------------------------------------------------------- */
/* type index hash table                                                  */

static struct entry *table_find(struct table *t, int kind, const char *name, uint32_t h)
{
	if (!t->cap)
		return NULL;
	for (size_t i = h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		struct entry *e = &t->e[i];

		if (!e->name)
			return NULL;
		if (e->hash == h && e->kind == kind && strcmp(e->name, name) == 0)
			return e;
	}
}

static int table_grow(struct table *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 4096;
	struct entry *ne = calloc(ncap, sizeof(*ne));

	if (!ne)
		return -1;
	for (size_t i = 0; i < t->cap; i++) {
		struct entry *e = &t->e[i];
		size_t j;

		if (!e->name)
			continue;
		for (j = e->hash & (ncap - 1); ne[j].name; j = (j + 1) & (ncap - 1))
			;
		ne[j] = *e;
	}
	free(t->e);
	t->e = ne;
	t->cap = ncap;
	return 0;
}

/* Insert or upgrade; the first complete definition of a name wins. */
static int table_add(struct table *t, int kind, const char *name, int quality,
		     int alt, Dwarf_Off off, int64_t value)
{
	uint32_t h = hash_name(kind, name, strlen(name));
	struct entry *e = table_find(t, kind, name, h);

	if (e) {
		if (e->quality < quality) {
			e->quality = (uint8_t)quality;
			e->alt = (uint8_t)alt;
			e->off = off;
			e->value = value;
		}
		return 0;
	}
	if ((t->n + 1) * 4 > t->cap * 3 && table_grow(t) < 0)
		return -1;
	size_t i;
	for (i = h & (t->cap - 1); t->e[i].name; i = (i + 1) & (t->cap - 1))
		;
	t->e[i] = (struct entry){ .name = name, .hash = h, .kind = (uint8_t)kind,
				  .quality = (uint8_t)quality, .alt = (uint8_t)alt,
				  .off = off, .value = value };
	t->n++;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* indexing                                                               */

static int die_is_signed_type(Dwarf_Die *type)
{
	Dwarf_Die peeled;
	Dwarf_Attribute a;
	Dwarf_Word enc;

	if (dwarf_peel_type(type, &peeled) != 0)
		return 0;
	if (!dwarf_attr(&peeled, DW_AT_encoding, &a) || dwarf_formudata(&a, &enc) != 0)
		return 0;
	return enc == DW_ATE_signed || enc == DW_ATE_signed_char;
}

/*
 * Value of an enumerator. DW_FORM_sdata/udata say their sign; the dataN forms
 * do not: GCC writes non-negative values that way (200 as data1 0xc8, even in
 * a signed enum) and negative ones as sdata. So dataN values are taken as
 * unsigned, unless the enum is signed and the value cannot be a positive
 * value of the enum's size: then it is sign-extended from that size.
 */
static int enumerator_value(Dwarf_Die *en, int enum_signed, uint64_t enum_size, int64_t *value)
{
	Dwarf_Attribute a;
	Dwarf_Word u;

	if (!dwarf_attr(en, DW_AT_const_value, &a))
		return -1;
	switch (dwarf_whatform(&a)) {
	case DW_FORM_sdata:
	case DW_FORM_implicit_const: {
		Dwarf_Sword s;
		if (dwarf_formsdata(&a, &s) != 0)
			return -1;
		*value = s;
		return 0;
	}
	default:
		break;
	}
	if (dwarf_formudata(&a, &u) != 0)
		return -1;
	if (enum_signed && enum_size >= 1 && enum_size < 8 &&
	    u >= (1ULL << (enum_size * 8 - 1)) && u < (1ULL << (enum_size * 8)))
		u |= ~0ULL << (enum_size * 8);
	*value = (int64_t)u;
	return 0;
}

static int index_enumerators(struct fs_dwidx *idx, Dwarf_Die *en_type, int alt, int quality)
{
	Dwarf_Die child, type;
	Dwarf_Attribute a;
	Dwarf_Word esize = 0;
	int sign = 0;

	if (dwarf_attr(en_type, DW_AT_type, &a) && dwarf_formref_die(&a, &type))
		sign = die_is_signed_type(&type);
	else
		sign = die_is_signed_type(en_type);	/* DW_AT_encoding on the enum */
	if (dwarf_aggregate_size(en_type, &esize) != 0)
		esize = 0;
	if (dwarf_child(en_type, &child) != 0)
		return 0;
	do {
		const char *name;
		int64_t v;

		idx->dies_visited++;
		if (dwarf_tag(&child) != DW_TAG_enumerator)
			continue;
		name = dwarf_diename(&child);
		if (!name || enumerator_value(&child, sign, esize, &v) < 0)
			continue;
		if (table_add(&idx->types, K_ENUMERATOR, name, quality, alt, 0, v) < 0)
			return -1;
	} while (dwarf_siblingof(&child, &child) == 0);
	return 0;
}

static int index_unit(struct fs_dwidx *idx, Dwarf_Die *cudie, int alt)
{
	Dwarf_Die child;
	int r;

	if (dwarf_child(cudie, &child) != 0)
		return 0;
	do {
		int tag = dwarf_tag(&child), kind;
		const char *name;
		int quality;

		idx->dies_visited++;
		switch (tag) {
		case DW_TAG_structure_type: kind = K_STRUCT; break;
		case DW_TAG_union_type: kind = K_UNION; break;
		case DW_TAG_enumeration_type: kind = K_ENUM; break;
		case DW_TAG_typedef:
		case DW_TAG_base_type: kind = K_TYPEDEF; break;
		case DW_TAG_variable: kind = K_VARIABLE; break;
		default: continue;
		}
		quality = dwarf_hasattr(&child, DW_AT_declaration) ? Q_DECL : Q_DEF;
		if (kind == K_ENUM && quality == Q_DEF &&
		    index_enumerators(idx, &child, alt, quality) < 0)
			return -1;
		name = dwarf_diename(&child);
		if (!name && kind == K_VARIABLE) {
			/* definition of an earlier declaration: DW_AT_specification */
			Dwarf_Attribute a;
			if (dwarf_attr_integrate(&child, DW_AT_name, &a))
				name = dwarf_formstring(&a);
		}
		if (!name)
			continue;
		r = table_add(&idx->types, kind, name, quality, alt, dwarf_dieoffset(&child), 0);
		if (r < 0)
			return -1;
	} while (dwarf_siblingof(&child, &child) == 0);
	return 0;
}

static bool was_hinted(const struct fs_dwidx *idx, Dwarf_Off cu)
{
	for (int i = 0; i < idx->nhinted; i++)
		if (idx->hinted[i] == cu)
			return true;
	return false;
}

/*
 * Names a scan looks up that sit deep in a vmlinux's unit list (the 7.2 lab
 * kernel: SECTION_HAS_MEM_MAP_BIT and __MAX_NR_ZONES 160 units in, struct
 * anon_vma_chain 190 more; walking there was a quarter of a whole-dump
 * scan's CPU on the bench dump), with functions whose units use them,
 * tried in turn until the name turns up. mm/memory.c (handle_mm_fault)
 * holds both enumerators and mm/rmap.c (anon_vma_clone) the struct in the
 * 6.1, 6.12 and 7.2 lab kernels and Debian's 6.12; mm/page_alloc.c holds
 * the enumerators too. libdw reads every unit header up to the one it
 * opens (10 us a unit), so units close together cost least. Only the
 * order changes: a name these units do not hold is searched for as before.
 */
static const struct {
	int kind;
	const char *name, *functions[2];
} unit_hints[] = {
	{ K_ENUMERATOR, "__MAX_NR_ZONES", { "handle_mm_fault", "get_page_from_freelist" } },
	{ K_ENUMERATOR, "SECTION_HAS_MEM_MAP_BIT", { "handle_mm_fault", "get_page_from_freelist" } },
	{ K_STRUCT, "anon_vma_chain", { "anon_vma_clone", NULL } },
};

/* The first section called name, its header in *sh; NULL if none. */
static Elf_Scn *find_section(Elf *elf, const char *name, GElf_Shdr *sh)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, sh))
			continue;
		n = elf_strptr(elf, shstrndx, sh->sh_name);
		if (n && strcmp(n, name) == 0)
			return scn;
	}
	return NULL;
}

/* Section name's bytes, decompressed (distro debug files compress them). */
static Elf_Data *section_data(Elf *elf, const char *name)
{
	GElf_Shdr sh;
	Elf_Scn *scn = find_section(elf, name, &sh);

	if (!scn || sh.sh_type == SHT_NOBITS)
		return NULL;
	if ((sh.sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)
		return NULL;
	return elf_getdata(scn, NULL);
}

static uint64_t get_u(const struct fs_dwidx *idx, const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[idx->little_endian ? i : n - 1 - i] << (8 * i);
	return v;
}

/*
 * The unit (its offset and header size) whose .debug_aranges ranges hold
 * addr, read straight from the section (DWARF 2-5: unit length, version,
 * .debug_info offset, address and segment sizes, then address/length pairs
 * aligned to twice the address size, ended by 0/0). libdw's
 * dwarf_addrdie() would do, but its dwarf_getaranges() first reads every
 * unit those ranges name: 14 ms on the lab vmlinux, a tenth of a
 * whole-dump scan.
 */
static bool unit_of_address(struct fs_dwidx *idx, uint64_t addr, Dwarf_Off *unit, size_t *hsize)
{
	Elf_Data *d = section_data(idx->elf, ".debug_aranges");
	const unsigned char *p, *end;

	if (!d || !d->d_buf)
		return false;
	p = d->d_buf;
	end = p + d->d_size;
	while (end - p >= 4) {
		const unsigned char *set = p, *next;
		uint64_t len = get_u(idx, p, 4), info;
		int offsz = 4, asz;

		p += 4;
		if (len == 0xffffffff) {
			if (end - p < 8)
				return false;
			len = get_u(idx, p, 8);
			p += 8;
			offsz = 8;
		}
		if (len > (uint64_t)(end - p) || len < (uint64_t)(2 + offsz + 2))
			return false;
		next = p + len;
		info = get_u(idx, p + 2, offsz);
		asz = p[2 + offsz];
		if (p[3 + offsz] != 0 || (asz != 4 && asz != 8)) {
			p = next;	/* segmented or odd: not a kernel's */
			continue;
		}
		p += 4 + offsz;
		p = set + (((size_t)(p - set) + 2 * asz - 1) / (2 * asz)) * (2 * asz);
		for (; next - p >= 2 * asz; p += 2 * asz) {
			uint64_t start = get_u(idx, p, asz), n = get_u(idx, p + asz, asz);

			if (!start && !n)
				break;
			if (addr >= start && addr - start < n) {
				Dwarf_Off after;

				*unit = info;
				return dwarf_nextcu(idx->dw, info, &after, hsize, NULL, NULL, NULL) == 0;
			}
		}
		p = next;
	}
	return false;
}

/* An unsigned LEB128 at *p (before end); false past the end. */
static bool uleb(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; *p < end && shift < 64; shift += 7) {
		unsigned char b = *(*p)++;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/*
 * Do the abbreviations at offset off of .debug_abbrev (one unit's) use only
 * forms that stay inside the unit or point into other sections? Not
 * DW_FORM_ref_addr (an offset into all of .debug_info), type signatures,
 * supplementary or dwz files, or forms chosen in the DIE (indirect).
 */
static bool abbrevs_unit_local(struct fs_dwidx *idx, uint64_t off)
{
	Elf_Data *d = section_data(idx->elf, ".debug_abbrev");
	const unsigned char *p, *end;
	uint64_t code, tag, attr, form;

	if (!d || !d->d_buf || off >= d->d_size)
		return false;
	p = (const unsigned char *)d->d_buf + off;
	end = (const unsigned char *)d->d_buf + d->d_size;
	for (;;) {
		if (!uleb(&p, end, &code))
			return false;
		if (!code)
			return true;
		if (!uleb(&p, end, &tag) || p == end)
			return false;
		p++;	/* DW_CHILDREN_* */
		for (;;) {
			if (!uleb(&p, end, &attr) || !uleb(&p, end, &form))
				return false;
			if (!attr && !form)
				break;
			switch (form) {
			case DW_FORM_ref_addr: case DW_FORM_indirect: case DW_FORM_ref_sig8:
			case DW_FORM_ref_sup4: case DW_FORM_ref_sup8: case DW_FORM_strp_sup:
			case DW_FORM_GNU_ref_alt: case DW_FORM_GNU_strp_alt:
				return false;
			case DW_FORM_implicit_const:
				if (!uleb(&p, end, &attr))	/* its (signed) value: skipped */
					return false;
				break;
			default:
				break;
			}
		}
	}
}

/* No debug section compressed, no dwz file: a lone unit's handle would
 * otherwise inflate every section again, or miss the other file. */
static bool lone_units_possible(struct fs_dwidx *idx)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (idx->lone_ok)
		return idx->lone_ok > 0;
	idx->lone_ok = idx->alt || elf_getshdrstrndx(idx->elf, &shstrndx) != 0 ? -1 : 1;
	while (idx->lone_ok > 0 && (scn = elf_nextscn(idx->elf, scn))) {
		GElf_Shdr sh;
		const char *n;
		if (!gelf_getshdr(scn, &sh) || !(n = elf_strptr(idx->elf, shstrndx, sh.sh_name)))
			continue;
		if (!strncmp(n, ".zdebug", 7) || (!strncmp(n, ".debug", 6) && (sh.sh_flags & SHF_COMPRESSED)))
			idx->lone_ok = -1;
	}
	return idx->lone_ok > 0;
}

/*
 * libdw finds the unit of a DIE offset by reading the header of every unit
 * before it, and each one's DIE: 3.9 ms and about 650 page faults to reach
 * mm/memory.c, the 339th unit of the 7.2 lab vmlinux (docs/performance.md).
 * A hinted unit is opened on its own instead: a second ELF handle on the
 * same file whose .debug_info data starts at the unit, so that it is
 * libdw's first. Its DIEs refer to each other by unit-relative offsets
 * (DW_FORM_ref1..ref_udata) and to other sections by their own offsets, so
 * they read the same; a unit that could refer elsewhere in .debug_info
 * (abbrevs_unit_local()) is opened the usual way. Returns the entries' alt
 * (2 + slot) and the unit's DIE, or -1.
 */
static int open_unit_alone(struct fs_dwidx *idx, Dwarf_Off unit, size_t hsize, Dwarf_Die *cudie)
{
	Dwarf_Off next, abbrev, next2;
	Dwarf_Half version;
	uint8_t asz, osz;
	size_t hsize2;
	GElf_Shdr sh;

	if (idx->nlone == (int)(sizeof(idx->lone) / sizeof(idx->lone[0])) || !lone_units_possible(idx) ||
	    dwarf_next_unit(idx->dw, unit, &next, &hsize2, &version, &abbrev, &asz, &osz, NULL, NULL) != 0 ||
	    hsize2 != hsize || !abbrevs_unit_local(idx, abbrev))
		return -1;
	Elf *elf = elf_begin(idx->fd, ELF_C_READ_MMAP, NULL);
	Elf_Scn *scn = elf ? find_section(elf, ".debug_info", &sh) : NULL;
	Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;
	Dwarf *dw = NULL;
	if (!d || !d->d_buf || unit >= d->d_size)
		goto fail;
	/* the handle's own data descriptor, read from the mapping: pointing
	 * it further into the same bytes changes what this handle sees */
	d->d_buf = (char *)d->d_buf + unit;
	d->d_size -= unit;
	dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	if (!dw || dwarf_nextcu(dw, 0, &next2, &hsize2, NULL, NULL, NULL) != 0 || hsize2 != hsize ||
	    next2 != next - unit || !dwarf_offdie(dw, hsize, cudie) || dwarf_tag(cudie) != DW_TAG_compile_unit)
		goto fail;
	idx->lone[idx->nlone].elf = elf;
	idx->lone[idx->nlone].dw = dw;
	return 2 + idx->nlone++;
fail:
	if (dw)
		dwarf_end(dw);
	if (elf)
		elf_end(elf);
	return -1;
}

static void index_hinted_unit(struct fs_dwidx *idx, int kind, const char *name, uint32_t h)
{
	for (size_t i = 0; i < sizeof(unit_hints) / sizeof(unit_hints[0]); i++) {
		if (unit_hints[i].kind != kind || strcmp(unit_hints[i].name, name) ||
		    (idx->hints_tried & (1u << i)) || idx->phase > 0)
			continue;
		idx->hints_tried |= 1u << i;
		for (size_t f = 0; f < 2 && unit_hints[i].functions[f]; f++) {
			const struct entry *e = table_find(&idx->types, kind, name, h);
			uint64_t addr;
			bool reloc;
			Dwarf_Die cudie;
			Dwarf_Off unit;
			size_t hsize;
			int alt;

			if (e && e->quality >= Q_DEF)
				return;
			/* a unit the walk has passed was indexed already */
			if (idx->nhinted == (int)(sizeof(idx->hinted) / sizeof(idx->hinted[0])) ||
			    fs_dwidx_symbol(idx, unit_hints[i].functions[f], &addr, &reloc) ||
			    !unit_of_address(idx, addr, &unit, &hsize) || was_hinted(idx, unit + hsize) ||
			    (idx->cursor && unit + hsize <= idx->walked_to))
				continue;
			alt = open_unit_alone(idx, unit, hsize, &cudie);
			if (alt < 0 && !dwarf_offdie(idx->dw, unit + hsize, &cudie))
				continue;
			if (index_unit(idx, &cudie, alt < 0 ? 0 : alt) == 0)
				idx->hinted[idx->nhinted++] = unit + hsize;
		}
	}
}

/*
 * Index the next unit. Returns 1 if one was indexed, 0 when everything has
 * been, -1 on error (out of memory).
 */
static int index_next(struct fs_dwidx *idx)
{
	while (idx->phase < 2) {
		Dwarf *dw = idx->phase == 0 ? idx->dw : idx->alt;
		Dwarf_CU *next;
		Dwarf_Half version;
		uint8_t unit_type;
		Dwarf_Die cudie;

		if (!dw || dwarf_get_units(dw, idx->cursor, &next, &version, &unit_type,
					   &cudie, NULL) != 0) {
			idx->phase++;
			idx->cursor = NULL;
			continue;
		}
		idx->cursor = next;
		idx->units_indexed++;
		if (!idx->addr_size) {
			uint8_t asz = 0, osz;
			if (dwarf_cu_info(next, NULL, NULL, NULL, NULL, NULL, &asz, &osz) == 0)
				idx->addr_size = asz;
		}
		if (unit_type == DW_UT_skeleton || unit_type == DW_UT_split_compile ||
		    unit_type == DW_UT_split_type)
			continue;
		if (idx->phase == 0)
			idx->walked_to = dwarf_dieoffset(&cudie);
		if (idx->phase == 0 && was_hinted(idx, idx->walked_to))
			continue;
		if (index_unit(idx, &cudie, idx->phase) < 0)
			return fail(idx, "out of memory indexing DWARF");
		return 1;
	}
	return 0;
}

/*
 * Find (kind, name), indexing more units until a complete definition turns
 * up. Returns NULL when the name is nowhere; a declaration-only entry is
 * returned as such (quality Q_DECL).
 */
static struct entry *lookup(struct fs_dwidx *idx, int kind, const char *name, int *err)
{
	uint32_t h = hash_name(kind, name, strlen(name));
	struct entry *e0 = table_find(&idx->types, kind, name, h);

	*err = 0;
	if (!e0 || e0->quality < Q_DEF)
		index_hinted_unit(idx, kind, name, h);
	for (;;) {
		struct entry *e = table_find(&idx->types, kind, name, h);
		int r;

		if (e && e->quality >= Q_DEF)
			return e;
		r = index_next(idx);
		if (r < 0) {
			*err = 1;
			return NULL;
		}
		if (r == 0)
			return table_find(&idx->types, kind, name, h);
	}
}

static int entry_die(struct fs_dwidx *idx, const struct entry *e, Dwarf_Die *die)
{
	Dwarf *dw = e->alt == 0 ? idx->dw : e->alt == 1 ? idx->alt : idx->lone[e->alt - 2].dw;

	if (!dwarf_offdie(dw, e->off, die))
		return fail(idx, "DWARF DIE at 0x%" PRIx64 " unreadable: %s",
			    (uint64_t)e->off, dwarf_errmsg(-1));
	return 0;
}

/* ---------------------------------------------------------------------- */
/* type names                                                             */

/* C spellings of base types and GCC's DWARF names for them. */
static const char *const base_aliases[][2] = {
	{ "unsigned long", "long unsigned int" },
	{ "unsigned long int", "long unsigned int" },
	{ "long", "long int" },
	{ "signed long", "long int" },
	{ "unsigned long long", "long long unsigned int" },
	{ "unsigned long long int", "long long unsigned int" },
	{ "long long", "long long int" },
	{ "unsigned short", "short unsigned int" },
	{ "unsigned short int", "short unsigned int" },
	{ "short", "short int" },
	{ "unsigned", "unsigned int" },
	{ "signed", "int" },
	{ "signed int", "int" },
};

/* Trimmed copy of s with runs of blanks folded to one space. */
static void normalize(const char *s, char *out, size_t outlen)
{
	size_t n = 0;
	bool space = false;

	for (; *s && n + 2 < outlen; s++) {
		if (*s == ' ' || *s == '\t') {
			space = n > 0;
			continue;
		}
		if (space)
			out[n++] = ' ';
		space = false;
		out[n++] = *s;
	}
	out[n] = '\0';
}

/*
 * Resolve a C type name to a DIE. *pointer is set when the name ends in '*'
 * (the DIE is then the pointed-to type, which need not be complete).
 */
static int resolve_type(struct fs_dwidx *idx, const char *type, Dwarf_Die *die, bool *pointer)
{
	char buf[256];
	const char *name;
	int kind, err;
	struct entry *e;
	size_t len;

	normalize(type, buf, sizeof(buf));
	len = strlen(buf);
	*pointer = false;
	if (len && buf[len - 1] == '*') {
		*pointer = true;
		while (len && (buf[len - 1] == '*' || buf[len - 1] == ' '))
			buf[--len] = '\0';
	}
	if (!len)
		return fail(idx, "empty type name");
	if (!idx->dw)
		return fail(idx, "no %s: vmlinux has no DWARF (.debug_info missing): install the -dbg package", type);
	if (strncmp(buf, "struct ", 7) == 0) {
		kind = K_STRUCT;
		name = buf + 7;
	} else if (strncmp(buf, "union ", 6) == 0) {
		kind = K_UNION;
		name = buf + 6;
	} else if (strncmp(buf, "enum ", 5) == 0) {
		kind = K_ENUM;
		name = buf + 5;
	} else {
		kind = K_TYPEDEF;
		name = buf;
	}
	e = lookup(idx, kind, name, &err);
	if (err)
		return -1;
	if (!e && kind == K_TYPEDEF) {
		for (size_t i = 0; i < sizeof(base_aliases) / sizeof(base_aliases[0]); i++) {
			if (strcmp(name, base_aliases[i][0]) == 0 ||
			    strcmp(name, base_aliases[i][1]) == 0) {
				const char *other = strcmp(name, base_aliases[i][0]) == 0 ?
					base_aliases[i][1] : base_aliases[i][0];
				e = lookup(idx, kind, other, &err);
				if (err)
					return -1;
				if (e)
					break;
			}
		}
	}
	if (!e)
		return fail(idx, "no %s in vmlinux DWARF", buf);
	if (e->quality < Q_DEF && !*pointer)
		return fail(idx, "%s is only declared in vmlinux DWARF (no definition)", buf);
	return entry_die(idx, e, die);
}

static int die_type(Dwarf_Die *die, Dwarf_Die *type)
{
	Dwarf_Attribute a;

	if (!dwarf_attr_integrate(die, DW_AT_type, &a) || !dwarf_formref_die(&a, type))
		return -1;
	return 0;
}

static int type_bytes(struct fs_dwidx *idx, Dwarf_Die *type, uint64_t *size)
{
	Dwarf_Word w;
	Dwarf_Die peeled;

	if (dwarf_aggregate_size(type, &w) == 0) {
		*size = w;
		return 0;
	}
	if (dwarf_peel_type(type, &peeled) == 0) {
		int tag = dwarf_tag(&peeled);
		if (tag == DW_TAG_pointer_type || tag == DW_TAG_reference_type ||
		    tag == DW_TAG_rvalue_reference_type || tag == DW_TAG_ptr_to_member_type) {
			uint8_t asz = 0, osz;
			Dwarf_Die cu;
			if (dwarf_diecu(&peeled, &cu, &asz, &osz) && asz) {
				*size = asz;
				return 0;
			}
			*size = idx->addr_size ? idx->addr_size : 8;
			return 0;
		}
	}
	return -1;
}

int fs_dwidx_type_size(struct fs_dwidx *idx, const char *type, uint64_t *size)
{
	Dwarf_Die die;
	bool pointer;

	if (resolve_type(idx, type, &die, &pointer) < 0)
		return -1;
	if (pointer) {
		*size = idx->addr_size ? idx->addr_size : (idx->elfclass == ELFCLASS32 ? 4 : 8);
		return 0;
	}
	if (type_bytes(idx, &die, size) < 0)
		return fail(idx, "size of %s unknown in vmlinux DWARF: %s", type, dwarf_errmsg(-1));
	return 0;
}

/* ---------------------------------------------------------------------- */
/* members                                                                */

static int member_location(Dwarf_Die *m, uint64_t *off)
{
	Dwarf_Attribute a;
	Dwarf_Word w;

	*off = 0;
	if (!dwarf_attr(m, DW_AT_data_member_location, &a))
		return 0;	/* union members, DWARF 4+ bit fields */
	if (dwarf_formudata(&a, &w) == 0) {
		*off = w;
		return 0;
	}
	/* DWARF 2 style: a location expression, normally DW_OP_plus_uconst */
	Dwarf_Op *ops;
	size_t nops;
	if (dwarf_getlocation(&a, &ops, &nops) == 0 && nops == 1 &&
	    (ops[0].atom == DW_OP_plus_uconst || ops[0].atom == DW_OP_constu)) {
		*off = ops[0].number;
		return 0;
	}
	return -1;
}

static bool is_aggregate(Dwarf_Die *t)
{
	int tag = dwarf_tag(t);

	return tag == DW_TAG_structure_type || tag == DW_TAG_union_type ||
	       tag == DW_TAG_class_type;
}

/*
 * Find member name[0..len) of aggregate agg, looking through anonymous
 * structs and unions. On success *m is the member DIE and *off its byte
 * offset from the start of agg. Returns 1 found, 0 not found, -1 bad DWARF.
 */
static int find_member(Dwarf_Die *agg, const char *name, size_t len, Dwarf_Die *m,
		       uint64_t *off, int depth)
{
	Dwarf_Die child;

	if (depth > 32 || dwarf_child(agg, &child) != 0)
		return 0;
	do {
		const char *mname;

		if (dwarf_tag(&child) != DW_TAG_member)
			continue;
		mname = dwarf_diename(&child);
		if (mname) {
			if (strlen(mname) == len && memcmp(mname, name, len) == 0) {
				*m = child;
				return member_location(&child, off) < 0 ? -1 : 1;
			}
			continue;
		}
		/* anonymous member: descend if it is a struct or union */
		Dwarf_Die t, peeled;
		uint64_t base, inner;
		int r;

		if (die_type(&child, &t) < 0 || dwarf_peel_type(&t, &peeled) != 0 ||
		    !is_aggregate(&peeled))
			continue;
		r = find_member(&peeled, name, len, m, &inner, depth + 1);
		if (r == 0)
			continue;
		if (r < 0 || member_location(&child, &base) < 0)
			return -1;
		*off = base + inner;
		return 1;
	} while (dwarf_siblingof(&child, &child) == 0);
	return 0;
}

static uint64_t attr_u(Dwarf_Die *die, int at, uint64_t dflt, bool *present)
{
	Dwarf_Attribute a;
	Dwarf_Word w;

	if (dwarf_attr(die, (unsigned)at, &a) && dwarf_formudata(&a, &w) == 0) {
		if (present)
			*present = true;
		return w;
	}
	if (present)
		*present = false;
	return dflt;
}

/*
 * Express a bit field as (unit offset, unit size, bit offset in the unit):
 * read size bytes at offset (target byte order), shift right by bit_offset,
 * keep bit_size bits. total_bit is the field's first bit from the start of
 * the outer type, counted from the least significant bit (little-endian).
 * The unit is the aligned storage unit of the declared type when the field
 * fits in it; otherwise (packed structs) the smallest 1/2/4/8-byte unit
 * starting at the field's first byte.
 */
static void place_bitfield(uint64_t total_bit, uint64_t type_size, int bit_size,
			   struct fs_member *out)
{
	uint64_t unit = type_size, start;

	if (unit == 1 || unit == 2 || unit == 4 || unit == 8) {
		start = total_bit / (unit * 8) * unit;
		if (total_bit - start * 8 + (uint64_t)bit_size <= unit * 8)
			goto done;
	}
	start = total_bit / 8;
	for (unit = 1; unit < 8; unit *= 2)
		if (total_bit - start * 8 + (uint64_t)bit_size <= unit * 8)
			break;
done:
	out->offset = start;
	out->size = unit;
	out->bit_offset = (int)(total_bit - start * 8);
	out->bit_size = bit_size;
}

static uint32_t mcache_hash(const char *k, size_t len)
{
	return hash_name(0, k, len);
}

static struct mcache_ent *mcache_find(struct mcache *c, const char *k, size_t len, uint32_t h)
{
	if (!c->cap)
		return NULL;
	for (size_t i = h & (c->cap - 1);; i = (i + 1) & (c->cap - 1)) {
		struct mcache_ent *e = &c->e[i];
		if (!e->key)
			return NULL;
		if (e->hash == h && e->keylen == len && memcmp(e->key, k, len) == 0)
			return e;
	}
}

static void mcache_add(struct mcache *c, const char *k, size_t len, uint32_t h,
		       const struct fs_member *m)
{
	if ((c->n + 1) * 2 > c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 256;
		struct mcache_ent *ne = calloc(ncap, sizeof(*ne));
		if (!ne)
			return;	/* a cache: failing to grow is harmless */
		for (size_t i = 0; i < c->cap; i++) {
			size_t j;
			if (!c->e[i].key)
				continue;
			for (j = c->e[i].hash & (ncap - 1); ne[j].key; j = (j + 1) & (ncap - 1))
				;
			ne[j] = c->e[i];
		}
		free(c->e);
		c->e = ne;
		c->cap = ncap;
	}
	char *key = malloc(len);
	if (!key)
		return;
	memcpy(key, k, len);
	size_t i;
	for (i = h & (c->cap - 1); c->e[i].key; i = (i + 1) & (c->cap - 1))
		;
	c->e[i] = (struct mcache_ent){ .key = key, .keylen = len, .hash = h, .m = *m };
	c->n++;
}

static int resolve_member(struct fs_dwidx *idx, const char *type, const char *member,
			  struct fs_member *out)
{
	Dwarf_Die cur, peeled, m, mtype;
	bool pointer;
	uint64_t total = 0;
	const char *p = member;
	bool have_m = false;

	if (resolve_type(idx, type, &cur, &pointer) < 0)
		return -1;
	if (pointer)
		return fail(idx, "%s is a pointer type: it has no member '%s'", type, member);
	if (!*member)
		return fail(idx, "%s: empty member name", type);

	while (*p) {
		size_t len = strcspn(p, ".[");
		uint64_t off;
		int r;

		if (dwarf_peel_type(&cur, &peeled) != 0 || !is_aggregate(&peeled)) {
			if (p == member)
				return fail(idx, "%s is not a struct or union: it has no member '%s'",
					    type, member);
			return fail(idx, "%s has no member '%s' ('%.*s' is not a struct or union)",
				    type, member, (int)(p - 1 - member), member);
		}
		if (len == 0)
			return fail(idx, "%s: malformed member path '%s'", type, member);
		r = find_member(&peeled, p, len, &m, &off, 0);
		if (r < 0)
			return fail(idx, "%s member '%s': unreadable DWARF location", type, member);
		if (r == 0) {
			if (p == member)
				return fail(idx, "%s has no member '%s'", type, member);
			return fail(idx, "%s has no member '%s' (no '%.*s' in '%.*s')", type,
				    member, (int)len, p, (int)(p - 1 - member), member);
		}
		have_m = true;
		total += off;
		if (die_type(&m, &mtype) < 0)
			return fail(idx, "%s member '%s': no type in DWARF", type, member);
		cur = mtype;
		p += len;
		/* array subscripts */
		while (*p == '[') {
			char *end;
			unsigned long long n = strtoull(p + 1, &end, 0);
			Dwarf_Die at, elem;
			uint64_t esz;

			if (end == p + 1 || *end != ']')
				return fail(idx, "%s: malformed subscript in member '%s'", type, member);
			if (dwarf_peel_type(&cur, &at) != 0 || dwarf_tag(&at) != DW_TAG_array_type ||
			    die_type(&at, &elem) < 0)
				return fail(idx, "%s member '%s': subscript of a non-array", type, member);
			if (type_bytes(idx, &elem, &esz) < 0)
				return fail(idx, "%s member '%s': element size unknown", type, member);
			total += n * esz;
			cur = elem;
			have_m = false;	/* an element is not a bit field */
			p = end + 1;
		}
		if (*p == '.')
			p++;
		else if (*p)
			return fail(idx, "%s: malformed member path '%s'", type, member);
	}

	if (type_bytes(idx, &cur, &out->size) < 0)
		return fail(idx, "%s member '%s': size unknown in DWARF", type, member);
	out->offset = total;
	out->bit_offset = -1;
	out->bit_size = 0;

	bool has_bits;
	uint64_t bits = have_m ? attr_u(&m, DW_AT_bit_size, 0, &has_bits) : 0;
	if (have_m && has_bits && bits) {
		uint64_t total_bit;
		bool has_dbo, has_bo;
		uint64_t dbo = attr_u(&m, DW_AT_data_bit_offset, 0, &has_dbo);
		uint64_t bo = attr_u(&m, DW_AT_bit_offset, 0, &has_bo);

		/* total already includes this member's data_member_location */
		if (has_dbo) {
			total_bit = total * 8 + dbo;
		} else if (has_bo) {
			/* DWARF 2/3: counted from the MSB of a byte_size storage unit */
			uint64_t bsz = attr_u(&m, DW_AT_byte_size, out->size, NULL);
			if (idx->little_endian)
				total_bit = total * 8 + bsz * 8 - bo - bits;
			else
				total_bit = total * 8 + bo;
		} else {
			total_bit = total * 8;
		}
		place_bitfield(total_bit, out->size, (int)bits, out);
	}
	return 0;
}

int fs_dwidx_member(struct fs_dwidx *idx, const char *type, const char *member,
		    struct fs_member *out)
{
	size_t tl = strlen(type), ml = strlen(member), len = tl + 1 + ml;
	char stackkey[256], *key = len <= sizeof(stackkey) ? stackkey : malloc(len);
	struct mcache_ent *e;
	uint32_t h;
	int r;

	if (!key)
		return fail(idx, "out of memory");
	memcpy(key, type, tl);
	key[tl] = '\0';
	memcpy(key + tl + 1, member, ml);
	h = mcache_hash(key, len);
	e = mcache_find(&idx->members, key, len, h);
	if (e) {
		*out = e->m;
		r = 0;
	} else {
		r = resolve_member(idx, type, member, out);
		if (r == 0)
			mcache_add(&idx->members, key, len, h, out);
	}
	if (key != stackkey)
		free(key);
	return r;
}

int fs_dwidx_enum_value(struct fs_dwidx *idx, const char *enumerator, int64_t *value)
{
	struct entry *e;
	int err;

	if (!idx->dw)
		return fail(idx, "no enumerator %s: vmlinux has no DWARF (.debug_info missing): install the -dbg package",
			    enumerator);
	e = lookup(idx, K_ENUMERATOR, enumerator, &err);
	if (err)
		return -1;
	if (!e)
		return fail(idx, "no enumerator %s in vmlinux DWARF", enumerator);
	*value = e->value;
	return 0;
}

static int array_count(Dwarf_Die *var, uint64_t *len, int *why)
{
	Dwarf_Die t, at, sub;

	*why = 0;
	if (die_type(var, &t) < 0 || dwarf_peel_type(&t, &at) != 0)
		return -1;
	if (dwarf_tag(&at) != DW_TAG_array_type) {
		*why = 1;	/* not an array */
		return -1;
	}
	if (dwarf_child(&at, &sub) != 0)
		return -1;
	do {
		bool have;
		uint64_t v;

		if (dwarf_tag(&sub) != DW_TAG_subrange_type)
			continue;
		v = attr_u(&sub, DW_AT_count, 0, &have);
		if (have) {
			*len = v;
			return 0;
		}
		Dwarf_Attribute a;
		Dwarf_Word ub;
		if (dwarf_attr(&sub, DW_AT_upper_bound, &a) && dwarf_whatform(&a) == DW_FORM_sdata) {
			Dwarf_Sword s;
			if (dwarf_formsdata(&a, &s) == 0) {
				uint64_t lb = attr_u(&sub, DW_AT_lower_bound, 0, NULL);
				*len = (uint64_t)s + 1 - lb;
				return 0;
			}
		} else if (dwarf_attr(&sub, DW_AT_upper_bound, &a) && dwarf_formudata(&a, &ub) == 0) {
			uint64_t lb = attr_u(&sub, DW_AT_lower_bound, 0, NULL);
			*len = ub + 1 - lb;
			return 0;
		}
		return -1;	/* first dimension has no bound */
	} while (dwarf_siblingof(&sub, &sub) == 0);
	return -1;
}

int fs_dwidx_array_length(struct fs_dwidx *idx, const char *variable, uint64_t *len)
{
	struct entry *e;
	Dwarf_Die die;
	int err, why;

	if (!idx->dw)
		return fail(idx, "no variable %s: vmlinux has no DWARF (.debug_info missing): install the -dbg package",
			    variable);
	e = lookup(idx, K_VARIABLE, variable, &err);
	if (err)
		return -1;
	if (!e)
		return fail(idx, "no variable %s in vmlinux DWARF", variable);
	if (entry_die(idx, e, &die) < 0)
		return -1;
	if (array_count(&die, len, &why) == 0)
		return 0;
	if (why == 1)
		return fail(idx, "variable %s is not an array", variable);
	return fail(idx, "array %s has no known length in vmlinux DWARF", variable);
}

/* ---------------------------------------------------------------------- */
/* ELF symbols                                                            */

static int build_symtab(struct fs_dwidx *idx)
{
	Elf_Scn *scn = NULL;
	size_t shnum;
	struct symtab *st = &idx->syms;

	st->built = true;
	if (elf_getshdrnum(idx->elf, &shnum) != 0)
		return fail(idx, "%s: cannot read section headers: %s", idx->path, elf_errmsg(-1));
	/* sections at address 0: the zero-based per-CPU section (x86-64 before
	 * 6.15), whose symbols KASLR does not move; looked up once here, not
	 * once per symbol */
	bool *zero_based = calloc(shnum ? shnum : 1, sizeof(*zero_based));
	if (!zero_based)
		return fail(idx, "out of memory reading symbols of %s", idx->path);
	for (size_t i = 1; i < shnum; i++) {
		GElf_Shdr ssh;
		Elf_Scn *s = elf_getscn(idx->elf, i);
		zero_based[i] = s && gelf_getshdr(s, &ssh) && ssh.sh_addr == 0;
	}
	while ((scn = elf_nextscn(idx->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		size_t n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !sh.sh_entsize)
			continue;
		n = sh.sh_size / sh.sh_entsize;
		/* slots at most 2/3 full: short probes */
		st->cap = 1;
		while (st->cap < n + n / 2)
			st->cap <<= 1;
		/* megabytes: zero-filled mappings on huge pages (src/bigtab.c),
		 * not a small page faulted in per 4 KiB */
		size_t room;
		st->nalloc = n ? n : 1;
		st->s = fs_bigtab_zalloc(&room, st->nalloc, sizeof(*st->s));
		st->slot = fs_bigtab_zalloc(&room, st->cap, sizeof(*st->slot));
		if (!st->s || !st->slot || n > UINT32_MAX - 1) {
			free(zero_based);
			return fail(idx, "out of memory reading symbols of %s", idx->path);
		}
		for (size_t i = 1; i < n; i++) {
			GElf_Sym sym;
			const char *name;
			int type, bind;
			uint32_t h;
			size_t j, len;

			if (!gelf_getsym(data, (int)i, &sym))
				continue;
			type = GELF_ST_TYPE(sym.st_info);
			bind = GELF_ST_BIND(sym.st_info);
			if (sym.st_shndx == SHN_UNDEF || type == STT_SECTION || type == STT_FILE)
				continue;
			name = elf_strptr(idx->elf, sh.sh_link, sym.st_name);
			if (!name || !*name)
				continue;
			len = strlen(name);
			bool global = bind == STB_GLOBAL || bind == STB_WEAK;
			bool reloc = true;
			if (sym.st_shndx == SHN_ABS)
				reloc = false;
			else if (sym.st_shndx < SHN_LORESERVE && sym.st_shndx < shnum && zero_based[sym.st_shndx])
				reloc = false;
			h = hash_name(0, name, len);
			for (j = h & (st->cap - 1); st->slot[j].sym; j = (j + 1) & (st->cap - 1)) {
				if (st->slot[j].hash == h && strcmp(st->s[st->slot[j].sym - 1].name, name) == 0)
					break;
			}
			struct symbol v = { .name = name, .hash = h, .global = global, .relocatable = reloc,
					    .value = sym.st_value, .size = sym.st_size };
			if (st->slot[j].sym) {
				struct symbol *old = &st->s[st->slot[j].sym - 1];
				if (!old->global && global)
					*old = v;	/* keep the first, prefer globals */
				continue;
			}
			st->s[st->n] = v;
			st->slot[j] = (struct symslot){ .hash = h, .sym = (uint32_t)++st->n };
		}
		free(zero_based);
		return 0;
	}
	free(zero_based);
	return fail(idx, "%s has no symbol table (.symtab): it was stripped", idx->path);
}

int fs_dwidx_symbol(struct fs_dwidx *idx, const char *name, uint64_t *value, bool *relocatable)
{
	return fs_dwidx_symbol_sized(idx, name, value, relocatable, NULL);
}

int fs_dwidx_symbol_sized(struct fs_dwidx *idx, const char *name, uint64_t *value, bool *relocatable,
			  uint64_t *size)
{
	struct symtab *st = &idx->syms;
	uint32_t h;

	if (!st->built && build_symtab(idx) < 0)
		return -1;
	if (!st->slot)
		return fail(idx, "no symbol %s: %s has no symbol table", name, idx->path);
	h = hash_name(0, name, strlen(name));
	for (size_t j = h & (st->cap - 1); st->slot[j].sym; j = (j + 1) & (st->cap - 1)) {
		const struct symbol *y = &st->s[st->slot[j].sym - 1];
		if (st->slot[j].hash == h && strcmp(y->name, name) == 0) {
			*value = y->value;
			if (relocatable)
				*relocatable = y->relocatable;
			if (size)
				*size = y->size;
			return 0;
		}
	}
	return fail(idx, "no symbol %s in %s", name, idx->path);
}

int fs_dwidx_read_static(struct fs_dwidx *idx, uint64_t addr, void *buf, size_t len)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(idx->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) || sh.sh_addr == 0 ||
		    addr < sh.sh_addr || addr - sh.sh_addr >= sh.sh_size)
			continue;
		if (sh.sh_type == SHT_NOBITS)
			return fail(idx, "0x%" PRIx64 " is in a zero-filled section of %s",
				    addr, idx->path);
		if (len > sh.sh_size - (addr - sh.sh_addr))
			len = sh.sh_size - (addr - sh.sh_addr);
		d = elf_rawdata(scn, NULL);
		if (!d || !d->d_buf || d->d_size < (addr - sh.sh_addr) + len)
			return fail(idx, "cannot read section data at 0x%" PRIx64 " in %s: %s",
				    addr, idx->path, elf_errmsg(-1));
		memcpy(buf, (const char *)d->d_buf + (addr - sh.sh_addr), len);
		return (int)len;
	}
	return fail(idx, "0x%" PRIx64 " is in no section of %s", addr, idx->path);
}

const char *fs_dwidx_osrelease(struct fs_dwidx *idx)
{
	uint64_t addr;
	char buf[256];
	int n;

	if (idx->release_done)
		return idx->release[0] ? idx->release : NULL;
	idx->release_done = true;
	if (fs_dwidx_symbol(idx, "linux_banner", &addr, NULL) == 0 &&
	    (n = fs_dwidx_read_static(idx, addr, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		if (strncmp(buf, "Linux version ", 14) == 0) {
			size_t l = strcspn(buf + 14, " \n");
			if (l && l < sizeof(idx->release)) {
				memcpy(idx->release, buf + 14, l);
				idx->release[l] = '\0';
				return idx->release;
			}
		}
	}
	/* init_uts_ns.name.release, located through DWARF when there is some */
	struct fs_member m;
	if (fs_dwidx_symbol(idx, "init_uts_ns", &addr, NULL) == 0 && idx->dw &&
	    fs_dwidx_member(idx, "struct uts_namespace", "name.release", &m) == 0 &&
	    (n = fs_dwidx_read_static(idx, addr + m.offset, buf, 65)) > 0) {
		buf[n < 65 ? n : 64] = '\0';
		snprintf(idx->release, sizeof(idx->release), "%.64s", buf);
	}
	idx->err[0] = '\0';
	return idx->release[0] ? idx->release : NULL;
}

const char *fs_dwidx_build_id(struct fs_dwidx *idx)
{
	Elf_Scn *scn = NULL;

	if (idx->buildid_done)
		return idx->buildid[0] ? idx->buildid : NULL;
	idx->buildid_done = true;
	while ((scn = elf_nextscn(idx->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t off = 0, noff, doff;
		GElf_Nhdr nh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d)
			continue;
		while ((off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((const char *)d->d_buf + noff, "GNU", 4) != 0)
				continue;
			const unsigned char *p = (const unsigned char *)d->d_buf + doff;
			size_t n = nh.n_descsz < 64 ? nh.n_descsz : 64;
			for (size_t i = 0; i < n; i++)
				snprintf(idx->buildid + 2 * i, 3, "%02x", p[i]);
			return idx->buildid;
		}
	}
	return NULL;
}

int fs_dwidx_elf_machine(const struct fs_dwidx *idx, int *elfclass)
{
	if (elfclass)
		*elfclass = idx->elfclass;
	return idx->machine;
}

const char *fs_dwidx_arch_name(const struct fs_dwidx *idx)
{
	bool is64 = idx->elfclass == ELFCLASS64;

	switch (idx->machine) {
	case EM_X86_64: return "x86_64";
	case EM_386: return "ia32";
	case EM_AARCH64: return "aarch64";
	case EM_ARM: return "arm";
	case EM_PPC64: return "ppc64";
	case EM_PPC: return "ppc";
	case EM_S390: return is64 ? "s390x" : "s390";
	case EM_IA_64: return "ia64";
	case EM_MIPS: return "mips";
	case EM_ALPHA: return "alpha";
	default: return NULL;
	}
}

bool fs_dwidx_has_dwarf(const struct fs_dwidx *idx)
{
	return idx->dw != NULL;
}

void fs_dwidx_stats(const struct fs_dwidx *idx, struct fs_dwidx_stats *st)
{
	st->units_total = idx->phase >= 2 ? idx->units_indexed : (unsigned long)-1;
	st->units_indexed = idx->units_indexed;
	st->units_alone = (unsigned long)idx->nlone;
	st->names = idx->types.n;
	st->dies_visited = idx->dies_visited;
}

/* ---------------------------------------------------------------------- */
/* open / close                                                           */

static bool has_section(Elf *elf, const char *name)
{
	GElf_Shdr sh;

	return find_section(elf, name, &sh) && sh.sh_type != SHT_NOBITS;
}

struct fs_dwidx *fs_dwidx_open(const char *path, bool need_dwarf, char *err, size_t errlen)
{
	struct fs_dwidx *idx;
	struct stat st;
	GElf_Ehdr eh;

	elf_version(EV_CURRENT);
	idx = calloc(1, sizeof(*idx));
	if (!idx) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	idx->fd = -1;
	idx->path = strdup(path);
	if (!idx->path) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	idx->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (idx->fd < 0) {
		snprintf(err, errlen, "cannot open vmlinux %s: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(idx->fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "vmlinux %s is not a regular file", path);
		goto fail;
	}
	idx->elf = elf_begin(idx->fd, ELF_C_READ_MMAP, NULL);
	if (!idx->elf || elf_kind(idx->elf) != ELF_K_ELF || !gelf_getehdr(idx->elf, &eh)) {
		snprintf(err, errlen, "vmlinux %s is not an ELF file%s%s", path,
			 idx->elf && elf_kind(idx->elf) != ELF_K_ELF ? "" : ": ",
			 idx->elf && elf_kind(idx->elf) != ELF_K_ELF ? "" : elf_errmsg(-1));
		goto fail;
	}
	idx->machine = eh.e_machine;
	idx->elfclass = eh.e_ident[EI_CLASS];
	idx->little_endian = eh.e_ident[EI_DATA] == ELFDATA2LSB;

	idx->dw = dwarf_begin_elf(idx->elf, DWARF_C_READ, NULL);
	if (!idx->dw) {
		int e = dwarf_errno();
		bool has_info = has_section(idx->elf, ".debug_info");

		if (!has_info && need_dwarf) {
			snprintf(err, errlen,
				 "%s has no DWARF (.debug_info missing): install the -dbg package",
				 path);
			goto fail;
		}
		if (has_info) {
			snprintf(err, errlen, "cannot read DWARF of %s: %s", path, dwarf_errmsg(e));
			goto fail;
		}
	} else {
		idx->alt = dwarf_getalt(idx->dw);
	}
	return idx;
fail:
	fs_dwidx_close(idx);
	return NULL;
}

void fs_dwidx_close(struct fs_dwidx *idx)
{
	if (!idx)
		return;
	for (int i = 0; i < idx->nlone; i++) {
		dwarf_end(idx->lone[i].dw);
		elf_end(idx->lone[i].elf);
	}
	if (idx->dw)
		dwarf_end(idx->dw);
	if (idx->elf)
		elf_end(idx->elf);
	if (idx->fd >= 0)
		close(idx->fd);
	for (size_t i = 0; i < idx->members.cap; i++)
		free(idx->members.e[i].key);
	free(idx->members.e);
	free(idx->types.e);
	fs_bigtab_free(idx->syms.s, idx->syms.nalloc, sizeof(*idx->syms.s));
	fs_bigtab_free(idx->syms.slot, idx->syms.cap, sizeof(*idx->syms.slot));
	free(idx->path);
	free(idx);
}
