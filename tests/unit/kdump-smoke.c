/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdump-smoke.c - open a real vmlinux + vmcore with the kdump backend and
 * print a few facts, with timings. Not run by `make check`:
 *
 *   build/tests/kdump-smoke VMLINUX [VMCORE|/proc/kcore] [TYPE ...]
 *
 * Exit status 0 when everything printed could be read.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "folioscope/target-kdump.h"
#include "folioscope/target.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	char err[FS_TARGET_ERRLEN];
	const struct fs_kdump_info *info;
	struct fs_target *t;
	struct fs_member m;
	uint64_t init_task, size, comm_off;
	char comm[17] = "";
	double t0, t1, t2, t3;
	int rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s VMLINUX [VMCORE|/proc/kcore] [TYPE ...]\n", argv[0]);
		return 2;
	}
	t0 = now_ms();
	t = fs_kdump_open(argv[1], argc > 2 ? argv[2] : NULL, err, sizeof(err));
	t1 = now_ms();
	if (!t) {
		fprintf(stderr, "open failed: %s\n", err);
		return 1;
	}
	info = fs_kdump_info(t);
	printf("open:            %.1f ms\n", t1 - t0);
	printf("format:          %s%s%s\n", info->format, info->flattened ? " (flattened, reassembled)" : "",
	       info->live ? " (live)" : "");
	printf("arch:            %s\n", info->arch);
	printf("OSRELEASE:       %s\n", info->osrelease ? info->osrelease : "(unknown)");
	printf("KERNELOFFSET:    0x%" PRIx64 "\n", info->kaslr_offset);
	printf("filtered:        %s (dump level %d)\n",
	       info->filtered < 0 ? "unknown" : info->filtered ? "yes" : "no", info->dump_level);
	if (*info->notes)
		printf("notes:\n%s", info->notes);

	if (fs_symbol(t, "init_task", &init_task) == 0) {
		printf("init_task:       0x%" PRIx64 "\n", init_task);
	} else {
		printf("init_task:       ERROR %s\n", fs_target_error(t));
		rc = 1;
	}
	t2 = now_ms();
	if (fs_type_size(t, "struct page", &size) == 0) {
		t3 = now_ms();
		printf("sizeof(struct page): %" PRIu64 "   (first lookup %.1f ms)\n", size, t3 - t2);
	} else {
		printf("sizeof(struct page): ERROR %s\n", fs_target_error(t));
		rc = 1;
	}
	if (fs_member(t, "struct page", "_refcount", &m) == 0) {
		printf("offsetof(struct page, _refcount): %" PRIu64 "\n", m.offset);
	} else {
		printf("offsetof(struct page, _refcount): ERROR %s\n", fs_target_error(t));
		rc = 1;
	}
	if (fs_member_offset(t, "struct task_struct", "comm", &comm_off) == 0 &&
	    fs_read(t, FS_KVADDR, init_task + comm_off, comm, 16) == 0) {
		comm[16] = '\0';
		printf("init_task.comm:  \"%s\"\n", comm);
	} else {
		printf("init_task.comm:  ERROR %s\n", fs_target_error(t));
		rc = 1;
	}
	for (int i = 3; i < argc; i++) {
		double a = now_ms();
		if (fs_type_size(t, argv[i], &size) == 0)
			printf("sizeof(%s) = %" PRIu64 " (%.2f ms)\n", argv[i], size, now_ms() - a);
		else
			printf("sizeof(%s): ERROR %s\n", argv[i], fs_target_error(t));
	}
	t0 = now_ms();
	fs_target_close(t);
	printf("close:           %.1f ms\n", now_ms() - t0);
	return rc;
}
