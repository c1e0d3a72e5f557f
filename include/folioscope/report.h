/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report.h - output formats shared by the CLI and the crash extension. */
#ifndef FOLIOSCOPE_REPORT_H
#define FOLIOSCOPE_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "folioscope/folio.h"
#include "folioscope/json.h"
#include "folioscope/pgmap.h"
#include "folioscope/scan.h"
#include "folioscope/swapent.h"

void fs_report_entry_header(FILE *out);
void fs_report_entry_text(FILE *out, const struct fs_entry *e);
/* The entry's fields inside an open JSON object. */
void fs_report_entry_json(struct fs_json *j, const struct fs_entry *e);

void fs_report_folio_text(FILE *out, const struct fs_mm *mm, const struct fs_folio *f);
void fs_report_folio_json(FILE *out, const struct fs_mm *mm, const struct fs_folio *f);

void fs_report_pgmap_header(FILE *out);
void fs_report_pgmap(FILE *out, const struct fs_pgmap *pm, bool json);

/* one_folio: the view of `check PFN` / `rmap PFN` (no pgmap table). */
void fs_report_scan_text(FILE *out, const struct fs_scan *s, const struct fs_profile *p, bool verbose, bool one_folio);
void fs_report_scan_json(FILE *out, const struct fs_scan *s, const struct fs_profile *p, bool verbose);
/* One self-contained HTML page (src/html.c). */
void fs_report_scan_html(FILE *out, const struct fs_scan *s, const struct fs_profile *p);
/* Folio fi's mappings and reverse map as a Graphviz digraph (dot.c). */
void fs_report_rmap_dot(FILE *out, const struct fs_scan *s, int fi);

#endif
