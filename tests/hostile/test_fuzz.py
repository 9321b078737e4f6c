"""Hypothesis fuzzing of every protocol's mock: arbitrary methods, paths, queries, headers and bodies.

The example workspace's sandbox is built exactly as ``ctk serve`` builds it and called in-process
(the same handler the ASGI app serves), so thousands of requests cost seconds. Each answer must be:
- a client error or an answer, never a 5xx unless it is a declared SOAP fault the client asked for
  (SOAP 1.1 sends every Fault as 500: its ``faultcode`` must then be ``Client``, not ``Server``);
- free of "a bug in ctk" and of any logged traceback;
- within limits: a bounded body, and no more violations listed than ``max_violations`` (+1 for "and N more").

A second test sends a smaller sample of the same strategies over a real socket to ``ctk serve``.
"""

from __future__ import annotations

import json
import logging
import os
import re
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.paths import REPO
from tests.support.served import Served
from toolkit.exchange import Request, Response
from toolkit.limits import DEFAULT_LIMITS
from toolkit.sandbox.server import ServeConfig, build_handler, mounted_apis
from toolkit.workspace import load_workspace

MOUNTS = ("/payments", "/crm", "/inventory", "/__ctk", "")
REST_PATHS = ("/customers", "/customers/cus_1", "/charges", "/payment_intents", "/customers/cus_1/sources")
MAX_ANSWER = 2 * 1024 * 1024  # far above any honest answer of the example workspace
SOAP_ENV = {"1.1": "http://schemas.xmlsoap.org/soap/envelope/", "1.2": "http://www.w3.org/2003/05/soap-envelope"}


def _workspace_handler() -> Any:
    space = load_workspace(REPO)
    return build_handler(ServeConfig(contracts=mounted_apis(space), seed=space.sandbox.seed))


HANDLER = None


def handler() -> Any:
    global HANDLER
    if HANDLER is None:
        HANDLER = _workspace_handler()
    return HANDLER


# -- strategies: mostly plausible requests with hostile parts, since random bytes stop at the router --

texts = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["\ud800", "9" * 5000, "-1", "1e400", "[]", "{}", "%ff%fe", "a[b][c][d][e][f]", "\x00", "../../etc/passwd"]
)
latin1 = st.text(st.characters(codec="latin-1", exclude_categories=("Cc",)), max_size=60)


@st.composite
def paths(draw: st.DrawFn) -> str:
    mount = draw(st.sampled_from(MOUNTS))
    tail = draw(st.sampled_from([*REST_PATHS, "", "/webhooks/x", "/health"]) | texts.map(lambda t: "/" + t))
    return (mount + tail).encode("utf-8", "surrogatepass").decode("latin-1") or "/"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=20,
)


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value).encode()


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["none", "bytes", "json", "form", "soap", "graphql", "deep"]))
    if kind == "none":
        return b""
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "json":
        return _json_bytes(draw(json_values))
    if kind == "form":
        pairs = draw(st.lists(st.tuples(texts, texts), max_size=6))
        return "&".join(f"{k}={v}" for k, v in pairs).encode("utf-8", "surrogatepass")
    if kind == "deep":
        depth = draw(st.integers(100, 3000))
        return draw(st.sampled_from([b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth]))
    if kind == "graphql":
        query = draw(
            texts
            | st.sampled_from(
                [
                    "{ warehouses { id name } }",
                    "{ product(id: 1" + "0" * 5000 + ") { id } }",
                    "{ products(first: 99999999999999999999) { edges { node { id } } } }",
                    "{ __schema { types { fields { type { fields { name } } } } } }",
                    "query($v: Int) { products(first: $v) { totalCount } }",
                ]
            )
        )
        variables = draw(st.none() | st.dictionaries(st.sampled_from(["v", "id", "x"]), json_values, max_size=2))
        return _json_bytes({"query": query, "variables": variables, "operationName": draw(st.none() | texts)})
    version = draw(st.sampled_from(sorted(SOAP_ENV)))
    inner = draw(
        st.sampled_from(
            [
                '<GetAccountRequest xmlns="urn:example:crm:types"><id>{}</id></GetAccountRequest>',
                '<GetAccountRequest xmlns="urn:example:crm:types">{}</GetAccountRequest>',
                "<Unknown>{}</Unknown>",
                "{}",
            ]
        )
    )
    value = draw(texts).replace("&", "&amp;").replace("<", "&lt;")
    envelope = f'<e:Envelope xmlns:e="{SOAP_ENV[version]}"><e:Body>{inner.format(value)}</e:Body></e:Envelope>'
    return envelope.encode("utf-8", "surrogatepass")


HEADER_NAMES = ["content-type", "accept", "prefer", "soapaction", "x-api-key", "authorization", "cookie", "origin"]
CONTENT_TYPES = [
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=b",
    "text/xml; charset=utf-8",
    'application/soap+xml; charset=utf-8; action="urn:example:crm/GetAccount"',
    "application/graphql-response+json",
]


@st.composite
def headers(draw: st.DrawFn) -> tuple[tuple[str, str], ...]:
    chosen = draw(st.lists(st.sampled_from(HEADER_NAMES) | latin1.map(str.lower), max_size=5))
    out = []
    for name in chosen:
        if name == "content-type":
            value = draw(st.sampled_from(CONTENT_TYPES) | latin1)
        elif name == "prefer":
            value = draw(
                st.sampled_from(["code=404", "code=" + "9" * 5000, "fault=InvalidAccount", "example="]) | latin1
            )
        elif name == "soapaction":
            value = draw(st.sampled_from(['"urn:example:crm/GetAccount"', '""']) | latin1)
        else:
            value = draw(latin1)
        out.append((name, value))
    return tuple(out)


def _latin1(text: str) -> str:
    return text.encode("utf-8", "surrogatepass").decode("latin-1")


anything = st.builds(
    Request,
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"]),
    path=paths(),
    query=texts.map(_latin1),
    headers=headers(),
    body=bodies(),
)


@st.composite
def rest_requests(draw: st.DrawFn) -> Request:
    """A request to a real payments route with credentials, so validation and generation run."""
    path = draw(st.sampled_from(REST_PATHS)) if draw(st.booleans()) else "/customers/" + _latin1(draw(texts))
    query = draw(st.sampled_from(["", "limit=", "limit=3", "limit=" + "9" * 5000, "a[b][c]=1"]) | texts.map(_latin1))
    extra = draw(headers())
    content_type = draw(st.sampled_from(CONTENT_TYPES[:3]))
    return Request(
        method=draw(st.sampled_from(["GET", "POST", "DELETE", "HEAD"])),
        path="/payments" + path,
        query=query,
        headers=(("x-api-key", "sk_test_1"), ("content-type", content_type), *extra),
        body=draw(bodies()),
    )


@st.composite
def soap_requests(draw: st.DrawFn) -> Request:
    version = draw(st.sampled_from(["1.1", "1.2"]))
    content_type = "text/xml; charset=utf-8" if version == "1.1" else CONTENT_TYPES[4]
    value = draw(texts).replace("&", "&amp;").replace("<", "&lt;")
    inner = draw(st.sampled_from(["<id>{}</id>", "{}", "<id>1</id><id>{}</id>", "<nope>{}</nope>"])).format(value)
    envelope = (
        f'<e:Envelope xmlns:e="{SOAP_ENV[version]}"><e:Body>'
        f'<GetAccountRequest xmlns="urn:example:crm:types">{inner}</GetAccountRequest></e:Body></e:Envelope>'
    )
    extra = draw(headers())
    return Request(
        method="POST",
        path="/crm",
        query=draw(st.sampled_from(["", "wsdl", "xsd=" + "9" * 50])),
        headers=(("content-type", content_type), ("soapaction", '"urn:example:crm/GetAccount"'), *extra),
        body=envelope.encode("utf-8", "surrogatepass"),
    )


@st.composite
def graphql_requests(draw: st.DrawFn) -> Request:
    argument = draw(st.sampled_from(["1", "-1", "9" * 5000, "1.5", '"x"', "null", "[1]"]))
    query = draw(
        st.sampled_from(
            [
                "{ products(first: %s) { edges { node { id name } } } }",
                "query($v: Int) { products(first: $v) { totalCount } }",
                "{ product(id: %s) { id name } }",
                "{ __schema { types { name fields { name args { name } } } } }",
            ]
        )
    )
    body = {"query": query.replace("%s", argument), "variables": {"v": draw(json_values)}}
    return Request(
        method="POST",
        path="/inventory",
        headers=(("content-type", "application/json"), *draw(headers())),
        body=_json_bytes(body),
    )


requests = rest_requests() | soap_requests() | graphql_requests() | anything


# -- what every answer must be --


def check_answer(request: Request, response: Response) -> None:
    where = f"{request.method} {request.path[:80]!r} -> {response.status}: {response.body[:300]!r}"
    assert 100 <= response.status <= 599, where
    assert len(response.body) <= MAX_ANSWER, where
    assert b"bug in ctk" not in response.body, where
    if response.status >= 500:
        assert _is_soap_client_fault(response.body), where
    listed = len(re.findall(rb"<ctk:violation\b", response.body))
    if response.body[:1] == b"{":
        try:
            document = json.loads(response.body)
        except ValueError:
            document = None
        if isinstance(document, dict):
            violations = document.get("violations") or document.get("errors") or []
            listed = max(listed, len(violations) if isinstance(violations, list) else 0)
    assert listed <= DEFAULT_LIMITS.max_violations + 1, where


def _is_soap_client_fault(body: bytes) -> bool:
    """A SOAP 1.1 Fault is HTTP 500 whoever is at fault: the client's fault says Client (1.2's are 400)."""
    return b"Fault" in body and (b":Client<" in body or b">Client<" in body or b"Client." in body)


class _Tracebacks(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.levelno >= logging.ERROR:
            self.seen.append(self.format(record)[:2000])


@pytest.fixture
def tracebacks() -> Any:
    catcher = _Tracebacks()
    root = logging.getLogger()
    root.addHandler(catcher)
    try:
        yield catcher
    finally:
        root.removeHandler(catcher)


@settings(
    max_examples=int(os.environ.get("CTK_FUZZ_EXAMPLES", "600")),  # CTK_FUZZ_EXAMPLES=20000 for a long hunt
    deadline=None,
    derandomize=not os.environ.get("CTK_FUZZ_EXAMPLES"),  # CI: the same examples every run
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
@given(request=requests)
def test_any_request_gets_a_bounded_client_answer_in_process(request: Request, tracebacks: _Tracebacks) -> None:
    result = handler()(request)
    check_answer(request, result.response)
    assert not tracebacks.seen, tracebacks.seen[0]


def test_fuzz_over_a_real_socket(workspace_server: Served) -> None:
    """The same strategies, fewer examples, through uvicorn: what the adapter adds must hold too."""

    @settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(request=requests)
    def send(request: Request) -> None:
        target = request.path + ("?" + request.query if request.query else "")
        try:
            with httpx.Client(base_url=workspace_server.url, timeout=10) as client:
                answer = client.request(request.method, target, headers=list(request.headers), content=request.body)
        except (httpx.InvalidURL, httpx.LocalProtocolError, UnicodeEncodeError):
            return  # httpx itself refuses to send it: nothing reached the server
        check_answer(request, Response(answer.status_code, tuple(answer.headers.items()), answer.content))

    send()
    assert workspace_server.alive()
    assert "Traceback" not in workspace_server.log(), workspace_server.log()[-3000:]
