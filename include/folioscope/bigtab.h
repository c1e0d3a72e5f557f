/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Memory for the scan's big tables (one record per page-table entry or per
 * folio: tens of MB on a large dump), mapped on its own and grown in place.
 */
#ifndef FOLIOSCOPE_BIGTAB_H
#define FOLIOSCOPE_BIGTAB_H

#include <stddef.h>

/*
 * Room for need elements of elem bytes in p (NULL at first), doubling
 * *cap. New capacity is not zeroed. Exits with status 2 when memory runs
 * out, as the scan's other tables do.
 */
void *fs_bigtab_grow(void *p, size_t *cap, size_t need, size_t elem);

/*
 * A table of at least n elements, zero-filled (a fresh anonymous mapping),
 * on huge pages above 1 MiB; *cap receives its capacity. NULL when
 * memory runs out (the caller decides what that means). fs_bigtab_free()
 * takes n as well as *cap.
 */
void *fs_bigtab_zalloc(size_t *cap, size_t n, size_t elem);

/* Release a table fs_bigtab_grow() or fs_bigtab_zalloc() returned (cap,
 * elem: its last ones). */
void fs_bigtab_free(void *p, size_t cap, size_t elem);

#endif
