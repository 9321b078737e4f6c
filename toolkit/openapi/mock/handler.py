"""The OpenAPI mock: a sans-IO function from ``Request`` to ``MockResult``, compiled once per contract.

At load: the route table, and per operation its parameter decoders, body reader, security check
and response set (validators compiled; generators built the first time a response needs them).
Per request: route, check credentials, validate, choose the response (``Prefer`` or the lowest
2xx), and make the body with a generator seeded by the request, so the same request always gets the same
answer. Memoising is the envelope's (``MockEnvelope``, keyed by ``memo_key``): a second memo here, keyed
without the headers, cost about 3 µs on every new request for the rare repeat with other headers, which the
seeding answers identically anyway.
"""

from __future__ import annotations

import _random
import random
import threading
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from toolkit.errors import CtkError
from toolkit.exchange import Delivery, MockResult, Request, Response, Violation
from toolkit.mock.compiled import Endpoint
from toolkit.mock.deliver import WebhookSigner
from toolkit.mock.options import MockOptions
from toolkit.mock.problem import clip, problem_document, problem_response
from toolkit.mock.seed import rng_for, seed_of
from toolkit.openapi.generate.generator import GenerationError, GenerationLimitError, Generators
from toolkit.openapi.jsonschema import SchemaValidators
from toolkit.openapi.load import OpenAPIContract
from toolkit.openapi.mock.answers import (
    NO_EXAMPLE,
    allowed_methods,
    echoed_by_plan,
    fill_error_fields,
    fitting_echoes,
    fitting_example,
    list_size,
    list_slot,
    negotiate,
    options_response,
    parameter_examples,
    path_values,
    reseeded,
    resource_of,
    substituted,
    with_overrides,
)
from toolkit.openapi.mock.bodies import DecodedBody
from toolkit.openapi.mock.callbacks import expand_expression
from toolkit.openapi.mock.events import Events, webhook_headers
from toolkit.openapi.mock.operations import (
    CompiledOperation,
    OperationSlot,
    declared_headers,
    operation_sources,
    webhooks_of,
)
from toolkit.openapi.mock.prefer import Preferences, parse_prefer
from toolkit.openapi.mock.reading import read_query
from toolkit.openapi.mock.responses import (
    MediaResponse,
    ResponseSpec,
    concrete_media_type,
    convention_names,
    encode_body,
    encode_json,
    generator_of,
    header_values,
    properties_of,
    validator_of,
)
from toolkit.openapi.mock.routing import Router, mount_point
from toolkit.openapi.mock.violations import Violations, rendered

__all__ = ["CompiledOperation", "OpenAPIMock", "OpenAPIMockOptions"]

# A request larger than this (path, query and body) is answered but not memoised: the memo bounds the
# answers it keeps, and its keys hold the request. Three lengths are looked at before the key is built.
_MEMO_MAX_REQUEST = 16 * 1024
# Headers that never change an answer: leaving them out of the memo key lets different clients share it.
_NOT_MEANINGFUL = frozenset({"host", "user-agent", "connection", "accept-encoding", "content-length", "keep-alive",
                             "x-request-id", "traceparent", "tracestate", "x-forwarded-for",
                             "cache-control"})  # fmt: skip


_MESSAGE_ONLY = frozenset({"message"})
_NO_BODY = DecodedBody(None, None, False)  # a request without a body (never changed: read only)


@dataclass(frozen=True)
class OpenAPIMockOptions(MockOptions):
    """``MockOptions`` (``mount`` overrides the path of the first server URL), and which webhook follows which
    operation (``webhook_url`` is where webhook events go)."""

    webhook_after: dict[str, str] = field(default_factory=dict)  # operation id -> webhook name
    # the environment variable holding the secret webhook and callback events are signed with (never the secret)
    webhook_secret_env: str | None = None


class OpenAPIMock:
    """A ``CompiledMock``: ``answer(request) -> MockResult``. Thread-safe; one instance serves many requests."""

    Options: ClassVar[type[OpenAPIMockOptions]] = OpenAPIMockOptions
    protocol_label = "OpenAPI"

    def __init__(self, contract: OpenAPIContract, options: OpenAPIMockOptions | None = None) -> None:
        self.contract = contract
        self.options: OpenAPIMockOptions = options or OpenAPIMockOptions()
        self.validators = SchemaValidators(contract)
        self.generators = Generators(contract, self.validators, seed=self.options.seed, limits=self.options.limits)
        mount = self.options.mount if self.options.mount is not None else mount_point(contract.servers[0])
        self.router: Router[OperationSlot] = Router(mount)
        self._slots: dict[str, OperationSlot] = {}
        self.events = Events(
            webhooks_of(contract),
            self.generators,
            self.options.seed,
            headers=webhook_headers(contract),
            signer=WebhookSigner.from_env(self.options.webhook_secret_env),
        )
        # A header the contract declares (a parameter, an API key) is validated, so it belongs in the memo key.
        self._unkeyed_headers = _NOT_MEANINGFUL - declared_headers(contract)
        self._compile()

    @property
    def mount(self) -> str:
        return self.router.mount

    def endpoints(self) -> list[Endpoint]:
        return []  # every operation is under the mount

    @property
    def operations(self) -> dict[str, CompiledOperation]:
        """Every operation, compiled (compiling those not yet used)."""
        return {op_id: slot.get() for op_id, slot in self._slots.items()}

    @property
    def webhooks(self) -> dict[str, tuple[Any, str]]:
        """Webhook name -> (its event schema, the schema's place), for 3.1 ``webhooks``."""
        return self.events.webhooks

    def warm(self) -> None:
        """Build the realistic-value pools now (about 0.5 s of Faker) rather than on the first request."""
        _ = self.generators.fake.pools

    # -- load time -------------------------------------------------------------------------------

    def _compile(self) -> None:
        for path, method, source in operation_sources(self.contract):
            slot = OperationSlot(self.contract, self.validators, source)
            self.router.add(path, method, slot)
            self._slots[source.operation.id] = slot

    # -- request time ------------------------------------------------------------------------------

    def serves_contract(self, request: Request) -> bool:
        return False  # the mock serves no copy of its OpenAPI document

    def operation_of(self, request: Request) -> str | None:
        """The operation the router finds for ``request`` (``HEAD`` where only ``GET`` is declared: the GET)."""
        method = request.method.upper()
        match = self.router.match(request.path, method)
        if match is not None and match.target is None and method == "HEAD" and "GET" in match.allowed:
            match = self.router.match(request.path, "GET")
        return match.target.operation.id if match is not None and match.target is not None else None

    def memo_key(self, request: Request) -> Hashable | None:
        """The request parts that can change the answer: all but the headers that never do."""
        if len(request.path) + len(request.query) + len(request.body) > _MEMO_MAX_REQUEST:
            return None
        return (request.method, request.path, request.query,
                tuple([h for h in request.headers if h[0] not in self._unkeyed_headers]), request.body)  # fmt: skip

    def error_response(self, request: Request, status: int, message: str) -> Response:
        """problem+json: a body over the limit (413), a bug in ctk (500)."""
        kind = {413: "too-large", 500: "mock-bug"}.get(status, "error")
        return problem_response(status, message, kind=kind)

    def answer(self, request: Request) -> MockResult:
        """Route ``request`` to its operation and answer it (see the module's docstring)."""
        method = request.method.upper()
        match = self.router.match(request.path, method)
        if match is None:
            path = clip(request.path, self.options.limits.max_echo_length)
            return MockResult(problem_response(404, f"no path of the contract matches {path}", kind="not-found"))
        head_only = False
        slot = match.target
        if slot is None:
            if method == "HEAD" and "GET" in match.allowed:
                slot, head_only = self.router.match(request.path, "GET").target, True  # type: ignore[union-attr]
            elif method == "OPTIONS":
                return MockResult(options_response(match.allowed, request))
            else:
                allowed = ", ".join(allowed_methods(match.allowed))
                return MockResult(
                    problem_response(
                        405,
                        f"{method} is not allowed on {match.template}; allowed: {allowed}",
                        kind="method-not-allowed",
                        headers=(("allow", allowed),),
                    )
                )
        assert slot is not None
        try:
            operation = slot.get()
        except CtkError as error:  # the contract's operation cannot be compiled (too deep, over a limit): say so
            message = f"{method} {match.template} cannot be served: {error.message} ({error.where})"
            return MockResult(problem_response(500, message, kind="contract-not-servable"))
        result = self._answer(operation, request, match.params)
        if head_only:
            response = result.response
            # HEAD: GET's headers, including the length the body would have had (RFC 9110 9.3.2)
            headers = (*response.headers, ("content-length", str(len(response.body))))
            result = MockResult(Response(response.status, headers, b""), result.deliveries, result.operations,
                                result.violations, result.deprecated)  # fmt: skip
        return result

    def _answer(self, op: CompiledOperation, request: Request, path_params: dict[str, str]) -> MockResult:
        ids = op.ids
        deprecated = ids if op.operation.deprecated else ()
        limits = self.options.limits
        preferences = parse_prefer(request.header("prefer"))
        violations = Violations(limits)
        query_items, refusal = read_query(request.query, limits.max_form_fields)
        if refusal is not None:  # not read whole (414): refused even with --no-validate, before any parameter
            error = Violation("query", refusal.detail)
            response = self._error(op, request, refusal.status, refusal.detail, [rendered(error)], "invalid-request")
            return MockResult(response, (), ids, (error,), deprecated)
        if self.options.validate:
            missing = op.security.missing(request, query_items)
            if missing is not None:
                return MockResult(self._error(op, request, 401, missing, [], "unauthorized"), (), ids, (), deprecated)
        values = op.parameters.read(
            path_params, query_items, request.headers, request.cookies, violations, len(request.query)
        )
        decoded = _NO_BODY
        if op.body is not None:
            decoded = op.body.read(request.header("content-type"), request.body, violations)
        # Over a size limit (413), a request is refused even with --no-validate: it was not read whole.
        if violations and (self.options.validate or violations.status == 413):
            # 415 for an undeclared Content-Type, whether or not the contract declares 415 (RFC 9110 15.5.16)
            detail, errors = violations.summary(), violations.errors()
            response = self._error(op, request, violations.status, detail, errors, "invalid-request")
            return MockResult(response, (), ids, tuple(violations.listed), deprecated)
        if preferences.code is None:  # _choose, inline: most requests ask for no status
            spec = op.responses.default_spec
            status = spec.status if spec is not None else 204
        else:
            spec, status = self._choose(op, preferences)
        if spec is None:
            if preferences.code is not None:
                return MockResult(
                    problem_response(
                        400,
                        f"Prefer asks for status {preferences.code}, which {op.operation.id} does not declare",
                        kind="prefer-unknown-code",
                    ),
                    (),
                    ids,
                    (),
                    deprecated,
                )
            return MockResult(Response(204, op.deprecation_headers), (), ids, (), deprecated)
        # A success repeats what the request said (path ids, body fields); an error says its own status.
        overrides = self._echoes(op, values, decoded) if status < 400 else {"status": status}
        try:
            response = self._respond(op, spec, status, request, preferences, overrides, query_items)
        except GenerationError as error:
            response = self._unsatisfiable(op, spec, status, request, preferences, query_items, error)
        # Events follow what happened: a call answered with an error (Prefer: code=4xx) triggers none.
        deliveries: tuple[Delivery, ...] = ()
        if response.status < 400 and (op.callbacks or self.options.webhook_after):
            deliveries = self._deliveries(op, request, decoded, query_items)
        return MockResult(response, deliveries, ids, (), deprecated)

    def _echoes(self, op: CompiledOperation, values: dict[str, Any], decoded: DecodedBody) -> dict[str, Any]:
        """What the answer repeats from the request, leaving out values over ``max_echo_length`` (generated
        instead): a 60 KB id must not be copied into every answer and memo entry."""
        return fitting_echoes(op, values, decoded, self.options.limits.max_echo_length)

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
        if isinstance(error, GenerationLimitError):
            note = (
                f"the {failed.key} response schema of {op.operation.id} asks for more than the mock generates "
                f"({error.where}): {error.message}; {error.hint}"
            )
        else:
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
        media = spec.negotiated(request.header("accept"), negotiate)
        if media is False:
            offered = ", ".join(m.media_type for m in spec.media)
            return problem_response(
                406, f"none of the media types offered ({offered}) is acceptable", kind="not-acceptable"
            )
        if media is not None and media.schema is not None and overrides:
            declared = properties_of(media, self.validators)
            overrides = echoed_by_plan(media, overrides, declared, convention_names(media, self.validators))
        # An example the response does not have is not applied: it neither changes the data nor is claimed.
        example = preferences.example if media and preferences.example in media.examples else None
        echoed = request.body if overrides else b""
        key = (op.operation.id, status, media.media_type if media else None, example, preferences.dynamic,
               request.path, request.query, echoed)  # fmt: skip
        cached = self._build(op, spec, status, media, key, preferences, overrides, query_items, request.path)
        # Preference-Applied is this request's own, added after the seeded answer is made.
        # Each preference is listed once (its last value); an example the response does not have is not.
        applied = [p for p in preferences.applied if example or not p.startswith("example=")]
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
        path: str,
    ) -> Response:
        rng = _seeded(seed_of(self.options.seed, key))
        headers: list[tuple[str, str]] = []
        body = b""
        if media is not None:
            media_type = media.concrete
            if status >= 400:
                value = self._error_value(op, media, rng, preferences, overrides, status, path)
            else:
                value = self._body_value(op, media, rng, preferences, overrides, query_items)
            if value is None and media.schema is None:
                body = b""
            else:
                body = encode_json(value) if media.json_body else encode_body(media_type, value)
            headers.append(("content-type", media_type))
        if spec.headers:
            headers.extend(header_values(spec, self.generators, rng))
        if op.deprecation_headers:
            headers.extend(op.deprecation_headers)
        return Response(status, tuple(headers), body)

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
            return with_overrides(media, self.validators, media.examples[preferences.example], overrides)
        if media.examples and not preferences.dynamic:
            # An example fits a request that names no particular resource, or names the one it shows.
            example = fitting_example(media, overrides, op.path_parameter_names)
            if example is not NO_EXAMPLE:
                return with_overrides(media, self.validators, example, overrides)
        if media.schema is None:
            return next(iter(media.examples.values()), None) if media.examples else None
        value = generator_of(media, self.generators).generate(rng, overrides=overrides)
        size = list_size(query_items)
        if size is not None:
            value = self._resize_list(media, value, size, rng)
        return value

    def _error_value(
        self,
        op: CompiledOperation,
        media: MediaResponse,
        rng: random.Random,
        preferences: Preferences,
        overrides: dict[str, Any],
        status: int,
        path: str,
    ) -> Any:
        """An error the client asked for (``Prefer: code=404``): the contract's own example for the status, with
        or without path parameters (the path parameter's example it mentions replaced by the request's value),
        else a generated body whose code- and message-like fields read like the vendor's."""
        if preferences.example is not None and preferences.example in media.examples:
            return with_overrides(media, self.validators, media.examples[preferences.example], overrides)
        if media.schema is None:
            return next(iter(media.examples.values()), None) if media.examples else None
        is_valid = validator_of(media, self.validators).is_valid
        if media.examples and not preferences.dynamic:
            example = with_overrides(media, self.validators, next(iter(media.examples.values())), overrides)
            return substituted(example, parameter_examples(op, path_values(op.operation.path, path)), is_valid)
        value = generator_of(media, self.generators).generate(rng, overrides=overrides)
        resource, ident = resource_of(op.operation.path, path)
        return fill_error_fields(value, validator_of(media, self.validators), status, resource=resource, ident=ident)

    def _resize_list(self, media: MediaResponse, value: Any, size: int, rng: random.Random) -> Any:
        """A list response holds as many items as the client asked for (``?limit=20``), where valid."""
        container, key = list_slot(value)
        if container is None or not container[key]:
            return value
        items = container[key]
        grown = [*items]
        while len(grown) < size:
            grown.append(items[len(grown) % len(items)] if not isinstance(items[0], dict) else
                         reseeded(items[len(grown) % len(items)], rng))  # fmt: skip
        container[key] = grown[:size]
        if validator_of(media, self.validators).is_valid(value):
            return value
        container[key] = items
        return value

    def _error(
        self, op: CompiledOperation, request: Request, status: int, detail: str, errors: list[dict[str, Any]], kind: str
    ) -> Response:
        """The contract's own error response when it declares one, else RFC 9457 problem+json."""
        statuses = (status,) if status != 400 else (400, 422)
        spec = op.responses.error(*statuses) or op.responses.catch_all
        extra: tuple[tuple[str, str], ...] = (("www-authenticate", op.security.challenge()),) if status == 401 else ()
        if spec is None or not spec.media:
            return problem_response(status, detail, errors=errors, kind=kind, headers=extra + op.deprecation_headers)
        status = spec.status if spec.key.isdigit() else status
        media = negotiate(spec.media, request.header("accept")) or spec.media[0]
        # the RFC 9457 members, plus the names vendors' own error schemas often use for the same things
        problem = problem_document(status, detail, errors=errors, kind=kind)
        problem |= {"message": detail, "code": kind.replace("-", "_"), "errors": errors}
        value: Any = problem
        validator = validator_of(media, self.validators) if media.schema is not None else None
        # The problem document where the contract's schema takes it (it lists every violation), else the contract's
        # own example for the status saying what was wrong with this request, else a generated body.
        if validator is not None and not validator.is_valid(problem):
            if media.examples:
                first = next(iter(media.examples.values()))
                example = with_overrides(media, self.validators, first, {"status": status})
                value = fill_error_fields(example, validator, status, message=detail, roles=_MESSAGE_ONLY)
            else:
                rng = rng_for(self.options.seed, (op.operation.id, status, kind))
                value = generator_of(media, self.generators).generate(rng, overrides=problem)
                value = fill_error_fields(value, validator, status, message=detail)
        media_type = concrete_media_type(media.media_type)
        rng = rng_for(self.options.seed, (op.operation.id, status))
        headers = [("content-type", media_type), *header_values(spec, self.generators, rng), *extra]
        headers.extend(op.deprecation_headers)
        return Response(status, tuple(headers), encode_body(media_type, value))

    def _deliveries(
        self, op: CompiledOperation, request: Request, decoded: DecodedBody, query_items: list[tuple[str, str]]
    ) -> tuple[Delivery, ...]:
        out: list[Delivery] = []
        webhook = self.options.webhook_after.get(op.operation.id)
        if webhook and self.options.webhook_url:
            delivery = self.webhook_event(webhook, self.options.webhook_url, request)
            if delivery is not None:
                out.append(delivery)
        for callback in op.callbacks:
            url = expand_expression(callback.expression, request, decoded.value, query_items)
            if url and url.startswith(("http://", "https://")):
                out.append(
                    self.events.event(
                        callback.name, url, callback.schema, callback.schema_place, request, callback.headers
                    )
                )
        return tuple(out)

    def webhook_event(self, name: str, url: str, request: Request | None = None) -> Delivery | None:
        """A contract-valid event for webhook ``name``, addressed to ``url`` (None if no such webhook)."""
        return self.events.webhook(name, url, request)


_new_random = random.Random.__new__
_seed_random = _random.Random.seed
_per_thread = threading.local()


def _seeded(seed: int) -> random.Random:
    """``random.Random(seed)``, for one answer: the same state. Each thread reseeds one generator of its own rather
    than making one per answer (Mersenne Twister's 2.5 KB state allocated and cleared each time), and without the
    Python-level ``__init__`` and ``seed`` (an int seed goes straight to the C seeding either way). An answer's
    generator is used only while ``_build`` makes it, which never makes another answer on the same thread."""
    rng: random.Random | None = getattr(_per_thread, "rng", None)
    if rng is None:
        rng = _per_thread.rng = _new_random(random.Random)
    _seed_random(rng, seed)
    rng.gauss_next = None  # type: ignore[attr-defined]  # random.Random.__init__ sets it; typeshed omits it
    return rng
