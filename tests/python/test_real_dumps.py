# SPDX-License-Identifier: GPL-2.0-or-later
"""folioscope on real lab dumps: the profile comes from the dump, and `vtop`
finds exactly the entries the guest program says it created (manifest.json),
on QEMU's flattened kdump output as written and on its ELF output.

Needs the lab fixtures (tests/vmcore/fixture builds them on first use: a
7.2 kernel, QEMU boot and dump). A fixture that cannot be built fails."""
import json

import pytest

from conftest import lab_fixture, manifest, run

SCENARIOS_72 = ["thp-device", "thp-device-shared", "thp-device-split", "small-device", "exclusive", "mixed",
                "thp-device-kaslr"]
DUMP_FORMS = ["vmcore.kdump-flat", "vmcore.elf"]


def entries(m):
    for proc in m["processes"]:
        for region in proc["regions"]:
            for e in region.get("entries", []):
                yield proc["pid"], e


def vtop(binary, fx, dump, pid, va):
    r = run([binary, "vtop", "--json", "-k", str(fx / "vmlinux"), "-c", str(fx / dump), "-p", str(pid), va])
    assert r.returncode == 0, r.stderr
    levels = [json.loads(l) for l in r.stdout.splitlines()]
    leaf = [l for l in levels if l["leaf"]]
    return levels, (leaf[0] if leaf else None)


@pytest.mark.parametrize("dump", DUMP_FORMS)
@pytest.mark.parametrize("scenario", SCENARIOS_72)
def test_vtop_matches_manifest_72(folioscope, scenario, dump):
    fx = lab_fixture("7.2", scenario)
    m = manifest(fx)
    checked = 0
    for pid, e in entries(m):
        levels, leaf = vtop(folioscope, fx, dump, pid, e["va"])
        if e["kind"] in ("none", "unmapped"):
            assert leaf is None and levels[-1]["kind"] == "none", (e, levels)
            checked += 1
            continue
        assert leaf is not None, f"{scenario} pid {pid} {e['va']}: no leaf in {levels}"
        assert leaf["level"] == e["level"], (e, leaf)
        assert leaf["kind"] == e["kind"], (e, leaf)
        if e.get("pfn") and e["kind"] != "present":
            assert leaf["pfn"] == int(e["pfn"], 16), (e, leaf)
        if e.get("swp_type") is not None and leaf["type"] is not None:
            assert leaf["type"] == e["swp_type"]
        checked += 1
    assert checked > 0, f"{scenario}: the manifest names no entries to check"


def test_profile_from_dump(folioscope):
    fx = lab_fixture("7.2", "thp-device")
    m = manifest(fx)
    r = run([folioscope, "decode", "-k", str(fx / "vmlinux"), "-c", str(fx / "vmcore.kdump-flat"), "0"])
    assert r.returncode == 0, r.stderr
    prof = r.stdout.splitlines()[0]
    assert f"kernel 7.2 {m['kernel_release']} (VMCOREINFO)" in prof
    assert "config (IKCONFIG)" in prof
    assert f"MAX_SWAPFILES {m['swap_types']['max_swapfiles']}" in prof


def test_decode_with_dump_profile_matches_manifest(folioscope):
    """The raw PMD value read by vtop, decoded with the dump's profile,
    gives the manifest's kind: decode and vtop agree."""
    fx = lab_fixture("7.2", "thp-device-shared")
    m = manifest(fx)
    pid, e = next((p, e) for p, e in entries(m) if e["level"] == "pmd")
    _, leaf = vtop(folioscope, fx, "vmcore.kdump-flat", pid, e["va"])
    r = run([folioscope, "decode", "--json", "--pmd", "-k", str(fx / "vmlinux"), "-c", str(fx / "vmcore.elf"), leaf["raw"]])
    assert r.returncode == 0, r.stderr
    obj = json.loads(r.stdout)
    assert obj["kind"] == e["kind"] and obj["pfn"] == int(e["pfn"], 16) and obj["valid_at_pmd"] is True


def test_kernel_thread_and_missing_pid(folioscope):
    fx = lab_fixture("7.2", "thp-device")
    base = [folioscope, "vtop", "-k", str(fx / "vmlinux"), "-c", str(fx / "vmcore.kdump-flat")]
    r = run(base + ["-p", "2", "0x1000"])
    assert r.returncode == 2 and "kernel thread" in r.stderr
    r = run(base + ["-p", "99999", "0x1000"])
    assert r.returncode == 2 and "no process with pid 99999" in r.stderr


def test_wrong_vmlinux_is_refused(folioscope, tmp_path):
    """A vmlinux from another build must be refused, not silently misread."""
    fx = lab_fixture("7.2", "thp-device")
    fake = tmp_path / "vmlinux"
    fake.write_bytes(b"\x7fELF" + b"\0" * 60)
    r = run([folioscope, "vtop", "-k", str(fake), "-c", str(fx / "vmcore.kdump-flat"), "0x1000"])
    assert r.returncode == 2 and r.stderr.strip()


def scan_json(binary, fx, dump="vmcore.kdump-flat"):
    r = run([binary, "scan", "--json", "-k", str(fx / "vmlinux"), "-c", str(fx / dump)])
    assert r.returncode in (0, 1), r.stderr
    return r.returncode, json.loads(r.stdout)


SCENARIOS_6X = ["thp-device", "thp-device-shared", "thp-device-split", "small-device", "exclusive", "mixed"]
CLEAN = [("7.2", s) for s in SCENARIOS_72] + [(k, s) for k in ("6.12", "6.1") for s in SCENARIOS_6X]


@pytest.mark.parametrize("kernel,scenario", CLEAN, ids=[f"{k}-{s}" for k, s in CLEAN])
def test_scan_clean(folioscope_any, kernel, scenario):
    """A clean lab dump: no finding, no unreadable state, every device entry
    of the manifest listed, every pgmap ref = 1 + allocated pages."""
    fx = lab_fixture(kernel, scenario)
    m = manifest(fx)
    rc, doc = scan_json(folioscope_any, fx)
    assert doc["schema"] == "folioscope-scan/1"
    assert doc["findings"] == [], doc["findings"]
    assert doc["errors"] == []
    assert rc == 0
    for pm in doc["pgmaps"]:
        if pm["type"] == "private":
            assert pm["ref"] == pm["expected_ref"] == 1 + pm["allocated_pages"]
    found = {(x["pid"], int(x["vaddr"], 16)): x for x in doc["entries"]}
    for pid, e in entries(m):
        if not e["kind"].startswith("device-"):
            continue
        x = found.get((pid, int(e["va"], 16)))
        assert x is not None, f"{scenario}: pid {pid} {e['va']} {e['kind']} missing from the scan"
        kind = e["kind"]
        # Before 6.15 the lab manifest calls SWP_DEVICE_EXCLUSIVE_WRITE
        # "device-exclusive" (its swap_types also list device-exclusive-read);
        # folioscope names it by the 6.1/6.12 swap.h type.
        if kind == "device-exclusive" and "device-exclusive-read" in m["swap_types"]:
            kind = "device-exclusive-write"
        assert x["kind"] == kind and x["level"] == e["level"]
        assert x["type"] == e["swp_type"]
        if e["kind"].startswith("device-private"):
            assert x["seen_by_rmap"], x
    folios = {f["pfn"]: f for f in doc["folios"]}
    for df in m.get("device_folios", []):
        f = folios[int(df["head_pfn"], 16)]
        if "expect_refcount" in df:
            assert f["refcount"] == df["expect_refcount"]
        if "mappings" in df:
            assert f["mapcount"] == df["mappings"] == f["pte_entries"] + f["pmd_entries"]


def test_scan_text_and_check_rmap(folioscope):
    fx = lab_fixture("7.2", "thp-device-shared")
    base = ["-k", str(fx / "vmlinux"), "-c", str(fx / "vmcore.kdump-flat")]
    r = run([folioscope, "scan"] + base)
    assert r.returncode == 0, r.stderr
    assert "summary:" in r.stdout and "0 errors, 0 warnings" in r.stdout
    folio = manifest(fx)["device_folios"][0]["head_pfn"]
    for cmd in ("check", "rmap"):
        r = run([folioscope, cmd] + base + [folio])
        assert r.returncode == 0, r.stderr
        assert "hmmscen" in r.stdout and "hmm-child" in r.stdout, r.stdout
    r = run([folioscope, "folio", "--json"] + base + [folio])
    f = json.loads(r.stdout)
    assert f["order"] == 9 and f["zone_device"] and f["mapcount"] == 2 and f["refcount"] == 2
