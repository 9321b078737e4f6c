"""The ignore file: matching (exact and glob, api and operation), expiry with a warning, malformed files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.support.cli import assert_refused_output, ctk
from tests.support.drift import CHANGES, PAIR, report_of, stub_diff
from tests.support.files import write_file, write_workspace
from toolkit.drift.errors import IgnoreFileError
from toolkit.drift.ignore import IgnoreEntry, load_ignore_file

TODAY = dt.date(2026, 11, 21)
FAX = CHANGES[3]  # response-optional-property-removed, GET /customers + POST /customers


def entry(**fields: object) -> IgnoreEntry:
    values: dict[str, object] = {
        "id": "response-optional-property-removed",
        "location": "/components/schemas/Customer/properties",
        "reason": "we never read fax",
        "expires": dt.date(2027, 1, 1),
    }
    values.update(fields)
    return IgnoreEntry(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "matches"),
    [
        ({}, True),  # exact location (NEW side)
        ({"location": "/components/schemas/Customer/properties/fax"}, True),  # exact, OLD side
        ({"location": "/components/schemas/Customer/*"}, True),
        ({"location": "/components/schemas/Cust?mer/properties"}, True),
        ({"location": "/components/schemas/Customer"}, False),  # exact means exact
        ({"id": "response-property-removed"}, False),
        ({"api": "payments"}, True),
        ({"api": "crm"}, False),
        ({"operation": "POST /customers"}, True),
        ({"operation": "GET /cust*"}, True),
        ({"operation": "GET /charges"}, False),
    ],
)
def test_matching(fields: dict[str, object], matches: bool) -> None:
    assert entry(**fields).matches("payments", FAX) is matches


def test_square_brackets_in_locations_are_literal() -> None:
    change = CHANGES[3].__class__(
        "response-element-removed", CHANGES[3].severity, "fax", ("GetAccount",), old="xs:complexType[@name='Account']"
    )
    assert entry(id="response-element-removed", location="xs:complexType[@name='Account']").matches("crm", change)
    assert entry(id="response-element-removed", location="xs:complexType[@name='*']").matches("crm", change)
    assert not entry(id="response-element-removed", location="xs:complexTypea").matches("crm", change)


def _write(tmp_path: Path, text: str) -> Path:
    return write_file(tmp_path, "drift-ignore.toml", text)


GOOD = """\
# accepted drift
[[ignore]]
id = "response-optional-property-removed"
location = "/components/schemas/Customer/*"
api = "payments"
reason = "we never read fax"
expires = 2027-01-01

[[ignore]]
id = "endpoint-deprecated-with-sunset"
location = "/paths/~1charges/get"
reason = "migration planned"
expires = "2026-01-31"
"""


def test_a_good_file_loads_with_lines(tmp_path: Path) -> None:
    ignores = load_ignore_file(_write(tmp_path, GOOD))
    first, second = ignores.entries
    assert (first.api, first.expires, first.where.endswith("drift-ignore.toml:2")) == (
        "payments",
        dt.date(2027, 1, 1),
        True,
    )
    assert second.where.endswith(":9") and second.expires == dt.date(2026, 1, 31)


def test_matched_changes_leave_counts_and_expired_entries_warn(tmp_path: Path) -> None:
    ignores = load_ignore_file(_write(tmp_path, GOOD))
    report = report_of(*CHANGES, ignores=ignores, today=TODAY)
    drift = report.apis[0]
    assert [item.change.id for item in report.ignored(drift)] == ["response-optional-property-removed"]
    assert FAX not in report.active(drift)
    assert report.counts()["breaking"] == 0  # type: ignore[index]
    # the second entry expired on 2026-01-31: its change counts again, and the entry is named
    assert CHANGES[0] in report.active(drift)
    [warning] = report.warnings
    assert "drift-ignore.toml:9" in warning and "expired on 2026-01-31" in warning
    # an entry holds through its expiry day
    assert report_of(*CHANGES, ignores=ignores, today=dt.date(2027, 1, 1)).counts()["breaking"] == 0  # type: ignore[index]
    assert report_of(*CHANGES, ignores=ignores, today=dt.date(2027, 1, 2)).counts()["breaking"] == 1  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('[[ignore]]\nid = "x"\nlocation = "/a"\nreason = "r"\n', 1, "no 'expires'"),
        ('[[ignore]]\nid = "x"\nlocation = "/a"\nexpires = 2027-01-01\n', 1, "no 'reason'"),
        ('# c\n\n[[ignore]]\nid = "x"\nlocation = "/a"\nreason = ""\nexpires = 2027-01-01\n', 3, "'reason' must be"),
        ('[[ignore]]\nid = "x"\nlocation = "/a"\nreason = "r"\nexpires = "soon"\n', 1, "'expires' must be a date"),
        ('[[ignore]]\nid = "x"\nlocation = "/a"\nreason = "r"\nexpires = 2027-01-01\nresaon = 1\n', 1, "'resaon'"),
        ('[[ignore]]\nid = "x"\nlocation = = "/a"\n', 3, "invalid TOML"),
    ],
)
def test_malformed_files_are_refused_at_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(IgnoreFileError) as caught:
        load_ignore_file(path)
    assert caught.value.where is not None and caught.value.where.endswith(f"drift-ignore.toml:{line}")
    assert words in caught.value.message
    assert caught.value.hint


def _cli(*args: str) -> tuple[int, str, str]:
    return ctk("drift", *args)


def test_cli_ignore_file_changes_exit_code_and_lists_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    stub_diff(monkeypatch)
    code, out, _ = _cli(*PAIR, "--format", "json")
    assert code == 1
    path = _write(tmp_path, GOOD)
    code, out, err = _cli(*PAIR, "--format", "json", "--ignore", str(path))
    data = json.loads(out)
    assert code == 0, err
    assert data["summary"]["breaking"] == 0
    assert [item["id"] for item in data["apis"][0]["ignored"]] == ["response-optional-property-removed"]
    assert "warning: " in err and "expired on 2026-01-31" in err
    code, out, _ = _cli(*PAIR, "--ignore", str(path))
    assert "ignored (until 2027-01-01: we never read fax)" in out


def test_cli_reads_drift_ignore_toml_from_the_workspace(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    stub_diff(monkeypatch)
    write_workspace(tmp_path, "")
    _write(tmp_path, GOOD)
    monkeypatch.chdir(tmp_path)
    code, out, _ = _cli(*PAIR, "--format", "json")
    assert code == 0
    assert json.loads(out)["apis"][0]["ignored"]


def test_cli_malformed_ignore_file_exits_2_with_file_and_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    stub_diff(monkeypatch)
    path = _write(tmp_path, '[[ignore]]\nid = "x"\nlocation = "/a"\nreason = "r"\n')
    code, out, err = _cli(*PAIR, "--ignore", str(path))
    assert_refused_output(code, out, err, "drift-ignore.toml:1")
    assert out == ""
