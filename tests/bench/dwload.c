/*
 * dwload VMLINUX: the CLI's debug-info start-up on a vmlinux without a dump.
 *
 * Opens VMLINUX with the CLI's own DWARF index (src/kdump/dwarf-index.c,
 * lazy: nothing is read at open) and asks what a `folioscope scan` asks
 * before it reads memory: the layouts of struct page/folio/dev_pagemap/
 * task_struct/mm_struct/anon_vma members, a few enumerators and the symbols
 * it starts from. Prints the seconds for open and for the queries, and how
 * many of the queries the file answered (a distro kernel may lack a member
 * a newer kernel has; that is a miss, not an error).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dwarf-index.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *const sizes[] = {
	"struct page", "struct folio", "struct dev_pagemap", "struct task_struct", "struct mm_struct",
	"struct anon_vma", "struct vm_area_struct", "struct mem_section", "struct swap_info_struct",
};
static const char *const members[][2] = {
	{ "struct page", "flags" }, { "struct page", "_refcount" }, { "struct page", "_mapcount" },
	{ "struct page", "mapping" }, { "struct page", "compound_head" }, { "struct page", "index" },
	{ "struct folio", "_entire_mapcount" }, { "struct folio", "_large_mapcount" },
	{ "struct folio", "_nr_pages_mapped" }, { "struct folio", "_deferred_list" },
	{ "struct dev_pagemap", "type" }, { "struct dev_pagemap", "ref" }, { "struct dev_pagemap", "range" },
	{ "struct dev_pagemap", "owner" }, { "struct dev_pagemap", "ops" }, { "struct dev_pagemap", "nr_range" },
	{ "struct task_struct", "tasks" }, { "struct task_struct", "mm" }, { "struct task_struct", "pid" },
	{ "struct task_struct", "comm" }, { "struct task_struct", "__state" },
	{ "struct mm_struct", "pgd" }, { "struct anon_vma", "rb_root" }, { "struct anon_vma", "root" },
	{ "struct vm_area_struct", "vm_start" }, { "struct vm_area_struct", "vm_mm" },
	{ "struct uts_namespace", "name.release" }, { "struct percpu_ref", "percpu_count_ptr" },
};
/* the enumerators the engine asks for (src/folio.c, src/pgmap.c, src/profile.c) */
static const char *const enums[] = {
	"MEMORY_DEVICE_PRIVATE", "MEMORY_DEVICE_COHERENT", "MEMORY_DEVICE_FS_DAX", "MEMORY_DEVICE_GENERIC",
	"MEMORY_DEVICE_PCI_P2PDMA", "ZONE_DEVICE", "__MAX_NR_ZONES", "PG_head", "PG_locked", "PG_reserved",
	"PG_anon_exclusive", "PG_large_rmappable", "PG_hwpoison", "SECTION_HAS_MEM_MAP_BIT",
};
static const char *const symbols[] = {
	"init_task", "vmemmap_base", "page_offset_base", "swap_info", "mem_section", "pgmap_array",
	"init_uts_ns", "linux_banner",
};

int main(int argc, char **argv)
{
	char err[512];
	struct fs_dwidx *idx;
	double t0, t1, t2;
	int asked = 0, answered = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: dwload VMLINUX\n");
		return 2;
	}
	t0 = now();
	idx = fs_dwidx_open(argv[1], true, err, sizeof(err));
	if (!idx) {
		fprintf(stderr, "dwload: %s\n", err);
		return 2;
	}
	t1 = now();
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t v;

		asked++;
		answered += fs_dwidx_type_size(idx, sizes[i], &v) == 0;
	}
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		struct fs_member m;

		asked++;
		answered += fs_dwidx_member(idx, members[i][0], members[i][1], &m) == 0;
	}
	for (size_t i = 0; i < sizeof(enums) / sizeof(enums[0]); i++) {
		int64_t v;

		asked++;
		answered += fs_dwidx_enum_value(idx, enums[i], &v) == 0;
	}
	for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		uint64_t v;
		bool r;

		asked++;
		answered += fs_dwidx_symbol(idx, symbols[i], &v, &r) == 0;
	}
	t2 = now();
	printf("open=%.4f queries=%.4f total=%.4f asked=%d answered=%d osrelease=%s\n", t1 - t0, t2 - t1,
	       t2 - t0, asked, answered, fs_dwidx_osrelease(idx) ? fs_dwidx_osrelease(idx) : "?");
	fs_dwidx_close(idx);
	return 0;
}
