// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report.c - text tables and JSON for every front end (CLI, crash
 * extension): one place that knows the output formats (docs/cli.md,
 * docs/json-schema.md). Strings from the dump are escaped.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "folioscope/json.h"
#include "folioscope/report.h"

void fs_report_entry_header(FILE *f)
{
	fprintf(f, "%-5s %-18s %-24s %4s  %-22s %s\n", "LEVEL", "RAW", "KIND", "TYPE", "OFFSET/PFN", "FLAGS");
}

void fs_report_entry_text(FILE *f, const struct fs_entry *e)
{
	char where[40] = "", flags[160] = "";
	size_t n = 0;

	if (e->kind == FS_ENT_PRESENT && !e->is_leaf)
		snprintf(where, sizeof(where), "table 0x%" PRIx64, e->pfn << 12);
	else if (e->has_pfn)
		snprintf(where, sizeof(where), "pfn 0x%" PRIx64, e->pfn);
	else if (e->kind == FS_ENT_SWAP)
		snprintf(where, sizeof(where), "offset 0x%" PRIx64, e->offset);
	else if (e->kind == FS_ENT_MARKER)
		snprintf(where, sizeof(where), "marker 0x%" PRIx64, e->marker);
	else if (e->type >= 0)
		snprintf(where, sizeof(where), "offset 0x%" PRIx64, e->offset);
#define FLAG(cond, s) do { if (cond) n += (size_t)snprintf(flags + n, sizeof(flags) - n, "%s%s", n ? "," : "", s); } while (0)
	FLAG(e->kind == FS_ENT_PRESENT && e->huge, "huge");
	FLAG(e->kind == FS_ENT_PRESENT && e->write, "write");
	FLAG(e->soft_dirty, "soft-dirty");
	FLAG(e->uffd_wp, "uffd-wp");
	FLAG(e->exclusive, "exclusive");
	FLAG(e->has_ad && e->young, "young");
	FLAG(e->has_ad && e->dirty, "dirty");
	FLAG(e->extra_bits, "RESERVED-BITS-SET");
	FLAG(e->pmd_invalid_kind, "INVALID-AT-PMD");
#undef FLAG
	if (e->type >= 0)
		fprintf(f, "%-5s 0x%016" PRIx64 " %-24s %4d  %-22s %s\n", fs_level_name(e->level), e->raw,
			fs_entry_kind_name(e->kind), e->type, where, n ? flags : "-");
	else
		fprintf(f, "%-5s 0x%016" PRIx64 " %-24s %4s  %-22s %s\n", fs_level_name(e->level), e->raw,
			fs_entry_kind_name(e->kind), "-", where[0] ? where : "-", n ? flags : "-");
}

void fs_report_entry_json(struct fs_json *j, const struct fs_entry *e)
{
	fs_json_kv_string(j, "level", fs_level_name(e->level));
	fs_json_kv_hex(j, "raw", e->raw);
	fs_json_kv_string(j, "kind", fs_entry_kind_name(e->kind));
	if (e->type >= 0) {
		fs_json_kv_int(j, "type", e->type);
		fs_json_kv_uint(j, "offset", e->offset);
	} else {
		fs_json_key(j, "type");
		fs_json_null(j);
		fs_json_key(j, "offset");
		fs_json_null(j);
	}
	fs_json_key(j, "pfn");
	if (e->has_pfn)
		fs_json_uint(j, e->pfn);
	else
		fs_json_null(j);
	fs_json_kv_bool(j, "soft_dirty", e->soft_dirty);
	fs_json_kv_bool(j, "uffd_wp", e->uffd_wp);
	fs_json_kv_bool(j, "exclusive", e->exclusive);
	if (e->has_ad) {
		fs_json_kv_bool(j, "young", e->young);
		fs_json_kv_bool(j, "dirty", e->dirty);
	}
	if (e->kind == FS_ENT_PRESENT && !e->is_leaf)
		fs_json_kv_hex(j, "next_table", e->pfn << 12);
	if (e->kind == FS_ENT_PRESENT) {
		fs_json_kv_bool(j, "huge", e->huge);
		fs_json_kv_bool(j, "write", e->write);
	}
	if (e->kind == FS_ENT_MARKER)
		fs_json_kv_uint(j, "marker", e->marker);
	if (e->extra_bits)
		fs_json_kv_hex(j, "reserved_bits", e->extra_bits);
	if (e->level == FS_LVL_PMD && e->type >= 0)
		fs_json_kv_bool(j, "valid_at_pmd", !e->pmd_invalid_kind);
}

static void folio_flags(const struct fs_mm *mm, const struct fs_folio *f, char *flags, size_t len)
{
	/* Tail pages reuse the flags word (page[1] holds _flags_1 with the
	 * order): show the head's flags, and the per-page anon-exclusive bit. */
	fs_folio_flag_names(mm, f->head_flags, flags, len);
}

void fs_report_folio_json(FILE *out, const struct fs_mm *mm, const struct fs_folio *f)
{
	char flags[128];
	struct fs_json j;

	folio_flags(mm, f, flags, sizeof(flags));
	{
		fs_json_init(&j, out, false);
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
	}
}

void fs_report_folio_text(FILE *out, const struct fs_mm *mm, const struct fs_folio *f)
{
	char flags[128];

	folio_flags(mm, f, flags, sizeof(flags));
	fprintf(out, "PFN 0x%" PRIx64 "  PAGE 0x%" PRIx64 "%s\n", f->pfn, f->page, f->tail ? "  (tail page)" : "");
	fprintf(out, "  folio 0x%" PRIx64 " (head pfn 0x%" PRIx64 "), order %d, %" PRIu64 " page%s, zone %d%s\n",
	       f->head_page, f->head_pfn, f->order, f->nr_pages, f->nr_pages == 1 ? "" : "s", f->zone,
	       f->zone_device ? " (ZONE_DEVICE)" : "");
	if (f->zone_device)
		fprintf(out, "  pgmap 0x%" PRIx64 "\n", f->pgmap);
	fprintf(out, "  refcount %d  mapcount %d (page %d)\n", f->refcount, f->folio_mapcount, f->page_mapcount);
	if (f->has_large)
		fprintf(out, "  large_mapcount %d  entire_mapcount %d  nr_pages_mapped %d%s  pincount %d  mm_ids 0x%" PRIx64
		       "%s\n", f->large_mapcount, f->entire_mapcount, f->nr_pages_mapped,
		       f->entirely_mapped_flag ? "+ENTIRELY_MAPPED" : "", f->pincount, f->mm_ids,
		       f->on_deferred_list ? "  ON DEFERRED-SPLIT LIST" : "");
	fprintf(out, "  mapping 0x%" PRIx64 " (%s)  index 0x%" PRIx64 "  flags %s%s\n", f->mapping,
	       f->ksm ? "ksm" : f->anon ? "anon" : f->mapping ? "file" : "none", f->index, flags[0] ? flags : "-",
	       f->anon_exclusive ? "  page anon_exclusive" : "");
}

void fs_report_pgmap_header(FILE *out)
{
	fprintf(out, "%-18s %-8s %-18s %s  %s\n", "PGMAP", "TYPE", "OWNER", "PFN RANGES", "REF");
}

/* The pgmap's own fields, inside an open JSON object (pgmap and scan). */
static void pgmap_fields(struct fs_json *j, const struct fs_pgmap *pm)
{
	fs_json_kv_hex(j, "pgmap", pm->addr);
	fs_json_kv_string(j, "type", pm->type_name);
	fs_json_kv_hex(j, "owner", pm->owner);
	fs_json_kv_hex(j, "ops", pm->ops);
	fs_json_key(j, "ranges");
	fs_json_begin_array(j);
	for (int r = 0; r < pm->nr_range; r++) {
		fs_json_begin_object(j);
		fs_json_kv_uint(j, "start_pfn", pm->range[r].start >> 12);
		fs_json_kv_uint(j, "end_pfn", pm->range[r].end >> 12);
		fs_json_end_object(j);
	}
	fs_json_end_array(j);
	if (pm->ref_err[0]) {
		fs_json_kv_string(j, "ref_error", pm->ref_err);
	} else {
		fs_json_kv_int(j, "ref", pm->ref.value);
		fs_json_kv_string(j, "ref_mode", fs_ref_mode_name(pm->ref.mode));
	}
}

void fs_report_pgmap(FILE *out, const struct fs_pgmap *pm, bool json)
{
	if (json) {
		struct fs_json j;
		fs_json_init(&j, out, false);
		fs_json_begin_object(&j);
		pgmap_fields(&j, pm);
		fs_json_end_object(&j);
		fs_json_newline(&j);
		return;
	}
	fprintf(out, "%-18" PRIx64 " %-8s %-18" PRIx64 " ", pm->addr, pm->type_name, pm->owner);
	for (int r = 0; r < pm->nr_range; r++)
		fprintf(out, "%s%" PRIx64 "-%" PRIx64, r ? "," : "", pm->range[r].start >> 12, pm->range[r].end >> 12);
	if (pm->ref_err[0])
		fprintf(out, "  ref: unreadable (%s)\n", pm->ref_err);
	else
		fprintf(out, "  %" PRId64 " (%s)\n", pm->ref.value, fs_ref_mode_name(pm->ref.mode));
}

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
	if (f->transient)
		fs_json_kv_bool(j, "transient", true);
	fs_json_end_object(j);
}

static bool show_folio(const struct fs_scan_folio *sf, bool verbose)
{
	return sf->f.zone_device && (verbose || sf->pte_maps || sf->pmd_maps || sf->f.folio_mapcount > 0);
}

void fs_report_scan_json(FILE *out, const struct fs_scan *s, const struct fs_profile *p, bool verbose)
{
	struct fs_json j;
	char desc[1024];

	fs_profile_describe(p, desc, sizeof(desc));
	fs_json_init(&j, out, true);
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
		pgmap_fields(&j, pm);
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
		fs_report_entry_json(&j, &m->e);
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
	fs_json_key(&j, "stuck_tasks");
	fs_json_begin_array(&j);
	for (size_t i = 0; i < s->nstuck; i++) {
		const struct fs_stuck *st = &s->stuck[i];
		fs_json_begin_object(&j);
		fs_json_kv_int(&j, "pid", st->pid);
		fs_json_kv_string(&j, "comm", st->comm);
		fs_json_kv_string(&j, "waits_in", st->fn);
		fs_json_kv_hex(&j, "return_address", st->ret);
		if (st->pgmap)
			fs_json_kv_hex(&j, "pgmap", st->pgmap);
		fs_json_end_object(&j);
	}
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
	fs_json_kv_bool(&j, "live", s->live);
	fs_json_kv_bool(&j, "second_read", s->second_read);
	fs_json_end_object(&j);
	fs_json_end_object(&j);
	fs_json_newline(&j);
}

void fs_report_scan_text(FILE *out, const struct fs_scan *s, const struct fs_profile *p, bool verbose, bool one_folio)
{
	char desc[1024], comm[80];
	size_t nerr = 0, nwarn = 0, ntransient = 0, mapped = 0, dev = 0;

	fs_profile_describe(p, desc, sizeof(desc));
	fprintf(out, "profile: %s\n\n", desc);
	if (!one_folio && s->pgmaps->n) {
		fprintf(out, "%-18s %-8s %-17s %6s %8s %7s %6s %9s %7s %6s\n", "PGMAP", "TYPE", "PFN RANGE", "REF", "EXPECTED",
		       "FOLIOS", "LARGE", "ALLOCATED", "FREE", "MAPPED");
		for (int i = 0; i < s->pgmaps->n; i++) {
			const struct fs_pgmap *pm = &s->pgmaps->map[i];
			const struct fs_pgmap_stats *st = &s->stats[i];
			char range[40];
			snprintf(range, sizeof(range), "%" PRIx64 "-%" PRIx64 "%s", pm->range[0].start >> 12,
				 pm->range[0].end >> 12, pm->nr_range > 1 ? "+" : "");
			fprintf(out, "%-18" PRIx64 " %-8s %-17s %6" PRId64 " %8" PRId64 " %7" PRIu64 " %6" PRIu64 " %9" PRIu64
			       " %7" PRIu64 " %6" PRIu64 "\n", pm->addr, pm->type_name, range, pm->ref.value,
			       st->expected_ref, st->folios, st->large_folios, st->allocated_pages, st->free_pages,
			       st->mapped_folios);
		}
		fprintf(out, "\n");
	}
	fprintf(out, "%-11s %5s %4s %8s %4s %4s %4s %6s  %s\n", "FOLIO PFN", "ORDER", "REF", "MAPCOUNT", "PTE", "PMD", "MMS",
	       "RMAP", "ENTRIES");
	for (size_t i = 0; i < s->nfolios; i++) {
		const struct fs_scan_folio *sf = &s->folios[i];
		char rmap[16];
		int shown = 0;
		if (sf->f.zone_device)
			dev++;
		if (!show_folio(sf, verbose || one_folio))
			continue;
		mapped++;
		if (sf->rmap_done)
			snprintf(rmap, sizeof(rmap), sf->rmap_err[0] ? "error" : "%d", sf->rmap_found);
		else
			snprintf(rmap, sizeof(rmap), "-");
		fprintf(out, "%-11" PRIx64 " %5d %4d %8d %4d %4d %4d %6s  ", sf->f.head_pfn, sf->f.order, sf->f.refcount,
		       sf->f.folio_mapcount, sf->pte_maps, sf->pmd_maps, sf->nmm, rmap);
		const struct fs_mapping *m;
		for (size_t k = 0; (m = fs_scan_next_map(s, (int)i, &k));) {
			if (shown++ == 3 && !verbose) {
				fprintf(out, ", ...");
				break;
			}
			fs_escape_text(m->comm, comm, sizeof(comm));
			fprintf(out, "%spid %d %s 0x%" PRIx64 " %s %s", shown > 1 ? ", " : "", m->pid, comm, m->vaddr,
			       fs_level_name(m->e.level), fs_entry_kind_name(m->e.kind));
		}
		fprintf(out, "\n");
		if (sf->rmap_err[0] && (verbose || one_folio))
			fprintf(out, "            rmap: %s\n", sf->rmap_err);
	}
	fprintf(out, "\n");
	for (size_t i = 0; i < s->nfindings; i++) {
		const struct fs_finding *f = &s->findings[i];
		if (f->transient)
			ntransient++;
		else if (f->severity == FS_SEV_ERROR)
			nerr++;
		else if (f->severity == FS_SEV_WARNING)
			nwarn++;
		fprintf(out, "[%s] %s %s: %s%s\n", f->severity == FS_SEV_ERROR ? "ERROR" :
		       f->severity == FS_SEV_WARNING ? "WARN" : "INFO", f->id, f->subject, f->title,
		       f->transient ? " (transient: gone on a second read of the live kernel)" : "");
		fprintf(out, "    evidence: %s\n", f->evidence);
		fprintf(out, "    next: %s\n", f->next);
		if (f->bug)
			fprintf(out, "    bug class: %s\n", f->bug);
	}
	for (size_t i = 0; i < s->nerrors; i++)
		fprintf(out, "[UNREAD] %s\n", s->errors[i]);
	fprintf(out, "summary: %d pgmap%s, %zu device folio%s (%zu shown), %zu entries in %u mm%s of %u tasks; "
	       "%zu error%s, %zu warning%s%s%s\n", s->pgmaps->n, s->pgmaps->n == 1 ? "" : "s", dev, dev == 1 ? "" : "s",
	       mapped, s->nmaps, s->nmms, s->nmms == 1 ? "" : "s", s->ntasks, nerr, nerr == 1 ? "" : "s", nwarn,
	       nwarn == 1 ? "" : "s", !s->live ? "" : !s->second_read ? " (live)" : ntransient ?
	       " (live; transient findings not counted)" : " (live; confirmed by a second read)",
	       s->nerrors ? "; some state could not be read (UNREAD above)" : "");
}

