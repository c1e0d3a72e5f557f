# SPDX-License-Identifier: GPL-2.0-or-later
"""Bad input gets one clear line and exit status 2, never a crash or a hang
(docs/cli.md). Real lab dumps, damaged the way users' dumps are."""
import shutil
import subprocess

import pytest

from conftest import lab_fixture, run


@pytest.fixture(scope="module")
def fx():
    return lab_fixture("7.2", "thp-device")


def scan(binary, vmlinux, core):
    r = run([binary, "scan", "-k", str(vmlinux), "-c", str(core)], timeout=300)
    assert "AddressSanitizer" not in r.stderr and "runtime error" not in r.stderr, r.stderr
    return r


def one_line_error(r, *words):
    assert r.returncode == 2, (r.returncode, r.stdout[-500:], r.stderr)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert lines and lines[0].startswith("folioscope: "), r.stderr
    for w in words:
        assert w in r.stderr, (w, r.stderr)


def test_missing_dump(folioscope_any, fx, tmp_path):
    one_line_error(scan(folioscope_any, fx / "vmlinux", tmp_path / "nope"), "nope")


def test_empty_dump(folioscope_any, fx, tmp_path):
    (tmp_path / "empty").write_bytes(b"")
    one_line_error(scan(folioscope_any, fx / "vmlinux", tmp_path / "empty"), "empty")


def test_not_a_dump(folioscope_any, fx, tmp_path):
    (tmp_path / "junk").write_bytes(b"this is not a crash dump\n" * 1000)
    one_line_error(scan(folioscope_any, fx / "vmlinux", tmp_path / "junk"))


@pytest.mark.parametrize("dump,keep", [("vmcore.kdump", 0.5), ("vmcore.kdump", 0.02), ("vmcore.kdump-flat", 0.5)])
def test_truncated_dump(folioscope_any, fx, tmp_path, dump, keep):
    src = fx / dump
    cut = tmp_path / "cut"
    data = src.read_bytes()
    cut.write_bytes(data[: int(len(data) * keep)])
    r = scan(folioscope_any, fx / "vmlinux", cut)
    # either refused with a clear error, or analysed with the unread parts reported
    if r.returncode == 2:
        one_line_error(r, "truncated")
    else:
        assert "truncated" in r.stdout + r.stderr or "UNREAD" in r.stdout, r.stdout[-2000:]


def test_wrong_vmlinux(folioscope_any, fx):
    other = lab_fixture("6.12", "thp-device")
    one_line_error(scan(folioscope_any, other / "vmlinux", fx / "vmcore.kdump"), "7.2.13")


def test_vmlinux_without_dwarf(folioscope_any, fx, tmp_path):
    stripped = tmp_path / "vmlinux"
    subprocess.run(["objcopy", "--strip-debug", str(fx / "vmlinux"), str(stripped)], check=True)
    one_line_error(scan(folioscope_any, stripped, fx / "vmcore.kdump"), "DWARF")


def test_vmlinux_not_a_kernel(folioscope_any, fx):
    one_line_error(scan(folioscope_any, shutil.which("true"), fx / "vmcore.kdump"))


def test_filtered_dump_is_read(folioscope, fx):
    """makedumpfile output (-d 23, from a real panic + kdump capture kernel)."""
    kd = lab_fixture("7.2", "thp-device-kdump")
    r = scan(folioscope, kd / "vmlinux", kd / "vmcore.makedumpfile")
    assert r.returncode == 0, r.stderr
    assert "0 errors, 0 warnings" in r.stdout


def test_kcore_without_permission(folioscope, fx):
    r = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", folioscope, "scan", "-k",
             str(fx / "vmlinux"), "--live"])
    one_line_error(r)


def test_unknown_kernel_version_decodes_with_warning(folioscope):
    r = run([folioscope, "decode", "--kernel", "9.9", "0"])
    assert r.returncode == 0
    assert "outside the verified range" in r.stderr
