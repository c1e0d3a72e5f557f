/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * help.h - crash `help` pages of the folioscope commands: name, one-line
 * summary, synopsis, description and a real example (from the 7.2 lab dump
 * 7.2 thp-device-shared, tests/vmcore). Included once, by folioscope.c.
 */
static char *help_swapent[] = {
	"swapent",
	"decode page-table entries (device-private, migration, exclusive...)",
	"[-m] value ...",
	"  Decodes raw PTE values (PMD values with -m) the way this kernel encodes",
	"  them: none, present, swap slot, migration (read, read-exclusive, write,",
	"  with young/dirty), device-private read/write, device-exclusive, hwpoison,",
	"  PTE markers; type, offset, PFN and flag bits. crash's vtop stops at such",
	"  entries (\"cannot determine swap location\"); swapent decodes them.",
	"  The swap-type table follows the kernel's version and config (IKCONFIG or",
	"  debug-info probes).",
	"",
	"    -m  decode the values as PMD entries",
	"\nEXAMPLE",
	"  A PMD-level device-private entry of a device THP shared after fork:\n",
	"    %s> swapent -m efffffe06403fe02",
	"    LEVEL RAW                KIND                     TYPE  OFFSET/PFN             FLAGS",
	"    pmd   0xefffffe06403fe02 device-private-read        29  pfn 0xfcdfe00          soft-dirty",
	NULL
};

static char *help_folio[] = {
	"folio",
	"a page and its folio: order, zone, pgmap, refcount, mapcounts",
	"[-j] page | physaddr | -p pfn | -u pid vaddr",
	"  Shows the folio holding a page: head, order, zone (ZONE_DEVICE or not),",
	"  the dev_pagemap, the reference count and every mapcount this kernel",
	"  keeps (_mapcount, _large_mapcount, _entire_mapcount, _nr_pages_mapped,",
	"  _pincount, _mm_ids), mapping, index and the flags that matter.",
	"",
	"    page      a struct page address (vmemmap)",
	"    physaddr  a physical address",
	"    -p pfn    a page frame number",
	"    -u pid vaddr  the page mapped at a user address (device-private",
	"              entries included)",
	"    -j        JSON",
	"\nEXAMPLE",
	"    %s> folio -p fcdfe00",
	"    PFN 0xfcdfe00  PAGE 0xffffea03f37f8000",
	"      folio 0xffffea03f37f8000 (head pfn 0xfcdfe00), order 9, 512 pages, zone 3 (ZONE_DEVICE)",
	"      pgmap 0xffff888001cccf00",
	"      refcount 2  mapcount 2 (page 0)",
	"      large_mapcount 2  entire_mapcount 2  nr_pages_mapped 0+ENTIRELY_MAPPED  pincount 0  mm_ids 0x8000000300000004",
	"      mapping 0xffff888001cad1e1 (anon)  index 0x100000000  flags head,reserved",
	NULL
};

static char *help_frmap[] = {
	"frmap",
	"who maps a folio: page-table entries and the reverse map",
	"[-v] [-j] page | physaddr | -p pfn | -u pid vaddr",
	"  Walks every process's page tables for entries that map the folio (PTE",
	"  and PMD, present, device-private, migration, device-exclusive) and its",
	"  anon_vma tree for the VMAs that should, then runs the folio checks.",
	"  Entries the reverse map cannot reach are findings (FS-RMAP-INVISIBLE).",
	"\nEXAMPLE",
	"    %s> frmap -p fcdfe00",
	"    FOLIO PFN   ORDER  REF MAPCOUNT  PTE  PMD  MMS   RMAP  ENTRIES",
	"    fcdfe00         9    2        2    0    2    2      2  pid 38 hmmscen 0x100000000000 pmd device-private-read, pid 39 hmm-child 0x100000000000 pmd device-private-read",
	NULL
};

static char *help_pgmap[] = {
	"pgmap",
	"ZONE_DEVICE page maps and their reference counts",
	"[-j] [address]",
	"  Lists every struct dev_pagemap (found through the memory sections) or",
	"  the one at address: type, owner, PFN ranges and the value of its",
	"  percpu_ref (per-CPU counters summed; atomic and dead modes handled).",
	"\nEXAMPLE",
	"    %s> pgmap",
	"    PGMAP              TYPE     OWNER              PFN RANGES  REF",
	"    ffff888001cccf00   private  ffffffff819ebdc0   fcd0000-fcdffff  513 (percpu)",
	NULL
};

static char *help_fcheck[] = {
	"fcheck",
	"run the folioscope checks on one folio (or the whole dump)",
	"[-v] [-j] [page | physaddr | -p pfn | -u pid vaddr]",
	"  The checks of docs/checks.md for one folio; without an argument, fscan.",
	"\nEXAMPLE",
	"    %s> fcheck -p fcdfe00",
	NULL
};

static char *help_fscan[] = {
	"fscan",
	"scan every device-private pgmap, folio and mapping; run all checks",
	"[-v] [-j]",
	"  Reads every MEMORY_DEVICE_PRIVATE pgmap's struct pages, walks every",
	"  process's page tables once and the reverse map of each mapped device",
	"  folio, and reports findings with stable IDs (same IDs and evidence as",
	"  the folioscope command-line tool).",
	"",
	"    -v  list every device folio",
	"    -j  one JSON document (the CLI's schema)",
	"\nEXAMPLE",
	"    %s> fscan",
	"    PGMAP              TYPE     PFN RANGE            REF EXPECTED  FOLIOS  LARGE ALLOCATED    FREE MAPPED",
	"    ffff888001c8ef00   private  fcd0000-fcdffff      513      513       1      1       512   65024      1",
	"    ...",
	"    summary: 3 pgmaps, 1 device folio (1 shown), 2 entries in 3 mms of 40 tasks; 0 errors, 0 warnings",
	NULL
};
