"""Redaction at write time, both directions: what a recording keeps of each exchange, with every secret replaced.

By rule, a secret is: the ``Authorization`` (and ``Proxy-Authorization``) credentials, every cookie value (``Cookie``
and ``Set-Cookie``, attributes kept), a header, query or form parameter the contract's security schemes name, a
body field the contract marks ``format: password`` or ``writeOnly``, any header, parameter, JSON field, GraphQL
variable or inline argument, or XML element (WS-Security ``Password``, ``BinarySecurityToken``) whose name says it
holds one (``shapes.is_secret_name``: ``access_token``, ``refresh_token``, ``id_token``, ``client_secret``, …), and
anything in any text shaped like one (``shapes.SHAPES``: JWTs, bearer tokens, cloud and SaaS keys, PEM blocks).

Each secret becomes ``ctk-redacted-<16 hex>``: an HMAC of the secret keyed by a random key of this recording run,
so the same secret is the same placeholder throughout a run (a token issued in one answer and sent in the next
request still reads as the same token) while nobody can test a guess against a recording, as a plain hash would
allow. Every secret found is also remembered, and ``scrub_known`` replaces it wherever else it turns up (raw, JSON-,
URL- or XML-escaped): an echoed token in a field with an innocent name does not survive either.

Bodies are parsed (JSON, forms, XML by its elements) only up to ``MAX_PARSED`` bytes; a larger body is not kept
(``body`` returns None), since a secret in it could not be found. Redacted JSON is re-serialised and XML edited in
place between tags, so both stay well-formed.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import os
import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from toolkit.model import Contract
from toolkit.sandbox.recording.shapes import PLACEHOLDER, SHAPES, is_placeholder, is_secret_name, normal_name

__all__ = ["MAX_PARSED", "NO_NAMES", "Redactor", "SecretNames", "names_from_contract"]

MAX_PARSED = 1024 * 1024  # bytes of one body parsed for secrets; a larger body is left out of the recording
MAX_DEPTH = 64  # nesting of a JSON body walked; a deeper one is left out too
_MIN_KNOWN = 6  # a remembered secret shorter than this is not searched for elsewhere (it would match ordinary text)
_MAX_KNOWN = 10_000  # secrets remembered per run
_MAX_WALK = 200_000  # contract nodes visited looking for password and writeOnly fields
_AUTH_HEADERS = frozenset({"authorization", "proxy-authorization"})
_GRAPHQL_ARGUMENT = re.compile(r"\b(?P<name>\w+)(?P<sep>\s*:\s*)\"(?P<value>(?:[^\"\\\n]|\\.){1,4096})\"")
# name=value after ?, &, # or ; inside any text: a URL's query or fragment (a Location header, an OAuth redirect's
# #access_token=, a link in a body)
_URL_PAIR = re.compile(r"(?P<lead>[?&#;])(?P<name>[\w.-]{1,64})=(?P<value>[^&#;\s\"'<>]{1,4096})")
_XML_ELEMENT = re.compile(
    r"<(?P<tag>(?:[\w.-]+:)?(?P<local>[\w.-]+))(?P<attrs>\s[^<>]*)?>"
    r"(?P<text>[^<]{1,65536}|<!\[CDATA\[[\s\S]{0,65536}?\]\]>)</(?P=tag)\s*>"
)


@dataclass(frozen=True)
class SecretNames:
    """The names a contract says carry secrets: security schemes' API keys, and password and writeOnly fields."""

    headers: frozenset[str] = frozenset()  # lower case
    query: frozenset[str] = frozenset()
    cookies: frozenset[str] = frozenset()
    fields: frozenset[str] = frozenset()  # as shapes.normal_name spells them


NO_NAMES = SecretNames()


def names_from_contract(contract: Contract) -> SecretNames:
    """The secret-carrying names an OpenAPI contract declares (``components.securitySchemes`` or Swagger 2
    ``securityDefinitions``: apiKey schemes by where they go; schemas' ``format: password`` and ``writeOnly``
    properties). Other protocols declare none: their secrets are found by name and shape."""
    document = getattr(contract, "document", None)
    if not isinstance(document, dict):
        return NO_NAMES
    places: dict[str, set[str]] = {"header": set(), "query": set(), "cookie": set()}
    components = document.get("components")
    schemes = components.get("securitySchemes") if isinstance(components, dict) else None
    for table in (schemes, document.get("securityDefinitions")):
        for scheme in table.values() if isinstance(table, dict) else ():
            if isinstance(scheme, dict) and scheme.get("type") == "apiKey" and isinstance(scheme.get("name"), str):
                places.get(str(scheme.get("in")), set()).add(scheme["name"])
    return SecretNames(
        headers=frozenset(name.lower() for name in places["header"]),
        query=frozenset(places["query"]),
        cookies=frozenset(places["cookie"]),
        fields=frozenset(_secret_fields(document)),
    )


def _secret_fields(document: dict[str, Any]) -> set[str]:
    """Property names whose schema is ``format: password`` or ``writeOnly: true``, anywhere in the document (each
    container visited once, at most ``_MAX_WALK``)."""
    found: set[str] = set()
    seen: set[int] = set()
    stack: list[Any] = [document]
    while stack and len(seen) < _MAX_WALK:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            properties = node.get("properties")
            if isinstance(properties, dict):
                for name, schema in properties.items():
                    if isinstance(schema, dict) and _hidden(schema):
                        found.add(normal_name(str(name)))
            stack.extend(value for value in node.values() if isinstance(value, dict | list))
        elif isinstance(node, list):
            stack.extend(value for value in node if isinstance(value, dict | list))
    return found


def _hidden(schema: dict[str, Any]) -> bool:
    return schema.get("format") == "password" or schema.get("writeOnly") is True


class Redactor:
    """The redaction of one recording run: its placeholder key, the contract's names, and the secrets seen so far."""

    def __init__(self, names: SecretNames = NO_NAMES, *, key: bytes | None = None, known: Iterable[str] = ()) -> None:
        self.names = names
        self._key = key if key is not None else os.urandom(32)
        self._known: dict[str, str] = {}  # secret -> placeholder
        for secret in known:
            self.placeholder(secret)

    @property
    def count(self) -> int:
        """How many distinct secrets this run has replaced."""
        return len(self._known)

    def placeholder(self, secret: str) -> str:
        """The placeholder standing for ``secret`` in this run (remembered, so ``scrub_known`` finds it elsewhere)."""
        if is_placeholder(secret):
            return secret
        digest = hmac.new(self._key, secret.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
        placeholder = f"ctk-redacted-{digest[:16]}"
        if len(secret) >= _MIN_KNOWN and len(self._known) < _MAX_KNOWN:
            self._known.setdefault(secret, placeholder)
        return placeholder

    # -- any text ------------------------------------------------------------------------------------------------

    def text(self, text: str) -> str:
        """``text`` with every secret-shaped part, and every inline argument named like a secret, replaced."""
        for _, pattern in SHAPES:
            text = pattern.sub(self._shape, text)
        if "=" in text:
            text = _URL_PAIR.sub(self._url_pair, text)
        return _GRAPHQL_ARGUMENT.sub(self._argument, text) if ":" in text else text

    def _url_pair(self, match: re.Match[str]) -> str:
        name, value = match.group("name"), match.group("value")
        if is_placeholder(value) or not (name in self.names.query or is_secret_name(name, query=True)):
            return match.group(0)
        return f"{match.group('lead')}{name}={self.placeholder(value)}"

    def _shape(self, match: re.Match[str]) -> str:
        if "secret" in match.re.groupindex:
            start, end = match.span("secret")
            offset = match.start()
            whole = match.group(0)
            return whole[: start - offset] + self.placeholder(match.group("secret")) + whole[end - offset :]
        return self.placeholder(match.group(0))

    def _argument(self, match: re.Match[str]) -> str:
        if not self._secret_field(match.group("name")) or is_placeholder(match.group("value")):
            return match.group(0)
        return f'{match.group("name")}{match.group("sep")}"{self.placeholder(match.group("value"))}"'

    def scrub_known(self, text: str) -> str:
        """``text`` with every secret this run has seen replaced, in each form it could be written in."""
        for secret in sorted(self._known, key=len, reverse=True):
            placeholder = self._known[secret]
            for form in _forms(secret):
                if form in text:
                    text = text.replace(form, placeholder)
        return text

    def leaked(self, text: str) -> list[str]:
        """The placeholders of known secrets still present in ``text`` in any form (a last check before writing)."""
        return [self._known[s] for s in self._known if any(form in text for form in _forms(s))]

    # -- headers and query strings -------------------------------------------------------------------------------

    def headers(self, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """Header pairs (either direction) with credentials, cookie values and secret-named headers replaced."""
        out: list[tuple[str, str]] = []
        for name, value in pairs:
            lower = name.lower()
            if lower in _AUTH_HEADERS:
                scheme, space, credentials = value.strip().partition(" ")
                value = f"{scheme} {self.placeholder(credentials.strip())}" if space else self.placeholder(value)
            elif lower == "cookie":
                value = "; ".join(self._cookie(pair) for pair in value.split(";") if pair.strip())
            elif lower == "set-cookie":
                first, sep, attributes = value.partition(";")
                value = self._cookie(first) + (sep + attributes if sep else "")
            elif lower in self.names.headers or is_secret_name(lower):
                value = self.placeholder(value) if value else value
            else:
                value = self.text(value)
            out.append((name, value))
        return out

    def _cookie(self, pair: str) -> str:
        name, sep, value = pair.strip().partition("=")
        if not sep:
            return self.placeholder(name) if name else name
        return f"{name}={self.placeholder(value) if value else value}"

    def query(self, query: str) -> str:
        """A query string (or form body) with secret-named parameters replaced and the rest scrubbed of shapes."""
        if not query:
            return query
        try:
            pairs = urllib.parse.parse_qsl(query, keep_blank_values=True, max_num_fields=10_000)
        except ValueError:
            return self.text(query)
        kept = [(name, self._parameter(name, value)) for name, value in pairs]
        return urllib.parse.urlencode(kept, quote_via=urllib.parse.quote)

    def _parameter(self, name: str, value: str) -> str:
        if value and (name in self.names.query or is_secret_name(name, query=True) or self._secret_field(name)):
            return self.placeholder(value)
        return self.text(value)

    # -- bodies --------------------------------------------------------------------------------------------------

    def body(self, body: bytes, content_type: str) -> bytes | None:
        """``body`` redacted by its kind (JSON, form, XML, other text, binary); None when it is too large to search
        (over ``MAX_PARSED`` bytes, or JSON nested deeper than ``MAX_DEPTH``) and must not be kept."""
        if not body:
            return body
        if len(body) > MAX_PARSED:
            return None
        kind = content_type.split(";", 1)[0].strip().lower()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return self.text(body.decode("latin-1")).encode("latin-1")  # binary: only shapes, on the bytes as text
        stripped = text.lstrip()
        if kind.endswith("json") or kind.endswith("+json") or (not kind and stripped[:1] in "{["):
            try:
                document = json.loads(text)
            except (ValueError, RecursionError):
                return self.text(text).encode()  # malformed: the shapes at least
            walked = self._json(document, secret=False, depth=0)
            if walked is _TOO_DEEP:
                return None
            return json.dumps(walked, ensure_ascii=False, separators=(",", ":")).encode()
        if kind == "application/x-www-form-urlencoded":
            return self.query(text).encode()
        if "xml" in kind or stripped.startswith("<"):
            return self.text(_XML_ELEMENT.sub(self._element, text)).encode()
        return self.text(text).encode()

    def _secret_field(self, name: str) -> bool:
        return is_secret_name(name) or normal_name(name) in self.names.fields

    def _json(self, value: Any, *, secret: bool, depth: int) -> Any:
        if depth > MAX_DEPTH:
            return _TOO_DEEP
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for key, item in value.items():
                walked = self._json(item, secret=secret or self._secret_field(key), depth=depth + 1)
                if walked is _TOO_DEEP:
                    return _TOO_DEEP
                out[key] = walked
            return out
        if isinstance(value, list):
            items = [self._json(item, secret=secret, depth=depth + 1) for item in value]
            return _TOO_DEEP if any(item is _TOO_DEEP for item in items) else items
        if isinstance(value, str):
            return self.placeholder(value) if secret and value else self.text(value)
        if secret and isinstance(value, int | float) and not isinstance(value, bool):
            return self.placeholder(str(value))
        return value

    def _element(self, match: re.Match[str]) -> str:
        if not self._secret_field(match.group("local")):
            return match.group(0)
        text = match.group("text")
        inner = text[9:-3] if text.startswith("<![CDATA[") else html.unescape(text)
        if not inner.strip() or is_placeholder(inner):
            return match.group(0)
        attrs = match.group("attrs") or ""
        return f"<{match.group('tag')}{attrs}>{self.placeholder(inner.strip())}</{match.group('tag')}>"


_TOO_DEEP = object()


def _forms(secret: str) -> set[str]:
    """The ways ``secret`` can be written in a recording: as is, JSON-escaped (once and twice: a JSON body is a JSON
    string in the file), URL-encoded, XML-escaped."""
    once = json.dumps(secret, ensure_ascii=False)[1:-1]
    return {
        secret,
        once,
        json.dumps(once, ensure_ascii=False)[1:-1],
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
        html.escape(secret, quote=True),
        html.escape(secret, quote=False),
    } - {""}


def is_redacted(text: str) -> bool:
    """Whether ``text`` holds one of ctk's placeholders."""
    return PLACEHOLDER.search(text) is not None
