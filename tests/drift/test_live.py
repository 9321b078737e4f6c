"""Live vendor sources for ``ctk drift API``: GraphQL introspection and ``?wsdl``, over loopback only.

The vendor is a loopback server started here that demands the credential from ``vendor.auth``; the
credential's value is a marker that must never appear in stdout, stderr or a written report, on
success or on failure. The protocol diffs are stubbed so these tests pin the fetching, not the rules.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from graphql import build_ast_schema, get_introspection_query, graphql_sync, parse, print_ast

from tests.support.cli import ctk
from tests.support.drift import CHANGES, stub_diff
from tests.support.files import write_workspace
from tests.support.paths import REPO
from toolkit.graphql.load import introspection_query
from toolkit.model import Contract

SECRET = "s3cr3t-Token-9f8e7d"  # a marker to look for in output, not a real credential
INVENTORY_V2 = REPO / "contracts/inventory/v2"
CRM_V2 = REPO / "contracts/crm/v2"
Calls = dict[str, list[tuple[Contract, Contract, Any]]]  # protocol -> the (old, new, today) each stubbed diff received


@dataclass
class Vendor:
    url: str
    seen: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)  # method, path, headers, body
    status: int | None = None  # force this status on every answer
    redirect_to: str | None = None


def _introspection_answer() -> bytes:
    sdl = "\n".join(path.read_text(encoding="utf-8") for path in sorted(INVENTORY_V2.glob("*.graphql")))
    result = graphql_sync(build_ast_schema(parse(sdl)), get_introspection_query())
    assert result.errors is None
    return json.dumps({"data": result.data}).encode()


@pytest.fixture
def vendor() -> Iterator[Vendor]:
    answer = _introspection_answer()
    state = Vendor(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self, status: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _record(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            state.seen.append((self.command, self.path, dict(self.headers.items()), body))
            return body

        def _authorised(self) -> bool:
            return (
                self.headers.get("Authorization") == f"Bearer {SECRET}"
                or self.headers.get("X-Api-Key") == SECRET
                or f"key={SECRET}" in self.path
            )

        def do_POST(self) -> None:
            self._record()
            if state.status:
                self._answer(state.status, b'{"errors": [{"message": "down"}]}')
            elif not self._authorised():
                self._answer(401, b'{"errors": [{"message": "unauthorised"}]}')
            else:
                self._answer(200, answer)

        def do_GET(self) -> None:
            self._record()
            if state.redirect_to and "moved" not in self.path:
                self.send_response(302)
                self.send_header("Location", state.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif state.status:
                self._answer(state.status, b"down", "text/plain")
            elif not self._authorised():
                self._answer(401, b"unauthorised", "text/plain")
            else:
                name = "crm-types.xsd" if self.path.split("?")[0].endswith(".xsd") else "crm.wsdl"
                self._answer(200, (CRM_V2 / name).read_bytes(), "text/xml")

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _workspace(tmp_path: Path, vendor: Vendor, *, crm_auth: str = "", published: bool = False) -> Path:
    crm_auth = crm_auth or 'auth = { type = "header", name = "X-Api-Key", value_env = "CTK_TEST_CRM_KEY" }'
    published_line = f'published = "{INVENTORY_V2}"\n' if published else ""
    text = f"""
[apis.inventory]
contract = "{REPO}/contracts/inventory/v1"
{published_line}
[apis.inventory.vendor]
graphql_endpoint = "{vendor.url}/graphql"
auth = {{ type = "bearer", token_env = "CTK_TEST_INVENTORY_TOKEN" }}

[apis.crm]
contract = "{REPO}/contracts/crm/v1/crm.wsdl"

[apis.crm.vendor]
wsdl_url = "{vendor.url}/soap/v1?wsdl"
{crm_auth}
"""
    return write_workspace(tmp_path, text)


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """The credentials vendor.auth names, set for every test (a test about a missing one unsets it)."""
    monkeypatch.setenv("CTK_TEST_INVENTORY_TOKEN", SECRET)
    monkeypatch.setenv("CTK_TEST_CRM_KEY", SECRET)


@pytest.fixture(autouse=True)
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Both protocol diffs stubbed: these tests pin the fetching, not the rules."""
    return {
        "graphql": stub_diff(monkeypatch, CHANGES, "toolkit.graphql.diff.compare"),
        "soap": stub_diff(monkeypatch, CHANGES, "toolkit.soap.diff.compare"),
    }


@pytest.fixture
def root(tmp_path: Path, vendor: Vendor) -> Path:
    """A workspace whose inventory and crm APIs are live at ``vendor``."""
    return _workspace(tmp_path, vendor)


def run(*args: str) -> tuple[int, str, str]:
    return ctk("drift", *args)


def _no_secret(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text
        assert "s3cr3t" not in text  # not even a prefix of it


def test_graphql_introspection_is_the_live_source(calls: Calls, root: Path, tmp_path: Path, vendor: Vendor) -> None:
    report = tmp_path / "report.json"
    code, out, err = run("inventory", "--workspace", str(root), "--format", "json", "--output", str(report))
    assert code == 1, err
    data = json.loads(report.read_text(encoding="utf-8"))
    [api] = data["apis"]
    assert (api["api"], api["via"], api["new"], api["status"]) == (
        "inventory",
        "introspection",
        f"{vendor.url}/graphql",
        "failing",
    )
    [(method, path, headers, body)] = vendor.seen
    assert (method, path) == ("POST", "/graphql")
    assert headers["Authorization"] == f"Bearer {SECRET}"
    sent = json.loads(body)
    assert print_ast(parse(sent["query"])) == print_ast(parse(get_introspection_query()))
    [(old, new, _)] = calls["graphql"]
    assert [op.id for op in old.operations] == [op.id for op in new.operations]  # same roots, built from introspection
    assert new.operation("Query.productBySku").deprecated and not old.operation("Query.productBySku").deprecated
    _no_secret(out, err, report.read_text(encoding="utf-8"))


def test_wsdl_url_is_the_live_source_with_its_imports(calls: Calls, root: Path, tmp_path: Path, vendor: Vendor) -> None:
    outputs = {fmt: tmp_path / f"report.{fmt}" for fmt in ("html", "markdown", "junit")}
    for fmt, path in outputs.items():
        code, out, err = run("crm", "--workspace", str(root), "--format", fmt, "--output", str(path))
        assert code == 1, err
        _no_secret(out, err, path.read_text(encoding="utf-8"))
    paths = [path for _, path, _, _ in vendor.seen]
    assert paths[:2] == ["/soap/v1?wsdl", "/soap/crm-types.xsd"]
    assert all(headers["X-Api-Key"] == SECRET for _, _, headers, _ in vendor.seen)
    old, new, _ = calls["soap"][0]
    assert "CrmService/CrmSoap11Port/ListContacts" in [op.id for op in new.operations]
    assert new.operation("CrmService/CrmSoap11Port/ListContacts").deprecated
    assert not old.operation("CrmService/CrmSoap11Port/ListContacts").deprecated
    assert "live: ?wsdl" in outputs["markdown"].read_text(encoding="utf-8")


def test_no_request_unless_a_live_source_is_used(tmp_path: Path, vendor: Vendor) -> None:
    root = _workspace(tmp_path, vendor, published=True)
    code, out, _ = run("inventory", "--workspace", str(root), "--format", "json")
    assert code == 1
    assert json.loads(out)["apis"][0]["via"] == "published"
    assert vendor.seen == []
    code, out, _ = run("inventory", "--workspace", str(root), "--format", "json", "--live")
    assert json.loads(out)["apis"][0]["via"] == "introspection"
    assert len(vendor.seen) == 1


def test_refused_credentials_fail_that_api_without_leaking(
    monkeypatch: pytest.MonkeyPatch, root: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("CTK_TEST_INVENTORY_TOKEN", SECRET + "-wrong")
    report = tmp_path / "report.json"
    code, out, err = run("--workspace", str(root), "--format", "json", "--output", str(report))
    assert code == 2
    data = json.loads(report.read_text(encoding="utf-8"))
    statuses = {api["api"]: api["status"] for api in data["apis"]}
    assert statuses == {"inventory": "error", "crm": "failing"}  # crm still compared
    assert "answered HTTP 401" in err and "check the URL and the credentials" in err
    _no_secret(out, err, report.read_text(encoding="utf-8"))


def test_a_missing_credential_names_the_variable_not_a_value(
    monkeypatch: pytest.MonkeyPatch, root: Path, vendor: Vendor
) -> None:
    monkeypatch.delenv("CTK_TEST_INVENTORY_TOKEN", raising=False)
    code, _, err = run("inventory", "--workspace", str(root))
    assert code == 2
    assert "environment variable CTK_TEST_INVENTORY_TOKEN is not set" in err
    assert vendor.seen == []


def test_query_credentials_are_scrubbed_from_errors(tmp_path: Path, vendor: Vendor) -> None:
    vendor.status = 503
    root = _workspace(
        tmp_path, vendor, crm_auth='auth = { type = "query", name = "key", value_env = "CTK_TEST_CRM_KEY" }'
    )
    code, out, err = run("crm", "--workspace", str(root), "--format", "json")
    assert code == 2
    assert f"key={SECRET}" in vendor.seen[0][1]  # it was sent...
    assert "answered HTTP 503" in err
    _no_secret(out, err)  # ...and never shown


def test_credentials_do_not_follow_a_redirect_to_another_origin(root: Path, vendor: Vendor) -> None:
    port = vendor.url.rsplit(":", 1)[1]
    vendor.redirect_to = f"http://localhost:{port}/moved/crm.wsdl"  # same server, another origin
    code, out, err = run("crm", "--workspace", str(root))
    assert code == 2  # the other origin gets no key, so it answers 401
    first, second = vendor.seen[:2]
    assert first[2].get("X-Api-Key") == SECRET
    assert second[1] == "/moved/crm.wsdl" and "X-Api-Key" not in second[2]
    _no_secret(out, err)


def test_a_live_answer_over_the_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    monkeypatch.setenv("CTK_MAX_CONTRACT_MB", "0.01")  # 10 KB; the introspection answer is larger
    code, _, err = run("inventory", "--workspace", str(root))
    assert code == 2
    assert "is over the 0.01 MB limit for a contract" in err
    assert "CTK_MAX_CONTRACT_MB" in err


def test_the_introspection_query_is_graphql_cores() -> None:
    assert print_ast(parse(introspection_query())) == print_ast(parse(get_introspection_query()))


def test_a_live_source_that_is_not_graphql_is_an_error(root: Path, vendor: Vendor) -> None:
    vendor.status = 500
    code, _, err = run("inventory", "--workspace", str(root))
    assert code == 2 and "answered HTTP 500" in err
    _no_secret(err)


def test_live_skips_an_api_with_no_live_source_and_compares_the_rest(tmp_path: Path, vendor: Vendor) -> None:
    """A REST API has no live source yet: under --live it is a note, and the run's exit code is the others'."""
    root = _workspace(tmp_path, vendor)
    config = root / "sandbox/sandbox.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + f'\n[apis.payments]\ncontract = "{REPO}/contracts/payments/v1"\npublished = "{REPO}/contracts/payments/v2"\n',
        encoding="utf-8",
    )
    code, out, err = run("--workspace", str(root), "--live", "--format", "json")
    assert code == 1, err  # the live GraphQL and WSDL APIs' breaking changes; not 2
    data = json.loads(out)
    statuses = {api["api"]: api["status"] for api in data["apis"]}
    assert statuses["inventory"] == statuses["crm"] == "failing"
    assert [item["api"] for item in data["skipped"]] == ["payments"] and data["errors"] == []
    assert "note: payments: skipped: no live source" in err and "error:" not in err
    _no_secret(out, err)
