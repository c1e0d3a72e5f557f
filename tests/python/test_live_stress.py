# SPDX-License-Identifier: GPL-2.0-or-later
"""Live kernels in motion (issue #7.5): the 7.2 lab guest runs the
thp-device scenario plus hmmchurn (tests/vmcore/stress/hmmchurn.c), which
keeps migrating pages to and from test_hmm's device memory and forking,
while `folioscope scan --live` runs SCANS times against the guest's own
/proc/kcore (and the drgn scan once). No scan may report a
confirmed warning or error finding: findings are confirmed by a second read
(src/confirm.c) and the ones that do not come back are marked transient."""
import json
import subprocess

from conftest import REPO, run_live

SCANS = 10


def test_live_scans_under_churn(folioscope, tmp_path):
    churn = tmp_path / "hmmchurn"
    r = subprocess.run(["gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", str(churn),
                        str(REPO / "tests/vmcore/stress/hmmchurn.c")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    _, text = run_live("/usr/bin/python3 {stage2} {stage1} {stage0} {vmlinux} %d {stage3}/.. 10" % SCANS,
                       "thp-device", tmp_path / "live",
                       stage=[folioscope, churn, REPO / "tests/vmcore/stress/live-stress.py",
                              REPO / "drgn-helpers/folioscope"])
    scans = [json.loads(line[7:]) for line in text.splitlines() if line.startswith("STRESS {")]
    churn_line = [line for line in text.splitlines() if line.startswith("STRESS-CHURN")]
    (tmp_path / "stress.out").write_text(text)
    assert len([s for s in scans if s["tool"] == "c"]) == SCANS, text[-3000:]
    assert len([s for s in scans if s["tool"] == "drgn"]) == SCANS // 10, text[-3000:]
    # the workload really ran through every scan
    assert churn_line and "alive_until_end=True rc=0" in churn_line[0], text[-3000:]
    rounds = int(churn_line[0].split("rounds=")[1].split()[0])
    assert rounds >= SCANS, churn_line
    # what live-stress.py printed about a scan's confirmed findings (the tasks'
    # states and `folioscope folio` of the first pfn): the evidence a CI
    # failure needs, since the guest is gone by then
    context = [line for line in text.splitlines() if line.startswith(("STRESS-TASK", "STRESS-FOLIO",
                                                                       "STRESS-WHERE", "STRESS-LARGE", "STRESS-STDERR"))]
    for s in scans:
        assert "bad_output" not in s, s
        confirmed = [f for f in s["findings"] if f[1] in ("warning", "error") and not f[2]]
        assert confirmed == [] and s["rc"] == 0, (s, context[:40])
        # the scenario's own device THPs stay mapped throughout
        assert s["entries"].get("pmd:device-private-write", 0) >= 2, s
    print(f"live stress: {len(scans)} scans, {rounds} churn rounds; transient findings: "
          f"{sum(len(s['findings']) for s in scans)}; unread-state reports: {sum(s['errors'] for s in scans)}")
