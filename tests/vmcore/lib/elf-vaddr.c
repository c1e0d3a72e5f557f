/*
 * elf-vaddr VMCORE.ELF: give the PT_LOAD segments of a QEMU-made x86_64 ELF
 * vmcore kernel virtual addresses (the direct map), in place.
 *
 * QEMU's dump-guest-memory writes p_vaddr == p_paddr; drgn then fails with
 * "recursive address translation". This tool finds the direct-map base
 * (page_offset_base, randomised under KASLR) without symbols: it walks the
 * kernel's top-level page table (VMCOREINFO SYMBOL(init_top_pgt), located
 * through NUMBER(phys_base)) and takes the lowest kernel-half virtual address
 * that maps physical address 0, then sets p_vaddr = base + p_paddr. It also
 * appends duplicate PT_LOAD headers for the kernel-image mapping (the 1 GiB
 * from __START_KERNEL_map: va = pa + __START_KERNEL_map - phys_base), since
 * drgn reads kernel symbols and swapper_pg_dir through those addresses; the
 * new program header table goes at the end of the file (e_phoff updated).
 * 4-level paging only (VMCOREINFO NUMBER(pgtable_l5_enabled)=0); exits 3 for
 * 5-level dumps. Only the ELF header and program headers are written.
 *
 * Build: gcc -O2 -Wall -Wextra -Werror -o elf-vaddr elf-vaddr.c
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define START_KERNEL_MAP 0xffffffff80000000ULL
#define ADDR_MASK 0x000ffffffffff000ULL
#define P_PRESENT 0x1ULL
#define P_PSE 0x80ULL

static unsigned char *img;
static size_t img_len;
static Elf64_Phdr *ph;
static int phnum;

static void die(const char *msg)
{
	fprintf(stderr, "elf-vaddr: %s\n", msg);
	exit(2);
}

/* 8 bytes at a physical address, through the PT_LOAD segments. */
static int read_phys(uint64_t pa, uint64_t *out)
{
	for (int i = 0; i < phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (pa >= ph[i].p_paddr && pa + 8 <= ph[i].p_paddr + ph[i].p_filesz) {
			uint64_t off = ph[i].p_offset + (pa - ph[i].p_paddr);

			if (off + 8 > img_len)
				return -1;
			memcpy(out, img + off, 8);
			return 0;
		}
	}
	return -1;
}

static const char *vmcoreinfo(size_t *len)
{
	for (int i = 0; i < phnum; i++) {
		size_t off, end;

		if (ph[i].p_type != PT_NOTE)
			continue;
		off = ph[i].p_offset;
		end = off + ph[i].p_filesz;
		while (off + sizeof(Elf64_Nhdr) <= end && end <= img_len) {
			Elf64_Nhdr *n = (Elf64_Nhdr *)(img + off);
			const char *name = (const char *)(n + 1);
			size_t desc = off + sizeof(*n) + ((n->n_namesz + 3) & ~3U);

			if (n->n_namesz == 11 && !memcmp(name, "VMCOREINFO", 10) && desc + n->n_descsz <= end) {
				*len = n->n_descsz;
				return (const char *)img + desc;
			}
			off = desc + ((n->n_descsz + 3) & ~3U);
		}
	}
	return NULL;
}

static int vmci_value(const char *vi, size_t len, const char *key, int base, uint64_t *out)
{
	size_t klen = strlen(key);

	for (const char *p = vi; p < vi + len;) {
		const char *nl = memchr(p, '\n', vi + len - p);

		if (!nl)
			nl = vi + len;
		if ((size_t)(nl - p) > klen && !memcmp(p, key, klen)) {
			*out = strtoull(p + klen, NULL, base);
			return 0;
		}
		p = nl + 1;
	}
	return -1;
}

int main(int argc, char **argv)
{
	uint64_t top_pgt, phys_base = 0, l5 = 0, pgd_pa, base = 0;
	Elf64_Ehdr *eh;
	const char *vi;
	size_t vlen;
	struct stat sb;
	int fd;

	if (argc != 2)
		die("usage: elf-vaddr VMCORE.ELF");
	fd = open(argv[1], O_RDWR);
	if (fd < 0 || fstat(fd, &sb))
		die("cannot open the dump");
	img_len = sb.st_size;
	img = mmap(NULL, img_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (img == MAP_FAILED)
		die("mmap failed");
	eh = (Elf64_Ehdr *)img;
	if (img_len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64)
		die("not an x86_64 ELF64 file");
	ph = (Elf64_Phdr *)(img + eh->e_phoff);
	phnum = eh->e_phnum;
	if (eh->e_phoff + (size_t)phnum * sizeof(*ph) > img_len)
		die("truncated program headers");

	vi = vmcoreinfo(&vlen);
	if (!vi)
		die("no VMCOREINFO note (was -device vmcoreinfo given?)");
	if (vmci_value(vi, vlen, "SYMBOL(init_top_pgt)=", 16, &top_pgt))
		die("VMCOREINFO lacks SYMBOL(init_top_pgt)");
	vmci_value(vi, vlen, "NUMBER(phys_base)=", 10, &phys_base);	/* "%ld": may be negative */
	vmci_value(vi, vlen, "NUMBER(pgtable_l5_enabled)=", 10, &l5);
	if (l5) {
		fprintf(stderr, "elf-vaddr: 5-level paging dump: not handled\n");
		return 3;
	}
	pgd_pa = top_pgt - START_KERNEL_MAP + phys_base;

	/* lowest kernel-half VA that maps physical 0: the direct map's base */
	for (int i = 256; i < 512 && !base; i++) {
		uint64_t pgd, pud;

		if (read_phys(pgd_pa + i * 8, &pgd) || !(pgd & P_PRESENT))
			continue;
		for (int j = 0; j < 512 && !base; j++) {
			uint64_t va = 0xffff000000000000ULL | ((uint64_t)i << 39) | ((uint64_t)j << 30);
			uint64_t pmd, pte;

			if (read_phys((pgd & ADDR_MASK) + j * 8, &pud) || !(pud & P_PRESENT))
				continue;
			if (pud & P_PSE) {
				if ((pud & ADDR_MASK) == 0)
					base = va;
				continue;
			}
			if (read_phys((pud & ADDR_MASK), &pmd) || !(pmd & P_PRESENT))
				continue;
			if (pmd & P_PSE) {
				if ((pmd & ADDR_MASK) == 0)
					base = va;
				continue;
			}
			if (!read_phys(pmd & ADDR_MASK, &pte) && (pte & P_PRESENT) &&
			    (pte & ADDR_MASK) == 0)
				base = va;
		}
	}
	if (!base)
		die("no kernel virtual address maps physical 0: direct map not found");
	{
		Elf64_Phdr *nph = calloc((size_t)phnum * 2, sizeof(*nph));
		const uint64_t kimg = 1ULL << 30;	/* KERNEL_IMAGE_SIZE with KASLR */
		off_t at = (off_t)((img_len + 7) & ~(size_t)7);
		int n = 0;

		if (!nph)
			die("out of memory");
		for (int i = 0; i < phnum; i++) {
			nph[n] = ph[i];
			if (ph[i].p_type == PT_LOAD)
				nph[n].p_vaddr = base + ph[i].p_paddr;
			n++;
		}
		for (int i = 0; i < phnum; i++) {
			uint64_t lo, hi;
			Elf64_Phdr k;

			if (ph[i].p_type != PT_LOAD)
				continue;
			/* phys_base is signed (negative under some KASLR offsets) */
			lo = ph[i].p_paddr;
			if ((int64_t)phys_base > (int64_t)lo)
				lo = phys_base;
			hi = ph[i].p_paddr + ph[i].p_filesz;
			if ((int64_t)(phys_base + kimg) < (int64_t)hi)
				hi = phys_base + kimg;
			if ((int64_t)lo >= (int64_t)hi)
				continue;
			k = ph[i];
			k.p_offset += lo - ph[i].p_paddr;
			k.p_paddr = lo;
			k.p_filesz = k.p_memsz = hi - lo;
			k.p_vaddr = lo + START_KERNEL_MAP - phys_base;
			nph[n++] = k;
		}
		if (n > 0xfff0)
			die("too many program headers");
		if (pwrite(fd, nph, (size_t)n * sizeof(*nph), at) != (ssize_t)((size_t)n * sizeof(*nph)))
			die("cannot append the program headers");
		eh->e_phoff = (uint64_t)at;
		eh->e_phnum = (uint16_t)n;
		if (msync(img, 4096 < img_len ? 4096 : img_len, MS_SYNC))
			die("msync failed");
		free(nph);
	}
	printf("0x%" PRIx64 "\n", base);
	return 0;
}
