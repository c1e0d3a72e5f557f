// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_profile.c - libFuzzer target: the kernel-profile parsers
 * (src/profile.c: VMCOREINFO text, IKCONFIG gzip blob and text, --config
 * overrides, versions) and what consumes the profile first (fs_mm_init's
 * zone layout from the config, a one-folio scan and its report).
 *
 * The target is the synthetic 7.2 kernel of tests/unit/synth-kernel.c with
 * one device folio mapped, whose VMCOREINFO and IKCONFIG come from the input:
 *   [mode] VMCOREINFO \0 KCONFIG \0 OVERRIDES \0 VERSION
 * mode bits 0-1: how KCONFIG reaches the engine
 *   0 no IKCONFIG (the profile probes symbols instead)
 *   1 text: gzip-compressed here and stored between kernel_config_data and
 *     kernel_config_data_end, as kernel/configs.c does
 *   2 raw: the bytes are the blob itself (the gzip/inflate path)
 *   3 text, but the blob's memory is missing (an unreadable IKCONFIG)
 * bit 2: page_offset_base/vmemmap_base readable  bit 3: swap_migration_ad_supported
 * bit 4: apply OVERRIDES  bit 5: apply VERSION  bit 7: the value of swap_migration_ad_supported
 */
#include <zlib.h>

#include "folioscope/folio.h"
#include "folioscope/profile.h"
#include "folioscope/report.h"
#include "folioscope/scan.h"
#include "fuzz.h"
#include "synth-kernel.h"

#define CONFIG_KVA 0xffffffff83000000ULL	/* in the synthetic kernel image */
#define MAX_SEG (1u << 16)

/* Next NUL-terminated segment of the input, as a C string (malloc'd). */
static char *segment(struct fz_in *in, size_t *len)
{
	const uint8_t *end = memchr(in->p, 0, in->n);
	size_t n = end ? (size_t)(end - in->p) : in->n;
	char *s = malloc(n + 1);

	memcpy(s, in->p, n);
	s[n] = 0;
	in->p += end ? n + 1 : n;
	in->n -= end ? n + 1 : n;
	if (len)
		*len = n;
	return s;
}

static unsigned char *gzip(const char *text, size_t len, size_t *out_len)
{
	z_stream zs = { 0 };
	size_t cap = len + len / 8 + 128;
	unsigned char *out = malloc(cap);

	if (deflateInit2(&zs, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	zs.next_in = (unsigned char *)text;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	FZ_CHECK(deflate(&zs, Z_FINISH) == Z_STREAM_END, "gzip");
	*out_len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

static void store_config(struct sk *k, const void *blob, size_t len, bool readable)
{
	synth_add_symbol(k->t, "kernel_config_data", CONFIG_KVA);
	synth_add_symbol(k->t, "kernel_config_data_end", CONFIG_KVA + len);
	if (readable && len)
		synth_write_kva(k->t, CONFIG_KVA, blob, len);
}

static void check_profile(const struct fs_profile *p)
{
	char buf[1024];

	FZ_CHECK(p->facts.arch == FS_ARCH_X86_64 || p->facts.arch == FS_ARCH_ARM64, "arch %d", p->facts.arch);
	FZ_CHECK(p->levels >= 3 && p->levels <= 5, "levels %d", p->levels);
	FZ_CHECK(memchr(p->osrelease, 0, sizeof(p->osrelease)), "osrelease");
	FZ_CHECK(memchr(p->notes, 0, sizeof(p->notes)), "notes");
	FZ_CHECK(p->swap.max_swapfiles >= 0 && p->swap.max_swapfiles <= 32, "max_swapfiles");
	fs_profile_describe(p, buf, sizeof(buf));
	FZ_CHECK(strlen(buf) < sizeof(buf), "describe");
	fprintf(fz_sink(), "profile: %s\n", buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct fs_profile p;
	struct fs_scan s;
	struct sk k;
	char err[512], *vi, *kc, *ovr, *ver;
	size_t kclen;
	uint8_t mode;
	int rc;

	if (size < 1 || size > MAX_SEG)
		return 0;
	mode = fz_u8(&in);
	vi = segment(&in, NULL);
	kc = segment(&in, &kclen);
	ovr = segment(&in, NULL);
	ver = segment(&in, NULL);

	/* the parse helpers on their own */
	{
		char val[64];
		int64_t n;
		uint64_t h;
		int ma, mi;
		fs_vmcoreinfo_get(vi, "OSRELEASE", val, sizeof(val));
		fs_vmcoreinfo_number(vi, "PAGESIZE", &n);
		fs_vmcoreinfo_hex(vi, "SYMBOL(init_top_pgt)", &h);
		if (fs_parse_version(ver, &ma, &mi) == 0)
			FZ_CHECK(ma >= 2 && ma <= 99 && mi >= 0 && mi <= 99, "version %d.%d", ma, mi);
		rc = fs_kconfig_bool(kc, ver[0] ? ver : "MIGRATION");
		FZ_CHECK(rc >= -1 && rc <= 1, "kconfig_bool %d", rc);
	}

	/* a kernel with one PTE-mapped device folio, to scan with the profile */
	sk_init(&k);
	sk_device_folio(&k, SK_DEV_PFN + 1, 0, 1, 0x100000000000ULL);
	sk_set_pte(&k, 0x100000000000ULL, sk_entry(28, SK_DEV_PFN + 1));
	sk_set_counts(&k, SK_DEV_PFN + 1, 0, 0);
	synth_set_vmcoreinfo(k.t, vi);
	switch (mode & 3) {
	case 1:
	case 3: {
		size_t gzlen;
		unsigned char *gz = gzip(kc, kclen, &gzlen);
		store_config(&k, gz, gzlen, (mode & 3) == 1);
		free(gz);
		break;
	}
	case 2:
		store_config(&k, kc, kclen, true);
		break;
	}
	if (mode & 4) {
		uint64_t a = sk_alloc(&k, 16);
		sk_put64(&k, a, SK_PAGE_OFFSET);
		sk_put64(&k, a + 8, SK_VMEMMAP);
		synth_add_symbol(k.t, "page_offset_base", a);
		synth_add_symbol(k.t, "vmemmap_base", a + 8);
	}
	if (mode & 8) {
		uint64_t a = sk_alloc(&k, 8);
		sk_put64(&k, a, mode >> 7);
		synth_add_symbol(k.t, "swap_migration_ad_supported", a);
	}

	rc = fs_profile_from_target(&p, k.t, err, sizeof(err));
	FZ_CHECK(memchr(err, 0, sizeof(err)), "err");
	if (rc == 0) {
		check_profile(&p);
		if ((mode & 3) == 1 && p.ikconfig)
			FZ_CHECK(strlen(p.ikconfig) <= kclen, "IKCONFIG text grew");
		if (mode & 16 && fs_profile_override(&p, ovr, err, sizeof(err)) == 0)
			check_profile(&p);
		if (mode & 32 && fs_profile_set_version(&p, ver, err, sizeof(err)) == 0)
			check_profile(&p);
		if (fs_scan_folio(&s, k.t, &p, SK_DEV_PFN + 1, err, sizeof(err)) == 0) {
			fs_report_scan_text(fz_sink(), &s, &p, true, true);
			fs_report_scan_json(fz_sink(), &s, &p, true);
		}
		fs_scan_free(&s);
	}
	fs_profile_free(&p);
	fs_target_close(k.t);
	free(vi);
	free(kc);
	free(ovr);
	free(ver);
	return 0;
}
