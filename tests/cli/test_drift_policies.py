"""``ctk drift --policy/--deprecation-days-*/--stability-level`` and ``[drift]`` in sandbox.toml: the policies every
protocol's diff receives (``DriftPolicies``), unknown names and malformed values refused with their place."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from tests.support.cli import assert_refused_output, ctk
from tests.support.drift import PAIR
from tests.support.files import write_file, write_workspace
from tests.support.paths import REPO
from toolkit.drift.settings import POLICIES, STABILITY_LEVELS
from toolkit.model import Change, Contract, DriftPolicies

PAYMENTS = f'[apis.payments]\ncontract = "{REPO}/contracts/payments/v1"\npublished = "{REPO}/contracts/payments/v2"\n'


@pytest.fixture
def received(monkeypatch: pytest.MonkeyPatch) -> list[DriftPolicies]:
    """The OpenAPI diff stubbed: the policies each call receives."""
    seen: list[DriftPolicies] = []

    def diff(old: Contract, new: Contract, *, today: object = None, policies: DriftPolicies) -> list[Change]:
        seen.append(policies)
        return []

    stub = types.ModuleType("toolkit.openapi.diff.compare")
    stub.diff = diff  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "toolkit.openapi.diff.compare", stub)
    return seen


def test_policies_from_the_command_line(received: list[DriftPolicies]) -> None:
    code, _, err = ctk(
        "drift", *PAIR, "--policy", "deprecated-removal-is-dangerous", "--policy", "unreachable-types-are-safe",
        "--deprecation-days-beta", "30", "--deprecation-days-stable", "180", "--stability-level", "stable",
    )  # fmt: skip
    assert code == 0, err
    [policies] = received
    assert policies.relaxed == {"deprecated-removal-is-dangerous", "unreachable-types-are-safe"}
    assert (policies.sunset_days("beta"), policies.sunset_days("stable")) == (30, 180)
    assert policies.stability_level == "stable"


def test_no_flag_is_the_oracles_defaults(received: list[DriftPolicies]) -> None:
    assert ctk("drift", *PAIR)[0] == 0
    assert received == [DriftPolicies()]


def test_the_workspace_sets_the_policies_and_a_flag_replaces_them(
    received: list[DriftPolicies], tmp_path: Path
) -> None:
    drift = (
        '[drift]\npolicies = ["unreachable-types-are-safe"]\ndeprecation_days_stable = 90\n'
        'stability_level = "alpha"\n\n'
    )
    root = write_workspace(tmp_path, drift + PAYMENTS)
    assert ctk("drift", "--workspace", str(root))[0] == 0
    assert ctk("drift", "--workspace", str(root), "--policy", "deprecated-removal-is-dangerous")[0] == 0
    from_config, from_flag = received
    assert from_config == DriftPolicies(
        relaxed=frozenset({"unreachable-types-are-safe"}), min_sunset_days=(("stable", 90),), stability_level="alpha"
    )
    assert from_flag.relaxed == {"deprecated-removal-is-dangerous"}
    assert from_flag.min_sunset_days == (("stable", 90),)


def test_a_pair_inside_a_workspace_takes_its_drift_table(received: list[DriftPolicies], tmp_path: Path) -> None:
    # the rest of this sandbox.toml is broken: comparing two files needs only [drift]
    root = write_workspace(tmp_path, '[drift]\npolicies = ["unreachable-types-are-safe"]\n[apis.x]\nnonsense = 1\n')
    code, _, err = ctk("drift", *PAIR, "--workspace", str(root))
    assert code == 0, err
    assert received[0].relaxed == {"unreachable-types-are-safe"}


def test_an_unknown_policy_is_refused_with_the_known_ones(received: list[DriftPolicies]) -> None:
    code, out, err = ctk("drift", *PAIR, "--policy", "breaking-is-fine")
    assert_refused_output(code, out, err, "--policy: unknown drift policy 'breaking-is-fine'")
    assert all(name in err for name in POLICIES)
    code, out, _ = ctk("drift", *PAIR, "--policy", "breaking-is-fine", "--format", "json")
    assert code == 2 and json.loads(out)["errors"][0]["where"] == "--policy"
    assert received == []  # nothing was compared


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('polices = ["x"]', "unknown key 'drift.polices'"),
        ("sunset_horizon = 90", "drift.sunset_horizon must be a non-empty string"),
        ('policies = "unreachable-types-are-safe"', "drift.policies must be a list of names"),
        ("deprecation_days_beta = -1", "drift.deprecation_days_beta must be a number of days"),
        ('policies = ["nope"]', "sandbox.toml [drift] policies: unknown drift policy 'nope'"),
        ('sunset_horizon = "soon"', "sandbox.toml [drift] sunset_horizon: sunset horizon 'soon'"),
        ('fail_on = "sometimes"', "sandbox.toml [drift] fail_on: fail_on 'sometimes' is not a level"),
        ('stability_level = "gold"', "sandbox.toml [drift] stability_level: stability level 'gold'"),
    ],
)
def test_a_malformed_drift_table_is_refused_with_its_place(tmp_path: Path, table: str, message: str) -> None:
    root = write_workspace(tmp_path, f"[drift]\n{table}\n\n{PAYMENTS}")
    code, out, err = ctk("drift", "--workspace", str(root))
    assert_refused_output(code, out, err, message)


def test_a_typo_in_the_drift_table_gets_a_suggestion(tmp_path: Path) -> None:
    root = write_workspace(tmp_path, f'[drift]\nfail_onn = "dangerous"\n\n{PAYMENTS}')
    _, _, err = ctk("drift", "--workspace", str(root))
    assert "did you mean 'fail_on'?" in err


def test_a_bad_stability_level_on_the_command_line(received: list[DriftPolicies]) -> None:
    code, out, err = ctk("drift", *PAIR, "--stability-level", "gold")
    assert_refused_output(code, out, err, "--stability-level: stability level 'gold' is not one of")


def test_stability_levels_are_the_openapi_diffs() -> None:
    from toolkit.openapi.diff.policy import STABILITY

    assert STABILITY_LEVELS == STABILITY


def test_deprecation_days_reach_the_openapi_rules(tmp_path: Path) -> None:
    """Not stubbed: a sunset 10 days after the deprecation is too short a notice under 30 days for stable."""
    head = 'openapi: 3.1.0\ninfo: {title: Shop, version: "1"}\npaths:\n  /orders:\n    get:\n'
    answer = '      responses: {"200": {description: ok}}\n'
    old = write_file(tmp_path, "v1.yaml", head + answer)
    new = write_file(tmp_path, "v2.yaml", head + '      deprecated: true\n      x-sunset: "2027-03-11"\n' + answer)
    args = ("drift", str(old), str(new), "--today", "2027-03-01", "--format", "json")
    code, out, _ = ctk(*args)
    assert code == 0 and [c["id"] for c in json.loads(out)["changes"]] == ["endpoint-deprecated-with-sunset"]
    code, out, _ = ctk(*args, "--deprecation-days-stable", "30")
    assert code == 1 and [c["severity"] for c in json.loads(out)["changes"]] == ["breaking"]


def test_the_policy_names_are_those_the_diffs_honour() -> None:
    from toolkit.graphql.diff.compare import UNREACHABLE_TYPES_ARE_SAFE
    from toolkit.graphql.diff.deprecation import DEPRECATED_REMOVAL_IS_DANGEROUS

    assert set(POLICIES) == {UNREACHABLE_TYPES_ARE_SAFE, DEPRECATED_REMOVAL_IS_DANGEROUS}


def test_a_relaxation_reaches_the_graphql_rules(tmp_path: Path) -> None:
    """Not stubbed: removing a deprecated field is breaking unless the team opts into calling it dangerous."""
    old = write_file(tmp_path, "v1.graphql", 'type Query {\n  a: String @deprecated(reason: "use b")\n  b: String\n}\n')
    new = write_file(tmp_path, "v2.graphql", "type Query {\n  b: String\n}\n")
    code, out, _ = ctk("drift", str(old), str(new), "--format", "json")
    assert code == 1 and [c["severity"] for c in json.loads(out)["changes"]] == ["breaking"]
    code, out, _ = ctk("drift", str(old), str(new), "--format", "json", "--policy", "deprecated-removal-is-dangerous")
    assert code == 0 and [c["severity"] for c in json.loads(out)["changes"]] == ["dangerous"]
