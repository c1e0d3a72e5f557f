# SPDX-License-Identifier: GPL-2.0-or-later
"""folioscope --live on a real running kernel: the 7.2 lab guest runs the
scenario, then the host's folioscope (over the 9p host root, chrooted) scans
the guest's own /proc/kcore. Device-private struct pages are not in
/proc/kcore's vmemmap ranges, so this exercises the page-table fallback."""
import json

from conftest import run_live


def test_live_scan_72(folioscope, tmp_path):
    m, text = run_live("{stage0} scan --json -k {vmlinux} --live", "thp-device-shared", tmp_path / "live",
                       stage=[folioscope])
    doc = json.loads(text)
    assert doc["findings"] == [] and doc["errors"] == []
    want = sorted((p["pid"], e["va"], e["kind"], e["level"]) for p in m["processes"] for reg in p["regions"]
                  for e in reg["entries"] if e["kind"].startswith("device-"))
    got = sorted((e["pid"], e["vaddr"], e["kind"], e["level"]) for e in doc["entries"])
    assert got == want
    for pm in doc["pgmaps"]:
        assert pm["ref"] == pm["expected_ref"]
