"""OpenAPI drift rules that generalise (issue 17): each class oasdiff has and ctk missed, on a contract written here.

Each test writes an old and a new contract (YAML in the test), diffs them as ``ctk drift`` does
(``toolkit.drift.diff_contracts``) and checks the rule ids (oasdiff's), severities and places.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.support.cli import run_ctk
from tests.support.files import write_file
from toolkit import load_contract
from toolkit.drift import diff_contracts
from toolkit.model import Change, ChangeSeverity, DriftPolicies

TODAY = dt.date(2026, 1, 1)
BREAKING, DANGEROUS, INFO = ChangeSeverity.BREAKING, ChangeSeverity.DANGEROUS, ChangeSeverity.INFO


def _doc(paths: str, version: str = "3.1.0") -> str:
    return f'openapi: {version}\ninfo: {{title: t, version: "1"}}\npaths:\n{paths}\n'


def _changes(
    tmp_path: Path, old: str, new: str, policies: DriftPolicies | None = None, today: dt.date = TODAY
) -> list[Change]:
    a = load_contract(write_file(tmp_path, "old.yaml", old))
    b = load_contract(write_file(tmp_path, "new.yaml", new))
    return diff_contracts(a, b, today=today, policies=policies or DriftPolicies())


def _found(changes: list[Change]) -> list[tuple[str, ChangeSeverity]]:
    return [(c.id, c.severity) for c in changes]


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in text.strip().splitlines())


def _post(schema: str, version: str = "3.1.0") -> str:
    """POST /things with a JSON request body of ``schema`` (YAML)."""
    return _doc(
        "  /things:\n    post:\n      requestBody:\n        content:\n          application/json:\n"
        f"            schema:\n{_indent(schema, 14)}\n      responses: {{'204': {{description: ok}}}}",
        version,
    )


def _get(schema: str, media: str = "application/json", version: str = "3.1.0") -> str:
    """GET /things answering 200 with a body of ``schema`` (YAML)."""
    return _doc(
        "  /things:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n"
        f"            {media}:\n              schema:\n{_indent(schema, 16)}",
        version,
    )


def _query(param: str, version: str = "3.1.0") -> str:
    """GET /things with one query parameter (a YAML flow mapping without ``in``)."""
    return _doc(
        f"  /things:\n    get:\n      parameters:\n        - {{in: query, {param}}}\n"
        "      responses: {'204': {description: ok}}",
        version,
    )


# --- changes inside 3.1 subschemas: walked like properties, as oasdiff walks them ----------------------


@pytest.mark.parametrize(
    ("old", "new", "expected", "place"),
    [
        pytest.param(
            "{type: object, if: {properties: {kind: {const: a}}}, then: {properties: {code: {type: string}}}}",
            "{type: object, if: {properties: {kind: {const: a}}}, then: {properties: {code: {type: string,"
            " maxLength: 4}}}}",
            "request-property-max-length-set",
            "/then/properties/code/maxLength",
            id="then",
        ),
        pytest.param(
            "{type: object, if: {properties: {kind: {const: a}}}, then: {}, else: {properties: {n: {minimum: 1}}}}",
            "{type: object, if: {properties: {kind: {const: a}}}, then: {}, else: {properties: {n: {minimum: 5}}}}",
            "request-property-min-increased",
            "/else/properties/n/minimum",
            id="else",
        ),
        pytest.param(
            "{type: object, if: {properties: {kind: {type: string}}}}",
            "{type: object, if: {properties: {kind: {type: integer}}}}",
            "request-property-type-changed",
            "/if/properties/kind/type",
            id="if",
        ),
        pytest.param(
            "{type: object, not: {properties: {tag: {type: string, maxLength: 10}}}}",
            "{type: object, not: {properties: {tag: {type: string, maxLength: 5}}}}",
            "request-property-max-length-decreased",
            "/not/properties/tag/maxLength",
            id="not",
        ),
        pytest.param(
            "{type: array, prefixItems: [{type: string}, {type: integer, maximum: 10}]}",
            "{type: array, prefixItems: [{type: string}, {type: integer, maximum: 3}]}",
            "request-property-max-decreased",
            "/prefixItems/1/maximum",
            id="prefixItems",
        ),
        pytest.param(
            "{type: object, propertyNames: {type: string, maxLength: 20}}",
            "{type: object, propertyNames: {type: string, maxLength: 8}}",
            "request-property-max-length-decreased",
            "/propertyNames/maxLength",
            id="propertyNames",
        ),
        pytest.param(
            "{type: object, unevaluatedProperties: {type: string}}",
            "{type: object, unevaluatedProperties: {type: string, enum: [a, b]}}",
            "request-property-became-enum",
            "/unevaluatedProperties/enum",
            id="unevaluatedProperties",
        ),
        pytest.param(
            "{type: array, unevaluatedItems: {type: string, pattern: '^a'}}",
            "{type: array, unevaluatedItems: {type: string, pattern: '^b'}}",
            "request-property-pattern-changed",
            "/unevaluatedItems/pattern",
            id="unevaluatedItems",
        ),
        pytest.param(
            "{type: object, dependentSchemas: {card: {properties: {cvc: {type: string}}}}}",
            "{type: object, dependentSchemas: {card: {required: [cvc], properties: {cvc: {type: string}}}}}",
            "request-property-became-required",
            "/dependentSchemas/card/required",
            id="dependentSchemas",
        ),
    ],
)
def test_request_body_changes_inside_31_subschemas(
    tmp_path: Path, old: str, new: str, expected: str, place: str
) -> None:
    changes = _changes(tmp_path, _post(old), _post(new))
    assert [c.id for c in changes] == [expected]
    body = "/paths/~1things/post/requestBody/content/application~1json/schema"
    assert changes[0].new == body + place
    assert changes[0].operations == ("POST /things",)


def test_a_property_added_inside_then_is_a_new_required_request_property(tmp_path: Path) -> None:
    old = "{type: object, if: {required: [card]}, then: {properties: {card: {type: string}}}}"
    new = (
        "{type: object, if: {required: [card]},"
        " then: {required: [cvc], properties: {card: {type: string}, cvc: {type: string}}}}"
    )
    assert _found(_changes(tmp_path, _post(old), _post(new))) == [("new-required-request-property", BREAKING)]
    # and the other way round: the property is gone, which a client still sending it may notice (oasdiff: WARN)
    assert _found(_changes(tmp_path, _post(new), _post(old))) == [("request-property-removed", DANGEROUS)]


def test_subschema_added_or_removed_is_still_its_own_rule(tmp_path: Path) -> None:
    old = "{type: object}"
    new = "{type: object, propertyNames: {maxLength: 8}}"
    assert _found(_changes(tmp_path, _post(old), _post(new))) == [("request-body-property-names-added", BREAKING)]


# --- type sets: what a response may return, what a request may send -------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # a response whose set shrinks returns less: a specialisation
        pytest.param(
            "{type: [string, integer]}", "{type: [string]}", ("response-body-type-specialized", INFO), id="narrowed"
        ),
        # a response whose set grows may return what a client does not handle
        pytest.param(
            "{type: [string]}", "{type: [string, integer]}", ("response-body-type-generalized", BREAKING), id="widened"
        ),
        # a response losing its type may return anything
        pytest.param(
            "{type: string}", "{description: anything}", ("response-body-type-changed", BREAKING), id="type removed"
        ),
        # a response gaining a type where it had none returns a subset
        pytest.param(
            "{description: anything}", "{type: string}", ("response-body-type-specialized", INFO), id="type added"
        ),
        pytest.param(
            "{type: number}", "{type: integer}", ("response-body-type-specialized", INFO), id="number to integer"
        ),
        pytest.param("{type: string}", "{type: integer}", ("response-body-type-changed", BREAKING), id="swapped"),
    ],
)
def test_response_type_sets(tmp_path: Path, old: str, new: str, expected: tuple[str, ChangeSeverity]) -> None:
    assert _found(_changes(tmp_path, _get(old), _get(new))) == [expected]


def test_null_leaving_a_response_type_set_is_only_a_nullability_change(tmp_path: Path) -> None:
    changes = _changes(tmp_path, _get("{type: [string, 'null']}"), _get("{type: [string]}"))
    assert _found(changes) == [("response-body-became-not-nullable", INFO)]
    changes = _changes(tmp_path, _get("{type: [string]}"), _get("{type: [string, 'null']}"))
    assert _found(changes) == [("response-body-became-nullable", BREAKING)]


def test_response_property_type_sets_and_loose_media(tmp_path: Path) -> None:
    old = "{type: object, properties: {id: {type: [string, integer]}}}"
    new = "{type: object, properties: {id: {type: [string, integer, boolean]}}}"
    assert _found(_changes(tmp_path, _get(old), _get(new))) == [("response-property-type-generalized", BREAKING)]
    # a swap a reader of text never notices: compatible where values are text, changed in JSON
    xml_old, xml_new = _get("{type: string}", "application/xml"), _get("{type: object}", "application/xml")
    assert _found(_changes(tmp_path, xml_old, xml_new)) == [("response-body-type-compatible", INFO)]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "{type: [string]}", "{type: [string, integer]}", ("request-body-type-generalized", INFO), id="widened"
        ),
        pytest.param(
            "{type: [string, integer]}", "{type: [string]}", ("request-body-type-changed", BREAKING), id="narrowed"
        ),
        pytest.param(
            "{type: string}", "{description: anything}", ("request-body-type-generalized", INFO), id="type removed"
        ),
        pytest.param(
            "{description: anything}", "{type: string}", ("request-body-type-changed", BREAKING), id="type added"
        ),
        pytest.param(
            "{type: integer, format: int32}",
            "{type: integer, format: int64}",
            ("request-body-type-generalized", INFO),
            id="int32 to int64",
        ),
        pytest.param(
            "{type: integer, format: int64}",
            "{type: integer, format: int32}",
            ("request-body-type-changed", BREAKING),
            id="int64 to int32",
        ),
    ],
)
def test_request_type_sets(tmp_path: Path, old: str, new: str, expected: tuple[str, ChangeSeverity]) -> None:
    assert _found(_changes(tmp_path, _post(old), _post(new))) == [expected]


def test_a_response_format_removed_is_breaking_and_a_request_format_removed_is_not(tmp_path: Path) -> None:
    old, new = "{type: string, format: uuid}", "{type: string}"
    assert _found(_changes(tmp_path, _get(old), _get(new))) == [("response-body-type-changed", BREAKING)]
    assert _found(_changes(tmp_path, _post(old), _post(new))) == [("request-body-type-generalized", INFO)]


# --- pattern '' is no pattern ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("pattern: ''", "pattern: '^[a-z]+$'", [("request-parameter-pattern-added", BREAKING)]),
        ("pattern: '^[a-z]+$'", "pattern: ''", [("request-parameter-pattern-removed", INFO)]),
        ("pattern: ''", "description: none", []),
    ],
)
def test_an_empty_pattern_reads_as_no_pattern(
    tmp_path: Path, old: str, new: str, expected: list[tuple[str, ChangeSeverity]]
) -> None:
    changes = _changes(
        tmp_path,
        _query(f"name: q, schema: {{type: string, {old}}}"),
        _query(f"name: q, schema: {{type: string, {new}}}"),
    )
    assert _found(changes) == expected


def test_an_empty_pattern_in_a_response_property(tmp_path: Path) -> None:
    old = "{type: object, properties: {code: {type: string, pattern: ''}}}"
    new = "{type: object, properties: {code: {type: string, pattern: '^[A-Z]{3}$'}}}"
    assert [c.id for c in _changes(tmp_path, _get(old), _get(new))] == ["response-property-pattern-added"]
    assert [c.id for c in _changes(tmp_path, _get(new), _get(old))] == ["response-property-pattern-removed"]


# --- parameters: items, object properties, form/explode arrays -------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "{type: array, maxItems: 50, items: {type: string}}",
            "{type: array, maxItems: 10, items: {type: string}}",
            [("request-parameter-max-items-decreased", BREAKING)],
            id="on the array",
        ),
        pytest.param(
            "{type: array, items: {type: array, maxItems: 20}}",
            "{type: array, items: {type: array, maxItems: 10}}",
            [("request-parameter-max-items-decreased", BREAKING)],
            id="on its items",
        ),
        pytest.param(
            "{type: array, items: {type: array, maxItems: 10}}",
            "{type: array, items: {type: array, maxItems: 20}}",
            [("request-parameter-max-items-increased", INFO)],
            id="on its items, raised",
        ),
        pytest.param(
            "{type: array, items: {type: string, enum: [a, b]}}",
            "{type: array, items: {type: string, enum: [a]}}",
            [("request-parameter-property-enum-value-removed", BREAKING)],
            id="enum of its items",
        ),
    ],
)
def test_array_parameter_bounds_reached_through_items(
    tmp_path: Path, old: str, new: str, expected: list[tuple[str, ChangeSeverity]]
) -> None:
    changes = _changes(tmp_path, _query(f"name: ids, schema: {old}"), _query(f"name: ids, schema: {new}"))
    assert _found(changes) == expected
    assert "ids" in changes[0].message


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # JSON ({"id":"1"}) breaks, PHP style (filter[id]=1) does not: the contract does not say which, a warning
        pytest.param("integer", "string", ("request-parameter-property-type-changed", DANGEROUS), id="to string"),
        # breaking either way
        pytest.param("string", "integer", ("request-parameter-property-type-specialized", BREAKING), id="to integer"),
        # safe either way
        pytest.param("integer", "number", ("request-parameter-property-type-generalized", INFO), id="to number"),
    ],
)
def test_object_query_parameter_property_type_changes(
    tmp_path: Path, old: str, new: str, expected: tuple[str, ChangeSeverity]
) -> None:
    schema = "name: filter, schema: {{type: object, properties: {{id: {{type: {}}}}}}}"
    changes = _changes(tmp_path, _query(schema.format(old)), _query(schema.format(new)))
    assert _found(changes) == [expected]
    assert changes[0].new is not None and changes[0].new.endswith("/properties/id/type")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # ?color=red is a one-element array under form/explode (the default for query parameters)
        pytest.param(
            "{type: string}", "{type: array, items: {type: string}}", "request-parameter-type-generalized", id="scalar"
        ),
        pytest.param(
            "{type: [string, integer]}",
            "{type: array, items: {type: string}}",
            "request-parameter-type-generalized",
            id="scalar union",
        ),
        pytest.param(
            "{type: [string, 'null']}",
            "{type: [array, 'null'], items: {type: string}}",
            "request-parameter-type-generalized",
            id="nullable",
        ),
        # items that reject an old value: ?n=abc was valid
        pytest.param(
            "{type: string}",
            "{type: array, items: {type: integer}}",
            "request-parameter-type-changed",
            id="narrower items",
        ),
        pytest.param(
            "{type: string}",
            "{type: array, items: {type: string, pattern: '^[0-9]+$'}}",
            "request-parameter-type-changed",
            id="constrained items",
        ),
    ],
)
def test_form_explode_query_parameter_widened_to_an_array(tmp_path: Path, old: str, new: str, expected: str) -> None:
    changes = _changes(tmp_path, _query(f"name: color, schema: {old}"), _query(f"name: color, schema: {new}"))
    assert [c.id for c in changes] == [expected]


@pytest.mark.parametrize(
    "param",
    [
        pytest.param("in: query, name: color, style: form, explode: false", id="not exploded"),
        pytest.param("in: query, name: color, style: pipeDelimited", id="pipe delimited"),
        pytest.param("in: header, name: color", id="header"),
    ],
)
def test_a_scalar_widened_to_an_array_elsewhere_is_breaking(tmp_path: Path, param: str) -> None:
    def doc(schema: str) -> str:
        return _doc(
            f"  /things:\n    get:\n      parameters:\n        - {{{param}, schema: {schema}}}\n"
            "      responses: {'204': {description: ok}}"
        )

    changes = _changes(tmp_path, doc("{type: string}"), doc("{type: array, items: {type: string}}"))
    assert _found(changes) == [("request-parameter-type-changed", BREAKING)]


def test_a_path_parameter_widened_to_an_array_is_breaking(tmp_path: Path) -> None:
    def doc(schema: str) -> str:
        return _doc(
            "  /things/{id}:\n    get:\n      parameters:\n"
            f"        - {{in: path, name: id, required: true, schema: {schema}}}\n"
            "      responses: {'204': {description: ok}}"
        )

    changes = _changes(tmp_path, doc("{type: string}"), doc("{type: array, items: {type: string}}"))
    assert _found(changes) == [("request-parameter-type-changed", BREAKING)]


# --- x-stability-level that cannot be read, and sunsets that are not dates -------------------------------


def _op(attributes: str, params: str = "") -> str:
    """GET /things with operation ``attributes`` (YAML flow entries, may be empty) and optional parameters."""
    parameters = f"parameters: [{params}], " if params else ""
    return _doc(f"  /things:\n    get: {{{attributes} {parameters}responses: {{'204': {{description: ok}}}}}}")


def test_an_invalid_stability_level_on_the_older_operation_is_reported(tmp_path: Path) -> None:
    old = _op("x-stability-level: experimental, summary: a,")
    new = _op("x-stability-level: experimental, summary: b,")
    changes = _changes(tmp_path, old, new)
    assert _found(changes) == [("api-invalid-stability-level", BREAKING)] * 2  # once per version
    assert [c.old is not None for c in changes] == [True, False]
    assert changes[0].old == "/paths/~1things/get/x-stability-level"
    assert "experimental" in changes[0].message and "OLD" in changes[0].message


def test_an_invalid_level_fixed_in_the_newer_version_is_still_named(tmp_path: Path) -> None:
    changes = _changes(tmp_path, _op("x-stability-level: 1,"), _op("x-stability-level: beta,"))
    assert _found(changes) == [("api-invalid-stability-level", BREAKING)]
    assert changes[0].old == "/paths/~1things/get/x-stability-level" and changes[0].new is None


def test_a_removed_operation_with_an_invalid_level_is_judged_by_its_level(tmp_path: Path) -> None:
    old = _doc(
        "  /things:\n    get: {x-stability-level: gamma, responses: {'204': {description: ok}}}\n"
        "    post: {responses: {'204': {description: ok}}}"
    )
    new = _doc("  /things:\n    post: {responses: {'204': {description: ok}}}")
    assert _found(_changes(tmp_path, old, new)) == [("api-invalid-stability-level", BREAKING)]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("x-stability-level: beta,", "", [("api-stability-increased", INFO)]),  # no level is stable
        ("", "x-stability-level: beta,", [("api-stability-decreased", BREAKING)]),
        ("x-stability-level: draft,", "x-stability-level: stable,", []),  # draft is not tracked by default
    ],
)
def test_operation_stability_moves(
    tmp_path: Path, old: str, new: str, expected: list[tuple[str, ChangeSeverity]]
) -> None:
    assert _found(_changes(tmp_path, _op(old + " summary: a,"), _op(new + " summary: b,"))) == expected


def test_removing_a_deprecated_parameter_whose_sunset_is_not_a_date(tmp_path: Path) -> None:
    old = _op("", "{in: query, name: id, deprecated: true, x-sunset: next spring, schema: {type: string}}")
    changes = _changes(tmp_path, old, _op(""))
    assert _found(changes) == [("request-parameter-sunset-parse", BREAKING)]
    assert "next spring" in changes[0].message


def test_removing_a_deprecated_parameter_before_and_after_its_sunset(tmp_path: Path) -> None:
    def old(sunset: str) -> str:
        return _op("", f"{{in: query, name: id, deprecated: true, x-sunset: '{sunset}', schema: {{type: string}}}}")

    assert [c.id for c in _changes(tmp_path, old("2026-06-01"), _op(""))] == ["request-parameter-removed-before-sunset"]
    assert [c.id for c in _changes(tmp_path, old("2025-06-01"), _op(""))] == [
        "request-parameter-removed-with-deprecation"
    ]


# --- deprecation policies: minimum sunset notice per stability level -------------------------------------------

NOTICE = DriftPolicies(min_sunset_days=(("beta", 30), ("stable", 180)))
SOON = (TODAY + dt.timedelta(days=90)).isoformat()  # within the stable notice, beyond the beta one


@pytest.mark.parametrize(
    ("level", "sunset", "expected"),
    [
        ("", f"x-sunset: '{SOON}',", ("api-sunset-date-too-small", BREAKING)),
        ("x-stability-level: beta,", f"x-sunset: '{SOON}',", ("endpoint-deprecated-with-sunset", INFO)),
        ("", "", ("api-deprecated-sunset-missing", BREAKING)),
    ],
)
def test_endpoint_deprecation_honours_the_notice(
    tmp_path: Path, level: str, sunset: str, expected: tuple[str, ChangeSeverity]
) -> None:
    changes = _changes(tmp_path, _op(level), _op(f"{level} deprecated: true, {sunset}"), NOTICE)
    assert _found(changes) == [expected]
    assert all(c.deprecation for c in changes)


def test_alpha_operations_need_no_notice(tmp_path: Path) -> None:
    policies = DriftPolicies(min_sunset_days=NOTICE.min_sunset_days, stability_level="alpha")
    level = "x-stability-level: alpha,"
    changes = _changes(tmp_path, _op(level), _op(f"{level} deprecated: true,"), policies)
    assert _found(changes) == [("endpoint-deprecated", INFO)]


def test_without_a_policy_the_same_deprecations_need_no_notice(tmp_path: Path) -> None:
    changes = _changes(tmp_path, _op(""), _op(f"deprecated: true, x-sunset: '{SOON}',"))
    assert _found(changes) == [("endpoint-deprecated-with-sunset", INFO)]
    assert _found(_changes(tmp_path, _op(""), _op("deprecated: true,"))) == [("endpoint-deprecated", INFO)]


def test_parameter_deprecation_honours_the_notice(tmp_path: Path) -> None:
    def doc(extra: str) -> str:
        return _op("", f"{{in: query, name: q, schema: {{type: string}}{extra}}}")

    changes = _changes(tmp_path, doc(""), doc(f", deprecated: true, x-sunset: '{SOON}'"), NOTICE)
    assert _found(changes) == [("request-parameter-sunset-date-too-small", BREAKING)]
    changes = _changes(tmp_path, doc(""), doc(", deprecated: true"), NOTICE)
    assert _found(changes) == [("request-parameter-deprecated-sunset-missing", BREAKING)]


@pytest.mark.parametrize(
    ("build", "prefix"),
    [(_post, "request-property"), (_get, "response-property")],
)
def test_property_deprecation_honours_the_notice(tmp_path: Path, build: object, prefix: str) -> None:
    assert callable(build)
    old = build("{type: object, properties: {a: {type: string}}}")
    soon = build(f"{{type: object, properties: {{a: {{type: string, deprecated: true, x-sunset: '{SOON}'}}}}}}")
    bare = build("{type: object, properties: {a: {type: string, deprecated: true}}}")
    assert _found(_changes(tmp_path, old, soon, NOTICE)) == [(f"{prefix}-sunset-date-too-small", BREAKING)]
    assert _found(_changes(tmp_path, old, bare, NOTICE)) == [(f"{prefix}-deprecated-sunset-missing", BREAKING)]
    assert _found(_changes(tmp_path, old, soon)) == [(f"{prefix}-deprecated-with-sunset", INFO)]


# --- a sunset moved earlier: breaking (oasdiff's grading), whatever the notice ---------------------------------


@pytest.mark.parametrize("policies", [DriftPolicies(), NOTICE], ids=["no notice", "notice"])
def test_a_sunset_moved_earlier_is_breaking(tmp_path: Path, policies: DriftPolicies) -> None:
    old = _op("deprecated: true, x-sunset: '2027-06-30',")
    new = _op("deprecated: true, x-sunset: '2027-03-31',")
    changes = _changes(tmp_path, old, new, policies)
    assert _found(changes) == [("api-sunset-date-changed-too-small", BREAKING)]
    assert changes[0].sunset == dt.date(2027, 3, 31) and changes[0].deprecation
    # moved later: more time, nothing to report
    assert _changes(tmp_path, new, old, policies) == []


def test_a_parameter_sunset_moved_earlier_is_breaking(tmp_path: Path) -> None:
    def doc(sunset: str) -> str:
        return _op("", f"{{in: query, name: q, deprecated: true, x-sunset: '{sunset}', schema: {{type: string}}}}")

    changes = _changes(tmp_path, doc("2027-06-30"), doc("2027-03-31"), NOTICE)
    assert _found(changes) == [("request-parameter-sunset-date-changed-too-small", BREAKING)]


# --- a list of types: oneOf/anyOf of plain scalars ------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "old", "new", "expected"),
    [
        (
            _post,
            "{type: string}",
            "{oneOf: [{type: string}, {type: integer}]}",
            ("request-body-list-of-types-widened", INFO),
        ),
        (
            _post,
            "{anyOf: [{type: string}, {type: integer}]}",
            "{type: string}",
            ("request-body-list-of-types-narrowed", BREAKING),
        ),
        (
            _get,
            "{type: string}",
            "{oneOf: [{type: string}, {type: integer}]}",
            ("response-body-list-of-types-widened", BREAKING),
        ),
        (
            _get,
            "{oneOf: [{type: string}, {type: integer}]}",
            "{oneOf: [{type: string}]}",
            ("response-body-list-of-types-narrowed", INFO),
        ),
    ],
)
def test_a_list_of_types_is_judged_as_one_change(
    tmp_path: Path, build: object, old: str, new: str, expected: tuple[str, ChangeSeverity]
) -> None:
    assert callable(build)
    # not also a type change, a oneOf added or removed, or a wrapping in a oneOf
    assert _found(_changes(tmp_path, build(old), build(new))) == [expected]


def test_a_list_of_types_inside_a_query_parameter_object(tmp_path: Path) -> None:
    old = "name: f, schema: {type: object, properties: {id: {type: integer}}}"
    new = "name: f, schema: {type: object, properties: {id: {anyOf: [{type: integer}, {type: string}]}}}"
    assert _found(_changes(tmp_path, _query(old), _query(new))) == [
        ("request-parameter-property-list-of-types-widened", INFO)
    ]


# --- operations below the tracked stability level --------------------------------------------------------------


def test_changes_to_a_draft_operation_are_not_tracked_by_default(tmp_path: Path) -> None:
    param = "{in: query, name: q, schema: {type: string}}"
    old, new = _op("x-stability-level: draft,", param), _op("x-stability-level: draft,")
    assert _changes(tmp_path, old, new) == []
    tracked = _changes(tmp_path, old, new, DriftPolicies(stability_level="draft"))
    assert _found(tracked) == [("request-parameter-removed", DANGEROUS)]


def test_removing_an_alpha_operation_follows_the_tracked_level(tmp_path: Path) -> None:
    old = _doc(
        "  /things:\n    get: {x-stability-level: alpha, responses: {'204': {description: ok}}}\n"
        "    post: {responses: {'204': {description: ok}}}"
    )
    new = _doc("  /things:\n    post: {responses: {'204': {description: ok}}}")
    assert _changes(tmp_path, old, new) == []
    tracked = _changes(tmp_path, old, new, DriftPolicies(stability_level="alpha"))
    assert _found(tracked) == [("api-removed-without-deprecation", BREAKING)]


def test_an_operation_leaving_draft_is_reported_when_draft_is_tracked(tmp_path: Path) -> None:
    old, new = _op("x-stability-level: draft, summary: a,"), _op("x-stability-level: beta, summary: b,")
    assert _changes(tmp_path, old, new) == []
    tracked = _changes(tmp_path, old, new, DriftPolicies(stability_level="draft"))
    assert _found(tracked) == [("api-stability-increased", INFO)]


@pytest.mark.parametrize(
    ("collection", "expected"),
    [(", collectionFormat: multi", "request-parameter-type-generalized"), ("", "request-parameter-type-changed")],
)
def test_swagger_query_parameter_widened_to_a_multi_array(tmp_path: Path, collection: str, expected: str) -> None:
    def doc(param: str) -> str:
        return (
            'swagger: "2.0"\ninfo: {title: t, version: "1"}\npaths:\n  /things:\n    get:\n'
            f"      parameters:\n        - {{in: query, name: color, {param}}}\n"
            "      responses: {'204': {description: ok}}\n"
        )

    changes = _changes(tmp_path, doc("type: string"), doc(f"type: array, items: {{type: string}}{collection}"))
    assert [c.id for c in changes] == [expected]


def test_a_read_only_property_changing_type_in_a_request_is_not_a_request_change(tmp_path: Path) -> None:
    old = "{type: object, properties: {id: {type: integer, readOnly: true}, name: {type: string}}}"
    new = "{type: object, properties: {id: {type: string, readOnly: true}, name: {type: string}}}"
    assert _changes(tmp_path, _post(old), _post(new)) == []
    # the same change where it is returned is one
    assert [c.id for c in _changes(tmp_path, _get(old), _get(new))] == ["response-property-type-changed"]


def test_an_untyped_schema_already_accepts_null(tmp_path: Path) -> None:
    typed, untyped = "{type: [object, 'null']}", "{description: any value}"
    assert [c.id for c in _changes(tmp_path, _post(typed), _post(untyped))] == ["request-body-type-generalized"]
    assert [c.id for c in _changes(tmp_path, _post(untyped), _post(typed))] == ["request-body-type-changed"]


def test_the_notice_set_on_the_command_line_reaches_the_openapi_rules(tmp_path: Path) -> None:
    # ctk drift judges against the real date: the sunset is written 90 days from it
    sunset = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    write_file(tmp_path, "old.yaml", _op(""))
    write_file(tmp_path, "new.yaml", _op(f"deprecated: true, x-sunset: '{sunset}',"))
    strict = run_ctk(
        "drift", "old.yaml", "new.yaml", "--deprecation-days-stable", "180", "--format", "json", cwd=tmp_path
    )
    assert strict.returncode == 1, strict.stderr
    assert [c["id"] for c in json.loads(strict.stdout)["changes"]] == ["api-sunset-date-too-small"]
    relaxed = run_ctk(
        "drift", "old.yaml", "new.yaml", "--deprecation-days-stable", "30", "--format", "json", cwd=tmp_path
    )
    assert relaxed.returncode == 0, relaxed.stderr
    assert [c["id"] for c in json.loads(relaxed.stdout)["changes"]] == ["endpoint-deprecated-with-sunset"]


def test_prefix_items_gained_or_lost_members(tmp_path: Path) -> None:
    two = "{type: array, prefixItems: [{type: string}, {type: integer}]}"
    three = "{type: array, prefixItems: [{type: string}, {type: integer}, {type: boolean}]}"
    assert _found(_changes(tmp_path, _post(three), _post(two))) == [("request-body-prefix-items-removed", BREAKING)]
    added = _changes(tmp_path, _post(two), _post(three))
    assert [c.id for c in added] == ["request-body-prefix-items-added"]
    assert _found(_changes(tmp_path, _get(two), _get(three))) == [("response-body-prefix-items-added", BREAKING)]
