# SPDX-License-Identifier: GPL-2.0-or-later
"""
Page-table entry decoding
-------------------------

What a raw PTE or PMD value means on a given kernel: none, present, or one of
the non-present "swap entries" (softleaf entries since 6.19) that carry swap
slots, migration targets, device-private pages, device-exclusive pages,
hwpoison and PTE markers.

This mirrors the C engine's ``src/swapent.c`` rule for rule (the shared
vectors in ``tests/vectors/swapent.txt`` hold both to the same answers).
Sources, read in Debian's linux-source 6.1.192, 6.12.117 and 7.2.13:
``include/linux/swap.h`` (special types), ``include/linux/swapops.h``
(``SWP_PFN_BITS``, migration A/D bits, markers), ``include/linux/leafops.h``
(7.2: PMD softleaf rules), ``arch/x86/include/asm/pgtable_64.h`` and
``arch/arm64/include/asm/pgtable.h`` (bit layouts).
"""

from typing import Dict, List, NamedTuple, Optional, Tuple

ENTRY_KINDS = (
    "none",
    "present",
    "swap",
    "migration-read",
    "migration-read-exclusive",
    "migration-write",
    "device-private-read",
    "device-private-write",
    "device-exclusive",
    "device-exclusive-read",
    "device-exclusive-write",
    "hwpoison",
    "marker",
    "swapin-error",
    "unknown",
)

_MASK64 = (1 << 64) - 1
# Defaults of a distro kernel (Debian's config), as the C engine's
# fs_profile_default().
_DISTRO = {
    "MIGRATION": True,
    "DEVICE_PRIVATE": True,
    "MEMORY_FAILURE": True,
    "PTE_MARKER": True,
    "MEM_SOFT_DIRTY": True,
    "USERFAULTFD": True,
    "THP_MIGRATION": True,
    "MIG_AD": True,
}


class SwapLayout(NamedTuple):
    """What each of the 32 swap types means on one kernel, and the layout."""

    arch: str
    version: Tuple[int, int]
    max_swapfiles: int
    kinds: Tuple[str, ...]  # per type 0..31
    pfn_bits: int
    mig_ad: bool
    marker_mask: int
    type_shift: int  # arm64
    offset_shift: int  # arm64
    soft_dirty: bool
    uffd_wp: bool
    pmd_softleaf: bool
    pmd_device_private: bool


class Entry(NamedTuple):
    """A decoded entry; field names match the CLI's JSON (docs/json-schema.md)."""

    level: str
    raw: int
    kind: str
    type: Optional[int]
    offset: Optional[int]
    pfn: Optional[int]
    soft_dirty: bool
    uffd_wp: bool
    exclusive: bool
    young: Optional[bool]  # None unless a migration entry with A/D bits
    dirty: Optional[bool]
    huge: Optional[bool]  # present entries only
    write: Optional[bool]
    is_leaf: bool
    marker: Optional[int]
    reserved_bits: int
    valid_at_pmd: Optional[bool]  # non-present PMDs only


def _special_types(version: Tuple[int, int], cfg: Dict[str, bool]) -> List[str]:
    # include/linux/swap.h: HWPOISON, MIGRATION R/RX/W, DEVICE (W, R, XW, XR
    # before 6.15; W, R, EXCLUSIVE since), PTE_MARKER (always since 6.2),
    # SWAPIN_ERROR (5.19-6.1), allocated upwards from MAX_SWAPFILES.
    v = version[0] * 100 + version[1]
    out = []
    if cfg["MEMORY_FAILURE"]:
        out.append("hwpoison")
    if cfg["MIGRATION"]:
        out += ["migration-read", "migration-read-exclusive", "migration-write"]
    if cfg["DEVICE_PRIVATE"]:
        out += ["device-private-write", "device-private-read"]
        if v >= 615:
            out.append("device-exclusive")
        else:
            out += ["device-exclusive-write", "device-exclusive-read"]
    if v >= 602 or cfg["PTE_MARKER"]:
        out.append("marker")
    if v <= 601:
        out.append("swapin-error")
    return out


def swap_layout_for(
    arch: str = "x86_64",
    version: str = "7.2",
    config: Optional[Dict[str, bool]] = None,
    max_physmem_bits: Optional[int] = None,
) -> SwapLayout:
    """
    Build the swap layout of a kernel described by hand.

    :param arch: ``"x86_64"`` or ``"arm64"``
    :param version: ``"MAJOR.MINOR"`` (more is ignored: ``"6.12.117"``)
    :param config: config bits overriding the distro-like defaults
        (``MIGRATION``, ``DEVICE_PRIVATE``, ``MEMORY_FAILURE``, ``PTE_MARKER``,
        ``MEM_SOFT_DIRTY``, ``USERFAULTFD``, ``THP_MIGRATION``, ``MIG_AD``)
    :param max_physmem_bits: ``MAX_PHYSMEM_BITS`` (46 for 4-level x86_64)
    """
    if arch in ("aarch64",):
        arch = "arm64"
    if arch not in ("x86_64", "arm64"):
        raise ValueError(f"unsupported architecture {arch!r}")
    parts = version.split(".")
    ver = (int(parts[0]), int("".join(c for c in parts[1] if c.isdigit()) or "0"))
    cfg = dict(_DISTRO)
    cfg.update(config or {})
    v = ver[0] * 100 + ver[1]
    specials = _special_types(ver, cfg)
    maxsw = 32 - len(specials)
    kinds = tuple(["swap"] * maxsw + specials)
    pmb = max_physmem_bits or (46 if arch == "x86_64" else 48)
    marker_mask = 1 | (2 if v >= 602 else 0) | (4 if v >= 613 else 0)
    if arch == "x86_64":
        ts, os_, sd, uf = 0, 0, cfg["MEM_SOFT_DIRTY"], cfg["USERFAULTFD"]
    elif v >= 610:  # arm64 6.10+: type bits 6-10, offset from bit 12
        ts, os_, sd, uf = 6, 12, False, cfg["USERFAULTFD"]
    else:
        ts, os_, sd, uf = 3, 8, False, False
    thp = cfg["THP_MIGRATION"]
    return SwapLayout(
        arch=arch,
        version=ver,
        max_swapfiles=maxsw,
        kinds=kinds,
        pfn_bits=pmb - 12,
        mig_ad=cfg["MIG_AD"],
        marker_mask=marker_mask,
        type_shift=ts,
        offset_shift=os_,
        soft_dirty=sd,
        uffd_wp=uf,
        pmd_softleaf=thp,
        pmd_device_private=thp and cfg["DEVICE_PRIVATE"] and v >= 619,
    )


def swap_layout(prog) -> SwapLayout:
    """
    The swap layout of the kernel a drgn :class:`drgn.Program` is debugging,
    from its release, ``IKCONFIG`` (when built in; symbol probes otherwise),
    ``swap_migration_ad_supported``, VMCOREINFO's ``MAX_PHYSMEM_BITS`` and
    ``MAX_SWAPFILES`` (the bound of ``swap_info[]``): the profile of
    :func:`folioscope.profile.profile`, as the C engine's ``src/profile.c``
    builds it. Cached in ``prog.cache``.

    :param prog: the program
    """
    from folioscope.profile import profile

    return profile(prog).swap


def encode_swap_entry(layout: SwapLayout, type_: int, offset: int) -> int:
    """The raw entry the kernel's ``__swp_entry(type, offset)`` builds."""
    if layout.arch == "x86_64":
        return ((((~offset) & _MASK64) << 14 & _MASK64) >> 5) | (type_ << 59)
    return ((type_ & 0x1F) << layout.type_shift) | ((offset & ((1 << 50) - 1)) << layout.offset_shift)


def _has_pfn(kind: str) -> bool:
    return kind.startswith(("migration", "device-")) or kind == "hwpoison"


def decode_entry(layout, raw: int, level: str = "pte") -> Entry:
    """
    Decode a raw page-table entry.

    >>> decode_entry(swap_layout_for("x86_64", "6.12", {"MEMORY_FAILURE": False}), 0xe7ffffe060000000).kind
    'device-private-read'

    :param layout: a :class:`SwapLayout`, or a :class:`drgn.Program`
    :param raw: the entry's value (``pte_t.pte`` / ``pmd_t.pmd``)
    :param level: ``"pte"`` or ``"pmd"`` (upper levels are never swap entries)
    """
    if not isinstance(layout, SwapLayout):
        layout = swap_layout(layout)
    raw = int(raw) & _MASK64
    L = layout
    common = dict(level=level, raw=raw, soft_dirty=False, uffd_wp=False, exclusive=False, young=None,
                  dirty=None, huge=None, write=None, marker=None, reserved_bits=0, valid_at_pmd=None)
    if L.arch == "x86_64":
        if not raw & ~0x60:  # pte_none() ignores _PAGE_KNL_ERRATUM_MASK
            return Entry(kind="none", type=None, offset=None, pfn=None, is_leaf=False, **common)
        present_bits = 0x101 if level == "pte" else (0x181 if level == "pmd" else 0x1)
        if raw & present_bits or level not in ("pte", "pmd"):
            v = (~raw & _MASK64) if (raw and not raw & 1) else raw  # L1TF inverted PROT_NONE
            huge = level in ("pmd", "pud") and bool(raw & 0x80)
            mask = 0x000FFFFFFFFFF000
            if huge:
                mask &= ~((1 << (21 if level == "pmd" else 30)) - 1)
            leaf = level == "pte" or huge
            common.update(huge=huge, write=bool(raw & 2))
            return Entry(kind="present", type=None, offset=None, pfn=((v & mask) >> 12) if leaf else None,
                         is_leaf=leaf, **common)
        type_ = raw >> 59
        offset = ((~raw & _MASK64) << 5 & _MASK64) >> 14
        common.update(soft_dirty=L.soft_dirty and bool(raw & 2), uffd_wp=L.uffd_wp and bool(raw & 4),
                      exclusive=level == "pte" and bool(raw & 8))
    else:
        if not raw:
            return Entry(kind="none", type=None, offset=None, pfn=None, is_leaf=False, **common)
        if L.offset_shift == 12:
            present = bool(raw & (1 | 1 << 11))
        else:
            present = bool(raw & (1 | 1 << 58)) or (level == "pmd" and bool(raw & 1 << 59))
        if present or level not in ("pte", "pmd"):
            huge = level in ("pmd", "pud") and bool(raw & 1) and not raw & 2
            mask = 0x0000FFFFFFFFF000
            if huge:
                mask &= ~((1 << (21 if level == "pmd" else 30)) - 1)
            leaf = level == "pte" or huge
            common.update(huge=huge, write=bool(raw & 1 << 51))
            return Entry(kind="present", type=None, offset=None, pfn=((raw & mask) >> 12) if leaf else None,
                         is_leaf=leaf, **common)
        type_ = (raw >> L.type_shift) & 0x1F
        offset = (raw >> L.offset_shift) & ((1 << 50) - 1)
        common.update(uffd_wp=L.uffd_wp and bool(raw & 8), exclusive=level == "pte" and bool(raw & 4))
    kind = L.kinds[type_]
    pfn = None
    pfn_mask = (1 << L.pfn_bits) - 1
    if _has_pfn(kind):
        pfn = offset & pfn_mask
        used = pfn_mask
        if kind.startswith("migration") and L.mig_ad:
            common.update(young=bool(offset >> L.pfn_bits & 1), dirty=bool(offset >> (L.pfn_bits + 1) & 1))
            used |= 3 << L.pfn_bits
        common["reserved_bits"] = offset & ~used
    elif kind == "marker":
        common.update(marker=offset & L.marker_mask, reserved_bits=offset & ~L.marker_mask)
    if level == "pmd":
        ok = kind.startswith("migration") or (kind.startswith("device-private") and L.pmd_device_private)
        common["valid_at_pmd"] = ok and L.pmd_softleaf
    return Entry(kind=kind, type=type_, offset=offset, pfn=pfn, is_leaf=True, **common)
