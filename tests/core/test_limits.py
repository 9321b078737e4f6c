"""Configuring the limits of ``ctk serve`` (``--limit``, sandbox.toml ``[limits]``) and the serving parts they
bound, in-process: the ASGI adapter (health, crash guard, body limits, log lines), the destination policy,
the delivery queue, and the settings handed to uvicorn. The same behaviour over real sockets is in
``tests/hostile/test_server.py`` and ``tests/hostile/test_webhooks.py``."""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
from pathlib import Path
from typing import Any

import pytest

from tests.support.asgi import call
from tests.support.cli import ctk
from tests.support.files import write_workspace
from tests.support.paths import REPO
from toolkit.destinations import DestinationPolicy, redact
from toolkit.errors import ConfigError
from toolkit.exchange import Delivery, MockResult, Request, Response
from toolkit.limits import DEFAULT_LIMITS, LIMIT_DOCS, Limits
from toolkit.mock.asgi import MockASGIApp
from toolkit.mock.deliver import QUEUE_FACTOR, Deliverer
from toolkit.mock.http_server import BoundedHttpToolsProtocol, uvicorn_options
from toolkit.mock.request_log import MAX_PATH, reason_of, shorten
from toolkit.sandbox.server import Dispatcher, MountedContract, ServeConfig, build_handler, changed_limits

PAYMENTS = str(REPO / "contracts" / "payments" / "v1")
APIS = f'[apis.payments]\ncontract = "{PAYMENTS}"\n'

# -- --limit and [limits] --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ("max_bodyy=10", "unknown limit 'max_bodyy'"),
        ("max-body=10", "did you mean max_body?"),
        ("max_body=-1", "limit max_body must be a positive integer"),
        ("max_body=ten", "limit max_body must be a positive integer"),
        ("max_body=1.5", "limit max_body must be a positive integer"),
        ("header_timeout=0", "limit header_timeout must be a positive finite number"),
        ("header_timeout=nan", "limit header_timeout must be a positive finite number"),  # would break asyncio's timers
        ("header_timeout=inf", "limit header_timeout must be a positive finite number"),  # would remove the bound
        ("max_body", "is not NAME=VALUE"),
    ],
)
def test_a_wrong_limit_option_is_one_error_line_and_exit_2(option: str, expected: str) -> None:
    code, out, err = ctk("serve", PAYMENTS, "--limit", option, "--check")
    assert code == 2, err
    assert expected in err and err.startswith("error: --limit")
    assert "Traceback" not in err + out


def test_limits_come_from_sandbox_toml_and_limit_options_override_them(tmp_path: Path) -> None:
    write_workspace(tmp_path, APIS + "[limits]\nmax_body = 1000\nheader_timeout = 2.5\n")
    code, _, err = ctk("serve", "--root", str(tmp_path), "--check")
    assert code == 0, err
    assert "limits: max_body=1000, header_timeout=2.5" in err
    code, _, err = ctk(
        "serve", "--root", str(tmp_path), "--limit", "max_body=2000", "--limit", "max_nesting=8", "--check"
    )
    assert code == 0, err
    assert "limits: max_body=2000, header_timeout=2.5, max_nesting=8" in err


def test_default_limits_are_not_listed(tmp_path: Path) -> None:
    code, _, err = ctk("serve", PAYMENTS, "--check")
    assert code == 0, err
    assert "limits:" not in err
    assert "webhook and callback destinations: loopback" in err


def test_a_wrong_limit_in_sandbox_toml_names_the_file_and_table(tmp_path: Path) -> None:
    write_workspace(tmp_path, APIS + "[limits]\nmax_body = 'big'\n")
    code, _, err = ctk("serve", "--root", str(tmp_path), "--check")
    assert code == 2
    assert "sandbox.toml [limits]: limit max_body must be a positive integer" in err


def test_every_limit_is_documented() -> None:
    assert list(LIMIT_DOCS) == list(Limits.__dataclass_fields__)


def test_the_serve_config_carries_changed_limits_and_hosts_as_json() -> None:
    limits = DEFAULT_LIMITS.replace(max_body=1000, webhook_timeout=2.5)
    config = ServeConfig([MountedContract(PAYMENTS)], limits=changed_limits(limits), webhook_hosts=["10.0.0.0/8"])
    again = ServeConfig.from_env(config.to_env())
    assert again.limits == {"max_body": 1000, "webhook_timeout": 2.5}
    assert again.effective_limits == limits
    assert again.policy.refusal("http://10.1.2.3/") is None
    assert again.policy.refusal("http://192.168.1.1/") is not None


def test_every_mounted_api_gets_the_limits() -> None:
    config = ServeConfig(
        [
            MountedContract(PAYMENTS, "/payments"),
            MountedContract(str(REPO / "contracts" / "crm" / "v1" / "crm.wsdl"), "/crm"),
            MountedContract(str(REPO / "contracts" / "inventory" / "v1"), "/inventory"),
        ],
        limits={"max_nesting": 7},
    )
    handler = build_handler(config)
    assert {mount: mock.mock.options.limits.max_nesting for mount, mock in handler.mounts} == {
        "/payments": 7,
        "/crm": 7,
        "/inventory": 7,
    }


def test_the_uvicorn_settings_survive_the_trip_to_a_worker_process() -> None:
    limits = DEFAULT_LIMITS.replace(max_header_bytes=4096, max_connections=20, keepalive_timeout=2.0)
    options = pickle.loads(pickle.dumps(uvicorn_options(limits)))
    assert options["http"].func is BoundedHttpToolsProtocol
    assert options["http"].keywords["limits"] == limits
    assert options["timeout_keep_alive"] == 2.0
    assert options["limit_concurrency"] == 21


# -- the ASGI adapter ----------------------------------------------------------------------------------


def test_health_is_answered_for_every_protocol() -> None:
    crm = build_handler(ServeConfig([MountedContract(str(REPO / "contracts" / "crm" / "v1" / "crm.wsdl"))]))
    status, headers, body = call(MockASGIApp(crm), "GET", "/__ctk/health")
    assert (status, body) == (200, b'{"status":"ok"}')
    assert headers["content-type"] == "application/json"


def test_a_bug_costs_one_500_and_one_traceback_per_place(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> MockResult:
        raise KeyError("bug")

    from toolkit import compile_mock, load_contract
    from toolkit.mock.admin import AdminEndpoints

    envelope = compile_mock(load_contract(PAYMENTS), mount="/a")
    monkeypatch.setattr(envelope.mock, "answer", broken)  # the mock's own request path, and the admin endpoints
    monkeypatch.setattr(AdminEndpoints, "__call__", broken)
    app = MockASGIApp(Dispatcher({"/a": envelope}))
    with caplog.at_level(logging.ERROR, logger="ctk"):
        answers = [call(app, "POST", "/__ctk/webhooks/x") for _ in range(3)] + [call(app, "GET", "/a/x")]
    assert {status for status, _, _ in answers} == {500}
    problem = json.loads(answers[0][2])
    assert "KeyError" in problem["detail"] and "bug in ctk" in problem["detail"]
    tracebacks = [record for record in caplog.records if record.exc_info]
    assert len(tracebacks) == 1
    assert len(caplog.records) == 4


def test_admin_404_lists_the_webhooks_of_every_mount() -> None:
    handler = build_handler(
        ServeConfig(
            [MountedContract(PAYMENTS, "/payments"), MountedContract(str(REPO / "contracts" / "inventory" / "v1"))]
        )
    )
    status, _, body = call(MockASGIApp(handler), "POST", "/__ctk/webhooks/nope", b'{"url": "http://127.0.0.1:9/"}')
    assert status == 404
    assert (
        "no mounted API has a webhook named 'nope'; known: charge.refunded, payment_intent.succeeded" in body.decode()
    )


def test_a_declared_length_over_max_body_is_refused_before_reading() -> None:
    mock = build_handler(ServeConfig([MountedContract(PAYMENTS)]))
    app = MockASGIApp(mock, limits=DEFAULT_LIMITS.replace(max_body=1000))
    # the first 200 of the 5000 declared bytes: refused on the declared length, the rest never read
    status, headers, body = call(app, "POST", "/v1/customers", b"x" * 200, ((b"content-length", b"5000"),))
    assert status == 413 and headers["connection"] == "close"
    assert "1000 bytes" in json.loads(body)["detail"]
    status, _, _ = call(app, "POST", "/v1/customers", b"x" * 1500)  # no length: counted as it arrives
    assert status == 413


def test_a_refused_admin_destination_is_403_with_the_way_to_allow_it() -> None:
    mock = build_handler(ServeConfig([MountedContract(PAYMENTS)]))
    body = json.dumps({"url": "http://user:pw@169.254.169.254/latest"}).encode()
    status, headers, answer = call(MockASGIApp(mock), "POST", "/__ctk/webhooks/payment_intent.succeeded", body)
    assert status == 403 and headers["content-type"] == "application/problem+json"
    detail = json.loads(answer)["detail"]
    assert "--webhook-host 169.254.169.254" in detail and "webhook_hosts" in detail and "pw" not in detail


def test_client_errors_are_logged_in_one_bounded_line(caplog: pytest.LogCaptureFixture) -> None:
    mock = build_handler(ServeConfig([MountedContract(PAYMENTS)]))
    with caplog.at_level(logging.INFO, logger="ctk"):
        call(MockASGIApp(mock), "GET", "/v1/customers/" + "\n" * 10 + "a" * 5000)
    (record,) = [record for record in caplog.records if record.name == "ctk.requests"]
    line = record.getMessage()
    assert "\n" not in line and "\\x0a" in line and len(line) < 700
    assert line.startswith("401 GET /v1/customers/")


# -- log lines ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"type": "x", "title": "Bad Request", "detail": "email is required"}', "email is required"),
        (b'{"errors": [{"message": "Cannot query field"}]}', "Cannot query field"),
        (
            b"<soap:Envelope><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>no such account"
            b"</faultstring></soap:Fault></soap:Body></soap:Envelope>",
            "no such account",
        ),
        (b'<e:Fault><e:Reason><e:Text xml:lang="en">too deep</e:Text></e:Reason></e:Fault>', "too deep"),
        (b"plain", "Not Found"),
        (b"{not json", "Not Found"),
    ],
)
def test_the_reason_of_an_error_answer_in_each_protocols_form(body: bytes, reason: str) -> None:
    assert reason_of(Response(404, (), body)) == reason


def test_shorten_cuts_and_escapes() -> None:
    assert shorten("a\r\nb\x1b", 100) == "a\\x0d\\x0ab\\x1b"
    assert shorten("x" * 250, MAX_PATH) == "x" * MAX_PATH + "…(+50 chars)"


# -- destinations ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9/x", "http://127.8.9.1/", "http://[::1]:80/", "http://localhost/", "https://LOCALHOST./",
     "http://[::ffff:127.0.0.1]/"],
)  # fmt: skip
def test_loopback_destinations_are_allowed_by_default(url: str) -> None:
    assert DestinationPolicy().refusal(url) is None


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/latest/meta-data", "http://10.0.0.1/", "http://0.0.0.0:80/", "http://[::]/",
     "http://example.com/", "http://localhost.example.com/", "http://127.0.0.1.nip.io/", "http://[::ffff:10.0.0.1]/",
     "file:///etc/passwd", "ftp://127.0.0.1/", "http:///nohost", "not a url"],
)  # fmt: skip
def test_other_destinations_are_refused_by_default(url: str) -> None:
    assert DestinationPolicy().refusal(url) is not None


def test_allowed_hosts_by_name_address_and_network() -> None:
    policy = DestinationPolicy.allowing(["Hooks.Internal", "192.168.1.7", "10.0.0.0/8", "fd00::/8"])
    assert all(
        policy.refusal(url) is None
        for url in ["http://hooks.internal/", "http://192.168.1.7/", "http://10.9.8.7/", "http://[fd00::1]/"]
    )
    assert policy.refusal("http://other.internal/") is not None
    assert policy.refusal("http://192.168.1.8/") is not None
    assert DestinationPolicy.allowing(["*"]).refusal("http://anything.example/") is None


@pytest.mark.parametrize("entry", ["a b", "http://x/", "", "10.0.0.0/33"])
def test_a_malformed_allowed_host_is_a_config_error(entry: str) -> None:
    with pytest.raises(ConfigError):
        DestinationPolicy.allowing([entry])


def test_credentials_are_redacted() -> None:
    assert redact("http://user:secret@host:1/p?q=1") == "http://***@host:1/p?q=1"
    assert redact("https://a@b@host/") == "https://***@host/"
    assert redact("http://host/path@x") == "http://host/path@x"


# -- the delivery queue ------------------------------------------------------------------------------------


def test_deliveries_beyond_the_queue_are_dropped_not_kept() -> None:
    async def flood() -> tuple[list[bool], int]:
        deliverer = Deliverer(DEFAULT_LIMITS.replace(webhook_concurrency=1, webhook_timeout=1.0))
        event = Delivery("POST", "http://127.0.0.1:9/", (), b"{}", "evt")
        accepted = [deliverer.submit(event) for _ in range(QUEUE_FACTOR + 5)]
        await deliverer.aclose(grace=5)
        return accepted, deliverer.dropped

    accepted, dropped = asyncio.run(flood())
    assert accepted.count(True) == QUEUE_FACTOR and dropped == 5


def test_a_refused_destination_is_never_queued(caplog: pytest.LogCaptureFixture) -> None:
    async def refused() -> bool:
        deliverer = Deliverer()
        accepted = deliverer.submit(Delivery("POST", "http://u:secret@10.0.0.1/", (), b"", "evt"))
        await deliverer.aclose()
        return accepted

    with caplog.at_level(logging.WARNING, logger="ctk"):
        assert asyncio.run(refused()) is False
    assert "not delivering evt: " in caplog.text and "secret" not in caplog.text


def test_refused_destinations_flood_the_log_with_a_few_lines_only(caplog: pytest.LogCaptureFixture) -> None:
    async def refused() -> None:
        deliverer = Deliverer()
        for _ in range(250):  # callbacks a client aims at a host not allowed, one per request
            deliverer.submit(Delivery("POST", "http://10.0.0.1/", (), b"", "evt"))
        await deliverer.aclose()

    with caplog.at_level(logging.WARNING, logger="ctk"):
        asyncio.run(refused())
    lines = [record for record in caplog.records if "not delivering" in record.getMessage()]
    assert len(lines) == 3  # the first, the 100th and the 200th


def test_a_client_gone_before_its_body_is_whole_costs_no_answer() -> None:
    asked: list[Request] = []

    def handler(request: Request) -> MockResult:
        asked.append(request)
        return MockResult(Response(200))

    messages = [{"type": "http.request", "body": b"{", "more_body": True}, {"type": "http.disconnect"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/x", "raw_path": b"/x", "query_string": b"", "headers": []}
    asyncio.run(MockASGIApp(handler)(scope, receive, send))
    assert asked == [] and sent == []
