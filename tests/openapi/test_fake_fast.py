"""Fake's pickers (decided once per property) give what ``by_name``/``by_format`` give, drawing the same numbers."""

from __future__ import annotations

import random

import pytest

from toolkit.fake import ID_PREFIXES, Fake

NAMES = sorted(
    {
        *ID_PREFIXES,
        *(f"{key}_id" for key in ID_PREFIXES),
        "id", "uid", "identifier", "customerId", "email", "billingEmail", "email_address", "e_mail", "first_name",
        "firstName", "given_name", "forename", "last_name", "surname", "family_name", "name", "full_name",
        "display_name", "author", "phone", "mobilePhone", "fax", "address", "line1", "line2", "address_line2",
        "street", "city", "town", "state", "region", "province", "postal_code", "zip", "country", "billing_country",
        "country_name", "country_code", "currency", "default_currency", "settlement_currency", "avatar", "logo_url",
        "url", "website", "return_url", "domain", "hostname", "company", "employer", "username", "login", "locale",
        "language", "lang", "timezone", "tz", "color", "colour", "ip", "client_ip", "user_agent", "title", "subject",
        "label", "description", "notes", "statement_descriptor", "created", "updated", "deleted", "timestamp",
        "created_at", "updatedAt", "due_date", "start_time", "posted_on", "version", "api_version", "slug", "token",
        "api_key", "secret", "mime_type", "content_type", "file_name", "filename", "status", "type", "code",
        "preferred_locale", "unknown_thing", "x", "object", "metadata", "nickname", "billing_name", "host",
    }
)  # fmt: skip
OWNERS = (None, "", "Customer", "company", "Account", "product", "payment_intent", "Order", "x9", "!!")


@pytest.mark.parametrize("name", NAMES)
def test_name_picker_draws_what_by_name_draws(name: str) -> None:
    fake = Fake(3)
    for owner in OWNERS:
        for lowercase in (False, True):
            for max_length in (None, 5, 7, 64):
                picker = fake.name_picker(name, owner=owner, lowercase=lowercase, max_length=max_length)
                for seed in range(12):
                    slow, fast = random.Random(seed), random.Random(seed)
                    expected = fake.by_name(name, slow, owner=owner, lowercase=lowercase, max_length=max_length)
                    if expected is None:
                        assert picker is None
                        break
                    assert picker is not None
                    assert picker(fast) == expected
                    assert fast.getstate() == slow.getstate()  # the same numbers drawn: what follows is the same too


FORMATS = ("email", "idn-email", "uri", "url", "iri-reference", "uuid", "date", "date-time", "time", "duration",
           "ipv4", "ipv6", "hostname", "phone", "byte", "binary", "password", "json-pointer", "uri-template",
           "regex", "color", "int32", "unknown")  # fmt: skip


@pytest.mark.parametrize("fmt", FORMATS)
def test_format_picker_draws_what_by_format_draws(fmt: str) -> None:
    fake = Fake(5, "de_DE")
    picker = fake.format_picker(fmt)
    for seed in range(200):
        slow, fast = random.Random(seed), random.Random(seed)
        expected = fake.by_format(fmt, slow)
        if expected is None:
            assert picker is None
            return
        assert picker is not None
        assert picker(fast) == expected
        assert fast.getstate() == slow.getstate()


def test_draw_characters_draws_what_rng_choice_draws() -> None:
    from toolkit.fake import _ALNUM, character_table, draw_characters

    table = character_table(_ALNUM)
    for seed in range(2000):
        slow, fast = random.Random(seed), random.Random(seed)
        count = seed % 40
        assert draw_characters(fast, count, table) == "".join(slow.choice(_ALNUM) for _ in range(count))
        assert fast.getstate() == slow.getstate()
    with pytest.raises(ValueError):
        character_table("abc")
