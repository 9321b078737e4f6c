"""Request bodies: media-type negotiation and decoding of JSON, form-urlencoded and multipart bodies.

Compiled once per operation (``BodyReader``): the declared media types, each with its validator.
Per request: pick the declared media type that the ``Content-Type`` matches (exact, then ``type/*``,
then ``*/*``), decode, type form fields by their schema, validate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from toolkit.documents import escape_pointer_token
from toolkit.exchange import Violation
from toolkit.limits import Limits
from toolkit.mock.problem import clip
from toolkit.openapi.coerce import coerce
from toolkit.openapi.jsonschema import SchemaValidators, Validator, place
from toolkit.openapi.mock.multipart import read_multipart
from toolkit.openapi.mock.reading import Refusal, nest_form, read_form, read_json
from toolkit.openapi.mock.violations import Violations
from toolkit.openapi.mock.xml_bodies import XmlBody
from toolkit.openapi.refs import Resolver


@dataclass(slots=True)
class MediaBody:
    media_type: str
    validator: Validator | None
    xml: XmlBody | None = None  # an XML media type with an object or array schema: read into the schema's shape
    essence: str = field(init=False)  # the media type compared with a request's Content-Type

    def __post_init__(self) -> None:
        self.essence = essence(self.media_type)


@dataclass(slots=True)
class DecodedBody:
    media_type: str | None
    value: Any
    present: bool


class BodyReader:
    def __init__(
        self,
        required: bool,
        media: list[MediaBody],
        form_arrays: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        self.required = required
        self.media = media
        self.exact = {m.media_type.lower(): m for m in media}
        self.form_arrays = form_arrays  # Swagger 2.0 formData arrays split by collectionFormat (parameters.py)

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
            media.append(MediaBody(str(media_type), validator, XmlBody.of(str(media_type), schema, body_uri, resolver)))
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

    def empty_form(self, content_type: str | None) -> MediaBody | None:
        """The form-urlencoded media type an empty body is an empty form of: the one the ``Content-Type``
        names, or, with none (what httpx and requests send for ``data={}``), a declared one whose schema
        takes an empty object. Form encoding has no bytes for "no fields", so a required form body whose
        schema needs no field is sent empty; any other media type's empty body is a missing one."""
        if content_type:
            media = self.match(content_type)
            return media if media is not None and media.essence == FORM else None
        for media in self.media:
            if media.essence == FORM and (media.validator is None or media.validator.is_valid({})):
                return media
        return None

    def read(self, content_type: str | None, raw: bytes, violations: Violations) -> DecodedBody:
        if not raw:
            form = self.empty_form(content_type) if self.required else None
            if form is None:
                if self.required:
                    violations.append(Violation("body", "the request body is required"))
                return DecodedBody(None, None, False)
            if form.validator is not None and not form.validator.is_valid({}):
                violations.schema(form.validator, {}, 0, _body_violation)
            return DecodedBody(form.media_type, {}, True)
        media = self.match(content_type) if content_type else (self.media[0] if len(self.media) == 1 else None)
        if media is None:
            declared = ", ".join(m.media_type for m in self.media)
            sent = clip(content_type or "(none)", violations.limits.max_echo_length)
            detail = f"unsupported content type {sent}; expected one of: {declared}"
            violations.append(Violation("header", detail, name="content-type"), status=415)
            return DecodedBody(None, None, True)
        limits = violations.limits
        if media.xml is not None:
            value, refusal = media.xml.read(raw, limits.max_xml_elements, limits.max_nesting)
        else:
            value, refusal = decode(media.media_type, content_type or media.media_type, raw, limits)
        if refusal is not None:
            violations.append(Violation("body", refusal.detail), status=refusal.status)
            return DecodedBody(media.media_type, None, True)
        if self.form_arrays is not None and isinstance(value, dict) and is_form(media.essence):
            value = self.form_arrays(value)
        validator = media.validator
        if validator is not None and not validator.is_valid(value):
            if isinstance(value, str) and value[:1] in ("[", "{", '"'):
                # structured data sent as text/plain (Swagger 2.0 `consumes` lists often allow it)
                parsed, refused = read_json(value, limits.max_nesting)
                if refused is None and parsed is not None and validator.is_valid(parsed):
                    return DecodedBody(media.media_type, parsed, True)
            if is_form(media.essence):
                typed = coerce(value, validator.json_schema, validator.json_schema.get("$defs", {}))
                if validator.is_valid(typed):
                    return DecodedBody(media.media_type, typed, True)
                value = typed
            violations.schema(validator, value, len(raw), _body_violation)
        return DecodedBody(media.media_type, value, True)


def _body_violation(pointer: str, message: str) -> Violation:
    return Violation("body", message, pointer=pointer)


@lru_cache(maxsize=512)  # a handful of media types, met on every answer (Accept, the response's, the encoder's)
def essence(media_type: str) -> str:
    """A media type without parameters, in lower case: ``Application/JSON; charset=utf-8`` → ``application/json``."""
    return media_type.split(";", 1)[0].strip().lower()


def is_json(media_type: str) -> bool:
    kind = essence(media_type)
    return kind == "application/json" or kind.endswith("+json") or kind == "*/*"


FORM = "application/x-www-form-urlencoded"


def is_form(media_type: str) -> bool:
    return essence(media_type) in ("application/x-www-form-urlencoded", "multipart/form-data")


def decode(declared: str, content_type: str, raw: bytes, limits: Limits) -> tuple[Any, Refusal | None]:
    """The body as a JSON-like value, or why it cannot be read (each in time linear in its size)."""
    kind = essence(declared)
    if is_json(kind) and kind != "*/*":
        return read_json(raw, limits.max_nesting)
    if kind == "application/x-www-form-urlencoded":
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None, Refusal("the form body is not UTF-8")
        return read_form(text, limits.max_form_fields, limits.max_nesting)
    if kind == "multipart/form-data":
        pairs, refusal = read_multipart(content_type, raw, limits.max_multipart_parts, limits.max_nesting)
        if refusal is not None:
            return None, refusal
        return nest_form(pairs, limits.max_nesting)
    if kind.startswith("text/"):
        try:
            return raw.decode("utf-8"), None
        except UnicodeDecodeError:
            return None, Refusal("the text body is not UTF-8")
    return raw.decode("latin-1"), None  # binary: any bytes are a valid binary string
