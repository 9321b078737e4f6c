"""``ctk recordings audit``: recordings scanned for secrets — ctk's HAR files, VCR cassettes (YAML or JSON), any
HAR, and any other text line by line — so a leaky recording is refused before it is committed.

A finding is a value shaped like a secret (``shapes.SHAPES``: JWTs, bearer and basic credentials, AWS key ids and
secret keys, Stripe, GitHub, Slack and Google keys, PEM private keys), a real value under a name that holds a
secret (a JSON/YAML key, a HAR ``{"name", "value"}`` pair, a query or form parameter, an XML element, an inline
``name: "value"``: ``password``, ``client_secret``, ``access_token``, …), a cookie with a real value, or a
high-entropy value under a name that suggests one (``key``, ``auth``, ``signature``, ``session``…). ctk's
placeholders and the usual masks (``***``, ``REDACTED``, ``<FILTERED>``…) are never findings. A finding shows
where (``file:line`` or the JSON pointer of the value) and the secret masked: its first four characters and its
length, never the whole of it.
"""

from __future__ import annotations

import json
import math
import re
import stat
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from toolkit.errors import CtkError
from toolkit.sandbox.recording.shapes import PLACEHOLDER, SHAPES, is_placeholder, is_secret_name, normal_name

__all__ = ["MAX_AUDITED", "Finding", "audit", "mask"]

MAX_AUDITED = 64 * 1024 * 1024  # bytes of one file read; a larger one is an error, not a silent pass
_MAX_NODES = 2_000_000  # containers and values walked per file
_ENTROPY_BITS = 3.5  # bits per character over which a value under a suggestive name counts as a secret
_ENTROPY_LENGTH = 16
_SUGGESTIVE = ("key", "auth", "signature", "sig", "session", "credential", "cred", "private", "nonce", "cookie")
_MASKS = re.compile(
    r"^(?:\**|x+|X+|\.+|-+|null|none|redacted|filtered|masked|hidden|secret|changeme|dummy|example|test|"
    r"<[a-z _-]*>|\[[a-z _-]*\]|\{\{[^}]*\}\}|\$\{[^}]*\}|%[a-z_]+%)$",
    re.IGNORECASE,
)
_TEXT_PAIRS = (
    # "name": "value" in JSON text; name: "value" inline (GraphQL); name=value (query strings, forms, cookies)
    re.compile(r"\"(?P<name>[\w.-]{1,64})\"\s*:\s*\"(?P<value>(?:[^\"\\\n]|\\.){1,4096})\""),
    re.compile(r"(?<![\"\w])(?P<name>\w{1,64})\s*:\s*\"(?P<value>(?:[^\"\\\n]|\\.){1,4096})\""),
    re.compile(r"(?:^|[?&;\s])(?P<name>[\w.-]{1,64})=(?P<value>[^&;\s\"'<>]{1,4096})"),
    re.compile(r"<(?P<tag>(?:[\w.-]+:)?(?P<name>[\w.-]{1,64}))(?:\s[^<>]*)?>(?P<value>[^<]{1,4096})</(?P=tag)\s*>"),
)
_COOKIE_HEADERS = frozenset({"cookie", "setcookie"})


@dataclass(frozen=True)
class Finding:
    path: str
    where: str  # "line 12" or a JSON pointer
    kind: str
    masked: str

    def __str__(self) -> str:
        place = (
            f"{self.path}:{self.where.removeprefix('line ')}"
            if self.where.startswith("line ")
            else (f"{self.path}#{self.where}")
        )
        return f"{place}: {self.kind}: {self.masked}"


def mask(secret: str) -> str:
    """``secret`` shown without giving it away: its first four characters (none if it is short) and its length."""
    shown = secret[:4] if len(secret) >= 12 else ""
    return f"{shown}…({len(secret)} chars)"


def audit(paths: list[Path]) -> tuple[list[Finding], int]:
    """The findings in ``paths`` (files, or folders searched recursively) and the number of files read;
    ``CtkError`` naming a path that does not exist or cannot be read (the CLI's exit 2)."""
    findings: list[Finding] = []
    files = 0
    for path in paths:
        for file in _files(path):
            findings += sorted(audit_file(file), key=_order)
            files += 1
    return findings, files


def _files(path: Path) -> Iterator[Path]:
    try:
        mode = path.stat().st_mode
    except OSError as error:
        raise CtkError(f"cannot read: {error.strerror or error}", where=str(path)) from None
    if stat.S_ISDIR(mode):
        for child in sorted(path.rglob("*")):
            if child.is_file() and not child.is_symlink() and not child.name.startswith("."):
                yield child
    elif stat.S_ISREG(mode):
        yield path
    else:
        raise CtkError("is not a regular file or a folder", where=str(path))


def audit_file(path: Path) -> list[Finding]:
    """The findings in one file: parsed as JSON (HAR) or YAML (VCR) when it is one, else scanned line by line."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_AUDITED + 1)
    except OSError as error:
        raise CtkError(f"cannot read: {error.strerror or error}", where=str(path)) from None
    if len(data) > MAX_AUDITED:
        raise CtkError(f"is larger than {MAX_AUDITED // 2**20} MiB", where=str(path), hint="audit smaller files")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")  # binary: its printable secrets are still secrets
    document = _parsed(path, text)
    scanner = _Scanner(str(path))
    if document is not None:
        scanner.walk(document)
    else:
        for number, line in enumerate(text.splitlines(), start=1):
            scanner.text(line, f"line {number}")
    return scanner.findings


def _parsed(path: Path, text: str) -> Any:
    stripped = text.lstrip()
    try:
        if stripped[:1] in ("{", "["):
            return json.loads(text)
        if path.suffix.lower() in (".yaml", ".yml"):
            document = yaml.safe_load(text)
            return document if isinstance(document, dict | list) else None
    except (ValueError, yaml.YAMLError, RecursionError):
        return None
    return None


class _Scanner:
    def __init__(self, path: str) -> None:
        self.path = path
        self.findings: list[Finding] = []
        self._seen: set[tuple[str, str]] = set()
        self._nodes = 0

    def add(self, where: str, kind: str, secret: str) -> None:
        if is_placeholder(secret) or PLACEHOLDER.search(secret) is not None:
            return
        key = (where, secret)
        if key not in self._seen:
            self._seen.add(key)
            self.findings.append(Finding(self.path, where, kind, mask(secret)))

    def walk(self, root: Any) -> None:
        """Every value of a parsed document, each container once (YAML aliases share theirs)."""
        visited: set[int] = set()
        stack: list[tuple[Any, str, str]] = [(root, "", "")]
        while stack and self._nodes < _MAX_NODES:
            node, pointer, name = stack.pop()
            self._nodes += 1
            if isinstance(node, dict):
                if id(node) in visited:
                    continue
                visited.add(id(node))
                pair = node.get("name"), node.get("value")
                if isinstance(pair[0], str) and isinstance(pair[1], str):  # HAR's {"name", "value"}
                    self.named(pair[0], pair[1], f"{pointer}/value")
                for key, value in node.items():
                    stack.append((value, f"{pointer}/{_escape(str(key))}", str(key)))
            elif isinstance(node, list):
                if id(node) in visited:
                    continue
                visited.add(id(node))
                for index, value in enumerate(node):
                    stack.append((value, f"{pointer}/{index}", name))  # a VCR header's values: a list under its name
            elif isinstance(node, str):
                if name and name not in ("value", "text", "string"):
                    self.named(name, node, pointer)
                self.text(node, pointer)
            elif isinstance(node, int | float) and not isinstance(node, bool) and name and is_secret_name(name):
                self.named(name, str(node), pointer)

    def named(self, name: str, value: str, where: str, *, parameter: bool = False) -> None:
        """``value`` under ``name``: a finding when the name holds a secret and the value is a real one
        (``parameter``: a query or form parameter, where short names such as ``key`` count too)."""
        value = value.strip()
        if not value or _MASKS.match(value) or is_placeholder(value):
            return
        normal = normal_name(name)
        if normal in _COOKIE_HEADERS:
            for pair in value.split(";")[:1] if normal == "setcookie" else value.split(";"):
                _, sep, cookie = pair.strip().partition("=")
                if sep and cookie and not _MASKS.match(cookie) and not is_placeholder(cookie):
                    self.add(where, f"cookie value in {name}", cookie)
            return
        if normal in ("authorization", "proxyauthorization"):
            credentials = value.partition(" ")[2].strip() or value
            if not is_placeholder(credentials) and not _MASKS.match(credentials):
                self.add(where, f"credentials in {name}", credentials)
            return
        if is_secret_name(name, query=parameter):
            if len(value) >= 4:
                self.add(where, f"secret field {name!r} with a real value", value)
        elif any(word in normal for word in _SUGGESTIVE) and _high_entropy(value):
            self.add(where, f"high-entropy value under {name!r}", value)

    def text(self, text: str, where: str) -> None:
        """Secret shapes, and secret-named pairs written inside ``text`` (a body, a line)."""
        if len(text) < 8:
            return
        for kind, pattern in SHAPES:
            for match in pattern.finditer(text):
                secret = match.group("secret") if "secret" in pattern.groupindex else match.group(0)
                self.add(where, kind, secret)
        for pattern in _TEXT_PAIRS:
            for match in pattern.finditer(text):
                self.named(match.group("name"), match.group("value"), where, parameter=pattern is _TEXT_PAIRS[2])


def _order(finding: Finding) -> tuple[int, str]:
    """Findings in file order: lines by number, pointers by text."""
    line = finding.where.removeprefix("line ")
    return (int(line), "") if line.isdigit() else (0, finding.where)


def _high_entropy(value: str) -> bool:
    if len(value) < _ENTROPY_LENGTH or " " in value:
        return False
    counts = Counter(value)
    bits = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return bits >= _ENTROPY_BITS


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
