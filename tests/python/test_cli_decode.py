# SPDX-License-Identifier: GPL-2.0-or-later
"""`folioscope decode` without a dump: the shared vectors through the CLI,
the JSON contract, and bad input (clear message, exit 2, no crash)."""
import json
from pathlib import Path

import pytest

from conftest import REPO, run

KINDS = {"none", "present", "swap", "migration-read", "migration-read-exclusive", "migration-write",
         "device-private-read", "device-private-write", "device-exclusive", "device-exclusive-read",
         "device-exclusive-write", "hwpoison", "marker", "swapin-error", "unknown"}


def vectors():
    for line in (REPO / "tests/vectors/swapent.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        f = line.split("#")[0].split()
        yield dict(arch=f[0], kernel=f[1], config=f[2], level=f[3], raw=f[4], kind=f[5], type=f[6],
                   offset=f[7], pfn=f[8], flags=set() if f[9] == "-" else set(f[9].split(",")))


@pytest.mark.parametrize("v", list(vectors()), ids=lambda v: f"{v['arch']}-{v['kernel']}-{v['level']}-{v['raw']}")
def test_vector_json(folioscope_any, v):
    cmd = [folioscope_any, "decode", "--json", "--arch", v["arch"], "--kernel", v["kernel"], v["raw"]]
    if v["config"] != "-":
        cmd += ["--config", v["config"]]
    if v["level"] == "pmd":
        cmd.append("--pmd")
    r = run(cmd)
    assert r.returncode == 0, r.stderr
    assert r.stderr.startswith("profile: ")
    (obj,) = [json.loads(l) for l in r.stdout.splitlines()]
    assert obj["kind"] == v["kind"]
    assert obj["level"] == v["level"]
    assert int(obj["raw"], 16) == int(v["raw"], 16)
    assert obj["type"] == (None if v["type"] == "-" else int(v["type"]))
    if v["offset"] != "-":
        assert obj["offset"] == int(v["offset"], 16)
    assert obj["pfn"] == (None if v["pfn"] == "-" else int(v["pfn"], 16))
    assert obj["soft_dirty"] == ("soft_dirty" in v["flags"])
    assert obj["uffd_wp"] == ("uffd_wp" in v["flags"])
    assert obj["exclusive"] == ("exclusive" in v["flags"])
    assert obj.get("young", False) == ("young" in v["flags"])
    assert obj.get("dirty", False) == ("dirty" in v["flags"])
    assert ("reserved_bits" in obj) == ("reserved" in v["flags"])
    if v["level"] == "pmd" and obj["type"] is not None:
        assert obj["valid_at_pmd"] == ("invalid_pmd" not in v["flags"])


def test_text_output(folioscope):
    r = run([folioscope, "decode", "--pmd", "--config", "MEMORY_FAILURE=n", "0xe7ffffe06407fe00", "0"])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("profile: x86_64, kernel 7.2")
    assert "MAX_SWAPFILES 25" in lines[0]
    assert lines[1].split()[:3] == ["LEVEL", "RAW", "KIND"]
    assert lines[2].split()[:6] == ["pmd", "0xe7ffffe06407fe00", "device-private-write", "28", "pfn", "0xfcdfc00"]
    assert lines[3].split()[:3] == ["pmd", "0x0000000000000000", "none"]


def test_every_kind_name_is_known(folioscope):
    raws = [hex(x) for x in (0, 0x8000000012345067)] + [hex((((~0x10 & (2**64 - 1)) << 14 & (2**64 - 1)) >> 5) | (t << 59)) for t in range(32)]
    r = run([folioscope, "decode", "--json"] + raws)
    assert r.returncode == 0
    for line in r.stdout.splitlines():
        assert json.loads(line)["kind"] in KINDS


@pytest.mark.parametrize("args,msg", [
    (["decode"], "no VALUE given"),
    (["decode", "zzz"], "not a 64-bit number"),
    (["decode", "0x1ffffffffffffffff"], "not a 64-bit number"),
    (["decode", "-5"], "invalid option"),
    (["decode", "--", "-5"], "not a 64-bit number"),
    (["decode", "--arch", "sparc", "1"], "unknown architecture"),
    (["decode", "--kernel", "banana", "1"], "bad kernel version"),
    (["decode", "--config", "NOPE=y", "1"], "unknown key NOPE"),
    (["decode", "--config", "MIGRATION=perhaps", "1"], "want y or n"),
    (["decode", "-k", "/nonexistent/vmlinux", "1"], "needs -c VMCORE"),
    (["decode", "-k", "/nonexistent/vmlinux", "-c", "/nonexistent/vmcore", "1"], "/nonexistent"),
    (["frobnicate"], "unknown command"),
    ([], "usage"),
    (["vtop", "-k", "/nonexistent/vmlinux", "-c", "/nonexistent/vmcore", "0x1000"], "/nonexistent"),
    (["vtop", "0x1000"], "no dump: give -c VMCORE"),
    (["vtop", "-c", "/nonexistent/vmcore", "0x1000"], "cannot open /nonexistent/vmcore"),
    (["vtop", "-p", "1", "--mm", "0x1", "0x1000"], "not both"),
    (["vtop", "-k", "x", "-c", "y", "nothex"], "is not an address"),
])
def test_bad_input(folioscope_any, args, msg):
    r = run([folioscope_any] + args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert msg in r.stderr
    assert "AddressSanitizer" not in r.stderr and "runtime error" not in r.stderr


def test_help(folioscope):
    for sub in (["--help"], ["decode", "--help"], ["vtop", "--help"]):
        r = run([folioscope] + sub)
        assert r.returncode == 0
        assert "usage: folioscope" in r.stdout
    assert "Example" in run([folioscope, "decode", "--help"]).stdout
