"""The request journal: the last requests the sandbox answered, in a bounded ring, for the admin API and the dashboard.

Each entry says what was asked and what happened (operation, status, latency, violations with their places,
deprecated uses, injected faults, whether no operation matched and the nearest ones), never what a request
carried: no header and no body is stored, and the query keeps its shape with the values of secret-like
parameters (``api_key``, ``token``, ``password``, ... and the contract's query API keys) replaced by ``***``;
a violation about a credential header or a secret-like parameter keeps its place, not its message (which may
quote the value). A violation's message about a body field quotes what the validator quotes.
The ring holds at most ``size`` entries (``ctk serve --journal-size``); the oldest go first. Thread-safe.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from toolkit.exchange import Violation
from toolkit.sandbox.recording.shapes import SHAPES
from toolkit.sandbox.recording.shapes import is_secret_name as shapes_secret_name
from toolkit.workspace import MAX_JOURNAL

__all__ = ["DEFAULT_SIZE", "MAX_SIZE", "Entry", "Filter", "FilterError", "Journal", "NearMiss", "redact_query",
           "safe_violations"]  # fmt: skip

DEFAULT_SIZE = 1000
MAX_SIZE = MAX_JOURNAL
MAX_PATH = 2048  # characters of a path or query kept: a 60 KB path costs the ring no more than this
MAX_VIOLATIONS = 20  # violations kept per entry (the answer itself says how many in all)
MAX_LIMIT = 10_000  # entries one GET /__ctk/requests returns at most
REDACTED = "***"


def is_secret_name(name: str, extra: frozenset[str] = frozenset()) -> bool:
    """Whether a parameter or header named ``name`` carries a secret: the recorder's rule (``recording.shapes``, query
    names included: ``api_key``, ``refresh_token``, ``x-api-key``, ``clientSecret``, ``stripe_key``), or one of
    ``extra`` (the contract's apiKey names)."""
    stripped = name.strip()
    return stripped.lower() in extra or shapes_secret_name(stripped, query=True)


def redact_query(query: str, extra: frozenset[str] = frozenset()) -> str:
    """``query`` as sent, but the value of each secret-like parameter replaced by ``***``; cut to ``MAX_PATH``."""
    if not query:
        return ""
    parts = query[: MAX_PATH * 2].split("&")
    out = []
    for part in parts:
        name, sep, _ = part.partition("=")
        if sep and is_secret_name(unquote_plus(name), extra):
            out.append(f"{name}={REDACTED}")
        else:
            out.append(part)
    shown = "&".join(out)
    return shown if len(shown) <= MAX_PATH else shown[:MAX_PATH] + "…"


_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})


def safe_violations(violations: tuple[Violation, ...], extra: frozenset[str] = frozenset()) -> tuple[Violation, ...]:
    """``violations`` (at most ``MAX_VIOLATIONS``) with the message of each about a credential header or a
    secret-like parameter replaced: a validator's message may quote the value it refused."""
    kept = violations[:MAX_VIOLATIONS]
    if not any(_secret_violation(violation, extra) for violation in kept):
        return kept
    return tuple(
        Violation(v.part, _HIDDEN.format(place=v.name or v.pointer), v.name, v.pointer)
        if _secret_violation(v, extra)
        else v
        for v in kept
    )


_HIDDEN = "the value of {place} is not valid here (" + REDACTED + ": not shown)"


def _secret_violation(violation: Violation, extra: frozenset[str]) -> bool:
    """A violation whose message may quote a secret: about a credential header or a secret-like parameter, about a
    body field with a secret-like name anywhere on its pointer (``/credentials/password``), or whose message holds
    a secret's shape (a JWT, a cloud key: ``recording.shapes``, the same shapes recordings are scrubbed of)."""
    name = violation.name
    if name and (name.lower() in _CREDENTIAL_HEADERS or is_secret_name(name, extra)):
        return True
    pointer = violation.pointer
    if pointer and any(is_secret_name(segment, extra) for segment in pointer.split("/") if segment):
        return True
    return any(pattern.search(violation.message) for _, pattern in SHAPES)


@dataclass(frozen=True, slots=True)
class NearMiss:
    """An operation close to a request that matched none, and why it did not match."""

    operation: str
    method: str
    path: str
    reason: str
    distance: float  # 0: the same; larger: further away

    def to_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "method": self.method,
            "path": self.path,
            "reason": self.reason,
            "distance": round(self.distance, 3),
        }


@dataclass(slots=True)
class Entry:
    """One request answered. ``id`` is given by the journal (1, 2, ...); ``time`` is seconds since the epoch."""

    time: float
    session: str
    api: str | None
    method: str
    path: str
    query: str  # redacted
    status: int
    latency_ms: float
    operations: tuple[str, ...] = ()
    violations: tuple[Violation, ...] = ()
    deprecated: tuple[str, ...] = ()
    faults: tuple[str, ...] = ()
    unmatched: bool = False
    # the near misses, or how to compute them when first read (an unmatched request's, off the request's path)
    near: tuple[NearMiss, ...] | Callable[[], tuple[NearMiss, ...]] = ()
    id: int = field(default=0)

    @property
    def operation(self) -> str | None:
        return self.operations[0] if self.operations else None

    @property
    def near_misses(self) -> tuple[NearMiss, ...]:
        near = self.near
        if callable(near):
            near = self.near = near()  # a race computes it twice, the same both times
        return near

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "time": rfc3339(self.time),
            "session": self.session,
            "api": self.api,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "latency_ms": round(self.latency_ms, 3),
            "operation": self.operation,
            "operations": list(self.operations),
            "violations": [
                {
                    "part": violation.part,
                    "name": violation.name,
                    "pointer": violation.pointer,
                    "message": violation.message,
                    "location": violation.location,
                }
                for violation in self.violations
            ],
            "deprecated": list(self.deprecated),
            "faults": list(self.faults),
            "unmatched": self.unmatched,
            "near_misses": [miss.to_json() for miss in self.near_misses],
        }


def rfc3339(seconds: float) -> str:
    """``seconds`` since the epoch as RFC 3339 UTC with milliseconds: ``2026-12-02T21:07:35.123Z``."""
    moment = dt.datetime.fromtimestamp(seconds, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FilterError(ValueError):
    """A filter parameter with a value it cannot take; ``name`` is the parameter."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


@dataclass(frozen=True, slots=True)
class Filter:
    """Which entries a query asks for (every field None: all)."""

    api: str | None = None
    operation: str | None = None
    status: int | None = None  # an exact status
    status_class: int | None = None  # 4 for "4xx"
    session: str | None = None
    unmatched: bool | None = None
    since_id: int | None = None
    since_time: float | None = None
    limit: int = 100

    @classmethod
    def parse(cls, items: Iterable[tuple[str, str]], *, default_limit: int = 100) -> Filter:
        """The filter of ``GET /__ctk/requests?api=&operation=&status=&session=&unmatched=&since=&limit=``;
        ``FilterError`` naming the parameter on a bad value or an unknown parameter."""
        known = ("api", "operation", "status", "session", "unmatched", "since", "limit")
        values: dict[str, Any] = {"limit": default_limit}
        for name, value in items:
            if name not in known:
                raise FilterError(name, f"unknown filter {name[:60]!r}; the filters: {', '.join(known)}")
            if name in ("api", "operation", "session"):
                values[name] = value
            elif name == "status":
                values.update(_status(value))
            elif name == "unmatched":
                if value not in ("true", "false"):
                    raise FilterError(name, f"unmatched must be true or false, not {value[:40]!r}")
                values["unmatched"] = value == "true"
            elif name == "since":
                values.update(_since(value))
            else:
                if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_LIMIT:
                    raise FilterError(name, f"limit must be a whole number from 1 to {MAX_LIMIT}, not {value[:40]!r}")
                values["limit"] = int(value)
        return cls(**values)

    def matches(self, entry: Entry) -> bool:
        if self.since_id is not None and entry.id <= self.since_id:
            return False
        if self.since_time is not None and entry.time <= self.since_time:
            return False
        if self.api is not None and entry.api != self.api:
            return False
        if self.operation is not None and self.operation not in entry.operations:
            return False
        if self.status is not None and entry.status != self.status:
            return False
        if self.status_class is not None and entry.status // 100 != self.status_class:
            return False
        if self.session is not None and entry.session != self.session:
            return False
        return self.unmatched is None or entry.unmatched == self.unmatched


def _status(value: str) -> dict[str, int]:
    text = value.strip().lower()
    if len(text) == 3 and text[0] in "12345" and text[1:] == "xx":
        return {"status_class": int(text[0])}
    if text.isascii() and text.isdigit() and len(text) == 3 and 100 <= int(text) <= 599:
        return {"status": int(text)}
    raise FilterError("status", f"status must be a status like 404 or a class like 4xx, not {value[:40]!r}")


def _since(value: str) -> dict[str, Any]:
    if value.isascii() and value.isdigit():
        return {"since_id": int(value[:18])}
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise FilterError(
            "since", f"since must be an entry id or an RFC 3339 time like 2026-01-31T12:00:00Z, not {value[:60]!r}"
        )
    return {"since_time": moment.timestamp()}


class Journal:
    """The ring of the last ``size`` entries (``Sandbox.flush`` records them in batches)."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        if not 1 <= size <= MAX_SIZE:
            raise ValueError(f"a journal holds 1 to {MAX_SIZE} entries, not {size}")
        self.size = size
        self._entries: deque[Entry] = deque(maxlen=size)
        self._lock = threading.Lock()
        self._next = 1

    def __len__(self) -> int:
        return len(self._entries)

    def record(self, entry: Entry) -> Entry:
        """Keep ``entry`` (the oldest goes when the ring is full), giving it the next id."""
        with self._lock:
            entry.id = self._next
            self._next += 1
            self._entries.append(entry)
        return entry

    def record_many(self, entries: Iterable[Entry]) -> None:
        """``record`` each of ``entries``, in order, under one lock (``Sandbox.flush``: a batch at a time)."""
        with self._lock:
            number = self._next
            append = self._entries.append
            for entry in entries:
                entry.id = number
                number += 1
                append(entry)
            self._next = number

    def find(self, wanted: Filter) -> tuple[list[Entry], int]:
        """The entries ``wanted`` selects, newest first and at most ``wanted.limit``, and how many it selects."""
        with self._lock:
            entries = list(self._entries)
        chosen = [entry for entry in reversed(entries) if wanted.matches(entry)]
        return chosen[: wanted.limit], len(chosen)

    def count(self, wanted: Filter) -> int:
        with self._lock:
            entries = list(self._entries)
        return sum(1 for entry in entries if wanted.matches(entry))

    def clear(self, *, api: str | None = None, session: str | None = None) -> int:
        """Forget every entry (of ``api`` and/or ``session`` when given); how many went. Ids keep counting up,
        so a dashboard polling with ``since`` never sees an old id again."""
        with self._lock:
            before = len(self._entries)
            if api is None and session is None:
                self._entries.clear()
                return before
            kept = [
                entry
                for entry in self._entries
                if not ((api is None or entry.api == api) and (session is None or entry.session == session))
            ]
            self._entries.clear()
            self._entries.extend(kept)
            return before - len(kept)
