"""The dashboard in a real headless browser (Debian's chromium, driven by Playwright) against a real ``ctk serve
--root`` of the example workspace, over real HTTP: the page lists every API and its operations, a request shows in
the journal, a violation is highlighted and a near miss explained, a fault switch changes the faults the admin API
reports and the next answer, a hostile path is shown as text and runs nothing, nothing overflows at 1280 px, and
a broken edit of sandbox.toml is a banner until an edit that loads replaces it.

Waits are Playwright's ``expect`` with a bounded timeout (the page polls every second); time is never asserted.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.support.browser import WAIT_MS, chromium, requires_chromium
from tests.support.paths import REPO
from tests.support.served import Served, assert_no_traceback, served

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Dialog, Page

pytestmark = requires_chromium

API_KEY = {"x-api-key": "sk_test_dashboard"}
CUSTOMER = "/payments/customers/cus_9s6XKzkNRiz8i3"  # the contract's example
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example workspace: the server may watch it, and no test edits the repository's."""
    root = tmp_path_factory.mktemp("dashboard") / "workspace"
    for folder in ("sandbox", "contracts", "mocks"):
        shutil.copytree(REPO / folder, root / folder)
    return root


@pytest.fixture(scope="module")
def server(workspace: Path) -> Iterator[Served]:
    with served("--root", str(workspace)) as running:
        yield running
        assert_no_traceback(running)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as running:
        yield running


@pytest.fixture
def client(server: Served) -> Iterator[httpx.Client]:
    """A client for the server, on a clean sandbox: empty journal, no faults, no scenario."""
    with server.client() as http:
        apis = http.get("/__ctk/apis").json()["apis"]
        for api in apis:
            assert http.delete(f"/__ctk/faults/{api['name']}").status_code < 300
            if api["scenarios"]:
                answer = http.put(f"/__ctk/scenarios/{api['name']}", json={"scenario": None})
                assert answer.status_code < 300, answer.text
        assert http.delete("/__ctk/requests").status_code < 300
        yield http


@pytest.fixture
def page(browser: Browser, server: Served) -> Iterator[Page]:
    """A fresh page at 1280 px that fails the test on any script error, console error or dialog."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    opened.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)

    def dialog_opened(dialog: Dialog) -> None:
        problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    opened.on("dialog", dialog_opened)
    yield opened
    context.close()
    assert problems == []


def open_dashboard(page: Page, server: Served) -> Any:
    from playwright.sync_api import expect

    answer = page.goto(f"{server.url}/__ctk/")
    assert answer is not None and answer.status == 200
    expect(page.locator("#live")).to_have_text("● live", timeout=WAIT_MS)
    return answer


def journal_row(page: Page, text: str) -> Any:
    return page.locator("#journal-rows tr", has_text=text)


def test_the_page_lists_every_api_and_its_operations(page: Page, server: Served, client: httpx.Client) -> None:
    from playwright.sync_api import expect

    answer = open_dashboard(page, server)
    headers = answer.all_headers()
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-type"].startswith("text/html")
    apis = client.get("/__ctk/apis").json()["apis"]
    assert {api["name"] for api in apis} == {"payments", "crm", "inventory"}
    for api in apis:
        card = page.locator(f'article.api[data-api="{api["name"]}"]')
        expect(card).to_be_visible()
        ids = card.locator("td.op-id").all_text_contents()
        assert ids == [operation["id"] for operation in api["operations"]]
        assert ids


def test_the_page_and_its_files_are_served_with_their_types(client: httpx.Client) -> None:
    for path in ("/__ctk/", "/__ctk/dashboard"):
        answer = client.get(path)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
        assert "'unsafe-inline'" not in answer.headers["content-security-policy"]
    for name, kind in (("dashboard.js", "text/javascript"), ("dashboard.css", "text/css")):
        answer = client.get(f"/__ctk/static/{name}")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(kind)
        assert answer.headers["x-content-type-options"] == "nosniff"  # a script must be served as one
    for name in ("dashboard.py", "..%2Fapi.py", "%2e%2e", "x" * 300):
        answer = client.get(f"/__ctk/static/{name}")
        assert answer.status_code == 404, name
        assert answer.headers["content-type"] == "application/problem+json"


def test_the_apis_show_without_javascript(browser: Browser, server: Served, client: httpx.Client) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/__ctk/")
        apis = client.get("/__ctk/apis").json()["apis"]
        for api in apis:
            card = page.locator(f'article.api[data-api="{api["name"]}"]')
            assert card.locator("td.op-id").all_text_contents() == [op["id"] for op in api["operations"]]
        assert page.locator("[data-no-js]").is_visible()  # says where the live data is instead
    finally:
        context.close()


def test_a_request_appears_in_the_journal(page: Page, server: Served, client: httpx.Client) -> None:
    from playwright.sync_api import expect

    open_dashboard(page, server)
    expect(page.locator("#journal-empty")).to_be_visible()
    assert client.get(CUSTOMER, headers=API_KEY).status_code == 200
    row = journal_row(page, CUSTOMER)
    expect(row).to_have_count(1, timeout=WAIT_MS)
    expect(row.locator("td.status")).to_have_text("200")
    expect(row.locator("td.api")).to_have_text("payments")
    expect(row.locator("td.operation")).to_contain_text("/customers/{customer_id}")
    expect(page.locator("#journal-empty")).to_be_hidden()
    # the charts are drawn from the journal: one bar of the status mix for payments
    expect(page.locator("#chart-status rect.s2")).to_have_count(1, timeout=WAIT_MS)


def test_a_violation_is_highlighted_and_a_near_miss_explained(page: Page, server: Served, client: httpx.Client) -> None:
    from playwright.sync_api import expect

    open_dashboard(page, server)
    refused = client.post("/payments/payment_intents", headers=API_KEY, json={"amount": "a lot"})
    assert 400 <= refused.status_code < 500
    missed = client.get("/payments/customer/cus_1", headers=API_KEY)
    assert missed.status_code == 404
    entries = {entry["path"]: entry for entry in client.get("/__ctk/requests").json()["requests"]}
    violation = entries["/payments/payment_intents"]["violations"][0]
    near = entries["/payments/customer/cus_1"]["near_misses"][0]

    row = journal_row(page, "/payments/payment_intents")
    expect(row).to_have_class("violation", timeout=WAIT_MS)
    expect(row.locator(".note-violation").first).to_contain_text(violation["message"])
    expect(row).to_have_css("background-color", "rgb(253, 236, 236)")  # --bad-bg: what a person sees

    missed_row = journal_row(page, "/payments/customer/cus_1")
    expect(missed_row).to_have_class("unmatched", timeout=WAIT_MS)
    explained = missed_row.locator(".note-near").first
    expect(explained).to_contain_text(f"Nearest: {near['method']} {near['path']}")
    expect(explained).to_contain_text(near["reason"])

    page.locator("#only-problems").check()
    expect(page.locator("#journal-rows tr")).to_have_count(2)


def test_a_fault_switch_changes_the_faults_and_the_next_answer(
    page: Page, server: Served, client: httpx.Client
) -> None:
    from playwright.sync_api import expect

    open_dashboard(page, server)
    switch = page.get_by_label("Fail every request (payments)")
    expect(switch).to_be_enabled(timeout=WAIT_MS)
    expect(switch).not_to_be_checked()
    assert client.get(CUSTOMER, headers=API_KEY).status_code == 200

    switch.check()
    expect(switch).to_be_checked()
    expect(switch).to_be_enabled(timeout=WAIT_MS)  # the PUT answered and the faults were read back
    assert client.get("/__ctk/faults").json()["apis"]["payments"].get("error_rate") == 1
    expect(page.locator('article[data-api="payments"] .faults-now')).to_contain_text('"error_rate":1')

    faulted = client.get(CUSTOMER, headers=API_KEY)
    assert faulted.status_code >= 500
    row = journal_row(page, CUSTOMER).filter(has=page.locator("td.status.s5"))
    expect(row).to_have_count(1, timeout=WAIT_MS)
    expect(row.locator(".chip.fault")).not_to_have_count(0)

    switch.uncheck()
    expect(switch).to_be_enabled(timeout=WAIT_MS)
    assert "error_rate" not in client.get("/__ctk/faults").json()["apis"]["payments"]
    assert client.get(CUSTOMER, headers=API_KEY).status_code == 200


def test_a_scenario_is_chosen_from_the_page(page: Page, server: Served, client: httpx.Client) -> None:
    from playwright.sync_api import expect

    open_dashboard(page, server)
    choice = page.get_by_label("scenario of payments")
    expect(choice).to_be_enabled(timeout=WAIT_MS)
    choice.select_option("throttled")
    expect(choice).to_be_enabled(timeout=WAIT_MS)
    assert client.get("/__ctk/scenarios").json()["apis"]["payments"]["active"] == "throttled"
    assert client.get(CUSTOMER, headers=API_KEY).status_code == 429


def test_a_hostile_path_is_text_and_runs_nothing(page: Page, server: Served, client: httpx.Client) -> None:
    from playwright.sync_api import expect

    open_dashboard(page, server)
    client.get(f"/payments/{HOSTILE}", params={"q": "<script>alert(2)</script>"}, headers=API_KEY)
    row = journal_row(page, HOSTILE)
    expect(row).to_have_count(1, timeout=WAIT_MS)
    expect(row.locator("td.path")).to_contain_text("<script>alert(2)</script>")
    assert page.locator("#journal img, #journal script").count() == 0
    # an <img> that had been created would have failed to load and run its onerror by now; the page fixture
    # fails the test on any dialog
    page.evaluate("() => new Promise((done) => setTimeout(done, 300))")


def test_nothing_overflows_at_1280_px(page: Page, server: Served, client: httpx.Client) -> None:
    from playwright.sync_api import expect

    long_segment = "x" * 600
    client.get(f"/payments/customers/{long_segment}", params={"filter": "y" * 600}, headers=API_KEY)
    client.post("/payments/payment_intents", headers=API_KEY, json={"amount": -1, "currency": "z" * 300})
    open_dashboard(page, server)
    expect(page.locator("#journal-rows tr")).to_have_count(2, timeout=WAIT_MS)
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths


def test_a_broken_edit_shows_a_banner_until_it_is_fixed(browser: Browser, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    root = tmp_path / "workspace"
    for folder in ("sandbox", "contracts", "mocks"):
        shutil.copytree(REPO / folder, root / folder)
    config = root / "sandbox" / "sandbox.toml"
    good = config.read_text(encoding="utf-8")
    with served("--root", str(root)) as server:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            page = context.new_page()
            open_dashboard(page, server)
            banner = page.locator("#reload-banner")
            expect(banner).to_be_hidden()
            config.write_text(good + "\n[apis.payments.faults]\nerror_rate = 7\n", encoding="utf-8")
            expect(banner).to_be_visible(timeout=WAIT_MS)
            expect(banner.locator(".message")).to_contain_text("error_rate")
            expect(banner.locator(".still")).to_contain_text("still serves")
            # the edit fixed: served, the banner goes, and the page reads the new faults and says to refresh
            config.write_text(good + "\n[apis.payments.faults]\nerror_rate = 0.5\n", encoding="utf-8")
            expect(banner).to_be_hidden(timeout=WAIT_MS)
            expect(page.locator("#reload-changed")).to_be_visible()
            now = page.locator('article[data-api="payments"] .faults-now')
            expect(now).to_contain_text('"error_rate":0.5', timeout=WAIT_MS)
        finally:
            context.close()
        assert_no_traceback(server)
