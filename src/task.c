// SPDX-License-Identifier: GPL-2.0-or-later
/* task.c - process walks (include/folioscope/task.h). */
#include <string.h>

#include "folioscope/task.h"

struct task_layout {
	uint64_t tasks, pid, comm, mm;
};

static int layout(struct fs_target *t, struct task_layout *l)
{
	if (fs_member_offset(t, "struct task_struct", "tasks", &l->tasks) ||
	    fs_member_offset(t, "struct task_struct", "pid", &l->pid) ||
	    fs_member_offset(t, "struct task_struct", "comm", &l->comm) ||
	    fs_member_offset(t, "struct task_struct", "mm", &l->mm))
		return fs_target_wrap(t, "task_struct layout");
	return 0;
}

static int read_task(struct fs_target *t, const struct task_layout *l, uint64_t addr, struct fs_task *out)
{
	int32_t pid;

	memset(out, 0, sizeof(*out));
	out->addr = addr;
	if (fs_read(t, FS_KVADDR, addr + l->pid, &pid, sizeof(pid)) ||
	    fs_read(t, FS_KVADDR, addr + l->comm, out->comm, 16) ||
	    fs_read_u64(t, addr + l->mm, &out->mm))
		return fs_target_wrap(t, "reading task_struct 0x%llx", (unsigned long long)addr);
	out->pid = pid;
	out->comm[16] = 0;
	return 0;
}

int fs_for_each_task(struct fs_target *t, int (*cb)(const struct fs_task *, void *), void *arg)
{
	struct task_layout l;
	uint64_t init, head, pos, mark = 0;
	struct fs_task task;
	unsigned int n = 0, lap = 1;
	int rc;

	if (layout(t, &l) || fs_symbol(t, "init_task", &init))
		return -1;
	head = init + l.tasks;
	if (read_task(t, &l, init, &task))
		return -1;
	if ((rc = cb(&task, arg)))
		return rc;
	if (fs_read_u64(t, head, &pos))
		return fs_target_wrap(t, "reading init_task.tasks");
	while (pos != head) {
		if (++n > FS_MAX_TASKS)
			return fs_target_fail(t, "task list longer than %u entries: corrupt or cyclic", FS_MAX_TASKS);
		if (pos < l.tasks || (pos & 7))
			return fs_target_fail(t, "task list holds a bad pointer 0x%llx after %u tasks",
					      (unsigned long long)pos, n - 1);
		if (read_task(t, &l, pos - l.tasks, &task))
			return -1;
		if ((rc = cb(&task, arg)))
			return rc;
		/* Brent: a loop that misses init_task is caught within two
		 * turns of it, not after FS_MAX_TASKS entries. */
		if (n == lap) {
			mark = pos;
			lap *= 2;
		}
		if (fs_read_u64(t, pos, &pos))
			return fs_target_wrap(t, "following the task list");
		if (pos == mark)
			return fs_target_fail(t, "task list is cyclic: 0x%llx comes back after %u tasks without reaching init_task",
					      (unsigned long long)pos, n);
	}
	return 0;
}

struct find_arg {
	int pid;
	struct fs_task *out;
};

static int find_cb(const struct fs_task *task, void *arg)
{
	struct find_arg *a = arg;

	if (task->pid != a->pid)
		return 0;
	*a->out = *task;
	return 1;
}

int fs_find_task(struct fs_target *t, int pid, struct fs_task *out)
{
	struct find_arg a = { pid, out };
	int rc = fs_for_each_task(t, find_cb, &a);

	if (rc == 1)
		return 0;
	if (rc == 0)
		return fs_target_fail(t, "no process with pid %d (threads are not searched: give the process id)", pid);
	return -1;
}

int fs_mm_pgd(struct fs_target *t, uint64_t mm, uint64_t *pgd)
{
	uint64_t off;

	if (fs_member_offset(t, "struct mm_struct", "pgd", &off))
		return fs_target_wrap(t, "mm_struct layout");
	if (fs_read_u64(t, mm + off, pgd))
		return fs_target_wrap(t, "reading mm_struct 0x%llx", (unsigned long long)mm);
	return 0;
}
