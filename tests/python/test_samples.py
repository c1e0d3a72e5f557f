# SPDX-License-Identifier: GPL-2.0-or-later
"""The walkthroughs under samples/ reproduce the output their README shows
(addresses, pids, page-table addresses and task counts normalised: they vary
between builds of a fixture)."""
import re
import subprocess

from conftest import REPO


def norm(text):
    """Addresses, pids and the task count vary from one build of a fixture to the next."""
    text = re.sub(r"(0x)?[0-9a-f]{12,16}\b", "ADDR", text)
    text = re.sub(r"pid \d+", "pid N", text)
    text = re.sub(r"-p \d+", "-p N", text)
    text = re.sub(r"table 0x[0-9a-f]+", "table ADDR", text)
    return re.sub(r"of \d+ tasks", "of N tasks", text)


def blocks(md):
    return re.findall(r"```\n(.*?)```", md, re.S)


def walkthrough(name, nblocks):
    """Run samples/NAME/walkthrough.sh; every block its README shows must be in its output."""
    out = subprocess.run([str(REPO / "samples" / name / "walkthrough.sh")], capture_output=True, text=True,
                         timeout=3600)
    assert out.returncode == 0, out.stderr[-2000:]
    shown = blocks((REPO / "samples" / name / "README.md").read_text())
    assert len(shown) == nblocks
    for block in shown:
        assert norm(block.strip()) in norm(out.stdout), block
    return out.stdout


def test_pgmap_hang_walkthrough():
    out = walkthrough("pgmap-hang", 2)
    assert "explained by FS-PGMAP-REF" in out


def test_split_mapcount_walkthrough():
    out = walkthrough("split-mapcount", 6)
    for fid in ("FS-MAPCOUNT", "FS-PAGE-MAPCOUNT", "FS-REFCOUNT", "FS-NEGATIVE-MAPCOUNT"):
        assert f"] {fid} folio pfn 0xfcdfc00" in out, fid
    assert "=> not mapped\n" in out  # the unmapped half: an empty PTE


def test_exclusive_in_device_walkthrough():
    out = walkthrough("exclusive-in-device", 3)
    assert out.count("] FS-EXCLUSIVE-DEVICE-PAGE folio pfn") == 2
    assert "device-exclusive           30  pfn 0xfcdfe00" in out
