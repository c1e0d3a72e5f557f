#!/usr/bin/env bash
# Walkthrough: "a device-exclusive entry inside a device-private folio".
# Reproduces the output shown in README.md on the bug-zoo dump of a 7.2
# kernel whose __split_huge_pmd_locked() writes device-exclusive PTEs when it
# splits a writable device-private PMD (tests/vmcore/zoo/split-exclusive.patch),
# running the thp-device-split scenario (two device-private THPs, the upper
# half of one mprotect()ed, of the other munmap()ped: both PMDs are split).
set -euo pipefail
cd "$(dirname "$0")/../.."
fx=$(tests/vmcore/fixture path 7.2 thp-device-split split-exclusive)
fs() { echo "\$ folioscope $*"; build/folioscope "$@" -k "$fx/vmlinux" -c "$fx/vmcore.kdump" || true; echo; }
# 1. What is wrong: the whole-dump scan.
fs scan
# 2. The raw entry of the first evidence line, decoded with the dump's own
#    profile, next to the entry a correct split writes there (the clean
#    thp-device-split fixture's PTE[0], docs/lab.md).
fs decode 0xf7ffffe06403fe02 0xe7ffffe06403fe02
# 3. The folio the entry points at, and its page map.
fs folio 0xfcdfe00
fs pgmap
