"""toolkit.fake: realistic values by format and property name, picked with the caller's rng."""

from __future__ import annotations

import base64
import ipaddress
import random
import re
import uuid
from datetime import date, datetime

import pytest

from toolkit.fake import Fake, snake


@pytest.fixture(scope="module")
def fake() -> Fake:
    return Fake(seed=0)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("firstName", "first_name"),
        ("FirstName", "first_name"),
        ("postal-code", "postal_code"),
        ("HTTPCode", "http_code"),
    ],
)
def test_snake(name: str, expected: str) -> None:
    assert snake(name) == expected


def test_formats_produce_parseable_values(fake: Fake) -> None:
    rng = random.Random(1)
    for _ in range(20):
        assert re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", fake.by_format("email", rng) or "")
        assert uuid.UUID(fake.by_format("uuid", rng) or "").version == 4
        date.fromisoformat(fake.by_format("date", rng) or "")
        datetime.fromisoformat((fake.by_format("date-time", rng) or "").replace("Z", "+00:00"))
        ipaddress.IPv4Address(fake.by_format("ipv4", rng) or "")
        ipaddress.IPv6Address(fake.by_format("ipv6", rng) or "")
        base64.b64decode(fake.by_format("byte", rng) or "", validate=True)
        assert (fake.by_format("uri", rng) or "").startswith("https://")
    assert fake.by_format("no-such-format", rng) is None


def test_names_match_case_and_style_insensitively(fake: Fake) -> None:
    rng = random.Random(2)
    for name in ("email", "Email", "billingEmail", "billing_email"):
        assert "@" in (fake.by_name(name, rng) or "")
    assert " " in (fake.by_name("fullName", rng, owner="customer") or "")
    assert re.fullmatch(r"[A-Z]{2}", fake.by_name("country", rng) or "")
    assert re.fullmatch(r"[A-Z]{3}", fake.by_name("currency", rng) or "")
    assert re.fullmatch(r"[a-z]{3}", fake.by_name("currency", rng, lowercase=True) or "")
    assert "/" in (fake.by_name("timeZone", rng) or "")
    assert (fake.by_name("avatar", rng) or "").endswith(".png")
    assert fake.by_name("unheard_of_field", rng) is None


def test_ids_carry_the_resource_prefix(fake: Fake) -> None:
    rng = random.Random(3)
    assert (fake.by_name("id", rng, owner="customer") or "").startswith("cus_")
    assert (fake.by_name("customer_id", rng) or "").startswith("cus_")
    assert (fake.by_name("charge", rng) or "").startswith("ch_")  # an unexpanded reference
    assert (fake.by_name("id", rng, owner="widget") or "").startswith("wid_")


def test_numbers_by_name(fake: Fake) -> None:
    rng = random.Random(4)
    created = fake.integer_by_name("created_at", rng)
    assert created is not None and 1546300800 <= created <= 1767139200
    amount = fake.integer_by_name("amount", rng)
    assert amount is not None and amount > 0
    latitude = fake.number_by_name("latitude", rng)
    assert latitude is not None and -90 <= latitude <= 90
    assert fake.integer_by_name("mystery", rng) is None


def test_text_respects_bounds(fake: Fake) -> None:
    rng = random.Random(5)
    for low, high in [(0, 3), (10, 12), (30, None), (0, 0)]:
        text = fake.text(rng, low, high)
        assert len(text) >= low and (high is None or len(text) <= high)


def test_same_rng_same_values_different_rng_different_values(fake: Fake) -> None:
    first = [fake.by_name("name", random.Random(9), owner="customer") for _ in range(3)]
    again = [fake.by_name("name", random.Random(9), owner="customer") for _ in range(3)]
    assert first == again
    others = {fake.by_name("email", random.Random(seed)) for seed in range(20)}
    assert len(others) > 10
