"""``ctk drift`` merges ``ctk verify``'s evidence as observed changes, through the CLI.

The evidence file is the one ``--evidence`` names, else the workspace's ``.ctk/evidence/<api>.json``; its
changes sit beside the contract's own in every format, each saying it was observed; a file that does not
fit is an error naming it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support.cli import ctk
from tests.support.files import write_workspace
from tests.support.paths import REPO
from toolkit.evidence import Evidence, Observation, default_evidence_path, write_evidence

OP = "GET /customers/{customer_id}"
TODAY = ("--today", "2026-05-01")
OBSERVED = (
    Observation(OP, "deprecation-header", "@1767225600", "2026-01-01"),
    Observation(OP, "sunset-header", "Wed, 01 Jul 2026 00:00:00 GMT", "2026-07-01"),
    Observation(OP, "undocumented-status", "418"),
)
# how each format says a change was observed
SAYS_OBSERVED = {
    "text": "(observed)",
    "json": '"source": "observed"',
    "markdown": "(observed)",
    "junit": "(source: observed)",
    "github": "(source: observed)",
    "html": "(observed)",
}


def _workspace(root: Path, *, published: bool = True) -> Path:
    for version in ("v1", "v2"):
        shutil.copytree(REPO / "contracts" / "payments" / version, root / "contracts" / "payments" / version)
    config = '[apis.payments]\ncontract = "contracts/payments/v1"\n'
    if published:
        config += 'published = "contracts/payments/v2"\n'
    return write_workspace(root, config)


def _evidence(path: Path, api: str = "payments", observations: tuple[Observation, ...] = OBSERVED) -> Path:
    write_evidence(
        path,
        Evidence(
            api, "contracts/payments/v1", "https://sandbox.example.com", "2026-04-30T00:00:00+00:00", observations
        ),
    )
    return path


@pytest.mark.parametrize("output_format", sorted(SAYS_OBSERVED))
def test_every_format_shows_observed_changes_beside_the_contracts(tmp_path: Path, output_format: str) -> None:
    root = _workspace(tmp_path)
    _evidence(default_evidence_path(root, "payments"))
    code, out, err = ctk("drift", "payments", "--workspace", str(root), "--format", output_format, *TODAY)
    assert code == 1, err  # the contract's own breaking changes
    assert SAYS_OBSERVED[output_format] in out
    assert "observed-deprecation-undeclared" in out and "observed-undocumented-status" in out
    assert "response-optional-property-removed" in out  # a change from the diff, in the same report


def test_json_observed_changes(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    evidence = _evidence(tmp_path / "elsewhere.json")
    code, out, err = ctk(
        "drift", "payments", "--workspace", str(root), "--evidence", str(evidence), "--format", "json", *TODAY
    )
    assert code == 1, err
    observed = {c["id"]: c for c in json.loads(out)["changes"] if c["source"] == "observed"}
    assert {name: c["severity"] for name, c in observed.items()} == {
        "observed-deprecation-undeclared": "dangerous",
        "observed-sunset-within-horizon": "dangerous",
        "observed-undocumented-status": "dangerous",
    }
    assert observed["observed-deprecation-undeclared"]["sunset"] == "2026-07-01"


def test_no_evidence_no_observed_changes(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    code, out, err = ctk("drift", "payments", "--workspace", str(root), "--format", "json", *TODAY)
    assert code == 1, err
    assert all(c["source"] == "diff" for c in json.loads(out)["changes"])


def _ids(out: str) -> set[str]:
    return {c["id"] for c in json.loads(out)["changes"]}


def test_the_sunset_horizon_of_the_command_line_judges_observed_sunsets(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    _evidence(default_evidence_path(root, "payments"))
    args = ("drift", "payments", "--workspace", str(root), "--format", "json", *TODAY, "--sunset-horizon")
    assert "observed-sunset-within-horizon" not in _ids(ctk(*args, "30d")[1])  # 61 days ahead
    assert "observed-sunset-within-horizon" in _ids(ctk(*args, "12w")[1])


def test_an_api_with_evidence_and_nothing_to_compare_with_is_checked_against_the_evidence(tmp_path: Path) -> None:
    root = _workspace(tmp_path, published=False)
    _evidence(default_evidence_path(root, "payments"))
    code, out, err = ctk("drift", "--workspace", str(root), "--fail-on", "deprecation", *TODAY)
    assert code == 1, err
    assert "(evidence)" in out and ".ctk/evidence/payments.json" in out
    assert "observed-deprecation-undeclared" in out and "skipped" not in err


def test_two_contracts_with_evidence(tmp_path: Path) -> None:
    evidence = _evidence(tmp_path / "e.json", api="anything")
    v1, v2 = (str(REPO / "contracts" / "payments" / v) for v in ("v1", "v2"))
    code, out, err = ctk("drift", v1, v2, "--evidence", str(evidence), "--format", "json", *TODAY)
    assert code == 1, err
    assert any(c["id"] == "observed-undocumented-status" for c in json.loads(out)["changes"])


def test_evidence_of_another_api_is_an_error_naming_the_file(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    evidence = _evidence(tmp_path / "crm.json", api="crm")
    code, _, err = ctk("drift", "payments", "--workspace", str(root), "--evidence", str(evidence))
    assert code == 2
    assert f"{evidence}: the evidence is about API 'crm', not 'payments'" in err
    assert "Traceback" not in err


def test_a_broken_evidence_file_is_an_error_naming_its_line(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    default_evidence_path(root, "payments").parent.mkdir(parents=True)
    default_evidence_path(root, "payments").write_text('{"ctk_evidence": 1,\n  nope}', encoding="utf-8")
    code, _, err = ctk("drift", "payments", "--workspace", str(root))
    assert code == 2
    assert "payments.json:2:3: the evidence file is not JSON" in err and "hint:" in err


def test_a_missing_evidence_file_named_on_the_command_line(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    code, _, err = ctk("drift", "payments", "--workspace", str(root), "--evidence", str(tmp_path / "none.json"))
    assert code == 2
    assert "none.json: no such evidence file" in err


def test_evidence_needs_one_api_or_two_contracts(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    code, _, err = ctk("drift", "--workspace", str(root), "--evidence", str(tmp_path / "e.json"))
    assert code == 2
    assert "--evidence applies to one API" in err


def test_an_observed_change_can_be_accepted_in_the_ignore_file(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    _evidence(default_evidence_path(root, "payments"), observations=(Observation(OP, "undocumented-header", "x-a"),))
    (root / "drift-ignore.toml").write_text(
        '[[ignore]]\nid = "observed-undocumented-header"\nlocation = "x-*"\nreason = "tracing"\nexpires = 2099-01-01\n',
        encoding="utf-8",
    )
    code, out, err = ctk("drift", "payments", "--workspace", str(root), "--format", "json", *TODAY)
    assert code == 1, err
    report = json.loads(out)
    assert all(c["source"] == "diff" for c in report["changes"])
    assert [i["id"] for i in report["apis"][0]["ignored"]] == ["observed-undocumented-header"]
