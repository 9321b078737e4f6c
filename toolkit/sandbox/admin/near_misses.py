"""Near misses: for a request no operation matched, the (at most 3) nearest operations and why each did not match.

Asked only for a request the API answered without reaching an operation (off the common path): REST, a 404 or
405 of the router (``"GET /customer/cus_1"`` -> ``GET /customers/{customer_id}``: "path segment 1 is
'customer', the contract has 'customers'"; a method the path does not declare: "POST is not declared for
/customers/{customer_id} (declared: GET, DELETE)"); SOAP, a Body element naming no operation; GraphQL, a
document selecting root fields the schema does not have. Names are compared with ``difflib``.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Callable
from urllib.parse import unquote

from toolkit.exchange import MockResult, Request
from toolkit.model import Contract, GraphQLOperation, HttpOperation, Protocol
from toolkit.sandbox.admin.journal import NearMiss

__all__ = ["NearMisses", "Pending"]

MOST = 3
_MAX_BODY = 64 * 1024  # bytes of a SOAP or GraphQL body looked into for the name it asked for
_FAR = 2.5  # a candidate further than this is no near miss
_NOT_MATCHED = frozenset({401, 403, 413, 429})  # refusals of a matched request, or of none we can judge
_SOAP_BODY = re.compile(rb"<(?:[\w.-]+:)?Body\b[^>]*>\s*(?:<!--.*?-->\s*)*<(?:[\w.-]+:)?([\w.-]+)", re.DOTALL)
_SHOWN = 80  # characters of a name quoted in a reason
_MAX_PATH = 2048  # characters of a path compared
_MAX_NAME = 256  # characters of an element name compared
_CACHED = 256  # request shapes whose near misses are kept

Pending = Callable[[], tuple[NearMiss, ...]]


def _none() -> tuple[NearMiss, ...]:
    return ()


_NONE: Pending = _none


class NearMisses:
    """What an API's contract offers to compare an unmatched request with; built on the first unmatched request."""

    def __init__(self, contract: Contract, mount: str) -> None:
        self.protocol = contract.protocol
        self.mount = mount
        self.rest: list[tuple[HttpOperation, tuple[str, ...]]] = []
        self.methods: dict[str, list[str]] = defaultdict(list)  # path template -> declared methods
        self.soap: dict[str, str] = {}  # operation name -> id
        self.graphql: dict[str, dict[str, str]] = defaultdict(dict)  # root type -> field -> id
        for op in contract.operations:
            if isinstance(op, HttpOperation) and op.path:
                self.rest.append((op, _segments(op.path)))
                self.methods[op.path].append(op.method.upper())
            elif isinstance(op, GraphQLOperation):
                self.graphql[op.root or op.type_name][op.field or op.name] = op.id
            else:
                self.soap.setdefault(op.name, op.id)
        self._cache: dict[tuple[str, ...], tuple[NearMiss, ...]] = {}

    def judge(self, request: Request, result: MockResult) -> tuple[bool, Pending]:
        """Whether ``request`` matched no operation, and (computed when first asked, then kept) the nearest ones.

        What the comparison needs is taken from the request now (the method and path, a SOAP Body's element
        name, a GraphQL document's unknown root fields: never the body itself); the comparison waits until the
        journal is read, so a flood of 404s costs a regular expression each, not a walk over the contract."""
        status = result.response.status
        if result.operations or result.injected or status in _NOT_MATCHED:
            return False, _NONE
        if self.protocol is Protocol.OPENAPI:
            if status not in (404, 405):
                return False, _NONE
            method, path = request.method.upper()[:16], request.path[:_MAX_PATH]
            return True, lambda: self._cached(("rest", method, path), lambda: self._rest(method, path))
        if self.protocol is Protocol.SOAP:
            if status < 400 or request.method.upper() != "POST":
                return False, _NONE
            found = _SOAP_BODY.search(request.body[:_MAX_BODY])
            if found is None:
                return False, _NONE
            element = found.group(1).decode("utf-8", "replace")[:_MAX_NAME]
            return True, lambda: self._cached(("soap", element), lambda: self._soap(element))
        if self.protocol is Protocol.GRAPHQL:
            unknown = tuple(self._graphql_unknown(request))
            if not unknown:
                return False, _NONE
            return True, lambda: self._cached(("graphql", *map(str, unknown)), lambda: self._graphql(list(unknown)))
        return False, _NONE

    def _cached(self, key: tuple[str, ...], compute: Callable[[], tuple[NearMiss, ...]]) -> tuple[NearMiss, ...]:
        """The near misses of ``key``: computed once per distinct request shape (the last ``_CACHED`` kept)."""
        found = self._cache.get(key)
        if found is None:
            found = compute()
            if len(self._cache) >= _CACHED:
                self._cache.pop(next(iter(self._cache)), None)
            self._cache[key] = found
        return found

    # -- REST ----------------------------------------------------------------------------------------

    def _rest(self, method: str, path: str) -> tuple[NearMiss, ...]:
        if self.mount and (path == self.mount or path.startswith(self.mount + "/")):
            path = path[len(self.mount) :]
        asked = _segments(path)
        found: list[NearMiss] = []
        seen_paths: set[str] = set()
        for op, template in self.rest:
            distance, reason = _compare(asked, template)
            if distance > _FAR:
                continue
            if distance == 0:  # the path matches: the method is what differs
                if op.path in seen_paths or method in self.methods[op.path]:
                    continue
                seen_paths.add(op.path)
                declared = ", ".join(self.methods[op.path])
                reason = f"{_shown(method)} is not declared for {op.path} (declared: {declared})"
                distance = 0.5
            elif op.method.upper() != method:
                distance += 0.5
                reason += f"; and the operation is {op.method.upper()}, not {_shown(method)}"
            found.append(NearMiss(op.id, op.method.upper(), op.path, reason, distance))
        return _nearest(found)

    # -- SOAP ----------------------------------------------------------------------------------------

    def _soap(self, element: str) -> tuple[NearMiss, ...]:
        found = []
        for name, op_id in self.soap.items():
            score = max(_ratio(element, name), _ratio(element, name + "Request"))
            if score < 0.5:
                continue
            reason = f"the Body's element is {_shown(element)!r}; the contract's operation is {name!r}"
            found.append(NearMiss(op_id, "POST", self.mount or "/", reason, round(1.0 - score, 3)))
        return _nearest(found)

    # -- GraphQL -------------------------------------------------------------------------------------

    def _graphql_unknown(self, request: Request) -> list[tuple[str, str]]:
        """The (root type, field) pairs the document selects that the schema lacks (only its top level)."""
        from graphql import OperationDefinitionNode, parse
        from graphql.error import GraphQLError

        document = _graphql_document(request)
        if not document:
            return []
        try:
            parsed = parse(document, no_location=True, max_tokens=20_000)
        except (GraphQLError, RecursionError):
            return []
        unknown = []
        roots = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}
        for definition in parsed.definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            root = definition.operation.value
            fields = self.graphql.get(root) or self.graphql.get(roots.get(root, ""), {})
            for selection in definition.selection_set.selections:
                name = getattr(getattr(selection, "name", None), "value", None)
                if isinstance(name, str) and not name.startswith("__") and name not in fields:
                    unknown.append((root, name))
        return unknown[:10]

    def _graphql(self, unknown: list[tuple[str, str]]) -> tuple[NearMiss, ...]:
        found = []
        for root, name in unknown:
            fields = self.graphql.get(root) or self.graphql.get(root.capitalize(), {})
            for field, op_id in fields.items():
                score = _ratio(name, field)
                if score < 0.5:
                    continue
                reason = f"the {root} field {_shown(name)!r} is not in the schema; it has {field!r}"
                found.append(NearMiss(op_id, root, field, reason, round(1.0 - score, 3)))
        return _nearest(found)


def _segments(path: str) -> tuple[str, ...]:
    return tuple(unquote(part) for part in path.strip("/").split("/")) if path.strip("/") else ()


def _compare(asked: tuple[str, ...], template: tuple[str, ...]) -> tuple[float, str]:
    """How far ``asked`` is from ``template`` (0: it matches), and the first difference in words."""
    distance = 0.0
    reason = ""
    for index, (segment, wanted) in enumerate(zip(asked, template, strict=False), start=1):
        if wanted.startswith("{") and wanted.endswith("}"):
            continue
        if segment == wanted:
            continue
        distance += 1.0 - _ratio(segment, wanted)
        if not reason:
            case = " (only the case differs)" if segment.lower() == wanted.lower() else ""
            reason = f"path segment {index} is {_shown(segment)!r}, the contract has {wanted!r}{case}"
    if len(asked) != len(template):
        distance += abs(len(asked) - len(template))
        if not reason:
            reason = (
                f"the path has {len(asked)} segment{'s' if len(asked) != 1 else ''}, "
                f"the contract's {'/' + '/'.join(template)} has {len(template)}"
            )
    return distance, reason


def _ratio(one: str, other: str) -> float:
    return difflib.SequenceMatcher(None, one.lower(), other.lower()).ratio()


def _nearest(found: list[NearMiss]) -> tuple[NearMiss, ...]:
    return tuple(sorted(found, key=lambda miss: (miss.distance, miss.path, miss.method))[:MOST])


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def _graphql_document(request: Request) -> str | None:
    """The document a GraphQL request sends (a POST's JSON ``query``, ``application/graphql``, or GET's ``query``)."""
    import json

    if request.method.upper() == "GET":
        from urllib.parse import parse_qsl

        fields = dict(parse_qsl(request.query[:_MAX_BODY], max_num_fields=100))
        return fields.get("query")
    body = request.body[:_MAX_BODY]
    if len(request.body) > _MAX_BODY or not body:
        return None
    if (request.header("content-type") or "").startswith("application/graphql"):
        return body.decode("utf-8", "replace")
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    query = document.get("query") if isinstance(document, dict) else None
    return query if isinstance(query, str) else None
