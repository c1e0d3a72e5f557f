// SPDX-License-Identifier: GPL-2.0-or-later
/* main.c - the folioscope command: subcommand dispatch and top-level help. */
#include <string.h>

#include "cli.h"

static const char main_help[] =
"usage: folioscope COMMAND [OPTIONS] [ARGS]\n"
"\n"
"Inspect device-private (ZONE_DEVICE) memory state in a vmcore or a live\n"
"kernel: decode page-table entries, walk page tables, and check the\n"
"invariants that device-private THP bugs break.\n"
"\n"
"Commands:\n"
"  decode VALUE...     what a raw PTE/PMD value means (no dump needed)\n"
"  vtop VADDR...       walk a process's page tables and decode each level\n"
"  folio PFN|PAGE      a page and its folio: order, zone, pgmap, counts\n"
"  pgmap [ADDR]        ZONE_DEVICE page maps, ranges and reference counts\n"
"  rmap PFN|PAGE       who maps a folio: forward entries and reverse map\n"
"  check [PFN|PAGE]    run the checks on one folio (or the whole dump)\n"
"  scan                every device-private pgmap, folio and mapping; all checks\n"
"\n"
"Every command takes --help. Dumps are given as -k VMLINUX -c VMCORE\n"
"(kdump-compressed, QEMU's flattened kdump, or ELF), or -k VMLINUX --live.\n"
"Without -k the vmlinux is found by the dump's build ID (debug directories,\n"
"then debuginfod); stderr says where.\n"
"Exit status: 0 success, 1 findings reported, 2 could not analyse.\n"
"See folioscope(1) and docs/.\n";

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{ "decode", cmd_decode },
	{ "vtop", cmd_vtop },
	{ "folio", cmd_folio },
	{ "pgmap", cmd_pgmap },
	{ "rmap", cmd_rmap },
	{ "check", cmd_check },
	{ "scan", cmd_scan },
};

int main(int argc, char **argv)
{
	/* reports of large dumps run to tens of MB: write them in big pieces */
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(main_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? FS_EXIT_ERROR : FS_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	cli_error("unknown command '%s' (try 'folioscope --help')", argv[1]);
	return FS_EXIT_ERROR;
}
