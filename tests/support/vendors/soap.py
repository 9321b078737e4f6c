"""A small SOAP 1.1 server standing in for a vendor's sandbox of ``tests/data/verify/library.wsdl``.

``soap_vendor(drifted=False)`` answers every operation as the WSDL says (``SearchBooks`` with an empty text
answers the ``BadQuery`` fault it declares); ``drifted=True`` has drifted in one place per safe operation:

- ``GetBook``: a changed type (``pages`` is ``many``, not an xs:int);
- ``FindAuthor``: a removed field (the required ``born`` is gone);
- ``ListShelves``: an undocumented status code (HTTP 202);
- ``SearchBooks``: an undeclared Fault (a Server fault whose detail is ``QuotaExceeded``);
- ``DescribeLibrary``: a ``Deprecation`` header (RFC 9745) with a ``Sunset`` date (RFC 8594).

An ASGI app without a framework: POST an envelope to ``/soap``; ``VendorLog`` records each operation asked for
(the unsafe ones included, to prove a safe run never sends them) and the books ``AddBook`` created that
``RemoveBook`` has not removed (an ``--unsafe`` run must leave none).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from tests.support.paths import REPO
from toolkit.mock.loopback import serve_in_thread

__all__ = ["CONTRACT", "DEPRECATION", "SUNSET", "VendorLog", "soap_vendor"]

CONTRACT: Path = REPO / "tests" / "data" / "verify" / "library.wsdl"
DEPRECATION = "@1767225600"  # 2026-01-01T00:00:00Z, RFC 9745's structured date
SUNSET = "Wed, 30 Jun 2027 00:00:00 GMT"  # RFC 8594's HTTP-date
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
TNS = "urn:library"
MAX_BODY = 1 << 20

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class VendorLog:
    """The operations the vendor was asked for, in order."""

    operations: list[str] = field(default_factory=list)
    books: list[str] = field(default_factory=list)  # ids of the books added and not yet removed
    refused: int = 0  # requests without the UsernameToken the vendor was given


@dataclass
class Answer:
    status: int
    body: etree._Element  # the Body's one child: a response element or a Fault
    headers: dict[str, str] = field(default_factory=dict)


def _element(name: str, *children: tuple[str, str]) -> etree._Element:
    element = etree.Element(f"{{{TNS}}}{name}", nsmap={"lib": TNS})
    for child, text in children:
        etree.SubElement(element, f"{{{TNS}}}{child}").text = text
    return element


def _fault(code: str, message: str, detail: etree._Element | None = None) -> Answer:
    fault = etree.Element(f"{{{SOAP11}}}Fault")
    etree.SubElement(fault, "faultcode").text = f"soap:{code}"
    etree.SubElement(fault, "faultstring").text = message
    if detail is not None:
        etree.SubElement(fault, "detail").append(detail)
    return Answer(500, fault)


def _text(request: etree._Element, name: str) -> str:
    return request.findtext(f"{{{TNS}}}{name}") or ""


def conforming_answer(operation: str, request: etree._Element, log: VendorLog) -> Answer:
    if operation == "GetBook":
        return Answer(200, _element("GetBookResponse", ("title", "Dune"), ("pages", "412")))
    if operation == "FindAuthor":
        return Answer(200, _element("FindAuthorResponse", ("name", _text(request, "name")), ("born", "1920")))
    if operation == "ListShelves":
        return Answer(200, _element("ListShelvesResponse", ("shelf", "A"), ("shelf", "B")))
    if operation == "SearchBooks":
        text = _text(request, "text")
        if not text.strip():  # the fault the WSDL declares
            return _fault("Client", "empty search", _element("BadQuery", ("reason", "the text is empty")))
        return Answer(200, _element("SearchBooksResponse", ("title", f"About {text[:20]}")))
    if operation == "DescribeLibrary":
        return Answer(200, _element("DescribeLibraryResponse", ("name", "City Library")))
    if operation == "AddShelf":
        return Answer(200, _element("AddShelfResponse", ("label", _text(request, "label"))))
    if operation == "AddBook":
        log.books.append(f"b{len(log.books) + 1}")
        return Answer(200, _element("AddBookResponse", ("id", log.books[-1])))
    if operation == "RemoveBook":
        removed = _text(request, "id") in log.books
        if removed:
            log.books.remove(_text(request, "id"))
        return Answer(200, _element("RemoveBookResponse", ("removed", "true" if removed else "false")))
    return _fault("Client", f"no operation {operation}")


def drifted_answer(operation: str, request: etree._Element, log: VendorLog) -> Answer:
    if operation == "GetBook":
        return Answer(200, _element("GetBookResponse", ("title", "Dune"), ("pages", "many")))
    if operation == "FindAuthor":
        return Answer(200, _element("FindAuthorResponse", ("name", _text(request, "name"))))
    if operation == "ListShelves":
        return Answer(202, _element("ListShelvesResponse", ("shelf", "A")))
    if operation == "SearchBooks":
        return _fault("Server", "quota exceeded", _element("QuotaExceeded", ("limit", "10")))
    if operation == "DescribeLibrary":
        answer = conforming_answer(operation, request, log)
        answer.headers.update({"deprecation": DEPRECATION, "sunset": SUNSET})
        return answer
    return conforming_answer(operation, request, log)


class SoapVendor:
    """SOAP 1.1 at ``/soap``: the Body's first element names the operation (``<Op>Request``)."""

    def __init__(self, *, drifted: bool, credentials: tuple[str, str] | None = None) -> None:
        self.answer = drifted_answer if drifted else conforming_answer
        self.credentials = credentials
        self.log = VendorLog()

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if scope["path"] != "/soap" or scope["method"] != "POST":
            await _send(send, _fault("Client", "POST SOAP envelopes to /soap"))
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > MAX_BODY:
                await _send(send, _fault("Client", "request body over 1 MiB"))
                return
            if not message.get("more_body"):
                break
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        try:
            envelope = etree.fromstring(body, parser)
        except etree.XMLSyntaxError as error:
            await _send(send, _fault("Client", f"not XML: {error}"))
            return
        request = envelope.find(f"{{{SOAP11}}}Body/*")
        if request is None:
            await _send(send, _fault("Client", "no SOAP 1.1 Body element"))
            return
        operation = etree.QName(request).localname.removesuffix("Request")
        self.log.operations.append(operation)
        if self.credentials is not None and _username_token(envelope) != self.credentials:
            self.log.refused += 1
            await _send(send, _fault("Client", "WS-Security: a valid UsernameToken is required"))
            return
        await _send(send, self.answer(operation, request, self.log))


WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"


def _username_token(envelope: etree._Element) -> tuple[str, str] | None:
    """(Username, Password) of the envelope's WS-Security UsernameToken, None without one."""
    token = envelope.find(f"{{{SOAP11}}}Header/{{{WSSE}}}Security/{{{WSSE}}}UsernameToken")
    if token is None:
        return None
    return token.findtext(f"{{{WSSE}}}Username") or "", token.findtext(f"{{{WSSE}}}Password") or ""


async def _send(send: Send, answer: Answer) -> None:
    envelope = etree.Element(f"{{{SOAP11}}}Envelope", nsmap={"soap": SOAP11})
    etree.SubElement(envelope, f"{{{SOAP11}}}Body").append(answer.body)
    content = etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
    head = [(b"content-type", b"text/xml; charset=utf-8"), (b"content-length", str(len(content)).encode())]
    head += [(name.encode(), value.encode()) for name, value in answer.headers.items()]
    await send({"type": "http.response.start", "status": answer.status, "headers": head})
    await send({"type": "http.response.body", "body": content})


@contextmanager
def soap_vendor(
    *, drifted: bool = False, credentials: tuple[str, str] | None = None
) -> Iterator[tuple[str, VendorLog]]:
    """The vendor on a free loopback port: (its SOAP endpoint URL, what it received); with ``credentials``
    (username, password) it answers a Client fault to an envelope without that WS-Security UsernameToken."""
    app = SoapVendor(drifted=drifted, credentials=credentials)
    with serve_in_thread(app, lifespan="off") as base:
        yield f"{base}/soap", app.log
