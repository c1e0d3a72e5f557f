# SPDX-License-Identifier: GPL-2.0-or-later
"""folioscope --live on a real running kernel: the 7.2 lab guest runs the
scenario, then the host's folioscope (over the 9p host root, chrooted) scans
the guest's own /proc/kcore. Device-private struct pages are not in
/proc/kcore's vmemmap ranges, so this exercises the page-table fallback."""
import json
import os
import subprocess

import pytest

from conftest import REPO, manifest


def test_live_scan_72(folioscope, tmp_path):
    r = subprocess.run([str(REPO / "tests/vmcore/lib/build-kernel"), "7.2"], capture_output=True, text=True,
                       timeout=3600)
    if r.returncode:
        pytest.fail(f"7.2 kernel: {r.stderr[-2000:]}")
    kdir = r.stdout.strip().splitlines()[-1]
    out = tmp_path / "live"
    env = dict(os.environ, LAB_LIVE_CMD=f"{folioscope} scan --json -k {kdir}/vmlinux --live")
    r = subprocess.run([str(REPO / "tests/vmcore/lib/run-guest"), kdir, "thp-device-shared", str(out), "live"],
                       capture_output=True, text=True, env=env, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    assert (out / "live.rc").read_text().strip() == "0", (out / "live.out").read_text()[-2000:]
    doc = json.loads((out / "live.out").read_text())
    assert doc["findings"] == [] and doc["errors"] == []
    m = manifest(out)
    want = sorted((p["pid"], e["va"], e["kind"], e["level"]) for p in m["processes"] for reg in p["regions"]
                  for e in reg["entries"] if e["kind"].startswith("device-"))
    got = sorted((e["pid"], e["vaddr"], e["kind"], e["level"]) for e in doc["entries"])
    assert got == want
    for pm in doc["pgmaps"]:
        assert pm["ref"] == pm["expected_ref"]
