// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_scan.c - `folioscope scan`, `check` and `rmap`: the whole-dump view
 * and the findings, as text tables or one JSON document
 * (docs/json-schema.md, "scan document").
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "folioscope/scan.h"

static const char scan_help[] =
"usage: folioscope scan  -k VMLINUX (-c VMCORE | --live) [--json] [-v]\n"
"       folioscope check -k VMLINUX (-c VMCORE | --live) [--json] [-v] [PFN|PAGE]\n"
"       folioscope rmap  -k VMLINUX (-c VMCORE | --live) [--json] PFN|PAGE\n"
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
"  -v, --verbose       list every device folio and entry, not only the mapped ones\n"
"      --json          one JSON document (docs/json-schema.md)\n"
"\n"
"Exit status: 0 no findings, 1 findings (warning or error), 2 could not analyse.\n"
"\n"
"Example:\n"
"  folioscope scan -k vmlinux -c vmcore\n";

enum mode { MODE_SCAN, MODE_CHECK, MODE_RMAP };

static void json_finding(struct fs_json *j, const struct fs_finding *f)
{
	fs_json_begin_object(j);
	fs_json_kv_string(j, "id", f->id);
	fs_json_kv_string(j, "severity", fs_severity_name(f->severity));
	fs_json_kv_string(j, "title", f->title);
	fs_json_kv_string(j, "subject", f->subject);
	if (f->pfn)
		fs_json_kv_uint(j, "pfn", f->pfn);
	fs_json_kv_string(j, "evidence", f->evidence);
	fs_json_kv_string(j, "next", f->next);
	if (f->bug)
		fs_json_kv_string(j, "bug_class", f->bug);
	fs_json_end_object(j);
}

static bool show_folio(const struct fs_scan_folio *sf, bool verbose)
{
	return sf->f.zone_device && (verbose || sf->pte_maps || sf->pmd_maps || sf->f.folio_mapcount > 0);
}

static void print_json(const struct fs_scan *s, const struct fs_profile *p, bool verbose)
{
	struct fs_json j;
	char desc[1024];

	fs_profile_describe(p, desc, sizeof(desc));
	fs_json_init(&j, stdout, true);
	fs_json_begin_object(&j);
	fs_json_kv_string(&j, "schema", "folioscope-scan/1");
	fs_json_kv_string(&j, "profile", desc);
	fs_json_kv_string(&j, "osrelease", p->osrelease);
	fs_json_key(&j, "pgmaps");
	fs_json_begin_array(&j);
	for (int i = 0; i < s->pgmaps->n; i++) {
		const struct fs_pgmap *pm = &s->pgmaps->map[i];
		const struct fs_pgmap_stats *st = &s->stats[i];
		fs_json_begin_object(&j);
		fs_json_kv_hex(&j, "pgmap", pm->addr);
		fs_json_kv_string(&j, "type", pm->type_name);
		fs_json_kv_hex(&j, "owner", pm->owner);
		fs_json_key(&j, "ranges");
		fs_json_begin_array(&j);
		for (int r = 0; r < pm->nr_range; r++) {
			fs_json_begin_object(&j);
			fs_json_kv_uint(&j, "start_pfn", pm->range[r].start >> 12);
			fs_json_kv_uint(&j, "end_pfn", pm->range[r].end >> 12);
			fs_json_end_object(&j);
		}
		fs_json_end_array(&j);
		if (pm->ref_err[0]) {
			fs_json_kv_string(&j, "ref_error", pm->ref_err);
		} else {
			fs_json_kv_int(&j, "ref", pm->ref.value);
			fs_json_kv_string(&j, "ref_mode", fs_ref_mode_name(pm->ref.mode));
		}
		if (pm->is_private) {
			fs_json_kv_int(&j, "expected_ref", st->expected_ref);
			fs_json_kv_uint(&j, "pages", st->pages);
			fs_json_kv_uint(&j, "allocated_pages", st->allocated_pages);
			fs_json_kv_uint(&j, "free_pages", st->free_pages);
			fs_json_kv_uint(&j, "folios", st->folios);
			fs_json_kv_uint(&j, "large_folios", st->large_folios);
			fs_json_kv_uint(&j, "mapped_folios", st->mapped_folios);
		}
		fs_json_end_object(&j);
	}
	fs_json_end_array(&j);
	fs_json_key(&j, "folios");
	fs_json_begin_array(&j);
	for (size_t i = 0; i < s->nfolios; i++) {
		const struct fs_scan_folio *sf = &s->folios[i];
		if (!show_folio(sf, verbose))
			continue;
		fs_json_begin_object(&j);
		fs_json_kv_uint(&j, "pfn", sf->f.head_pfn);
		fs_json_kv_hex(&j, "folio", sf->f.head_page);
		fs_json_kv_int(&j, "order", sf->f.order);
		fs_json_kv_hex(&j, "pgmap", sf->pgmap);
		fs_json_kv_int(&j, "refcount", sf->f.refcount);
		fs_json_kv_int(&j, "mapcount", sf->f.folio_mapcount);
		if (sf->f.has_large)
			fs_json_kv_int(&j, "entire_mapcount", sf->f.entire_mapcount);
		fs_json_kv_int(&j, "pte_entries", sf->pte_maps);
		fs_json_kv_int(&j, "pmd_entries", sf->pmd_maps);
		fs_json_kv_int(&j, "mms", sf->nmm);
		if (sf->rmap_done) {
			if (sf->rmap_err[0])
				fs_json_kv_string(&j, "rmap_error", sf->rmap_err);
			else
				fs_json_kv_int(&j, "rmap_entries", sf->rmap_found);
		}
		fs_json_end_object(&j);
	}
	fs_json_end_array(&j);
	fs_json_key(&j, "entries");
	fs_json_begin_array(&j);
	for (size_t i = 0; i < s->nmaps; i++) {
		const struct fs_mapping *m = &s->maps[i];
		fs_json_begin_object(&j);
		fs_json_kv_int(&j, "pid", m->pid);
		fs_json_kv_string(&j, "comm", m->comm);
		fs_json_kv_hex(&j, "mm", m->mm);
		fs_json_kv_hex(&j, "vaddr", m->vaddr);
		cli_entry_json(&j, &m->e);
		if (m->folio >= 0)
			fs_json_kv_uint(&j, "folio_pfn", s->folios[m->folio].f.head_pfn);
		fs_json_kv_bool(&j, "seen_by_rmap", m->seen_by_rmap);
		fs_json_end_object(&j);
	}
	fs_json_end_array(&j);
	fs_json_key(&j, "findings");
	fs_json_begin_array(&j);
	for (size_t i = 0; i < s->nfindings; i++)
		json_finding(&j, &s->findings[i]);
	fs_json_end_array(&j);
	fs_json_key(&j, "errors");
	fs_json_begin_array(&j);
	for (size_t i = 0; i < s->nerrors; i++)
		fs_json_string(&j, s->errors[i]);
	fs_json_end_array(&j);
	fs_json_key(&j, "coverage");
	fs_json_begin_object(&j);
	fs_json_kv_uint(&j, "tasks", s->ntasks);
	fs_json_kv_uint(&j, "mms", s->nmms);
	fs_json_kv_uint(&j, "page_tables", s->tables_read);
	fs_json_kv_uint(&j, "entries_seen", s->entries_seen);
	fs_json_end_object(&j);
	fs_json_end_object(&j);
	fs_json_newline(&j);
}

static void print_text(const struct fs_scan *s, const struct fs_profile *p, bool verbose, enum mode mode)
{
	char desc[1024], comm[80];
	size_t nerr = 0, nwarn = 0, mapped = 0, dev = 0;

	fs_profile_describe(p, desc, sizeof(desc));
	printf("profile: %s\n\n", desc);
	if (mode == MODE_SCAN && s->pgmaps->n) {
		printf("%-18s %-8s %-17s %6s %8s %7s %6s %9s %7s %6s\n", "PGMAP", "TYPE", "PFN RANGE", "REF", "EXPECTED",
		       "FOLIOS", "LARGE", "ALLOCATED", "FREE", "MAPPED");
		for (int i = 0; i < s->pgmaps->n; i++) {
			const struct fs_pgmap *pm = &s->pgmaps->map[i];
			const struct fs_pgmap_stats *st = &s->stats[i];
			char range[40];
			snprintf(range, sizeof(range), "%" PRIx64 "-%" PRIx64 "%s", pm->range[0].start >> 12,
				 pm->range[0].end >> 12, pm->nr_range > 1 ? "+" : "");
			printf("%-18" PRIx64 " %-8s %-17s %6" PRId64 " %8" PRId64 " %7" PRIu64 " %6" PRIu64 " %9" PRIu64
			       " %7" PRIu64 " %6" PRIu64 "\n", pm->addr, pm->type_name, range, pm->ref.value,
			       st->expected_ref, st->folios, st->large_folios, st->allocated_pages, st->free_pages,
			       st->mapped_folios);
		}
		printf("\n");
	}
	printf("%-11s %5s %4s %8s %4s %4s %4s %6s  %s\n", "FOLIO PFN", "ORDER", "REF", "MAPCOUNT", "PTE", "PMD", "MMS",
	       "RMAP", "ENTRIES");
	for (size_t i = 0; i < s->nfolios; i++) {
		const struct fs_scan_folio *sf = &s->folios[i];
		char rmap[16];
		int shown = 0;
		if (sf->f.zone_device)
			dev++;
		if (!show_folio(sf, verbose || mode != MODE_SCAN))
			continue;
		mapped++;
		if (sf->rmap_done)
			snprintf(rmap, sizeof(rmap), sf->rmap_err[0] ? "error" : "%d", sf->rmap_found);
		else
			snprintf(rmap, sizeof(rmap), "-");
		printf("%-11" PRIx64 " %5d %4d %8d %4d %4d %4d %6s  ", sf->f.head_pfn, sf->f.order, sf->f.refcount,
		       sf->f.folio_mapcount, sf->pte_maps, sf->pmd_maps, sf->nmm, rmap);
		for (size_t k = 0; k < s->nmaps; k++) {
			const struct fs_mapping *m = &s->maps[k];
			if (m->folio != (int)i)
				continue;
			if (shown++ == 3 && !verbose) {
				printf(", ...");
				break;
			}
			fs_escape_text(m->comm, comm, sizeof(comm));
			printf("%spid %d %s 0x%" PRIx64 " %s %s", shown > 1 ? ", " : "", m->pid, comm, m->vaddr,
			       fs_level_name(m->e.level), fs_entry_kind_name(m->e.kind));
		}
		printf("\n");
		if (sf->rmap_err[0] && (verbose || mode != MODE_SCAN))
			printf("            rmap: %s\n", sf->rmap_err);
	}
	printf("\n");
	for (size_t i = 0; i < s->nfindings; i++) {
		const struct fs_finding *f = &s->findings[i];
		if (f->severity == FS_SEV_ERROR)
			nerr++;
		else if (f->severity == FS_SEV_WARNING)
			nwarn++;
		printf("[%s] %s %s: %s\n", f->severity == FS_SEV_ERROR ? "ERROR" :
		       f->severity == FS_SEV_WARNING ? "WARN" : "INFO", f->id, f->subject, f->title);
		printf("    evidence: %s\n", f->evidence);
		printf("    next: %s\n", f->next);
		if (f->bug)
			printf("    bug class: %s\n", f->bug);
	}
	for (size_t i = 0; i < s->nerrors; i++)
		printf("[UNREAD] %s\n", s->errors[i]);
	printf("summary: %d pgmap%s, %zu device folio%s (%zu shown), %zu entries in %u mm%s of %u tasks; "
	       "%zu error%s, %zu warning%s%s\n", s->pgmaps->n, s->pgmaps->n == 1 ? "" : "s", dev, dev == 1 ? "" : "s",
	       mapped, s->nmaps, s->nmms, s->nmms == 1 ? "" : "s", s->ntasks, nerr, nerr == 1 ? "" : "s", nwarn,
	       nwarn == 1 ? "" : "s", s->nerrors ? "; some state could not be read (UNREAD above)" : "");
}

static int run(int argc, char **argv, enum mode mode)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common c = { 0 };
	struct fs_profile p;
	struct fs_target *t;
	struct fs_scan s;
	bool verbose = false, has_pfn = false;
	uint64_t v = 0;
	char err[512];
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "k:c:vh", longopts, NULL)) != -1) {
		if (cli_common_opt(&c, opt, optarg))
			continue;
		switch (opt) {
		case 'v': verbose = true; break;
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
		rc = fs_scan_folio(&s, t, &p, pfn, err, sizeof(err));
	} else {
		rc = fs_scan_run(&s, t, &p, err, sizeof(err));
	}
	if (rc < 0) {
		cli_error("%s", err);
		fs_scan_free(&s);
		cli_close(t, &p);
		return FS_EXIT_ERROR;
	}
	if (c.json)
		print_json(&s, &p, verbose);
	else
		print_text(&s, &p, verbose, mode);
	rc = FS_EXIT_OK;
	for (size_t i = 0; i < s.nfindings; i++)
		if (s.findings[i].severity >= FS_SEV_WARNING)
			rc = FS_EXIT_FINDINGS;
	fs_scan_free(&s);
	cli_close(t, &p);
	return rc;
}

int cmd_scan(int argc, char **argv) { return run(argc, argv, MODE_SCAN); }
int cmd_check(int argc, char **argv) { return run(argc, argv, MODE_CHECK); }
int cmd_rmap(int argc, char **argv) { return run(argc, argv, MODE_RMAP); }
