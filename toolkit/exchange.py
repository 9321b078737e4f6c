"""Neutral HTTP request and response, the currency of every mock.

A compiled mock is a plain function from ``Request`` to ``MockResult``; the ASGI app, the httpx
transport and (later) the zeep transport only translate to and from these. Keeping them free of
any framework type is what lets one mock core serve all adapters and be tested without a socket.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

# The frozen dataclasses below are built on every request (several per answer), and a frozen dataclass's
# generated ``__init__`` sets each field through ``object.__setattr__``: half the cost goes to that lookup. Their
# own ``__init__`` (same signature, same defaults; ``tests/mock/test_exchange_speed.py`` holds them to the fields)
# sets the slots through their descriptors instead. They stay frozen: assignment still raises.
_Setter = Callable[[object, object], None]


def setters(cls: type, names: str) -> tuple[_Setter, ...]:
    """The functions that set the slots ``names`` (space-separated) of a slots dataclass, frozen or not."""
    slots: dict[str, Any] = dict(cls.__dict__)
    return tuple(slots[name].__set__ for name in names.split())


@dataclass(frozen=True, slots=True)
class Request:
    """An HTTP request as the mock sees it.

    ``path`` is the raw, still percent-encoded path without the query, so that an encoded ``/``
    inside a path parameter does not split a segment; ``query`` is the raw query string. The
    protocol decodes both, since it knows its styles. Header names are lower-case, in arrival order.
    """

    method: str
    path: str
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    _jar: dict[str, str] | None = field(default=None, init=False, repr=False, compare=False)
    # each header name's first value, made at the first ``header`` call: the served path asks about eight headers
    # of every request, and a scan per call cost about twice the index (tests/mock/test_exchange_speed.py)
    _index: dict[str, str] | None = field(default=None, init=False, repr=False, compare=False)

    def __init__(
        self, method: str, path: str, query: str = "", headers: tuple[tuple[str, str], ...] = (), body: bytes = b""
    ) -> None:
        _set_method(self, method)
        _set_path(self, path)
        _set_query(self, query)
        _set_headers(self, headers)
        _set_body(self, body)
        _set_jar(self, None)
        _set_index(self, None)

    def header(self, name: str) -> str | None:
        """The first value of a header (``name`` lower-case), or None."""
        index = self._index
        if index is None:
            index = dict(reversed(self.headers))  # reversed: a name's first value is the one kept
            _set_index(self, index)
        return index.get(name)

    def query_items(self, max_fields: int = 1000) -> list[tuple[str, str]]:
        """The query's fields, decoded; ValueError when it has more than ``max_fields`` (counted before any is
        split, so a hostile query costs no more than the bound). A mock that has ``Limits`` passes
        ``max_form_fields``; 1000 is its default."""
        return parse_qsl(self.query, keep_blank_values=True, max_num_fields=max_fields)

    def cookies(self) -> dict[str, str]:
        """The cookies the request carries, parsed once however many readers ask (do not modify the dict)."""
        jar = self._jar
        if jar is None:
            jar = {}
            for key, value in self.headers:
                if key == "cookie":
                    for pair in value.split(";"):
                        name, sep, cookie = pair.strip().partition("=")
                        if sep:
                            jar[name] = cookie
            object.__setattr__(self, "_jar", jar)  # a cache, not state: excluded from equality and repr
        return jar


# Headers as encoded, by their value: each uncached answer is a new Response, nearly always with one of a few header
# tuples (a content type). At most _RAW_HEADERS_MAX tuples of at most _RAW_HEADERS_MAX_BYTES bytes (names and values;
# larger ones are encoded each time); full, it starts again empty.
_RAW_HEADERS: dict[tuple[tuple[str, str], ...], tuple[tuple[bytes, bytes], ...]] = {}
_RAW_HEADERS_MAX = 256
_RAW_HEADERS_MAX_BYTES = 1024


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    _raw: tuple[tuple[bytes, bytes], ...] | None = field(default=None, init=False, repr=False, compare=False)
    _framed: bytes | None = field(default=None, init=False, repr=False, compare=False)

    def __init__(self, status: int, headers: tuple[tuple[str, str], ...] = (), body: bytes = b"") -> None:
        _set_status(self, status)
        _set_response_headers(self, headers)
        _set_response_body(self, body)
        _set_raw(self, None)
        _set_framed(self, None)

    def raw_headers(self) -> tuple[tuple[bytes, bytes], ...]:
        """The headers as an HTTP server sends them (latin-1 bytes), encoded once per response: a memoised
        answer is sent again and again, and encoding its headers was a share of every memo hit."""
        raw = self._raw
        if raw is None:
            headers = self.headers
            try:
                raw = _RAW_HEADERS.get(headers)
            except TypeError:  # headers that are not all tuples of strings: encoded for this response alone
                raw = tuple((key.encode("latin-1"), value.encode("latin-1")) for key, value in headers)
            if raw is None:
                raw = tuple([(key.encode("latin-1"), value.encode("latin-1")) for key, value in headers])
                if sum([len(key) + len(value) for key, value in raw]) <= _RAW_HEADERS_MAX_BYTES:
                    if len(_RAW_HEADERS) >= _RAW_HEADERS_MAX:
                        _RAW_HEADERS.clear()
                    _RAW_HEADERS[headers] = raw
            _set_raw(self, raw)  # a cache, not state: excluded from equality and repr
        return raw

    def framed_headers(self, frame: Callable[[tuple[tuple[bytes, bytes], ...]], bytes]) -> bytes:
        """The headers as ``frame`` writes them on the wire (``toolkit.mock.http_server``: checked, ``name: value``
        lines), framed once per response like ``raw_headers``."""
        framed = self._framed
        if framed is None:
            framed = frame(self.raw_headers())
            _set_framed(self, framed)  # a cache, not state: excluded from equality and repr
        return framed

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


@dataclass(frozen=True, slots=True)
class Delivery:
    """An HTTP request the mock wants sent on its behalf (a webhook or callback event).

    The core only describes it; the adapter that owns the event loop sends it, after the response.
    """

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    name: str = ""  # which webhook or callback, for the journal


@dataclass(frozen=True, slots=True)
class Violation:
    """One way a request breaks its contract, in neutral terms; each protocol renders it in its own error form
    (a problem+json ``errors`` entry, a ``<ctk:violation>`` in a Fault detail, a GraphQL error).

    ``part`` says which part of the request: ``path``, ``query``, ``header``, ``cookie``, ``body`` (REST),
    ``envelope`` (SOAP), ``document`` or ``variables`` (GraphQL). ``name`` is the parameter, header or
    variable concerned, if any; ``pointer`` the place inside the part: a JSON pointer into a body or a
    variable's value, an element path in a SOAP body, ``line:column`` in a GraphQL document.
    """

    part: str
    message: str
    name: str = ""
    pointer: str | None = None  # None: the part as a whole; "" is a JSON pointer too (the whole value)

    @property
    def location(self) -> str:
        """Where, in one string: ``query limit``, ``body /amount``, ``envelope /GetAccount/id``, ``document 1:3``."""
        return " ".join(item for item in (self.part, self.name, self.pointer) if item)


@dataclass(frozen=True, slots=True)
class MockResult:
    """A compiled mock's answer, and what happened, for the journal, a test assertion or the metrics.

    ``operations``: the ids of the contract's operations the request reached (one for REST and SOAP; a
    GraphQL request reaches each root field it selects); empty when none was (a 404, ``?wsdl``, an admin
    endpoint). ``violations``: the request's violations found (those listed; the answer says how many in
    all). ``deprecated``: the deprecated elements the request used (operation ids, GraphQL fields).
    ``delay`` and ``transport_fault``: how the adapter delivers the answer (``toolkit.sandbox.faults``); 0 and None
    (nearly always): at once and whole. ``injected``: the faults the sandbox put into this answer, for the journal
    and the metrics (``latency:200ms``, ``status:503``, ``reset``, ``scenario:card_declined``, ``rate-limited``).
    """

    response: Response
    deliveries: tuple[Delivery, ...] = field(default=())
    operations: tuple[str, ...] = field(default=())
    violations: tuple[Violation, ...] = field(default=())
    deprecated: tuple[str, ...] = field(default=())
    # How the answer leaves (the sandbox's faults layer): seconds to wait before answering, and a broken delivery
    # the adapter carries out: reset, empty, truncated, malformed-chunk, timeout, trickle:<bytes per second>
    delay: float = 0.0
    transport_fault: str | None = None
    injected: tuple[str, ...] = ()

    def __init__(
        self,
        response: Response,
        deliveries: tuple[Delivery, ...] = (),
        operations: tuple[str, ...] = (),
        violations: tuple[Violation, ...] = (),
        deprecated: tuple[str, ...] = (),
        delay: float = 0.0,
        transport_fault: str | None = None,
        injected: tuple[str, ...] = (),
    ) -> None:
        _set_result(self, response)
        _set_deliveries(self, deliveries)
        _set_operations(self, operations)
        _set_violations(self, violations)
        _set_deprecated(self, deprecated)
        _set_delay(self, delay)
        _set_fault(self, transport_fault)
        _set_injected(self, injected)

    @property
    def operation(self) -> str | None:
        """The operation answered (the first, for a GraphQL request selecting several root fields), or None."""
        return self.operations[0] if self.operations else None


_set_method, _set_path, _set_query, _set_headers, _set_body, _set_jar, _set_index = setters(
    Request, "method path query headers body _jar _index"
)
_set_status, _set_response_headers, _set_response_body, _set_raw, _set_framed = setters(
    Response, "status headers body _raw _framed"
)
(_set_result, _set_deliveries, _set_operations, _set_violations, _set_deprecated, _set_delay, _set_fault,
 _set_injected) = setters(
    MockResult, "response deliveries operations violations deprecated delay transport_fault injected"
)  # fmt: skip


def lower_headers(pairs: Iterable[tuple[bytes | str, bytes | str]]) -> tuple[tuple[str, str], ...]:
    """Header pairs from a server or client library, as ``(lower-case name, value)`` strings."""
    out: list[tuple[str, str]] = []
    for key, value in pairs:
        name = key.decode("latin-1") if isinstance(key, bytes) else key
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        out.append((name.lower(), text))
    return tuple(out)
