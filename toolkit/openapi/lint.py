"""Linting OpenAPI documents with openapi-spec-validator, each problem placed by file and line.

This module is the only place that imports openapi-spec-validator, so its API churn stays here.
Beside its errors come warnings for schemas the mock cannot answer with at the generation limits
(``lint_generation``): the contract is valid, ``ctk serve`` just needs a limit raised.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from toolkit.documents import pointer
from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.model import Location, Problem, Severity
from toolkit.openapi.lint_generation import lint_generation
from toolkit.openapi.load import OpenAPIContract
from toolkit.sources import display_name, is_url

MAX_PROBLEMS = 500
_MESSAGE_LIMIT = 300


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
    base_uri = contract.source if is_url(contract.source) else f"file://{contract.source}"
    validator = validators[contract.spec_version](contract.document, base_uri=base_uri)
    problems: list[Problem] = []
    try:
        problems.extend(_problems(contract, validator.iter_errors()))
    except Exception as exc:  # noqa: BLE001 - the validator raises bare lookup errors on refs it cannot follow
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
