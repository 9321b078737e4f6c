"""A Starlette server standing in for a vendor's REST sandbox of ``tests/data/verify/library.yaml``.

``rest_vendor(drifted=False)`` serves the contract as written; ``drifted=True`` serves a vendor that has
drifted from it in one place per operation, so a verify run can be held to naming each drift and nothing else:

- ``GET /books/{book_id}``: a removed field (``author``, required, is gone);
- ``GET /authors/{name}``: a changed type (``books`` is a string now);
- ``GET /branches``: an undocumented status code (HTTP 203);
- ``GET /books``: a ``Deprecation`` header (RFC 9745) with a ``Sunset`` date (RFC 8594), the answer otherwise as
  the contract says (evidence, not a failure).

``behaviour`` makes it a vendor that tests the run's manners: ``"429"`` answers the first request 429 with
``Retry-After: 1``, ``"429-date"`` the same with an HTTP-date two seconds ahead, ``"ratelimit"`` sends
``RateLimit-Remaining: 0``/``RateLimit-Reset: 1`` on its first answer, ``"503"`` answers every request 503.
``VendorLog`` records each request's arrival (monotonic clock), the moment before which the vendor asked for
silence, what was created and deleted, and the credentials presented.
"""

from __future__ import annotations

import email.utils
import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.paths import REPO
from toolkit.mock.loopback import serve_in_thread

__all__ = ["CONTRACT", "DEPRECATION", "DRIFTS", "SUNSET", "VendorLog", "rest_vendor"]

CONTRACT: Path = REPO / "tests" / "data" / "verify" / "library.yaml"
DEPRECATION = "@1767225600"  # 2026-01-01T00:00:00Z, RFC 9745's structured date
SUNSET = "Wed, 30 Jun 2027 00:00:00 GMT"  # RFC 8594's HTTP-date
# (check, operation) of each failure the drifted vendor must cause, and no other
DRIFTS = {
    ("response_schema_conformance", "GET /books/{book_id}"),
    ("response_schema_conformance", "GET /authors/{name}"),
    ("status_code_conformance", "GET /branches"),
}


@dataclass
class VendorLog:
    arrivals: list[tuple[float, str, str]] = field(default_factory=list)  # (monotonic time, method, path)
    # (index in arrivals of the answer that asked for silence, monotonic time before which it asked for it)
    quiet_until: list[tuple[int, float]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    authorization: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def count(self) -> int:
        return len(self.arrivals)

    def methods(self) -> set[str]:
        return {method for _, method, _ in self.arrivals}

    def paths(self) -> list[str]:
        return [f"{method} {path}" for _, method, path in self.arrivals]


def _app(drifted: bool, behaviour: str, log: VendorLog) -> Starlette:
    books: dict[str, dict[str, Any]] = {}
    ids = itertools.count(1)

    def record(request: Request) -> Response | None:
        with log.lock:
            arrived = time.monotonic()
            log.arrivals.append((arrived, request.method, request.url.path))
            if request.headers.get("authorization"):
                log.authorization.add(request.headers["authorization"])
            first = len(log.arrivals) == 1
        if behaviour == "503":
            return JSONResponse({"message": "maintenance"}, status_code=503)
        if behaviour in ("429", "429-date") and first:
            # an HTTP-date has whole seconds: two ahead is at least one second of silence, as "1" asks
            log.quiet_until.append((0, arrived + 1.0))
            after = "1" if behaviour == "429" else email.utils.formatdate(time.time() + 2, usegmt=True)
            return JSONResponse({"message": "slow down"}, status_code=429, headers={"Retry-After": after})
        return None

    def paced(response: Response) -> Response:
        if behaviour == "ratelimit" and len(log.arrivals) == 1:
            log.quiet_until.append((0, log.arrivals[0][0] + 1.0))
            response.headers["RateLimit-Remaining"] = "0"
            response.headers["RateLimit-Reset"] = "1"
        return response

    def book(book_id: str) -> dict[str, Any]:
        return books.get(book_id) or {"id": book_id, "title": "Dune", "year": 1965, "author": "Frank Herbert"}

    async def list_books(request: Request) -> Response:
        if (refused := record(request)) is not None:
            return refused
        headers = {"Deprecation": DEPRECATION, "Sunset": SUNSET} if drifted else {}
        return paced(JSONResponse([book("1"), *books.values()][:50], headers=headers))

    async def create_book(request: Request) -> Response:
        if (refused := record(request)) is not None:
            return refused
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"message": "not JSON"}, status_code=400)
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("title"), str)
            or not isinstance(body.get("year"), int)
        ):
            return JSONResponse({"message": "title and year required"}, status_code=400)
        book_id = f"b{next(ids)}"
        books[book_id] = {"id": book_id, "title": body["title"], "year": body["year"], "author": "Anonymous"}
        log.created.append(book_id)
        return paced(JSONResponse(books[book_id], status_code=201))

    async def get_book(request: Request) -> Response:
        if (refused := record(request)) is not None:
            return refused
        found = book(request.path_params["book_id"])
        return paced(JSONResponse({key: value for key, value in found.items() if not (drifted and key == "author")}))

    async def delete_book(request: Request) -> Response:
        if (refused := record(request)) is not None:
            return refused
        book_id = request.path_params["book_id"]
        if books.pop(book_id, None) is None:
            return JSONResponse({"message": "no such book"}, status_code=404)
        log.deleted.append(book_id)
        return paced(Response(status_code=204))

    async def get_author(request: Request) -> Response:
        if (refused := record(request)) is not None:
            return refused
        count: int | str = "12" if drifted else 12
        return paced(JSONResponse({"name": request.path_params["name"], "books": count}))

    async def list_branches(request: Request) -> Response:
        if (refused := record(request)) is not None:
            return refused
        return paced(JSONResponse(["central", "harbour"], status_code=203 if drifted else 200))

    async def reset(request: Request) -> Response:
        if (refused := record(request)) is not None:
            return refused
        books.clear()
        return Response(status_code=204)

    return Starlette(
        routes=[
            Route("/v1/books", list_books, methods=["GET"]),
            Route("/v1/books", create_book, methods=["POST"]),
            Route("/v1/books/{book_id}", get_book, methods=["GET"]),
            Route("/v1/books/{book_id}", delete_book, methods=["DELETE"]),
            Route("/v1/authors/{name}", get_author, methods=["GET"]),
            Route("/v1/branches", list_branches, methods=["GET"]),
            Route("/v1/admin/reset", reset, methods=["POST"]),
        ]
    )


@contextmanager
def rest_vendor(*, drifted: bool = False, behaviour: str = "") -> Iterator[tuple[str, VendorLog]]:
    """The vendor on a free loopback port: its base URL (with the contract's /v1) and its log."""
    log = VendorLog()
    with serve_in_thread(_app(drifted, behaviour, log), lifespan="off") as url:
        yield f"{url}/v1", log
