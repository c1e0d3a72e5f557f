# SPDX-License-Identifier: GPL-2.0-or-later
"""
Device page maps
----------------

``struct dev_pagemap`` instances of a kernel, found through the memory
sections whose first page is in ``ZONE_DEVICE`` (``SECTION_TAINT_ZONE_DEVICE``
only marks sections ZONE_DEVICE shares with other memory, mm/memory_hotplug.c
7.2, so every section with a memmap is asked), their ranges and type, and
the value of their ``percpu_ref`` in any mode (lib/percpu-refcount.c). The C
engine's ``src/pgmap.c``.
"""

import hashlib
import struct
from typing import Iterator, List, NamedTuple, Optional, Tuple

import drgn
from drgn import Object, Program

from folioscope.mm import FolioInfo, folio_held, iter_page_images, mm_layout, read_kva, snapshot
from folioscope.profile import vmcoreinfo

__all__ = (
    "PercpuRef",
    "percpu_ref_read",
    "pgmap_ref_count",
    "pgmap_type",
    "pgmap_ranges",
    "for_each_dev_pagemap",
    "for_each_device_private_folio",
)

# lib/percpu-refcount.c (6.1, 6.12, 7.2): PERCPU_COUNT_BIAS = 1 << 63;
# include/linux/percpu-refcount.h: __PERCPU_REF_ATOMIC 1, __PERCPU_REF_DEAD 2
_BIAS = 1 << 63
_REF_ATOMIC = 1
_REF_DEAD = 2
_MASK64 = (1 << 64) - 1
_TYPES = (
    ("MEMORY_DEVICE_PRIVATE", "private"),
    ("MEMORY_DEVICE_COHERENT", "coherent"),
    ("MEMORY_DEVICE_FS_DAX", "fsdax"),
    ("MEMORY_DEVICE_GENERIC", "generic"),
    ("MEMORY_DEVICE_PCI_P2PDMA", "p2pdma"),
)


class PercpuRef(NamedTuple):
    """A percpu_ref as the kernel would count it."""

    mode: str  # percpu, atomic, switching-to-atomic, dead, exited
    value: int
    count: int  # data->count as stored
    percpu_sum: int
    data: int  # struct percpu_ref_data *


def _s64(v: int) -> int:
    v &= _MASK64
    return v - (1 << 64) if v >> 63 else v


def percpu_ref_read(ref: Object) -> PercpuRef:
    """
    Read a ``struct percpu_ref``: mode and the count the kernel would compute.

    * percpu mode (``data->count`` carries ``PERCPU_COUNT_BIAS``):
      ``count - BIAS`` plus the per-CPU counters of CPUs 0..nr_cpu_ids-1
      (``__per_cpu_offset[cpu]``);
    * switching to atomic (``__PERCPU_REF_ATOMIC`` set, bias not yet folded
      by ``percpu_ref_switch_to_atomic_rcu()``): the same sum;
    * atomic: ``data->count``; dead: either, flagged ``__PERCPU_REF_DEAD``;
    * exited (``percpu_ref_exit()``: ``data`` NULL): value 0.

    :param ref: ``struct percpu_ref`` (or a pointer to one)
    :raises drgn.FaultError: the ref, its data or a per-CPU counter is unreadable
    """
    if ref.type_.kind == drgn.TypeKind.POINTER:
        ref = ref[0]
    prog = ref.prog_
    ptr = ref.percpu_count_ptr.value_()
    data = ref.data.value_()
    if not data:
        return PercpuRef("exited", 0, 0, 0, 0)
    count = ref.data.count.counter.value_() & _MASK64
    total = 0
    if count & _BIAS:
        ncpu = prog["nr_cpu_ids"].value_()
        if not 0 < ncpu <= 65536:
            raise drgn.FaultError(f"nr_cpu_ids is {ncpu}: implausible", prog["nr_cpu_ids"].address_)
        offs = prog["__per_cpu_offset"]
        base = ptr & ~3
        for cpu in range(ncpu):
            off = offs[cpu].value_()
            total += _s64(struct.unpack("<Q", read_kva(prog, (base + off) & _MASK64, 8))[0])
        value = _s64(count - _BIAS) + total
        mode = "switching-to-atomic" if ptr & _REF_ATOMIC else "percpu"
    else:
        value = _s64(count)
        mode = "atomic"
    if ptr & _REF_DEAD:
        mode = "dead"
    return PercpuRef(mode, value, count, total, data)


def pgmap_ref_count(pgmap: Object) -> int:
    """
    The reference count of a pgmap's ``percpu_ref`` (``pgmap->ref``), per-CPU
    counters summed in percpu mode. For a MEMORY_DEVICE_PRIVATE pgmap the
    kernel keeps it at 1 + pages of allocated folios (6.1+:
    ``zone_device_page_init()`` takes one per page, ``free_zone_device_folio()``
    drops them; ``memremap_pages()`` holds the first).

    >>> pgmap = next(for_each_dev_pagemap(prog))
    >>> pgmap_ref_count(pgmap) >= 1
    True

    :param pgmap: ``struct dev_pagemap *``
    """
    return percpu_ref_read(pgmap.ref).value


def pgmap_type(pgmap: Object) -> str:
    """``"private"``, ``"coherent"``, ``"fsdax"``, ``"generic"``, ``"p2pdma"``
    or ``"unknown"`` (enum memory_type; values differ between kernels, so
    they are looked up by name).

    :param pgmap: ``struct dev_pagemap *``
    """
    t = pgmap.type.value_()
    for enumerator, name in _TYPES:
        try:
            if pgmap.prog_[enumerator].value_() == t:
                return name
        except LookupError:
            continue
    return "unknown"


def pgmap_ranges(pgmap: Object) -> List[Tuple[int, int]]:
    """Physical ranges (start, inclusive end) of a pgmap:
    ``union { struct range range; struct range ranges[]; }`` with ``nr_range``.

    :param pgmap: ``struct dev_pagemap *``
    :raises drgn.FaultError: unreadable, or nr_range is corrupt
    """
    nr = pgmap.nr_range.value_()
    if not 1 <= nr <= 16:
        raise drgn.FaultError(
            f"dev_pagemap {pgmap.value_():#x} has nr_range {nr}: corrupt (or more than 16 ranges)", pgmap.value_()
        )
    off = drgn.offsetof(pgmap.prog_.type("struct dev_pagemap"), "range")
    raw = read_kva(pgmap.prog_, pgmap.value_() + off, 16 * nr)
    return [struct.unpack_from("<QQ", raw, 16 * i) for i in range(nr)]


class _Sections(NamedTuple):
    pgmaps: List[int]
    device_sections: int
    warn: str


def _find_pgmaps(prog: Program) -> _Sections:
    """Every pgmap behind a ZONE_DEVICE section (``fs_pgmaps_find``)."""
    try:
        return prog.cache["folioscope_pgmaps"]
    except KeyError:
        pass
    vi = vmcoreinfo(prog)
    L = mm_layout(prog)
    try:
        # kernel/vmcore_info.c: SYMBOL(mem_section) is the roots array itself
        ms_sym = int(vi["SYMBOL(mem_section)"], 16)
        roots_n = int(vi["LENGTH(mem_section)"])
        ms_size = int(vi["SIZE(mem_section)"])
        map_off = int(vi["OFFSET(mem_section.section_mem_map)"])
        size_bits = int(vi["NUMBER(SECTION_SIZE_BITS)"])
    except (KeyError, ValueError):
        raise LookupError("VMCOREINFO lacks the mem_section lines (SPARSEMEM kernels have them)") from None
    try:
        has_map_bit = prog["SECTION_HAS_MEM_MAP_BIT"].value_()
    except LookupError:
        has_map_bit = 1
    if not ms_size or ms_size > 64 or roots_n > (1 << 20) or not 20 <= size_bits <= 40:
        raise LookupError("implausible mem_section geometry in VMCOREINFO")
    per_root = 4096 // ms_size
    out: List[int] = []
    ranges: List[Tuple[int, int]] = []
    warn = ""
    ndev = 0
    roots = struct.unpack(f"<{roots_n}Q", read_kva(prog, ms_sym, 8 * roots_n))
    for r, root in enumerate(roots):
        if not root:
            continue
        sec = read_kva(prog, root, per_root * ms_size)
        for i in range(per_root):
            (m,) = struct.unpack_from("<Q", sec, i * ms_size + map_off)
            if not m >> has_map_bit & 1:
                continue
            pfn = (r * per_root + i) << (size_bits - 12)
            try:
                page = read_kva(prog, L.vmemmap + pfn * L.page_size, L.page_size)
                f = snapshot(prog, pfn, page)
            except drgn.FaultError:
                continue
            if not f.zone_device:
                continue
            ndev += 1
            pa = pfn << 12
            if any(s <= pa <= e for s, e in ranges) or not f.pgmap or f.pgmap in out:
                continue
            if len(out) == 256:
                warn = "more than 256 pgmaps: the rest are not checked"
                break
            try:
                ranges += pgmap_ranges(Object(prog, "struct dev_pagemap *", f.pgmap))
            except drgn.FaultError as e:
                warn = f"pfn {pfn:#x}: {e.message}"
                continue
            out.append(f.pgmap)
    res = _Sections(out, ndev, warn)
    prog.cache["folioscope_pgmaps"] = res
    return res


def for_each_dev_pagemap(prog: Program) -> Iterator[Object]:
    """
    Iterate over every ``struct dev_pagemap`` of the kernel (any type), in
    physical address order of their first section.

    >>> sorted({pgmap_type(p) for p in for_each_dev_pagemap(prog)})
    ['private']

    :return: iterator of ``struct dev_pagemap *``
    """
    for addr in _find_pgmaps(prog).pgmaps:
        yield Object(prog, "struct dev_pagemap *", addr)


def device_private_folio_infos(prog: Program, pgmap: Object, errors: Optional[list] = None,
                               digest: Optional["hashlib._Hash"] = None) -> Iterator[FolioInfo]:
    """Snapshots of every page of a pgmap that is not a tail of a folio
    already yielded (heads of large folios, order-0 pages, free pages), read
    in bulk. Unreadable pages are appended to *errors* (or raise). *digest*,
    if given, is updated with the raw struct page of every page yielded
    (live confirmation: did the pool change between two reads?)."""
    L = mm_layout(prog)
    for start, end in pgmap_ranges(pgmap):
        spfn, epfn = start >> 12, end >> 12
        skip_to = spfn
        for pfn, buf, off, get in iter_page_images(prog, spfn, epfn):
            if pfn < skip_to:
                continue
            try:
                if buf is None:
                    buf, off = read_kva(prog, L.vmemmap + pfn * L.page_size, L.page_size), 0
                f = snapshot(prog, pfn, buf, off, get)
            except drgn.FaultError as e:
                if errors is None:
                    raise
                errors.append((pfn, e))
                continue
            if digest is not None:
                digest.update(bytes(buf[off:off + L.page_size]))
            yield f
            if not f.tail and folio_held(f) and f.nr_pages > 1 and pfn + f.nr_pages - 1 <= epfn:
                skip_to = pfn + f.nr_pages


def for_each_device_private_folio(prog: Program, allocated_only: bool = True) -> Iterator[Object]:
    """
    Iterate over the folios of every MEMORY_DEVICE_PRIVATE pgmap: allocated
    folios (``_refcount > 0``) by default, or every head and order-0 page
    with ``allocated_only=False``.

    >>> sum(1 for _ in for_each_device_private_folio(prog)) >= 1
    True

    :return: iterator of ``struct folio *``
    """
    for pgmap in for_each_dev_pagemap(prog):
        if pgmap_type(pgmap) != "private":
            continue
        for f in device_private_folio_infos(prog, pgmap):
            if f.tail or (allocated_only and not folio_held(f)):
                continue
            yield Object(prog, "struct folio *", f.page)
