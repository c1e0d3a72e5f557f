// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scan's big tables live in their own anonymous mappings, advised for
 * transparent huge pages and grown with mremap(): on the bench dump they
 * reach 50 MB, and first touches of 4 KiB pages were a fifth of the scan's
 * CPU. A malloc'ed chunk cannot carry the advice: madvise() on part of it
 * splits its mapping, and glibc's realloc() then copies instead of moving.
 * Where THP is off (transparent_hugepage=never), the advice does nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "folioscope/bigtab.h"

#define HUGE_BYTES ((size_t)2 << 20)

/* A table's mapping length: whole 2 MiB units once it reaches half of one
 * (a partly covered 2 MiB range is never a huge page, and a huge page's
 * first touch costs a seventh of its 512 small pages' on the bench
 * machine: docs/performance.md), else whole pages. */
static size_t map_len(size_t bytes)
{
	const size_t page = 4096;

	if (bytes > HUGE_BYTES / 2)
		return (bytes + HUGE_BYTES - 1) & ~(HUGE_BYTES - 1);
	return (bytes + page - 1) & ~(page - 1);
}

static void out_of_memory(size_t bytes)
{
	fprintf(stderr, "folioscope: out of memory growing a scan table to %zu bytes\n", bytes);
	exit(2);
}

/*
 * A mapping of len bytes (whole 2 MiB units) at a 2 MiB boundary, holding
 * p's old bytes when p is given: only aligned 2 MiB ranges can be huge
 * pages, and mremap() moves huge pages whole only between aligned
 * addresses. A PROT_NONE reservation 2 MiB larger than len gives the
 * boundary; what is left of it around the table is unmapped.
 */
static void *map_aligned(void *p, size_t old, size_t len)
{
	const size_t huge = HUGE_BYTES;
	char *r = mmap(NULL, len + huge, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	void *n;

	if (r == MAP_FAILED)
		return MAP_FAILED;
	char *a = (char *)(((uintptr_t)r + huge - 1) & ~(uintptr_t)(huge - 1));
	if (p)
		n = mremap(p, old, len, MREMAP_MAYMOVE | MREMAP_FIXED, a);
	else
		n = mmap(a, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (n == MAP_FAILED) {
		munmap(r, len + huge);
		return MAP_FAILED;
	}
	if (a > r)
		munmap(r, (size_t)(a - r));
	if (r + len + huge > a + len)
		munmap(a + len, (size_t)(r + len + huge - (a + len)));
	(void)madvise(n, len, MADV_HUGEPAGE);
	return n;
}

void *fs_bigtab_grow(void *p, size_t *cap, size_t need, size_t elem)
{
	const size_t huge = HUGE_BYTES;

	if (need <= *cap)
		return p;
	/* a new table starts at one huge page: growing through small pages
	 * first would leave its first 2 MiB in them */
	size_t nc = *cap ? *cap * 2 : huge / elem ? huge / elem : 1;
	while (nc < need)
		nc *= 2;
	if (nc > (SIZE_MAX - 2 * huge) / elem)
		out_of_memory(SIZE_MAX);

	size_t old = p ? map_len(*cap * elem) : 0, len = map_len(nc * elem);
	void *n = MAP_FAILED;

	if (len >= huge && p && old >= huge)
		/* already aligned: grow in place if the next addresses are free */
		n = mremap(p, old, len, 0);
	if (n == MAP_FAILED && len >= huge)
		n = map_aligned(p, old, len);
	if (n == MAP_FAILED && len < huge)
		n = p ? mremap(p, old, len, MREMAP_MAYMOVE)
		      : mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (n == MAP_FAILED)
		out_of_memory(len);
	/* the whole mapping is room: map_len(*cap * elem) stays len */
	*cap = len / elem;
	return n;
}

void *fs_bigtab_zalloc(size_t *cap, size_t n, size_t elem)
{
	size_t len;
	void *p;

	if (!elem || n > (SIZE_MAX - 2 * HUGE_BYTES) / elem)
		return NULL;
	len = map_len(n ? n * elem : 1);
	p = len >= HUGE_BYTES ? map_aligned(NULL, 0, len)
			      : mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	*cap = len / elem;
	return p;
}

void fs_bigtab_free(void *p, size_t cap, size_t elem)
{
	if (p)
		munmap(p, map_len(cap * elem));
}
