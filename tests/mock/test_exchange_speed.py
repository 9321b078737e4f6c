"""The neutral exchange types build through their own ``__init__`` (slots set by descriptor, for speed): it must
take exactly the dataclass's fields, with the same defaults, and leave them as frozen, equal and hashable as before."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle

import pytest

from toolkit.exchange import Delivery, MockResult, Request, Response, Violation
from toolkit.sandbox.layers import Call


@pytest.mark.parametrize("cls", [Request, Response, MockResult, Call])
def test_init_takes_the_fields(cls: type) -> None:
    wanted = [(f.name, f.default, f.default_factory) for f in dataclasses.fields(cls) if f.init]
    parameters = list(inspect.signature(cls).parameters.values())
    assert [p.name for p in parameters] == [name for name, _, _ in wanted]
    for parameter, (_, default, factory) in zip(parameters, wanted, strict=True):
        expected = factory() if factory is not dataclasses.MISSING else default
        got = inspect.Parameter.empty if parameter.default is inspect.Parameter.empty else parameter.default
        assert got == (inspect.Parameter.empty if expected is dataclasses.MISSING else expected), parameter.name


def test_built_values_behave_as_dataclasses() -> None:
    request = Request("POST", "/a", "x=1", (("cookie", "a=b"),), b"{}")
    assert request == Request("POST", "/a", "x=1", (("cookie", "a=b"),), b"{}")
    assert hash(request) == hash(Request("POST", "/a", "x=1", (("cookie", "a=b"),), b"{}"))
    assert request.cookies() == {"a": "b"}
    assert request == Request("POST", "/a", "x=1", (("cookie", "a=b"),), b"{}")  # the cookie cache is not compared
    assert dataclasses.replace(request, path="/b").path == "/b"
    assert pickle.loads(pickle.dumps(request)) == request and copy.copy(request) == request
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.path = "/c"  # type: ignore[misc]
    response = Response(201, (("Location", "/a/1"),), b"x")
    assert response.raw_headers() == ((b"Location", b"/a/1"),) and response == Response(
        201, (("Location", "/a/1"),), b"x"
    )
    assert response.framed_headers(lambda raw: b"once") == response.framed_headers(lambda raw: b"twice") == b"once"
    result = MockResult(response, (Delivery("POST", "http://x"),), ("op",), (Violation("body", "m"),), ("d",), 0.5,
                        "reset", ("reset",))  # fmt: skip
    assert (result.response, result.deliveries[0].url, result.operations, result.violations[0].part) == (
        response, "http://x", ("op",), "body"
    )  # fmt: skip
    assert (result.deprecated, result.delay, result.transport_fault, result.injected) == (
        ("d",),
        0.5,
        "reset",
        ("reset",),
    )
    assert dataclasses.replace(result, delay=0.0) == MockResult(response, (Delivery("POST", "http://x"),), ("op",),
                                                                (Violation("body", "m"),), ("d",), 0.0, "reset",
                                                                ("reset",))  # fmt: skip
    assert MockResult(Response(200)) == MockResult(response=Response(status=200))
    assert repr(MockResult(Response(200))).startswith("MockResult(response=Response(status=200, headers=(), body=b''")
    call = Call(request, "default")
    assert call.operation is None and call.with_request(request).session == "default"
    with pytest.raises(dataclasses.FrozenInstanceError):
        call.session = "x"  # type: ignore[misc]


def test_raw_headers_are_kept_by_value_and_bounded() -> None:
    from toolkit import exchange

    for n in range(exchange._RAW_HEADERS_MAX + 50):
        headers = (("content-type", "application/json"), ("x-n", str(n % 300)))
        raw = Response(200, headers).raw_headers()
        assert raw == tuple((name.encode("latin-1"), value.encode("latin-1")) for name, value in headers)
        assert Response(200, headers).raw_headers() == raw  # the same again, from the cache or not
        assert len(exchange._RAW_HEADERS) <= exchange._RAW_HEADERS_MAX
    large = (("link", "x" * 2000),)
    assert Response(200, large).raw_headers() == ((b"link", b"x" * 2000),)
    assert large not in exchange._RAW_HEADERS
    unhashable = [("x-a", "é")]
    assert Response(200, unhashable).raw_headers() == ((b"x-a", "é".encode("latin-1")),)  # type: ignore[arg-type]


def test_header_is_a_names_first_value_whatever_the_order_it_is_asked_in() -> None:
    from toolkit.exchange import Request

    headers = (("accept", "a/1"), ("x-k", "one"), ("accept", "a/2"), ("cookie", "c=1"))
    for asked in (["accept", "x-k", "missing"], ["missing", "accept"], ["x-k"]):
        request = Request("GET", "/", "", headers)
        expected = {"accept": "a/1", "x-k": "one", "missing": None}
        assert [request.header(name) for name in asked] == [expected[name] for name in asked]
        assert request.header("accept") == "a/1" and request.cookies() == {"c": "1"}
    assert Request("GET", "/").header("accept") is None
    # the index is a cache: equal requests stay equal (and hash alike) whether or not it was made
    asked_one, fresh = Request("GET", "/", "", headers), Request("GET", "/", "", headers)
    asked_one.header("accept")
    assert asked_one == fresh and hash(asked_one) == hash(fresh)
