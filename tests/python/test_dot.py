# SPDX-License-Identifier: GPL-2.0-or-later
"""`folioscope rmap --dot PFN`: the folio's mappings and reverse map as a
Graphviz graph, rendered by Debian's graphviz (dot) on real bug-zoo dumps."""
import json
import subprocess

from conftest import lab_fixture, run


def _svg(dot_text):
    r = subprocess.run(["dot", "-Tsvg"], input=dot_text, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.replace("&#45;", "-")  # dot writes '-' as an entity


def test_rmap_dot_zap_skip_rmap(folioscope):
    fx = lab_fixture("7.2", "thp-device-split", "zap-skip-rmap")
    scan = run([folioscope, "scan", "--json", "-k", str(fx / "vmlinux"), "-c", str(fx / "vmcore.kdump")])
    doc = json.loads(scan.stdout)
    pfn = next(f["pfn"] for f in doc["findings"] if f["id"] == "FS-MAPCOUNT")
    r = run([folioscope, "rmap", "--dot", "-k", str(fx / "vmlinux"), "-c", str(fx / "vmcore.kdump"), hex(pfn)])
    assert r.returncode == 1, r.stderr
    assert r.stdout.startswith(f'digraph "folio_{pfn:x}"')
    svg = _svg(r.stdout)
    assert f"folio pfn {pfn:#x}" in svg
    assert "FS-MAPCOUNT" in svg and "FS-PAGE-MAPCOUNT" in svg
    assert "pid " in svg and "device-private-write" in svg
    # 256 PTEs map it: the graph shows 64 and counts the rest
    assert "and 192 more entries" in svg


def test_rmap_dot_pmd_tail(folioscope):
    """A PMD entry pointing at a tail page: the graph of the folio it lands in."""
    fx = lab_fixture("7.2", "thp-device", "pmd-tail")
    doc = json.loads(run([folioscope, "scan", "--json", "-k", str(fx / "vmlinux"), "-c",
                                        str(fx / "vmcore.kdump")]).stdout)
    e = next(e for e in doc["entries"] if e["level"] == "pmd")
    r = run([folioscope, "rmap", "--dot", "-k", str(fx / "vmlinux"), "-c", str(fx / "vmcore.kdump"), hex(e["pfn"])])
    assert r.returncode in (0, 1), r.stderr
    svg = _svg(r.stdout)
    assert "pmd " + e["vaddr"] in svg


def test_dot_only_for_rmap(folioscope):
    fx = lab_fixture("7.2", "thp-device")
    r = run([folioscope, "scan", "--dot", "-k", str(fx / "vmlinux"), "-c", str(fx / "vmcore.kdump")])
    assert r.returncode == 2 and "--dot is for rmap PFN" in r.stderr
