"""The two sides of an OpenAPI diff, viewed the same way whatever the spec version.

The diff compares *meaning*, so every place it looks at goes through here: ``$ref``s are followed
(keeping the pointer of the place they lead to, so findings point inside components), and Swagger 2.0
is read as if it were 3.x (body/formData parameters → a request body per ``consumes`` media type,
response schemas → one content entry per ``produces`` media type, header and parameter objects →
schemas). Nothing is copied or inlined: views are built per operation, on demand.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from toolkit.documents import pointer
from toolkit.openapi.load import HTTP_METHODS, OpenAPIContract
from toolkit.openapi.refs import Resolver
from toolkit.sources import display_name


@dataclass(frozen=True, slots=True)
class Node:
    """A value in one document of a contract, with where it is (for locations and memo keys)."""

    value: Any
    uri: str
    ptr: str

    def child(self, *keys: str | int) -> Node | None:
        value = self.value
        if len(keys) == 1 and isinstance(keys[0], str):
            # the walk's commonest step (one key of a mapping), taken without the general loop
            name = keys[0]
            if not isinstance(value, dict) or name not in value:
                return None
            token = name.replace("~", "~0").replace("/", "~1") if "~" in name or "/" in name else name
            return Node(value[name], self.uri, f"{self.ptr}/{token}")
        for key in keys:
            found = isinstance(value, dict) and isinstance(key, str) and key in value
            found = found or (isinstance(value, list) and isinstance(key, int) and key < len(value))
            if not found:
                return None
            value = value[key]
        return Node(value, self.uri, self.ptr + pointer(*keys))

    def at(self, *keys: str | int) -> str:
        """The pointer of a (possibly absent) place under this node."""
        return self.ptr + pointer(*keys)


class Side:
    """One version of the contract: its resolver, its spec version, and ``$ref`` following."""

    def __init__(self, contract: OpenAPIContract) -> None:
        assert contract.resolver is not None  # diff.as_openapi refuses contracts without one
        self.contract = contract
        self.resolver: Resolver = contract.resolver
        self.root = Node(contract.document, self.resolver.root_uri, "")
        self.swagger = contract.spec_version == "2.0"

    def deref(self, node: Node) -> tuple[Node, str | None]:
        """``node`` with ``$ref``s followed, and a key naming the target (None when not a ref)."""
        key = None
        value, uri, ptr = node.value, node.uri, node.ptr
        hops = 0
        while isinstance(value, dict) and isinstance(value.get("$ref"), str) and hops < 64:
            hops += 1
            value, uri, ptr = self.resolver.resolve(value["$ref"], uri)
            key = f"{uri}#{ptr}"
        return Node(value, uri, ptr), key

    def where(self, node_uri: str, ptr: str) -> str:
        """A location string: a bare JSON pointer in the root document, ``file#pointer`` elsewhere."""
        if node_uri == self.resolver.root_uri:
            return ptr or "/"
        return f"{display_name(node_uri)}#{ptr}"


def normalise_path(path: str) -> str:
    """``/users/{id}`` and ``/users/{userId}`` are the same endpoint: parameter names do not matter."""
    out, depth = [], 0
    for char in path:
        if char == "{":
            depth += 1
            if depth == 1:
                out.append("{}")
        elif char == "}":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(char)
    return "".join(out)


@dataclass
class ParamView:
    name: str
    where: str  # "query", "header", "path", "cookie"
    node: Node  # the parameter object
    schema: Node | None  # its schema (Swagger: the parameter itself)
    required: bool
    path_level: bool


@dataclass
class BodyView:
    node: Node  # the requestBody (Swagger: the body parameter, or the first formData parameter)
    required: bool
    content: dict[str, Node | None]  # media type → schema


@dataclass
class ResponseView:
    node: Node
    content: dict[str, Node | None]
    headers: dict[str, tuple[Node, Node | None, bool]]  # lower name → (header object, schema, required)


@dataclass
class OperationView:
    id: str  # "GET /path" as in Contract.operations
    method: str
    path: str
    node: Node  # the operation object
    item: Node  # the path item
    params: dict[tuple[str, str], ParamView] = field(default_factory=dict)
    body: BodyView | None = None
    responses: dict[str, ResponseView] = field(default_factory=dict)


def operations(side: Side) -> dict[tuple[str, str], tuple[str, Node, Node]]:
    """(normalised path, method) → (path as written, path item, operation), in document order."""
    found: dict[tuple[str, str], tuple[str, Node, Node]] = {}
    for path, item in _entries(side, side.root, "paths"):
        if path.startswith("x-") or not isinstance(item.value, dict):
            continue
        for method in HTTP_METHODS:
            raw_op = item.child(method)
            if raw_op is None or not isinstance(raw_op.value, dict):
                continue
            op, _ = side.deref(raw_op)
            found[(normalise_path(path), method)] = (path, item, op)
    return found


def view(side: Side, path: str, method: str, item: Node, op: Node) -> OperationView:
    """The operation's parameters, request body and responses, as 3.x would have them."""
    result = OperationView(f"{method.upper()} {path}", method, path, op, item)
    form: list[ParamView] = []
    for level, holder in ((True, item), (False, op)):
        params = holder.child("parameters")
        if params is None or not isinstance(params.value, list):
            continue
        for index in range(len(params.value)):
            raw = params.child(index)
            if raw is None:
                continue
            param, _ = side.deref(raw)
            value = param.value
            if not isinstance(value, dict) or not isinstance(value.get("name"), str):
                continue
            where = str(value.get("in", ""))
            if side.swagger and where == "body":
                schema = param.child("schema")
                result.body = BodyView(param, value.get("required") is True, {})
                for media in _media_types(side, op, "consumes"):
                    result.body.content[media] = schema
                continue
            schema = param.child("schema") if not side.swagger else param
            pview = ParamView(value["name"], where, param, schema, value.get("required") is True, level)
            if side.swagger and where == "formData":
                form.append(pview)
                continue
            # headers are case-insensitive; path parameters are matched by position, not by name
            if where == "header":
                key = value["name"].lower()
            elif where == "path":
                key = str(_path_position(path, value["name"]))
            else:
                key = value["name"]
            result.params[(where, key)] = pview
    if form:
        medias = [m for m in _media_types(side, op, "consumes") if "form" in m] or ["application/x-www-form-urlencoded"]
        properties = {p.name: p.node.value for p in form}
        required = [p.name for p in form if p.required]
        synthetic = Node(
            {"type": "object", "properties": properties, "required": required}, op.uri, op.at("parameters")
        )
        result.body = BodyView(form[0].node, bool(required), dict.fromkeys(medias, synthetic))
    if not side.swagger:
        raw_body = op.child("requestBody")
        if raw_body is not None:
            body, _ = side.deref(raw_body)
            if isinstance(body.value, dict):
                result.body = BodyView(body, body.value.get("required") is True, _content(side, body))
    for status, response in _entries(side, op, "responses"):
        if not isinstance(response.value, dict) or status.startswith("x-"):
            continue
        content: dict[str, Node | None] = {}
        if side.swagger:
            schema = response.child("schema")
            if schema is not None:
                content = dict.fromkeys(_media_types(side, op, "produces"), schema)
        else:
            content = _content(side, response)
        result.responses[status] = ResponseView(response, content, _headers(side, response))
    return result


def _path_position(path: str, name: str) -> int:
    segments = [s for s in path.split("/") if "{" in s]
    for index, segment in enumerate(segments):
        if "{" + name + "}" in segment:
            return index
    return -1


def _media_types(side: Side, op: Node, key: str) -> list[str]:
    for holder in (op.value, side.root.value):
        value = holder.get(key) if isinstance(holder, dict) else None
        if isinstance(value, list) and value:
            return [str(v) for v in value]
    return ["application/json"]


def _entries(side: Side, holder: Node, key: str) -> Iterator[tuple[str, Node]]:
    """The entries of the map ``holder[key]`` (none when it is not a map), ``$ref``s followed."""
    found = holder.child(key)
    if found is None or not isinstance(found.value, dict):
        return
    for name in found.value:
        entry = found.child(name)  # None for a key that is not a string
        if entry is not None:
            yield name, side.deref(entry)[0]


def _content(side: Side, holder: Node) -> dict[str, Node | None]:
    return {
        media: entry.child("schema") if isinstance(entry.value, dict) else None
        for media, entry in _entries(side, holder, "content")
    }


def _headers(side: Side, response: Node) -> dict[str, tuple[Node, Node | None, bool]]:
    return {
        name.lower(): (header, header if side.swagger else header.child("schema"), header.value.get("required") is True)
        for name, header in _entries(side, response, "headers")
        if isinstance(header.value, dict)
    }
