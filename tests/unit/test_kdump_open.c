/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_kdump_open.c - error paths of fs_kdump_open() on small files made
 * here: missing, empty, not a dump, truncated, corrupt flattened dumps, and
 * vmlinux problems. The "vmlinux" is a DWARF fixture program (kdump.mk).
 *
 * With FS_KDUMP_FIXTURE_DIR set to a lab fixture directory (vmlinux,
 * vmcore.kdump-flat, vmcore.elf), a second group also opens the real dumps.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "folioscope/target-kdump.h"
#include "folioscope/target.h"

#ifndef DWARF_FIXTURES
#define DWARF_FIXTURES ""
#endif
#ifndef NODWARF_FIXTURE
#define NODWARF_FIXTURE ""
#endif

#if defined(__SANITIZE_ADDRESS__)
#define FS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FS_ASAN 1
#endif
#endif
#ifdef FS_ASAN
/*
 * libkdumpfile 0.5.1 leaks a small allocation when Linux address
 * translation cannot be set up on a truncated dump: not ours to fix.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libkdumpfile.so\n";
}
#endif

static char vmlinux[4096];	/* first DWARF fixture program */
static char nodwarf[4096];
static char tmpdir[4096];

static const char *tmpfile_with(const char *name, const void *data, size_t len)
{
	static char path[8192];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	if (len)
		assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

/* Open must fail with a message containing every given fragment. */
static void expect_open_error(const char *vml, const char *core, ...)
{
	char err[FS_TARGET_ERRLEN] = "";
	struct fs_target *t = fs_kdump_open(vml, core, err, sizeof(err));
	va_list ap;
	const char *frag;

	if (t) {
		fs_target_close(t);
		fail_msg("fs_kdump_open(%s, %s) succeeded", vml, core);
	}
	assert_non_null(strchr(err, '\0'));
	assert_null(strchr(err, '\n'));	/* one line */
	va_start(ap, core);
	while ((frag = va_arg(ap, const char *))) {
		if (!strstr(err, frag)) {
			va_end(ap);
			fail_msg("error \"%s\" lacks \"%s\"", err, frag);
		}
	}
	va_end(ap);
}

static void test_missing_vmcore(void **state)
{
	(void)state;
	expect_open_error(vmlinux, "/nonexistent/vmcore",
			  "cannot open vmcore /nonexistent/vmcore: No such file or directory", NULL);
}

static void test_empty_vmcore(void **state)
{
	const char *p = tmpfile_with("empty", "", 0);

	(void)state;
	expect_open_error(vmlinux, p, "vmcore ", "is empty", NULL);
}

static void test_directory_vmcore(void **state)
{
	(void)state;
	expect_open_error(vmlinux, tmpdir, "is a directory", NULL);
}

static void test_not_a_dump(void **state)
{
	static const char text[] = "this is not a crash dump, just some text\n";
	char big[8192];
	const char *p = tmpfile_with("text", text, sizeof(text) - 1);

	(void)state;
	expect_open_error(vmlinux, p, "is not a dump libkdumpfile can read", NULL);
	memset(big, 0, sizeof(big));
	p = tmpfile_with("zeros", big, sizeof(big));
	expect_open_error(vmlinux, p, "is not a dump libkdumpfile can read", NULL);
}

static void test_vmlinux_problems(void **state)
{
	static const char text[] = "not an ELF file\n";
	const char *core = tmpfile_with("core-for-vmlinux", "KDUMP   ", 8);
	char core_copy[8192];
	const char *notelf;

	(void)state;
	snprintf(core_copy, sizeof(core_copy), "%s", core);
	expect_open_error("/nonexistent/vmlinux", core_copy,
			  "cannot open vmlinux /nonexistent/vmlinux", NULL);
	notelf = tmpfile_with("notelf", text, sizeof(text) - 1);
	expect_open_error(notelf, core_copy, "is not an ELF file", NULL);
	if (*nodwarf)
		expect_open_error(nodwarf, core_copy,
				  "has no DWARF (.debug_info missing): install the -dbg package",
				  NULL);
	expect_open_error("", core_copy, "no vmlinux", NULL);
}

/* A kdump-compressed header cut short, and one with nothing after it. */
static void test_truncated_diskdump(void **state)
{
	unsigned char h[4096];
	const char *p;

	(void)state;
	memset(h, 0, sizeof(h));
	memcpy(h, "KDUMP   ", 8);
	h[8] = 6;			/* header_version, little-endian */
	memcpy(h + 12 + 4 * 65, "x86_64", 6);	/* utsname.machine */
	h[428 + 1] = 0x10;		/* block_size 4096 */
	h[432] = 1;			/* sub_hdr_size: 1 block */
	h[436] = 2;			/* bitmap_blocks */
	p = tmpfile_with("trunc-kdump-100", h, 100);
	expect_open_error(vmlinux, p, "vmcore ", NULL);
	p = tmpfile_with("trunc-kdump-4096", h, sizeof(h));
	expect_open_error(vmlinux, p, "vmcore ", NULL);
}

/* An ELF core header whose program headers lie beyond the end of the file. */
static void test_truncated_elf(void **state)
{
	unsigned char e[64];
	const char *p;

	(void)state;
	memset(e, 0, sizeof(e));
	memcpy(e, "\177ELF", 4);
	e[4] = 2;			/* ELFCLASS64 */
	e[5] = 1;			/* little-endian */
	e[6] = 1;			/* EV_CURRENT */
	e[16] = 4;			/* ET_CORE */
	e[18] = 62;			/* EM_X86_64 */
	e[20] = 1;			/* e_version */
	e[32] = 64;			/* e_phoff */
	e[52] = 64;			/* e_ehsize */
	e[54] = 56;			/* e_phentsize */
	e[56] = 3;			/* e_phnum: 3 headers that are not there */
	p = tmpfile_with("trunc-elf", e, sizeof(e));
	expect_open_error(vmlinux, p, "vmcore ", NULL);
}

static void put_be64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

/* makedumpfile flattened files: header only, corrupt record, cut record. */
static void test_flattened_errors(void **state)
{
	unsigned char f[4096 + 16 + 64];
	const char *p;

	(void)state;
	memset(f, 0, sizeof(f));
	memcpy(f, "makedumpfile", 12);
	put_be64(f + 16, 1);	/* type */
	put_be64(f + 24, 1);	/* version */

	p = tmpfile_with("flat-empty", f, 4096);
	expect_open_error(vmlinux, p, "flattened makedumpfile dump with no data records", NULL);

	put_be64(f + 4096, 0);
	put_be64(f + 4096 + 8, UINT64_C(0x8000000000000010));	/* negative size */
	p = tmpfile_with("flat-corrupt", f, sizeof(f));
	expect_open_error(vmlinux, p, "corrupt flattened dump", "record at file offset 4096", NULL);

	put_be64(f + 4096 + 8, 1000);	/* more data than the file has */
	p = tmpfile_with("flat-cut", f, sizeof(f));
	expect_open_error(vmlinux, p, "truncated", NULL);

	/* a complete flattened file whose content is not a dump */
	put_be64(f + 4096 + 8, 64);
	memset(f + 4096 + 16, 'x', 64);
	unsigned char g[sizeof(f) + 16];
	memcpy(g, f, sizeof(f));
	put_be64(g + sizeof(f), UINT64_MAX);
	put_be64(g + sizeof(f) + 8, UINT64_MAX);
	p = tmpfile_with("flat-notdump", g, sizeof(g));
	expect_open_error(vmlinux, p, "is not a dump libkdumpfile can read", NULL);
}

static void test_info_of_other_target(void **state)
{
	struct fs_target other = { 0 };

	(void)state;
	assert_null(fs_kdump_info(NULL));
	assert_null(fs_kdump_info(&other));
}

/* ---------------------------------------------------------------------- */
/* optional: real lab dumps                                                */

static const char *real_dir;

static struct fs_target *open_real(const char *name, char *err, size_t errlen)
{
	char vml[4096], core[4096];

	snprintf(vml, sizeof(vml), "%s/vmlinux", real_dir);
	snprintf(core, sizeof(core), "%s/%s", real_dir, name);
	return fs_kdump_open(vml, core, err, errlen);
}

static void check_real(const char *name, bool flattened)
{
	char err[FS_TARGET_ERRLEN], comm[17] = "";
	struct fs_target *t;
	const struct fs_kdump_info *info;
	uint64_t init_task, off, size;
	unsigned char b[8];

	if (!real_dir)
		skip();
	t = open_real(name, err, sizeof(err));
	if (!t)
		fail_msg("open %s: %s", name, err);
	info = fs_kdump_info(t);
	assert_non_null(info);
	assert_int_equal(info->flattened, flattened);
	assert_string_equal(info->arch, "x86_64");
	assert_non_null(info->osrelease);
	assert_int_equal(fs_symbol(t, "init_task", &init_task), 0);
	assert_int_equal(fs_member_offset(t, "struct task_struct", "comm", &off), 0);
	assert_int_equal(fs_read(t, FS_KVADDR, init_task + off, comm, 16), 0);
	assert_string_equal(comm, "swapper/0");
	assert_int_equal(fs_type_size(t, "struct page", &size), 0);
	assert_true(size >= 56 && size <= 128);
	/* a user-space address is not mapped in the kernel page tables */
	assert_int_equal(fs_read(t, FS_KVADDR, 0x100000, b, sizeof(b)), -1);
	assert_non_null(strstr(fs_target_error(t), "address not mapped"));
	assert_non_null(strstr(fs_target_error(t), "virtual 0x100000"));
	/* far beyond RAM */
	assert_int_equal(fs_read(t, FS_PADDR, UINT64_C(0x7ffffffff000), b, sizeof(b)), -1);
	assert_non_null(strstr(fs_target_error(t), "physical 0x7ffffffff000"));
	assert_non_null(fs_vmcoreinfo(t));
	assert_non_null(strstr(fs_vmcoreinfo(t), "OSRELEASE="));
	fs_target_close(t);
}

static void test_real_flattened(void **state)
{
	(void)state;
	check_real("vmcore.kdump-flat", true);
}

static void test_real_elf(void **state)
{
	(void)state;
	check_real("vmcore.elf", false);
}

static void test_real_mismatch(void **state)
{
	char core[4096];

	(void)state;
	if (!real_dir)
		skip();
	snprintf(core, sizeof(core), "%s/vmcore.kdump-flat", real_dir);
	/* the fixture program's linux_banner says 7.2.99-fixture */
	expect_open_error(vmlinux, core, "does not match", "7.2.99-fixture", NULL);
}

static void test_real_truncated(void **state)
{
	char src[4096];
	static char buf[1 << 20];
	const char *p;
	FILE *f;
	size_t n;

	(void)state;
	if (!real_dir)
		skip();
	snprintf(src, sizeof(src), "%s/vmcore.kdump-flat", real_dir);
	f = fopen(src, "rb");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_true(n > 8192);
	p = tmpfile_with("real-trunc", buf, n);
	char vml[4096];
	snprintf(vml, sizeof(vml), "%s/vmlinux", real_dir);
	expect_open_error(vml, p, "truncated", NULL);
}

static int setup_tmp(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/fs-kdump-open-XXXXXX", base && *base ? base : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
	char cmd[8300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest synthetic[] = {
		cmocka_unit_test(test_missing_vmcore),
		cmocka_unit_test(test_empty_vmcore),
		cmocka_unit_test(test_directory_vmcore),
		cmocka_unit_test(test_not_a_dump),
		cmocka_unit_test(test_vmlinux_problems),
		cmocka_unit_test(test_truncated_diskdump),
		cmocka_unit_test(test_truncated_elf),
		cmocka_unit_test(test_flattened_errors),
		cmocka_unit_test(test_info_of_other_target),
	};
	const struct CMUnitTest real[] = {
		cmocka_unit_test(test_real_flattened),
		cmocka_unit_test(test_real_elf),
		cmocka_unit_test(test_real_mismatch),
		cmocka_unit_test(test_real_truncated),
	};
	const char *env = getenv("FS_DWARF_FIXTURES");
	const char *list = env && *env ? env : DWARF_FIXTURES;
	const char *nd = getenv("FS_NODWARF_FIXTURE");
	size_t n = strcspn(list, ":");
	int failed;

	if (!n || n >= sizeof(vmlinux)) {
		fprintf(stderr, "test_kdump_open: no DWARF fixture program (DWARF_FIXTURES)\n");
		return 1;
	}
	memcpy(vmlinux, list, n);
	vmlinux[n] = '\0';
	snprintf(nodwarf, sizeof(nodwarf), "%s", nd && *nd ? nd : NODWARF_FIXTURE);
	real_dir = getenv("FS_KDUMP_FIXTURE_DIR");
	if (real_dir && !*real_dir)
		real_dir = NULL;

	failed = cmocka_run_group_tests_name("kdump_open", synthetic, setup_tmp, teardown_tmp);
	failed += cmocka_run_group_tests_name("kdump_open_real", real, setup_tmp, teardown_tmp);
	return failed ? 1 : 0;
}
