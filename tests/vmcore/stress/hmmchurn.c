// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hmmchurn - a workload that keeps device-private state in motion, for the
 * live stress test (tests/python/test_live_stress.py, docs/lab.md): for
 * SECONDS it loops
 *   migrate a THP region and a small-page region to test_hmm's device
 *   (HMM_DMIRROR_MIGRATE_TO_DEV: PMD and PTE device-private entries appear),
 *   fork a child that reads part of it and exits (fork copies device-private
 *   entries and folio references: copy_nonpresent_pte(), copy_huge_pmd()),
 *   write every page from the CPU (do_swap_page() -> migrate_to_ram: the
 *   entries become migration entries, then present PTEs again),
 * so a reader of /proc/kcore sees entries, mapcounts, refcounts and the
 * pgmap reference change under it. SIGTERM ends it after the current round.
 * Prints one line of totals at the end.
 * Not part of the lab fixtures (it lives outside tests/vmcore/guest/): it
 * runs in the guest chrooted in the host root, built by the test.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#define PMD_SIZE (2UL << 20)

/* lib/test_hmm_uapi.h (6.1, 6.12, 7.2) */
struct hmm_dmirror_cmd {
	uint64_t addr, ptr, npages, cpages, faults;
};
#define HMM_DMIRROR_MIGRATE_TO_DEV _IOWR('H', 0x02, struct hmm_dmirror_cmd)

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "hmmchurn: %s: %s\n", what, strerror(errno));
	exit(1);
}

static char *region(size_t size, int thp)
{
	char *p = mmap(NULL, size + PMD_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	p = (char *)(((uintptr_t)p + PMD_SIZE - 1) & ~(PMD_SIZE - 1));
	if (madvise(p, size, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		die("madvise");
	return p;
}

static void touch(char *p, size_t size, unsigned int v)
{
	for (size_t o = 0; o < size; o += PAGE)
		p[o] = (char)(v + o / PAGE);
}

static uint64_t to_device(int fd, char *p, size_t size, void *bounce)
{
	struct hmm_dmirror_cmd c = { .addr = (uintptr_t)p, .ptr = (uintptr_t)bounce, .npages = size / PAGE };
	if (ioctl(fd, HMM_DMIRROR_MIGRATE_TO_DEV, &c))
		die("HMM_DMIRROR_MIGRATE_TO_DEV");
	return c.cpages;
}

int main(int argc, char **argv)
{
	const size_t thp_size = 4 * PMD_SIZE, small_size = 256 * PAGE;
	uint64_t rounds = 0, migrated = 0, forks = 0;
	struct timespec t0, now;
	char *thp, *small;
	void *bounce;
	double secs;
	int fd;

	if (argc != 2 || (secs = atof(argv[1])) <= 0) {
		fprintf(stderr, "usage: hmmchurn SECONDS\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	fd = open("/dev/hmm_dmirror0", O_RDWR);
	if (fd < 0)
		die("open /dev/hmm_dmirror0");
	bounce = malloc(thp_size);
	if (!bounce)
		die("malloc");
	thp = region(thp_size, 1);
	small = region(small_size, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		pid_t child;
		touch(thp, thp_size, (unsigned int)rounds);
		touch(small, small_size, (unsigned int)rounds);
		migrated += to_device(fd, thp, thp_size, bounce);
		migrated += to_device(fd, small, small_size, bounce);
		child = fork();
		if (child < 0)
			die("fork");
		if (child == 0) {
			volatile char sink = 0;
			for (size_t o = 0; o < small_size / 2; o += PAGE)
				sink += small[o];	/* read faults: device -> system in the child's view */
			(void)sink;
			_exit(0);
		}
		forks++;
		waitpid(child, NULL, 0);
		rounds++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (!stop && (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9 < secs);
	printf("hmmchurn: rounds=%" PRIu64 " migrated_pages=%" PRIu64 " forks=%" PRIu64 "\n", rounds, migrated, forks);
	return 0;
}
