"""Write ``docs/dashboard.png``, the README's picture of the dashboard: a real screenshot, never a drawing.

    python scripts/dashboard_screenshot.py [OUT.png]

Serves the example workspace (``ctk serve --root .`` on a free loopback port), sends it a few requests a person
would (reads and a create, a refused body, a mistyped path, a SOAP and a GraphQL call, two injected faults), opens
``/__ctk/`` in Debian's headless chromium at 1280 px once the journal shows them, and saves the page.
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx

from tests.support.browser import WAIT_MS, chromium
from tests.support.paths import REPO
from tests.support.served import served

OUT = REPO / "docs" / "dashboard.png"
KEY = {"x-api-key": "sk_test_1"}
CUSTOMER = "/payments/customers/cus_9s6XKzkNRiz8i3"
SOAP_CREATE_ACCOUNT = (
    '<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body>'
    '<CreateAccountRequest xmlns="urn:example:crm:types"><account><name>Acme Rockets</name>'
    "<industry>Energy</industry></account></CreateAccountRequest></Body></Envelope>"
)


def traffic(client: httpx.Client) -> int:
    """The requests the picture shows; how many were sent."""
    sent = 0

    def send(method: str, path: str, **kwargs: object) -> None:
        nonlocal sent
        client.request(method, path, **kwargs)  # type: ignore[arg-type]
        sent += 1

    for _ in range(12):
        send("GET", CUSTOMER, headers=KEY)
    send("POST", "/payments/customers", headers=KEY, json={"name": "Ann"})
    send("GET", "/payments/customers", headers=KEY, params={"limit": "3"})
    send("POST", "/payments/payment_intents", headers=KEY, json={"amount": "a lot", "currency": "eur"})
    send("GET", "/payments/customer/cus_9s6XKzkNRiz8i3", headers=KEY)  # a mistyped path: a near miss
    soap = {"content-type": "text/xml", "soapaction": '"urn:example:crm/CreateAccount"'}
    send("POST", "/crm", headers=soap, content=SOAP_CREATE_ACCOUNT)
    send("POST", "/inventory", json={"query": "{ warehouses { id name } }"})
    send("GET", CUSTOMER, headers={**KEY, "prefer": "ctk-latency=250"})
    send("GET", CUSTOMER, headers={**KEY, "prefer": "ctk-fault=503"})
    return sent


def main(out: Path) -> None:
    from playwright.sync_api import expect

    with served("--root", str(REPO)) as server, server.client() as client, chromium() as browser:
        sent = traffic(client)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
        page.goto(f"{server.url}/__ctk/")
        expect(page.locator("#journal-rows tr")).to_have_count(sent, timeout=WAIT_MS)
        expect(page.locator("#live")).to_have_text("● live", timeout=WAIT_MS)
        page.locator("details").evaluate_all("(all) => all.forEach((item) => { item.open = false; })")
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
