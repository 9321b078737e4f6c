"""``ctk record`` through real HTTP on loopback: a vendor that hands out secrets in 30 shapes and places (REST, SOAP,
GraphQL; both directions), the recorder run as a user runs it, and every byte it wrote searched for each secret."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from tests.support.cli import run_ctk
from tests.support.secret_vendor import (
    CREDENTIALS,
    MARKER,
    SECRETS,
    Recorder,
    ctk_record,
    forms,
    record_everything,
    secret_vendor,
    secret_workspace,
    written_files,
)
from toolkit.mock.loopback import free_port
from toolkit.sandbox.recording.shapes import PLACEHOLDER


@dataclass
class Session:
    root: Path
    received: list[dict[str, Any]]
    recorders: dict[str, Recorder]

    def entries(self, api: str) -> list[dict[str, Any]]:
        (path,) = (self.root / "mocks" / api / "recordings").glob("*.har")
        entries: list[dict[str, Any]] = json.loads(path.read_text("utf-8"))["log"]["entries"]
        return entries


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    root = tmp_path_factory.mktemp("recorded")
    with secret_vendor() as vendor:
        secret_workspace(root, vendor.url)
        yield Session(root, vendor.received, record_everything(root, vendor))


def test_at_least_twenty_secrets_in_as_many_shapes_and_places_are_planted() -> None:
    assert len(SECRETS) >= 20
    assert len(set(SECRETS.values())) == len(SECRETS)


def test_no_planted_secret_is_left_in_any_file_written_under_mocks(session: Session) -> None:
    files = written_files(session.root)
    assert len(files) == 3  # one recording per API, no temporary file left behind
    assert all(path.suffix == ".har" and not path.name.startswith(".") for path in files)
    for path in files:
        data = path.read_bytes()
        for name, secret in SECRETS.items():
            for form in forms(secret):
                assert form.encode() not in data, f"{name} ({form[:6]}…) left in {path.name}"


def test_the_secrets_really_travelled_through_the_recorder(session: Session) -> None:
    """The recordings are clean because redaction works, not because the secrets never passed: the vendor received
    the credentials from the environment, and the client received the vendor's secrets unchanged."""
    shop_key = [item["headers"].get("x-shop-key") for item in session.received if item["path"].startswith("/v1/")]
    assert shop_key == [CREDENTIALS["SHOP_KEY"]] * 4
    graphql = [item["headers"]["authorization"] for item in session.received if item["path"] == "/graphql"]
    assert graphql == [f"Bearer {CREDENTIALS['INVENTORY_TOKEN']}"] * 4
    answers = session.recorders["shop"].answers
    assert answers["token"].json()["access_token"] == SECRETS["token response access_token"]
    assert answers["profile"].json()["pem"] == SECRETS["private key in a response"]
    assert answers["profile"].headers["x-session-token"] == SECRETS["response header X-Session-Token"]
    assert SECRETS["GitHub token in a SOAP answer"] in session.recorders["items"].answers["find"].text
    assert all(recorder.process.returncode == 0 for recorder in session.recorders.values())


def _header(message: dict[str, Any], name: str) -> str:
    return str(next(item["value"] for item in message["headers"] if item["name"].lower() == name))


def test_the_same_secret_is_the_same_placeholder_throughout_a_recording(session: Session) -> None:
    token, created, _, profile = session.entries("shop")
    issued = json.loads(token["response"]["content"]["text"])["access_token"]
    assert PLACEHOLDER.fullmatch(issued)
    assert _header(profile["request"], "authorization") == f"Bearer {issued}"  # the issued token, sent back
    set_cookie = token["response"]["cookies"][0]
    assert set_cookie["name"] == "sid" and PLACEHOLDER.fullmatch(set_cookie["value"])
    sent = {cookie["name"]: cookie["value"] for cookie in created["request"]["cookies"]}
    assert sent == {"sid": set_cookie["value"]}  # the cookie the vendor set, sent back by the client's jar
    chosen = {cookie["name"]: cookie["value"] for cookie in profile["request"]["cookies"]}
    assert chosen.keys() == {"session", "theme"}  # every cookie value is redacted: a cookie is a credential
    assert all(PLACEHOLDER.fullmatch(value) for value in chosen.values()) and chosen["session"] != chosen["theme"]
    logins = [json.loads(entry["response"]["content"]["text"]) for entry in session.entries("inventory")[:2]]
    assert logins[0] == logins[1]  # the same token in two answers, the same placeholder


def test_each_place_is_redacted_where_it_was(session: Session) -> None:
    token, created, read, profile = session.entries("shop")
    assert "password=ctk-redacted-" in token["request"]["postData"]["text"]
    body = json.loads(created["request"]["postData"]["text"])
    assert (
        body["amount"] == 1200
        and PLACEHOLDER.fullmatch(body["pin_code"])
        and PLACEHOLDER.fullmatch(body["card_number"])
    )
    assert read["request"]["queryString"][0]["name"] == "api_token"
    assert PLACEHOLDER.fullmatch(read["request"]["queryString"][0]["value"])
    assert "api_token=ctk-redacted-" in read["request"]["url"]
    assert PLACEHOLDER.fullmatch(_header(read["request"], "x-shop-key"))
    answer = json.loads(read["response"]["content"]["text"])
    assert answer["note"] == MARKER and answer["diagnostic"].count("ctk-redacted-") == 2
    assert PLACEHOLDER.fullmatch(_header(profile["response"], "x-session-token"))
    location = _header(created["response"], "location")
    assert location.startswith("https://shop.example.com/v1/orders/o-new?expires=60&sig=ctk-redacted-")
    assert created["response"]["redirectURL"] == location
    (find,) = session.entries("items")
    envelope = find["request"]["postData"]["text"]
    assert '<wsse:Password Type="PasswordText">ctk-redacted-' in envelope
    assert "<wsse:BinarySecurityToken>ctk-redacted-" in envelope
    assert _header(find["request"], "authorization").startswith("Basic ctk-redacted-")
    login, inline, register, product = session.entries("inventory")
    assert PLACEHOLDER.fullmatch(json.loads(login["request"]["postData"]["text"])["variables"]["password"])
    assert 'password: \\"ctk-redacted-' in json.dumps(json.loads(inline["request"]["postData"]["text"])["query"])
    variables = json.loads(register["request"]["postData"]["text"])["variables"]
    assert variables["input"]["name"] == "n" and PLACEHOLDER.fullmatch(variables["input"]["apiKey"])
    assert json.loads(product["response"]["content"]["text"])["data"]["product"]["name"] == MARKER


def test_recordings_are_har_1_2_with_well_formed_bodies(session: Session) -> None:
    for path in written_files(session.root):
        log = json.loads(path.read_text("utf-8"))["log"]
        assert log["version"] == "1.2" and log["creator"]["name"] == "ctk"
        for entry in log["entries"]:
            assert {"startedDateTime", "time", "request", "response", "cache", "timings"} <= entry.keys()
            assert {"method", "url", "httpVersion", "cookies", "headers", "queryString"} <= entry["request"].keys()
            assert {"status", "statusText", "content", "redirectURL"} <= entry["response"].keys()
            for message, text in (
                (entry["request"], entry["request"].get("postData", {}).get("text", "")),
                (entry["response"], entry["response"]["content"]["text"]),
            ):
                kind = next((h["value"] for h in message["headers"] if h["name"].lower() == "content-type"), "")
                if "json" in kind:
                    json.loads(text)
                elif "xml" in kind:
                    etree.fromstring(text.encode())


def test_each_exchange_is_checked_against_the_contract_and_drift_is_reported(session: Session) -> None:
    _, created, read, _ = session.entries("shop")
    assert created["_ctk"]["operation"] == "POST /orders" and created["_ctk"]["violations"] == []
    assert read["_ctk"]["operation"] == "GET /orders/{id}"
    assert read["_ctk"]["violations"] == [
        {
            "operation": "GET /orders/{id}",
            "direction": "response",
            "location": "body /amount",
            "message": '"12.00" is not of type "integer"',
        }
    ]
    assert (
        'drift: GET /orders/{id} (GET /shop/orders/o-1) response body /amount: "12.00"' in session.recorders["shop"].log
    )
    assert [entry["_ctk"]["operation"] for entry in session.entries("inventory")] == [
        "Mutation.login", "Mutation.login", "Mutation.register", "Query.product",
    ]  # fmt: skip
    (find,) = session.entries("items")
    assert find["_ctk"]["operation"].endswith("FindItemById")
    (soap_drift,) = find["_ctk"]["violations"]  # an element the WSDL does not declare
    assert (
        soap_drift["location"] == "envelope /FindItemByIdResponse/item/colour" and soap_drift["direction"] == "response"
    )
    graphql_drift = [entry["_ctk"]["violations"] for entry in session.entries("inventory")]
    assert graphql_drift[0] == graphql_drift[2] == graphql_drift[3] == []
    (unselected,) = graphql_drift[1]  # the inline login selected token only; the vendor answered message too
    assert unselected["location"] == "body data.login" and "['token', 'message']" in unselected["message"]


def test_the_record_log_shows_no_secret(session: Session) -> None:
    for recorder in session.recorders.values():
        for secret in SECRETS.values():
            assert secret not in recorder.log
        assert "Traceback" not in recorder.log


def test_ctk_recordings_audit_finds_nothing_in_ctk_own_recordings(session: Session) -> None:
    done = run_ctk("recordings", "audit", "mocks", cwd=session.root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no secrets found in 3 file(s)" in done.stderr


def test_a_missing_credential_variable_is_an_error_naming_it(tmp_path: Path) -> None:
    secret_workspace(tmp_path, "http://127.0.0.1:9")
    done = run_ctk("record", "shop", "--port", str(free_port()), cwd=tmp_path, env={"SHOP_KEY": ""})
    assert done.returncode == 2
    assert "SHOP_KEY" in done.stderr and "Traceback" not in done.stderr
    unknown = run_ctk("record", "shipping", cwd=tmp_path)
    assert unknown.returncode == 2 and "no API named 'shipping'" in unknown.stderr and "shop" in unknown.stderr


def test_an_unreachable_vendor_and_an_oversized_body_get_clear_answers(tmp_path: Path) -> None:
    secret_workspace(tmp_path, "http://127.0.0.1:9")
    closed = f"http://127.0.0.1:{free_port()}/v1"
    with ctk_record("shop", tmp_path, "--target", closed, "--limit", "max_body=1000") as recorder:
        import httpx

        with httpx.Client(base_url=recorder.url, timeout=10) as client:
            unreachable = client.get("/shop/orders/o-1")
            large = client.post("/shop/orders", content=b"x" * 5000, headers={"content-type": "application/json"})
            elsewhere = client.get("/other")
    assert unreachable.status_code == 502
    assert closed in unreachable.json()["detail"] and CREDENTIALS["SHOP_KEY"] not in unreachable.text
    assert large.status_code == 413
    assert elsewhere.status_code == 404 and "/shop" in elsewhere.json()["detail"]
    assert not written_files(tmp_path)  # nothing answered by the vendor, nothing recorded
    assert "recorded 0 exchange(s): nothing written" in recorder.log
