"""A zeep transport that answers from a compiled mock, in-process, with no socket.

zeep does all its I/O through its ``Transport``: ``load`` for the WSDL and its imports, ``post_xml``
/``post`` for calls, ``get`` for HTTP GET bindings. Sending those to the handler instead of a
``requests`` session lets a test run a real zeep client against the mock without a server:

    client = zeep.Client(f"http://ctk.mock{mock.mount}?wsdl", transport=MockZeepTransport(mock))

Only URLs under ``base_url`` reach the handler (the mock's ``?wsdl`` rewrites every address and
import there); anything else is refused with zeep's ``TransportError`` rather than fetched, except
the schemas zeep fetches by their namespace URL on its own (it auto-imports SOAP encoding whenever a
schema mentions ``soapenc:``): those are answered from ctk's built-in copies (``builtin_schema``).
zeep is imported only here, so the rest of ctk never loads it.

An answer the sandbox's faults layer shaped waits its ``delay`` (``time.sleep``), and a broken delivery raises
what ``requests`` raises against a real server (``FAULT_ERRORS``): a reset, an empty answer or a timeout before
any byte is a ``ConnectionError`` (``ReadTimeout``), a body cut short or badly chunked ``ChunkedEncodingError``.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from requests.structures import CaseInsensitiveDict
from zeep.exceptions import TransportError
from zeep.transports import Transport
from zeep.wsdl.utils import etree_to_string

from toolkit.exchange import Request, Response
from toolkit.mock.handler import Handler
from toolkit.soap.xsd.builtin import BUILTIN_SCHEMAS


class MockZeepTransport(Transport):
    def __init__(self, handler: Handler, base_url: str = "http://ctk.mock") -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # zeep ships no type hints
        self.handler = handler
        self.base_url = base_url.rstrip("/")
        # the client's latest requests, for tests to inspect (bounded: a long run must not grow without end)
        self.requests: deque[Request] = deque(maxlen=1000)

    def post(self, address: str, message: bytes | str, headers: dict[str, str]) -> requests.Response:
        body = message.encode("utf-8") if isinstance(message, str) else message
        return self._send("POST", address, "", headers, body)

    def post_xml(self, address: str, envelope: Any, headers: dict[str, str]) -> requests.Response:
        return self.post(address, etree_to_string(envelope), headers)  # type: ignore[no-untyped-call]

    def get(self, address: str, params: dict[str, Any] | None, headers: dict[str, str]) -> requests.Response:
        return self._send("GET", address, urlencode(params or {}, doseq=True), headers, b"")

    def load(self, url: str) -> bytes:
        builtin = builtin_schema(url)
        if builtin is not None:
            return builtin
        if not url.startswith(("http://", "https://")):
            return bytes(super().load(url))  # type: ignore[no-untyped-call]  # a local file: zeep reads it
        response = self._send("GET", url, "", {}, b"")
        if response.status_code >= 400:
            raise TransportError(  # type: ignore[no-untyped-call]
                f"the mock answered {response.status_code} to GET {url}: {response.text[:200]}",
                status_code=response.status_code,
                content=response.content,
            )
        return bytes(response.content)

    def _send(self, method: str, url: str, query: str, headers: dict[str, str], body: bytes) -> requests.Response:
        if url != self.base_url and not url.startswith(self.base_url + "/") and not url.startswith(self.base_url + "?"):
            raise TransportError(  # type: ignore[no-untyped-call]
                f"{url} is not under the mock's base URL {self.base_url}; nothing was fetched"
            )
        parts = urlsplit(url)
        query = "&".join(q for q in (parts.query, query) if q)
        pairs = [(name.lower(), str(value)) for name, value in headers.items()]
        if not any(name == "host" for name, _ in pairs):
            pairs.insert(0, ("host", parts.netloc))
        request = Request(method, parts.path or "/", query, tuple(pairs), body)
        self.requests.append(request)
        result = self.handler(request)
        if result.delay > 0:
            time.sleep(result.delay)
        fault = result.transport_fault
        if fault is not None and not fault.startswith("trickle:"):
            kind, message = FAULT_ERRORS.get(
                fault, (requests.exceptions.ConnectionError, f"connection broken ({fault})")
            )
            raise kind(message)
        return _to_requests(result.response, url)


# What requests (over urllib3) raises when a real server breaks the answer so.
FAULT_ERRORS: dict[str, tuple[type[requests.exceptions.RequestException], str]] = {
    "reset": (
        requests.exceptions.ConnectionError,
        "('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))",
    ),
    "empty": (
        requests.exceptions.ConnectionError,
        "('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))",
    ),
    "truncated": (requests.exceptions.ChunkedEncodingError, "('Connection broken: IncompleteRead', IncompleteRead)"),
    "malformed-chunk": (
        requests.exceptions.ChunkedEncodingError,
        "('Connection broken: InvalidChunkLength', InvalidChunkLength)",
    ),
    "timeout": (requests.exceptions.ReadTimeout, "Read timed out."),
}


def builtin_schema(url: str) -> bytes | None:
    """ctk's copy of a well-known schema zeep asks for by its namespace URL (SOAP encoding, xml:), else None."""
    text = BUILTIN_SCHEMAS.get(url) or BUILTIN_SCHEMAS.get(url.rstrip("/") + "/")
    return text.encode("utf-8") if text is not None else None


def _to_requests(response: Response, url: str) -> requests.Response:
    out = requests.Response()
    out.status_code = response.status
    out.headers = CaseInsensitiveDict(dict(response.headers))
    out._content = response.body
    out.url = url
    content_type = response.header("content-type") or ""
    out.encoding = "utf-8" if "charset=utf-8" in content_type.lower() else None
    return out
