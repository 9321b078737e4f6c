"""Which rule id and severity a schema finding gets, depending on whether the client sends or receives it.

An XSD change means nothing until its direction is known: a new required element breaks a client
that sends the type and costs nothing to one that receives it. Findings therefore carry a neutral
kind; this table turns (kind, direction) into a rule id and a severity. A type used in both
directions is reported once, with the stricter of the two (the README's crm rows 2 and 3); on a tie
the response side names the rule (crm row 5).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from toolkit.model import ChangeSeverity
from toolkit.soap.xsd.schema_index import Key

REQUEST = "request"
RESPONSE = "response"

B, D, I = ChangeSeverity.BREAKING, ChangeSeverity.DANGEROUS, ChangeSeverity.INFO  # noqa: E741 - a rule table reads better

Rule = tuple[str, ChangeSeverity]

# kind -> (rule when the client sends it, rule when the client receives it)
RULES: dict[str, tuple[Rule, Rule]] = {
    "element-added-required": (("request-element-added-required", B), ("response-required-element-added", I)),
    "element-added-optional": (("request-optional-element-added", I), ("response-optional-element-added", I)),
    # A validating server rejects an element it no longer declares, so even an optional one breaks a sender.
    "element-removed": (("request-element-removed", B), ("response-element-removed", B)),
    "element-became-required": (("request-element-became-required", B), ("response-element-became-required", I)),
    "element-min-occurs-raised": (("request-element-min-occurs-raised", B), ("response-element-min-occurs-raised", I)),
    "element-became-optional": (("request-element-became-optional", I), ("response-element-became-optional", B)),
    "element-min-occurs-lowered": (
        ("request-element-min-occurs-lowered", I),
        ("response-element-min-occurs-lowered", B),
    ),
    "element-max-occurs-lowered": (
        ("request-element-max-occurs-lowered", B),
        ("response-element-max-occurs-lowered", I),
    ),
    "element-max-occurs-raised": (("request-element-max-occurs-raised", I), ("response-element-max-occurs-raised", D)),
    "element-became-nillable": (("request-element-became-nillable", I), ("response-element-became-nillable", D)),
    "element-nillable-removed": (("request-element-nillable-removed", B), ("response-element-nillable-removed", I)),
    "element-namespace-changed": (("request-element-namespace-changed", B), ("response-element-namespace-changed", B)),
    "element-order-changed": (("request-element-order-changed", B), ("response-element-order-changed", D)),
    "compositor-changed": (("request-compositor-changed", B), ("response-compositor-changed", D)),
    "element-default-changed": (("request-element-default-changed", D), ("response-element-default-changed", D)),
    "element-fixed-changed": (("request-element-fixed-changed", B), ("response-element-fixed-changed", B)),
    "wildcard-added": (("request-wildcard-added", I), ("response-wildcard-added", D)),
    "wildcard-removed": (("request-wildcard-removed", B), ("response-wildcard-removed", I)),
    "mixed-added": (("request-mixed-content-added", I), ("response-mixed-content-added", D)),
    "mixed-removed": (("request-mixed-content-removed", B), ("response-mixed-content-removed", I)),
    "type-narrowed": (("request-element-type-narrowed", B), ("response-element-type-narrowed", I)),
    "type-widened": (("request-element-type-widened", I), ("response-element-type-widened", D)),
    # e.g. a pattern replaced by another: some old values are refused, some new values appear
    "type-narrowed-widened": (("request-element-type-narrowed", B), ("response-element-type-widened", D)),
    "type-changed": (("request-element-type-changed", B), ("response-element-type-changed", B)),
    "enum-value-removed": (("request-element-enum-value-removed", B), ("response-element-enum-value-removed", I)),
    "enum-value-added": (("request-element-enum-value-added", I), ("response-element-enum-value-added", D)),
    "type-renamed": (("type-renamed", I), ("type-renamed", I)),
    # message parts (WSDL): every part of a message is required
    "part-added": (("request-part-added", B), ("response-part-added", I)),
    "part-removed": (("request-part-removed", B), ("response-part-removed", B)),
    "part-element-changed": (("request-part-element-changed", B), ("response-part-element-changed", B)),
}


@dataclass(frozen=True)
class Finding:
    """A difference found in a schema or a message, before its direction is known.

    ``component`` is the named schema component it lies in; the operations that reach that
    component give its directions. A message part has no component: ``usage`` lists its
    (operation id, direction) pairs directly.
    """

    kind: str
    message: str
    old: str | None
    new: str | None
    component: Key | None = None
    usage: tuple[tuple[str, str], ...] = ()


def judge(kind: str, directions: Iterable[str]) -> Rule:
    """The rule of the strictest direction; the response side wins a tie."""
    request, response = RULES[kind]
    best: Rule | None = None
    for direction in sorted(set(directions), reverse=True):  # "response" first
        rule = request if direction == REQUEST else response
        if best is None or rule[1].rank > best[1].rank:
            best = rule
    assert best is not None, "a finding is judged only when some operation reaches it"
    return best
