# SPDX-License-Identifier: GPL-2.0-or-later
"""`make install PREFIX=... DESTDIR=...` lays out every front end, each runs
from there, and `make uninstall` removes what install put."""
import os
import subprocess

from conftest import REPO, run


def test_install_and_uninstall(tmp_path):
    dest = tmp_path / "root"
    args = ["make", "-s", f"DESTDIR={dest}", "PREFIX=/usr"]
    r = subprocess.run(args + ["install"], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    files = {
        "bin": dest / "usr/bin/folioscope",
        "crash": dest / "usr/lib/crash/extensions/folioscope.so",
        "man1": dest / "usr/share/man/man1/folioscope.1",
        "man7": dest / "usr/share/man/man7/folioscope-crash.7",
        "py": dest / "usr/lib/python3/dist-packages/folioscope/swapent.py",
    }
    for name, f in files.items():
        assert f.exists(), name
    r = run([str(files["bin"]), "decode", "--pmd", "--config", "MEMORY_FAILURE=n", "0xe7ffffe06407fe00"])
    assert r.returncode == 0 and "device-private-write" in r.stdout
    env = dict(os.environ, PYTHONPATH=str(files["py"].parent.parent))
    r = subprocess.run(["/usr/bin/python3", "-c", "import folioscope, sys; "
                        "print(folioscope.decode_entry(folioscope.swap_layout_for(), 0).kind, folioscope.__file__)"],
                       capture_output=True, text=True, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("none ") and str(dest) in r.stdout
    r = run(["man", "-l", "-P", "cat", str(files["man1"])])
    assert "folioscope" in r.stdout and "EXIT STATUS" in r.stdout
    r = subprocess.run(args + ["uninstall"], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert not any(f.exists() for f in files.values())
