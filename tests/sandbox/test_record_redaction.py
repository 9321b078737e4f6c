"""Redaction and the recording file, one rule at a time: placeholders keyed per run, bounded parsing, documents kept
well-formed, the recording's size bound and atomic writes."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from tests.support.paths import REPO
from toolkit.sandbox.recording.har import Exchange, Recording, entry, write_atomically
from toolkit.sandbox.recording.redact import MAX_DEPTH, MAX_PARSED, Redactor, SecretNames
from toolkit.sandbox.recording.shapes import PLACEHOLDER


def test_placeholders_are_keyed_per_run_never_a_plain_hash_of_the_secret() -> None:
    secret = "s3cr3t-value-for-hmac"
    one, two = Redactor(), Redactor()
    assert one.placeholder(secret) == one.placeholder(secret)  # stable within a run
    assert one.placeholder(secret) != two.placeholder(secret)  # a guess cannot be tested against a recording
    assert hashlib.sha256(secret.encode()).hexdigest()[:16] not in one.placeholder(secret)
    assert one.placeholder(one.placeholder(secret)) == one.placeholder(secret)  # a placeholder is never re-redacted


def test_a_secret_found_by_name_is_replaced_wherever_else_it_turns_up() -> None:
    redactor = Redactor()
    redactor.body(b'{"access_token": "tok-echoed-elsewhere"}', "application/json")
    echoed = redactor.body(b'{"note": "your token is tok-echoed-elsewhere"}', "application/json")
    assert echoed is not None and b"tok-echoed-elsewhere" in echoed  # the body alone: an innocent field name
    assert "tok-echoed-elsewhere" not in redactor.scrub_known(echoed.decode())  # the entry's last pass


def test_contract_names_redact_their_fields_headers_and_parameters() -> None:
    names = SecretNames(headers=frozenset({"x-tenant-pass"}), query=frozenset({"t"}), fields=frozenset({"pincode"}))
    redactor = Redactor(names)
    assert PLACEHOLDER.fullmatch(redactor.headers([("X-Tenant-Pass", "value-1")])[0][1])
    assert redactor.query("t=value-2&page=3").endswith("&page=3") and "value-2" not in redactor.query("t=value-2")
    body = redactor.body(b'{"pin_code": 123456, "count": 2}', "application/json")
    assert body is not None
    value = json.loads(body)
    assert PLACEHOLDER.fullmatch(value["pin_code"]) and value["count"] == 2


def test_bodies_too_large_or_too_deep_to_search_are_left_out() -> None:
    redactor = Redactor()
    assert redactor.body(b"x" * (MAX_PARSED + 1), "text/plain") is None
    deep = b"[" * (MAX_DEPTH + 5) + b"]" * (MAX_DEPTH + 5)
    assert redactor.body(deep, "application/json") is None


def test_redacted_json_and_xml_stay_well_formed() -> None:
    redactor = Redactor()
    json_body = redactor.body(b'{"password": "a\\"quoted\\"-pw", "list": [{"token": 42}]}', "application/json")
    assert json_body is not None
    assert PLACEHOLDER.fullmatch(json.loads(json_body)["list"][0]["token"])
    xml = (
        b'<e:Envelope xmlns:e="urn:e"><e:Body><Login><password>a&amp;b&lt;c</password>'
        b"<ApiKey><![CDATA[cdata-secret-1]]></ApiKey><name>kept</name></Login></e:Body></e:Envelope>"
    )
    redacted = redactor.body(xml, "text/xml")
    assert redacted is not None
    tree = etree.fromstring(redacted)
    assert [node.text for node in tree.iter("password", "ApiKey", "name")][2] == "kept"
    assert b"a&amp;b" not in redacted and b"cdata-secret-1" not in redacted


def test_a_malformed_json_body_is_still_scrubbed_of_secret_shapes() -> None:
    body = Redactor().body(b'{"broken": "AKIAMALFORMEDJSON123', "application/json")
    assert body is not None and b"AKIA" not in body


def _exchange(body: bytes = b"{}") -> Exchange:
    return Exchange(
        method="POST", url="https://vendor.example/v1/x", path="/x", query="", request_headers=[],
        request_body=body, status=200, reason="OK", response_headers=[("content-type", "application/json")],
        response_body=b'{"ok": true}', started=datetime.now(UTC), elapsed_ms=1.0, api="api",
    )  # fmt: skip


def test_a_recording_stops_at_its_bounds_and_never_holds_half_a_file(tmp_path: Path) -> None:
    recording = Recording(tmp_path, max_entries=2)
    item = entry(_exchange(), Redactor())
    assert item is not None
    assert recording.add(item) and recording.add(item)
    assert not recording.add(item) and recording.full
    assert len(json.loads(recording.path.read_text())["log"]["entries"]) == 2
    small = Recording(tmp_path / "small", max_bytes=500)
    assert not small.add(item) and not small.path.exists()
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []


def test_a_failed_write_leaves_the_previous_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "r.har"
    write_atomically(path, b"first, complete")

    def broken(handle: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("toolkit.sandbox.recording.har.os.fsync", broken)
    with pytest.raises(OSError, match="No space"):
        write_atomically(path, b"second, never finished")
    assert path.read_bytes() == b"first, complete"
    assert [child.name for child in tmp_path.iterdir()] == ["r.har"]  # the temporary file removed


def test_urls_lose_their_passwords_and_secret_parameters_wherever_they_are_written() -> None:
    redactor = Redactor()
    text = redactor.text(
        "db at postgres://admin:url-password-1@db:5432/x, callback https://a.example/cb#access_token=frag-1tok"
    )
    assert "url-password-1" not in text and "postgres://admin:ctk-redacted-" in text
    assert "frag-1tok" not in text and "#access_token=ctk-redacted-" in text
    assert redactor.text("https://a.example/list?page=2&sort=name") == "https://a.example/list?page=2&sort=name"


def test_a_body_too_large_to_search_is_left_out_of_the_entry_and_never_replayed(tmp_path: Path) -> None:
    from toolkit import compile_mock, load_contract
    from toolkit.sandbox.recording.replay import replay_layer

    exchange = _exchange()
    exchange.response_body = b'{"blob": "' + b"a" * MAX_PARSED + b'"}'
    item = entry(exchange, Redactor())
    assert item is not None
    assert item["response"]["content"]["text"] == "" and item["response"]["content"]["size"] == len(
        exchange.response_body
    )
    assert item["_ctk"]["omitted"] == [
        f"response body: larger than {MAX_PARSED} bytes or nested too deep to search for secrets"
    ]
    Recording(tmp_path / "recordings").add(item)
    contract = REPO / "contracts" / "payments" / "v1"
    layer = replay_layer(compile_mock(load_contract(contract), seed=1, mount="/v1"), tmp_path)
    assert layer.recorded == []  # an answer the recording could not keep is not served
