"""Linting OpenAPI documents with openapi-spec-validator, each problem placed by file and line.

This module is the only place that imports openapi-spec-validator, so its API churn stays here.
The validator resolves ``$ref``s itself; it is handed a ``SchemaPath`` whose every retrieval (any
scheme) goes to the contract's own ``Resolver``, so it reads nothing the loader has not read already
except through the contract's ``SourceReader`` (size limit, fetch deadline, trust boundary, mirrors,
no network for a local contract), and a refusal there is ctk's usual error, placed at the ``$ref``.
Beside its errors come warnings for schemas the mock cannot answer with at the generation limits
(``lint_generation``): the contract is valid, ``ctk serve`` just needs a limit raised.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from toolkit.documents import pointer
from toolkit.errors import CtkError, LocalReferenceError
from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.model import Location, Problem, Severity
from toolkit.openapi.lint_generation import lint_generation
from toolkit.openapi.load import OpenAPIContract
from toolkit.openapi.refs import Resolver, find_pointer
from toolkit.sources import display_name, is_url

MAX_PROBLEMS = 500
_MESSAGE_LIMIT = 300
# Passed as the referrer of the validator's reads; replaced by the place of the $ref when one fails.
_PLACE_OF_REF = "\x00place-of-ref"


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
    validator = validators[contract.spec_version](_schema_path(contract))
    problems: list[Problem] = []
    try:
        problems.extend(_problems(contract, validator.iter_errors()))
    except Exception as exc:  # noqa: BLE001 - the validator raises bare lookup errors on refs it cannot follow
        refused = _ctk_error(exc)
        if refused is not None:  # the contract's reader refused a document: the loader's error, not a lint finding
            raise refused from None
        detail = " ".join(str(exc).split())
        problems.append(
            Problem(
                Severity.ERROR,
                Location(display_name(contract.source)),
                f"openapi-spec-validator stopped early ({exc.__class__.__name__}): {_shorten(detail)}",
            )
        )
    return problems + lint_generation(contract, limits)


def _shorten(message: str) -> str:
    return message if len(message) <= _MESSAGE_LIMIT else message[: _MESSAGE_LIMIT - 1] + "…"


def _problems(contract: OpenAPIContract, errors: Iterable[Any]) -> Iterable[Problem]:
    resolver = contract.resolver
    name = display_name(contract.source)
    for count, error in enumerate(errors):
        if count == MAX_PROBLEMS:
            yield Problem(Severity.ERROR, Location(name), f"more than {MAX_PROBLEMS} problems; the rest are not listed")
            return
        path = getattr(error, "absolute_path", None) or ()
        json_pointer = pointer(*path) if path else ""
        line = resolver.line(contract.source, json_pointer) if resolver and json_pointer else None
        message = _shorten(" ".join(str(getattr(error, "message", error)).split()))
        yield Problem(Severity.ERROR, Location(name, line=line, path=json_pointer or None), message)


def _schema_path(contract: OpenAPIContract) -> Any:
    """The contract's root document for the validator, every reference retrieved through ``_retrieve``."""
    from jsonschema_path import SchemaPath
    from openapi_spec_validator.settings import get_resolved_cache_maxsize

    source = contract.source
    base_uri = source if is_url(source) else Path(source).as_uri()
    return SchemaPath.from_dict(
        contract.document,
        base_uri=base_uri,
        handlers=_EveryScheme(lambda uri: _retrieve(contract, uri)),
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


def _retrieve(contract: OpenAPIContract, uri: str) -> Any:
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
        return resolver.document(location, referrer=_PLACE_OF_REF)
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
