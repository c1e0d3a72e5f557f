# SPDX-License-Identifier: GPL-2.0-or-later
"""
Pages and folios
----------------

``struct page`` / ``struct folio`` as the dumped kernel lays them out, read
by member name with the names of each kernel era as fallbacks (the C
engine's ``src/folio.c``):

* 6.1: ``compound_head``, ``folio->_folio_order``, ``_total_mapcount``,
  ``page->pgmap``
* 6.12: ``compound_head``, ``_flags_1`` (order in the low byte),
  ``_large_mapcount``, ``page->pgmap``
* 7.2: ``compound_info`` (with the HVO mask mode), ``memdesc_flags_t``
  flags, ``folio->pgmap`` (6.15+), ``_mm_ids``

drgn's own page helpers are not used: drgn 0.0.22 (Debian 12) breaks on 7.x
pages. Struct pages are read as bytes (``prog.read``), in bulk where many are
needed, and decoded here; one ``Object`` per field for 65536 pages would
take minutes.
"""

import struct
from typing import Callable, Iterator, NamedTuple, Optional

import drgn
from drgn import Object, Program

from folioscope.profile import Profile, profile

__all__ = (
    "FolioInfo",
    "MmLayout",
    "mm_layout",
    "read_kva",
    "pfn_to_page_addr",
    "folio_info",
    "folio_info_of_pfn",
    "is_device_private_page",
    "is_device_private_folio",
    "folio_pgmap",
    "folio_order",
    "folio_nr_pages",
    "folio_mapcount",
    "folio_entire_mapcount",
    "folio_large_mapcount",
    "folio_page_mapcount",
)

_U64 = struct.Struct("<Q")
_I32 = struct.Struct("<i")
_MASK64 = (1 << 64) - 1


class MmLayout(NamedTuple):
    """Where each field lives (offsets; None when the member is absent)."""

    page_size: int
    vmemmap: int
    flags: int
    head: int
    head_is_info: bool  # 7.x compound_info
    head_mask_mode: bool  # compound_info_has_mask()
    mapping: int
    index: Optional[int]
    mapcount: int
    refcount: int
    page_pgmap: Optional[int]  # page->pgmap (<= 6.14)
    folio_pgmap: Optional[int]  # folio->pgmap (6.15+)
    flags_1: Optional[int]
    folio_order_61: Optional[int]
    large_mapcount: Optional[int]
    entire_mapcount: Optional[int]
    nr_pages_mapped: Optional[int]
    pincount: Optional[int]
    total_mapcount: Optional[int]
    mm_ids: Optional[int]
    deferred_list: Optional[int]
    pg_locked: int
    pg_head: int
    pg_reserved: int
    pg_anon_exclusive: int
    pg_large_rmappable: int
    zones_pgshift: int
    zones_width: int
    zone_device: int
    mapping_flags: int
    mapping_anon: int
    mapping_ksm: int
    entirely_mapped: int
    notes: str


def _off(prog: Program, tname: str, *members: str) -> Optional[int]:
    try:
        t = prog.type(tname)
    except LookupError:
        return None
    for m in members:
        try:
            return drgn.offsetof(t, m)
        except LookupError:
            continue
    return None


def _enum(prog: Program, name: str) -> int:
    try:
        return prog[name].value_()
    except LookupError:
        return -1


def mm_layout(prog: Program) -> MmLayout:
    """
    The ``struct page``/``struct folio`` layout of *prog*'s kernel (cached).

    >>> mm_layout(prog).page_size
    64

    :raises LookupError: the debug info lacks what every era has
    """
    try:
        return prog.cache["folioscope_mm_layout"]
    except KeyError:
        pass
    p = profile(prog)
    v = p.version[0] * 100 + p.version[1]
    page_size = prog.type("struct page").size
    if not 40 <= page_size <= 256:
        raise LookupError(f"sizeof(struct page) is {page_size}: not a kernel this tool understands")
    head = _off(prog, "struct page", "compound_info", "compound_head")
    head_is_info = _off(prog, "struct page", "compound_info") is not None
    fields = dict(
        flags=_off(prog, "struct page", "flags"),
        mapping=_off(prog, "struct page", "mapping"),
        mapcount=_off(prog, "struct page", "_mapcount"),
        refcount=_off(prog, "struct page", "_refcount"),
    )
    if head is None or None in fields.values():
        raise LookupError("struct page lacks flags/compound head/mapping/_refcount/_mapcount in the debug info")
    flags_1 = _off(prog, "struct folio", "_flags_1")
    order_61 = _off(prog, "struct folio", "_folio_order")
    if flags_1 is None and order_61 is None:
        raise LookupError("struct folio has neither _flags_1 nor _folio_order: cannot tell folio orders")
    pg_head, pg_locked = _enum(prog, "PG_head"), _enum(prog, "PG_locked")
    if pg_head < 0 or pg_locked < 0:
        raise LookupError("enum pageflags lacks PG_head/PG_locked in the debug info")
    # include/linux/page-flags-layout.h: ZONES_SHIFT from MAX_NR_ZONES;
    # ZONES_PGOFF = 64 - NODES_WIDTH - ZONES_WIDTH with SPARSEMEM_VMEMMAP
    nr_zones = prog["__MAX_NR_ZONES"].value_()
    zones_shift = 0 if nr_zones <= 1 else 1 if nr_zones <= 2 else 2 if nr_zones <= 4 else 3
    nodes_shift = 0
    notes = ""
    if p.config_bool("NUMA") == 1:
        try:
            nodes_shift = int(p.kconfig.get("CONFIG_NODES_SHIFT", "0"))
        except ValueError:
            nodes_shift = 0
    elif p.kconfig is None:
        n = None
        try:
            n = prog["node_data"].type_.length
        except (LookupError, AttributeError):
            pass
        if n and n > 1:
            while (1 << nodes_shift) < n:
                nodes_shift += 1
    if p.kconfig is not None and p.kconfig.get("CONFIG_SPARSEMEM_VMEMMAP") != "y":
        notes = "SPARSEMEM without VMEMMAP: zone bits may be misplaced"
    L = MmLayout(
        page_size=page_size,
        vmemmap=p.vmemmap_base,
        head=head,
        head_is_info=head_is_info,
        # page-flags.h (7.2): mask mode only with HVO and a power-of-2 struct page
        head_mask_mode=head_is_info
        and p.config_bool("HUGETLB_PAGE_OPTIMIZE_VMEMMAP") == 1
        and (page_size & (page_size - 1)) == 0,
        index=_off(prog, "struct page", "index", "__folio_index"),
        page_pgmap=_off(prog, "struct page", "pgmap"),
        folio_pgmap=_off(prog, "struct folio", "pgmap"),
        flags_1=flags_1,
        folio_order_61=order_61,
        large_mapcount=_off(prog, "struct folio", "_large_mapcount"),
        entire_mapcount=_off(prog, "struct folio", "_entire_mapcount"),
        nr_pages_mapped=_off(prog, "struct folio", "_nr_pages_mapped"),
        pincount=_off(prog, "struct folio", "_pincount"),
        total_mapcount=_off(prog, "struct folio", "_total_mapcount"),
        mm_ids=_off(prog, "struct folio", "_mm_ids"),
        deferred_list=_off(prog, "struct folio", "_deferred_list"),
        pg_locked=pg_locked,
        pg_head=pg_head,
        pg_reserved=_enum(prog, "PG_reserved"),
        pg_anon_exclusive=_enum(prog, "PG_anon_exclusive"),
        pg_large_rmappable=_enum(prog, "PG_large_rmappable"),
        zones_pgshift=64 - nodes_shift - zones_shift,
        zones_width=zones_shift,
        zone_device=_enum(prog, "ZONE_DEVICE"),
        # page-flags.h: PAGE_MAPPING_ANON 0x1, KSM 0x3 (6.1, 6.12);
        # FOLIO_MAPPING_ANON 0x1, FOLIO_MAPPING_KSM 0x3 (7.2)
        mapping_flags=3,
        mapping_anon=1,
        mapping_ksm=3,
        # mm/internal.h ENTIRELY_MAPPED 0x800000 (6.3+)
        entirely_mapped=0x800000 if v >= 603 else 0,
        notes=notes,
        **fields,
    )
    prog.cache["folioscope_mm_layout"] = L
    return L


# --- reading kernel memory --------------------------------------------------

_X86_START_KERNEL_MAP = 0xFFFFFFFF80000000


def kva_to_pa_linear(p: Profile, kva: int) -> Optional[int]:
    """Physical address of a direct-map or kernel-image address, or None
    (arch/x86/mm/physaddr.c ``__phys_addr``; arm64 linear map)."""
    if p.arch == "x86_64":
        if kva >= _X86_START_KERNEL_MAP:
            return kva - _X86_START_KERNEL_MAP + p.phys_base
        if p.page_offset <= kva and kva - p.page_offset < (1 << p.max_physmem_bits):
            return kva - p.page_offset
        return None
    if kva >= p.page_offset:
        return kva - p.page_offset
    return None


def _walk_kernel(prog: Program, p: Profile, kva: int) -> Optional[int]:
    """Translate kva through the kernel's own page tables (physical reads)."""
    pa = kva_to_pa_linear(p, p.kernel_pgd)
    if pa is None:
        return None
    if p.arch == "x86_64":
        shifts = [48, 39, 30, 21, 12] if p.levels == 5 else [39, 30, 21, 12]
        mask = 0x000FFFFFFFFFF000
    else:
        shifts = [39, 30, 21, 12] if p.levels == 4 else [30, 21, 12]
        mask = 0x0000FFFFFFFFF000
    table = pa
    for i, shift in enumerate(shifts):
        raw = _U64.unpack(prog.read(table + 8 * ((kva >> shift) & 511), 8, True))[0]
        if not raw & 1:
            return None
        last = i == len(shifts) - 1
        leaf = last or ((raw & 0x80) if p.arch == "x86_64" else (raw & 3) == 1)
        if leaf:
            base = raw & mask & ~((1 << shift) - 1)
            return base + (kva & ((1 << shift) - 1))
        table = raw & mask
    return None


def read_kva(prog: Program, addr: int, size: int) -> bytes:
    """
    Read kernel virtual memory; where drgn cannot read *addr* directly
    (``/proc/kcore`` has vmemmap segments only for System RAM, yet
    device-private struct pages live in vmemmap), translate each page
    through the kernel page tables and read it physically, as the C engine's
    ``fs_read_kva()`` does.

    :raises drgn.FaultError: neither way can read it
    """
    try:
        return prog.read(addr, size)
    except drgn.FaultError as first:
        p = profile(prog)
        out = bytearray()
        while size:
            chunk = min(size, 4096 - (addr & 4095))
            try:
                pa = _walk_kernel(prog, p, addr)
            except drgn.FaultError:
                pa = None
            if pa is None:
                raise drgn.FaultError(
                    f"{first} (and the kernel page tables do not map it)", addr
                ) from None
            out += prog.read(pa, chunk, True)
            addr += chunk
            size -= chunk
        return bytes(out)


def pfn_to_page_addr(prog: Program, pfn: int) -> int:
    """Address of the ``struct page`` of *pfn* (SPARSEMEM_VMEMMAP)."""
    L = mm_layout(prog)
    return L.vmemmap + pfn * L.page_size


# --- folio snapshots ---------------------------------------------------------


class FolioInfo:
    """
    A snapshot of one page and its folio (the C engine's ``struct fs_folio``),
    decoded from raw ``struct page`` bytes. Counters are as the kernel
    reports them: ``page_mapcount`` is ``_mapcount + 1``, ``large_mapcount``
    ``_large_mapcount + 1`` and so on.
    """

    __slots__ = (
        "pfn", "page", "head_page", "head_pfn", "tail", "order", "nr_pages", "flags", "head_flags",
        "zone", "zone_device", "refcount", "page_mapcount", "has_large", "large_mapcount",
        "entire_mapcount", "nr_pages_mapped", "nr_pages_mapped_raw", "entirely_mapped_flag", "pincount", "mm_ids",
        "mapping",
        "index", "pgmap", "anon", "ksm", "locked", "anon_exclusive", "head_flag", "on_deferred_list",
        "folio_mapcount",
    )

    def __init__(self) -> None:
        for s in self.__slots__:
            setattr(self, s, 0)

    def __repr__(self) -> str:
        return (f"FolioInfo(pfn={self.pfn:#x}, head_pfn={self.head_pfn:#x}, order={self.order}, "
                f"refcount={self.refcount}, mapcount={self.folio_mapcount}, zone_device={self.zone_device})")


Reader = Callable[[int, int], bytes]


def _u64(b: bytes, off: int) -> int:
    return _U64.unpack_from(b, off)[0]


def _i32(b: bytes, off: int) -> int:
    return _I32.unpack_from(b, off)[0]


def snapshot(prog: Program, pfn: int, img: bytes, off: int = 0, get: Optional[Reader] = None) -> FolioInfo:
    """
    Decode the struct page of *pfn* from *img* at *off* (``fs_folio_from_image``);
    *get(addr, size)* reads other struct pages (head, page[1]) and defaults
    to :func:`read_kva`.

    :raises drgn.FaultError: a needed page cannot be read, or the compound
        head is garbage
    """
    L = mm_layout(prog)
    if get is None:
        get = lambda a, n: read_kva(prog, a, n)  # noqa: E731
    ps = L.page_size
    f = FolioInfo()
    f.pfn = pfn
    f.page = page = L.vmemmap + pfn * ps
    f.flags = _u64(img, off + L.flags)
    info = _u64(img, off + L.head)
    f.tail = bool(info & 1)
    h, ho = img, off
    head = page
    if f.tail:
        head = page & info if L.head_mask_mode else info - 1
        # the head must be a struct page below this one within the largest folio
        if head > page or head < L.vmemmap or (page - head) // ps >= (1 << 18) or (page - head) % ps:
            raise drgn.FaultError(
                f"page {page:#x} (pfn {pfn:#x}) has a corrupt compound head {head:#x}", page
            )
        h, ho = get(head, ps), 0
    f.head_page = head
    f.head_pfn = (head - L.vmemmap) // ps
    f.head_flags = hf = _u64(h, ho + L.flags)
    f.head_flag = bool(hf >> L.pg_head & 1)
    f.zone = (hf >> L.zones_pgshift) & ((1 << L.zones_width) - 1) if L.zones_width else 0
    f.zone_device = L.zone_device >= 0 and f.zone == L.zone_device
    f.refcount = _i32(h, ho + L.refcount)
    f.mapping = _u64(h, ho + L.mapping)
    f.index = _u64(h, ho + L.index) if L.index is not None else 0
    f.anon = (f.mapping & L.mapping_flags) == L.mapping_anon
    f.ksm = (f.mapping & L.mapping_flags) == L.mapping_ksm
    f.locked = bool(hf >> L.pg_locked & 1)
    f.anon_exclusive = L.pg_anon_exclusive >= 0 and bool(f.flags >> L.pg_anon_exclusive & 1)
    f.page_mapcount = _i32(img, off + L.mapcount) + 1
    f.nr_pages = 1
    f.has_large = False
    f.on_deferred_list = False
    f.pgmap = 0
    if f.zone_device:
        if L.folio_pgmap is not None:
            f.pgmap = _u64(h, ho + L.folio_pgmap)
        elif L.page_pgmap is not None:
            f.pgmap = _u64(img, off + L.page_pgmap)
    if f.head_flag:
        # the large-folio counters live in the first tail page; folio fields
        # are offsets into struct folio, page[1] starts at page_size
        sec = get(head + ps, ps)

        def f1(o: int) -> int:
            return o - ps

        if L.flags_1 is not None:
            f.order = _u64(sec, f1(L.flags_1)) & 0xFF
        else:
            f.order = sec[f1(L.folio_order_61)]
        # the largest folio is order 18 (MAX_FOLIO_ORDER): a bigger order is
        # garbage, and callers loop over nr_pages (src/folio.c does the same)
        if f.order > 18:
            raise drgn.FaultError(f"folio at pfn {f.head_pfn:#x} has order {f.order}: corrupt", head)
        f.nr_pages = 1 << f.order
        f.has_large = True
        if L.large_mapcount is not None:
            f.large_mapcount = _i32(sec, f1(L.large_mapcount)) + 1
        if L.entire_mapcount is not None and L.entire_mapcount < 2 * ps:
            f.entire_mapcount = _i32(sec, f1(L.entire_mapcount)) + 1
        elif L.total_mapcount is not None:
            f.entire_mapcount = _i32(sec, f1(L.total_mapcount)) + 1
        if L.nr_pages_mapped is not None:
            n = _i32(sec, f1(L.nr_pages_mapped)) & 0xFFFFFFFF
            f.nr_pages_mapped_raw = n - (1 << 32) if n >= (1 << 31) else n
            f.entirely_mapped_flag = bool(L.entirely_mapped and n & L.entirely_mapped)
            n = n & (L.entirely_mapped - 1) if L.entirely_mapped else n
            f.nr_pages_mapped = n - (1 << 32) if n >= (1 << 31) else n
        if L.pincount is not None and L.pincount < 2 * ps:
            f.pincount = _i32(sec, f1(L.pincount))
        if L.mm_ids is not None:
            f.mm_ids = _u64(sec, f1(L.mm_ids))
        if L.deferred_list is not None:
            # list_empty(&folio->_deferred_list): next == itself
            addr = head + L.deferred_list
            try:
                nxt = _u64(get(addr, 8), 0)
                f.on_deferred_list = nxt != addr and nxt != 0
            except drgn.FaultError:
                pass
    # include/linux/mm.h folio_mapcount(): small folios use _mapcount, large
    # ones _large_mapcount (6.11+); 6.1 sums entire + per page (callers add)
    if not f.has_large:
        f.folio_mapcount = f.page_mapcount
    elif L.large_mapcount is not None:
        f.folio_mapcount = f.large_mapcount
    else:
        f.folio_mapcount = f.entire_mapcount
    return f


def folio_held(f: FolioInfo) -> bool:
    """
    Whether the folio is in use: a reference is held, or its refcount is
    frozen at 0 under the folio lock while the kernel splits or migrates it
    (7.2 ``__folio_split()``, ``__folio_migrate_mapping()``:
    ``folio_ref_freeze()``; ``fs_folio_held()`` in C).
    """
    return f.refcount > 0 or (f.refcount == 0 and f.locked)


def folio_info_of_pfn(prog: Program, pfn: int) -> FolioInfo:
    """
    Snapshot of the page *pfn* and its folio.

    >>> folio_info_of_pfn(prog, 0x40000).zone_device  # doctest: +SKIP
    True

    :raises drgn.FaultError: the struct page cannot be read
    """
    L = mm_layout(prog)
    addr = L.vmemmap + pfn * L.page_size
    try:
        img = read_kva(prog, addr, L.page_size)
    except drgn.FaultError as e:
        raise drgn.FaultError(f"reading struct page of pfn {pfn:#x}: {e.message}", addr) from None
    return snapshot(prog, pfn, img)


def _page_pfn(obj: Object) -> int:
    L = mm_layout(obj.prog_)
    addr = obj.value_() if obj.type_.kind == drgn.TypeKind.POINTER else obj.address_
    return (addr - L.vmemmap) // L.page_size


def folio_info(obj: Object) -> FolioInfo:
    """
    Snapshot of a page or folio given as a drgn object.

    :param obj: ``struct page *`` or ``struct folio *``
    """
    return folio_info_of_pfn(obj.prog_, _page_pfn(obj))


def is_device_private_page(page: Object) -> bool:
    """
    Whether a page is ``MEMORY_DEVICE_PRIVATE`` memory: in ``ZONE_DEVICE``
    and its pgmap's type is ``MEMORY_DEVICE_PRIVATE``
    (include/linux/mm.h ``is_device_private_page()``; the pgmap pointer is
    ``page->pgmap`` up to 6.14 and ``page_folio(page)->pgmap`` since 6.15).

    >>> is_device_private_page(pfn_to_page(prog, 0x240000))  # doctest: +SKIP
    True

    :param page: ``struct page *``
    """
    f = folio_info(page)
    return _pgmap_is_private(page.prog_, f)


def _pgmap_is_private(prog: Program, f: FolioInfo) -> bool:
    if not f.zone_device or not f.pgmap:
        return False
    from folioscope.pgmap import pgmap_type

    return pgmap_type(Object(prog, "struct dev_pagemap *", f.pgmap)) == "private"


def is_device_private_folio(folio: Object) -> bool:
    """
    Whether a folio is device-private (``folio_is_device_private()``).

    :param folio: ``struct folio *``
    """
    return _pgmap_is_private(folio.prog_, folio_info(folio))


def folio_pgmap(folio: Object) -> Object:
    """
    The ``struct dev_pagemap *`` of a ZONE_DEVICE folio, NULL for others.
    Read from ``folio->pgmap`` (6.15+: "mm: move pgmap to the folio") or
    ``page->pgmap`` of the head page (6.1 - 6.14).

    :param folio: ``struct folio *`` (or ``struct page *``)
    :return: ``struct dev_pagemap *``
    """
    f = folio_info(folio)
    return Object(folio.prog_, "struct dev_pagemap *", f.pgmap if f.zone_device else 0)


def folio_order(folio: Object) -> int:
    """Order of a folio: ``_flags_1 & 0xff`` (6.x+) or ``_folio_order`` (6.1)."""
    return folio_info(folio).order


def folio_nr_pages(folio: Object) -> int:
    """Number of pages in a folio."""
    return folio_info(folio).nr_pages


def folio_mapcount(folio: Object) -> int:
    """
    The kernel's ``folio_mapcount()`` (include/linux/mm.h) for each era:

    * small folios: ``_mapcount + 1``
    * large folios, 6.11+: ``_large_mapcount + 1`` (counts every PTE and PMD)
    * large folios, 6.1: ``_entire_mapcount + 1`` plus each page's
      ``_mapcount + 1`` (``folio_mapcount()`` sums them; read page by page)

    >>> folio_mapcount(Object(prog, "struct folio *", pfn_to_page_addr(prog, 0x240000)))  # doctest: +SKIP
    1

    :param folio: ``struct folio *``
    """
    prog = folio.prog_
    f = folio_info(folio)
    L = mm_layout(prog)
    if not f.has_large or L.large_mapcount is not None:
        return f.folio_mapcount
    # 6.1 (mm/util.c folio_mapcount): entire + sum of per-page mapcounts
    n = f.entire_mapcount
    img = read_kva(prog, f.head_page, L.page_size * f.nr_pages)
    for k in range(f.nr_pages):
        n += _i32(img, k * L.page_size + L.mapcount) + 1
    return n


def folio_entire_mapcount(folio: Object) -> int:
    """``_entire_mapcount + 1`` (PMD mappings) of a large folio, 0 for small ones.

    :param folio: ``struct folio *``
    """
    f = folio_info(folio)
    return f.entire_mapcount if f.has_large else 0


def folio_large_mapcount(folio: Object) -> Optional[int]:
    """``_large_mapcount + 1`` (6.11+), None on older kernels or small folios.

    :param folio: ``struct folio *``
    """
    f = folio_info(folio)
    return f.large_mapcount if f.has_large and mm_layout(folio.prog_).large_mapcount is not None else None


def folio_page_mapcount(page: Object) -> int:
    """A page's own ``_mapcount + 1`` (per-page mapcount; not kept with
    CONFIG_NO_PAGE_MAPCOUNT, 7.x).

    :param page: ``struct page *``
    """
    return folio_info(page).page_mapcount


def iter_page_images(prog: Program, start_pfn: int, end_pfn: int, chunk: int = 8192) -> Iterator[tuple]:
    """Yield (pfn, bytes, offset, reader) for pfns [start, end] read in bulk;
    *reader* serves other struct pages from the same buffer when it can."""
    L = mm_layout(prog)
    ps = L.page_size
    pfn = start_pfn
    while pfn <= end_pfn:
        n = min(chunk, end_pfn - pfn + 1)
        base = L.vmemmap + pfn * ps
        try:
            buf = read_kva(prog, base, n * ps)
        except drgn.FaultError:
            buf = None
        end = base + n * ps

        def get(a: int, size: int, buf=buf, base=base, end=end) -> bytes:
            if buf is not None and base <= a and a + size <= end:
                return buf[a - base:a - base + size]
            return read_kva(prog, a, size)

        for k in range(n):
            yield pfn + k, buf, k * ps, get
        pfn += n
