// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_folio.c - `folioscope folio`: one page and its folio. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "folioscope/folio.h"
#include "folioscope/pgmap.h"
#include "folioscope/report.h"

static const char folio_help[] =
"usage: folioscope folio [-k VMLINUX] (-c VMCORE | --live) [--json] PFN|PAGE...\n"
"\n"
"Show a page and its folio: head, order, zone, the ZONE_DEVICE pgmap, the\n"
"reference count and every mapcount the kernel keeps in that version\n"
"(_mapcount, _large_mapcount, _entire_mapcount, _nr_pages_mapped, _pincount,\n"
"_mm_ids), mapping (anon/KSM/file), index and the flags that matter here.\n"
"A value below the vmemmap base is a PFN; above it, a struct page address.\n"
"\n"
"Example:\n"
"  folioscope folio -k vmlinux -c vmcore 0xfcdfe00\n";

int cmd_folio(int argc, char **argv)
{
	static const struct option longopts[] = { CLI_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
	struct cli_common c = { 0 };
	struct fs_profile p;
	struct fs_target *t;
	struct fs_mm mm;
	int opt, rc = FS_EXIT_OK;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "k:c:h", longopts, NULL)) != -1) {
		if (cli_common_opt(&c, opt, optarg))
			continue;
		if (opt == 'h') {
			fputs(folio_help, stdout);
			return FS_EXIT_OK;
		}
		fputs(folio_help, stderr);
		return FS_EXIT_ERROR;
	}
	if (optind >= argc) {
		cli_error("folio: no PFN or PAGE given (try 'folioscope folio --help')");
		return FS_EXIT_ERROR;
	}
	for (int i = optind; i < argc; i++) {
		uint64_t v;
		if (cli_parse_u64(argv[i], &v)) {
			cli_error("folio: '%s' is not a PFN or page address", argv[i]);
			return FS_EXIT_ERROR;
		}
	}
	if (cli_open_mm(&c, &t, &p, &mm, "folio"))
		return FS_EXIT_ERROR;
	for (int i = optind; i < argc; i++) {
		struct fs_folio f;
		uint64_t v, pfn;

		cli_parse_u64(argv[i], &v);
		if (v >= mm.vmemmap) {
			if ((v - mm.vmemmap) % mm.page_size) {
				cli_error("folio: 0x%" PRIx64 " is inside vmemmap but not at a struct page boundary", v);
				rc = FS_EXIT_ERROR;
				continue;
			}
			pfn = (v - mm.vmemmap) / mm.page_size;
		} else {
			pfn = v;
		}
		if (pfn >> (p.facts.max_physmem_bits - 12)) {
			cli_error("folio: pfn 0x%" PRIx64 " is beyond MAX_PHYSMEM_BITS", pfn);
			rc = FS_EXIT_ERROR;
			continue;
		}
		if (fs_folio_read(t, &p, &mm, pfn, &f)) {
			cli_error("folio: %s", fs_target_error(t));
			rc = FS_EXIT_ERROR;
			continue;
		}
		if (c.json)
			fs_report_folio_json(stdout, &mm, &f);
		else
			fs_report_folio_text(stdout, &mm, &f);
	}
	cli_close(t, &p);
	return rc;
}
