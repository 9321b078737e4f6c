"""Request parameters: compiled once per operation, decoded and validated per request.

OpenAPI serialises parameters in styles (``form``, ``simple``, ``deepObject``, …) that a server
must undo before it can validate a value: ``?ids=1,2`` is an array of integers only once split and
converted. Each ``CompiledParameter`` knows its style and the JSON types its schema allows, so the
request path only splits strings and tries a few conversions; the schema itself is checked by a
compiled validator.

Swagger 2.0 says it with ``collectionFormat`` instead: ``csv`` (the default), ``ssv``, ``tsv``, ``pipes``
or ``multi`` (the parameter repeated; query and formData only), on the parameter and again on its
``items`` when they are arrays themselves (``?m=1|2,3|4``: csv of pipes). ``ItemSplit`` carries the
nested ones; ``FormArrays`` applies the same rules to formData fields, which arrive in a form body.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from toolkit.exchange import Violation
from toolkit.openapi.coerce import coerce, declared_types, typed_candidates
from toolkit.openapi.jsonschema import SchemaValidators, Validator, place
from toolkit.openapi.mock.reading import read_json
from toolkit.openapi.mock.violations import Violations
from toolkit.openapi.refs import Resolver

_DEFAULT_STYLE = {"path": "simple", "query": "form", "header": "simple", "cookie": "form"}
_BRACKETS = re.compile(r"\[([^\[\]]*)\]")
# The separator between an array's items: OpenAPI 3 styles, Swagger 2.0 collection formats (multi: repeated)
_STYLE_SEPARATORS = {"spaceDelimited": " ", "pipeDelimited": "|"}
_COLLECTION_SEPARATORS = {"csv": ",", "ssv": " ", "tsv": "\t", "pipes": "|"}
_MAX_ITEM_NESTING = 8  # arrays of arrays a Swagger 2.0 parameter may declare (a $ref cycle stops here)


@dataclass(frozen=True, slots=True)
class ItemSplit:
    """How each item of a Swagger 2.0 array splits when the items are arrays themselves: the items'
    own ``collectionFormat`` separator, then their items' types (or how those split in turn)."""

    separator: str
    types: tuple[str, ...]
    inner: ItemSplit | None = None


@dataclass(slots=True)
class CompiledParameter:
    name: str
    location: str  # path | query | header | cookie
    required: bool
    style: str
    explode: bool
    kind: str  # "array" | "object" | "primitive" | "content"
    types: tuple[str, ...]
    item_types: tuple[str, ...]
    property_types: dict[str, tuple[str, ...]]
    validator: Validator | None
    schema: Any = None
    schema_place: str = ""
    separator: str = ","  # between an array's items (or an object's keys and values) in one text
    inner: ItemSplit | None = None  # a Swagger 2.0 array of arrays: how each item splits
    key: str = field(init=False)

    def __post_init__(self) -> None:
        self.key = self.name.lower() if self.location == "header" else self.name


def compile_parameters(
    raw_parameters: list[Any], uri: str, pointer_base: str, resolver: Resolver, validators: SchemaValidators
) -> list[CompiledParameter]:
    """Compile path-item and operation parameters (operation ones win on the same name and place)."""
    by_key: dict[tuple[str, str], CompiledParameter] = {}
    for index, raw in enumerate(raw_parameters):
        parameter, parameter_uri = resolver.deref(raw, uri)
        if not isinstance(parameter, dict) or not isinstance(parameter.get("name"), str):
            continue
        location = parameter.get("in")
        if location not in _DEFAULT_STYLE:
            continue  # Swagger 2.0 body/formData parameters are handled as the request body
        schema = parameter.get("schema")
        swagger2 = schema is None and "type" in parameter and "content" not in parameter
        schema_place = place(parameter_uri, f"{pointer_base}/{index}/schema")
        kind = "primitive"
        content = parameter.get("content")
        if schema is None and isinstance(content, dict) and content:
            media_type, media = next(iter(content.items()))
            schema = media.get("schema") if isinstance(media, dict) else None
            kind = "content" if "json" in str(media_type) else "primitive"
        if swagger2:  # the schema keywords sit on the parameter
            schema = {k: v for k, v in parameter.items() if k not in {"name", "in", "required", "description"}}
        resolved, schema_uri = resolver.deref(schema, parameter_uri) if schema is not None else ({}, parameter_uri)
        types = _types(resolved, resolver, schema_uri)
        if kind != "content":
            if "array" in types and not (set(types) - {"array", "null"}):
                kind = "array"
            elif "object" in types and not (set(types) - {"object", "null"}):
                kind = "object"
        items = resolved.get("items") if isinstance(resolved, dict) else None
        item_types = _types(resolver.deref(items, schema_uri)[0], resolver, schema_uri) if items else ()
        properties: dict[str, tuple[str, ...]] = {}
        if isinstance(resolved, dict) and isinstance(resolved.get("properties"), dict):
            for prop_name, prop_schema in resolved["properties"].items():
                properties[prop_name] = _types(resolver.deref(prop_schema, schema_uri)[0], resolver, schema_uri)
        inner: ItemSplit | None = None
        if swagger2:
            style = _DEFAULT_STYLE[location]
            collection_format = parameter.get("collectionFormat") or "csv"
            explode = collection_format == "multi" and location == "query"  # multi is for query (and formData)
            separator = _COLLECTION_SEPARATORS.get(collection_format, ",")
            if kind == "array":
                inner = item_split(items, resolver, schema_uri)
        else:
            style = parameter.get("style") or _DEFAULT_STYLE[location]
            explode = parameter.get("explode", style == "form")
            separator = _STYLE_SEPARATORS.get(style, ",")
        by_key[(location, parameter["name"])] = CompiledParameter(
            name=parameter["name"],
            location=location,
            required=bool(parameter.get("required")) or location == "path",
            style=style,
            explode=bool(explode),
            kind=kind,
            types=types,
            item_types=item_types,
            property_types=properties,
            validator=validators.validator(schema, schema_place, "request") if schema is not None else None,
            schema=schema,
            schema_place=schema_place,
            separator=separator,
            inner=inner,
        )
    return list(by_key.values())


def item_split(items: Any, resolver: Resolver, uri: str, depth: int = 0) -> ItemSplit | None:
    """How a Swagger 2.0 array's items split when they are arrays (their ``collectionFormat``, csv by
    default; ``multi`` means nothing there and reads as csv); None when they are not arrays."""
    if items is None or depth >= _MAX_ITEM_NESTING:
        return None
    resolved, items_uri = resolver.deref(items, uri)
    if not isinstance(resolved, dict) or "array" not in _types(resolved, resolver, items_uri):
        return None
    inner_items = resolved.get("items")
    inner_types = _types(resolver.deref(inner_items, items_uri)[0], resolver, items_uri) if inner_items else ()
    return ItemSplit(
        _COLLECTION_SEPARATORS.get(str(resolved.get("collectionFormat") or "csv"), ","),
        inner_types,
        item_split(inner_items, resolver, items_uri, depth + 1),
    )


class FormArrays:
    """Swagger 2.0 formData arrays, read from a form body (urlencoded or multipart) the way query arrays
    are: ``ids=1,2,3`` split by the field's ``collectionFormat`` (csv by default), ``ids=1&ids=2`` when it
    is ``multi`` (a repeated field is split field by field otherwise, as the query is), nested item
    formats split in turn, and the items typed. Fields that are not such arrays are left as they came."""

    __slots__ = ("fields",)

    def __init__(self, fields: dict[str, tuple[ItemSplit, bool]]) -> None:
        self.fields = fields  # name -> (how the field's text splits, multi)

    @classmethod
    def compile(cls, parameters: list[Any], resolver: Resolver, uri: str) -> FormArrays | None:
        """From an operation's ``in: formData`` parameters (their ``$ref`` followed); None without arrays."""
        fields: dict[str, tuple[ItemSplit, bool]] = {}
        for parameter in parameters:
            if not isinstance(parameter, dict) or not isinstance(parameter.get("name"), str):
                continue
            if "array" not in _types(parameter, resolver, uri):
                continue
            items = parameter.get("items")
            item_types = _types(resolver.deref(items, uri)[0], resolver, uri) if items else ()
            if "file" in item_types:
                continue  # uploads (off-spec, but published): a file's content is never split
            collection_format = str(parameter.get("collectionFormat") or "csv")
            split = ItemSplit(
                _COLLECTION_SEPARATORS.get(collection_format, ","), item_types, item_split(items, resolver, uri)
            )
            fields[parameter["name"]] = (split, collection_format == "multi")
        return cls(fields) if fields else None

    def __call__(self, form: dict[str, Any]) -> dict[str, Any]:
        out = form
        for name, (split, multi) in self.fields.items():
            value = form.get(name)
            if isinstance(value, str):
                texts = [value]
            elif isinstance(value, list) and all(isinstance(text, str) for text in value):
                texts = value
            else:
                continue  # absent, or bracketed fields nest_form already shaped
            parts = texts if multi else [part for text in texts for part in _split(text, split.separator)]
            if out is form:
                out = dict(form)
            out[name] = [
                convert(part, split.types) if split.inner is None else _nested(part, split.inner) for part in parts
            ]
        return out


def _types(schema: Any, resolver: Resolver, uri: str, depth: int = 0) -> tuple[str, ...]:
    """The JSON types a (possibly composed) schema admits, in a useful order for conversion."""
    if not isinstance(schema, dict) or depth > 8:
        return ()
    found = declared_types(schema)
    for keyword in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(keyword) or ():
            resolved, sub_uri = resolver.deref(sub, uri)
            found.extend(_types(resolved, resolver, sub_uri, depth + 1))
    if isinstance(schema.get("$ref"), str):
        resolved, sub_uri = resolver.deref(schema, uri)
        found.extend(_types(resolved, resolver, sub_uri, depth + 1))
    if not found:
        for value in schema.get("enum") or ():
            found.append(_json_type(value))
    if schema.get("nullable") is True:
        found.append("null")
    return tuple(dict.fromkeys(found))


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    names: dict[type, str] = {str: "string", list: "array", dict: "object"}
    return names.get(type(value), "string")


def convert(text: str, types: tuple[str, ...]) -> Any:
    """A best first guess of the typed value (the validator has the last word)."""
    return typed_candidates(text, types)[0]


def _split(text: str, separator: str) -> list[str]:
    if text == "":
        return []
    return text.split(separator)


def _array(parameter: CompiledParameter, parts: list[str]) -> list[Any]:
    """An array parameter's items, typed (and split again where they are arrays themselves)."""
    if parameter.inner is None:
        return [convert(part, parameter.item_types) for part in parts]
    return [_nested(part, parameter.inner) for part in parts]


def _nested(text: str, split: ItemSplit) -> list[Any]:
    parts = _split(text, split.separator)
    if split.inner is None:
        return [convert(part, split.types) for part in parts]
    return [_nested(part, split.inner) for part in parts]


def _object_from_pairs(parts: list[str], types: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    return {parts[i]: convert(parts[i + 1], types.get(parts[i], ())) for i in range(0, len(parts) - 1, 2)}


def _object_from_assignments(parts: list[str], types: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in parts:
        key, _, value = part.partition("=")
        out[key] = convert(value, types.get(key, ()))
    return out


class ParameterReader:
    """Decodes and validates every parameter of one operation from a request's raw parts."""

    def __init__(self, parameters: list[CompiledParameter]) -> None:
        self.parameters = parameters
        self.by_location: dict[str, list[CompiledParameter]] = {}
        for parameter in parameters:
            self.by_location.setdefault(parameter.location, []).append(parameter)
        self.query_names = {p.name for p in self.by_location.get("query", ())}

    def read(
        self,
        path_params: dict[str, str],
        query: list[tuple[str, str]],
        headers: tuple[tuple[str, str], ...],
        cookies: Callable[[], dict[str, str]],
        violations: Violations,
        query_size: int = 0,
    ) -> dict[str, Any]:
        """Every parameter decoded, typed and checked; ``query_size``: the query string's length (a
        query parameter's violations are all searched for when the query is short enough)."""
        values: dict[str, Any] = {}
        for parameter in self.parameters:
            present, value = self._raw(parameter, path_params, query, headers, cookies, violations)
            if not present:
                if parameter.required:
                    violations.append(_violation(parameter, f"the required {parameter.location} parameter is missing"))
                continue
            size = query_size if parameter.location == "query" else None  # else measured only on failure
            value = self._check(parameter, value, violations, size)
            values[parameter.name] = value
        return values

    def _raw(
        self,
        parameter: CompiledParameter,
        path_params: dict[str, str],
        query: list[tuple[str, str]],
        headers: tuple[tuple[str, str], ...],
        cookies: Callable[[], dict[str, str]],
        violations: Violations,
    ) -> tuple[bool, Any]:
        location = parameter.location
        if location == "path":
            text = path_params.get(parameter.name, "")
            return (parameter.name in path_params), _decode_path(parameter, text, violations)
        if location == "header":
            found = [value for key, value in headers if key == parameter.key]
            if not found:
                return False, None
            joined = (parameter.separator if parameter.kind == "array" else ",").join(found)  # one per line
            return True, _decode_simple(parameter, joined, violations)
        if location == "cookie":
            jar = cookies()
            if parameter.name not in jar:
                return False, None
            return True, _decode_simple(parameter, jar[parameter.name], violations)
        return self._query(parameter, query, violations)

    def _query(
        self, parameter: CompiledParameter, query: list[tuple[str, str]], violations: Violations
    ) -> tuple[bool, Any]:
        name = parameter.name
        if parameter.kind == "content":
            for key, value in query:
                if key == name:
                    return True, _content(parameter, value, violations)
            return False, None
        if parameter.style == "deepObject" or (
            parameter.kind == "object" and any(k.startswith(name + "[") for k, _ in query)
        ):
            nested = _deep_object(name, query, parameter, violations)
            return (nested is not None), nested
        values = [value for key, value in query if key == name or key == name + "[]"]
        if parameter.kind == "array":
            if not values:
                return False, None
            items: list[str] = []
            if parameter.explode and parameter.style == "form":
                items = values
            else:
                for value in values:
                    items.extend(_split(value, parameter.separator))
            return True, _array(parameter, items)
        if parameter.kind == "object":
            if parameter.explode:
                spread = {k: v for k, v in query if k in parameter.property_types and k not in self.query_names}
                if not spread:
                    return False, None
                return True, {k: convert(v, parameter.property_types.get(k, ())) for k, v in spread.items()}
            if not values:
                return False, None
            return True, _object_from_pairs(_split(values[0], parameter.separator), parameter.property_types)
        if not values:
            return False, None
        return True, values[0]

    def _check(self, parameter: CompiledParameter, value: Any, violations: Violations, size: int | None) -> Any:
        raw = value
        validator = parameter.validator
        if isinstance(value, str) and parameter.kind == "primitive":
            candidates = typed_candidates(value, parameter.types)
            if validator is None:
                return candidates[0]
            for candidate in candidates:
                if validator.is_valid(candidate):
                    return candidate
            value = candidates[0]
        if validator is not None and not validator.is_valid(value):
            if isinstance(value, (dict, list)):
                typed = coerce(value, validator.json_schema, validator.json_schema.get("$defs", {}))
                if validator.is_valid(typed):
                    return typed
            scanned = size if size is not None else _text_size(raw)
            violations.schema(
                validator, value, scanned, lambda pointer, message: _violation(parameter, message, pointer)
            )
        return value


def _text_size(value: Any) -> int:
    """The length of a path, header or cookie parameter's text (a list or object: its parts' lengths)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(len(str(k)) + (len(v) if isinstance(v, str) else 8) for k, v in value.items())
    if isinstance(value, list):
        return sum(len(v) if isinstance(v, str) else 8 for v in value)
    return 8


def _content(parameter: CompiledParameter, text: str, violations: Violations) -> Any:
    """A ``content: application/json`` parameter: its JSON value, or the text itself when it is not JSON
    the mock can take (too deep, a lone surrogate): the text is harmless, and the validator judges it."""
    value, refusal = read_json(text, violations.limits.max_nesting, f"the {parameter.location} parameter")
    return text if refusal is not None else value


def _decode_simple(parameter: CompiledParameter, text: str, violations: Violations) -> Any:
    if parameter.kind == "array":
        return _array(parameter, _split(text, parameter.separator))
    if parameter.kind == "object":
        parts = _split(text, ",")
        if parameter.explode:
            return _object_from_assignments(parts, parameter.property_types)
        return _object_from_pairs(parts, parameter.property_types)
    if parameter.kind == "content":
        return _content(parameter, text, violations)
    return text


def _decode_path(parameter: CompiledParameter, text: str, violations: Violations) -> Any:
    style = parameter.style
    if style == "label" and text.startswith("."):
        text = text[1:]
        if parameter.kind in ("array", "object") and parameter.explode:
            text = text.replace(".", ",")
    elif style == "matrix" and text.startswith(";"):
        prefix = f";{parameter.name}="
        if parameter.kind == "array" and parameter.explode:
            text = ",".join(part[len(prefix) :] for part in (";" + p for p in text[1:].split(";")))
        elif parameter.kind == "object" and parameter.explode:
            text = text[1:].replace(";", ",")
        else:
            text = text[len(prefix) :] if text.startswith(prefix) else text[1:]
    return _decode_simple(parameter, text, violations)


def _deep_object(name: str, query: list[tuple[str, str]], parameter: CompiledParameter, violations: Violations) -> Any:
    """``name[a]=1&name[b][c]=2&name[d][]=x`` → nested dicts and lists; None if absent."""
    root: dict[str, Any] = {}
    found = False
    prefix = name + "["
    for key, value in query:
        if not key.startswith(prefix):
            continue
        tokens = _BRACKETS.findall(key[len(name) :])
        if not tokens:
            continue
        if len(tokens) > violations.limits.max_nesting:
            limit = violations.limits.max_nesting
            violations.append(_violation(parameter, f"a field name nests deeper than {limit} brackets (max_nesting)"))
            return None
        found = True
        node: Any = root
        for position, token in enumerate(tokens):
            last = position == len(tokens) - 1
            if token == "" or token.isdecimal():
                if not isinstance(node, list):
                    break
                if last:
                    node.append(value)
                else:
                    following = tokens[position + 1]
                    node.append([] if following == "" or following.isdecimal() else {})
                    node = node[-1]
                continue
            if not isinstance(node, dict):
                break
            if last:
                node[token] = convert(value, parameter.property_types.get(token, ())) if node is root else value
            else:
                following = tokens[position + 1]
                node = node.setdefault(token, [] if following == "" or following.isdecimal() else {})
    if not found:
        return None
    if parameter.kind == "array":  # name[]=a&name[]=b or name[0]=a
        return [convert(v, parameter.item_types) for k, v in query if k.startswith(prefix)]
    return root


def _violation(parameter: CompiledParameter, message: str, pointer: str = "") -> Violation:
    return Violation(parameter.location, message, name=parameter.name, pointer=pointer)
