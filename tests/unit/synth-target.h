/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * synth-target.h - a synthetic fs_target for unit tests: sparse physical
 * memory, a linear kernel mapping, and hand-written symbols, types and
 * VMCOREINFO. It stands for states no lab kernel produces on demand
 * (corrupt tables, cycles, odd configs); tests say so where they use it.
 */
#ifndef SYNTH_TARGET_H
#define SYNTH_TARGET_H

#include <stdint.h>

#include "folioscope/target.h"

struct synth;

struct fs_target *synth_new(void);
struct synth *synth_of(struct fs_target *t);
/* Map kernel virtual [va, va+len) onto physical pa (linear, for reads). */
void synth_map_kva(struct fs_target *t, uint64_t va, uint64_t pa, uint64_t len);
/* Physical memory: writes allocate 4 KiB pages on demand. */
void synth_write_pa(struct fs_target *t, uint64_t pa, const void *buf, size_t len);
void synth_write_pa_u64(struct fs_target *t, uint64_t pa, uint64_t v);
void synth_write_kva(struct fs_target *t, uint64_t va, const void *buf, size_t len);
void synth_write_kva_u64(struct fs_target *t, uint64_t va, uint64_t v);
void synth_add_symbol(struct fs_target *t, const char *name, uint64_t addr);
void synth_add_symbol_sized(struct fs_target *t, const char *name, uint64_t addr, uint64_t size);
void synth_add_member(struct fs_target *t, const char *type, const char *member, uint64_t off, uint64_t size);
void synth_add_type(struct fs_target *t, const char *type, uint64_t size);
void synth_add_enum(struct fs_target *t, const char *name, int64_t v);
void synth_add_array(struct fs_target *t, const char *name, uint64_t len);
void synth_set_vmcoreinfo(struct fs_target *t, const char *text);
/* Make reads of kernel virtual addresses fail (as live /proc/kcore does for
 * device vmemmap), so callers must translate through page tables. */
void synth_block_kva(struct fs_target *t, uint64_t va, uint64_t len);

#endif
