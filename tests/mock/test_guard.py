"""The shared crash guard's reporting: one traceback per bug place, one bounded line after that."""

from __future__ import annotations

import logging

import pytest

from toolkit.exchange import Request
from toolkit.mock import guard


def _fail(depth: int) -> None:
    raise KeyError(depth)


def _caught(depth: int) -> BaseException:
    try:
        _fail(depth)
    except KeyError as error:
        return error
    raise AssertionError("unreachable")


def test_report_bug_logs_one_traceback_per_place_and_bounded_lines(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(guard, "_seen", set())
    request = Request("POST", "/" + "x" * 100_000 + "\n", body=b"")
    with caplog.at_level(logging.ERROR, logger="ctk.mock"):
        for n in range(5):
            guard.report_bug(_caught(n), request, "GraphQL mock")
    assert len(caplog.records) == 5
    assert sum(1 for record in caplog.records if record.exc_info) == 1
    assert all("ctk GraphQL mock bug" in record.getMessage() for record in caplog.records)
    assert all(len(record.getMessage()) < 400 for record in caplog.records)
    assert all("\n" not in record.getMessage() for record in caplog.records)


def test_report_bug_takes_any_base_exception(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "_seen", set())
    with caplog.at_level(logging.ERROR, logger="ctk.mock"):
        guard.report_bug(KeyboardInterrupt(), Request("GET", "/"), "SOAP mock")  # never raised: no traceback frames
    assert "ctk SOAP mock bug on GET /" in caplog.text
