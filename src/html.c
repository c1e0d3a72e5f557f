// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * html.c - `folioscope scan --html FILE`: one self-contained page (no
 * network, no external assets): summary, findings with evidence and next
 * steps, an occupancy map per device-private pgmap (free / allocated /
 * mapped / suspicious along its PFN range) and the mappings of every folio
 * with a finding (process -> address -> PMD/PTE entry). Every string from
 * the dump is HTML-escaped.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "folioscope/report.h"

static void esc(FILE *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default:
			if (*p < 0x20 || *p >= 0x7f)
				fprintf(out, "&#%u;", *p < 0x20 ? 0xfffdu : *p);
			else
				fputc(*p, out);
		}
	}
}

static const char css[] =
	"body{font-family:sans-serif;margin:1.5em;color:#222}h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}"
	"table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:.9em;text-align:left}"
	"code{font-size:.9em}.finding{border-left:5px solid #c33;padding:.3em .8em;margin:.6em 0;background:#fdf3f3}"
	".finding.warning{border-color:#d90;background:#fff8e6}.finding.info{border-color:#39c;background:#eef6fb}"
	".map{display:flex;flex-wrap:wrap;width:min(100%,1024px);gap:1px;margin:.4em 0}.c{width:7px;height:7px}"
	".c0{background:#e6e6e6}.c1{background:#8fb8de}.c2{background:#2e7d32}.c3{background:#d32f2f}"
	".legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}.ok{color:#2e7d32}";

static void findings_html(FILE *out, const struct fs_scan *s)
{
	fputs("<h2>Findings</h2>\n", out);
	if (!s->nfindings)
		fputs("<p class=\"ok\" id=\"no-findings\">No findings: every checked invariant holds.</p>\n", out);
	for (size_t i = 0; i < s->nfindings; i++) {
		const struct fs_finding *f = &s->findings[i];
		fprintf(out, "<div class=\"finding %s\" data-id=\"%s\"><b>%s</b> %s &mdash; ", fs_severity_name(f->severity),
			f->id, f->id, fs_severity_name(f->severity));
		esc(out, f->subject);
		fputs(": ", out);
		esc(out, f->title);
		if (f->transient)
			fputs(" <i class=\"transient\">(transient: gone on a second read of the live kernel)</i>", out);
		fputs("<br><b>evidence:</b> ", out);
		esc(out, f->evidence);
		fputs("<br><b>next:</b> ", out);
		esc(out, f->next);
		if (f->bug) {
			fputs("<br><b>bug class:</b> ", out);
			esc(out, f->bug);
		}
		fputs("</div>\n", out);
	}
}

static void maps_html(FILE *out, const struct fs_scan *s)
{
	fputs("<h2>Device-private page maps</h2>\n<p class=\"legend\">"
	      "<span class=\"c0\"></span>free<span class=\"c1\"></span>allocated<span class=\"c2\"></span>mapped"
	      "<span class=\"c3\"></span>suspicious</p>\n", out);
	for (int i = 0; i < s->pgmaps->n; i++) {
		const struct fs_pgmap *pm = &s->pgmaps->map[i];
		const struct fs_pgmap_stats *st = &s->stats[i];
		if (!pm->is_private)
			continue;
		fprintf(out, "<h3>pgmap <code>0x%" PRIx64 "</code></h3>\n<p>PFNs <code>%" PRIx64 "-%" PRIx64 "</code>%s; "
			"reference count %" PRId64 " (%s), expected %" PRId64 "; %" PRIu64 " folios (%" PRIu64
			" large), %" PRIu64 " allocated and %" PRIu64 " free pages, %" PRIu64 " mapped folios; one cell = %"
			PRIu64 " page%s</p>\n", pm->addr, pm->range[0].start >> 12, pm->range[0].end >> 12,
			pm->nr_range > 1 ? " (+ more ranges)" : "", pm->ref.value, fs_ref_mode_name(pm->ref.mode),
			st->expected_ref, st->folios, st->large_folios, st->allocated_pages, st->free_pages,
			st->mapped_folios, st->pages_per_cell, st->pages_per_cell == 1 ? "" : "s");
		fprintf(out, "<div class=\"map\" data-pgmap=\"0x%" PRIx64 "\">", pm->addr);
		for (uint32_t c = 0; c < st->ncells; c++)
			fprintf(out, "<div class=\"c c%u\"></div>", st->cells ? st->cells[c] : 0);
		fputs("</div>\n", out);
	}
}

static void folios_html(FILE *out, const struct fs_scan *s)
{
	bool any = false;

	for (size_t i = 0; i < s->nfolios; i++) {
		const struct fs_scan_folio *sf = &s->folios[i];
		bool suspicious = false;
		for (size_t k = 0; k < s->nfindings; k++)
			suspicious |= s->findings[k].pfn == sf->f.head_pfn;
		if (!suspicious)
			continue;
		if (!any)
			fputs("<h2>Suspicious folios and their mappings</h2>\n", out);
		any = true;
		fprintf(out, "<h3 class=\"folio\">folio pfn <code>0x%" PRIx64 "</code></h3>\n<p>order %d, refcount %d, "
			"mapcount %d%s; %d PTE + %d PMD entries in %d process%s; reverse map reached %d</p>\n",
			sf->f.head_pfn, sf->f.order, sf->f.refcount, sf->f.folio_mapcount,
			sf->f.has_large ? "" : " (small)", sf->pte_maps, sf->pmd_maps, sf->nmm, sf->nmm == 1 ? "" : "es",
			sf->rmap_found);
		fputs("<table><tr><th>process</th><th>address</th><th>level</th><th>entry</th><th>kind</th>"
		      "<th>rmap</th></tr>\n", out);
		int rows = 0;
		const struct fs_mapping *m;
		for (size_t k = 0; rows < 64 && (m = fs_scan_next_map(s, (int)i, &k));) {
			rows++;
			fprintf(out, "<tr><td>%d ", fs_scan_map_owner(s, m)->pid);
			esc(out, fs_scan_map_owner(s, m)->comm);
			fprintf(out, "</td><td><code>0x%" PRIx64 "</code></td><td>%s</td><td><code>0x%016" PRIx64
				"</code></td><td>%s</td><td>%s</td></tr>\n", m->vaddr, fs_level_name(m->e.level), m->e.raw,
				fs_entry_kind_name(m->e.kind), fs_scan_map_seen(s, (size_t)(m - s->maps)) ? "yes" : "<b>no</b>");
		}
		fputs("</table>\n", out);
	}
}

void fs_report_scan_html(FILE *out, const struct fs_scan *s, const struct fs_profile *p)
{
	char desc[1024];
	size_t nerr = 0, nwarn = 0;

	for (size_t i = 0; i < s->nfindings; i++) {
		nerr += s->findings[i].severity == FS_SEV_ERROR && !s->findings[i].transient;
		nwarn += s->findings[i].severity == FS_SEV_WARNING && !s->findings[i].transient;
	}
	fs_profile_describe(p, desc, sizeof(desc));
	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
		"<title>folioscope scan: %s</title><style>%s</style></head><body>\n", "report", css);
	fputs("<h1>folioscope scan</h1>\n<p><b>kernel:</b> ", out);
	esc(out, desc);
	fprintf(out, "</p>\n<p id=\"summary\">%d pgmaps, %zu folios, %zu page-table entries in %u processes; "
		"<b>%zu errors, %zu warnings</b>%s</p>\n", s->pgmaps->n, s->nfolios, s->nmaps, s->nmms, nerr, nwarn,
		s->nerrors ? "; some state could not be read (below)" : "");
	findings_html(out, s);
	maps_html(out, s);
	folios_html(out, s);
	if (s->nerrors) {
		fputs("<h2>Could not read</h2>\n<ul>\n", out);
		for (size_t i = 0; i < s->nerrors; i++) {
			fputs("<li>", out);
			esc(out, s->errors[i]);
			fputs("</li>\n", out);
		}
		fputs("</ul>\n", out);
	}
	fputs("</body></html>\n", out);
}
