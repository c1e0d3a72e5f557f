/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * task.h - processes of the dumped kernel: walk init_task.tasks (thread-group
 * leaders, include/linux/sched/signal.h for_each_process()), bounded against
 * cycles and garbage, and find a process's mm and top-level page table.
 */
#ifndef FOLIOSCOPE_TASK_H
#define FOLIOSCOPE_TASK_H

#include <stdint.h>

#include "folioscope/profile.h"
#include "folioscope/target.h"

#define FS_MAX_TASKS (1u << 22)		/* bound on a task-list walk */

struct fs_task {
	uint64_t addr;			/* struct task_struct * */
	int pid;
	char comm[17];
	uint64_t mm;			/* struct mm_struct *, 0 for kernel threads */
};

/* Calls cb for each process; a non-zero return from cb stops the walk and is
 * returned. -1 with the target's error on a read failure or a corrupt list. */
int fs_for_each_task(struct fs_target *t, int (*cb)(const struct fs_task *, void *), void *arg);
int fs_find_task(struct fs_target *t, int pid, struct fs_task *out);
/* mm->pgd */
int fs_mm_pgd(struct fs_target *t, uint64_t mm, uint64_t *pgd);

#endif
