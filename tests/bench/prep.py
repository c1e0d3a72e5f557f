# SPDX-License-Identifier: GPL-2.0-or-later
"""prep.py VMCORE VMLINUX SERIAL_LOG: the address list tests/bench/floor reads.

With drgn (not timed): one `P PA` line per distinct user mm (its PGD,
physical) and one `V VADDR LEN` line per test_hmm chunk named in the guest's
console log ("PFNs [0x.. 0x..)", the device-private ranges the scan reads
struct pages of): vmemmap_base + pfn * sizeof(struct page)."""
import re
import sys

from drgn import Program
from drgn.helpers.linux.pid import for_each_task


def main(core, vmlinux, serial):
    prog = Program()
    prog.set_core_dump(core)
    prog.load_debug_info([vmlinux])
    vmemmap = prog["vmemmap_base"].value_()
    pob = prog["page_offset_base"].value_()
    psize = prog.type("struct page").size
    chunks = sorted({(int(a, 16), int(b, 16))
                     for a, b in re.findall(r"PFNs \[0x([0-9a-f]+) 0x([0-9a-f]+)\)", open(serial, errors="replace").read())})
    for a, b in chunks:
        print(f"V {vmemmap + a * psize:x} {(b - a) * psize:x}")
    seen = set()
    for t in for_each_task(prog):
        mm = t.mm
        if not mm or mm.value_() in seen:
            continue
        seen.add(mm.value_())
        print(f"P {mm.pgd.value_() - pob:x}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
