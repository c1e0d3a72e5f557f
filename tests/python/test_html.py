# SPDX-License-Identifier: GPL-2.0-or-later
"""`folioscope scan --html FILE`: one self-contained page, rendered in
headless Chromium (Debian's chromium): the DOM has the findings, one
occupancy map per device-private pgmap with its suspicious cells, and the
suspicious folios' mappings; a screenshot is taken."""
import re
import shutil
import subprocess

import pytest

from conftest import lab_fixture, run


def chromium(*args):
    exe = shutil.which("chromium")
    if not exe:
        pytest.fail("chromium is not installed: run 'make deps'")
    r = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", *args], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def test_html_report_zoo(folioscope, tmp_path):
    fx = lab_fixture("7.2", "thp-device-split", "split-exclusive")
    page = tmp_path / "report.html"
    r = run([folioscope, "scan", "-k", str(fx / "vmlinux"), "-c", str(fx / "vmcore.kdump"), "--html", str(page)])
    assert r.returncode == 1, r.stderr
    html = page.read_text()
    # self-contained: no scripts, no external resources
    assert "<script" not in html and not re.search(r"(src|href)=\"?(https?:)?//", html)
    dom = chromium("--dump-dom", page.as_uri())
    assert dom.count('class="finding error" data-id="FS-EXCLUSIVE-DEVICE-PAGE"') == 2
    maps = re.findall(r'<div class="map" data-pgmap="(0x[0-9a-f]+)">(.*?)</div>\n', dom, re.S)
    assert len(maps) == 3
    cells = [re.findall(r'class="c c(\d)"', body) for _, body in maps]
    assert all(len(c) == 4096 for c in cells)
    assert sum(c.count("3") for c in cells) == 2 * 512 // 16   # two suspicious order-9 folios, 16 pages a cell
    assert dom.count('class="folio"') == 2
    png = tmp_path / "report.png"
    chromium(f"--screenshot={png}", "--window-size=1100,1300", page.as_uri())
    assert png.stat().st_size > 10000


def test_html_report_clean_and_escaping(folioscope, tmp_path):
    fx = lab_fixture("7.2", "thp-device-shared")
    page = tmp_path / "report.html"
    r = run([folioscope, "scan", "-k", str(fx / "vmlinux"), "-c", str(fx / "vmcore.kdump"), "--html", str(page)])
    assert r.returncode == 0, r.stderr
    dom = chromium("--dump-dom", page.as_uri())
    assert 'id="no-findings"' in dom
    r = run([folioscope, "scan", "-k", str(fx / "vmlinux"), "-c", str(fx / "vmcore.kdump"), "--html",
             str(tmp_path / "no/such/dir/x.html")])
    assert r.returncode == 2 and "--html" in r.stderr
