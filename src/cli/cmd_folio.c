// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_folio.c - `folioscope folio`: one page and its folio. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "folioscope/folio.h"
#include "folioscope/pgmap.h"

static const char folio_help[] =
"usage: folioscope folio -k VMLINUX (-c VMCORE | --live) [--json] PFN|PAGE...\n"
"\n"
"Show a page and its folio: head, order, zone, the ZONE_DEVICE pgmap, the\n"
"reference count and every mapcount the kernel keeps in that version\n"
"(_mapcount, _large_mapcount, _entire_mapcount, _nr_pages_mapped, _pincount,\n"
"_mm_ids), mapping (anon/KSM/file), index and the flags that matter here.\n"
"A value below the vmemmap base is a PFN; above it, a struct page address.\n"
"\n"
"Example:\n"
"  folioscope folio -k vmlinux -c vmcore 0xfcdfe00\n";

static void print_folio(const struct cli_common *c, const struct fs_mm *mm, const struct fs_folio *f)
{
	char flags[128];

	/* Tail pages reuse the flags word (page[1] holds _flags_1 with the
	 * order): show the head's flags, and the per-page anon-exclusive bit. */
	fs_folio_flag_names(mm, f->head_flags, flags, sizeof(flags));
	if (c->json) {
		struct fs_json j;
		fs_json_init(&j, stdout, false);
		fs_json_begin_object(&j);
		fs_json_kv_uint(&j, "pfn", f->pfn);
		fs_json_kv_hex(&j, "page", f->page);
		fs_json_kv_uint(&j, "head_pfn", f->head_pfn);
		fs_json_kv_hex(&j, "folio", f->head_page);
		fs_json_kv_int(&j, "order", f->order);
		fs_json_kv_int(&j, "zone", f->zone);
		fs_json_kv_bool(&j, "zone_device", f->zone_device);
		if (f->zone_device)
			fs_json_kv_hex(&j, "pgmap", f->pgmap);
		fs_json_kv_int(&j, "refcount", f->refcount);
		fs_json_kv_int(&j, "mapcount", f->folio_mapcount);
		fs_json_kv_int(&j, "page_mapcount", f->page_mapcount);
		if (f->has_large) {
			fs_json_kv_int(&j, "large_mapcount", f->large_mapcount);
			fs_json_kv_int(&j, "entire_mapcount", f->entire_mapcount);
			fs_json_kv_int(&j, "nr_pages_mapped", f->nr_pages_mapped);
			fs_json_kv_bool(&j, "entirely_mapped", f->entirely_mapped_flag);
			fs_json_kv_int(&j, "pincount", f->pincount);
			fs_json_kv_hex(&j, "mm_ids", f->mm_ids);
			fs_json_kv_bool(&j, "on_deferred_list", f->on_deferred_list);
		}
		fs_json_kv_hex(&j, "mapping", f->mapping);
		fs_json_kv_string(&j, "mapping_kind", f->ksm ? "ksm" : f->anon ? "anon" : f->mapping ? "file" : "none");
		fs_json_kv_uint(&j, "index", f->index);
		fs_json_kv_string(&j, "flags", flags);
		fs_json_kv_bool(&j, "anon_exclusive", f->anon_exclusive);
		fs_json_end_object(&j);
		fs_json_newline(&j);
		return;
	}
	printf("PFN 0x%" PRIx64 "  PAGE 0x%" PRIx64 "%s\n", f->pfn, f->page, f->tail ? "  (tail page)" : "");
	printf("  folio 0x%" PRIx64 " (head pfn 0x%" PRIx64 "), order %d, %" PRIu64 " page%s, zone %d%s\n",
	       f->head_page, f->head_pfn, f->order, f->nr_pages, f->nr_pages == 1 ? "" : "s", f->zone,
	       f->zone_device ? " (ZONE_DEVICE)" : "");
	if (f->zone_device)
		printf("  pgmap 0x%" PRIx64 "\n", f->pgmap);
	printf("  refcount %d  mapcount %d (page %d)\n", f->refcount, f->folio_mapcount, f->page_mapcount);
	if (f->has_large)
		printf("  large_mapcount %d  entire_mapcount %d  nr_pages_mapped %d%s  pincount %d  mm_ids 0x%" PRIx64
		       "%s\n", f->large_mapcount, f->entire_mapcount, f->nr_pages_mapped,
		       f->entirely_mapped_flag ? "+ENTIRELY_MAPPED" : "", f->pincount, f->mm_ids,
		       f->on_deferred_list ? "  ON DEFERRED-SPLIT LIST" : "");
	printf("  mapping 0x%" PRIx64 " (%s)  index 0x%" PRIx64 "  flags %s%s\n", f->mapping,
	       f->ksm ? "ksm" : f->anon ? "anon" : f->mapping ? "file" : "none", f->index, flags[0] ? flags : "-",
	       f->anon_exclusive ? "  page anon_exclusive" : "");
}

int cmd_folio(int argc, char **argv)
{
	static const struct option longopts[] = { CLI_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
	struct cli_common c = { 0 };
	struct fs_profile p;
	struct fs_target *t;
	struct fs_mm mm;
	char err[512];
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
	if (cli_open(&c, &t, &p))
		return FS_EXIT_ERROR;
	if (fs_mm_init(&mm, t, &p, err, sizeof(err))) {
		cli_error("folio: %s", err);
		cli_close(t, &p);
		return FS_EXIT_ERROR;
	}
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
		print_folio(&c, &mm, &f);
	}
	cli_close(t, &p);
	return rc;
}
