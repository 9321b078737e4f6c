"""Realistic, seeded values for mocks: chosen by format and by property name.

Faker is slow per call and its randomness is global to an instance, so it is used only to fill
pools once per (seed, locale) on first use; every value is then picked from a pool (or composed)
with the ``random.Random`` the caller passes. Same rng state, same value; and a mock answering
thousands of requests never calls Faker on the request path.

Values are candidates: the caller (the schema generators) checks each against the schema and falls
back when a candidate does not fit, so this module never has to know every constraint.
"""

from __future__ import annotations

import base64
import random
import re
import string
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, ClassVar

Picker = Callable[[random.Random], str]

_POOL_SIZE = 200
# Realistic timestamps: 2019-01-01 .. 2025-12-31, in seconds since the epoch.
_EPOCH_LOW = 1546300800
_EPOCH_HIGH = 1767139200
_ALNUM = string.ascii_letters + string.digits
_CURRENCIES = ("USD", "EUR", "GBP", "JPY", "CAD", "AUD", "CHF", "SEK", "NOK", "DKK", "NZD", "SGD", "HKD", "MXN",
               "BRL", "INR", "PLN", "ZAR")  # fmt: skip
_LOCALES = ("en-US", "en-GB", "fr-FR", "de-DE", "es-ES", "it-IT", "nl-NL", "pt-BR", "ja-JP", "sv-SE", "pl-PL")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

# Stripe-style id prefixes, by resource name; other resources get their first three letters.
ID_PREFIXES = {
    "customer": "cus", "charge": "ch", "payment_intent": "pi", "paymentintent": "pi", "refund": "re",
    "invoice": "in", "subscription": "sub", "product": "prod", "price": "price", "card": "card",
    "source": "src", "payment_method": "pm", "paymentmethod": "pm", "account": "acct", "event": "evt",
    "balance_transaction": "txn", "dispute": "dp", "payout": "po", "transfer": "tr", "plan": "plan",
    "setup_intent": "seti", "invoiceitem": "ii", "invoice_item": "ii", "token": "tok", "file": "file",
    "order": "or", "sku": "sku", "coupon": "co", "session": "cs", "webhook_endpoint": "we", "mandate": "mandate",
}  # fmt: skip

_PERSON = ("name", "full_name", "fullname", "display_name", "customer_name", "cardholder_name", "contact_name",
           "owner_name", "person_name", "billing_name", "shipping_name", "author")  # fmt: skip
_TEXT = ("description", "note", "notes", "comment", "comments", "memo", "bio", "summary", "message", "reason",
         "details", "statement_descriptor", "body", "text", "content")  # fmt: skip
_TITLE = ("title", "subject", "headline", "label", "caption", "heading")
_MONEY = ("amount", "price", "total", "subtotal", "balance", "cost", "fee", "tax", "unit_amount", "amount_due",
          "amount_paid", "amount_remaining", "amount_refunded", "amount_captured", "discount")  # fmt: skip
_PHONE = ("phone", "phone_number", "mobile", "telephone", "tel", "cell", "fax", "fax_number")
_URL = ("url", "website", "homepage", "link", "href", "uri", "return_url", "callback_url", "webhook_url")
_IMAGE = ("avatar", "image", "logo", "icon", "photo", "picture", "thumbnail", "avatar_url", "image_url", "logo_url")


@lru_cache(maxsize=8192)  # a contract has a few thousand field names at most; mocks ask for them on every answer
def snake(name: str) -> str:
    """``firstName``, ``first-name``, ``FirstName`` → ``first_name``."""
    return _CAMEL.sub("_", name).replace("-", "_").replace(" ", "_").lower()


# Fields a person expects filled: a mock that answers them null shows little. ``filled_kind`` names the family
# of a property name (the realism bench groups by it); the generators never draw null or leave such a field
# out by choice, whatever the schema allows (only the depth and size limits can).
_ADDRESS_PARTS = frozenset({"address", "line1", "line2", "line_1", "line_2", "address1", "address2", "address_line1",
                            "address_line2", "street", "street_address", "street1", "street2", "city", "town",
                            "locality", "province", "postal_code", "postcode", "post_code", "zip",
                            "zip_code", "zipcode", "country", "country_code"})  # fmt: skip
_NAMES = frozenset({"first_name", "firstname", "given_name", "last_name", "lastname", "surname", "family_name",
                    "company_name", "business_name"})  # fmt: skip
_DATE_WORDS = frozenset({"created", "updated", "modified", "date", "timestamp"})
MONEY_TAILS = ("captured", "refunded", "received", "capturable", "paid", "remaining", "reversed", "disputed",
               "settled", "authorized", "authorised")  # fmt: skip
NULL_SHARE = 0.05  # the share of nulls (or left-out optional elements) in other fields that may be null


@lru_cache(maxsize=8192)
def filled_kind(name: str | None) -> str | None:
    """The family of a field a person expects filled (name, email, phone, address, amount, currency, date),
    or None: ``billingEmail`` → email, ``amount_captured`` → amount, ``createdAt`` → date."""
    if not name:
        return None
    key = snake(name)
    last = key.rsplit("_", 1)[-1]
    first = key.split("_", 1)[0]
    if key in _PERSON or key in _NAMES or key.endswith(("_first_name", "_last_name", "_full_name")):
        return "name"
    if last == "email" or key in ("email_address", "e_mail"):
        return "email"
    if (key in _PHONE and "fax" not in key) or last == "phone" or key.endswith("phone_number"):
        return "phone"
    if key in _ADDRESS_PARTS or last in ("city", "country") or key.endswith(("_line1", "_line2", "postal_code")):
        return "address"
    if key in ("currency", "currency_code", "default_currency") or last == "currency":
        return "currency"
    if key in _MONEY or first == "amount" or last in ("amount", "price", "total", "balance"):
        return "amount"
    if key in _DATE_WORDS or first in ("created", "updated", "modified") or key.endswith("_date"):
        return "date"
    return None


class Pools:
    """Faker-made values, built once per (seed, locale)."""

    _cache: ClassVar[dict[tuple[int, str], Pools]] = {}

    def __init__(self, seed: int = 0, locale: str = "en_US") -> None:
        from faker import Faker  # heavy: imported only when a mock first needs a value

        faker = Faker(locale)
        faker.seed_instance(seed)

        def pool(make: Any) -> tuple[str, ...]:
            return tuple(dict.fromkeys(str(make()) for _ in range(_POOL_SIZE)))

        self.first_names = pool(faker.first_name)
        self.last_names = pool(faker.last_name)
        self.companies = pool(faker.company)
        self.cities = pool(faker.city)
        self.states = pool(faker.state) if hasattr(faker, "state") else pool(faker.city)
        self.postcodes = pool(faker.postcode)
        self.streets = pool(faker.street_address)
        self.secondary = pool(faker.secondary_address) if hasattr(faker, "secondary_address") else ("Suite 100",)
        self.phones = tuple(phone for phone in pool(faker.phone_number) if "x" not in phone) or ("+12025550123",)
        self.domains = pool(faker.domain_name)
        self.user_names = pool(faker.user_name)
        self.words = tuple(word for word in pool(faker.word) if word.isalpha())
        self.sentences = pool(faker.sentence)
        self.countries = pool(faker.country)
        self.country_codes = tuple(sorted(set(pool(faker.country_code))))
        self.currency_codes = _CURRENCIES  # the ones real payments use, not Faker's long tail
        self.timezones = tuple(sorted(set(pool(faker.timezone))))
        self.locales = _LOCALES
        self.user_agents = pool(faker.user_agent)
        self.colors = pool(faker.safe_color_name)
        self.emails = tuple(
            f"{first.lower()}.{last.lower()}@{domain}".replace(" ", "").replace("'", "")
            for first, last, domain in zip(
                self.first_names, self.last_names, faker.random_elements(self.domains, _POOL_SIZE), strict=False
            )
            if first.isascii() and last.isascii()
        ) or pool(faker.email)

    @classmethod
    def get(cls, seed: int = 0, locale: str = "en_US") -> Pools:
        key = (seed, locale)
        if key not in cls._cache:
            cls._cache[key] = cls(seed, locale)
        return cls._cache[key]


class Fake:
    """Picks realistic values from ``Pools`` with the caller's rng. Every method may return None
    ("no idea for this one"); the caller then generates a plain value."""

    def __init__(self, seed: int = 0, locale: str = "en_US") -> None:
        self.seed = seed
        self.locale = locale
        self._pools: Pools | None = None
        self._pickers: dict[tuple[str, str | None, bool, int | None], Picker | None] = {}

    @property
    def pools(self) -> Pools:
        if self._pools is None:
            self._pools = Pools.get(self.seed, self.locale)
        return self._pools

    # -- strings -------------------------------------------------------------------------------
    def by_format(self, fmt: str, rng: random.Random) -> str | None:
        p = self.pools
        if fmt in ("email", "idn-email"):
            return rng.choice(p.emails)
        if fmt in ("uri", "url", "iri", "uri-reference", "iri-reference"):
            return f"https://{rng.choice(p.domains)}/{rng.choice(p.words)}"
        if fmt == "uuid":
            return str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if fmt == "date":
            return self._datetime(rng).date().isoformat()
        if fmt == "date-time":
            return self._datetime(rng).strftime("%Y-%m-%dT%H:%M:%SZ")
        if fmt == "time":
            return self._datetime(rng).strftime("%H:%M:%SZ")
        if fmt == "duration":
            return f"P{rng.randint(1, 30)}DT{rng.randint(1, 23)}H"
        if fmt == "ipv4":
            return f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        if fmt == "ipv6":
            return "2001:db8:" + ":".join(f"{rng.getrandbits(16):x}" for _ in range(6))
        if fmt in ("hostname", "idn-hostname"):
            return rng.choice(p.domains)
        if fmt in ("phone", "phone-number", "tel"):
            return self._e164(rng)
        if fmt == "byte":
            return base64.b64encode(rng.randbytes(rng.randint(6, 24))).decode()
        if fmt == "binary":
            return "".join(rng.choice(_ALNUM) for _ in range(rng.randint(8, 24)))
        if fmt == "password":
            return "".join(rng.choice(_ALNUM) for _ in range(rng.randint(12, 20)))
        if fmt == "json-pointer":
            return "/" + "/".join(rng.choice(p.words) for _ in range(2))
        if fmt == "uri-template":
            return f"https://{rng.choice(p.domains)}/{{id}}"
        if fmt == "regex":
            return "^[a-z]+$"
        if fmt == "color":
            return f"#{rng.getrandbits(24):06x}"
        return None

    def by_name(
        self,
        name: str,
        rng: random.Random,
        *,
        owner: str | None = None,
        lowercase: bool = False,
        max_length: int | None = None,
    ) -> str | None:
        """A string for a property called ``name`` of a resource called ``owner``."""
        key = snake(name)
        value = self._by_key(key, rng, owner, lowercase, max_length)
        last = key.rsplit("_", 1)[-1]
        if value is None and last != key and last not in ("name", "id", "type", "status", "code"):
            value = self._by_key(last, rng, owner, lowercase, max_length)  # billing_email, preferred_locale
        return value

    def _by_key(
        self, key: str, rng: random.Random, owner: str | None, lowercase: bool, max_length: int | None
    ) -> str | None:
        p = self.pools
        last = key.rsplit("_", 1)[-1]
        if key in ID_PREFIXES:  # a reference to another resource, unexpanded: its id
            return self.identifier(rng, key)
        if key in ("email", "email_address", "e_mail") or last == "email":
            return rng.choice(p.emails)
        if key in ("first_name", "firstname", "given_name", "forename"):
            return rng.choice(p.first_names)
        if key in ("last_name", "lastname", "surname", "family_name"):
            return rng.choice(p.last_names)
        if key in _PERSON:
            if owner and snake(owner) in ("company", "organization", "organisation", "account", "merchant"):
                return rng.choice(p.companies)
            if (
                key == "name"
                and owner
                and snake(owner)
                not in (
                    "customer",
                    "person",
                    "user",
                    "contact",
                    "owner",
                    "individual",
                    "member",
                    "employee",
                    "cardholder",
                )
            ):
                return " ".join(rng.choice(p.words) for _ in range(2)).capitalize()
            return f"{rng.choice(p.first_names)} {rng.choice(p.last_names)}"
        if key in _PHONE or last == "phone":
            return rng.choice(p.phones)
        if key in ("address", "line1", "address_line1", "line_1", "street", "street_address", "address1"):
            return rng.choice(p.streets)
        if key in ("line2", "address_line2", "line_2", "address2"):
            return rng.choice(p.secondary)
        if key in ("city", "town", "locality"):
            return rng.choice(p.cities)
        if key in ("state", "region", "province", "county"):
            return rng.choice(p.states)
        if key in ("postal_code", "zip", "zipcode", "zip_code", "postcode", "post_code"):
            return rng.choice(p.postcodes)
        if key in ("country", "country_code", "country_iso") or (last == "country" and key != "country_name"):
            return rng.choice(p.country_codes)
        if key == "country_name":
            return rng.choice(p.countries)
        if key in ("currency", "currency_code", "default_currency") or last == "currency":
            code = rng.choice(p.currency_codes)
            return code.lower() if lowercase else code
        if key in _IMAGE:
            return f"https://{rng.choice(p.domains)}/images/{rng.choice(p.words)}.png"
        if key in _URL or last == "url":
            return f"https://{rng.choice(p.domains)}/{rng.choice(p.words)}"
        if key in ("domain", "hostname", "host"):
            return rng.choice(p.domains)
        if key in ("company", "organization", "organisation", "company_name", "business_name", "employer"):
            return rng.choice(p.companies)
        if key in ("username", "user_name", "login", "handle", "nickname", "screen_name"):
            return rng.choice(p.user_names)
        if key in ("locale", "language_tag"):
            return rng.choice(p.locales)
        if key in ("language", "lang"):
            return rng.choice(("en", "fr", "de", "es", "it", "ja", "pt"))
        if key in ("timezone", "time_zone", "tz"):
            return rng.choice(p.timezones)
        if key in ("color", "colour"):
            return f"#{rng.getrandbits(24):06x}" if max_length is not None and max_length <= 7 else rng.choice(p.colors)
        if key in ("ip", "ip_address", "client_ip"):
            return self.by_format("ipv4", rng)
        if key == "user_agent":
            return rng.choice(p.user_agents)
        if key in _TITLE:
            return " ".join(rng.choice(p.words) for _ in range(rng.randint(2, 4))).capitalize()
        if key in _TEXT:
            return rng.choice(p.sentences)
        if key in ("id", "uid", "identifier") or key.endswith("_id"):
            resource = owner if key in ("id", "uid", "identifier") else key[: -len("_id")]
            return self.identifier(rng, resource)
        if key in ("created", "updated", "deleted", "timestamp") or key.endswith(("_at", "_date", "_time", "_on")):
            return self._datetime(rng).strftime("%Y-%m-%dT%H:%M:%SZ")
        if key in ("version", "api_version"):
            return f"{rng.randint(1, 4)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"
        if key in ("slug",):
            return f"{rng.choice(p.words)}-{rng.choice(p.words)}"
        if key in ("token", "secret", "api_key", "key", "access_token", "refresh_token"):
            return "".join(rng.choice(_ALNUM) for _ in range(32))
        if key in ("mime_type", "content_type", "media_type"):
            return rng.choice(("application/json", "application/pdf", "image/png", "text/plain"))
        if key in ("file_name", "filename"):
            return f"{rng.choice(p.words)}.{rng.choice(('pdf', 'png', 'csv', 'txt'))}"
        return None

    # -- pickers: by_name and by_format decided once ------------------------------------------------
    # A generator compiled from a schema knows its property's name and format before any value is drawn:
    # it asks for a picker once, and each value is then one call, with no walk through the name rules.
    # ``picker(rng)`` returns what ``by_name``/``by_format`` return for the same rng state, drawing the same
    # numbers (tests/openapi/test_fake_fast.py holds them equal), so an answer does not change with the path.
    def name_picker(
        self, name: str, *, owner: str | None = None, lowercase: bool = False, max_length: int | None = None
    ) -> Picker | None:
        """``by_name`` for one (name, owner, lowercase, max_length), resolved now; None where it gives None."""
        cache_key = (name, owner, lowercase, max_length)
        if cache_key in self._pickers:
            return self._pickers[cache_key]
        key = snake(name)
        picker = self._key_picker(key, owner, lowercase, max_length)
        last = key.rsplit("_", 1)[-1]
        if picker is None and last != key and last not in ("name", "id", "type", "status", "code"):
            picker = self._key_picker(last, owner, lowercase, max_length)
        self._pickers[cache_key] = picker
        return picker

    def format_picker(self, fmt: str) -> Picker | None:
        """``by_format`` for one format, resolved now; None for a format it has no value for."""
        if fmt in ("email", "idn-email"):
            return self._pool_choice("emails")
        if fmt in ("uri", "url", "iri", "uri-reference", "iri-reference"):
            return self._url_picker("/")
        if fmt == "date":
            return _date_picker("%04d-%02d-%02d", 3)
        if fmt == "date-time":
            return _date_picker("%04d-%02d-%02dT%02d:%02d:%02dZ", 6)
        if self.by_format(fmt, random.Random(0)) is None:  # which formats have values does not depend on the draw
            return None
        by_format = self.by_format

        def pick(rng: random.Random) -> str:
            return by_format(fmt, rng) or ""

        return pick

    def _key_picker(self, key: str, owner: str | None, lowercase: bool, max_length: int | None) -> Picker | None:
        """``_by_key`` resolved: the first rule that matches ``key`` decides, as there (the rules, in their order,
        are matched here on the key alone; the common ones get a direct picker, the rest call ``_by_key``)."""
        if self._by_key(key, random.Random(0), owner, lowercase, max_length) is None:
            return None  # whether a rule matches depends on the key alone, never on the draw
        last = key.rsplit("_", 1)[-1]
        choice = self._pool_choice
        if key in ID_PREFIXES:
            return _id_picker(key)
        if key in ("email", "email_address", "e_mail") or last == "email":
            return choice("emails")
        if key in ("first_name", "firstname", "given_name", "forename"):
            return choice("first_names")
        if key in ("last_name", "lastname", "surname", "family_name"):
            return choice("last_names")
        if key in _PERSON:
            owner_key = snake(owner) if owner else None
            if owner_key in ("company", "organization", "organisation", "account", "merchant"):
                return choice("companies")
            if key == "name" and owner_key is not None and owner_key not in _PERSON_OWNERS:
                words = choice("words")
                return lambda rng: f"{words(rng)} {words(rng)}".capitalize()
            first, family = choice("first_names"), choice("last_names")
            return lambda rng: f"{first(rng)} {family(rng)}"
        if key in _PHONE or last == "phone":
            return choice("phones")
        if key in ("address", "line1", "address_line1", "line_1", "street", "street_address", "address1"):
            return choice("streets")
        if key in ("line2", "address_line2", "line_2", "address2"):
            return choice("secondary")
        if key in ("city", "town", "locality"):
            return choice("cities")
        if key in ("state", "region", "province", "county"):
            return choice("states")
        if key in ("postal_code", "zip", "zipcode", "zip_code", "postcode", "post_code"):
            return choice("postcodes")
        if key in ("country", "country_code", "country_iso") or (last == "country" and key != "country_name"):
            return choice("country_codes")
        if key == "country_name":
            return choice("countries")
        if key in ("currency", "currency_code", "default_currency") or last == "currency":
            code = choice("currency_codes")
            return (lambda rng: code(rng).lower()) if lowercase else code
        if key in _IMAGE:
            return self._url_picker("/images/", ".png")
        if key in _URL or last == "url":
            return self._url_picker("/")
        if key in _BETWEEN_URL_AND_TEXT or key in _TITLE:
            return self._delegate(key, owner, lowercase, max_length)
        if key in _TEXT:
            return choice("sentences")
        if key in ("id", "uid", "identifier") or key.endswith("_id"):
            return _id_picker(owner if key in ("id", "uid", "identifier") else key[: -len("_id")])
        if key in ("created", "updated", "deleted", "timestamp") or key.endswith(("_at", "_date", "_time", "_on")):
            return _date_picker("%04d-%02d-%02dT%02d:%02d:%02dZ", 6)
        return self._delegate(key, owner, lowercase, max_length)

    def _delegate(self, key: str, owner: str | None, lowercase: bool, max_length: int | None) -> Picker:
        by_key = self._by_key

        def pick(rng: random.Random) -> str:
            return by_key(key, rng, owner, lowercase, max_length) or ""

        return pick

    def _pool_choice(self, attr: str) -> Picker:
        """``rng.choice(pools.<attr>)``, the same draw, with the pool looked up on first use (Faker stays unloaded
        until a value is needed)."""
        fake = self
        pool: tuple[str, ...] = ()
        size = bits = 0

        def pick(rng: random.Random) -> str:
            nonlocal pool, size, bits
            if not size:
                pool = getattr(fake.pools, attr)
                size, bits = len(pool), len(pool).bit_length()
                if not size:
                    raise IndexError("Cannot choose from an empty sequence")
            draw = rng.getrandbits(bits)  # random.Random._randbelow, inline: the same numbers as rng.choice
            while draw >= size:
                draw = rng.getrandbits(bits)
            return pool[draw]

        return pick

    def _url_picker(self, middle: str, tail: str = "") -> Picker:
        domains, words = self._pool_choice("domains"), self._pool_choice("words")
        return lambda rng: f"https://{domains(rng)}{middle}{words(rng)}{tail}"

    def identifier(self, rng: random.Random, resource: str | None) -> str:
        """``cus_…`` for a customer, Stripe-style: a short prefix and 14 random letters and digits."""
        tail = "".join(rng.choice(_ALNUM) for _ in range(14))
        if not resource:
            return tail
        key = snake(resource)
        prefix = ID_PREFIXES.get(key) or re.sub(r"[^a-z]", "", key)[:3]
        return f"{prefix}_{tail}" if prefix else tail

    def text(self, rng: random.Random, min_length: int = 0, max_length: int | None = None) -> str:
        """Plain words, sized to the bounds: what a free-text field with no name hint gets."""
        p = self.pools
        high = max_length if max_length is not None else max(min_length, 24)
        words = [rng.choice(p.words)]
        length = len(words[0])
        while length < min_length:  # joined once at the end: growing a str word by word is quadratic
            words.append(rng.choice(p.words))
            length += len(words[-1]) + 1
        value = " ".join(words)
        if len(value) > high:
            value = value[:high].rstrip() if high > 0 else ""
            if len(value) < min_length:
                value = value.ljust(min_length, "x")
        return value

    def word(self, rng: random.Random) -> str:
        return rng.choice(self.pools.words)

    def word_picker(self) -> Picker:
        """``word``, as a picker decided once: the same draw, without the pool looked up per call."""
        return self._pool_choice("words")

    def text_picker(self, min_length: int = 0, max_length: int | None = None) -> Picker:
        """``text`` with its bounds decided once: the same draws and values. With no ``min_length`` (most free
        text), one word cut to ``max_length``, as ``text`` does."""
        if min_length > 0:
            return lambda rng: self.text(rng, min_length, max_length)
        word = self.word_picker()
        high = max_length if max_length is not None else 24

        def pick(rng: random.Random) -> str:
            value = word(rng)
            if len(value) > high:
                return value[:high].rstrip() if high > 0 else ""
            return value

        return pick

    # -- numbers -------------------------------------------------------------------------------
    def integer_by_name(self, name: str, rng: random.Random) -> int | None:
        key = snake(name)
        last = key.rsplit("_", 1)[-1]
        if key in ("created", "updated", "timestamp", "date") or key.endswith(("_at", "_date", "_time", "_on")):
            return rng.randint(_EPOCH_LOW, _EPOCH_HIGH)
        if key in _MONEY or last in ("amount", "price", "total", "fee", "balance"):
            return rng.randint(1, 2000) * 50  # minor units: 0.50 .. 1000.00
        if key in ("quantity", "qty", "count", "seats"):
            return rng.randint(1, 10)
        if key == "age":
            return rng.randint(18, 90)
        if key in ("year",):
            return rng.randint(2015, 2030)
        if key in ("month", "exp_month"):
            return rng.randint(1, 12)
        if key in ("exp_year",):
            return rng.randint(2026, 2032)
        if key in ("percent", "percentage", "percent_off"):
            return rng.randint(1, 100)
        return None

    def number_by_name(self, name: str, rng: random.Random) -> float | None:
        key = snake(name)
        if key in ("lat", "latitude"):
            return round(rng.uniform(-80, 80), 6)
        if key in ("lng", "lon", "long", "longitude"):
            return round(rng.uniform(-179, 179), 6)
        if key in _MONEY or key.rsplit("_", 1)[-1] in ("amount", "price", "total"):
            return round(rng.uniform(1, 1000), 2)
        if key in ("percent", "percentage", "rate", "percent_off"):
            return round(rng.uniform(0, 100), 2)
        return None

    # -- helpers -------------------------------------------------------------------------------
    @staticmethod
    def _datetime(rng: random.Random) -> datetime:
        return datetime.fromtimestamp(rng.randint(_EPOCH_LOW, _EPOCH_HIGH), tz=UTC)

    @staticmethod
    def _e164(rng: random.Random) -> str:
        return "+1" + str(rng.randint(201, 989)) + "".join(str(rng.randint(0, 9)) for _ in range(7))


_PERSON_OWNERS = ("customer", "person", "user", "contact", "owner", "individual", "member", "employee", "cardholder")
# the keys of the rules of ``Fake._by_key`` between its URL rule and its title rule
_BETWEEN_URL_AND_TEXT = frozenset({"domain", "hostname", "host", "company", "organization", "organisation",
                                   "company_name", "business_name", "employer", "username", "user_name", "login",
                                   "handle", "nickname", "screen_name", "locale", "language_tag", "language", "lang",
                                   "timezone", "time_zone", "tz", "color", "colour", "ip", "ip_address", "client_ip",
                                   "user_agent"})  # fmt: skip


def character_table(alphabet: str) -> bytes:
    """A ``bytes.translate`` table for ``draw_characters``: a 32-bit draw's top byte to the character
    ``rng.choice(alphabet)`` picks from the same draw (62 characters: the draw's top 6 bits), ``!`` where it draws
    again (62 and 63)."""
    if len(alphabet) != 62 or "!" in alphabet or not alphabet.isascii():
        raise ValueError("an alphabet of 62 ASCII characters without '!'")
    return bytes(ord(alphabet[top >> 2]) if top >> 2 < 62 else ord("!") for top in range(256))


def draw_characters(rng: random.Random, count: int, table: bytes) -> str:
    """``"".join(rng.choice(alphabet) for _ in range(count))`` for the 62-character ``alphabet`` of ``table``,
    with the same characters and the same rng state after, in a few C calls instead of some 6 frames a character.

    ``rng.choice`` over 62 items draws ``getrandbits(6)``, the top 6 bits of one 32-bit Mersenne Twister output,
    and draws again past 61; ``getrandbits(32 * n)`` returns the next n outputs, the first in the lowest bits. So
    the top byte of each output, translated, is the character (or a redraw, dropped); what is still missing is
    drawn the same way, as many outputs as characters are missing, so no output is drawn that the loop would not
    have drawn (tests/openapi/test_fake_fast.py and test_mock_fast.py hold the two equal)."""
    out = ""
    need = count
    while need > 0:
        text = rng.getrandbits(32 * need).to_bytes(4 * need, "little")[3::4].translate(table).decode("ascii")
        if "!" in text:
            text = text.replace("!", "")
        out += text
        need = count - len(out)
    return out


_ALNUM_TABLE = character_table(_ALNUM)


def _alnum(rng: random.Random, count: int) -> str:
    """``"".join(rng.choice(_ALNUM) for _ in range(count))``, the same draws (see ``draw_characters``)."""
    return draw_characters(rng, count, _ALNUM_TABLE)


def _id_picker(resource: str | None) -> Picker:
    """``Fake.identifier(rng, resource)`` with its prefix decided now."""
    if not resource:
        return lambda rng: _alnum(rng, 14)
    key = snake(resource)
    prefix = ID_PREFIXES.get(key) or re.sub(r"[^a-z]", "", key)[:3]
    if not prefix:
        return lambda rng: _alnum(rng, 14)
    head = prefix + "_"
    return lambda rng: head + _alnum(rng, 14)


_EPOCH_SPAN = _EPOCH_HIGH - _EPOCH_LOW + 1
_EPOCH_BITS = _EPOCH_SPAN.bit_length()


def _date_picker(shape: str, parts: int) -> Picker:
    """``Fake._datetime(rng)`` formatted (UTC), the same draw as ``rng.randint(_EPOCH_LOW, _EPOCH_HIGH)``."""
    gmtime = time.gmtime

    def pick(rng: random.Random) -> str:
        draw = rng.getrandbits(_EPOCH_BITS)
        while draw >= _EPOCH_SPAN:
            draw = rng.getrandbits(_EPOCH_BITS)
        return shape % gmtime(_EPOCH_LOW + draw)[:parts]

    return pick
