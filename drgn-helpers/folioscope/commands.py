# SPDX-License-Identifier: GPL-2.0-or-later
"""
drgn commands
-------------

The crash extension's commands (``crash-ext/``: swapent, folio, frmap,
pgmap, fcheck, fscan) as drgn CLI commands, registered when this module is
imported into a drgn whose command framework exists (``drgn.commands``,
PyPI drgn 0.1+; run them as ``%fscan`` at the drgn prompt, or with
``drgn.commands.run_command(prog, "fscan --json")``).

On older drgn (Debian 12's 0.0.22 has no ``drgn.commands``) importing this
module registers nothing and :data:`REGISTERED` is False: call the helpers
(``folioscope.scan.scan(prog)`` and friends) directly instead.
"""

import json
from typing import Any

from drgn import Object, Program

__all__ = ("REGISTERED",)

try:
    from drgn.commands import argument, command
except ImportError:  # drgn < 0.1: no command framework
    REGISTERED = False
else:
    REGISTERED = True

    def _pfn_or_page(prog: Program, v: int) -> Object:
        from folioscope.mm import mm_layout

        L = mm_layout(prog)
        addr = v if v >= L.vmemmap else L.vmemmap + v * L.page_size
        return Object(prog, "struct folio *", addr)

    @command(
        name="swapent",
        description="decode a page-table entry (PTE, or PMD with --pmd) on this kernel",
        arguments=(argument("value", type="hexadecimal", nargs="+"), argument("--pmd", action="store_true")),
    )
    def _cmd_swapent(prog: Program, name: str, args: Any, **kwargs: Any) -> None:
        from folioscope.swapent import decode_entry, swap_layout

        layout = swap_layout(prog)
        for v in args.value:
            e = decode_entry(layout, v, "pmd" if args.pmd else "pte")
            where = f"pfn {e.pfn:#x}" if e.pfn is not None else (f"offset {e.offset:#x}" if e.offset is not None else "-")
            print(f"{e.level:<5} {e.raw:#018x} {e.kind:<24} {e.type if e.type is not None else '-':>4}  {where}")

    @command(
        name="folio",
        description="a page's folio: order, counters, mapping, pgmap",
        arguments=(argument("pfn", type="hexadecimal", help="PFN or struct page address"),
                   argument("--json", action="store_true")),
    )
    def _cmd_folio(prog: Program, name: str, args: Any, **kwargs: Any) -> None:
        from folioscope.mm import folio_info

        f = folio_info(_pfn_or_page(prog, args.pfn))
        d = {s: getattr(f, s) for s in f.__slots__}
        if args.json:
            print(json.dumps(d))
        else:
            for k, v in d.items():
                print(f"  {k:<22} {v:#x}" if isinstance(v, int) and not isinstance(v, bool) and k in (
                    "pfn", "page", "head_page", "head_pfn", "flags", "head_flags", "mapping", "pgmap", "mm_ids")
                      else f"  {k:<22} {v}")

    @command(
        name="frmap",
        description="the entries that map a folio, from both directions (forward walk and reverse map)",
        arguments=(argument("pfn", type="hexadecimal"), argument("--json", action="store_true")),
    )
    def _cmd_frmap(prog: Program, name: str, args: Any, **kwargs: Any) -> None:
        from folioscope.scan import check_scan

        s = check_scan(_pfn_or_page(prog, args.pfn))
        print(json.dumps(s.to_json()) if args.json else s.to_text(one_folio=True), end="" if not args.json else "\n")

    @command(
        name="pgmap",
        description="every dev_pagemap: type, owner, ranges, percpu_ref value",
        arguments=(argument("--json", action="store_true"),),
    )
    def _cmd_pgmap(prog: Program, name: str, args: Any, **kwargs: Any) -> None:
        from folioscope.scan import Scan

        s = Scan(prog)
        for pm in s.pgmaps:
            rng = ",".join(f"{a >> 12:x}-{b >> 12:x}" for a, b in pm.ranges)
            ref = f"{pm.ref.value} ({pm.ref.mode})" if pm.ref else f"unreadable ({pm.ref_err})"
            if args.json:  # the CLI's pgmap --json line (docs/schema/pgmap.schema.json)
                d = {"pgmap": f"{pm.addr:#x}", "type": pm.type_name, "owner": f"{pm.owner:#x}", "ops": f"{pm.ops:#x}",
                     "ranges": [{"start_pfn": a >> 12, "end_pfn": b >> 12} for a, b in pm.ranges]}
                if pm.ref_err:
                    d["ref_error"] = pm.ref_err
                else:
                    d["ref"], d["ref_mode"] = pm.ref.value, pm.ref.mode
                print(json.dumps(d))
            else:
                print(f"{pm.addr:<18x} {pm.type_name:<8} {pm.owner:<18x} {rng}  {ref}")

    @command(
        name="fcheck",
        description="the checks of docs/checks.md on one folio (or, without PFN, the whole scan)",
        arguments=(argument("pfn", type="hexadecimal", nargs="?"), argument("--json", action="store_true")),
    )
    def _cmd_fcheck(prog: Program, name: str, args: Any, **kwargs: Any) -> int:
        from folioscope.scan import check_scan, scan

        s = scan(prog) if args.pfn is None else check_scan(_pfn_or_page(prog, args.pfn))
        print(json.dumps(s.to_json()) if args.json else s.to_text(one_folio=args.pfn is not None),
              end="\n" if args.json else "")
        return s.exit_status()

    @command(
        name="fscan",
        description="folioscope scan: pgmaps, device folios, entries, findings",
        arguments=(argument("--json", action="store_true"), argument("-v", "--verbose", action="store_true")),
    )
    def _cmd_fscan(prog: Program, name: str, args: Any, **kwargs: Any) -> int:
        from folioscope.scan import scan

        s = scan(prog)
        print(json.dumps(s.to_json(args.verbose)) if args.json else s.to_text(args.verbose),
              end="\n" if args.json else "")
        return s.exit_status()
