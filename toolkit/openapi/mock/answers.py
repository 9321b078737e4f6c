"""What an answer takes from its request: the seed, echoes, examples that fit, list sizes, media types.

Small pure functions the mock's request path calls; kept apart from ``mock.py`` so the request path
reads as the sequence of steps it is, and each rule here can be read (and tested) on its own.
"""

from __future__ import annotations

import random
from typing import Any, Literal

from toolkit.exchange import Request, Response
from toolkit.mock.cors import options_response as cors_options_response
from toolkit.openapi.jsonschema import SchemaValidators
from toolkit.openapi.mock.bodies import DecodedBody, essence, is_json
from toolkit.openapi.mock.operations import CompiledOperation
from toolkit.openapi.mock.responses import MediaResponse, validator_of

# Vendors cap a page (Stripe, GitHub, Twilio: 100); a larger ask gets a full page, not a megabyte answer.
MAX_PAGE = 100
_LIST_SIZE_PARAMETERS = ("limit", "per_page", "page_size", "pagesize", "size", "count", "first", "top", "$top")


def allowed_methods(methods: tuple[str, ...]) -> list[str]:
    allowed = list(methods)
    if "GET" in allowed and "HEAD" not in allowed:
        allowed.append("HEAD")
    if "OPTIONS" not in allowed:
        allowed.append("OPTIONS")
    return allowed


def options_response(methods: tuple[str, ...], request: Request) -> Response:
    return cors_options_response(", ".join(allowed_methods(methods)), request)


def negotiate(media: list[MediaResponse], accept: str | None) -> MediaResponse | Literal[False] | None:
    """The media type to send: None if the response has no body, False if nothing is acceptable."""
    if not media:
        return None
    if not accept or "*/*" in accept:
        return next((m for m in media if is_json(m.essence) and "*" not in m.media_type), media[0])
    for wanted in map(essence, accept.split(",")):
        for candidate in media:
            offered = candidate.essence
            if wanted == offered or (wanted.endswith("/*") and offered.startswith(wanted[:-1])) or offered == "*/*":
                return candidate
    return False


def request_echoes(op: CompiledOperation, values: dict[str, Any], decoded: DecodedBody) -> dict[str, Any]:
    """Request values the response should repeat: body fields (a created resource shows what was sent),
    then path parameters by name, and the last path parameter as the resource's ``id``."""
    overrides: dict[str, Any] = {}
    if isinstance(decoded.value, dict):
        overrides.update({k: v for k, v in decoded.value.items() if isinstance(k, str)})
    names = op.path_parameter_names
    for name in names:
        if name in values:
            overrides[name] = values[name]
    if names and names[-1] in values and "id" not in names:
        overrides["id"] = values[names[-1]]
    return overrides


def example_fits(example: Any, overrides: dict[str, Any], path_names: tuple[str, ...]) -> bool:
    if not path_names:
        return True
    if not isinstance(example, dict):
        return False
    keys = [name for name in (*path_names, "id") if name in overrides and name in example]
    return bool(keys) and all(str(example[name]) == str(overrides[name]) for name in keys)


def with_overrides(media: MediaResponse, validators: SchemaValidators, example: Any, overrides: dict[str, Any]) -> Any:
    if not overrides or not isinstance(example, dict):
        return example
    merged = dict(example)
    changed = False
    for key, value in overrides.items():
        if key in merged and merged[key] != value:
            merged[key] = value
            changed = True
    if changed and media.schema is not None and validator_of(media, validators).is_valid(merged):
        return merged
    return example


def list_size(query_items: list[tuple[str, str]]) -> int | None:
    for key, value in query_items:
        if key.lower() in _LIST_SIZE_PARAMETERS and value.isascii() and value.isdigit():
            # a page size of thousands of digits is still a full page, and never reaches int()'s digit limit
            return MAX_PAGE if len(value) > 6 else min(int(value), MAX_PAGE)
    return None


def list_slot(value: Any) -> tuple[Any, Any]:
    if isinstance(value, list):
        return None, None  # a bare array: resized by the generator's own bounds only
    if isinstance(value, dict):
        lists = [key for key, item in value.items() if isinstance(item, list)]
        if len(lists) == 1:
            return value, lists[0]
    return None, None


def reseeded(item: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A copy of a list item with a different id, so a grown page does not repeat one resource."""
    copy = dict(item)
    identifier = copy.get("id")
    if isinstance(identifier, str) and identifier:
        prefix, sep, _ = identifier.rpartition("_")
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        suffix = "".join(rng.choice(alphabet) for _ in range(max(8, len(identifier) - len(prefix) - 1)))
        copy["id"] = f"{prefix}{sep}{suffix}" if sep else suffix[: len(identifier)]
    elif isinstance(identifier, int) and not isinstance(identifier, bool):
        copy["id"] = rng.randint(1, 2**31 - 1)
    return copy
