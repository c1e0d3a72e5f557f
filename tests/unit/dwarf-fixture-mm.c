/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dwarf-fixture-mm.c - the fixture programs' second compilation unit: the
 * two names the DWARF index looks for first in the unit of a function
 * that uses them (src/kdump/dwarf-index.c unit_hints[]), found through
 * .debug_aranges. Only this unit defines them, and it is linked after
 * dwarf-fixture.c, so a plain walk would have to index that unit first.
 */
enum zone_type {
	ZONE_NORMAL,
	ZONE_MOVABLE,
	ZONE_DEVICE,
	__MAX_NR_ZONES
};

struct anon_vma_chain {
	void *vma;
	void *anon_vma;
	unsigned long rb_subtree_last;
};

int get_page_from_freelist(enum zone_type highest);
int anon_vma_clone(struct anon_vma_chain *avc);

int get_page_from_freelist(enum zone_type highest)
{
	return highest == __MAX_NR_ZONES;
}

int anon_vma_clone(struct anon_vma_chain *avc)
{
	return avc->anon_vma != 0;
}
