# SPDX-License-Identifier: GPL-2.0-or-later
"""The bug zoo: 7.2 kernels patched to re-create real device-private bug
classes (tests/vmcore/zoo/, docs/lab.md). On each dump `folioscope scan`
must report the finding tests/vmcore/fixture list names for it, and
nothing else except the consequences tests/vectors/findings.txt lists (each
a finding the same bug really causes, explained there)."""
import json
import subprocess

import pytest

from conftest import REPO, finding_vectors, lab_fixture, manifest, run

VECTORS = finding_vectors()


def zoo():
    out = subprocess.run([str(REPO / "tests/vmcore/fixture"), "list", "all"], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        k, s, v, f = line.split()[:4]
        if v != "-":
            yield k, s, v, f


ZOO = list(zoo())


def test_zoo_is_populated():
    assert len(ZOO) >= 4, ZOO


@pytest.mark.parametrize("kernel,scenario,variant,finding", ZOO, ids=[f"{s}-{v}" for _, s, v, _ in ZOO])
def test_zoo_finding(folioscope, kernel, scenario, variant, finding):
    fx = lab_fixture(kernel, scenario, variant)
    r = run([folioscope, "scan", "--json", "-k", str(fx / "vmlinux"), "-c", str(fx / "vmcore.kdump")])
    assert r.returncode == 1, r.stderr  # findings
    doc = json.loads(r.stdout)
    ids = {f["id"] for f in doc["findings"]}
    want = VECTORS[(kernel, scenario, variant)]
    assert finding in want, f"tests/vectors/findings.txt disagrees with fixtures.list on {scenario} {variant}"
    assert ids == want, f"missing {want - ids}, spurious {ids - want}"
    assert doc["errors"] == []
    for f in doc["findings"]:
        assert f["evidence"] and f["next"]


def test_hang_names_the_stuck_task(folioscope):
    fx = lab_fixture("7.2", "pgmap-hang", "pgmap-ref-leak")
    m = manifest(fx)
    doc = json.loads(run([folioscope, "scan", "--json", "-k", str(fx / "vmlinux"), "-c",
                          str(fx / "vmcore.kdump")]).stdout)
    want = {(t["pid"], t["comm"]) for t in m["stuck_tasks"]}
    got = {(t["pid"], t["comm"]) for t in doc["stuck_tasks"]}
    assert want <= got, (want, got)
    stuck = [f for f in doc["findings"] if f["id"] == "FS-STUCK-TASK"]
    assert any("explained by FS-PGMAP-REF" in f["evidence"] for f in stuck)
