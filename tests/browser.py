"""Headless Chromium for the page tests and the README's screenshot: render a local HTML
file to a PNG, with every network request the page makes recorded in a net log, and
read the PNG back with the standard library (zlib) to see that it is not blank.

Also a command, so that ``scripts/screenshot.sh`` takes the screenshot exactly as the
test does::

    python -m tests.browser PAGE.html OUT.png [--width 1280] [--height 900]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# .ci/run sets this when it installed Chromium (or found it): then a missing browser
# is a failure, not a skip.
EXPECTED_ENV = "DXLTOOLS_CHROMIUM_EXPECTED"
WIDTH = 1280


def find_chromium() -> str | None:
    """The Chromium to use: $DXLTOOLS_CHROMIUM, else the first one on the PATH."""
    named = os.environ.get("DXLTOOLS_CHROMIUM")
    if named:
        return shutil.which(named)
    return next((found for name in CANDIDATES if (found := shutil.which(name))), None)


@attrs.frozen
class Rendering:
    status: int
    png: bytes
    requests: tuple[str, ...]  # URLs the page asked the network for
    output: str  # Chromium's stdout and stderr, for failure messages


def flags(user_data: Path, netlog: Path, png: Path, width: int, height: int) -> list[str]:
    """Headless, no sandbox (containers), no GPU, none of the browser's own traffic
    (updates, sync, QUIC), every host name resolving to nothing, a net log."""
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={user_data}",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--log-net-log={netlog}",
        f"--screenshot={png}",
        f"--window-size={width},{height}",
    ]


def render(
    chromium: str, page: Path, *, width: int = WIDTH, height: int = 900, timeout: float = 120
) -> Rendering:
    """Render `page` (a local file) to a PNG of `width` x `height` pixels."""
    with tempfile.TemporaryDirectory(prefix="dxltools-chromium-") as scratch:
        folder = Path(scratch)
        png, netlog = folder / "page.png", folder / "netlog.json"
        command = [chromium, *flags(folder / "profile", netlog, png, width, height)]
        done = subprocess.run(
            [*command, page.resolve().as_uri()],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        output = (done.stdout + done.stderr).decode("utf-8", "replace")
        image = png.read_bytes() if png.exists() else b""
        requests = page_requests(netlog) if netlog.exists() else ("<no net log written>",)
        return Rendering(done.returncode, image, requests, output)


def page_requests(netlog: Path) -> tuple[str, ...]:
    """The URLs the page itself requested over the network.

    Chromium's own background requests (time, updates, accounts) carry no page as
    their top frame; a request the page makes is keyed by the page's site, which for
    a local file is ``file://``. Subresources read from disk never reach the net log,
    which is why the tests also check that the page holds no URL at all.
    """
    text = netlog.read_text(encoding="utf-8", errors="replace").rstrip()
    if not text.endswith("}"):  # a log cut short by the browser's exit
        text = text.rstrip(",\n") + "]}"
    log: dict[str, Any] = json.loads(text)
    names = {number: name for name, number in log["constants"]["logEventTypes"].items()}
    found = []
    for event in log.get("events", []):
        params = event.get("params") or {}
        if names.get(event.get("type")) != "URL_REQUEST_START_JOB" or "url" not in params:
            continue
        if "file://" in str(params.get("network_isolation_key", "")):
            found.append(str(params["url"]))
    return tuple(found)


# -- PNG, read with zlib alone ---------------------------------------------------------------

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # grey, RGB, grey + alpha, RGBA


@attrs.frozen
class Image:
    width: int
    height: int
    colours: int  # distinct pixel values


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    if not data.startswith(_SIGNATURE):
        raise ValueError("not a PNG")
    chunks, offset = [], len(_SIGNATURE)
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        chunks.append((kind, data[offset + 8 : offset + 8 + length]))
        offset += 12 + length
    return chunks


def _paeth(left: int, up: int, corner: int) -> int:
    estimate = left + up - corner
    a, b, c = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
    if a <= b and a <= c:
        return left
    return up if b <= c else corner


def _unfilter(kind: int, line: bytearray, previous: bytes, step: int) -> None:
    """Undo one scanline's filter in place (PNG specification, section 9)."""
    if kind == 0:
        return
    if kind == 2:
        line[:] = bytes((x + y) & 0xFF for x, y in zip(line, previous, strict=True))
        return
    for i in range(len(line)):
        left = line[i - step] if i >= step else 0
        corner = previous[i - step] if i >= step else 0
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            line[i] = (line[i] + _paeth(left, previous[i], corner)) & 0xFF
        else:
            raise ValueError(f"unknown PNG filter {kind}")


def read_png(data: bytes) -> Image:
    """Size and number of distinct pixel values of an 8-bit, non-interlaced PNG."""
    chunks = _chunks(data)
    if chunks[0][0] != b"IHDR":
        raise ValueError("PNG without IHDR first")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if depth != 8 or interlace or colour not in _CHANNELS:
        raise ValueError(f"unsupported PNG: depth {depth}, colour {colour}, interlace {interlace}")
    step = _CHANNELS[colour]
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = width * step
    if len(raw) != height * (stride + 1):
        raise ValueError("PNG data of the wrong size")
    previous, colours = bytes(stride), set[bytes]()
    for row in range(height):
        start = row * (stride + 1)
        line = bytearray(raw[start + 1 : start + 1 + stride])
        _unfilter(raw[start], line, previous, step)
        flat = bytes(line)
        colours.update(flat[i : i + step] for i in range(0, stride, step))
        previous = flat
    return Image(width, height, len(colours))


# -- the command -------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render an HTML file to a PNG, offline.")
    parser.add_argument("page", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--width", type=int, default=WIDTH)
    parser.add_argument("--height", type=int, default=900)
    options = parser.parse_args(argv)
    chromium = find_chromium()
    if chromium is None:
        print("no Chromium found (apt-get install chromium)", file=sys.stderr)
        return 2
    done = render(chromium, options.page, width=options.width, height=options.height)
    if done.status != 0 or not done.png:
        print(f"Chromium failed ({done.status}):\n{done.output}", file=sys.stderr)
        return 2
    if done.requests:
        print(f"the page requested {', '.join(done.requests)}", file=sys.stderr)
        return 2
    image = read_png(done.png)
    options.png.write_bytes(done.png)
    print(f"{options.png}: {image.width}x{image.height}, {image.colours} colours")
    return 0


if __name__ == "__main__":
    sys.exit(main())
