# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared pytest fixtures: the CLI binaries under test and the real-kernel
lab fixtures (tests/vmcore/fixture builds missing ones; a fixture that cannot
be built makes the test fail, never skip)."""
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

import jsoncheck

REPO = Path(__file__).resolve().parents[2]


def _binary(var, default):
    path = os.environ.get(var) or str(REPO / default)
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: run 'make' first (or set {var})")
    return path


@pytest.fixture(scope="session")
def folioscope():
    return _binary("FOLIOSCOPE", "build/folioscope")


@pytest.fixture(scope="session", params=["plain", "asan"])
def folioscope_any(request):
    """The CLI, once plain and once built with ASan+UBSan."""
    if request.param == "plain":
        return _binary("FOLIOSCOPE", "build/folioscope")
    return _binary("FOLIOSCOPE_ASAN", "build/asan/folioscope")


def run(cmd, **kw):
    """Run cmd. What a folioscope command with --json prints on success
    (exit 0 or 1) must be valid against docs/schema (tests/python/jsoncheck.py)."""
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    env.setdefault("LSAN_OPTIONS", f"suppressions={REPO / 'tests/lsan.supp'}")
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=kw.pop("timeout", 600), **kw)
    if r.returncode in (0, 1):
        jsoncheck.validate_output(cmd, r.stdout)
    return r


_fixture_cache = {}


def lab_fixture(kernel, scenario, variant="-"):
    """Directory of a lab fixture, built on first use (see docs/lab.md)."""
    key = (kernel, scenario, variant)
    if key not in _fixture_cache:
        r = subprocess.run([str(REPO / "tests/vmcore/fixture"), "path", kernel, scenario, variant],
                           capture_output=True, text=True, timeout=3600)
        if r.returncode != 0:
            pytest.fail(f"lab fixture {kernel} {scenario} {variant} could not be built:\n{r.stderr[-3000:]}")
        _fixture_cache[key] = Path(r.stdout.strip().splitlines()[-1])
    return _fixture_cache[key]


def manifest(fixture_dir):
    return json.loads((Path(fixture_dir) / "manifest.json").read_text())


def run_live(cmd, scenario, out, stage=()):
    """Boot the 7.2 lab guest with scenario, run cmd in it against its own
    /proc/kcore (tests/vmcore/lib/run-guest MODE live), return
    (manifest, the command's output). Fails the test if anything breaks.

    The guest runs cmd chrooted in the host's root with its own tmpfs on
    /tmp, so host files under /tmp are invisible there: the vmlinux and the
    paths in stage are copied to /var/tmp first, and cmd gets them as
    {vmlinux} and {stage0}, {stage1}, ..."""
    r = subprocess.run([str(REPO / "tests/vmcore/lib/build-kernel"), "7.2"], capture_output=True, text=True,
                       timeout=3600)
    if r.returncode:
        pytest.fail(f"7.2 kernel: {r.stderr[-2000:]}")
    kdir = r.stdout.strip().splitlines()[-1]
    with tempfile.TemporaryDirectory(dir="/var/tmp", prefix="folioscope-live-") as sd:
        names = {"vmlinux": shutil.copy(os.path.join(kdir, "vmlinux"), sd)}
        for i, p in enumerate(stage):
            dst = os.path.join(sd, f"s{i}", os.path.basename(str(p)))
            if os.path.isdir(p):
                shutil.copytree(p, dst)
            else:
                os.makedirs(os.path.dirname(dst))
                shutil.copy2(p, dst)
            names[f"stage{i}"] = dst
        env = dict(os.environ, LAB_LIVE_CMD=cmd.format(**names))
        r = subprocess.run([str(REPO / "tests/vmcore/lib/run-guest"), kdir, scenario, str(out), "live"],
                           capture_output=True, text=True, env=env, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    text = (out / "live.out").read_text()
    assert (out / "live.rc").read_text().strip() == "0", text[-3000:]
    return manifest(out), text


def finding_vectors():
    """tests/vectors/findings.txt: (kernel, scenario, variant) -> the exact
    set of finding IDs a scan reports on that lab dump. Clean fixtures are
    not listed: they expect none. Shared by the C and drgn tests."""
    out = {}
    for line in (REPO / "tests/vectors/findings.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            k, s, v, ids = line.split()
            out[(k, s, v)] = set(ids.split(","))
    return out
