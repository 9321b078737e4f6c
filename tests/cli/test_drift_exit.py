"""``ctk drift`` exit codes mean one thing each: 0 clean, 1 findings at --fail-on, 2 only when something asked for
could not be compared; a skipped API is a note; a run that stops is still a report in the chosen format."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.support.cli import ctk
from tests.support.drift import CHANGES, PAIR, stub_diff
from tests.support.files import write_workspace
from tests.support.paths import REPO
from toolkit.drift.renderers import FORMATS

PAYMENTS = f'[apis.payments]\ncontract = "{REPO}/contracts/payments/v1"\npublished = "{REPO}/contracts/payments/v2"\n'
NO_SOURCE = f'[apis.legacy]\ncontract = "{REPO}/contracts/payments/v1"\n'


def run(*args: str) -> tuple[int, str, str]:
    return ctk("drift", *args)


def test_an_api_without_a_source_is_a_note_in_a_whole_workspace_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stub_diff(monkeypatch, CHANGES[1:3])  # dangerous and info: nothing breaking
    root = write_workspace(tmp_path, PAYMENTS + NO_SOURCE)
    code, out, err = run("--workspace", str(root), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["errors"] == []
    assert [item["api"] for item in data["skipped"]] == ["legacy"]
    assert "note: legacy: skipped: nothing to compare" in err and "error" not in err
    code, _, _ = run("--workspace", str(root), "--fail-on", "dangerous")
    assert code == 1  # the skipped API neither hides nor adds findings


def test_an_api_named_without_a_source_is_an_error(tmp_path: Path) -> None:
    root = write_workspace(tmp_path, PAYMENTS + NO_SOURCE)
    code, out, err = run("legacy", "--workspace", str(root), "--format", "json")
    assert code == 2
    assert json.loads(out)["apis"][0]["status"] == "error"
    assert "error: legacy: API legacy has nothing to compare" in err


def test_live_skips_a_rest_api_with_a_note(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    stub_diff(monkeypatch)
    root = write_workspace(tmp_path, PAYMENTS)
    for args in (("--live",), ("payments", "--live")):
        code, out, err = run(*args, "--workspace", str(root), "--format", "json")
        assert code == 0, err
        [skipped] = json.loads(out)["skipped"]
        assert skipped["api"] == "payments" and "REST APIs have none yet" in skipped["note"]
        assert "run without --live to compare with published" in err
    code, _, _ = run("--workspace", str(root))
    assert code == 1  # without --live, published is compared and its breaking change fails the run


@pytest.mark.parametrize("output_format", FORMATS)
def test_a_config_error_is_a_well_formed_report_in_every_format(tmp_path: Path, output_format: str) -> None:
    root = write_workspace(tmp_path, PAYMENTS + "[apis.payments.nonsense]\n")
    target = tmp_path / f"report.{output_format}"
    code, out, err = run("--workspace", str(root), "--format", output_format, "-o", str(target))
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and "unknown key 'apis.payments.nonsense'" in err
    written = target.read_text(encoding="utf-8")
    assert "apis.payments.nonsense" in written
    if output_format == "json":
        [error] = json.loads(written)["errors"]
        assert error["where"].endswith("sandbox.toml") and error["api"] is None
    elif output_format == "junit":
        suites = ET.fromstring(written)
        assert suites.get("errors") == "1" and suites.find(".//testcase/error") is not None
    elif output_format == "github":
        assert written.startswith("::error ")
    elif output_format == "html":
        assert "<html" in written


def test_json_on_stdout_when_a_contract_cannot_be_read() -> None:
    code, out, err = run(str(REPO / "contracts/payments/v1"), str(REPO / "contracts/payments/v9"), "--format", "json")
    assert code == 2
    [error] = json.loads(out)["errors"]
    assert "v9" in (error["where"] or "") + error["message"]
    assert err.startswith("error: ")


def test_text_keeps_stdout_empty_on_a_run_error() -> None:
    code, out, err = run(str(REPO / "contracts/payments/v1"), str(REPO / "contracts/payments/v9"))
    assert (code, out) == (2, "")
    assert err.startswith("error: ")


def test_the_summary_never_says_passes_when_the_exit_code_is_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    stub_diff(monkeypatch, ())
    root = write_workspace(
        tmp_path, PAYMENTS + f'[apis.broken]\ncontract = "{REPO}/contracts/payments/v1"\npublished = "v2.yaml"\n'
    )
    (root / "v2.yaml").write_text("openapi: 3.1.0\npaths: [\n", encoding="utf-8")
    code, out, _ = run("--workspace", str(root))
    assert code == 2
    summary = out.strip().splitlines()[-1]
    assert "passes" not in summary and "could not be compared" in summary


def test_a_clean_pair_is_exit_0(monkeypatch: pytest.MonkeyPatch) -> None:
    stub_diff(monkeypatch, ())
    code, out, _ = run(*PAIR)
    assert code == 0 and "no changes" in out


def test_summary_and_explode_reach_the_renderers() -> None:
    """Not stubbed: the payments pair has 20 changes across operations, fewer causes."""
    code, out, _ = run(*PAIR, "--format", "json")
    grouped = json.loads(out)
    code_exploded, out, _ = run(*PAIR, "--format", "json", "--explode")
    exploded = json.loads(out)
    assert code == code_exploded == 1
    assert len(exploded["findings"]) == len(exploded["changes"]) == len(grouped["changes"])
    assert len(grouped["findings"]) < len(grouped["changes"])
    code, full, _ = run(*PAIR)
    code_summary, summary, _ = run(*PAIR, "--summary")
    assert code == code_summary == 1
    assert summary != full and summary.splitlines()[-1] == full.splitlines()[-1]  # another view, the same verdict


def test_github_annotations_format(monkeypatch: pytest.MonkeyPatch) -> None:
    stub_diff(monkeypatch)
    code, out, _ = run(*PAIR, "--format", "github")
    assert code == 1
    lines = out.splitlines()
    assert any(line.startswith("::error ") and "response-optional-property-removed" in line for line in lines)
    assert all(line.startswith("::") for line in lines)
