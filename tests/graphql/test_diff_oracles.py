"""The GraphQL Inspector comparison itself (``tests.support.graphql_drift_oracles``), on cases written here.

The corpus cases run in ``test_diff.py``; these pin that the comparison reads what Inspector's tests
give (typed items, items given only by their message, counts, opt-in rules) and that it can fail.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.support import graphql_drift_oracles as oracles
from toolkit.model import DriftPolicies

FEDERATION_KEY = "directive @key(fields: String!) repeatable on OBJECT\n"
OLD = FEDERATION_KEY + 'type Query { a: String b: String @deprecated(reason: "Use a.") }\ntype T { id: ID }\n'
NEW = (
    FEDERATION_KEY
    + 'type Query { a: String b: String @deprecated(reason: "Use c.") }\ntype T @key(fields: "id") { id: ID }\n'
)


def case(
    tmp_path: Path,
    expected: list[dict[str, str]],
    count: int | None,
    old: str = OLD,
    new: str = NEW,
    rules: str = "",
) -> Path:
    folder = tmp_path / "case"
    folder.mkdir(exist_ok=True)
    (folder / "old.graphql").write_text(old)
    (folder / "new.graphql").write_text(new)
    data = {"dir": "case", "case": "x", "diff_rules": rules, "expected_count": count, "expected": expected}
    (folder / "expected.json").write_text(json.dumps(data))
    return folder


EVERYTHING = [
    {"path": "Query.b.@deprecated", "level": "NonBreaking", "type": "FIELD_DEPRECATION_REASON_CHANGED"},
    {"path": "T.@key", "level": "Dangerous", "type": "DIRECTIVE_USAGE_OBJECT_ADDED"},
    {"path": "T.@key.fields", "level": "NonBreaking", "type": "DIRECTIVE_USAGE_ARGUMENT_ADDED"},
    {"path": "Query.b.@deprecated.reason", "level": "NonBreaking", "type": "DIRECTIVE_USAGE_ARGUMENT_ADDED"},
    {
        "path": "Query.b.@deprecated.reason",
        "level": "Dangerous",
        "type": "DIRECTIVE_USAGE_ARGUMENT_REMOVED",
        "message": "Argument 'reason' was removed from '@deprecated'",
    },
]


def test_directive_usages_and_deprecation_reasons_are_compared_with_the_count(tmp_path: Path) -> None:
    outcome = oracles.check_inspector_case(case(tmp_path, EVERYTHING, 5))
    assert outcome.problems == []
    # Inspector grades a reworded reason's argument dangerous; ctk says info, and the note says why
    assert outcome.notes == [
        "level disagreement at Query.b.@deprecated.reason: inspector Dangerous, ctk NonBreaking "
        "(a deprecation reason reworded changes no behaviour; ctk's deprecation rules grade it)"
    ]


def test_a_change_ctk_misses_or_grades_otherwise_is_a_problem(tmp_path: Path) -> None:
    wrong_level = [{**EVERYTHING[1], "level": "Breaking"}]
    outcome = oracles.check_inspector_case(case(tmp_path, wrong_level, None))
    assert outcome.problems == [
        "missing Breaking DIRECTIVE_USAGE_OBJECT_ADDED at T.@key (ours: DIRECTIVE_USAGE_OBJECT_ADDED dangerous)"
    ]


def test_inspectors_total_is_checked_even_when_the_test_lists_fewer(tmp_path: Path) -> None:
    outcome = oracles.check_inspector_case(case(tmp_path, EVERYTHING[:1], 4))
    assert outcome.problems == ["5 changes in all, inspector counts 4"]


def test_items_given_only_by_their_message_are_read() -> None:
    read = oracles._inspector_item
    assert read({"message": "Directive 'key' was added to object 'T'"}) == ("DIRECTIVE_USAGE_OBJECT_ADDED", "T.@key")
    assert read({"message": "Directive 'tag' was removed from argument 'id' of field 'node' in type 'Query'"}) == (
        "DIRECTIVE_USAGE_ARGUMENT_DEFINITION_REMOVED",
        "Query.node.id.@tag",
    )
    assert read({"message": "Directive 'link' was added to schema"}) == ("DIRECTIVE_USAGE_SCHEMA_ADDED", ".@link")
    assert read({"message": "Deprecation reason on field 'Query.b' has changed from 'x' to 'y'"}) == (
        "FIELD_DEPRECATION_REASON_CHANGED",
        "Query.b",
    )
    assert read({"message": "Enum value 'E.A' deprecation reason changed from 'x' to 'y'"}) == (
        "ENUM_VALUE_DEPRECATION_REASON_CHANGED",
        "E.A",
    )
    # a typed item keeps @deprecated in a usage's path, and drops it from a deprecation's
    assert read({"type": "DIRECTIVE_USAGE_FIELD_DEFINITION_ADDED", "path": "Q.a.@deprecated"}) == (
        "DIRECTIVE_USAGE_FIELD_DEFINITION_ADDED",
        "Q.a.@deprecated",
    )
    assert read({"type": "FIELD_DEPRECATION_ADDED", "path": "Q.a.@deprecated"}) == ("FIELD_DEPRECATION_ADDED", "Q.a")


def test_inspectors_opt_in_rules_run_ctk_with_its_policies(tmp_path: Path) -> None:
    assert oracles.policies_for("") == DriftPolicies()
    assert oracles.policies_for("DiffRule.suppressRemovalOfDeprecatedField, DiffRule.safeUnreachable") == (
        DriftPolicies(relaxed=frozenset({"deprecated-removal-is-dangerous", "unreachable-types-are-safe"}))
    )
    assert oracles.policies_for("DiffRule.considerUsage") is None
    assert oracles.policies_for("DiffRule.ignoreDescriptionChanges") == DriftPolicies()  # ctk ignores them always
    removed = [{"path": "Query.b", "level": "Dangerous", "type": "FIELD_REMOVED"}]
    new = FEDERATION_KEY + "type Query { a: String }\ntype T { id: ID }\n"
    relaxed = case(tmp_path, removed, 1, new=new, rules="suppressRemovalOfDeprecatedField")
    assert oracles.check_inspector_case(relaxed).problems == []
    strict = case(tmp_path, removed, 1, new=new)
    assert oracles.check_inspector_case(strict).problems == [
        "missing Dangerous FIELD_REMOVED at Query.b (ours: FIELD_REMOVED breaking)",
        "extra breaking FIELD_REMOVED at Query.b",
    ]
    unknown = oracles.check_inspector_case(case(tmp_path, removed, 1, new=new, rules="considerUsage"))
    assert not unknown.comparable and "no policy" in unknown.notes[0]


def test_a_directive_argument_is_the_same_place_in_both_spellings() -> None:
    assert oracles.same_place("@a(x:)", "@a") and oracles.same_place("@a(x:)", "@a.x")
    assert not oracles.same_place("@a(x:)", "@b") and not oracles.same_place("Q.a", "Q.b")
