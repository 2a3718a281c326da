"""A real browser opens the audit's page: headless Chromium renders it to a PNG 1280
pixels wide, with no network request, and the picture is not blank. Two control pages
show that the checks can fail: one that fetches, one that is blank.

Skipped, with the reason, where Chromium is absent; under CI a failure when ``.ci/run``
installed it (it sets ``DXLTOOLS_CHROMIUM_EXPECTED``).
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest

from dxltools.audit.page import PageContext, PageInput, render_html
from tests.browser import EXPECTED_ENV, WIDTH, find_chromium, read_png, render
from tests.test_audit_html import GUIDE_CASE, WHEN, fixture_model


@pytest.fixture(scope="module")
def chromium() -> str:
    found = find_chromium()
    if found is not None:
        return found
    if os.environ.get("CI") and os.environ.get(EXPECTED_ENV):
        pytest.fail(f"{EXPECTED_ENV} is set (.ci/run installed Chromium) but none is found")
    pytest.skip("Chromium is absent (Debian: apt-get install chromium): no real-browser test")


def test_chromium_renders_the_page_offline(tmp_path: Path, chromium: str) -> None:
    model = fixture_model()
    model["failover"] = copy.deepcopy(GUIDE_CASE)  # every part of the page is drawn
    page = tmp_path / "audit.html"
    page.write_bytes(render_html(model, PageContext((PageInput("names.dxl", 1),), WHEN)))
    done = render(chromium, page, height=900)
    assert done.status == 0, done.output
    assert done.requests == ()
    image = read_png(done.png)
    assert (image.width, image.height) == (WIDTH, 900)
    # Text, three cell colours, hatching: hundreds of values (a blank page has one).
    assert image.colours >= 100, image


def test_the_request_check_sees_a_page_that_fetches(tmp_path: Path, chromium: str) -> None:
    page = tmp_path / "fetches.html"
    page.write_text(
        "<!DOCTYPE html><title>x</title><p>text</p>"
        "<img src='http://127.0.0.1:8/pixel.png'><img src='http://example.invalid/a.png'>"
    )
    done = render(chromium, page, height=200)
    assert done.status == 0, done.output
    assert set(done.requests) == {"http://127.0.0.1:8/pixel.png", "http://example.invalid/a.png"}


def test_the_blank_check_sees_a_blank_page(tmp_path: Path, chromium: str) -> None:
    page = tmp_path / "blank.html"
    page.write_text("<!DOCTYPE html><title>blank</title><body style='background:#fff'></body>")
    done = render(chromium, page, height=200)
    assert done.status == 0, done.output
    assert read_png(done.png).colours == 1
