"""Debian's chromium driven by Playwright, for the dashboard's tests: the system browser, never one Playwright
downloads, with the flags that keep it from reaching out (this machine's network refuses chromium's background
connections, and a test must touch nothing but loopback).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--no-sandbox",  # CI runs as root, where chromium's own sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
# How long a test waits for the page to show something (polls are every second): generous, never asserted as a speed.
WAIT_MS = 15_000

requires_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"no {CHROMIUM}: install Debian's chromium (.ci/run does) to run the browser tests"
)


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless chromium from ``/usr/bin/chromium``, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(FLAGS), headless=True)
        try:
            yield browser
        finally:
            browser.close()
