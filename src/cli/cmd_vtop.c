// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_vtop.c - `folioscope vtop`: walk a process's (or the kernel's) page
 * tables for one address and decode every level. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "folioscope/report.h"
#include "folioscope/pgtable.h"
#include "folioscope/task.h"

static const char vtop_help[] =
"usage: folioscope vtop [-k VMLINUX] (-c VMCORE | --live) [-p PID | --mm ADDR] [--json] VADDR...\n"
"\n"
"Walk the page tables for each VADDR and print every level's raw entry,\n"
"decoded; the leaf may be present, none, or a non-present entry such as a\n"
"device-private or migration entry (at PTE or PMD level).\n"
"\n"
"  -p, --pid PID       the process whose address space to walk\n"
"      --mm ADDR       an mm_struct address instead of a pid\n"
"                      (neither: the kernel's own page tables)\n"
"  -k, --vmlinux FILE  vmlinux with debug info matching the dump (default: found\n"
"                      by the dump's build ID, see folioscope(1))\n"
"  -c, --vmcore FILE   the dump (kdump-compressed, flattened or ELF)\n"
"      --live          the running kernel via /proc/kcore\n"
"      --json          one JSON object per level, one per line\n"
"      --kernel VER, --config K=V,...  override what the dump says\n"
"\n"
"Example:\n"
"  folioscope vtop -k vmlinux -c vmcore -p 63 0x7ffff7800000\n";

static void print_walk(const struct cli_common *c, const struct fs_walk *w, int pid, uint64_t top)
{
	if (c->json) {
		for (int i = 0; i < w->n; i++) {
			struct fs_json j;
			fs_json_init(&j, stdout, false);
			fs_json_begin_object(&j);
			fs_json_kv_hex(&j, "vaddr", w->vaddr);
			if (pid >= 0)
				fs_json_kv_int(&j, "pid", pid);
			fs_json_kv_hex(&j, "pgd", top);
			fs_json_kv_hex(&j, "entry_paddr", w->lv[i].entry_pa);
			fs_json_kv_bool(&j, "leaf", i == w->leaf);
			fs_report_entry_json(&j, &w->lv[i].e);
			fs_json_end_object(&j);
			fs_json_newline(&j);
		}
		return;
	}
	printf("VADDR 0x%" PRIx64 "  PGD 0x%" PRIx64 "%s\n", w->vaddr, top, pid >= 0 ? "" : " (kernel)");
	printf("      %-18s ", "ENTRY PADDR");
	fs_report_entry_header(stdout);
	for (int i = 0; i < w->n; i++) {
		printf("      0x%016" PRIx64 " ", w->lv[i].entry_pa);
		fs_report_entry_text(stdout, &w->lv[i].e);
	}
	if (w->mapped)
		printf("  => PADDR 0x%" PRIx64 "\n", w->paddr);
	else if (w->leaf >= 0)
		printf("  => not mapped: %s entry at %s level\n", fs_entry_kind_name(w->lv[w->leaf].e.kind),
		       fs_level_name(w->lv[w->leaf].level));
	else if (!w->err[0])
		printf("  => not mapped\n");
}

int cmd_vtop(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ "pid", required_argument, NULL, 'p' },
		{ "mm", required_argument, NULL, OPT_MM },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common c = { 0 };
	struct fs_profile p;
	struct fs_target *t;
	const char *pid_s = NULL, *mm_s = NULL;
	uint64_t top, mm = 0, pidv;
	int opt, rc = FS_EXIT_OK, pid = -1;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "k:c:p:h", longopts, NULL)) != -1) {
		if (cli_common_opt(&c, opt, optarg))
			continue;
		switch (opt) {
		case 'p': pid_s = optarg; break;
		case OPT_MM: mm_s = optarg; break;
		case 'h': fputs(vtop_help, stdout); return FS_EXIT_OK;
		default: fputs(vtop_help, stderr); return FS_EXIT_ERROR;
		}
	}
	if (optind >= argc) {
		cli_error("vtop: no VADDR given (try 'folioscope vtop --help')");
		return FS_EXIT_ERROR;
	}
	if (pid_s && mm_s) {
		cli_error("vtop: give -p PID or --mm ADDR, not both");
		return FS_EXIT_ERROR;
	}
	if (pid_s && (cli_parse_u64(pid_s, &pidv) || pidv > 0x7fffffff)) {
		cli_error("vtop: bad pid '%s'", pid_s);
		return FS_EXIT_ERROR;
	}
	if (mm_s && cli_parse_u64(mm_s, &mm)) {
		cli_error("vtop: bad mm address '%s'", mm_s);
		return FS_EXIT_ERROR;
	}
	for (int i = optind; i < argc; i++) {
		uint64_t v;
		if (cli_parse_u64(argv[i], &v)) {
			cli_error("vtop: '%s' is not an address (use 0x... for hex)", argv[i]);
			return FS_EXIT_ERROR;
		}
	}
	if (cli_open(&c, &t, &p))
		return FS_EXIT_ERROR;
	top = p.kernel_pgd;
	if (pid_s) {
		struct fs_task task;
		pid = (int)pidv;
		if (fs_find_task(t, pid, &task)) {
			cli_error("vtop: %s", fs_target_error(t));
			cli_close(t, &p);
			return FS_EXIT_ERROR;
		}
		if (!task.mm) {
			cli_error("vtop: pid %d (%s) is a kernel thread: it has no user address space", pid, task.comm);
			cli_close(t, &p);
			return FS_EXIT_ERROR;
		}
		mm = task.mm;
	}
	if (mm && fs_mm_pgd(t, mm, &top)) {
		cli_error("vtop: %s", fs_target_error(t));
		cli_close(t, &p);
		return FS_EXIT_ERROR;
	}
	for (int i = optind; i < argc; i++) {
		struct fs_walk w;
		uint64_t va;

		cli_parse_u64(argv[i], &va);
		if (fs_pgtable_walk(t, &p, top, va, &w)) {
			print_walk(&c, &w, pid, top);
			cli_error("vtop: 0x%" PRIx64 ": %s", va, w.err);
			rc = FS_EXIT_ERROR;
			continue;
		}
		print_walk(&c, &w, pid, top);
	}
	cli_close(t, &p);
	return rc;
}
