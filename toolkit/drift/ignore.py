"""The ignore file: changes a team has looked at and accepted, each for a reason and until a date.

Every entry must say why and until when, so an ignore cannot silently outlive its reason: once its
date has passed it stops matching (the change counts again) and the report warns, naming the entry.

    [[ignore]]
    id = "response-optional-property-removed"    # the rule id, exactly
    location = "/components/schemas/Customer/*"  # exact, or a glob: * any run of characters, ? one
    api = "payments"                             # optional: only this API
    operation = "GET /customers*"                # optional: only changes affecting a matching operation
    reason = "we never read fax"                 # required
    expires = 2027-03-31                         # required; the entry holds through that day

Only ``*`` and ``?`` are wildcards: ``[`` is literal, because WSDL element paths are full of
``[@name='...']`` and fnmatch would read those as character classes.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.drift.errors import IgnoreFileError
from toolkit.model import Change
from toolkit.sources import display_name

DEFAULT_NAME = "drift-ignore.toml"
_REQUIRED = ("id", "location", "reason", "expires")
_OPTIONAL = ("api", "operation")
_HINT = (
    "each [[ignore]] entry needs id, location, reason and expires (a date such as 2027-03-31); "
    "api and operation are optional"
)
_ENTRY_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*ignore[ \t]*\]\]", re.MULTILINE)
_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")


@functools.cache  # an entry is matched against every change, on every read of the report
def _glob(pattern: str) -> re.Pattern[str]:
    parts = (".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.compile("".join(parts), re.DOTALL)


@dataclass(frozen=True)
class IgnoreEntry:
    """One accepted change (or family of changes, by glob)."""

    id: str
    location: str
    reason: str
    expires: dt.date
    api: str | None = None
    operation: str | None = None
    where: str = ""  # file:line of the entry, to name it in warnings

    def expired(self, today: dt.date) -> bool:
        return today > self.expires

    def matches(self, api: str, change: Change) -> bool:
        """Whether this entry covers ``change`` of ``api`` (expiry is the caller's concern)."""
        if change.id != self.id or (self.api is not None and self.api != api):
            return False
        location = _glob(self.location)
        if not any(place is not None and location.fullmatch(place) for place in (change.old, change.new)):
            return False
        if self.operation is None:
            return True
        operation = _glob(self.operation)
        return any(operation.fullmatch(op) for op in change.operations)

    @property
    def label(self) -> str:
        scope = f" in {self.api}" if self.api else ""
        return f"{self.where}: {self.id} at {self.location}{scope}" if self.where else f"{self.id} at {self.location}"


@dataclass(frozen=True)
class IgnoreList:
    """The entries of one ignore file (or none)."""

    entries: tuple[IgnoreEntry, ...] = ()

    def match(self, api: str, change: Change, today: dt.date) -> IgnoreEntry | None:
        for entry in self.entries:
            if not entry.expired(today) and entry.matches(api, change):
                return entry
        return None

    def warnings(self, today: dt.date) -> list[str]:
        """One line per expired entry: it no longer hides anything, and should be removed or renewed."""
        return [
            f"{entry.label}: ignore entry expired on {entry.expires.isoformat()}; matching changes count again"
            for entry in self.entries
            if entry.expired(today)
        ]


def load_ignore_file(path: Path) -> IgnoreList:
    """Read and validate an ignore file; any mistake is an ``IgnoreFileError`` at file:line."""
    name = display_name(str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise IgnoreFileError("no such file", where=name, hint="check the --ignore path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise IgnoreFileError(f"cannot be read: {exc}", where=name) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        position = _TOML_POSITION.search(str(exc))
        message = _TOML_POSITION.sub("", str(exc)).strip()
        where = f"{name}:{position.group(1)}" if position else name
        raise IgnoreFileError(f"invalid TOML: {message}", where=where, hint=_HINT) from None
    unknown = sorted(set(data) - {"ignore"})
    if unknown:
        raise IgnoreFileError(f"unknown key {unknown[0]!r}", where=name, hint="the file holds [[ignore]] entries only")
    raw = data.get("ignore", [])
    if not isinstance(raw, list):
        raise IgnoreFileError("'ignore' must be an array of tables ([[ignore]])", where=name, hint=_HINT)
    lines: list[int | None] = [text.count("\n", 0, match.start()) + 1 for match in _ENTRY_HEADER.finditer(text)]
    if len(lines) != len(raw):  # entries written as an inline array: no per-entry line to give
        lines = [None] * len(raw)
    return IgnoreList(
        entries=tuple(_entry(item, f"{name}:{line}" if line else name) for item, line in zip(raw, lines, strict=True))
    )


def _entry(item: Any, where: str) -> IgnoreEntry:
    if not isinstance(item, dict):
        raise IgnoreFileError("an ignore entry must be a table", where=where, hint=_HINT)
    for key in item:
        if key not in _REQUIRED + _OPTIONAL:
            close = difflib.get_close_matches(key, _REQUIRED + _OPTIONAL, n=1)
            hint = f"did you mean {close[0]!r}?" if close else _HINT
            raise IgnoreFileError(f"unknown key {key!r} in an ignore entry", where=where, hint=hint)
    for key in _REQUIRED:
        if key not in item:
            raise IgnoreFileError(f"ignore entry has no {key!r}", where=where, hint=_HINT)
    strings = {key: item[key] for key in ("id", "location", "reason", *_OPTIONAL) if key in item}
    for key, value in strings.items():
        if not isinstance(value, str) or not value.strip():
            raise IgnoreFileError(f"{key!r} must be a non-empty string", where=where, hint=_HINT)
    return IgnoreEntry(
        id=strings["id"],
        location=strings["location"],
        reason=strings["reason"].strip(),
        expires=_date(item["expires"], where),
        api=strings.get("api"),
        operation=strings.get("operation"),
        where=where,
    )


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise IgnoreFileError(
        f"'expires' must be a date such as 2027-03-31, not {value!r}",
        where=where,
        hint="write it unquoted: a TOML date",
    )
