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


def _other_arch(fx, tmp_path, dump):
    """A real dump whose header names another machine (aarch64)."""
    out = tmp_path / ("arm-" + dump)
    subprocess.run(["cp", "--sparse=always", str(fx / dump), str(out)], check=True)
    with open(out, "r+b") as f:
        if dump.startswith("vmcore.elf"):
            f.seek(18)
            f.write((183).to_bytes(2, "little"))  # e_machine = EM_AARCH64
        else:
            f.seek(8 + 4 + 4 * 65)  # disk_dump_header.utsname.machine
            f.write(b"aarch64".ljust(65, b"\0"))
    return out


@pytest.mark.parametrize("dump", ["vmcore.elf", "vmcore.kdump"])
def test_dump_of_another_arch(folioscope_any, fx, tmp_path, dump):
    r = scan(folioscope_any, fx / "vmlinux", _other_arch(fx, tmp_path, dump))
    one_line_error(r, "aarch64 machine", "x86_64 kernel")


DRGN_SCAN = ["/usr/bin/python3", "-m", "folioscope.scan"]


@pytest.mark.parametrize("case", ["junk", "truncated", "other-arch", "wrong-vmlinux", "no-dwarf"])
def test_drgn_scan_bad_input(fx, tmp_path, case):
    """The drgn scan: one line on stderr and exit status 2, never a traceback."""
    from conftest import REPO
    vmlinux, core = fx / "vmlinux", fx / "vmcore.kdump-uts"
    if case == "junk":
        core = tmp_path / "junk"
        core.write_bytes(b"this is not a crash dump\n" * 1000)
    elif case == "truncated":
        core = tmp_path / "cut"
        core.write_bytes((fx / "vmcore.kdump-uts").read_bytes()[: 200000])
    elif case == "other-arch":
        core = _other_arch(fx, tmp_path, "vmcore.elf-vaddr")
    elif case == "wrong-vmlinux":
        vmlinux = lab_fixture("6.12", "thp-device") / "vmlinux"
    elif case == "no-dwarf":
        vmlinux = tmp_path / "vmlinux"
        subprocess.run(["objcopy", "--strip-debug", str(fx / "vmlinux"), str(vmlinux)], check=True)
    r = subprocess.run(DRGN_SCAN + ["-s", str(vmlinux), "-c", str(core)], capture_output=True, text=True,
                       timeout=600, env={"PYTHONPATH": str(REPO / "drgn-helpers"), "PATH": "/usr/bin:/bin"})
    assert "Traceback" not in r.stderr, r.stderr
    # a truncated dump may still be analysed, with what could not be read reported
    if case == "truncated" and r.returncode in (0, 1):
        assert "UNREAD" in r.stdout or "truncated" in r.stderr, r.stdout[-1000:]
        return
    assert r.returncode == 2, (r.returncode, r.stdout[-500:], r.stderr)
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("folioscope: "), r.stderr
