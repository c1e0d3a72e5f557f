#!/usr/bin/env bash
# Walkthrough: "mapcount disagrees with the page tables after a split".
# Reproduces the output shown in README.md on two bug-zoo dumps of a 7.2
# kernel running the thp-device-split scenario (two device-private THPs,
# the upper half of one munmap()ped, of the other mprotect()ed):
#  - zap-skip-rmap: zap_nonpresent_ptes() drops a device-private PTE and its
#    folio reference but not its rmap (tests/vmcore/zoo/zap-skip-rmap.patch);
#  - split-double-rmap: __split_huge_pmd_locked() removes the PMD mapping of
#    a device-private folio twice (tests/vmcore/zoo/split-double-rmap.patch).
set -euo pipefail
cd "$(dirname "$0")/../.."
fx=$(tests/vmcore/fixture path 7.2 thp-device-split zap-skip-rmap)
fs() { echo "\$ folioscope $*"; build/folioscope "$@" -k "$fx/vmlinux" -c "$fx/vmcore.kdump" || true; echo; }
# 1. What is wrong: the whole-dump scan.
fs scan
# 2. The folio the findings name, then the page FS-PAGE-MAPCOUNT names.
fs folio 0xfcdfc00
fs folio 0xfcdfd00
# 3. The page tables where that page was mapped: the process is the one the
#    scan's entries name (its pid differs between builds of the fixture).
pid=$(build/folioscope scan --json -k "$fx/vmlinux" -c "$fx/vmcore.kdump" |
      python3 -c 'import json, sys; print(json.load(sys.stdin)["entries"][0]["pid"])' || true)
fs vtop -p "$pid" 0x1000004ff000 0x100000500000
# 4. Both directions for the folio: forward walk and reverse map agree.
fs rmap 0xfcdfc00
# 5. The other direction of the same symptom: a mapping removed twice.
fx=$(tests/vmcore/fixture path 7.2 thp-device-split split-double-rmap)
fs scan
fs folio 0xfcdfe00
