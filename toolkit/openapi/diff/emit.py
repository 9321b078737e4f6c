"""Turning findings into ``Change``s: oasdiff ids, severities, messages and one row per operation.

Schema facts carry a rule *suffix*; the place they were found in (a request body, a response body,
a parameter, a response header) decides the prefix, the same way oasdiff names its rules
(``request-body-`` at the top of a body, ``request-property-`` inside it, …). An id that oasdiff
does not have is dropped rather than invented.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Collection
from dataclasses import dataclass

from toolkit.model import Change
from toolkit.openapi.diff.facts import SUFFIXES, Fact
from toolkit.openapi.diff.levels import known, severity
from toolkit.openapi.diff.policy import DEFAULT_POLICY, DiffPolicy
from toolkit.openapi.diff.typesets import parameter_property_rule, parameter_rule, request_rule, response_rule
from toolkit.sunset import parse_sunset

# oasdiff names a few rules outside the regular pattern.
_ALIASES = {
    "response-body-enum-value-removed": "response-mediatype-enum-value-removed",
    "request-property-invalid-stability-level": "api-invalid-stability-level",
    "response-property-invalid-stability-level": "api-invalid-stability-level",
}
# A header parameter whose schema is an object: oasdiff names its property rules ``request-header-property-``.
_HEADER_PROPERTY = {
    "new-required-request-property": "new-required-request-header-property",
    "request-property-became-required": "request-header-property-became-required",
}


@dataclass(frozen=True, slots=True)
class Place:
    """Where a schema was compared: its kind (request-body, response-body, parameter, header) and words."""

    kind: str
    label: str  # e.g. "the request body (application/json)", "the query parameter `limit`"
    strict: bool = True  # JSON: 1 and "1" differ; elsewhere (XML, forms, headers) every value is text
    header: bool = False  # a request header parameter
    stability: object = None  # the operation's x-stability-level (deprecation days, stability tracking)
    form_explode: bool = False  # a query or cookie parameter serialised form/explode: one value reads as an array


def strongly_typed(media: str) -> bool:
    """oasdiff's ``isStronglyTyped``: JSON, where a type swap is never safe."""
    return media == "application/json" or media.endswith("+json")


_PREFIXES = (
    "request-body-",
    "request-property-",
    "request-read-only-property-",
    "response-body-",
    "response-property-",
    "response-write-only-property-",
    "request-parameter-",
    "request-parameter-property-",
    "request-header-property-",
    "response-header-",
)
# Whole ids emitted outside the schema walk ({kind}: required/optional, {head}: the place removed).
_WHOLE = (
    "new-{kind}-request-default-parameter-to-existing-path",
    "new-{kind}-request-parameter",
    "new-{kind}-request-property",
    "new-required-request-property-with-default",
    "new-request-path-parameter",
    "request-body-added-{kind}",
    "response-{kind}-property-added",
    "response-{kind}-property-removed",
    "response-{kind}-write-only-property-added",
    "response-{kind}-write-only-property-removed",
    "{head}-removed-before-sunset",
    "{head}-removed-with-deprecation",
    "{head}-removed-without-deprecation",
    "{head}-security-added",
    "{head}-security-removed",
    "{head}-security-scope-added",
    "{head}-security-scope-removed",
    "api-deprecated-sunset-missing",
    "api-deprecated-sunset-parse",
    "api-major-version-not-bumped",
    "api-sunset-date-too-small",
    "api-version-decreased",
    "api-version-not-bumped",
    "new-required-request-header-property",
    "request-header-property-became-required",
    "request-parameter-deprecated-sunset-missing",
    "request-parameter-sunset-date-too-small",
    "response-media-type-name-changed",
    "response-media-type-name-generalized",
    "response-media-type-name-specialized",
    "api-invalid-stability-level",
    "api-operation-id-added",
    "api-operation-id-removed",
    "api-path-sunset-parse",
    "api-schema-removed",
    "api-security-component-added",
    "api-security-component-oauth-scope-added",
    "api-security-component-oauth-scope-changed",
    "api-security-component-oauth-scope-removed",
    "api-security-component-oauth-token-url-changed",
    "api-security-component-oauth-url-changed",
    "api-security-component-removed",
    "api-security-component-type-changed",
    "api-server-added",
    "api-server-removed",
    "api-stability-decreased",
    "api-stability-increased",
    "api-sunset-date-changed-too-small",
    "api-tag-added",
    "api-tag-removed",
    "endpoint-added",
    "endpoint-deprecated",
    "endpoint-deprecated-with-sunset",
    "endpoint-reactivated",
    "optional-response-header-removed",
    "required-response-header-removed",
    "request-body-became-optional",
    "request-body-became-required",
    "request-body-media-type-added",
    "request-body-media-type-removed",
    "request-body-media-type-schema-added",
    "request-body-media-type-schema-removed",
    "request-body-removed",
    "request-parameter-became-optional",
    "request-parameter-became-required",
    "request-parameter-deprecated",
    "request-parameter-reactivated",
    "request-parameter-removed",
    "request-parameter-removed-before-sunset",
    "request-parameter-removed-with-deprecation",
    "request-parameter-sunset-date-changed-too-small",
    "request-parameter-sunset-deleted",
    "request-parameter-sunset-parse",
    "request-property-became-optional",
    "request-property-became-required",
    "request-property-became-required-with-default",
    "request-property-removed",
    "response-body-media-type-schema-added",
    "response-body-media-type-schema-removed",
    "response-header-added",
    "response-header-became-optional",
    "response-media-type-added",
    "response-media-type-removed",
    "response-non-success-status-added",
    "response-non-success-status-removed",
    "response-property-became-optional",
    "response-property-became-required",
    "response-success-status-added",
    "response-success-status-removed",
    "response-write-only-property-became-optional",
    "response-write-only-property-became-required",
    "sunset-deleted",
    "webhook-added",
    "webhook-removed",
    *(
        f"{d}-{k}-property-became-{n}{w}"
        for d in ("request", "response")
        for k in ("required", "optional")
        for n in ("", "not-")
        for w in ("read-only", "write-only")
    ),
)


@functools.cache
def implemented() -> frozenset[str]:
    """Every oasdiff id this diff can emit (for the oracle report: which rules are still missing)."""
    found = {_ALIASES.get(p + s, p + s) for p in _PREFIXES for s in SUFFIXES}
    for template in _WHOLE:
        for kind in ("required", "optional"):
            for head in ("api", "api-path", "api-global"):
                found.add(template.format(kind=kind, head=head))
    return frozenset(rule for rule in found if known(rule))


def _prefixes(place: Place, fact: Fact) -> tuple[str, ...]:
    top = not fact.path
    if place.kind == "request-body":
        if top:
            return ("request-body-",)
        # readOnly properties are the server's: oasdiff's read-only rules (info) first where it has one
        return ("request-read-only-property-", "request-property-") if fact.read_only else ("request-property-",)
    if place.kind == "response-body":
        if top:
            return ("response-body-",)
        return ("response-write-only-property-", "response-property-") if fact.write_only else ("response-property-",)
    if place.kind == "parameter":
        if top:
            return ("request-parameter-",)
        nested = ("request-parameter-property-",)
        return ("request-header-property-", *nested) if place.header else nested
    if place.kind == "header":
        return ("response-header-",) if top else ()
    return ()


def rule_for(place: Place, fact: Fact) -> str | None:
    """oasdiff's id for ``fact`` found at ``place``, or None when oasdiff has no such rule."""
    if fact.full:
        rule = _HEADER_PROPERTY.get(fact.rules[0], fact.rules[0]) if place.header else fact.rules[0]
        return rule if known(rule) else None
    if fact.types is not None and fact.read_only and fact.path and place.kind == "request-body":
        return None  # the server's own value: what a client sends there is ignored (oasdiff skips it too)
    suffixes = (_type_rule(place, fact), *fact.rules) if fact.types is not None else fact.rules
    for prefix in _prefixes(place, fact):
        for suffix in suffixes:
            rule = _ALIASES.get(prefix + suffix, prefix + suffix)
            if known(rule):
                return rule
    return None


def _type_rule(place: Place, fact: Fact) -> str:
    """The suffix of a type or format change where it was found: direction, JSON or text, parameter or not."""
    assert fact.types is not None
    if place.kind == "parameter":
        return parameter_property_rule(fact.types) if fact.path else parameter_rule(fact.types, place.form_explode)
    if place.kind in ("response-body", "header"):
        return response_rule(fact.types, place.strict)
    return request_rule(fact.types, place.strict)


class Emitter:
    """Collects the changes of one diff."""

    def __init__(self, today: dt.date, policy: DiffPolicy = DEFAULT_POLICY) -> None:
        self.today = today
        self.policy = policy
        self.changes: list[Change] = []

    def add(
        self,
        rule: str,
        message: str,
        operation: str | None,
        old: str | None,
        new: str | None,
        *,
        sunset: dt.date | None = None,
        deprecation: bool = False,
    ) -> None:
        if not known(rule):
            return
        self.changes.append(
            Change(
                id=rule,
                severity=severity(rule),
                message=message,
                operations=(operation,) if operation else (),
                old=old,
                new=new,
                sunset=sunset,
                deprecation=deprecation,
            )
        )

    def members(
        self,
        head: str,
        noun: str,
        before: Collection[object],
        after: Collection[object],
        operation: str | None,
        old: str | None,
        new: str | None,
    ) -> None:
        """``{head}-removed`` for each member of ``before`` that ``after`` lacks, then ``{head}-added``."""
        label = f"{operation}: " if operation else ""
        for member in before:
            if member not in after:
                self.add(f"{head}-removed", f"{label}{noun} `{member}` was removed", operation, old, new)
        for member in after:
            if member not in before:
                self.add(f"{head}-added", f"{label}{noun} `{member}` was added", operation, old, new)

    def facts(self, facts: list[Fact], place: Place, operation: str) -> None:
        for fact in facts:
            rule = rule_for(place, fact)
            if rule is None:
                continue
            subject = place.label
            if fact.path:
                subject = f"property `{'/'.join(fact.path)}` of {place.label}"
            sunset = parse_sunset(fact.sunset) if fact.sunset is not None else None
            rule, text = self._policy(rule, place, sunset, fact.text)
            if rule is None:
                continue
            self.add(
                rule,
                f"{operation}: {subject}: {text}",
                operation,
                fact.old,
                fact.new,
                sunset=sunset,
                deprecation=rule.endswith(("-deprecated", "-deprecated-with-sunset", "-sunset-date-too-small")),
            )
            if place.header and not fact.path and "became-enum" in fact.rules:
                # oasdiff reports a header parameter turned enum twice: as a parameter and as a header
                self.add("request-header-property-became-enum", f"{operation}: {subject}: {text}", operation,
                         fact.old, fact.new)  # fmt: skip

    def _policy(self, rule: str, place: Place, sunset: dt.date | None, text: str) -> tuple[str | None, str]:
        """Deprecation periods and stability tracking, which depend on the operation and the policy."""
        policy, stability = self.policy, place.stability
        if rule.endswith("-stability-decreased") or rule.endswith("-stability-increased"):
            return (rule if policy.tracks(stability) else None), text
        if rule.endswith("-deprecated-with-sunset") and sunset is not None:
            if policy.sunset_too_soon(sunset, self.today, stability):
                days = policy.deprecation_days(stability)
                return _swap(rule, "deprecated-with-sunset", "sunset-date-too-small"), (
                    f"was deprecated with sunset {sunset}, which is less than {days} days from {self.today}"
                )
        elif rule.endswith("-deprecated") and policy.deprecation_days(stability) > 0:
            days = policy.deprecation_days(stability)
            return _swap(rule, "deprecated", "deprecated-sunset-missing"), (
                f"was deprecated without a sunset date (the policy asks for {days} days' notice)"
            )
        return rule, text


def _swap(rule: str, suffix: str, other: str) -> str:
    swapped = rule[: -len(suffix)] + other
    return swapped if known(swapped) else rule
