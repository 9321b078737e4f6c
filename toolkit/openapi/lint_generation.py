"""Lint warnings for schemas the mock cannot answer with at the generation limits.

A contract may be valid and still ask for more than ``ctk serve`` generates: a ``minLength`` in the
billions, ``minItems`` in the millions, a ``pattern`` whose shortest match is a million characters,
required nesting deeper than ``max_generation_depth``, or a smallest value larger than
``max_generated_bytes`` (limits that each hold, multiplied: 50 items of 50 items of 50 items...).
The mock answers such a schema with a clear error rather than a hang; lint says so beforehand, as a
warning (the contract itself is fine), naming the limit to raise.

Two passes, both linear and visiting each container once (YAML aliases cannot make them exponential):
a walk of every document that checks each schema's own keywords where they are written, then a
fixpoint over the schema graph for the smallest value's nesting and size, reported at each named
or inline schema root. The fixpoint starts every schema at "too large" and lowers it until nothing
changes, so a required recursion with no way out stays too large, and one with an exit does not.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from toolkit.documents import escape_pointer_token
from toolkit.errors import CtkError
from toolkit.limits import Limits
from toolkit.model import Location, Problem, Severity
from toolkit.openapi.generate.bounds import limit_hint
from toolkit.openapi.load import OpenAPIContract
from toolkit.openapi.refs import Resolver
from toolkit.regex_strings import pattern_min_length
from toolkit.sources import display_name

# Positions whose values are data, not schemas: a "minLength" key inside an example is not a demand.
_LITERALS = frozenset({"example", "examples", "default", "enum", "const"})
# Maps whose every value is a schema (so a property named "example" is still walked).
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "definitions", "schemas", "$defs", "dependentSchemas"})
_SWEEPS = 64  # fixpoint sweeps at most (each lowers at least one value; real contracts settle in a few)
_SCALAR_SIZE = 4  # approximate JSON bytes of a number, a boolean or null


@dataclass(frozen=True, slots=True)
class _Node:
    schema: dict[str, Any]
    uri: str
    pointer: str


@dataclass(slots=True)
class _Graph:
    """Schema nodes by identity, each with where it was first seen; roots to report at."""

    nodes: dict[int, _Node] = field(default_factory=dict)
    roots: list[_Node] = field(default_factory=list)


def lint_generation(contract: OpenAPIContract, limits: Limits) -> list[Problem]:
    resolver = contract.resolver
    if resolver is None:
        return []
    problems: list[Problem] = []
    graph = _Graph()
    for uri in list(resolver.documents):
        for node, in_literal, schema_root in _walk(resolver.documents[uri], uri):
            if in_literal or not isinstance(node.schema, dict):
                continue
            if id(node.schema) not in graph.nodes:
                graph.nodes[id(node.schema)] = node
            problems.extend(_own_demands(resolver, node, limits))
            if schema_root and not _only_ref(node.schema):
                graph.roots.append(node)
    problems.extend(_smallest_values(resolver, graph, limits))
    return problems


def _walk(document: Any, uri: str) -> Iterator[tuple[_Node, bool, bool]]:
    """Every dict of ``document`` once: (node, inside a literal, a schema root), in document order."""
    seen: set[int] = set()
    stack: list[tuple[Any, str, bool, bool]] = [(document, "", False, False)]
    while stack:
        item, at, literal, root = stack.pop()
        if isinstance(item, dict):
            if id(item) in seen:
                continue
            seen.add(id(item))
            yield _Node(item, uri, at), literal, root
            parent = at.rsplit("/", 1)[-1]
            children = []
            for key, value in item.items():
                if not isinstance(key, str) or not isinstance(value, (dict, list)):
                    continue
                in_map = parent in _SCHEMA_MAPS  # the keys here are names, not keywords
                child_literal = literal or (not in_map and (key in _LITERALS or key.startswith("x-")))
                child_root = (key == "schema" and not in_map) or (
                    parent in ("schemas", "definitions") and at.count("/") <= 2
                )
                children.append((value, f"{at}/{escape_pointer_token(key)}", child_literal, child_root))
            stack.extend(reversed(children))
        elif isinstance(item, list):
            if id(item) in seen:
                continue
            seen.add(id(item))
            stack.extend(reversed([(value, f"{at}/{index}", literal, False) for index, value in enumerate(item)]))


def _only_ref(schema: dict[str, Any]) -> bool:
    return isinstance(schema.get("$ref"), str) and set(schema) <= {"$ref", "description", "summary"}


def _number(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return int(value)


def _own_demands(resolver: Resolver, node: _Node, limits: Limits) -> Iterator[Problem]:
    """The schema's own keywords that alone ask for more than the limits, each at its own place."""
    schema = node.schema
    checks = (
        ("minLength", "max_string_length", limits.max_string_length, "a string of minLength {}"),
        ("minItems", "max_array_items", limits.max_array_items, "an array of minItems {}"),
        ("minProperties", "max_object_properties", limits.max_object_properties, "an object with minProperties {}"),
    )
    for keyword, limit, bound, demand in checks:
        value = _number(schema.get(keyword))
        if value is not None and value > bound:
            yield _warning(resolver, node, keyword, demand.format(value), limit, bound)
    required = schema.get("required")
    if isinstance(required, list) and len(required) > limits.max_object_properties:
        demand = f"an object with {len(required)} required properties"
        yield _warning(resolver, node, "required", demand, "max_object_properties", limits.max_object_properties)
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        shortest = pattern_min_length(pattern)
        if shortest > limits.max_string_length:
            demand = f"a string matching this pattern, at least {shortest} characters"
            yield _warning(resolver, node, "pattern", demand, "max_string_length", limits.max_string_length)


def _warning(resolver: Resolver, node: _Node, keyword: str | None, demand: str, limit: str, bound: int) -> Problem:
    path = f"{node.pointer}/{keyword}" if keyword else node.pointer
    line = resolver.line(node.uri, path) if path else None
    message = (
        f"the mock cannot generate {demand} (over {limit}={bound}): it leaves such a part out where the "
        f"schema allows, else answers 500; {limit_hint(limit)}"
    )
    return Problem(Severity.WARNING, Location(display_name(node.uri), line=line, path=path or None), message)


# -- the smallest value's nesting and size ---------------------------------------------------------


def _smallest_values(resolver: Resolver, graph: _Graph, limits: Limits) -> Iterator[Problem]:
    if not graph.roots:
        return
    cap_depth, cap_size = limits.max_generation_depth + 1, limits.max_generated_bytes + 1
    analysis = _Smallest(resolver, graph, limits, cap_depth, cap_size)
    analysis.solve()
    for root in graph.roots:
        depth, size = analysis.value(root.schema, root.uri)
        if depth >= cap_depth:
            demand = f"a smallest value nested more than {limits.max_generation_depth} levels deep"
            yield _warning(resolver, root, None, demand, "max_generation_depth", limits.max_generation_depth)
        elif size >= cap_size:
            demand = "a smallest value larger than the answer size limit"
            yield _warning(resolver, root, None, demand, "max_generated_bytes", limits.max_generated_bytes)


class _Smallest:
    """The nesting and approximate JSON size of each schema's smallest value, as a greatest fixpoint."""

    def __init__(self, resolver: Resolver, graph: _Graph, limits: Limits, cap_depth: int, cap_size: int) -> None:
        self.resolver = resolver
        self.limits = limits
        self.graph = graph
        self.cap = (cap_depth, cap_size)
        self.values: dict[int, tuple[int, int]] = {}
        self._targets: dict[tuple[int, str], tuple[dict[str, Any], str] | None] = {}

    def solve(self) -> None:
        order = list(self.graph.nodes.values())[::-1]  # children were walked after their parents
        for _ in range(_SWEEPS):
            changed = False
            for node in order:
                new = self._compute(node.schema, node.uri)
                if new != self.values.get(id(node.schema), self.cap):
                    self.values[id(node.schema)] = new
                    changed = True
            if not changed:
                return

    def value(self, schema: Any, uri: str) -> tuple[int, int]:
        if not isinstance(schema, dict) or id(schema) not in self.graph.nodes:
            return (0, _SCALAR_SIZE)  # true/false/absent, or data: any value, or a scalar
        return self.values.get(id(schema), self.cap)

    def _target(self, schema: dict[str, Any], uri: str) -> tuple[dict[str, Any], str] | None:
        key = (id(schema), uri)
        if key not in self._targets:
            try:
                target, target_uri, _ = self.resolver.resolve(schema["$ref"], uri)
            except CtkError:
                target = None
            found = (target, target_uri) if isinstance(target, dict) and id(target) in self.graph.nodes else None
            self._targets[key] = found
        return self._targets[key]

    def _compute(self, schema: dict[str, Any], uri: str) -> tuple[int, int]:
        cap_depth, cap_size = self.cap
        if schema.get("nullable") is True or schema.get("x-nullable") is True or "const" in schema:
            return (0, _SCALAR_SIZE)
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return (0, min(len(json.dumps(item, default=str)) for item in schema["enum"][:64]))
        parts: list[tuple[int, int]] = []
        if isinstance(schema.get("$ref"), str):
            target = self._target(schema, uri)
            parts.append(self.value(*target) if target else (0, _SCALAR_SIZE))
        all_of = schema.get("allOf")
        for part in all_of if isinstance(all_of, list) else ():
            parts.append(self.value(part, uri))
        for key in ("oneOf", "anyOf"):
            branches = schema.get(key)
            if isinstance(branches, list) and branches:
                values = [self.value(branch, uri) for branch in branches]
                parts.append((min(v[0] for v in values), min(v[1] for v in values)))
        parts.append(self._own(schema, uri))
        depth = max(part[0] for part in parts)
        size = max(part[1] for part in parts)
        return (min(depth, cap_depth), min(size, cap_size))

    def _own(self, schema: dict[str, Any], uri: str) -> tuple[int, int]:
        kinds = schema.get("type")
        if isinstance(kinds, str):
            types = [kinds]
        elif isinstance(kinds, list):
            types = [kind for kind in kinds if isinstance(kind, str)]
        else:
            types = [_kind(schema)]
        return min((self._typed(kind, schema, uri) for kind in types), default=(0, _SCALAR_SIZE))

    def _typed(self, kind: str, schema: dict[str, Any], uri: str) -> tuple[int, int]:
        if kind == "string":
            # each keyword counted within its own limit (already warned about): this finds limits that
            # each hold but multiply (50 items of 50 items of 50 items ...)
            return (0, min(_number(schema.get("minLength")) or 0, self.limits.max_string_length) + 2)
        if kind == "object":
            properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
            given = schema.get("required")
            required = [name for name in given if isinstance(name, str)] if isinstance(given, list) else []
            depth, size = 0, 2
            for name in dict.fromkeys(required):
                prop = properties.get(name)  # type: ignore[union-attr]
                if isinstance(prop, dict) and (prop.get("readOnly") is True or prop.get("writeOnly") is True):
                    continue  # required in one direction only: the smallest value leaves it out in the other
                prop_depth, prop_size = self.value(prop, uri)
                depth, size = max(depth, prop_depth), size + len(name) + 4 + prop_size
            wanted = min(_number(schema.get("minProperties")) or 0, self.limits.max_object_properties)
            extra = max(0, wanted - len(required))
            return (depth + 1, size + extra * (4 + _SCALAR_SIZE))
        if kind == "array":
            count = min(_number(schema.get("minItems")) or 0, self.limits.max_array_items)
            items = schema.get("items")
            if count == 0:
                return (1, 2)
            item_depth, item_size = self.value(items[0] if isinstance(items, list) and items else items, uri)
            return (item_depth + 1, 2 + count * (item_size + 1))
        return (0, _SCALAR_SIZE)


def _kind(schema: dict[str, Any]) -> str:
    if "properties" in schema or "required" in schema or "minProperties" in schema:
        return "object"
    if "items" in schema or "minItems" in schema:
        return "array"
    if "minLength" in schema or "pattern" in schema:
        return "string"
    return "any"
