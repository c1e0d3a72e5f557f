// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_pgmap.c - `folioscope pgmap`: the dump's dev_pagemaps, their ranges
 * and reference counts. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "folioscope/folio.h"
#include "folioscope/pgmap.h"
#include "folioscope/report.h"

static const char pgmap_help[] =
"usage: folioscope pgmap [-k VMLINUX] (-c VMCORE | --live) [--json] [ADDR]\n"
"\n"
"List the ZONE_DEVICE page maps (struct dev_pagemap) of the dump, found\n"
"through the ZONE_DEVICE memory sections, or show the one at ADDR: type,\n"
"owner, PFN ranges and the value of its percpu_ref reference count (per-CPU\n"
"counters summed, atomic and dead modes handled).\n"
"\n"
"Example:\n"
"  folioscope pgmap -k vmlinux -c vmcore\n";

int cmd_pgmap(int argc, char **argv)
{
	static const struct option longopts[] = { CLI_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
	struct cli_common c = { 0 };
	struct fs_profile p;
	struct fs_target *t;
	struct fs_mm mm;
	struct fs_pgmaps *maps = NULL;
	uint64_t addr = 0;
	int opt, rc = FS_EXIT_OK;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "k:c:h", longopts, NULL)) != -1) {
		if (cli_common_opt(&c, opt, optarg))
			continue;
		if (opt == 'h') {
			fputs(pgmap_help, stdout);
			return FS_EXIT_OK;
		}
		fputs(pgmap_help, stderr);
		return FS_EXIT_ERROR;
	}
	if (optind < argc && (optind + 1 < argc || cli_parse_u64(argv[optind], &addr))) {
		cli_error("pgmap: want at most one ADDR (a struct dev_pagemap address)");
		return FS_EXIT_ERROR;
	}
	if (cli_open_mm(&c, &t, &p, &mm, "pgmap"))
		return FS_EXIT_ERROR;
	if (!c.json)
		fs_report_pgmap_header(stdout);
	if (addr) {
		struct fs_pgmap pm;
		if (fs_pgmap_read(t, &p, addr, &pm)) {
			cli_error("pgmap: %s", fs_target_error(t));
			rc = FS_EXIT_ERROR;
		} else {
			fs_report_pgmap(stdout, &pm, c.json);
		}
	} else {
		maps = calloc(1, sizeof(*maps));
		if (!maps || fs_pgmaps_find(t, &p, &mm, maps)) {
			cli_error("pgmap: %s", maps ? fs_target_error(t) : "out of memory");
			rc = FS_EXIT_ERROR;
		} else {
			for (int i = 0; i < maps->n; i++)
				fs_report_pgmap(stdout, &maps->map[i], c.json);
			if (!c.json)
				printf("%d pgmap%s behind %" PRIu64 " ZONE_DEVICE memory section%s\n", maps->n,
				       maps->n == 1 ? "" : "s", maps->device_sections, maps->device_sections == 1 ? "" : "s");
			if (maps->warn[0])
				cli_error("pgmap: warning: %s", maps->warn);
		}
		free(maps);
	}
	cli_close(t, &p);
	return rc;
}
