// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * stuck.c - who is stuck on device-private state. For every task in
 * uninterruptible sleep, its kernel stack is scanned for return addresses
 * inside the functions such tasks wait in (a stack scan, not an unwinder:
 * stale slots can match, so the evidence says which slot matched):
 *   memunmap_pages()                 waits for the pgmap reference to drop
 *                                    (mm/memremap.c: wait_for_completion(&pgmap->done))
 *   migration_entry_wait*(),
 *   pmd_migration_entry_wait()       a migration entry that is never removed
 *   hmm_range_fault()                an HMM fault loop
 *   do_swap_page()                   a device-private fault (migrate_to_ram)
 * A pgmap address found on the same stack names the pgmap waited on.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folioscope/pgtable.h"
#include "folioscope/scan.h"
#include "folioscope/task.h"

static const struct {
	const char *fn;
	const char *what;
} wait_sites[] = {
	{ "memunmap_pages", "waits in memunmap_pages() for the pgmap reference count to reach zero" },
	{ "migration_entry_wait_on_locked", "waits on a migration entry (migration_entry_wait_on_locked)" },
	{ "migration_entry_wait", "waits on a migration entry (migration_entry_wait)" },
	{ "pmd_migration_entry_wait", "waits on a PMD migration entry" },
	{ "migration_entry_wait_huge", "waits on a hugetlb migration entry" },
	{ "hmm_range_fault", "is inside hmm_range_fault()" },
	{ "do_swap_page", "is faulting on a non-present entry (do_swap_page)" },
};
#define NSITES (sizeof(wait_sites) / sizeof(wait_sites[0]))

struct site_range {
	uint64_t start, end;
};

struct stuck_ctx {
	struct fs_scan *s;
	struct site_range r[NSITES];
	uint64_t o_state, o_stack, thread_size;
	uint64_t *buf;
};

static int task_cb(const struct fs_task *task, void *arg)
{
	struct stuck_ctx *c = arg;
	struct fs_scan *s = c->s;
	uint32_t state;
	uint64_t stack;
	size_t words = c->thread_size / 8;

	if (fs_read_kva(s->t, s->p, task->addr + c->o_state, &state, 4) ||
	    fs_read_kva(s->t, s->p, task->addr + c->o_stack, &stack, 8))
		return 0;
	/* include/linux/sched.h: TASK_UNINTERRUPTIBLE 0x2 (6.1-7.2) */
	if (!(state & 2) || !stack)
		return 0;
	if (fs_read_kva(s->t, s->p, stack, c->buf, c->thread_size)) {
		fs_scan_error(s, "pid %d: kernel stack 0x%" PRIx64 " unreadable: %s", task->pid, stack,
			      fs_target_error(s->t));
		return 0;
	}
	/* Scan from the top of the stack (oldest frames) down, report the
	 * innermost match, i.e. the one nearest the saved stack pointer. */
	int best = -1;
	size_t best_slot = 0;
	for (size_t w = 0; w < words; w++) {
		for (size_t k = 0; k < NSITES; k++) {
			if (c->r[k].start && c->buf[w] > c->r[k].start && c->buf[w] < c->r[k].end) {
				if (best < 0 || w < best_slot) {
					best = (int)k;
					best_slot = w;
				}
			}
		}
	}
	if (best < 0)
		return 0;
	uint64_t pgmap = 0;
	for (size_t w = 0; w < words && !pgmap; w++)
		for (int i = 0; i < s->pgmaps->n; i++)
			if (c->buf[w] == s->pgmaps->map[i].addr)
				pgmap = c->buf[w];
	s->stuck = realloc(s->stuck, (s->nstuck + 1) * sizeof(*s->stuck));
	if (!s->stuck)
		return 1;
	struct fs_stuck *st = &s->stuck[s->nstuck++];
	memset(st, 0, sizeof(*st));
	st->pid = task->pid;
	memcpy(st->comm, task->comm, sizeof(st->comm));
	st->task = task->addr;
	st->fn = wait_sites[best].fn;
	st->what = wait_sites[best].what;
	st->slot = stack + best_slot * 8;
	st->ret = c->buf[best_slot];
	st->pgmap = pgmap;
	return 0;
}

void fs_scan_stuck(struct fs_scan *s)
{
	struct stuck_ctx c = { .s = s };
	uint64_t size;

	if (fs_member_offset(s->t, "struct task_struct", "__state", &c.o_state) &&
	    fs_member_offset(s->t, "struct task_struct", "state", &c.o_state))
		return;
	if (fs_member_offset(s->t, "struct task_struct", "stack", &c.o_stack))
		return;
	/* THREAD_SIZE: the size of init_stack (arch/x86/include/asm/page_64_types.h
	 * 16 KiB, 32 KiB with KASAN), from the symbol table when it knows it. */
	c.thread_size = fs_symbol_size(s->t, "init_stack", &size) == 0 && size >= 4096 && size <= 65536 ? size : 16384;
	for (size_t k = 0; k < NSITES; k++) {
		uint64_t a, len;
		if (fs_symbol(s->t, wait_sites[k].fn, &a) || fs_symbol_size(s->t, wait_sites[k].fn, &len) || !len)
			continue;
		c.r[k].start = a;
		c.r[k].end = a + len;
	}
	c.buf = malloc(c.thread_size);
	if (!c.buf)
		return;
	if (fs_for_each_task(s->t, task_cb, &c) < 0)
		fs_scan_error(s, "task list (stuck tasks): %s", fs_target_error(s->t));
	free(c.buf);
}
