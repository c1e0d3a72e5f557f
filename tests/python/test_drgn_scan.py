# SPDX-License-Identifier: GPL-2.0-or-later
"""The drgn helpers (drgn-helpers/folioscope) on real lab dumps, under the
drgn of the interpreter running pytest: Debian's python3-drgn 0.0.22 in
check-cli (/usr/bin/python3), PyPI's newest in check-drgn-pypi (the venv of
drgn-helpers/venv-drgn).

* differential: `python3 -m folioscope.scan --json` (drgn, on the dump forms
  drgn reads: vmcore.kdump-uts and vmcore.elf-vaddr, or the capture
  fixtures' vmcore.makedumpfile) against `build/folioscope scan --json` (C,
  on the dump as QEMU wrote it) on every fixture of `tests/vmcore/fixture
  list default` (FOLIOSCOPE_DRGN_FIXTURES=all: every defined fixture):
  identical entries, findings, pgmaps (refs, page counts), folios, stuck
  tasks, coverage, exit status; the text report is identical word for word;
* the helpers against the manifest of a 7.2 fixture;
* the ``>>>`` examples of the helpers (doctest) on a 7.2 fixture;
* unreadable memory raises drgn.FaultError, never another traceback.

A fixture that cannot be built fails the test (conftest.lab_fixture).
Timings go to build/drgn-timings.txt."""
import contextlib
import doctest
import io
import json
import os
import subprocess
import sys
import time

import pytest

import jsoncheck
from conftest import REPO, finding_vectors, lab_fixture, manifest, run

sys.path.insert(0, str(REPO / "drgn-helpers"))
import drgn  # noqa: E402
from drgn import Object  # noqa: E402

import folioscope  # noqa: E402
import importlib  # noqa: E402

# modules by name: the package re-exports functions called scan and profile
fmm, fpgmap, fpgtable, fprofile, fscan, fcommands, fswapent = (
    importlib.import_module(f"folioscope.{m}") for m in ("mm", "pgmap", "pgtable", "profile", "scan", "commands",
                                                           "swapent"))

SET = os.environ.get("FOLIOSCOPE_DRGN_FIXTURES", "default")


def _fixture_list():
    r = subprocess.run([str(REPO / "tests/vmcore/fixture"), "list", SET], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return [tuple(line.split()) for line in r.stdout.splitlines() if line.strip()]


FIXTURES = _fixture_list()


def _record(line):
    path = REPO / "build" / "drgn-timings.txt"
    path.parent.mkdir(exist_ok=True)
    with open(path, "a") as f:
        f.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} drgn {drgn.__version__} {line}\n")


def _dumps(fx):
    if (fx / "vmcore.makedumpfile").exists():
        return "vmcore.makedumpfile", ["vmcore.makedumpfile"]
    return "vmcore.kdump-flat", ["vmcore.kdump-uts", "vmcore.elf-vaddr"]


def _py_scan(fx, dump, *extra):
    env = dict(os.environ, PYTHONPATH=str(REPO / "drgn-helpers"))
    t = time.time()
    r = subprocess.run([sys.executable, "-m", "folioscope.scan", "-c", str(fx / dump), "-s", str(fx / "vmlinux"),
                        *extra], capture_output=True, text=True, env=env, timeout=600)
    if "--json" in extra and r.returncode in (0, 1):  # the same schema as the C scan document
        jsoncheck.validate_text("scan", r.stdout, f"python3 -m folioscope.scan --json on {fx.name}/{dump}")
    return r, time.time() - t


def _entries(d):
    return sorted((e["pid"], e["vaddr"], e["level"], e["kind"], e["raw"], e.get("folio_pfn"), e["seen_by_rmap"])
                  for e in d["entries"])


FINDING_VECTORS = finding_vectors()


def _findings(d):
    return sorted((f["id"], f["subject"], f["severity"], f.get("pfn"), f["evidence"]) for f in d["findings"])


def _pgmaps(d):
    return sorted(json.dumps(pm, sort_keys=True) for pm in d["pgmaps"])


def _folios(d):
    return sorted(json.dumps(f, sort_keys=True) for f in d["folios"])


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: "-".join(f[:3]))
def test_differential(folioscope, fixture):
    kernel, scenario, variant, expect = fixture
    fx = lab_fixture(kernel, scenario, variant)
    c_dump, py_dumps = _dumps(fx)
    t = time.time()
    c = run([folioscope, "scan", "--json", "-k", str(fx / "vmlinux"), "-c", str(fx / c_dump)])
    c_time = time.time() - t
    assert c.returncode in (0, 1), c.stderr
    cdoc = json.loads(c.stdout)
    if expect != "-":
        assert expect in {f["id"] for f in cdoc["findings"]}, cdoc["findings"]
    for dump in py_dumps:
        r, py_time = _py_scan(fx, dump, "--json")
        _record(f"{kernel} {scenario} {variant} {dump}: python scan {py_time:.2f}s (C on {c_dump} {c_time:.2f}s)")
        assert r.returncode == c.returncode, f"{dump}: exit {r.returncode} vs C {c.returncode}\n{r.stderr[-3000:]}"
        doc = json.loads(r.stdout)
        assert doc["schema"] == "folioscope-scan/1"
        assert _entries(doc) == _entries(cdoc), dump
        assert _findings(doc) == _findings(cdoc), dump
        assert _pgmaps(doc) == _pgmaps(cdoc), dump
        assert _folios(doc) == _folios(cdoc), dump
        assert doc["stuck_tasks"] == cdoc["stuck_tasks"], dump
        assert doc["coverage"] == cdoc["coverage"], dump
        assert len(doc["errors"]) == len(cdoc["errors"]), (doc["errors"], cdoc["errors"])
        assert doc["profile"] == cdoc["profile"] and doc["osrelease"] == cdoc["osrelease"]
        # the shared finding vectors: the exact IDs for this dump
        assert {f["id"] for f in doc["findings"]} == FINDING_VECTORS.get((kernel, scenario, variant), set()), dump


@pytest.mark.parametrize("fixture", [f for f in FIXTURES if f[0] == "7.2" and f[1] in ("mixed", "thp-device-shared")]
                         + [f for f in FIXTURES if f[3] != "-"][:1], ids=lambda f: "-".join(f[:3]))
def test_text_report_identical(folioscope, fixture):
    """The text report is the C CLI's, word for word (-v too)."""
    kernel, scenario, variant, _ = fixture
    fx = lab_fixture(kernel, scenario, variant)
    c_dump, py_dumps = _dumps(fx)
    for extra in ([], ["-v"]):
        c = run([folioscope, "scan", *extra, "-k", str(fx / "vmlinux"), "-c", str(fx / c_dump)])
        r, _ = _py_scan(fx, py_dumps[0], *extra)
        assert r.returncode == c.returncode, r.stderr
        assert r.stdout == c.stdout


# --- helpers on one program ------------------------------------------------------

@pytest.fixture(scope="module")
def shared():
    """A drgn Program on the 7.2 thp-device-shared fixture and its manifest."""
    fx = lab_fixture("7.2", "thp-device-shared")
    # ELF, not kdump: a Program freed in-process must not run libkdumpfile
    # 0.5.1's kdump_free() (use after free, libkdumpfile issue #72)
    prog = fscan.open_program(str(fx / "vmcore.elf-vaddr"), str(fx / "vmlinux"))
    return prog, manifest(fx)


def test_helpers_against_manifest(shared):
    prog, m = shared
    pgmaps = list(folioscope.for_each_dev_pagemap(prog))
    assert pgmaps and all(p.type_.type_name() == "struct dev_pagemap *" for p in pgmaps)
    private = [p for p in pgmaps if folioscope.pgmap_type(p) == "private"]
    assert private
    folios = list(folioscope.for_each_device_private_folio(prog))
    assert folios and all(f.type_.type_name() == "struct folio *" for f in folios)
    df = m["device_folios"][0]
    head = int(df["head_pfn"], 16)
    folio = Object(prog, "struct folio *", folioscope.pfn_to_page_addr(prog, head))
    assert folio.value_() in {f.value_() for f in folios}
    assert folioscope.is_device_private_folio(folio)
    page = Object(prog, "struct page *", folioscope.pfn_to_page_addr(prog, head + 5))
    assert folioscope.is_device_private_page(page)
    pgmap = folioscope.folio_pgmap(folio)
    assert pgmap.value_() in {p.value_() for p in private}
    assert folioscope.folio_pgmap(page).value_() == pgmap.value_()  # a tail page: its folio's pgmap
    assert folioscope.folio_order(folio) == 9 and folioscope.folio_nr_pages(folio) == 512
    assert folioscope.folio_mapcount(folio) == df["mappings"] == 2
    assert folioscope.folio_entire_mapcount(folio) == 2
    assert folioscope.folio_info(folio).refcount == df["expect_refcount"]
    # the pgmap's ref: 1 + pages of its allocated folios
    allocated = sum(folioscope.folio_nr_pages(f) for f in folios if folioscope.folio_pgmap(f).value_() == pgmap.value_())
    assert folioscope.pgmap_ref_count(pgmap) == 1 + allocated
    ref = folioscope.percpu_ref_read(pgmap.ref)
    assert ref.mode in ("percpu", "atomic")
    # reverse map: the parent's and the child's PMD
    hits = list(folioscope.folio_rmap(folio))
    assert sorted(h.entry.kind for h in hits) == ["device-private-read"] * 2
    assert {h.level for h in hits} == {"pmd"} and len({h.mm for h in hits}) == 2
    assert all(h.vma.type_.type_name() == "struct vm_area_struct *" for h in hits)
    # forward scan of each process's mm finds the same entries
    want = sorted((p["pid"], int(e["va"], 16), e["level"], e["kind"]) for p in m["processes"] for r in p["regions"]
                  for e in r["entries"] if e["kind"].startswith("device-"))
    got = []
    for task in folioscope.for_each_process(prog):
        if task.mm and task.pid.value_() in {w[0] for w in want}:
            for va, pa, e in folioscope.for_each_mm_entry(task.mm, interesting=lambda pfn: False):
                if e.kind.startswith("device-"):
                    got.append((task.pid.value_(), va, e.level, e.kind))
    assert sorted(got) == want
    leaf = folioscope.pgtable_walk(prog, hits[0].vma.vm_mm.pgd.value_(), hits[0].address)
    assert leaf.entry.kind == "device-private-read" and leaf.entry.pfn == head
    assert folioscope.check_folio(folio) == []
    assert fscan.scan(prog).findings == []


def test_unreadable_memory_raises_fault_error(shared):
    prog, _ = shared
    bogus = Object(prog, "struct folio *", 0xFFFF_F000_0000_0000)
    for helper in (folioscope.is_device_private_folio, folioscope.folio_pgmap, folioscope.folio_mapcount,
                   folioscope.folio_info, folioscope.check_folio):
        with pytest.raises(drgn.FaultError):
            helper(bogus)
    with pytest.raises(drgn.FaultError):
        folioscope.pgmap_ref_count(Object(prog, "struct dev_pagemap *", 0xFFFF_F000_0000_0000))
    with pytest.raises(drgn.FaultError):
        list(folioscope.folio_rmap(bogus))
    with pytest.raises(drgn.FaultError):
        folioscope.read_kva(prog, 0xFFFF_F000_0000_0000, 8)
    # a corrupt compound head is a FaultError too, with the reason
    L = folioscope.mm_layout(prog)
    img = bytearray(L.page_size)
    img[L.head:L.head + 8] = (0xDEAD0001).to_bytes(8, "little")
    with pytest.raises(drgn.FaultError, match="corrupt compound head"):
        fmm.snapshot(prog, 0x1000, bytes(img))


def test_cli_exit_status_on_bad_input(tmp_path):
    fx = lab_fixture("7.2", "thp-device")
    env = dict(os.environ, PYTHONPATH=str(REPO / "drgn-helpers"))
    fake = tmp_path / "vmlinux"
    fake.write_bytes(b"\x7fELF" + b"\0" * 60)
    for args in (["-c", str(tmp_path / "missing"), "-s", str(fx / "vmlinux")],
                 ["-c", str(fx / "vmcore.kdump-uts"), "-s", str(fake)]):
        r = subprocess.run([sys.executable, "-m", "folioscope.scan", *args], capture_output=True, text=True,
                           env=env, timeout=300)
        last = r.stderr.strip().splitlines()[-1]
        assert r.returncode == 2 and last.startswith("folioscope: ") and "Traceback" not in r.stderr, r.stderr


def test_commands(shared):
    prog, m = shared
    if not fcommands.REGISTERED:
        # Debian's drgn 0.0.22 has no drgn.commands: nothing is registered
        with pytest.raises(ImportError):
            import drgn.commands  # noqa: F401
        return
    from drgn.commands import run_command

    head = m["device_folios"][0]["head_pfn"]
    assert run_command(prog, "fscan") == 0
    assert run_command(prog, f"fcheck {head}") == 0
    for cmd in ("pgmap", f"folio {head}", f"frmap {head}", "swapent --pmd 0xe7ffffe060000000"):
        run_command(prog, cmd)
    # their JSON is the CLI's (docs/schema); folio --json is drgn's own FolioInfo dump
    for cmd, schema in (("pgmap --json", "pgmap"), ("fscan --json", "scan"), (f"fcheck --json {head}", "scan"),
                        (f"frmap --json {head}", "scan")):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            run_command(prog, cmd)
        assert jsoncheck.validate_text(schema, out.getvalue(), f"drgn {cmd}"), cmd


@pytest.mark.parametrize("module", [fmm, fpgmap, fpgtable, fprofile, fscan, fswapent],
                         ids=lambda m: m.__name__)
def test_doctests(shared, module):
    prog, m = shared
    folio = Object(prog, "struct folio *", folioscope.pfn_to_page_addr(prog, int(m["device_folios"][0]["head_pfn"], 16)))
    globs = dict(vars(module), prog=prog, folio=folio, Object=Object,
                 for_each_dev_pagemap=folioscope.for_each_dev_pagemap,
                 for_each_device_private_folio=folioscope.for_each_device_private_folio,
                 pfn_to_page_addr=folioscope.pfn_to_page_addr)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    n = 0
    for t in finder.find(module, module.__name__, globs=globs):
        t.globs.update(globs)
        runner.run(t)
        n += len(t.examples)
    res = runner.summarize(verbose=False)
    assert res.failed == 0
