# SPDX-License-Identifier: GPL-2.0-or-later
"""The walkthroughs under samples/ reproduce the output their README shows
(addresses, pids and task counts normalised: they vary between builds of a fixture)."""
import re
import subprocess

from conftest import REPO


def norm(text):
    """Addresses, pids and the task count vary from one build of a fixture to the next."""
    text = re.sub(r"(0x)?[0-9a-f]{12,16}\b", "ADDR", text)
    text = re.sub(r"pid \d+", "pid N", text)
    return re.sub(r"of \d+ tasks", "of N tasks", text)


def blocks(md):
    return re.findall(r"```\n(.*?)```", md, re.S)


def test_pgmap_hang_walkthrough():
    out = subprocess.run([str(REPO / "samples/pgmap-hang/walkthrough.sh")], capture_output=True, text=True,
                         timeout=3600)
    assert out.returncode == 0, out.stderr[-2000:]
    shown = blocks((REPO / "samples/pgmap-hang/README.md").read_text())
    assert len(shown) == 2
    for block in shown:
        assert norm(block.strip()) in norm(out.stdout), block
    assert "explained by FS-PGMAP-REF" in out.stdout
