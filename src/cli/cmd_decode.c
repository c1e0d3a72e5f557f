// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_decode.c - `folioscope decode`: what a raw PTE/PMD value means. */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "folioscope/report.h"

static const char decode_help[] =
"usage: folioscope decode [--pmd] [--arch ARCH] [--kernel VER] [--config K=V,...]\n"
"                         [-k VMLINUX -c VMCORE | --live] [--json] VALUE...\n"
"\n"
"Decode raw page-table entries: none, present, or which kind of swap entry\n"
"(swap slot, migration, device-private, device-exclusive, hwpoison, marker)\n"
"with its type, offset, PFN and flag bits.\n"
"\n"
"What an entry means depends on the architecture, the kernel version and\n"
"its config (which special swap types exist). Without a dump folioscope\n"
"assumes x86_64, the newest supported kernel (7.2) and a distro-like config;\n"
"with -k/-c (or --live) it takes all of that from the kernel itself. The\n"
"profile used is printed first (to stderr with --json).\n"
"\n"
"  --pmd               decode VALUEs as PMD entries (default: PTE)\n"
"  --arch ARCH         x86_64 (default) or arm64\n"
"  --kernel VER        kernel version, e.g. 6.1, 6.12, 7.2\n"
"  --config K=V,...    config bits: DEVICE_PRIVATE MIGRATION MEMORY_FAILURE\n"
"                      PTE_MARKER MEM_SOFT_DIRTY USERFAULTFD THP_MIGRATION\n"
"                      MIG_AD (y/n) MAX_PHYSMEM_BITS (number)\n"
"  -k, --vmlinux FILE  vmlinux with debug info (with -c or --live)\n"
"  -c, --vmcore FILE   take the profile from this dump\n"
"      --live          take the profile from the running kernel (/proc/kcore)\n"
"      --json          one JSON object per line (docs/json-schema.md)\n"
"\n"
"Examples:\n"
"  folioscope decode 0xe7ffffe06407fe00 --pmd\n"
"      PMD device-private-write entry, PFN 0xfcdfc00 (7.2, no MEMORY_FAILURE\n"
"      would need --config MEMORY_FAILURE=n: types shift with the config)\n"
"  folioscope decode --kernel 6.12 --config MEMORY_FAILURE=n 0xdfffffe060004000\n"
"  folioscope decode -k vmlinux -c vmcore --json 0xefffffe06403fe00\n";

int cmd_decode(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ "pmd", no_argument, NULL, OPT_PMD },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common c = { 0 };
	struct fs_profile p;
	struct fs_target *t = NULL;
	enum fs_level level = FS_LVL_PTE;
	char desc[1024];
	int opt, rc = FS_EXIT_OK;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "k:c:h", longopts, NULL)) != -1) {
		if (cli_common_opt(&c, opt, optarg))
			continue;
		switch (opt) {
		case OPT_PMD: level = FS_LVL_PMD; break;
		case 'h': fputs(decode_help, stdout); return FS_EXIT_OK;
		default: fputs(decode_help, stderr); return FS_EXIT_ERROR;
		}
	}
	if (optind >= argc) {
		cli_error("decode: no VALUE given (try 'folioscope decode --help')");
		return FS_EXIT_ERROR;
	}
	/* Validate every value before opening anything. */
	for (int i = optind; i < argc; i++) {
		uint64_t v;
		if (cli_parse_u64(argv[i], &v)) {
			cli_error("decode: '%s' is not a 64-bit number (use 0x... for hex)", argv[i]);
			return FS_EXIT_ERROR;
		}
	}
	if (c.vmcore || c.live) {
		if (cli_open(&c, &t, &p))
			return FS_EXIT_ERROR;
	} else {
		if (c.vmlinux) {
			cli_error("decode: -k needs -c VMCORE or --live");
			return FS_EXIT_ERROR;
		}
		if (cli_profile_nodump(&c, &p))
			return FS_EXIT_ERROR;
	}
	fs_profile_describe(&p, desc, sizeof(desc));
	fprintf(c.json ? stderr : stdout, "profile: %s\n", desc);
	if (p.swap.warning[0])
		fprintf(stderr, "%s: warning: %s\n", cli_prog, p.swap.warning);
	if (!c.json)
		fs_report_entry_header(stdout);
	for (int i = optind; i < argc; i++) {
		struct fs_entry e;
		uint64_t v;

		cli_parse_u64(argv[i], &v);
		fs_entry_decode(&p.swap, level, v, &e);
		if (c.json) {
			struct fs_json j;
			fs_json_init(&j, stdout, false);
			fs_json_begin_object(&j);
			fs_report_entry_json(&j, &e);
			fs_json_end_object(&j);
			fs_json_newline(&j);
		} else {
			fs_report_entry_text(stdout, &e);
		}
	}
	cli_close(t, &p);
	return rc;
}
