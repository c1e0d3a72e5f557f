/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * synth-kernel.h - a small synthetic 7.2-like x86_64 kernel image for the
 * check tests: vmemmap, one MEMORY_DEVICE_PRIVATE pgmap, a task list, one
 * process with page tables, anon_vma trees. Layout values are arbitrary but
 * self-consistent (the engine asks the target for every offset), so the
 * tests exercise the engine exactly as a real dump does. Tests build a clean
 * state, corrupt one thing, and expect exactly one finding.
 */
#ifndef SYNTH_KERNEL_H
#define SYNTH_KERNEL_H

#include <stdint.h>

#include "folioscope/target.h"
#include "synth-target.h"

#define SK_PAGE_OFFSET 0xffff888000000000ULL
#define SK_VMEMMAP 0xffffea0000000000ULL
#define SK_DEV_PFN 0x100000ULL		/* first device pfn: section 32 */
#define SK_DEV_PAGES 1024ULL

/* struct page / folio offsets used by the synthetic kernel */
enum {
	SKP_FLAGS = 0, SKP_HEAD = 8, SKP_MAPPING = 24, SKP_INDEX = 32, SKP_MAPCOUNT = 48, SKP_REFCOUNT = 52,
	SKF_FLAGS_1 = 64, SKF_LARGE = 80, SKF_NR_MAPPED = 84, SKF_ENTIRE = 88, SKF_PINCOUNT = 92,
	SKF_DEFERRED = 144,
};
enum { SK_PG_LOCKED = 0, SK_PG_HEAD = 6, SK_PG_RESERVED = 10, SK_PG_ANON_EXCL = 13 };

struct sk {
	struct fs_target *t;
	uint64_t next_pa;		/* bump allocator (direct map) */
	uint64_t pgmap;			/* struct dev_pagemap */
	uint64_t pcpu_counter;		/* the pgmap ref's per-CPU counter (CPU 0) */
	uint64_t ref_data;		/* percpu_ref_data */
	uint64_t task, mm, pgd_pa;	/* the one user process */
	uint64_t anon_vma, vma;
	int pid;
};

/* A kernel with the pgmap and one process, no device folio yet. */
void sk_init(struct sk *k);
uint64_t sk_alloc(struct sk *k, uint64_t size);	/* returns a direct-map kva */
uint64_t sk_page(uint64_t pfn);			/* struct page address */
void sk_put32(struct sk *k, uint64_t kva, uint32_t v);
void sk_put64(struct sk *k, uint64_t kva, uint64_t v);
uint64_t sk_get64(struct sk *k, uint64_t kva);

/* Allocate a device folio (refcount, order, anon mapping to the process's
 * anon_vma at virtual address va) and add it to the pgmap's reference. */
void sk_device_folio(struct sk *k, uint64_t pfn, int order, int refcount, uint64_t va);
/* Map it: a PTE or PMD entry (raw value) at va in the process. */
void sk_set_pte(struct sk *k, uint64_t va, uint64_t raw);
void sk_set_pmd(struct sk *k, uint64_t va, uint64_t raw);
/* Counters of a folio (values as the kernel stores them, i.e. minus one). */
void sk_set_counts(struct sk *k, uint64_t pfn, int mapcount, int entire);
/* Device-private entry for this kernel (7.2, MEMORY_FAILURE=n: W 28, R 29, X 30). */
uint64_t sk_entry(int type, uint64_t pfn);
/* A second process sharing the anon_vma (a fork child); returns its pid. */
int sk_add_process(struct sk *k, uint64_t *pgd_pa_out);
void sk_set_pte_in(struct sk *k, uint64_t pgd_pa, uint64_t va, uint64_t raw);
void sk_set_pmd_in(struct sk *k, uint64_t pgd_pa, uint64_t va, uint64_t raw);
/* Register a VMA of process mm in the anon_vma tree. */
void sk_add_vma_to_tree(struct sk *k, uint64_t vma);
uint64_t sk_new_vma(struct sk *k, uint64_t mm, uint64_t start, uint64_t end);

#endif
