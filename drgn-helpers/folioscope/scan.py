# SPDX-License-Identifier: GPL-2.0-or-later
"""
Scan and checks
---------------

The whole-kernel view of the C engine (``src/scan.c``, ``src/check.c``,
``src/stuck.c``, ``src/report.c``) in Python: every MEMORY_DEVICE_PRIVATE
pgmap and its folios, every process's page tables walked once (the forward
map), the reverse map of each mapped device folio, stuck tasks, and the
checks of ``docs/checks.md`` under the same finding IDs, subjects and
evidence. The text and JSON reports are those of ``folioscope scan``
(schema ``folioscope-scan/1``).

Command line (exit status 0 clean, 1 findings, 2 could not analyse)::

    python3 -m folioscope.scan -c VMCORE -s VMLINUX [--json] [-v]
    python3 -m folioscope.scan -s VMLINUX [--json]        # live: /proc/kcore

>>> s = scan(prog)
>>> [f.id for f in s.findings]
[]
"""

import argparse
import hashlib
import json
import os
import struct
import sys
import time
from typing import Dict, List, NamedTuple, Optional, Tuple

import drgn
from drgn import Object, Program

from folioscope.dumpfile import machine, truncated
from folioscope.mm import FolioInfo, folio_held, folio_info_of_pfn, kva_to_pa_linear, mm_layout, read_kva
from folioscope.pgmap import PercpuRef, _find_pgmaps, device_private_folio_infos, percpu_ref_read, pgmap_ranges, pgmap_type
from folioscope.pgtable import WalkStats, _Tables, folio_rmap, for_each_mm_entry, for_each_process
from folioscope.profile import Profile, profile
from folioscope.swapent import Entry

__all__ = ("CHECKS", "Finding", "Scan", "scan", "check_folio", "main")

_MAX_ERRORS = 64


class CheckDef(NamedTuple):
    id: str
    severity: str
    title: str
    next: str
    bug: Optional[str]


def _c(id_, sev, title, next_, bug=None):
    return CheckDef(id_, sev, title, next_, bug)


#: The finding catalog (docs/checks.md), word for word as src/check.c.
CHECKS: Dict[str, CheckDef] = {c.id: c for c in (
    _c("FS-MAPCOUNT", "error", "folio mapcount differs from the page-table entries that map it",
       "compare the entries listed with the folio's counters; a split or zap path that skipped (or repeated) an rmap update is the usual cause",
       "B6/B9: rmap accounting on device-private split/zap (\"mm: support device-private THP\" review)"),
    _c("FS-ENTIRE-MAPCOUNT", "error", "entire mapcount differs from the PMD entries that map the folio",
       "look at the PMD entries listed; __split_huge_pmd_locked()/zap_huge_pmd() must drop the entire mapcount exactly once",
       "B5/B6: zap_huge_pmd() device-private branch"),
    _c("FS-PAGE-MAPCOUNT", "error", "a page's own mapcount differs from the PTEs and PMDs that map it",
       "check per-page accounting after a PMD split into device-private PTEs",
       "B9: split with device-private entries still mapping the folio"),
    _c("FS-REFCOUNT", "error", "refcount is below the number of mappings",
       "every present or device-private mapping holds a folio reference; look for a put without an unmap (or a lost get on fork)",
       "B5: folio_put ordered before the counter update in zap_huge_pmd()"),
    _c("FS-NEGATIVE-MAPCOUNT", "error", "a mapcount went below zero",
       "an rmap removal ran twice (zap + split); the kernel WARNs on folio_mapcount() < 0",
       "B6: rmap removal done twice"),
    _c("FS-PMD-NOT-HEAD", "error",
       "a device-private PMD entry does not point at the PMD-aligned head of a PMD-order folio",
       "page_vma_mapped_walk()'s check_pmd() would miss it; look at the code that installed the PMD (migrate_vma_insert_huge_pmd_page, remove_migration_pmd)",
       "B2/B11: PMD entry pointing at a tail page, pmd_pfn() on a swap PMD"),
    _c("FS-EXCLUSIVE-DEVICE-PAGE", "error", "a device-exclusive entry points at a ZONE_DEVICE page",
       "device-exclusive entries are made by make_device_exclusive() on ordinary pages only; a split or mprotect path produced one from a device-private entry",
       "B3/B4: device-exclusive entries produced by __split_huge_pmd_locked()/change_huge_pmd()"),
    _c("FS-DEVICE-ENTRY-OUTSIDE-PGMAP", "error",
       "a device-private entry points outside every MEMORY_DEVICE_PRIVATE pgmap",
       "the PFN is not device-private memory: a corrupt entry, a wrong swap-type table, or a pgmap already torn down"),
    _c("FS-WRITE-ENTRY-SHARED", "error", "a writable device-private entry maps a folio that several processes map",
       "fork must turn writable device-private entries into read entries in both processes (copy_nonpresent_pte / copy_huge_pmd)",
       "B2: the write bit forged or kept (remove_migration_pmd(), copy_huge_pmd())"),
    _c("FS-MIGRATION-UNLOCKED", "warning", "a migration entry points at a folio that is not locked",
       "a migration holds the folio lock until it removes its entries: an unlocked folio means the entry was left behind (tasks touching it wait forever in migration_entry_wait)",
       "B1: migrate_vma collection left a migration PTE behind"),
    _c("FS-FREE-PAGE-MAPPED", "error",
       "a page-table entry points at a device page whose folio is free (refcount 0)",
       "the folio was freed while mapped: look for an extra put or a missed unmap",
       "B7/B8: device folio freed while still referenced"),
    _c("FS-STALE-COMPOUND", "error", "a free device folio still carries state of its last use (mapping or mapcount)",
       "free_zone_device_folio() must clear it; a folio freed or reused without being reinitialised keeps it",
       "B8/B15: \"mm/zone_device: Reinitialize large zone device private folios\""),
    _c("FS-DEFERRED-SPLIT-DEVICE", "error", "a device-private folio is on a deferred-split queue",
       "device-private folios do not support deferred splitting (__folio_remove_rmap excludes them in 7.2)",
       "B10: partial munmap left to deferred split"),
    _c("FS-PGMAP-REF", "error", "pgmap reference count differs from 1 + pages of its allocated folios",
       "memunmap_pages() waits for this count to reach zero: a leaked reference hangs it; look for get/put imbalance in zone_device_*_init / free_zone_device_folio",
       "B7: pgmap reference imbalance"),
    _c("FS-RMAP-INVISIBLE", "error", "an entry maps the folio but its reverse map cannot reach it",
       "the VMA is missing from the folio's anon_vma tree, or folio->index/mapping is stale: migration and unmap will miss this entry",
       "B12: rmap walkers that do not see device-private entries"),
    _c("FS-INVALID-ENTRY", "warning", "a non-present entry the kernel never creates",
       "unknown swap type, reserved bits set, or a kind not allowed at this level: corruption, or a profile that does not match the kernel (check 'profile:')"),
    _c("FS-PRESENT-DEVICE-PAGE", "error",
       "a present entry maps a device-private page, which the CPU cannot access",
       "device-private memory must only be mapped through device-private swap entries"),
    _c("FS-STUCK-TASK", "warning",
       "a task sleeps uninterruptibly where device-private state makes tasks wait",
       "the finding named in the evidence explains the wait when there is one; otherwise look at the entry or pgmap it waits on"),
)}

# src/stuck.c wait sites
_WAIT_SITES = (
    ("memunmap_pages", "waits in memunmap_pages() for the pgmap reference count to reach zero"),
    ("migration_entry_wait_on_locked", "waits on a migration entry (migration_entry_wait_on_locked)"),
    ("migration_entry_wait", "waits on a migration entry (migration_entry_wait)"),
    ("pmd_migration_entry_wait", "waits on a PMD migration entry"),
    ("migration_entry_wait_huge", "waits on a hugetlb migration entry"),
    ("hmm_range_fault", "is inside hmm_range_fault()"),
    ("do_swap_page", "is faulting on a non-present entry (do_swap_page)"),
)


_CONFIRM_ROUNDS = 5  # live confirmation: quiescence re-reads (src/confirm.c)
_CONFIRM_GAP = 0.04
_CONFIRM_PGMAP_ROUNDS = 5
_CONFIRM_PGMAP_GAP = 0.5


class Finding:
    """One finding: ``id`` (docs/checks.md), ``severity``, ``title``,
    ``subject`` ("folio pfn 0x…", "pgmap 0x…", "pid 38 0x…"), ``evidence``,
    ``next``, ``bug`` (bug class or None), ``pfn`` (folio head pfn or 0)."""

    __slots__ = ("id", "severity", "title", "subject", "evidence", "next", "bug", "pfn", "entries", "transient")

    def __init__(self, d: CheckDef, pfn: int, subject: str) -> None:
        self.id, self.severity, self.title, self.next, self.bug = d.id, d.severity, d.title, d.next, d.bug
        self.subject = subject
        self.pfn = pfn
        self.evidence = ""
        self.entries = 0  # entry-level findings: entries grouped into this one
        self.transient = False  # live: gone on the second read (Scan.confirm)

    def add(self, text: str) -> None:
        self.evidence = f"{self.evidence}; {text}" if self.evidence else text

    def __repr__(self) -> str:
        return f"Finding({self.id!r}, {self.subject!r}, {self.evidence!r})"

    def to_json(self) -> dict:
        d = {"id": self.id, "severity": self.severity, "title": self.title, "subject": self.subject}
        if self.pfn:
            d["pfn"] = self.pfn
        d["evidence"] = self.evidence
        d["next"] = self.next
        if self.bug:
            d["bug_class"] = self.bug
        if self.transient:
            d["transient"] = True
        return d


class Mapping:
    """An entry of interest found by the forward walk (``struct fs_mapping``)."""

    __slots__ = ("mm", "pid", "comm", "vaddr", "entry_pa", "e", "folio", "seen_by_rmap")

    def __init__(self, mm, pid, comm, vaddr, entry_pa, e):
        self.mm, self.pid, self.comm, self.vaddr, self.entry_pa, self.e = mm, pid, comm, vaddr, entry_pa, e
        self.folio = -1
        self.seen_by_rmap = False


class ScanFolio:
    """A device (or entry-referenced) folio and what maps it."""

    __slots__ = ("f", "pgmap", "pte_maps", "pmd_maps", "mig_pte", "mig_pmd", "write_maps", "mms", "rmap_found",
                 "rmap_done", "rmap_err", "rmap_view", "page_ptes", "map_ids")

    def __init__(self, f: FolioInfo):
        self.f = f
        self.pgmap = f.pgmap if f.zone_device else 0
        self.pte_maps = self.pmd_maps = self.write_maps = self.rmap_found = 0
        self.mig_pte = self.mig_pmd = 0  # migration entries: no mapcount (src/scan.c)
        self.map_ids: List[int] = []  # indexes into Scan.maps of the entries mapping it
        self.mms: List[int] = []
        self.rmap_done = False
        self.rmap_err = ""
        self.rmap_view = 0  # hash of every entry the reverse walk read (confirm)
        self.page_ptes: Optional[List[int]] = None


class PgmapInfo:
    """A pgmap as the scan reports it, with the stats of its struct pages."""

    def __init__(self, prog: Program, addr: int):
        obj = Object(prog, "struct dev_pagemap *", addr)
        self.obj = obj
        self.addr = addr
        self.type_name = pgmap_type(obj)
        self.is_private = self.type_name == "private"
        self.owner = obj.owner.value_()
        self.ops = obj.ops.value_()
        self.ranges = pgmap_ranges(obj)
        self.ref: Optional[PercpuRef] = None
        self.ref_err = ""
        try:
            self.ref = percpu_ref_read(obj.ref)
        except (drgn.FaultError, LookupError) as e:
            self.ref_err = str(e)
        self.pages = self.allocated_pages = self.free_pages = 0
        self.folios = self.mapped_folios = self.large_folios = 0
        self.expected_ref = 0
        # digest of the struct pages as a live scan read them, the
        # reference a confirming census must match (confirm)
        self.census_digest: Optional[bytes] = None


class Stuck(NamedTuple):
    pid: int
    comm: str
    task: int
    fn: str
    what: str
    slot: int
    ret: int
    pgmap: int


def _escape(s: str) -> str:
    return "".join(c if 0x20 <= ord(c) < 0x7F and c != "\\" else f"\\x{ord(c) & 0xFF:02x}" for c in s)


def _comm(b: bytes) -> str:
    return b.split(b"\0")[0].decode("utf-8", "replace")


class Scan:
    """
    The whole view of one kernel (``struct fs_scan``). Build it with
    :func:`scan` or :func:`check_folio`; read ``pgmaps``, ``folios``,
    ``maps``, ``findings``, ``stuck``, ``errors`` and the coverage counters,
    or print :meth:`to_text` / :meth:`to_json`.
    """

    def __init__(self, prog: Program):
        self.prog = prog
        self.p: Profile = profile(prog)
        self.L = mm_layout(prog)
        self.tables = _Tables(prog)
        self.stats = WalkStats()
        self.errors = self.stats.errors
        self.maps: List[Mapping] = []
        self.folios: List[ScanFolio] = []
        self.index: Dict[int, int] = {}
        self.findings: List[Finding] = []
        self.stuck: List[Stuck] = []
        self.ntasks = self.nmms = 0
        self.device_pages_read = False
        self.live = bool(prog.flags & drgn.ProgramFlags.IS_LIVE)
        self.second_read = False
        self.pgmaps: List[PgmapInfo] = []
        try:
            found = _find_pgmaps(prog)
        except (LookupError, drgn.FaultError) as e:
            self.error(f"finding pgmaps: {e}")
        else:
            for a in found.pgmaps:
                try:
                    self.pgmaps.append(PgmapInfo(prog, a))
                except (drgn.FaultError, LookupError) as e:
                    self.error(f"pgmap {a:#x}: {e}")
            if found.warn:
                self.error(found.warn)
        self._ranges = [(s >> 12, e >> 12, pm) for pm in self.pgmaps for s, e in pm.ranges]

    # --- bookkeeping --------------------------------------------------------
    def error(self, msg: str) -> None:
        if len(self.errors) < _MAX_ERRORS:
            self.errors.append(msg)

    def pgmap_of_pfn(self, pfn: int) -> Optional[PgmapInfo]:
        for s, e, pm in self._ranges:
            if s <= pfn <= e:
                return pm
        return None

    def _add_snapshot(self, f: FolioInfo) -> int:
        v = self.index.get(f.head_pfn)
        if v is not None:
            return v
        self.folios.append(ScanFolio(f))
        v = len(self.folios) - 1
        self.index[f.head_pfn] = v
        return v

    def add_folio(self, pfn: int) -> int:
        try:
            f = folio_info_of_pfn(self.prog, pfn)
        except drgn.FaultError as e:
            self.error(f"pfn {pfn:#x}: {e}")
            return -1
        if f.order > 18:  # garbage: keep it, but do not let it size arrays
            f.order = 18
        return self._add_snapshot(f)

    # --- device pages --------------------------------------------------------
    def scan_pgmap_pages(self, pm: PgmapInfo) -> None:
        pm.expected_ref = 1  # the pgmap's own reference, memremap_pages()
        errs: list = []
        digest = hashlib.blake2b(digest_size=16) if self.live else None
        for f in device_private_folio_infos(self.prog, pm.obj, errs, digest):
            pm.pages += 1
            if f.tail:
                # tails of free large folios (7.2 keeps a freed folio's order
                # until it is reused) count as free pages
                if f.refcount == 0:
                    pm.free_pages += 1
                continue
            if folio_held(f):
                nr = f.nr_pages
                pm.folios += 1
                pm.allocated_pages += nr
                pm.expected_ref += nr
                if nr > 1:
                    pm.large_folios += 1
                v = self._add_snapshot(f)
                if self.folios[v].f.folio_mapcount > 0:
                    pm.mapped_folios += 1
                end = max(e for s, e in pm.ranges if s >> 12 <= f.pfn <= e >> 12) >> 12
                if nr > 1 and f.pfn + nr - 1 <= end:
                    pm.pages += nr - 1
            else:
                pm.free_pages += 1
                if f.head_flag or f.folio_mapcount > 0 or f.mapping:
                    self._add_snapshot(f)
        for pfn, e in errs:
            self.error(f"pgmap {pm.addr:#x} pfn {pfn:#x}: {e}")
        if digest is not None:
            pm.census_digest = digest.digest()
        # memunmap_pages() kills the ref, which drops the initial reference
        # (lib/percpu-refcount.c percpu_ref_kill_and_confirm), then waits for
        # zero: a dead ref should hold just the pages still allocated.
        if pm.ref is not None and pm.ref.mode == "dead":
            pm.expected_ref -= 1

    # --- forward walk ----------------------------------------------------------
    def _interesting(self, e: Entry) -> bool:
        if e.kind == "none":
            return False
        if e.kind == "present":  # a device-private PFN must never be present
            return e.is_leaf and self.pgmap_of_pfn(e.pfn) is not None
        return e.pfn is not None or e.kind == "unknown" or bool(e.reserved_bits) or e.level == "pmd"

    def forward(self) -> None:
        """Walk every process's page tables once (``fs_scan_forward``)."""
        prog = self.prog
        o_pid = drgn.offsetof(prog.type("struct task_struct"), "pid")
        o_comm = drgn.offsetof(prog.type("struct task_struct"), "comm")
        o_mm = drgn.offsetof(prog.type("struct task_struct"), "mm")
        mms: Dict[int, tuple] = {}
        task_errors: List[str] = []
        for task in for_each_process(prog, task_errors):
            addr = task.value_()
            try:
                pid = struct.unpack("<i", read_kva(prog, addr + o_pid, 4))[0]
                comm = _comm(read_kva(prog, addr + o_comm, 16))
                mm = struct.unpack("<Q", read_kva(prog, addr + o_mm, 8))[0]
            except drgn.FaultError as e:
                task_errors.append(f"task list: reading task_struct {addr:#x}: {e} (processes after the break are not scanned)")
                break
            self.ntasks += 1
            if mm and mm not in mms:
                mms[mm] = (pid, comm)
        for msg in task_errors:
            self.error(msg)
        in_pgmap = lambda pfn: self.pgmap_of_pfn(pfn) is not None  # noqa: E731
        for mm, (pid, comm) in mms.items():
            mmobj = Object(prog, "struct mm_struct *", mm)
            try:
                pgd = mmobj.pgd.value_()
            except drgn.FaultError as e:
                self.error(f"pid {pid}: reading mm_struct {mm:#x}: {e}")
                continue
            if kva_to_pa_linear(self.p, pgd) is None:
                self.error(f"pid {pid}: pgd {pgd:#x} is not a direct-map address")
                continue
            self.nmms += 1
            for va, pa, e in for_each_mm_entry(mmobj, in_pgmap, self.stats, f"pid {pid} mm {mm:#x}", self.tables):
                if self._interesting(e):
                    self.maps.append(Mapping(mm, pid, comm, va, pa, e))
        del self.errors[_MAX_ERRORS:]
        for mi, m in enumerate(self.maps):
            if m.e.pfn is None:
                continue
            v = self.add_folio(m.e.pfn)
            if v < 0:
                continue
            m.folio = v
            sf = self.folios[v]
            sf.map_ids.append(mi)
            if m.e.level == "pmd":
                sf.pmd_maps += 1
            else:
                sf.pte_maps += 1
            # installing a migration entry removes the rmap (7.2 migrate_vma_collect_pmd(),
            # set_pmd_migration_entry(), try_to_migrate_one(): folio_remove_rmap_*())
            migration = m.e.kind.startswith("migration")
            if migration and m.e.level == "pmd":
                sf.mig_pmd += 1
            elif migration:
                sf.mig_pte += 1
            if m.e.kind == "device-private-write":
                sf.write_maps += 1
            if m.mm not in sf.mms and len(sf.mms) < 8:
                sf.mms.append(m.mm)
            f = sf.f
            if m.e.level == "pte" and not migration and f.nr_pages > 1 and f.head_pfn <= m.e.pfn < f.head_pfn + f.nr_pages:
                if sf.page_ptes is None:
                    sf.page_ptes = [0] * f.nr_pages
                sf.page_ptes[m.e.pfn - f.head_pfn] += 1

    # --- reverse map -----------------------------------------------------------
    def rmap(self, i: int) -> None:
        sf = self.folios[i]
        sf.rmap_done = True
        f = sf.f
        if not hasattr(self, "_by_key"):
            self._by_key: Dict[tuple, List[Mapping]] = {}
            for m in self.maps:
                self._by_key.setdefault((m.mm, m.vaddr, m.e.level), []).append(m)
        view: list = []
        try:
            hits = folio_rmap(Object(self.prog, "struct folio *", f.head_page), self.tables, f, view)
            for h in hits:
                sf.rmap_found += 1
                size = 1 << (21 if h.level == "pmd" else 12)
                for m in self._by_key.get((h.mm, h.address & ~(size - 1), h.level), ()):
                    m.seen_by_rmap = True
            sf.rmap_view = hash(tuple(view))
        except ValueError as e:
            sf.rmap_err = str(e)
        except (drgn.FaultError, LookupError) as e:
            sf.rmap_err = str(e)

    # --- stuck tasks -------------------------------------------------------------
    def find_stuck(self) -> None:
        prog = self.prog
        t = prog.type("struct task_struct")
        try:
            o_state = drgn.offsetof(t, "__state")
        except LookupError:
            try:
                o_state = drgn.offsetof(t, "state")
            except LookupError:
                return
        try:
            o_stack = drgn.offsetof(t, "stack")
        except LookupError:
            return
        o_pid, o_comm = drgn.offsetof(t, "pid"), drgn.offsetof(t, "comm")
        try:
            size = prog.symbol("init_stack").size
        except LookupError:
            size = 0
        thread_size = size if 4096 <= size <= 65536 else 16384
        sites = []
        for fn, what in _WAIT_SITES:
            try:
                sym = prog.symbol(fn)
            except LookupError:
                continue
            if sym.size:
                sites.append((sym.address, sym.address + sym.size, fn, what))
        pgmaps = {pm.addr for pm in self.pgmaps}
        errs: List[str] = []
        for task in for_each_process(prog, errs):
            addr = task.value_()
            try:
                state = struct.unpack("<I", read_kva(prog, addr + o_state, 4))[0]
                stack = struct.unpack("<Q", read_kva(prog, addr + o_stack, 8))[0]
            except drgn.FaultError:
                continue
            # include/linux/sched.h: TASK_UNINTERRUPTIBLE 0x2 (6.1-7.2)
            if not state & 2 or not stack:
                continue
            pid = struct.unpack("<i", read_kva(prog, addr + o_pid, 4))[0]
            comm = _comm(read_kva(prog, addr + o_comm, 16))
            try:
                words = struct.unpack(f"<{thread_size // 8}Q", read_kva(prog, stack, thread_size))
            except drgn.FaultError as e:
                self.error(f"pid {pid}: kernel stack {stack:#x} unreadable: {e}")
                continue
            best = None
            for w, val in enumerate(words):
                for k, (s, e, fn, what) in enumerate(sites):
                    if s < val < e:
                        best = (w, k)
                        break
                if best:
                    break
            if best is None:
                continue
            w, k = best
            pgmap = next((v for v in words if v in pgmaps), 0)
            self.stuck.append(Stuck(pid, comm, addr, sites[k][2], sites[k][3], stack + w * 8, words[w], pgmap))
        for msg in errs:
            self.error(f"task list (stuck tasks): {msg}")

    # --- checks -------------------------------------------------------------------
    def _add(self, cid: str, pfn: int, subject: str) -> Finding:
        f = Finding(CHECKS[cid], pfn, subject)
        self.findings.append(f)
        return f

    # Entry-level checks report once per (check, folio): a split that
    # produced 512 bad PTEs is one bug in one folio; the evidence names the
    # first few entries and the count. Entries with no folio are reported
    # one by one (src/check.c add_entry, ENTRY_EVIDENCE_MAX).
    _ENTRY_EVIDENCE_MAX = 3

    def _add_entry(self, cid: str, sf: Optional[ScanFolio], m: Mapping) -> Optional[Finding]:
        if sf is not None:
            for x in self.findings:
                if x.id == cid and x.pfn == sf.f.head_pfn and x.entries:
                    x.entries += 1
                    return x if x.entries <= self._ENTRY_EVIDENCE_MAX else None
            x = self._add(cid, sf.f.head_pfn, f"folio pfn {sf.f.head_pfn:#x}")
        else:
            x = self._add(cid, 0, f"pid {m.pid} {m.vaddr:#x}")
        x.entries = 1
        return x

    def _close_entry_groups(self) -> None:
        for x in self.findings:
            if x.entries > self._ENTRY_EVIDENCE_MAX:
                x.add(f"{x.entries} entries in all")

    def _maps_of(self, i: int) -> List[Mapping]:
        return [self.maps[j] for j in self.folios[i].map_ids]

    def _list_entries(self, x: Finding, i: int) -> None:
        shown = total = 0
        for m in self._maps_of(i):
            total += 1
            if shown < 4:
                x.add(f"pid {m.pid} ({m.comm}) {m.vaddr:#x} {m.e.level} {m.e.kind}")
                shown += 1
        if total > shown:
            x.add(f"and {total - shown} more entries")

    def _check_entries(self) -> None:
        for m in self.maps:
            e = m.e
            sf = self.folios[m.folio] if m.folio >= 0 else None
            who = f"pid {m.pid} {m.vaddr:#x}"
            invalid_pmd = e.level == "pmd" and e.valid_at_pmd is False
            if e.kind == "unknown" or e.reserved_bits or invalid_pmd:
                x = self._add_entry("FS-INVALID-ENTRY", sf, m)
                if x:
                    x.add(f"{who} {e.level} entry {e.raw:#x} decodes as {e.kind} (type "
                          f"{e.type if e.type is not None else -1})"
                          f"{', reserved offset bits set' if e.reserved_bits else ''}"
                          f"{', a kind the kernel never puts in a PMD' if invalid_pmd else ''}")
            if e.kind == "present":
                x = self._add_entry("FS-PRESENT-DEVICE-PAGE", sf, m)
                if x:
                    x.add(f"{who} {e.level} entry {e.raw:#x} maps pfn {e.pfn:#x} of a device-private pgmap")
                continue
            if sf is None:
                continue
            f = sf.f
            if e.kind.startswith("device-private"):
                pm = self.pgmap_of_pfn(e.pfn)
                if not f.zone_device or pm is None or not pm.is_private:
                    x = self._add_entry("FS-DEVICE-ENTRY-OUTSIDE-PGMAP", sf, m)
                    if x:
                        x.add(f"{who} {e.level} entry {e.raw:#x} -> pfn {e.pfn:#x}: zone {f.zone}"
                              f"{' (ZONE_DEVICE)' if f.zone_device else ''}, "
                              f"{'pgmap is not MEMORY_DEVICE_PRIVATE' if pm else 'no pgmap covers it'}")
                if e.level == "pmd" and (e.pfn != f.head_pfn or f.order != 9 or e.pfn & 511 or m.vaddr & 0x1FFFFF):
                    x = self._add_entry("FS-PMD-NOT-HEAD", sf, m)
                    if x:
                        x.add(f"{who} PMD entry {e.raw:#x} -> pfn {e.pfn:#x}; folio head pfn {f.head_pfn:#x} "
                              f"order {f.order}{' (entry points at a tail page)' if e.pfn != f.head_pfn else ''}")
            if e.kind.startswith("device-exclusive") and f.zone_device:
                x = self._add_entry("FS-EXCLUSIVE-DEVICE-PAGE", sf, m)
                if x:
                    x.add(f"{who} {e.level} {e.kind} entry {e.raw:#x} -> pfn {e.pfn:#x} in pgmap {sf.pgmap:#x}")
            if e.kind.startswith("migration") and not f.locked:
                x = self._add_entry("FS-MIGRATION-UNLOCKED", sf, m)
                if x:
                    x.add(f"{who} {e.level} {e.kind} entry {e.raw:#x} -> folio pfn {f.head_pfn:#x} (order "
                          f"{f.order}, refcount {f.refcount}) without PG_locked")

    def _check_folio_counts(self, i: int) -> None:
        sf = self.folios[i]
        f = sf.f
        entries = sf.pte_maps + sf.pmd_maps
        # the mappings the folio counts: not migration entries
        pte, pmd = sf.pte_maps - sf.mig_pte, sf.pmd_maps - sf.mig_pmd
        mapped = pte + pmd
        nmig = sf.mig_pte + sf.mig_pmd
        mig = f" (and {nmig} migration entries, which hold no mapcount)" if nmig else ""
        large_scheme = self.L.large_mapcount is not None  # 6.11+
        if not f.zone_device:
            return
        subj = f"folio pfn {f.head_pfn:#x}"
        if f.folio_mapcount < 0 or (f.has_large and (f.entire_mapcount < 0 or f.nr_pages_mapped_raw < 0)):
            x = self._add("FS-NEGATIVE-MAPCOUNT", f.head_pfn, subj)
            x.add(f"folio mapcount {f.folio_mapcount}, entire mapcount {f.entire_mapcount}, "
                  f"_nr_pages_mapped {f.nr_pages_mapped_raw}, refcount {f.refcount}")
        if not folio_held(f) and entries > 0:
            x = self._add("FS-FREE-PAGE-MAPPED", f.head_pfn, subj)
            x.add(f"refcount {f.refcount}, {entries} entries map it")
            self._list_entries(x, i)
            return
        if (not f.has_large or large_scheme) and f.folio_mapcount >= 0 and f.folio_mapcount != mapped:
            x = self._add("FS-MAPCOUNT", f.head_pfn, subj)
            x.add(f"order {f.order}, folio_mapcount {f.folio_mapcount}, found {pte} PTE + {pmd} PMD entries{mig}")
            self._list_entries(x, i)
        if f.has_large and f.entire_mapcount >= 0 and f.entire_mapcount != pmd:
            x = self._add("FS-ENTIRE-MAPCOUNT", f.head_pfn, subj)
            x.add(f"entire_mapcount {f.entire_mapcount}, found {pmd} PMD entries{mig}")
            self._list_entries(x, i)
        # every mapping, counted by the page tables or by the folio itself,
        # holds a reference: refcount >= max(mappings, folio_mapcount); a
        # migration entry's reference went with its rmap
        if f.refcount >= 0 and (f.refcount < mapped or f.refcount < f.folio_mapcount):
            x = self._add("FS-REFCOUNT", f.head_pfn, subj)
            x.add(f"refcount {f.refcount}, folio_mapcount {f.folio_mapcount}, {mapped} entries "
                  f"(each mapping holds a reference){mig}")
            self._list_entries(x, i)
        if sf.write_maps > 0 and len(sf.mms) > 1:
            x = self._add("FS-WRITE-ENTRY-SHARED", f.head_pfn, subj)
            x.add(f"{sf.write_maps} device-private-write entries; {len(sf.mms)} processes map the folio")
            self._list_entries(x, i)
        if f.has_large and f.on_deferred_list:
            x = self._add("FS-DEFERRED-SPLIT-DEVICE", f.head_pfn, subj)
            x.add(f"order {f.order}, _deferred_list not empty, mapcount {f.folio_mapcount}")
        if sf.rmap_done and not sf.rmap_err:
            for m in self._maps_of(i):
                if m.seen_by_rmap:
                    continue
                x = self._add_entry("FS-RMAP-INVISIBLE", sf, m)
                if x is None:
                    continue
                x.add(f"pid {m.pid} {m.vaddr:#x} {m.e.level} {m.e.kind} entry {m.e.raw:#x} maps folio pfn {f.head_pfn:#x} (anon_vma "
                      f"{f.mapping & ~self.L.mapping_flags:#x}, index {f.index:#x}) but no VMA in its anon_vma "
                      f"tree reaches it")

    def _check_page_mapcounts(self, i: int) -> None:
        sf = self.folios[i]
        f = sf.f
        if not f.zone_device or sf.page_ptes is None or f.nr_pages > 512:
            return
        if self.p.config_bool("NO_PAGE_MAPCOUNT") == 1:
            return  # 7.x: per-page mapcounts are not kept
        bad = 0
        x = None
        for k in range(f.nr_pages):
            # each page read as C's fs_folio_read() reads it: a tail whose
            # compound head is corrupt is unreadable, not a mapcount to compare
            try:
                pm = folio_info_of_pfn(self.prog, f.head_pfn + k).page_mapcount
            except drgn.FaultError:
                continue
            want = sf.page_ptes[k] + sf.pmd_maps - sf.mig_pmd
            if pm != want:
                bad += 1
                if bad == 1:
                    x = self._add("FS-PAGE-MAPCOUNT", f.head_pfn, f"folio pfn {f.head_pfn:#x}")
                    x.add(f"page pfn {f.head_pfn + k:#x}: _mapcount+1 = {pm}, mapped by {sf.page_ptes[k]} PTE + "
                          f"{sf.pmd_maps - sf.mig_pmd} PMD entries")
        if bad > 1:
            x.add(f"{bad} pages of {f.nr_pages} disagree")

    def _check_pgmaps(self) -> None:
        if not self.device_pages_read:
            return
        for pm in self.pgmaps:
            if not pm.is_private or pm.ref_err or pm.ref.mode == "exited":
                continue
            dead = pm.ref.mode == "dead"
            expected = pm.expected_ref  # without the initial ref when dead
            if pm.ref.value != expected:
                x = self._add("FS-PGMAP-REF", 0, f"pgmap {pm.addr:#x}")
                d = pm.ref.value - expected
                x.add(f"percpu_ref {pm.ref.value} ({pm.ref.mode}), expected {expected} = {'' if dead else '1 + '}"
                      f"{pm.allocated_pages} pages in {pm.folios} allocated folios; difference {d:+d}")
                if dead:
                    x.add("the ref is dead (its initial reference dropped): memunmap_pages() "
                          "is waiting for it to reach zero")

    def _check_stale(self) -> None:
        mapped = {m.folio for m in self.maps}
        for i, sf in enumerate(self.folios):
            f = sf.f
            if not f.zone_device or f.refcount != 0 or folio_held(f):
                continue
            if f.mapping or f.folio_mapcount > 0:
                if i in mapped:
                    continue  # FS-FREE-PAGE-MAPPED says it already
                x = self._add("FS-STALE-COMPOUND", f.head_pfn, f"device page pfn {f.head_pfn:#x}")
                x.add(f"refcount 0 but mapping {f.mapping:#x}, mapcount {f.folio_mapcount}, order {f.order}")

    def _check_stuck(self) -> None:
        before = list(self.findings)
        for st in self.stuck:
            x = self._add("FS-STUCK-TASK", 0, f"pid {st.pid}")
            x.add(f"pid {st.pid} ({_escape(st.comm)}) {st.what}: return address {st.ret:#x} in {st.fn}() at "
                  f"stack slot {st.slot:#x}")
            if st.pgmap:
                x.add(f"pgmap {st.pgmap:#x} is on its stack")
            for f in before:
                if st.fn == "memunmap_pages":
                    related = f.id == "FS-PGMAP-REF" and (not st.pgmap or "pgmap" in f.subject)
                else:
                    related = f.id == "FS-MIGRATION-UNLOCKED"
                if related:
                    x.add(f"explained by {f.id} on {f.subject}")

    def checks(self) -> None:
        """Run every check (``fs_scan_checks``); findings land in ``findings``."""
        self.findings = []
        self._check_entries()
        for i in range(len(self.folios)):
            self._check_folio_counts(i)
            self._check_page_mapcounts(i)
        self._close_entry_groups()
        self._check_pgmaps()
        self._check_stale()
        self._check_stuck()

    def run(self) -> "Scan":
        for pm in self.pgmaps:
            if pm.is_private:
                self.scan_pgmap_pages(pm)
        self.device_pages_read = True
        self.forward()
        for i, sf in enumerate(self.folios):
            if sf.f.zone_device and (sf.pte_maps or sf.pmd_maps or sf.f.folio_mapcount > 0):
                self.rmap(i)
        self.find_stuck()
        self.checks()
        return self

    # --- reports -------------------------------------------------------------------
    @staticmethod
    def _show(sf: ScanFolio, verbose: bool) -> bool:
        return sf.f.zone_device and (verbose or sf.pte_maps or sf.pmd_maps or sf.f.folio_mapcount > 0)

    def exit_status(self) -> int:
        return 1 if any(f.severity in ("warning", "error") and not f.transient for f in self.findings) else 0

    def worth_confirming(self) -> bool:
        return self.live and any(f.severity in ("warning", "error") for f in self.findings)

    def confirm(self, again: "Scan") -> int:
        """
        Live kernels change under the reader (``fs_scan_confirm``, src/confirm.c).
        A finding is confirmed when the second read ``again`` reports it with
        the same id, subject and evidence, and the state it rests on is
        quiescent: re-read 5 times 40 ms apart it still holds the values the
        second read used (a folio finding: the folio, every entry mapping it
        and a fresh walk of its reverse map; a pgmap finding: the reference
        count and a census of its struct pages, held also 5 times 500 ms
        apart). The others are marked
        transient and do not set the exit status. Findings only the second
        read shows are counted in ``errors``.

        :returns: the number of transient findings
        """
        first = {(f.id, f.subject) for f in self.findings}
        g = {i: again._repeated(f, self) for i, f in enumerate(self.findings)}
        again._hold(g, _CONFIRM_ROUNDS, _CONFIRM_GAP, pgmap_only=False)
        # pgmap findings (a leak is permanent) are also held over a longer window
        again._hold(g, _CONFIRM_PGMAP_ROUNDS, _CONFIRM_PGMAP_GAP, pgmap_only=True)
        n = 0
        for i, f in enumerate(self.findings):
            f.transient = g[i] is None
            n += f.transient
        only = sum(1 for f in again.findings
                   if f.severity in ("warning", "error") and (f.id, f.subject) not in first)
        self.second_read = True
        if only:
            self.error(f"live: {only} finding{'' if only == 1 else 's'} appeared only on the second read "
                       "(not confirmed, not reported); scan again to see whether they persist")
        return n

    _FOLIO_STATE = ("head_pfn", "order", "head_flags", "refcount", "page_mapcount", "large_mapcount",
                    "entire_mapcount", "nr_pages_mapped_raw", "folio_mapcount", "mapping", "index", "pgmap",
                    "on_deferred_list")

    def _same_folio(self, a: FolioInfo, b: FolioInfo) -> bool:
        return all(getattr(a, k) == getattr(b, k) for k in self._FOLIO_STATE)

    def _folio_still(self, pfn: int) -> bool:
        v = self.index.get(pfn)
        if v is None:
            return False
        was = self.folios[v].f
        same = lambda now: self._same_folio(now, was)  # noqa: E731
        sf = self.folios[v]
        try:
            now = folio_info_of_pfn(self.prog, pfn)
            if not same(now):
                return False
            for m in self._maps_of(v):
                if self.prog.read_u64(m.entry_pa, True) != m.e.raw:
                    return False
            # the reverse map walked now must reach what the second read's
            # did, and no more than the forward walk found (src/confirm.c)
            # and read the very entries it read where the folio's VMAs would
            # map it: one that changed means that address is being remapped
            if sf.rmap_done and not sf.rmap_err and now.anon and not now.ksm:
                view: list = []
                reached = sum(1 for _ in folio_rmap(Object(self.prog, "struct folio *", now.head_page),
                                                    _Tables(self.prog), now, view))
                if reached != sf.rmap_found or hash(tuple(view)) != sf.rmap_view or \
                        reached > sf.pte_maps + sf.pmd_maps:
                    return False
            return same(folio_info_of_pfn(self.prog, pfn))
        except (drgn.FaultError, LookupError, ValueError):
            return False

    def pgmap_census(self, pm: PgmapInfo) -> Tuple[int, bytes]:
        """
        1 + pages of *pm*'s allocated folios (the pages alone when its ref
        is dead), counted afresh, and a digest of the struct pages read
        (``fs_scan_pgmap_census``).

        :raises drgn.FaultError: a struct page cannot be read
        """
        expected = 1
        digest = hashlib.blake2b(digest_size=16)
        for f in device_private_folio_infos(self.prog, pm.obj, None, digest):
            if not f.tail and folio_held(f):
                expected += f.nr_pages
        return (expected - 1 if pm.ref is not None and pm.ref.mode == "dead" else expected), digest.digest()

    def _pgmap_still(self, subject: str) -> bool:
        # the ref, a census of the struct pages, the ref again: all as the
        # second scan saw them (src/confirm.c pgmap_still())
        if not subject.startswith("pgmap 0x"):
            return True
        addr = int(subject.split()[1], 16)
        for pm in self.pgmaps:
            if pm.addr == addr and pm.ref:
                try:
                    for step in range(3):
                        if step == 1:
                            # the census must also read the struct pages as
                            # the second read did: a pool in use changes them
                            # faster than the re-reads (src/confirm.c)
                            expected, digest = self.pgmap_census(pm)
                            if expected != pm.expected_ref or \
                                    (pm.census_digest is not None and digest != pm.census_digest):
                                return False
                            pm.census_digest = digest
                            continue
                        now = percpu_ref_read(pm.obj.ref)
                        if (now.value, now.mode) != (pm.ref.value, pm.ref.mode):
                            return False
                except (drgn.FaultError, LookupError):
                    return False
                return True
        return False

    def _hold(self, g: Dict[int, Optional[Finding]], rounds: int, gap: float, pgmap_only: bool) -> None:
        """Re-read each candidate's state *rounds* times, *gap* s apart (the
        first round at once, unless *pgmap_only*); drop those that moved
        (``hold()`` in src/confirm.c)."""
        for rnd in range(rounds):
            live = [i for i, x in g.items() if x is not None and (not pgmap_only or not x.pfn)]
            if not live:
                return
            if rnd or pgmap_only:
                time.sleep(gap)
            for i in live:
                if not self._still(g[i]):
                    g[i] = None

    def _repeated(self, f: Finding, first: "Scan") -> Optional[Finding]:
        """The finding of this (second) read that repeats *f* of *first*; a
        folio finding also needs the folio unchanged between the reads (a
        page freed and reused shows the same counts at another index:
        ``repeated()`` in src/confirm.c)."""
        for g in self.findings:
            if (g.id, g.subject, g.evidence) != (f.id, f.subject, f.evidence):
                continue
            if g.pfn:
                a, b = first.index.get(f.pfn), self.index.get(g.pfn)
                if a is None or b is None or not self._same_folio(first.folios[a].f, self.folios[b].f):
                    return None
            return g
        return None

    def _still(self, g: Finding) -> bool:
        return self._folio_still(g.pfn) if g.pfn else self._pgmap_still(g.subject)

    def to_json(self, verbose: bool = False) -> dict:
        """The scan document (docs/json-schema.md, ``fs_report_scan_json``)."""
        pgmaps = []
        for pm in self.pgmaps:
            d = {"pgmap": f"{pm.addr:#x}", "type": pm.type_name, "owner": f"{pm.owner:#x}", "ops": f"{pm.ops:#x}",
                 "ranges": [{"start_pfn": s >> 12, "end_pfn": e >> 12} for s, e in pm.ranges]}
            if pm.ref_err:
                d["ref_error"] = pm.ref_err
            else:
                d["ref"] = pm.ref.value
                d["ref_mode"] = pm.ref.mode
            if pm.is_private:
                d.update(expected_ref=pm.expected_ref, pages=pm.pages, allocated_pages=pm.allocated_pages,
                         free_pages=pm.free_pages, folios=pm.folios, large_folios=pm.large_folios,
                         mapped_folios=pm.mapped_folios)
            pgmaps.append(d)
        folios = []
        for sf in self.folios:
            if not self._show(sf, verbose):
                continue
            f = sf.f
            d = {"pfn": f.head_pfn, "folio": f"{f.head_page:#x}", "order": f.order, "pgmap": f"{sf.pgmap:#x}",
                 "refcount": f.refcount, "mapcount": f.folio_mapcount}
            if f.has_large:
                d["entire_mapcount"] = f.entire_mapcount
            d.update(pte_entries=sf.pte_maps, pmd_entries=sf.pmd_maps, mms=len(sf.mms))
            if sf.rmap_done:
                if sf.rmap_err:
                    d["rmap_error"] = sf.rmap_err
                else:
                    d["rmap_entries"] = sf.rmap_found
            folios.append(d)
        entries = []
        for m in self.maps:
            d = {"pid": m.pid, "comm": m.comm, "mm": f"{m.mm:#x}", "vaddr": f"{m.vaddr:#x}"}
            d.update(entry_json(m.e))
            if m.folio >= 0:
                d["folio_pfn"] = self.folios[m.folio].f.head_pfn
            d["seen_by_rmap"] = m.seen_by_rmap
            entries.append(d)
        stuck = []
        for st in self.stuck:
            d = {"pid": st.pid, "comm": st.comm, "waits_in": st.fn, "return_address": f"{st.ret:#x}"}
            if st.pgmap:
                d["pgmap"] = f"{st.pgmap:#x}"
            stuck.append(d)
        return {
            "schema": "folioscope-scan/1",
            "profile": self.p.describe(),
            "osrelease": self.p.osrelease,
            "pgmaps": pgmaps,
            "folios": folios,
            "entries": entries,
            "findings": [f.to_json() for f in self.findings],
            "stuck_tasks": stuck,
            "errors": list(self.errors),
            "coverage": {"tasks": self.ntasks, "mms": self.nmms, "page_tables": self.stats.tables_read,
                         "entries_seen": self.stats.entries_seen, "live": self.live,
                         "second_read": self.second_read},
        }

    def to_text(self, verbose: bool = False, one_folio: bool = False) -> str:
        """The text report of ``folioscope scan`` (``fs_report_scan_text``)."""
        out = [f"profile: {self.p.describe()}", ""]
        if not one_folio and self.pgmaps:
            out.append(f"{'PGMAP':<18} {'TYPE':<8} {'PFN RANGE':<17} {'REF':>6} {'EXPECTED':>8} {'FOLIOS':>7} "
                       f"{'LARGE':>6} {'ALLOCATED':>9} {'FREE':>7} {'MAPPED':>6}")
            for pm in self.pgmaps:
                s, e = pm.ranges[0]
                rng = f"{s >> 12:x}-{e >> 12:x}{'+' if len(pm.ranges) > 1 else ''}"
                ref = pm.ref.value if pm.ref else 0
                out.append(f"{pm.addr:<18x} {pm.type_name:<8} {rng:<17} {ref:>6} {pm.expected_ref:>8} "
                           f"{pm.folios:>7} {pm.large_folios:>6} {pm.allocated_pages:>9} {pm.free_pages:>7} "
                           f"{pm.mapped_folios:>6}")
            out.append("")
        out.append(f"{'FOLIO PFN':<11} {'ORDER':>5} {'REF':>4} {'MAPCOUNT':>8} {'PTE':>4} {'PMD':>4} {'MMS':>4} "
                   f"{'RMAP':>6}  ENTRIES")
        dev = shown_n = 0
        for i, sf in enumerate(self.folios):
            f = sf.f
            if f.zone_device:
                dev += 1
            if not self._show(sf, verbose or one_folio):
                continue
            shown_n += 1
            rmap = ("error" if sf.rmap_err else str(sf.rmap_found)) if sf.rmap_done else "-"
            line = (f"{f.head_pfn:<11x} {f.order:>5} {f.refcount:>4} {f.folio_mapcount:>8} {sf.pte_maps:>4} "
                    f"{sf.pmd_maps:>4} {len(sf.mms):>4} {rmap:>6}  ")
            shown = 0
            for m in self._maps_of(i):
                shown += 1
                if shown == 4 and not verbose:
                    line += ", ..."
                    break
                line += f"{', ' if shown > 1 else ''}pid {m.pid} {_escape(m.comm)} {m.vaddr:#x} {m.e.level} {m.e.kind}"
            out.append(line)
            if sf.rmap_err and (verbose or one_folio):
                out.append(f"            rmap: {sf.rmap_err}")
        out.append("")
        nerr = nwarn = ntransient = 0
        for f in self.findings:
            if f.transient:
                ntransient += 1
            elif f.severity == "error":
                nerr += 1
            elif f.severity == "warning":
                nwarn += 1
            tag = {"error": "ERROR", "warning": "WARN"}.get(f.severity, "INFO")
            gone = " (transient: gone on a second read of the live kernel)" if f.transient else ""
            out.append(f"[{tag}] {f.id} {f.subject}: {f.title}{gone}")
            out.append(f"    evidence: {f.evidence}")
            out.append(f"    next: {f.next}")
            if f.bug:
                out.append(f"    bug class: {f.bug}")
        for e in self.errors:
            out.append(f"[UNREAD] {e}")
        n = len(self.pgmaps)
        live = ("" if not self.live else " (live)" if not self.second_read else
                " (live; transient findings not counted)" if ntransient else " (live; confirmed by a second read)")
        pl = lambda k, w: w if k == 1 else w + "s"  # noqa: E731
        out.append(f"summary: {n} {pl(n, 'pgmap')}, {dev} device {pl(dev, 'folio')} ({shown_n} shown), "
                   f"{len(self.maps)} entries in {self.nmms} {pl(self.nmms, 'mm')} of {self.ntasks} tasks; "
                   f"{nerr} {pl(nerr, 'error')}, {nwarn} {pl(nwarn, 'warning')}{live}"
                   f"{'; some state could not be read (UNREAD above)' if self.errors else ''}")
        return "\n".join(out) + "\n"


def entry_json(e: Entry) -> dict:
    """An entry's fields as ``fs_report_entry_json`` writes them."""
    d = {"level": e.level, "raw": f"{e.raw:#x}", "kind": e.kind, "type": e.type, "offset": e.offset,
         "pfn": e.pfn, "soft_dirty": e.soft_dirty, "uffd_wp": e.uffd_wp, "exclusive": e.exclusive}
    if e.young is not None:
        d["young"], d["dirty"] = e.young, bool(e.dirty)
    if e.kind == "present":
        d["huge"], d["write"] = bool(e.huge), bool(e.write)
    if e.kind == "marker":
        d["marker"] = e.marker
    if e.reserved_bits:
        d["reserved_bits"] = f"{e.reserved_bits:#x}"
    if e.level == "pmd" and e.type is not None:
        d["valid_at_pmd"] = bool(e.valid_at_pmd)
    return d


def scan(prog: Program) -> Scan:
    """
    Scan the whole kernel: pgmaps and their struct pages, every process's
    page tables, the reverse maps, stuck tasks, and every check.

    >>> s = scan(prog)
    >>> s.exit_status()
    0

    :raises LookupError: the debug info lacks what every kernel has (nothing
        can be analysed); partial failures land in ``Scan.errors``
    """
    s = Scan(prog).run()
    if s.worth_confirming():
        try:
            s.confirm(Scan(prog).run())
        except (LookupError, drgn.FaultError) as e:
            s.error(f"live: the confirming second read failed ({e}); findings are unconfirmed")
    return s


def check_folio(folio: Object) -> List[Finding]:
    """
    The findings about one folio: its forward entries (every process's page
    tables are walked once), its reverse map and every check on it
    (``folioscope check PFN``). Pgmap reference counts are not checked
    (that needs every struct page of the pgmap: use :func:`scan`).

    >>> check_folio(next(for_each_device_private_folio(prog)))
    []

    :param folio: ``struct folio *`` (or ``struct page *``: its folio)
    """
    s = check_scan(folio)
    return s.findings


def check_scan(folio: Object) -> Scan:
    """The one-folio :class:`Scan` behind :func:`check_folio` (``fs_scan_folio``)."""
    prog = folio.prog_
    L = mm_layout(prog)
    addr = folio.value_() if folio.type_.kind == drgn.TypeKind.POINTER else folio.address_
    pfn = (addr - L.vmemmap) // L.page_size
    s = _check_once(prog, pfn, addr)
    if s.worth_confirming():
        try:
            s.confirm(_check_once(prog, pfn, addr))
        except (LookupError, drgn.FaultError) as e:
            s.error(f"live: the confirming second read failed ({e}); findings are unconfirmed")
    return s


def _check_once(prog: Program, pfn: int, addr: int) -> Scan:
    s = Scan(prog)
    v = s.add_folio(pfn)
    if v < 0:
        raise drgn.FaultError(s.errors[0] if s.errors else "cannot read the folio", addr)
    s.forward()
    v = s.index[s.folios[v].f.head_pfn]
    s.rmap(v)
    s.checks()
    return s


def _elf_build_id(path: str) -> Optional[str]:
    """The GNU build ID note of an ELF file (vmlinux), or None."""
    with open(path, "rb") as f:
        hdr = f.read(64)
        if hdr[:4] != b"\x7fELF" or hdr[4] != 2:
            return None
        shoff, = struct.unpack_from("<Q", hdr, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", hdr, 0x3A)
        f.seek(shoff)
        shdrs = f.read(shentsize * shnum)
        for i in range(shnum):
            sh_type, = struct.unpack_from("<I", shdrs, i * shentsize + 4)
            if sh_type != 7:  # SHT_NOTE
                continue
            off, size = struct.unpack_from("<QQ", shdrs, i * shentsize + 0x18)
            if size > (1 << 20):
                continue
            f.seek(off)
            notes = f.read(size)
            p = 0
            while p + 12 <= len(notes):
                namesz, descsz, ntype = struct.unpack_from("<III", notes, p)
                name = notes[p + 12:p + 12 + namesz]
                dp = p + 12 + ((namesz + 3) & ~3)
                if ntype == 3 and name.rstrip(b"\0") == b"GNU":
                    return notes[dp:dp + descsz].hex()
                p = dp + ((descsz + 3) & ~3)
    return None


def _vmcoreinfo_value(path: str, key: bytes) -> Optional[str]:
    """A VMCOREINFO line's value, found in the first 4 MiB of the dump (kdump
    keeps VMCOREINFO uncompressed in its header, ELF dumps and /proc/kcore in
    a note before the data; src/kdump/find-vmlinux.c reads the same)."""
    try:
        with open(path, "rb") as f:
            head = f.read(4 << 20)
    except OSError:
        return None
    i = head.find(key + b"=")
    if i < 0:
        return None
    i += len(key) + 1
    end = min(x for x in (head.find(b"\n", i), head.find(b"\0", i), len(head)) if x >= 0)
    return head[i:end].decode(errors="replace").strip() or None


def _dump_build_id(path: str) -> Optional[str]:
    """VMCOREINFO's BUILD-ID."""
    return _vmcoreinfo_value(path, b"\nBUILD-ID")


def _dump_release(path: str) -> Optional[str]:
    """VMCOREINFO's OSRELEASE."""
    return _vmcoreinfo_value(path, b"OSRELEASE")


def find_vmlinux(core: str) -> Optional[Tuple[str, str]]:
    """
    The vmlinux of a dump, looked up like the CLI does (src/kdump/find-vmlinux.c):
    build-ID links under ``$FOLIOSCOPE_DEBUG_DIRS`` and /usr/lib/debug, then
    release-named files; debuginfod is left to drgn's own search.

    :returns: (path, how it was found), or None
    """
    bid, rel = _dump_build_id(core), _dump_release(core)
    bid = bid.lower() if bid else None
    env = os.environ.get("FOLIOSCOPE_DEBUG_DIRS", "")
    roots = [r for r in env.split(":") if r] + ["/usr/lib/debug"]

    def fits(path: str) -> bool:
        if not os.access(path, os.R_OK):
            return False
        if not bid:
            return True
        have = _elf_build_id(path)
        return bool(have) and have.startswith(bid)

    for root in roots:
        if bid and len(bid) > 2:
            for suffix in (".debug", ""):
                cand = f"{root}/.build-id/{bid[:2]}/{bid[2:]}{suffix}"
                if fits(cand):
                    return cand, f"by build ID {bid} under {root}"
        if rel:
            for cand in (f"{root}/boot/vmlinux-{rel}", f"{root}/lib/modules/{rel}/vmlinux"):
                if fits(cand):
                    return cand, f"by release {rel} under {root}" + (" (build ID checked)" if bid else "")
    for cand in (f"/boot/vmlinux-{rel}", f"/lib/modules/{rel}/build/vmlinux") if rel else ():
        if fits(cand):
            return cand, f"by release {rel}" + (" (build ID checked)" if bid else "")
    return None


def open_program(vmcore: Optional[str], vmlinux: Optional[str]) -> Program:
    """
    A drgn Program on a dump (or the live kernel's /proc/kcore) with vmlinux.
    A vmlinux whose build ID is not the dump's is refused (drgn 0.0.22 would
    load it and misread everything).

    :raises ValueError: mismatched vmlinux
    """
    core = vmcore or "/proc/kcore"
    if not vmlinux:
        found = find_vmlinux(core)
        if found:
            vmlinux = found[0]
            print(f"folioscope: vmlinux {found[0]} (found {found[1]})", file=sys.stderr)
    if vmlinux:
        want, have = _dump_build_id(core), _elf_build_id(vmlinux)
        if want and have and not have.startswith(want.lower()) and not want.lower().startswith(have):
            raise ValueError(f"vmlinux {vmlinux} does not match {core}: build id {have}, the dump's BUILD-ID is {want}")
    if vmcore:
        cut = truncated(core)
        if cut:
            raise ValueError(f"vmcore {core} is truncated: {cut}")
    if vmlinux and vmcore:
        dm, vm = machine(core), machine(vmlinux)
        if dm and vm and dm != vm:
            raise ValueError(f"vmcore {core} is a dump of an {dm} machine, vmlinux {vmlinux} is an {vm} kernel: "
                             "they do not belong together")
    prog = Program()
    try:
        prog.set_core_dump(core)
    except (OSError, ValueError):
        raise
    except Exception as e:  # drgn reports libkdumpfile/ELF failures as plain Exception
        raise ValueError(f"{core}: cannot read it as a core dump: {e}") from None
    prog.cache["folioscope_core_path"] = core
    if vmlinux:
        prog.load_debug_info([vmlinux])
    else:
        prog.load_default_debug_info()
    try:
        prog.type("struct page")
    except LookupError:
        raise ValueError(f"{vmlinux or 'the default debug info'}: no kernel debug info (no struct page)") from None
    return prog


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python3 -m folioscope.scan",
        description="folioscope scan in drgn: device-private pgmaps, folios, entries and findings "
        "(the same report as `folioscope scan`).",
        epilog="Exit status: 0 no findings, 1 findings (warning or error), 2 could not analyse.",
    )
    ap.add_argument("-c", "--core", metavar="VMCORE", help="dump to read (default: /proc/kcore, the live kernel)")
    ap.add_argument("-s", "--symbols", metavar="VMLINUX", help="vmlinux with debug info (default: drgn's search)")
    ap.add_argument("--json", action="store_true", help="one JSON document (docs/json-schema.md)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every device folio, not only mapped ones")
    args = ap.parse_args(argv)
    try:
        prog = open_program(args.core, args.symbols)
        s = scan(prog)
    except (OSError, ValueError, LookupError, drgn.FaultError, drgn.MissingDebugInfoError) as e:
        print("folioscope: " + " ".join(str(e).split()), file=sys.stderr)  # one line (docs/cli.md)
        return 2
    except Exception as e:  # drgn reports bad dumps and debug info as plain Exception
        if os.environ.get("FOLIOSCOPE_DEBUG"):
            raise
        print(f"folioscope: cannot analyse {args.core or '/proc/kcore'}: " + " ".join(str(e).split()) +
              " (FOLIOSCOPE_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(s.to_json(args.verbose)))
    else:
        sys.stdout.write(s.to_text(args.verbose))
    return s.exit_status()


if __name__ == "__main__":
    rc = main()
    # Freeing a drgn Program on a kdump-compressed dump runs libkdumpfile's
    # kdump_free(), which in libkdumpfile 0.5.1 (Debian 12) writes to
    # attributes it has already freed (libkdumpfile issue #72): the
    # interpreter's teardown can then crash, and a scan that worked exits
    # -11. The report is written; skip the teardown.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(rc)
