// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * folioscope.c - crash extension: device-private memory state inside a crash
 * session. `extend folioscope.so` registers
 *   swapent  decode PTE/PMD entries (device-private, migration, exclusive, ...)
 *   folio    a page and its folio: order, pgmap, refcount, mapcounts
 *   frmap    who maps a folio: forward entries and the reverse map
 *   pgmap    ZONE_DEVICE page maps and their reference counts
 *   fcheck   the checks of docs/checks.md on one folio
 *   fscan    every device-private pgmap, folio and mapping; all checks
 * Output goes through crash's fp so pipes and redirection work. The kernel
 * profile and struct layout are resolved once, at the first command.
 */
#include "defs.h"

#include "crash-target.h"
#include "folioscope/folio.h"
#include "folioscope/pgtable.h"
#include "folioscope/profile.h"
#include "folioscope/report.h"
#include "folioscope/scan.h"
#include "folioscope/task.h"

static struct fs_profile profile;
static struct fs_mm mmlayout;
static int ready;	/* 1 profile, 2 profile + mm layout */

/* Resolve what every command needs, once; refuse clearly if we cannot. */
static int need(int level)
{
	char err[512];
	struct fs_target *t = fs_crash_target();

	if (ready >= level)
		return 1;
	if (!ready) {
		if (fs_profile_from_target(&profile, t, err, sizeof(err))) {
			error(INFO, "folioscope: cannot profile this kernel: %s\n", err);
			return 0;
		}
		ready = 1;
	}
	if (level >= 2 && ready < 2) {
		if (fs_mm_init(&mmlayout, t, &profile, err, sizeof(err))) {
			error(INFO, "folioscope: %s\n", err);
			return 0;
		}
		ready = 2;
	}
	return 1;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s || *s == '-')
		return 0;
	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || *end) {
		/* crash users type hex without 0x */
		errno = 0;
		*v = strtoull(s, &end, 16);
		return !errno && !*end;
	}
	return 1;
}

/* --- swapent ------------------------------------------------------------ */

static void cmd_swapent(void)
{
	int c, pmd = 0;
	struct fs_entry e;

	while ((c = getopt(argcnt, args, "m")) != EOF) {
		switch (c) {
		case 'm': pmd = 1; break;
		default: argerrs++; break;
		}
	}
	if (argerrs || !args[optind])
		cmd_usage(pc->curcmd, SYNOPSIS);
	if (!need(1))
		return;
	if (profile.swap.warning[0])
		fprintf(fp, "warning: %s\n", profile.swap.warning);
	fs_report_entry_header(fp);
	for (; args[optind]; optind++) {
		uint64_t v;
		if (!parse_u64(args[optind], &v)) {
			error(INFO, "swapent: '%s' is not a 64-bit value\n", args[optind]);
			continue;
		}
		fs_entry_decode(&profile.swap, pmd ? FS_LVL_PMD : FS_LVL_PTE, v, &e);
		fs_report_entry_text(fp, &e);
	}
}

/* --- address forms: PAGE, PHYSADDR, -p PFN, -u PID VADDR ------------------ */

static int resolve(const char *flag, const char *a, const char *b, uint64_t *pfn)
{
	struct fs_target *t = fs_crash_target();
	uint64_t v, pid, pgd;

	if (flag && !strcmp(flag, "-u")) {
		struct fs_task task;
		struct fs_walk w;
		if (!parse_u64(a, &pid) || !b || !parse_u64(b, &v)) {
			error(INFO, "want -u PID VADDR\n");
			return 0;
		}
		if (fs_find_task(t, (int)pid, &task) || !task.mm || fs_mm_pgd(t, task.mm, &pgd)) {
			error(INFO, "pid %s: %s\n", a, task.mm ? fs_target_error(t) : "no user address space");
			return 0;
		}
		if (fs_pgtable_walk(t, &profile, pgd, v, &w) || w.leaf < 0 || !w.lv[w.leaf].e.has_pfn) {
			error(INFO, "pid %s 0x%llx: %s\n", a, (unsigned long long)v, w.err[0] ? w.err :
			      "no PFN there (none, or a swap slot)");
			return 0;
		}
		*pfn = w.lv[w.leaf].e.pfn + (w.lv[w.leaf].level == FS_LVL_PMD ? (v >> 12) & 511 : 0);
		return 1;
	}
	if (!parse_u64(a, &v)) {
		error(INFO, "'%s' is not an address\n", a);
		return 0;
	}
	if (flag && !strcmp(flag, "-p"))
		*pfn = v;
	else if (v >= mmlayout.vmemmap && v < mmlayout.vmemmap + (mmlayout.page_size << (profile.facts.max_physmem_bits - 12)))
		*pfn = (v - mmlayout.vmemmap) / mmlayout.page_size;
	else
		*pfn = v >> 12;	/* a physical address */
	return 1;
}

/* Parse "[-p PFN | -u PID VADDR | PAGE | PHYSADDR]" at optind. */
static int folio_arg(uint64_t *pfn, int required)
{
	const char *a = args[optind];

	if (!a) {
		if (required)
			cmd_usage(pc->curcmd, SYNOPSIS);
		return 0;
	}
	if (!strcmp(a, "-p") || !strcmp(a, "-u")) {
		if (!args[optind + 1])
			cmd_usage(pc->curcmd, SYNOPSIS);
		return resolve(a, args[optind + 1], args[optind + 2], pfn) ? 1 : -1;
	}
	return resolve(NULL, a, NULL, pfn) ? 1 : -1;
}

/* getopt would eat -p/-u; the commands take them positionally. */
static int opt_v(void)
{
	int v = 0;

	optind = 1;
	while (args[optind] && (!strcmp(args[optind], "-v") || !strcmp(args[optind], "-j"))) {
		v |= !strcmp(args[optind], "-v") ? 1 : 2;
		optind++;
	}
	return v;
}

static void cmd_folio(void)
{
	struct fs_folio f;
	uint64_t pfn;
	int flags = opt_v(), r;

	if (!need(2))
		return;
	if ((r = folio_arg(&pfn, 1)) <= 0)
		return;
	if (fs_folio_read(fs_crash_target(), &profile, &mmlayout, pfn, &f)) {
		error(INFO, "folio: %s\n", fs_target_error(fs_crash_target()));
		return;
	}
	if (flags & 2)
		fs_report_folio_json(fp, &mmlayout, &f);
	else
		fs_report_folio_text(fp, &mmlayout, &f);
}

static void run_scan(int one, int required)
{
	struct fs_scan s;
	char err[512];
	uint64_t pfn = 0;
	int flags = opt_v(), r = 0, rc;

	if (!need(2))
		return;
	if (one && (r = folio_arg(&pfn, required)) < 0)
		return;
	memset(&s, 0, sizeof(s));
	rc = fs_scan_run_live(&s, fs_crash_target(), &profile, r > 0 ? (int64_t)pfn : -1, err, sizeof(err));
	if (rc < 0) {
		error(INFO, "%s\n", err);
	} else {
		/* crash's output file is unbuffered, but the reports hand
		 * stdio 64 KiB at a time (src/outbuf.c): one system call per
		 * 64 KiB. Building the report in memory first (an
		 * open_memstream) cost more than writing it: on the bench dump
		 * its 88 MB were copied as the stream grew. */
		if (flags & 2)
			fs_report_scan_json(fp, &s, &profile, flags & 1);
		else
			fs_report_scan_text(fp, &s, &profile, flags & 1, r > 0);
	}
	fs_scan_free(&s);
}

static void cmd_frmap(void) { run_scan(1, 1); }
static void cmd_fcheck(void) { run_scan(1, 0); }
static void cmd_fscan(void) { run_scan(0, 0); }

static void cmd_pgmap(void)
{
	struct fs_pgmaps *maps;
	uint64_t addr;
	int json = opt_v() & 2;

	if (!need(2))
		return;
	if (!json)
		fs_report_pgmap_header(fp);
	if (args[optind]) {
		struct fs_pgmap pm;
		if (!parse_u64(args[optind], &addr)) {
			error(INFO, "pgmap: '%s' is not an address\n", args[optind]);
			return;
		}
		if (fs_pgmap_read(fs_crash_target(), &profile, addr, &pm))
			error(INFO, "pgmap: %s\n", fs_target_error(fs_crash_target()));
		else
			fs_report_pgmap(fp, &pm, json);
		return;
	}
	maps = calloc(1, sizeof(*maps));
	if (!maps || fs_pgmaps_find(fs_crash_target(), &profile, &mmlayout, maps)) {
		error(INFO, "pgmap: %s\n", maps ? fs_target_error(fs_crash_target()) : "out of memory");
	} else {
		for (int i = 0; i < maps->n; i++)
			fs_report_pgmap(fp, &maps->map[i], json);
		if (maps->warn[0])
			error(INFO, "pgmap: %s\n", maps->warn);
	}
	free(maps);
}

#include "help.h"

static struct command_table_entry command_table[] = {
	{ "swapent", cmd_swapent, help_swapent, 0 },
	{ "folio", cmd_folio, help_folio, 0 },
	{ "frmap", cmd_frmap, help_frmap, 0 },
	{ "pgmap", cmd_pgmap, help_pgmap, 0 },
	{ "fcheck", cmd_fcheck, help_fcheck, 0 },
	{ "fscan", cmd_fscan, help_fscan, 0 },
	{ NULL, NULL, NULL, 0 },
};

void __attribute__((constructor)) folioscope_init(void);
void __attribute__((constructor)) folioscope_init(void)
{
	register_extension(command_table);
}

void __attribute__((destructor)) folioscope_fini(void);
void __attribute__((destructor)) folioscope_fini(void)
{
	fs_profile_free(&profile);
}
