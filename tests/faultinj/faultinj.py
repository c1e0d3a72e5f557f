# SPDX-License-Identifier: GPL-2.0-or-later
"""Fault injection on real lab dumps (docs/fault-injection.md).

A mutation is a named, targeted corruption of one kernel object in a real
QEMU ELF dump of a lab fixture (tests/vmcore, docs/lab.md). The object is
located with drgn on the *original* dump (``vmcore.elf-vaddr``, the copy drgn
can read), its kernel virtual address is translated to a physical address by
walking the kernel's own page tables (``init_mm.pgd``) or the process's
(``mm->pgd``) in the dump, and the physical address is mapped to a file
offset through each copy's PT_LOAD program headers. The copies are made with
``cp --sparse=always`` (the dumps are ~1 GB apparent, ~64 MB allocated) and
patched in place: ``vmcore.elf`` (QEMU's dump as written, for the C CLI) and
``vmcore.elf-vaddr`` (for drgn) get the same bytes at the same physical
addresses.

Every patch records the bytes it expects to replace (read through drgn) and
refuses to write when the copy holds something else.

Command line (runs under /usr/bin/python3, Debian's python3-drgn)::

    tests/faultinj/faultinj.py list
    tests/faultinj/faultinj.py apply FIXTURE_DIR MUTATION OUTDIR

The catalog of mutations with their expected outcome is
tests/vectors/faults.txt.

Kernel facts used below are from the 7.2 sources of the lab
(tests/vmcore/lib/fetch-source 7.2); each is cited where it is used.
"""
import contextlib
import json
import os
import struct
import subprocess
import sys
from typing import Callable, Dict, Iterator, List, NamedTuple, Optional, Tuple

import drgn
from drgn import Object

# arch/x86/include/asm/pgtable_64.h (7.2): SWP_TYPE_BITS 5, the type in the
# top 5 bits; SWP_OFFSET_FIRST_BIT = _PAGE_BIT_PROTNONE + 1 = 9 and
# __swp_entry() stores ~offset from bit 9 up (inverted, L1TF mitigation).
SWP_TYPE_SHIFT = 59
SWP_OFFSET_FIRST_BIT = 9
SWP_OFFSET_BITS = SWP_TYPE_SHIFT - SWP_OFFSET_FIRST_BIT

PTE_MASK = 0x000FFFFFFFFFF000  # arch/x86/include/asm/pgtable_types.h PTE_PFN_MASK (4-level)
_PAGE_PSE = 0x80
START_KERNEL_MAP = 0xFFFFFFFF80000000  # arch/x86/include/asm/page_64_types.h __START_KERNEL_map
# An address in the direct map with nothing behind it: the lab guests have
# 1 GiB of RAM and QEMU's ELF dump has PT_LOADs only below 4 GiB, so
# page_offset_base + 64 GiB is mapped by no PT_LOAD (a read faults).
UNMAPPED_PHYS = 64 << 30


class Patch(NamedTuple):
    pa: int
    old: bytes
    new: bytes
    what: str


class FaultInjError(Exception):
    """A mutation cannot be built on this dump (wrong fixture, layout)."""


# --- the ELF side ------------------------------------------------------------

def pt_loads(path: str) -> List[Tuple[int, int, int]]:
    """(p_paddr, p_filesz, p_offset) of every PT_LOAD of an ELF64 LE file."""
    with open(path, "rb") as f:
        eh = f.read(64)
        if eh[:4] != b"\x7fELF" or eh[4] != 2 or eh[5] != 1:
            raise FaultInjError(f"{path}: not a little-endian ELF64 file")
        phoff, = struct.unpack_from("<Q", eh, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", eh, 0x36)
        f.seek(phoff)
        ph = f.read(phentsize * phnum)
    out = []
    for i in range(phnum):
        p_type, _flags, p_offset, _vaddr, p_paddr, p_filesz = struct.unpack_from("<IIQQQQ", ph, i * phentsize)
        if p_type == 1:
            out.append((p_paddr, p_filesz, p_offset))
    return out


def pa_to_offset(loads: List[Tuple[int, int, int]], pa: int, size: int) -> int:
    """File offset of physical [pa, pa+size) (the first PT_LOAD holding it:
    elf-vaddr's appended kernel-image PT_LOADs alias the same file bytes)."""
    for paddr, filesz, off in loads:
        if paddr <= pa and pa + size <= paddr + filesz:
            return off + pa - paddr
    raise FaultInjError(f"physical 0x{pa:x} (+{size}) is in no PT_LOAD of the dump")


def sparse_copy(src: str, dst: str) -> None:
    subprocess.run(["cp", "--sparse=always", src, dst], check=True)
    os.chmod(dst, 0o600)


def write_patches(path: str, patches: List[Patch]) -> None:
    loads = pt_loads(path)
    with open(path, "r+b") as f:
        for p in patches:
            off = pa_to_offset(loads, p.pa, len(p.new))
            f.seek(off)
            have = f.read(len(p.old))
            if have != p.old:
                raise FaultInjError(f"{path}: {p.what}: physical 0x{p.pa:x} holds {have.hex()}, "
                                    f"drgn read {p.old.hex()}")
            f.seek(off)
            f.write(p.new)


# --- the drgn side: locating objects ------------------------------------------

class Dump:
    """A lab fixture opened in drgn (the original ELF dump) plus address
    translation and patch builders."""

    def __init__(self, fixture_dir: str):
        self.dir = str(fixture_dir)
        with open(os.path.join(self.dir, "manifest.json")) as f:
            self.manifest = json.load(f)
        prog = drgn.Program()
        prog.set_core_dump(os.path.join(self.dir, "vmcore.elf-vaddr"))
        prog.load_debug_info([os.path.join(self.dir, "vmlinux")])
        self.prog = prog
        self.page_offset = prog["page_offset_base"].value_()
        self.vmemmap = prog["vmemmap_base"].value_()
        self.page_size = prog.type("struct page").size
        self.kernel_pgd_pa = self.direct_pa(prog["init_mm"].pgd.value_())
        # the walks below are 4-level (the lab's kernels and QEMU guests;
        # arch/x86/include/asm/pgtable_64_types.h pgtable_l5_enabled())
        try:
            l5 = prog["__pgtable_l5_enabled"].value_()
        except KeyError:
            l5 = 0
        if l5:
            raise FaultInjError("5-level paging dump: not handled")

    # address translation
    def direct_pa(self, kva: int) -> int:
        """Physical address of a direct-map or kernel-image address
        (arch/x86/mm/physaddr.c __phys_addr)."""
        if kva >= START_KERNEL_MAP:
            # phys_base: an assembly symbol (arch/x86/kernel/head_64.S), no DWARF type
            phys_base = self.prog.read_u64(self.prog.symbol("phys_base").address)
            return kva - START_KERNEL_MAP + phys_base
        pa = kva - self.page_offset
        if not 0 <= pa < (1 << 46):  # MAX_PHYSMEM_BITS 46 (4-level, arch/x86/include/asm/sparsemem.h)
            raise FaultInjError(f"0x{kva:x} is not a direct-map address")
        return pa

    def phys_u64(self, pa: int) -> int:
        return struct.unpack("<Q", self.prog.read(pa, 8, True))[0]

    def walk(self, pgd_pa: int, va: int, stop: str = "") -> Dict[str, Tuple[int, int]]:
        """x86_64 4-level walk (arch/x86/include/asm/pgtable_64_types.h:
        PGDIR_SHIFT 39, PUD 30, PMD 21, PTE 12): level -> (entry pa, raw).
        Stops at a leaf (PSE at PUD/PMD), a non-present entry, or *stop*."""
        out = {}
        table = pgd_pa
        for name, shift in (("pgd", 39), ("pud", 30), ("pmd", 21), ("pte", 12)):
            epa = table + 8 * ((va >> shift) & 511)
            raw = self.phys_u64(epa)
            out[name] = (epa, raw)
            if name == stop or not raw & 1 or name == "pte" or (name in ("pud", "pmd") and raw & _PAGE_PSE):
                break
            table = raw & PTE_MASK
        return out

    def kva_to_pa(self, kva: int) -> int:
        w = self.walk(self.kernel_pgd_pa, kva)
        level, (_, raw) = list(w.items())[-1]
        if not raw & 1:
            raise FaultInjError(f"kernel address 0x{kva:x} is not mapped ({level} 0x{raw:x})")
        size = {"pud": 1 << 30, "pmd": 1 << 21, "pte": 1 << 12}[level]
        return (raw & PTE_MASK & ~(size - 1)) + (kva & (size - 1))

    # patch builders
    def patch_kva(self, kva: int, new: bytes, what: str) -> Patch:
        pa = self.kva_to_pa(kva)
        if (pa & 4095) + len(new) > 4096:
            raise FaultInjError(f"{what}: crosses a page")
        return Patch(pa, self.prog.read(kva, len(new)), new, what)

    def set_u64(self, kva: int, value: int, what: str) -> Patch:
        return self.patch_kva(kva, struct.pack("<Q", value & (1 << 64) - 1), what)

    def add_i32(self, member: Object, delta: int, what: str) -> Patch:
        """Add delta to a 32-bit counter (a drgn object: folio->_refcount, ...)."""
        kva = member.address_of_().value_()
        v = struct.unpack("<i", self.prog.read(kva, 4))[0]
        return self.patch_kva(kva, struct.pack("<i", v + delta), f"{what}: {v} -> {v + delta}")

    def set_phys_u64(self, pa: int, value: int, what: str) -> Patch:
        return Patch(pa, self.prog.read(pa, 8, True), struct.pack("<Q", value), what)

    # kernel objects
    def folio(self, pfn: int) -> Object:
        return Object(self.prog, "struct folio *", self.vmemmap + pfn * self.page_size)

    def task(self, pid: int) -> Object:
        from drgn.helpers.linux.pid import find_task
        t = find_task(self.prog, pid)
        if not t:
            raise FaultInjError(f"no task with pid {pid}")
        return t

    def process(self, role: str) -> dict:
        for p in self.manifest["processes"]:
            if p["role"] == role:
                return p
        raise FaultInjError(f"manifest has no {role} process")

    def entry(self, role: str, level: str, kind: str) -> Tuple[int, dict]:
        """(pid, manifest entry run) of the first run of that level and kind."""
        p = self.process(role)
        for r in p["regions"]:
            for e in r["entries"]:
                if e["level"] == level and e["kind"] == kind:
                    return p["pid"], e
        raise FaultInjError(f"no {level} {kind} entry in the {role} process")

    def user_entry(self, pid: int, va: int, level: str) -> Tuple[int, int]:
        """(entry pa, raw) of pid's page-table entry at *level* for *va*."""
        pgd_pa = self.direct_pa(self.task(pid).mm.pgd.value_())
        w = self.walk(pgd_pa, va, stop=level)
        if level not in w:
            raise FaultInjError(f"pid {pid} 0x{va:x}: the walk ends before {level}: {w}")
        return w[level]

    def device_folio(self, i: int = 0) -> int:
        folios = self.manifest["device_folios"]
        if len(folios) <= i:
            raise FaultInjError("the fixture has no such device folio")
        return int(folios[i]["head_pfn"], 16)

    def pgmap_of(self, pfn: int) -> Object:
        return self.folio(pfn).pgmap


def swp_with_type(raw: int, typ: int) -> int:
    return (raw & ((1 << SWP_TYPE_SHIFT) - 1)) | (typ << SWP_TYPE_SHIFT)


def swp_offset(raw: int) -> int:
    return (~raw >> SWP_OFFSET_FIRST_BIT) & ((1 << SWP_OFFSET_BITS) - 1)


def swp_with_offset(raw: int, offset: int) -> int:
    return raw ^ ((swp_offset(raw) ^ offset) << SWP_OFFSET_FIRST_BIT)


# --- the mutations ---------------------------------------------------------------

Mutation = Callable[[Dump], List[Patch]]
MUTATIONS: Dict[str, Tuple[str, Mutation]] = {}


def mutation(name: str, doc: str):
    def reg(fn: Mutation) -> Mutation:
        MUTATIONS[name] = (doc, fn)
        return fn
    return reg


@mutation("none", "no patch: the copy must scan exactly like the original (control)")
def _none(d: Dump) -> List[Patch]:
    return []


# include/linux/mm_types.h (7.2) struct folio: _large_mapcount,
# _entire_mapcount, _refcount are atomic_t holding value - 1 (mapcounts) or
# the value (refcount); include/linux/mm.h folio_mapcount() is
# _large_mapcount + 1 for large folios, _mapcount + 1 for small ones.

@mutation("large-mapcount-bump", "first device THP: _large_mapcount + 1 (one mapping more than the page tables hold)")
def _large_mapcount_bump(d: Dump) -> List[Patch]:
    f = d.folio(d.device_folio(0))
    return [d.add_i32(f._large_mapcount, 1, "folio->_large_mapcount")]


@mutation("large-mapcount-and-ref-bump", "first device THP: _large_mapcount + 1 and _refcount + 1 "
          "(the extra mapping holds its reference, as the kernel's would)")
def _large_mapcount_ref_bump(d: Dump) -> List[Patch]:
    f = d.folio(d.device_folio(0))
    return [d.add_i32(f._large_mapcount, 1, "folio->_large_mapcount"),
            d.add_i32(f._refcount, 1, "folio->_refcount")]


@mutation("pmd-rmap-bump", "first device THP: what folio_add_anon_rmap_pmd() does for one more PMD mapping "
          "(_entire_mapcount + 1, _large_mapcount + 1) with no PMD behind it")
def _pmd_rmap_bump(d: Dump) -> List[Patch]:
    # mm/rmap.c __folio_add_rmap() RMAP_LEVEL_PMD (7.2): atomic_inc_and_test(&folio->_entire_mapcount),
    # folio_add_large_mapcount(folio, 1, vma)
    f = d.folio(d.device_folio(0))
    return [d.add_i32(f._large_mapcount, 1, "folio->_large_mapcount"),
            d.add_i32(f._entire_mapcount, 1, "folio->_entire_mapcount")]


@mutation("entire-mapcount-drop", "first device THP: _entire_mapcount - 1 (PMD mapping dropped from the "
          "counter, the PMD still there)")
def _entire_drop(d: Dump) -> List[Patch]:
    f = d.folio(d.device_folio(0))
    return [d.add_i32(f._entire_mapcount, -1, "folio->_entire_mapcount")]


@mutation("small-mapcount-bump", "first order-0 device page mapped by a PTE: _mapcount + 1")
def _small_mapcount_bump(d: Dump) -> List[Patch]:
    pid, e = d.entry("parent", "pte", "device-private-read")
    page = d.folio(int(e["pfn"], 16))
    return [d.add_i32(page._mapcount, 1, "page->_mapcount")]


@mutation("refcount-zero", "first device THP: _refcount 0 while its PMD still maps it (freed while mapped)")
def _refcount_zero(d: Dump) -> List[Patch]:
    f = d.folio(d.device_folio(0))
    v = f._refcount.counter.value_()
    return [d.add_i32(f._refcount, -v, "folio->_refcount")]


def _pgmap_ref(d: Dump) -> Object:
    return d.pgmap_of(d.device_folio(0)).ref


@mutation("pgmap-ref-drop-atomic", "the pgmap of the first device THP: percpu_ref data->count - 1 "
          "(the atomic part, which carries PERCPU_COUNT_BIAS in percpu mode)")
def _pgmap_ref_drop_atomic(d: Dump) -> List[Patch]:
    # lib/percpu-refcount.c (7.2): in percpu mode the value is
    # data->count - PERCPU_COUNT_BIAS + sum over CPUs of *percpu_count_ptr.
    ref = _pgmap_ref(d)
    addr = ref.data.count.counter.address_of_().value_()
    v = ref.data.count.counter.value_() & (1 << 64) - 1
    return [d.set_u64(addr, v - 1, f"pgmap ref data->count 0x{v:x} - 1")]


@mutation("pgmap-ref-drop-percpu", "the pgmap of the first device THP: the per-CPU counter of the last "
          "possible CPU - 1 (percpu mode: the value is the sum of the CPUs' counters plus the atomic part)")
def _pgmap_ref_drop_percpu(d: Dump) -> List[Patch]:
    ref = _pgmap_ref(d)
    ptr = ref.percpu_count_ptr.value_()
    # include/linux/percpu-refcount.h: __PERCPU_REF_ATOMIC 1, __PERCPU_REF_DEAD 2 in the low bits
    if ptr & 3:
        raise FaultInjError(f"pgmap ref is not in percpu mode (percpu_count_ptr 0x{ptr:x})")
    cpu = d.prog["nr_cpu_ids"].value_() - 1
    addr = (ptr + d.prog["__per_cpu_offset"][cpu].value_()) & (1 << 64) - 1
    v = struct.unpack("<Q", d.prog.read(addr, 8))[0]
    return [d.set_u64(addr, v - 1, f"pgmap ref CPU {cpu} counter {struct.unpack('<q', struct.pack('<Q', v))[0]} - 1")]


@mutation("pgmap-ref-data-unmapped", "the pgmap of the first device THP: percpu_ref->data into unmapped "
          "memory (the count cannot be read)")
def _pgmap_ref_data(d: Dump) -> List[Patch]:
    ref = _pgmap_ref(d)
    return [d.set_u64(ref.data.address_of_().value_(), d.page_offset + UNMAPPED_PHYS, "pgmap->ref.data")]


@mutation("pgmap-nr-range-absurd", "the pgmap of the first device THP: nr_range 1000 (struct dev_pagemap "
          "ends in ranges[nr_range]; the kernel's own test_hmm uses 1)")
def _pgmap_nr_range(d: Dump) -> List[Patch]:
    pm = d.pgmap_of(d.device_folio(0))
    return [d.patch_kva(pm.nr_range.address_of_().value_(), struct.pack("<i", 1000), "pgmap->nr_range = 1000")]


@mutation("page-pgmap-unmapped", "the first struct page of the first device THP's pgmap: page->pgmap "
          "into unmapped memory (pgmaps are found from the first page of each memory section)")
def _page_pgmap(d: Dump) -> List[Patch]:
    pm = d.pgmap_of(d.device_folio(0))
    pfn = pm.range.start.value_() >> 12
    page = d.folio(pfn)
    return [d.set_u64(page.pgmap.address_of_().value_(), d.page_offset + UNMAPPED_PHYS, f"pfn 0x{pfn:x} page->pgmap")]


def _percpu_ptr_with(d: Dump, bits: int) -> Patch:
    ref = _pgmap_ref(d)
    ptr = ref.percpu_count_ptr.value_()
    return d.set_u64(ref.percpu_count_ptr.address_of_().value_(), ptr | bits,
                     f"percpu_count_ptr 0x{ptr:x} | {bits}")


@mutation("pgmap-ref-killed", "the pgmap of the first device THP as percpu_ref_kill() leaves it while "
          "memunmap_pages() waits: __PERCPU_REF_DEAD set, the initial reference dropped (data->count - 1)")
def _pgmap_ref_killed(d: Dump) -> List[Patch]:
    # lib/percpu-refcount.c percpu_ref_kill_and_confirm(): ref->percpu_count_ptr |= __PERCPU_REF_DEAD,
    # switch to atomic, percpu_ref_put(ref) (the initial reference); mm/memremap.c
    # memunmap_pages() then waits for the pages still allocated
    return [_percpu_ptr_with(d, 2)] + _pgmap_ref_drop_atomic(d)


@mutation("pgmap-ref-killed-leak", "the pgmap of the first device THP killed (__PERCPU_REF_DEAD) but "
          "its initial reference never dropped: one reference more than the allocated pages")
def _pgmap_ref_killed_leak(d: Dump) -> List[Patch]:
    return [_percpu_ptr_with(d, 2)]


@mutation("tail-compound-head-garbage", "a tail page of the first device THP: compound_info points at "
          "a struct page beyond the folio (bit 0 kept)")
def _tail_head(d: Dump) -> List[Patch]:
    head = d.device_folio(0)
    page = Object(d.prog, "struct page *", d.vmemmap + (head + 5) * d.page_size)
    try:
        fld = page.compound_info  # 7.2
    except AttributeError:
        fld = page.compound_head
    # include/linux/page-flags.h (7.2): compound_info = head page address | 1 on tail pages
    return [d.set_u64(fld.address_of_().value_(), (d.vmemmap + (head + 1024) * d.page_size) | 1,
                      f"pfn 0x{head + 5:x} compound head -> a page after it")]


def _first_pmd(d: Dump, role: str = "parent", kind: str = "device-private-write") -> Tuple[int, int, int]:
    pid, e = d.entry(role, "pmd", kind)
    pa, raw = d.user_entry(pid, int(e["va"], 16), "pmd")
    if raw & 1:
        raise FaultInjError(f"pid {pid} {e['va']}: PMD 0x{raw:x} is present")
    return pid, pa, raw


@mutation("pmd-to-exclusive", "first device-private PMD: swap type rewritten to device-exclusive "
          "(same PFN, a device page)")
def _pmd_to_exclusive(d: Dump) -> List[Patch]:
    pid, pa, raw = _first_pmd(d)
    typ = d.manifest["swap_types"]["device-exclusive"]
    return [d.set_phys_u64(pa, swp_with_type(raw, typ), f"pid {pid} PMD 0x{raw:x} type -> {typ}")]


@mutation("pmd-to-migration", "first device-private PMD: swap type rewritten to migration-read, "
          "the folio not locked (a migration entry left behind)")
def _pmd_to_migration(d: Dump) -> List[Patch]:
    # mm/migrate.c: migration holds the folio lock until remove_migration_ptes();
    # include/linux/leafops.h softleaf_is_valid_pmd_entry(): migration is valid in a PMD
    pid, pa, raw = _first_pmd(d)
    typ = d.manifest["swap_types"]["migration-read"]
    return [d.set_phys_u64(pa, swp_with_type(raw, typ), f"pid {pid} PMD 0x{raw:x} type -> {typ}")]


@mutation("pmd-migration-in-flight", "first device-private-write PMD in the middle of a migration, "
          "as set_pmd_migration_entry() leaves it: migration-write PMD, folio locked, PMD rmap removed "
          "(_entire_mapcount and _large_mapcount - 1), refcount unchanged (the mapping's reference "
          "dropped, the migration's own held)")
def _pmd_migration_in_flight(d: Dump) -> List[Patch]:
    # mm/huge_memory.c set_pmd_migration_entry() (7.2): make_writable_migration_entry() for a
    # device-private-write PMD, folio_remove_rmap_pmd(), folio_put(); mm/migrate_device.c
    # migrate_vma_collect_huge_pmd() locked the folio and took a reference before.
    pid, pa, raw = _first_pmd(d)
    typ = d.manifest["swap_types"]["migration-write"]
    f = d.folio(swp_offset(raw))
    flags = f.flags.f.value_()
    bit = d.prog["PG_locked"].value_()
    return [d.set_phys_u64(pa, swp_with_type(raw, typ), f"pid {pid} PMD 0x{raw:x} type -> {typ}"),
            d.set_u64(f.flags.address_of_().value_(), flags | 1 << bit, "folio PG_locked"),
            d.add_i32(f._large_mapcount, -1, "folio->_large_mapcount"),
            d.add_i32(f._entire_mapcount, -1, "folio->_entire_mapcount")]


@mutation("pte-migration-in-flight", "first order-0 device-private-write PTE in the middle of a "
          "migration, as migrate_vma_collect_pmd() leaves it: migration-write PTE, page locked, its rmap "
          "removed (_mapcount - 1), refcount unchanged")
def _pte_migration_in_flight(d: Dump) -> List[Patch]:
    # mm/migrate_device.c migrate_vma_collect_pmd() (7.2): folio_get(), folio_trylock(),
    # make_writable_migration_entry(), set_pte_at(), folio_remove_rmap_pte(), folio_put()
    pid, pa, raw, _ = _pte(d, "device-private-write")
    typ = d.manifest["swap_types"]["migration-write"]
    f = d.folio(swp_offset(raw))
    if f.flags.f.value_() >> d.prog["PG_head"].value_() & 1:
        raise FaultInjError("the first device-private-write PTE maps a large folio")
    bit = d.prog["PG_locked"].value_()
    return [d.set_phys_u64(pa, swp_with_type(raw, typ), f"pid {pid} PTE 0x{raw:x} type -> {typ}"),
            d.set_u64(f.flags.address_of_().value_(), f.flags.f.value_() | 1 << bit, "folio PG_locked"),
            d.add_i32(f._mapcount, -1, "page->_mapcount")]


@mutation("pmd-to-tail", "first device-private PMD: PFN + 1 (a tail page of the same folio)")
def _pmd_to_tail(d: Dump) -> List[Patch]:
    pid, pa, raw = _first_pmd(d)
    return [d.set_phys_u64(pa, swp_with_offset(raw, swp_offset(raw) + 1), f"pid {pid} PMD 0x{raw:x} pfn + 1")]


@mutation("pmd-write-in-shared", "a device-private-read PMD of a folio two processes map, made "
          "device-private-write in the parent")
def _pmd_write_shared(d: Dump) -> List[Patch]:
    pid, pa, raw = _first_pmd(d, "parent", "device-private-read")
    typ = d.manifest["swap_types"]["device-private-write"]
    return [d.set_phys_u64(pa, swp_with_type(raw, typ), f"pid {pid} PMD 0x{raw:x} type -> {typ}")]


def _pte(d: Dump, kind: str, role: str = "parent") -> Tuple[int, int, int, dict]:
    pid, e = d.entry(role, "pte", kind)
    pa, raw = d.user_entry(pid, int(e["va"], 16), "pte")
    return pid, pa, raw, e


@mutation("pte-private-to-exclusive", "first device-private-write PTE: swap type rewritten to "
          "device-exclusive (valid at PTE level, but never for a device page)")
def _pte_priv_to_excl(d: Dump) -> List[Patch]:
    pid, pa, raw, _ = _pte(d, "device-private-write")
    typ = d.manifest["swap_types"]["device-exclusive"]
    return [d.set_phys_u64(pa, swp_with_type(raw, typ), f"pid {pid} PTE 0x{raw:x} type -> {typ}")]


@mutation("pte-exclusive-to-free-device", "first device-exclusive PTE: PFN rewritten to the first page "
          "of a MEMORY_DEVICE_PRIVATE pgmap, a free device page")
def _pte_excl_to_free(d: Dump) -> List[Patch]:
    pid, pa, raw, _ = _pte(d, "device-exclusive")
    pfn = _first_private_pgmap_pfn(d)
    return [d.set_phys_u64(pa, swp_with_offset(raw, pfn), f"pid {pid} PTE 0x{raw:x} -> pfn 0x{pfn:x}")]


def _first_private_pgmap_pfn(d: Dump) -> int:
    # test_hmm's chunks: the console log lists their PFN ranges
    # (lib/test_hmm.c dmirror_allocate_chunk() pr_info "added new %u MB chunk (total %u chunks, %u MB)
    # PFNs [0x%lx 0x%lx)"); the pgmap covering the first one is MEMORY_DEVICE_PRIVATE.
    import re
    log = open(os.path.join(d.dir, "serial.log"), errors="replace").read()
    m = re.search(r"PFNs \[0x([0-9a-f]+) 0x([0-9a-f]+)\)", log)
    if not m:
        raise FaultInjError("serial.log names no test_hmm chunk")
    pfn = int(m.group(1), 16)
    if d.folio(pfn)._refcount.counter.value_() != 0:
        raise FaultInjError(f"pfn 0x{pfn:x} is not free")
    return pfn


@mutation("pte-private-reserved-bits", "first device-private-write PTE: offset bit 45 set (a PFN beyond "
          "MAX_PHYSMEM_BITS, bits the kernel keeps zero)")
def _pte_reserved(d: Dump) -> List[Patch]:
    pid, pa, raw, _ = _pte(d, "device-private-write")
    return [d.set_phys_u64(pa, swp_with_offset(raw, swp_offset(raw) | 1 << 45), f"pid {pid} PTE 0x{raw:x} offset bit 45")]


@mutation("pte-private-cleared", "first device-private PTE of a split device THP zeroed (a zap that "
          "skipped the rmap update)")
def _pte_cleared(d: Dump) -> List[Patch]:
    pid, pa, raw, _ = _pte(d, "device-private-write")
    return [d.set_phys_u64(pa, 0, f"pid {pid} PTE 0x{raw:x} -> 0")]


@mutation("present-pte-to-device", "first present anon PTE: PFN rewritten to an allocated order-0 "
          "device-private page (mapped by the same process through a device-private PTE)")
def _present_to_device(d: Dump) -> List[Patch]:
    pid, pa, raw, _ = _pte(d, "present")
    _, _, _, de = _pte(d, "device-private-write")
    pfn = int(de["pfn"], 16)
    new = (raw & ~PTE_MASK) | (pfn << 12)
    return [d.set_phys_u64(pa, new, f"pid {pid} PTE 0x{raw:x} -> pfn 0x{pfn:x}")]


@mutation("pte-write-to-read", "first device-private-write PTE of a page only the parent maps made "
          "device-private-read (what mprotect(PROT_READ) does: change_pte_range(), a legal state)")
def _pte_write_to_read(d: Dump) -> List[Patch]:
    pid, pa, raw, _ = _pte(d, "device-private-write")
    typ = d.manifest["swap_types"]["device-private-read"]
    return [d.set_phys_u64(pa, swp_with_type(raw, typ), f"pid {pid} PTE 0x{raw:x} type -> {typ}")]


@mutation("vma-mm-unmapped", "the VMA of the first device THP: vma->vm_mm into unmapped memory (the "
          "rmap cannot walk that VMA's page tables)")
def _vma_mm(d: Dump) -> List[Patch]:
    from drgn import container_of
    vma = container_of(_anon_vma(d).rb_root.rb_root.rb_node, "struct anon_vma_chain", "rb").vma
    return [d.set_u64(vma.vm_mm.address_of_().value_(), d.page_offset + UNMAPPED_PHYS, "vma->vm_mm")]


@mutation("vma-pgoff-stale", "the VMA of the first device THP: vm_pgoff + 1024 (the rmap computes "
          "addresses outside the VMA)")
def _vma_pgoff(d: Dump) -> List[Patch]:
    from drgn import container_of
    vma = container_of(_anon_vma(d).rb_root.rb_root.rb_node, "struct anon_vma_chain", "rb").vma
    return [d.set_u64(vma.vm_pgoff.address_of_().value_(), vma.vm_pgoff.value_() + 1024, "vma->vm_pgoff + 1024")]


@mutation("folio-index-stale", "first device THP: folio->index + 512 (the rmap computes the address of "
          "the next 2 MiB, where the other THP's PMD is)")
def _folio_index(d: Dump) -> List[Patch]:
    f = d.folio(d.device_folio(0))
    addr = f.index.address_of_().value_()
    return [d.set_u64(addr, f.index.value_() + 512, "folio->index + 512")]


@mutation("folio-mapping-unmapped", "first device THP: folio->mapping = an anon_vma pointer into "
          "unmapped memory (low bit FOLIO_MAPPING_ANON kept)")
def _folio_mapping(d: Dump) -> List[Patch]:
    f = d.folio(d.device_folio(0))
    return [d.set_u64(f.mapping.address_of_().value_(), d.page_offset + UNMAPPED_PHYS + 0x1e0 + 1,
                      "folio->mapping")]


def _anon_vma(d: Dump) -> Object:
    f = d.folio(d.device_folio(0))
    return Object(d.prog, "struct anon_vma *", f.mapping.value_() & ~3)


@mutation("anon-vma-rb-cycle", "the first device THP's anon_vma: the rb tree's root node's rb_left "
          "points at the node itself")
def _rb_cycle(d: Dump) -> List[Patch]:
    node = _anon_vma(d).rb_root.rb_root.rb_node
    return [d.set_u64(node.rb_left.address_of_().value_(), node.value_(), "rb_node->rb_left = itself")]


@mutation("avc-vma-unmapped", "the first device THP's anon_vma: the root anon_vma_chain's vma pointer "
          "into unmapped memory")
def _avc_vma(d: Dump) -> List[Patch]:
    from drgn import container_of
    node = _anon_vma(d).rb_root.rb_root.rb_node
    avc = container_of(node, "struct anon_vma_chain", "rb")
    return [d.set_u64(avc.vma.address_of_().value_(), d.page_offset + UNMAPPED_PHYS, "anon_vma_chain->vma")]


@mutation("vma-anon-vma-unmapped", "the VMA of the first device THP: vma->anon_vma into unmapped memory "
          "(the rmap starts from folio->mapping and never reads it)")
def _vma_anon_vma(d: Dump) -> List[Patch]:
    from drgn import container_of
    node = _anon_vma(d).rb_root.rb_root.rb_node
    vma = container_of(node, "struct anon_vma_chain", "rb").vma
    return [d.set_u64(vma.anon_vma.address_of_().value_(), d.page_offset + UNMAPPED_PHYS, "vma->anon_vma")]


@mutation("task-list-self-loop", "the last task of init_task.tasks: tasks.next points at itself "
          "(a cycle that never returns to the list head)")
def _task_loop(d: Dump) -> List[Patch]:
    init = d.prog["init_task"]
    head = init.tasks.address_of_().value_()
    prev = init.tasks.prev.value_()  # the last task's list_head
    if prev == head:
        raise FaultInjError("init_task is alone on the task list")
    return [d.set_u64(prev, prev, "last task's tasks.next = itself")]


@mutation("task-list-unmapped", "the first task after init_task: tasks.next into unmapped memory")
def _task_unmapped(d: Dump) -> List[Patch]:
    first = d.prog["init_task"].tasks.next.value_()
    return [d.set_u64(first, d.page_offset + UNMAPPED_PHYS, "first task's tasks.next")]


@mutation("mm-pgd-unmapped", "the parent's mm->pgd into unmapped memory")
def _pgd_unmapped(d: Dump) -> List[Patch]:
    mm = d.task(d.process("parent")["pid"]).mm
    return [d.set_u64(mm.pgd.address_of_().value_(), d.page_offset + UNMAPPED_PHYS, "mm->pgd")]


@mutation("pud-self-loop", "the parent's PUD entry above its first device-private PMD points at the "
          "PUD table itself (a page table that contains itself)")
def _pud_loop(d: Dump) -> List[Patch]:
    pid, e = d.entry("parent", "pmd", "device-private-write")
    pa, raw = d.user_entry(pid, int(e["va"], 16), "pud")
    new = (raw & ~PTE_MASK) | (pa & ~4095)
    return [d.set_phys_u64(pa, new, f"pid {pid} PUD 0x{raw:x} -> its own table")]


@mutation("pmd-table-unmapped", "the parent's PUD entry above its first device-private PMD points at "
          "a PMD table in unmapped physical memory")
def _pud_unmapped(d: Dump) -> List[Patch]:
    pid, e = d.entry("parent", "pmd", "device-private-write")
    pa, raw = d.user_entry(pid, int(e["va"], 16), "pud")
    new = (raw & ~PTE_MASK) | UNMAPPED_PHYS
    return [d.set_phys_u64(pa, new, f"pid {pid} PUD 0x{raw:x} -> physical 0x{UNMAPPED_PHYS:x}")]


def _order(d: Dump, order: int) -> List[Patch]:
    # include/linux/mm.h folio_order() (7.2): folio->_flags_1 & 0xff
    f = d.folio(d.device_folio(0))
    addr = f._flags_1.address_of_().value_()
    v = f._flags_1.value_()
    return [d.set_u64(addr, (v & ~0xff) | order, f"folio order {v & 0xff} -> {order}")]


for _o in (10, 30, 63):
    mutation(f"folio-order-{_o}", f"first device THP: order byte of _flags_1 set to {_o}")(
        lambda d, o=_o: _order(d, o))


# --- applying ----------------------------------------------------------------------

DUMPS = ("vmcore.elf", "vmcore.elf-vaddr")


def build(d: Dump, name: str) -> List[Patch]:
    if name not in MUTATIONS:
        raise FaultInjError(f"no mutation {name!r} (faultinj.py list)")
    return MUTATIONS[name][1](d)


def apply(d: Dump, name: str, outdir: str) -> Dict[str, object]:
    """Copy the fixture's ELF dumps into *outdir*, apply mutation *name* to
    both; return {"vmcore.elf": path, "vmcore.elf-vaddr": path,
    "vmlinux": path, "patches": [Patch]}."""
    patches = build(d, name)
    out: Dict[str, object] = {"vmlinux": os.path.join(d.dir, "vmlinux"), "patches": patches}
    for dump in DUMPS:
        dst = os.path.join(outdir, dump)
        sparse_copy(os.path.join(d.dir, dump), dst)
        write_patches(dst, patches)
        out[dump] = dst
    return out


class Copy:
    """One sparse copy of a fixture's ELF dumps that mutations are applied
    to and reverted from in turn (a few bytes each; write_patches() checks
    the old bytes, so a revert that did not happen is caught by the next
    mutation)."""

    def __init__(self, d: Dump, outdir: str):
        self.d = d
        self.vmlinux = os.path.join(d.dir, "vmlinux")
        self.paths = {}
        for dump in DUMPS:
            self.paths[dump] = os.path.join(outdir, dump)
            sparse_copy(os.path.join(d.dir, dump), self.paths[dump])

    @contextlib.contextmanager
    def mutated(self, name: str) -> Iterator[List[Patch]]:
        patches = build(self.d, name)
        done = []
        try:
            for dump in DUMPS:
                write_patches(self.paths[dump], patches)
                done.append(dump)
            yield patches
        finally:
            undo = [Patch(p.pa, p.new, p.old, "revert " + p.what) for p in reversed(patches)]
            for dump in done:
                write_patches(self.paths[dump], undo)


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["list"]:
        for n, (doc, _) in MUTATIONS.items():
            print(f"{n:28} {doc}")
        return 0
    if len(argv) == 4 and argv[0] == "apply":
        try:
            r = apply(Dump(argv[1]), argv[2], argv[3])
        except FaultInjError as e:
            print(f"faultinj: {e}", file=sys.stderr)
            return 2
        for p in r["patches"]:
            print(f"patched physical 0x{p.pa:x}: {p.old.hex()} -> {p.new.hex()} ({p.what})")
        for dump in DUMPS:
            print(r[dump])
        return 0
    print("usage: faultinj.py list | apply FIXTURE_DIR MUTATION OUTDIR", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
