# SPDX-License-Identifier: GPL-2.0-or-later
"""Fault injection on real lab dumps (tests/faultinj/faultinj.py,
docs/fault-injection.md): each line of tests/vectors/faults.txt corrupts one
kernel object in a sparse copy of a 7.2 fixture's ELF dump, and

* `folioscope scan --json` (plain and ASan/UBSan builds, on the copy of
  QEMU's vmcore.elf) gives exactly the findings and exit status listed, with
  the listed error text, within a timeout that catches hangs;
* `python3 -m folioscope.scan --json` (drgn, on the copy of vmcore.elf-vaddr)
  gives the same, and never a traceback (unreadable memory is a drgn
  FaultError, reported as an error, never an exception).

Each fixture is copied once per session (into /var/tmp, removed afterwards);
a mutation patches a few bytes of the copy and is reverted after its test.
The "none" lines are the controls: the unpatched copy scans clean.
FOLIOSCOPE_FAULTINJ=all adds the slow lines (set "all"). A fixture that
cannot be built fails the test (conftest.lab_fixture)."""
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from conftest import REPO, lab_fixture, run

sys.path.insert(0, str(REPO / "tests/faultinj"))
import faultinj  # noqa: E402

C_TIMEOUT = 10        # the C scans take 0.1-0.6 s on these dumps
DRGN_TIMEOUT = 60     # the drgn scans 1-2 s
SLOW_TIMEOUT = 300    # set "all": the task-list cycle takes ~70 s in drgn
SET = os.environ.get("FOLIOSCOPE_FAULTINJ", "default")


class Row:
    def __init__(self, line):
        fields = line.split(None, 5)
        self.scenario, self.mutation, self.set, exit_, ids = fields[:5]
        self.exit = int(exit_)
        self.findings = collections.Counter()
        for item in ids.split(","):
            if item != "-":
                fid, _, n = item.partition("*")
                self.findings[fid] += int(n or 1)
        self.where, self.text = None, None
        if len(fields) == 6:
            self.where, _, self.text = fields[5].partition(":")
            assert self.where in ("errors", "rmap", "ref") and self.text, line
        self.id = f"{self.scenario}-{self.mutation}"
        self.timeout = SLOW_TIMEOUT if self.set == "all" else None


def catalog():
    rows = []
    for line in (REPO / "tests/vectors/faults.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            r = Row(line)
            assert r.set in ("default", "all", "xfail", "xfail-c", "xfail-drgn"), line
            assert r.mutation in faultinj.MUTATIONS, f"faults.txt: no mutation {r.mutation}"
            if r.set != "all" or SET == "all":
                rows.append(r)
    return rows


ROWS = catalog()


def test_catalog_covers_every_mutation_and_has_controls():
    names = {line.split()[1] for line in (REPO / "tests/vectors/faults.txt").read_text().splitlines()
             if line.split("#")[0].strip()}
    assert set(faultinj.MUTATIONS) <= names, set(faultinj.MUTATIONS) - names
    scenarios = {r.scenario for r in ROWS}
    assert {r.scenario for r in ROWS if r.mutation == "none"} == scenarios


_copies = {}
_c_findings = {}  # row id -> (id, subject) pairs of a C scan that passed, for the drgn test


@pytest.fixture(scope="module")
def workdir():
    d = tempfile.mkdtemp(dir="/var/tmp", prefix="folioscope-faultinj-")
    yield d
    _copies.clear()
    shutil.rmtree(d)


def copy_of(workdir, scenario):
    """The session's copy of a 7.2 fixture's ELF dumps (faultinj.Copy)."""
    if scenario not in _copies:
        fx = lab_fixture("7.2", scenario)
        out = os.path.join(workdir, scenario)
        os.mkdir(out)
        _copies[scenario] = faultinj.Copy(faultinj.Dump(str(fx)), out)
    return _copies[scenario]


def check_doc(row, doc, who):
    ids = collections.Counter(f["id"] for f in doc["findings"])
    assert ids == row.findings, f"{who}: missing {row.findings - ids}, spurious {ids - row.findings}: " + \
        json.dumps(doc["findings"], indent=1)[:4000]
    for f in doc["findings"]:
        assert f["evidence"] and f["next"], f
    if row.where != "errors":
        assert doc["errors"] == [], f"{who}: unexpected errors {doc['errors']}"
    if row.where:
        where = {"errors": doc["errors"],
                 "rmap": [f.get("rmap_error", "") for f in doc["folios"]],
                 "ref": [p.get("ref_error", "") for p in doc["pgmaps"]]}[row.where]
        assert any(row.text in t for t in where), f"{who}: no {row.where} text {row.text!r} in {where}"


def _params(front):
    out = []
    for r in ROWS:
        marks = []
        if r.set in ("xfail", f"xfail-{front}"):
            # only a wrong outcome (or a timeout) is the expected failure: a mutation that
            # cannot be built, or a scan without JSON, still fails the test
            marks.append(pytest.mark.xfail(strict=True, raises=(AssertionError, pytest.fail.Exception),
                                           reason=f"known {front} bug: see tests/vectors/faults.txt"))
        out.append(pytest.param(r, id=r.id, marks=marks))
    return out


@pytest.mark.parametrize("row", _params("c"))
def test_faultinj_c(folioscope_any, workdir, row):
    c = copy_of(workdir, row.scenario)
    with c.mutated(row.mutation):
        try:
            r = run([folioscope_any, "scan", "--json", "-k", c.vmlinux, "-c", c.paths["vmcore.elf"]],
                    timeout=row.timeout or C_TIMEOUT)
        except subprocess.TimeoutExpired as e:  # a hang
            pytest.fail(f"{row.id}: {folioscope_any} did not finish: {e}")
    assert r.returncode == row.exit, f"{row.id}: exit {r.returncode}, want {row.exit}\n{r.stderr[-3000:]}"
    assert "runtime error" not in r.stderr and "Sanitizer" not in r.stderr, r.stderr[-3000:]
    doc = json.loads(r.stdout)
    check_doc(row, doc, "C")
    _c_findings[row.id] = sorted((f["id"], f["subject"]) for f in doc["findings"])


@pytest.mark.parametrize("row", _params("drgn"))
def test_faultinj_drgn(folioscope, workdir, row):
    c = copy_of(workdir, row.scenario)
    env = dict(os.environ, PYTHONPATH=str(REPO / "drgn-helpers"))
    with c.mutated(row.mutation):
        try:
            r = subprocess.run([sys.executable, "-m", "folioscope.scan", "--json", "-s", c.vmlinux, "-c",
                                c.paths["vmcore.elf-vaddr"]], capture_output=True, text=True, env=env,
                               timeout=row.timeout or DRGN_TIMEOUT)
        except subprocess.TimeoutExpired as e:
            pytest.fail(f"{row.id}: the drgn scan did not finish: {e}")
        if row.set == "default" and row.id not in _c_findings:  # this test run alone
            cr = run([folioscope, "scan", "--json", "-k", c.vmlinux, "-c", c.paths["vmcore.elf"]],
                     timeout=row.timeout or C_TIMEOUT)
            _c_findings[row.id] = sorted((f["id"], f["subject"]) for f in json.loads(cr.stdout)["findings"])
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    assert r.returncode == row.exit, f"{row.id}: exit {r.returncode}, want {row.exit}\n{r.stderr[-3000:]}"
    doc = json.loads(r.stdout)
    check_doc(row, doc, "drgn")
    if row.set == "default":
        # the same findings about the same subjects as the C scan of the same corruption
        assert sorted((f["id"], f["subject"]) for f in doc["findings"]) == _c_findings[row.id]
