"""OpenAPI schemas compiled into fast JSON Schema validators (jsonschema_rs), once per schema node.

The mock validates every request and checks every generated response, so validation must be
cheap and must not walk the OpenAPI document on the request path. Each schema node is converted
once into a standalone JSON Schema 2020-12 document (OpenAPI 3.0 / Swagger 2.0 quirks translated,
referenced schemas bundled under ``$defs`` with their ``$ref``s kept, so recursion costs nothing)
and compiled by jsonschema_rs. Every output is 2020-12 whatever the input dialect: one target
dialect keeps the generators (``openapi.generate``) to one dialect too.

Conversions: 3.0 ``nullable``/``x-nullable`` become ``null`` in type arrays and enums (or an
``anyOf`` with ``{"type": "null"}`` around compositions and ``$ref``s); boolean
``exclusiveMinimum``/``exclusiveMaximum`` become their numeric form; ``example`` becomes the
``examples`` annotation; ``discriminator`` stays an annotation, its mapping completed with the
implicit names and pointed at ``$defs``. Direction: ``readOnly`` properties are not required in
requests, ``writeOnly`` ones not in responses. Unknown keywords and ``x-`` extensions are dropped.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import jsonschema_rs

from toolkit.documents import escape_pointer_token, unescape_pointer_token
from toolkit.errors import CtkError
from toolkit.openapi.load import OpenAPIContract
from toolkit.openapi.refs import Resolver

Direction = Literal["request", "response"]
# An annotation (ignored by validators) on enums whose null comes only from `nullable`.
NULL_BY_NULLABLE = "x-ctk-null-from-nullable"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Keywords whose value is one subschema / a list of them / a map of them (2020-12 names).
_ONE = ("additionalProperties", "not", "contains", "propertyNames", "if", "then", "else",
        "unevaluatedProperties", "unevaluatedItems")  # fmt: skip
_MANY = ("allOf", "anyOf", "oneOf", "prefixItems")
_MAP = ("properties", "patternProperties", "dependentSchemas")
# Keywords copied as they are (values are data or plain numbers/strings).
_PLAIN = frozenset(
    {
        "type", "enum", "const", "default", "format", "pattern", "minLength", "maxLength", "minimum", "maximum",
        "multipleOf", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties", "required",
        "title", "description", "readOnly", "writeOnly", "deprecated", "dependentRequired", "minContains",
        "maxContains", "contentMediaType", "contentEncoding",
    }
)  # fmt: skip
_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object", "null"})
_COMPOSITIONS = ("allOf", "anyOf", "oneOf", "not", "$ref")
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def place(uri: str, json_pointer: str = "") -> str:
    """The ``place`` string the engines take: the document URI and the JSON pointer of the node."""
    return f"{uri}#{json_pointer}"


def split_place(where: str) -> tuple[str, str]:
    uri, _, json_pointer = where.partition("#")
    return uri, json_pointer


def instance_pointer(path: list[str | int]) -> str:
    return "".join("/" + escape_pointer_token(str(token)) for token in path)


class SchemaCompileError(CtkError):
    """A schema could not be turned into a validator, even after dropping what jsonschema_rs refuses."""


@dataclass(eq=False)
class Validator:
    """A compiled validator for one schema node in one direction."""

    json_schema: dict[str, Any]
    where: str
    warnings: list[str] = field(default_factory=list)
    _compiled: Any = None

    def is_valid(self, value: Any) -> bool:
        return bool(self._compiled.is_valid(value))

    def errors(self, value: Any) -> list[tuple[str, str]]:
        """Every error as (JSON pointer in the instance, message)."""
        return [(instance_pointer(error.instance_path), error.message) for error in self._compiled.iter_errors(value)]


class _Bundle:
    """The converted form of every referenced schema of one contract, for one direction, shared by all
    validators: Stripe's ~600 schemas are each converted once, whatever the number of validators."""

    def __init__(self, resolver: Resolver, spec_version: str, direction: Direction) -> None:
        self.resolver = resolver
        self.legacy = spec_version in ("2.0", "3.0")
        self.direction = direction
        self.defs: dict[str, Any] = {}
        self.refs_of: dict[str, set[str]] = {}  # def name -> the def names it refers to directly
        self.names: dict[tuple[str, str], str] = {}  # (document uri, pointer) -> def name
        self.origins: dict[str, str] = {}  # def name -> the schema's own name (implicit discriminator value)
        self.warnings: list[str] = []
        self._pending: list[tuple[str, Any, str]] = []
        self._places: dict[str, str] = {}

    def convert_root(self, schema: Any, uri: str) -> tuple[Any, set[str]]:
        """``schema`` converted, with every definition it needs. All or nothing: a definition is named
        (with an empty placeholder) before it is converted, so a failure midway (a MemoryError, a
        RecursionError) would leave placeholders that accept anything; they are taken back instead."""
        refs: set[str] = set()
        names_before = len(self.names)
        try:
            converted = self._convert(schema, uri, refs)
            self._drain()
        except BaseException:
            self._forget_since(names_before)
            raise
        return converted, refs

    def _forget_since(self, count: int) -> None:
        started = list(self.names.items())[count:]  # dicts keep insertion order: the names this call added
        for key, name in started:
            del self.names[key]
            self.defs.pop(name, None)
            self.origins.pop(name, None)
            self.refs_of.pop(name, None)
        self._pending.clear()
        self._places = {}

    def place_of(self, name: str) -> str:
        """Where definition ``name`` comes from, as ``uri#pointer`` (for messages)."""
        if len(self._places) != len(self.names):
            self._places = {def_name: f"{uri}#{json_pointer}" for (uri, json_pointer), def_name in self.names.items()}
        return self._places.get(name, f"#/$defs/{name}")

    def closure(self, refs: set[str]) -> dict[str, Any]:
        seen: set[str] = set()
        stack = list(refs)
        while stack:
            name = stack.pop()
            if name not in seen:
                seen.add(name)
                stack.extend(self.refs_of.get(name, ()))
        return {name: self.defs[name] for name in sorted(seen)}

    def def_name(self, ref: str, uri: str) -> str:
        target, target_uri, target_pointer = self.resolver.resolve(ref, uri)
        key = (target_uri, target_pointer)
        if key in self.names:
            return self.names[key]
        token = unescape_pointer_token(target_pointer.rsplit("/", 1)[-1]) if target_pointer else ""
        origin = token or target_uri.rsplit("/", 1)[-1].split(".")[0]
        base = _NAME_UNSAFE.sub("_", origin) or "schema"
        name, number = base, 1
        while name in self.defs:
            number += 1
            name = f"{base}_{number}"
        self.names[key] = name
        self.origins[name] = origin
        self.defs[name] = {}  # placeholder until converted: names are taken at once
        self._pending.append((name, target, target_uri))
        return name

    def _drain(self) -> None:
        while self._pending:
            name, target, target_uri = self._pending.pop()
            refs: set[str] = set()
            self.defs[name] = self._convert(target, target_uri, refs)
            self.refs_of[name] = refs

    def _convert(self, schema: Any, uri: str, refs: set[str]) -> Any:
        if isinstance(schema, bool):
            return schema
        if not isinstance(schema, dict):
            return {}
        ref = schema.get("$ref")
        if isinstance(ref, str):
            name = self.def_name(ref, uri)
            refs.add(name)
            out: dict[str, Any] = {"$ref": f"#/$defs/{name}"}
            if self.legacy:
                # 3.0 and 2.0 ignore $ref siblings, except the ones everybody relies on
                for key in ("readOnly", "writeOnly"):
                    if schema.get(key) is True:
                        out[key] = True
                return self._nullable(out, self.legacy) if _is_nullable(schema) else out
            rest = {key: value for key, value in schema.items() if key != "$ref"}
            if rest:
                out.update(self._convert(rest, uri, refs))
            return out
        out = {}
        for key, value in schema.items():
            if key in _PLAIN:
                out[key] = value
            elif key in _ONE:
                if isinstance(value, (dict, bool)):
                    out[key] = self._convert(value, uri, refs)
            elif key in _MANY:
                if isinstance(value, list):
                    out[key] = [self._convert(item, uri, refs) for item in value]
            elif key in _MAP:
                if isinstance(value, dict):
                    out[key] = {name: self._convert(item, uri, refs) for name, item in value.items()}
            elif key == "items":
                if isinstance(value, list):  # tuple form (draft 4-2019): 2020-12 spells it prefixItems
                    out["prefixItems"] = [self._convert(item, uri, refs) for item in value]
                    extra = schema.get("additionalItems")
                    if isinstance(extra, (dict, bool)):
                        out["items"] = self._convert(extra, uri, refs)
                elif isinstance(value, (dict, bool)):
                    out["items"] = self._convert(value, uri, refs)
            elif key == "example":
                out.setdefault("examples", [value])
            elif key == "examples" and isinstance(value, list):
                out["examples"] = value
            elif key == "discriminator":
                out[key] = self._discriminator(value, schema, uri)
        self._fix(out, schema, uri)
        return self._nullable(out, self.legacy) if _is_nullable(schema) else out

    def _fix(self, out: dict[str, Any], schema: dict[str, Any], uri: str) -> None:
        """Repair what 2020-12 reads differently or what jsonschema_rs would refuse."""
        kind = out.get("type")
        if isinstance(kind, list):
            kept = [item for item in kind if item in _TYPES]
            out["type"] = kept if kept else out.pop("type")
        elif kind is not None and kind not in _TYPES:
            del out["type"]  # Swagger's "file", typos: no constraint
        for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
            flag = schema.get(exclusive)
            if isinstance(flag, bool):
                if flag and isinstance(out.get(bound), (int, float)):
                    out[exclusive] = out.pop(bound)
            elif isinstance(flag, (int, float)):
                out[exclusive] = flag
        for bound in ("minimum", "maximum", "multipleOf", "minLength", "maxLength", "minItems", "maxItems",
                      "minProperties", "maxProperties"):  # fmt: skip
            if bound in out and not _finite_number(out[bound]):  # YAML's .inf/.nan, strings, booleans
                del out[bound]
        if out.get("multipleOf", 1) <= 0:
            del out["multipleOf"]
        if "required" in out:
            required = out["required"]
            if not isinstance(required, list):
                del out["required"]
            else:
                skip = "readOnly" if self.direction == "request" else "writeOnly"
                given = schema.get("properties")
                properties: dict[str, Any] = given if isinstance(given, dict) else {}
                kept_names = [
                    name
                    for name in dict.fromkeys(required)
                    if isinstance(name, str) and not self._flag(properties.get(name), uri, skip)
                ]
                if kept_names:
                    out["required"] = kept_names
                else:
                    del out["required"]
        if "enum" in out and not isinstance(out["enum"], list):
            del out["enum"]
        for name in ("pattern",):
            if name in out and not (isinstance(out[name], str) and _regex_ok(out[name])):
                self.warnings.append(f"pattern {out[name]!r} is not a regular expression ctk can check; ignored")
                del out[name]
        patterns = out.get("patternProperties")
        if isinstance(patterns, dict):
            for regex in [regex for regex in patterns if not _regex_ok(regex)]:
                self.warnings.append(f"patternProperties {regex!r} is not a regular expression ctk can check; ignored")
                del patterns[regex]

    def _flag(self, schema: Any, uri: str, flag: str) -> bool:
        if not isinstance(schema, dict):
            return False
        if schema.get(flag) is True:
            return True
        if isinstance(schema.get("$ref"), str):
            target, _ = self.resolver.deref(schema, uri)
            return isinstance(target, dict) and target.get(flag) is True
        return False

    def _discriminator(self, value: Any, schema: dict[str, Any], uri: str) -> Any:
        if isinstance(value, str):  # Swagger 2.0: the property name only
            return {"propertyName": value}
        if not isinstance(value, dict) or not isinstance(value.get("propertyName"), str):
            return None
        mapping: dict[str, str] = {}
        given = value.get("mapping")
        for key, ref in (given if isinstance(given, dict) else {}).items():
            if isinstance(ref, str):
                ref = ref if "#" in ref or "/" in ref else f"#/components/schemas/{ref}"
                try:
                    mapping[str(key)] = f"#/$defs/{self.def_name(ref, uri)}"
                except CtkError:
                    self.warnings.append(f"discriminator mapping {key!r} points at nothing; ignored")
        mapped = set(mapping.values())
        branches = [item for key in ("oneOf", "anyOf") if isinstance(schema.get(key), list) for item in schema[key]]
        for branch in branches:
            if isinstance(branch, dict) and isinstance(branch.get("$ref"), str):
                name = self.def_name(branch["$ref"], uri)
                if f"#/$defs/{name}" not in mapped:
                    mapping.setdefault(self.origins[name], f"#/$defs/{name}")
        return {"propertyName": value["propertyName"], "mapping": mapping}

    @staticmethod
    def _nullable(out: dict[str, Any], legacy: bool) -> dict[str, Any]:
        """``nullable`` as vendors mean it: null is accepted. Where a strict reader would not accept it
        (3.0.3: on an enum or beside a $ref/anyOf; 3.1: anywhere, since 3.1 has no ``nullable``), the
        result is flagged so that the generators send null only when nothing else fits."""
        if any(key in out for key in _COMPOSITIONS):
            annotations: dict[str, Any] = {key: out[key] for key in ("readOnly", "writeOnly") if key in out}
            return {"anyOf": [{"type": "null"}, out], **annotations, NULL_BY_NULLABLE: True}
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        elif isinstance(kind, list) and "null" not in kind:
            out["type"] = [*kind, "null"]
        if not legacy and "type" in out:
            out[NULL_BY_NULLABLE] = True
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            # OpenAPI 3.0.3 reads `nullable` + an enum without null as "null not allowed"; vendors mean
            # the opposite. Validation accepts null; the generators never send it (see NULL_BY_NULLABLE).
            out["enum"] = [*out["enum"], None]
            out[NULL_BY_NULLABLE] = True
        if "const" in out and out["const"] is not None:
            out = {"anyOf": [{"type": "null"}, out]}
        return out


def _finite_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return isinstance(value, int) or math.isfinite(value)


def _is_nullable(schema: dict[str, Any]) -> bool:
    return schema.get("nullable") is True or schema.get("x-nullable") is True


_REGEX_VERDICTS: dict[str, bool] = {}


def _regex_ok(regex: str) -> bool:
    if regex not in _REGEX_VERDICTS:
        try:
            jsonschema_rs.Draft202012Validator({"pattern": regex})
            _REGEX_VERDICTS[regex] = True
        except (ValueError, jsonschema_rs.ValidationError):
            _REGEX_VERDICTS[regex] = False
    return _REGEX_VERDICTS[regex]


def _compile(document: dict[str, Any], where: str) -> Any:
    try:
        return jsonschema_rs.Draft202012Validator(document, validate_formats=True)
    except (ValueError, jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError) as exc:
        raise SchemaCompileError(
            f"the schema cannot be compiled into a validator: {str(exc).splitlines()[0]}",
            where=where,
            hint="check the schema against the JSON Schema rules of its OpenAPI version",
        ) from None


class SchemaValidators:
    """Validators for the schemas of one contract, compiled once per (schema node, direction)."""

    def __init__(self, contract: OpenAPIContract) -> None:
        if contract.resolver is None:
            raise CtkError("the contract has no reference resolver", where=contract.source)
        self.contract = contract
        self.resolver = contract.resolver
        self.spec_version = contract.spec_version
        self._bundles: dict[str, _Bundle] = {}
        self._cache: dict[tuple[Any, str], tuple[Any, Validator]] = {}

    def bundle(self, direction: Direction) -> _Bundle:
        if direction not in self._bundles:
            self._bundles[direction] = _Bundle(self.resolver, self.spec_version, direction)
        return self._bundles[direction]

    @property
    def warnings(self) -> list[str]:
        return [warning for bundle in self._bundles.values() for warning in bundle.warnings]

    def validator(self, schema: Any, place: str, direction: Direction) -> Validator:
        key = (id(schema) if isinstance(schema, (dict, list)) else place, direction)
        cached = self._cache.get(key)
        if cached is not None:
            return cached[1]
        bundle = self.bundle(direction)
        uri, json_pointer = split_place(place)
        uri = uri or self.resolver.root_uri
        start = len(bundle.warnings)
        root: Any
        refs: set[str]
        target = schema
        if json_pointer and isinstance(schema, dict) and not isinstance(schema.get("$ref"), str):
            # a named node (a components schema): share its conversion with every $ref to it
            try:
                found, _, _ = self.resolver.resolve("#" + json_pointer, uri)
            except CtkError:
                found = None
            if found is schema:
                target = {"$ref": "#" + json_pointer}
        try:
            root, refs = bundle.convert_root(target, uri)
        except RecursionError:
            raise SchemaCompileError(
                "the schema is nested too deeply to be compiled",
                where=place,
                hint="flatten the schema with named components ($ref) instead of thousands of inline levels",
            ) from None
        document: dict[str, Any] = dict(root) if isinstance(root, dict) else {"allOf": [root]}
        document["$schema"] = DIALECT
        defs = bundle.closure(refs)
        if defs:
            document["$defs"] = defs
        validator = Validator(document, place, bundle.warnings[start:], _compile(document, place))
        self._cache[key] = (schema, validator)  # the schema is kept alive so that its id is not reused
        return validator
