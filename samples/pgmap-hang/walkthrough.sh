#!/usr/bin/env bash
# Walkthrough: "a memunmap_pages() hang: who holds the pgmap".
# Reproduces the output shown in README.md on the bug-zoo dump of a 7.2
# kernel whose zone_device_folio_init() takes one pgmap reference too many
# (tests/vmcore/zoo/pgmap-ref-leak.patch): the driver's release then hangs
# in memunmap_pages() and the machine is dumped during the hang.
set -euo pipefail
cd "$(dirname "$0")/../.."
fx=$(tests/vmcore/fixture path 7.2 pgmap-hang pgmap-ref-leak)
fs() { echo "\$ folioscope $*"; build/folioscope "$@" -k "$fx/vmlinux" -c "$fx/vmcore.kdump" || true; echo; }
# 1. What is wrong: the whole-dump scan.
fs scan
# 2. The page map the stuck task waits on: ref in dead mode, 8 references left.
fs pgmap
