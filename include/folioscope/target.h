/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * target.h - the one I/O boundary of the folioscope engine.
 *
 * Everything the engine knows about a kernel image comes through a
 * struct fs_target: memory reads, symbol addresses, type layout and the
 * text blobs (VMCOREINFO, IKCONFIG) a dump may carry. Backends: libkdumpfile
 * + libdw (src/target-kdump.c), crash (crash-ext/), and synthetic images for
 * tests (tests/unit/). Nothing above this header knows which one it runs on.
 *
 * Error convention: every fallible call returns 0 on success or -1 on
 * failure, after writing a one-line message that names what was asked for
 * (the address, symbol, type or member) into the target's error buffer
 * (fs_target_error()). Backends never abort and never print.
 */
#ifndef FOLIOSCOPE_TARGET_H
#define FOLIOSCOPE_TARGET_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Address spaces a read can name. */
enum fs_addrspace {
	FS_KVADDR,	/* kernel virtual address, translated by the backend */
	FS_PADDR,	/* physical address */
};

/* Layout of one struct member, as the debug info describes it. */
struct fs_member {
	uint64_t offset;	/* byte offset from the start of the outer type */
	uint64_t size;		/* byte size of the member's type */
	int bit_offset;		/* for bit fields: bit offset within the unit, else -1 */
	int bit_size;		/* for bit fields: width in bits, else 0 */
};

struct fs_target;
struct fs_pcache;

/*
 * Backend operations. Each receives the target so it can report errors with
 * fs_target_fail(). Optional operations may be NULL: the engine then falls
 * back to a generic way (e.g. per-CPU offsets from __per_cpu_offset[]).
 */
struct fs_target_ops {
	/* Read exactly len bytes. A partial read is a failure. */
	int (*read)(struct fs_target *t, enum fs_addrspace as, uint64_t addr,
		    void *buf, size_t len);
	/* Address of a global symbol (KASLR offset already applied). */
	int (*symbol)(struct fs_target *t, const char *name, uint64_t *addr);
	/* Size in bytes of a function or object symbol (NULL: unsupported). */
	int (*symbol_size)(struct fs_target *t, const char *name, uint64_t *size);
	/* sizeof(type); type is spelt as in C: "struct page", "pte_t". */
	int (*type_size)(struct fs_target *t, const char *type, uint64_t *size);
	/*
	 * Offset and size of a member; member may be a path through nested
	 * structs and anonymous unions: "_refcount", "ref.data", "range.start".
	 */
	int (*member)(struct fs_target *t, const char *type, const char *member,
		      struct fs_member *out);
	/* Value of an enumerator anywhere in the debug info. */
	int (*enum_value)(struct fs_target *t, const char *enumerator, int64_t *value);
	/* Number of elements of a global array variable (NULL: unsupported). */
	int (*array_length)(struct fs_target *t, const char *variable, uint64_t *len);
	/* Per-CPU offset of cpu (NULL: read __per_cpu_offset[]). */
	int (*percpu_offset)(struct fs_target *t, unsigned int cpu, uint64_t *off);
	/* Possible CPUs to sum per-CPU counters over (NULL: nr_cpu_ids). */
	int (*nr_cpus)(struct fs_target *t, unsigned int *n);
	/* VMCOREINFO text, NUL-terminated, owned by the backend (NULL: none). */
	const char *(*vmcoreinfo)(struct fs_target *t);
	/* Kernel config text when the backend has it cheaply (NULL: none). */
	const char *(*kconfig)(struct fs_target *t);
	/* Release backend state. */
	void (*close)(struct fs_target *t);
};

#define FS_TARGET_ERRLEN 512

struct fs_target {
	const struct fs_target_ops *ops;
	void *priv;			/* backend state */
	const char *name;		/* "kdump", "crash", "synthetic", ... */
	bool live;			/* a running kernel: memory changes under the reader */
	bool cacheable;			/* a dump: physical pages may be cached (target.c) */
	struct fs_pcache *pcache;	/* that cache, made on first use */
	char err[FS_TARGET_ERRLEN];	/* last error, one line */
};

/* Record an error on t (printf-style); always returns -1. */
int fs_target_fail(struct fs_target *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prefix the current error with context: "reading pgmap 0x...: <old>". */
int fs_target_wrap(struct fs_target *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *fs_target_error(const struct fs_target *t);

/* Convenience wrappers: these check for a missing op and add context. */
int fs_read(struct fs_target *t, enum fs_addrspace as, uint64_t addr, void *buf, size_t len);
int fs_read_u64(struct fs_target *t, uint64_t kvaddr, uint64_t *v);
int fs_read_u32(struct fs_target *t, uint64_t kvaddr, uint32_t *v);
int fs_read_u8(struct fs_target *t, uint64_t kvaddr, uint8_t *v);
int fs_symbol(struct fs_target *t, const char *name, uint64_t *addr);
int fs_symbol_size(struct fs_target *t, const char *name, uint64_t *size);
int fs_type_size(struct fs_target *t, const char *type, uint64_t *size);
int fs_member(struct fs_target *t, const char *type, const char *member, struct fs_member *out);
int fs_member_offset(struct fs_target *t, const char *type, const char *member, uint64_t *off);
bool fs_has_member(struct fs_target *t, const char *type, const char *member);
int fs_enum_value(struct fs_target *t, const char *enumerator, int64_t *value);
int fs_array_length(struct fs_target *t, const char *variable, uint64_t *len);
int fs_percpu_offset(struct fs_target *t, unsigned int cpu, uint64_t *off);
int fs_nr_cpus(struct fs_target *t, unsigned int *n);
const char *fs_vmcoreinfo(struct fs_target *t);
void fs_target_close(struct fs_target *t);

#ifdef __cplusplus
}
#endif
#endif
