"""``ctk drift`` through the CLI: --fail-on exit codes, --output, the argument forms, errors in one line."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.cli import assert_refused_output, ctk
from tests.support.drift import CHANGES, INFO, PAIR, stub_diff
from tests.support.files import write_workspace
from tests.support.paths import REPO
from toolkit.cli import cli
from toolkit.drift.renderers import FORMATS
from toolkit.model import Change

DEPRECATION_ONLY = (CHANGES[0],)
INFO_ONLY = (Change("info-version-changed", INFO, "version", (), old="/info/version", new="/info/version"),)


def run(*args: str) -> tuple[int, str, str]:
    return ctk("drift", *args)


@pytest.mark.parametrize(
    ("changes", "level", "code"),
    [
        (CHANGES, "breaking", 1),
        (CHANGES, "dangerous", 1),
        (CHANGES, "deprecation", 1),
        (CHANGES, "never", 0),
        (CHANGES[1:3], "breaking", 0),  # dangerous + info
        (CHANGES[1:3], "dangerous", 1),
        (DEPRECATION_ONLY, "breaking", 0),
        (DEPRECATION_ONLY, "dangerous", 0),
        (DEPRECATION_ONLY, "deprecation", 1),
        (INFO_ONLY, "deprecation", 0),
        ((), "deprecation", 0),
    ],
)
def test_fail_on_exit_codes(
    monkeypatch: pytest.MonkeyPatch, changes: tuple[Change, ...], level: str, code: int
) -> None:
    stub_diff(monkeypatch, changes)
    exit_code, out, err = run(*PAIR, "--fail-on", level, "--format", "json")
    assert exit_code == code, err
    assert len(json.loads(out)["changes"]) == len(changes)


def test_default_fail_on_is_breaking(monkeypatch: pytest.MonkeyPatch) -> None:
    stub_diff(monkeypatch, CHANGES[1:3])
    assert run(*PAIR)[0] == 0
    stub_diff(monkeypatch, CHANGES)
    assert run(*PAIR)[0] == 1


def test_the_pair_is_named_after_its_contracts_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    stub_diff(monkeypatch)
    _, out, _ = run(*PAIR, "--format", "json")
    data = json.loads(out)
    assert {change["api"] for change in data["changes"]} == {"payments"}
    assert data["apis"][0]["via"] == "files"


@pytest.mark.parametrize("output_format", FORMATS)
def test_output_file_receives_the_report(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, output_format: str) -> None:
    stub_diff(monkeypatch)
    target = tmp_path / f"report.{output_format}"
    code, out, _ = run(*PAIR, "--format", output_format, "--output", str(target))
    assert code == 1
    assert out == ""
    written = target.read_text(encoding="utf-8")
    assert "Customer.fax was removed" in written
    assert "\x1b[" not in written
    if output_format == "junit":
        ET.fromstring(written)


def test_protocol_mismatch_is_one_line_and_exit_2() -> None:
    code, out, err = run(str(REPO / "contracts/payments/v1"), str(REPO / "contracts/inventory/v2"))
    assert_refused_output(code, out, err, "OpenAPI")
    assert "GraphQL" in err.splitlines()[0]
    assert out == ""


def test_a_missing_contract_is_one_line_and_exit_2() -> None:
    code, out, err = run(str(REPO / "contracts/payments/v1"), str(REPO / "contracts/payments/v9"))
    assert_refused_output(code, out, err, "v9")


def test_too_many_arguments_is_a_usage_error() -> None:
    code, _, err = run("a", "b", "c")
    assert code == 2 and "OLD NEW" in err


def test_live_does_not_apply_to_two_contracts() -> None:
    code, _, err = run(*PAIR, "--live")
    assert code == 2 and "--live" in err


def test_an_unknown_api_name_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    root = write_workspace(tmp_path, f'[apis.payments]\ncontract = "{REPO}/contracts/payments/v1"\n')
    code, out, err = run("billing", "--workspace", str(root))
    assert_refused_output(code, out, err, "'billing' is not an API of the workspace (its APIs: payments)")


def test_one_api_failing_does_not_stop_the_others(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    stub_diff(monkeypatch)
    root = write_workspace(
        tmp_path,
        f'[apis.payments]\ncontract = "{REPO}/contracts/payments/v1"\npublished = "{REPO}/contracts/payments/v2"\n'
        f'[apis.broken]\ncontract = "{REPO}/contracts/payments/v1"\npublished = "v2.yaml"\n',
    )
    (root / "v2.yaml").write_text("openapi: 3.1.0\npaths: [\n", encoding="utf-8")
    code, out, err = run("--workspace", str(root), "--format", "json")
    assert code == 2
    data = json.loads(out)
    payments, broken = data["apis"]
    assert payments["status"] == "failing" and len(data["changes"]) == len(CHANGES)
    assert broken["status"] == "error" and "v2.yaml" in broken["error"]["where"]
    assert broken["new"] == "v2.yaml" and broken["protocol"] == "openapi"
    assert err.startswith("error: broken: ") and "Traceback" not in err


def test_a_bug_in_a_diff_module_is_reported_for_that_api(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def explode(*_: object) -> list[Change]:
        raise ZeroDivisionError("boom")

    stub_diff(monkeypatch, explode)
    root = write_workspace(
        tmp_path,
        f'[apis.payments]\ncontract = "{REPO}/contracts/payments/v1"\npublished = "{REPO}/contracts/payments/v2"\n',
    )
    code, out, err = run("--workspace", str(root))
    assert code == 2
    assert "internal error: ZeroDivisionError: boom" in out and "--debug" in err
    with pytest.raises(ZeroDivisionError):
        CliRunner().invoke(cli, ["--debug", "drift", "--workspace", str(root)], catch_exceptions=False)


def test_an_api_with_nothing_to_compare_is_an_error(tmp_path: Path) -> None:
    root = write_workspace(tmp_path, f'[apis.payments]\ncontract = "{REPO}/contracts/payments/v1"\n')
    code, out, err = run("payments", "--workspace", str(root))
    assert code == 2
    assert "nothing to compare" in out  # the report still says which API failed
    assert "error: payments: API payments has nothing to compare its pinned contract with" in err
    assert "hint: set published" in err
