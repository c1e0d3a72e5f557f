# SPDX-License-Identifier: GPL-2.0-or-later
"""The drgn helpers' decoder against the shared vectors, and against the C
CLI on the same values (differential): the two implementations must give
the same JSON fields for every vector."""
import json

import pytest

from conftest import REPO, run
from test_cli_decode import vectors

import sys
sys.path.insert(0, str(REPO / "drgn-helpers"))
from folioscope import decode_entry, encode_swap_entry, swap_layout_for, ENTRY_KINDS  # noqa: E402


def cfg(v):
    out = {}
    if v["config"] != "-":
        for kv in v["config"].split(","):
            k, val = kv.split("=")
            out[k.replace("CONFIG_", "")] = val == "y"
    return out


@pytest.mark.parametrize("v", list(vectors()), ids=lambda v: f"{v['arch']}-{v['kernel']}-{v['level']}-{v['raw']}")
def test_vector(v, folioscope):
    layout = swap_layout_for(v["arch"], v["kernel"], cfg(v))
    e = decode_entry(layout, int(v["raw"], 16), v["level"])
    assert e.kind == v["kind"]
    assert e.type == (None if v["type"] == "-" else int(v["type"]))
    assert e.pfn == (None if v["pfn"] == "-" else int(v["pfn"], 16))
    if v["offset"] != "-":
        assert e.offset == int(v["offset"], 16)
    assert (e.soft_dirty, e.uffd_wp, e.exclusive) == tuple(f in v["flags"] for f in ("soft_dirty", "uffd_wp", "exclusive"))
    assert bool(e.young) == ("young" in v["flags"]) and bool(e.dirty) == ("dirty" in v["flags"])
    assert bool(e.reserved_bits) == ("reserved" in v["flags"])
    # differential: the C CLI on the same value gives the same fields
    cmd = [folioscope, "decode", "--json", "--arch", v["arch"], "--kernel", v["kernel"], v["raw"]]
    if v["config"] != "-":
        cmd += ["--config", v["config"]]
    if v["level"] == "pmd":
        cmd.append("--pmd")
    c = json.loads(run(cmd).stdout)
    assert (c["kind"], c["type"], c["offset"], c["pfn"]) == (e.kind, e.type, e.offset, e.pfn)
    assert (c["soft_dirty"], c["uffd_wp"], c["exclusive"]) == (e.soft_dirty, e.uffd_wp, e.exclusive)
    assert c.get("valid_at_pmd") == e.valid_at_pmd
    assert int(c.get("reserved_bits", "0x0"), 16) == e.reserved_bits


@pytest.mark.parametrize("arch", ["x86_64", "arm64"])
@pytest.mark.parametrize("kernel", ["6.1", "6.12", "7.2"])
def test_round_trip(arch, kernel):
    layout = swap_layout_for(arch, kernel, {"MEMORY_FAILURE": False})
    seen = set()
    for t, kind in enumerate(layout.kinds):
        raw = encode_swap_entry(layout, t, 0x1234 if kind != "marker" else 1)
        e = decode_entry(layout, raw)
        assert (e.kind, e.type) == (kind, t)
        seen.add(kind)
    assert seen <= set(ENTRY_KINDS) and len(seen) >= 8
