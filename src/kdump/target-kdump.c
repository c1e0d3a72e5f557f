/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * target-kdump.c - the libkdumpfile + elfutils backend of struct fs_target.
 *
 * Memory comes from libkdumpfile (kdump-compressed, ELF, /proc/kcore); type
 * layout and symbols from the vmlinux (dwarf-index.c). QEMU-made dumps need
 * three repairs, all reported in fs_kdump_info()->notes:
 *  - QEMU 7.2 writes kdump-compressed output in makedumpfile's *flattened*
 *    format, which libkdumpfile 0.5.1 cannot read: it is reassembled into an
 *    unlinked temporary file in $TMPDIR (gone when the target is closed).
 *  - its kdump header has only utsname.machine, so libkdumpfile does not know
 *    the architecture: it is set from the vmlinux's ELF machine.
 *  - its ELF dumps have p_vaddr == p_paddr: kernel virtual addresses are
 *    translated through the page tables (addrxlat "linux" ostype with the
 *    dump's VMCOREINFO), never through the program headers' p_vaddr; the
 *    open checks this by reading init_uts_ns's release through them.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "folioscope/target-kdump.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libkdumpfile/kdumpfile.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dwarf-index.h"

#define LIVE_PATH "/proc/kcore"
#define FLAT_SIGNATURE "makedumpfile"
#define FLAT_HEADER_SIZE 4096
#define FS_KDUMP_CACHE_PAGES 64	/* libkdumpfile "cache.size": see fs_kdump_open() */

struct kd {
	struct fs_target t;
	struct fs_kdump_info info;
	kdump_ctx_t *ctx;
	struct fs_dwidx *idx;
	int fd;			/* the dump, or the reassembled temporary file */
	bool kv_via_pgtable;	/* ELF p_vaddr are bogus: translate KVADDR ourselves */
	bool truncated;		/* the file is shorter than its headers say */
	bool ctx_unfreeable;	/* see kd_graveyard */
	struct {
		uint64_t start, end;
	} missing[64];		/* truncated ELF: physical ranges not in the file */
	unsigned nmissing;
	char truncated_why[200];
	/* live: /proc/kcore's PT_LOAD segments, read with pread(2) directly */
	struct kseg {
		uint64_t vaddr, paddr, offset, size;
	} *kseg;
	unsigned nkseg;
	addrxlat_ctx_t *axctx;
	addrxlat_sys_t *axsys;
	size_t page_size;
	char *vmcoreinfo;
	char *format;
	char *arch;
	char *osrelease;
	char *notes;		/* grows with note() */
	size_t notes_len;
	char path[512];		/* the dump as the user named it */
};

static const struct fs_target_ops kd_ops;

/*
 * libkdumpfile 0.5.1 frees a diskdump's private data when its open fails
 * and again in kdump_free(), which then crashes. Such contexts are never
 * freed: they are kept here (reachable, a few KB each) instead.
 */
static kdump_ctx_t *kd_graveyard[16];
static unsigned kd_graveyard_n;

static struct kd *kd_of(struct fs_target *t)
{
	return (struct kd *)t->priv;
}

static void note(struct kd *kd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct kd *kd, const char *fmt, ...)
{
	char line[600];
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	line[n] = '\0';
	p = realloc(kd->notes, kd->notes_len + (size_t)n + 1);
	if (!p)
		return;
	memcpy(p + kd->notes_len, line, (size_t)n + 1);
	kd->notes = p;
	kd->notes_len += (size_t)n;
	kd->info.notes = kd->notes;
}

/* ---------------------------------------------------------------------- */
/* makedumpfile flattened format                                          */

static uint64_t be64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Read exactly len bytes at the current position; returns bytes read. */
static size_t read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	return done;
}

static int write_full(int fd, const void *buf, size_t len, off_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf = (const char *)buf + n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/* Is the file at fd (positioned anywhere) in the flattened format? */
static bool is_flattened(int fd)
{
	char sig[16];

	if (pread(fd, sig, sizeof(sig), 0) != (ssize_t)sizeof(sig))
		return false;
	return memcmp(sig, FLAT_SIGNATURE, strlen(FLAT_SIGNATURE) + 1) == 0;
}

/*
 * Rebuild the dump that a flattened file describes: after a 4096-byte header
 * come records {be64 offset, be64 size, size bytes} placing data at offset
 * of the output, ended by a record whose offset is -1. Contiguous records
 * are coalesced into large writes. Returns the temporary file's fd, already
 * unlinked, or -1 with a message in err.
 */
static int unflatten(struct kd *kd, int in, char *err, size_t errlen)
{
	const char *tmpdir = getenv("TMPDIR");
	char tmpl[4096];
	unsigned char hdr[16];
	unsigned char *obuf = NULL;
	size_t olen = 0, ocap = 4u << 20;
	uint64_t ostart = 0, pos = FLAT_HEADER_SIZE, records = 0;
	bool ended = false;
	int out = -1;
	struct stat st;

	if (fstat(in, &st) < 0 || lseek(in, FLAT_HEADER_SIZE, SEEK_SET) < 0) {
		snprintf(err, errlen, "vmcore %s: cannot read flattened header: %s", kd->path,
			 strerror(errno));
		return -1;
	}
	snprintf(tmpl, sizeof(tmpl), "%s/folioscope-vmcore-XXXXXX",
		 tmpdir && *tmpdir ? tmpdir : "/tmp");
	out = mkostemp(tmpl, O_CLOEXEC);
	if (out < 0) {
		snprintf(err, errlen,
			 "vmcore %s is a flattened makedumpfile dump; cannot create a temporary file in %s to reassemble it: %s",
			 kd->path, tmpdir && *tmpdir ? tmpdir : "/tmp", strerror(errno));
		return -1;
	}
	unlink(tmpl);	/* the file lives as long as the descriptor */
	obuf = malloc(ocap);
	if (!obuf) {
		snprintf(err, errlen, "out of memory reassembling %s", kd->path);
		goto fail;
	}
	for (;;) {
		size_t n = read_full(in, hdr, sizeof(hdr));
		uint64_t off, size;

		if (n == 0)
			break;
		if (n < sizeof(hdr)) {
			note(kd, "flattened dump %s ends inside a record header at file offset %" PRIu64
			     " (truncated?)", kd->path, pos);
			break;
		}
		off = be64(hdr);
		size = be64(hdr + 8);
		if (off == UINT64_MAX) {
			ended = true;
			break;
		}
		if ((int64_t)off < 0 || (int64_t)size < 0 ||
		    size > (uint64_t)st.st_size || off > (UINT64_C(1) << 52)) {
			snprintf(err, errlen,
				 "vmcore %s: corrupt flattened dump: record at file offset %" PRIu64
				 " has offset 0x%" PRIx64 " size 0x%" PRIx64, kd->path, pos, off, size);
			goto fail;
		}
		pos += sizeof(hdr);
		/* flush when this record does not extend the buffered run */
		if (olen && (off != ostart + olen || olen + size > ocap)) {
			if (write_full(out, obuf, olen, (off_t)ostart) < 0)
				goto write_error;
			olen = 0;
		}
		if (size > ocap) {
			/* big record: copy through the buffer without coalescing */
			uint64_t left = size, o = off;
			while (left) {
				size_t chunk = left < ocap ? (size_t)left : ocap;
				size_t got = read_full(in, obuf, chunk);
				if (got && write_full(out, obuf, got, (off_t)o) < 0)
					goto write_error;
				pos += got;
				if (got < chunk)
					goto truncated;
				left -= got;
				o += got;
			}
			records++;
			continue;
		}
		if (!olen)
			ostart = off;
		n = read_full(in, obuf + olen, (size_t)size);
		olen += n;
		pos += n;
		if (n < size)
			goto truncated;
		records++;
	}
	if (olen && write_full(out, obuf, olen, (off_t)ostart) < 0)
		goto write_error;
	free(obuf);
	if (!records) {
		snprintf(err, errlen, "vmcore %s: flattened makedumpfile dump with no data records",
			 kd->path);
		close(out);
		return -1;
	}
	if (!ended) {
		kd->truncated = true;
		snprintf(kd->truncated_why, sizeof(kd->truncated_why),
			 "the flattened file has no end marker");
		note(kd, "flattened dump %s has no end marker: it is probably truncated", kd->path);
	}
	note(kd, "%s is in makedumpfile's flattened format (QEMU's kdump output), which libkdumpfile 0.5.1 cannot read: reassembled %" PRIu64
	     " records into a temporary file in %s (deleted on close)",
	     kd->path, records, tmpdir && *tmpdir ? tmpdir : "/tmp");
	return out;

truncated:
	if (olen && write_full(out, obuf, olen, (off_t)ostart) < 0)
		goto write_error;
	free(obuf);
	note(kd, "flattened dump %s ends inside a data record at file offset %" PRIu64
	     " (truncated?); the rest of the dump is missing", kd->path, pos);
	kd->truncated = true;
	snprintf(kd->truncated_why, sizeof(kd->truncated_why),
		 "the flattened file ends inside a record at byte %" PRIu64, pos);
	if (!records) {
		snprintf(err, errlen, "vmcore %s: truncated flattened dump (no complete record)",
			 kd->path);
		close(out);
		return -1;
	}
	return out;
write_error:
	snprintf(err, errlen, "reassembling flattened dump %s into %s: %s", kd->path,
		 tmpdir && *tmpdir ? tmpdir : "/tmp", strerror(errno));
fail:
	free(obuf);
	if (out >= 0)
		close(out);
	return -1;
}

/* ---------------------------------------------------------------------- */
/* diskdump header facts                                                  */

static uint32_t get32(const unsigned char *p, bool le)
{
	return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
		  : (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

/*
 * dump_level from a 64-bit kdump-compressed header: struct disk_dump_header
 * has block_size at 428; the sub-header (one block in) starts with
 * phys_base (8 bytes) then dump_level. -1 when it does not look like one.
 */
static int diskdump_level(int fd)
{
	unsigned char h[440], sub[12];
	bool le;
	uint32_t ver, bs;

	if (pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) || memcmp(h, "KDUMP   ", 8) != 0)
		return -1;
	le = get32(h + 8, true) < 0x10000;
	ver = get32(h + 8, le);
	bs = get32(h + 428, le);
	if (ver < 1 || ver > 100 || bs < 512 || bs > (1u << 20) || (bs & (bs - 1)))
		return -1;
	if (pread(fd, sub, sizeof(sub), bs) != (ssize_t)sizeof(sub))
		return -1;
	uint32_t level = get32(sub + 8, le);
	return level <= 0xff ? (int)level : -1;
}

static uint64_t get64(const unsigned char *p, bool le)
{
	return le ? (uint64_t)get32(p + 4, le) << 32 | get32(p, le)
		  : (uint64_t)get32(p, le) << 32 | get32(p + 4, le);
}

/*
 * Is a kdump-compressed file shorter than its headers say? The page
 * descriptors (24 bytes each, one per dumpable page of the second bitmap)
 * follow the bitmaps; data is written in PFN order, so the last descriptors
 * point near the end of the file. Returns 0 (complete), 1 (page data or
 * descriptors missing) or 2 (headers or bitmaps missing: unusable).
 */
static int diskdump_truncated(int fd, uint64_t fsize, char *why, size_t whylen)
{
	unsigned char h[448];
	bool le;
	uint32_t bs, subs, bmblocks;
	uint64_t bmoff, bmlen, descoff, ndump = 0;

	if (pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h))
		goto short_header;
	if (memcmp(h, "KDUMP   ", 8) != 0)
		return 0;
	le = get32(h + 8, true) < 0x10000;
	bs = get32(h + 428, le);
	subs = get32(h + 432, le);
	bmblocks = get32(h + 436, le);
	if (bs < 512 || bs > (1u << 20) || (bs & (bs - 1)) || !bmblocks)
		return 0;	/* not a header we understand: leave it to libkdumpfile */
	bmoff = (uint64_t)(1 + subs) * bs;
	bmlen = (uint64_t)bmblocks * bs;
	descoff = bmoff + bmlen;
	if (descoff > fsize) {
		snprintf(why, whylen, "its bitmaps end at byte %" PRIu64 " but the file has %" PRIu64,
			 descoff, fsize);
		return 2;
	}
	/* count dumpable pages: the second half of the bitmap area */
	/* 64 KiB at a time: a fresh 1 MiB buffer was 256 page faults */
	const size_t piece = (size_t)1 << 16;
	unsigned char *bm = malloc(piece);
	if (!bm)
		return 0;
	for (uint64_t o = bmlen / 2; o < bmlen;) {
		size_t chunk = bmlen - o < piece ? (size_t)(bmlen - o) : piece;
		if (pread(fd, bm, chunk, (off_t)(bmoff + o)) != (ssize_t)chunk) {
			free(bm);
			return 0;
		}
		/* a word at a time: without -mpopcnt each call is a libgcc
		 * function, and a 6 GiB guest's bitmap has 200 KB */
		size_t i = 0;
		for (; i + 8 <= chunk; i += 8) {
			uint64_t w;
			memcpy(&w, bm + i, 8);
			ndump += (uint64_t)__builtin_popcountll(w);
		}
		for (; i < chunk; i++)
			ndump += (uint64_t)__builtin_popcount(bm[i]);
		o += chunk;
	}
	free(bm);
	if (!ndump)
		return 0;
	uint64_t descend = descoff + ndump * 24;
	if (descend > fsize) {
		snprintf(why, whylen,
			 "its %" PRIu64 " page descriptors end at byte %" PRIu64 " but the file has %" PRIu64,
			 ndump, descend, fsize);
		return 1;
	}
	/* the largest data end among the last descriptors */
	unsigned n = ndump < 64 ? (unsigned)ndump : 64;
	unsigned char d[64 * 24];
	uint64_t need = 0;
	if (pread(fd, d, n * 24, (off_t)(descend - n * 24)) != (ssize_t)(n * 24))
		return 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t off = get64(d + i * 24, le), sz = get32(d + i * 24 + 8, le);
		if (off + sz > need)
			need = off + sz;
	}
	if (need > fsize) {
		snprintf(why, whylen, "its page data runs to byte %" PRIu64 " but the file has %" PRIu64,
			 need, fsize);
		return 1;
	}
	return 0;
short_header:
	snprintf(why, whylen, "the file (%" PRIu64 " bytes) ends inside the kdump header", fsize);
	return 2;
}

/*
 * Is an ELF dump shorter than its program headers say? Records the physical
 * ranges whose data the file lacks (libkdumpfile would read them as zeros).
 * Returns 0 (complete), 1 (segment data missing), 2 (headers missing).
 */
static int elf_truncated(struct kd *kd, int fd, uint64_t fsize, char *why, size_t whylen)
{
	Elf *elf;
	GElf_Ehdr eh;
	size_t n;
	uint64_t need = 0;
	int r = 0;

	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf)
		return 0;
	if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh))
		goto out;
	need = eh.e_phoff + (uint64_t)eh.e_phnum * eh.e_phentsize;
	if (need > fsize) {
		snprintf(why, whylen, "its program headers end at byte %" PRIu64 " but the file has %" PRIu64,
			 need, fsize);
		r = 2;
		goto out;
	}
	if (elf_getphdrnum(elf, &n) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || (ph.p_type != PT_LOAD && ph.p_type != PT_NOTE))
			continue;
		if (ph.p_offset + ph.p_filesz > need)
			need = ph.p_offset + ph.p_filesz;
		if (ph.p_type == PT_LOAD && ph.p_offset + ph.p_filesz > fsize &&
		    kd->nmissing < sizeof(kd->missing) / sizeof(kd->missing[0])) {
			uint64_t have = ph.p_offset >= fsize ? 0 : fsize - ph.p_offset;
			kd->missing[kd->nmissing].start = ph.p_paddr + have;
			kd->missing[kd->nmissing].end = ph.p_paddr + ph.p_filesz;
			kd->nmissing++;
		}
	}
	if (need > fsize) {
		snprintf(why, whylen, "its segments run to byte %" PRIu64 " but the file has %" PRIu64,
			 need, fsize);
		r = 1;
	}
out:
	elf_end(elf);
	return r;
}

/* ---------------------------------------------------------------------- */
/* VMCOREINFO                                                              */

/* Value of KEY=... in the VMCOREINFO text (malloc'd), or NULL. */
static char *vmci_line(const char *vmci, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = vmci; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t ll = eol ? (size_t)(eol - p) : strlen(p);

		if (ll > kl && memcmp(p, key, kl) == 0 && p[kl] == '=')
			return strndup(p + kl + 1, ll - kl - 1);
		p = eol ? eol + 1 : NULL;
	}
	return NULL;
}

/*
 * Live system without a VMCOREINFO note: /sys/kernel/vmcoreinfo gives
 * "PADDR SIZE"; read that through the dump's physical address space.
 */
static char *live_vmcoreinfo(struct kd *kd)
{
	FILE *f = fopen("/sys/kernel/vmcoreinfo", "re");
	unsigned long long pa = 0, sz = 0;
	char *buf;
	size_t len;

	if (!f)
		return NULL;
	if (fscanf(f, "%llx %llx", &pa, &sz) != 2 || !sz || sz > (1u << 20)) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf = calloc(1, (size_t)sz + 1);
	if (!buf)
		return NULL;
	len = (size_t)sz;
	if (kdump_read(kd->ctx, KDUMP_KPHYSADDR, pa, buf, &len) != KDUMP_OK || len != sz) {
		free(buf);
		return NULL;
	}
	/* the ELF note around it: skip to the text */
	char *text = strstr(buf, "OSRELEASE=");
	if (!text) {
		free(buf);
		return NULL;
	}
	memmove(buf, text, strlen(text) + 1);
	return buf;
}

/* ---------------------------------------------------------------------- */
/* reads                                                                  */

/* Why a libkdumpfile read failed, in the user's terms. */
static const char *read_failure(struct kd *kd, kdump_status st, const char *msg)
{
	switch (st) {
	case KDUMP_ERR_NODATA:
		if (msg && strstr(msg, "Excluded"))
			return kd->info.filtered == 1 ?
				"page excluded from the dump (filtered by makedumpfile)" :
				"page excluded from the dump";
		return "not stored in the dump (no RAM there?)";
	case KDUMP_ERR_ADDRXLAT:
		return "address not mapped";
	case KDUMP_ERR_EOF:
		return "dump file ends early (truncated?)";
	case KDUMP_OK:
		return "short read";
	default:
		return kdump_strerror(st);
	}
}

static int read_error(struct kd *kd, const char *asname, uint64_t addr, size_t len,
		      size_t done, const char *why, const char *msg)
{
	if (kd->truncated) {
		if (done)
			return fs_target_fail(&kd->t,
					      "cannot read %zu bytes at %s 0x%" PRIx64 ": stopped after %zu bytes at 0x%" PRIx64 ": %s: %s (the dump file is truncated)",
					      len, asname, addr, done, addr + done, why, msg ? msg : "");
		return fs_target_fail(&kd->t,
				      "cannot read %zu bytes at %s 0x%" PRIx64 ": %s: %s (the dump file is truncated)",
				      len, asname, addr, why, msg ? msg : "");
	}
	if (done)
		return fs_target_fail(&kd->t,
				      "cannot read %zu bytes at %s 0x%" PRIx64 ": stopped after %zu bytes at 0x%" PRIx64 ": %s: %s",
				      len, asname, addr, done, addr + done, why, msg ? msg : "");
	return fs_target_fail(&kd->t, "cannot read %zu bytes at %s 0x%" PRIx64 ": %s: %s", len,
			      asname, addr, why, msg ? msg : "");
}

static bool as_is_phys(const char *asname)
{
	return asname[0] == 'p';
}

/* Does [pa, pa+len) touch data a truncated ELF file lacks? *first gets where. */
static bool in_missing(const struct kd *kd, uint64_t pa, size_t len, uint64_t *first)
{
	for (unsigned i = 0; i < kd->nmissing; i++) {
		if (pa < kd->missing[i].end && pa + len > kd->missing[i].start) {
			*first = pa > kd->missing[i].start ? pa : kd->missing[i].start;
			return true;
		}
	}
	return false;
}

static int read_phys(struct kd *kd, const char *asname, uint64_t addr, uint64_t pa, void *buf,
		     size_t len, size_t done_before, size_t total)
{
	uint64_t where;
	size_t n = len;
	kdump_status st;

	if (kd->nmissing && in_missing(kd, pa, len, &where)) {
		char why[200];

		snprintf(why, sizeof(why), "physical 0x%" PRIx64 " is beyond the end of the truncated dump file",
			 where);
		return read_error(kd, asname, addr, total, done_before + (size_t)(where - pa), why,
				  kd->truncated_why);
	}
	st = kdump_read(kd->ctx, KDUMP_KPHYSADDR, pa, buf, &n);
	if (st != KDUMP_OK || n != len) {
		const char *msg = st == KDUMP_OK ? "short read" : kdump_get_err(kd->ctx);
		char why[200];

		if (as_is_phys(asname))
			return read_error(kd, asname, addr, total, done_before + n,
					  read_failure(kd, st, msg), msg);
		snprintf(why, sizeof(why), "%s (physical 0x%" PRIx64 ")", read_failure(kd, st, msg), pa);
		return read_error(kd, asname, addr, total, done_before + n, why, msg);
	}
	return 0;
}

/*
 * Kernel virtual read through the page tables, one page at a time: for ELF
 * dumps whose p_vaddr are not virtual addresses (QEMU writes p_vaddr ==
 * p_paddr), where libkdumpfile would otherwise serve a low "virtual" address
 * straight from the segment whose p_vaddr covers it.
 */
static int read_kv_pgtable(struct kd *kd, uint64_t addr, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		uint64_t va = addr + done;
		size_t chunk = kd->page_size - (size_t)(va & (kd->page_size - 1));
		addrxlat_fulladdr_t fa = { .addr = va, .as = ADDRXLAT_KVADDR };
		addrxlat_status xs;

		if (chunk > len - done)
			chunk = len - done;
		xs = addrxlat_fulladdr_conv(&fa, ADDRXLAT_KPHYSADDR, kd->axctx, kd->axsys);
		if (xs != ADDRXLAT_OK)
			return read_error(kd, "virtual", addr, len, done, "address not mapped",
					  addrxlat_ctx_get_err(kd->axctx));
		if (read_phys(kd, "virtual", addr, fa.addr, (char *)buf + done, chunk, done, len) < 0)
			return -1;
		done += chunk;
	}
	return 0;
}

/*
 * /proc/kcore's program headers (fs/proc/kcore.c: p_vaddr the kernel
 * address, p_paddr the physical one for RAM and text, -1 otherwise).
 * Parsed once at open; only 64-bit little-endian ELF, which kcore is on the
 * architectures we support.
 */
static void live_segments(struct kd *kd)
{
	unsigned char eh[64], *ph;
	uint64_t phoff;
	unsigned phentsize, phnum;

	if (pread(kd->fd, eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) || memcmp(eh, "\177ELF", 4) || eh[4] != 2 ||
	    eh[5] != 1)
		return;
	memcpy(&phoff, eh + 0x20, 8);
	phentsize = (unsigned)(eh[0x36] | eh[0x37] << 8);
	phnum = (unsigned)(eh[0x38] | eh[0x39] << 8);
	if (phentsize < 56 || !phnum || phnum > 4096)
		return;
	ph = malloc((size_t)phentsize * phnum);
	kd->kseg = calloc(phnum, sizeof(*kd->kseg));
	if (!ph || !kd->kseg ||
	    pread(kd->fd, ph, (size_t)phentsize * phnum, (off_t)phoff) != (ssize_t)phentsize * phnum) {
		free(ph);
		free(kd->kseg);
		kd->kseg = NULL;
		return;
	}
	for (unsigned i = 0; i < phnum; i++) {
		const unsigned char *p = ph + (size_t)i * phentsize;
		uint32_t type;
		struct kseg *k = &kd->kseg[kd->nkseg];
		memcpy(&type, p, 4);
		if (type != 1)	/* PT_LOAD */
			continue;
		memcpy(&k->offset, p + 8, 8);
		memcpy(&k->vaddr, p + 16, 8);
		memcpy(&k->paddr, p + 24, 8);
		memcpy(&k->size, p + 32, 8);
		kd->nkseg++;
	}
	free(ph);
}

/*
 * A read of the running kernel straight from /proc/kcore, uncached: the
 * confirmation re-reads (confirm.c) must see memory as it is now, and
 * libkdumpfile keeps pages it has read. 1 if a part is in no segment (the
 * caller falls back to libkdumpfile), -1 on a read error.
 */
static int read_live(struct kd *kd, enum fs_addrspace as, uint64_t addr, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		uint64_t a = addr + done, n = 0, off = 0;
		for (unsigned i = 0; i < kd->nkseg && !n; i++) {
			const struct kseg *k = &kd->kseg[i];
			uint64_t base = as == FS_KVADDR ? k->vaddr : k->paddr;
			if (as == FS_PADDR && k->paddr == UINT64_MAX)
				continue;
			if (a >= base && a - base < k->size) {
				n = k->size - (a - base);
				off = k->offset + (a - base);
			}
		}
		if (!n)
			return 1;
		if (n > len - done)
			n = len - done;
		ssize_t got = pread(kd->fd, (char *)buf + done, (size_t)n, (off_t)off);
		if (got != (ssize_t)n)
			return read_error(kd, as == FS_KVADDR ? "virtual" : "physical", addr, len, done,
					  got < 0 ? strerror(errno) : "short read", "/proc/kcore");
		done += (size_t)n;
	}
	return 0;
}

static int kd_read(struct fs_target *t, enum fs_addrspace as, uint64_t addr, void *buf,
		   size_t len)
{
	struct kd *kd = kd_of(t);
	kdump_addrspace_t kas = as == FS_KVADDR ? KDUMP_KVADDR : KDUMP_KPHYSADDR;
	const char *asname = as == FS_KVADDR ? "virtual" : "physical";
	size_t done = len;
	kdump_status st;
	const char *msg;

	if (as != FS_KVADDR && as != FS_PADDR)
		return fs_target_fail(t, "read at 0x%" PRIx64 ": unknown address space %d", addr,
				      (int)as);
	if (kd->nkseg) {
		int r = read_live(kd, as, addr, buf, len);
		if (r <= 0)
			return r;
	}
	if (as == FS_KVADDR && kd->kv_via_pgtable)
		return read_kv_pgtable(kd, addr, buf, len);
	if (as == FS_PADDR && kd->nmissing)
		return read_phys(kd, asname, addr, addr, buf, len, 0, len);
	st = kdump_read(kd->ctx, kas, addr, buf, &done);
	if (st == KDUMP_OK && done == len)
		return 0;
	msg = st == KDUMP_OK ? "short read" : kdump_get_err(kd->ctx);
	return read_error(kd, asname, addr, len, done, read_failure(kd, st, msg), msg);
}

static int kd_symbol(struct fs_target *t, const char *name, uint64_t *addr)
{
	struct kd *kd = kd_of(t);
	uint64_t v;
	bool reloc;

	if (fs_dwidx_symbol(kd->idx, name, &v, &reloc) < 0)
		return fs_target_fail(t, "%s", fs_dwidx_error(kd->idx));
	*addr = reloc ? v + kd->info.kaslr_offset : v;
	return 0;
}

static int kd_symbol_size(struct fs_target *t, const char *name, uint64_t *size)
{
	struct kd *kd = kd_of(t);
	uint64_t v;

	if (fs_dwidx_symbol_sized(kd->idx, name, &v, NULL, size) < 0)
		return fs_target_fail(t, "%s", fs_dwidx_error(kd->idx));
	return 0;
}

static int kd_type_size(struct fs_target *t, const char *type, uint64_t *size)
{
	struct kd *kd = kd_of(t);

	if (fs_dwidx_type_size(kd->idx, type, size) < 0)
		return fs_target_fail(t, "%s", fs_dwidx_error(kd->idx));
	return 0;
}

static int kd_member(struct fs_target *t, const char *type, const char *member,
		     struct fs_member *out)
{
	struct kd *kd = kd_of(t);

	if (fs_dwidx_member(kd->idx, type, member, out) < 0)
		return fs_target_fail(t, "%s", fs_dwidx_error(kd->idx));
	return 0;
}

static int kd_enum_value(struct fs_target *t, const char *enumerator, int64_t *value)
{
	struct kd *kd = kd_of(t);

	if (fs_dwidx_enum_value(kd->idx, enumerator, value) < 0)
		return fs_target_fail(t, "%s", fs_dwidx_error(kd->idx));
	return 0;
}

static int kd_array_length(struct fs_target *t, const char *variable, uint64_t *len)
{
	struct kd *kd = kd_of(t);

	if (fs_dwidx_array_length(kd->idx, variable, len) < 0)
		return fs_target_fail(t, "%s", fs_dwidx_error(kd->idx));
	return 0;
}

static const char *kd_vmcoreinfo(struct fs_target *t)
{
	return kd_of(t)->vmcoreinfo;
}

static void kd_free(struct kd *kd)
{
	if (!kd)
		return;
	free(kd->kseg);
	if (kd->axctx)
		addrxlat_ctx_decref(kd->axctx);
	if (kd->axsys)
		addrxlat_sys_decref(kd->axsys);
	if (kd->ctx && kd->ctx_unfreeable) {
		if (kd_graveyard_n < sizeof(kd_graveyard) / sizeof(kd_graveyard[0]))
			kd_graveyard[kd_graveyard_n++] = kd->ctx;
	} else if (kd->ctx) {
		kdump_free(kd->ctx);
	}
	if (kd->fd >= 0)
		close(kd->fd);	/* also removes a reassembled temporary file */
	fs_dwidx_close(kd->idx);
	free(kd->vmcoreinfo);
	free(kd->format);
	free(kd->arch);
	free(kd->osrelease);
	free(kd->notes);
	free(kd);
}

static void kd_close(struct fs_target *t)
{
	kd_free(kd_of(t));
}

static const struct fs_target_ops kd_ops = {
	.read = kd_read,
	.symbol = kd_symbol,
	.symbol_size = kd_symbol_size,
	.type_size = kd_type_size,
	.member = kd_member,
	.enum_value = kd_enum_value,
	.array_length = kd_array_length,
	.percpu_offset = NULL,	/* the engine reads __per_cpu_offset[] */
	.nr_cpus = NULL,
	.vmcoreinfo = kd_vmcoreinfo,
	.kconfig = NULL,
	.close = kd_close,
};

const struct fs_kdump_info *fs_kdump_info(const struct fs_target *t)
{
	if (!t || t->ops != &kd_ops)
		return NULL;
	return &((const struct kd *)t->priv)->info;
}

/* ---------------------------------------------------------------------- */
/* open                                                                   */

static char *get_string_attr(kdump_ctx_t *ctx, const char *key)
{
	const char *s = NULL;

	if (kdump_get_string_attr(ctx, key, &s) != KDUMP_OK || !s)
		return NULL;
	return strdup(s);
}

/*
 * Make sure libkdumpfile knows the architecture and translates kernel
 * virtual addresses the Linux way.
 */
static int setup_translation(struct kd *kd, char *err, size_t errlen)
{
	const char *varch = fs_dwidx_arch_name(kd->idx);
	char *arch = get_string_attr(kd->ctx, KDUMP_ATTR_ARCH_NAME);
	kdump_status st;

	if (!arch) {
		if (!varch) {
			snprintf(err, errlen,
				 "vmcore %s does not name its architecture, and vmlinux's ELF machine %d is not one libkdumpfile knows",
				 kd->path, fs_dwidx_elf_machine(kd->idx, NULL));
			return -1;
		}
		st = kdump_set_string_attr(kd->ctx, KDUMP_ATTR_ARCH_NAME, varch);
		if (st != KDUMP_OK) {
			snprintf(err, errlen, "vmcore %s: cannot set architecture %s: %s", kd->path,
				 varch, kdump_get_err(kd->ctx));
			return -1;
		}
		note(kd, "the dump header does not name the architecture (QEMU fills only utsname.machine): using %s from vmlinux",
		     varch);
		arch = strdup(varch);
	} else if (varch && strcmp(arch, varch) != 0) {
		snprintf(err, errlen, "vmlinux is for %s but vmcore %s is a %s dump", varch,
			 kd->path, arch);
		free(arch);
		return -1;
	}
	kd->arch = arch;
	kd->info.arch = arch;

	char *os = get_string_attr(kd->ctx, KDUMP_ATTR_OSTYPE);
	if (!os || strcmp(os, "linux") != 0) {
		st = kdump_set_string_attr(kd->ctx, KDUMP_ATTR_OSTYPE, "linux");
		if (st != KDUMP_OK) {
			snprintf(err, errlen,
				 "vmcore %s: cannot set up Linux address translation: %s", kd->path,
				 kdump_get_err(kd->ctx));
			free(os);
			return -1;
		}
	}
	free(os);
	return 0;
}

/* The machine an ELF header names, as the kernel's uname -m spells it. */
static const char *elf_machine_name(const unsigned char *ehdr)
{
	unsigned int m = ehdr[5] == 2 ? (unsigned int)(ehdr[18] << 8 | ehdr[19]) : (unsigned int)(ehdr[19] << 8 | ehdr[18]);

	switch (m) {
	case 3: return "i386";
	case 21: return "ppc64";
	case 22: return "s390x";
	case 62: return "x86_64";
	case 183: return "aarch64";
	case 243: return "riscv64";
	default: return NULL;
	}
}

/*
 * A dump of another architecture than the vmlinux: say so before
 * libkdumpfile fails on some register note. The dump's machine is its ELF
 * e_machine, or utsname.machine in a kdump-compressed header
 * (makedumpfile diskdump.h: signature[8], header_version, new_utsname).
 */
static int arch_mismatch(int fd, const char *path, const char *vmlinux, char *err, size_t errlen)
{
	unsigned char dh[8 + 4 + 6 * 65], vh[20];
	const char *dm = NULL, *vm;
	char machine[66];
	int vfd;

	if (pread(fd, dh, sizeof(dh), 0) < 20)
		return 0;
	vfd = open(vmlinux, O_RDONLY | O_CLOEXEC);
	if (vfd < 0)
		return 0;	/* the vmlinux open reports it */
	if (pread(vfd, vh, sizeof(vh), 0) != (ssize_t)sizeof(vh) || memcmp(vh, "\177ELF", 4)) {
		close(vfd);
		return 0;
	}
	close(vfd);
	vm = elf_machine_name(vh);
	if (memcmp(dh, "\177ELF", 4) == 0) {
		dm = elf_machine_name(dh);
	} else if (memcmp(dh, "KDUMP   ", 8) == 0) {
		memcpy(machine, dh + 8 + 4 + 4 * 65, 65);
		machine[65] = '\0';
		dm = machine;
	}
	if (!dm || !vm || !*dm || strcmp(dm, vm) == 0)
		return 0;
	snprintf(err, errlen, "vmcore %s is a dump of an %s machine, vmlinux %s is an %s kernel: they do not belong "
		 "together", path, dm, vmlinux, vm);
	return -1;
}

static int check_match(struct kd *kd, const char *vmlinux, char *err, size_t errlen)
{
	const char *vrel = fs_dwidx_osrelease(kd->idx);
	char *drel = kd->vmcoreinfo ? vmci_line(kd->vmcoreinfo, "OSRELEASE") : NULL;
	char *dbid = kd->vmcoreinfo ? vmci_line(kd->vmcoreinfo, "BUILD-ID") : NULL;
	const char *vbid = fs_dwidx_build_id(kd->idx);
	int r = -1;

	if (!drel) {
		char *uts = get_string_attr(kd->ctx, "linux.uts.release");
		if (uts && *uts)
			drel = uts;
		else
			free(uts);
	}
	if (drel && vrel && strcmp(drel, vrel) != 0) {
		snprintf(err, errlen,
			 "vmlinux %s does not match vmcore %s: vmlinux is release %s, the dump is release %s",
			 vmlinux, kd->path, vrel, drel);
		goto out;
	}
	if (!drel)
		note(kd, "the dump has no OSRELEASE: cannot check that vmlinux matches it");
	if (!vrel) {
		snprintf(err, errlen,
			 "vmlinux %s is not a Linux kernel image: it has no linux_banner or init_uts_ns",
			 vmlinux);
		goto out;
	}
	if (dbid && vbid) {
		size_t n = strlen(dbid);
		while (n && (dbid[n - 1] == ' ' || dbid[n - 1] == '\r'))
			dbid[--n] = '\0';
		if (strncasecmp(dbid, vbid, n < strlen(vbid) ? n : strlen(vbid)) != 0 || !n) {
			snprintf(err, errlen,
				 "vmlinux %s does not match vmcore %s: build id %s, the dump's BUILD-ID is %s",
				 vmlinux, kd->path, vbid, dbid);
			goto out;
		}
	}
	kd->osrelease = drel ? drel : (vrel ? strdup(vrel) : NULL);
	drel = NULL;
	kd->info.osrelease = kd->osrelease;
	r = 0;
out:
	free(drel);
	free(dbid);
	return r;
}

/*
 * True when an ELF dump's PT_LOAD segments all have p_vaddr == p_paddr (as
 * QEMU's dump-guest-memory writes them): their p_vaddr are not kernel
 * virtual addresses.
 */
static bool elf_vaddr_is_paddr(int fd)
{
	Elf *elf;
	size_t n, loads = 0, same = 0;

	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);	/* no mmap: the dump may be truncated */
	if (!elf)
		return false;
	if (elf_kind(elf) == ELF_K_ELF && elf_getphdrnum(elf, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			GElf_Phdr ph;

			if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
				continue;
			loads++;
			same += ph.p_vaddr == ph.p_paddr;
		}
	}
	elf_end(elf);
	return loads && same == loads;
}

static int setup_kv_pgtable(struct kd *kd, const char *reason, char *err, size_t errlen)
{
	kdump_num_t ps = 0;

	if (kd->kv_via_pgtable) {
		if (reason)
			note(kd, "%s", reason);
		return 0;
	}
	if (kdump_get_number_attr(kd->ctx, KDUMP_ATTR_PAGE_SIZE, &ps) != KDUMP_OK || !ps ||
	    (ps & (ps - 1))) {
		snprintf(err, errlen, "vmcore %s: page size unknown: %s", kd->path,
			 kdump_get_err(kd->ctx));
		return -1;
	}
	if (kdump_get_addrxlat(kd->ctx, &kd->axctx, &kd->axsys) != KDUMP_OK) {
		snprintf(err, errlen, "vmcore %s: no address translation: %s", kd->path,
			 kdump_get_err(kd->ctx));
		return -1;
	}
	kd->page_size = (size_t)ps;
	kd->kv_via_pgtable = true;
	if (reason)
		note(kd, "%s", reason);
	return 0;
}

/*
 * Read init_uts_ns's release through the page tables and compare it with
 * OSRELEASE: proves that virtual addresses translate (and that vmlinux and
 * KERNELOFFSET agree with the dump).
 */
static int self_check(struct kd *kd, char *err, size_t errlen)
{
	struct fs_member m;
	uint64_t addr;
	char rel[66];

	if (fs_dwidx_member(kd->idx, "struct uts_namespace", "name.release", &m) < 0 ||
	    kd_symbol(&kd->t, "init_uts_ns", &addr) < 0) {
		kd->t.err[0] = '\0';
		return 0;	/* not a kernel we can check this way */
	}
	if (kd_read(&kd->t, FS_KVADDR, addr + m.offset, rel, 65) < 0) {
		snprintf(err, errlen,
			 "vmcore %s: cannot read the kernel's init_uts_ns through its page tables: %s",
			 kd->path, kd->t.err);
		kd->t.err[0] = '\0';
		return -1;
	}
	rel[65] = '\0';
	if (kd->osrelease && strcmp(rel, kd->osrelease) != 0) {
		snprintf(err, errlen,
			 "vmcore %s: init_uts_ns at 0x%" PRIx64 " reads release '%.65s', not '%s': "
			 "virtual address translation or KERNELOFFSET is wrong, or vmlinux does not match",
			 kd->path, addr, rel, kd->osrelease);
		return -1;
	}
	return 0;
}

struct fs_target *fs_kdump_open(const char *vmlinux, const char *vmcore, char *err,
				size_t errlen)
{
	struct kd *kd;
	struct stat st;
	kdump_status ks;
	bool live = !vmcore || strcmp(vmcore, LIVE_PATH) == 0;

	if (errlen)
		err[0] = '\0';
	if (!vmlinux || !*vmlinux) {
		snprintf(err, errlen, "no vmlinux given");
		return NULL;
	}
	kd = calloc(1, sizeof(*kd));
	if (!kd) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	kd->fd = -1;
	kd->t.ops = &kd_ops;
	kd->t.priv = kd;
	kd->t.name = "kdump";
	kd->info.notes = "";
	kd->info.filtered = -1;
	kd->info.dump_level = -1;
	kd->info.live = live;
	kd->t.live = live;
	kd->t.cacheable = !live;
	snprintf(kd->path, sizeof(kd->path), "%s", live ? LIVE_PATH : vmcore);

	/* the dump first: the commonest mistake is a wrong dump path */
	kd->fd = open(kd->path, O_RDONLY | O_CLOEXEC);
	if (kd->fd < 0) {
		snprintf(err, errlen, "cannot open vmcore %s: %s", kd->path, strerror(errno));
		goto fail;
	}
	if (fstat(kd->fd, &st) < 0) {
		snprintf(err, errlen, "cannot stat vmcore %s: %s", kd->path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "vmcore %s is a directory", kd->path);
		goto fail;
	}
	if (!live && S_ISREG(st.st_mode) && st.st_size == 0) {
		snprintf(err, errlen, "vmcore %s is empty", kd->path);
		goto fail;
	}

	kd->idx = fs_dwidx_open(vmlinux, true, err, errlen);
	if (!kd->idx)
		goto fail;

	if (!live && is_flattened(kd->fd)) {
		int fd = unflatten(kd, kd->fd, err, errlen);
		if (fd < 0)
			goto fail;
		close(kd->fd);
		kd->fd = fd;
		kd->info.flattened = true;
	}

	/* truncation, judged from the headers before libkdumpfile sees them */
	if (!live && fstat(kd->fd, &st) == 0 && S_ISREG(st.st_mode)) {
		uint64_t fsize = (uint64_t)st.st_size;
		char sig[8] = "", why[sizeof(kd->truncated_why)];
		int sev = 0;

		if (pread(kd->fd, sig, sizeof(sig), 0) < 4)
			memset(sig, 0, sizeof(sig));
		if (memcmp(sig, "\177ELF", 4) == 0)
			sev = elf_truncated(kd, kd->fd, fsize, why, sizeof(why));
		else if (memcmp(sig, "KDUMP   ", 8) == 0)
			sev = diskdump_truncated(kd->fd, fsize, why, sizeof(why));
		if (sev == 2) {
			snprintf(err, errlen, "vmcore %s is truncated: %s", kd->path, why);
			goto fail;
		}
		if (sev == 1 && !kd->truncated) {
			kd->truncated = true;
			snprintf(kd->truncated_why, sizeof(kd->truncated_why), "%s", why);
			note(kd, "vmcore %s is truncated: %s; reads of the missing part fail",
			     kd->path, why);
		}
	}

	if (!live && arch_mismatch(kd->fd, kd->path, vmlinux, err, errlen))
		goto fail;

	kd->ctx = kdump_new();
	if (!kd->ctx) {
		snprintf(err, errlen, "out of memory (kdump_new)");
		goto fail;
	}
	/*
	 * read(2), never mmap(2): libkdumpfile maps past the end of a truncated
	 * dump and the process dies of SIGBUS; with read(2) it gets an error.
	 */
	kdump_set_number_attr(kd->ctx, KDUMP_ATTR_FILE_MMAP_POLICY, KDUMP_MMAP_NEVER);
	/*
	 * A small libkdumpfile cache: in 0.5.1 a look-up walks the cached
	 * entries comparing keys, so with its default of 1024 pages every miss
	 * (most reads of a whole-dump scan, which reads each page once) costs
	 * a walk of them all: 12 ms of the bench scan's 91, and half of the
	 * I/O floor. Pages read again mostly hit the engine's own page cache
	 * first (src/target.c); 64 pages measured as fast as 32 and 16.
	 */
	kdump_set_number_attr(kd->ctx, "cache.size", FS_KDUMP_CACHE_PAGES);
	if (live)
		live_segments(kd);
	ks = kdump_open_fd(kd->ctx, kd->fd);
	if (ks != KDUMP_OK) {
		char sig[8];
		if (pread(kd->fd, sig, sizeof(sig), 0) == (ssize_t)sizeof(sig) &&
		    (memcmp(sig, "KDUMP   ", 8) == 0 || memcmp(sig, "DISKDUMP", 8) == 0))
			kd->ctx_unfreeable = true;
		const char *m = kdump_get_err(kd->ctx);
		if (ks == KDUMP_ERR_NOTIMPL)
			snprintf(err, errlen, "vmcore %s is not a dump libkdumpfile can read: %s",
				 kd->path, m ? m : kdump_strerror(ks));
		else
			snprintf(err, errlen, "cannot open vmcore %s: %s", kd->path,
				 m ? m : kdump_strerror(ks));
		goto fail;
	}
	kd->format = get_string_attr(kd->ctx, KDUMP_ATTR_FILE_FORMAT);
	kd->info.format = kd->format ? kd->format : "unknown";

	if (setup_translation(kd, err, errlen) < 0)
		goto fail_hint;

	/* VMCOREINFO: from the dump, else (live) through /sys/kernel/vmcoreinfo */
	char *raw = NULL;
	if (kdump_vmcoreinfo_raw(kd->ctx, &raw) == KDUMP_OK && raw && *raw) {
		kd->vmcoreinfo = raw;
	} else {
		free(raw);
		if (live && (kd->vmcoreinfo = live_vmcoreinfo(kd))) {
			kdump_blob_t *b = kdump_blob_new_dup(kd->vmcoreinfo, strlen(kd->vmcoreinfo));
			kdump_attr_t a = { .type = KDUMP_BLOB };
			a.val.blob = b;
			if (!b || kdump_set_attr(kd->ctx, "linux.vmcoreinfo.raw", &a) != KDUMP_OK)
				note(kd, "could not hand VMCOREINFO to libkdumpfile: %s",
				     kdump_get_err(kd->ctx));
			if (b)
				kdump_blob_decref(b);
			/* re-run the Linux translation setup with the new facts */
			kdump_set_string_attr(kd->ctx, KDUMP_ATTR_OSTYPE, "linux");
			note(kd, "VMCOREINFO read from /sys/kernel/vmcoreinfo");
		} else {
			note(kd, "the dump has no VMCOREINFO: no KASLR offset, vmlinux match unchecked");
		}
	}
	if (kd->vmcoreinfo) {
		char *ko = vmci_line(kd->vmcoreinfo, "KERNELOFFSET");
		if (ko) {
			kd->info.kaslr_offset = strtoull(ko, NULL, 16);
			free(ko);
		}
	}

	if (check_match(kd, vmlinux, err, errlen) < 0)
		goto fail;

	if (!live && kd->format && strcmp(kd->format, "elf") == 0 && elf_vaddr_is_paddr(kd->fd) &&
	    setup_kv_pgtable(kd, "ELF program headers have p_vaddr == p_paddr (QEMU): kernel virtual addresses are translated through the page tables only",
			     err, errlen) < 0)
		goto fail;
	/* truncated ELF: translate ourselves, so that reads can check the file has the data */
	if (kd->nmissing && setup_kv_pgtable(kd, NULL, err, errlen) < 0)
		goto fail;

	if (!live && kd->format && strcmp(kd->format, "diskdump") == 0) {
		int level = diskdump_level(kd->fd);
		kd->info.dump_level = level;
		/* bit 0 alone (zero pages) loses nothing: QEMU always says 1 */
		kd->info.filtered = level < 0 ? -1 : (level & ~1) ? 1 : 0;
		if (kd->info.filtered == 1)
			note(kd, "the dump was filtered by makedumpfile (dump level %d): excluded pages cannot be read",
			     level);
	} else if (live) {
		kd->info.filtered = 0;
	}

	if (self_check(kd, err, errlen) < 0)
		goto fail_hint;
	return &kd->t;
fail_hint:
	if (kd->truncated && !strstr(err, "truncated")) {
		size_t l = strlen(err);
		snprintf(err + l, errlen - l, " (the dump is truncated: %s)", kd->truncated_why);
	}
fail:
	/* A dump known to be cut short explains most later failures: say so. */
	if (kd->truncated && !strstr(err, "truncated")) {
		size_t n = strlen(err);
		snprintf(err + n, errlen > n ? errlen - n : 0, " (the dump file is truncated: %s)",
			 kd->truncated_why);
	}
	kd_free(kd);
	return NULL;
}
