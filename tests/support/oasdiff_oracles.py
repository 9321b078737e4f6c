"""Run ctk's OpenAPI diff against the oasdiff oracle cases and report how many it meets.

    .venv/bin/python scripts/oasdiff_oracles.py [--cases PATH] [--verbose]

(the script runs ``main`` here; ``tests/openapi/test_diff_oracles.py`` runs the cases one by one.)

The cases (../shared/corpus/drift/oracles/oasdiff/cases.json) are transcribed from oasdiff's own
checker tests: a base and a revision spec, the check the test ran (``single:<Check>`` or all), the
lowest level it reported, and the rule ids it asserted. A case is met when every expected id is
reported (as often as listed), no absent id is, and the number of findings equals
``expected_count`` where given. Cases whose Go test edits the spec in code (base and revision are
the same file, yet changes are expected) or runs a custom policy cannot be reproduced from files
(a ``stability=`` level is passed on as ``DiffPolicy.stability_level``);
they are listed apart. Prints: the share met per check, the failing cases, the cases out of reach,
and oasdiff's rule ids ctk does not implement.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.paths import CORPUS
from toolkit.load import load_contract
from toolkit.openapi.diff.compare import diff
from toolkit.openapi.diff.emit import implemented
from toolkit.openapi.diff.levels import LEVELS
from toolkit.openapi.diff.policy import DiffPolicy

DEFAULT_CASES = CORPUS / "drift" / "oracles" / "oasdiff" / "cases.json"
_RANK = {"INFO": 0, "WARN": 1, "ERR": 2}
# oasdiff's tests run "today" as the real date; sunsets in the data are far past or far future.
TODAY = dt.date.today()

# Checks whose rule ids do not follow from their names.
_CHECK_RULES: dict[str, tuple[str, ...]] = {
    "APIRemovedCheck": (
        "api-path-removed-without-deprecation",
        "api-path-removed-with-deprecation",
        "api-path-sunset-parse",
        "api-path-removed-before-sunset",
        "api-removed-without-deprecation",
        "api-removed-with-deprecation",
        "api-removed-before-sunset",
    ),
    "APISunsetChangedCheck": ("sunset-deleted", "api-sunset-date-changed-too-small", "api-path-sunset-parse"),
    "APIDeprecationCheck": (
        "endpoint-reactivated",
        "api-deprecated-sunset-parse",
        "api-deprecated-sunset-missing",
        "api-invalid-stability-level",
        "api-sunset-date-too-small",
        "endpoint-deprecated",
        "endpoint-deprecated-with-sunset",
    ),
    "APIAddedCheck": ("endpoint-added",),
    "NewRequestNonPathDefaultParameterCheck": (
        "new-required-request-default-parameter-to-existing-path",
        "new-optional-request-default-parameter-to-existing-path",
    ),
    "NewRequestNonPathParameterCheck": ("new-required-request-parameter", "new-optional-request-parameter"),
    "NewRequestPathParameterCheck": ("new-request-path-parameter",),
    "RequestParameterSunsetChangedCheck": (
        "request-parameter-sunset-deleted",
        "request-parameter-sunset-date-changed-too-small",
        "request-parameter-sunset-parse",
    ),
    "RequestParameterDeprecationCheck": (
        "request-parameter-reactivated",
        "request-parameter-deprecated-sunset-missing",
        "request-parameter-sunset-date-too-small",
        "request-parameter-deprecated",
    ),
    "RequestParameterRemovedCheck": (
        "request-parameter-removed",
        "request-parameter-removed-with-deprecation",
        "request-parameter-removed-before-sunset",
    ),
    "ResponseOptionalPropertyUpdatedCheck": (
        "response-optional-property-removed",
        "response-optional-write-only-property-removed",
        "response-optional-property-added",
        "response-optional-write-only-property-added",
    ),
    "ResponseRequiredPropertyUpdatedCheck": (
        "response-required-property-removed",
        "response-required-write-only-property-removed",
        "response-required-property-added",
        "response-required-write-only-property-added",
    ),
    "ResponsePropertyBecameOptionalCheck": (
        "response-property-became-optional",
        "response-write-only-property-became-optional",
    ),
    "ResponsePropertyBecameRequiredCheck": (
        "response-property-became-required",
        "response-write-only-property-became-required",
    ),
    "WebhookUpdatedCheck": ("webhook-added", "webhook-removed"),
}
# Cases whose Go test builds its config in code ("custom:"), transcribed: (the single check it runs, the policy).
_CUSTOM: dict[str, tuple[str, DiffPolicy]] = {
    # singleCheckConfig(RequestPropertyDeprecationCheck).WithDeprecation(30, 100)
    "TestRequestPropertyDeprecation_WithoutSunsetWithPolicy": (
        "RequestPropertyDeprecationCheck",
        DiffPolicy(min_sunset_beta_days=30, min_sunset_stable_days=100),
    ),
    # singleCheckConfig(RequestPropertyDeprecationCheck), default policy
    "TestRequestPropertyDeprecation_WithInvalidSunset": ("RequestPropertyDeprecationCheck", DiffPolicy()),
}
_VERBS = {
    "added",
    "removed",
    "changed",
    "increased",
    "decreased",
    "set",
    "unset",
    "deleted",
    "generalized",
    "specialized",
    "compatible",
    "widened",
    "narrowed",
    "annotation",
    "only",
    "deprecated",
    "with",
    "sunset",
    "invalid",
    "missing",
    "reactivated",
    "too",
    "small",
    "value",
    "mapping",
    "property",
    "name",
}


def kebab(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", name).lower()


def rules_of_check(check: str) -> set[str]:
    """The oasdiff rule ids a check emits: from the table above, else derived from the check's name."""
    if check in _CHECK_RULES:
        return set(_CHECK_RULES[check])
    words = kebab(check).split("-")
    if words[-1] == "check":
        words = words[:-1]
    while words and words[-1] in {
        "updated",
        "changed",
        "added",
        "removed",
        "increased",
        "decreased",
        "set",
        "deprecation",
    }:
        words = words[:-1]
    core = "-".join(words)
    cores = {core, core.removesuffix("ies") + "y"}  # PatternProperties… → pattern-property
    for direction, places in (("request", ("body", "property", "parameter")), ("response", ("body", "property"))):
        rest = core.removeprefix(direction + "-")
        if core.startswith(direction + "-") and rest.split("-")[0] not in (*places, "header", "optional", "required"):
            cores.update(f"{direction}-{place}-{rest}" for place in ("body", "property"))  # RequestDiscriminator…
    for head, others in (
        ("request-property-", ("request-body-", "request-read-only-property-")),
        ("response-property-", ("response-body-", "response-write-only-property-", "response-mediatype-")),
        ("request-parameter-", ("request-parameter-property-",)),
    ):
        cores.update(other + c[len(head) :] for c in list(cores) if c.startswith(head) for other in others)
    for c in list(cores):
        for bound in ("min", "max"):
            if c.endswith("-" + bound):
                cores.add(c[: -len(bound)] + "exclusive-" + bound)
        if c.endswith("-contains"):  # the contains check also grades minContains/maxContains
            cores.update(c[: -len("contains")] + bound + "-contains" for bound in ("min", "max"))
    found = set()
    for rule in LEVELS:
        for c in cores:
            tail = rule[len(c) + 1 :] if rule.startswith(c + "-") else None
            if tail and all(word in _VERBS for word in tail.split("-")):
                found.add(rule)
    return found


@dataclass
class Outcome:
    case: str
    check: str
    status: str  # "met", "failed", "unreproducible", "unimplemented"
    detail: str = ""
    found: list[str] = field(default_factory=list)


def run_case(case: dict[str, Any], base_dir: Path) -> Outcome:
    scope = case["check_scope"]
    check = scope.split(":", 1)[1] if scope.startswith("single:") else "all"
    expected: list[str] = case["expected_ids"]
    outcome = Outcome(case["case"], check, "met")
    policy = DiffPolicy()
    if scope.startswith("custom:"):
        if case["case"] not in _CUSTOM:
            outcome.status, outcome.detail = "unreproducible", f"runs a policy ctk does not model ({scope})"
            return outcome
        check, policy = _CUSTOM[case["case"]]
        outcome.check = check
    # oasdiff's --stability-level is DiffPolicy.stability_level ("stability=StabilityLevelDraft" → "draft")
    stability = re.search(r"stability=StabilityLevel(\w+)", scope)
    if stability:
        policy = DiffPolicy(stability_level=stability[1].lower())
    if case["base"] == case["revision"] and (expected or case.get("expect_nonempty")):
        outcome.status, outcome.detail = "unreproducible", "the Go test edits the spec in code"
        return outcome
    missing = sorted(set(expected) - implemented())
    if missing:
        outcome.status, outcome.detail = "unimplemented", f"needs {', '.join(missing)}"
        return outcome
    old = load_contract(str(base_dir / case["base"]))
    new = load_contract(str(base_dir / case["revision"]))
    changes = diff(old, new, today=TODAY, policy=policy)
    allowed = rules_of_check(outcome.check) if outcome.check != "all" else set(LEVELS)
    floor = _RANK[case["min_level"]]
    found = [c.id for c in changes if c.id in allowed and _RANK[LEVELS[c.id]] >= floor]
    outcome.found = found
    counts, wanted = Counter(found), Counter(expected)
    problems = [f"expected {rule} ×{n}, got {counts[rule]}" for rule, n in wanted.items() if counts[rule] < n]
    problems += [f"{rule} should be absent" for rule in case["absent_ids"] if counts[rule]]
    if case["expected_count"] is not None and len(found) != case["expected_count"]:
        problems.append(f"expected {case['expected_count']} findings, got {len(found)}")
    if case.get("expect_nonempty") and not found:
        problems.append("expected at least one finding")
    if problems:
        outcome.status, outcome.detail = "failed", "; ".join(problems)
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--verbose", action="store_true", help="print what each failing case found")
    args = parser.parse_args(argv)
    data = json.loads(args.cases.read_text())
    outcomes = [run_case(case, args.cases.parent) for case in data["cases"]]
    per_check: dict[str, Counter[str]] = defaultdict(Counter)
    for outcome in outcomes:
        per_check[outcome.check][outcome.status] += 1
    print(f"{'check':55} met/run   (unimplemented, unreproducible)")
    for check in sorted(per_check):
        c = per_check[check]
        run = c["met"] + c["failed"]
        share = f"{100 * c['met'] / run:5.1f}%" if run else "   - "
        print(f"{check:55} {c['met']:3}/{run:<3} {share}  ({c['unimplemented']}, {c['unreproducible']})")
    run_total = sum(1 for o in outcomes if o.status in ("met", "failed"))
    met_total = sum(1 for o in outcomes if o.status == "met")
    print(f"\ncases run: {run_total} of {len(outcomes)}; met: {met_total} ({100 * met_total / max(run_total, 1):.1f}%)")
    for status in ("failed", "unimplemented", "unreproducible"):
        chosen = [o for o in outcomes if o.status == status]
        if chosen:
            print(f"\n{status} ({len(chosen)}):")
            for o in chosen:
                print(
                    f"  {o.case} [{o.check}]: {o.detail}"
                    + (f"\n      found: {o.found}" if args.verbose and o.found else "")
                )
    missing = sorted(set(LEVELS) - implemented())
    print(f"\noasdiff rule ids not implemented ({len(missing)} of {len(LEVELS)}):")
    for rule in missing:
        print(f"  {rule} ({LEVELS[rule]})")
    return 0 if met_total == run_total else 1
