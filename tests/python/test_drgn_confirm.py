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
    return Scan(open_program(str(fx / "vmcore.kdump-uts"), str(fx / "vmlinux"))).run()


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
