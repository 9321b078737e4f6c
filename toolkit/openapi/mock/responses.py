"""Responses: which declared response to send, and its body and headers.

Per operation, compiled once: the declared statuses in order, each with its media types, named
examples that are valid against their schema (an example that contradicts its own schema is set
aside: the mock prefers valid data), and schema-driven generators built on first use.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from orjson import dumps as _orjson_dumps

from toolkit.documents import escape_pointer_token
from toolkit.errors import CtkError
from toolkit.openapi.coerce import composed_schemas
from toolkit.openapi.generate.generator import Generator, Generators
from toolkit.openapi.jsonschema import SchemaValidators, Validator, place
from toolkit.openapi.mock.bodies import essence
from toolkit.openapi.refs import Resolver


@dataclass(slots=True)
class MediaResponse:
    media_type: str
    schema: Any
    schema_place: str
    examples: dict[str, Any]  # valid named examples, in document order
    invalid_examples: list[str]
    _validator: Validator | None = None
    _generator: Generator | None = None
    _properties: frozenset[str] | None = None
    _by_convention: dict[str, str] | None = None  # declared names as ``convention_key`` spells them
    # per example, the text of the members a request's path names (see ``answers.fitting_example``), made once
    _fit_keys: tuple[tuple[str, ...], list[tuple[Any, dict[str, str] | None]]] | None = None
    # per set of echoed request names, which response name takes which (see ``answers.echoed_by_plan``), bounded there
    _echo_plans: dict[tuple[str, ...], tuple[tuple[str, str], ...]] = field(default_factory=dict)
    essence: str = field(init=False)  # the media type compared with a request's Accept
    concrete: str = field(init=False)  # concrete_media_type(media_type): what the answer's Content-Type says
    json_body: bool = field(init=False)  # whether encode_body writes it as compact JSON

    def __post_init__(self) -> None:
        self.essence = essence(self.media_type)
        self.concrete = concrete_media_type(self.media_type)
        self.json_body = _encoded_as_json(self.concrete)


@dataclass(slots=True)
class HeaderSpec:
    name: str
    required: bool
    schema: Any
    schema_place: str
    example: Any = None
    has_example: bool = False
    _generator: Generator | None = None


@dataclass(slots=True)
class ResponseSpec:
    key: str  # as declared: "200", "2XX", "default"
    status: int
    media: list[MediaResponse]
    headers: list[HeaderSpec] = field(default_factory=list)
    # negotiate(media, accept) by Accept value: clients send a handful (at most _NEGOTIATED kept, short ones only)
    _negotiated: dict[str | None, Any] = field(default_factory=dict)

    def negotiated(self, accept: str | None, negotiate: Callable[[list[MediaResponse], str | None], Any]) -> Any:
        """``negotiate(self.media, accept)``, remembered per Accept value."""
        known = self._negotiated
        if accept in known:
            return known[accept]
        chosen = negotiate(self.media, accept)
        if accept is None or len(accept) <= _NEGOTIATED_LENGTH:
            if len(known) >= _NEGOTIATED:
                known.clear()
            known[accept] = chosen
        return chosen


_NEGOTIATED = 64
_NEGOTIATED_LENGTH = 256


class ResponseSet:
    """Every declared response of one operation, with the default choice made at compile time."""

    def __init__(self, specs: list[ResponseSpec]) -> None:
        self.specs = specs
        self.by_status: dict[int, ResponseSpec] = {}
        for spec in specs:  # exact codes win over ranges over default
            if spec.key.isdigit():
                self.by_status.setdefault(spec.status, spec)
        for spec in specs:
            if not spec.key.isdigit():
                self.by_status.setdefault(spec.status, spec)
        self.default_spec = _default(specs)
        self.catch_all = next((s for s in specs if s.key == "default"), None)

    def for_status(self, status: int) -> ResponseSpec | None:
        found = self.by_status.get(status)
        if found is not None:
            return found
        for spec in self.specs:
            if spec.key.endswith("XX") and spec.key[0] == str(status)[0]:
                return spec
        return self.catch_all

    def error(self, *statuses: int) -> ResponseSpec | None:
        """The first of ``statuses`` the operation declares (exactly or by range), not via default."""
        for status in statuses:
            spec = self.by_status.get(status)
            if spec is not None and spec.key != "default":
                return spec
            for candidate in self.specs:
                if candidate.key.upper() == f"{str(status)[0]}XX":
                    return candidate
        return None


def _default(specs: list[ResponseSpec]) -> ResponseSpec | None:
    success = sorted((s for s in specs if 200 <= s.status < 300 and s.key != "default"), key=lambda s: s.status)
    if success:
        return success[0]
    fallback = next((s for s in specs if s.key == "default"), None)
    if fallback is not None:
        return fallback
    sendable = [s for s in specs if s.status >= 200]  # a 1xx (101 Switching Protocols) cannot end an exchange
    return min(sendable, key=lambda s: s.status) if sendable else None


def compile_responses(
    responses: Any, uri: str, pointer: str, resolver: Resolver, validators: SchemaValidators, spec_version: str,
    produces: list[str],
) -> ResponseSet:  # fmt: skip
    specs: list[ResponseSpec] = []
    if not isinstance(responses, dict):
        return ResponseSet(specs)
    for key, raw in responses.items():
        key = str(key)
        if key.startswith("x-"):
            continue
        status = _status_of(key)
        if status is None:
            continue
        response, response_uri = resolver.deref(raw, uri)
        if not isinstance(response, dict):
            continue
        response_pointer = f"{pointer}/{key}" if response is raw else _pointer_of(raw)
        media: list[MediaResponse] = []
        if spec_version == "2.0":
            # Media types come from `produces` even without a schema: clients (and schemathesis) expect
            # a Content-Type on every response of an operation that declares what it produces.
            if "schema" in response or produces:
                examples: dict[str, Any] = response["examples"] if isinstance(response.get("examples"), dict) else {}
                for media_type in produces or ["application/json"]:
                    found = {"default": examples[media_type]} if media_type in examples else {}
                    if not found and _is_error(key, status):
                        found = _schema_example(response.get("schema"), resolver, response_uri)
                    media.append(
                        _media(
                            media_type,
                            response.get("schema"),
                            place(response_uri, f"{response_pointer}/schema"),
                            found,
                            validators,
                        )
                    )
        else:
            content = response.get("content")
            for media_type, entry in (content or {}).items() if isinstance(content, dict) else ():
                if not isinstance(entry, dict):
                    continue
                examples = _examples(entry, resolver, response_uri)
                if not examples and _is_error(key, status):
                    examples = _schema_example(entry.get("schema"), resolver, response_uri)
                schema_place = place(
                    response_uri, f"{response_pointer}/content/{escape_pointer_token(str(media_type))}/schema"
                )
                media.append(_media(str(media_type), entry.get("schema"), schema_place, examples, validators))
        headers: list[HeaderSpec] = []
        for name, raw_header in (
            (response.get("headers") or {}).items() if isinstance(response.get("headers"), dict) else ()
        ):
            header, header_uri = resolver.deref(raw_header, response_uri)
            if not isinstance(header, dict) or str(name).lower() == "content-type":
                continue
            schema = header.get("schema")
            if schema is None and "type" in header:  # Swagger 2.0
                schema = {k: v for k, v in header.items() if k != "description"}
            headers.append(
                HeaderSpec(
                    name=str(name),
                    required=bool(header.get("required")),
                    schema=schema if schema is not None else {"type": "string"},
                    schema_place=place(header_uri, ""),
                    example=header.get("example"),
                    has_example="example" in header,
                )
            )
        specs.append(ResponseSpec(key, status, media, headers))
    return ResponseSet(specs)


def _media(
    media_type: str, schema: Any, schema_place: str, examples: dict[str, Any], validators: SchemaValidators
) -> MediaResponse:
    entry = MediaResponse(media_type, schema, schema_place, {}, [])
    if schema is None:
        entry.examples = examples
        return entry
    if examples:
        validator = validators.validator(schema, schema_place, "response")
        entry._validator = validator
        for name, value in examples.items():
            if validator.is_valid(value):
                entry.examples[name] = value
            else:
                entry.invalid_examples.append(name)
    return entry


def _examples(entry: dict[str, Any], resolver: Resolver, uri: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if isinstance(entry.get("examples"), dict):
        for name, raw in entry["examples"].items():
            try:
                example, _ = resolver.deref(raw, uri)
            except CtkError:  # a broken example ref must not stop the mock; lint reports it
                continue
            if isinstance(example, dict) and "value" in example:
                found[str(name)] = example["value"]
    if "example" in entry:
        found.setdefault("default", entry["example"])
    return found


def _is_error(key: str, status: int) -> bool:
    return status >= 400 or key == "default"


def _schema_example(schema: Any, resolver: Resolver, uri: str) -> dict[str, Any]:
    """An error response's schema ``example`` (through ``$ref``), when its media type gives none: vendors often
    put the realistic error body there."""
    try:
        resolved, _ = resolver.deref(schema, uri)
    except CtkError:
        return {}
    if isinstance(resolved, dict) and "example" in resolved:
        return {"schema": resolved["example"]}
    return {}


def _status_of(key: str) -> int | None:
    if key == "default":
        return 200  # refined by the caller when a concrete status is asked for
    if key.isdigit():
        return int(key)
    if len(key) == 3 and key[0].isdigit() and key[1:].upper() == "XX":
        return int(key[0]) * 100
    return None


def _pointer_of(raw: Any) -> str:
    ref = raw.get("$ref") if isinstance(raw, dict) else None
    return ref.partition("#")[2] if isinstance(ref, str) else ""


def validator_of(media: MediaResponse, validators: SchemaValidators) -> Validator:
    if media._validator is None:
        media._validator = validators.validator(media.schema, media.schema_place, "response")
    return media._validator


def properties_of(media: MediaResponse, validators: SchemaValidators) -> frozenset[str]:
    """The top-level property names the response schema declares (through ``$ref`` and compositions):
    the only names the mock may echo from the request, so a path parameter such as ``customer_id``
    does not turn up as an undeclared property of the resource."""
    if media._properties is None:
        document = validator_of(media, validators).json_schema
        schemas = composed_schemas(document, document.get("$defs") or {})
        media._properties = frozenset(name for schema in schemas for name in schema.get("properties") or ())
    return media._properties


def convention_names(media: MediaResponse, validators: SchemaValidators) -> dict[str, str]:
    """The declared top-level property names by their spelling in any case convention (``friendlyname`` ->
    ``friendly_name``), built once per response; a spelling two declared names share is left out."""
    if media._by_convention is None:
        seen: dict[str, str | None] = {}
        for name in sorted(properties_of(media, validators)):
            key = convention_key(name)
            seen[key] = None if key in seen else name
        media._by_convention = {key: name for key, name in seen.items() if name is not None}
    return media._by_convention


@lru_cache(maxsize=4096)  # the names a response echoes, met on every answer that echoes them
def convention_key(name: str) -> str:
    """One spelling for every case convention: ``FriendlyName``, ``friendlyName``, ``friendly_name`` and
    ``friendly-name`` all read ``friendlyname``."""
    return name.replace("_", "").replace("-", "").replace(" ", "").lower()


def generator_of(media: MediaResponse, generators: Generators) -> Generator:
    if media._generator is None:
        media._generator = generators.generator(media.schema, media.schema_place, "response")
    return media._generator


def header_values(spec: ResponseSpec, generators: Generators, rng: random.Random) -> list[tuple[str, str]]:
    return [(header.name.lower(), header_value(header, generators, rng)) for header in spec.headers]


def header_value(header: HeaderSpec, generators: Generators, rng: random.Random) -> str:
    """The header's example, else a value drawn from its schema, as header text."""
    if header.has_example and header.example is not None:
        value = header.example
    else:
        if header._generator is None:
            header._generator = generators.generator(header.schema, header.schema_place, "response")
        value = header._generator.generate(rng)
    return header_text(value)


def header_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(header_text(v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k},{header_text(v)}" for k, v in value.items())
    if value is None:
        return ""
    text = str(value)
    return "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text)  # header values must be latin-1 printable


# json.dumps with options builds an encoder per call; one, built once, serves every answer (it keeps no state)
_COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _compact_writer() -> Callable[[Any], str]:
    """``_COMPACT_JSON.encode``, the same text, through the C encoder made once rather than per call (about 0.8 µs
    less per answer). Made without the circular-reference check: answers are fresh trees of JSON values (generated,
    or examples copied from a parsed document), never cyclic; one would fail as a RecursionError instead of a
    ValueError, a 500 either way. Where CPython's C encoder is missing, the encoder itself."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return _COMPACT_JSON.encode
    try:
        chunks = make(None, _COMPACT_JSON.default, json.encoder.encode_basestring, None, ":", ",", False, False, True)
    except TypeError:  # another signature than CPython 3.11-3.13's
        return _COMPACT_JSON.encode
    return lambda value: "".join(chunks(value, 0))


_compact_json = _compact_writer()


def _encoded_as_json(media_type: str) -> bool:
    kind = essence(media_type)
    return kind == "application/json" or kind.endswith("+json") or kind.endswith("/*")


def encode_json(value: Any) -> bytes:
    """``encode_body`` of a JSON media type (``MediaResponse.json_body``): orjson's bytes (about 0.3 µs for a
    customer against 2.6 for the C encoder), the stdlib encoder's for what orjson refuses (an integer past 64 bits,
    a key that is not a string). The same JSON values; numbers in exponent form are spelled ``1e16``/``1e-5`` where
    the stdlib spells ``1e+16``/``1e-05``, and a NaN (only an example can hold one) is ``null``, not ``NaN``."""
    try:
        return _orjson_dumps(value)
    except TypeError:  # orjson.JSONEncodeError
        return _compact_json(value).encode()


def encode_body(media_type: str, value: Any) -> bytes:
    kind = essence(media_type)
    if kind == "application/json" or kind.endswith("+json") or kind.endswith("/*"):  # as _encoded_as_json
        return encode_json(value)
    if kind.endswith("/xml") or kind.endswith("+xml"):
        return _xml(value).encode()
    if isinstance(value, str):
        return value.encode("utf-8") if kind.startswith("text/") else value.encode("latin-1", "replace")
    if value is None:
        return b""
    return json.dumps(value, ensure_ascii=False).encode()


def concrete_media_type(media_type: str) -> str:
    kind = essence(media_type)
    if kind in ("*/*", "application/*"):
        return "application/json"
    if kind.endswith("/*"):
        return kind[:-1] + "plain" if kind.startswith("text/") else "application/octet-stream"
    return media_type


def _xml(value: Any, tag: str = "root") -> str:
    from xml.sax.saxutils import escape

    if isinstance(value, dict):
        inner = "".join(_xml(v, str(k)) for k, v in value.items())
    elif isinstance(value, list):
        inner = "".join(_xml(v, "item") for v in value)
    elif value is None:
        inner = ""
    else:
        inner = escape(header_text(value) if isinstance(value, bool) else str(value))
    safe = "".join(ch if ch.isalnum() or ch in "_-." else "_" for ch in tag) or "item"
    if not (safe[0].isalpha() or safe[0] == "_"):
        safe = "_" + safe
    return f"<{safe}>{inner}</{safe}>"
