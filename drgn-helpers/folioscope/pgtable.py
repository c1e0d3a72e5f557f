# SPDX-License-Identifier: GPL-2.0-or-later
"""
Page tables: forward and reverse maps
-------------------------------------

The forward map walks a process's user page tables once, by physical
address, and yields every leaf entry (the C engine's ``src/scan.c``
``walk_table``); the reverse map of an anonymous folio walks its
``anon_vma`` interval tree to every VMA that may map it and the VMA's page
tables at ``vma_address()`` (``src/rmap.c``; mm/rmap.c, mm/internal.h
6.1-7.2). Device-private PMDs are accepted as the kernel's own
``page_vma_mapped_walk()`` does since 6.19.

x86_64 (arch/x86/include/asm/pgtable_64_types.h): 4-level PGD 39, PUD 30,
PMD 21, PTE 12; 5-level adds PGD 48 above P4D 39; the next table is
``entry & PTE_PFN_MASK``; PUD/PMD leaves have ``_PAGE_PSE``. arm64 4K
(arch/arm64/include/asm/pgtable-hwdef.h): descriptor bits [1:0] = 3 is a
table above the last level, 1 a block.
"""

import struct
from typing import Dict, Iterator, List, NamedTuple, Optional, Tuple

import drgn
from drgn import Object, Program

from folioscope.mm import FolioInfo, folio_info, kva_to_pa_linear, mm_layout, read_kva
from folioscope.profile import Profile, profile
from folioscope.swapent import Entry, decode_entry

__all__ = (
    "LEVEL_SHIFT",
    "Leaf",
    "levels",
    "pgtable_walk",
    "for_each_mm_entry",
    "RmapHit",
    "folio_rmap",
    "for_each_process",
)

_TABLE = struct.Struct("<512Q")
_MAX_TABLES_PER_MM = 1 << 20
_MAX_RMAP_NODES = 1 << 16
_X86_TABLE_MASK = 0x000FFFFFFFFFF000
_ARM_TABLE_MASK = 0x0000FFFFFFFFF000


def levels(p: Profile) -> List[Tuple[str, int]]:
    """The (level, shift) pairs this kernel walks, top first."""
    if p.arch == "x86_64":
        if p.levels == 5:
            return [("pgd", 48), ("p4d", 39), ("pud", 30), ("pmd", 21), ("pte", 12)]
        return [("pgd", 39), ("pud", 30), ("pmd", 21), ("pte", 12)]
    if p.levels == 4:
        return [("pgd", 39), ("pud", 30), ("pmd", 21), ("pte", 12)]
    return [("pgd", 30), ("pmd", 21), ("pte", 12)]


LEVEL_SHIFT = {"pte": 12, "pmd": 21, "pud": 30, "p4d": 39}


class _Tables:
    """Page-table pages read by physical address, cached per program scan."""

    def __init__(self, prog: Program, cache: Optional[Dict[int, tuple]] = None) -> None:
        self.prog = prog
        self.cache = {} if cache is None else cache

    def read(self, pa: int) -> tuple:
        t = self.cache.get(pa)
        if t is None:
            t = _TABLE.unpack(self.prog.read(pa, 4096, True))
            if len(self.cache) < (1 << 16):
                self.cache[pa] = t
        return t


def _table_mask(p: Profile) -> int:
    return _X86_TABLE_MASK if p.arch == "x86_64" else _ARM_TABLE_MASK


def _upper_is_table(p: Profile, raw: int) -> bool:
    if p.arch == "x86_64":
        return bool(raw & 1) and not raw & 0x80
    return (raw & 3) == 3


def _next_table(p: Profile, raw: int) -> int:
    if p.arch == "x86_64" and raw and not raw & 1:
        raw = ~raw  # L1TF: PROT_NONE table entries are inverted
    return raw & _table_mask(p)


class Leaf(NamedTuple):
    """Where a walk ended: the leaf entry (or None), and each level's raw value."""

    vaddr: int
    entry: Optional[Entry]  # the leaf, decoded; None: not mapped
    entry_pa: Optional[int]  # physical address of the leaf entry
    path: Tuple[Tuple[str, int, int], ...]  # (level, entry physical address, raw)


def _pgd_pa(prog: Program, p: Profile, pgd: int) -> int:
    pa = kva_to_pa_linear(p, pgd)
    if pa is None:
        raise drgn.FaultError(f"top-level table {pgd:#x} is neither in the direct map nor the kernel image", pgd)
    return pa


def pgtable_walk(prog: Program, pgd: int, vaddr: int, _tables: Optional[_Tables] = None) -> Leaf:
    """
    Walk the page tables rooted at *pgd* (``mm->pgd``) for *vaddr*
    (``fs_pgtable_walk``). Non-present PMD and PTE entries (swap,
    migration, device-private, device-exclusive) are leaves, decoded.

    >>> task = find_task(prog, 1)  # doctest: +SKIP
    >>> pgtable_walk(prog, task.mm.pgd.value_(), 0x100000000000).entry.kind  # doctest: +SKIP
    'device-private-write'

    :param pgd: kernel address of the top-level table (``pgd_t *`` value)
    :raises drgn.FaultError: a table cannot be read
    """
    p = profile(prog)
    tables = _tables or _Tables(prog)
    table = _pgd_pa(prog, p, pgd)
    path = []
    for level, shift in levels(p):
        idx = (vaddr >> shift) & 511
        raw = tables.read(table)[idx]
        epa = table + 8 * idx
        path.append((level, epa, raw))
        if level in ("pmd", "pte"):
            e = decode_entry(p.swap, raw, level)
            if e.kind == "none":
                return Leaf(vaddr, None, None, tuple(path))
            if e.is_leaf:
                return Leaf(vaddr, e, epa, tuple(path))
            table = _next_table(p, raw)
            continue
        if not raw & 1:
            return Leaf(vaddr, None, None, tuple(path))
        if not _upper_is_table(p, raw):  # 1 GiB (or larger) leaf
            pfn = (raw & _table_mask(p) & ~((1 << shift) - 1)) >> 12
            e = Entry(level=level, raw=raw, kind="present", type=None, offset=None, pfn=pfn, soft_dirty=False,
                      uffd_wp=False, exclusive=False, young=None, dirty=None, huge=True,
                      write=bool(raw & 2) if p.arch == "x86_64" else bool(raw & 1 << 51), is_leaf=True,
                      marker=None, reserved_bits=0, valid_at_pmd=None)
            return Leaf(vaddr, e, epa, tuple(path))
        table = raw & _table_mask(p)
    return Leaf(vaddr, None, None, tuple(path))


class WalkStats:
    """Coverage and errors of forward walks (shared by a whole scan)."""

    def __init__(self) -> None:
        self.tables_read = 0
        self.entries_seen = 0
        self.errors: List[str] = []


def for_each_mm_entry(
    mm: Object,
    interesting=None,
    stats: Optional[WalkStats] = None,
    label: str = "",
    _tables: Optional[_Tables] = None,
) -> Iterator[Tuple[int, int, Entry]]:
    """
    Forward scan of an mm: every non-empty user leaf entry of its page
    tables, as ``(vaddr, entry physical address, Entry)``, in address order.
    Present PTEs are yielded only when *interesting(pfn)* (a callable) says
    so (all of them when None: slow on big processes); non-present PTEs and
    every PMD leaf are always yielded. Unreadable tables are skipped and
    recorded in *stats.errors* (or raise :class:`drgn.FaultError` when
    *stats* is None).

    >>> for va, pa, e in for_each_mm_entry(find_task(prog, 38).mm):  # doctest: +SKIP
    ...     print(hex(va), e.level, e.kind)
    0x100000000000 pmd device-private-write

    :param mm: ``struct mm_struct *``
    """
    prog = mm.prog_
    p = profile(prog)
    tables = _tables or _Tables(prog)
    lv = levels(p)
    nlv = len(lv)
    x86 = p.arch == "x86_64"
    swap = p.swap
    cnt = [0]
    own_stats = stats is None
    st = stats or WalkStats()
    label = label or f"mm {mm.value_():#x}"
    pgd = mm.pgd.value_()
    try:
        top = _pgd_pa(prog, p, pgd)
    except drgn.FaultError as e:
        if own_stats:
            raise
        st.errors.append(f"{label}: pgd {pgd:#x} is not a direct-map address")
        return
    cut = [False]

    def walk(li: int, table_pa: int, base: int):
        if cut[0]:
            return
        cnt[0] += 1
        if cnt[0] > _MAX_TABLES_PER_MM:
            cut[0] = True
            st.errors.append(f"{label}: more than {_MAX_TABLES_PER_MM} page tables: walk cut short (corrupt tables?)")
            return
        st.tables_read += 1
        level, shift = lv[li]
        try:
            tbl = tables.read(table_pa)
        except drgn.FaultError as e:
            if own_stats:
                raise
            st.errors.append(f"{label}: {level} table at physical {table_pa:#x} for {base:#x}: {e}")
            return
        n = 256 if li == 0 and x86 else 512
        if level == "pte":
            for i in range(n):
                raw = tbl[i]
                if not raw:
                    continue
                st.entries_seen += 1
                va = base + (i << 12)
                if x86 and raw & 0x101:
                    # present PTE: decode fully only when its PFN matters
                    v = (~raw) if not raw & 1 else raw
                    pfn = (v & _X86_TABLE_MASK) >> 12
                    if interesting is not None and not interesting(pfn):
                        continue
                e = decode_entry(swap, raw, "pte")
                if e.kind == "none":
                    continue
                if e.kind == "present" and interesting is not None and not interesting(e.pfn):
                    continue
                yield va, table_pa + 8 * i, e
            return
        for i in range(n):
            raw = tbl[i]
            if not raw:
                continue
            st.entries_seen += 1
            va = base + (i << shift)
            if level == "pmd":
                e = decode_entry(swap, raw, "pmd")
                if e.kind == "present" and not e.is_leaf:
                    yield from walk(li + 1, _next_table(p, raw), va)
                    continue
                if e.kind == "none" or (e.kind == "present" and interesting is not None and not interesting(e.pfn)):
                    continue
                yield va, table_pa + 8 * i, e
                continue
            # upper levels: follow present table pointers, skip leaves
            if not raw & 1:
                continue
            if (raw & 0x80) if x86 else (raw & 3) != 3:
                continue
            yield from walk(li + 1, raw & _table_mask(p), va)

    yield from walk(0, top, 0)


def for_each_process(prog: Program, errors: Optional[List[str]] = None) -> Iterator[Object]:
    """
    Every process (thread-group leader), ``init_task`` first, following
    ``init_task.tasks`` like ``for_each_process()`` (include/linux/sched/signal.h),
    bounded against cycles. On a broken list the walk stops; the reason is
    appended to *errors* (or raised as :class:`drgn.FaultError`).

    :return: iterator of ``struct task_struct *``
    """
    init = prog["init_task"].address_of_()
    yield init
    off = drgn.offsetof(prog.type("struct task_struct"), "tasks")
    head = init.value_() + off
    n, mark, lap = 0, 0, 1
    try:
        pos = struct.unpack("<Q", read_kva(prog, head, 8))[0]
        while pos != head:
            n += 1
            # Brent: a loop that misses init_task is caught within two turns
            # of it (src/task.c does the same)
            if n == lap:
                mark, lap = pos, lap * 2
            elif pos == mark:
                raise drgn.FaultError(f"task list is cyclic: {pos:#x} comes back after {n} tasks without reaching "
                                      "init_task", pos)
            if n > (1 << 22):
                raise drgn.FaultError(f"task list longer than {1 << 22} entries: corrupt or cyclic", pos)
            if pos < off or pos & 7:
                raise drgn.FaultError(f"task list holds a bad pointer {pos:#x} after {n - 1} tasks", pos)
            task = Object(prog, "struct task_struct *", pos - off)
            yield task
            pos = struct.unpack("<Q", read_kva(prog, pos, 8))[0]
    except drgn.FaultError as e:
        if errors is None:
            raise
        errors.append(f"task list: {e} (processes after the break are not scanned)")


class RmapHit(NamedTuple):
    """One mapping of a folio found through its reverse map."""

    vma: Object  # struct vm_area_struct *
    mm: int
    address: int  # virtual address walked
    level: str  # "pte" or "pmd" (or "pud")
    entry: Entry


def folio_rmap(folio: Object, _tables: Optional[_Tables] = None, _info: Optional[FolioInfo] = None,
               _view: Optional[list] = None) -> Iterator[RmapHit]:
    """
    The reverse map of an anonymous folio: every VMA in its ``anon_vma``
    interval tree (``anon_vma->rb_root``, ``anon_vma_chain.rb``), and, for
    each page of the folio inside the VMA, the entry found at
    ``vma->vm_start + ((index - vma->vm_pgoff) << PAGE_SHIFT)`` if it points
    into the folio (``check_pte()``/``check_pmd()``: present, migration,
    device-private or device-exclusive). A PMD leaf covers the whole folio.

    >>> [(h.level, h.entry.kind) for h in folio_rmap(folio)]  # doctest: +SKIP
    [('pmd', 'device-private-read'), ('pmd', 'device-private-read')]

    :param folio: ``struct folio *``
    :param _view: if given, gets ``(vma, address, raw entry or None)`` for
        every entry walked, hit or not (live confirmation, src/confirm.c)
    :raises ValueError: not an anonymous folio (file, KSM or unmapped)
    :raises drgn.FaultError: the anon_vma tree cannot be read, or is corrupt
    """
    prog = folio.prog_
    f = _info or folio_info(folio)
    L = mm_layout(prog)
    if not f.anon or f.ksm:
        kind = "KSM" if f.ksm else "file" if f.mapping else "unmapped (mapping NULL)"
        raise ValueError(f"{kind} folio: no anon_vma to walk")
    tables = _tables or _Tables(prog)
    t_av = prog.type("struct anon_vma")
    t_avc = prog.type("struct anon_vma_chain")
    t_rb = prog.type("struct rb_node")
    t_vma = prog.type("struct vm_area_struct")
    o_root = drgn.offsetof(t_av, "rb_root")
    o_vma = drgn.offsetof(t_avc, "vma")
    o_rb = drgn.offsetof(t_avc, "rb")
    o_left, o_right = drgn.offsetof(t_rb, "rb_left"), drgn.offsetof(t_rb, "rb_right")
    o_start, o_end = drgn.offsetof(t_vma, "vm_start"), drgn.offsetof(t_vma, "vm_end")
    o_pgoff, o_mm = drgn.offsetof(t_vma, "vm_pgoff"), drgn.offsetof(t_vma, "vm_mm")
    o_pgd = drgn.offsetof(prog.type("struct mm_struct"), "pgd")

    def u64(addr: int) -> int:
        return struct.unpack("<Q", read_kva(prog, addr, 8))[0]

    anon_vma = f.mapping & ~L.mapping_flags
    try:
        node = u64(anon_vma + o_root) & ~1  # rb_root_cached.rb_root.rb_node; bit 0 may be a lock bit
    except drgn.FaultError as e:
        raise drgn.FaultError(f"reading anon_vma {anon_vma:#x}: {e.message}", anon_vma) from None
    stack: List[int] = []
    visited = 0
    while node or stack:
        if node:
            visited += 1
            if len(stack) == 64 or visited > _MAX_RMAP_NODES:
                raise drgn.FaultError(
                    f"anon_vma {anon_vma:#x} tree deeper than 64 or over {_MAX_RMAP_NODES} nodes: corrupt or cyclic",
                    node,
                )
            stack.append(node)
            node = u64(node + o_left)
            continue
        node = stack.pop()
        avc = node - o_rb
        vma = u64(avc + o_vma)
        start, end = u64(vma + o_start), u64(vma + o_end)
        pgoff, mm = u64(vma + o_pgoff), u64(vma + o_mm)
        vma_obj = Object(prog, "struct vm_area_struct *", vma)
        for k in range(f.nr_pages):
            idx = f.index + k
            if idx < pgoff:
                continue
            va = start + ((idx - pgoff) << 12)
            if not start <= va < end:
                continue
            # an unreadable mm or table leaves the reverse map incomplete: an
            # error, not "no VMA reaches it" (src/rmap.c does the same)
            try:
                leaf = pgtable_walk(prog, u64(mm + o_pgd), va, tables)
            except drgn.FaultError as e:
                raise drgn.FaultError(f"vma {vma:#x} (mm {mm:#x}) at {va:#x}: {e}", va) from None
            e = leaf.entry
            if _view is not None:
                _view.append((vma, va, None if e is None else e.raw))
            if e is None:
                continue
            if e.pfn is not None and f.head_pfn <= e.pfn < f.head_pfn + f.nr_pages:
                yield RmapHit(vma_obj, mm, va, e.level, e)
            if e.level == "pmd":
                break
        node = u64(node + o_right)
