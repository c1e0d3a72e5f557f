/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * digest.h - a 64-bit FNV-1a digest, to tell whether memory read twice on a
 * live kernel stayed the same (confirm.c) without keeping both copies.
 */
#ifndef FOLIOSCOPE_DIGEST_H
#define FOLIOSCOPE_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define FS_DIGEST_INIT 0xcbf29ce484222325ULL

static inline uint64_t fs_digest(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static inline uint64_t fs_digest_u64(uint64_t h, uint64_t v)
{
	return fs_digest(h, &v, sizeof(v));
}

#endif
