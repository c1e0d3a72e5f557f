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
