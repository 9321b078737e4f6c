"""Request bodies: media-type negotiation and decoding of JSON, form-urlencoded and multipart bodies.

Compiled once per operation (``BodyReader``): the declared media types, each with its validator.
Per request: pick the declared media type that the ``Content-Type`` matches (exact, then ``type/*``,
then ``*/*``), decode, type form fields by their schema, validate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from toolkit.documents import escape_pointer_token
from toolkit.openapi.coerce import coerce
from toolkit.openapi.jsonschema import SchemaValidators, Validator, place
from toolkit.openapi.parameters import Violation
from toolkit.openapi.refs import Resolver


@dataclass(slots=True)
class MediaBody:
    media_type: str
    validator: Validator | None
    essence: str = field(init=False)  # the media type compared with a request's Content-Type

    def __post_init__(self) -> None:
        self.essence = essence(self.media_type)


@dataclass(slots=True)
class DecodedBody:
    media_type: str | None
    value: Any
    present: bool


class BodyReader:
    def __init__(self, required: bool, media: list[MediaBody]) -> None:
        self.required = required
        self.media = media
        self.exact = {m.media_type.lower(): m for m in media}

    @classmethod
    def compile(
        cls, request_body: Any, uri: str, pointer: str, resolver: Resolver, validators: SchemaValidators
    ) -> BodyReader | None:
        body, body_uri = resolver.deref(request_body, uri)
        if not isinstance(body, dict) or not isinstance(body.get("content"), dict):
            return None
        if body_uri != uri or request_body is not body:
            pointer = ""  # a $ref'd request body: its place is given by the schema's own ref
        media: list[MediaBody] = []
        for media_type, entry in body["content"].items():
            schema = entry.get("schema") if isinstance(entry, dict) else None
            validator = None
            if schema is not None:
                where = place(
                    body_uri, f"{pointer}/content/{escape_pointer_token(media_type)}/schema" if pointer else ""
                )
                validator = validators.validator(schema, where, "request")
            media.append(MediaBody(str(media_type), validator))
        return cls(bool(body.get("required")), media)

    def match(self, content_type: str | None) -> MediaBody | None:
        if not content_type:
            return None
        sent = essence(content_type)
        found = self.exact.get(sent)
        if found:
            return found
        major = sent.split("/", 1)[0]
        for candidate in self.media:
            declared = candidate.essence
            if declared in (f"{major}/*", "*/*") or (declared.endswith("+json") and sent == "application/json"):
                return candidate
            if sent.endswith("+json") and declared == "application/json":
                return candidate
        for candidate in self.media:
            # octet-stream means "any bytes": servers that declare it (Docker's tar uploads) take any type
            if candidate.essence == "application/octet-stream":
                return candidate
        return None

    def read(self, content_type: str | None, raw: bytes, violations: list[Violation]) -> DecodedBody:
        if not raw:
            if self.required:
                violations.append({"in": "body", "detail": "the request body is required"})
            return DecodedBody(None, None, False)
        media = self.match(content_type) if content_type else (self.media[0] if len(self.media) == 1 else None)
        if media is None:
            declared = ", ".join(m.media_type for m in self.media)
            violations.append(
                {
                    "in": "header",
                    "name": "content-type",
                    "detail": f"unsupported content type {content_type or '(none)'}; expected one of: {declared}",
                    "status": 415,
                }
            )
            return DecodedBody(None, None, True)
        value, error = decode(media.media_type, content_type or media.media_type, raw)
        if error:
            violations.append({"in": "body", "detail": error})
            return DecodedBody(media.media_type, None, True)
        validator = media.validator
        if validator is not None and not validator.is_valid(value):
            if isinstance(value, str) and value[:1] in ("[", "{", '"'):
                # structured data sent as text/plain (Swagger 2.0 `consumes` lists often allow it)
                try:
                    parsed = json.loads(value)
                except ValueError:
                    parsed = None
                if parsed is not None and validator.is_valid(parsed):
                    return DecodedBody(media.media_type, parsed, True)
            if is_form(media.essence):
                typed = coerce(value, validator.json_schema, validator.json_schema.get("$defs", {}))
                if validator.is_valid(typed):
                    return DecodedBody(media.media_type, typed, True)
                value = typed
            for pointer, message in validator.errors(value):
                violations.append({"in": "body", "pointer": pointer, "detail": message})
        return DecodedBody(media.media_type, value, True)


def essence(media_type: str) -> str:
    """A media type without parameters, in lower case: ``Application/JSON; charset=utf-8`` → ``application/json``."""
    return media_type.split(";", 1)[0].strip().lower()


def is_json(media_type: str) -> bool:
    kind = essence(media_type)
    return kind == "application/json" or kind.endswith("+json") or kind == "*/*"


def is_form(media_type: str) -> bool:
    return essence(media_type) in ("application/x-www-form-urlencoded", "multipart/form-data")


def decode(declared: str, content_type: str, raw: bytes) -> tuple[Any, str | None]:
    """The body as a JSON-like value, or an error message naming what is wrong with it."""
    kind = essence(declared)
    if is_json(kind) and kind != "*/*":
        try:
            return json.loads(raw), None
        except (ValueError, UnicodeDecodeError) as error:
            return None, f"the body is not valid JSON: {error}"
    if kind == "application/x-www-form-urlencoded":
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None, "the form body is not UTF-8"
        return nest_form(parse_qsl(text, keep_blank_values=True)), None
    if kind == "multipart/form-data":
        return _multipart(content_type, raw)
    if kind.startswith("text/"):
        try:
            return raw.decode("utf-8"), None
        except UnicodeDecodeError:
            return None, "the text body is not UTF-8"
    return raw.decode("latin-1"), None  # binary: any bytes are a valid binary string


def nest_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Form fields with bracket names (``metadata[key]``, ``items[0][price]``, ``expand[]``) as nested
    values, the way Stripe-style APIs and most server frameworks read them; repeated keys become lists.

    Numeric brackets are read as keys first and become a list only when they count 0, 1, 2, … with no
    gap: ``metadata[99999]`` stays a key (a client's own data), and no index can make the mock allocate
    a list of that length."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        head, bracket, rest = key.partition("[")
        if not bracket:
            if head in root:
                existing = root[head]
                root[head] = [*existing, value] if isinstance(existing, list) else [existing, value]
            else:
                root[head] = value
            continue
        tokens = [head] + [t.rstrip("]") for t in ("[" + rest).split("[")[1:]]
        node: Any = root
        for position, token in enumerate(tokens):
            last = position == len(tokens) - 1
            following = tokens[position + 1] if not last else None
            if isinstance(node, list):  # made by "[]": each "[]" appends
                if token != "":
                    break
                if last:
                    node.append(value)
                else:
                    node.append([] if following == "" else {})
                    node = node[-1]
                continue
            if last:
                node[token] = value
            else:
                if not isinstance(node.get(token), (dict, list)):
                    node[token] = [] if following == "" else {}
                node = node[token]
    return {name: _listify(item) for name, item in root.items()}  # the root's keys are field names


def _listify(node: Any) -> Any:
    """Dicts keyed "0", "1", … "n-1" as lists, at every depth."""
    if isinstance(node, list):
        return [_listify(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _listify(item) for key, item in node.items()}
    if out and all(key.isdecimal() for key in out) and sorted(map(int, out)) == list(range(len(out))):
        return [out[str(index)] for index in range(len(out))] if all(str(int(k)) == k for k in out) else out
    return out


def _multipart(content_type: str, raw: bytes) -> tuple[Any, str | None]:
    if "boundary=" not in content_type:
        return None, "the multipart body has no boundary in its Content-Type"
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw
    )
    if not message.is_multipart():
        return None, "the multipart body could not be parsed"
    pairs: list[tuple[str, str]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if part.get_filename() is None and part.get_content_type() in ("text/plain", "application/json"):
            text = data.decode("utf-8", "replace")
            if part.get_content_type() == "application/json":
                try:
                    pairs.append((name, json.loads(text)))
                    continue
                except ValueError:
                    pass
            pairs.append((name, text))
        else:
            pairs.append((name, data.decode("latin-1")))
    return nest_form(pairs), None
