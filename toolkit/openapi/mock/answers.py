"""What an answer takes from its request: the seed, echoes, examples that fit, list sizes, media types.

Small pure functions the mock's request path calls; kept apart from ``mock.py`` so the request path
reads as the sequence of steps it is, and each rule here can be read (and tested) on its own.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, Literal

from toolkit.exchange import Request, Response
from toolkit.fake import character_table, draw_characters
from toolkit.mock.cors import options_response as cors_options_response
from toolkit.mock.json_body import echo_fits
from toolkit.openapi.coerce import composed_schemas, declared_types
from toolkit.openapi.jsonschema import SchemaValidators, Validator
from toolkit.openapi.mock.bodies import DecodedBody, essence, is_json
from toolkit.openapi.mock.operations import CompiledOperation
from toolkit.openapi.mock.responses import MediaResponse, convention_key, validator_of

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


def fitting_echoes(op: CompiledOperation, values: dict[str, Any], decoded: DecodedBody, limit: int) -> dict[str, Any]:
    """``request_echoes`` without the values over ``limit`` (``echo_fits``): the same members in the same order, built
    in one pass where the request has no body fields (most reads), without the intermediate dictionary."""
    if isinstance(decoded.value, dict):
        return {name: value for name, value in request_echoes(op, values, decoded).items() if echo_fits(value, limit)}
    overrides: dict[str, Any] = {}
    names = op.path_parameter_names
    for name in names:
        if name in values:
            value = values[name]
            if len(value) + 2 <= limit if type(value) is str else echo_fits(value, limit):  # echo_fits, its first test
                overrides[name] = value
    if names and names[-1] in values and "id" not in names:
        value = values[names[-1]]
        if echo_fits(value, limit):
            overrides["id"] = value
    return overrides


def example_fits(example: Any, overrides: dict[str, Any], path_names: tuple[str, ...]) -> bool:
    if not path_names:
        return True
    if not isinstance(example, dict):
        return False
    keys = [name for name in (*path_names, "id") if name in overrides and name in example]
    return bool(keys) and all(str(example[name]) == str(overrides[name]) for name in keys)


NO_EXAMPLE: Any = object()


def fitting_example(media: MediaResponse, overrides: dict[str, Any], path_names: tuple[str, ...]) -> Any:
    """The first of the response's examples that ``example_fits`` the request (``NO_EXAMPLE`` if none does), with
    each example's member texts taken once per response rather than per request."""
    made = media._fit_keys
    if made is None or made[0] != path_names:
        shown: list[tuple[Any, dict[str, str] | None]] = []
        for example in media.examples.values():
            keys = None
            if isinstance(example, dict):
                keys = {name: str(example[name]) for name in (*path_names, "id") if name in example}
            shown.append((example, keys))
        made = media._fit_keys = (path_names, shown)
    for example, keys in made[1]:
        if not path_names:
            return example
        if keys is None:
            continue
        found = False
        for name, text in keys.items():
            if name in overrides:
                if str(overrides[name]) != text:
                    break
                found = True
        else:
            if found:
                return example
    return NO_EXAMPLE


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
        suffix = _id_tail(rng, max(8, len(identifier) - len(prefix) - 1))
        copy["id"] = f"{prefix}{sep}{suffix}" if sep else suffix[: len(identifier)]
    elif isinstance(identifier, int) and not isinstance(identifier, bool):
        copy["id"] = rng.randint(1, 2**31 - 1)
    return copy


_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _id_tail(rng: random.Random, count: int) -> str:
    """``"".join(rng.choice(_ID_ALPHABET) for _ in range(count))``: the same characters and the same state after,
    drawn in one call (a page of 100 items draws some 1500 of them). See ``toolkit.fake.draw_characters``."""
    return draw_characters(rng, count, _ID_TABLE)


_ID_TABLE = character_table(_ID_ALPHABET)


# -- echoes across case conventions ---------------------------------------------------------------


def echoed_by_plan(
    media: MediaResponse, overrides: dict[str, Any], declared: frozenset[str], by_convention: dict[str, str]
) -> dict[str, Any]:
    """``echoed_names(overrides, declared, by_convention)``, through the plan its names make (which request name
    lands under which response name depends on the names alone), remembered per response for the few name sets
    requests send: at most ``_PLANS`` per response, each of at most ``_PLAN_NAMES`` names of ``_PLAN_NAME_LENGTH``
    characters; others are worked out each time."""
    names = tuple(overrides)
    plans = media._echo_plans
    plan = plans.get(names)
    if plan is None:
        made = echoed_names({name: name for name in names}, declared, by_convention)
        plan = tuple(made.items())
        if len(names) <= _PLAN_NAMES and all(len(name) <= _PLAN_NAME_LENGTH for name in names):
            if len(plans) >= _PLANS:
                plans.clear()
            plans[names] = plan
    return {target: overrides[source] for target, source in plan}


_PLANS = 32
_PLAN_NAMES = 16
_PLAN_NAME_LENGTH = 64


def echoed_names(overrides: dict[str, Any], declared: frozenset[str], by_convention: dict[str, str]) -> dict[str, Any]:
    """The request values the response may repeat, under the response's own names: a name the response
    declares as sent, else the one declared property spelled alike in another case convention
    (``FriendlyName`` → ``friendly_name``). An exact name wins over a converted one."""
    out: dict[str, Any] = {}
    converted: dict[str, Any] = {}
    for name, value in overrides.items():
        if name in declared:
            out[name] = value
        else:
            target = by_convention.get(convention_key(name))
            if target is not None:
                converted.setdefault(target, value)
    for name, value in converted.items():
        out.setdefault(name, value)
    return out


# -- error answers --------------------------------------------------------------------------------

_REASONS = {400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 406: "Not Acceptable", 408: "Request Timeout", 409: "Conflict", 410: "Gone",
            412: "Precondition Failed", 413: "Content Too Large", 415: "Unsupported Media Type",
            422: "Unprocessable Content", 423: "Locked", 429: "Too Many Requests", 500: "Internal Server Error",
            501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}  # fmt: skip
_CODES = {400: "parameter_invalid", 401: "authentication_required", 402: "payment_required", 403: "permission_denied",
          404: "resource_missing", 405: "method_not_allowed", 406: "not_acceptable", 408: "request_timeout",
          409: "resource_conflict", 410: "resource_gone", 412: "precondition_failed", 413: "request_too_large",
          415: "unsupported_media_type", 422: "validation_failed", 423: "resource_locked",
          429: "rate_limit_exceeded", 500: "internal_error", 501: "not_implemented", 502: "bad_gateway",
          503: "service_unavailable", 504: "gateway_timeout"}  # fmt: skip
_MESSAGES = {
    400: "The request has a missing or invalid parameter.",
    401: "No valid API key provided.",
    402: "The request was valid but could not be completed: payment is required.",
    403: "The API key does not have permission to perform this request.",
    404: "The requested resource does not exist.",
    405: "This method is not allowed on this resource.",
    409: "The request conflicts with the current state of the resource.",
    410: "The requested resource is no longer available.",
    415: "The request body's media type is not supported.",
    422: "The request was well-formed but some of its values are invalid.",
    429: "Too many requests hit the API too quickly. Retry after a short pause.",
    500: "An unexpected error occurred on our side. Please try again later.",
    503: "The service is temporarily unavailable. Please retry in a moment.",
}
_TYPES = {401: "authentication_error", 403: "permission_error", 429: "rate_limit_error"}
# field names (compared as ``convention_key`` spells them) -> the role their text plays
_ROLES = {
    "code": "code", "errorcode": "code", "error": "code", "errorkey": "code",
    "message": "message", "errormessage": "message", "msg": "message", "detail": "message", "details": "message",
    "description": "message", "errordescription": "message", "reason": "code",
    "title": "title", "type": "type", "errortype": "type",
}  # fmt: skip
_MAX_FILLED = 32  # fields looked at in one error body
_MAX_DEPTH = 4


def error_code(status: int) -> str:
    return _CODES.get(status, "server_error" if status >= 500 else "invalid_request")


def error_message(status: int, resource: str | None = None, ident: str | None = None) -> str:
    if status in (404, 410) and resource and ident:
        return f"No such {resource}: {ident}" if status == 404 else f"The {resource} {ident} no longer exists."
    return _MESSAGES.get(status) or f"{_REASONS.get(status, 'Error')}."


def path_values(template: str, path: str) -> dict[str, str]:
    """The path parameters' values in ``path``, read against ``template`` from the end (the mount is before)."""
    from urllib.parse import unquote

    parts = [p for p in template.split("/") if p]
    actual = [p for p in path.split("?")[0].split("/") if p]
    if len(actual) < len(parts):
        return {}
    offset = len(actual) - len(parts)
    return {
        part[1:-1]: unquote(actual[offset + index])
        for index, part in enumerate(parts)
        if part.startswith("{") and part.endswith("}")
    }


def resource_of(template: str, path: str) -> tuple[str | None, str | None]:
    """The resource a request names: ``/v1/customers/{id}`` and ``/v1/customers/cus_9`` give
    ("customer", "cus_9"); ("customer", None) for ``/v1/customers``."""
    parts = [p for p in template.split("/") if p]
    values = path_values(template, path)
    ident: str | None = None
    for part in reversed(parts):
        if part.startswith("{") and part.endswith("}"):
            if ident is None:
                ident = values.get(part[1:-1])
            continue
        noun = part.replace("-", " ").replace("_", " ")
        if noun.endswith("ies"):
            return noun[:-3] + "y", ident
        if noun.endswith("s") and not noun.endswith("ss"):
            return noun[:-1], ident
        return noun, ident
    return None, ident


def fill_error_fields(
    value: Any, validator: Validator, status: int, *, message: str | None = None, code: str | None = None,
    resource: str | None = None, ident: str | None = None, roles: frozenset[str] | None = None,
) -> Any:  # fmt: skip
    """``value`` (a copy) with its code-, message-, title- and type-like fields holding plausible text for
    ``status`` (``code``: a snake_case error code, ``message``: a sentence such as "No such customer: cus_9"),
    at the top level and inside ``error``/``errors``-like members; a field the schema declares but the value
    lacks is added. Each is kept only where the whole body stays valid: enums, patterns and lengths keep
    what they had. ``roles``: only those fields (a contract's example keeps its code and takes ``message``)."""
    import copy

    document = copy.deepcopy(value)
    texts: dict[str, list[Any]] = {
        "code": [code or error_code(status)],
        "message": [*([message] if message else []), error_message(status, resource, ident)],
        "title": [_REASONS.get(status, "Error")],
        "type": [_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error"), "about:blank"],
    }
    root = validator.json_schema
    slots: list[tuple[dict[str, Any], str, str, tuple[str, ...]]] = []
    _slots(document, root, root.get("$defs") or {}, 0, slots)
    for container, key, role, types in slots:
        if roles is not None and role not in roles:
            continue
        absent = key not in container
        current = container.get(key)
        if isinstance(current, bool):
            continue
        if isinstance(current, int) or (absent and "string" not in types and {"integer", "number"} & set(types)):
            candidates: list[Any] = [status] if role == "code" else []
        elif isinstance(current, str) or (absent and ("string" in types or not types)):
            candidates = texts[role]
        else:
            continue
        for candidate in candidates:
            if candidate == current and not absent:
                break
            container[key] = candidate
            if validator.is_valid(document):
                break
            if absent:
                del container[key]
            else:
                container[key] = current
    return document


# members an error body nests its own error objects in (Stripe's ``error``, Google's ``error.errors``)
_ERROR_MEMBERS = frozenset({"error", "errors", "details", "errordetails", "fault", "problems", "innererror", "cause"})


def _slots(
    node: Any,
    schema: Any,
    defs: dict[str, Any],
    depth: int,
    out: list[tuple[dict[str, Any], str, str, tuple[str, ...]]],
) -> None:
    if depth > _MAX_DEPTH or len(out) >= _MAX_FILLED:
        return
    parts = composed_schemas(schema, defs) if isinstance(schema, dict) else []
    if isinstance(node, list):
        items = next((p["items"] for p in parts if isinstance(p.get("items"), dict)), None)
        for item in node[:4]:
            _slots(item, items, defs, depth + 1, out)
        return
    if not isinstance(node, dict):
        return
    declared: dict[str, Any] = {}
    for part in parts:
        if isinstance(part.get("properties"), dict):
            for key, sub in part["properties"].items():
                declared.setdefault(key, sub)
    for key in [*node, *(k for k in declared if k not in node)]:
        item = node.get(key)
        name = convention_key(str(key))
        role = _ROLES.get(name)
        sub = declared.get(key)
        if role is not None and (key not in node or isinstance(item, (str, int))):
            types = tuple(
                t for p in (composed_schemas(sub, defs) if isinstance(sub, dict) else []) for t in declared_types(p)
            )
            out.append((node, key, role, types))
        elif isinstance(item, (dict, list)) and name in _ERROR_MEMBERS:
            _slots(item, sub, defs, depth + 1, out)


def parameter_examples(op: CompiledOperation, path_params: dict[str, str]) -> dict[str, str]:
    """The path parameters' own examples (schema ``example``/``examples``, Swagger's ``x-example``) that the
    request replaces, example -> the request's value; examples under 3 characters are too common to replace."""
    out: dict[str, str] = {}
    for parameter in op.parameters.by_location.get("path", ()):
        actual = path_params.get(parameter.name)
        schema = parameter.schema if isinstance(parameter.schema, dict) else {}
        converted = parameter.validator.json_schema if parameter.validator is not None else {}
        found = [schema.get("example"), schema.get("x-example"), *_first(schema.get("examples")),
                 *_first(converted.get("examples"))]  # fmt: skip
        for example in found:
            if isinstance(example, (str, int)) and not isinstance(example, bool) and actual is not None:
                text = str(example)
                if len(text) >= 3 and text != actual:
                    out[text] = actual
                break
    return out


def _first(examples: Any) -> list[Any]:
    return examples[:1] if isinstance(examples, list) else []


def substituted(example: Any, replacements: dict[str, str], is_valid: Callable[[Any], bool]) -> Any:
    """``example`` with each parameter example it mentions replaced by the request's value ("No such
    customer: cus_123" → "… cus_9" when ``cus_123`` is the path parameter's own example); kept only if valid."""
    if not replacements:
        return example

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            for old, new in replacements.items():
                node = node.replace(old, new)
            return node
        if isinstance(node, dict):
            return {key: walk(item) for key, item in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    changed = walk(example)
    return changed if changed != example and is_valid(changed) else example
