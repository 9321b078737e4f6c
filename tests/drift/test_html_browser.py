"""The HTML drift report in a real headless chromium (Debian's, through Playwright; tests/support/browser.py).

On the Stripe pair, made by ``ctk drift OLD NEW --format html -o FILE``, and on a report of hostile
lengths built by hand, at 1280 px: nothing runs off the side (the page measures no wider than the
window, and a full-page screenshot is exactly the window's width), no rule id breaks across lines, long
operation lists are collapsed, and the head names the date, the ctk version and both inputs.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import chromium, requires_chromium
from tests.support.cli import ctk
from tests.support.corpus import corpus
from tests.support.drift import BREAKING, report_of
from toolkit.__about__ import __version__
from toolkit.drift.renderers import render
from toolkit.model import Change

pytestmark = requires_chromium
WIDTH = 1280

MEASURE = """() => {
  const root = document.documentElement;
  const ids = [...document.querySelectorAll('td.rule code')];
  const style = (el) => getComputedStyle(el);
  const lineHeight = (el) => parseFloat(style(el).lineHeight) || parseFloat(style(el).fontSize) * 1.5;
  const blocks = [...document.querySelectorAll('table, p, h1, h2, h3, ul')];
  return {
    scrollWidth: root.scrollWidth,
    clientWidth: root.clientWidth,
    widest: Math.max(0, ...blocks.map(e => e.getBoundingClientRect().right)),
    ids: ids.length,
    brokenIds: ids.filter(c => c.getClientRects().length > 1 || c.getBoundingClientRect().height > 1.5 * lineHeight(c))
                  .map(c => c.textContent),
    openLists: [...document.querySelectorAll('td.ops details')].filter(d => d.open).length,
    lists: document.querySelectorAll('td.ops details').length,
    meta: document.querySelector('.meta').textContent,
    text: document.body.innerText,
  };
}"""


def _png_width(png: bytes) -> int:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width: int = struct.unpack(">I", png[16:20])[0]
    return width


def measure(html: str) -> tuple[dict[str, Any], int]:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": WIDTH, "height": 900})
        page.set_content(html)
        found: dict[str, Any] = page.evaluate(MEASURE)
        shot = page.screenshot(full_page=True)
        page.close()
    return found, _png_width(shot)


def assert_fits(found: dict[str, Any], screenshot_width: int) -> None:
    assert found["scrollWidth"] <= found["clientWidth"] == WIDTH
    assert found["widest"] <= WIDTH
    assert screenshot_width == WIDTH  # a page wider than the window would make a wider full-page shot
    assert found["ids"] > 0 and found["brokenIds"] == []


@pytest.fixture(scope="module")
def stripe_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path]:
    folder = corpus("drift/openapi/stripe-spec3-2019-09-27")
    old, new = folder / "base.json", folder / "revision.json"
    target = tmp_path_factory.mktemp("html") / "drift.html"
    code, _, err = ctk("drift", str(old), str(new), "--format", "html", "-o", str(target))
    assert code == 1, err
    return target.read_text(encoding="utf-8"), old, new


def test_stripe_report_fits_1280_px_with_unbroken_rule_ids(stripe_page: tuple[str, Path, Path]) -> None:
    html, old, new = stripe_page
    found, screenshot_width = measure(html)
    assert_fits(found, screenshot_width)
    # the operation lists of shared causes are collapsed, not spelled out down the page
    assert found["lists"] >= 1 and found["openLists"] == 0
    assert "348 operations" in found["text"] or re.search(r"\d{3} operations", found["text"])
    # who made it, when, from what
    assert f"ctk {__version__}" in found["meta"]
    assert re.search(r"\d{4}-\d{2}-\d{2}", found["meta"])
    assert old.name in found["text"] and new.name in found["text"]
    assert str(old) in html and str(new) in html


def test_hostile_lengths_still_fit() -> None:
    long_token = "x" * 3_000
    change = Change(
        "request-parameter-sunset-date-changed-too-small",  # one of the longest rule ids there are
        BREAKING,
        f"GET /a: {long_token}",
        tuple(f"GET /{long_token[:200]}{n}" for n in range(40)),
        old="/paths/" + "~1segment" * 400,
        new="/paths/" + "~1segment" * 400,
    )
    report = report_of(change, name="api-" + "n" * 400)
    found, screenshot_width = measure(render(report, "html"))
    assert_fits(found, screenshot_width)
    assert found["lists"] == 1 and found["openLists"] == 0


def test_an_error_only_report_is_a_page_that_says_so() -> None:
    from toolkit.drift.report import ApiError, DriftReport

    failed = DriftReport.failed_run(ApiError("invalid TOML", where="sandbox/sandbox.toml:3", hint="quote the value"))
    found, screenshot_width = measure(render(failed, "html"))
    assert "error: sandbox/sandbox.toml:3: invalid TOML (hint: quote the value)" in found["text"]
    assert "incomplete" in found["text"]
    assert screenshot_width == WIDTH
