# SPDX-License-Identifier: GPL-2.0-or-later
"""`python3 -m folioscope.scan` (the drgn helpers) on a real running kernel:
the 7.2 lab guest runs the scenario, then the host's /usr/bin/python3 with
Debian's python3-drgn (over the 9p host root, chrooted) scans the guest's own
/proc/kcore, live. Device-private struct pages are not in /proc/kcore's
vmemmap segments, so this exercises read_kva()'s page-table fallback. The
result must match the manifest like the C CLI's live scan (test_live.py)."""
import json

from conftest import REPO, run_live


def test_drgn_live_scan_72(tmp_path):
    cmd = "PYTHONPATH={stage0} /usr/bin/python3 -m folioscope.scan --json -s {vmlinux}"
    m, text = run_live(cmd, "thp-device-shared", tmp_path / "live", stage=[REPO / "drgn-helpers"])
    doc = json.loads(text[text.index("{"):])
    assert doc["schema"] == "folioscope-scan/1"
    assert doc["findings"] == [] and doc["errors"] == []
    want = sorted((p["pid"], e["va"], e["kind"], e["level"]) for p in m["processes"] for reg in p["regions"]
                  for e in reg["entries"] if e["kind"].startswith("device-"))
    got = sorted((e["pid"], e["vaddr"], e["kind"], e["level"]) for e in doc["entries"])
    assert got == want
    assert doc["pgmaps"] and all(pm["ref"] == pm["expected_ref"] for pm in doc["pgmaps"] if pm["type"] == "private")
    folios = {f["pfn"]: f for f in doc["folios"]}
    for df in m.get("device_folios", []):
        f = folios[int(df["head_pfn"], 16)]
        assert f["refcount"] == df["expect_refcount"] and f["mapcount"] == df["mappings"]
