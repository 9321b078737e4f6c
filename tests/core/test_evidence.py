"""``toolkit.evidence``: the vendor's deprecation headers parsed (RFC 9745, 8594, 8288, the Warning header),
correlated with the contract as observed drift changes, and the evidence file's round trip and refusals."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from toolkit.evidence import (
    KINDS,
    MAX_HEADER_CHARS,
    RULES,
    Evidence,
    EvidenceError,
    Observation,
    observations_from_headers,
    observations_to_changes,
    parse_deprecation,
    parse_links,
    parse_sunset,
    parse_warnings,
    read_evidence,
    write_evidence,
)
from toolkit.model import Change, ChangeSeverity, Contract, HttpOperation, Protocol

OP = "GET /customers/{id}"
TODAY = dt.date(2026, 6, 1)


# --- headers ----------------------------------------------------------------------------------------------


def test_deprecation_rfc_9745_example_is_a_utc_date() -> None:
    reading = parse_deprecation("@1688169599")  # RFC 9745 §2.1's example
    assert reading.date == dt.datetime(2023, 6, 30, 23, 59, 59, tzinfo=dt.UTC)
    assert reading.problem == ""


def test_deprecation_parameters_are_ignored_and_spaces_trimmed() -> None:
    assert parse_deprecation("  @1767225600;foo=1 ").date == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("true", "the draft's 'true'"),
        ("TRUE", "the draft's 'true'"),
        ("Sun, 11 Nov 2018 23:59:59 GMT", "an HTTP-date"),
        ("2026-01-01", "not a structured-field date"),
        ("@", "not a structured-field date"),
        ("@12.5", "not a structured-field date"),
        ("@9999999999999999", "not a structured-field date"),  # 16 digits: over sf-integer's 15
        ("@999999999999999", "out of range"),
        ("", "not a structured-field date"),
    ],
)
def test_deprecation_malformed_forms_say_what_was_seen(value: str, said: str) -> None:
    reading = parse_deprecation(value)
    assert reading.date is None
    assert said in reading.problem
    assert reading.seen == value.strip()


def test_sunset_rfc_8594_example_and_the_obsolete_forms() -> None:
    expected = dt.datetime(2018, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
    assert parse_sunset("Sat, 31 Dec 2018 23:59:59 GMT").date == expected  # RFC 8594 §3's example
    assert parse_sunset("Monday, 31-Dec-18 23:59:59 GMT").date is not None  # rfc850
    assert parse_sunset("Mon Dec 31 23:59:59 2018").date == expected  # asctime


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("2027-03-31", "not an HTTP-date"),
        ("@1767225600", "a structured-field date"),
        ("Sat, 31 Dec 2018 23:59:59 CET", "not an HTTP-date"),
        ("soon", "not an HTTP-date"),
    ],
)
def test_sunset_malformed_forms(value: str, said: str) -> None:
    reading = parse_sunset(value)
    assert reading.date is None
    assert said in reading.problem


def test_links_several_with_quoted_params_and_commas() -> None:
    value = (
        '<https://developer.example.com/deprecation>; rel="deprecation"; type="text/html", '  # RFC 9745 §3
        '<https://example.com/a,b>;rel=sunset, garbage; rel="sunset", '
        '<https://example.com/c>; title="x; rel=sunset, y"; rel="alternate DEPRECATION", '
        "<https://example.com/d>"
    )
    links = parse_links(value)
    assert [(link.target, link.rels) for link in links] == [
        ("https://developer.example.com/deprecation", ("deprecation",)),
        ("https://example.com/a,b", ("sunset",)),
        ("https://example.com/c", ("alternate", "deprecation")),
        ("https://example.com/d", ()),
    ]


def test_warnings_299_and_others() -> None:
    value = '299 - "Deprecated API, use v2" "Sat, 31 Dec 2018 23:59:59 GMT", 199 cache "misc \\"x\\""'
    assert parse_warnings(value) == [(299, "Deprecated API, use v2"), (199, 'misc "x"')]
    assert parse_warnings("not a warning") == []


def test_headers_become_observations_of_each_kind() -> None:
    headers = [
        ("Deprecation", "@1767225600"),
        ("Sunset", "Wed, 01 Jul 2026 00:00:00 GMT"),
        ("link", '<https://d.example/dep>; rel="deprecation", <https://d.example/sunset>; rel="sunset"'),
        ("Warning", '299 - "this endpoint is deprecated"'),
        ("Content-Type", "application/json"),
    ]
    found = observations_from_headers(OP, headers)
    assert found == [
        Observation(OP, "deprecation-header", "@1767225600", "2026-01-01"),
        Observation(OP, "sunset-header", "Wed, 01 Jul 2026 00:00:00 GMT", "2026-07-01"),
        Observation(OP, "link-deprecation", "https://d.example/dep"),
        Observation(OP, "link-sunset", "https://d.example/sunset"),
        Observation(OP, "warning-299", "this endpoint is deprecated"),
    ]
    assert {o.kind for o in found} <= set(KINDS)


def test_malformed_headers_are_observations_with_the_value_and_the_reason() -> None:
    found = observations_from_headers(OP, [("Deprecation", "true"), ("Sunset", "2027-03-31")])
    assert [o.kind for o in found] == ["malformed-deprecation", "malformed-sunset"]
    assert found[0].detail.startswith("true (") and "RFC 9745" in found[0].detail
    assert found[1].detail.startswith("2027-03-31 (")


def test_hostile_long_values_are_bounded() -> None:
    huge = "x" * (2 * 1024 * 1024)
    found = observations_from_headers(
        OP,
        [
            ("Deprecation", huge),
            ("Sunset", huge),
            ("Link", ", ".join(f'<https://e.example/{i}>; rel="sunset"' for i in range(100_000))),
            ("Link", "<" + huge + '>; rel="deprecation"'),  # never closed within the bound: no link
            ("Link", '<https://e.example/q>; rel="deprecation"; title="' + huge),  # an unterminated quote
            ("Warning", ", ".join('299 - "w"' for _ in range(100_000))),
        ],
    )
    assert all(len(o.detail) <= 400 for o in found)
    assert sum(o.kind == "link-sunset" for o in found) <= 32
    assert sum(o.kind == "warning-299" for o in found) <= 16
    assert [o.detail for o in found if o.kind == "link-deprecation"] == ["https://e.example/q"]
    assert len(parse_links("<a>;" * MAX_HEADER_CHARS)) == 1


# --- correlation ------------------------------------------------------------------------------------------


def _contract(*operations: HttpOperation) -> Contract:
    return Contract(Protocol.OPENAPI, "t", "1", "t.yaml", operations)


def _changes(
    observations: list[Observation], op: HttpOperation | None = None, horizon: int | None = None
) -> dict[str, Change]:
    contract = _contract(op or HttpOperation(id=OP, name=OP, method="GET", path="/customers/{id}"))
    changes = observations_to_changes(observations, contract, today=TODAY, horizon_days=horizon)
    assert all(change.source == "observed" for change in changes)
    assert {change.id for change in changes} <= set(RULES)
    return {change.id: change for change in changes}


def test_an_undeclared_deprecation_with_its_sunset() -> None:
    found = _changes(
        [
            Observation(OP, "deprecation-header", "@1767225600", "2026-01-01"),
            Observation(OP, "sunset-header", "Wed, 01 Jul 2026 00:00:00 GMT", "2026-07-01"),
            Observation(OP, "link-sunset", "https://d.example/sunset"),
        ]
    )
    undeclared = found["observed-deprecation-undeclared"]
    assert undeclared.severity is ChangeSeverity.DANGEROUS
    assert undeclared.deprecation and undeclared.operations == (OP,)
    assert undeclared.sunset == dt.date(2026, 7, 1)
    assert "2026-01-01" in undeclared.message and "https://d.example/sunset" in undeclared.message
    assert found["observed-sunset-within-horizon"].severity is ChangeSeverity.DANGEROUS
    assert "observed-sunset-passed" not in found


def test_a_declared_deprecation_is_no_drift_but_its_sunset_still_counts() -> None:
    declared = HttpOperation(id=OP, name=OP, deprecated=True, method="GET", path="/customers/{id}")
    found = _changes(
        [
            Observation(OP, "deprecation-header", "@1", "1970-01-01"),
            Observation(OP, "sunset-header", "x", "2026-05-01"),
        ],
        declared,
    )
    assert set(found) == {"observed-sunset-passed"}
    assert found["observed-sunset-passed"].severity is ChangeSeverity.BREAKING


def test_a_sunset_the_contract_declares_is_not_an_undeclared_deprecation() -> None:
    declared = HttpOperation(id=OP, name=OP, sunset=dt.date(2026, 7, 1), method="GET", path="/customers/{id}")
    found = _changes([Observation(OP, "link-deprecation", "https://d.example")], declared)
    assert found == {}


def test_the_horizon_decides_for_future_sunsets() -> None:
    sunset = [Observation(OP, "sunset-header", "x", "2026-12-01")]  # 183 days ahead
    assert "observed-sunset-within-horizon" not in _changes(sunset)  # the default, 90 days
    assert "observed-sunset-within-horizon" in _changes(sunset, horizon=200)
    today = [Observation(OP, "sunset-header", "x", TODAY.isoformat())]
    assert "observed-sunset-passed" in _changes(today, horizon=0)


def test_malformed_headers_are_info_and_still_say_deprecated() -> None:
    found = _changes([Observation(OP, "malformed-deprecation", "true (the draft's 'true')")])
    assert found["observed-deprecation-header-malformed"].severity is ChangeSeverity.INFO
    assert "Deprecation" in found["observed-deprecation-header-malformed"].message
    assert "observed-deprecation-undeclared" in found


def test_warnings_deprecation_or_not() -> None:
    assert "observed-deprecation-undeclared" in _changes([Observation(OP, "warning-299", "endpoint deprecated")])
    plain = _changes([Observation(OP, "warning-299", "results may be stale")])
    assert set(plain) == {"observed-warning"}


@pytest.mark.parametrize(
    ("kind", "rule", "severity"),
    [
        ("undocumented-status", "observed-undocumented-status", ChangeSeverity.DANGEROUS),
        ("undocumented-field", "observed-undocumented-field", ChangeSeverity.INFO),
        ("undocumented-header", "observed-undocumented-header", ChangeSeverity.INFO),
        ("undeclared-fault", "observed-undeclared-fault", ChangeSeverity.DANGEROUS),
        ("deprecated-field-used", "observed-deprecated-field-used", ChangeSeverity.INFO),
    ],
)
def test_answers_beyond_the_contract(kind: str, rule: str, severity: ChangeSeverity) -> None:
    found = _changes([Observation(OP, kind, "/data/extra")])
    assert set(found) == {rule}
    assert found[rule].severity is severity
    assert found[rule].new == "/data/extra" and "/data/extra" in found[rule].message


def test_an_operation_the_contract_lacks_is_still_reported() -> None:
    found = _changes([Observation("GET /gone", "deprecation-header", "@1", "1970-01-01")])
    assert "no such operation" in found["observed-deprecation-undeclared"].message


def test_correlation_is_deterministic_whatever_the_order_and_repeats() -> None:
    observations = [
        Observation(OP, "undocumented-field", "/b"),
        Observation(OP, "deprecation-header", "@1", "1970-01-01"),
        Observation(OP, "undocumented-field", "/a"),
    ]
    contract = _contract(HttpOperation(id=OP, name=OP, method="GET", path="/c"))
    once = observations_to_changes(observations, contract, today=TODAY)
    again = observations_to_changes(observations[::-1] * 2, contract, today=TODAY)
    assert once == again


# --- the file ---------------------------------------------------------------------------------------------


def _evidence() -> Evidence:
    return Evidence(
        api="payments",
        contract="contracts/payments/v1",
        base_url="https://user:s3cret@sandbox.example.com:8443/v1?api_key=s3cret#frag",
        collected_at="2026-06-01T00:00:00+00:00",
        observations=(
            Observation(OP, "undocumented-field", "/z"),
            Observation(OP, "deprecation-header", "@1767225600", "2026-01-01"),
            Observation(OP, "undocumented-field", "/z"),
        ),
        sunset_horizon_days=30,
    )


def test_round_trip_sorted_deterministic_and_without_credentials(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "payments.json", tmp_path / "b.json"
    write_evidence(first, _evidence())
    write_evidence(second, _evidence())
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text(encoding="utf-8")
    assert "s3cret" not in text and "user" not in text
    data = json.loads(text)
    assert data["ctk_evidence"] == 1
    assert data["base_url"] == "https://sandbox.example.com:8443/v1"
    assert [o["kind"] for o in data["observations"]] == ["deprecation-header", "undocumented-field"]
    back = read_evidence(first)
    assert back.api == "payments" and back.sunset_horizon_days == 30
    assert back.observations == tuple(sorted(set(_evidence().observations)))


def _refused(path: Path, *said: str, **kwargs: int) -> EvidenceError:
    with pytest.raises(EvidenceError) as caught:
        read_evidence(path, **kwargs)
    assert str(path) in (caught.value.where or "")
    for part in said:
        assert part in str(caught.value)
    assert caught.value.hint
    return caught.value


def _written(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "e.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _valid() -> dict[str, Any]:
    return {
        "ctk_evidence": 1,
        "api": "p",
        "contract": "c",
        "base_url": "https://x",
        "collected_at": "t",
        "observations": [{"operation": OP, "kind": "undocumented-status", "detail": "418", "date": None}],
    }


def test_refusals_name_the_file_and_place(tmp_path: Path) -> None:
    _refused(tmp_path / "missing.json", "no such evidence file")
    _refused(tmp_path, "not a regular file")
    (tmp_path / "bad.json").write_text("{\n  oops", encoding="utf-8")
    assert _refused(tmp_path / "bad.json", "not JSON").where == f"{tmp_path / 'bad.json'}:2:3"
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe")
    _refused(tmp_path / "bin.json", "not UTF-8")
    _refused(_written(tmp_path, []), "not a ctk evidence file")
    _refused(_written(tmp_path, {**_valid(), "ctk_evidence": 2}), "format 2")
    _refused(_written(tmp_path, {**_valid(), "api": 3}), "api must be a string")
    _refused(_written(tmp_path, {**_valid(), "observations": {}}), "observations must be a list")
    _refused(_written(tmp_path, {**_valid(), "sunset_horizon_days": -1}), "sunset_horizon_days")
    bad_kind = {**_valid(), "observations": [{"operation": OP, "kind": "rumour", "detail": "x"}]}
    where = _refused(_written(tmp_path, bad_kind), "unknown observation kind 'rumour'").where
    assert where is not None and where.endswith("#/observations/0/kind")
    bad_date = {**_valid(), "observations": [{"operation": OP, "kind": "sunset-header", "detail": "x", "date": "soon"}]}
    _refused(_written(tmp_path, bad_date), "ISO date")
    _refused(_written(tmp_path, [1] * 100), "larger than 64 bytes", max_bytes=64)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    _refused(deep)


def test_writing_where_no_file_can_be_is_an_error_naming_the_place(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(EvidenceError) as caught:
        write_evidence(blocker / "sub" / "e.json", _evidence())
    assert "cannot write" in str(caught.value) and str(blocker) in (caught.value.where or "")
