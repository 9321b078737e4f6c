"""GraphQL drift, the rules GraphQL Inspector has and graphql-core has not, each on a schema written here.

Directive usages on every kind of element (``DIRECTIVE_USAGE_*``, Inspector's names, paths and default
criticality: ``@oneOf`` added to an input breaking, any other directive dangerous, on a new element info),
deprecation reasons, the members of a new type or directive, and the opt-in policies
``deprecated-removal-is-dangerous`` and ``unreachable-types-are-safe``; the last tests run ``ctk drift``
as a user would.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.support.cli import run_ctk
from toolkit.graphql.diff.compare import diff
from toolkit.load import load_contract
from toolkit.model import Change, ChangeSeverity, DriftPolicies

BREAKING, DANGEROUS, INFO = ChangeSeverity.BREAKING, ChangeSeverity.DANGEROUS, ChangeSeverity.INFO

# @tag may go anywhere (repeatable, as Apollo Federation's), so one directive serves every element kind
TAG = (
    "directive @tag(name: String!) repeatable on SCHEMA | SCALAR | OBJECT | FIELD_DEFINITION | ARGUMENT_DEFINITION"
    " | INTERFACE | UNION | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION\n"
)
BASE = """
schema{schema_tag} {{ query: Query }}
scalar Money{scalar_tag}
interface Node{interface_tag} {{ id: ID! }}
type Product implements Node{object_tag} {{
  id: ID!
  price(currency: String{argument_tag}): Money{field_tag}
}}
type Service {{ id: ID! }}
union Item{union_tag} = Product | Service
enum Color{enum_tag} {{ RED{value_tag} GREEN }}
input Filter{input_tag} {{ color: Color{input_field_tag} }}
type Query {{ items(filter: Filter): [Item] node(id: ID!): Node }}
"""
PLACES = [
    "schema_tag",
    "scalar_tag",
    "interface_tag",
    "object_tag",
    "argument_tag",
    "field_tag",
    "union_tag",
    "enum_tag",
    "value_tag",
    "input_tag",
    "input_field_tag",
]


def schema(**tags: str) -> str:
    return TAG + BASE.format(**{place: tags.get(place, "") for place in PLACES})


def changes_between(
    tmp_path: Path, old: str, new: str, policies: DriftPolicies | None = None, today: dt.date | None = None
) -> list[Change]:
    (tmp_path / "old.graphql").write_text(old)
    (tmp_path / "new.graphql").write_text(new)
    old_contract, new_contract = load_contract(tmp_path / "old.graphql"), load_contract(tmp_path / "new.graphql")
    return diff(old_contract, new_contract, policies=policies or DriftPolicies(), today=today)


def rows(changes: list[Change]) -> set[tuple[str, ChangeSeverity, str | None]]:
    return {(change.id, change.severity, change.location) for change in changes}


# -- directive usage on every element -------------------------------------------------------------------

USAGES = [
    ("schema_tag", "SCHEMA", ".@tag"),
    ("scalar_tag", "SCALAR", "Money.@tag"),
    ("interface_tag", "INTERFACE", "Node.@tag"),
    ("object_tag", "OBJECT", "Product.@tag"),
    ("argument_tag", "ARGUMENT_DEFINITION", "Product.price.currency.@tag"),
    ("field_tag", "FIELD_DEFINITION", "Product.price.@tag"),
    ("union_tag", "UNION_MEMBER", "Item.@tag"),
    ("enum_tag", "ENUM", "Color.@tag"),
    ("value_tag", "ENUM_VALUE", "Color.RED.@tag"),
    ("input_tag", "INPUT_OBJECT", "Filter.@tag"),
    ("input_field_tag", "INPUT_FIELD_DEFINITION", "Filter.color.@tag"),
]


@pytest.mark.parametrize(("place", "kind", "location"), USAGES, ids=[kind for _, kind, _ in USAGES])
def test_a_directive_applied_to_an_element_is_dangerous_and_taken_off_too(
    tmp_path: Path, place: str, kind: str, location: str
) -> None:
    plain, tagged = schema(), schema(**{place: ' @tag(name: "team-a")'})
    added = changes_between(tmp_path, plain, tagged)
    assert rows(added) == {
        (f"DIRECTIVE_USAGE_{kind}_ADDED", DANGEROUS, location),
        ("DIRECTIVE_USAGE_ARGUMENT_ADDED", INFO, f"{location}.name"),
    }
    assert "@tag" in added[0].message
    removed = changes_between(tmp_path, tagged, plain)
    assert rows(removed) == {(f"DIRECTIVE_USAGE_{kind}_REMOVED", DANGEROUS, location)}
    assert (removed[0].old, removed[0].new) == (location, None)


def test_a_usage_is_placed_on_the_operations_that_reach_its_element(tmp_path: Path) -> None:
    changes = changes_between(tmp_path, schema(), schema(field_tag=' @tag(name: "a")', schema_tag=' @tag(name: "s")'))
    operations = {change.location: change.operations for change in changes}
    assert set(operations["Product.price.@tag"]) == {"Query.items", "Query.node"}
    assert operations[".@tag"] == ()  # the schema's own directives concern no operation in particular


def test_one_of_added_to_an_input_is_breaking_and_taken_off_is_info(tmp_path: Path) -> None:
    old = "input Pay { card: String iban: String }\ntype Query { pay(with: Pay): Int }\n"
    new = "input Pay @oneOf { card: String iban: String }\ntype Query { pay(with: Pay): Int }\n"
    [added] = changes_between(tmp_path, old, new)
    assert (added.id, added.severity, added.location, added.operations) == (
        "DIRECTIVE_USAGE_INPUT_OBJECT_ADDED",
        BREAKING,
        "Pay.@oneOf",
        ("Query.pay",),
    )
    assert "several of its fields" in added.message
    [removed] = changes_between(tmp_path, new, old)
    assert (removed.id, removed.severity) == ("DIRECTIVE_USAGE_INPUT_OBJECT_REMOVED", INFO)


FEDERATION = (
    "directive @key(fields: String!) repeatable on OBJECT | INTERFACE\n"
    "directive @external on FIELD_DEFINITION | OBJECT\n"
    "directive @requires(fields: String!) on FIELD_DEFINITION\n"
    "directive @shareable repeatable on OBJECT | FIELD_DEFINITION\n"
)


def test_federation_directives_are_graded_as_inspector_grades_them(tmp_path: Path) -> None:
    old = FEDERATION + 'type Product @key(fields: "id") { id: ID! weight: Int }\ntype Query { p: Product }\n'
    new = FEDERATION + (
        'type Product @key(fields: "id") @shareable { id: ID! weight: Int @external\n'
        '  shipping: Int @requires(fields: "weight") }\n'
        'type Query { p: Product }\ntype Review @key(fields: "id") { id: ID! }\n'
    )
    found = rows(changes_between(tmp_path, old, new))
    assert ("DIRECTIVE_USAGE_OBJECT_ADDED", DANGEROUS, "Product.@shareable") in found
    assert ("DIRECTIVE_USAGE_FIELD_DEFINITION_ADDED", DANGEROUS, "Product.weight.@external") in found
    # on a field, or a type, that is itself new, nobody depends on the usage yet: info
    assert ("DIRECTIVE_USAGE_FIELD_DEFINITION_ADDED", INFO, "Product.shipping.@requires") in found
    assert ("DIRECTIVE_USAGE_OBJECT_ADDED", INFO, "Review.@key") in found


def test_repeated_usages_pair_up_in_order_and_a_changed_argument_is_removed_and_added(tmp_path: Path) -> None:
    old = FEDERATION + 'type Product @key(fields: "id") { id: ID! sku: ID! }\ntype Query { p: Product }\n'
    new = FEDERATION + (
        'type Product @key(fields: "sku") @key(fields: "id") { id: ID! sku: ID! }\ntype Query { p: Product }\n'
    )
    changes = changes_between(tmp_path, old, new)
    assert sorted((c.id, c.severity, c.location) for c in changes) == sorted(
        [
            # the first @key now passes "sku": Inspector's removal (dangerous) and addition of the argument
            ("DIRECTIVE_USAGE_ARGUMENT_REMOVED", DANGEROUS, "Product.@key.fields"),
            ("DIRECTIVE_USAGE_ARGUMENT_ADDED", INFO, "Product.@key.fields"),
            # and a second @key is new
            ("DIRECTIVE_USAGE_OBJECT_ADDED", DANGEROUS, "Product.@key"),
            ("DIRECTIVE_USAGE_ARGUMENT_ADDED", INFO, "Product.@key.fields"),
        ]
    )
    changed = next(c for c in changes if c.id == "DIRECTIVE_USAGE_ARGUMENT_REMOVED")
    assert '"id"' in changed.message and '"sku"' in changed.message


def test_the_same_usages_are_no_change(tmp_path: Path) -> None:
    tagged = schema(**dict.fromkeys(PLACES, ' @tag(name: "x")'))
    assert changes_between(tmp_path, tagged, tagged) == []


# -- deprecation reasons ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old_use", "new_use", "rule"),
    [
        ("@deprecated", '@deprecated(reason: "Use b.")', "FIELD_DEPRECATION_REASON_ADDED"),
        ('@deprecated(reason: "Use b.")', '@deprecated(reason: "Use c.")', "FIELD_DEPRECATION_REASON_CHANGED"),
        ('@deprecated(reason: "Use b.")', "@deprecated", "FIELD_DEPRECATION_REASON_REMOVED"),
        ("", "@deprecated", "FIELD_DEPRECATION_ADDED"),
        ("@deprecated", "", "FIELD_DEPRECATION_REMOVED"),
    ],
)
def test_field_deprecation_reasons(tmp_path: Path, old_use: str, new_use: str, rule: str) -> None:
    changes = changes_between(
        tmp_path,
        f"type Query {{ a: Int {old_use} b: Int c: Int }}\n",
        f"type Query {{ a: Int {new_use} b: Int c: Int }}\n",
    )
    [change] = [c for c in changes if not c.id.startswith("DIRECTIVE_USAGE_")]
    assert (change.id, change.severity, change.location) == (rule, INFO, "Query.a")
    # the use of @deprecated and its reason are listed too, as Inspector lists them, all info
    assert {c.severity for c in changes} == {INFO}


@pytest.mark.parametrize(
    ("old_use", "new_use", "rule"),
    [
        ("", '@deprecated(reason: "Use GREEN.")', "ENUM_VALUE_DEPRECATION_REASON_ADDED"),
        (
            '@deprecated(reason: "Use GREEN.")',
            '@deprecated(reason: "Use BLUE.")',
            "ENUM_VALUE_DEPRECATION_REASON_CHANGED",
        ),
        ('@deprecated(reason: "Use GREEN.")', "", "ENUM_VALUE_DEPRECATION_REASON_REMOVED"),
    ],
)
def test_enum_value_deprecation_reasons(tmp_path: Path, old_use: str, new_use: str, rule: str) -> None:
    def enum(use: str) -> str:
        return f"enum Color {{ RED {use} GREEN BLUE }}\ntype Query {{ c: Color }}\n"

    changes = changes_between(tmp_path, enum(old_use), enum(new_use))
    [change] = [c for c in changes if not c.id.startswith("DIRECTIVE_USAGE_")]
    assert (change.id, change.severity, change.location, change.operations) == (rule, INFO, "Color.RED", ("Query.c",))


def test_argument_and_input_field_reasons_changed(tmp_path: Path) -> None:
    def sdl(reason: str) -> str:
        return (
            f'input I {{ a: Int @deprecated(reason: "{reason}") b: Int }}\n'
            f'type Query {{ f(x: Int @deprecated(reason: "{reason}"), i: I): Int }}\n'
        )

    found = rows([c for c in changes_between(tmp_path, sdl("old"), sdl("new")) if "REASON" in c.id])
    assert found == {
        ("ARG_DEPRECATION_REASON_CHANGED", INFO, "Query.f.x"),
        ("INPUT_FIELD_DEPRECATION_REASON_CHANGED", INFO, "I.a"),
    }


# -- the members of a new type or directive ---------------------------------------------------------------


def test_a_new_type_brings_each_member_as_its_own_info_change(tmp_path: Path) -> None:
    old = "type Query { a: Int }\n"
    new = (
        "interface Node { id: ID! }\n"
        "type Order implements Node { id: ID! lines(first: Int): [String] old: Int @deprecated }\n"
        "enum Status { OPEN CLOSED }\nunion Result = Order\ninput OrderFilter { status: Status }\n"
        "type Query { a: Int orders(filter: OrderFilter): [Result] node: Node s: Status }\n"
    )
    found = rows(changes_between(tmp_path, old, new))
    members = {
        ("OBJECT_TYPE_INTERFACE_ADDED", INFO, "Order"),
        ("FIELD_ADDED", INFO, "Order.id"),
        ("FIELD_ADDED", INFO, "Order.lines"),
        ("FIELD_ARGUMENT_ADDED", INFO, "Order.lines.first"),
        ("FIELD_ADDED", INFO, "Order.old"),
        ("FIELD_DEPRECATION_ADDED", INFO, "Order.old"),
        ("DIRECTIVE_USAGE_FIELD_DEFINITION_ADDED", INFO, "Order.old.@deprecated"),
        ("FIELD_ADDED", INFO, "Node.id"),
        ("ENUM_VALUE_ADDED", INFO, "Status.OPEN"),
        ("ENUM_VALUE_ADDED", INFO, "Status.CLOSED"),
        ("UNION_MEMBER_ADDED", INFO, "Result"),
        ("INPUT_FIELD_ADDED", INFO, "OrderFilter.status"),
        ("FIELD_ARGUMENT_ADDED", INFO, "Query.orders.filter"),
    }
    assert members <= found
    assert {severity for _, severity, _ in found} == {INFO}


def test_a_new_field_on_an_existing_type_brings_its_arguments(tmp_path: Path) -> None:
    found = rows(
        changes_between(tmp_path, "type Query { a: Int }\n", "type Query { a: Int b(x: Int!, y: Int): Int }\n")
    )
    assert found == {
        ("FIELD_ADDED", INFO, "Query.b"),
        ("FIELD_ARGUMENT_ADDED", INFO, "Query.b.x"),  # required, but no client calls the field yet
        ("FIELD_ARGUMENT_ADDED", INFO, "Query.b.y"),
    }


def test_a_new_directive_brings_its_locations_arguments_and_repeatable(tmp_path: Path) -> None:
    old = "type Query { a: Int }\n"
    new = "directive @cost(weight: Int!) repeatable on FIELD_DEFINITION | OBJECT\ntype Query { a: Int }\n"
    changes = changes_between(tmp_path, old, new)
    assert sorted((c.id, c.location) for c in changes) == [
        ("DIRECTIVE_ADDED", "@cost"),
        ("DIRECTIVE_ARGUMENT_ADDED", "@cost(weight:)"),
        ("DIRECTIVE_LOCATION_ADDED", "@cost"),
        ("DIRECTIVE_LOCATION_ADDED", "@cost"),
        ("DIRECTIVE_REPEATABLE_ADDED", "@cost"),
    ]
    assert {c.severity for c in changes} == {INFO}


# -- policies ------------------------------------------------------------------------------------------------

RELAXED = DriftPolicies(relaxed=frozenset({"deprecated-removal-is-dangerous"}))
DEPRECATED_FIELDS = (
    'type Query {\n  a: Int\n  b: Int @deprecated(reason: "Use a. Sunset: 2026-01-31.")\n'
    "  c: Int @deprecated\n  d: Int\n}\n"
)


def test_deprecated_removal_is_breaking_unless_relaxed(tmp_path: Path) -> None:
    new = "type Query {\n  a: Int\n}\n"
    today = dt.date(2026, 3, 1)
    strict = rows(changes_between(tmp_path, DEPRECATED_FIELDS, new, today=today))
    assert strict == {
        ("FIELD_REMOVED", BREAKING, "Query.b"),
        ("FIELD_REMOVED", BREAKING, "Query.c"),
        ("FIELD_REMOVED", BREAKING, "Query.d"),
    }
    relaxed = rows(changes_between(tmp_path, DEPRECATED_FIELDS, new, RELAXED, today))
    assert relaxed == {
        ("FIELD_REMOVED", DANGEROUS, "Query.b"),
        ("FIELD_REMOVED", DANGEROUS, "Query.c"),
        ("FIELD_REMOVED", BREAKING, "Query.d"),  # never deprecated: still breaking
    }


def test_the_relaxation_keeps_a_removal_before_its_announced_sunset_breaking(tmp_path: Path) -> None:
    new = "type Query {\n  a: Int\n  c: Int @deprecated\n  d: Int\n}\n"
    [change] = changes_between(tmp_path, DEPRECATED_FIELDS, new, RELAXED, dt.date(2025, 12, 1))
    assert (change.id, change.severity, change.location) == ("FIELD_REMOVED", BREAKING, "Query.b")
    assert "before its announced sunset date 2026-01-31" in change.message


def test_the_relaxation_covers_enum_values_input_fields_and_arguments(tmp_path: Path) -> None:
    old = (
        "enum E { A B @deprecated }\ninput I { a: Int b: Int @deprecated }\n"
        "type Query { f(x: Int @deprecated, y: Int, i: I): E }\n"
    )
    new = "enum E { A }\ninput I { a: Int }\ntype Query { f(y: Int, i: I): E }\n"
    assert {c.severity for c in changes_between(tmp_path, old, new)} == {BREAKING}
    assert {c.severity for c in changes_between(tmp_path, old, new, RELAXED)} == {DANGEROUS}


def test_unreachable_types_are_safe_only_when_the_team_says_so(tmp_path: Path) -> None:
    old = "type Orphan { a: Int b: Int }\ntype Used { a: Int b: Int }\ntype Query { used: Used }\n"
    new = "type Orphan { a: Int }\ntype Used { a: Int }\ntype Query { used: Used }\n"
    assert rows(changes_between(tmp_path, old, new)) == {
        ("FIELD_REMOVED", BREAKING, "Orphan.b"),
        ("FIELD_REMOVED", BREAKING, "Used.b"),
    }
    policies = DriftPolicies(relaxed=frozenset({"unreachable-types-are-safe"}))
    assert rows(changes_between(tmp_path, old, new, policies)) == {
        ("FIELD_REMOVED", INFO, "Orphan.b"),  # no operation reaches Orphan (Inspector's safeUnreachable)
        ("FIELD_REMOVED", BREAKING, "Used.b"),
    }


# -- through the command line ----------------------------------------------------------------------------------


def _drift_json(tmp_path: Path, *options: str) -> tuple[int, list[dict[str, object]]]:
    result = run_ctk("drift", "old.graphql", "new.graphql", "--format", "json", *options, cwd=tmp_path)
    return result.returncode, json.loads(result.stdout)["changes"]


def test_ctk_drift_reports_a_federation_key_added_and_relaxes_a_deprecated_removal_on_request(tmp_path: Path) -> None:
    (tmp_path / "old.graphql").write_text(
        FEDERATION + 'type Product { id: ID! }\ntype Query { p: Product old: ID @deprecated(reason: "Use p.") }\n'
    )
    (tmp_path / "new.graphql").write_text(
        FEDERATION + 'type Product @key(fields: "id") { id: ID! }\ntype Query { p: Product }\n'
    )
    code, changes = _drift_json(tmp_path)
    found = {(c["id"], c["severity"]) for c in changes}
    assert ("DIRECTIVE_USAGE_OBJECT_ADDED", "dangerous") in found
    assert ("FIELD_REMOVED", "breaking") in found
    assert code == 1
    code, changes = _drift_json(tmp_path, "--policy", "deprecated-removal-is-dangerous", "--fail-on", "breaking")
    assert ("FIELD_REMOVED", "dangerous") in {(c["id"], c["severity"]) for c in changes}
    assert code == 0


# -- the schema's roots and the standard scalars ------------------------------------------------------------


def test_root_types_set_changed_or_removed(tmp_path: Path) -> None:
    query = "type Query { a: Int }\n"
    mutations = "type Mutation { m: Int }\n"
    [added] = [c for c in changes_between(tmp_path, query, query + mutations) if c.id.startswith("SCHEMA_")]
    assert (added.id, added.severity, added.location) == ("SCHEMA_MUTATION_TYPE_CHANGED", INFO, "Mutation")
    moved = "schema { query: Query mutation: Writes }\ntype Query { a: Int }\ntype Writes { m: Int }\n"
    [changed] = [c for c in changes_between(tmp_path, query + mutations, moved) if c.id.startswith("SCHEMA_")]
    assert (changed.id, changed.severity, changed.old, changed.new) == (
        "SCHEMA_MUTATION_TYPE_CHANGED",
        BREAKING,
        "Mutation",
        "Writes",
    )


def test_a_standard_scalar_coming_into_use_is_not_a_new_type(tmp_path: Path) -> None:
    found = rows(changes_between(tmp_path, "type Query { a: Int }\n", "type Query { a: Int b: Float }\n"))
    assert found == {("FIELD_ADDED", INFO, "Query.b")}


def test_the_policy_names_are_the_ones_ctk_drift_accepts() -> None:
    from toolkit.drift.settings import POLICIES
    from toolkit.graphql.diff.compare import UNREACHABLE_TYPES_ARE_SAFE
    from toolkit.graphql.diff.deprecation import DEPRECATED_REMOVAL_IS_DANGEROUS

    assert {DEPRECATED_REMOVAL_IS_DANGEROUS, UNREACHABLE_TYPES_ARE_SAFE} <= set(POLICIES)
