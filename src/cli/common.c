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
	return apply_overrides(c, p);
}

int cli_open(const struct cli_common *c, struct fs_target **t, struct fs_profile *p)
{
	char err[1024], found[4096], where[1024];
	const char *core = c->live ? "/proc/kcore" : c->vmcore;
	const char *vmlinux = c->vmlinux;

	if (!core) {
		cli_error("no dump: give -c VMCORE, or --live to read this machine's /proc/kcore");
		return -1;
	}
	if (!vmlinux) {
		if (fs_kdump_find_vmlinux(core, found, sizeof(found), where, sizeof(where), err, sizeof(err))) {
			cli_error("%s", err);
			return -1;
		}
		vmlinux = found;
		fprintf(stderr, "%s: vmlinux %s (found %s)\n", cli_prog, vmlinux, where);
	}
	*t = fs_kdump_open(vmlinux, core, err, sizeof(err));
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

int cli_open_mm(const struct cli_common *c, struct fs_target **t, struct fs_profile *p, struct fs_mm *mm,
		const char *cmd)
{
	char err[512];

	if (cli_open(c, t, p))
		return -1;
	if (fs_mm_init(mm, *t, p, err, sizeof(err))) {
		cli_error("%s: %s", cmd, err);
		cli_close(*t, p);
		return -1;
	}
	return 0;
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FS_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FS_ASAN 1
#endif

bool cli_free_at_exit(void)
{
#ifdef FS_ASAN
	return true;
#else
	return false;
#endif
}

void cli_close(struct fs_target *t, struct fs_profile *p)
{
	if (p)
		fs_profile_free(p);
	fs_target_close(t);
}

