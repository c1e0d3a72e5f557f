/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_kdump_dwarf.c - the kdump backend's DWARF index against small
 * programs built from dwarf-fixture.c (gcc/clang, DWARF 4/5), so no kernel
 * is needed. The fixture source is also compiled in here: every offset and
 * size the index reports is compared with what this compiler says.
 *
 * Fixture paths: argv[1..], else $FS_DWARF_FIXTURES (':'-separated), else
 * the DWARF_FIXTURES the build compiled in (src/kdump/kdump.mk); the
 * program without debug info: $FS_NODWARF_FIXTURE, else NODWARF_FIXTURE.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/kdump/dwarf-index.h"

#define FX_NO_MAIN
#include "dwarf-fixture.c"
#include "dwarf-fixture-mm.c"

#ifndef DWARF_FIXTURES
#define DWARF_FIXTURES ""
#endif
#ifndef NODWARF_FIXTURE
#define NODWARF_FIXTURE ""
#endif

static const char *fixture;	/* the program the current group reads */

static int group_setup(void **state)
{
	char err[512];
	struct fs_dwidx *idx = fs_dwidx_open(fixture, true, err, sizeof(err));

	if (!idx) {
		fprintf(stderr, "cannot open fixture %s: %s\n", fixture, err);
		return -1;
	}
	*state = idx;
	return 0;
}

static int group_teardown(void **state)
{
	fs_dwidx_close(*state);
	return 0;
}

static uint64_t size_of(struct fs_dwidx *idx, const char *type)
{
	uint64_t sz = 0;
	int r = fs_dwidx_type_size(idx, type, &sz);

	if (r)
		fail_msg("type_size(%s): %s", type, fs_dwidx_error(idx));
	return sz;
}

static int64_t enum_of(struct fs_dwidx *idx, const char *name)
{
	int64_t v = 0;

	if (fs_dwidx_enum_value(idx, name, &v))
		fail_msg("enum_value(%s): %s", name, fs_dwidx_error(idx));
	return v;
}

static struct fs_member member_of(struct fs_dwidx *idx, const char *type, const char *m)
{
	struct fs_member out = { 0, 0, 0, 0 };

	if (fs_dwidx_member(idx, type, m, &out))
		fail_msg("member(%s, %s): %s", type, m, fs_dwidx_error(idx));
	return out;
}

#define CHECK_MEMBER(idx, ctype, type, path, cpath)                              \
	do {                                                                     \
		struct fs_member m_ = member_of(idx, type, path);                \
		assert_int_equal(m_.offset, offsetof(ctype, cpath));              \
		assert_int_equal(m_.size, sizeof(((ctype *)0)->cpath));           \
		assert_int_equal(m_.bit_offset, -1);                             \
		assert_int_equal(m_.bit_size, 0);                                \
	} while (0)

static void test_type_sizes(void **state)
{
	struct fs_dwidx *idx = *state;

	assert_int_equal(size_of(idx, "struct fx_page"), sizeof(struct fx_page));
	assert_int_equal(size_of(idx, "  struct   fx_page "), sizeof(struct fx_page));
	assert_int_equal(size_of(idx, "union fx_union"), sizeof(union fx_union));
	assert_int_equal(size_of(idx, "enum fx_color"), sizeof(enum fx_color));
	assert_int_equal(size_of(idx, "enum fx_big"), sizeof(enum fx_big));
	assert_int_equal(size_of(idx, "pte_t"), sizeof(pte_t));
	assert_int_equal(size_of(idx, "pteval_t"), sizeof(pteval_t));
	assert_int_equal(size_of(idx, "atomic_t"), sizeof(atomic_t));
	assert_int_equal(size_of(idx, "struct fx_packed"), sizeof(struct fx_packed));
	assert_int_equal(size_of(idx, "struct fx_page *"), sizeof(void *));
	assert_int_equal(size_of(idx, "struct fx_page*"), sizeof(void *));
	assert_int_equal(size_of(idx, "int"), sizeof(int));
	/* C spellings of base types map to the compiler's DWARF names */
	assert_int_equal(size_of(idx, "unsigned long"), sizeof(unsigned long));
	assert_int_equal(size_of(idx, "long unsigned int"), sizeof(unsigned long));
	assert_int_equal(size_of(idx, "unsigned char"), 1);
}

static void test_type_errors(void **state)
{
	struct fs_dwidx *idx = *state;
	uint64_t sz;

	assert_int_equal(fs_dwidx_type_size(idx, "struct nosuch", &sz), -1);
	assert_string_equal(fs_dwidx_error(idx), "no struct nosuch in vmlinux DWARF");
	assert_int_equal(fs_dwidx_type_size(idx, "union fx_page", &sz), -1);
	assert_string_equal(fs_dwidx_error(idx), "no union fx_page in vmlinux DWARF");
	assert_int_equal(fs_dwidx_type_size(idx, "nosuch_t", &sz), -1);
	assert_string_equal(fs_dwidx_error(idx), "no nosuch_t in vmlinux DWARF");
	assert_int_equal(fs_dwidx_type_size(idx, "", &sz), -1);
}

static void test_members_plain(void **state)
{
	struct fs_dwidx *idx = *state;

	CHECK_MEMBER(idx, struct fx_page, "struct fx_page", "flags", flags);
	CHECK_MEMBER(idx, struct fx_page, "struct fx_page", "_refcount", _refcount);
	CHECK_MEMBER(idx, struct fx_page, "struct fx_page", "_refcount.counter", _refcount.counter);
	CHECK_MEMBER(idx, struct fx_page, "struct fx_page", "ref.data", ref.data);
	CHECK_MEMBER(idx, struct fx_page, "struct fx_page", "ref.data.release", ref.data.release);
	CHECK_MEMBER(idx, struct fx_page, "struct fx_page", "color", color);
	CHECK_MEMBER(idx, struct fx_page, "struct fx_page", "ptes", ptes);
	CHECK_MEMBER(idx, struct fx_page, "struct fx_page", "ptes[2]", ptes[2]);
	CHECK_MEMBER(idx, struct fx_page, "struct fx_page", "ptes[3].pte", ptes[3].pte);
	CHECK_MEMBER(idx, union fx_union, "union fx_union", "l", l);
	CHECK_MEMBER(idx, union fx_union, "union fx_union", "pages[1]._refcount", pages[1]._refcount);
	/* typedef'd struct names work as the outer type */
	CHECK_MEMBER(idx, pte_t, "pte_t", "pte", pte);
}

static void test_members_anonymous(void **state)
{
	struct fs_dwidx *idx = *state;

	/* through one and two levels of anonymous unions/structs */
	CHECK_MEMBER(idx, struct fx_page, "struct fx_page", "lru", lru);
	CHECK_MEMBER(idx, struct fx_page, "struct fx_page", "lru.prev", lru.prev);
	CHECK_MEMBER(idx, struct fx_page, "struct fx_page", "mapping", mapping);
	CHECK_MEMBER(idx, struct fx_page, "struct fx_page", "index", index);
	CHECK_MEMBER(idx, struct fx_page, "struct fx_page", "share", share);
	CHECK_MEMBER(idx, struct fx_page, "struct fx_page", "private", private);
	CHECK_MEMBER(idx, struct fx_page, "struct fx_page", "compound_info", compound_info);
	CHECK_MEMBER(idx, struct fx_page, "struct fx_page", "order", order);
	CHECK_MEMBER(idx, struct fx_page, "struct fx_page", "pgmap", pgmap);
	CHECK_MEMBER(idx, struct fx_page, "struct fx_page", "zone_device_data", zone_device_data);
	CHECK_MEMBER(idx, struct fx_page, "struct fx_page", "page_type", page_type);
	CHECK_MEMBER(idx, struct fx_page, "struct fx_page", "_mapcount", _mapcount);
	CHECK_MEMBER(idx, struct fx_page, "struct fx_page", "_mapcount.counter", _mapcount.counter);
}

static void test_member_errors(void **state)
{
	struct fs_dwidx *idx = *state;
	struct fs_member m;

	assert_int_equal(fs_dwidx_member(idx, "struct fx_page", "foo", &m), -1);
	assert_string_equal(fs_dwidx_error(idx), "struct fx_page has no member 'foo'");
	assert_int_equal(fs_dwidx_member(idx, "struct fx_page", "ref.nope", &m), -1);
	assert_non_null(strstr(fs_dwidx_error(idx), "struct fx_page has no member 'ref.nope'"));
	assert_int_equal(fs_dwidx_member(idx, "struct fx_page", "flags.x", &m), -1);
	assert_non_null(strstr(fs_dwidx_error(idx), "'flags' is not a struct or union"));
	assert_int_equal(fs_dwidx_member(idx, "struct nosuch", "x", &m), -1);
	assert_string_equal(fs_dwidx_error(idx), "no struct nosuch in vmlinux DWARF");
	assert_int_equal(fs_dwidx_member(idx, "struct fx_page", "ptes[", &m), -1);
	assert_int_equal(fs_dwidx_member(idx, "struct fx_page", "flags[1]", &m), -1);
	assert_int_equal(fs_dwidx_member(idx, "struct fx_page", "", &m), -1);
	assert_int_equal(fs_dwidx_member(idx, "int", "x", &m), -1);
	assert_non_null(strstr(fs_dwidx_error(idx), "not a struct or union"));
}

/*
 * Set the bit field to all ones in a zeroed object and check that the
 * reported (offset, size, bit_offset, bit_size) finds exactly those bits.
 */
static void check_bits(const void *obj, size_t objsize, const struct fs_member *m)
{
	const unsigned char *p = obj;
	uint64_t unit = 0, mask;
	size_t ones = 0;

	assert_in_range(m->size, 1, 8);
	assert_true(m->offset + m->size <= objsize);
	assert_in_range(m->bit_size, 1, 64);
	assert_true(m->bit_offset >= 0);
	assert_true((uint64_t)m->bit_offset + (uint64_t)m->bit_size <= m->size * 8);
	for (size_t i = 0; i < m->size; i++)	/* little-endian load */
		unit |= (uint64_t)p[m->offset + i] << (8 * i);
	mask = m->bit_size == 64 ? ~0ULL : (1ULL << m->bit_size) - 1;
	assert_int_equal((unit >> m->bit_offset) & mask, mask);
	for (size_t i = 0; i < objsize; i++)
		ones += (size_t)__builtin_popcount(p[i]);
	assert_int_equal(ones, (size_t)m->bit_size);
}

static void test_bitfields(void **state)
{
	struct fs_dwidx *idx = *state;
	struct fx_page pg;
	struct fx_packed pk;
	struct fs_member m;

#define BITS(obj, type, field, value)                               \
	do {                                                        \
		memset(&obj, 0, sizeof(obj));                       \
		obj.field = value;                                  \
		m = member_of(idx, type, #field);                   \
		check_bits(&obj, sizeof(obj), &m);                  \
	} while (0)

	BITS(pg, "struct fx_page", bf_a, 7);
	assert_int_equal(m.bit_size, 3);
	BITS(pg, "struct fx_page", bf_b, 0x1fff);
	assert_int_equal(m.bit_size, 13);
	assert_int_equal(m.size, sizeof(unsigned int));
	assert_int_equal(m.bit_offset, 3);
	BITS(pg, "struct fx_page", bf_c, 0xffff);
	BITS(pg, "struct fx_page", bf_wide, 0xffffffffffULL);
	assert_int_equal(m.size, 8);
	BITS(pg, "struct fx_page", bf_signed, -1);
	assert_int_equal(m.bit_size, 5);
	BITS(pk, "struct fx_packed", straddle, 0xfffff);
	BITS(pk, "struct fx_packed", tail, 0xfff);
#undef BITS
}

static void test_enums(void **state)
{
	struct fs_dwidx *idx = *state;
	int64_t v;

	assert_true(enum_of(idx, "FX_RED") == FX_RED);
	assert_true(enum_of(idx, "FX_GREEN") == 200);
	assert_true(enum_of(idx, "FX_BLUE") == 0x7fffffff);
	assert_true(enum_of(idx, "FX_ANON_B") == 8);
	assert_true(enum_of(idx, "FX_BIG") == 0x123456789aLL);
	assert_true(enum_of(idx, "FX_NEG64") == -0x123456789aLL);
	assert_int_equal(fs_dwidx_enum_value(idx, "FX_NOSUCH", &v), -1);
	assert_string_equal(fs_dwidx_error(idx), "no enumerator FX_NOSUCH in vmlinux DWARF");
}

static void test_arrays(void **state)
{
	struct fs_dwidx *idx = *state;
	uint64_t n;

	assert_int_equal(fs_dwidx_array_length(idx, "fx_pages", &n), 0);
	assert_int_equal(n, 25);
	assert_int_equal(fs_dwidx_array_length(idx, "fx_per_cpu_offset", &n), 0);
	assert_int_equal(n, 8);
	assert_int_equal(fs_dwidx_array_length(idx, "fx_matrix", &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(fs_dwidx_array_length(idx, "fx_not_array", &n), -1);
	assert_string_equal(fs_dwidx_error(idx), "variable fx_not_array is not an array");
	assert_int_equal(fs_dwidx_array_length(idx, "fx_nosuch", &n), -1);
	assert_string_equal(fs_dwidx_error(idx), "no variable fx_nosuch in vmlinux DWARF");
}

static void test_symbols_and_elf(void **state)
{
	struct fs_dwidx *idx = *state;
	uint64_t v = 0;
	bool reloc = false;
	const char *rel, *bid;
	char buf[16];

	assert_int_equal(fs_dwidx_symbol(idx, "fx_one_page", &v, &reloc), 0);
	assert_true(v != 0);
	assert_true(reloc);
	assert_int_equal(fs_dwidx_symbol(idx, "main", &v, NULL), 0);
	assert_int_equal(fs_dwidx_symbol(idx, "no_such_symbol", &v, NULL), -1);
	assert_non_null(strstr(fs_dwidx_error(idx), "no symbol no_such_symbol"));

	/* static data straight from the file */
	assert_int_equal(fs_dwidx_symbol(idx, "linux_banner", &v, NULL), 0);
	assert_int_equal(fs_dwidx_read_static(idx, v, buf, 13), 13);
	assert_memory_equal(buf, "Linux version", 13);
	rel = fs_dwidx_osrelease(idx);
	assert_non_null(rel);
	assert_string_equal(rel, "7.2.99-fixture");

	bid = fs_dwidx_build_id(idx);	/* Debian's gcc/clang link with --build-id */
	if (bid)
		assert_true(strlen(bid) >= 16 && strspn(bid, "0123456789abcdef") == strlen(bid));
	assert_string_equal(fs_dwidx_arch_name(idx), "x86_64");
	assert_true(fs_dwidx_has_dwarf(idx));
}

/* Must run last in a group: the earlier misses already forced a full pass. */
static void test_lazy_stats(void **state)
{
	struct fs_dwidx_stats st;

	fs_dwidx_stats(*state, &st);
	assert_true(st.units_indexed >= 1);
	assert_true(st.names > 10);
}

/* A fresh index answers the first query without a full pass when it can. */
static void test_lazy_first_lookup(void **state)
{
	char err[512];
	struct fs_dwidx *idx = fs_dwidx_open(fixture, true, err, sizeof(err));
	struct fs_dwidx_stats st;
	uint64_t sz;

	(void)state;
	assert_non_null(idx);
	fs_dwidx_stats(idx, &st);
	assert_int_equal(st.units_indexed, 0);
	assert_int_equal(fs_dwidx_type_size(idx, "struct fx_page", &sz), 0);
	fs_dwidx_stats(idx, &st);
	assert_true(st.units_indexed >= 1);
	fs_dwidx_close(idx);
}

/*
 * The hinted names live in the fixture's second unit only: a fresh index
 * answers them from that unit (found by its function's address in
 * .debug_aranges) without walking the first one.
 */
static void test_hinted_units(void **state)
{
	char err[512];
	struct fs_dwidx *idx = fs_dwidx_open(fixture, true, err, sizeof(err));
	struct fs_dwidx_stats st;
	struct fs_member m;
	int64_t v;

	(void)state;
	assert_non_null(idx);
	assert_int_equal(fs_dwidx_enum_value(idx, "__MAX_NR_ZONES", &v), 0);
	assert_int_equal(v, __MAX_NR_ZONES);
	assert_int_equal(fs_dwidx_member(idx, "struct anon_vma_chain", "anon_vma", &m), 0);
	assert_int_equal(m.offset, offsetof(struct anon_vma_chain, anon_vma));
	assert_int_equal(m.size, sizeof(((struct anon_vma_chain *)0)->anon_vma));
	fs_dwidx_stats(idx, &st);
	assert_int_equal(st.units_indexed, 0);
	/* the hinted unit on a handle of its own, unless the debug sections
	 * are compressed (that handle would inflate them all again) */
	assert_int_equal(st.units_alone, strstr(fixture, "-gz") ? 0 : 1);
	/* the rest of the index still works, the walk skipping that unit */
	assert_int_equal(fs_dwidx_enum_value(idx, "FX_GREEN", &v), 0);
	assert_int_equal(v, FX_GREEN);
	assert_int_equal(fs_dwidx_enum_value(idx, "fx_no_such_enumerator", &v), -1);
	assert_int_equal(fs_dwidx_enum_value(idx, "ZONE_DEVICE", &v), 0);
	assert_int_equal(v, ZONE_DEVICE);
	fs_dwidx_close(idx);
}

static void test_open_errors(void **state)
{
	char err[512], path[] = "/tmp/fs-dwarf-XXXXXX";
	struct fs_dwidx *idx;
	int fd;

	(void)state;
	idx = fs_dwidx_open("/nonexistent/vmlinux", true, err, sizeof(err));
	assert_null(idx);
	assert_non_null(strstr(err, "cannot open vmlinux /nonexistent/vmlinux"));

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "not an elf file\n", 16), 16);
	close(fd);
	idx = fs_dwidx_open(path, true, err, sizeof(err));
	assert_null(idx);
	assert_non_null(strstr(err, "is not an ELF file"));
	unlink(path);

	/* an ELF file without DWARF: this test program is built without -g */
	idx = fs_dwidx_open("/proc/self/exe", true, err, sizeof(err));
	if (idx) {
		/* built with -g after all: nothing to check here */
		fs_dwidx_close(idx);
	}
}

static void test_open_no_dwarf(void **state)
{
	const char *nodw = getenv("FS_NODWARF_FIXTURE");
	char err[512];
	struct fs_dwidx *idx;
	uint64_t v;

	(void)state;
	if (!nodw || !*nodw)
		nodw = NODWARF_FIXTURE;
	if (!*nodw)
		skip();
	idx = fs_dwidx_open(nodw, true, err, sizeof(err));
	assert_null(idx);
	assert_non_null(strstr(err, "has no DWARF (.debug_info missing): install the -dbg package"));
	/* without need_dwarf, symbols still work and type queries say why not */
	idx = fs_dwidx_open(nodw, false, err, sizeof(err));
	assert_non_null(idx);
	assert_false(fs_dwidx_has_dwarf(idx));
	assert_int_equal(fs_dwidx_symbol(idx, "fx_one_page", &v, NULL), 0);
	assert_int_equal(fs_dwidx_type_size(idx, "struct fx_page", &v), -1);
	assert_non_null(strstr(fs_dwidx_error(idx), ".debug_info missing"));
	fs_dwidx_close(idx);
}

static int run_one(const char *path)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lazy_first_lookup),
		cmocka_unit_test(test_hinted_units),
		cmocka_unit_test(test_type_sizes),
		cmocka_unit_test(test_type_errors),
		cmocka_unit_test(test_members_plain),
		cmocka_unit_test(test_members_anonymous),
		cmocka_unit_test(test_member_errors),
		cmocka_unit_test(test_bitfields),
		cmocka_unit_test(test_enums),
		cmocka_unit_test(test_arrays),
		cmocka_unit_test(test_symbols_and_elf),
		cmocka_unit_test(test_lazy_stats),
	};
	char name[512];
	const char *base = strrchr(path, '/');

	fixture = path;
	snprintf(name, sizeof(name), "kdump_dwarf[%s]", base ? base + 1 : path);
	return _cmocka_run_group_tests(name, tests, sizeof(tests) / sizeof(tests[0]),
				       group_setup, group_teardown);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest misc[] = {
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_open_no_dwarf),
	};
	const char *env = getenv("FS_DWARF_FIXTURES");
	char *list, *save = NULL, *tok;
	int failed = 0, n = 0;

	failed += cmocka_run_group_tests_name("kdump_dwarf_open", misc, NULL, NULL);
	if (argc > 1) {
		for (int i = 1; i < argc; i++, n++)
			failed += run_one(argv[i]);
	} else {
		list = strdup(env && *env ? env : DWARF_FIXTURES);
		for (tok = strtok_r(list, ":", &save); tok; tok = strtok_r(NULL, ":", &save), n++)
			failed += run_one(tok);
		free(list);
	}
	if (n == 0) {
		fprintf(stderr, "test_kdump_dwarf: no fixture programs given\n");
		return 1;
	}
	return failed ? 1 : 0;
}
