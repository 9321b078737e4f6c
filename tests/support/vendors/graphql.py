"""A strawberry GraphQL server standing in for a vendor's sandbox of ``tests/data/verify/library.graphql``.

``graphql_vendor(drifted=False)`` serves the contract as written; ``drifted=True`` serves a vendor that has
drifted from it in one place per query, so a verify run can be held to naming each drift and nothing else:

- ``Query.book``: a changed type (``Book.pages`` is a String now);
- ``Query.author``: a removed field (``Author.born`` is gone: the vendor refuses a query selecting it);
- ``Query.shelves``: an undocumented status code (HTTP 203);
- ``Query.search``: a new required argument (``limit: Int!``);
- ``Query.notice``: a ``Deprecation`` header (RFC 9745) with a ``Sunset`` date (RFC 8594).

The HTTP side is a small ASGI app (GraphQL over HTTP, POST with a JSON body) around strawberry's schema, so
the test needs no web framework; ``VendorLog`` counts what arrived (mutations included, to prove none did).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import strawberry
from strawberry.types import Info

from tests.support.paths import REPO
from toolkit.mock.loopback import serve_in_thread

__all__ = ["CONTRACT", "DEPRECATION", "SUNSET", "VendorLog", "graphql_vendor"]

CONTRACT: Path = REPO / "tests" / "data" / "verify" / "library.graphql"
DEPRECATION = "@1767225600"  # 2026-01-01T00:00:00Z, RFC 9745's structured date
SUNSET = "Wed, 30 Jun 2027 00:00:00 GMT"  # RFC 8594's HTTP-date
MAX_BODY = 1 << 20


@strawberry.enum
class Availability(enum.Enum):
    ON_SHELF = "ON_SHELF"
    LENT = "LENT"


@strawberry.type
class Book:
    id: strawberry.ID
    title: str
    pages: int
    availability: Availability
    isbn: str | None = strawberry.field(default=None, deprecation_reason="Use id.")


@strawberry.type(name="Book")
class DriftedBook:
    id: strawberry.ID
    title: str
    pages: str  # drift: Int! in the contract
    availability: Availability
    isbn: str | None = strawberry.field(default=None, deprecation_reason="Use id.")


@strawberry.type
class Author:
    name: str
    born: int | None


@strawberry.type(name="Author")
class DriftedAuthor:
    name: str  # drift: born removed


@strawberry.type
class Shelf:
    label: str
    size: int


@strawberry.type
class Hit:
    title: str
    score: float


@strawberry.type
class Notice:
    text: str


def _response(info: Info[Any, Any]) -> ResponseParts:
    parts: ResponseParts = info.context["response"]
    return parts


@strawberry.type
class Query:
    @strawberry.field
    def book(self, id: strawberry.ID) -> Book | None:  # noqa: A002 - the contract's argument name
        return Book(id=id, title="Dune", pages=412, availability=Availability.ON_SHELF, isbn="9780441013593")

    @strawberry.field
    def author(self, name: str) -> Author | None:
        return Author(name=name, born=1920)

    @strawberry.field
    def shelves(self) -> list[Shelf]:
        return [Shelf(label="A", size=40), Shelf(label="B", size=12)]

    @strawberry.field
    def search(self, text: str) -> list[Hit]:
        return [Hit(title=f"About {text[:20]}", score=0.5)]

    @strawberry.field
    def notice(self) -> Notice | None:
        return Notice(text="Open daily.")


@strawberry.type(name="Query")
class DriftedQuery:
    @strawberry.field
    def book(self, id: strawberry.ID) -> DriftedBook | None:  # noqa: A002 - the contract's argument name
        return DriftedBook(id=id, title="Dune", pages="412", availability=Availability.ON_SHELF)

    @strawberry.field
    def author(self, name: str) -> DriftedAuthor | None:
        return DriftedAuthor(name=name)

    @strawberry.field
    def shelves(self, info: Info[Any, Any]) -> list[Shelf]:
        _response(info).status = 203  # drift: a status the contract (GraphQL over HTTP) never answers
        return [Shelf(label="A", size=40)]

    @strawberry.field
    def search(self, text: str, limit: int) -> list[Hit]:  # drift: limit is new and required
        return [Hit(title=f"About {text[:20]}", score=0.5)][:limit]

    @strawberry.field
    def notice(self, info: Info[Any, Any]) -> Notice | None:
        headers = _response(info).headers
        headers["deprecation"] = DEPRECATION
        headers["sunset"] = SUNSET
        return Notice(text="Open daily.")


@strawberry.type
class Mutation:
    @strawberry.mutation
    def add_shelf(self, label: str) -> Shelf:
        return Shelf(label=label, size=0)

    @strawberry.mutation
    def add_book(self, title: str, info: Info[Any, Any]) -> Book:
        log: VendorLog = info.context["log"]
        log.books.append(f"b{len(log.books) + 1}")
        return Book(id=strawberry.ID(log.books[-1]), title=title, pages=1, availability=Availability.ON_SHELF)

    @strawberry.mutation
    def remove_book(self, id: strawberry.ID, info: Info[Any, Any]) -> bool:  # noqa: A002 - the contract's name
        log: VendorLog = info.context["log"]
        if id not in log.books:
            return False
        log.books.remove(id)
        return True


@strawberry.type(name="Mutation")
class DriftedMutation(Mutation):
    @strawberry.mutation
    def add_book(self, title: str, info: Info[Any, Any]) -> DriftedBook:
        log: VendorLog = info.context["log"]
        log.books.append(f"b{len(log.books) + 1}")
        return DriftedBook(id=strawberry.ID(log.books[-1]), title=title, pages="1", availability=Availability.LENT)


@dataclass
class ResponseParts:
    """What a resolver may set on the HTTP answer: its status and extra headers."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class VendorLog:
    """What the vendor received: each request's root field names, how many were mutations, what is left."""

    fields: list[str] = field(default_factory=list)
    mutations: int = 0
    books: list[str] = field(default_factory=list)  # ids of the books added and not yet removed


class _QuietSchema(strawberry.Schema):
    """strawberry's schema without its error log: the errors go to the client, which is what is tested."""

    def process_errors(self, errors: Any, execution_context: Any = None) -> None:
        return None


Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class GraphQLVendor:
    """GraphQL over HTTP at ``/graphql``: POST ``{"query", "variables"}``, answered ``application/json``."""

    def __init__(self, *, drifted: bool) -> None:
        query, mutation = (DriftedQuery, DriftedMutation) if drifted else (Query, Mutation)
        self.schema = _QuietSchema(query=query, mutation=mutation)
        self.log = VendorLog()

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if scope["path"] != "/graphql" or scope["method"] != "POST":
            await _answer(send, 404, {"errors": [{"message": "POST /graphql"}]})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > MAX_BODY:
                await _answer(send, 413, {"errors": [{"message": "request body over 1 MiB"}]})
                return
            if not message.get("more_body"):
                break
        try:
            request = json.loads(body)
            query, variables = request["query"], request.get("variables")
        except (ValueError, KeyError, TypeError):
            await _answer(send, 400, {"errors": [{"message": "the body is not a GraphQL request"}]})
            return
        parts = ResponseParts()
        result = self.schema.execute_sync(
            query, variable_values=variables, context_value={"response": parts, "log": self.log}
        )
        self._record(query)
        answer: dict[str, Any] = {}
        if result.errors:
            answer["errors"] = [error.formatted for error in result.errors]
        if result.data is not None or not result.errors:
            answer["data"] = result.data
        await _answer(send, parts.status, answer, parts.headers)

    def _record(self, query: str) -> None:
        import graphql

        try:
            document = graphql.parse(query)
        except graphql.GraphQLError:
            return
        for definition in document.definitions:
            if isinstance(definition, graphql.OperationDefinitionNode):
                self.log.mutations += definition.operation == graphql.OperationType.MUTATION
                self.log.fields += [s.name.value for s in definition.selection_set.selections
                                    if isinstance(s, graphql.FieldNode)]  # fmt: skip


async def _answer(send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    content = json.dumps(body).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]
    head += [(name.encode(), value.encode()) for name, value in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": content})


@contextmanager
def graphql_vendor(*, drifted: bool = False) -> Iterator[tuple[str, VendorLog]]:
    """The vendor on a free loopback port: (its GraphQL endpoint URL, what it received)."""
    app = GraphQLVendor(drifted=drifted)
    with serve_in_thread(app, lifespan="off") as base:
        yield f"{base}/graphql", app.log
