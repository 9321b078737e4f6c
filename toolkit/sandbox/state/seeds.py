"""Seed files: ``mocks/<api>/seed.json`` or ``seed.toml``, the resources every session of an API starts with.

One shape for the three protocols, a table of arrays of objects, keyed by what the protocol calls a kind
of resource (REST: the collection's path, ``customers`` or ``customers/{customer_id}/sources``; SOAP: the
entity, ``Account``; GraphQL: the object type, ``Product``)::

    {"customers": [{"id": "cus_seed1", "email": "ada@example.com"}]}

    [[customers]]
    id = "cus_seed1"
    email = "ada@example.com"

This module reads the file and checks that shape; each protocol's state module checks the items against its
contract (``rest_seeds``, ``soap_seeds``, ``graphql_seeds``). Every refusal is a ``ConfigError`` whose
``where`` is ``file:line`` (the item's line, found on demand) and whose message names ``key[index]``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.documents import PointerLines, pointer
from toolkit.errors import ConfigError
from toolkit.sandbox.mocks_files import read_mocks_file

__all__ = ["SEED_FILES", "SeedFile", "SeedItem", "did_you_mean", "read_seeds"]

SEED_FILES = ("seed.json", "seed.toml")
_SHAPE_HINT = 'a table of arrays of objects, e.g. {"customers": [{"id": "cus_1"}]} or [[customers]] in TOML'
_FIX_ITEM = "make the item fit the contract, or remove it from the seed file"


@dataclass(frozen=True, slots=True)
class SeedItem:
    """One seeded resource, as written, and where it is (for messages)."""

    value: dict[str, Any]
    label: str  # "customers[0]"
    where: str  # "mocks/payments/seed.json:3"

    def refuse(self, problem: str, hint: str | None = None) -> ConfigError:
        return ConfigError(f"{self.label}: {problem}", where=self.where, hint=hint or _FIX_ITEM)


@dataclass
class SeedFile:
    """A seed file read and shape-checked: items by key, in file order."""

    path: Path
    entries: dict[str, list[SeedItem]]
    _key_lines: dict[str, int | None] = field(default_factory=dict, repr=False)

    def refuse_key(self, key: str, problem: str, hint: str | None = None) -> ConfigError:
        line = self._key_lines.get(key)
        where = f"{self.path}:{line}" if line else str(self.path)
        return ConfigError(problem, where=where, hint=hint or f"fix {key!r}, or remove it from {self.path.name}")


def read_seeds(folder: Path | None) -> SeedFile | None:
    """The seed file of an API's mocks folder (None: no folder, or no seed file in it)."""
    if folder is None:
        return None
    found = [folder / name for name in SEED_FILES if (folder / name).exists()]  # a FIFO or folder: refused below
    if not found:
        return None
    if len(found) > 1:
        raise ConfigError(
            "an API has one seed file, and this folder holds both seed.json and seed.toml",
            where=str(folder),
            hint="merge them into one",
        )
    path = found[0]
    text = read_mocks_file(path, path.name)
    if path.suffix == ".json":
        return _from_json(path, text)
    return _from_toml(path, text)


def did_you_mean(word: str, known: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.5)
    return f"did you mean {close[0]!r}?" if close else None


# -- JSON --------------------------------------------------------------------------------------------


def _from_json(path: Path, text: str) -> SeedFile:
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise ConfigError(
            f"seed.json is not valid JSON: {error.msg}", where=f"{path}:{error.lineno}", hint=f"it is {_SHAPE_HINT}"
        ) from None
    except ValueError as error:  # a duplicate key or NaN: JSON another reader would take differently
        raise ConfigError(f"seed.json: {error}", where=str(path), hint="write each key once, numbers finite") from None
    lines = PointerLines(text)

    def line(*tokens: str | int) -> int | None:
        return lines.line(pointer(*tokens))

    return _shaped(path, document, line)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} appears twice in one object")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


# -- TOML --------------------------------------------------------------------------------------------


def _from_toml(path: Path, text: str) -> SeedFile:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+)", str(error))
        where = f"{path}:{found.group(1)}" if found else str(path)
        raise ConfigError(f"seed.toml is not valid TOML: {error}", where=where, hint=f"it is {_SHAPE_HINT}") from None
    lines = text.splitlines()

    def line(key: str, index: int | None = None) -> int | None:
        headers = [n for n, text_line in enumerate(lines, start=1) if _header_of(text_line) == key]
        if index is not None and index < len(headers):
            return headers[index]  # [[key]]: one header per item
        assigned = next((n for n, text_line in enumerate(lines, start=1) if _assigned(text_line) == key), None)
        return assigned if assigned is not None else headers[0] if headers else None

    return _shaped(path, document, line)


_KEY = r'(?:"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([A-Za-z0-9_-]+))'
_HEADER = re.compile(rf"^\s*\[\[\s*{_KEY}\s*\]\]")
_ASSIGNED = re.compile(rf"^\s*{_KEY}\s*=")


def _header_of(line: str) -> str | None:
    found = _HEADER.match(line)
    return _key_text(found) if found else None


def _assigned(line: str) -> str | None:
    found = _ASSIGNED.match(line)
    return _key_text(found) if found else None


def _key_text(found: re.Match[str]) -> str:
    basic, literal, bare = found.groups()
    if basic is not None:
        try:
            decoded: str = json.loads(f'"{basic}"')  # TOML's basic-string escapes are JSON's, but for \e, \x
        except ValueError:
            return basic
        return decoded
    return literal if literal is not None else bare


# -- shape -------------------------------------------------------------------------------------------


def _shaped(path: Path, document: Any, line: Any) -> SeedFile:
    name = path.name
    if not isinstance(document, dict):
        raise ConfigError(f"{name} is not a table", where=str(path), hint=f"{name} is {_SHAPE_HINT}")
    entries: dict[str, list[SeedItem]] = {}
    key_lines: dict[str, int | None] = {}
    for key, items in document.items():
        key_lines[key] = line(key)
        if not isinstance(items, list):
            where = f"{path}:{key_lines[key]}" if key_lines[key] else str(path)
            raise ConfigError(f"{key} must be an array of objects, not {_kind(items)}", where=where,
                              hint=f"{name} is {_SHAPE_HINT}")  # fmt: skip
        entries[key] = []
        for index, item in enumerate(items):
            item_line = line(key, index)
            seeded = SeedItem(item, f"{key}[{index}]", f"{path}:{item_line}" if item_line else str(path))
            if not isinstance(item, dict):
                raise seeded.refuse(f"each item must be an object, not {_kind(item)}", hint=f"{name} is {_SHAPE_HINT}")
            moment = _moment(item, "")
            if moment is not None:
                raise seeded.refuse(f"{moment} is a TOML date or time", hint="write it as a string (in quotes)")
            entries[key].append(seeded)
    return SeedFile(path, entries, key_lines)


def _moment(value: Any, at: str) -> str | None:
    """Where ``value`` holds a TOML date or time (JSON has none: state keeps JSON values), else None."""
    if isinstance(value, dt.date | dt.time):
        return at.lstrip(".") or "the value"
    if isinstance(value, dict):
        return next((found for k, v in value.items() if (found := _moment(v, f"{at}.{k}")) is not None), None)
    if isinstance(value, list):
        return next((found for i, v in enumerate(value) if (found := _moment(v, f"{at}[{i}]")) is not None), None)
    return None


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )
