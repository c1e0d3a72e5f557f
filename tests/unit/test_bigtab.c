/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_bigtab.c - the scan's big-table memory (src/bigtab.c): growing from
 * nothing past several 2 MiB units keeps every element written, gives the
 * room asked for, and puts tables of 2 MiB and more on a 2 MiB boundary
 * (where huge pages can back them).
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow_keeps_contents),
		cmocka_unit_test(test_grow_in_steps),
	};

	return cmocka_run_group_tests_name("bigtab", tests, NULL, NULL);
}
