"""The OpenAPI mock: a sans-IO function from ``Request`` to ``MockResult``, compiled once per contract.

At load: the route table, and per operation its parameter decoders, body reader, security check
and response set (validators compiled; generators built the first time a response needs them).
Per request: route, check credentials, validate, choose the response (``Prefer`` or the lowest
2xx), and serve a cached body or make one with a generator seeded by the request, so the same
request always gets the same answer and the cache never changes what a client sees.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from email.utils import format_datetime
from typing import Any, Literal

from toolkit.exchange import Delivery, MockResult, Request, Response
from toolkit.mock.problem import problem_response
from toolkit.model import HttpOperation
from toolkit.openapi.bodies import BodyReader, DecodedBody, is_json
from toolkit.openapi.callbacks import CallbackSpec, compile_callbacks, expand_expression
from toolkit.openapi.generate import GenerationError, Generators
from toolkit.openapi.jsonschema import SchemaValidators
from toolkit.openapi.load import OpenAPIContract
from toolkit.openapi.parameters import CompiledParameter, ParameterReader, Violation, compile_parameters
from toolkit.openapi.prefer import Preferences, parse_prefer
from toolkit.openapi.responses import (
    MediaResponse,
    ResponseSet,
    ResponseSpec,
    compile_responses,
    concrete_media_type,
    encode_body,
    generator_of,
    header_values,
    properties_of,
    validator_of,
)
from toolkit.openapi.routing import Router, mount_point
from toolkit.openapi.security import SecurityCheck, compile_security
from toolkit.sunset import parse_sunset

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ADMIN_PREFIX = "/__ctk"
_TITLES = {400: "Bad Request", 401: "Unauthorized", 415: "Unsupported Media Type", 422: "Unprocessable Content"}
_MEMO_MAX_BODY = 16 * 1024
# Headers that never change an answer: leaving them out of the memo key lets different clients share it.
_NOT_MEANINGFUL = frozenset({"host", "user-agent", "connection", "accept-encoding", "content-length", "keep-alive",
                             "x-request-id", "traceparent", "tracestate", "x-forwarded-for",
                             "cache-control"})  # fmt: skip
_LIST_SIZE_PARAMETERS = ("limit", "per_page", "page_size", "pagesize", "size", "count", "first", "top", "$top")


@dataclass(frozen=True)
class MockOptions:
    seed: int = 0
    validate: bool = True
    webhook_url: str | None = None  # where webhook events are delivered
    webhook_after: dict[str, str] = field(default_factory=dict)  # operation id -> webhook name
    mount: str | None = None  # overrides the path of the first server URL
    cache_size: int = 4096


@dataclass(slots=True)
class CompiledOperation:
    operation: HttpOperation
    parameters: ParameterReader
    path_parameter_names: tuple[str, ...]
    body: BodyReader | None
    security: SecurityCheck
    responses: ResponseSet
    deprecation_headers: tuple[tuple[str, str], ...]
    callbacks: list[CallbackSpec]


class OpenAPIMock:
    """Callable: ``mock(request) -> MockResult``. Thread-safe; one instance serves many requests."""

    def __init__(self, contract: OpenAPIContract, options: MockOptions | None = None, *, eager: bool = False) -> None:
        self.contract = contract
        self.options = options or MockOptions()
        self.validators = SchemaValidators(contract)
        self.generators = Generators(contract, self.validators, seed=self.options.seed)
        mount = self.options.mount if self.options.mount is not None else mount_point(contract.servers[0])
        self.router: Router[_OperationSlot] = Router(mount)
        self._slots: dict[str, _OperationSlot] = {}
        self.webhooks = _webhooks(contract)
        # A header the contract declares (a parameter, an API key) is validated, so it belongs in the memo key.
        self._unkeyed_headers = _NOT_MEANINGFUL - _declared_headers(contract)
        self._cache: OrderedDict[tuple[Any, ...], Response] = OrderedDict()
        self._memo: dict[tuple[Any, ...], MockResult] = {}
        self._lock = threading.Lock()
        self._compile()
        if eager:
            self.compile_all()

    @property
    def operations(self) -> dict[str, CompiledOperation]:
        """Every operation, compiled (compiling those not yet used)."""
        return {op_id: slot.get() for op_id, slot in self._slots.items()}

    def warm(self) -> None:
        """Build the realistic-value pools now (about 0.5 s of Faker) rather than on the first request."""
        _ = self.generators.fake.pools

    def compile_all(self) -> None:
        for slot in self._slots.values():
            slot.get()

    # -- load time -------------------------------------------------------------------------------

    def _compile(self) -> None:
        contract = self.contract
        assert contract.resolver is not None
        resolver = contract.resolver
        document = contract.document
        by_id = {op.id: op for op in contract.operations if isinstance(op, HttpOperation)}
        root_produces = document.get("produces") if isinstance(document.get("produces"), list) else []
        for path, raw_item in (document.get("paths") or {}).items():
            if not isinstance(path, str) or not path.startswith("/"):
                continue
            item, item_uri = resolver.deref(raw_item, resolver.root_uri)
            if not isinstance(item, dict):
                continue
            item_pointer = "/paths/" + path.replace("~", "~0").replace("/", "~1") if item is raw_item else ""
            item_parameters = item.get("parameters") if isinstance(item.get("parameters"), list) else []
            for method in HTTP_METHODS:
                raw_operation = item.get(method)
                if not isinstance(raw_operation, dict):
                    continue
                operation, op_uri = resolver.deref(raw_operation, item_uri)
                http_operation = by_id.get(f"{method.upper()} {path}")
                if http_operation is None:
                    continue
                op_pointer = f"{item_pointer}/{method}" if item_pointer and operation is raw_operation else ""
                slot = _OperationSlot(
                    self, (http_operation, operation, op_uri, op_pointer, item_parameters, item_uri, item_pointer,
                           item.get("x-sunset"), root_produces),
                )  # fmt: skip
                self.router.add(path, method, slot)
                self._slots[http_operation.id] = slot

    def _compile_operation(
        self,
        http_operation: HttpOperation,
        operation: dict[str, Any],
        uri: str,
        pointer: str,
        item_parameters: list[Any],
        item_uri: str,
        item_pointer: str,
        item_sunset: Any,
        root_produces: list[str],
    ) -> CompiledOperation:
        contract = self.contract
        assert contract.resolver is not None
        resolver = contract.resolver
        own_parameters: list[Any] = operation["parameters"] if isinstance(operation.get("parameters"), list) else []
        compiled_parameters: list[CompiledParameter] = compile_parameters(
            item_parameters, item_uri, f"{item_pointer}/parameters", resolver, self.validators
        ) + compile_parameters(own_parameters, uri, f"{pointer}/parameters", resolver, self.validators)
        merged: dict[tuple[str, str], CompiledParameter] = {(p.location, p.name): p for p in compiled_parameters}
        parameters = list(merged.values())
        body: BodyReader | None = None
        if contract.spec_version == "2.0":
            body = _swagger2_body(operation, item_parameters, uri, pointer, resolver, self.validators, contract)
        elif operation.get("requestBody") is not None:
            body = BodyReader.compile(
                operation["requestBody"], uri, f"{pointer}/requestBody", resolver, self.validators
            )
        produces = operation.get("produces") if isinstance(operation.get("produces"), list) else root_produces
        responses = compile_responses(
            operation.get("responses"), uri, f"{pointer}/responses", resolver, self.validators,
            contract.spec_version, list(produces or []),
        )  # fmt: skip
        return CompiledOperation(
            operation=http_operation,
            parameters=ParameterReader(parameters),
            path_parameter_names=tuple(p.name for p in parameters if p.location == "path"),
            body=body,
            security=compile_security(operation, contract.document, contract.spec_version),
            responses=responses,
            deprecation_headers=_deprecation_headers(http_operation, operation, item_sunset),
            callbacks=compile_callbacks(operation.get("callbacks"), uri, resolver),
        )

    # -- request time ------------------------------------------------------------------------------

    def __call__(self, request: Request) -> MockResult:
        """Answer ``request``. The answer is a pure function of the request (the data is seeded), so
        identical requests are memoised whole: a client polling one resource costs a dict lookup."""
        if request.path == ADMIN_PREFIX or request.path.startswith(ADMIN_PREFIX + "/"):
            return self._admin(request)
        key = None
        if len(request.body) <= _MEMO_MAX_BODY:
            key = (request.method, request.path, request.query,
                   tuple(h for h in request.headers if h[0] not in self._unkeyed_headers), request.body)  # fmt: skip
            found = self._memo.get(key)
            if found is not None:
                return found
        result = self._route(request)
        if key is not None and not result.deliveries:
            if len(self._memo) >= self.options.cache_size:
                self._memo.clear()  # cheaper than LRU bookkeeping on every hit; refills in one pass
            self._memo[key] = result
        return result

    def _route(self, request: Request) -> MockResult:
        method = request.method.upper()
        match = self.router.match(request.path, method)
        if match is None:
            return MockResult(
                problem_response(404, f"no path of the contract matches {request.path}", kind="not-found")
            )
        head_only = False
        slot = match.target
        if slot is None:
            if method == "HEAD" and "GET" in match.allowed:
                slot, head_only = self.router.match(request.path, "GET").target, True  # type: ignore[union-attr]
            elif method == "OPTIONS":
                return MockResult(_options(match.allowed, request))
            else:
                allowed = ", ".join(_allowed(match.allowed))
                return MockResult(
                    problem_response(
                        405,
                        f"{method} is not allowed on {match.template}; allowed: {allowed}",
                        kind="method-not-allowed",
                        headers=(("allow", allowed),),
                    )
                )
        assert slot is not None
        result = self._answer(slot.get(), request, match.params)
        if head_only:
            response = result.response
            # HEAD: GET's headers, including the length the body would have had (RFC 9110 9.3.2)
            headers = (*response.headers, ("content-length", str(len(response.body))))
            result = MockResult(Response(response.status, headers, b""), result.deliveries)
        return result

    def _answer(self, op: CompiledOperation, request: Request, path_params: dict[str, str]) -> MockResult:
        preferences = parse_prefer(request.header("prefer"))
        if self.options.validate:
            missing = op.security.missing(request)
            if missing is not None:
                return MockResult(self._error(op, request, 401, missing, [], "unauthorized"))
        violations: list[Violation] = []
        query_items = request.query_items()
        values = op.parameters.read(path_params, query_items, request.headers, request.cookies, violations)
        decoded = DecodedBody(None, None, False)
        if op.body is not None:
            decoded = op.body.read(request.header("content-type"), request.body, violations)
        if violations and self.options.validate:
            unsupported = [v for v in violations if v.get("status") == 415]
            # An undeclared Content-Type is 415 whether or not the contract declares it (RFC 9110 15.5.16).
            status = 415 if unsupported else 400
            for violation in violations:
                violation.pop("status", None)
            plural = "s" if len(violations) != 1 else ""
            detail = f"the request does not match the contract ({len(violations)} problem{plural})"
            return MockResult(self._error(op, request, status, detail, violations, "invalid-request"))
        spec, status = self._choose(op, preferences)
        if spec is None:
            if preferences.code is not None:
                return MockResult(
                    problem_response(
                        400,
                        f"Prefer asks for status {preferences.code}, which {op.operation.id} does not declare",
                        kind="prefer-unknown-code",
                    )
                )
            return MockResult(Response(204, op.deprecation_headers))
        # A success repeats what the request said (path ids, body fields); an error says its own status.
        overrides = _overrides(op, values, decoded) if status < 400 else {"status": status}
        try:
            response = self._respond(op, spec, status, request, preferences, overrides, query_items)
        except GenerationError as error:
            response = self._unsatisfiable(op, spec, status, request, preferences, query_items, error)
        # Events follow what happened: a call answered with an error (Prefer: code=4xx) triggers none.
        deliveries = self._deliveries(op, request, decoded) if response.status < 400 else ()
        return MockResult(response, deliveries)

    def _unsatisfiable(
        self,
        op: CompiledOperation,
        failed: ResponseSpec,
        status: int,
        request: Request,
        preferences: Preferences,
        query_items: list[tuple[str, str]],
        error: GenerationError,
    ) -> Response:
        """The contract's schema for this response admits no value at all. Rather than send data that
        contradicts the contract, answer with the next declared response that can be made valid, and
        say so in a ``ctk-warning`` header; a status the client asked for by ``Prefer`` is a 500."""
        note = f"the {failed.key} response schema of {op.operation.id} admits no value ({error.where})"
        if preferences.code is None:
            order = sorted(
                (s for s in op.responses.specs if s is not failed and s.status >= 200),
                key=lambda s: (s.key == "default", s.status >= 400, s.status),
            )
            for spec in order:
                alternative = spec.status if spec.key != "default" else status
                overrides: dict[str, Any] = {"status": alternative} if alternative >= 400 else {}
                try:
                    response = self._respond(op, spec, alternative, request, preferences, overrides, query_items)
                except GenerationError:
                    continue
                warning = ("ctk-warning", f"{note}; answered {alternative} instead")
                return Response(response.status, (*response.headers, warning), response.body)
        return problem_response(500, note, kind="unsatisfiable-schema", headers=op.deprecation_headers)

    def _choose(self, op: CompiledOperation, preferences: Preferences) -> tuple[ResponseSpec | None, int]:
        if preferences.code is not None:
            spec = op.responses.for_status(preferences.code)
            return spec, preferences.code
        spec = op.responses.default_spec
        return spec, (spec.status if spec is not None else 204)

    def _respond(
        self,
        op: CompiledOperation,
        spec: ResponseSpec,
        status: int,
        request: Request,
        preferences: Preferences,
        overrides: dict[str, Any],
        query_items: list[tuple[str, str]],
    ) -> Response:
        media = _negotiate(spec.media, request.header("accept"))
        if media is False:
            offered = ", ".join(m.media_type for m in spec.media)
            return problem_response(
                406, f"none of the media types offered ({offered}) is acceptable", kind="not-acceptable"
            )
        if media is not None and media.schema is not None and overrides:
            declared = properties_of(media, self.validators)
            overrides = {name: value for name, value in overrides.items() if name in declared}
        # An example the response does not have is not applied: it neither changes the data nor is claimed.
        example = preferences.example if media and preferences.example in media.examples else None
        key = (op.operation.id, status, media.media_type if media else None, example, preferences.dynamic,
               request.path, request.query, request.body if overrides else b"")  # fmt: skip
        cached = self._cache.get(key)
        if cached is None:
            cached = self._build(op, spec, status, media, key, preferences, overrides, query_items)
        # Preference-Applied is this request's own: the cached answer may have been made for another Prefer.
        applied = [p for p in preferences.applied.split(", ") if p and (example or not p.startswith("example="))]
        if not applied:
            return cached
        return Response(cached.status, (*cached.headers, ("preference-applied", ", ".join(applied))), cached.body)

    def _build(
        self,
        op: CompiledOperation,
        spec: ResponseSpec,
        status: int,
        media: MediaResponse | None,
        key: tuple[Any, ...],
        preferences: Preferences,
        overrides: dict[str, Any],
        query_items: list[tuple[str, str]],
    ) -> Response:
        rng = random.Random(_seed(self.options.seed, key))
        headers: list[tuple[str, str]] = []
        body = b""
        if media is not None:
            media_type = concrete_media_type(media.media_type)
            value = self._body_value(op, media, rng, preferences, overrides, query_items)
            body = b"" if value is None and media.schema is None else encode_body(media_type, value)
            headers.append(("content-type", media_type))
        headers.extend(header_values(spec, self.generators, rng))
        headers.extend(op.deprecation_headers)
        response = Response(status, tuple(headers), body)
        with self._lock:
            self._cache[key] = response
            if len(self._cache) > self.options.cache_size:
                self._cache.popitem(last=False)
        return response

    def _body_value(
        self,
        op: CompiledOperation,
        media: MediaResponse,
        rng: random.Random,
        preferences: Preferences,
        overrides: dict[str, Any],
        query_items: list[tuple[str, str]],
    ) -> Any:
        if preferences.example is not None and preferences.example in media.examples:
            return _with_overrides(media, self.validators, media.examples[preferences.example], overrides)
        if media.examples and not preferences.dynamic:
            # An example fits a request that names no particular resource, or names the one it shows.
            for example in media.examples.values():
                if _fits(example, overrides, op.path_parameter_names):
                    return _with_overrides(media, self.validators, example, overrides)
        if media.schema is None:
            return next(iter(media.examples.values()), None) if media.examples else None
        value = generator_of(media, self.generators).generate(rng, overrides=overrides)
        size = _list_size(query_items)
        if size is not None:
            value = self._resize_list(media, value, size, rng)
        return value

    def _resize_list(self, media: MediaResponse, value: Any, size: int, rng: random.Random) -> Any:
        """A list response holds as many items as the client asked for (``?limit=20``), where valid."""
        container, key = _list_slot(value)
        if container is None or not container[key]:
            return value
        items = container[key]
        grown = [*items]
        while len(grown) < size:
            grown.append(items[len(grown) % len(items)] if not isinstance(items[0], dict) else
                         _reseeded(items[len(grown) % len(items)], rng))  # fmt: skip
        container[key] = grown[:size]
        if validator_of(media, self.validators).is_valid(value):
            return value
        container[key] = items
        return value

    def _error(
        self, op: CompiledOperation, request: Request, status: int, detail: str, violations: list[Violation], kind: str
    ) -> Response:
        """The contract's own error response when it declares one, else RFC 9457 problem+json."""
        statuses = (status,) if status != 400 else (400, 422)
        spec = op.responses.error(*statuses) or op.responses.catch_all
        extra: tuple[tuple[str, str], ...] = (("www-authenticate", op.security.challenge()),) if status == 401 else ()
        if spec is None or not spec.media:
            return problem_response(
                status, detail, errors=violations, kind=kind, headers=extra + op.deprecation_headers
            )
        status = spec.status if spec.key.isdigit() else status
        media = _negotiate(spec.media, request.header("accept")) or spec.media[0]
        problem = {
            "type": f"https://ctk.invalid/problems/{kind}",
            "title": _TITLES.get(status, "Error"),
            "status": status,
            "detail": detail,
            "message": detail,
            "code": kind.replace("-", "_"),
            "errors": violations,
        }  # fmt: skip
        value: Any = problem
        if media.schema is not None and not validator_of(media, self.validators).is_valid(problem):
            rng = random.Random(_seed(self.options.seed, (op.operation.id, status, kind)))
            value = generator_of(media, self.generators).generate(rng, overrides=problem)
        media_type = concrete_media_type(media.media_type)
        rng = random.Random(_seed(self.options.seed, (op.operation.id, status)))
        headers = [("content-type", media_type), *header_values(spec, self.generators, rng), *extra]
        headers.extend(op.deprecation_headers)
        return Response(status, tuple(headers), encode_body(media_type, value))

    def _deliveries(self, op: CompiledOperation, request: Request, decoded: DecodedBody) -> tuple[Delivery, ...]:
        out: list[Delivery] = []
        webhook = self.options.webhook_after.get(op.operation.id)
        if webhook and self.options.webhook_url:
            delivery = self.webhook_event(webhook, self.options.webhook_url, request)
            if delivery is not None:
                out.append(delivery)
        for callback in op.callbacks:
            url = expand_expression(callback.expression, request, decoded.value)
            if url and url.startswith(("http://", "https://")):
                out.append(self._event(callback.name, url, callback.schema, callback.schema_place, request))
        return tuple(out)

    def webhook_event(self, name: str, url: str, request: Request | None = None) -> Delivery | None:
        """A contract-valid event for webhook ``name``, addressed to ``url`` (None if no such webhook)."""
        found = self.webhooks.get(name)
        if found is None:
            return None
        schema, schema_place = found
        return self._event(name, url, schema, schema_place, request)

    def _event(self, name: str, url: str, schema: Any, schema_place: str, request: Request | None) -> Delivery:
        key = (name, url, request.path if request else "", request.body if request else b"")
        rng = random.Random(_seed(self.options.seed, key))
        # Generated as the vendor's output ("response" direction): an event carries whole resources, readOnly
        # fields (ids, statuses) included, as the API returns them; the request-direction schema accepts that.
        value = self.generators.generator(schema, schema_place, "response").generate(rng) if schema is not None else {}
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        return Delivery("POST", url, (("content-type", "application/json"), ("user-agent", "ctk-mock")), body, name)

    def _admin(self, request: Request) -> MockResult:
        parts = request.path[len(ADMIN_PREFIX) :].strip("/").split("/")
        if parts == ["health"]:
            return MockResult(Response(200, (("content-type", "application/json"),), b'{"status":"ok"}'))
        if len(parts) == 2 and parts[0] == "webhooks" and request.method.upper() == "POST":
            url = self.options.webhook_url
            if request.body:
                try:
                    url = json.loads(request.body).get("url", url)
                except (ValueError, AttributeError):
                    return MockResult(problem_response(400, 'the body must be JSON like {"url": "http://..."}'))
            if not url:
                return MockResult(problem_response(400, "no webhook URL: pass --webhook-url or a JSON body with url"))
            delivery = self.webhook_event(parts[1], str(url), request)
            if delivery is None:
                known = ", ".join(sorted(self.webhooks)) or "(none)"
                return MockResult(problem_response(404, f"no webhook named {parts[1]!r}; the contract has: {known}"))
            return MockResult(
                Response(
                    202,
                    (("content-type", "application/json"),),
                    json.dumps({"delivering": parts[1], "url": url}).encode(),
                ),
                (delivery,),
            )
        return MockResult(problem_response(404, f"no admin endpoint {request.path}", kind="not-found"))


class _OperationSlot:
    """An operation compiled on first use: startup stays fast on a 400-operation spec, and each
    operation's validators and generators are still built once, never per request."""

    __slots__ = ("_args", "_compiled", "_lock", "_mock")

    def __init__(self, mock: OpenAPIMock, args: tuple[Any, ...]) -> None:
        self._mock = mock
        self._args = args
        self._compiled: CompiledOperation | None = None
        self._lock = threading.Lock()

    def get(self) -> CompiledOperation:
        compiled = self._compiled
        if compiled is None:
            with self._lock:
                if self._compiled is None:
                    self._compiled = self._mock._compile_operation(*self._args)
                compiled = self._compiled
        return compiled


# -- helpers -------------------------------------------------------------------------------------


def _seed(seed: int, key: tuple[Any, ...]) -> int:
    digest = hashlib.blake2b(repr((seed, key)).encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _allowed(methods: tuple[str, ...]) -> list[str]:
    allowed = list(methods)
    if "GET" in allowed and "HEAD" not in allowed:
        allowed.append("HEAD")
    if "OPTIONS" not in allowed:
        allowed.append("OPTIONS")
    return allowed


def _options(methods: tuple[str, ...], request: Request) -> Response:
    allowed = ", ".join(_allowed(methods))
    headers = [("allow", allowed)]
    origin = request.header("origin")
    if origin:  # a CORS preflight: a browser client under development must be able to call the mock
        headers += [
            ("access-control-allow-origin", origin),
            ("access-control-allow-methods", allowed),
            ("access-control-allow-headers", request.header("access-control-request-headers") or "*"),
            ("access-control-max-age", "600"),
            ("vary", "Origin"),
        ]
    return Response(204, tuple(headers))


def _negotiate(media: list[MediaResponse], accept: str | None) -> MediaResponse | Literal[False] | None:
    """The media type to send: None if the response has no body, False if nothing is acceptable."""
    if not media:
        return None
    if not accept or "*/*" in accept:
        return next((m for m in media if is_json(m.media_type) and "*" not in m.media_type), media[0])
    ranges = [part.split(";", 1)[0].strip().lower() for part in accept.split(",")]
    for wanted in ranges:
        for candidate in media:
            essence = candidate.media_type.split(";", 1)[0].strip().lower()
            if wanted == essence or (wanted.endswith("/*") and essence.startswith(wanted[:-1])) or essence == "*/*":
                return candidate
    return False


def _overrides(op: CompiledOperation, values: dict[str, Any], decoded: DecodedBody) -> dict[str, Any]:
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


def _fits(example: Any, overrides: dict[str, Any], path_names: tuple[str, ...]) -> bool:
    if not path_names:
        return True
    if not isinstance(example, dict):
        return False
    keys = [name for name in (*path_names, "id") if name in overrides and name in example]
    return bool(keys) and all(str(example[name]) == str(overrides[name]) for name in keys)


def _with_overrides(media: MediaResponse, validators: SchemaValidators, example: Any, overrides: dict[str, Any]) -> Any:
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


def _list_size(query_items: list[tuple[str, str]]) -> int | None:
    for key, value in query_items:
        if key.lower() in _LIST_SIZE_PARAMETERS and value.isdigit():
            return max(0, min(int(value), 1000))
    return None


def _list_slot(value: Any) -> tuple[Any, Any]:
    if isinstance(value, list):
        return None, None  # a bare array: resized by the generator's own bounds only
    if isinstance(value, dict):
        lists = [key for key, item in value.items() if isinstance(item, list)]
        if len(lists) == 1:
            return value, lists[0]
    return None, None


def _reseeded(item: dict[str, Any], rng: random.Random) -> dict[str, Any]:
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


def _deprecation_headers(op: HttpOperation, raw: dict[str, Any], item_sunset: Any) -> tuple[tuple[str, str], ...]:
    if not op.deprecated:
        return ()
    headers: list[tuple[str, str]] = []
    since = parse_sunset(raw.get("x-deprecated-at", raw.get("x-deprecation-date")))
    epoch = int(dt.datetime.combine(since, dt.time(), dt.UTC).timestamp()) if since else 0
    headers.append(("deprecation", f"@{epoch}"))
    sunset = op.sunset or parse_sunset(item_sunset)
    if sunset is not None:
        headers.append(("sunset", format_datetime(dt.datetime.combine(sunset, dt.time(), dt.UTC), usegmt=True)))
    docs = raw.get("externalDocs")
    if isinstance(docs, dict) and isinstance(docs.get("url"), str):
        headers.append(("link", f'<{docs["url"]}>; rel="deprecation"'))
    return tuple(headers)


def _declared_headers(contract: OpenAPIContract) -> frozenset[str]:
    """Lower-case names of every header parameter and API-key header the contract declares (one cheap pass)."""
    resolver = contract.resolver
    names: set[str] = set()
    if resolver is None:
        return frozenset()
    document = contract.document
    schemes = document.get("securityDefinitions") or (document.get("components") or {}).get("securitySchemes") or {}
    for raw in schemes.values() if isinstance(schemes, dict) else ():
        scheme, _ = resolver.deref(raw, resolver.root_uri)
        if isinstance(scheme, dict) and scheme.get("in") == "header" and isinstance(scheme.get("name"), str):
            names.add(scheme["name"].lower())
    for raw_item in (document.get("paths") or {}).values():
        item, item_uri = resolver.deref(raw_item, resolver.root_uri)
        if not isinstance(item, dict):
            continue
        places = [(item, item_uri)]
        places += [resolver.deref(item[m], item_uri) for m in HTTP_METHODS if isinstance(item.get(m), dict)]
        for owner, owner_uri in places:
            for raw_parameter in owner.get("parameters") or () if isinstance(owner, dict) else ():
                parameter, _ = resolver.deref(raw_parameter, owner_uri)
                if isinstance(parameter, dict) and parameter.get("in") == "header":
                    names.add(str(parameter.get("name")).lower())
    return frozenset(names)


def _webhooks(contract: OpenAPIContract) -> dict[str, tuple[Any, str]]:
    """Webhook name -> (request body schema, its place), for 3.1 ``webhooks``."""
    from toolkit.openapi.jsonschema import place

    out: dict[str, tuple[Any, str]] = {}
    resolver = contract.resolver
    hooks = contract.document.get("webhooks")
    if resolver is None or not isinstance(hooks, dict):
        return out
    for name, raw_item in hooks.items():
        item, item_uri = resolver.deref(raw_item, resolver.root_uri)
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            operation, op_uri = resolver.deref(operation, item_uri)
            body, body_uri = resolver.deref(operation.get("requestBody"), op_uri)
            content = body.get("content") if isinstance(body, dict) else None
            if isinstance(content, dict):
                for entry in content.values():
                    if isinstance(entry, dict) and entry.get("schema") is not None:
                        out[str(name)] = (entry["schema"], place(body_uri, ""))
                        break
            break
    return out


def _swagger2_body(
    operation: dict[str, Any],
    item_parameters: list[Any],
    uri: str,
    pointer: str,
    resolver: Any,
    validators: SchemaValidators,
    contract: OpenAPIContract,
) -> BodyReader | None:
    """Swagger 2.0 ``in: body`` / ``in: formData`` parameters, read as an OpenAPI 3 request body."""
    from toolkit.openapi.bodies import MediaBody

    parameters = [resolver.deref(p, uri)[0] for p in [*item_parameters, *(operation.get("parameters") or [])]]
    consumes = operation.get("consumes") or contract.document.get("consumes") or ["application/json"]
    for parameter in parameters:
        if isinstance(parameter, dict) and parameter.get("in") == "body":
            schema = parameter.get("schema", {})
            validator = validators.validator(schema, f"{uri}#", "request")
            return BodyReader(bool(parameter.get("required")), [MediaBody(str(m), validator) for m in consumes])
    form = [p for p in parameters if isinstance(p, dict) and p.get("in") == "formData"]
    if not form:
        return None
    properties = {
        p["name"]: {
            k: v for k, v in p.items() if k not in {"name", "in", "required", "description", "collectionFormat"}
        }
        for p in form
        if isinstance(p.get("name"), str)
    }
    for schema in properties.values():
        if schema.get("type") == "file":
            schema["type"] = "string"
    required = [p["name"] for p in form if p.get("required") and isinstance(p.get("name"), str)]
    schema = {"type": "object", "properties": properties, **({"required": required} if required else {})}
    validator = validators.validator(schema, f"{uri}#", "request")
    media = [m for m in consumes if "form" in str(m)] or ["application/x-www-form-urlencoded"]
    return BodyReader(bool(required), [MediaBody(str(m), validator) for m in media])
