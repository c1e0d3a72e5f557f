# SPDX-License-Identifier: GPL-2.0-or-later
"""Without -k the CLI finds the vmlinux by the dump's build ID (VMCOREINFO
BUILD-ID) in build-ID debug directories, by release name, or through
debuginfod (a real libdebuginfod client against a local server speaking the
debuginfod protocol), and says where it found it. A file at the right place
with another build ID is refused. The drgn scan does the same search."""
import http.server
import os
import re
import subprocess
import threading
from pathlib import Path

import pytest

from conftest import REPO, lab_fixture


def build_id(path):
    out = subprocess.run(["readelf", "-n", str(path)], capture_output=True, text=True, check=True).stdout
    return re.search(r"Build ID: ([0-9a-f]+)", out).group(1)


@pytest.fixture(scope="module")
def fx():
    return lab_fixture("7.2", "thp-device")


def run(cmd, env):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env, timeout=600)


def env_with(**kw):
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUGINFOD_URLS", "FOLIOSCOPE_DEBUG_DIRS")}
    env.update(kw)
    return env


def test_by_build_id(folioscope, fx, tmp_path):
    bid = build_id(fx / "vmlinux")
    link = tmp_path / ".build-id" / bid[:2] / (bid[2:] + ".debug")
    link.parent.mkdir(parents=True)
    link.symlink_to((fx / "vmlinux").resolve())
    for dump in ("vmcore.kdump", "vmcore.elf"):
        r = run([folioscope, "scan", "-c", str(fx / dump)], env=env_with(FOLIOSCOPE_DEBUG_DIRS=str(tmp_path)))
        assert r.returncode == 0, r.stderr
        assert f"vmlinux {link} (found by build ID {bid} under {tmp_path})" in r.stderr
        assert "0 errors, 0 warnings" in r.stdout


def test_by_release(folioscope, fx, tmp_path):
    rel = (fx / "kernelrelease").read_text().strip()
    (tmp_path / "boot").mkdir()
    (tmp_path / "boot" / f"vmlinux-{rel}").symlink_to((fx / "vmlinux").resolve())
    r = run([folioscope, "scan", "-c", str(fx / "vmcore.kdump")], env=env_with(FOLIOSCOPE_DEBUG_DIRS=str(tmp_path)))
    assert r.returncode == 0, r.stderr
    assert f"found by release {rel} under {tmp_path} (build ID checked)" in r.stderr


def test_wrong_build_id_refused(folioscope, fx, tmp_path):
    other = lab_fixture("6.12", "thp-device")
    rel = (fx / "kernelrelease").read_text().strip()
    bid = build_id(fx / "vmlinux")
    (tmp_path / "boot").mkdir()
    (tmp_path / "boot" / f"vmlinux-{rel}").symlink_to((other / "vmlinux").resolve())
    link = tmp_path / ".build-id" / bid[:2] / (bid[2:] + ".debug")
    link.parent.mkdir(parents=True)
    link.symlink_to((other / "vmlinux").resolve())
    r = run([folioscope, "scan", "-c", str(fx / "vmcore.kdump")], env=env_with(FOLIOSCOPE_DEBUG_DIRS=str(tmp_path)))
    assert r.returncode == 2
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("folioscope: no vmlinux for this dump (release 7.2"), r.stderr
    assert bid in err[0] and "DEBUGINFOD_URLS is not set" in err[0]


class _Debuginfod(http.server.BaseHTTPRequestHandler):
    """GET /buildid/BUILDID/debuginfo (the debuginfod protocol) -> the file."""
    files = {}
    asked = []

    def do_GET(self):
        self.asked.append(self.path)
        m = re.fullmatch(r"/buildid/([0-9a-f]+)/debuginfo", self.path)
        path = self.files.get(m.group(1)) if m else None
        if not path:
            self.send_error(404)
            return
        data = Path(path).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


def test_through_debuginfod(folioscope, fx, tmp_path):
    bid = build_id(fx / "vmlinux")
    _Debuginfod.files = {bid: str((fx / "vmlinux").resolve())}
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Debuginfod)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}"
        env = env_with(FOLIOSCOPE_DEBUG_DIRS=str(tmp_path / "empty"), DEBUGINFOD_URLS=url,
                       DEBUGINFOD_CACHE_PATH=str(tmp_path / "cache"))
        r = run([folioscope, "scan", "-c", str(fx / "vmcore.kdump")], env=env)
        assert r.returncode == 0, r.stderr
        assert f"(found through debuginfod ({url}) by build ID {bid})" in r.stderr
        assert f"/buildid/{bid}/debuginfo" in _Debuginfod.asked
        # the cached copy is byte-identical to the vmlinux served
        cached = next((tmp_path / "cache").rglob("debuginfo"))
        assert cached.stat().st_size == (fx / "vmlinux").stat().st_size
    finally:
        srv.shutdown()


def test_drgn_scan_finds_vmlinux(fx, tmp_path):
    bid = build_id(fx / "vmlinux")
    link = tmp_path / ".build-id" / bid[:2] / (bid[2:] + ".debug")
    link.parent.mkdir(parents=True)
    link.symlink_to((fx / "vmlinux").resolve())
    env = env_with(FOLIOSCOPE_DEBUG_DIRS=str(tmp_path), PYTHONPATH=str(REPO / "drgn-helpers"))
    r = run(["/usr/bin/python3", "-m", "folioscope.scan", "-c", str(fx / "vmcore.kdump-uts")], env=env)
    assert r.returncode == 0, r.stderr
    assert f"vmlinux {link} (found by build ID {bid} under {tmp_path})" in r.stderr
