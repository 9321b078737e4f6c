"""The pieces under ``ctk verify``: the guard's budget, pacer and breaker (with a fake clock), which operations
are safe and which chains mutations run in, and the OpenAPI engine's operations, plan and judging of answers."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.support.paths import REPO
from tests.support.vendors.rest import CONTRACT, rest_vendor
from toolkit.load import load_contract
from toolkit.model import GraphQLOperation, HttpOperation, SoapOperation
from toolkit.vendor.credentials import Credentials
from toolkit.verify.core import VerifyContext
from toolkit.verify.engine_openapi import OpenApiEngine, curl
from toolkit.verify.guard import Budget, CircuitBreaker, Pacer, SafeClient, retry_after_seconds
from toolkit.verify.safety import crud_chains, is_safe, unchained_mutations


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_retry_after_in_seconds_and_as_an_http_date() -> None:
    assert retry_after_seconds("7") == 7.0
    now = time.time()
    date = email.utils.formatdate(now + 30, usegmt=True)
    seconds = retry_after_seconds(date, now=now)
    assert seconds is not None and 29 <= seconds <= 30
    assert retry_after_seconds(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0.0
    assert retry_after_seconds("soon") is None


@pytest.mark.parametrize(
    ("headers", "status", "delay"),
    [
        ({"retry-after": "3"}, 429, 3.0),
        ({"retry-after": "3"}, 503, 3.0),
        ({"ratelimit-remaining": "0", "ratelimit-reset": "4"}, 200, 4.0),
        ({"ratelimit-remaining": "5", "ratelimit-reset": "4"}, 200, 0.0),
        ({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "2"}, 200, 2.0),
        ({"ratelimit": "limit=10, remaining=0, reset=6"}, 200, 6.0),
        ({"ratelimit": '"default";r=0;t=9'}, 200, 9.0),
        ({}, 429, 1.0),
        ({}, 200, 0.0),
    ],
)
def test_the_pacer_reads_every_rate_limit_header(headers: dict[str, str], status: int, delay: float) -> None:
    assert Pacer().delay_from(httpx.Headers(headers), status) == delay


def test_the_pacer_waits_until_the_vendor_allows() -> None:
    clock = FakeClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    pacer.update(httpx.Headers({"retry-after": "5"}), 429)
    clock.now += 2
    pacer.wait()
    assert clock.slept == [3.0]
    pacer.wait()
    assert clock.slept == [3.0]  # the wait is over


def test_the_breaker_opens_after_repeated_refusals_and_resets_on_success() -> None:
    breaker = CircuitBreaker(threshold=3)
    for status in (401, 500, 200, 429, 403):
        breaker.record(status)
    assert not breaker.open
    breaker.record(None)  # no answer counts as a failure too
    assert breaker.open
    assert breaker.reason is not None and "answered 403, 429 or gave no answer" in breaker.reason
    assert "3 requests in a row" in breaker.reason


def test_the_budget_for_the_run_and_per_operation() -> None:
    budget = Budget(total=3, per_operation=2)
    assert [budget.take("a"), budget.take("a"), budget.take("a"), budget.take("b"), budget.take("b")] == [
        True, True, False, True, False,
    ]  # fmt: skip
    assert budget.left == 0


def test_the_safe_client_retries_a_5xx_with_backoff_then_gives_the_answer() -> None:
    answers = iter([503, 502, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(next(answers))

    clock = FakeClock()
    client = SafeClient(transport=httpx.MockTransport(handler), pacer=Pacer(clock=clock, sleep=clock.sleep))
    response = client.send("GET /x", "GET", "http://vendor.test/x", safe=True)
    assert response is not None and response.status_code == 200
    assert client.sent == 3
    assert clock.slept == [0.25, 0.5]  # exponential


def test_the_safe_client_refuses_unsafe_and_adds_credentials_only_to_its_origin() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    credentials = Credentials(origin="http://vendor.test:80", headers={"Authorization": "Bearer s"}, secrets=("s",))
    client = SafeClient(credentials=credentials, transport=httpx.MockTransport(handler))
    assert client.send("POST /x", "POST", "http://vendor.test/x", safe=False) is None
    assert client.send("GET /x", "GET", "http://vendor.test/x", safe=True) is not None
    assert client.send("GET /x", "GET", "http://elsewhere.test/x", safe=True) is not None
    assert [r.headers.get("authorization") for r in seen] == ["Bearer s", None]


def test_safe_operations_per_protocol() -> None:
    assert is_safe(HttpOperation(id="GET /a", name="a", method="GET", path="/a"))
    assert not is_safe(HttpOperation(id="PUT /a", name="a", method="PUT", path="/a"))
    assert is_safe(GraphQLOperation(id="Query.a", name="a", root="query"))
    assert not is_safe(GraphQLOperation(id="Mutation.a", name="a", root="mutation"))
    for name in ("GetOrder", "listItems", "FindUser", "searchBooks", "QueryStock", "DescribeTable"):
        assert is_safe(SoapOperation(id=name, name=name))
    assert not is_safe(SoapOperation(id="CreateOrder", name="CreateOrder"))
    assert is_safe(SoapOperation(id="CreateOrder", name="CreateOrder"), frozenset({"CreateOrder"}))


def test_the_crud_chains_of_a_contract() -> None:
    library = load_contract(CONTRACT)
    (chain,) = crud_chains(library)
    assert [op.id for op in chain.operations] == ["POST /books", "GET /books/{book_id}", "DELETE /books/{book_id}"]
    assert [op.id for op in unchained_mutations(library)] == ["POST /admin/reset"]
    payments = load_contract(REPO / "contracts" / "payments" / "v1")
    (customers,) = crud_chains(payments)
    assert [op.id for op in customers.updates] == ["POST /customers/{customer_id}"]


@pytest.fixture
def ctx() -> Iterator[VerifyContext]:
    with rest_vendor(drifted=True) as (url, _log):
        client = SafeClient()
        yield VerifyContext(api="library", contract=load_contract(CONTRACT), base_url=url, client=client, examples=3)
        client.close()


def test_the_engine_s_operations_and_plan(ctx: VerifyContext) -> None:
    engine = OpenApiEngine()
    assert engine.operations(ctx) == ["GET /books", "GET /books/{book_id}", "GET /authors/{name}", "GET /branches"]
    ctx.unsafe = True
    assert "POST /books" in engine.operations(ctx)
    assert "POST /admin/reset" not in engine.operations(ctx)
    planned = [(c.method, c.url.removeprefix(ctx.base_url), c.safe) for c in engine.plan(ctx)]
    assert ("POST", "/books", False) in planned
    assert ("DELETE", "/books/{book_id}", False) in planned
    assert ctx.client.sent == 0


def test_one_operation_judged_by_every_response_check(ctx: VerifyContext) -> None:
    failures = list(OpenApiEngine().run(ctx, only="GET /authors/{name}"))
    assert [(f.check, f.operation, f.place) for f in failures] == [
        ("response_schema_conformance", "GET /authors/{name}", "/books")
    ]
    assert failures[0].reproduction.startswith(f"curl -X GET {ctx.base_url}/authors/")


def test_a_curl_line_quotes_what_it_sends() -> None:
    request = httpx.Request("POST", "http://h.test/a b?q=1", headers={"X-A": "it's"}, content=b'{"a": "b c"}')
    line = curl(request)
    assert line.startswith("curl -X POST 'http://h.test/a%20b?q=1'")
    assert "-H 'x-a: it'\"'\"'s'" in line
    assert line.endswith('--data-binary \'{"a": "b c"}\'')


def test_an_answer_too_large_is_not_read_into_memory() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"x" * 5000)

    client = SafeClient(transport=httpx.MockTransport(handler), max_body=1000, retries=0)
    assert client.send("GET /x", "GET", "http://vendor.test/x", safe=True) is None
    assert client.last_error.startswith("AnswerTooLargeError: the answer is larger than 1000 bytes")
    small = SafeClient(transport=httpx.MockTransport(handler), max_body=10_000)
    answer = small.send("GET /x", "GET", "http://vendor.test/x", safe=True)
    assert answer is not None and answer.content == b"x" * 5000
    assert answer.elapsed.total_seconds() >= 0  # what schemathesis reads from every answer
