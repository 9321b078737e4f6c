"""Sunset dates in every form vendors write them."""

from __future__ import annotations

import datetime as dt

import pytest

from toolkit.sunset import parse_sunset, sunset_in_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2027-06-30", dt.date(2027, 6, 30)),
        ("2027-06-30T12:00:00Z", dt.date(2027, 6, 30)),
        ("Wed, 30 Jun 2027 00:00:00 GMT", dt.date(2027, 6, 30)),
        (dt.date(2027, 6, 30), dt.date(2027, 6, 30)),
        ("2027-02-30", None),
        ("next year", None),
        (20270630, None),
    ],
)
def test_parse_sunset(value: object, expected: dt.date | None) -> None:
    assert parse_sunset(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Deprecated: use X. Sunset: 2027-03-31.", dt.date(2027, 3, 31)),
        ("Use product(id:). Removal on 2027-01-31", dt.date(2027, 1, 31)),
        ("Deprecated since 2020-01-01, use X", None),  # a date, but not a sunset
        (None, None),
    ],
)
def test_sunset_in_text(text: str | None, expected: dt.date | None) -> None:
    assert sunset_in_text(text) == expected
