# SPDX-License-Identifier: GPL-2.0-or-later
"""The crash extension in real crash sessions on lab dumps: it loads, its
commands decode what crash's vtop cannot, and fscan agrees with the CLI's
scan on the same dump (same entries, same findings).

Pairs (docs/crash.md): crash 8.0.2 (Debian 12) with 6.1 dumps, crash 9
(tests/crash/crash-bin 9, built from Debian's source) with 6.1, 6.12 and 7.2
dumps. crash 8 refuses 7.x, and on 6.12 its embedded gdb 10.2 segfaults in
lookup_symbol() (reached from crash's own enumerator_value()) in about half
of the sessions, so that pair is not one that works. Both need
--no_kmem_cache on these 6.x slab layouts and crash 9 --no_modules on
module-less kernels."""
import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, lab_fixture, manifest, run

PAIRS = [("8", "6.1", ["--no_kmem_cache"]),
         ("9", "6.1", ["--no_kmem_cache", "--no_modules"]), ("9", "6.12", ["--no_kmem_cache", "--no_modules"]),
         ("9", "7.2", ["--no_modules"])]
PAIR_IDS = [f"crash{c}-{k}" for c, k, _ in PAIRS]


def crash_bin(major):
    r = subprocess.run([str(REPO / "tests/crash/crash-bin"), major], capture_output=True, text=True, timeout=7200)
    if r.returncode != 0:
        pytest.fail(f"crash {major} is not available:\n{r.stderr[-2000:]}")
    return r.stdout.strip()


def extension(major):
    if major == "8":
        return str(REPO / "build/folioscope.so")
    r = subprocess.run(["make", "-s", "crash9-ext"], cwd=REPO, capture_output=True, text=True, timeout=7200)
    if r.returncode != 0:
        pytest.fail(f"cannot build the extension for crash 9:\n{r.stderr[-2000:]}")
    return str(REPO / "build/crash9/folioscope.so")


def session(major, extra, fx, dump, commands, tmp_path):
    script = tmp_path / "cmds"
    script.write_text("\n".join([f"extend {extension(major)}"] + commands + ["quit"]) + "\n")
    r = run([crash_bin(major), "-s", "--readnow"] + extra + [str(fx / "vmlinux"), str(fx / dump), "-i", str(script)],
            timeout=900)
    return r.stdout + r.stderr


CASES = [p + (s,) for p in PAIRS for s in ("thp-device", "thp-device-shared") if s == "thp-device-shared" or p[1] == "7.2"]


@pytest.mark.parametrize("major,kernel,extra,scenario", CASES, ids=[f"crash{c}-{k}-{s}" for c, k, _, s in CASES])
def test_fscan_agrees_with_cli(folioscope, major, kernel, extra, scenario, tmp_path):
    fx = lab_fixture(kernel, scenario)
    out_json = tmp_path / "fscan.json"
    text = session(major, extra, fx, "vmcore.kdump", [f"fscan -j > {out_json}", "help fscan"], tmp_path)
    assert "shared object loaded" in text, text[-3000:]
    assert "EXAMPLE" in text and "fscan" in text
    ext = json.loads(out_json.read_text())
    cli = json.loads(run([folioscope, "scan", "--json", "-k", str(fx / "vmlinux"), "-c", str(fx / "vmcore.kdump")]).stdout)
    key = lambda e: (e["pid"], e["vaddr"], e["level"], e["kind"], e["raw"])
    assert sorted(map(key, ext["entries"])) == sorted(map(key, cli["entries"]))
    assert [(f["id"], f["subject"]) for f in ext["findings"]] == [(f["id"], f["subject"]) for f in cli["findings"]]
    assert [(p["pgmap"], p["ref"], p["expected_ref"]) for p in ext["pgmaps"]] == \
           [(p["pgmap"], p["ref"], p["expected_ref"]) for p in cli["pgmaps"]]
    assert ext["findings"] == []


@pytest.mark.parametrize("major,kernel,extra", PAIRS, ids=PAIR_IDS)
def test_swapent_frmap_folio(major, kernel, extra, tmp_path):
    fx = lab_fixture(kernel, "thp-device-shared")
    m = manifest(fx)
    procs = m["processes"]
    e = procs[0]["regions"][0]["entries"][0]
    pid, va = procs[0]["pid"], e["va"]
    text = session(major, extra, fx, "vmcore.kdump",
                   [f"vtop -u -c {pid} {va}", f"folio -u {pid} {va}", f"frmap -u {pid} {va}"], tmp_path)
    # frmap lists both processes of the shared scenario
    assert "hmmscen" in text and "hmm-child" in text, text[-3000:]
    assert "ZONE_DEVICE" in text
    # swapent decodes the raw entry vtop shows (or cannot show)
    r = subprocess.run([str(REPO / "build/folioscope"), "vtop", "--json", "-k", str(fx / "vmlinux"), "-c",
                        str(fx / "vmcore.kdump"), "-p", str(pid), va], capture_output=True, text=True)
    leaf = [json.loads(l) for l in r.stdout.splitlines() if json.loads(l)["leaf"]][0]
    flag = "-m " if leaf["level"] == "pmd" else ""
    text = session(major, extra, fx, "vmcore.kdump", [f"swapent {flag}{leaf['raw']}"], tmp_path)
    assert e["kind"] in text and f"pfn {e['pfn']}" in text, text[-2000:]


def test_fscan_on_zoo_dump(tmp_path):
    """crash 9 on a 7.2 bug-zoo dump: fscan reports the zoo's finding."""
    fx = lab_fixture("7.2", "thp-device", "pgmap-ref-leak")
    out_json = tmp_path / "fscan.json"
    text = session("9", ["--no_modules"], fx, "vmcore.kdump", [f"fscan -j > {out_json}", "fscan"], tmp_path)
    assert "[ERROR] FS-PGMAP-REF" in text, text[-3000:]
    doc = json.loads(out_json.read_text())
    assert [f["id"] for f in doc["findings"]] == ["FS-PGMAP-REF"]


def _fixtures():
    out = subprocess.run([str(REPO / "tests/vmcore/fixture"), "list", os.environ.get("FOLIOSCOPE_FIXTURE_SET", "default")],
                         capture_output=True, text=True, check=True).stdout
    return [tuple(l.split()[:3]) for l in out.splitlines() if l.strip()]


FIXTURES = _fixtures()


@pytest.mark.parametrize("kernel,scenario,variant", FIXTURES, ids=["-".join(f) for f in FIXTURES])
def test_crash9_opens_every_fixture(kernel, scenario, variant, tmp_path):
    """crash 9 loads each lab dump (default set; `make check-all`: all) and
    the extension's fscan runs to its summary line on it."""
    fx = lab_fixture(kernel, scenario, variant)
    dump = "vmcore.makedumpfile" if scenario.endswith("-kdump") else "vmcore.kdump"
    text = session("9", ["--no_kmem_cache", "--no_modules"], fx, dump, ["sys", "fscan"], tmp_path)
    assert "RELEASE:" in text and "summary:" in text, text[-3000:]
