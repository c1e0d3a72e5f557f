// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * crash-target.c - the engine's fs_target over a crash session: readmem()
 * for kernel virtual and physical reads, symbol_value(), crash's
 * datatype_info() (MEMBER_OFFSET/STRUCT_SIZE), enumerator_value(),
 * get_array_length() and the VMCOREINFO lines crash read from the dump
 * (pc->read_vmcoreinfo). Per-CPU offsets come from the kernel's own
 * __per_cpu_offset[] (the engine's default): crash 8's kt->__per_cpu_offset
 * reads as zeros on 6.12 dumps.
 */
#include "defs.h"

#include "crash-target.h"

static int c_read(struct fs_target *t, enum fs_addrspace as, uint64_t addr, void *buf, size_t len)
{
	if (!readmem(addr, as == FS_PADDR ? PHYSADDR : KVADDR, buf, (long)len, "folioscope",
		     RETURN_ON_ERROR | QUIET))
		return fs_target_fail(t, "crash cannot read %zu bytes at %s 0x%llx", len,
				      as == FS_PADDR ? "physical" : "virtual", (unsigned long long)addr);
	return 0;
}

static int c_symbol(struct fs_target *t, const char *name, uint64_t *addr)
{
	if (!symbol_exists((char *)name))
		return fs_target_fail(t, "no symbol %s", name);
	*addr = symbol_value((char *)name);
	return 0;
}

/* crash keeps no symbol sizes: the distance to the next symbol. */
static int c_symbol_size(struct fs_target *t, const char *name, uint64_t *size)
{
	struct syment *sp = symbol_search((char *)name), *next;

	if (!sp)
		return fs_target_fail(t, "no symbol %s", name);
	next = next_symbol(NULL, sp);
	if (!next || next->value <= sp->value)
		return fs_target_fail(t, "cannot size symbol %s", name);
	*size = next->value - sp->value;
	return 0;
}

/* "struct page" -> ("page", struct); "union x" -> ("x", union) */
static const char *bare(const char *type, int *is_union)
{
	*is_union = 0;
	if (!strncmp(type, "struct ", 7))
		return type + 7;
	if (!strncmp(type, "union ", 6)) {
		*is_union = 1;
		return type + 6;
	}
	return type;
}

/*
 * crash answers type questions through gdb, each a symbol-table search
 * (gdb's look-up functions topped the profile of a session running fscan
 * repeatedly on the bench dump), and every scan asks the same ones. The
 * session's kernel does not change: answers, found or not, are kept.
 */
enum { TC_SIZE, TC_MEMBER, TC_ENUM };

struct tcache_ent {
	int kind;
	bool found;
	char key[112];	/* "type\0member" */
	struct fs_member m;	/* TC_SIZE: m.size; TC_ENUM: m.offset holds the value */
};

static struct tcache_ent tcache[256];
static unsigned int tcache_n;

static struct tcache_ent *tc_slot(int kind, const char *a, const char *b, bool *hit)
{
	size_t la = strlen(a), lb = b ? strlen(b) : 0;

	*hit = false;
	if (la + lb + 2 > sizeof(tcache[0].key))
		return NULL;
	for (unsigned int i = 0; i < tcache_n; i++)
		if (tcache[i].kind == kind && !strcmp(tcache[i].key, a) && !strcmp(tcache[i].key + la + 1, b ? b : "")) {
			*hit = true;
			return &tcache[i];
		}
	if (tcache_n == sizeof(tcache) / sizeof(tcache[0]))
		return NULL;
	memset(&tcache[tcache_n], 0, sizeof(tcache[0]));
	tcache[tcache_n].kind = kind;
	memcpy(tcache[tcache_n].key, a, la + 1);
	memcpy(tcache[tcache_n].key + la + 1, b ? b : "", lb + 1);
	return &tcache[tcache_n++];
}

static int c_type_size(struct fs_target *t, const char *type, uint64_t *size)
{
	int u;
	const char *b = bare(type, &u);
	bool hit;
	struct tcache_ent *c = tc_slot(TC_SIZE, type, NULL, &hit);
	long s;

	if (!hit) {
		s = u ? UNION_SIZE((char *)b) : STRUCT_SIZE((char *)b);
		if (c) {
			c->found = s >= 0;
			c->m.size = s >= 0 ? (uint64_t)s : 0;
		}
	} else {
		s = c->found ? (long)c->m.size : -1;
	}
	if (s < 0)
		return fs_target_fail(t, "crash knows no type %s", type);
	*size = (uint64_t)s;
	return 0;
}

static int c_member(struct fs_target *t, const char *type, const char *member, struct fs_member *out)
{
	int u;
	const char *b = bare(type, &u);
	bool hit;
	struct tcache_ent *c = tc_slot(TC_MEMBER, type, member, &hit);
	long off, size;

	if (hit) {
		if (!c->found)
			return fs_target_fail(t, "%s has no member %s (crash)", type, member);
		*out = c->m;
		return 0;
	}
	off = MEMBER_OFFSET((char *)b, (char *)member);
	if (off < 0) {
		if (c)
			c->found = false;
		return fs_target_fail(t, "%s has no member %s (crash)", type, member);
	}
	size = MEMBER_SIZE((char *)b, (char *)member);
	out->offset = (uint64_t)off;
	out->size = size > 0 ? (uint64_t)size : 0;
	out->bit_offset = -1;
	out->bit_size = 0;
	if (c) {
		c->found = true;
		c->m = *out;
	}
	return 0;
}

static int c_enum(struct fs_target *t, const char *name, int64_t *v)
{
	bool hit;
	struct tcache_ent *c = tc_slot(TC_ENUM, name, NULL, &hit);
	long val;

	if (hit) {
		if (!c->found)
			return fs_target_fail(t, "no enumerator %s (crash)", name);
		*v = (int64_t)c->m.offset;
		return 0;
	}
	if (!enumerator_value((char *)name, &val)) {
		if (c)
			c->found = false;
		return fs_target_fail(t, "no enumerator %s (crash)", name);
	}
	*v = val;
	if (c) {
		c->found = true;
		c->m.offset = (uint64_t)val;
	}
	return 0;
}

static int c_array(struct fs_target *t, const char *name, uint64_t *len)
{
	int n;

	if (!symbol_exists((char *)name))
		return fs_target_fail(t, "no array %s", name);
	n = get_array_length((char *)name, NULL, 0);
	if (n <= 0)
		return fs_target_fail(t, "crash cannot size array %s", name);
	*len = (uint64_t)n;
	return 0;
}

/* VMCOREINFO: crash hands out single keys; rebuild the lines the engine uses. */
static const char *const vmcoreinfo_keys[] = {
	"OSRELEASE", "PAGESIZE", "BUILD-ID", "KERNELOFFSET",
	"SYMBOL(init_top_pgt)", "SYMBOL(swapper_pg_dir)", "SYMBOL(mem_section)",
	"LENGTH(mem_section)", "SIZE(mem_section)", "OFFSET(mem_section.section_mem_map)",
	"NUMBER(SECTION_SIZE_BITS)", "NUMBER(MAX_PHYSMEM_BITS)", "NUMBER(pgtable_l5_enabled)",
	"NUMBER(phys_base)", "NUMBER(VA_BITS)", "NUMBER(kimage_voffset)", "NUMBER(PHYS_OFFSET)",
	"NUMBER(VMEMMAP_START)", "SYMBOL(vmemmap)",
};

static char vmcoreinfo_text[4096];

static const char *c_vmcoreinfo(struct fs_target *t)
{
	size_t n = 0;

	(void)t;
	if (vmcoreinfo_text[0])
		return vmcoreinfo_text;
	if (pc->read_vmcoreinfo) {
		for (size_t i = 0; i < sizeof(vmcoreinfo_keys) / sizeof(vmcoreinfo_keys[0]); i++) {
			char *v = pc->read_vmcoreinfo(vmcoreinfo_keys[i]);
			if (!v)
				continue;
			n += (size_t)snprintf(vmcoreinfo_text + n, sizeof(vmcoreinfo_text) - n, "%s=%s\n",
					      vmcoreinfo_keys[i], v);
			free(v);
			if (n >= sizeof(vmcoreinfo_text))
				break;
		}
	}
	if (n >= sizeof(vmcoreinfo_text) - 128)
		n = sizeof(vmcoreinfo_text) - 128;	/* keep room for the lines below */
	vmcoreinfo_text[n] = 0;
	/* A live session or a dump without VMCOREINFO: what crash knows. */
	if (!strstr(vmcoreinfo_text, "OSRELEASE="))
		n += (size_t)snprintf(vmcoreinfo_text + n, sizeof(vmcoreinfo_text) - n, "OSRELEASE=%s\n",
				      kt->utsname.release);
#ifdef X86_64
	if (!strstr(vmcoreinfo_text, "SYMBOL(init_top_pgt)") && symbol_exists("init_top_pgt"))
		n += (size_t)snprintf(vmcoreinfo_text + n, sizeof(vmcoreinfo_text) - n, "SYMBOL(init_top_pgt)=%lx\n",
				      symbol_value("init_top_pgt"));
#endif
	return vmcoreinfo_text;
}

static const struct fs_target_ops crash_ops = {
	.read = c_read,
	.symbol = c_symbol,
	.symbol_size = c_symbol_size,
	.type_size = c_type_size,
	.member = c_member,
	.enum_value = c_enum,
	.array_length = c_array,
	.vmcoreinfo = c_vmcoreinfo,
};

struct fs_target *fs_crash_target(void)
{
	static struct fs_target t = { .ops = &crash_ops, .name = "crash" };

	/* crash on /dev/crash or /proc/kcore: memory moves under the reader */
	t.live = ACTIVE();
	t.cacheable = !ACTIVE();	/* a dump does not change: cache its pages (target.c) */
	return &t;
}
