// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_profile.c - profile discovery from VMCOREINFO, IKCONFIG and probes.
 * Synthetic targets: the VMCOREINFO lines follow kernel/vmcore_info.c and
 * arch/x86/kernel/machine_kexec_64.c of 7.2; the real-dump path is covered
 * by tests/python/test_real_dumps.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <cmocka.h>

#include "folioscope/profile.h"
#include "synth-target.h"

static const char vi_x86[] =
	"OSRELEASE=7.2.13\n"
	"BUILD-ID=0123456789abcdef\n"
	"PAGESIZE=4096\n"
	"SYMBOL(init_uts_ns)=ffffffff82a12340\n"
	"NUMBER(MAX_PHYSMEM_BITS)=46\n"
	"SYMBOL(init_top_pgt)=ffffffff82a00000\n"
	"NUMBER(pgtable_l5_enabled)=0\n"
	"NUMBER(phys_base)=0\n"
	"KERNELOFFSET=0\n";

static void test_vmcoreinfo_parse(void **state)
{
	char buf[64];
	int64_t n;
	uint64_t h;
	(void)state;
	assert_int_equal(fs_vmcoreinfo_get(vi_x86, "OSRELEASE", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "7.2.13");
	assert_int_equal(fs_vmcoreinfo_number(vi_x86, "NUMBER(MAX_PHYSMEM_BITS)", &n), 0);
	assert_int_equal(n, 46);
	assert_int_equal(fs_vmcoreinfo_hex(vi_x86, "SYMBOL(init_top_pgt)", &h), 0);
	assert_int_equal(h, 0xffffffff82a00000ULL);
	assert_int_equal(fs_vmcoreinfo_get(vi_x86, "NOPE", buf, sizeof(buf)), -1);
	/* a key that is a prefix of another must not match it */
	assert_int_equal(fs_vmcoreinfo_get("OSRELEASEX=1\nOSRELEASE=2\n", "OSRELEASE", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2");
	/* value longer than the buffer is cut, not overflowed */
	assert_int_equal(fs_vmcoreinfo_get(vi_x86, "BUILD-ID", buf, 5), 0);
	assert_string_equal(buf, "0123");
	assert_int_equal(fs_vmcoreinfo_number("X=12z\n", "X", &n), -1);
}

static void test_versions(void **state)
{
	int a, b;
	(void)state;
	assert_int_equal(fs_parse_version("7.2.13", &a, &b), 0);
	assert_int_equal(a * 100 + b, 702);
	assert_int_equal(fs_parse_version("6.12.117-amd64", &a, &b), 0);
	assert_int_equal(a * 100 + b, 612);
	assert_int_equal(fs_parse_version("6.1", &a, &b), 0);
	assert_int_equal(fs_parse_version("", &a, &b), -1);
	assert_int_equal(fs_parse_version("linux", &a, &b), -1);
	assert_int_equal(fs_parse_version("6.", &a, &b), -1);
	assert_int_equal(fs_parse_version("999999999999.1", &a, &b), -1);
}

static void test_kconfig(void **state)
{
	const char *k = "# comment\nCONFIG_DEVICE_PRIVATE=y\n# CONFIG_MEMORY_FAILURE is not set\nCONFIG_TEST_HMM=m\n"
			"CONFIG_MIGRATION_X=y\n";
	(void)state;
	assert_int_equal(fs_kconfig_bool(k, "DEVICE_PRIVATE"), 1);
	assert_int_equal(fs_kconfig_bool(k, "CONFIG_DEVICE_PRIVATE"), 1);
	assert_int_equal(fs_kconfig_bool(k, "MEMORY_FAILURE"), 0);
	assert_int_equal(fs_kconfig_bool(k, "TEST_HMM"), 1);
	assert_int_equal(fs_kconfig_bool(k, "MIGRATION"), -1);
	assert_int_equal(fs_kconfig_bool(NULL, "MIGRATION"), -1);
}

static void test_overrides(void **state)
{
	struct fs_profile p;
	char err[256];
	(void)state;
	assert_int_equal(fs_profile_default(&p, FS_ARCH_X86_64, "6.12", err, sizeof(err)), 0);
	assert_int_equal(fs_profile_override(&p, "CONFIG_MEMORY_FAILURE=n,MAX_PHYSMEM_BITS=52", err, sizeof(err)), 0);
	assert_false(p.facts.memory_failure);
	assert_int_equal(p.swap.pfn_bits, 40);
	assert_int_equal(fs_profile_override(&p, "BOGUS=y", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown key BOGUS"));
	assert_int_equal(fs_profile_override(&p, "MIGRATION", err, sizeof(err)), -1);
	assert_int_equal(fs_profile_override(&p, "MIGRATION=maybe", err, sizeof(err)), -1);
	assert_int_equal(fs_profile_override(&p, "MAX_PHYSMEM_BITS=9999", err, sizeof(err)), -1);
	assert_int_equal(fs_profile_default(&p, FS_ARCH_X86_64, "seven", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad kernel version"));
}

static struct fs_target *x86_target(const char *vi)
{
	struct fs_target *t = synth_new();
	synth_set_vmcoreinfo(t, vi);
	synth_map_kva(t, 0xffffffff80000000ULL, 0, 1ULL << 30);
	return t;
}

static void test_from_target_probes(void **state)
{
	struct fs_target *t = x86_target(vi_x86);
	struct fs_profile p;
	char err[256];
	(void)state;
	/* no IKCONFIG: probes say MIGRATION and DEVICE_PRIVATE, no MEMORY_FAILURE */
	synth_add_symbol(t, "migrate_pages", 0xffffffff81000000ULL);
	synth_add_symbol(t, "migrate_vma_setup", 0xffffffff81000100ULL);
	synth_add_symbol(t, "set_pmd_migration_entry", 0xffffffff81000200ULL);
	synth_add_array(t, "swap_info", 25);
	assert_int_equal(fs_profile_from_target(&p, t, err, sizeof(err)), 0);
	assert_int_equal(p.facts.arch, FS_ARCH_X86_64);
	assert_int_equal(p.facts.ver_major * 100 + p.facts.ver_minor, 702);
	assert_int_equal(p.levels, 4);
	assert_int_equal(p.swap.max_swapfiles, 25);
	assert_int_equal(fs_swap_type_of(&p.swap, FS_ENT_DEVICE_PRIVATE_WRITE), 28);
	assert_true(p.facts.thp_migration);
	assert_string_equal(p.swap.warning, "");
	fs_profile_free(&p);
	fs_target_close(t);
}

/* A probe that guessed wrong is corrected by the swap_info[] bound. */
static void test_reconcile(void **state)
{
	struct fs_target *t = x86_target(vi_x86);
	struct fs_profile p;
	char err[256];
	(void)state;
	synth_add_symbol(t, "migrate_pages", 0xffffffff81000000ULL);
	synth_add_symbol(t, "memory_failure", 0xffffffff81000300ULL);	/* says MEMORY_FAILURE=y */
	synth_add_symbol(t, "migrate_vma_setup", 0xffffffff81000100ULL);
	synth_add_array(t, "swap_info", 25);				/* but 25 means it is off */
	assert_int_equal(fs_profile_from_target(&p, t, err, sizeof(err)), 0);
	assert_false(p.facts.memory_failure);
	assert_int_equal(p.swap.max_swapfiles, 25);
	assert_non_null(strstr(p.notes, "corrected"));
	fs_profile_free(&p);
	fs_target_close(t);
}

static void test_ikconfig(void **state)
{
	static const char cfg[] = "CONFIG_MIGRATION=y\nCONFIG_DEVICE_PRIVATE=y\n# CONFIG_MEMORY_FAILURE is not set\n"
				  "CONFIG_ARCH_ENABLE_THP_MIGRATION=y\nCONFIG_MEM_SOFT_DIRTY=y\n";
	unsigned char gz[512];
	z_stream zs;
	struct fs_target *t = x86_target(vi_x86);
	struct fs_profile p;
	char err[256];
	(void)state;
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)cfg;
	zs.avail_in = sizeof(cfg) - 1;
	zs.next_out = gz;
	zs.avail_out = sizeof(gz);
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	synth_write_kva(t, 0xffffffff82000000ULL, gz, zs.total_out);
	synth_add_symbol(t, "kernel_config_data", 0xffffffff82000000ULL);
	synth_add_symbol(t, "kernel_config_data_end", 0xffffffff82000000ULL + zs.total_out);
	deflateEnd(&zs);
	assert_int_equal(fs_profile_from_target(&p, t, err, sizeof(err)), 0);
	assert_string_equal(p.config_source, "IKCONFIG");
	assert_true(p.facts.device_private && p.facts.migration && !p.facts.memory_failure);
	assert_true(p.facts.mem_soft_dirty && p.facts.thp_migration);
	assert_int_equal(p.swap.max_swapfiles, 25);
	fs_profile_free(&p);
	fs_target_close(t);

	/* a truncated blob is ignored, not trusted */
	t = x86_target(vi_x86);
	synth_write_kva(t, 0xffffffff82000000ULL, "\x1f\x8b\x08\x00garbage", 12);
	synth_add_symbol(t, "kernel_config_data", 0xffffffff82000000ULL);
	synth_add_symbol(t, "kernel_config_data_end", 0xffffffff82000000ULL + 12);
	assert_int_equal(fs_profile_from_target(&p, t, err, sizeof(err)), 0);
	assert_null(p.ikconfig);
	fs_profile_free(&p);
	fs_target_close(t);
}

static void test_bad_vmcoreinfo(void **state)
{
	struct fs_profile p;
	char err[256];
	struct fs_target *t = synth_new();
	(void)state;
	assert_int_equal(fs_profile_from_target(&p, t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no VMCOREINFO"));
	synth_set_vmcoreinfo(t, "PAGESIZE=4096\n");
	assert_int_equal(fs_profile_from_target(&p, t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "OSRELEASE"));
	synth_set_vmcoreinfo(t, "OSRELEASE=7.2.0\nPAGESIZE=65536\n");
	assert_int_equal(fs_profile_from_target(&p, t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "page size"));
	synth_set_vmcoreinfo(t, "OSRELEASE=7.2.0\nPAGESIZE=4096\n");
	assert_int_equal(fs_profile_from_target(&p, t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "architecture"));
	fs_target_close(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmcoreinfo_parse),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_kconfig),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_from_target_probes),
		cmocka_unit_test(test_reconcile),
		cmocka_unit_test(test_ikconfig),
		cmocka_unit_test(test_bad_vmcoreinfo),
	};
	return cmocka_run_group_tests_name("profile", tests, NULL, NULL);
}
