"""GraphQL drift: graphql-core's verdicts with coordinates, deprecations, sunsets and operations.

The oracle tests run the same comparison as ``scripts/graphql_drift_oracles.py`` (both import
``tests.support.graphql_drift_oracles``, so the mapping tables live in one place) on every case of
the corpus; the rest pin behaviour on small hand-written schemas and on the example workspace's
inventory v1 → v2 answer key.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from tests.support import graphql_drift_oracles as oracles
from tests.support.corpus import corpus
from tests.support.paths import CORPUS, REPO
from toolkit.errors import LoadError
from toolkit.graphql.diff.compare import diff
from toolkit.load import load_contract
from toolkit.model import Change, ChangeSeverity, Contract

BREAKING, DANGEROUS, INFO = ChangeSeverity.BREAKING, ChangeSeverity.DANGEROUS, ChangeSeverity.INFO


def _cases(*parts: str) -> list[str]:
    folder = CORPUS.joinpath(*parts)
    names = sorted(path.name for path in folder.iterdir() if path.is_dir()) if folder.is_dir() else []
    return names or ["(absent)"]


def sdl(tmp_path: Path, name: str, text: str) -> Contract:
    path = tmp_path / f"{name}.graphql"
    path.write_text(text)
    return load_contract(path)


def changes_between(tmp_path: Path, old: str, new: str, today: dt.date | None = None) -> list[Change]:
    return diff(sdl(tmp_path, "old", old), sdl(tmp_path, "new", new), today=today)


def by_id(changes: list[Change]) -> dict[str, Change]:
    return {change.id: change for change in changes}


# -- the oracles ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", _cases("drift", "oracles", "graphql-core"))
def test_graphql_core_oracle(case: str) -> None:
    outcome = oracles.check_core_case(corpus("drift", "oracles", "graphql-core", case))
    assert outcome.problems == []


@pytest.mark.parametrize("case", _cases("drift", "oracles", "graphql-inspector"))
def test_graphql_inspector_oracle(case: str) -> None:
    outcome = oracles.check_inspector_case(corpus("drift", "oracles", "graphql-inspector", case))
    if not outcome.comparable:
        # an SDL that uses an undefined directive, which ctk's loader refuses, or an Inspector rule ctk has no
        # policy for
        assert "Unknown directive" in outcome.notes[0] or "no policy for inspector rules" in outcome.notes[0]
        pytest.skip(outcome.notes[0])
    assert outcome.problems == []


@pytest.mark.parametrize("pair", _cases("drift", "graphql"))
def test_drift_pair_matches_graphql_core_reference(pair: str) -> None:
    outcome = oracles.check_pair(corpus("drift", "graphql", pair))
    assert outcome.problems == []


def test_oracle_comparison_reports_a_difference() -> None:
    """The comparison itself can fail: a missing and an extra type are both named."""
    problems = oracles.compare_counts(
        Counter({"FIELD_REMOVED": 2}), Counter({"FIELD_REMOVED": 1, "TYPE_REMOVED": 1}), "x"
    )
    assert problems == ["x: missing {'FIELD_REMOVED': 1}, extra {'TYPE_REMOVED': 1}"]


def test_oracle_script_fails_without_cases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert oracles.main(["--corpus", str(tmp_path)]) == 1
    assert "no cases" in capsys.readouterr().out


def test_inspector_level_disagreements_follow_graphql_core() -> None:
    outcome = oracles.check_inspector_case(
        corpus("drift", "oracles", "graphql-inspector", "008-directive.test.ts_removed")
    )
    assert outcome.problems == []
    assert any("inspector Dangerous, ctk Breaking" in note for note in outcome.notes)


# -- the example workspace: inventory v1 -> v2 ---------------------------------------------------------

EVERY_PRODUCT_READER = [
    "Query.node",
    "Query.product",
    "Query.productBySku",
    "Query.products",
    "Query.search",
    "Query.warehouse",
    "Query.warehouses",
    "Mutation.adjustStock",
    "Mutation.createProduct",
]


def test_inventory_v1_to_v2_is_exactly_the_answer_key() -> None:
    old = load_contract(REPO / "contracts/inventory/v1")
    new = load_contract(REPO / "contracts/inventory/v2")
    changes = diff(old, new, today=dt.date(2026, 6, 1))
    rows = {(change.id, change.severity, change.location): change for change in changes}
    assert set(rows) == {
        ("FIELD_REMOVED", BREAKING, "Product.legacyCode"),
        ("FIELD_CHANGED_KIND", BREAKING, "AdjustStockInput.reason"),
        ("FIELD_CHANGED_KIND", BREAKING, "ProductFilter.minPrice"),
        ("VALUE_REMOVED_FROM_ENUM", BREAKING, "StockStatus.DISCONTINUED"),
        ("FIELD_ADDED", INFO, "Product.barcode"),
        ("FIELD_DEPRECATION_ADDED", INFO, "Query.productBySku"),
        # GraphQL Inspector lists the use of @deprecated, and the reason it passes, besides the deprecation
        ("DIRECTIVE_USAGE_FIELD_DEFINITION_ADDED", INFO, "Query.productBySku.@deprecated"),
        ("DIRECTIVE_USAGE_ARGUMENT_ADDED", INFO, "Query.productBySku.@deprecated.reason"),
        ("VALUE_ADDED_TO_ENUM", DANGEROUS, "ProductStatus.ARCHIVED"),
    }
    assert len(changes) == 9

    def operations(rule: str, location: str) -> set[str]:
        return set(next(c for c in changes if (c.id, c.location) == (rule, location)).operations)

    assert operations("FIELD_REMOVED", "Product.legacyCode") == set(EVERY_PRODUCT_READER)
    assert operations("FIELD_CHANGED_KIND", "AdjustStockInput.reason") == {"Mutation.adjustStock"}
    assert operations("FIELD_CHANGED_KIND", "ProductFilter.minPrice") == {"Query.products"}
    assert operations("VALUE_REMOVED_FROM_ENUM", "StockStatus.DISCONTINUED") == set(EVERY_PRODUCT_READER)
    assert operations("FIELD_ADDED", "Product.barcode") == set(EVERY_PRODUCT_READER)
    assert operations("FIELD_DEPRECATION_ADDED", "Query.productBySku") == {"Query.productBySku"}
    assert operations("DIRECTIVE_USAGE_FIELD_DEFINITION_ADDED", "Query.productBySku.@deprecated") == {
        "Query.productBySku"
    }
    assert operations("VALUE_ADDED_TO_ENUM", "ProductStatus.ARCHIVED") == set(EVERY_PRODUCT_READER)

    deprecated = rows[("FIELD_DEPRECATION_ADDED", INFO, "Query.productBySku")]
    assert deprecated.sunset == dt.date(2027, 1, 31) and deprecated.deprecation
    assert [c for c in changes if c.deprecation] == [deprecated]
    removed = rows[("FIELD_REMOVED", BREAKING, "Product.legacyCode")]
    assert (removed.old, removed.new) == ("Product.legacyCode", None)


def test_changes_come_back_ordered_by_location_then_id() -> None:
    changes = diff(load_contract(REPO / "contracts/inventory/v1"), load_contract(REPO / "contracts/inventory/v2"))
    keys = [(change.location or "", change.id) for change in changes]
    assert keys == sorted(keys)


# -- diff(a, a) is empty ---------------------------------------------------------------------------------

SAME = [
    ("graphql", "swapi_introspection.json"),
    ("graphql", "yelp_introspection.json"),
    ("graphql", "github_schema.graphql"),
    ("graphql", "anilist.co.json"),
    *[("drift", "graphql", pair, side) for pair in _cases("drift", "graphql") for side in ("base", "revision")],
]


@pytest.mark.parametrize("parts", SAME, ids=["/".join(parts) for parts in SAME])
def test_a_schema_compared_with_itself_has_no_changes(parts: tuple[str, ...]) -> None:
    *folder, name = parts
    if name in ("base", "revision"):
        directory = corpus(*folder)
        path = next(directory.glob(f"{name}.*"))
    else:
        path = corpus(*folder, name)
    assert diff(load_contract(path), load_contract(path)) == []


def test_the_parse_only_kitchen_sink_is_not_a_schema_to_compare() -> None:
    with pytest.raises(LoadError):
        load_contract(corpus("graphql", "schema_kitchen_sink.graphql"))


# -- rules on small schemas ----------------------------------------------------------------------------


def test_descriptions_and_field_order_are_ignored(tmp_path: Path) -> None:
    old = 'type Query {\n  "A"\n  a: Int\n  b(x: Int): String\n}\n'
    new = 'type Query {\n  b("explained" x: Int): String\n  """Another text"""\n  a: Int\n}\n'
    assert changes_between(tmp_path, old, new) == []


def test_output_nullability_is_breaking_one_way_and_safe_the_other(tmp_path: Path) -> None:
    changes = changes_between(
        tmp_path, "type Query {\n  a: Int!\n  b: Int\n}\n", "type Query {\n  a: Int\n  b: Int!\n}\n"
    )
    found = {change.location: (change.id, change.severity) for change in changes}
    assert found == {"Query.a": ("FIELD_CHANGED_KIND", BREAKING), "Query.b": ("FIELD_CHANGED_KIND_SAFE", INFO)}
    assert "null" in by_id(changes)["FIELD_CHANGED_KIND"].message


def test_input_nullability_is_the_reverse(tmp_path: Path) -> None:
    old = "input I {\n  a: Int!\n  b: Int\n}\ntype Query {\n  f(i: I, x: Int!, y: Int): Int\n}\n"
    new = "input I {\n  a: Int\n  b: Int!\n}\ntype Query {\n  f(i: I, x: Int, y: Int!): Int\n}\n"
    found = {c.location: (c.id, c.severity) for c in changes_between(tmp_path, old, new)}
    assert found == {
        "I.a": ("FIELD_CHANGED_KIND_SAFE", INFO),
        "I.b": ("FIELD_CHANGED_KIND", BREAKING),
        "Query.f.x": ("ARG_CHANGED_KIND_SAFE", INFO),
        "Query.f.y": ("ARG_CHANGED_KIND", BREAKING),
    }


def test_removed_deprecated_field_is_breaking_and_says_when_past_sunset(tmp_path: Path) -> None:
    """graphql-core and GraphQL Inspector both grade it breaking: a client still selecting it fails."""
    old = (
        'type Query {\n  a: Int\n  b: Int @deprecated(reason: "Use a. Sunset: 2026-01-31.")\n  c: Int @deprecated\n}\n'
    )
    new = "type Query {\n  a: Int\n}\n"
    changes = changes_between(tmp_path, old, new, today=dt.date(2026, 3, 1))
    assert [(c.id, c.severity, c.old, c.new) for c in changes] == [
        ("FIELD_REMOVED", BREAKING, "Query.b", None),
        ("FIELD_REMOVED", BREAKING, "Query.c", None),
    ]
    assert "after its sunset date 2026-01-31" in changes[0].message and changes[0].sunset == dt.date(2026, 1, 31)
    assert "after it was deprecated" in changes[1].message
    early = changes_between(tmp_path, old, new, today=dt.date(2025, 12, 1))
    assert "before its announced sunset date 2026-01-31" in early[0].message


def test_removed_deprecated_enum_value_and_argument_are_breaking(tmp_path: Path) -> None:
    old = "enum E {\n  A\n  B @deprecated\n}\ntype Query {\n  f(x: Int @deprecated, y: Int): E\n}\n"
    new = "enum E {\n  A\n}\ntype Query {\n  f(y: Int): E\n}\n"
    found = {(c.id, c.severity) for c in changes_between(tmp_path, old, new)}
    assert found == {("VALUE_REMOVED_FROM_ENUM", BREAKING), ("ARG_REMOVED", BREAKING)}


def test_deprecations_added_and_withdrawn(tmp_path: Path) -> None:
    old = (
        "enum E {\n  A\n  B @deprecated\n}\ninput I {\n  a: Int\n}\n"
        "type Query {\n  f(x: Int, i: I): E\n  g: Int @deprecated\n}\n"
    )
    new = (
        'enum E {\n  A @deprecated(reason: "Removal on 2027-05-01")\n  B\n}\n'
        'input I {\n  a: Int @deprecated(reason: "gone")\n}\n'
        'type Query {\n  f(x: Int @deprecated(reason: "unused"), i: I): E\n  g: Int\n}\n'
    )
    changes = changes_between(tmp_path, old, new)
    found = {(c.id, c.location): c for c in changes if not c.id.startswith("DIRECTIVE_USAGE_")}
    assert set(found) == {
        ("ENUM_VALUE_DEPRECATION_REASON_ADDED", "E.A"),  # Inspector's names: an enum value has no other
        ("ENUM_VALUE_DEPRECATION_REASON_REMOVED", "E.B"),
        ("INPUT_FIELD_DEPRECATION_ADDED", "I.a"),
        ("ARG_DEPRECATION_ADDED", "Query.f.x"),
        ("FIELD_DEPRECATION_REMOVED", "Query.g"),
    }
    assert all(change.severity is INFO for change in changes)  # @deprecated's usage too
    assert found[("ENUM_VALUE_DEPRECATION_REASON_ADDED", "E.A")].sunset == dt.date(2027, 5, 1)
    assert {key for key, change in found.items() if change.deprecation} == {
        ("ENUM_VALUE_DEPRECATION_REASON_ADDED", "E.A"),
        ("INPUT_FIELD_DEPRECATION_ADDED", "I.a"),
        ("ARG_DEPRECATION_ADDED", "Query.f.x"),
    }


@pytest.mark.parametrize(
    ("old_date", "new_date", "rule", "severity", "deprecation"),
    [
        ("2027-06-30", "2027-01-31", "SUNSET_MOVED_EARLIER", BREAKING, True),  # as OpenAPI and SOAP grade it
        ("2027-01-31", "2027-06-30", "SUNSET_MOVED_LATER", INFO, False),
        (None, "2027-01-31", "SUNSET_ADDED", INFO, True),
        ("2027-01-31", None, "SUNSET_REMOVED", INFO, False),
    ],
)
def test_sunset_moves(
    tmp_path: Path, old_date: str | None, new_date: str | None, rule: str, severity: ChangeSeverity, deprecation: bool
) -> None:
    def schema(date: str | None) -> str:
        reason = f"Use b. Sunset: {date}." if date else "Use b."
        return f'type Query {{\n  a: Int @deprecated(reason: "{reason}")\n  b: Int\n}}\n'

    changes = changes_between(tmp_path, schema(old_date), schema(new_date))
    [change] = [c for c in changes if c.id.startswith("SUNSET_")]
    assert (change.id, change.severity, change.location, change.deprecation) == (rule, severity, "Query.a", deprecation)
    assert change.operations == ("Query.a",)
    # besides the sunset, the reason changed (Inspector's rule) and the value @deprecated is given, all info
    assert {c.id for c in changes} - {rule} == {
        "FIELD_DEPRECATION_REASON_CHANGED",
        "DIRECTIVE_USAGE_ARGUMENT_ADDED",
        "DIRECTIVE_USAGE_ARGUMENT_REMOVED",
    }
    assert all(c.severity is INFO for c in changes if c is not change)


def test_reworded_deprecation_reason_with_the_same_sunset_is_info_only(tmp_path: Path) -> None:
    old = 'type Query {\n  a: Int @deprecated(reason: "Sunset: 2027-01-31")\n}\n'
    new = 'type Query {\n  a: Int @deprecated(reason: "Use nothing. Sunset: 2027-01-31.")\n}\n'
    changes = changes_between(tmp_path, old, new)
    assert {(c.id, c.severity) for c in changes} == {
        ("FIELD_DEPRECATION_REASON_CHANGED", INFO),
        ("DIRECTIVE_USAGE_ARGUMENT_REMOVED", INFO),  # Inspector says dangerous; a reworded reason changes nothing
        ("DIRECTIVE_USAGE_ARGUMENT_ADDED", INFO),
    }


def test_default_values(tmp_path: Path) -> None:
    old = "input I {\n  a: Int = 1\n  b: Int\n}\ntype Query {\n  f(x: Int = 1, y: Int = 2, z: Int, i: I): Int\n}\n"
    new = "input I {\n  a: Int = 2\n  b: Int = 5\n}\ntype Query {\n  f(x: Int = 3, y: Int, z: Int = 4, i: I): Int\n}\n"
    found = {(c.id, c.severity, c.location) for c in changes_between(tmp_path, old, new)}
    assert found == {
        ("INPUT_FIELD_DEFAULT_VALUE_CHANGE", DANGEROUS, "I.a"),
        ("INPUT_FIELD_DEFAULT_VALUE_ADDED", INFO, "I.b"),
        ("ARG_DEFAULT_VALUE_CHANGE", DANGEROUS, "Query.f.x"),
        ("ARG_DEFAULT_VALUE_CHANGE", DANGEROUS, "Query.f.y"),
        ("ARG_DEFAULT_VALUE_ADDED", INFO, "Query.f.z"),
    }


def test_directive_coordinates(tmp_path: Path) -> None:
    old = "directive @a(x: Int) repeatable on FIELD | QUERY\ndirective @b on FIELD\ntype Query {\n  f: Int\n}\n"
    new = "directive @a(y: Int!) on FIELD\ndirective @c on FIELD\ntype Query {\n  f: Int\n}\n"
    found = {(c.id, c.old, c.new, c.operations) for c in changes_between(tmp_path, old, new)}
    assert found == {
        ("DIRECTIVE_ARG_REMOVED", "@a(x:)", None, ()),
        ("REQUIRED_DIRECTIVE_ARG_ADDED", None, "@a(y:)", ()),
        ("DIRECTIVE_REPEATABLE_REMOVED", "@a", "@a", ()),
        ("DIRECTIVE_LOCATION_REMOVED", "@a", "@a", ()),
        ("DIRECTIVE_REMOVED", "@b", None, ()),
        ("DIRECTIVE_ADDED", None, "@c", ()),
        ("DIRECTIVE_LOCATION_ADDED", None, "@c", ()),  # a new directive's members, as Inspector lists them
    }


def test_optional_directive_argument_added_is_info(tmp_path: Path) -> None:
    old = "directive @cache(ttl: Int) on FIELD_DEFINITION\ntype Query {\n  f: Int\n}\n"
    new = "directive @cache(ttl: Int, scope: String, hits: Int! = 0) on FIELD_DEFINITION\ntype Query {\n  f: Int\n}\n"
    found = [(c.id, c.severity, c.location, c.old, c.operations) for c in changes_between(tmp_path, old, new)]
    # a non-null argument with a default is optional too; directive changes are schema-wide
    assert found == [
        ("OPTIONAL_DIRECTIVE_ARG_ADDED", INFO, "@cache(hits:)", None, ()),
        ("OPTIONAL_DIRECTIVE_ARG_ADDED", INFO, "@cache(scope:)", None, ()),
    ]


def test_implemented_interface_removed_is_breaking(tmp_path: Path) -> None:
    old = (
        "interface Node {\n  id: ID!\n}\ntype A implements Node {\n  id: ID!\n}\n"
        "type Query {\n  node: Node\n  a: A\n}\n"
    )
    new = old.replace("type A implements Node {", "type A {")
    [change] = changes_between(tmp_path, old, new)
    assert (change.id, change.severity, change.location, change.old) == (
        "IMPLEMENTED_INTERFACE_REMOVED",
        BREAKING,
        "A",
        "A",
    )
    assert "Node" in change.message
    # Query.node reached A before (`node { ... on A }`), and such queries stop validating
    assert set(change.operations) == {"Query.a", "Query.node"}


REACH_OLD = """
interface Node {
  id: ID!
}
type A implements Node {
  id: ID!
  b: B
}
type B {
  c(filter: F): C
}
type C {
  x: Int
  z: Int
}
type D {
  y: Int
}
input F {
  level: Level
}
enum Level {
  LOW
}
union U = A | D
type Query {
  node: Node
  a: A
  u: [U]
  d: D
  plain: Int
}
type Mutation {
  setLevel(level: Level!): Int
}
"""


def test_operations_reach_through_fields_arguments_interfaces_and_unions(tmp_path: Path) -> None:
    new = REACH_OLD.replace("  x: Int\n", "").replace("  LOW\n", "  LOW\n  HIGH\n").replace("  y: Int\n", "  y: Int!\n")
    new = new.replace("  plain: Int\n", "  plain: Int\n  fresh: String\n")
    found = {c.location: c.operations for c in changes_between(tmp_path, REACH_OLD, new)}
    # C is reached through A.b -> B.c (an output field of a field's result)
    assert found["C.x"] == ("Query.node", "Query.a", "Query.u")
    # Level through a nested field's argument (B.c(filter: F)) and through a root argument
    assert found["Level.HIGH"] == ("Query.node", "Query.a", "Query.u", "Mutation.setLevel")
    assert found["D.y"] == ("Query.u", "Query.d")
    # a change on a root field concerns that operation only
    assert found["Query.fresh"] == ("Query.fresh",)


def test_an_interface_change_reaches_operations_holding_an_implementation(tmp_path: Path) -> None:
    new = REACH_OLD.replace("interface Node {\n  id: ID!\n}", "interface Node {\n  id: ID!\n  name: String\n}")
    new = new.replace("type A implements Node {\n  id: ID!\n", "type A implements Node {\n  id: ID!\n  name: String\n")
    found = {c.location: c.operations for c in changes_between(tmp_path, REACH_OLD, new)}
    assert found["Node.name"] == ("Query.node", "Query.a", "Query.u")


def test_removed_type_is_placed_in_the_old_schema(tmp_path: Path) -> None:
    old = "type Gone {\n  a: Int\n}\ntype Query {\n  g: Gone\n  h: Int\n}\n"
    new = "type Query {\n  h: Int\n}\n"
    found = {(c.id, c.location): c.operations for c in changes_between(tmp_path, old, new)}
    assert found == {("TYPE_REMOVED", "Gone"): ("Query.g",), ("FIELD_REMOVED", "Query.g"): ("Query.g",)}


def test_a_non_graphql_contract_is_refused() -> None:
    openapi = load_contract(REPO / "contracts/payments/v1")
    graphql = load_contract(REPO / "contracts/inventory/v1")
    with pytest.raises(LoadError) as error:
        diff(openapi, graphql)
    assert "not a GraphQL schema" in str(error.value)
