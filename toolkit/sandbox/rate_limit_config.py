"""The ``[apis.NAME.rate_limit]`` table of sandbox.toml, checked and read into ``RateLimits``.

Each mistake is a ``ConfigError`` naming the key as ``sandbox.toml [apis.NAME].rate_limit.KEY`` (an unknown
key with a did-you-mean); the keys are listed in ``toolkit.sandbox.rate_limit``'s docstring.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from toolkit.errors import ConfigError

__all__ = ["ALGORITHMS", "HEADER_STYLES", "Quota", "RateLimits", "parse_rate_limits"]

ALGORITHMS = ("fixed_window", "token_bucket")
HEADER_STYLES = ("ratelimit", "x-ratelimit", "none")
_QUOTA_KEYS = {"requests", "per", "per_s", "algorithm", "burst"}
_TOP_KEYS = _QUOTA_KEYS | {"headers", "operations"}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_MAX_WINDOW = 366 * 86400.0  # a year: longer is a typo, and a counter's ttl that long is never useful


@dataclass(frozen=True, slots=True)
class Quota:
    """How many requests a credential may send: ``requests`` per ``window`` seconds, counted by ``algorithm``;
    ``burst`` is a token bucket's capacity (``requests`` unless set). ``scope`` names the counter: ``*`` for the
    API's quota, the operation id (``POST /payment_intents``) for an operation's own."""

    requests: int
    window: float
    algorithm: str = "fixed_window"
    burst: int = 0
    scope: str = "*"

    @property
    def rate(self) -> float:
        """Tokens a bucket gains per second."""
        return self.requests / self.window

    @property
    def capacity(self) -> int:
        return self.burst or self.requests


@dataclass(frozen=True, slots=True)
class RateLimits:
    """The API's quota, the operations' own quotas (by operation id), and which header fields every answer gets."""

    quota: Quota
    headers: str = "ratelimit"
    operations: dict[str, Quota] = field(default_factory=dict)


def parse_rate_limits(table: Mapping[str, Any], *, where: str, operation_ids: Collection[str] | None) -> RateLimits:
    """``table`` checked; ``operation_ids``: the operations a per-operation quota may name (None: the protocol
    has no per-operation quotas, so an ``operations`` table is refused)."""
    if not isinstance(table, Mapping):
        raise ConfigError("rate_limit must be a table", where=f"sandbox.toml {where}.rate_limit")
    _known(table, _TOP_KEYS, "", where)
    headers = table.get("headers", "ratelimit")
    if headers not in HEADER_STYLES:
        raise ConfigError(
            f"headers must be one of {', '.join(map(repr, HEADER_STYLES))}, not {headers!r}",
            where=_place(where, "headers"),
            hint="'ratelimit': RateLimit-Limit/-Remaining/-Reset (IETF draft); 'x-ratelimit': X-RateLimit-*; "
            "'none': only Retry-After on a 429",
        )
    base = {key: value for key, value in table.items() if key in _QUOTA_KEYS}
    quota = _quota(base, "", where, "*")
    operations: dict[str, Quota] = {}
    raw_operations = table.get("operations", {})
    if raw_operations:
        if not isinstance(raw_operations, Mapping):
            raise ConfigError(
                'operations must be a table of tables ([...rate_limit.operations."POST /payment_intents"])',
                where=_place(where, "operations"),
            )
        if operation_ids is None:
            raise ConfigError(
                "per-operation quotas are available for REST (OpenAPI) APIs only",
                where=_place(where, "operations"),
                hint="remove the operations table: the API's quota applies to every request",
            )
        for name, override in raw_operations.items():
            prefix = f'operations."{name}".'
            if name not in operation_ids:
                close = difflib.get_close_matches(str(name), sorted(operation_ids), n=1)
                hint = (
                    f"did you mean {close[0]!r}?"
                    if close
                    else "an operation is named 'METHOD /path' as in the contract"
                )
                raise ConfigError(f"no operation {name!r} in the contract", where=_place(where, f'operations."{name}"'),
                                  hint=hint)  # fmt: skip
            if not isinstance(override, Mapping):
                raise ConfigError("must be a table", where=_place(where, prefix.rstrip(".")))
            _known(override, _QUOTA_KEYS, prefix, where)
            merged = dict(base)
            if "per" in override or "per_s" in override:  # the operation's window replaces the API's
                merged.pop("per", None)
                merged.pop("per_s", None)
            if "algorithm" in override:  # and its algorithm the API's (a burst belongs to a bucket)
                merged.pop("burst", None)
            merged.update(override)
            operations[str(name)] = _quota(merged, prefix, where, str(name))
    return RateLimits(quota, str(headers), operations)


def _quota(table: Mapping[str, Any], prefix: str, where: str, scope: str) -> Quota:
    requests = table.get("requests")
    if requests is None:
        raise ConfigError(f"{prefix}requests is required", where=_place(where, prefix + "requests"),
                          hint="requests = 100 and per = \"1m\": 100 requests a minute per credential")  # fmt: skip
    if isinstance(requests, bool) or not isinstance(requests, int) or requests < 1:
        raise ConfigError(
            f"{prefix}requests must be a whole number of at least 1, not {requests!r}",
            where=_place(where, prefix + "requests"),
        )
    window = _window(table, prefix, where)
    algorithm = table.get("algorithm", "fixed_window")
    if algorithm not in ALGORITHMS:
        close = difflib.get_close_matches(str(algorithm), ALGORITHMS, n=1)
        raise ConfigError(
            f"{prefix}algorithm must be one of {', '.join(map(repr, ALGORITHMS))}, not {algorithm!r}",
            where=_place(where, prefix + "algorithm"),
            hint=f"did you mean {close[0]!r}?" if close else None,
        )
    burst = table.get("burst", 0)
    if "burst" in table:
        if algorithm != "token_bucket":
            raise ConfigError(
                f"{prefix}burst applies to algorithm = 'token_bucket' only",
                where=_place(where, prefix + "burst"),
                hint='add algorithm = "token_bucket" or remove burst',
            )
        if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
            raise ConfigError(
                f"{prefix}burst must be a whole number of at least 1, not {burst!r}",
                where=_place(where, prefix + "burst"),
            )
    return Quota(requests, window, str(algorithm), int(burst), scope)


def _window(table: Mapping[str, Any], prefix: str, where: str) -> float:
    if "per" in table and "per_s" in table:
        raise ConfigError(f"{prefix}per and {prefix}per_s both set the window: keep one",
                          where=_place(where, prefix + "per_s"))  # fmt: skip
    if "per_s" in table:
        value = table["per_s"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise ConfigError(f"{prefix}per_s must be a positive number of seconds, not {value!r}",
                              where=_place(where, prefix + "per_s"))  # fmt: skip
        seconds = float(value)
        key = "per_s"
    else:
        text = table.get("per", "1m")
        found = _DURATION.match(text) if isinstance(text, str) else None
        if found is None:
            raise ConfigError(
                f'{prefix}per must be a duration like "1s", "500ms", "1m", "1h" or "1d", not {text!r}',
                where=_place(where, prefix + "per"),
                hint="or per_s = 60 (seconds, a number)",
            )
        seconds = float(found.group(1)) * _UNITS[found.group(2)]
        key = "per"
    if not 0.001 <= seconds <= _MAX_WINDOW:
        raise ConfigError(f"{prefix}{key} must be between 1 ms and 366 days, not {seconds:g} s",
                          where=_place(where, prefix + key))  # fmt: skip
    return seconds


def _known(table: Mapping[str, Any], allowed: set[str], prefix: str, where: str) -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(sorted(allowed))}"
            raise ConfigError(f"unknown key '{prefix}{key}'", where=_place(where, prefix + str(key)), hint=hint)


def _place(where: str, key: str) -> str:
    return f"sandbox.toml {where}.rate_limit.{key}"
