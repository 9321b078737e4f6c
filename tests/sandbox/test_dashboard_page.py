"""The dashboard's page and static files, without a browser: what ``page()`` renders from the admin API's
documents (every API and operation, everything escaped, no inline script), the reload banner, and which names
``static()`` serves."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from toolkit.exchange import MockResult, Request, Response
from toolkit.sandbox.admin import dashboard

HOSTILE = '<img src=x onerror="alert(1)">'

APIS: dict[str, list[dict[str, Any]]] = {
    "apis": [
        {
            "name": "payments",
            "protocol": "openapi",
            "mount": "/payments",
            "state": True,
            "operations": [
                {"id": "POST /payment_intents", "method": "POST", "path": "/payment_intents", "deprecated": False},
                {"id": "GET /charges/{id}", "method": "GET", "path": "/charges/{id}", "deprecated": True},
            ],
            "scenarios": ["card_declined", "throttled"],
            "webhooks": [],
        },
        {
            "name": "crm",
            "protocol": "soap",
            "mount": "/crm",
            "state": False,
            "operations": [{"id": "CrmService/CrmSoap11Port/GetAccount", "method": "POST", "path": "/crm"}],
            "scenarios": [],
            "webhooks": [],
        },
        {
            "name": "evil",
            "protocol": "graphql",
            "mount": "/" + HOSTILE,
            "state": False,
            "operations": [{"id": "Query." + HOSTILE, "method": "POST", "path": "/" + HOSTILE}],
            "scenarios": [HOSTILE],
            "webhooks": [],
        },
    ]
}


def answering(documents: dict[str, object]) -> dashboard.Answering:
    """A stand-in sandbox that answers the admin paths it is given, and 404 to any other."""

    def sandbox(request: Request) -> MockResult:
        assert request.method == "GET"
        document = documents.get(request.path)
        if document is None:
            return MockResult(Response(404, (), b'{"detail": "no admin endpoint"}'))
        return MockResult(Response(200, (("content-type", "application/json"),), json.dumps(document).encode()))

    return sandbox


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text, as the browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(html: bytes) -> Elements:
    elements = Elements()
    elements.feed(html.decode())
    return elements


def rendered(reload: object = None) -> bytes:
    reload_doc = reload if reload is not None else {"generation": 3, "reloaded_at": None, "error": None}
    return dashboard.page(answering({"/__ctk/apis": APIS, "/__ctk/reload": reload_doc}))


def test_every_api_and_operation_is_rendered_without_javascript() -> None:
    elements = parsed(rendered())
    text = " ".join(elements.text)
    for api in APIS["apis"]:
        assert api["name"] in text
        for operation in api["operations"]:
            assert operation["id"] in text
    assert "OpenAPI" in text and "WSDL" in text and "GraphQL" in text
    cards = [attrs["data-api"] for tag, attrs in elements.tags if tag == "article"]
    assert cards == ["payments", "crm", "evil"]
    # the switches exist in the HTML, disabled until the script has read the sandbox's current faults
    switches = [attrs for tag, attrs in elements.tags if tag == "input" and "data-fault" in attrs]
    assert len(switches) == 3 * 3
    assert all("disabled" in attrs for attrs in switches)
    options = [attrs["value"] for tag, attrs in elements.tags if tag == "option"]
    assert "card_declined" in options and "throttled" in options


def test_contract_text_is_escaped_and_no_script_is_inline() -> None:
    html = rendered()
    elements = parsed(html)
    assert b"<img" not in html
    assert HOSTILE in " ".join(elements.text)  # shown, as text
    assert not [tag for tag, _ in elements.tags if tag == "img"]
    scripts = [attrs for tag, attrs in elements.tags if tag == "script"]
    assert scripts == [{"src": "/__ctk/static/dashboard.js", "defer": None}]
    assert not re.search(rb"<script[^>]*>[^<]", html)  # no inline script body
    for tag, attrs in elements.tags:
        assert not [name for name in attrs if name.startswith("on") or name == "style"], (tag, attrs)


def test_reload_error_is_a_banner_with_its_place_and_hint() -> None:
    error = {"message": "sandbox.toml: " + HOSTILE, "where": "sandbox/sandbox.toml:12", "hint": "fix the key"}
    html = rendered({"generation": 4, "reloaded_at": "2026-01-01T00:00:00Z", "error": error})
    elements = parsed(html)
    banner = next(attrs for tag, attrs in elements.tags if attrs.get("id") == "reload-banner")
    assert "hidden" not in banner
    text = " ".join(elements.text)
    assert "The last edit could not be loaded: sandbox.toml: " + HOSTILE in text
    assert "sandbox/sandbox.toml:12" in text and "fix the key" in text and "generation 4" in text
    assert b"<img" not in html


def test_no_reload_error_hides_the_banner() -> None:
    elements = parsed(rendered())
    banner = next(attrs for tag, attrs in elements.tags if attrs.get("id") == "reload-banner")
    assert "hidden" in banner


def test_an_admin_endpoint_that_fails_is_said_on_the_page() -> None:
    html = dashboard.page(answering({}))
    text = " ".join(parsed(html).text)
    assert "The APIs could not be listed: GET /__ctk/apis answered 404 no admin endpoint" in text


@pytest.mark.parametrize("name", ["dashboard.js", "dashboard.css"])
def test_static_files_are_served_with_their_type(name: str) -> None:
    found = dashboard.static(name)
    assert found is not None
    kind, body = found
    assert kind == dashboard.STATIC_TYPES[name]
    assert len(body) > 1000


@pytest.mark.parametrize(
    "name", ["", "dashboard.py", "../dashboard.py", "..%2Fdashboard.py", "static/dashboard.js", "DASHBOARD.JS"]
)
def test_static_serves_no_other_name(name: str) -> None:
    assert dashboard.static(name) is None


def test_the_script_writes_data_as_text_only() -> None:
    found = dashboard.static("dashboard.js")
    assert found is not None
    script = found[1].decode()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in script, sink


def test_the_page_headers_forbid_inline_script_and_sniffing() -> None:
    headers = dict(dashboard.PAGE_HEADERS)
    policy = headers["content-security-policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert headers["x-content-type-options"] == "nosniff"


def test_the_page_of_a_sandbox_built_like_ctk_serve_builds_it() -> None:
    """The example workspace through ``build_handler``: the page shows what ``GET /__ctk/apis`` says, every
    operation of every API; and a lone contract's sandbox has its page too."""
    from tests.support.paths import REPO
    from toolkit.sandbox.server import MountedContract, ServeConfig, build_handler, mounted_apis
    from toolkit.workspace import load_workspace

    space = load_workspace(REPO)
    sandbox = build_handler(ServeConfig(mounted_apis(space), seed=space.sandbox.seed))
    described = json.loads(sandbox(Request("GET", "/__ctk/apis")).response.body)["apis"]
    text = " ".join(parsed(dashboard.page(sandbox)).text)
    assert [api["name"] for api in described] == ["payments", "crm", "inventory"]
    for api in described:
        assert api["operations"]
        for operation in api["operations"]:
            assert operation["id"] in text

    lone = build_handler(ServeConfig([MountedContract(str(REPO / "contracts" / "payments" / "v1"))]))
    elements = parsed(dashboard.page(lone))
    assert len([attrs for tag, attrs in elements.tags if tag == "article"]) == 1
    assert "POST /payment_intents" in " ".join(elements.text)
