"""OpenAPI drift: the payments answer key, small hand-made pairs (one behaviour each), and the corpus."""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from pathlib import Path

import pytest

from tests.support.corpus import corpus
from tests.support.files import write_file
from tests.support.paths import REPO
from toolkit import load_contract
from toolkit.errors import ConfigError
from toolkit.model import Change, ChangeSeverity
from toolkit.openapi.diff.compare import diff
from toolkit.openapi.diff.policy import DiffPolicy
from toolkit.openapi.load import OpenAPIContract

TODAY = dt.date(2026, 1, 1)
CUSTOMER_OPS = ("GET /customers", "POST /customers", "GET /customers/{customer_id}", "POST /customers/{customer_id}")
INTENT_OPS = (
    "GET /payment_intents",
    "POST /payment_intents",
    "GET /payment_intents/{intent_id}",
    "POST /payment_intents/{intent_id}/confirm",
    "POST /payment_intents/{intent_id}/cancel",
)
# The payments table of contracts/README.md, one row per operation (and per media type for bodies).
PAYMENTS: Counter[tuple[str, str, str, str]] = Counter()
for op in CUSTOMER_OPS:
    PAYMENTS[("response-optional-property-removed", "breaking", op, "/components/schemas/Customer/properties")] += 1
    PAYMENTS[
        ("response-optional-property-added", "info", op, "/components/schemas/Customer/properties/preferred_locales")
    ] += 1
for op in INTENT_OPS:
    PAYMENTS[
        (
            "response-property-enum-value-added",
            "dangerous",
            op,
            "/components/schemas/PaymentIntent/properties/status/enum",
        )
    ] += 1
for _media in ("application/json", "application/x-www-form-urlencoded"):
    PAYMENTS[
        (
            "request-property-became-required",
            "breaking",
            "POST /payment_intents",
            "/components/schemas/PaymentIntentCreateParams/required",
        )
    ] += 1
    PAYMENTS[
        (
            "request-property-enum-value-removed",
            "breaking",
            "POST /payment_intents",
            "/components/schemas/PaymentIntentCreateParams/properties/capture_method/enum",
        )
    ] += 1
    PAYMENTS[
        (
            "request-property-type-changed",
            "breaking",
            "POST /refunds",
            "/components/schemas/RefundCreateParams/properties/amount/type",
        )
    ] += 1
PAYMENTS[("endpoint-deprecated-with-sunset", "info", "GET /charges", "/paths/~1charges/get")] += 1


@functools.cache
def _payments_changes() -> tuple[Change, ...]:
    """contracts/payments v1 → v2, diffed once for the tests that read it."""
    old, new = load_contract(REPO / "contracts/payments/v1"), load_contract(REPO / "contracts/payments/v2")
    return tuple(diff(old, new, today=TODAY))


def test_payments_v1_to_v2_is_exactly_the_answer_key() -> None:
    changes = _payments_changes()
    found = Counter((c.id, c.severity.value, c.operation or "", c.location or "") for c in changes)
    assert found == PAYMENTS
    assert all(len(c.operations) == 1 for c in changes)


def test_payments_deprecation_carries_its_sunset() -> None:
    changes = _payments_changes()
    (row,) = [c for c in changes if c.id == "endpoint-deprecated-with-sunset"]
    assert row.sunset == dt.date(2027, 6, 30)
    assert row.deprecation is True
    assert all(not c.deprecation for c in changes if c is not row)


def test_messages_name_the_property_and_values() -> None:
    changes = _payments_changes()
    (refund, *_) = [c for c in changes if c.id == "request-property-type-changed"]
    assert "amount" in refund.message and "number" in refund.message and "integer" in refund.message


# --- small hand-made pairs ------------------------------------------------------------------


def _doc(paths: str, components: str = "", version: str = "3.0.3") -> str:
    return f'openapi: {version}\ninfo: {{title: t, version: "1"}}\npaths:\n{paths}\n' + (
        f"components:\n  schemas:\n{components}\n" if components else ""
    )


def _pair(tmp_path: Path, old: str, new: str) -> tuple[OpenAPIContract, OpenAPIContract]:
    a, b = load_contract(write_file(tmp_path, "old.yaml", old)), load_contract(write_file(tmp_path, "new.yaml", new))
    assert isinstance(a, OpenAPIContract) and isinstance(b, OpenAPIContract)
    return a, b


_GET = """  /things:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
{schema}
"""


def _get(schema: str) -> str:
    return _GET.format(schema="\n".join("                " + line for line in schema.strip().splitlines()))


def test_schema_moved_behind_a_ref_is_not_a_change(tmp_path: Path) -> None:
    inline = _doc(_get("type: object\nproperties:\n  id: {type: string}"))
    moved = _doc(
        _get("$ref: '#/components/schemas/Thing'"),
        "    Thing:\n      type: object\n      properties:\n        id: {type: string}",
    )
    assert diff(*_pair(tmp_path, inline, moved), today=TODAY) == []


@pytest.mark.parametrize(
    "paths",
    [
        _get("type: object\nproperties:\n  default: {$ref: '#/components/schemas/Thing'}"),  # a property named so
        (  # the default response
            "  /things:\n    get:\n      responses:\n        default:\n          description: error\n"
            "          content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}"
        ),
    ],
)
def test_a_changed_ref_target_under_a_keyword_named_key_is_found(tmp_path: Path, paths: str) -> None:
    thing = "    Thing:\n      type: object\n      properties:\n        id: {{type: {}}}"
    old, new = _doc(paths, thing.format("string")), _doc(paths, thing.format("integer"))
    assert [c.id for c in diff(*_pair(tmp_path, old, new), today=TODAY)] == ["response-property-type-changed"]


def test_recursive_schema_terminates_and_finds_the_change(tmp_path: Path) -> None:
    node = (
        "    Node:\n      type: object\n      properties:\n"
        "        child: {{$ref: '#/components/schemas/Node'}}\n        kind: {{type: string, enum: [{values}]}}"
    )
    old = _doc(
        _get("$ref: '#/components/schemas/Node'"), node.format(values="a, b").replace("{{", "{").replace("}}", "}")
    )
    new = _doc(
        _get("$ref: '#/components/schemas/Node'"), node.format(values="a, b, c").replace("{{", "{").replace("}}", "}")
    )
    changes = diff(*_pair(tmp_path, old, new), today=TODAY)
    assert [(c.id, c.severity) for c in changes] == [("response-property-enum-value-added", ChangeSeverity.DANGEROUS)]


@pytest.mark.parametrize(
    ("old_schema", "new_schema", "version"),
    [
        ("type: string", "type: string\nnullable: true", "3.0.3"),
        ("type: string", "type: [string, 'null']", "3.1.0"),
    ],
)
def test_nullable_response_in_30_and_31(tmp_path: Path, old_schema: str, new_schema: str, version: str) -> None:
    wrap = "type: object\nproperties:\n  name:\n{}"
    old = _doc(_get(wrap.format("\n".join("    " + x for x in old_schema.splitlines()))), version=version)
    new = _doc(_get(wrap.format("\n".join("    " + x for x in new_schema.splitlines()))), version=version)
    changes = diff(*_pair(tmp_path, old, new), today=TODAY)
    assert [c.id for c in changes] == ["response-property-became-nullable"]


def test_swagger_body_parameter_is_a_request_body(tmp_path: Path) -> None:
    doc = """swagger: '2.0'
info: {{title: t, version: '1'}}
consumes: [application/json]
paths:
  /things:
    post:
      parameters:
        - in: body
          name: body
          schema: {{$ref: '#/definitions/New'}}
      responses: {{'200': {{description: ok}}}}
definitions:
  New:
    type: object
    required: [{required}]
    properties:
      a: {{type: string}}
      b: {{type: string}}
"""
    changes = diff(*_pair(tmp_path, doc.format(required="a"), doc.format(required="a, b")), today=TODAY)
    assert [(c.id, c.operation, c.location) for c in changes] == [
        ("request-property-became-required", "POST /things", "/definitions/New/required")
    ]


def _removed_endpoint(tmp_path: Path, sunset: str) -> list[str]:
    gone = f"get: {{deprecated: true, x-sunset: '{sunset}', responses: {{'200': {{description: ok}}}}}}"
    old = _doc(f"  /keep:\n    get: {{responses: {{'200': {{description: ok}}}}}}\n  /gone:\n    {gone}")
    new = _doc("  /keep:\n    get: {responses: {'200': {description: ok}}}")
    return [c.id for c in diff(*_pair(tmp_path, old, new), today=TODAY)]


def test_path_removed_before_its_sunset_is_breaking(tmp_path: Path) -> None:
    assert _removed_endpoint(tmp_path, "2030-01-01") == ["api-path-removed-before-sunset"]


def test_path_removed_after_its_sunset_is_expected(tmp_path: Path) -> None:
    assert _removed_endpoint(tmp_path, "Tue, 01 Jan 2019 00:00:00 GMT") == ["api-path-removed-with-deprecation"]


def test_renamed_path_parameter_is_not_a_change(tmp_path: Path) -> None:
    item = "  /things/{{{name}}}:\n    get:\n      parameters: [{{in: path, name: {name}, required: true, schema: {{type: string}}}}]\n      responses: {{'200': {{description: ok}}}}"  # noqa: E501
    assert diff(*_pair(tmp_path, _doc(item.format(name="id")), _doc(item.format(name="thingId"))), today=TODAY) == []


def test_request_max_length_lowered_is_breaking(tmp_path: Path) -> None:
    item = "  /things:\n    get:\n      parameters: [{{in: query, name: q, schema: {{type: string, maxLength: {n}}}}}]\n      responses: {{'200': {{description: ok}}}}"  # noqa: E501
    changes = diff(*_pair(tmp_path, _doc(item.format(n=100)), _doc(item.format(n=10))), today=TODAY)
    assert [(c.id, c.severity) for c in changes] == [
        ("request-parameter-max-length-decreased", ChangeSeverity.BREAKING)
    ]


# --- the corpus -----------------------------------------------------------------------------


def _corpus_contracts() -> list[str]:
    return [
        "openapi/adyen-BalancePlatformReportNotification-v1.json",
        "openapi/codat-commerce-2.1.0.json",
        "openapi/docker-engine-v1.41-swagger.yaml",
        "openapi/kubernetes-swagger.json",
        "openapi/ms-cognitive-search-swagger.json",
        "openapi/stripe-spec3-2019-09-27.yaml",
        "openapi/twilio_api_v2010.json",
        "openapi/twilio_chat_v3.yaml",
        "openapi/vercel-0.0.1.json",
        "openapi/wolframalpha-v0.1.json",
        "openapi/multifile-relative-refs/main.yaml",
        "openapi/prism-callbacks/client-service.oas3.yaml",
        "openapi/prism-callbacks/payment-service.oas3.yaml",
    ]


@pytest.mark.parametrize("name", _corpus_contracts())
def test_a_contract_against_itself_has_no_changes(name: str) -> None:
    contract = load_contract(corpus(name))
    assert diff(contract, contract, today=TODAY) == []


PAIRS = [
    "adyen-AccountService-5-to-6",
    "adyen-NotificationConfigurationService-1-to-2",
    "adyen-TransferService-2-to-3",
    "docker-engine-19.03-to-1.41",
    "ms-cog-sci-original-to-fixed",
    "stripe-spec3-2019-09-27",
    "twilio_messaging_v1-2026-03",
    "twilio_numbers_v2-2026-03",
]


@pytest.mark.parametrize("pair", PAIRS)
def test_drift_pair_diffs_and_each_side_equals_itself(pair: str) -> None:
    folder = corpus("drift", "openapi", pair)
    base, revision = (next(p for p in folder.iterdir() if p.stem == stem) for stem in ("base", "revision"))
    old, new = load_contract(base), load_contract(revision)
    assert diff(old, old, today=TODAY) == []
    assert diff(new, new, today=TODAY) == []
    changes = diff(old, new, today=TODAY)
    assert changes, "every pair in the corpus differs"
    assert changes == diff(old, new, today=TODAY)  # stable order
    assert all(c.location for c in changes)


# --- rules added from oasdiff: header properties, sunsets, stability, loose types, media names, semver ----


def _ids(tmp_path: Path, old: str, new: str, policy: DiffPolicy | None = None) -> list[str]:
    return [c.id for c in diff(*_pair(tmp_path, old, new), today=TODAY, policy=policy or DiffPolicy())]


def _header_param(schema: str) -> str:
    return (
        "  /things:\n    get:\n      parameters:\n        - in: header\n          name: X-Filter\n"
        f"          schema: {schema}\n      responses: {{'200': {{description: ok}}}}"
    )


@pytest.mark.parametrize(
    ("old_schema", "new_schema", "expected"),
    [
        (
            "{type: object, properties: {a: {type: string}}}",
            "{type: object, required: [b], properties: {a: {type: string}, b: {type: string}}}",
            ["new-required-request-header-property"],
        ),
        (
            "{type: object, properties: {a: {type: string}}}",
            "{type: object, required: [a], properties: {a: {type: string}}}",
            ["request-header-property-became-required"],
        ),
        (
            "{type: string}",
            "{type: string, enum: [x, y]}",
            ["request-parameter-became-enum", "request-header-property-became-enum"],
        ),
        (
            "{type: object, properties: {a: {type: string}}}",
            "{type: object, properties: {a: {type: string, enum: [x]}}}",
            ["request-header-property-became-enum"],
        ),
    ],
)
def test_header_parameter_properties(tmp_path: Path, old_schema: str, new_schema: str, expected: list[str]) -> None:
    changes = diff(*_pair(tmp_path, _doc(_header_param(old_schema)), _doc(_header_param(new_schema))), today=TODAY)
    assert [c.id for c in changes] == expected
    assert all(c.severity is ChangeSeverity.BREAKING for c in changes)
    assert all("X-Filter" in c.message for c in changes)


def _deprecated_op(extra: str) -> str:
    return f"  /things:\n    get: {{deprecated: true{extra}, responses: {{'200': {{description: ok}}}}}}"


def test_endpoint_deprecated_with_a_past_sunset_is_too_small(tmp_path: Path) -> None:
    old = _doc("  /things:\n    get: {responses: {'200': {description: ok}}}")
    (change,) = diff(*_pair(tmp_path, old, _doc(_deprecated_op(", x-sunset: '2025-06-30'"))), today=TODAY)
    assert (change.id, change.severity, change.sunset) == (
        "api-sunset-date-too-small",
        ChangeSeverity.BREAKING,
        dt.date(2025, 6, 30),
    )
    assert change.deprecation
    # a sunset ahead is the ordinary announcement
    assert _ids(tmp_path, old, _doc(_deprecated_op(", x-sunset: '2026-06-30'"))) == ["endpoint-deprecated-with-sunset"]


def test_deprecation_notice_follows_the_policy(tmp_path: Path) -> None:
    old = _doc("  /things:\n    get: {responses: {'200': {description: ok}}}")
    policy = DiffPolicy(min_sunset_beta_days=10, min_sunset_stable_days=100)
    assert _ids(tmp_path, old, _doc(_deprecated_op("")), policy=policy) == ["api-deprecated-sunset-missing"]
    soon = _doc(_deprecated_op(", x-sunset: '2026-02-01'"))
    assert _ids(tmp_path, old, soon, policy=policy) == ["api-sunset-date-too-small"]
    beta = _doc(_deprecated_op(", x-sunset: '2026-02-01', x-stability-level: beta"))
    assert "endpoint-deprecated-with-sunset" in _ids(tmp_path, old, beta, policy=policy)  # beta needs 10 days
    assert _ids(tmp_path, old, _doc(_deprecated_op(""))) == ["endpoint-deprecated"]  # oasdiff's default: 0 days


def _query_param(extra: str) -> str:
    return (
        f"  /things:\n    get:\n      parameters: [{{in: query, name: q, schema: {{type: string}}{extra}}}]\n"
        "      responses: {'200': {description: ok}}"
    )


def test_parameter_deprecation_sunsets(tmp_path: Path) -> None:
    old = _doc(_query_param(""))
    past = _doc(_query_param(", deprecated: true, x-sunset: '2025-12-31'"))
    assert _ids(tmp_path, old, past) == ["request-parameter-sunset-date-too-small"]
    ahead = _doc(_query_param(", deprecated: true, x-sunset: '2026-12-31'"))
    assert _ids(tmp_path, old, ahead) == ["request-parameter-deprecated"]
    bare = _doc(_query_param(", deprecated: true"))
    policy = DiffPolicy(min_sunset_stable_days=30)
    assert _ids(tmp_path, old, bare, policy=policy) == ["request-parameter-deprecated-sunset-missing"]


def _bodies(media: str, request: str, response: str) -> str:
    return (
        "  /things:\n    post:\n      requestBody:\n        content:\n"
        f"          {media}: {{schema: {request}}}\n"
        "      responses:\n        '200':\n          description: ok\n          content:\n"
        f"            {media}: {{schema: {response}}}"
    )


def _body_and_response(prop: str) -> str:
    schema = f"{{type: object, properties: {{a: {prop}}}}}"
    return _bodies("application/json", schema, schema)


def test_property_deprecation_sunsets(tmp_path: Path) -> None:
    old = _doc(_body_and_response("{type: string}"))
    past = _doc(_body_and_response("{type: string, deprecated: true, x-sunset: '2025-01-01'}"))
    assert _ids(tmp_path, old, past) == [
        "request-property-sunset-date-too-small",
        "response-property-sunset-date-too-small",
    ]
    bare = _doc(_body_and_response("{type: string, deprecated: true}"))
    assert _ids(tmp_path, old, bare, policy=DiffPolicy(min_sunset_stable_days=30)) == [
        "request-property-deprecated-sunset-missing",
        "response-property-deprecated-sunset-missing",
    ]


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("stable", "draft", ["request-property-stability-decreased", "response-property-stability-decreased"]),
        ("beta", "stable", ["request-property-stability-increased", "response-property-stability-increased"]),
        ("draft", "stable", []),  # draft is not tracked by oasdiff's default (beta)
        ("stable", "1", ["api-invalid-stability-level", "api-invalid-stability-level"]),
    ],
)
def test_property_stability(tmp_path: Path, before: str, after: str, expected: list[str]) -> None:
    old = _doc(_body_and_response(f"{{type: string, x-stability-level: {before}}}"))
    new = _doc(_body_and_response(f"{{type: string, x-stability-level: {after}}}"))
    assert _ids(tmp_path, old, new) == expected


def test_property_stability_follows_the_policy_threshold(tmp_path: Path) -> None:
    old = _doc(_body_and_response("{type: string, x-stability-level: draft}"))
    new = _doc(_body_and_response("{type: string, x-stability-level: stable}"))
    assert _ids(tmp_path, old, new, policy=DiffPolicy(stability_level="draft")) == [
        "request-property-stability-increased",
        "response-property-stability-increased",
    ]


@pytest.mark.parametrize(
    ("media", "old", "new", "expected"),
    [
        # XML: every value is text, so a swap a reader never notices is compatible (info)
        ("application/xml", ("{type: object}", "{type: string}"), ("{type: string}", "{type: object}"),
         [("request-body-type-compatible", "info"), ("response-body-type-compatible", "info")]),
        ("application/xml", ("{type: object, properties: {a: {type: integer}}}",
                             "{type: object, properties: {a: {type: string}}}"),
         ("{type: object, properties: {a: {type: string}}}", "{type: object, properties: {a: {type: integer}}}"),
         [("request-property-type-compatible", "info"), ("response-property-type-compatible", "info")]),
        # JSON: 1 and "1" differ, the same swaps break
        ("application/json", ("{type: object}", "{type: string}"), ("{type: string}", "{type: object}"),
         [("request-body-type-changed", "breaking"), ("response-body-type-changed", "breaking")]),
    ],
)  # fmt: skip
def test_loosely_typed_swaps(
    tmp_path: Path, media: str, old: tuple[str, str], new: tuple[str, str], expected: list[tuple[str, str]]
) -> None:
    before = _doc(_bodies(media, old[0], new[0]))
    after = _doc(_bodies(media, old[1], new[1]))
    assert [(c.id, c.severity.value) for c in diff(*_pair(tmp_path, before, after), today=TODAY)] == expected


def _ok_response(rest: str) -> str:
    """A GET whose 200 response has ``rest`` (YAML at the response's indentation) besides its description."""
    return f"  /things:\n    get:\n      responses:\n        '200':\n          description: ok\n          {rest}"


def _response_header(schema: str) -> str:
    return _ok_response(f"headers: {{Retry-After: {{schema: {schema}}}}}")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("{type: string}", "{type: integer}", ("response-header-type-compatible", ChangeSeverity.INFO)),
        (
            "{type: string, format: date-time}",  # a client parsing the date loses it
            "{type: integer}",
            ("response-header-type-changed", ChangeSeverity.BREAKING),
        ),
        ("{type: integer}", "{type: number}", ("response-header-type-generalized", ChangeSeverity.BREAKING)),
    ],
)
def test_response_header_type_changes(tmp_path: Path, old: str, new: str, expected: tuple[str, ChangeSeverity]) -> None:
    changes = diff(*_pair(tmp_path, _doc(_response_header(old)), _doc(_response_header(new))), today=TODAY)
    assert [(c.id, c.severity) for c in changes] == [expected]


def _response_media(media: str, schema: str = "{type: object}") -> str:
    return _ok_response(f"content: {{'{media}': {{schema: {schema}}}}}")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("application/json", "application/problem+json", ("response-media-type-name-specialized", ChangeSeverity.INFO)),
        (
            "application/problem+json",
            "application/json",
            ("response-media-type-name-generalized", ChangeSeverity.BREAKING),
        ),
        ("text/html", "text/html; charset=utf-8", ("response-media-type-name-changed", ChangeSeverity.INFO)),
        ("application/json", "application/xml", None),  # unrelated: removed and added
    ],
)
def test_response_media_type_renamed(
    tmp_path: Path, old: str, new: str, expected: tuple[str, ChangeSeverity] | None
) -> None:
    changes = diff(*_pair(tmp_path, _doc(_response_media(old)), _doc(_response_media(new))), today=TODAY)
    if expected is None:
        assert [c.id for c in changes] == ["response-media-type-removed", "response-media-type-added"]
    else:
        assert [(c.id, c.severity) for c in changes] == [expected]


def test_renamed_media_type_bodies_are_still_compared(tmp_path: Path) -> None:
    old = _doc(_response_media("application/json", "{type: string}"))
    new = _doc(_response_media("application/problem+json", "{type: string, nullable: true}"))
    assert _ids(tmp_path, old, new) == ["response-media-type-name-specialized", "response-body-became-nullable"]


def _versioned(version: str, required: str) -> str:
    paths = (
        "  /things:\n    post:\n      requestBody:\n        content:\n          application/json:\n"
        f"            schema: {{type: object, required: [{required}],\n"
        "                     properties: {a: {type: string}, b: {type: string}}}\n"
        "      responses: {'200': {description: ok}}"
    )
    return f'openapi: 3.0.3\ninfo: {{title: t, version: "{version}"}}\npaths:\n{paths}\n'


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("1.0.0", "1.0.0", "api-version-not-bumped"),
        ("2.0.0", "1.9.0", "api-version-decreased"),
        ("1.0.0", "1.1.0", "api-major-version-not-bumped"),
        ("0.1.0", "0.1.1", "api-major-version-not-bumped"),
        ("v1.0.0", "v2.0.0", None),
        ("0.1.0", "0.2.0", None),  # below 1.0.0 a minor bump carries a breaking change
        ("2024-01-01", "2024-01-01", None),  # not semver: not judged
    ],
)
def test_breaking_change_demands_a_major_bump(tmp_path: Path, old: str, new: str, expected: str | None) -> None:
    ids = _ids(tmp_path, _versioned(old, "a"), _versioned(new, "a, b"))
    assert ids == ["request-property-became-required", *([expected] if expected else [])]


def test_no_breaking_change_no_version_rule(tmp_path: Path) -> None:
    assert _ids(tmp_path, _versioned("1.0.0", "a, b"), _versioned("1.0.0", "a")) == ["request-property-became-optional"]


def test_new_rules_find_nothing_in_a_document_against_itself(tmp_path: Path) -> None:
    doc = _doc(_bodies("application/xml", "{type: string, x-stability-level: 1}", "{type: object}"))
    assert _ids(tmp_path, doc, doc) == []
    header = _doc(_header_param("{type: object, required: [a], properties: {a: {type: string, enum: [x]}}}"))
    assert _ids(tmp_path, header, header) == []


def test_policy_refuses_an_unknown_stability_level() -> None:
    with pytest.raises(ConfigError, match="stability level 'gold'"):
        DiffPolicy(stability_level="gold")
