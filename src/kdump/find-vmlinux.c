// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * find-vmlinux.c - find the vmlinux of a dump when the user gives none.
 *
 * The dump says which kernel it is: VMCOREINFO carries OSRELEASE and, since
 * Linux 5.9 (kernel/crash_core.c, "BUILD-ID=%20phN"), the kernel's GNU build
 * ID. We look, in this order, where debuggers look:
 *   1. build-ID links under each debug root: $FOLIOSCOPE_DEBUG_DIRS
 *      (colon-separated), then /usr/lib/debug: ROOT/.build-id/xx/yyyy.debug
 *      and ROOT/.build-id/xx/yyyy (the layout GDB, elfutils and drgn use;
 *      Debian's -dbg packages install it);
 *   2. release-named files: ROOT/boot/vmlinux-R, ROOT/lib/modules/R/vmlinux,
 *      /boot/vmlinux-R, /lib/modules/R/build/vmlinux;
 *   3. debuginfod (elfutils' libdebuginfod, loaded with dlopen so it is not a
 *      build dependency), only when DEBUGINFOD_URLS is set, as drgn does.
 * A candidate is taken only if its build ID is the dump's (or, when the dump
 * has none, its release is checked later by fs_kdump_open()).
 */
#include <dlfcn.h>
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "folioscope/target-kdump.h"

#define HEAD_BYTES (4u << 20)	/* VMCOREINFO sits in the first MiBs of every format we read */

/* Copy the value of "KEY=" in text (a VMCOREINFO line) into out. */
static bool vmci_value(const char *text, size_t len, const char *key, char *out, size_t outlen)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && p + klen < text + len; p = memchr(p, '\n', (size_t)(text + len - p))) {
		if (*p == '\n')
			p++;
		if ((size_t)(text + len - p) > klen && memcmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t n = 0;
			p += klen + 1;
			while (p + n < text + len && p[n] != '\n' && p[n] != '\0' && p[n] != ' ' && n + 1 < outlen)
				n++;
			memcpy(out, p, n);
			out[n] = '\0';
			return n > 0;
		}
	}
	return false;
}

int fs_kdump_dump_identity(const char *vmcore, char *osrelease, size_t rellen, char *buildid, size_t bidlen,
			   char *err, size_t errlen)
{
	const char *path = vmcore ? vmcore : "/proc/kcore";
	char *head;
	ssize_t n, got = 0;
	int fd;

	osrelease[0] = buildid[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %m", path);
		return -1;
	}
	head = malloc(HEAD_BYTES);
	if (!head) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (got < (ssize_t)HEAD_BYTES && (n = read(fd, head + got, HEAD_BYTES - (size_t)got)) > 0)
		got += n;
	close(fd);
	for (ssize_t i = 0; i + 10 < got; i++) {
		bool line_start = i == 0 || head[i - 1] == '\n' || head[i - 1] == '\0';
		if (!line_start || (head[i] != 'O' && head[i] != 'B'))
			continue;
		if (!osrelease[0] && memcmp(head + i, "OSRELEASE=", 10) == 0)
			vmci_value(head + i, (size_t)(got - i), "OSRELEASE", osrelease, rellen);
		if (!buildid[0] && memcmp(head + i, "BUILD-ID=", 9) == 0)
			vmci_value(head + i, (size_t)(got - i), "BUILD-ID", buildid, bidlen);
	}
	free(head);
	if (!osrelease[0] && !buildid[0]) {
		snprintf(err, errlen, "%s: no VMCOREINFO (OSRELEASE, BUILD-ID) near its start: "
			 "cannot tell which vmlinux it needs; give -k VMLINUX", path);
		return -1;
	}
	return 0;
}

/* The GNU build ID of an ELF file as hex, or "" (not ELF, no note). */
static void file_build_id(const char *path, char *hex, size_t hexlen)
{
	const unsigned char *id;
	ssize_t len;
	Elf *elf;
	int fd;

	hex[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf && (len = dwelf_elf_gnu_build_id(elf, (const void **)&id)) > 0)
		for (ssize_t i = 0; i < len && (size_t)(2 * i + 3) <= hexlen; i++)
			snprintf(hex + 2 * i, 3, "%02x", id[i]);
	elf_end(elf);
	close(fd);
}

/* Is path a regular readable file whose build ID fits the dump's? */
static bool fits(const char *path, const char *buildid)
{
	char have[129];

	if (access(path, R_OK))
		return false;
	if (!buildid[0])
		return true;	/* fs_kdump_open() checks the release */
	file_build_id(path, have, sizeof(have));
	return have[0] && strncasecmp(have, buildid, strlen(buildid)) == 0;
}

/* Take cand (out) if it fits the dump, saying how it was found (where). */
static bool take(const char *cand, const char *buildid, char *out, size_t outlen, char *where, size_t wherelen,
		 const char *how)
{
	if (!fits(cand, buildid))
		return false;
	snprintf(out, outlen, "%s", cand);
	snprintf(where, wherelen, "%s", how);
	return true;
}

/* libdebuginfod's interface (elfutils debuginfod/debuginfod.h, stable since 0.178). */
typedef struct debuginfod_client debuginfod_client;
typedef debuginfod_client *(*dbg_begin_fn)(void);
typedef int (*dbg_find_fn)(debuginfod_client *, const unsigned char *, int, char **);
typedef void (*dbg_end_fn)(debuginfod_client *);

static int from_debuginfod(const char *buildid, char *out, size_t outlen, char *why, size_t whylen)
{
	unsigned char id[64];
	size_t n = strlen(buildid) / 2;
	char *path = NULL;
	void *lib;
	int fd;

	if (!getenv("DEBUGINFOD_URLS") || !*getenv("DEBUGINFOD_URLS")) {
		snprintf(why, whylen, "debuginfod not tried (DEBUGINFOD_URLS is not set)");
		return -1;
	}
	if (n == 0 || n > sizeof(id))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (sscanf(buildid + 2 * i, "%2hhx", &id[i]) != 1)
			return -1;
	lib = dlopen("libdebuginfod.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		snprintf(why, whylen, "debuginfod not tried (libdebuginfod.so.1: %s)", dlerror());
		return -1;
	}
	dbg_begin_fn begin = (dbg_begin_fn)dlsym(lib, "debuginfod_begin");
	dbg_find_fn find = (dbg_find_fn)dlsym(lib, "debuginfod_find_debuginfo");
	dbg_end_fn end = (dbg_end_fn)dlsym(lib, "debuginfod_end");
	debuginfod_client *c = begin && find && end ? begin() : NULL;
	if (!c) {
		snprintf(why, whylen, "debuginfod not tried (libdebuginfod.so.1 unusable)");
		dlclose(lib);
		return -1;
	}
	fd = find(c, id, (int)n, &path);
	end(c);
	dlclose(lib);
	if (fd < 0) {
		snprintf(why, whylen, "debuginfod (%s) has no debug info for build ID %s: %s",
			 getenv("DEBUGINFOD_URLS"), buildid, strerror(-fd));
		free(path);
		return -1;
	}
	close(fd);
	snprintf(out, outlen, "%s", path);
	free(path);
	return 0;
}

int fs_kdump_find_vmlinux(const char *vmcore, char *out, size_t outlen, char *where, size_t wherelen,
			  char *err, size_t errlen)
{
	char rel[128], bid[129], roots[4096], cand[4096], how[4096 + 256], why[512] = "";
	const char *env = getenv("FOLIOSCOPE_DEBUG_DIRS");

	if (fs_kdump_dump_identity(vmcore, rel, sizeof(rel), bid, sizeof(bid), err, errlen))
		return -1;
	for (size_t i = 0; bid[i]; i++)
		if (bid[i] >= 'A' && bid[i] <= 'F')
			bid[i] = (char)(bid[i] - 'A' + 'a');
	snprintf(roots, sizeof(roots), "%s%s/usr/lib/debug", env && *env ? env : "", env && *env ? ":" : "");
	for (char *save = NULL, *root = strtok_r(roots, ":", &save); root; root = strtok_r(NULL, ":", &save)) {
		static const char *const suffix[] = { ".debug", "" };
		snprintf(how, sizeof(how), "by build ID %s under %s", bid, root);
		for (int k = 0; bid[0] && bid[1] && k < 2; k++) {
			snprintf(cand, sizeof(cand), "%s/.build-id/%.2s/%s%s", root, bid, bid + 2, suffix[k]);
			if (take(cand, bid, out, outlen, where, wherelen, how))
				return 0;
		}
		if (!rel[0])
			continue;
		const char *fmt[] = { "%s/boot/vmlinux-%s", "%s/lib/modules/%s/vmlinux" };
		snprintf(how, sizeof(how), "by release %s under %s%s", rel, root, bid[0] ? " (build ID checked)" : "");
		for (int k = 0; k < 2; k++) {
			snprintf(cand, sizeof(cand), fmt[k], root, rel);
			if (take(cand, bid, out, outlen, where, wherelen, how))
				return 0;
		}
	}
	if (rel[0]) {
		const char *fmt[] = { "/boot/vmlinux-%s", "/lib/modules/%s/build/vmlinux" };
		snprintf(how, sizeof(how), "by release %s%s", rel, bid[0] ? " (build ID checked)" : "");
		for (int k = 0; k < 2; k++) {
			snprintf(cand, sizeof(cand), fmt[k], rel);
			if (take(cand, bid, out, outlen, where, wherelen, how))
				return 0;
		}
	}
	if (bid[0] && from_debuginfod(bid, out, outlen, why, sizeof(why)) == 0) {
		snprintf(where, wherelen, "through debuginfod (%s) by build ID %s", getenv("DEBUGINFOD_URLS"), bid);
		return 0;
	}
	snprintf(err, errlen, "no vmlinux for this dump (release %s, build ID %s) in %s/usr/lib/debug, /boot or "
		 "/lib/modules%s%s; give -k VMLINUX, install the kernel's debug package, or set DEBUGINFOD_URLS",
		 rel[0] ? rel : "unknown", bid[0] ? bid : "unknown",
		 env && *env ? "$FOLIOSCOPE_DEBUG_DIRS, " : "", why[0] ? "; " : "", why);
	return -1;
}
