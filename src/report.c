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
#include "folioscope/outbuf.h"
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

/* The entry's fields, into an outbuf: a scan document has one per entry. */
static void entry_json(struct fs_json *j, struct fs_outbuf *o, const struct fs_entry *e)
{
	FS_JSONB_KV(j, o, "level", plain, fs_level_name(e->level));
	FS_JSONB_KV(j, o, "raw", hex, e->raw);
	FS_JSONB_KV(j, o, "kind", plain, fs_entry_kind_name(e->kind));
	if (e->type >= 0) {
		FS_JSONB_KV(j, o, "type", int, e->type);
		FS_JSONB_KV(j, o, "offset", uint, e->offset);
	} else {
		FS_JSONB_KEY(j, o, "type");
		fs_jsonb_null(j, o);
		FS_JSONB_KEY(j, o, "offset");
		fs_jsonb_null(j, o);
	}
	FS_JSONB_KEY(j, o, "pfn");
	if (e->has_pfn)
		fs_jsonb_uint(j, o, e->pfn);
	else
		fs_jsonb_null(j, o);
	FS_JSONB_KV(j, o, "soft_dirty", bool, e->soft_dirty);
	FS_JSONB_KV(j, o, "uffd_wp", bool, e->uffd_wp);
	FS_JSONB_KV(j, o, "exclusive", bool, e->exclusive);
	if (e->has_ad) {
		FS_JSONB_KV(j, o, "young", bool, e->young);
		FS_JSONB_KV(j, o, "dirty", bool, e->dirty);
	}
	if (e->kind == FS_ENT_PRESENT && !e->is_leaf)
		FS_JSONB_KV(j, o, "next_table", hex, e->pfn << 12);
	if (e->kind == FS_ENT_PRESENT) {
		FS_JSONB_KV(j, o, "huge", bool, e->huge);
		FS_JSONB_KV(j, o, "write", bool, e->write);
	}
	if (e->kind == FS_ENT_MARKER)
		FS_JSONB_KV(j, o, "marker", uint, e->marker);
	if (e->extra_bits)
		FS_JSONB_KV(j, o, "reserved_bits", hex, e->extra_bits);
	if (e->level == FS_LVL_PMD && e->type >= 0)
		FS_JSONB_KV(j, o, "valid_at_pmd", bool, !e->pmd_invalid_kind);
}

void fs_report_entry_json(struct fs_json *j, const struct fs_entry *e)
{
	char buf[1024];
	struct fs_outbuf o;

	fs_outbuf_init(&o, j->f, buf, sizeof(buf));
	entry_json(j, &o, e);
	fs_outbuf_flush(&o);
}

static void folio_flags(const struct fs_mm *mm, const struct fs_folio *f, char *flags, size_t len)
{
	/* Tail pages reuse the flags word (page[1] holds _flags_1 with the
	 * order): show the head's flags, and the per-page anon-exclusive bit. */
	fs_folio_flag_names(mm, f->head_flags, flags, len);
}

void fs_report_folio_json(FILE *out, const struct fs_mm *mm, const struct fs_folio *f)
{
	char flags[128], buf[4096];
	struct fs_outbuf o;
	struct fs_json j;

	folio_flags(mm, f, flags, sizeof(flags));
	fs_outbuf_init(&o, out, buf, sizeof(buf));
	fs_json_init(&j, out, false);
	fs_jsonb_begin_object(&j, &o);
	FS_JSONB_KV(&j, &o, "pfn", uint, f->pfn);
	FS_JSONB_KV(&j, &o, "page", hex, f->page);
	FS_JSONB_KV(&j, &o, "head_pfn", uint, f->head_pfn);
	FS_JSONB_KV(&j, &o, "folio", hex, f->head_page);
	FS_JSONB_KV(&j, &o, "order", int, f->order);
	FS_JSONB_KV(&j, &o, "zone", int, f->zone);
	FS_JSONB_KV(&j, &o, "zone_device", bool, f->zone_device);
	if (f->zone_device)
		FS_JSONB_KV(&j, &o, "pgmap", hex, f->pgmap);
	FS_JSONB_KV(&j, &o, "refcount", int, f->refcount);
	FS_JSONB_KV(&j, &o, "mapcount", int, f->folio_mapcount);
	FS_JSONB_KV(&j, &o, "page_mapcount", int, f->page_mapcount);
	if (f->has_large) {
		FS_JSONB_KV(&j, &o, "large_mapcount", int, f->large_mapcount);
		FS_JSONB_KV(&j, &o, "entire_mapcount", int, f->entire_mapcount);
		FS_JSONB_KV(&j, &o, "nr_pages_mapped", int, f->nr_pages_mapped);
		FS_JSONB_KV(&j, &o, "entirely_mapped", bool, f->entirely_mapped_flag);
		FS_JSONB_KV(&j, &o, "pincount", int, f->pincount);
		FS_JSONB_KV(&j, &o, "mm_ids", hex, f->mm_ids);
		FS_JSONB_KV(&j, &o, "on_deferred_list", bool, f->on_deferred_list);
	}
	FS_JSONB_KV(&j, &o, "mapping", hex, f->mapping);
	FS_JSONB_KV(&j, &o, "mapping_kind", string, f->ksm ? "ksm" : f->anon ? "anon" : f->mapping ? "file" : "none");
	FS_JSONB_KV(&j, &o, "index", uint, f->index);
	FS_JSONB_KV(&j, &o, "flags", string, flags);
	FS_JSONB_KV(&j, &o, "anon_exclusive", bool, f->anon_exclusive);
	fs_jsonb_end_object(&j, &o);
	fs_jsonb_newline(&j, &o);
	fs_outbuf_flush(&o);
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
static void pgmap_fields(struct fs_json *j, struct fs_outbuf *o, const struct fs_pgmap *pm)
{
	FS_JSONB_KV(j, o, "pgmap", hex, pm->addr);
	FS_JSONB_KV(j, o, "type", string, pm->type_name);
	FS_JSONB_KV(j, o, "owner", hex, pm->owner);
	FS_JSONB_KV(j, o, "ops", hex, pm->ops);
	FS_JSONB_KEY(j, o, "ranges");
	fs_jsonb_begin_array(j, o);
	for (int r = 0; r < pm->nr_range; r++) {
		fs_jsonb_begin_object(j, o);
		FS_JSONB_KV(j, o, "start_pfn", uint, pm->range[r].start >> 12);
		FS_JSONB_KV(j, o, "end_pfn", uint, pm->range[r].end >> 12);
		fs_jsonb_end_object(j, o);
	}
	fs_jsonb_end_array(j, o);
	if (pm->ref_err[0]) {
		FS_JSONB_KV(j, o, "ref_error", string, pm->ref_err);
	} else {
		FS_JSONB_KV(j, o, "ref", int, pm->ref.value);
		FS_JSONB_KV(j, o, "ref_mode", string, fs_ref_mode_name(pm->ref.mode));
	}
}

void fs_report_pgmap(FILE *out, const struct fs_pgmap *pm, bool json)
{
	if (json) {
		char buf[4096];
		struct fs_outbuf o;
		struct fs_json j;
		fs_outbuf_init(&o, out, buf, sizeof(buf));
		fs_json_init(&j, out, false);
		fs_jsonb_begin_object(&j, &o);
		pgmap_fields(&j, &o, pm);
		fs_jsonb_end_object(&j, &o);
		fs_jsonb_newline(&j, &o);
		fs_outbuf_flush(&o);
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

static void json_finding(struct fs_json *j, struct fs_outbuf *o, const struct fs_finding *f)
{
	fs_jsonb_begin_object(j, o);
	FS_JSONB_KV(j, o, "id", string, f->id);
	FS_JSONB_KV(j, o, "severity", string, fs_severity_name(f->severity));
	FS_JSONB_KV(j, o, "title", string, f->title);
	FS_JSONB_KV(j, o, "subject", string, f->subject);
	if (f->pfn)
		FS_JSONB_KV(j, o, "pfn", uint, f->pfn);
	FS_JSONB_KV(j, o, "evidence", string, f->evidence);
	FS_JSONB_KV(j, o, "next", string, f->next);
	if (f->bug)
		FS_JSONB_KV(j, o, "bug_class", string, f->bug);
	if (f->transient)
		FS_JSONB_KV(j, o, "transient", bool, true);
	fs_jsonb_end_object(j, o);
}

static bool show_folio(const struct fs_scan_folio *sf, bool verbose)
{
	return sf->f.zone_device && (verbose || sf->pte_maps || sf->pmd_maps || sf->f.folio_mapcount > 0);
}

void fs_report_scan_json(FILE *out, const struct fs_scan *s, const struct fs_profile *p, bool verbose)
{
	char desc[1024], buf[FS_OUTBUF_SIZE];
	struct fs_outbuf o;
	struct fs_json j;

	fs_profile_describe(p, desc, sizeof(desc));
	fs_outbuf_init(&o, out, buf, sizeof(buf));
	fs_json_init(&j, out, true);
	/* one line per pgmap, folio and entry: a large dump's document is a
	 * quarter smaller, and each record greps as one line; findings, few
	 * and read by people, keep a line per member */
	j.line_depth = 3;
	fs_jsonb_begin_object(&j, &o);
	FS_JSONB_KV(&j, &o, "schema", string, "folioscope-scan/1");
	FS_JSONB_KV(&j, &o, "profile", string, desc);
	FS_JSONB_KV(&j, &o, "osrelease", string, p->osrelease);
	FS_JSONB_KEY(&j, &o, "pgmaps");
	fs_jsonb_begin_array(&j, &o);
	for (int i = 0; i < s->pgmaps->n; i++) {
		const struct fs_pgmap *pm = &s->pgmaps->map[i];
		const struct fs_pgmap_stats *st = &s->stats[i];
		fs_jsonb_begin_object(&j, &o);
		pgmap_fields(&j, &o, pm);
		if (pm->is_private) {
			FS_JSONB_KV(&j, &o, "expected_ref", int, st->expected_ref);
			FS_JSONB_KV(&j, &o, "pages", uint, st->pages);
			FS_JSONB_KV(&j, &o, "allocated_pages", uint, st->allocated_pages);
			FS_JSONB_KV(&j, &o, "free_pages", uint, st->free_pages);
			FS_JSONB_KV(&j, &o, "folios", uint, st->folios);
			FS_JSONB_KV(&j, &o, "large_folios", uint, st->large_folios);
			FS_JSONB_KV(&j, &o, "mapped_folios", uint, st->mapped_folios);
		}
		fs_jsonb_end_object(&j, &o);
	}
	fs_jsonb_end_array(&j, &o);
	FS_JSONB_KEY(&j, &o, "folios");
	fs_jsonb_begin_array(&j, &o);
	for (size_t i = 0; i < s->nfolios; i++) {
		const struct fs_scan_folio *sf = &s->folios[i];
		if (!show_folio(sf, verbose))
			continue;
		fs_jsonb_begin_object(&j, &o);
		FS_JSONB_KV(&j, &o, "pfn", uint, sf->f.head_pfn);
		FS_JSONB_KV(&j, &o, "folio", hex, sf->f.head_page);
		FS_JSONB_KV(&j, &o, "order", int, sf->f.order);
		FS_JSONB_KV(&j, &o, "pgmap", hex, sf->pgmap);
		FS_JSONB_KV(&j, &o, "refcount", int, sf->f.refcount);
		FS_JSONB_KV(&j, &o, "mapcount", int, sf->f.folio_mapcount);
		if (sf->f.has_large)
			FS_JSONB_KV(&j, &o, "entire_mapcount", int, sf->f.entire_mapcount);
		FS_JSONB_KV(&j, &o, "pte_entries", int, sf->pte_maps);
		FS_JSONB_KV(&j, &o, "pmd_entries", int, sf->pmd_maps);
		FS_JSONB_KV(&j, &o, "mms", int, sf->nmm);
		if (sf->rmap_done) {
			if (sf->rmap_err)
				FS_JSONB_KV(&j, &o, "rmap_error", string, sf->rmap_err);
			else
				FS_JSONB_KV(&j, &o, "rmap_entries", int, sf->rmap_found);
		}
		fs_jsonb_end_object(&j, &o);
	}
	fs_jsonb_end_array(&j, &o);
	FS_JSONB_KEY(&j, &o, "entries");
	fs_jsonb_begin_array(&j, &o);
	/* the walk goes process by process: an entry's pid, comm and mm are
	 * the last entry's, written once and then copied */
	char who[512];
	size_t wholen = 0;
	const struct fs_mapping *whom = NULL;
	for (size_t i = 0; i < s->nmaps; i++) {
		const struct fs_mapping *m = &s->maps[i];
		fs_jsonb_begin_object(&j, &o);
		if (!whom || m->mmi != whom->mmi) {
			const struct fs_scan_mm *owner = fs_scan_map_owner(s, m);
			struct fs_json jw = j;
			struct fs_outbuf w;
			fs_outbuf_init(&w, NULL, who, sizeof(who));
			FS_JSONB_KV(&jw, &w, "pid", int, owner->pid);
			FS_JSONB_KV(&jw, &w, "comm", string, owner->comm);
			FS_JSONB_KV(&jw, &w, "mm", hex, owner->mm);
			wholen = (size_t)(w.p - who);	/* a 16-byte comm escaped: < 200 */
			whom = m;
		}
		fs_outbuf_write(&o, who, wholen);
		j.need_comma[j.depth] = true;
		FS_JSONB_KV(&j, &o, "vaddr", hex, m->vaddr);
		entry_json(&j, &o, &m->e);
		if (m->folio >= 0)
			FS_JSONB_KV(&j, &o, "folio_pfn", uint, s->folios[m->folio].f.head_pfn);
		FS_JSONB_KV(&j, &o, "seen_by_rmap", bool, fs_scan_map_seen(s, i));
		fs_jsonb_end_object(&j, &o);
	}
	fs_jsonb_end_array(&j, &o);
	j.line_depth = 0;
	FS_JSONB_KEY(&j, &o, "findings");
	fs_jsonb_begin_array(&j, &o);
	for (size_t i = 0; i < s->nfindings; i++)
		json_finding(&j, &o, &s->findings[i]);
	fs_jsonb_end_array(&j, &o);
	FS_JSONB_KEY(&j, &o, "stuck_tasks");
	fs_jsonb_begin_array(&j, &o);
	for (size_t i = 0; i < s->nstuck; i++) {
		const struct fs_stuck *st = &s->stuck[i];
		fs_jsonb_begin_object(&j, &o);
		FS_JSONB_KV(&j, &o, "pid", int, st->pid);
		FS_JSONB_KV(&j, &o, "comm", string, st->comm);
		FS_JSONB_KV(&j, &o, "waits_in", string, st->fn);
		FS_JSONB_KV(&j, &o, "return_address", hex, st->ret);
		if (st->pgmap)
			FS_JSONB_KV(&j, &o, "pgmap", hex, st->pgmap);
		fs_jsonb_end_object(&j, &o);
	}
	fs_jsonb_end_array(&j, &o);
	FS_JSONB_KEY(&j, &o, "errors");
	fs_jsonb_begin_array(&j, &o);
	for (size_t i = 0; i < s->nerrors; i++)
		fs_jsonb_string(&j, &o, s->errors[i]);
	fs_jsonb_end_array(&j, &o);
	FS_JSONB_KEY(&j, &o, "coverage");
	fs_jsonb_begin_object(&j, &o);
	FS_JSONB_KV(&j, &o, "tasks", uint, s->ntasks);
	FS_JSONB_KV(&j, &o, "mms", uint, s->nmms);
	FS_JSONB_KV(&j, &o, "page_tables", uint, s->tables_read);
	FS_JSONB_KV(&j, &o, "entries_seen", uint, s->entries_seen);
	FS_JSONB_KV(&j, &o, "live", bool, s->live);
	FS_JSONB_KV(&j, &o, "second_read", bool, s->second_read);
	fs_jsonb_end_object(&j, &o);
	fs_jsonb_end_object(&j, &o);
	fs_jsonb_newline(&j, &o);
	fs_outbuf_flush(&o);
}

/* fs_escape_text() into the report's 80 bytes, written out. Task names
 * hardly ever need escaping: those are copied as they are. */
static void put_text(struct fs_outbuf *o, const char *s)
{
	char esc[80];
	size_t n = 0;

	while (s[n] && (unsigned char)s[n] >= 0x20 && (unsigned char)s[n] < 0x7f && s[n] != '\\')
		n++;
	if (!s[n] && n + 4 < sizeof(esc)) {	/* what fs_escape_text() keeps whole */
		fs_outbuf_write(o, s, n);
		return;
	}
	fs_escape_text(s, esc, sizeof(esc));
	fs_outbuf_puts(o, esc);
}

/* One folio's line: the numbers, then its first mappings (all with verbose).
 * The printf formats are given next to the code that replaces them. */
static void folio_line(struct fs_outbuf *o, const struct fs_scan *s, size_t i, bool verbose)
{
	const struct fs_scan_folio *sf = &s->folios[i];
	const struct fs_mapping *m;
	int shown = 0;

	/* "%-11" PRIx64 " %5d %4d %8d %4d %4d %4d %6s  ": 8 fields of at most
	 * 20 bytes, with their spaces */
	char *p = fs_outbuf_room(o, 8 * (FS_FMT_MAX + 1) + 2);
	p = fs_fmt_hex_field(p, sf->f.head_pfn, -11);
	*p++ = ' ';
	p = fs_fmt_i64_field(p, sf->f.order, 5);
	*p++ = ' ';
	p = fs_fmt_i64_field(p, sf->f.refcount, 4);
	*p++ = ' ';
	p = fs_fmt_i64_field(p, sf->f.folio_mapcount, 8);
	*p++ = ' ';
	p = fs_fmt_i64_field(p, sf->pte_maps, 4);
	*p++ = ' ';
	p = fs_fmt_i64_field(p, sf->pmd_maps, 4);
	*p++ = ' ';
	p = fs_fmt_i64_field(p, sf->nmm, 4);
	*p++ = ' ';
	if (!sf->rmap_done)
		p = fs_fmt_field(p, "-", 1, 6);
	else if (sf->rmap_err)
		p = fs_fmt_field(p, "error", 5, 6);
	else
		p = fs_fmt_i64_field(p, sf->rmap_found, 6);
	*p++ = ' ';
	*p++ = ' ';
	o->p = p;
	for (size_t k = 0; (m = fs_scan_next_map(s, (int)i, &k));) {
		if (shown++ == 3 && !verbose) {
			fs_outbuf_write(o, ", ...", 5);
			break;
		}
		/* "%spid %d %s 0x%" PRIx64 " %s %s" */
		p = fs_outbuf_room(o, 2 + 4 + FS_FMT_MAX);
		if (shown > 1) {
			*p++ = ',';
			*p++ = ' ';
		}
		memcpy(p, "pid ", 4);
		const struct fs_scan_mm *owner = fs_scan_map_owner(s, m);
		o->p = fs_fmt_i64(p + 4, owner->pid);
		fs_outbuf_putc(o, ' ');
		put_text(o, owner->comm);
		p = fs_outbuf_room(o, 3 + FS_FMT_MAX);
		memcpy(p, " 0x", 3);
		p = fs_fmt_hex(p + 3, m->vaddr);
		*p++ = ' ';
		o->p = p;
		fs_outbuf_puts(o, fs_level_name(m->e.level));
		fs_outbuf_putc(o, ' ');
		fs_outbuf_puts(o, fs_entry_kind_name(m->e.kind));
	}
	fs_outbuf_putc(o, '\n');
}

void fs_report_scan_text(FILE *out, const struct fs_scan *s, const struct fs_profile *p, bool verbose, bool one_folio)
{
	char desc[1024], buf[FS_OUTBUF_SIZE];
	struct fs_outbuf o;
	size_t nerr = 0, nwarn = 0, ntransient = 0, mapped = 0, dev = 0;

	fs_outbuf_init(&o, out, buf, sizeof(buf));
	fs_profile_describe(p, desc, sizeof(desc));
	fs_outbuf_printf(&o, "profile: %s\n\n", desc);
	if (!one_folio && s->pgmaps->n) {
		fs_outbuf_printf(&o, "%-18s %-8s %-17s %6s %8s %7s %6s %9s %7s %6s\n", "PGMAP", "TYPE", "PFN RANGE", "REF",
				 "EXPECTED", "FOLIOS", "LARGE", "ALLOCATED", "FREE", "MAPPED");
		for (int i = 0; i < s->pgmaps->n; i++) {
			const struct fs_pgmap *pm = &s->pgmaps->map[i];
			const struct fs_pgmap_stats *st = &s->stats[i];
			char range[40];
			snprintf(range, sizeof(range), "%" PRIx64 "-%" PRIx64 "%s", pm->range[0].start >> 12,
				 pm->range[0].end >> 12, pm->nr_range > 1 ? "+" : "");
			fs_outbuf_printf(&o, "%-18" PRIx64 " %-8s %-17s %6" PRId64 " %8" PRId64 " %7" PRIu64 " %6" PRIu64
					 " %9" PRIu64 " %7" PRIu64 " %6" PRIu64 "\n", pm->addr, pm->type_name, range,
					 pm->ref.value, st->expected_ref, st->folios, st->large_folios,
					 st->allocated_pages, st->free_pages, st->mapped_folios);
		}
		fs_outbuf_putc(&o, '\n');
	}
	fs_outbuf_printf(&o, "%-11s %5s %4s %8s %4s %4s %4s %6s  %s\n", "FOLIO PFN", "ORDER", "REF", "MAPCOUNT", "PTE",
			 "PMD", "MMS", "RMAP", "ENTRIES");
	for (size_t i = 0; i < s->nfolios; i++) {
		const struct fs_scan_folio *sf = &s->folios[i];
		/* a few folios ahead: what folio_line() reads of their maps
		 * (3.3 ms of the large dump's 62 ms text scan) */
		fs_scan_prefetch_maps(s, i + 6, verbose || one_folio ? 16 : 4);
		if (sf->f.zone_device)
			dev++;
		if (!show_folio(sf, verbose || one_folio))
			continue;
		mapped++;
		folio_line(&o, s, i, verbose);
		if (sf->rmap_err && (verbose || one_folio))
			fs_outbuf_printf(&o, "            rmap: %s\n", sf->rmap_err);
	}
	fs_outbuf_putc(&o, '\n');
	for (size_t i = 0; i < s->nfindings; i++) {
		const struct fs_finding *f = &s->findings[i];
		if (f->transient)
			ntransient++;
		else if (f->severity == FS_SEV_ERROR)
			nerr++;
		else if (f->severity == FS_SEV_WARNING)
			nwarn++;
		fs_outbuf_printf(&o, "[%s] %s %s: %s%s\n", f->severity == FS_SEV_ERROR ? "ERROR" :
				 f->severity == FS_SEV_WARNING ? "WARN" : "INFO", f->id, f->subject, f->title,
				 f->transient ? " (transient: gone on a second read of the live kernel)" : "");
		fs_outbuf_printf(&o, "    evidence: %s\n", f->evidence);
		fs_outbuf_printf(&o, "    next: %s\n", f->next);
		if (f->bug)
			fs_outbuf_printf(&o, "    bug class: %s\n", f->bug);
	}
	for (size_t i = 0; i < s->nerrors; i++)
		fs_outbuf_printf(&o, "[UNREAD] %s\n", s->errors[i]);
	fs_outbuf_printf(&o, "summary: %d pgmap%s, %zu device folio%s (%zu shown), %zu entries in %u mm%s of %u tasks; "
			 "%zu error%s, %zu warning%s%s%s\n", s->pgmaps->n, s->pgmaps->n == 1 ? "" : "s", dev,
			 dev == 1 ? "" : "s", mapped, s->nmaps, s->nmms, s->nmms == 1 ? "" : "s", s->ntasks, nerr,
			 nerr == 1 ? "" : "s", nwarn, nwarn == 1 ? "" : "s", !s->live ? "" : !s->second_read ?
			 " (live)" : ntransient ? " (live; transient findings not counted)" :
			 " (live; confirmed by a second read)",
			 s->nerrors ? "; some state could not be read (UNREAD above)" : "");
	fs_outbuf_flush(&o);
}
