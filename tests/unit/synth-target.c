// SPDX-License-Identifier: GPL-2.0-or-later
/* synth-target.c - synthetic fs_target for unit tests (synth-target.h). */
#include <stdlib.h>
#include <string.h>

#include "synth-target.h"

#define MAXN 256

struct kv { char name[96]; char member[96]; uint64_t a, b; int64_t v; };
struct page { uint64_t pa; unsigned char data[4096]; };
struct map { uint64_t va, pa, len; };

struct synth {
	struct fs_target t;
	struct page *pages; size_t npages, cappages;
	struct map maps[MAXN]; int nmaps;
	struct map blocked[MAXN]; int nblocked;
	struct kv syms[MAXN]; int nsyms;
	struct kv members[MAXN]; int nmembers;
	struct kv types[MAXN]; int ntypes;
	struct kv enums[MAXN]; int nenums;
	struct kv arrays[MAXN]; int narrays;
	char *vmcoreinfo;
};

struct synth *synth_of(struct fs_target *t) { return (struct synth *)t; }

static struct page *find_page(struct synth *s, uint64_t pa, int create)
{
	uint64_t base = pa & ~4095ULL;
	for (size_t i = 0; i < s->npages; i++)
		if (s->pages[i].pa == base)
			return &s->pages[i];
	if (!create)
		return NULL;
	if (s->npages == s->cappages) {	/* doubling: a kernel image is hundreds of pages */
		s->cappages = s->cappages ? 2 * s->cappages : 64;
		s->pages = realloc(s->pages, s->cappages * sizeof(*s->pages));
	}
	memset(&s->pages[s->npages], 0, sizeof(*s->pages));
	s->pages[s->npages].pa = base;
	return &s->pages[s->npages++];
}

static int kva_to_pa(struct synth *s, uint64_t va, uint64_t *pa)
{
	for (int i = 0; i < s->nblocked; i++)
		if (va >= s->blocked[i].va && va - s->blocked[i].va < s->blocked[i].len)
			return -1;
	for (int i = 0; i < s->nmaps; i++)
		if (va >= s->maps[i].va && va - s->maps[i].va < s->maps[i].len) {
			*pa = s->maps[i].pa + (va - s->maps[i].va);
			return 0;
		}
	return -1;
}

static int s_read(struct fs_target *t, enum fs_addrspace as, uint64_t addr, void *buf, size_t len)
{
	struct synth *s = synth_of(t);
	unsigned char *out = buf;

	while (len) {
		uint64_t pa = addr;
		size_t chunk = 4096 - (addr & 4095);
		struct page *pg;

		if (chunk > len)
			chunk = len;
		if (as == FS_KVADDR && kva_to_pa(s, addr, &pa))
			return fs_target_fail(t, "synthetic: virtual 0x%llx not mapped", (unsigned long long)addr);
		pg = find_page(s, pa, 0);
		if (!pg)
			return fs_target_fail(t, "synthetic: physical 0x%llx not present", (unsigned long long)pa);
		memcpy(out, pg->data + (pa & 4095), chunk);
		out += chunk;
		addr += chunk;
		len -= chunk;
	}
	return 0;
}

static struct kv *lookup(struct kv *tab, int n, const char *name, const char *member)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(tab[i].name, name) && (!member || !strcmp(tab[i].member, member)))
			return &tab[i];
	return NULL;
}

static int s_symbol(struct fs_target *t, const char *name, uint64_t *addr)
{
	struct synth *s = synth_of(t);
	struct kv *k = lookup(s->syms, s->nsyms, name, NULL);
	if (!k)
		return fs_target_fail(t, "no symbol %s", name);
	*addr = k->a;
	return 0;
}

static int s_symbol_size(struct fs_target *t, const char *name, uint64_t *size)
{
	struct synth *s = synth_of(t);
	struct kv *k = lookup(s->syms, s->nsyms, name, NULL);
	if (!k || !k->b)
		return fs_target_fail(t, "no size for symbol %s", name);
	*size = k->b;
	return 0;
}

static int s_type_size(struct fs_target *t, const char *type, uint64_t *size)
{
	struct synth *s = synth_of(t);
	struct kv *k = lookup(s->types, s->ntypes, type, NULL);
	if (!k)
		return fs_target_fail(t, "no type %s", type);
	*size = k->a;
	return 0;
}

static int s_member(struct fs_target *t, const char *type, const char *member, struct fs_member *out)
{
	struct synth *s = synth_of(t);
	struct kv *k = lookup(s->members, s->nmembers, type, member);
	if (!k)
		return fs_target_fail(t, "%s has no member %s", type, member);
	out->offset = k->a;
	out->size = k->b;
	out->bit_offset = -1;
	out->bit_size = 0;
	return 0;
}

static int s_enum(struct fs_target *t, const char *name, int64_t *v)
{
	struct synth *s = synth_of(t);
	struct kv *k = lookup(s->enums, s->nenums, name, NULL);
	if (!k)
		return fs_target_fail(t, "no enumerator %s", name);
	*v = k->v;
	return 0;
}

static int s_array(struct fs_target *t, const char *name, uint64_t *len)
{
	struct synth *s = synth_of(t);
	struct kv *k = lookup(s->arrays, s->narrays, name, NULL);
	if (!k)
		return fs_target_fail(t, "no array %s", name);
	*len = k->a;
	return 0;
}

static const char *s_vmcoreinfo(struct fs_target *t) { return synth_of(t)->vmcoreinfo; }

static void s_close(struct fs_target *t)
{
	struct synth *s = synth_of(t);
	free(s->pages);
	free(s->vmcoreinfo);
	free(s);
}

static const struct fs_target_ops synth_ops = {
	.read = s_read, .symbol = s_symbol, .symbol_size = s_symbol_size, .type_size = s_type_size, .member = s_member,
	.enum_value = s_enum, .array_length = s_array, .vmcoreinfo = s_vmcoreinfo, .close = s_close,
};

struct fs_target *synth_new(void)
{
	struct synth *s = calloc(1, sizeof(*s));
	s->t.ops = &synth_ops;
	s->t.name = "synthetic";
	return &s->t;
}

void synth_map_kva(struct fs_target *t, uint64_t va, uint64_t pa, uint64_t len)
{
	struct synth *s = synth_of(t);
	s->maps[s->nmaps++] = (struct map){ va, pa, len };
}

void synth_block_kva(struct fs_target *t, uint64_t va, uint64_t len)
{
	struct synth *s = synth_of(t);
	s->blocked[s->nblocked++] = (struct map){ va, 0, len };
}

void synth_write_pa(struct fs_target *t, uint64_t pa, const void *buf, size_t len)
{
	const unsigned char *in = buf;
	while (len) {
		size_t chunk = 4096 - (pa & 4095);
		if (chunk > len)
			chunk = len;
		memcpy(find_page(synth_of(t), pa, 1)->data + (pa & 4095), in, chunk);
		in += chunk;
		pa += chunk;
		len -= chunk;
	}
}

void synth_write_pa_u64(struct fs_target *t, uint64_t pa, uint64_t v) { synth_write_pa(t, pa, &v, 8); }

void synth_write_kva(struct fs_target *t, uint64_t va, const void *buf, size_t len)
{
	uint64_t pa;
	struct synth *s = synth_of(t);
	for (int i = 0; i < s->nmaps; i++)
		if (va >= s->maps[i].va && va - s->maps[i].va < s->maps[i].len) {
			pa = s->maps[i].pa + (va - s->maps[i].va);
			synth_write_pa(t, pa, buf, len);
			return;
		}
	abort();	/* a test bug: writing where nothing is mapped */
}

void synth_write_kva_u64(struct fs_target *t, uint64_t va, uint64_t v) { synth_write_kva(t, va, &v, 8); }

static void add(struct kv *tab, int *n, const char *name, const char *member, uint64_t a, uint64_t b, int64_t v)
{
	struct kv *k = &tab[(*n)++];
	strncpy(k->name, name, sizeof(k->name) - 1);
	if (member)
		strncpy(k->member, member, sizeof(k->member) - 1);
	k->a = a;
	k->b = b;
	k->v = v;
}

void synth_add_symbol(struct fs_target *t, const char *name, uint64_t addr)
{ struct synth *s = synth_of(t); add(s->syms, &s->nsyms, name, NULL, addr, 0, 0); }
void synth_add_symbol_sized(struct fs_target *t, const char *name, uint64_t addr, uint64_t size)
{ struct synth *s = synth_of(t); add(s->syms, &s->nsyms, name, NULL, addr, size, 0); }
void synth_add_member(struct fs_target *t, const char *type, const char *member, uint64_t off, uint64_t size)
{ struct synth *s = synth_of(t); add(s->members, &s->nmembers, type, member, off, size, 0); }
void synth_add_type(struct fs_target *t, const char *type, uint64_t size)
{ struct synth *s = synth_of(t); add(s->types, &s->ntypes, type, NULL, size, 0, 0); }
void synth_add_enum(struct fs_target *t, const char *name, int64_t v)
{ struct synth *s = synth_of(t); add(s->enums, &s->nenums, name, NULL, 0, 0, v); }
void synth_add_array(struct fs_target *t, const char *name, uint64_t len)
{ struct synth *s = synth_of(t); add(s->arrays, &s->narrays, name, NULL, len, 0, 0); }
void synth_set_vmcoreinfo(struct fs_target *t, const char *text)
{ struct synth *s = synth_of(t); free(s->vmcoreinfo); s->vmcoreinfo = strdup(text); }
