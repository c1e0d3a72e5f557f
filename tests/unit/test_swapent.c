// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_swapent.c - the swap-entry codec against tests/vectors/swapent.txt
 * (real lab-dump values and values built with the kernel's own macros, each
 * row citing its source), plus encode/decode round trips for every kind on
 * x86_64 and arm64 for kernels 6.1, 6.12 and 7.2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "folioscope/profile.h"
#include "folioscope/swapent.h"

static const char *vectors_path(void)
{
	const char *p = getenv("FS_VECTORS");
	return p ? p : "tests/vectors/swapent.txt";
}

static void profile_for(struct fs_profile *p, const char *arch, const char *kernel, const char *cfg)
{
	char err[256];

	assert_int_equal(fs_profile_default(p, fs_arch_from_name(arch), kernel, err, sizeof(err)), 0);
	if (strcmp(cfg, "-"))
		assert_int_equal(fs_profile_override(p, cfg, err, sizeof(err)), 0);
}

static int has_flag(const char *flags, const char *f)
{
	char buf[256], *save, *tok;

	snprintf(buf, sizeof(buf), "%s", flags);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, f))
			return 1;
	return 0;
}

static void test_vectors(void **state)
{
	FILE *f = fopen(vectors_path(), "r");
	char line[512];
	int n = 0, lineno = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char arch[16], kernel[16], cfg[128], lvl[8], raw_s[32], kind[40], type_s[8], off_s[32], pfn_s[32], flags[128];
		struct fs_profile p;
		struct fs_entry e;
		uint64_t raw;

		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%15s %15s %127s %7s %31s %39s %7s %31s %31s %127s", arch, kernel, cfg, lvl, raw_s,
			   kind, type_s, off_s, pfn_s, flags) != 10)
			fail_msg("vectors line %d: malformed", lineno);
		profile_for(&p, arch, kernel, cfg);
		raw = strtoull(raw_s, NULL, 0);
		fs_entry_decode(&p.swap, !strcmp(lvl, "pmd") ? FS_LVL_PMD : FS_LVL_PTE, raw, &e);
		if (strcmp(fs_entry_kind_name(e.kind), kind))
			fail_msg("vectors line %d: %s decodes as %s, expected %s", lineno, raw_s,
				 fs_entry_kind_name(e.kind), kind);
		if (strcmp(type_s, "-"))
			assert_int_equal(e.type, atoi(type_s));
		else
			assert_int_equal(e.type, -1);
		if (strcmp(off_s, "-"))
			assert_int_equal(e.offset, strtoull(off_s, NULL, 0));
		if (strcmp(pfn_s, "-")) {
			assert_true(e.has_pfn);
			if (e.pfn != strtoull(pfn_s, NULL, 0))
				fail_msg("vectors line %d: pfn 0x%llx, expected %s", lineno, (unsigned long long)e.pfn, pfn_s);
		} else {
			assert_false(e.has_pfn);
		}
		if (e.soft_dirty != has_flag(flags, "soft_dirty") || e.uffd_wp != has_flag(flags, "uffd_wp") ||
		    e.exclusive != has_flag(flags, "exclusive") || (e.has_ad && e.young) != has_flag(flags, "young") ||
		    (e.has_ad && e.dirty) != has_flag(flags, "dirty") || (e.extra_bits != 0) != has_flag(flags, "reserved") ||
		    e.pmd_invalid_kind != has_flag(flags, "invalid_pmd") ||
		    (e.kind == FS_ENT_PRESENT && e.huge) != has_flag(flags, "huge") ||
		    (e.kind == FS_ENT_PRESENT && e.write) != has_flag(flags, "write"))
			fail_msg("vectors line %d: flags differ from '%s' (sd %d uffd %d excl %d y %d d %d extra 0x%llx "
				 "invpmd %d huge %d write %d)", lineno, flags, e.soft_dirty, e.uffd_wp, e.exclusive,
				 e.young, e.dirty, (unsigned long long)e.extra_bits, e.pmd_invalid_kind, e.huge, e.write);
		n++;
		fs_profile_free(&p);
	}
	fclose(f);
	assert_true(n >= 40);
}

/* MAX_SWAPFILES per kernel and config, from include/linux/swap.h of each tree:
 * 32 minus the special types that exist. */
static void test_max_swapfiles(void **state)
{
	static const struct { const char *arch, *kernel, *cfg; int max; int dev_write; } rows[] = {
		{ "x86_64", "7.2", "MEMORY_FAILURE=n", 25, 28 },	/* 32-3-3-0-1 */
		{ "x86_64", "7.2", "-", 24, 28 },			/* + HWPOISON */
		{ "x86_64", "6.12", "MEMORY_FAILURE=n", 24, 27 },	/* 32-4-3-0-1 */
		{ "x86_64", "6.12", "-", 23, 27 },
		{ "x86_64", "6.1", "MEMORY_FAILURE=n,PTE_MARKER=y", 23, 26 },	/* 32-4-3-0-1-1 */
		{ "x86_64", "6.1", "MEMORY_FAILURE=n,PTE_MARKER=n", 24, 27 },
		{ "x86_64", "6.1", "-", 22, 26 },
		{ "x86_64", "7.2", "DEVICE_PRIVATE=n,MEMORY_FAILURE=n", 28, -1 },
		{ "x86_64", "7.2", "DEVICE_PRIVATE=n,MIGRATION=n,MEMORY_FAILURE=n", 31, -1 },
		{ "arm64", "7.2", "MEMORY_FAILURE=n", 25, 28 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fs_profile p;
		profile_for(&p, rows[i].arch, rows[i].kernel, rows[i].cfg);
		assert_int_equal(p.swap.max_swapfiles, rows[i].max);
		assert_int_equal(fs_swap_type_of(&p.swap, FS_ENT_DEVICE_PRIVATE_WRITE), rows[i].dev_write);
		/* special types always fill [MAX_SWAPFILES, 31] exactly */
		for (int t = p.swap.max_swapfiles; t < 32; t++)
			assert_int_not_equal(p.swap.kind[t], FS_ENT_UNKNOWN);
	}
}

static void round_trip(const char *arch, const char *kernel, const char *cfg)
{
	struct fs_profile p;
	int kinds_seen = 0;

	profile_for(&p, arch, kernel, cfg);
	for (int k = FS_ENT_SWAP; k < FS_ENT__COUNT; k++) {
		int type = fs_swap_type_of(&p.swap, (enum fs_entry_kind)k);
		uint64_t offsets[] = { 0, 1, 0x12345, (1ULL << p.swap.pfn_bits) - 1 };
		if (type < 0)
			continue;
		kinds_seen++;
		for (size_t i = 0; i < 4; i++) {
			struct fs_entry e;
			uint64_t off = offsets[i];
			if (k == FS_ENT_MARKER)
				off &= p.swap.marker_mask;
			uint64_t raw = fs_swap_entry_encode(&p.swap, type, off);
			if (k == FS_ENT_SWAP && raw == 0)
				continue;
			fs_entry_decode(&p.swap, FS_LVL_PTE, raw, &e);
			if ((int)e.kind != k || e.type != type || e.offset != off)
				fail_msg("%s %s: kind %s type %d off 0x%llx -> raw 0x%llx decodes as %s/%d/0x%llx", arch,
					 kernel, fs_entry_kind_name((enum fs_entry_kind)k), type, (unsigned long long)off,
					 (unsigned long long)raw, fs_entry_kind_name(e.kind), e.type, (unsigned long long)e.offset);
			if (fs_kind_has_pfn(e.kind))
				assert_int_equal(e.pfn, off);
			assert_int_equal(e.extra_bits, 0);
		}
	}
	assert_true(kinds_seen >= 8);
	fs_profile_free(&p);
}

static void test_round_trips(void **state)
{
	const char *kernels[] = { "6.1", "6.12", "7.2" };
	const char *cfgs[] = { "-", "MEMORY_FAILURE=n", "MEMORY_FAILURE=n,PTE_MARKER=n" };
	(void)state;
	for (int a = 0; a < 2; a++)
		for (int k = 0; k < 3; k++)
			for (int c = 0; c < 3; c++)
				round_trip(a ? "arm64" : "x86_64", kernels[k], cfgs[c]);
}

/* Decoding never reads outside its tables, whatever the input. */
static void test_garbage(void **state)
{
	struct fs_profile p;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	(void)state;
	for (int a = 0; a < 2; a++) {
		profile_for(&p, a ? "arm64" : "x86_64", "7.2", "-");
		for (int i = 0; i < 200000; i++) {
			struct fs_entry e;
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			fs_entry_decode(&p.swap, (i & 1) ? FS_LVL_PMD : FS_LVL_PTE, x, &e);
			assert_true(e.kind < FS_ENT__COUNT);
			assert_non_null(fs_entry_kind_name(e.kind));
		}
	}
}

static void test_names(void **state)
{
	(void)state;
	for (int k = 0; k < FS_ENT__COUNT; k++)
		assert_int_equal(fs_entry_kind_from_name(fs_entry_kind_name((enum fs_entry_kind)k)), k);
	assert_int_equal(fs_entry_kind_from_name("bogus"), -1);
	assert_int_equal(fs_arch_from_name("aarch64"), FS_ARCH_ARM64);
	assert_int_equal(fs_arch_from_name("sparc"), FS_ARCH_UNKNOWN);
}

static void test_version_warning(void **state)
{
	struct fs_profile p;
	(void)state;
	profile_for(&p, "x86_64", "5.10", "-");
	assert_true(strstr(p.swap.warning, "outside the verified range") != NULL);
	profile_for(&p, "x86_64", "6.12", "-");
	assert_string_equal(p.swap.warning, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_max_swapfiles),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_version_warning),
	};
	return cmocka_run_group_tests_name("swapent", tests, NULL, NULL);
}
