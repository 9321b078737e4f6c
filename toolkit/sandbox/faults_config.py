"""The ``[apis.NAME.faults]`` table of ``sandbox.toml``, checked: what the ``faults`` layer injects, and how often.

Every key is optional; an empty table turns nothing on (the layer then only honours ``Prefer: ctk-...``)::

    [apis.payments.faults]
    latency = { fixed_ms = 200 }                        # or { min_ms = 50, max_ms = 500 } (uniform)
                                                        # or { median_ms = 80, sigma = 0.5, max_ms = 2000 } (log-normal)
    error_rate = 0.1                                    # 0..1: answered with the contract's declared error
    error_status = 503                                  # REST: the status wanted (400..599; default 503)
    fail_first = 2                                      # the first N calls of each session fail
    outage = { every_s = 60, for_s = 10 }               # a window from server start, repeating;
                                                        # or { start = "2026-01-01T10:00:00Z", end = "..." }
    connection = { reset = 0.01, empty = 0.01, truncated = 0.01, malformed_chunk = 0.01 }  # rates, sum <= 1
    trickle_bytes_per_s = 1024                          # the body sent slowly, this many bytes a second

    [apis.payments.faults.operations."POST /payment_intents"]
    error_rate = 0.5                                    # any key above, for this operation only

An operation is named by the id ctk reports for it (``POST /payment_intents``, ``GetAccount`` or the full SOAP
id ``CrmService/CrmSoap11Port/GetAccount``, a GraphQL root field id). Its table replaces the top-level value of
each key it sets, and inherits the others.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any

from toolkit.errors import ConfigError

CONNECTION_FAULTS = ("reset", "empty", "truncated", "malformed-chunk")
_CONNECTION_KEYS = {name.replace("-", "_"): name for name in CONNECTION_FAULTS}
_LATENCY_FORMS = ({"fixed_ms"}, {"min_ms", "max_ms"}, {"median_ms", "sigma"}, {"median_ms", "sigma", "max_ms"})
_KEYS = (
    "latency", "error_rate", "error_status", "fail_first", "outage", "connection", "trickle_bytes_per_s", "operations",
)  # fmt: skip
_MAX_MS = 600_000.0  # ten minutes: a longer latency is a mistake, and would hold a connection as long


@dataclass(frozen=True, slots=True)
class Latency:
    """A delay drawn per request, in seconds: fixed, uniform in [low, high], or log-normal (median, sigma) capped."""

    kind: str  # "fixed", "uniform" or "lognormal"
    low: float  # fixed: the delay; uniform: the least; lognormal: the median
    high: float = 0.0  # uniform: the most; lognormal: the cap (0: none)
    sigma: float = 0.0

    def draw(self, rng: Any) -> float:
        if self.kind == "fixed":
            return self.low
        if self.kind == "uniform":
            return rng.uniform(self.low, self.high)  # type: ignore[no-any-return]
        value: float = rng.lognormvariate(math.log(self.low), self.sigma) if self.low > 0 else 0.0
        return min(value, self.high) if self.high else value


@dataclass(frozen=True, slots=True)
class Outage:
    """Periodic (``every``/``length`` seconds from server start) or absolute (``start``/``end``, UTC)."""

    every: float = 0.0
    length: float = 0.0
    start: datetime | None = None
    end: datetime | None = None

    def active(self, now: float, started: float) -> bool:
        if self.start is not None and self.end is not None:
            return self.start.timestamp() <= now < self.end.timestamp()
        return (now - started) % self.every < self.length

    def remaining(self, now: float, started: float) -> float:
        """Seconds until the window ``now`` falls in ends (what ``Retry-After`` tells a client during it)."""
        if self.start is not None and self.end is not None:
            return max(0.0, self.end.timestamp() - now)
        return max(0.0, self.length - (now - started) % self.every)


@dataclass(frozen=True, slots=True)
class Faults:
    """What one operation (or every one) suffers; all off by default."""

    latency: Latency | None = None
    error_rate: float = 0.0
    error_status: int | None = None
    fail_first: int = 0
    outage: Outage | None = None
    connection: tuple[tuple[str, float], ...] = ()  # (fault, rate), in CONNECTION_FAULTS order
    trickle_bytes_per_s: int = 0

    @property
    def random(self) -> bool:
        """Whether a request needs the seeded draw (and so its number in the session)."""
        return bool(self.error_rate or self.connection or (self.latency is not None and self.latency.kind != "fixed"))


@dataclass(frozen=True)
class FaultsConfig:
    base: Faults = Faults()
    operations: dict[str, Faults] = field(default_factory=dict)
    fail_first_operations: frozenset[str] = frozenset()  # operations counting their own fail_first

    def for_operation(self, operation: str | None) -> tuple[Faults, str | None]:
        """The faults of ``operation`` and the key its table has (None: the top-level table applies)."""
        if operation is None or not self.operations:
            return self.base, None
        found = self.operations.get(operation)
        if found is not None:
            return found, operation
        short = operation.rsplit("/", 1)[-1]
        found = self.operations.get(short)
        return (found, short) if found is not None else (self.base, None)


def parse_faults(table: Mapping[str, Any], where: str) -> FaultsConfig:
    """Check ``[apis.NAME.faults]`` (``where`` names the API's table, e.g. ``[apis.payments]``)."""
    prefix = f"sandbox.toml {where}.faults."
    if not isinstance(table, Mapping):
        raise ConfigError(f"{prefix.rstrip('.')} must be a table", where=where)
    base_values = _values(table, prefix, where, top=True)
    base = Faults(**base_values)
    operations: dict[str, Faults] = {}
    counting: set[str] = set()
    ops = table.get("operations", {})
    if not isinstance(ops, Mapping):
        raise ConfigError(f"{prefix}operations must be a table of operation tables", where=where)
    for name, op_table in ops.items():
        op_prefix = f'{prefix}operations."{name}".'
        if not isinstance(op_table, Mapping):
            raise ConfigError(f"{op_prefix.rstrip('.')} must be a table", where=where)
        values = _values(op_table, op_prefix, where, top=False)
        operations[str(name)] = replace(base, **values)
        if "fail_first" in values:
            counting.add(str(name))
    return FaultsConfig(base, operations, frozenset(counting))


def _values(table: Mapping[str, Any], prefix: str, where: str, *, top: bool) -> dict[str, Any]:
    known = _KEYS if top else _KEYS[:-1]
    _known_keys(table, known, prefix, where)
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = prefix + key
        if key == "latency":
            out[key] = _latency(value, name, where)
        elif key == "error_rate":
            out[key] = _rate(value, name, where)
        elif key == "error_status":
            out[key] = _integer(value, name, where, 400, 599)
        elif key == "fail_first":
            out[key] = _integer(value, name, where, 0, 1_000_000)
        elif key == "outage":
            out[key] = _outage(value, name, where)
        elif key == "connection":
            out[key] = _connection(value, name, where)
        elif key == "trickle_bytes_per_s":
            out[key] = _integer(value, name, where, 1, 1 << 30)
    assert set(out) <= {f.name for f in fields(Faults)}
    return out


def _known_keys(table: Mapping[str, Any], known: tuple[str, ...], prefix: str, where: str) -> None:
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known)}"
            raise ConfigError(f"unknown key {prefix}{key}", where=where, hint=hint)


def _number(value: Any, name: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{name} must be a number, not {value!r}", where=where)
    return float(value)


def _rate(value: Any, name: str, where: str) -> float:
    rate = _number(value, name, where)
    if not 0.0 <= rate <= 1.0:
        raise ConfigError(f"{name} must be between 0 and 1 (a probability), not {value!r}", where=where)
    return rate


def _integer(value: Any, name: str, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, not {value!r}", where=where)
    return value


def _milliseconds(table: Mapping[str, Any], key: str, name: str, where: str) -> float:
    value = _number(table[key], f"{name}.{key}", where)
    if not 0.0 <= value <= _MAX_MS:
        raise ConfigError(f"{name}.{key} must be from 0 to {_MAX_MS:g} milliseconds, not {table[key]!r}", where=where)
    return value / 1000.0


def _latency(value: Any, name: str, where: str) -> Latency:
    forms = " | ".join("{ " + ", ".join(sorted(form)) + " }" for form in _LATENCY_FORMS)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = {"fixed_ms": value}  # latency = 200: a fixed delay
    if not isinstance(value, Mapping):
        raise ConfigError(f"{name} must be a table: {forms}", where=where)
    _known_keys(value, ("fixed_ms", "min_ms", "max_ms", "median_ms", "sigma"), name + ".", where)
    if set(value) not in _LATENCY_FORMS:
        raise ConfigError(f"{name} must be one of {forms}, not {dict(value)!r}", where=where)
    if "fixed_ms" in value:
        return Latency("fixed", _milliseconds(value, "fixed_ms", name, where))
    if "min_ms" in value:
        low, high = _milliseconds(value, "min_ms", name, where), _milliseconds(value, "max_ms", name, where)
        if high < low:
            raise ConfigError(f"{name}.max_ms must not be below {name}.min_ms", where=where)
        return Latency("uniform", low, high)
    sigma = _number(value["sigma"], f"{name}.sigma", where)
    if not 0.0 <= sigma <= 10.0:
        raise ConfigError(f"{name}.sigma must be from 0 to 10, not {value['sigma']!r}", where=where)
    cap = _milliseconds(value, "max_ms", name, where) if "max_ms" in value else _MAX_MS / 1000.0
    return Latency("lognormal", _milliseconds(value, "median_ms", name, where), cap, sigma)


def _outage(value: Any, name: str, where: str) -> Outage:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{name} must be a table: {{ every_s, for_s }} or {{ start, end }}", where=where)
    _known_keys(value, ("every_s", "for_s", "start", "end"), name + ".", where)
    if set(value) == {"every_s", "for_s"}:
        every, length = (
            _number(value["every_s"], f"{name}.every_s", where),
            _number(value["for_s"], f"{name}.for_s", where),
        )
        if every <= 0 or not 0 <= length <= every:
            raise ConfigError(f"{name} needs every_s > 0 and 0 <= for_s <= every_s", where=where)
        return Outage(every, length)
    if set(value) == {"start", "end"}:
        start, end = _instant(value["start"], f"{name}.start", where), _instant(value["end"], f"{name}.end", where)
        if end <= start:
            raise ConfigError(f"{name}.end must be after {name}.start", where=where)
        return Outage(start=start, end=end)
    raise ConfigError(f"{name} must be {{ every_s, for_s }} or {{ start, end }}, not {dict(value)!r}", where=where)


def _instant(value: Any, name: str, where: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ConfigError(
                f"{name} must be an ISO date-time (2026-01-01T10:00:00Z), not {value!r}", where=where
            ) from None
    else:
        raise ConfigError(f"{name} must be an ISO date-time, not {value!r}", where=where)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _connection(value: Any, name: str, where: str) -> tuple[tuple[str, float], ...]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{name} must be a table of rates: {', '.join(_CONNECTION_KEYS)}", where=where)
    _known_keys(value, tuple(_CONNECTION_KEYS), name + ".", where)
    rates = {key: _rate(rate, f"{name}.{key}", where) for key, rate in value.items()}
    if sum(rates.values()) > 1.0 + 1e-9:
        raise ConfigError(f"{name}: the rates add up to more than 1", where=where)
    return tuple((fault, rates[key]) for key, fault in _CONNECTION_KEYS.items() if rates.get(key))
