"""Check ctk's GraphQL diff against the answers of graphql-core and graphql-inspector.

Three sources in ../shared/corpus/drift (see its SOURCES.md):

- ``oracles/graphql-core``: graphql-core's own tests; the multiset of breaking (or dangerous)
  change types must equal the expected one.
- ``oracles/graphql-inspector``: graphql-inspector's tests (directive usages and deprecation reasons
  included); each change it lists must be ours at the same path and level (NonBreaking = info), and
  when the test gives Inspector's count of changes, ctk finds as many (ctk's own rules, which
  Inspector has not, are not counted: ``CTK_ONLY``). Inspector's type names map to ours in
  ``INSPECTOR_TYPES``; where inspector and graphql-core grade a change differently, ctk follows
  graphql-core and the case is listed under ``LEVEL_DISAGREEMENTS`` (printed, not a failure). A
  test that runs Inspector's opt-in rules runs ctk with the matching policy (``INSPECTOR_RULES``).
- ``graphql`` drift pairs: the breaking/dangerous types graphql-core 3.2.8 reported.

``main`` prints the agreement rate per source and every disagreement and returns 0 when all agree;
``scripts/graphql_drift_oracles.py`` runs it, ``tests/graphql/test_diff.py`` runs each case:

    python scripts/graphql_drift_oracles.py [--corpus ../shared/corpus]
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.paths import CORPUS
from toolkit.errors import LoadError, UnknownFormatError
from toolkit.graphql.diff.compare import diff
from toolkit.load import load_contract
from toolkit.model import Change, ChangeSeverity, Contract, DriftPolicies
from toolkit.sources import Source

# graphql-core's BreakingChangeType / DangerousChangeType names (3.2 and 3.3)
BREAKING_TYPES = frozenset(
    [
        "TYPE_REMOVED",
        "TYPE_CHANGED_KIND",
        "TYPE_REMOVED_FROM_UNION",
        "VALUE_REMOVED_FROM_ENUM",
        "REQUIRED_INPUT_FIELD_ADDED",
        "IMPLEMENTED_INTERFACE_REMOVED",
        "FIELD_REMOVED",
        "FIELD_CHANGED_KIND",
        "REQUIRED_ARG_ADDED",
        "ARG_REMOVED",
        "ARG_CHANGED_KIND",
        "DIRECTIVE_REMOVED",
        "DIRECTIVE_ARG_REMOVED",
        "REQUIRED_DIRECTIVE_ARG_ADDED",
        "DIRECTIVE_REPEATABLE_REMOVED",
        "DIRECTIVE_LOCATION_REMOVED",
    ]
)
DANGEROUS_TYPES = frozenset(
    [
        "VALUE_ADDED_TO_ENUM",
        "TYPE_ADDED_TO_UNION",
        "OPTIONAL_INPUT_FIELD_ADDED",
        "OPTIONAL_ARG_ADDED",
        "IMPLEMENTED_INTERFACE_ADDED",
        "ARG_DEFAULT_VALUE_CHANGE",
        "INPUT_FIELD_DEFAULT_VALUE_CHANGE",
    ]
)
# ctk's rules that Inspector has not (deprecations of arguments and input fields, which Inspector reports
# only as the use of @deprecated; sunset dates read from deprecation reasons): not counted against its total.
CTK_ONLY = re.compile(r"^(ARG|INPUT_FIELD)_DEPRECATION_|^SUNSET_")

ANYWHERE = "*"  # the path of an Inspector change that has none
STANDARD_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID"})

# Inspector's opt-in rules (the test's diff_rules) -> the ctk policy that does the same (None: ctk always does)
INSPECTOR_RULES: dict[str, str | None] = {
    "suppressRemovalOfDeprecatedField": "deprecated-removal-is-dangerous",
    "safeUnreachable": "unreachable-types-are-safe",
    "ignoreDescriptionChanges": None,
}

# Inspector's directive-usage element kinds (in DIRECTIVE_USAGE_<KIND>_ADDED/_REMOVED)
USAGE_KINDS = (
    *("SCHEMA", "OBJECT", "INTERFACE", "UNION_MEMBER", "ENUM", "ENUM_VALUE", "INPUT_OBJECT"),
    *("INPUT_FIELD_DEFINITION", "SCALAR", "FIELD_DEFINITION", "ARGUMENT_DEFINITION"),
)
# Inspector's description changes: descriptions never change what a client can send or get, ctk has no rule
DESCRIPTION_TYPES = (
    *("TYPE_DESCRIPTION_ADDED", "TYPE_DESCRIPTION_CHANGED", "TYPE_DESCRIPTION_REMOVED", "FIELD_DESCRIPTION_ADDED"),
    *("FIELD_DESCRIPTION_CHANGED", "FIELD_DESCRIPTION_REMOVED", "FIELD_ARGUMENT_DESCRIPTION_CHANGED"),
    *("ENUM_VALUE_DESCRIPTION_CHANGED", "INPUT_FIELD_DESCRIPTION_ADDED", "INPUT_FIELD_DESCRIPTION_CHANGED"),
    *("INPUT_FIELD_DESCRIPTION_REMOVED", "DIRECTIVE_DESCRIPTION_CHANGED", "DIRECTIVE_ARGUMENT_DESCRIPTION_CHANGED"),
)

# graphql-inspector's change type -> the ctk rule ids it may correspond to (ctk splits some by level)
INSPECTOR_TYPES: dict[str, frozenset[str]] = {
    name: frozenset(ids.split())
    for name, ids in {
        "TYPE_ADDED": "TYPE_ADDED",
        "TYPE_REMOVED": "TYPE_REMOVED",
        "TYPE_KIND_CHANGED": "TYPE_CHANGED_KIND",
        "FIELD_ADDED": "FIELD_ADDED",
        "FIELD_REMOVED": "FIELD_REMOVED",
        "FIELD_TYPE_CHANGED": "FIELD_CHANGED_KIND FIELD_CHANGED_KIND_SAFE",
        "FIELD_DEPRECATION_ADDED": "FIELD_DEPRECATION_ADDED",
        "FIELD_DEPRECATION_REMOVED": "FIELD_DEPRECATION_REMOVED",
        "FIELD_DEPRECATION_REASON_ADDED": "FIELD_DEPRECATION_REASON_ADDED",
        "FIELD_DEPRECATION_REASON_CHANGED": "FIELD_DEPRECATION_REASON_CHANGED",
        "FIELD_DEPRECATION_REASON_REMOVED": "FIELD_DEPRECATION_REASON_REMOVED",
        "FIELD_ARGUMENT_ADDED": "REQUIRED_ARG_ADDED OPTIONAL_ARG_ADDED FIELD_ARGUMENT_ADDED",
        "FIELD_ARGUMENT_REMOVED": "ARG_REMOVED",
        "FIELD_ARGUMENT_TYPE_CHANGED": "ARG_CHANGED_KIND ARG_CHANGED_KIND_SAFE",
        "FIELD_ARGUMENT_DEFAULT_CHANGED": "ARG_DEFAULT_VALUE_CHANGE ARG_DEFAULT_VALUE_ADDED",
        "INPUT_FIELD_ADDED": "REQUIRED_INPUT_FIELD_ADDED OPTIONAL_INPUT_FIELD_ADDED INPUT_FIELD_ADDED",
        "INPUT_FIELD_REMOVED": "FIELD_REMOVED",
        "INPUT_FIELD_TYPE_CHANGED": "FIELD_CHANGED_KIND FIELD_CHANGED_KIND_SAFE",
        "INPUT_FIELD_DEFAULT_VALUE_CHANGED": "INPUT_FIELD_DEFAULT_VALUE_CHANGE INPUT_FIELD_DEFAULT_VALUE_ADDED",
        "ENUM_VALUE_ADDED": "VALUE_ADDED_TO_ENUM ENUM_VALUE_ADDED",
        "ENUM_VALUE_REMOVED": "VALUE_REMOVED_FROM_ENUM",
        "ENUM_VALUE_DEPRECATION_REASON_ADDED": "ENUM_VALUE_DEPRECATION_REASON_ADDED",
        "ENUM_VALUE_DEPRECATION_REASON_CHANGED": "ENUM_VALUE_DEPRECATION_REASON_CHANGED",
        "ENUM_VALUE_DEPRECATION_REASON_REMOVED": "ENUM_VALUE_DEPRECATION_REASON_REMOVED",
        "UNION_MEMBER_ADDED": "TYPE_ADDED_TO_UNION UNION_MEMBER_ADDED",
        "UNION_MEMBER_REMOVED": "TYPE_REMOVED_FROM_UNION",
        "OBJECT_TYPE_INTERFACE_ADDED": "IMPLEMENTED_INTERFACE_ADDED OBJECT_TYPE_INTERFACE_ADDED",
        "OBJECT_TYPE_INTERFACE_REMOVED": "IMPLEMENTED_INTERFACE_REMOVED",
        "DIRECTIVE_ADDED": "DIRECTIVE_ADDED",
        "DIRECTIVE_REMOVED": "DIRECTIVE_REMOVED",
        "DIRECTIVE_LOCATION_ADDED": "DIRECTIVE_LOCATION_ADDED",
        "DIRECTIVE_LOCATION_REMOVED": "DIRECTIVE_LOCATION_REMOVED",
        "DIRECTIVE_REPEATABLE_ADDED": "DIRECTIVE_REPEATABLE_ADDED",
        "DIRECTIVE_REPEATABLE_REMOVED": "DIRECTIVE_REPEATABLE_REMOVED",
        "DIRECTIVE_ARGUMENT_ADDED": (
            "REQUIRED_DIRECTIVE_ARG_ADDED OPTIONAL_DIRECTIVE_ARG_ADDED DIRECTIVE_ARGUMENT_ADDED"
        ),
        "DIRECTIVE_ARGUMENT_REMOVED": "DIRECTIVE_ARG_REMOVED",
        "SCHEMA_QUERY_TYPE_CHANGED": "SCHEMA_QUERY_TYPE_CHANGED",
        "SCHEMA_MUTATION_TYPE_CHANGED": "SCHEMA_MUTATION_TYPE_CHANGED",
        "SCHEMA_SUBSCRIPTION_TYPE_CHANGED": "SCHEMA_SUBSCRIPTION_TYPE_CHANGED",
        "DIRECTIVE_ARGUMENT_DEFAULT_VALUE_CHANGED": "ARG_DEFAULT_VALUE_CHANGE ARG_DEFAULT_VALUE_ADDED",
        "DIRECTIVE_ARGUMENT_TYPE_CHANGED": "ARG_CHANGED_KIND ARG_CHANGED_KIND_SAFE",
        "DIRECTIVE_USAGE_ARGUMENT_ADDED": "DIRECTIVE_USAGE_ARGUMENT_ADDED",
        "DIRECTIVE_USAGE_ARGUMENT_REMOVED": "DIRECTIVE_USAGE_ARGUMENT_REMOVED",
        **{
            f"DIRECTIVE_USAGE_{kind}_{event}": f"DIRECTIVE_USAGE_{kind}_{event}"
            for kind in USAGE_KINDS
            for event in ("ADDED", "REMOVED")
        },
        **dict.fromkeys(DESCRIPTION_TYPES, ""),
    }.items()
}

# Some inspector tests give only a message; its wording names the change type and the path.
# (the place in a directive-usage message: groups 1 and 2 are the directive and added/removed)
_USAGE_PLACES: list[tuple[str, str, Callable[[re.Match[str]], str]]] = [
    (r"argument '(\w+)' of field '(\w+)' in type '(\w+)'", "ARGUMENT_DEFINITION", lambda m: f"{m[5]}.{m[4]}.{m[3]}"),
    (r"input field '(\w+)' in input object '(\w+)'", "INPUT_FIELD_DEFINITION", lambda m: f"{m[4]}.{m[3]}"),
    (r"field '([\w.]+)'", "FIELD_DEFINITION", lambda m: m[3]),
    (r"enum value '([\w.]+)'", "ENUM_VALUE", lambda m: m[3]),
    (r"input object '(\w+)'", "INPUT_OBJECT", lambda m: m[3]),
    (r"interface '(\w+)'", "INTERFACE", lambda m: m[3]),
    (r"object '(\w+)'", "OBJECT", lambda m: m[3]),
    (r"enum '(\w+)'", "ENUM", lambda m: m[3]),
    (r"scalar '(\w+)'", "SCALAR", lambda m: m[3]),
    (r"union member '(\w+)'", "UNION_MEMBER", lambda m: m[3]),
    (r"schema", "SCHEMA", lambda m: ""),
]
INSPECTOR_MESSAGES: list[tuple[re.Pattern[str], str, Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"^Default value for argument '(\w+)' on field '([\w.]+)' (changed|was added)"),
        "FIELD_ARGUMENT_DEFAULT_CHANGED",
        lambda m: f"{m[2]}.{m[1]}",
    ),
    (re.compile(r"^Input field '([\w.]+)' default value changed"), "INPUT_FIELD_DEFAULT_VALUE_CHANGED", lambda m: m[1]),
    (re.compile(r"^Input field '([\w.]+)' changed type"), "INPUT_FIELD_TYPE_CHANGED", lambda m: m[1]),
    (re.compile(r"^Field '([\w.]+)' changed type"), "FIELD_TYPE_CHANGED", lambda m: m[1]),
    (re.compile(r"^Field '([\w.]+)' is deprecated"), "FIELD_DEPRECATION_ADDED", lambda m: m[1]),
    (re.compile(r"^Field '([\w.]+)' is no longer deprecated"), "FIELD_DEPRECATION_REMOVED", lambda m: m[1]),
    (re.compile(r"^Field '([\w.]+)' has deprecation reason"), "FIELD_DEPRECATION_REASON_ADDED", lambda m: m[1]),
    (
        re.compile(r"^Deprecation reason on field '([\w.]+)' has changed"),
        "FIELD_DEPRECATION_REASON_CHANGED",
        lambda m: m[1],
    ),
    (
        re.compile(r"^Deprecation reason was removed from field '([\w.]+)'"),
        "FIELD_DEPRECATION_REASON_REMOVED",
        lambda m: m[1],
    ),
    (
        re.compile(r"^Enum value '([\w.]+)' deprecation reason changed"),
        "ENUM_VALUE_DEPRECATION_REASON_CHANGED",
        lambda m: m[1],
    ),
    (
        re.compile(r"^Enum value '([\w.]+)' was deprecated with reason"),
        "ENUM_VALUE_DEPRECATION_REASON_ADDED",
        lambda m: m[1],
    ),
    (
        re.compile(r"^Deprecation reason was removed from enum value '([\w.]+)'"),
        "ENUM_VALUE_DEPRECATION_REASON_REMOVED",
        lambda m: m[1],
    ),
    (re.compile(r"^Enum value '(\w+)' was added to enum '(\w+)'"), "ENUM_VALUE_ADDED", lambda m: f"{m[2]}.{m[1]}"),
    (
        re.compile(r"^Field '(\w+)' was added to (?:object type|interface) '(\w+)'"),
        "FIELD_ADDED",
        lambda m: f"{m[2]}.{m[1]}",
    ),
    (re.compile(r"^Type '(\w+)' was added"), "TYPE_ADDED", lambda m: m[1]),
    (re.compile(r"^Member '\w+' was added to Union type '(\w+)'"), "UNION_MEMBER_ADDED", lambda m: m[1]),
    *[
        (
            re.compile(rf"^Directive '(\w+)' was (added to|removed from) {place}$"),
            f"DIRECTIVE_USAGE_{kind}_",
            lambda m, to_path=to_path: f"{to_path(m)}.@{m[1]}",
        )
        for place, kind, to_path in _USAGE_PLACES
    ],
]

# Where inspector grades a change differently from graphql-core, ctk follows graphql-core; either level is
# accepted and the case noted. (inspector type, pattern its message matches) -> (inspector level, ctk's, why)
LEVEL_DISAGREEMENTS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("DIRECTIVE_REPEATABLE_REMOVED", ""): (
        "Dangerous",
        "Breaking",
        "graphql-core: BreakingChangeType.DIRECTIVE_REPEATABLE_REMOVED (a document repeating it fails validation)",
    ),
    ("FIELD_ARGUMENT_DEFAULT_CHANGED", "^Default value '"): (
        "Dangerous",
        "NonBreaking",
        "a default added where there was none: graphql-core reports nothing breaking or dangerous "
        "(3.3: SafeChangeType.ARG_DEFAULT_VALUE_ADDED)",
    ),
    ("INPUT_FIELD_DEFAULT_VALUE_CHANGED", "default value changed from 'undefined'"): (
        "Dangerous",
        "NonBreaking",
        "a default added where there was none: graphql-core reports nothing breaking or dangerous",
    ),
    ("DIRECTIVE_ARGUMENT_DEFAULT_VALUE_CHANGED", "^Default value '"): (
        "Dangerous",
        "NonBreaking",
        "a default added where there was none: graphql-core reports nothing breaking or dangerous",
    ),
    ("DIRECTIVE_ARGUMENT_ADDED", ""): (
        "Breaking",
        "NonBreaking",
        "a non-null argument with a default: graphql-core calls it optional (OPTIONAL_DIRECTIVE_ARG_ADDED, safe)",
    ),
    ("DIRECTIVE_USAGE_ARGUMENT_REMOVED", "from '@deprecated'"): (
        "Dangerous",
        "NonBreaking",
        "a deprecation reason reworded changes no behaviour; ctk's deprecation rules grade it",
    ),
    ("INPUT_FIELD_ADDED", r"^Input field '\w+' of type '[^']*[^!']' was added"): (
        "NonBreaking",
        "Dangerous",
        "graphql-core: DangerousChangeType.OPTIONAL_INPUT_FIELD_ADDED (a server may now read what it ignored)",
    ),
}

GRADES = {
    "Breaking": ChangeSeverity.BREAKING,
    "Dangerous": ChangeSeverity.DANGEROUS,
    "NonBreaking": ChangeSeverity.INFO,
}


@dataclass
class Outcome:
    """The result of one case: what disagreed, and notes that are not failures."""

    case: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    comparable: bool = True


def load(path: Path) -> Contract:
    """``load_contract``, and for SDL the sniffer does not recognise (indented, as in test strings) the SDL loader."""
    try:
        return load_contract(path)
    except UnknownFormatError:
        from toolkit.graphql.load import load_sdl

        return load_sdl([Source(str(path), path.read_bytes())], path.stem)


def core_types(changes: list[Change], kinds: frozenset[str]) -> Counter[str]:
    return Counter(change.id for change in changes if change.id in kinds)


def severity_problems(changes: list[Change]) -> list[str]:
    """graphql-core's verdict is kept for its own types."""
    problems = []
    for change in changes:
        if change.id in BREAKING_TYPES and change.severity is not ChangeSeverity.BREAKING:
            problems.append(f"{change.id} at {change.location} is {change.severity}, graphql-core says breaking")
        if change.id in DANGEROUS_TYPES and change.severity is not ChangeSeverity.DANGEROUS:
            problems.append(f"{change.id} at {change.location} is {change.severity}, graphql-core says dangerous")
    return problems


def compare_counts(expected: Counter[str], found: Counter[str], what: str) -> list[str]:
    if expected == found:
        return []
    missing, extra = expected - found, found - expected
    return [f"{what}: missing {dict(missing)}, extra {dict(extra)}"]


def check_core_case(folder: Path) -> Outcome:
    data = json.loads((folder / "expected.json").read_text())
    outcome = Outcome(folder.name)
    changes = diff(load(folder / "old.graphql"), load(folder / "new.graphql"))
    expected = Counter(kind.split(".", 1)[1] for kind, _ in data["expected"])
    kinds = BREAKING_TYPES if data["function"] == "find_breaking_changes" else DANGEROUS_TYPES
    outcome.problems += compare_counts(expected, core_types(changes, kinds), data["function"])
    outcome.problems += severity_problems(changes)
    return outcome


def _inspector_item(item: dict[str, object]) -> tuple[str, str] | None:
    """(inspector type, path) of an expected item, read from its message when the test gives no type."""
    kind, path = item.get("type"), item.get("path")
    if isinstance(kind, str) and path is None and kind.startswith("SCHEMA_"):
        return kind, ANYWHERE  # Inspector gives the schema's root-type changes no path
    if isinstance(kind, str) and isinstance(path, str):
        # Inspector points deprecation changes at the @deprecated usage; ctk at the deprecated element
        return kind, path if kind.startswith("DIRECTIVE_USAGE_") else path.removesuffix(".@deprecated")
    message = str(item.get("message", ""))
    for pattern, name, to_path in INSPECTOR_MESSAGES:
        match = pattern.match(message)
        if match:
            if name.startswith("DIRECTIVE_USAGE_"):
                name += "ADDED" if match[2] == "added to" else "REMOVED"
            return name, to_path(match)
    return None


def same_place(location: str | None, path: str) -> bool:
    """ctk's coordinate and Inspector's path name the same place (a directive's argument: ``@d(a:)``)."""
    if location == path or path == ANYWHERE:
        return True
    if location is not None and location.startswith("@") and location.endswith(":)"):
        directive, _, argument = location[:-2].partition("(")
        return path in (directive, f"{directive}.{argument}")
    return False


def policies_for(rules: str) -> DriftPolicies | None:
    """The ctk policies for a test's Inspector rules; None when one has no ctk counterpart."""
    names = [name.rpartition(".")[2] for name in re.findall(r"[\w.]+", rules)]
    if any(name not in INSPECTOR_RULES for name in names):
        return None
    return DriftPolicies(relaxed=frozenset(policy for name in names if (policy := INSPECTOR_RULES[name])))


def _ctk_only(change: Change) -> bool:
    """A change Inspector does not list: a ctk-only rule, or a standard scalar leaving (Inspector skips them)."""
    return bool(CTK_ONLY.match(change.id)) or (change.id == "TYPE_REMOVED" and change.location in STANDARD_SCALARS)


def check_inspector_case(folder: Path) -> Outcome:
    data = json.loads((folder / "expected.json").read_text())
    outcome = Outcome(folder.name)
    policies = policies_for(str(data.get("diff_rules") or ""))
    if policies is None:
        outcome.comparable = False
        outcome.notes.append(f"not comparable: ctk has no policy for inspector rules {data['diff_rules']!r}")
        return outcome
    try:
        changes = diff(load(folder / "old.graphql"), load(folder / "new.graphql"), policies=policies)
    except LoadError as error:
        outcome.comparable = False
        outcome.notes.append(f"not comparable: ctk does not load it ({error.message})")
        return outcome
    counted = [change for change in changes if not _ctk_only(change)]
    unmatched = list(counted)
    for item in data["expected"]:
        parsed = _inspector_item(item)
        if parsed is None:
            outcome.problems.append(f"cannot read expected item {item}")
            continue
        kind, path = parsed
        level = str(item["level"])
        message = str(item.get("message", ""))
        allowed = {GRADES[level]}
        for (name, pattern), (theirs, ours, why) in LEVEL_DISAGREEMENTS.items():
            if name == kind and re.search(pattern, message) and level == theirs:
                outcome.notes.append(f"level disagreement at {path}: inspector {theirs}, ctk {ours} ({why})")
                allowed.add(GRADES[ours])
        ids = INSPECTOR_TYPES.get(kind)
        if ids is None:
            outcome.problems.append(f"no mapping for inspector type {kind}")
            continue
        here = [c for c in unmatched if c.id in ids and same_place(c.location, path)]
        match = next((c for c in here if c.severity in allowed), None)
        if match is not None:
            unmatched.remove(match)
        elif ids:
            graded = ", ".join(f"{c.id} {c.severity}" for c in here) or "nothing"
            outcome.problems.append(f"missing {level} {kind} at {path} (ours: {graded})")
    count = data.get("expected_count")
    if count is not None and count == len(data["expected"]):
        outcome.problems += [f"extra {c.severity} {c.id} at {c.location}" for c in unmatched]
    if count is not None:
        # the description changes it lists are taken off Inspector's count: ctk has no rule for them
        described = sum(1 for item in data["expected"] if (_inspector_item(item) or ("",))[0] in DESCRIPTION_TYPES)
        if described:
            outcome.notes.append(f"{described} description change(s) not counted: ctk ignores descriptions")
        if len(counted) != count - described:
            outcome.problems.append(f"{len(counted)} changes in all, inspector counts {count - described}")
    return outcome


def check_pair(folder: Path) -> Outcome:
    reference = json.loads((folder / "reference.graphql-core.json").read_text())
    outcome = Outcome(folder.name)
    changes = diff(load(folder / reference["base"]), load(folder / reference["revision"]))
    for side, kinds in (("breaking", BREAKING_TYPES), ("dangerous", DANGEROUS_TYPES)):
        expected = Counter(kind for kind, _ in reference[side])
        outcome.problems += compare_counts(expected, core_types(changes, kinds), side)
    outcome.problems += severity_problems(changes)
    return outcome


def run_source(title: str, folders: list[Path], check: Callable[[Path], Outcome]) -> list[Outcome]:
    outcomes = [check(folder) for folder in folders]
    comparable = [outcome for outcome in outcomes if outcome.comparable]
    agreeing = sum(1 for outcome in comparable if not outcome.problems)
    skipped = len(outcomes) - len(comparable)
    tail = f" ({skipped} not comparable)" if skipped else ""
    print(f"{title}: {agreeing}/{len(comparable)} cases agree{tail}")
    for outcome in outcomes:
        for problem in outcome.problems:
            print(f"  DISAGREE {outcome.case}: {problem}")
        for note in outcome.notes:
            print(f"  note     {outcome.case}: {note}")
    return outcomes


def sources(corpus: Path) -> list[tuple[str, list[Path], Callable[[Path], Outcome]]]:
    drift = corpus / "drift"
    return [
        ("graphql-core oracles", _cases(drift / "oracles" / "graphql-core"), check_core_case),
        ("graphql-inspector oracles", _cases(drift / "oracles" / "graphql-inspector"), check_inspector_case),
        ("graphql drift pairs (graphql-core 3.2.8)", _cases(drift / "graphql"), check_pair),
    ]


def _cases(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir() if path.is_dir()) if folder.is_dir() else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    options = parser.parse_args(argv)
    failed = False
    for title, folders, check in sources(options.corpus):
        if not folders:
            print(f"{title}: no cases under {options.corpus}")
            failed = True
            continue
        failed |= any(outcome.problems for outcome in run_source(title, folders, check))
    return 1 if failed else 0
