/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_bigtab.c - the scan's big-table memory (src/bigtab.c): growing from
 * nothing past several 2 MiB units keeps every element written, gives the
 * room asked for, and puts tables of 2 MiB and more on a 2 MiB boundary
 * (where huge pages can back them); zalloc's tables are zero-filled.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "folioscope/bigtab.h"

struct rec {
	uint64_t a, b;
	uint32_t c;
};

static void test_grow_keeps_contents(void **state)
{
	struct rec *t = NULL;
	size_t cap = 0, n = 0, moves = 0;
	const size_t total = 400000;	/* 24 bytes each: 9.6 MB, past 2, 4 and 8 MiB */

	(void)state;
	for (; n < total; n++) {
		struct rec *before = t;

		t = fs_bigtab_grow(t, &cap, n + 1, sizeof(*t));
		assert_non_null(t);
		assert_true(cap >= n + 1);
		moves += before != t;
		t[n] = (struct rec){ .a = n, .b = ~(uint64_t)n, .c = (uint32_t)(n * 7) };
		if (cap * sizeof(*t) >= ((size_t)2 << 20))
			assert_int_equal((uintptr_t)t & (((uintptr_t)2 << 20) - 1), 0);
	}
	assert_true(moves >= 1);
	for (size_t i = 0; i < total; i++) {
		assert_int_equal(t[i].a, i);
		assert_int_equal(t[i].b, ~(uint64_t)i);
		assert_int_equal(t[i].c, (uint32_t)(i * 7));
	}
	fs_bigtab_free(t, cap, sizeof(*t));
}

/* Asking for room a table has changes nothing; a jump asks once. */
static void test_grow_in_steps(void **state)
{
	size_t cap = 0;
	char *t = fs_bigtab_grow(NULL, &cap, 10, 1);

	(void)state;
	assert_non_null(t);
	assert_true(cap >= 10);
	size_t c0 = cap;
	assert_ptr_equal(fs_bigtab_grow(t, &cap, c0, 1), t);
	assert_int_equal(cap, c0);
	memset(t, 0x5a, cap);
	t = fs_bigtab_grow(t, &cap, (size_t)5 << 20, 1);
	assert_true(cap >= ((size_t)5 << 20));
	for (size_t i = 0; i < c0; i++)
		assert_int_equal((unsigned char)t[i], 0x5a);
	t[cap - 1] = 1;		/* the whole capacity is writable */
	fs_bigtab_free(t, cap, 1);
	fs_bigtab_free(NULL, 0, 1);
}

/* A new table starts at a huge page: one 2 MiB-aligned unit. */
static void test_grow_starts_huge(void **state)
{
	size_t cap = 0;
	struct rec *t = fs_bigtab_grow(NULL, &cap, 1, sizeof(*t));

	(void)state;
	assert_non_null(t);
	assert_int_equal((uintptr_t)t & (((uintptr_t)2 << 20) - 1), 0);
	assert_true(cap * sizeof(*t) > ((size_t)1 << 20) && cap * sizeof(*t) <= ((size_t)2 << 20));
	t[cap - 1].a = 1;
	fs_bigtab_free(t, cap, sizeof(*t));
}

/* zalloc: zero-filled, the room asked for, huge-page aligned from 1 MiB
 * up, NULL (not an exit) for a size no machine has. */
static void test_zalloc(void **state)
{
	const size_t sizes[] = { 1, 1000, ((size_t)1 << 20) / 8, ((size_t)1 << 20) / 8 + 1, ((size_t)3 << 20) / 8 + 5 };
	size_t cap = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t *t = fs_bigtab_zalloc(&cap, sizes[i], sizeof(*t));
		assert_non_null(t);
		assert_true(cap >= sizes[i]);
		for (size_t k = 0; k < cap; k++)
			assert_int_equal(t[k], 0);
		if (sizes[i] * sizeof(*t) > ((size_t)1 << 20))
			assert_int_equal((uintptr_t)t & (((uintptr_t)2 << 20) - 1), 0);
		t[cap - 1] = 7;
		fs_bigtab_free(t, i % 2 ? cap : sizes[i], sizeof(*t));	/* either size names the mapping */
	}
	assert_null(fs_bigtab_zalloc(&cap, SIZE_MAX / 4, 8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow_keeps_contents),
		cmocka_unit_test(test_grow_in_steps),
		cmocka_unit_test(test_grow_starts_huge),
		cmocka_unit_test(test_zalloc),
	};

	return cmocka_run_group_tests_name("bigtab", tests, NULL, NULL);
}
