"""The HTML report in a real headless browser: the plots render as pixels, offline.

Needs Debian's chromium (`apt-get install -y chromium`); skipped without it, except under CI
(the CI variable set), where a missing browser fails the test.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from k8s_actors.trace.tools import Line, render_report
from k8s_actors.trace.tools.report_assets import PALETTE

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def _browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed (CI must run: apt-get install -y chromium)")
    pytest.skip("chromium is not installed (apt-get install -y chromium to run this test)")


def _screenshot(browser: str, page: Path, out: Path, profile: Path) -> None:
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            f"--screenshot={out}",
            "--window-size=1200,900",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def _paeth(left: int, up: int, corner: int) -> int:
    estimate = left + up - corner
    a, b, c = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
    return left if a <= b and a <= c else up if b <= c else corner


def read_png(path: Path) -> tuple[int, int, int, list[bytes]]:
    """Width, height, bytes per pixel and the unfiltered rows of an 8-bit RGB(A) PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, header = 8, b"", b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        header = body if kind == b"IHDR" else header
        chunks += body if kind == b"IDAT" else b""
        position += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), "only 8-bit RGB or RGBA screenshots are read"
    size = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(chunks), width * size
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            left = line[i - size] if i >= size else 0
            corner = previous[i - size] if i >= size else 0
            predictor = (0, left, previous[i], (left + previous[i]) // 2,
                         _paeth(left, previous[i], corner))[kind]  # fmt: skip
            line[i] = (line[i] + predictor) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, size, rows


def _pixels_of(colour: str, rows: list[bytes], size: int, max_x: int) -> int:
    wanted = bytes.fromhex(colour.lstrip("#"))
    return sum(
        1
        for row in rows
        for x in range(0, min(len(row) // size, max_x))
        if row[x * size : x * size + 3] == wanted
    )


def test_plots_render_in_a_headless_browser(handmade: list[Line], tmp_path: Path) -> None:
    browser = _browser()
    page = tmp_path / "report.html"
    page.write_text(render_report(handmade, "mini.jsonl"), encoding="utf-8")
    shot = tmp_path / "report.png"
    _screenshot(browser, page, shot, tmp_path / "profile")
    width, height, size, rows = read_png(shot)
    assert (width, height) == (1200, 900)
    # The legend sits right of x=760; pixels of the series colours left of it are plot lines.
    assert _pixels_of(PALETTE[0], rows, size, 740) > 300
    assert _pixels_of(PALETTE[1], rows, size, 740) > 100
    background = rows[5][:size]
    assert background[:3] == b"\xff\xff\xff"
