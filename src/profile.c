// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * profile.c - discover the kernel profile (include/folioscope/profile.h).
 *
 * Order of evidence: VMCOREINFO (kernel/vmcore_info.c in 6.12/7.2,
 * kernel/crash_core.c in 6.1) for version, page size, paging and KASLR;
 * IKCONFIG (kernel/configs.c: the gzip blob between kernel_config_data and
 * kernel_config_data_end) for config bits; debug-info probes where IKCONFIG
 * is absent; the exact MAX_SWAPFILES from the bound of swap_info[]
 * (mm/swapfile.c) to confirm or correct the config guesses.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "folioscope/profile.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

int fs_parse_version(const char *s, int *major, int *minor)
{
	char *end;
	long a, b;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	a = strtol(s, &end, 10);
	if (*end != '.' || !isdigit((unsigned char)end[1]))
		return -1;
	b = strtol(end + 1, &end, 10);
	if (a < 2 || a > 99 || b < 0 || b > 99)
		return -1;
	*major = (int)a;
	*minor = (int)b;
	return 0;
}

int fs_vmcoreinfo_get(const char *text, const char *key, char *val, size_t len)
{
	size_t kl = strlen(key);
	const char *p = text;

	if (!text || !len)
		return -1;
	while (p && *p) {
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			const char *v = p + kl + 1, *e = strchr(v, '\n');
			size_t n = e ? (size_t)(e - v) : strlen(v);
			if (n >= len)
				n = len - 1;
			memcpy(val, v, n);
			val[n] = 0;
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

int fs_vmcoreinfo_number(const char *text, const char *key, int64_t *v)
{
	char buf[64], *end;

	if (fs_vmcoreinfo_get(text, key, buf, sizeof(buf)))
		return -1;
	*v = strtoll(buf, &end, 10);
	return (end == buf || *end) ? -1 : 0;
}

int fs_vmcoreinfo_hex(const char *text, const char *key, uint64_t *v)
{
	char buf[64], *end;

	if (fs_vmcoreinfo_get(text, key, buf, sizeof(buf)))
		return -1;
	*v = strtoull(buf, &end, 16);
	return (end == buf || *end) ? -1 : 0;
}

int fs_kconfig_bool(const char *text, const char *name)
{
	char key[128], off[140];
	const char *p;
	size_t kl;

	if (!text)
		return -1;
	snprintf(key, sizeof(key), "%s%s=", strncmp(name, "CONFIG_", 7) ? "CONFIG_" : "", name);
	snprintf(off, sizeof(off), "# %.*s is not set", (int)strlen(key) - 1, key);
	kl = strlen(key);
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, kl))
			return p[kl] == 'y' || p[kl] == 'm';
		if (!strncmp(p, off, strlen(off)))
			return 0;
	}
	return -1;
}

static void note(struct fs_profile *p, const char *fmt, const char *a)
{
	size_t n = strlen(p->notes);

	if (n + 3 >= sizeof(p->notes))
		return;
	if (n)
		p->notes[n++] = ';', p->notes[n++] = ' ', p->notes[n] = 0;
	snprintf(p->notes + n, sizeof(p->notes) - n, fmt, a);
}

static void distro_config(struct fs_kernel_facts *f)
{
	f->migration = f->device_private = f->memory_failure = true;
	f->pte_marker = true;
	f->mem_soft_dirty = f->uffd_wp = true;
	f->thp_migration = true;
	f->mig_ad_supported = true;
	f->max_swapfiles_probe = -1;
}

static int relayout(struct fs_profile *p, char *err, size_t errlen)
{
	if (fs_swap_layout_init(&p->swap, &p->facts))
		return ERR("unsupported architecture %s", fs_arch_name(p->facts.arch));
	return 0;
}

int fs_profile_default(struct fs_profile *p, enum fs_arch arch, const char *kernel,
		       char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->facts.arch = arch;
	p->facts.page_shift = 12;
	p->facts.ver_major = FS_NEWEST_MAJOR;
	p->facts.ver_minor = FS_NEWEST_MINOR;
	snprintf(p->version_source, sizeof(p->version_source), "default (newest supported)");
	if (kernel) {
		if (fs_parse_version(kernel, &p->facts.ver_major, &p->facts.ver_minor))
			return ERR("bad kernel version '%s' (want MAJOR.MINOR, e.g. 6.12)", kernel);
		snprintf(p->version_source, sizeof(p->version_source), "--kernel");
		snprintf(p->osrelease, sizeof(p->osrelease), "%s", kernel);
	}
	/* 4-level x86_64 (MAX_PHYSMEM_BITS 46, pgtable_64_types.h) and 48-bit
	 * arm64 are what a distro kernel runs on common hardware. */
	p->facts.max_physmem_bits = arch == FS_ARCH_X86_64 ? 46 : 48;
	p->levels = 4;
	distro_config(&p->facts);
	snprintf(p->config_source, sizeof(p->config_source), "distro-like default");
	return relayout(p, err, errlen);
}

int fs_profile_set_version(struct fs_profile *p, const char *ver, char *err, size_t errlen)
{
	if (fs_parse_version(ver, &p->facts.ver_major, &p->facts.ver_minor))
		return ERR("bad kernel version '%s' (want MAJOR.MINOR, e.g. 6.12)", ver);
	snprintf(p->version_source, sizeof(p->version_source), "--kernel");
	return relayout(p, err, errlen);
}

static int parse_yn(const char *v)
{
	if (!strcmp(v, "y") || !strcmp(v, "Y") || !strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "m"))
		return 1;
	if (!strcmp(v, "n") || !strcmp(v, "N") || !strcmp(v, "0") || !strcmp(v, "no"))
		return 0;
	return -1;
}

int fs_profile_override(struct fs_profile *p, const char *spec, char *err, size_t errlen)
{
	char buf[512], *save = NULL, *tok;
	struct { const char *name; bool *field; } bools[] = {
		{ "DEVICE_PRIVATE", &p->facts.device_private },
		{ "MIGRATION", &p->facts.migration },
		{ "MEMORY_FAILURE", &p->facts.memory_failure },
		{ "PTE_MARKER", &p->facts.pte_marker },
		{ "MEM_SOFT_DIRTY", &p->facts.mem_soft_dirty },
		{ "USERFAULTFD", &p->facts.uffd_wp },
		{ "THP_MIGRATION", &p->facts.thp_migration },
		{ "ARCH_ENABLE_THP_MIGRATION", &p->facts.thp_migration },
		{ "MIG_AD", &p->facts.mig_ad_supported },
	};

	if (strlen(spec) >= sizeof(buf))
		return ERR("--config value too long");
	strcpy(buf, spec);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '='), *key = tok;
		size_t i;
		int v;

		if (!eq)
			return ERR("--config: '%s' is not KEY=VALUE", tok);
		*eq = 0;
		if (!strncmp(key, "CONFIG_", 7))
			key += 7;
		if (!strcmp(key, "MAX_PHYSMEM_BITS")) {
			char *end;
			long n = strtol(eq + 1, &end, 10);
			if (*end || n < 32 || n > 56)
				return ERR("--config: MAX_PHYSMEM_BITS=%s is not a number in 32..56", eq + 1);
			p->facts.max_physmem_bits = (int)n;
			continue;
		}
		for (i = 0; i < sizeof(bools) / sizeof(bools[0]); i++)
			if (!strcmp(bools[i].name, key))
				break;
		if (i == sizeof(bools) / sizeof(bools[0]))
			return ERR("--config: unknown key %s (known: DEVICE_PRIVATE MIGRATION MEMORY_FAILURE PTE_MARKER MEM_SOFT_DIRTY USERFAULTFD THP_MIGRATION MIG_AD MAX_PHYSMEM_BITS)", key);
		v = parse_yn(eq + 1);
		if (v < 0)
			return ERR("--config: %s=%s: want y or n", key, eq + 1);
		*bools[i].field = v;
	}
	snprintf(p->config_source + strlen(p->config_source),
		 sizeof(p->config_source) - strlen(p->config_source), " + overrides");
	return relayout(p, err, errlen);
}

/* IKCONFIG: kernel/configs.c embeds config_data.gz between these symbols. */
static char *read_ikconfig(struct fs_target *t)
{
	uint64_t start, end, size;
	unsigned char *gz;
	char *out = NULL;
	size_t cap = 1 << 17;
	z_stream zs;
	int rc = Z_OK;

	if (fs_symbol(t, "kernel_config_data", &start) || fs_symbol(t, "kernel_config_data_end", &end))
		return NULL;
	if (end <= start || end - start > (16u << 20))
		return NULL;
	size = end - start;
	gz = malloc(size);
	if (!gz)
		return NULL;
	if (fs_read(t, FS_KVADDR, start, gz, size)) {
		free(gz);
		return NULL;
	}
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
		free(gz);
		return NULL;
	}
	zs.next_in = gz;
	zs.avail_in = (uInt)size;
	do {
		char *n = realloc(out, cap + 1);
		if (!n)
			break;
		out = n;
		zs.next_out = (unsigned char *)out + zs.total_out;
		zs.avail_out = (uInt)(cap - zs.total_out);
		rc = inflate(&zs, Z_NO_FLUSH);
		if (rc == Z_STREAM_END)
			break;
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			free(out);
			out = NULL;
			break;
		}
		if (zs.avail_out == 0)
			cap *= 2;
		else if (rc == Z_BUF_ERROR) {	/* truncated blob */
			free(out);
			out = NULL;
			break;
		}
	} while (cap < (64u << 20));
	if (out && rc == Z_STREAM_END)
		out[zs.total_out] = 0;
	else {
		free(out);
		out = NULL;
	}
	inflateEnd(&zs);
	free(gz);
	return out;
}

static bool has_symbol(struct fs_target *t, const char *name)
{
	uint64_t a;

	return fs_symbol(t, name, &a) == 0;
}

static void config_from_kconfig(struct fs_profile *p)
{
	const char *k = p->ikconfig;
	struct fs_kernel_facts *f = &p->facts;

	f->migration = fs_kconfig_bool(k, "MIGRATION") == 1;
	f->device_private = fs_kconfig_bool(k, "DEVICE_PRIVATE") == 1;
	f->memory_failure = fs_kconfig_bool(k, "MEMORY_FAILURE") == 1;
	f->pte_marker = fs_kconfig_bool(k, "PTE_MARKER") == 1;
	f->mem_soft_dirty = fs_kconfig_bool(k, "MEM_SOFT_DIRTY") == 1;
	/* x86_64 selects HAVE_ARCH_USERFAULTFD_WP with USERFAULTFD (arch/x86/Kconfig) */
	f->uffd_wp = fs_kconfig_bool(k, "HAVE_ARCH_USERFAULTFD_WP") == 1;
	/* renamed ARCH_HAS_PMD_SOFTLEAVES after 7.2 (linux-mm tree): accept both */
	f->thp_migration = fs_kconfig_bool(k, "ARCH_ENABLE_THP_MIGRATION") == 1 ||
			   fs_kconfig_bool(k, "ARCH_HAS_PMD_SOFTLEAVES") == 1;
}

/* Without IKCONFIG: symbols built only under each option. */
static void config_from_probes(struct fs_profile *p, struct fs_target *t)
{
	struct fs_kernel_facts *f = &p->facts;
	int64_t v;

	/* mm/migrate.c is built with CONFIG_MIGRATION */
	f->migration = has_symbol(t, "migrate_pages");
	/* enum pageflags has PG_hwpoison only #ifdef CONFIG_MEMORY_FAILURE
	 * (page-flags.h); VMCOREINFO says NUMBER(PG_hwpoison) likewise. */
	f->memory_failure = fs_enum_value(t, "PG_hwpoison", &v) == 0 ||
			    has_symbol(t, "memory_failure");
	/* mm/migrate_device.c: migrate_vma_setup (DEVICE_MIGRATION, which
	 * DEVICE_PRIVATE needs); confirmed below against swap_info[]. */
	f->device_private = has_symbol(t, "migrate_vma_setup");
	f->pte_marker = true;
	f->mem_soft_dirty = has_symbol(t, "clear_refs_write");
	f->uffd_wp = has_symbol(t, "handle_userfault");
	/* mm/huge_memory.c: set_pmd_migration_entry under THP migration */
	f->thp_migration = has_symbol(t, "set_pmd_migration_entry");
}

/* Make the config agree with the exact MAX_SWAPFILES when the kernel has
 * swap_info[]: flip the guessed bits that the probes cannot pin down. */
static void reconcile_max_swapfiles(struct fs_profile *p)
{
	struct fs_kernel_facts *f = &p->facts, try;
	struct fs_swap_layout l;

	if (f->max_swapfiles_probe < 0)
		return;
	if (fs_swap_layout_init(&l, f) == 0 && l.max_swapfiles == f->max_swapfiles_probe)
		return;
	for (int mask = 1; mask < 16; mask++) {
		try = *f;
		if (mask & 1) try.device_private = !try.device_private;
		if (mask & 2) try.memory_failure = !try.memory_failure;
		if (mask & 4) try.pte_marker = !try.pte_marker;
		if (mask & 8) try.migration = !try.migration;
		if (fs_swap_layout_init(&l, &try) == 0 && l.max_swapfiles == f->max_swapfiles_probe) {
			*f = try;
			note(p, "%s", "config bits corrected to match swap_info[] (MAX_SWAPFILES)");
			return;
		}
	}
}

int fs_profile_from_target(struct fs_profile *p, struct fs_target *t, char *err, size_t errlen)
{
	const char *vi = fs_vmcoreinfo(t);
	char buf[128];
	int64_t n;
	uint64_t a, len;

	memset(p, 0, sizeof(*p));
	p->facts.page_shift = 12;
	p->facts.max_swapfiles_probe = -1;
	if (!vi)
		return ERR("the dump carries no VMCOREINFO: cannot tell the kernel version (pass --kernel to decode anyway)");
	if (fs_vmcoreinfo_get(vi, "OSRELEASE", p->osrelease, sizeof(p->osrelease)))
		return ERR("VMCOREINFO has no OSRELEASE line");
	if (fs_parse_version(p->osrelease, &p->facts.ver_major, &p->facts.ver_minor))
		return ERR("cannot parse kernel release '%s' from VMCOREINFO", p->osrelease);
	snprintf(p->version_source, sizeof(p->version_source), "VMCOREINFO");
	if (fs_vmcoreinfo_number(vi, "PAGESIZE", &n) == 0) {
		if (n != 4096)
			return ERR("page size %lld is not supported (only 4 KiB pages)", (long long)n);
	}
	/* arch: x86_64 VMCOREINFO has SYMBOL(init_top_pgt) and
	 * NUMBER(pgtable_l5_enabled); arm64 has NUMBER(VA_BITS)
	 * (arch/x86/kernel/machine_kexec_64.c, arch/arm64/kernel/vmcore_info.c). */
	if (fs_vmcoreinfo_get(vi, "SYMBOL(init_top_pgt)", buf, sizeof(buf)) == 0)
		p->facts.arch = FS_ARCH_X86_64;
	else if (fs_vmcoreinfo_number(vi, "NUMBER(VA_BITS)", &n) == 0) {
		p->facts.arch = FS_ARCH_ARM64;
		/* arm64 VA_BITS is 36..52 (arch/arm64/Kconfig); page_offset shifts by it */
		p->va_bits = n >= 36 && n <= 52 ? (int)n : 48;
		if (p->va_bits != n)
			note(p, "%s", "VMCOREINFO VA_BITS implausible: 48 is used");
	} else
		return ERR("cannot tell the architecture from VMCOREINFO (neither x86_64 nor arm64 lines)");
	/* 32..56 as for --config: the pgtable and swap-entry shifts need it sane */
	if (fs_vmcoreinfo_number(vi, "NUMBER(MAX_PHYSMEM_BITS)", &n) == 0 && n >= 32 && n <= 56)
		p->facts.max_physmem_bits = (int)n;
	else {
		p->facts.max_physmem_bits = p->facts.arch == FS_ARCH_X86_64 ? 46 : 48;
		if (fs_vmcoreinfo_get(vi, "NUMBER(MAX_PHYSMEM_BITS)", buf, sizeof(buf)) == 0)
			note(p, "%s", "VMCOREINFO MAX_PHYSMEM_BITS implausible: the arch default is used");
	}
	fs_vmcoreinfo_hex(vi, "KERNELOFFSET", &p->kernel_offset);

	if (p->facts.arch == FS_ARCH_X86_64) {
		p->levels = fs_vmcoreinfo_number(vi, "NUMBER(pgtable_l5_enabled)", &n) == 0 && n ? 5 : 4;
		if (fs_vmcoreinfo_number(vi, "NUMBER(phys_base)", &n) == 0)
			p->phys_base = (uint64_t)n;
		fs_vmcoreinfo_hex(vi, "SYMBOL(init_top_pgt)", &p->kernel_pgd);
		/* page_offset_base / vmemmap_base are variables with
		 * CONFIG_RANDOMIZE_MEMORY; else the fixed bases of
		 * Documentation/arch/x86/x86_64/mm.rst (4-level shown). */
		if (fs_symbol(t, "page_offset_base", &a) || fs_read_u64(t, a, &p->page_offset))
			p->page_offset = p->levels == 5 ? 0xff11000000000000ULL : 0xffff888000000000ULL;
		if (fs_symbol(t, "vmemmap_base", &a) || fs_read_u64(t, a, &p->vmemmap_base))
			p->vmemmap_base = p->levels == 5 ? 0xffd4000000000000ULL : 0xffffea0000000000ULL;
	} else {
		p->levels = p->va_bits > 39 ? 4 : 3;
		fs_vmcoreinfo_hex(vi, "NUMBER(kimage_voffset)", &p->kimage_voffset);
		if (fs_vmcoreinfo_number(vi, "NUMBER(PHYS_OFFSET)", &n) == 0)
			p->phys_offset = (uint64_t)n;
		fs_vmcoreinfo_hex(vi, "SYMBOL(swapper_pg_dir)", &p->kernel_pgd);
		if (fs_vmcoreinfo_hex(vi, "NUMBER(VMEMMAP_START)", &p->vmemmap_base))
			p->vmemmap_base = 0;
		p->page_offset = ~0ULL << (p->va_bits ? p->va_bits : 48);
	}
	if (!p->kernel_pgd && fs_symbol(t, p->facts.arch == FS_ARCH_X86_64 ? "init_top_pgt" : "swapper_pg_dir",
					&p->kernel_pgd))
		return ERR("cannot find the kernel's top-level page table: %s", fs_target_error(t));

	p->ikconfig = read_ikconfig(t);
	if (p->ikconfig) {
		config_from_kconfig(p);
		snprintf(p->config_source, sizeof(p->config_source), "IKCONFIG");
	} else {
		config_from_probes(p, t);
		snprintf(p->config_source, sizeof(p->config_source), "symbol probes (no IKCONFIG)");
	}
	/* mm/swapfile.c (6.1-7.2): struct swap_info_struct *swap_info[MAX_SWAPFILES];
	 * its symbol's size over the pointer size is the bound, without the
	 * full DWARF pass an array bound lookup can cost (docs/performance.md) */
	uint64_t size = 0;
	if (fs_symbol_size(t, "swap_info", &size) == 0 && size % 8 == 0 && size / 8 > 0 && size / 8 <= 32)
		len = size / 8;
	else if (fs_array_length(t, "swap_info", &len) != 0)
		len = 0;
	if (len > 0 && len <= 32)
		p->facts.max_swapfiles_probe = (int)len;
	if (!p->ikconfig)
		reconcile_max_swapfiles(p);
	/* mm/swapfile.c: bool swap_migration_ad_supported, set at boot */
	if (fs_symbol(t, "swap_migration_ad_supported", &a) == 0) {
		uint8_t b;
		if (fs_read_u8(t, a, &b) == 0)
			p->facts.mig_ad_supported = b != 0;
		else
			note(p, "%s", "swap_migration_ad_supported unreadable: migration A/D bits not decoded");
	}
	return relayout(p, err, errlen);
}

void fs_profile_describe(const struct fs_profile *p, char *buf, size_t len)
{
	const struct fs_kernel_facts *f = &p->facts;

	snprintf(buf, len,
		 "%s, kernel %d.%d%s%s (%s), %d-level paging, MAX_SWAPFILES %d; config (%s): "
		 "MIGRATION=%c DEVICE_PRIVATE=%c MEMORY_FAILURE=%c THP_MIGRATION=%c MEM_SOFT_DIRTY=%c USERFAULTFD=%c%s%s",
		 fs_arch_name(f->arch), f->ver_major, f->ver_minor,
		 p->osrelease[0] ? " " : "", p->osrelease[0] ? p->osrelease : "", p->version_source,
		 p->levels, p->swap.max_swapfiles, p->config_source,
		 f->migration ? 'y' : 'n', f->device_private ? 'y' : 'n', f->memory_failure ? 'y' : 'n',
		 f->thp_migration ? 'y' : 'n', f->mem_soft_dirty ? 'y' : 'n', f->uffd_wp ? 'y' : 'n',
		 p->notes[0] ? "; " : "", p->notes);
}

void fs_profile_free(struct fs_profile *p)
{
	free(p->ikconfig);
	p->ikconfig = NULL;
}
