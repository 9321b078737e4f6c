"""Linting OpenAPI documents with openapi-spec-validator, each problem placed by file and line.

This module is the only place that imports openapi-spec-validator, so its API churn stays here.
The validator resolves ``$ref``s itself; it is handed a ``SchemaPath`` whose every retrieval (any
scheme) goes to the contract's own ``Resolver``, so it reads nothing the loader has not read already
except through the contract's ``SourceReader`` (size limit, fetch deadline, trust boundary, mirrors,
no network for a local contract), and a refusal there is ctk's usual error, placed at the ``$ref``.

Every problem is found in one pass: a ``$ref`` that leads nowhere is a finding the loader recorded
(``Resolver.dangling``), and the validator sees the documents without it, so it checks the rest instead
of stopping there. Every message has a place and reads as a sentence: the validator's checks of values
(``default``) and of operations (duplicate ids, unresolved path parameters) come without one, so each
keyword check is wrapped to tag its errors with the node it was checking; dumps of the document in a
message are cut to the value's kind (``_sentence``).
Beside its errors come warnings for schemas the mock cannot answer with at the generation limits
(``lint_generation``): the contract is valid, ``ctk serve`` just needs a limit raised.
"""

from __future__ import annotations

import copy
import re
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.documents import pointer
from toolkit.errors import CtkError, LocalReferenceError
from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.model import Location, Problem, Severity
from toolkit.openapi.lint_generation import lint_generation
from toolkit.openapi.load import OpenAPIContract
from toolkit.openapi.refs import Resolver, find_pointer, references
from toolkit.sources import display_name, is_url

MAX_PROBLEMS = 500
_MESSAGE_LIMIT = 300
# A value quoted in a message longer than this is named by its kind instead: at the start of the message (the
# value at the problem's place, which the location names) from a glance's length, elsewhere a long line's.
_VALUE_LIMITS = (24, 120)
# Passed as the referrer of the validator's reads; replaced by the place of the $ref when one fails.
_PLACE_OF_REF = "\x00place-of-ref"
# The attribute a wrapped keyword check sets on its errors: (the node it was checking, the keyword).
_CHECKED = "ctk_checked_node"
_CRASHED = "\x00crashed"  # the keyword of the error a check that raised yields
_CHECKS = {"__root__": "the document", "default": "this default value", "content": "this content"} | {
    plural: f"these {plural}" for plural in ("parameters", "paths", "responses", "schemas", "tags")
}
# What stands for a parameter whose $ref leads nowhere, for the validator: its parameter checks read "name" and
# "in" without asking (an empty mapping stops them), and a header parameter clashes with no path template.
_NO_PARAMETER: dict[str, Any] = {"name": "\x00dangling $ref", "in": "header"}


def lint_openapi(contract: OpenAPIContract, limits: Limits = DEFAULT_LIMITS) -> list[Problem]:
    from openapi_spec_validator import (
        OpenAPIV2SpecValidator,
        OpenAPIV30SpecValidator,
        OpenAPIV31SpecValidator,
    )

    validators: dict[str, Any] = {
        "2.0": OpenAPIV2SpecValidator,
        "3.0": OpenAPIV30SpecValidator,
        "3.1": OpenAPIV31SpecValidator,
    }
    resolver = contract.resolver
    assert resolver is not None  # set by load_openapi
    problems: list[Problem] = list(_placed_warnings(contract, resolver)) + list(resolver.dangling)
    seen = _ValidatorDocuments.of(resolver)
    problems += seen.rewritten
    validator = _placing(validators[contract.spec_version])(_schema_path(contract, seen))
    try:
        problems.extend(_problems(contract, seen, validator.iter_errors(), validator.schema_validator.schema))
    except Exception as exc:  # noqa: BLE001 - the validator raises bare lookup errors on refs it cannot follow
        refused = _ctk_error(exc)
        if refused is not None:  # the contract's reader refused a document: the loader's error, not a lint finding
            raise refused from None
        problems.append(_stopped(resolver, exc))
    return problems + lint_generation(contract, limits)


def _placed_warnings(contract: OpenAPIContract, resolver: Resolver) -> Iterator[Problem]:
    """The loader's warnings that name a JSON pointer but no line (finding the line costs a YAML compose, which
    a load does not pay), with their line: ``lint_contract`` reports these in place of the loader's own."""
    uris = {display_name(uri): uri for uri in resolver.documents}
    for warning in contract.warnings:
        where = warning.location
        uri = uris.get(where.file)
        if where.line is None and where.path is not None and uri is not None:
            line = resolver.line(uri, where.path)
            yield Problem(warning.severity, Location(where.file, line=line, path=where.path), warning.message)


@dataclass
class _ValidatorDocuments:
    """The documents as the validator is shown them: the contract's own, or copies without the ``$ref``s that
    lead nowhere (each already a finding) and with ``file#/`` read as ctk reads it (the whole file), so the
    validator checks everything else instead of stopping at the first reference it cannot follow."""

    documents: dict[str, Any]
    hidden: dict[str, list[str]]  # URI -> pointers of the mappings whose $ref was taken out: no finding inside
    rewritten: list[Problem]
    _index: dict[int, tuple[str, str]] | None = None

    @classmethod
    def of(cls, resolver: Resolver) -> _ValidatorDocuments:
        whole_file = [
            (uri, holder) for uri, document in resolver.documents.items() for holder in references(document)
            if holder["$ref"].endswith("#/")
        ]  # fmt: skip
        seen = cls(dict(resolver.documents), {}, [])
        if not whole_file and not resolver.dangling_holders:
            return seen
        memo: dict[int, Any] = {}
        swagger = "swagger" in resolver.documents[resolver.root_uri]
        seen.documents = {uri: copy.deepcopy(document, memo) for uri, document in resolver.documents.items()}
        for uri, holder in resolver.dangling_holders:
            shown = memo[id(holder)]
            shown.pop("$ref", None)
            json_pointer = find_pointer(resolver.documents[uri], holder) or ""
            if re.search(r"/parameters(/[^/]+)?$", json_pointer):
                kind: dict[str, Any] = {"type": "string"} if swagger else {"schema": {}}
                shown |= _NO_PARAMETER | kind
            seen.hidden.setdefault(uri, []).append(json_pointer)
        for uri, holder in whole_file:
            ref = holder["$ref"]
            memo[id(holder)]["$ref"] = ref[:-1]
            json_pointer = f"{find_pointer(resolver.documents[uri], holder) or ''}/$ref"
            location = Location(display_name(uri), line=resolver.line(uri, json_pointer), path=json_pointer)
            message = (
                f'$ref {ref!r} names the member "" of {ref[:-2] or "this document"} by the letter of JSON Pointer; '
                f"ctk reads it as the whole document, other tools find nothing there: write {ref[:-2] or '#'!r}"
            )
            seen.rewritten.append(Problem(Severity.WARNING, location, message))
        return seen

    def place_of(self, node: Any) -> tuple[str, str] | None:
        """(URI, pointer) of a mapping or list the validator was checking, found by identity."""
        if self._index is None:
            self._index = {}
            for uri, document in self.documents.items():
                queue: list[tuple[Any, tuple[str | int, ...]]] = [(document, ())]
                for value, path in queue:  # breadth first, each container once: the shortest pointer
                    if id(value) in self._index:
                        continue
                    self._index[id(value)] = (uri, pointer(*path))
                    items = value.items() if isinstance(value, dict) else enumerate(value)
                    queue.extend((child, (*path, key)) for key, child in items if isinstance(child, (dict, list)))
        return self._index.get(id(node))

    def is_hidden(self, uri: str, json_pointer: str) -> bool:
        return any(
            json_pointer == hidden or json_pointer.startswith(hidden + "/") for hidden in self.hidden.get(uri, ())
        )


def _placing(validator_class: Any) -> Any:
    """``validator_class`` with each keyword check tagging the errors it yields with the node it was checking
    (the innermost check tags first): those errors carry no place of their own in the document. A check that
    raises (the validator's checks assume what they check is well formed, and fail with a bare ``KeyError`` or a
    lookup error otherwise) yields one error saying so at its node, and the checks around it go on."""
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    def tagged(error: Any, node: Any, keyword: str) -> Any:
        if not isinstance(error, OpenAPIValidationError):
            error = OpenAPIValidationError.create_from(error)  # the validator rewraps others: the tag would be lost
        with node.resolve() as resolved:
            setattr(error, _CHECKED, (resolved.contents, keyword))
        return error

    def tagging(keyword: str, check: type) -> type:
        def call(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
            from jsonschema_path import SchemaPath

            node = next((arg for arg in args if isinstance(arg, SchemaPath)), None)
            try:
                for error in check.__call__(self, *args, **kwargs):
                    yield error if node is None or hasattr(error, _CHECKED) else tagged(error, node, keyword)
            except Exception as exc:
                if node is None or _ctk_error(exc) is not None:
                    raise  # the contract's reader refused a document: the loader's error, raised as it is
                what = _CHECKS.get(keyword, f"this {keyword}")
                detail = _sentence(f"{exc.__class__.__name__}: {exc}".rstrip(": "))
                message = f"openapi-spec-validator could not check {what} ({detail}); it checked the rest"
                try:
                    yield tagged(OpenAPIValidationError(message), node, _CRASHED)
                except Exception:  # noqa: BLE001 - the node itself cannot be resolved: the enclosing check says so
                    raise exc from None

        return type(check.__name__, (check,), {"__call__": call})

    keywords = {name: tagging(name, check) for name, check in validator_class.keyword_validators.items()}
    return type(validator_class.__name__, (validator_class,), {"keyword_validators": keywords})


def _problems(
    contract: OpenAPIContract, seen: _ValidatorDocuments, errors: Iterable[Any], meta_schema: Any
) -> Iterable[Problem]:
    resolver = contract.resolver
    assert resolver is not None
    count = 0
    reported: set[tuple[str, str]] = set()
    for error in errors:
        if count == MAX_PROBLEMS:
            yield Problem(
                Severity.ERROR,
                Location(display_name(contract.source)),
                f"more than {MAX_PROBLEMS} problems; the rest are not listed",
            )
            return
        uri, json_pointer, message = _place_and_message(contract.source, seen, error, meta_schema)
        if seen.is_hidden(uri, json_pointer):
            continue  # inside a mapping whose $ref leads nowhere: that $ref is the finding
        if getattr(error, _CHECKED, (None, None))[1] in (_CRASHED, "default") and (uri, json_pointer) in reported:
            # a check that broke on a node already found malformed, or a default value's second mismatch (null
            # where not nullable is also not of the type): the first finding at the place says why
            continue
        reported.add((uri, json_pointer))
        count += 1
        line = resolver.line(uri, json_pointer)
        yield Problem(Severity.ERROR, Location(display_name(uri), line=line, path=json_pointer or None), message)


def _place_and_message(root: str, seen: _ValidatorDocuments, error: Any, meta_schema: Any) -> tuple[str, str, str]:
    """The document, the JSON pointer and the sentence of one validator error."""
    sentence = _sentence(str(getattr(error, "message", error)))
    relative = [str(token) for token in getattr(error, "absolute_path", None) or ()]
    checked = getattr(error, _CHECKED, None)
    if checked is None:  # the OpenAPI schema's own errors: their path is from the root document
        deeper = _deeper(seen.documents[root], meta_schema, error)
        if deeper is None:
            return root, pointer(*relative), sentence
        below, reason = deeper
        return root, pointer(*relative, *below), _sentence(reason)
    node, keyword = checked
    place = seen.place_of(node)
    uri, node_pointer = place if place is not None else (root, "")
    if keyword == "default":  # the value of "default" checked against the schema (or parameter) holding it
        inside = f" at {pointer(*relative)}" if relative else ""
        message = f"the default value does not fit its schema{inside}: {sentence}"
        return uri, f"{node_pointer}/default{pointer(*relative)}", message
    return uri, node_pointer, sentence


def _deeper(document: Any, meta_schema: Any, error: Any) -> tuple[list[str], str] | None:
    """For "not valid under any of the given schemas" (a ``oneOf``/``anyOf`` of the OpenAPI schema, which the fast
    validator reports without its reasons): the reason, found by validating that one node again with jsonschema,
    as (path below the node, message); None when there is nothing better to say."""
    schema_path = list(getattr(error, "absolute_schema_path", None) or ())
    if not schema_path or schema_path[-1] not in ("oneOf", "anyOf") or not isinstance(meta_schema, dict):
        return None
    from jsonschema.validators import validator_for

    try:
        subschema, node = meta_schema, document
        for token in schema_path[:-1]:
            subschema = subschema[token]
        for token in getattr(error, "absolute_path", None) or ():
            node = node[token]
        checker = validator_for(meta_schema)(meta_schema).evolve(schema=subschema)
        found = next((e for e in checker.iter_errors(node) if e.validator == schema_path[-1]), None)
        reasons = _reasons(found) if found is not None else []
    except Exception:  # noqa: BLE001 - a better message is a nicety: the validator's own stands
        return None
    if len(reasons) == 1:
        return [str(token) for token in reasons[0].absolute_path], str(reasons[0].message)
    here = list(dict.fromkeys(str(reason.message) for reason in reasons if not reason.absolute_path))
    if not here:
        return None
    kind = "object" if isinstance(node, dict) else "value"
    return [], f"this {kind} fits none of the forms allowed here: " + "; or ".join(here[:3])


def _reasons(error: Any) -> list[Any]:
    """Why a value fits no branch of a ``oneOf``/``anyOf``: the branches it comes closest to are those with the
    fewest mismatches on a key's fixed values (``in: query`` rules out every kind of parameter but the query
    one; a nested ``oneOf`` counts its closest branch), never the Reference Object for a value without
    ``$ref``, then the fewest errors; one such branch gives its own reason (followed into nested branches),
    several give one each."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return [error]
    branches = _branches(error)
    candidates = [errors for errors in branches if not _is_reference(errors)] or branches
    fewest = min((_mismatches(errors), len(errors)) for errors in candidates)
    closest = [errors for errors in candidates if (_mismatches(errors), len(errors)) == fewest]
    return [reason for errors in closest for reason in _pick(errors)]


def _pick(errors: list[Any]) -> list[Any]:
    """The reason of one branch: its most relevant plain error, else the reasons of its nested branches
    (jsonschema's ``best_match`` would descend into those by its own measure, which picks ``in: body`` for a
    query parameter with a wrong type)."""
    from jsonschema.exceptions import best_match

    plain = [error for error in errors if not (error.validator in ("oneOf", "anyOf") and error.context)]
    return [best_match(plain)] if plain else _reasons(errors[0])


def _branches(error: Any) -> list[list[Any]]:
    branches: dict[Any, list[Any]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    return list(branches.values())


def _mismatches(errors: list[Any]) -> int:
    count = 0
    for error in errors:
        if error.validator in ("enum", "const") and len(error.relative_path) == 1:
            count += 1
        elif error.validator in ("oneOf", "anyOf") and not error.relative_path and error.context:
            count += min(_mismatches(branch) for branch in _branches(error))
    return count


def _is_reference(errors: list[Any]) -> bool:
    """The Reference Object alternative, for a value without ``$ref``."""
    return any(error.validator == "required" and "$ref" in error.validator_value for error in errors)


# Python's spelling of JSON's scalars at the start of a message (jsonschema quotes values with repr()).
_PYTHON_SCALAR = re.compile(r"^(None|True|False)\b")
_JSON_SCALAR = {"None": "null", "True": "true", "False": "false"}
_NOT_NULLABLE = re.compile(r"^(.*) for not nullable$")


def _sentence(message: str) -> str:
    """One readable line from a validator message: its first paragraph (jsonschema-rs appends "Failed validating
    ... On instance:" and the whole document), values longer than a glance named by their kind, Python's None,
    True and False in JSON's spelling, the whole at most ``_MESSAGE_LIMIT`` characters."""
    text = " ".join(message.split("\n\n", 1)[0].split())
    text = _PYTHON_SCALAR.sub(lambda match: _JSON_SCALAR[match.group(1)], text)
    text = _abbreviate_values(text)
    not_nullable = _NOT_NULLABLE.match(text)
    if not_nullable:
        text = f"{not_nullable.group(1)} is not allowed: the schema is not nullable"
    return _shorten(text)


def _abbreviate_values(text: str) -> str:
    """Each ``{...}`` or ``[...]`` (a JSON or Python literal) longer than ``_VALUE_LIMITS``, named by its kind:
    "this object" at the start of the message (the value at the problem's place), ``{…}`` elsewhere."""
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        end = _literal_end(text, index) if char in "{[" else None
        if end is None or end - index <= _VALUE_LIMITS[index > 0]:
            out.append(char)
            index += 1
            continue
        kind = "object" if char == "{" else "array"
        out.append(f"this {kind}" if index == 0 else ("{…}" if char == "{" else "[…]"))
        index = end
    return "".join(out)


def _literal_end(text: str, start: int) -> int | None:
    """The index after the bracket closing the one at ``start`` (quotes and escapes respected), if any."""
    depth = 0
    quote = ""
    index = start
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return None


def _shorten(message: str) -> str:
    return message if len(message) <= _MESSAGE_LIMIT else message[: _MESSAGE_LIMIT - 1] + "…"


def _stopped(resolver: Resolver, exc: Exception) -> Problem:
    """The validator could not go on (a reference it cannot follow): a finding at that reference, no dump."""
    ref = getattr(exc, "ref", None)
    root = display_name(resolver.root_uri)
    if isinstance(ref, str):
        for uri, document in list(resolver.documents.items()):
            for holder in references(document):
                if holder["$ref"] == ref or holder["$ref"].endswith(f"#{ref}"):
                    json_pointer = f"{find_pointer(document, holder) or ''}/$ref"
                    location = Location(display_name(uri), line=resolver.line(uri, json_pointer), path=json_pointer)
                    message = (
                        f"openapi-spec-validator cannot follow $ref {holder['$ref']!r} ({exc.__class__.__name__}) and "
                        "stopped there: what it had not checked yet is not checked"
                    )
                    return Problem(Severity.ERROR, location, message)
    detail = _sentence(str(exc))
    return Problem(
        Severity.ERROR,
        Location(root),
        f"openapi-spec-validator stopped early ({exc.__class__.__name__}): {detail}",
    )


def _schema_path(contract: OpenAPIContract, seen: _ValidatorDocuments) -> Any:
    """The contract's root document for the validator, every reference retrieved through ``_retrieve``."""
    from jsonschema_path import SchemaPath
    from openapi_spec_validator.settings import get_resolved_cache_maxsize

    source = contract.source
    base_uri = source if is_url(source) else Path(source).as_uri()
    return SchemaPath.from_dict(
        seen.documents[contract.source],
        base_uri=base_uri,
        handlers=_EveryScheme(lambda uri: _retrieve(contract, seen, uri)),
        resolved_cache_maxsize=get_resolved_cache_maxsize(),
    )


class _EveryScheme(dict[str, Callable[[str], Any]]):
    """One handler for every scheme: jsonschema_path opens a scheme it has no handler for with urlopen."""

    def __init__(self, handler: Callable[[str], Any]) -> None:
        super().__init__()
        self.handler = handler

    def __contains__(self, scheme: object) -> bool:
        return True

    def __missing__(self, scheme: str) -> Callable[[str], Any]:
        return self.handler


def _retrieve(contract: OpenAPIContract, seen: _ValidatorDocuments, uri: str) -> Any:
    """The document at ``uri`` (absolute, as the validator computed it), through the contract's resolver.

    A document the loader read is returned as it is (nothing is read twice). Another one (the validator
    also follows a ``$ref`` inside a ``default`` value, which the loader treats as data) is read through
    the contract's ``SourceReader`` under its rules, resolved from the root: a contract from a URL reaches
    only URLs. With mirrors in use, a local file the loader did not read is refused, since the validator
    does not say which document named it and a mirrored (vendor's) document must stay in its folder.
    """
    resolver = contract.resolver
    assert resolver is not None  # set by load_openapi
    reader = resolver.reader
    target = urllib.parse.urldefrag(uri).url
    try:
        location = reader.resolve(contract.source, target, referrer=_PLACE_OF_REF)
        if reader.mirrors and not is_url(target) and location not in resolver.documents:
            raise LocalReferenceError(
                f"refers to the local file {display_name(location)}, which the contract's references do not "
                "reach; it is not read while --mirror is in use, since a mirrored document may have named it",
                where=_PLACE_OF_REF,
                hint="refer to the file from a schema's or parameter's $ref, not from inside a default value",
            )
        document = resolver.document(location, referrer=_PLACE_OF_REF)
        return next(
            (shown for known, shown in seen.documents.items() if resolver.documents.get(known) is document), document
        )
    except CtkError as exc:
        if exc.where in (None, _PLACE_OF_REF):
            exc.where = _place_of(resolver, target) or display_name(contract.source)
        raise


def _place_of(resolver: Resolver, target: str) -> str | None:
    """``file:line (#/…/$ref)`` of a ``$ref`` (in any position) that names ``target``, if one is found."""
    for uri, document in list(resolver.documents.items()):
        base = uri if is_url(uri) else Path(uri).as_uri()
        for holder in _all_refs(document):
            file_part = holder["$ref"].partition("#")[0]
            if file_part and urllib.parse.urljoin(base, file_part) == target:
                return resolver.place(uri, f"{find_pointer(document, holder) or ''}/$ref")
    return None


def _all_refs(document: Any) -> Iterator[dict[str, Any]]:
    """Every mapping holding a string ``$ref``, literal positions included, each container visited once."""
    seen: set[int] = set()
    stack = [document]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield node
            stack.extend(value for value in node.values() if isinstance(value, (dict, list)))
        elif isinstance(node, list):
            stack.extend(item for item in node if isinstance(item, (dict, list)))


def _ctk_error(exc: BaseException) -> CtkError | None:
    """The ``CtkError`` that ``exc`` (raised by the validator) wraps, if any: referencing wraps retrievals."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, CtkError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
