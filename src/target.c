// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * target.c - checked wrappers around a backend's operations
 * (include/folioscope/target.h). They add the "what was being asked"
 * context so every error a user sees names the symbol, type or address.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folioscope/bigtab.h"
#include "folioscope/target.h"

int fs_target_fail(struct fs_target *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->err, sizeof(t->err), fmt, ap);
	va_end(ap);
	return -1;
}

int fs_target_wrap(struct fs_target *t, const char *fmt, ...)
{
	char prefix[FS_TARGET_ERRLEN], old[FS_TARGET_ERRLEN];
	char joined[2 * FS_TARGET_ERRLEN + 8];
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, t->err, sizeof(old));
	snprintf(joined, sizeof(joined), "%s: %s", prefix, old[0] ? old : "failed");
	/* Keep the start of the chain: it names the outermost context. */
	n = strlen(joined);
	if (n >= sizeof(t->err))
		n = sizeof(t->err) - 1;
	memcpy(t->err, joined, n);
	t->err[n] = 0;
	return -1;
}

const char *fs_target_error(const struct fs_target *t)
{
	return t->err[0] ? t->err : "no error recorded";
}

/*
 * Physical pages of a dump, cached: page-table walks (the forward walk's
 * tables, and one 4-level walk per folio in the reverse map) read 8 bytes at
 * a time, and each backend read costs a translation, a lock and often a
 * decompression. Direct-mapped, FS_PCACHE_PAGES pages; only for targets that
 * set cacheable (never a live kernel: confirm.c must see memory as it is).
 */
#define FS_PCACHE_PAGES 1024
#define FS_PCACHE_PAGE 4096ULL

struct fs_pcache {
	uint64_t tag[FS_PCACHE_PAGES];	/* page address + 1, 0: empty */
	/* 4 MiB on its own: exactly two huge pages (src/bigtab.c) */
	unsigned char (*data)[FS_PCACHE_PAGE];
};

static void pcache_free(struct fs_pcache *c)
{
	if (c)
		fs_bigtab_free(c->data, FS_PCACHE_PAGES, FS_PCACHE_PAGE);
	free(c);
}

static int read_cached(struct fs_target *t, uint64_t addr, void *buf, size_t len)
{
	uint64_t page = addr & ~(FS_PCACHE_PAGE - 1);
	size_t slot = (size_t)((page / FS_PCACHE_PAGE) % FS_PCACHE_PAGES), cap;

	if (!t->pcache) {
		struct fs_pcache *c = calloc(1, sizeof(*c));
		if (!c || !(c->data = fs_bigtab_zalloc(&cap, FS_PCACHE_PAGES, FS_PCACHE_PAGE))) {
			pcache_free(c);
			return 1;
		}
		t->pcache = c;
	}
	if (t->pcache->tag[slot] != page + 1) {
		t->pcache->tag[slot] = 0;
		if (t->ops->read(t, FS_PADDR, page, t->pcache->data[slot], FS_PCACHE_PAGE))
			return 1;	/* a partial page: read just what was asked */
		t->pcache->tag[slot] = page + 1;
	}
	memcpy(buf, t->pcache->data[slot] + (addr - page), len);
	return 0;
}

int fs_read(struct fs_target *t, enum fs_addrspace as, uint64_t addr, void *buf, size_t len)
{
	t->err[0] = 0;
	if (!t->ops->read)
		return fs_target_fail(t, "target %s cannot read memory", t->name);
	if (t->cacheable && !t->live && as == FS_PADDR && len <= FS_PCACHE_PAGE &&
	    (addr & (FS_PCACHE_PAGE - 1)) + len <= FS_PCACHE_PAGE && read_cached(t, addr, buf, len) == 0)
		return 0;
	t->err[0] = 0;
	if (t->ops->read(t, as, addr, buf, len) == 0)
		return 0;
	if (!t->err[0])
		fs_target_fail(t, "cannot read %zu bytes at %s 0x%llx", len,
			       as == FS_PADDR ? "physical" : "virtual", (unsigned long long)addr);
	return -1;
}

int fs_read_u64(struct fs_target *t, uint64_t kvaddr, uint64_t *v)
{
	return fs_read(t, FS_KVADDR, kvaddr, v, sizeof(*v));
}

int fs_read_u32(struct fs_target *t, uint64_t kvaddr, uint32_t *v)
{
	return fs_read(t, FS_KVADDR, kvaddr, v, sizeof(*v));
}

int fs_read_u8(struct fs_target *t, uint64_t kvaddr, uint8_t *v)
{
	return fs_read(t, FS_KVADDR, kvaddr, v, sizeof(*v));
}

int fs_symbol(struct fs_target *t, const char *name, uint64_t *addr)
{
	t->err[0] = 0;
	if (!t->ops->symbol)
		return fs_target_fail(t, "target %s has no symbols (looking up %s)", t->name, name);
	if (t->ops->symbol(t, name, addr) == 0)
		return 0;
	if (!t->err[0])
		fs_target_fail(t, "no symbol %s", name);
	return -1;
}

int fs_symbol_size(struct fs_target *t, const char *name, uint64_t *size)
{
	t->err[0] = 0;
	if (!t->ops->symbol_size)
		return fs_target_fail(t, "target %s cannot size symbols (%s)", t->name, name);
	if (t->ops->symbol_size(t, name, size) == 0)
		return 0;
	if (!t->err[0])
		fs_target_fail(t, "no symbol %s", name);
	return -1;
}

int fs_type_size(struct fs_target *t, const char *type, uint64_t *size)
{
	t->err[0] = 0;
	if (!t->ops->type_size)
		return fs_target_fail(t, "target %s has no type information (sizeof %s)", t->name, type);
	if (t->ops->type_size(t, type, size) == 0)
		return 0;
	if (!t->err[0])
		fs_target_fail(t, "no type %s in the debug info", type);
	return -1;
}

int fs_member(struct fs_target *t, const char *type, const char *member, struct fs_member *out)
{
	t->err[0] = 0;
	if (!t->ops->member)
		return fs_target_fail(t, "target %s has no type information (%s.%s)", t->name, type, member);
	if (t->ops->member(t, type, member, out) == 0)
		return 0;
	if (!t->err[0])
		fs_target_fail(t, "%s has no member %s", type, member);
	return -1;
}

int fs_member_offset(struct fs_target *t, const char *type, const char *member, uint64_t *off)
{
	struct fs_member m;

	if (fs_member(t, type, member, &m))
		return -1;
	*off = m.offset;
	return 0;
}

bool fs_has_member(struct fs_target *t, const char *type, const char *member)
{
	struct fs_member m;

	return fs_member(t, type, member, &m) == 0;
}

int fs_enum_value(struct fs_target *t, const char *enumerator, int64_t *value)
{
	t->err[0] = 0;
	if (!t->ops->enum_value)
		return fs_target_fail(t, "target %s has no type information (enumerator %s)", t->name, enumerator);
	if (t->ops->enum_value(t, enumerator, value) == 0)
		return 0;
	if (!t->err[0])
		fs_target_fail(t, "no enumerator %s in the debug info", enumerator);
	return -1;
}

int fs_array_length(struct fs_target *t, const char *variable, uint64_t *len)
{
	t->err[0] = 0;
	if (!t->ops->array_length)
		return fs_target_fail(t, "target %s cannot size arrays (%s)", t->name, variable);
	if (t->ops->array_length(t, variable, len) == 0)
		return 0;
	if (!t->err[0])
		fs_target_fail(t, "cannot find the length of array %s", variable);
	return -1;
}

int fs_percpu_offset(struct fs_target *t, unsigned int cpu, uint64_t *off)
{
	uint64_t base;

	if (t->ops->percpu_offset)
		return t->ops->percpu_offset(t, cpu, off);
	/* Generic SMP kernels: unsigned long __per_cpu_offset[NR_CPUS]. */
	if (fs_symbol(t, "__per_cpu_offset", &base))
		return fs_target_wrap(t, "per-CPU offsets");
	if (fs_read_u64(t, base + 8ULL * cpu, off))
		return fs_target_wrap(t, "reading __per_cpu_offset[%u]", cpu);
	return 0;
}

int fs_nr_cpus(struct fs_target *t, unsigned int *n)
{
	uint64_t addr;
	uint32_t v;

	if (t->ops->nr_cpus)
		return t->ops->nr_cpus(t, n);
	if (fs_symbol(t, "nr_cpu_ids", &addr) || fs_read_u32(t, addr, &v))
		return fs_target_wrap(t, "reading nr_cpu_ids");
	if (v == 0 || v > 65536)
		return fs_target_fail(t, "nr_cpu_ids is %u: implausible", v);
	*n = v;
	return 0;
}

const char *fs_vmcoreinfo(struct fs_target *t)
{
	return t->ops->vmcoreinfo ? t->ops->vmcoreinfo(t) : NULL;
}

void fs_target_close(struct fs_target *t)
{
	if (t) {
		pcache_free(t->pcache);
		t->pcache = NULL;
	}
	if (t && t->ops && t->ops->close)
		t->ops->close(t);
}
