# SPDX-License-Identifier: GPL-2.0-or-later
"""docs/schema/*.schema.json describe every JSON folioscope prints
(docs/json-schema.md):
* every command's --json output on real lab dumps is valid (conftest.run()
  checks each one anyway; here every command and its variants run on dumps
  chosen to reach every part of the schemas: present and non-present
  entries at PTE and PMD level, findings, stuck tasks, large and small
  folios, ordinary pages);
* the schemas are strict: broken documents are rejected;
* the crash extension's -j output and the drgn helpers' scan document follow
  the same schema."""
import copy
import json
import os
import subprocess
import sys

import pytest

import jsoncheck
from conftest import REPO, lab_fixture, manifest, run

FIXTURES = [("7.2", "mixed", "-"), ("7.2", "exclusive", "-"), ("7.2", "pgmap-hang", "pgmap-ref-leak"),
            ("7.2", "thp-device-split", "zap-skip-rmap"), ("6.1", "thp-device-shared", "-")]


def fs(folioscope, fx, *args):
    """Run a folioscope command with --json on the fixture's dump; return its documents, validated."""
    cmd = [folioscope, *args, "--json", "-k", str(fx / "vmlinux"), "-c", str(fx / "vmcore.kdump")]
    r = run(cmd)  # run() validates already: this checks the hook did not let anything through
    assert r.returncode in (0, 1), f"{' '.join(cmd)}: exit {r.returncode}\n{r.stderr[-2000:]}"
    return jsoncheck.validate_text(jsoncheck.schema_for(cmd), r.stdout, " ".join(cmd))


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: "-".join(f))
def test_every_command_on_a_lab_dump(folioscope, fixture):
    fx = lab_fixture(*fixture)
    (doc,) = fs(folioscope, fx, "scan")
    (full,) = fs(folioscope, fx, "scan", "-v")
    pgmaps = fs(folioscope, fx, "pgmap")
    assert [p["pgmap"] for p in pgmaps] == [p["pgmap"] for p in doc["pgmaps"]]
    for p in pgmaps[:2]:
        assert fs(folioscope, fx, "pgmap", p["pgmap"]) == [p]
    for f in full["folios"][:2]:
        pfn = hex(f["pfn"])
        head, tail = fs(folioscope, fx, "folio", pfn, hex(f["pfn"] + (1 << f["order"]) - 1))
        assert head["zone_device"] and head["head_pfn"] == tail["head_pfn"] == f["pfn"]
        (one,) = fs(folioscope, fx, "check", pfn)
        (rm,) = fs(folioscope, fx, "rmap", pfn)
        assert f["pfn"] in [x["pfn"] for x in one["folios"]] and f["pfn"] in [x["pfn"] for x in rm["folios"]]
    # every entry the manifest names, walked level by level, then its leaf decoded and its page's folio
    leaves = []
    for proc in manifest(fx)["processes"]:
        for region in proc["regions"]:
            for e in region.get("entries", [])[:2]:
                levels = fs(folioscope, fx, "vtop", "-p", str(proc["pid"]), e["va"])
                assert levels[-1]["leaf"] or levels[-1]["kind"] == "none"
                leaves.append(levels[-1])
    assert leaves, "the manifest names no entries"
    for lvl in ("pte", "pmd"):
        raws = sorted({x["raw"] for x in leaves if x["level"] == lvl})
        if raws:
            flags = ["--pmd"] if lvl == "pmd" else []
            decoded = fs(folioscope, fx, "decode", *flags, *raws)
            assert [d["raw"] for d in decoded] == raws
    ordinary = [x["pfn"] for x in leaves if x["kind"] == "present"]
    for pfn in ordinary[:2]:
        (f,) = fs(folioscope, fx, "folio", hex(pfn))
        assert not f["zone_device"] and "pgmap" not in f
    # the kernel's own page tables (no -p): a kernel-half address
    assert fs(folioscope, fx, "vtop", doc["pgmaps"][0]["pgmap"])
    if fixture[2] == "pgmap-ref-leak":
        assert doc["stuck_tasks"], "this dump has a task stuck in memunmap_pages()"
    if fixture[2] == "zap-skip-rmap":
        assert all("pfn" in f for f in doc["findings"]) and doc["findings"]


def test_decode_without_a_dump(folioscope):
    """Every kind and flag the decoder knows, from the shared vectors, through decode --json."""
    kinds = set()
    for line in (REPO / "tests/vectors/swapent.txt").read_text().splitlines():
        f = line.split("#")[0].split()
        if not f:
            continue
        arch, kernel, config, level, raw = f[:5]
        cmd = [folioscope, "decode", "--json", "--arch", arch, "--kernel", kernel]
        if config != "-":
            cmd += ["--config", config]
        if level == "pmd":
            cmd.append("--pmd")
        r = run(cmd + [raw])
        assert r.returncode == 0, r.stderr
        kinds.update(d["kind"] for d in jsoncheck.validate_text("decode", r.stdout))
    assert {"device-private-write", "migration-read", "present", "none"} <= kinds, kinds


def _scan_doc():
    fx = lab_fixture("7.2", "pgmap-hang", "pgmap-ref-leak")
    r = run([str(REPO / "build/folioscope"), "scan", "--json", "-k", str(fx / "vmlinux"), "-c",
             str(fx / "vmcore.kdump")])
    doc = json.loads(r.stdout)
    assert doc["stuck_tasks"] and doc["findings"] and doc["entries"] == []
    fx = lab_fixture("7.2", "mixed")
    r = run([str(REPO / "build/folioscope"), "scan", "--json", "-k", str(fx / "vmlinux"), "-c",
             str(fx / "vmcore.kdump")])
    mixed = json.loads(r.stdout)
    assert mixed["entries"] and mixed["folios"]
    doc["entries"], doc["folios"] = mixed["entries"], mixed["folios"]
    assert jsoncheck.errors("scan", doc) == []
    return doc


def _broken(doc, path, value=None, delete=False):
    d = copy.deepcopy(doc)
    *parents, last = path
    obj = d
    for p in parents:
        obj = obj[p]
    if delete:
        del obj[last]
    else:
        obj[last] = value
    return d


SCAN_BREAKS = [
    ("missing schema", ["schema"], None, True),
    ("other version", ["schema"], "folioscope-scan/2", False),
    ("missing coverage", ["coverage"], None, True),
    ("unknown top-level field", ["extra"], 1, False),
    ("bad entry kind", ["entries", 0, "kind"], "device-private", False),
    ("bad entry level", ["entries", 0, "level"], "pxd", False),
    ("raw as a number", ["entries", 0, "raw"], 1234, False),
    ("raw not hex", ["entries", 0, "raw"], "1234", False),
    ("entry without its pid", ["entries", 0, "pid"], None, True),
    ("unknown entry field", ["entries", 0, "color"], "red", False),
    ("huge on a non-present entry", ["entries", 0, "huge"], True, False),
    ("bad finding id", ["findings", 0, "id"], "MAPCOUNT", False),
    ("lower-case finding id", ["findings", 0, "id"], "FS-mapcount", False),
    ("bad severity", ["findings", 0, "severity"], "fatal", False),
    ("finding without evidence", ["findings", 0, "evidence"], None, True),
    ("pgmap without its statistics", ["pgmaps", 0, "expected_ref"], None, True),
    ("bad pgmap type", ["pgmaps", 0, "type"], "device-private", False),
    ("bad ref mode", ["pgmaps", 0, "ref_mode"], "zombie", False),
    ("ref and ref_error", ["pgmaps", 0, "ref_error"], "unreadable", False),
    ("stuck task without return address", ["stuck_tasks", 0, "return_address"], None, True),
    ("negative coverage", ["coverage", "tasks"], -1, False),
    ("folio without mapcount", ["folios", 0, "mapcount"], None, True),
    ("errors not strings", ["errors"], [1], False),
]


@pytest.mark.parametrize("what,path,value,delete", SCAN_BREAKS, ids=[b[0] for b in SCAN_BREAKS])
def test_scan_schema_rejects(what, path, value, delete):
    doc = _scan_doc_cached()
    assert jsoncheck.errors("scan", _broken(doc, path, value, delete)), what


_cache = {}


def _scan_doc_cached():
    if "doc" not in _cache:
        _cache["doc"] = _scan_doc()
    return _cache["doc"]


ENTRY = {"level": "pte", "raw": "0xe7ffffe06403fe02", "kind": "device-private-write", "type": 28,
         "offset": 265158144, "pfn": 265158144, "soft_dirty": True, "uffd_wp": False, "exclusive": False}
LINE_BREAKS = [
    ("decode", dict(ENTRY, kind="device-privat-write")),
    ("decode", {k: v for k, v in ENTRY.items() if k != "raw"}),
    ("decode", dict(ENTRY, type=None)),  # offset without a type
    ("decode", dict(ENTRY, level="pmd")),  # a non-present PMD says whether it is valid there
    ("decode", dict(ENTRY, young=True)),  # young without dirty
    ("decode", dict(ENTRY, kind="marker")),  # a marker without its bits
    ("vtop", dict(ENTRY, vaddr="0x100000000000", pgd="0xffff888001cd6000", entry_paddr="0x1d657f8")),  # no leaf
    ("vtop", dict(ENTRY, vaddr="0x100000000000", pgd="0xffff888001cd6000", entry_paddr="0x1d657f8", leaf=True,
                  mm="0xffff88800014afc0")),
    ("pgmap", {"pgmap": "0xffff888001d35540", "type": "private", "owner": "0x0", "ops": "0x0", "ranges": []}),
    ("pgmap", {"pgmap": "0xffff888001d35540", "type": "private", "owner": "0x0", "ops": "0x0", "ranges": "fcd0000",
               "ref": 1, "ref_mode": "percpu"}),
]


@pytest.mark.parametrize("name,doc", LINE_BREAKS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(LINE_BREAKS)])
def test_line_schemas_reject(name, doc):
    assert jsoncheck.errors(name, doc)


def test_line_schemas_accept_the_documented_examples():
    assert jsoncheck.errors("decode", ENTRY) == []
    assert jsoncheck.errors("decode", dict(ENTRY, level="pmd", valid_at_pmd=True)) == []
    assert jsoncheck.errors("vtop", dict(ENTRY, vaddr="0x100000000000", pid=38, pgd="0xffff888001cd6000",
                                         entry_paddr="0x1d657f8", leaf=True)) == []
    assert jsoncheck.errors("pgmap", {"pgmap": "0xffff888001d35540", "type": "private", "owner": "0x0", "ops": "0x0",
                                      "ranges": [{"start_pfn": 1, "end_pfn": 2}], "ref_error": "unreadable"}) == []


def test_folio_schema_rejects(folioscope):
    fx = lab_fixture("7.2", "thp-device-split", "zap-skip-rmap")
    (f,) = fs(folioscope, fx, "folio", "0xfcdfc00")
    assert f["zone_device"] and "large_mapcount" in f
    for broken in (_broken(f, ["pgmap"], delete=True), _broken(f, ["mm_ids"], delete=True),
                   _broken(f, ["mapping_kind"], "shmem"), _broken(f, ["zone_device"], False),
                   _broken(f, ["order"], -1), _broken(f, ["extra"], 0)):
        assert jsoncheck.errors("folio", broken), broken


def test_the_hook_rejects_what_the_schema_does():
    """conftest.run() fails the test on invalid --json output of a command it knows."""
    bad = json.dumps(dict(ENTRY, kind="bogus"))
    with pytest.raises(AssertionError, match="decode.schema.json"):
        run(["sh", "-c", f"echo '{bad}'", "decode", "--json"])
    run(["sh", "-c", f"echo '{json.dumps(ENTRY)}'", "decode", "--json"])


def test_schema_files_are_valid_and_documented():
    doc = (REPO / "docs/json-schema.md").read_text()
    for p in sorted((REPO / "docs/schema").glob("*.schema.json")):
        s = json.loads(p.read_text())
        assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema", p
        assert s["$id"].startswith("urn:folioscope:schema:") and s["$id"].endswith(":1"), p
        assert f"schema/{p.name}" in doc, f"docs/json-schema.md does not mention {p.name}"
        jsoncheck.validator(p.name[:-len(".schema.json")])
    # the finding IDs the engine knows all match the schema's pattern
    ids = set()
    for line in (REPO / "docs/checks.md").read_text().splitlines():
        if line.startswith("| FS-"):
            ids.add(line.split("|")[1].strip())
    assert len(ids) >= 18
    for i in ids:
        assert jsoncheck.errors("scan", _broken(_scan_doc_cached(), ["findings", 0, "id"], i)) == [], i


def test_crash_extension_json(tmp_path):
    """crash 9 with the extension: fscan/fcheck/frmap/folio/pgmap -j on a 7.2 dump."""
    from test_crash import session
    fx = lab_fixture("7.2", "thp-device-split", "zap-skip-rmap")
    out = {n: tmp_path / f"{n}.json" for n in ("fscan", "fcheck", "frmap", "folio", "pgmap")}
    text = session("9", ["--no_modules"], fx, "vmcore.kdump",
                   [f"fscan -j > {out['fscan']}", f"fcheck -j 0xfcdfc00 > {out['fcheck']}",
                    f"frmap -j 0xfcdfc00 > {out['frmap']}", f"folio -j 0xfcdfd00 > {out['folio']}",
                    f"pgmap -j > {out['pgmap']}"], tmp_path)
    assert "shared object loaded" in text, text[-3000:]
    for name, path in out.items():
        docs = jsoncheck.validate_text(jsoncheck.SUBCOMMANDS[name], path.read_text(), f"crash {name} -j")
        assert docs, name
    scan = json.loads(out["fscan"].read_text())
    assert {f["id"] for f in scan["findings"]} == {"FS-MAPCOUNT", "FS-PAGE-MAPCOUNT", "FS-REFCOUNT"}


def test_drgn_scan_json():
    """python3 -m folioscope.scan --json prints the same document, valid against the same schema."""
    fx = lab_fixture("7.2", "pgmap-hang", "pgmap-ref-leak")
    env = dict(os.environ, PYTHONPATH=str(REPO / "drgn-helpers"))
    r = subprocess.run([sys.executable, "-m", "folioscope.scan", "--json", "-c", str(fx / "vmcore.kdump-uts"), "-s",
                        str(fx / "vmlinux")], capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 1, r.stderr[-3000:]
    (doc,) = jsoncheck.validate_text("scan", r.stdout, "python3 -m folioscope.scan --json")
    assert doc["stuck_tasks"] and doc["findings"]
