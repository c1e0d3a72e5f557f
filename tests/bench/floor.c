/*
 * floor VMCORE LIST: the I/O floor of `folioscope scan` on a dump.
 *
 * Reads, with libkdumpfile opened the way the CLI opens it (read(2), no
 * mmap), only the bytes a scan cannot avoid:
 *   V ADDR LEN   kernel-virtual ranges: the struct pages (vmemmap) of every
 *                MEMORY_DEVICE_PRIVATE range, read in 1 MiB pieces
 *   P PA         the top-level user page table (PGD, physical) of one mm:
 *                its user half is walked the way the scan walks it (every
 *                present table below, PMD leaves and PTE tables read whole,
 *                4 KiB per table)
 * LIST comes from tests/bench/prep.py (drgn on the same dump, not timed).
 * Nothing is decoded: the program only reads. Prints one line of key=value
 * timings (seconds) and byte counts.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <libkdumpfile/kdumpfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static kdump_ctx_t *ctx;
static uint64_t bytes_vmemmap, bytes_tables, tables, failures;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int rd(kdump_addrspace_t as, uint64_t addr, void *buf, size_t len)
{
	size_t n = len;

	if (kdump_read(ctx, as, addr, buf, &n) != KDUMP_OK || n != len) {
		if (!failures++)
			fprintf(stderr, "floor: read 0x%" PRIx64 " (%s): %s\n", addr,
				as == KDUMP_KVADDR ? "virtual" : "physical", kdump_get_err(ctx));
		return -1;
	}
	return 0;
}

/* x86_64 4-level: PGD (user half), PUD, PMD, PTE */
static void walk(uint64_t pa, int level)
{
	uint64_t t[512];
	unsigned int n = level == 0 ? 256 : 512;

	if (rd(KDUMP_KPHYSADDR, pa, t, sizeof(t)))
		return;
	tables++;
	bytes_tables += sizeof(t);
	if (level == 3)
		return;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t e = t[i];

		if (!(e & 1))
			continue;		/* not present (or a swap entry) */
		if (level > 0 && (e & 0x80))
			continue;		/* huge leaf */
		walk(e & 0x000ffffffffff000ULL, level + 1);
	}
}

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	char line[256];
	FILE *l;
	int fd;
	double t0, t1, t2, t3;

	if (argc != 3) {
		fprintf(stderr, "usage: floor VMCORE LIST\n");
		return 2;
	}
	l = fopen(argv[2], "r");
	if (!l) {
		perror(argv[2]);
		return 2;
	}
	t0 = now();
	fd = open(argv[1], O_RDONLY);
	ctx = kdump_new();
	if (fd < 0 || !ctx)
		return perror(argv[1]), 2;
	kdump_set_number_attr(ctx, KDUMP_ATTR_FILE_MMAP_POLICY, KDUMP_MMAP_NEVER);
	/* the cache size that reads these bytes fastest: libkdumpfile 0.5.1
	 * walks its cached entries on every look-up, and the floor reads each
	 * page once (2026-11-27, large: 8 pages 0.028 s, 32 0.029, 128 0.032,
	 * the default 1024 0.056); FLOOR_CACHE_PAGES overrides it */
	kdump_set_number_attr(ctx, "cache.size",
			      getenv("FLOOR_CACHE_PAGES") ? strtoul(getenv("FLOOR_CACHE_PAGES"), NULL, 0) : 8);
	if (kdump_open_fd(ctx, fd) != KDUMP_OK) {
		fprintf(stderr, "floor: %s: %s\n", argv[1], kdump_get_err(ctx));
		return 2;
	}
	/* QEMU's kdump header names no OS and the arch only in utsname.machine,
	 * which libkdumpfile then ignores: say both (the CLI does the same) */
	if (kdump_set_string_attr(ctx, KDUMP_ATTR_ARCH_NAME, "x86_64") != KDUMP_OK ||
	    kdump_set_string_attr(ctx, KDUMP_ATTR_OSTYPE, "linux") != KDUMP_OK) {
		fprintf(stderr, "floor: %s: %s\n", argv[1], kdump_get_err(ctx));
		return 2;
	}
	t1 = now();
	while (fgets(line, sizeof(line), l)) {
		uint64_t a, n;

		if (sscanf(line, "V %" SCNx64 " %" SCNx64, &a, &n) == 2) {
			while (n) {
				size_t c = n < sizeof(buf) ? n : sizeof(buf);

				if (!rd(KDUMP_KVADDR, a, buf, c))
					bytes_vmemmap += c;
				a += c;
				n -= c;
			}
		}
	}
	t2 = now();
	rewind(l);
	while (fgets(line, sizeof(line), l)) {
		uint64_t pa;

		if (sscanf(line, "P %" SCNx64, &pa) == 1)
			walk(pa, 0);
	}
	t3 = now();
	printf("open=%.4f vmemmap=%.4f tables=%.4f total=%.4f reads=%.4f "
	       "vmemmap_bytes=%" PRIu64 " table_bytes=%" PRIu64 " page_tables=%" PRIu64 " failures=%" PRIu64 "\n",
	       t1 - t0, t2 - t1, t3 - t2, t3 - t0, t3 - t1, bytes_vmemmap, bytes_tables, tables, failures);
	kdump_free(ctx);
	close(fd);
	return failures ? 1 : 0;
}
