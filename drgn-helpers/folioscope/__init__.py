# SPDX-License-Identifier: GPL-2.0-or-later
"""
folioscope drgn helpers
-----------------------

Helpers for device-private (``ZONE_DEVICE``, ``MEMORY_DEVICE_PRIVATE``) memory
in a drgn session: what a page-table entry means on this kernel, and (in the
modules that follow the C engine) folios, pgmaps and the checks of
``docs/checks.md`` under the same finding IDs as the ``folioscope`` tool.

>>> from folioscope import decode_entry, swap_layout_for
>>> decode_entry(swap_layout_for("x86_64", "7.2", {"MEMORY_FAILURE": False}), 0xefffffe06403fe00, "pmd").kind
'device-private-read'

In drgn (Debian 12's python3-drgn 0.0.22 or PyPI's drgn; 6.1, 6.12, 7.2)::

    >>> from folioscope import for_each_dev_pagemap, pgmap_ref_count, check_folio
    >>> from folioscope.scan import scan
    >>> [pgmap_ref_count(p) for p in for_each_dev_pagemap(prog)]   # doctest: +SKIP
    [1025, 1, 1]
    >>> scan(prog).findings                                        # doctest: +SKIP
    []

Modules: ``swapent`` (entry decoder), ``profile`` (kernel profile), ``mm``
(pages and folios), ``pgmap`` (dev_pagemap, percpu_ref), ``pgtable`` (forward
walk, reverse map), ``scan`` (scan, checks, reports, ``python3 -m
folioscope.scan``), ``commands`` (drgn commands where drgn has them).
"""

from folioscope.swapent import (
    ENTRY_KINDS,
    Entry,
    SwapLayout,
    decode_entry,
    encode_swap_entry,
    swap_layout,
    swap_layout_for,
)

__all__ = (
    "ENTRY_KINDS",
    "Entry",
    "SwapLayout",
    "decode_entry",
    "encode_swap_entry",
    "swap_layout",
    "swap_layout_for",
)

# The drgn helpers, loaded on first use (PEP 562) so that the decoder works
# without drgn and `python3 -m folioscope.scan` runs its module only once.
_LAZY = {
    "folioscope.mm": ("FolioInfo", "folio_entire_mapcount", "folio_info", "folio_large_mapcount",
                      "folio_mapcount", "folio_nr_pages", "folio_order", "folio_page_mapcount", "folio_pgmap",
                      "is_device_private_folio", "is_device_private_page", "mm_layout", "pfn_to_page_addr",
                      "read_kva"),
    "folioscope.pgmap": ("for_each_dev_pagemap", "for_each_device_private_folio", "percpu_ref_read",
                         "pgmap_ranges", "pgmap_ref_count", "pgmap_type"),
    "folioscope.pgtable": ("folio_rmap", "for_each_mm_entry", "for_each_process", "pgtable_walk"),
    "folioscope.profile": ("vmcoreinfo",),
    "folioscope.scan": ("Finding", "Scan", "check_folio"),
}
# scan(prog) and profile(prog) live in the modules of the same name
# (folioscope.scan.scan, folioscope.profile.profile): a package attribute of
# that name is the submodule once it is imported.
_WHERE = {name: mod for mod, names in _LAZY.items() for name in names}
__all__ += tuple(_WHERE)


def __getattr__(name):
    mod = _WHERE.get(name)
    if mod is None:
        raise AttributeError(f"module 'folioscope' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(mod), name)
    globals()[name] = value
    return value


try:  # drgn commands (fscan, fcheck, ...) where drgn has a command framework
    import drgn as _drgn  # noqa: F401
except ImportError:  # pragma: no cover - the decoder alone
    pass
else:
    from folioscope import commands as _commands  # noqa: F401
