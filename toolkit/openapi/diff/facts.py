"""The vocabulary of schema comparison: the keywords compared, the rule suffixes they yield, ``Fact``.

Kept apart from the walker (``schemas``) so the list of what can be reported is readable on its
own, and ``emit.implemented()`` can enumerate the ids without running a diff.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from toolkit.openapi.diff.typesets import TypeChange

# Keys that describe without constraining: a subschema made only of these is "annotation-only".
ANNOTATIONS = frozenset({"title", "description", "example", "examples", "deprecated", "$comment", "externalDocs"})
# (keyword, rule word, True when a larger value accepts more)
BOUNDS = (
    ("maximum", "max", True),
    ("minimum", "min", False),
    ("exclusiveMaximum", "exclusive-max", True),
    ("exclusiveMinimum", "exclusive-min", False),
    ("maxLength", "max-length", True),
    ("minLength", "min-length", False),
    ("maxItems", "max-items", True),
    ("minItems", "min-items", False),
    ("maxContains", "max-contains", True),
    ("minContains", "min-contains", False),
)
# Subschema keywords compared only for being added or removed (a change inside is compared below them).
PRESENCE = (
    ("contains", "contains"),
    ("propertyNames", "property-names"),
    ("if", "if"),
    ("then", "then"),
    ("else", "else"),
    ("unevaluatedItems", "unevaluated-items"),
    ("unevaluatedProperties", "unevaluated-properties"),
    ("contentSchema", "content-schema"),
    ("prefixItems", "prefix-items"),
)
# Keywords holding one subschema, compared below them when both sides have it (oasdiff walks each).
SUBSCHEMAS = (
    "items",
    "additionalProperties",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "if",
    "then",
    "else",
    "not",
    "contentSchema",
)
KEYED = (
    ("dependentRequired", "dependent-required"),
    ("dependentSchemas", "dependent-schema"),
    ("patternProperties", "pattern-property"),
)
CONTENT = (("contentEncoding", "content-encoding"), ("contentMediaType", "content-media-type"))
COMPOSITION = (("allOf", "all-of"), ("anyOf", "any-of"), ("oneOf", "one-of"))
#: every rule suffix a schema comparison can yield (the prefix comes from the place compared)
SUFFIXES: tuple[str, ...] = (
    "wrapped-in-one-of",
    "type-changed",
    "type-generalized",
    "type-specialized",
    "list-of-types-widened",
    "list-of-types-narrowed",
    "became-nullable",
    "became-not-nullable",
    "enum-value-removed",
    "enum-value-added",
    "became-enum",
    "x-extensible-enum-value-removed",
    "pattern-added",
    "pattern-removed",
    "pattern-generalized",
    "pattern-changed",
    "default-value-changed",
    "default-value-added",
    "default-value-removed",
    "const-changed",
    "const-added",
    "const-removed",
    "deprecated",
    "deprecated-with-sunset",
    "deprecated-sunset-invalid",
    "deprecated-sunset-missing",
    "sunset-date-too-small",
    "reactivated",
    "type-compatible",
    "stability-decreased",
    "stability-increased",
    "invalid-stability-level",
    "discriminator-added",
    "discriminator-removed",
    "discriminator-property-name-changed",
    "discriminator-mapping-added",
    "discriminator-mapping-deleted",
    "discriminator-mapping-changed",
    *(f"{word}-{verb}" for _, word, _ in BOUNDS for verb in ("set", "unset", "increased", "decreased")),
    *(f"{word}-{verb}" for _, word in PRESENCE for verb in ("added", "removed")),
    *(f"{word}-changed" for _, word in CONTENT),
    *(f"{word}-{verb}" for _, word in KEYED for verb in ("added", "removed", "changed")),
    *(
        f"{word}-{verb}"
        for _, word in COMPOSITION
        for verb in ("added", "removed", "added-annotation-only", "removed-annotation-only")
    ),
)
ANY_STRING = frozenset({".*", "^.*$", "^.*", ".*$", "(.*)", "^(.*)$"})


@dataclass(frozen=True, slots=True)
class Fact:
    """One difference found. ``rules``: suffixes to compose, in order of preference, or full ids."""

    rules: tuple[str, ...]
    text: str
    old: str | None
    new: str | None
    path: tuple[str, ...] = ()
    full: bool = False  # ``rules`` are whole oasdiff ids, not suffixes
    read_only: bool = False
    write_only: bool = False
    sunset: str | None = None
    # a change of type or format: its rule depends on the place (direction, JSON or text), decided by ``emit``
    types: TypeChange | None = None

    def under(self, *names: str) -> Fact:
        return replace(self, path=(*names, *self.path))


def types_of(schema: dict[str, Any], swagger: bool = False) -> tuple[frozenset[str], bool]:
    """The non-null types a schema allows, and whether it allows null (3.0, 3.1 and x-nullable)."""
    raw = schema.get("type")
    types = (
        frozenset(str(t) for t in raw)
        if isinstance(raw, list)
        else frozenset([raw])
        if isinstance(raw, str)
        else frozenset()
    )
    nullable = "null" in types or schema.get("nullable") is True or schema.get("x-nullable") is True
    return types - {"null"}, nullable


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def show(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str) if not isinstance(value, str) else value


def unique(facts: list[Fact]) -> list[Fact]:
    """One fact per change: a component reached by several routes (Stripe's expandable objects reach
    the same schema dozens of ways) changed once. The shortest route names it, at its first position."""
    best: dict[tuple[Any, ...], Fact] = {}
    for fact in facts:
        key = (fact.rules, fact.old, fact.new, fact.text)
        if key not in best or len(fact.path) < len(best[key].path):
            best[key] = fact
    return list(best.values()) if len(best) < len(facts) else facts
