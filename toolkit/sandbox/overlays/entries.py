"""Reading ``mocks/<api>/``: ``overlays.toml`` and ``examples/**/*.json`` into entries that know their place.

An ``Entry`` is one ``[[overlay]]`` table or one example file: its keys as written, where it is
(``file:line``), and the folder the files it names (``json_file``, ``xml_file``) are read from. The protocol
modules (``rest``, ``soap``, ``graphql``) check what the keys mean against the contract; this module checks
only what every protocol shares: the file can be read, it is TOML or a JSON object, a key's value has the
right kind, a named file stays inside ``mocks/<api>/``. Every refusal is a ``ConfigError`` naming the file
and line, with a "did you mean" hint for a misspelt key.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.documents import PointerLines
from toolkit.errors import ConfigError
from toolkit.exchange import Request
from toolkit.sandbox.mocks_files import read_mocks_file

__all__ = [
    "EXAMPLES",
    "FILE_NAME",
    "Entry",
    "Example",
    "check_keys",
    "contains",
    "did_you_mean",
    "equal",
    "example_asked",
    "first_values",
    "headers_match",
    "headers_of",
    "read_examples",
    "read_overlays",
    "string",
    "table",
    "text",
]

FILE_NAME = "overlays.toml"
EXAMPLES = "examples"
_ENTRY = re.compile(r"^\s*\[\[\s*overlay\s*\]\]")
_EXAMPLE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@dataclass(frozen=True)
class Entry:
    """One overlay (a ``[[overlay]]`` table) or one example file's object, and where it is written."""

    keys: Mapping[str, Any]
    where: str  # "file:line" of the [[overlay]] header, or of the example file's first line
    folder: Path  # mocks/<api>/: files the entry names are read from here
    lines: PointerLines | None = None  # an example file: JSON pointer -> line, for messages

    def at(self, pointer: str) -> str:
        """Where the value at ``pointer`` (``/json/id``) is written: its line in an example file, else the entry's."""
        if self.lines is None:
            return self.where
        line = self.lines.line(pointer)
        path = self.where.rsplit(":", 1)[0]
        return f"{path}:{line}" if line is not None else self.where

    def file(self, key: str) -> tuple[Path, str]:
        """The file ``key`` names (relative to ``mocks/<api>/``, inside it) and its text."""
        name = string(self.keys, key, self.where)
        assert name is not None
        relative = Path(name)
        folder = self.folder.resolve()
        path = (folder / relative).resolve()
        if relative.is_absolute() or not path.is_relative_to(folder):
            raise ConfigError(f"{key} {name!r} must name a file inside {self.folder}", where=self.where)
        return path, read_mocks_file(path, f"{key} {name!r}", where=self.where)

    def json_file(self, key: str) -> tuple[Any, Entry]:
        """The JSON document ``key`` names, and an entry placing messages about it in that file."""
        path, body = self.file(key)
        document = _json(body, path)
        return document, Entry({}, f"{path}:1", self.folder, PointerLines(body))


@dataclass(frozen=True)
class Example:
    """A named example: ``examples/<...>/<name>.json``, chosen by ``Prefer: example=<name>``."""

    name: str
    entry: Entry


def read_overlays(path: Path) -> list[Entry]:
    """The ``[[overlay]]`` tables of ``path`` (an overlays.toml), each with the line of its header."""
    shown = str(path)
    text = read_mocks_file(path, FILE_NAME)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{FILE_NAME} is not valid TOML: {error}", where=shown) from error
    for key in document:
        if key != "overlay":
            raise ConfigError(f"unknown key {key!r}", where=shown, hint=did_you_mean(key, ["overlay"], "[[overlay]]"))
    tables = document.get("overlay", [])
    if not isinstance(tables, list) or not all(isinstance(entry, dict) for entry in tables):
        raise ConfigError("overlay must be an array of tables ([[overlay]])", where=shown)
    lines = [number for number, line in enumerate(text.splitlines(), start=1) if _ENTRY.match(line)]
    entries: list[Entry] = []
    for index, keys in enumerate(tables):
        line = lines[index] if index < len(lines) else None
        where = f"{shown}:{line}" if line is not None else f"{shown} overlay[{index}]"
        entries.append(Entry(keys, where, path.parent))
    return entries


def read_examples(folder: Path) -> list[Example]:
    """Every ``*.json`` under ``folder`` (``mocks/<api>/examples``), in path order, named by its file's stem."""
    found: list[Example] = []
    for path in sorted(folder.rglob("*.json")):
        if path.is_dir():
            continue  # a folder named like a file; a FIFO or device is refused by read_mocks_file
        shown = str(path)
        name = path.stem
        if not _EXAMPLE_NAME.match(name):
            raise ConfigError(
                f"an example's name (its file name) must be 1 to 64 letters, digits, '.', '_' or '-', not {name!r}",
                where=shown,
            )
        body = read_mocks_file(path, "the example", where=shown)
        document = _json(body, path)
        if not isinstance(document, dict):
            raise ConfigError(
                'an example file holds a JSON object: {"operation": ..., "json": ...}',
                where=f"{shown}:1",
                hint="the answer's body goes under the key json (REST, GraphQL) or answer/xml (SOAP)",
            )
        found.append(Example(name, Entry(document, f"{shown}:1", folder.parent, PointerLines(body))))
    return found


def _json(body: str, path: Path) -> Any:
    try:
        return json.loads(body)
    except json.JSONDecodeError as error:
        raise ConfigError(
            f"not valid JSON: {error.msg} (column {error.colno})", where=f"{path}:{error.lineno}"
        ) from None
    except RecursionError:
        raise ConfigError("JSON nested too deeply", where=str(path)) from None


# -- checks every protocol shares ------------------------------------------------------------------


def check_keys(entry: Entry, known: Sequence[str], what: str) -> None:
    """Refuse a key ``known`` does not list (``what``: "[[overlay]]", "an example")."""
    for key in entry.keys:
        if key not in known:
            raise ConfigError(f"unknown key {key!r} in {what}", where=entry.where, hint=did_you_mean(key, known, None))


def string(keys: Mapping[str, Any], key: str, where: str) -> str | None:
    value = keys.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise ConfigError(f"{key} must be a non-empty string, not {value!r}", where=where)
    return value


def table(keys: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = keys.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{key} must be a table, not {value!r}", where=where)
    return {str(name): item for name, item in value.items()}


def text(value: Any, key: str, where: str) -> str:
    """A query, header or XML value as a request carries it (``true``/``false`` for booleans)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise ConfigError(f"{key} must be a string, number or boolean, not {value!r}", where=where)


def headers_of(keys: Mapping[str, Any], where: str) -> tuple[tuple[str, str], ...]:
    """The ``headers`` condition: lower-case names, text values."""
    return tuple(
        (name.lower(), text(value, f"headers.{name}", where)) for name, value in table(keys, "headers", where).items()
    )


def headers_match(request: Request, headers: Iterable[tuple[str, str]]) -> bool:
    return all(request.header(name) == value for name, value in headers)


def example_asked(request: Request) -> str | None:
    """The ``example=`` preference of the request's ``Prefer`` header (the last one given), or None."""
    prefer = request.header("prefer")
    if not prefer or "example" not in prefer.lower():
        return None
    asked: str | None = None
    for part in prefer.replace(";", ",").split(","):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "example" and value.strip().strip('"'):
            asked = value.strip().strip('"')
    return asked


def first_values(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Header or query pairs as a dict: lower-case names, the first value of each."""
    out: dict[str, str] = {}
    for name, value in pairs:
        out.setdefault(name.lower(), value)
    return out


def contains(found: Any, wanted: Any) -> bool:
    """Whether the JSON value ``found`` holds ``wanted``: an object holds the members ``wanted`` lists (each
    holding its value, recursively); anything else is JSON-equal (``1 == 1.0``, ``true != 1``)."""
    if isinstance(wanted, dict):
        return isinstance(found, dict) and all(k in found and contains(found[k], v) for k, v in wanted.items())
    return equal(found, wanted)


def equal(found: Any, wanted: Any) -> bool:
    """JSON equality: ``1 == 1.0`` but ``True != 1``; lists item by item, objects member by member."""
    if isinstance(found, bool) or isinstance(wanted, bool):
        return isinstance(found, bool) and isinstance(wanted, bool) and found == wanted
    if isinstance(wanted, list):
        return (
            isinstance(found, list)
            and len(found) == len(wanted)
            and all(equal(a, b) for a, b in zip(found, wanted, strict=True))
        )
    if isinstance(wanted, dict):
        return (
            isinstance(found, dict)
            and found.keys() == wanted.keys()
            and all(equal(found[k], v) for k, v in wanted.items())
        )
    if isinstance(wanted, int | float) and isinstance(found, int | float):
        return found == wanted
    return type(found) is type(wanted) and bool(found == wanted)


def did_you_mean(key: str, known: Iterable[str], otherwise: str | None) -> str | None:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.5)
    return f"did you mean {close[0]!r}?" if close else otherwise
