// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_swapent.c - libFuzzer target: the page-table entry codec
 * (src/swapent.c) and the entry formatters (src/report.c).
 *
 * Input: 6 header bytes choose the kernel facts a dump can produce
 *   [0] arch (x86_64, arm64, unknown)   [1] [2] version major/minor
 *   [3] config bits                      [4] MAX_PHYSMEM_BITS  [5] swap_info[] bound
 * then records of 9 bytes: a level byte and a raw 64-bit entry.
 * Each entry is decoded, re-encoded (fs_swap_entry_encode) and decoded
 * again; the invariants below must hold for any raw value, and the text and
 * JSON formatting of every decoded entry must be clean under ASan/UBSan.
 */
#include <stdbool.h>

#include "folioscope/json.h"
#include "folioscope/report.h"
#include "folioscope/swapent.h"
#include "fuzz.h"

/* Bits of raw that the swap type and offset hold (the rest are flags). */
static uint64_t swp_bits(const struct fs_swap_layout *l)
{
	if (l->arch == FS_ARCH_X86_64)
		return ~0x1ffULL;	/* type 59-63, inverted offset 9-58 */
	return (0x1fULL << l->type_shift) | (((1ULL << 50) - 1) << l->offset_shift);
}

static void check_layout(const struct fs_swap_layout *l)
{
	FZ_CHECK(l->max_swapfiles >= 0 && l->max_swapfiles <= 32, "max_swapfiles %d", l->max_swapfiles);
	for (int t = 0; t < 32; t++) {
		FZ_CHECK(l->kind[t] < FS_ENT__COUNT, "type %d kind %d", t, l->kind[t]);
		FZ_CHECK((t < l->max_swapfiles) == (l->kind[t] == FS_ENT_SWAP), "type %d", t);
	}
	for (int k = 0; k < FS_ENT__COUNT; k++) {
		int t = fs_swap_type_of(l, (enum fs_entry_kind)k);
		const char *name = fs_entry_kind_name((enum fs_entry_kind)k);

		FZ_CHECK(name && fs_entry_kind_from_name(name) == k, "kind %d name", k);
		if (t < 0 || k == FS_ENT_SWAP)
			continue;
		FZ_CHECK(t >= l->max_swapfiles && t < 32 && l->kind[t] == k, "kind %s type %d", name, t);
		/* an entry of that type decodes as that kind, offset intact */
		uint64_t off = 0x1234 & ((1ULL << 20) - 1);
		uint64_t raw = fs_swap_entry_encode(l, t, off);
		struct fs_entry e;
		fs_entry_decode(l, FS_LVL_PTE, raw, &e);
		FZ_CHECK(e.kind == (enum fs_entry_kind)k && e.type == t && e.offset == off,
			 "encode(%s) = 0x%llx decodes as %s type %d", name, (unsigned long long)raw,
			 fs_entry_kind_name(e.kind), e.type);
	}
	FZ_CHECK(l->era != NULL, "no era");
	FZ_CHECK(memchr(l->warning, 0, sizeof(l->warning)) != NULL, "warning not terminated");
}

static void check_entry(const struct fs_swap_layout *l, enum fs_level lvl, uint64_t raw,
			const struct fs_entry *e)
{
	struct fs_entry again;
	uint64_t enc;

	FZ_CHECK(e->raw == raw && e->level == lvl, "raw/level not kept");
	FZ_CHECK((unsigned)e->kind < FS_ENT__COUNT, "kind %d", e->kind);
	FZ_CHECK(e->type >= -1 && e->type < 32, "type %d", e->type);
	FZ_CHECK(!e->pmd_invalid_kind || lvl == FS_LVL_PMD, "invalid-at-PMD on %s", fs_level_name(lvl));
	if (e->kind == FS_ENT_NONE || e->kind == FS_ENT_PRESENT) {
		FZ_CHECK(e->type == -1 && !e->offset && !e->marker && !e->extra_bits,
			 "%s entry 0x%llx has swap fields", fs_entry_kind_name(e->kind), (unsigned long long)raw);
		if (e->kind == FS_ENT_NONE)
			FZ_CHECK(!e->has_pfn && !e->is_leaf, "none entry with a pfn");
		return;
	}
	FZ_CHECK(e->type >= 0 && e->is_leaf, "non-present 0x%llx without a type", (unsigned long long)raw);
	FZ_CHECK(e->kind == l->kind[e->type], "kind %d for type %d", e->kind, e->type);
	FZ_CHECK(e->has_pfn == fs_kind_has_pfn(e->kind), "has_pfn for %s", fs_entry_kind_name(e->kind));
	if (e->has_pfn && l->pfn_bits > 0 && l->pfn_bits < 64) {
		FZ_CHECK(e->pfn == (e->offset & ((1ULL << l->pfn_bits) - 1)), "pfn 0x%llx offset 0x%llx",
			 (unsigned long long)e->pfn, (unsigned long long)e->offset);
		FZ_CHECK(!(e->extra_bits & ((1ULL << l->pfn_bits) - 1)), "extra bits overlap the pfn");
	}
	if (e->kind == FS_ENT_MARKER)
		FZ_CHECK(!(e->marker & ~l->marker_mask) && (e->marker | e->extra_bits) == e->offset,
			 "marker 0x%llx", (unsigned long long)e->marker);
	/* round trip: the type and offset re-encode to the same swap bits */
	enc = fs_swap_entry_encode(l, e->type, e->offset);
	FZ_CHECK(enc == (raw & swp_bits(l)), "encode(%d, 0x%llx) = 0x%llx, raw 0x%llx", e->type,
		 (unsigned long long)e->offset, (unsigned long long)enc, (unsigned long long)raw);
	fs_entry_decode(l, lvl, enc, &again);
	if (again.kind != FS_ENT_NONE && again.kind != FS_ENT_PRESENT)
		FZ_CHECK(again.type == e->type && again.offset == e->offset && again.kind == e->kind &&
			 again.pfn == e->pfn && again.pmd_invalid_kind == e->pmd_invalid_kind,
			 "re-decoding 0x%llx differs", (unsigned long long)enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum fs_arch arches[] = { FS_ARCH_X86_64, FS_ARCH_ARM64, FS_ARCH_UNKNOWN };
	struct fz_in in = { data, size };
	struct fs_kernel_facts k = { 0 };
	struct fs_swap_layout l;
	struct fs_json j;
	uint8_t cfg;
	FILE *out = fz_sink();

	if (size < 6)
		return 0;
	k.arch = arches[fz_u8(&in) % 3];
	k.ver_major = 2 + fz_u8(&in) % 98;	/* what fs_parse_version accepts */
	k.ver_minor = fz_u8(&in) % 100;
	cfg = fz_u8(&in);
	k.migration = cfg & 1;
	k.device_private = cfg & 2;
	k.memory_failure = cfg & 4;
	k.pte_marker = cfg & 8;
	k.mem_soft_dirty = cfg & 16;
	k.uffd_wp = cfg & 32;
	k.thp_migration = cfg & 64;
	k.mig_ad_supported = cfg & 128;
	k.page_shift = 12;
	/* NUMBER(MAX_PHYSMEM_BITS) as VMCOREINFO can carry it (0 = absent) */
	k.max_physmem_bits = (int8_t)fz_u8(&in);
	k.max_swapfiles_probe = (int)(fz_u8(&in) % 34) - 1;

	if (fs_swap_layout_init(&l, &k)) {
		FZ_CHECK(k.arch == FS_ARCH_UNKNOWN, "layout refused for %s", fs_arch_name(k.arch));
		/* decoding with a refused layout still must not crash */
		struct fs_entry e;
		fs_entry_decode(&l, FS_LVL_PTE, 0x1234, &e);
		FZ_CHECK(e.kind == FS_ENT_UNKNOWN, "unknown arch decodes");
		return 0;
	}
	check_layout(&l);

	fs_report_entry_header(out);
	fs_json_init(&j, out, size & 1);
	fs_json_begin_array(&j);
	while (fz_left(&in) >= 9) {
		enum fs_level lvl = (enum fs_level)(fz_u8(&in) % FS_LVL__COUNT);
		uint64_t raw = fz_u64(&in);
		struct fs_entry e;

		fs_entry_decode(&l, lvl, raw, &e);
		check_entry(&l, lvl, raw, &e);
		fs_report_entry_text(out, &e);
		fs_json_begin_object(&j);
		fs_report_entry_json(&j, &e);
		fs_json_end_object(&j);
	}
	fs_json_end_array(&j);
	fs_json_newline(&j);
	return 0;
}
