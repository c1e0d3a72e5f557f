/*
 * hmmscen SCENARIO: build a named device-private memory state through the
 * test_hmm driver (/dev/hmm_dmirror0), then print a ground-truth manifest
 * (JSON, schema in docs/lab.md) on the console between
 * FOLIOSCOPE-MANIFEST-BEGIN and FOLIOSCOPE-MANIFEST-END, then
 * FOLIOSCOPE-READY, and stay alive (with every child) until the dump.
 *
 * The manifest reports what the kernel actually did, read back after the
 * fact: entry kind and PFN from /proc/PID/pagemap, the mapping level (PMD or
 * PTE) and device ownership from the driver's HMM_DMIRROR_SNAPSHOT (which
 * walks the page tables without faulting), present-page mapcounts from
 * /proc/kpagecount, live ranges from /proc/PID/maps. Swap-type numbers are
 * computed from the kernel version and /proc/config.gz the way
 * include/linux/swap.h of that version computes them, and cross-checked
 * against the snapshot for device-private entries.
 *
 * Never close a /dev/hmm_dmirror* descriptor: test_hmm's release() evicts
 * every device page of the device back to system memory.
 * Never touch a migrated page: the CPU fault migrates it back.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#define PAGE 4096UL
#define PMD_SIZE (2UL << 20)
#define PMD_PAGES 512

/* test_hmm user interface (lib/test_hmm_uapi.h; identical in 6.1, 6.12, 7.2). */
struct hmm_dmirror_cmd {
	uint64_t addr, ptr, npages, cpages, faults;
};
#define HMM_DMIRROR_MIGRATE_TO_DEV _IOWR('H', 0x02, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_SNAPSHOT _IOWR('H', 0x04, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_EXCLUSIVE _IOWR('H', 0x05, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_RELEASE _IOWR('H', 0x07, struct hmm_dmirror_cmd)
#define SNAP_ERROR 0xff
#define SNAP_READ 0x01
#define SNAP_WRITE 0x02
#define SNAP_PMD 0x04
#define SNAP_ZERO 0x10
#define SNAP_DEV_PRIVATE_LOCAL 0x20
#define SNAP_DEV_PRIVATE_REMOTE 0x30
#define SNAP_DEV_MASK 0xf0

/* /proc/PID/pagemap bits (Documentation/admin-guide/mm/pagemap.rst). */
#define PM_PFN_MASK ((1ULL << 55) - 1)
#define PM_EXCLUSIVE (1ULL << 56)
#define PM_FILE (1ULL << 61)
#define PM_SWAP (1ULL << 62)
#define PM_PRESENT (1ULL << 63)

/* Fixed, 2 MiB-aligned addresses: region k lives at BASE_VA + k * SLOT. */
#define BASE_VA 0x100000000000UL
#define SLOT (4UL << 20)

#define MAXP 4
#define MAXR 8
#define MAXPG 1024
#define MAXF 16

struct pgrec {
	uint64_t pm;	/* pagemap word */
	uint8_t snap;	/* snapshot byte */
	uint8_t mapped;	/* inside a VMA at collection time */
	uint8_t snapped;	/* snapshot succeeded */
	int32_t kpagecount;	/* -1 unless present and readable */
};

struct rrec {
	char name[32];
	uint64_t start, end;
	char backing[32];
	char intent[160];
	char actions[1024];	/* '\n'-separated */
	struct pgrec pg[MAXPG];
};

struct prec {
	int pid;
	char comm[16];
	char role[16];
	int nr;
	struct rrec r[MAXR];
};

struct folio_note {
	uint64_t head_pfn;
	uint64_t entry_pfn;	/* PFN the PMD entry names (== head_pfn on a sane kernel) */
	int order;
	char where[64];
};

/* A task the scenario left blocked in the kernel on purpose. */
struct stuck_note {
	int pid;
	char comm[16];
	char state;		/* /proc/PID/stat state when recorded */
	char wchan[64];		/* /proc/PID/wchan */
	char waits_on[64];	/* what the scenario expects it to wait in */
	char device[32];
	uint64_t dev_pfn;	/* a device PFN the scenario had allocated */
	uint64_t chunk_first, chunk_end;	/* test_hmm chunk holding it, 0 if unknown */
	int dev_pages;		/* device pages the scenario allocated from it */
};

struct board {
	int np;
	struct prec p[MAXP];
	int nf;
	struct folio_note f[MAXF];
	int ns;
	struct stuck_note s[2];
	char notes[4096];	/* '\n'-separated */
};

static struct board *board;
static struct prec *me;
static int dmfd = -1;
static int hmm_module;	/* test_hmm was loaded from /lib/modules by us */
static int hmm_gone;	/* test_hmm is being removed: no snapshots */
static const char *scenario;
static char *bounce;

/* swap type numbers of this kernel */
struct swptypes {
	int max_swapfiles, hwpoison, mig_r, mig_rx, mig_w, dev_w, dev_r;
	int dev_x, dev_xw, dev_xr, marker, swapin_error;
	char era;
	int cfg_mf, cfg_pte_marker, cfg_thp_migration;
} st;

static void failed(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("FOLIOSCOPE-FAILED hmmscen[%d] %s: ", getpid(), scenario ? scenario : "?");
	vprintf(fmt, ap);
	printf(" (errno %d %s)\n", errno, strerror(errno));
	fflush(stdout);
	va_end(ap);
	/* Stay alive: exiting would drop our device pages and hide the
	 * state; run-guest stops on the FAILED line. */
	for (;;)
		pause();
}

static void note(const char *fmt, ...)
{
	va_list ap;
	size_t len = strlen(board->notes);

	va_start(ap, fmt);
	vsnprintf(board->notes + len, sizeof(board->notes) - len - 1, fmt, ap);
	va_end(ap);
	strcat(board->notes, "\n");
}

static void act(struct rrec *r, const char *fmt, ...)
{
	va_list ap;
	size_t len = strlen(r->actions);

	va_start(ap, fmt);
	vsnprintf(r->actions + len, sizeof(r->actions) - len - 1, fmt, ap);
	va_end(ap);
	strcat(r->actions, "\n");
}

/* ---------------------------------------------------------------- config */

static char *read_config(void)
{
	gzFile z = gzopen("/proc/config.gz", "rb");
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap + 1);
	int n;

	if (!z || !buf)
		failed("cannot open /proc/config.gz (CONFIG_IKCONFIG_PROC)");
	while ((n = gzread(z, buf + len, cap - len)) > 0) {
		len += n;
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			if (!buf)
				failed("out of memory");
		}
	}
	gzclose(z);
	buf[len] = 0;
	return buf;
}

static int config_y(const char *cfg, const char *opt)
{
	char key[128];
	const char *p;

	snprintf(key, sizeof(key), "\n%s=y\n", opt);
	p = strstr(cfg, key);
	return p != NULL;
}

/*
 * Special swap types, allocated downward from 31 (include/linux/swap.h):
 *   era B (5.19-6.1): MIGRATION R,RX,W; DEVICE W,R,XW,XR; PTE_MARKER iff
 *                     CONFIG_PTE_MARKER; SWAPIN_ERROR always.
 *   era C (6.2-6.14): same without SWAPIN_ERROR; PTE_MARKER always.
 *   era D (6.15-):    DEVICE W,R,EXCLUSIVE (3 types); PTE_MARKER always.
 */
static void compute_swap_types(const char *release, const char *cfg)
{
	int maj = 0, min = 0, hw, mign, devn, ptem, sie, base;

	sscanf(release, "%d.%d", &maj, &min);
	if (maj > 6 || (maj == 6 && min >= 15))
		st.era = 'D';
	else if (maj == 6 && min >= 2)
		st.era = 'C';
	else if ((maj == 6) || (maj == 5 && min >= 19))
		st.era = 'B';
	else
		failed("kernel %s is older than the lab supports (5.19)", release);
	st.cfg_mf = config_y(cfg, "CONFIG_MEMORY_FAILURE");
	st.cfg_pte_marker = config_y(cfg, "CONFIG_PTE_MARKER");
	st.cfg_thp_migration = config_y(cfg, "CONFIG_ARCH_ENABLE_THP_MIGRATION");
	if (!config_y(cfg, "CONFIG_MIGRATION") || !config_y(cfg, "CONFIG_DEVICE_PRIVATE"))
		failed("kernel lacks CONFIG_MIGRATION or CONFIG_DEVICE_PRIVATE");
	hw = st.cfg_mf;
	mign = 3;
	devn = st.era == 'D' ? 3 : 4;
	ptem = st.era == 'B' ? st.cfg_pte_marker : 1;
	sie = st.era == 'B';
	st.max_swapfiles = 32 - devn - mign - hw - ptem - sie;
	st.hwpoison = hw ? st.max_swapfiles : -1;
	base = st.max_swapfiles + hw;
	st.mig_r = base;
	st.mig_rx = base + 1;
	st.mig_w = base + 2;
	base += mign;
	st.dev_w = base;
	st.dev_r = base + 1;
	st.dev_x = st.dev_xw = st.dev_xr = -1;
	if (st.era == 'D') {
		st.dev_x = base + 2;
	} else {
		st.dev_xw = base + 2;
		st.dev_xr = base + 3;
	}
	base += devn;
	st.marker = ptem ? base : -1;
	st.swapin_error = sie ? base + ptem : -1;
}

static const char *swap_kind(int type)
{
	if (type == st.dev_w)
		return "device-private-write";
	if (type == st.dev_r)
		return "device-private-read";
	if (type == st.dev_x || type == st.dev_xw)
		return "device-exclusive";	/* writable */
	if (type == st.dev_xr)
		return "device-exclusive-read";
	if (type == st.mig_r)
		return "migration-read";
	if (type == st.mig_rx)
		return "migration-read-exclusive";
	if (type == st.mig_w)
		return "migration-write";
	if (type == st.marker)
		return "pte-marker";
	if (type == st.hwpoison)
		return "hwpoison";
	if (type == st.swapin_error)
		return "swapin-error";
	if (type < st.max_swapfiles)
		return "swap";
	return "unknown";
}

/* ----------------------------------------------------------- primitives */

static int dmirror(void)
{
	if (dmfd < 0) {
		dmfd = open("/dev/hmm_dmirror0", O_RDWR);	/* never closed */
		if (dmfd < 0)
			failed("open /dev/hmm_dmirror0 (CONFIG_TEST_HMM?)");
	}
	return dmfd;
}

static struct rrec *region(const char *name, int slot, size_t size, int thp,
			   const char *intent)
{
	struct rrec *r;
	void *va = (void *)(BASE_VA + slot * SLOT), *p;

	if (me->nr >= MAXR || size / PAGE > MAXPG)
		failed("region table full");
	r = &me->r[me->nr++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->intent, sizeof(r->intent), "%s", intent);
	snprintf(r->backing, sizeof(r->backing), "anon-private");
	p = mmap(va, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != va)
		failed("mmap %s at %p", name, va);
	r->start = (uintptr_t)p;
	r->end = r->start + size;
	act(r, "mmap anon private rw");
	if (!madvise(p, size, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		act(r, thp ? "madvise MADV_HUGEPAGE" : "madvise MADV_NOHUGEPAGE");
	else if (errno == ENOSYS)
		/* CONFIG_ADVISE_SYSCALLS off: THP mode "always" (set in main)
		 * gives 2 MiB-aligned regions THPs; regions under 2 MiB cannot
		 * get one. */
		act(r, "madvise unavailable (ENOSYS); relying on THP mode always");
	else
		failed("madvise %s", name);
	return r;
}

static void touch(struct rrec *r)
{
	for (uint64_t a = r->start; a < r->end; a += PAGE)
		memset((void *)a, (int)((a >> 12) & 0xff) | 1, PAGE);
	act(r, "write every page");
}

static void snapshot(uint64_t start, size_t npages, uint8_t *out)
{
	struct hmm_dmirror_cmd c = { .addr = start, .ptr = (uintptr_t)out, .npages = npages };

	if (ioctl(dmirror(), HMM_DMIRROR_SNAPSHOT, &c))
		failed("HMM_DMIRROR_SNAPSHOT 0x%" PRIx64 "+%zu", start, npages);
}

static uint64_t pagemap_word(uint64_t va)
{
	uint64_t pm;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0 || pread(fd, &pm, 8, (va / PAGE) * 8) != 8)
		failed("pagemap");
	close(fd);
	return pm;
}

/*
 * Migrate [start,end) to the device and record what happened to each
 * 2 MiB-aligned THP in it: PMD-mapped before? PMD-level device entry after?
 */
static void migrate(struct rrec *r, uint64_t start, uint64_t end)
{
	struct hmm_dmirror_cmd c = {
		.addr = start, .ptr = (uintptr_t)bounce, .npages = (end - start) / PAGE,
	};
	static uint8_t before[MAXPG], after[MAXPG];
	uint64_t a;

	if (c.npages > MAXPG)
		failed("migrate: range too large");
	snapshot(start, c.npages, before);
	if (ioctl(dmirror(), HMM_DMIRROR_MIGRATE_TO_DEV, &c))
		failed("HMM_DMIRROR_MIGRATE_TO_DEV %s", r->name);
	act(r, "migrate-to-device [0x%" PRIx64 ",0x%" PRIx64 ") npages=%" PRIu64 " cpages=%" PRIu64,
	    start, end, (uint64_t)c.npages, (uint64_t)c.cpages);
	if (c.cpages != c.npages)
		note("%s: migrate-to-device moved %" PRIu64 " of %" PRIu64 " pages",
		     r->name, (uint64_t)c.cpages, (uint64_t)c.npages);
	snapshot(start, c.npages, after);
	for (a = start; a + PMD_SIZE <= end; a += PMD_SIZE) {
		size_t i = (a - start) / PAGE;
		int thp = (before[i] & SNAP_PMD) && before[i] != SNAP_ERROR;
		int dev = (after[i] & SNAP_DEV_MASK) == SNAP_DEV_PRIVATE_LOCAL;
		int pmd = dev && (after[i] & SNAP_PMD);
		uint64_t pm;

		if (a % PMD_SIZE)
			continue;
		act(r, "0x%" PRIx64 ": %s before migration, %s after", a,
		    thp ? "PMD-mapped THP" : "not PMD-mapped",
		    pmd ? "PMD-level device-private entry (device THP)" :
		    dev ? "PTE-level device-private entries" : "not on the device");
		if (thp && !pmd)
			note("%s+0x%" PRIx64 ": the THP was split and migrated as order-0 device pages "
			     "(no PMD-level device-private entry after migration)", r->name, a - r->start);
		if (!pmd)
			continue;
		pm = pagemap_word(a);
		if (board->nf < MAXF && (pm & PM_SWAP)) {
			struct folio_note *f = &board->f[board->nf++];

			/* A PMD-order folio is naturally aligned: its head is the
			 * entry's PFN rounded down. The entry should name the head
			 * itself (zoo/pmd-tail makes it name a tail page). */
			f->entry_pfn = (pm & PM_PFN_MASK) >> 5;
			f->order = 9;
			f->head_pfn = f->entry_pfn & ~((1UL << f->order) - 1);
			if (f->entry_pfn != f->head_pfn)
				note("%s+0x%" PRIx64 ": the PMD entry names PFN 0x%" PRIx64 ", not the head "
				     "0x%" PRIx64 " of its order-9 folio", r->name, a - r->start,
				     f->entry_pfn, f->head_pfn);
			snprintf(f->where, sizeof(f->where), "%s+0x%" PRIx64, r->name, a - r->start);
		}
	}
}

static void make_exclusive(struct rrec *r, uint64_t start, uint64_t end)
{
	struct hmm_dmirror_cmd c = {
		.addr = start, .ptr = (uintptr_t)bounce, .npages = (end - start) / PAGE,
	};

	if (ioctl(dmirror(), HMM_DMIRROR_EXCLUSIVE, &c))
		failed("HMM_DMIRROR_EXCLUSIVE %s", r->name);
	act(r, "device-exclusive [0x%" PRIx64 ",0x%" PRIx64 ") npages=%" PRIu64 " cpages=%" PRIu64,
	    start, end, (uint64_t)c.npages, (uint64_t)c.cpages);
}

static void do_mprotect_read(struct rrec *r, uint64_t start, uint64_t end)
{
	if (mprotect((void *)start, end - start, PROT_READ))
		failed("mprotect %s", r->name);
	act(r, "mprotect PROT_READ [0x%" PRIx64 ",0x%" PRIx64 ")", start, end);
}

static void do_munmap(struct rrec *r, uint64_t start, uint64_t end)
{
	if (munmap((void *)start, end - start))
		failed("munmap %s", r->name);
	act(r, "munmap [0x%" PRIx64 ",0x%" PRIx64 ")", start, end);
}

/* ------------------------------------------------------- fork machinery */

struct child {
	pid_t pid;
	int go, done;
};
static struct child kids[MAXP];
static int nkids;

static void collect(void);

/* Fork a child that inherits every region and then only waits. */
static void fork_child(const char *comm)
{
	int go[2], done[2], slot, i;
	pid_t pid;

	if (board->np >= MAXP || pipe(go) || pipe(done))
		failed("fork_child");
	slot = board->np++;
	memcpy(&board->p[slot], me, sizeof(*me));
	for (i = 0; i < me->nr; i++)
		act(&me->r[i], "fork (parent side)");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		failed("fork");
	if (pid == 0) {
		char c;

		me = &board->p[slot];
		me->pid = getpid();
		snprintf(me->comm, sizeof(me->comm), "%s", comm);
		snprintf(me->role, sizeof(me->role), "child");
		prctl(PR_SET_NAME, comm);
		for (i = 0; i < me->nr; i++) {
			/* the copy was taken before the parent-side note */
			act(&me->r[i], "fork (child side, inherited)");
		}
		dmfd = -1;	/* the inherited descriptor mirrors the parent's mm */
		if (read(go[0], &c, 1) != 1)
			failed("child: go pipe");
		collect();
		if (write(done[1], "d", 1) != 1)
			failed("child: done pipe");
		for (;;)
			pause();
	}
	kids[nkids].pid = pid;
	kids[nkids].go = go[1];
	kids[nkids].done = done[0];
	nkids++;
}

/* ------------------------------------------------------------ collection */

static int in_maps(uint64_t va, const char *maps)
{
	const char *p = maps;

	while (*p) {
		unsigned long s, e;

		if (sscanf(p, "%lx-%lx", &s, &e) == 2 && va >= s && va < e)
			return 1;
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return 0;
}

/* Collect pagemap + snapshot for every region of the calling process. */
static void collect(void)
{
	static char maps[65536];
	int pmfd, kcfd, fd, i;
	ssize_t n;

	fd = open("/proc/self/maps", O_RDONLY);
	n = fd >= 0 ? read(fd, maps, sizeof(maps) - 1) : -1;
	if (n < 0)
		failed("read /proc/self/maps");
	maps[n] = 0;
	close(fd);
	pmfd = open("/proc/self/pagemap", O_RDONLY);
	kcfd = open("/proc/kpagecount", O_RDONLY);
	if (pmfd < 0)
		failed("open pagemap");
	for (i = 0; i < me->nr; i++) {
		struct rrec *r = &me->r[i];
		size_t np = (r->end - r->start) / PAGE, j;
		static uint8_t snap[MAXPG];

		for (j = 0; j < np; j++) {
			struct pgrec *g = &r->pg[j];
			uint64_t va = r->start + j * PAGE;

			g->mapped = in_maps(va, maps);
			g->kpagecount = -1;
			if (pread(pmfd, &g->pm, 8, (va / PAGE) * 8) != 8)
				failed("pread pagemap");
			if (kcfd >= 0 && (g->pm & PM_PRESENT)) {
				uint64_t cnt;

				if (pread(kcfd, &cnt, 8, (g->pm & PM_PFN_MASK) * 8) == 8)
					g->kpagecount = (int32_t)cnt;
			}
		}
		/* snapshot each mapped run separately (holes would fail) */
		for (j = 0; j < np && !hmm_gone;) {
			size_t k = j;

			if (!r->pg[j].mapped) {
				j++;
				continue;
			}
			while (k < np && r->pg[k].mapped)
				k++;
			snapshot(r->start + j * PAGE, k - j, snap + j);
			for (; j < k; j++) {
				r->pg[j].snap = snap[j];
				r->pg[j].snapped = 1;
			}
		}
	}
	close(pmfd);
	if (kcfd >= 0)
		close(kcfd);
}

/* ---------------------------------------------------------------- output */

struct cls {
	const char *level;	/* "pmd", "pte", "-" */
	const char *kind;
	int swp_type;		/* -1: not a swap entry */
	int64_t pfn;		/* -1: none */
	int writable;		/* -1 unknown */
	int pm_exclusive;
};

static void classify(const struct pgrec *g, struct cls *c)
{
	c->level = "-";
	c->swp_type = -1;
	c->pfn = -1;
	c->writable = -1;
	c->pm_exclusive = !!(g->pm & PM_EXCLUSIVE);
	if (!g->mapped) {
		c->kind = "unmapped";
		return;
	}
	if (g->snapped && g->snap != SNAP_ERROR && (g->snap & (SNAP_READ | SNAP_WRITE)))
		c->writable = !!(g->snap & SNAP_WRITE);
	if (g->pm & PM_PRESENT) {
		c->kind = "present";
		c->pfn = (int64_t)(g->pm & PM_PFN_MASK);
		c->level = (g->snapped && (g->snap & SNAP_PMD)) ? "pmd" : "pte";
		if (g->snapped && (g->snap & SNAP_DEV_MASK) == SNAP_ZERO)
			c->kind = "present-zero-page";
		return;
	}
	if (g->pm & PM_SWAP) {
		c->swp_type = (int)(g->pm & 31);
		c->pfn = (int64_t)((g->pm & PM_PFN_MASK) >> 5);
		c->kind = swap_kind(c->swp_type);
		c->level = (g->snapped && (g->snap & SNAP_PMD)) ? "pmd" : "pte";
		if (!strncmp(c->kind, "device-exclusive", 16))
			c->writable = c->swp_type != st.dev_xr;
		return;
	}
	c->kind = "none";
}

/* Consistency of the pagemap type with the driver's snapshot. */
static void crosscheck(const struct prec *p, const struct rrec *r, size_t j,
		       const struct cls *c, int *bad)
{
	const struct pgrec *g = &r->pg[j];
	int dev = g->snapped && (g->snap & SNAP_DEV_MASK) == SNAP_DEV_PRIVATE_LOCAL;
	int want_dev = !strncmp(c->kind, "device-private", 14);

	if (dev != want_dev ||
	    (dev && !strcmp(c->kind, "device-private-write") != !!(g->snap & SNAP_WRITE))) {
		if ((*bad)++ < 3)
			note("INCONSISTENT pid %d %s page %zu: pagemap 0x%016" PRIx64
			     " (type %d -> %s) vs snapshot 0x%02x", p->pid, r->name, j,
			     g->pm, c->swp_type, c->kind, g->snap);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t *all_pfns;
static size_t n_pfns;

/* Number of page-table mappings of a PFN across every process listed. */
static int mapcount_of(int64_t pfn)
{
	size_t lo = 0, hi = n_pfns, first;

	if (pfn < 0)
		return 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (all_pfns[mid] < (uint64_t)pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	while (lo < n_pfns && all_pfns[lo] == (uint64_t)pfn)
		lo++;
	return (int)(lo - first);
}

static void gather_pfns(void)
{
	int i, k;
	size_t j;

	all_pfns = calloc((size_t)MAXP * MAXR * MAXPG, sizeof(*all_pfns));
	for (i = 0; i < board->np; i++)
		for (k = 0; k < board->p[i].nr; k++) {
			const struct rrec *r = &board->p[i].r[k];

			for (j = 0; j < (r->end - r->start) / PAGE; j++) {
				struct cls c;

				classify(&r->pg[j], &c);
				if (c.pfn >= 0)
					all_pfns[n_pfns++] = (uint64_t)c.pfn;
			}
		}
	qsort(all_pfns, n_pfns, sizeof(*all_pfns), cmp_u64);
}

static void json_str(FILE *o, const char *s)
{
	fputc('"', o);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(o, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(o, "\\u%04x", *s);
		else
			fputc(*s, o);
	}
	fputc('"', o);
}

static void json_lines(FILE *o, const char *s)
{
	char line[1024];
	int first = 1;

	fputc('[', o);
	while (*s) {
		size_t n = strcspn(s, "\n");

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, s, n);
		line[n] = 0;
		if (n) {
			fputs(first ? "" : ", ", o);
			json_str(o, line);
			first = 0;
		}
		s += n;
		if (*s)
			s++;
	}
	fputc(']', o);
}

static int same_run(const struct cls *a, const struct cls *b, int64_t prev_pfn,
		    int ma, int mb)
{
	if (strcmp(a->level, b->level) || strcmp(a->kind, b->kind) ||
	    a->swp_type != b->swp_type || a->writable != b->writable ||
	    a->pm_exclusive != b->pm_exclusive || ma != mb)
		return 0;
	if (prev_pfn < 0)
		return b->pfn < 0;
	return b->pfn == prev_pfn + 1;
}

static void print_region(FILE *o, const struct prec *p, const struct rrec *r, int *bad)
{
	size_t np = (r->end - r->start) / PAGE, j, k;
	struct { char key[64]; unsigned n; } sum[16];
	int nsum = 0, i;

	fprintf(o, "      {\"name\": ");
	json_str(o, r->name);
	fprintf(o, ", \"start\": \"0x%" PRIx64 "\", \"end\": \"0x%" PRIx64 "\", \"backing\": ",
		r->start, r->end);
	json_str(o, r->backing);
	fprintf(o, ",\n       \"intent\": ");
	json_str(o, r->intent);
	fprintf(o, ",\n       \"actions\": ");
	json_lines(o, r->actions);
	fprintf(o, ",\n       \"entries\": [\n");
	for (j = 0; j < np; j = k) {
		struct cls c, d;
		int mc;

		classify(&r->pg[j], &c);
		crosscheck(p, r, j, &c, bad);
		mc = mapcount_of(c.pfn);
		for (k = j + 1; k < np; k++) {
			uint64_t va = r->start + k * PAGE;

			if (!strcmp(c.level, "pmd") && va % PMD_SIZE == 0)
				break;
			classify(&r->pg[k], &d);
			if (!same_run(&c, &d, c.pfn < 0 ? -1 : c.pfn + (int64_t)(k - j - 1),
				      mc, mapcount_of(d.pfn)))
				break;
			crosscheck(p, r, k, &d, bad);
		}
		fprintf(o, "        {\"va\": \"0x%" PRIx64 "\", \"npages\": %zu, \"level\": \"%s\", \"kind\": \"%s\"",
			r->start + j * PAGE, k - j, c.level, c.kind);
		if (c.swp_type >= 0)
			fprintf(o, ", \"swp_type\": %d", c.swp_type);
		if (c.pfn >= 0)
			fprintf(o, ", \"pfn\": \"0x%" PRIx64 "\"", (uint64_t)c.pfn);
		if (c.writable >= 0)
			fprintf(o, ", \"writable\": %s", c.writable ? "true" : "false");
		if (c.pfn >= 0)
			fprintf(o, ", \"mapcount\": %d", mc);
		if (!strcmp(c.kind, "present"))
			fprintf(o, ", \"pagemap_exclusive\": %s", c.pm_exclusive ? "true" : "false");
		if (r->pg[j].pm & PM_FILE)
			fprintf(o, ", \"file\": true");
		if (r->pg[j].kpagecount >= 0)
			fprintf(o, ", \"kpagecount\": %d", r->pg[j].kpagecount);
		fprintf(o, ", \"pagemap\": \"0x%016" PRIx64 "\", \"snapshot\": \"0x%02x\"}%s\n",
			r->pg[j].pm, r->pg[j].snap, k < np ? "," : "");
		/* summary */
		{
			char key[64];

			snprintf(key, sizeof(key), "%s:%s", c.level, c.kind);
			for (i = 0; i < nsum && strcmp(sum[i].key, key); i++)
				;
			if (i == nsum && nsum < 16) {
				snprintf(sum[nsum].key, sizeof(sum[nsum].key), "%s", key);
				sum[nsum++].n = 0;
			}
			if (i < 16)
				sum[i].n += (unsigned)(k - j);
		}
	}
	fprintf(o, "       ],\n       \"pages_by_entry\": {");
	for (i = 0; i < nsum; i++)
		fprintf(o, "%s\"%s\": %u", i ? ", " : "", sum[i].key, sum[i].n);
	fprintf(o, "}}");
}

/* The manifest's header: scenario, kernel, command line, config, swap types. */
static void print_head(FILE *o)
{
	struct utsname u;
	char cmdline[2048] = "", thp[128] = "";
	int fd;
	ssize_t n;

	uname(&u);
	fd = open("/proc/cmdline", O_RDONLY);
	n = fd >= 0 ? read(fd, cmdline, sizeof(cmdline) - 1) : 0;
	cmdline[n > 0 ? n : 0] = 0;
	cmdline[strcspn(cmdline, "\n")] = 0;
	if (fd >= 0)
		close(fd);
	fd = open("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY);
	n = fd >= 0 ? read(fd, thp, sizeof(thp) - 1) : 0;
	thp[n > 0 ? n : 0] = 0;
	thp[strcspn(thp, "\n")] = 0;
	if (fd >= 0)
		close(fd);

	fprintf(o, "{\n  \"schema\": \"folioscope-lab-manifest/1\",\n  \"scenario\": ");
	json_str(o, scenario);
	fprintf(o, ",\n  \"kernel_release\": ");
	json_str(o, u.release);
	fprintf(o, ",\n  \"kernel_version\": ");
	json_str(o, u.version);
	fprintf(o, ",\n  \"machine\": ");
	json_str(o, u.machine);
	fprintf(o, ",\n  \"cmdline\": ");
	json_str(o, cmdline);
	fprintf(o, ",\n  \"kaslr\": %s,\n  \"page_size\": %lu,\n  \"thp_enabled\": ",
		strstr(cmdline, "nokaslr") ? "false" : "true", PAGE);
	json_str(o, thp);
	fprintf(o, ",\n  \"config\": {\"MEMORY_FAILURE\": %s, \"PTE_MARKER\": %s, \"ARCH_ENABLE_THP_MIGRATION\": %s},\n",
		st.cfg_mf ? "true" : "false", st.cfg_pte_marker ? "true" : "false",
		st.cfg_thp_migration ? "true" : "false");
	fprintf(o, "  \"swap_types\": {\"era\": \"%c\", \"max_swapfiles\": %d, \"hwpoison\": %d, "
		"\"migration-read\": %d, \"migration-read-exclusive\": %d, \"migration-write\": %d, "
		"\"device-private-write\": %d, \"device-private-read\": %d, ",
		st.era, st.max_swapfiles, st.hwpoison, st.mig_r, st.mig_rx, st.mig_w,
		st.dev_w, st.dev_r);
	if (st.era == 'D')
		fprintf(o, "\"device-exclusive\": %d, ", st.dev_x);
	else
		fprintf(o, "\"device-exclusive\": %d, \"device-exclusive-read\": %d, ",
			st.dev_xw, st.dev_xr);
	fprintf(o, "\"pte-marker\": %d, \"swapin-error\": %d},\n", st.marker, st.swapin_error);
}

/* Print the finished manifest between the console markers, then READY. */
static void emit_manifest(char *buf, size_t len)
{
	int fd;

	/* keep printk off the console while the manifest goes out */
	fd = open("/proc/sys/kernel/printk", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1\n", 2) < 0)
			perror("printk");
		close(fd);
	}
	fflush(stdout);
	printf("FOLIOSCOPE-MANIFEST-BEGIN\n");
	fwrite(buf, 1, len, stdout);
	printf("FOLIOSCOPE-MANIFEST-END\n");
	printf("FOLIOSCOPE-READY\n");
	fflush(stdout);
	free(buf);
}

static void print_manifest(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&buf, &len);
	int i, k, bad = 0;

	gather_pfns();
	print_head(o);
	fprintf(o, "  \"processes\": [\n");
	for (i = 0; i < board->np; i++) {
		const struct prec *p = &board->p[i];

		fprintf(o, "    {\"pid\": %d, \"comm\": ", p->pid);
		json_str(o, p->comm);
		fprintf(o, ", \"role\": ");
		json_str(o, p->role);
		fprintf(o, ", \"regions\": [\n");
		for (k = 0; k < p->nr; k++) {
			print_region(o, p, &p->r[k], &bad);
			fprintf(o, "%s\n", k + 1 < p->nr ? "," : "");
		}
		fprintf(o, "    ]}%s\n", i + 1 < board->np ? "," : "");
	}
	fprintf(o, "  ],\n  \"device_folios\": [");
	for (i = 0; i < board->nf; i++) {
		const struct folio_note *f = &board->f[i];
		int maps = 0, pi, ri;
		size_t j;

		/* each PMD mapping and each PTE mapping holds one reference */
		for (pi = 0; pi < board->np; pi++)
			for (ri = 0; ri < board->p[pi].nr; ri++) {
				const struct rrec *r = &board->p[pi].r[ri];

				for (j = 0; j < (r->end - r->start) / PAGE; j++) {
					struct cls c;

					classify(&r->pg[j], &c);
					if (c.pfn < (int64_t)f->head_pfn ||
					    c.pfn >= (int64_t)(f->head_pfn + (1UL << f->order)))
						continue;
					if (!strcmp(c.level, "pmd") && (r->start + j * PAGE) % PMD_SIZE)
						continue;
					maps++;
				}
			}
		fprintf(o, "%s\n    {\"head_pfn\": \"0x%" PRIx64 "\", \"order_at_migration\": %d, ",
			i ? "," : "", f->head_pfn, f->order);
		if (f->entry_pfn != f->head_pfn)
			fprintf(o, "\"pmd_entry_pfn\": \"0x%" PRIx64 "\", ", f->entry_pfn);
		fprintf(o, "\"where\": ");
		json_str(o, f->where);
		fprintf(o, ", \"mappings\": %d, \"expect_refcount\": %d}", maps, maps);
	}
	fprintf(o, "\n  ],\n  \"stuck_tasks\": [");
	for (i = 0; i < board->ns; i++) {
		const struct stuck_note *t = &board->s[i];

		fprintf(o, "%s\n    {\"pid\": %d, \"comm\": ", i ? "," : "", t->pid);
		json_str(o, t->comm);
		fprintf(o, ", \"state\": \"%c\", \"wchan\": ", t->state);
		json_str(o, t->wchan);
		fprintf(o, ", \"waits_on\": ");
		json_str(o, t->waits_on);
		fprintf(o, ",\n     \"pgmap\": {\"device\": ");
		json_str(o, t->device);
		fprintf(o, ", \"type\": \"MEMORY_DEVICE_PRIVATE\", \"device_pfn\": \"0x%" PRIx64 "\"",
			t->dev_pfn);
		if (t->chunk_end)
			fprintf(o, ", \"pfn_first\": \"0x%" PRIx64 "\", \"pfn_end\": \"0x%" PRIx64 "\"",
				t->chunk_first, t->chunk_end);
		fprintf(o, ", \"device_pages_allocated\": %d}}", t->dev_pages);
	}
	fprintf(o, "%s],\n  \"consistent\": %s,\n  \"notes\": ", board->ns ? "\n  " : "",
		bad ? "false" : "true");
	json_lines(o, board->notes);
	fprintf(o, "\n}\n");
	fclose(o);
	emit_manifest(buf, len);
}

/* ------------------------------------------------------------- scenarios */

static void sc_thp_device(void)
{
	struct rrec *r = region("thp-pair", 0, 2 * PMD_SIZE, 1,
				"two PMD-mapped anon THPs migrated whole: PMD device-private-write each");

	touch(r);
	migrate(r, r->start, r->end);
}

static void sc_thp_device_shared(void)
{
	struct rrec *r = region("thp-shared", 0, PMD_SIZE, 1,
				"THP migrated, then fork: PMD device-private-read in parent and child");

	touch(r);
	migrate(r, r->start, r->end);
	fork_child("hmm-child");
}

static void sc_thp_device_split(void)
{
	struct rrec *a = region("thp-mprotect-half", 0, PMD_SIZE, 1,
				"device THP, upper half mprotect(PROT_READ): PMD split into "
				"256 device-private-write + 256 device-private-read PTEs");
	struct rrec *b = region("thp-munmap-half", 1, PMD_SIZE, 1,
				"device THP, upper half munmapped: 256 device-private-write PTEs, rest unmapped");

	touch(a);
	touch(b);
	migrate(a, a->start, a->end);
	migrate(b, b->start, b->end);
	do_mprotect_read(a, a->start + PMD_SIZE / 2, a->end);
	do_munmap(b, b->start + PMD_SIZE / 2, b->end);
}

static void sc_small_device(void)
{
	struct rrec *s = region("small-shared", 0, 8 * PAGE, 0,
				"8 order-0 pages migrated, then fork: device-private-read PTEs in parent and child");
	struct rrec *p;

	touch(s);
	migrate(s, s->start, s->end);
	fork_child("hmm-child");
	p = region("small-parent-only", 1, 8 * PAGE, 0,
		   "8 order-0 pages mapped after fork, migrated: device-private-write PTEs, parent only");
	touch(p);
	migrate(p, p->start, p->end);
}

static void sc_exclusive(void)
{
	struct rrec *r = region("exclusive", 0, 8 * PAGE, 0,
				"pages 0-3 device-exclusive (PFN = ordinary RAM), pages 4-7 present");

	touch(r);
	make_exclusive(r, r->start, r->start + 4 * PAGE);
}

static void sc_mixed(void)
{
	struct rrec *d = region("device-thp", 0, PMD_SIZE, 1, "PMD device-private-write");
	struct rrec *t = region("thp", 1, PMD_SIZE, 1, "ordinary present PMD-mapped THP");
	struct rrec *a = region("anon", 2, 16 * PAGE, 0, "present order-0 anon PTEs");
	struct rrec *s = region("device-small", 3, 8 * PAGE, 0, "order-0 device-private-write PTEs");
	struct rrec *f;
	void *va = (void *)(BASE_VA + 4 * SLOT), *p;
	int mfd;

	touch(d);
	touch(t);
	touch(a);
	touch(s);
	migrate(d, d->start, d->end);
	migrate(s, s->start, s->end);

	/* shmem file pages: a memfd (tmpfs inode) mapped shared */
	if (me->nr >= MAXR)
		failed("region table full");
	f = &me->r[me->nr++];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "shmem-file");
	snprintf(f->backing, sizeof(f->backing), "shmem-file-shared");
	snprintf(f->intent, sizeof(f->intent), "present file (shmem) PTEs");
	mfd = memfd_create("folioscope-shmem", 0);
	if (mfd < 0 || ftruncate(mfd, 4 * PAGE))
		failed("memfd");
	p = mmap(va, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, mfd, 0);
	if (p != va)
		failed("mmap memfd");
	f->start = (uintptr_t)p;
	f->end = f->start + 4 * PAGE;
	act(f, "memfd_create + ftruncate 16 KiB + mmap MAP_SHARED rw");
	touch(f);
}

/* The test_hmm chunk holding pfn, from its "PFNs [0x.. 0x..)" log lines. */
static void chunk_of(uint64_t pfn, uint64_t *first, uint64_t *end)
{
	static char rec[4096];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ssize_t n;

	*first = *end = 0;
	if (fd < 0)
		return;
	for (;;) {
		unsigned long a, b;
		char *p;

		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)	/* record overwritten: go on */
			continue;
		if (n <= 0)
			break;
		rec[n] = 0;
		p = strstr(rec, "PFNs [");
		if (p && sscanf(p, "PFNs [0x%lx 0x%lx)", &a, &b) == 2 && pfn >= a && pfn < b) {
			*first = a;
			*end = b;
		}
	}
	close(fd);
}

static char proc_state(pid_t pid, char *wchan, size_t wlen)
{
	char path[64], buf[512], *p;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
	fd = open(path, O_RDONLY);
	n = fd >= 0 ? read(fd, wchan, wlen - 1) : -1;
	wchan[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	p = strrchr(buf, ')');	/* "pid (comm) S ..." */
	return p && p[1] == ' ' ? p[2] : '?';
}

/*
 * Driver teardown: a task asks test_hmm to release its device memory
 * (HMM_DMIRROR_RELEASE: evict every device page back to system memory,
 * then memunmap_pages() each chunk). memunmap_pages() kills pgmap->ref and
 * waits for it to drop to zero; on a kernel that leaks pgmap references
 * (zoo/pgmap-ref-leak) it waits forever, in D state. The manifest records
 * that task under "stuck_tasks". On a correct kernel the release returns
 * and the chunk is gone (a note says so).
 */
static void sc_pgmap_hang(void)
{
	int go[2], done[2], polls, devpages = 0, dfd;
	struct rrec *r;
	struct stuck_note *t;
	char c, state = '?', wchan[64] = "";
	uint64_t pm, dev_pfn = 0;
	pid_t pid;

	/* forked before any region exists: it shares no mapping with them */
	if (pipe(go) || pipe(done))
		failed("pipe");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		failed("fork");
	if (pid == 0) {
		/* dmirror_fops_unlocked_ioctl() wants addr < addr + npages pages */
		struct hmm_dmirror_cmd cmd = { .npages = 1 };

		prctl(PR_SET_NAME, hmm_module ? "hmm-rmmod" : "hmm-release");
		if (dmfd >= 0)	/* the parent's stays open; ours would pin the module */
			close(dmfd);
		if (hmm_module) {
			/* rmmod: hmm_dmirror_exit() -> device release ->
			 * dmirror_device_remove_chunks() -> memunmap_pages() */
			if (read(go[0], &c, 1) != 1)
				failed("releaser setup");
			if (syscall(SYS_delete_module, "test_hmm", O_NONBLOCK))
				failed("delete_module test_hmm");
		} else {
			dfd = open("/dev/hmm_dmirror0", O_RDWR);	/* never closed */
			if (dfd < 0 || read(go[0], &c, 1) != 1)
				failed("releaser setup");
			if (ioctl(dfd, HMM_DMIRROR_RELEASE, &cmd))
				failed("HMM_DMIRROR_RELEASE");
		}
		if (write(done[1], "r", 1) != 1)
			failed("releaser: done pipe");
		for (;;)
			pause();
	}
	close(done[1]);
	fcntl(done[0], F_SETFL, O_NONBLOCK);

	r = region("released", 0, 8 * PAGE, 0,
		   "8 order-0 pages migrated to the device, then the device memory released "
		   "(evicted back to system memory, chunks memunmap_pages()d): present PTEs");
	touch(r);
	migrate(r, r->start, r->end);
	for (uint64_t a = r->start; a < r->end; a += PAGE) {
		pm = pagemap_word(a);
		if ((pm & PM_SWAP) && ((int)(pm & 31) == st.dev_w || (int)(pm & 31) == st.dev_r)) {
			devpages++;
			if (!dev_pfn)
				dev_pfn = (pm & PM_PFN_MASK) >> 5;
		}
	}
	if (!devpages)
		failed("pgmap-hang: nothing reached the device");
	if (hmm_module) {
		/* the module cannot go while a descriptor is open; closing the
		 * last one evicts every device page (dmirror_fops_release) */
		close(dmfd);
		dmfd = -1;
		hmm_gone = 1;
		act(r, "close the hmm_dmirror0 descriptor (test_hmm evicts every device page)");
		note("pgmap-hang: no driver snapshots after the rmmod (levels from pagemap only)");
	}
	if (write(go[1], "g", 1) != 1)
		failed("go pipe");
	if (hmm_module)
		act(r, "delete_module(\"test_hmm\") by pid %d (hmm-rmmod): hmm_dmirror_exit() "
		    "memunmap_pages() every chunk", pid);
	else
		act(r, "HMM_DMIRROR_RELEASE by pid %d (hmm-release, own descriptor): evict device pages, "
		    "memunmap_pages() every chunk of hmm_dmirror0", pid);

	/* up to 20 s: stuck = D state in memunmap_pages (or D for 3 s straight) */
	for (polls = 0; polls < 200; polls++) {
		static int d_run;

		usleep(100000);
		if (read(done[0], &c, 1) == 1)
			break;
		state = proc_state(pid, wchan, sizeof(wchan));
		d_run = state == 'D' ? d_run + 1 : 0;
		if ((state == 'D' && strstr(wchan, "memunmap_pages") && d_run >= 5) || d_run >= 30)
			break;
	}
	if (state != 'D' || polls == 200) {
		if (polls == 200)
			note("pgmap-hang: the releaser (pid %d) neither returned nor blocked in D state "
			     "within 20 s (state %c, wchan '%s')", pid, state, wchan);
		else
			note("pgmap-hang: %s returned: memunmap_pages() did not wait "
			     "(pgmap references balanced); no stuck task",
			     hmm_module ? "delete_module" : "HMM_DMIRROR_RELEASE");
		return;
	}
	t = &board->s[board->ns++];
	t->pid = pid;
	snprintf(t->comm, sizeof(t->comm), hmm_module ? "hmm-rmmod" : "hmm-release");
	t->state = state;
	snprintf(t->wchan, sizeof(t->wchan), "%s", wchan);
	snprintf(t->waits_on, sizeof(t->waits_on), "memunmap_pages");
	snprintf(t->device, sizeof(t->device), "hmm_dmirror0");
	t->dev_pfn = dev_pfn;
	t->dev_pages = devpages;
	chunk_of(dev_pfn, &t->chunk_first, &t->chunk_end);
	note("pgmap-hang: %s (pid %d) blocked in D state, wchan '%s': memunmap_pages() "
	     "waits on pgmap->done of the chunk holding PFN 0x%" PRIx64, t->comm, pid, wchan, dev_pfn);
}

/*
 * Device folios freed by munmap while the device stays: a device THP and 8
 * order-0 device pages are migrated and then unmapped whole, so their last
 * reference goes (free_zone_device_folio(), test_hmm puts them on its free
 * lists); 8 more device pages stay mapped. device_folios records the freed
 * THP (expect_refcount 0).
 */
static void sc_device_freed(void)
{
	struct rrec *t = region("freed-thp", 0, PMD_SIZE, 1,
				"device THP migrated, then the whole region munmapped: the folio is freed");
	struct rrec *s = region("freed-small", 1, 8 * PAGE, 0,
				"8 order-0 device pages migrated, then munmapped: freed");
	struct rrec *k = region("kept-small", 2, 8 * PAGE, 0,
				"8 order-0 device pages migrated and kept: device-private-write PTEs");

	touch(t);
	touch(s);
	touch(k);
	migrate(t, t->start, t->end);
	migrate(s, s->start, s->end);
	migrate(k, k->start, k->end);
	do_munmap(t, t->start, t->end);
	do_munmap(s, s->start, s->end);
}

/*
 * Benchmark scenarios (fixtures.list set "bench"): several GiB of device
 * memory mapped by many processes, for tests/bench. THP_N anonymous THPs
 * (PMD-mapped device-private folios after migration) and SMALL_N order-0
 * pages are migrated to hmm_dmirror0, then NCHILD children are forked, so
 * every device-private entry exists in 1 + NCHILD page tables (fork turns
 * the write entries into read entries in parent and children).
 *
 * test_hmm (7.2 lib/test_hmm.c) hands out device memory in 256 MiB chunks
 * (DEVMEM_CHUNK_SIZE, 65536 struct pages each), one chunk per device at
 * module init (order-0 free list) and more on demand: a chunk allocated for
 * a THP goes whole to the THP free list (128 folios), one for an order-0
 * page to the order-0 list. A device-private page is backed by a system
 * page (folio_alloc() of the same order), so the guest needs RAM for the
 * data twice while a batch migrates. THP_N = 720 needs 6 THP chunks and
 * SMALL_N = 40000 fits the init chunk: 2 init chunks (dmirror0, dmirror1)
 * + 6 = 8 chunks = 524288 device struct pages in the dump.
 *
 * Per-page truth is too big for the console (every order-0 device page is
 * its own run: PFNs are handed out downward while VAs go up), so the
 * manifest is summary-level: per process and region, pages and entries by
 * "level:kind" (from pagemap + the driver snapshot, cross-checked per page
 * as for the other scenarios), "entries": [] with "entries_omitted": true,
 * and a "summary" object (docs/lab.md).
 */
#define L_THP_VA 0x100000000000UL	/* THP region */
#define L_SMALL_VA 0x110000000000UL	/* order-0 region */
#define L_BATCH (32UL << 20)		/* bytes per migrate ioctl */
#define L_MAXP 8
#define L_NK 8

struct lkey {
	char key[48];
	uint64_t pages, entries;
};

struct lregion {
	char name[32], backing[32], intent[200], actions[2048];
	uint64_t start, end;
	struct lkey k[L_NK];
	int nk;
	uint64_t dev_pfn_min, dev_pfn_max, dev_pfn_sum;
};

struct lproc {
	int pid;
	char comm[16], role[16];
	struct lregion r[2];
	int bad;
};

struct lboard {
	int np;
	struct lproc p[L_MAXP];
	uint64_t migrated_thps, migrated_small, cpages;
};

static struct lboard *lb;
static struct lproc *lme;
static int l_nthp, l_nsmall, l_nchild;

static void lact(struct lregion *r, const char *fmt, ...)
{
	va_list ap;
	size_t len = strlen(r->actions);

	va_start(ap, fmt);
	vsnprintf(r->actions + len, sizeof(r->actions) - len - 1, fmt, ap);
	va_end(ap);
	strcat(r->actions, "\n");
}

static void lcount(struct lregion *r, const char *level, const char *kind, uint64_t pages,
		   uint64_t entries)
{
	char key[48];
	int i;

	snprintf(key, sizeof(key), "%s:%s", level, kind);
	for (i = 0; i < r->nk && strcmp(r->k[i].key, key); i++)
		;
	if (i == r->nk) {
		if (r->nk == L_NK)
			failed("large: too many entry kinds in %s", r->name);
		snprintf(r->k[r->nk++].key, sizeof(r->k[0].key), "%s", key);
	}
	r->k[i].pages += pages;
	r->k[i].entries += entries;
}

static void lregion_map(struct lregion *r, const char *name, uint64_t va, uint64_t size, int thp,
			const char *intent)
{
	void *p;

	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->backing, sizeof(r->backing), "anon-private");
	snprintf(r->intent, sizeof(r->intent), "%s", intent);
	p = mmap((void *)va, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1, 0);
	if (p != (void *)va)
		failed("large: mmap %s (%" PRIu64 " MiB)", name, size >> 20);
	r->start = va;
	r->end = va + size;
	lact(r, "mmap anon private rw %" PRIu64 " MiB", size >> 20);
	if (!madvise(p, size, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		lact(r, thp ? "madvise MADV_HUGEPAGE" : "madvise MADV_NOHUGEPAGE");
	else if (errno == ENOSYS)
		lact(r, "madvise unavailable (ENOSYS); relying on THP mode always");
	else
		failed("madvise %s", name);
}

/* Write and migrate [start,end) batch by batch (peak RAM: data + one batch). */
static void lmigrate(struct lregion *r, char *lbounce)
{
	uint64_t a, n = 0, cp = 0, calls = 0;

	for (a = r->start; a < r->end; a += L_BATCH) {
		uint64_t e = a + L_BATCH < r->end ? a + L_BATCH : r->end;
		struct hmm_dmirror_cmd c = { .addr = a, .ptr = (uintptr_t)lbounce, .npages = (e - a) / PAGE };

		for (uint64_t x = a; x < e; x += PAGE)
			memset((void *)x, (int)((x >> 12) & 0xff) | 1, PAGE);
		if (ioctl(dmirror(), HMM_DMIRROR_MIGRATE_TO_DEV, &c))
			failed("HMM_DMIRROR_MIGRATE_TO_DEV %s 0x%" PRIx64, r->name, a);
		n += c.npages;
		cp += c.cpages;
		calls++;
	}
	lb->cpages += cp;
	lact(r, "write every page");
	lact(r, "migrate-to-device [0x%" PRIx64 ",0x%" PRIx64 ") in %" PRIu64 " ioctls of up to %lu MiB: "
	     "npages=%" PRIu64 " cpages=%" PRIu64, r->start, r->end, calls, L_BATCH >> 20, n, cp);
	if (cp != n)
		note("%s: migrate-to-device moved %" PRIu64 " of %" PRIu64 " pages", r->name, cp, n);
}

/* Count this process's entries by level:kind (pagemap + snapshot, no faults). */
static void lcollect(void)
{
	enum { B = 16384 };
	static uint64_t pm[B];
	static uint8_t snap[B];
	int pmfd = open("/proc/self/pagemap", O_RDONLY), i;

	if (pmfd < 0)
		failed("open pagemap");
	for (i = 0; i < 2; i++) {
		struct lregion *r = &lme->r[i];

		r->nk = 0;
		memset(r->k, 0, sizeof(r->k));
		r->dev_pfn_min = UINT64_MAX;
		r->dev_pfn_max = r->dev_pfn_sum = 0;
		for (uint64_t a = r->start; a < r->end; a += (uint64_t)B * PAGE) {
			size_t np = (r->end - a) / PAGE < B ? (r->end - a) / PAGE : B;

			if (pread(pmfd, pm, np * 8, (a / PAGE) * 8) != (ssize_t)(np * 8))
				failed("pread pagemap");
			snapshot(a, np, snap);
			for (size_t j = 0; j < np; j++) {
				struct pgrec g = { .pm = pm[j], .snap = snap[j], .mapped = 1, .snapped = 1 };
				uint64_t va = a + j * PAGE;
				int dev = (snap[j] & SNAP_DEV_MASK) == SNAP_DEV_PRIVATE_LOCAL, want;
				struct cls c;

				classify(&g, &c);
				want = !strncmp(c.kind, "device-private", 14);
				if (dev != want ||
				    (dev && !strcmp(c.kind, "device-private-write") != !!(snap[j] & SNAP_WRITE))) {
					if (lme->bad++ < 3)
						note("INCONSISTENT pid %d %s page 0x%" PRIx64 ": pagemap 0x%016" PRIx64
						     " (type %d -> %s) vs snapshot 0x%02x", lme->pid, r->name, va,
						     pm[j], c.swp_type, c.kind, snap[j]);
				}
				lcount(r, c.level, c.kind, 1,
				       strcmp(c.level, "pmd") || va % PMD_SIZE == 0);
				if (want) {
					if ((uint64_t)c.pfn < r->dev_pfn_min)
						r->dev_pfn_min = c.pfn;
					if ((uint64_t)c.pfn > r->dev_pfn_max)
						r->dev_pfn_max = c.pfn;
					r->dev_pfn_sum += c.pfn;
				}
			}
		}
	}
	close(pmfd);
}

static void sc_large_common(int nthp, int nsmall, int nchild)
{
	char *lbounce;
	struct { pid_t pid; int go, done; } kid[L_MAXP];
	int i;

	if (nchild + 1 > L_MAXP)
		failed("large: too many processes");
	l_nthp = nthp;
	l_nsmall = nsmall;
	l_nchild = nchild;
	lb = mmap(NULL, sizeof(*lb), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	lbounce = mmap(NULL, L_BATCH, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (lb == MAP_FAILED || lbounce == MAP_FAILED)
		failed("large: mmap board");
	memset(lbounce, 0, L_BATCH);
	lb->np = 1;
	lme = &lb->p[0];
	lme->pid = getpid();
	snprintf(lme->comm, sizeof(lme->comm), "hmmscen");
	snprintf(lme->role, sizeof(lme->role), "parent");
	lregion_map(&lme->r[0], "thp", L_THP_VA, (uint64_t)nthp * PMD_SIZE, 1,
		    "anon THPs migrated whole (PMD-level device-private folios), then shared by fork: "
		    "PMD device-private-read in every process");
	lregion_map(&lme->r[1], "small", L_SMALL_VA, (uint64_t)nsmall * PAGE, 0,
		    "order-0 pages migrated (device-private folios of order 0), then shared by fork: "
		    "PTE device-private-read in every process");
	lmigrate(&lme->r[0], lbounce);
	lmigrate(&lme->r[1], lbounce);
	munmap(lbounce, L_BATCH);

	for (i = 0; i < nchild; i++) {
		int go[2], done[2], slot = lb->np++;
		pid_t pid;

		if (pipe(go) || pipe(done))
			failed("pipe");
		memcpy(&lb->p[slot], lme, sizeof(*lme));
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			failed("fork");
		if (pid == 0) {
			char c;

			lme = &lb->p[slot];
			lme->pid = getpid();
			snprintf(lme->comm, sizeof(lme->comm), "hmm-child-%d", i + 1);
			snprintf(lme->role, sizeof(lme->role), "child");
			prctl(PR_SET_NAME, lme->comm);
			lact(&lme->r[0], "fork (child side, inherited)");
			lact(&lme->r[1], "fork (child side, inherited)");
			dmfd = -1;	/* the inherited descriptor mirrors the parent's mm */
			if (read(go[0], &c, 1) != 1)
				failed("child: go pipe");
			lcollect();
			if (write(done[1], "d", 1) != 1)
				failed("child: done pipe");
			for (;;)
				pause();
		}
		kid[i].pid = pid;
		kid[i].go = go[1];
		kid[i].done = done[0];
	}
	lact(&lme->r[0], "fork %d children (parent side)", nchild);
	lact(&lme->r[1], "fork %d children (parent side)", nchild);
	for (i = 0; i < nchild; i++) {
		char c;

		if (write(kid[i].go, "g", 1) != 1 || read(kid[i].done, &c, 1) != 1)
			failed("child %d did not report", kid[i].pid);
	}
	lcollect();
}

static void sc_large(void)
{
	sc_large_common(720, 40000, 5);
}

static void sc_large_2proc(void)
{
	sc_large_common(720, 40000, 1);
}

/* Every test_hmm chunk the kernel log names ("PFNs [0x.. 0x..)"). */
static int all_chunks(uint64_t (*ch)[2], int max)
{
	static char rec[4096];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK), n = 0;
	ssize_t len;

	if (fd < 0)
		return 0;
	for (;;) {
		unsigned long a, b;
		char *p;

		len = read(fd, rec, sizeof(rec) - 1);
		if (len < 0 && errno == EPIPE)
			continue;
		if (len <= 0)
			break;
		rec[len] = 0;
		p = strstr(rec, "PFNs [");
		if (p && sscanf(p, "PFNs [0x%lx 0x%lx)", &a, &b) == 2 && n < max) {
			ch[n][0] = a;
			ch[n][1] = b;
			n++;
		}
	}
	close(fd);
	return n;
}

static void print_manifest_large(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&buf, &len);
	struct lkey tot[L_NK * 2];
	int ntot = 0, i, k, j, bad = 0, nch;
	uint64_t ch[64][2], chpages = 0, thps = 0, small = 0, entries = 0;

	memset(tot, 0, sizeof(tot));
	print_head(o);
	fprintf(o, "  \"entries_omitted\": true,\n  \"processes\": [\n");
	for (i = 0; i < lb->np; i++) {
		const struct lproc *p = &lb->p[i];

		bad += p->bad;
		fprintf(o, "    {\"pid\": %d, \"comm\": ", p->pid);
		json_str(o, p->comm);
		fprintf(o, ", \"role\": ");
		json_str(o, p->role);
		fprintf(o, ", \"regions\": [\n");
		for (k = 0; k < 2; k++) {
			const struct lregion *r = &p->r[k];

			fprintf(o, "      {\"name\": ");
			json_str(o, r->name);
			fprintf(o, ", \"start\": \"0x%" PRIx64 "\", \"end\": \"0x%" PRIx64 "\", \"backing\": ",
				r->start, r->end);
			json_str(o, r->backing);
			fprintf(o, ",\n       \"intent\": ");
			json_str(o, r->intent);
			fprintf(o, ",\n       \"actions\": ");
			json_lines(o, r->actions);
			fprintf(o, ",\n       \"entries\": [],\n       \"pages_by_entry\": {");
			for (j = 0; j < r->nk; j++)
				fprintf(o, "%s\"%s\": %" PRIu64, j ? ", " : "", r->k[j].key, r->k[j].pages);
			fprintf(o, "},\n       \"entries_by_kind\": {");
			for (j = 0; j < r->nk; j++) {
				int t;

				fprintf(o, "%s\"%s\": %" PRIu64, j ? ", " : "", r->k[j].key, r->k[j].entries);
				for (t = 0; t < ntot && strcmp(tot[t].key, r->k[j].key); t++)
					;
				if (t == ntot && ntot < L_NK * 2)
					snprintf(tot[ntot++].key, sizeof(tot[0].key), "%s", r->k[j].key);
				if (t < L_NK * 2) {
					tot[t].pages += r->k[j].pages;
					tot[t].entries += r->k[j].entries;
				}
				if (!strncmp(r->k[j].key, "pmd:device-private", 18) ||
				    !strncmp(r->k[j].key, "pte:device-private", 18))
					entries += r->k[j].entries;
				if (i == 0 && !strncmp(r->k[j].key, "pmd:device-private", 18))
					thps += r->k[j].entries;
				if (i == 0 && !strncmp(r->k[j].key, "pte:device-private", 18))
					small += r->k[j].pages;
			}
			fprintf(o, "}");
			if (r->dev_pfn_max)
				fprintf(o, ",\n       \"device_pfns\": {\"min\": \"0x%" PRIx64 "\", \"max\": \"0x%" PRIx64
					"\", \"sum\": \"0x%" PRIx64 "\"}", r->dev_pfn_min, r->dev_pfn_max,
					r->dev_pfn_sum);
			fprintf(o, "}%s\n", k + 1 < 2 ? "," : "");
		}
		fprintf(o, "    ]}%s\n", i + 1 < lb->np ? "," : "");
	}
	fprintf(o, "  ],\n  \"device_folios\": [],\n  \"stuck_tasks\": [],\n");
	nch = all_chunks(ch, 64);
	fprintf(o, "  \"summary\": {\n    \"processes\": %d,\n", lb->np);
	fprintf(o, "    \"requested\": {\"thps\": %d, \"small_pages\": %d, \"children\": %d},\n",
		l_nthp, l_nsmall, l_nchild);
	fprintf(o, "    \"device_thps\": %" PRIu64 ",\n    \"device_small_pages\": %" PRIu64 ",\n", thps, small);
	fprintf(o, "    \"device_pages\": %" PRIu64 ",\n", thps * PMD_PAGES + small);
	fprintf(o, "    \"expect_thp_refcount\": %d,\n    \"expect_small_refcount\": %d,\n", lb->np, lb->np);
	fprintf(o, "    \"device_entries\": %" PRIu64 ",\n    \"entries_by_kind\": {", entries);
	for (j = 0; j < ntot; j++)
		fprintf(o, "%s\"%s\": %" PRIu64, j ? ", " : "", tot[j].key, tot[j].entries);
	fprintf(o, "},\n    \"pages_by_entry\": {");
	for (j = 0; j < ntot; j++)
		fprintf(o, "%s\"%s\": %" PRIu64, j ? ", " : "", tot[j].key, tot[j].pages);
	fprintf(o, "},\n    \"chunks\": [");
	for (j = 0; j < nch; j++) {
		fprintf(o, "%s{\"pfn_first\": \"0x%" PRIx64 "\", \"pfn_end\": \"0x%" PRIx64 "\"}",
			j ? ", " : "", ch[j][0], ch[j][1]);
		chpages += ch[j][1] - ch[j][0];
	}
	fprintf(o, "],\n    \"device_struct_pages\": %" PRIu64 "\n  },\n", chpages);
	fprintf(o, "  \"consistent\": %s,\n  \"notes\": ", bad ? "false" : "true");
	json_lines(o, board->notes);
	fprintf(o, "\n}\n");
	fclose(o);
	emit_manifest(buf, len);
}

static const struct {
	const char *name;
	void (*fn)(void);
} scenarios[] = {
	{ "large", sc_large },
	{ "large-2proc", sc_large_2proc },
	{ "pgmap-hang", sc_pgmap_hang },
	{ "device-freed", sc_device_freed },
	{ "thp-device", sc_thp_device },
	{ "thp-device-shared", sc_thp_device_shared },
	{ "thp-device-split", sc_thp_device_split },
	{ "small-device", sc_small_device },
	{ "exclusive", sc_exclusive },
	{ "mixed", sc_mixed },
};

int main(int argc, char **argv)
{
	struct utsname u;
	const char *rfd = getenv("FS_READY_FD");
	char *cfg;
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	scenario = argc > 1 ? argv[1] : "";
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (!strcmp(scenario, scenarios[i].name))
			break;
	if (i == sizeof(scenarios) / sizeof(scenarios[0]))
		failed("unknown scenario '%s'", scenario);

	uname(&u);
	cfg = read_config();
	compute_swap_types(u.release, cfg);
	free(cfg);

	board = mmap(NULL, sizeof(*board), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	bounce = mmap(NULL, 2 * PMD_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (board == MAP_FAILED || bounce == MAP_FAILED)
		failed("mmap board/bounce");
	madvise(bounce, 2 * PMD_SIZE, MADV_NOHUGEPAGE);
	memset(bounce, 0, 2 * PMD_SIZE);
	if (madvise(bounce, PAGE, MADV_NORMAL) && errno == ENOSYS) {
		int fd = open("/sys/kernel/mm/transparent_hugepage/enabled", O_WRONLY);

		if (fd < 0 || write(fd, "always\n", 7) != 7)
			failed("cannot set THP mode always");
		close(fd);
		note("madvise() unavailable (CONFIG_ADVISE_SYSCALLS off): THP mode set to always");
	} else {
		note("THPs through madvise(MADV_HUGEPAGE) on the THP regions (MADV_NOHUGEPAGE on the others); "
		     "THP mode left at the kernel default");
	}
	/* test_hmm built as a module (a zoo variant's config): load it */
	if (access("/dev/hmm_dmirror0", F_OK)) {
		int mfd = open("/lib/modules/test_hmm.ko", O_RDONLY | O_CLOEXEC);

		if (mfd >= 0) {
			if (syscall(SYS_finit_module, mfd, "", 0))
				failed("finit_module /lib/modules/test_hmm.ko");
			close(mfd);
			hmm_module = 1;
			note("test_hmm is a module: loaded from /lib/modules/test_hmm.ko (finit_module)");
			for (int w = 0; w < 50 && access("/dev/hmm_dmirror0", F_OK); w++)
				usleep(100000);
		}
	}
	board->np = 1;
	me = &board->p[0];
	me->pid = getpid();
	snprintf(me->comm, sizeof(me->comm), "hmmscen");
	snprintf(me->role, sizeof(me->role), "parent");
	dmirror();

	scenarios[i].fn();
	if (lb) {	/* a bench scenario: it has collected its own truth */
		print_manifest_large();
		if (rfd && write(atoi(rfd), "r", 1) != 1)
			perror("ready fd");
		for (;;)
			pause();
	}

	/* children first, while the parent stays hands-off */
	for (int k = 0; k < nkids; k++) {
		char c;

		if (write(kids[k].go, "g", 1) != 1 || read(kids[k].done, &c, 1) != 1)
			failed("child %d did not report", kids[k].pid);
	}
	collect();
	print_manifest();
	if (rfd && write(atoi(rfd), "r", 1) != 1)
		perror("ready fd");
	for (;;)
		pause();
}
