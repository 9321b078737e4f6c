"""Replay: ``ctk serve`` answers a request ``ctk record`` recorded with the recorded answer (placeholders matching
any value: other credentials, another password) and any other request with generated data — REST, SOAP and GraphQL,
over real HTTP on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.files import write_file
from tests.support.secret_vendor import (
    LOGIN,
    MARKER,
    PRODUCT,
    drive_items,
    find_item,
    record_everything,
    secret_vendor,
    secret_workspace,
    wsse_envelope,
)
from tests.support.served import assert_no_traceback, served
from toolkit.sandbox.recording.shapes import PLACEHOLDER


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("replayed")
    with secret_vendor() as vendor:
        secret_workspace(root, vendor.url)
        record_everything(root, vendor)
    return root


@pytest.fixture(scope="module")
def sandbox(workspace: Path) -> Iterator[httpx.Client]:
    with served("--root", str(workspace), cwd=workspace) as server, server.client() as client:
        yield client
        assert_no_traceback(server)


def test_a_recorded_rest_request_gets_the_recorded_answer_whatever_its_credentials(sandbox: httpx.Client) -> None:
    answer = sandbox.get("/shop/orders/o-1", params={"api_token": "not-the-recorded-one"}, headers={"x-shop-key": "k"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["note"] == MARKER and body["amount"] == "12.00"  # the vendor's answer, drift included
    token = sandbox.post(
        "/shop/oauth/token", data={"grant_type": "password", "username": "u", "password": "other", "client_secret": "c"}
    )
    assert PLACEHOLDER.fullmatch(token.json()["access_token"])


def test_an_unrecorded_rest_request_gets_generated_data(sandbox: httpx.Client) -> None:
    answer = sandbox.get("/shop/orders/o-2", params={"api_token": "t"}, headers={"x-shop-key": "k"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["id"] == "o-2" and isinstance(body["amount"], int) and MARKER not in answer.text
    other_user = sandbox.post(
        "/shop/oauth/token", data={"grant_type": "password", "username": "someone-else", "password": "p"}
    )
    assert other_user.status_code == 200 and "ctk-redacted-" not in other_user.text  # username differs: generated


def test_a_recorded_soap_request_is_matched_by_its_body_whatever_its_security_header(sandbox: httpx.Client) -> None:
    recorded = drive_items(sandbox, password="another-password")
    assert recorded.status_code == 200 and MARKER in recorded.text
    other = sandbox.post(
        "/items",
        content=wsse_envelope(find_item("i-2"), "pw", "token"),
        headers={"content-type": "text/xml", "soapaction": '"urn:items/FindItemById"'},
    )
    assert other.status_code == 200 and MARKER not in other.text and "<tns:itemId>i-2</tns:itemId>" in other.text


def test_graphql_replays_by_query_and_variables(sandbox: httpx.Client) -> None:
    recorded = sandbox.post("/inventory", json={"query": PRODUCT % "p1"})
    assert recorded.json()["data"]["product"]["name"] == MARKER
    reindented = sandbox.post("/inventory", json={"query": (PRODUCT % "p1").replace(" { ", " {\n    ")})
    assert reindented.json()["data"]["product"]["name"] == MARKER
    generated = sandbox.post("/inventory", json={"query": PRODUCT % "p2"})
    assert generated.json()["data"]["product"]["id"] == "p2" and MARKER not in generated.text
    login = sandbox.post("/inventory", json={"query": LOGIN, "variables": {"password": "any password at all"}})
    assert PLACEHOLDER.fullmatch(login.json()["data"]["login"]["token"])


def test_a_file_in_recordings_that_is_not_har_stops_ctk_serve_naming_it(tmp_path: Path) -> None:
    from tests.support.cli import run_ctk

    secret_workspace(tmp_path, "http://127.0.0.1:9")
    write_file(tmp_path, "mocks/shop/recordings/broken.har", json.dumps({"log": {"entries": {}}}))
    done = run_ctk("serve", "--root", str(tmp_path), "--check", cwd=tmp_path)
    assert done.returncode == 2
    assert "broken.har" in done.stderr and "log.entries" in done.stderr and "Traceback" not in done.stderr
