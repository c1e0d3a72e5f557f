# SPDX-License-Identifier: GPL-2.0-or-later
"""The drgn side of live confirmation (Scan.confirm, mirroring src/confirm.c),
on real dumps standing for two reads of a kernel: the same bug-zoo dump read
twice is quiescent, so every finding is confirmed; a clean dump of the same
scenario as the second read makes every finding transient and the exit
status 0. (A dump never changes, so only the live stress test shows the
state moving between reads: tests/python/test_live_stress.py.)"""
import sys

import pytest

from conftest import REPO, lab_fixture

sys.path.insert(0, str(REPO / "drgn-helpers"))
from folioscope.scan import Scan, open_program  # noqa: E402


def _scan(fx):
    # the ELF copy, which drgn reads itself: freeing a Program on a kdump file
    # runs libkdumpfile 0.5.1's kdump_free(), which writes to freed memory
    # (libkdumpfile issue #72) and crashed this pytest process once in CI
    return Scan(open_program(str(fx / "vmcore.elf-vaddr"), str(fx / "vmlinux"))).run()


@pytest.mark.parametrize("scenario,variant", [("thp-device-split", "zap-skip-rmap"),
                                              ("thp-device", "pgmap-ref-leak")])  # folio, pgmap findings
def test_same_state_confirms(scenario, variant):
    fx = lab_fixture("7.2", scenario, variant)
    first, again = _scan(fx), _scan(fx)
    assert first.findings and first.exit_status() == 1
    assert first.confirm(again) == 0
    assert not any(f.transient for f in first.findings)
    assert first.second_read and first.exit_status() == 1


def test_changed_state_is_transient():
    first = _scan(lab_fixture("7.2", "thp-device-split", "zap-skip-rmap"))
    again = _scan(lab_fixture("7.2", "thp-device-split"))
    assert first.confirm(again) == len(first.findings) > 0
    assert all(f.transient for f in first.findings)
    assert first.exit_status() == 0
    assert all(f.to_json()["transient"] is True for f in first.findings)
    assert "transient: gone on a second read" in first.to_text()


def test_reused_folio_is_transient():
    """A folio whose index differs between the two reads was freed and
    reused (same counts, same evidence, another state): transient. Here the
    first read's snapshot is moved; the second read and the hold agree with
    the dump, so only the reads' comparison can catch it."""
    fx = lab_fixture("7.2", "thp-device-split", "zap-skip-rmap")
    first, again = _scan(fx), _scan(fx)
    folio_findings = [f for f in first.findings if f.pfn]
    assert folio_findings
    for f in folio_findings:
        first.folios[first.index[f.pfn]].f.index += 0x35
    assert first.confirm(again) == len(folio_findings)
    assert all(f.transient for f in folio_findings)
    assert all(not f.transient for f in first.findings if not f.pfn)


def test_moved_rmap_view_is_transient():
    """The entries a folio's reverse map reads must be those the second read
    read: here the second read's record of them differs from the dump (as if
    the address had been remapped since), so its folio findings are transient."""
    fx = lab_fixture("7.2", "thp-device-split", "zap-skip-rmap")
    first, again = _scan(fx), _scan(fx)
    folio_findings = [f for f in first.findings if f.pfn]
    moved = [again.index[f.pfn] for f in folio_findings if again.folios[again.index[f.pfn]].rmap_done
             and not again.folios[again.index[f.pfn]].rmap_err]
    assert moved
    for v in moved:
        again.folios[v].rmap_view ^= 1
    first.confirm(again)
    assert all(f.transient for f in folio_findings if again.index[f.pfn] in moved)


def test_moved_pool_is_transient():
    """A pgmap finding whose census reads the struct pages differently from
    the (live) second read: the pool is in use, the finding transient."""
    fx = lab_fixture("7.2", "thp-device", "pgmap-ref-leak")
    first, again = _scan(fx), _scan(fx)
    assert [f.id for f in first.findings] == ["FS-PGMAP-REF"]
    for pm in again.pgmaps:
        pm.census_digest = b"\0" * 16  # what a live second read would have recorded, then changed
    assert first.confirm(again) == 1
    assert first.findings[0].transient
