# SPDX-License-Identifier: GPL-2.0-or-later
"""
Kernel profile
--------------

What folioscope needs to know about the kernel a :class:`drgn.Program`
debugs: architecture, paging, version, the config bits that change the
meaning of page-table entries, and the swap-entry layout that follows from
them. The same evidence, in the same order, as the C engine's
``src/profile.c``: VMCOREINFO (the kernel's own ``vmcoreinfo_data``) for
version, paging and the memory map; IKCONFIG for config bits; symbol probes
where IKCONFIG is absent; the bound of ``swap_info[]`` for ``MAX_SWAPFILES``.

Works with Debian 12's python3-drgn 0.0.22 and PyPI's drgn (0.3.x): only
``Program.__getitem__``, ``Program.symbol``, ``Program.read`` and types are
used, never drgn's own mm helpers (0.0.22 cannot read 7.x ``struct page``:
``memdesc_flags_t`` flags and ``compound_info``).
"""

from typing import Dict, NamedTuple, Optional

import drgn

from folioscope.swapent import SwapLayout, swap_layout_for

__all__ = ("Profile", "profile", "vmcoreinfo", "kconfig")


def vmcoreinfo(prog: drgn.Program) -> Dict[str, str]:
    """
    The kernel's VMCOREINFO as a dict (``"OSRELEASE"`` -> ``"7.2.13"``,
    ``"NUMBER(pgtable_l5_enabled)"`` -> ``"0"``), read from the kernel's own
    ``vmcoreinfo_data`` (kernel/vmcore_info.c 6.12/7.2, kernel/crash_core.c
    6.1). Empty when the kernel has none. Cached in ``prog.cache``.

    >>> vmcoreinfo(prog)["OSRELEASE"]  # doctest: +SKIP
    '7.2.13'
    """
    try:
        return prog.cache["folioscope_vmcoreinfo"]
    except KeyError:
        pass
    text = b""
    try:
        # the dump's own VMCOREINFO note (drgn 0.0.23+; not in 0.0.22)
        text = prog["VMCOREINFO"].string_()
    except (LookupError, drgn.FaultError):
        pass
    if not text:
        try:
            data = prog["vmcoreinfo_data"].value_()
            size = prog["vmcoreinfo_size"].value_()
            if data and 0 < size < (1 << 20):
                text = prog.read(data, size).split(b"\0")[0]
        except (LookupError, drgn.FaultError):
            pass
    if not text and prog.cache.get("folioscope_core_path"):
        # kernel memory filtered (makedumpfile): the copy in the dump's
        # header (kdump) or note (ELF, /proc/kcore), in its first MiB
        try:
            with open(prog.cache["folioscope_core_path"], "rb") as f:
                head = f.read(1 << 20)
            i = head.find(b"OSRELEASE=")
            if i >= 0:
                text = head[i:].split(b"\0")[0]
        except OSError:
            pass
    out: Dict[str, str] = {}
    for line in text.decode(errors="replace").splitlines():
        k, sep, v = line.partition("=")
        if sep:
            out.setdefault(k, v)
    prog.cache["folioscope_vmcoreinfo"] = out
    return out


def kconfig(prog: drgn.Program) -> Optional[Dict[str, str]]:
    """The kernel's IKCONFIG (``{"CONFIG_NUMA": "y", ...}``), or None without it."""
    try:
        return prog.cache["folioscope_kconfig"]
    except KeyError:
        pass
    try:
        from drgn.helpers.linux.kconfig import get_kconfig

        kc: Optional[Dict[str, str]] = dict(get_kconfig(prog))
    except (LookupError, drgn.FaultError, ValueError, OSError):
        kc = None
    prog.cache["folioscope_kconfig"] = kc
    return kc


class Profile(NamedTuple):
    """The profile of one kernel (the C engine's ``struct fs_profile``)."""

    arch: str  # "x86_64" or "arm64"
    version: tuple  # (major, minor)
    osrelease: str
    levels: int  # paging levels in use
    page_offset: int  # direct-map base
    vmemmap_base: int  # struct page of pfn 0
    kernel_pgd: int  # kernel VA of the kernel's top-level table
    phys_base: int
    max_physmem_bits: int
    kconfig: Optional[Dict[str, str]]
    facts: Dict[str, bool]  # MIGRATION, DEVICE_PRIVATE, ... as in src/profile.c
    swap: SwapLayout
    version_source: str
    config_source: str
    notes: str

    def config_bool(self, name: str) -> int:
        """1 = y/m, 0 = not set, -1 = no IKCONFIG (``fs_kconfig_bool``)."""
        if self.kconfig is None:
            return -1
        return 1 if self.kconfig.get("CONFIG_" + name) in ("y", "m") else 0

    def describe(self) -> str:
        """The ``profile:`` line, word for word as ``fs_profile_describe()``."""
        f = self.facts
        yn = lambda k: "y" if f[k] else "n"  # noqa: E731
        return (
            f"{self.arch}, kernel {self.version[0]}.{self.version[1]}"
            f"{' ' + self.osrelease if self.osrelease else ''} ({self.version_source}), "
            f"{self.levels}-level paging, MAX_SWAPFILES {self.swap.max_swapfiles}; config ({self.config_source}): "
            f"MIGRATION={yn('MIGRATION')} DEVICE_PRIVATE={yn('DEVICE_PRIVATE')} "
            f"MEMORY_FAILURE={yn('MEMORY_FAILURE')} THP_MIGRATION={yn('THP_MIGRATION')} "
            f"MEM_SOFT_DIRTY={yn('MEM_SOFT_DIRTY')} USERFAULTFD={yn('USERFAULTFD')}"
            f"{'; ' + self.notes if self.notes else ''}"
        )


def _has_symbol(prog: drgn.Program, name: str) -> bool:
    try:
        prog.symbol(name)
        return True
    except LookupError:
        return False


def _has_enumerator(prog: drgn.Program, name: str) -> bool:
    try:
        prog[name]
        return True
    except LookupError:
        return False


def _array_length(prog: drgn.Program, name: str) -> Optional[int]:
    try:
        return prog[name].type_.length
    except (LookupError, AttributeError):
        return None


def profile(prog: drgn.Program) -> Profile:
    """
    Discover the profile of the kernel *prog* debugs. Cached in ``prog.cache``.

    >>> profile(prog).describe()  # doctest: +ELLIPSIS
    'x86_64, kernel 7.2 7.2.13 (VMCOREINFO), 4-level paging, MAX_SWAPFILES ...'

    :raises ValueError: the kernel cannot be analysed (no VMCOREINFO release,
        unsupported architecture or page size)
    """
    try:
        return prog.cache["folioscope_profile"]
    except KeyError:
        pass
    vi = vmcoreinfo(prog)
    notes = []
    release = vi.get("OSRELEASE")
    version_source = "VMCOREINFO"
    if not release:
        # no VMCOREINFO (a kernel without CRASH_CORE): the uts release
        release = prog["init_uts_ns"].name.release.string_().decode()
        version_source = "init_uts_ns"
    parts = release.split(".")
    try:
        ver = (int(parts[0]), int("".join(c for c in parts[1] if c.isdigit()) or "x"))
    except (ValueError, IndexError):
        raise ValueError(f"cannot parse kernel release {release!r}") from None
    if vi.get("PAGESIZE", "4096") != "4096":
        raise ValueError(f"page size {vi['PAGESIZE']} is not supported (only 4 KiB pages)")
    if prog.platform.arch == drgn.Architecture.X86_64:
        arch = "x86_64"
    elif prog.platform.arch == drgn.Architecture.AARCH64:
        arch = "arm64"
    else:
        raise ValueError(f"unsupported architecture {prog.platform.arch}")

    def vnum(key: str, default: int, base: int = 10) -> int:
        try:
            return int(vi[key], base)
        except (KeyError, ValueError):
            return default

    pmb = vnum("NUMBER(MAX_PHYSMEM_BITS)", 46 if arch == "x86_64" else 48)
    phys_base = 0
    if arch == "x86_64":
        levels = 5 if vnum("NUMBER(pgtable_l5_enabled)", 0) else 4
        phys_base = vnum("NUMBER(phys_base)", 0)
        kernel_pgd = vnum("SYMBOL(init_top_pgt)", 0, 16)
        # page_offset_base / vmemmap_base exist with CONFIG_RANDOMIZE_MEMORY;
        # else the fixed bases of Documentation/arch/x86/x86_64/mm.rst
        try:
            page_offset = prog["page_offset_base"].value_()
        except (LookupError, drgn.FaultError):
            page_offset = 0xFF11000000000000 if levels == 5 else 0xFFFF888000000000
        try:
            vmemmap = prog["vmemmap_base"].value_()
        except (LookupError, drgn.FaultError):
            vmemmap = 0xFFD4000000000000 if levels == 5 else 0xFFFFEA0000000000
    else:
        va_bits = vnum("NUMBER(VA_BITS)", 48)
        levels = 4 if va_bits > 39 else 3
        kernel_pgd = vnum("SYMBOL(swapper_pg_dir)", 0, 16)
        vmemmap = vnum("NUMBER(VMEMMAP_START)", 0, 16)
        page_offset = ((1 << 64) - 1) & ~((1 << va_bits) - 1)
    if not kernel_pgd:
        kernel_pgd = prog.symbol("init_top_pgt" if arch == "x86_64" else "swapper_pg_dir").address

    kc = kconfig(prog)
    facts: Dict[str, bool] = {}
    if kc is not None:
        on = lambda n: kc.get("CONFIG_" + n) in ("y", "m")  # noqa: E731
        facts = dict(
            MIGRATION=on("MIGRATION"),
            DEVICE_PRIVATE=on("DEVICE_PRIVATE"),
            MEMORY_FAILURE=on("MEMORY_FAILURE"),
            PTE_MARKER=on("PTE_MARKER"),
            MEM_SOFT_DIRTY=on("MEM_SOFT_DIRTY"),
            # x86_64 selects HAVE_ARCH_USERFAULTFD_WP with USERFAULTFD
            USERFAULTFD=on("HAVE_ARCH_USERFAULTFD_WP"),
            # renamed ARCH_HAS_PMD_SOFTLEAVES after 7.2 (linux-mm): accept both
            THP_MIGRATION=on("ARCH_ENABLE_THP_MIGRATION") or on("ARCH_HAS_PMD_SOFTLEAVES"),
        )
        config_source = "IKCONFIG"
    else:
        facts = dict(
            MIGRATION=_has_symbol(prog, "migrate_pages"),
            MEMORY_FAILURE=_has_enumerator(prog, "PG_hwpoison") or _has_symbol(prog, "memory_failure"),
            DEVICE_PRIVATE=_has_symbol(prog, "migrate_vma_setup"),
            PTE_MARKER=True,
            MEM_SOFT_DIRTY=_has_symbol(prog, "clear_refs_write"),
            USERFAULTFD=_has_symbol(prog, "handle_userfault"),
            THP_MIGRATION=_has_symbol(prog, "set_pmd_migration_entry"),
        )
        config_source = "symbol probes (no IKCONFIG)"
    facts["MIG_AD"] = False
    try:
        facts["MIG_AD"] = bool(prog["swap_migration_ad_supported"].value_())
    except LookupError:
        pass
    except drgn.FaultError:
        notes.append("swap_migration_ad_supported unreadable: migration A/D bits not decoded")
    swap = swap_layout_for(arch, f"{ver[0]}.{ver[1]}", facts, pmb)
    maxsw = _array_length(prog, "swap_info")
    if kc is None and maxsw and 0 < maxsw <= 32 and swap.max_swapfiles != maxsw:
        # make the guessed config agree with MAX_SWAPFILES (reconcile_max_swapfiles)
        for mask in range(1, 16):
            tr = dict(facts)
            for bit, key in enumerate(("DEVICE_PRIVATE", "MEMORY_FAILURE", "PTE_MARKER", "MIGRATION")):
                if mask >> bit & 1:
                    tr[key] = not tr[key]
            cand = swap_layout_for(arch, f"{ver[0]}.{ver[1]}", tr, pmb)
            if cand.max_swapfiles == maxsw:
                facts, swap = tr, cand
                notes.insert(0, "config bits corrected to match swap_info[] (MAX_SWAPFILES)")
                break
    p = Profile(
        arch=arch,
        version=ver,
        osrelease=release,
        levels=levels,
        page_offset=page_offset,
        vmemmap_base=vmemmap,
        kernel_pgd=kernel_pgd,
        phys_base=phys_base,
        max_physmem_bits=pmb,
        kconfig=kc,
        facts=facts,
        swap=swap,
        version_source=version_source,
        config_source=config_source,
        notes="; ".join(notes),
    )
    prog.cache["folioscope_profile"] = p
    return p
