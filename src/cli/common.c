// SPDX-License-Identifier: GPL-2.0-or-later
/* common.c - option handling, target opening and entry printing shared by
 * the CLI's subcommands. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "folioscope/target-kdump.h"

const char *cli_prog = "folioscope";

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_common_opt(struct cli_common *c, int opt, const char *arg)
{
	switch (opt) {
	case 'k': c->vmlinux = arg; return 1;
	case 'c': c->vmcore = arg; return 1;
	case OPT_LIVE: c->live = true; return 1;
	case OPT_JSON: c->json = true; return 1;
	case OPT_ARCH: c->arch = arg; return 1;
	case OPT_KERNEL: c->kernel = arg; return 1;
	case OPT_CONFIG: c->config = arg; return 1;
	default: return 0;
	}
}

int cli_parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	*v = x;
	return 0;
}

static int apply_overrides(const struct cli_common *c, struct fs_profile *p)
{
	char err[512];

	if (c->kernel && fs_profile_set_version(p, c->kernel, err, sizeof(err))) {
		cli_error("%s", err);
		return -1;
	}
	if (c->config && fs_profile_override(p, c->config, err, sizeof(err))) {
		cli_error("%s", err);
		return -1;
	}
	return 0;
}

int cli_profile_nodump(const struct cli_common *c, struct fs_profile *p)
{
	enum fs_arch arch = FS_ARCH_X86_64;
	char err[512];

	if (c->arch) {
		arch = fs_arch_from_name(c->arch);
		if (arch == FS_ARCH_UNKNOWN) {
			cli_error("unknown architecture '%s' (supported: x86_64, arm64)", c->arch);
			return -1;
		}
	}
	if (fs_profile_default(p, arch, c->kernel, err, sizeof(err))) {
		cli_error("%s", err);
		return -1;
	}
	if (c->config && fs_profile_override(p, c->config, err, sizeof(err))) {
		cli_error("%s", err);
		return -1;
	}
	return 0;
}

int cli_open(const struct cli_common *c, struct fs_target **t, struct fs_profile *p)
{
	char err[1024];
	const char *core = c->live ? "/proc/kcore" : c->vmcore;

	if (!c->vmlinux) {
		cli_error("no vmlinux: give -k VMLINUX (the kernel image with debug info matching the dump)");
		return -1;
	}
	if (!core) {
		cli_error("no dump: give -c VMCORE, or --live to read this machine's /proc/kcore");
		return -1;
	}
	*t = fs_kdump_open(c->vmlinux, core, err, sizeof(err));
	if (!*t) {
		cli_error("%s", err);
		return -1;
	}
	if (fs_profile_from_target(p, *t, err, sizeof(err))) {
		cli_error("%s: %s", core, err);
		fs_target_close(*t);
		*t = NULL;
		return -1;
	}
	if (c->arch && fs_arch_from_name(c->arch) != p->facts.arch) {
		cli_error("--arch %s contradicts the dump, which is %s", c->arch, fs_arch_name(p->facts.arch));
		cli_close(*t, p);
		return -1;
	}
	if (apply_overrides(c, p)) {
		cli_close(*t, p);
		return -1;
	}
	return 0;
}

void cli_close(struct fs_target *t, struct fs_profile *p)
{
	if (p)
		fs_profile_free(p);
	fs_target_close(t);
}

void cli_entry_header(FILE *f)
{
	fprintf(f, "%-5s %-18s %-24s %4s  %-22s %s\n", "LEVEL", "RAW", "KIND", "TYPE", "OFFSET/PFN", "FLAGS");
}

void cli_entry_text(FILE *f, const struct fs_entry *e)
{
	char where[40] = "", flags[160] = "";
	size_t n = 0;

	if (e->kind == FS_ENT_PRESENT && !e->is_leaf)
		snprintf(where, sizeof(where), "table 0x%" PRIx64, e->pfn << 12);
	else if (e->has_pfn)
		snprintf(where, sizeof(where), "pfn 0x%" PRIx64, e->pfn);
	else if (e->kind == FS_ENT_SWAP)
		snprintf(where, sizeof(where), "offset 0x%" PRIx64, e->offset);
	else if (e->kind == FS_ENT_MARKER)
		snprintf(where, sizeof(where), "marker 0x%" PRIx64, e->marker);
	else if (e->type >= 0)
		snprintf(where, sizeof(where), "offset 0x%" PRIx64, e->offset);
#define FLAG(cond, s) do { if (cond) n += (size_t)snprintf(flags + n, sizeof(flags) - n, "%s%s", n ? "," : "", s); } while (0)
	FLAG(e->kind == FS_ENT_PRESENT && e->huge, "huge");
	FLAG(e->kind == FS_ENT_PRESENT && e->write, "write");
	FLAG(e->soft_dirty, "soft-dirty");
	FLAG(e->uffd_wp, "uffd-wp");
	FLAG(e->exclusive, "exclusive");
	FLAG(e->has_ad && e->young, "young");
	FLAG(e->has_ad && e->dirty, "dirty");
	FLAG(e->extra_bits, "RESERVED-BITS-SET");
	FLAG(e->pmd_invalid_kind, "INVALID-AT-PMD");
#undef FLAG
	if (e->type >= 0)
		fprintf(f, "%-5s 0x%016" PRIx64 " %-24s %4d  %-22s %s\n", fs_level_name(e->level), e->raw,
			fs_entry_kind_name(e->kind), e->type, where, n ? flags : "-");
	else
		fprintf(f, "%-5s 0x%016" PRIx64 " %-24s %4s  %-22s %s\n", fs_level_name(e->level), e->raw,
			fs_entry_kind_name(e->kind), "-", where[0] ? where : "-", n ? flags : "-");
}

void cli_entry_json(struct fs_json *j, const struct fs_entry *e)
{
	fs_json_kv_string(j, "level", fs_level_name(e->level));
	fs_json_kv_hex(j, "raw", e->raw);
	fs_json_kv_string(j, "kind", fs_entry_kind_name(e->kind));
	if (e->type >= 0) {
		fs_json_kv_int(j, "type", e->type);
		fs_json_kv_uint(j, "offset", e->offset);
	} else {
		fs_json_key(j, "type");
		fs_json_null(j);
		fs_json_key(j, "offset");
		fs_json_null(j);
	}
	fs_json_key(j, "pfn");
	if (e->has_pfn)
		fs_json_uint(j, e->pfn);
	else
		fs_json_null(j);
	fs_json_kv_bool(j, "soft_dirty", e->soft_dirty);
	fs_json_kv_bool(j, "uffd_wp", e->uffd_wp);
	fs_json_kv_bool(j, "exclusive", e->exclusive);
	if (e->has_ad) {
		fs_json_kv_bool(j, "young", e->young);
		fs_json_kv_bool(j, "dirty", e->dirty);
	}
	if (e->kind == FS_ENT_PRESENT && !e->is_leaf)
		fs_json_kv_hex(j, "next_table", e->pfn << 12);
	if (e->kind == FS_ENT_PRESENT) {
		fs_json_kv_bool(j, "huge", e->huge);
		fs_json_kv_bool(j, "write", e->write);
	}
	if (e->kind == FS_ENT_MARKER)
		fs_json_kv_uint(j, "marker", e->marker);
	if (e->extra_bits)
		fs_json_kv_hex(j, "reserved_bits", e->extra_bits);
	if (e->level == FS_LVL_PMD && e->type >= 0)
		fs_json_kv_bool(j, "valid_at_pmd", !e->pmd_invalid_kind);
}
