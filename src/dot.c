// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dot.c - the reverse map of one folio as a Graphviz graph
 * (`folioscope rmap --dot PFN`): the folio, every entry that maps it (from
 * the forward walk) under the process and mm that holds it, the anon_vma its
 * reverse map starts from, and the findings about it. An entry the reverse
 * map cannot reach is drawn red and dashed, which is what FS-RMAP-INVISIBLE
 * says in words.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "folioscope/report.h"

/* A DOT string literal: quotes and backslashes escaped, newlines as
 * DOT's \n, other control bytes (a crafted comm) dropped. */
static void dot_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n')
			fputs("\\n", out);
		else if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c >= 0x20 && c != 0x7f)
			fputc(c, out);
	}
	fputc('"', out);
}

void fs_report_rmap_dot(FILE *out, const struct fs_scan *s, int fi)
{
	const struct fs_scan_folio *sf = &s->folios[fi];
	const struct fs_folio *f = &sf->f;
	const struct fs_mapping *m;
	char label[512];
	uint64_t mms[64];
	size_t nmm = 0;

	fprintf(out, "digraph \"folio_%" PRIx64 "\" {\n\trankdir=LR;\n\tnode [shape=box, fontname=\"monospace\"];\n",
		f->head_pfn);
	snprintf(label, sizeof(label), "folio pfn 0x%" PRIx64 "\norder %d, refcount %d\nmapcount %d%s", f->head_pfn,
		 f->order, f->refcount, f->folio_mapcount, f->zone_device ? "\nZONE_DEVICE" : "");
	fprintf(out, "\tfolio [label=");
	dot_str(out, label);
	fprintf(out, ", style=filled, fillcolor=\"#8fb8de\"];\n");
	if (f->anon && f->mapping) {
		fprintf(out, "\tanon_vma [label=\"anon_vma 0x%" PRIx64 "\\nrmap reached %d\", shape=ellipse];\n",
			f->mapping & ~s->mm.mapping_flags, sf->rmap_found);
		fprintf(out, "\tfolio -> anon_vma [label=\"mapping\", style=dotted];\n");
	}
	size_t n = 0, more = 0;
	for (size_t k = 0; (m = fs_scan_next_map(s, fi, &k)); n++) {
		size_t i;
		if (n >= 64) {	/* a graph, not a table: the rest are counted */
			more++;
			continue;
		}
		const struct fs_scan_mm *o = fs_scan_map_owner(s, m);
		for (i = 0; i < nmm && mms[i] != o->mm; i++)
			;
		if (i == nmm && nmm < sizeof(mms) / sizeof(mms[0])) {
			mms[nmm++] = o->mm;
			snprintf(label, sizeof(label), "pid %d %s\nmm 0x%" PRIx64, o->pid, o->comm, o->mm);
			fprintf(out, "\tmm_%zu [label=", i);
			dot_str(out, label);
			fprintf(out, ", shape=folder];\n");
		}
		snprintf(label, sizeof(label), "%s 0x%" PRIx64 "\n%s\n0x%016" PRIx64, fs_level_name(m->e.level),
			 m->vaddr, fs_entry_kind_name(m->e.kind), m->e.raw);
		fprintf(out, "\te_%zu [label=", n);
		dot_str(out, label);
		bool seen = fs_scan_map_seen(s, (size_t)(m - s->maps));
		fprintf(out, "%s];\n", seen ? "" : ", color=red, fontcolor=red");
		if (i < nmm)
			fprintf(out, "\tmm_%zu -> e_%zu;\n", i, n);
		fprintf(out, "\te_%zu -> folio%s;\n", n, seen ? "" : " [color=red, style=dashed, "
			"label=\"not reached by the rmap\"]");
	}
	if (more)
		fprintf(out, "\tmore [label=\"and %zu more entries\", shape=plaintext];\n\tmore -> folio;\n", more);
	n = 0;
	for (size_t i = 0; i < s->nfindings; i++) {
		const struct fs_finding *x = &s->findings[i];
		if (x->pfn != f->head_pfn)
			continue;
		/* the counts, up to the list of entries the graph shows anyway */
		int cut = (int)strcspn(x->evidence, ";");
		snprintf(label, sizeof(label), "%s\n%.*s", x->id, cut < 160 ? cut : 160, x->evidence);
		fprintf(out, "\tfinding_%zu [label=", n);
		dot_str(out, label);
		fprintf(out, ", shape=note, color=\"%s\"];\n\tfinding_%zu -> folio [style=dotted];\n",
			x->severity == FS_SEV_ERROR ? "#d32f2f" : "#f9a825", n);
		n++;
	}
	fputs("}\n", out);
}
