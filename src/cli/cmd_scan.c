// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_scan.c - `folioscope scan`, `check` and `rmap`: the whole-dump view
 * and the findings, as text tables or one JSON document
 * (docs/json-schema.md, "scan document").
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "folioscope/report.h"
#include "folioscope/scan.h"

static const char scan_help[] =
"usage: folioscope scan  [-k VMLINUX] (-c VMCORE | --live) [--json] [-v]\n"
"       folioscope check [-k VMLINUX] (-c VMCORE | --live) [--json] [-v] [PFN|PAGE]\n"
"       folioscope rmap  [-k VMLINUX] (-c VMCORE | --live) [--json] PFN|PAGE\n"
"\n"
"scan: find every MEMORY_DEVICE_PRIVATE pgmap and its folios, walk every\n"
"process's page tables once (the forward map), walk the reverse map of each\n"
"mapped device folio, and run every check of docs/checks.md: mapcounts and\n"
"refcounts against the entries found, PMD entries against folio heads,\n"
"device-exclusive entries, pgmap reference counts, migration entries,\n"
"entries the reverse map cannot see, invalid entries.\n"
"check PFN: the same for one folio (its forward entries and its rmap);\n"
"without PFN, check is scan.\n"
"rmap PFN: the entries that map a folio, from both directions.\n"
"\n"
"  -k, --vmlinux FILE  vmlinux with debug info (default: found by the dump's\n"
"                      build ID, see folioscope(1))\n"
"  -c, --vmcore FILE   the dump; --live: the running kernel (/proc/kcore)\n"
"  -v, --verbose       list every device folio and entry, not only the mapped ones\n"
"      --html FILE     also write a self-contained HTML report\n"
"      --dot           rmap: print the folio's mappings and reverse map as a\n"
"                      Graphviz graph (red: entries the rmap cannot reach);\n"
"                      folioscope rmap --dot -c vmcore PFN | dot -Tsvg > f.svg\n"
"      --json          one JSON document (docs/json-schema.md)\n"
"\n"
"With --live, findings are confirmed by a second read of the running kernel;\n"
"those that do not come back are marked transient and do not count.\n"
"\n"
"Exit status: 0 no findings, 1 findings (warning or error), 2 could not analyse.\n"
"\n"
"Example:\n"
"  folioscope scan -k vmlinux -c vmcore\n";

enum mode { MODE_SCAN, MODE_CHECK, MODE_RMAP };


static int run(int argc, char **argv, enum mode mode)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ "verbose", no_argument, NULL, 'v' },
		{ "html", required_argument, NULL, OPT_HTML },
		{ "dot", no_argument, NULL, OPT_DOT },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common c = { 0 };
	struct fs_profile p;
	struct fs_target *t;
	struct fs_scan s;
	bool verbose = false, has_pfn = false, dot = false;
	const char *html = NULL;
	uint64_t v = 0;
	char err[512];
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "k:c:vh", longopts, NULL)) != -1) {
		if (cli_common_opt(&c, opt, optarg))
			continue;
		switch (opt) {
		case 'v': verbose = true; break;
		case OPT_HTML: html = optarg; break;
		case OPT_DOT: dot = true; break;
		case 'h': fputs(scan_help, stdout); return FS_EXIT_OK;
		default: fputs(scan_help, stderr); return FS_EXIT_ERROR;
		}
	}
	if (optind < argc) {
		if (mode == MODE_SCAN || optind + 1 < argc || cli_parse_u64(argv[optind], &v)) {
			cli_error("%s: unexpected argument '%s'", mode == MODE_SCAN ? "scan" : mode == MODE_CHECK ?
				  "check" : "rmap", argv[optind]);
			return FS_EXIT_ERROR;
		}
		has_pfn = true;
	}
	if (dot && mode != MODE_RMAP) {
		cli_error("--dot is for rmap PFN: the graph of one folio");
		return FS_EXIT_ERROR;
	}
	if (mode == MODE_RMAP && !has_pfn) {
		cli_error("rmap: which folio? give a PFN or struct page address");
		return FS_EXIT_ERROR;
	}
	if (cli_open(&c, &t, &p))
		return FS_EXIT_ERROR;
	memset(&s, 0, sizeof(s));
	s.progress = !c.json;
	if (has_pfn) {
		struct fs_mm mm;
		uint64_t pfn = v;
		if (fs_mm_init(&mm, t, &p, err, sizeof(err))) {
			cli_error("%s", err);
			cli_close(t, &p);
			return FS_EXIT_ERROR;
		}
		if (v >= mm.vmemmap)
			pfn = (v - mm.vmemmap) / mm.page_size;
		rc = fs_scan_run_live(&s, t, &p, (int64_t)pfn, err, sizeof(err));
	} else {
		rc = fs_scan_run_live(&s, t, &p, -1, err, sizeof(err));
	}
	if (rc < 0) {
		cli_error("%s", err);
		fs_scan_free(&s);
		cli_close(t, &p);
		return FS_EXIT_ERROR;
	}
	if (html) {
		FILE *f = fopen(html, "w");
		if (!f) {
			cli_error("--html %s: %s", html, strerror(errno));
			fs_scan_free(&s);
			cli_close(t, &p);
			return FS_EXIT_ERROR;
		}
		fs_report_scan_html(f, &s, &p);
		if (fclose(f)) {
			cli_error("--html %s: %s", html, strerror(errno));
			fs_scan_free(&s);
			cli_close(t, &p);
			return FS_EXIT_ERROR;
		}
	}
	if (dot)
		fs_report_rmap_dot(stdout, &s, rc);
	else if (c.json)
		fs_report_scan_json(stdout, &s, &p, verbose);
	else
		fs_report_scan_text(stdout, &s, &p, verbose, mode != MODE_SCAN);
	rc = fs_scan_exit_status(&s) ? FS_EXIT_FINDINGS : FS_EXIT_OK;
	if (!cli_free_at_exit())
		return rc;	/* the process ends now: its memory goes with it */
	fs_scan_free(&s);
	cli_close(t, &p);
	return rc;
}

int cmd_scan(int argc, char **argv) { return run(argc, argv, MODE_SCAN); }
int cmd_check(int argc, char **argv) { return run(argc, argv, MODE_CHECK); }
int cmd_rmap(int argc, char **argv) { return run(argc, argv, MODE_RMAP); }
