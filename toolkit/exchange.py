"""Neutral HTTP request and response, the currency of every mock.

A compiled mock is a plain function from ``Request`` to ``MockResult``; the ASGI app, the httpx
transport and (later) the zeep transport only translate to and from these. Keeping them free of
any framework type is what lets one mock core serve all adapters and be tested without a socket.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl


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

    def header(self, name: str) -> str | None:
        """The first value of a header (``name`` lower-case), or None."""
        for key, value in self.headers:
            if key == name:
                return value
        return None

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


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    _raw: tuple[tuple[bytes, bytes], ...] | None = field(default=None, init=False, repr=False, compare=False)

    def raw_headers(self) -> tuple[tuple[bytes, bytes], ...]:
        """The headers as an HTTP server sends them (latin-1 bytes), encoded once per response: a memoised
        answer is sent again and again, and encoding its headers was a share of every memo hit."""
        raw = self._raw
        if raw is None:
            raw = tuple((key.encode("latin-1"), value.encode("latin-1")) for key, value in self.headers)
            object.__setattr__(self, "_raw", raw)  # a cache, not state: excluded from equality and repr
        return raw

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
class MockResult:
    response: Response
    deliveries: tuple[Delivery, ...] = field(default=())


def lower_headers(pairs: Iterable[tuple[bytes | str, bytes | str]]) -> tuple[tuple[str, str], ...]:
    """Header pairs from a server or client library, as ``(lower-case name, value)`` strings."""
    out: list[tuple[str, str]] = []
    for key, value in pairs:
        name = key.decode("latin-1") if isinstance(key, bytes) else key
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        out.append((name.lower(), text))
    return tuple(out)
