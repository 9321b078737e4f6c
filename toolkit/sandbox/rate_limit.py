"""``rate_limit``: 429 with ``Retry-After`` per credential, per session (the sandbox's third layer).

Configured by the ``[apis.NAME.rate_limit]`` table of sandbox.toml::

    [apis.payments.rate_limit]
    requests = 100              # required: requests a credential may send per window (a whole number >= 1)
    per = "1m"                  # the window: "500ms", "30s", "1m", "1h", "1d" (default "1m"); or
    # per_s = 60                #   the same in seconds, a number (0.5 is fine); not both
    algorithm = "fixed_window"  # or "token_bucket": a bucket of `burst` tokens refilled at requests/window
    # burst = 20                # token_bucket only: the bucket's size (default: requests)
    headers = "ratelimit"       # RateLimit-Limit/-Remaining/-Reset on every answer (IETF draft);
                                # "x-ratelimit": X-RateLimit-Limit/-Remaining/-Reset (Reset in epoch seconds);
                                # "none": only Retry-After, on a 429

    [apis.payments.rate_limit.operations."POST /payment_intents"]
    requests = 5                # an operation's own quota (REST only; named as ctk names operations,
    per = "1s"                  # "METHOD /path"): keys not set are the API's; counted apart from it

**The credential** a request is counted under is the first it carries of: the ``Authorization`` header; the
API key header, query parameter or cookie the contract's security schemes declare (OpenAPI); the WS-Security
``UsernameToken`` ``Username`` (SOAP, found by a bounded scan of the first 64 KiB of the body); else
``anonymous``. It is kept only as a keyed BLAKE2b digest (``client_id``): the secret itself is never stored,
logged or sent back. Counters are per session (``X-Ctk-Session``), in namespaces ``api/session/#rate/...``
of the sandbox's ``Store``: ``#rate/windows`` (fixed-window counters, one per credential, quota and window,
expiring with it), ``#rate/buckets`` (a token bucket's ``{"tokens", "at"}``), ``#rate/holds`` (the last 429
given: ``{"at", "after"}``), ``#rate/counts`` (counters ``CLIENT|limited``, ``CLIENT|early_retries``) and
``#rate/clients`` (per credential, what ``report`` shows). Resetting a session (clearing ``api/session/``)
resets its quotas.

**Counting.** Every request through the layer counts (a 404 or an OPTIONS too, as at a gateway). A fixed
window is the wall clock cut in windows (``floor(time / window)``, so a credential's first window may be
shorter than ``per``): one atomic ``store.incr(..., ttl=window)`` per request, so processes sharing a SQLite
or Redis store share one quota exactly. A token bucket is a small JSON value read and written per request
(``get`` + ``put``): two requests of one credential at the same instant, in two threads or processes, may
both take the last token (a lost update: the quota is exceeded by at most the number of concurrent
requests); the fixed window has no such race.

**The 429.** Over the quota, the request does not reach the inner layers' behaviour: REST re-asks them with
``Prefer: code=429`` added, so the answer is the contract's declared 429 (its body and headers, the
``detail`` ours where the schema allows), else problem+json 429; SOAP answers HTTP 429 with a Client
(1.1) / Sender (1.2) Fault; GraphQL HTTP 429 with ``{"errors": [...]}``, ``extensions.code``
``RATE_LIMITED``. Every 429 has ``Retry-After`` (whole seconds, at least 1); every answer the header
fields ``headers`` chooses, and any RateLimit/X-RateLimit/Retry-After header the contract declares for the
REST answer gets the real value, when the value fits the declared schema (else the generated one stays).
Headers the contract does not declare are added: OpenAPI allows undeclared response headers.

**Early retries.** A credential told ``Retry-After: T`` that sends again before T has passed is answered
429 again (the server keeps its word) and the answer's ``violations`` gain
``Violation("header", "retried 0.4 s after a 429 that asked for 2 s", name="retry-after")``; the count is
kept (``#rate/counts``) and shown by ``RateLimitLayer.report(session)``.

Per request the layer costs one ``get`` (the hold) and one ``incr`` (fixed window) or a ``get`` and a ``put``
(token bucket); a 429 adds a few more store calls. A store that fails or is full never fails the request: it
goes through unlimited, with a ``ctk-warning`` header saying why.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from toolkit.exchange import MockResult, Request, Response, Violation
from toolkit.mock.envelope import MockEnvelope
from toolkit.mock.problem import problem_response
from toolkit.model import Protocol
from toolkit.sandbox.layers import Call, Next
from toolkit.sandbox.rate_limit_config import Quota, RateLimits, parse_rate_limits
from toolkit.sandbox.reasking import loads, without_applied_code
from toolkit.sandbox.store import Store
from toolkit.sandbox.stores import StoreError, StoreFullError

__all__ = ["RateLimitLayer", "rate_limit_layer"]

ANONYMOUS = "anonymous"
WARNING = "ctk-warning"
_MAX_WARNING = 400  # characters of a ctk-warning header
_IETF = ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset")
_X = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")
LIMIT_FIELDS: dict[str, tuple[str, ...]] = {"ratelimit": _IETF, "x-ratelimit": _X, "none": ()}
_FILLED = frozenset({"retry-after", *_IETF, *_X})
_NOTHING: dict[str, Any] = {}
_KEPT_RETRY_AFTERS = 50  # per credential, in the report
_SCAN = 65536  # bytes of a SOAP body searched for a WS-Security Username
_USERNAME = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Username\b[^>]{0,256}>\s*([^<\s][^<]{0,511}?)\s*</")
_PERSON = b"ctk-rate-limit"


def rate_limit_layer(
    envelope: MockEnvelope, table: Mapping[str, Any], store: Store, *, api: str, where: str
) -> RateLimitLayer:
    """The ``rate_limit`` layer for the API ``envelope`` serves, configured by ``table`` (the API's
    ``[apis.NAME.rate_limit]``; ``ConfigError`` naming ``sandbox.toml {where}.rate_limit.KEY``), counting in
    ``store`` under ``api/``."""
    protocol = envelope.contract.protocol
    rest = _Rest(envelope) if protocol is Protocol.OPENAPI else None
    ids = rest.operation_ids if rest is not None else None
    limits = parse_rate_limits(table, where=where, operation_ids=ids)
    return RateLimitLayer(envelope, limits, store, api=api, rest=rest)


@dataclass(frozen=True, slots=True)
class _Decision:
    allowed: bool
    limit: int
    remaining: int
    reset: float  # seconds until the quota is whole again (a fixed window's end; a bucket full)
    wait: float = 0.0  # seconds until a request would be allowed


class RateLimitLayer:
    """The ``rate_limit`` layer of one API (see the module's docstring). Thread-safe: it keeps no state of
    its own between requests, only in the store."""

    name = "rate_limit"

    def __init__(
        self, envelope: MockEnvelope, limits: RateLimits, store: Store, *, api: str, rest: _Rest | None = None
    ) -> None:
        self.api = api
        self.limits = limits
        self._envelope = envelope
        self._store = store
        self._protocol = envelope.contract.protocol
        self._rest = rest
        self._sources = rest.credential_sources if rest is not None else ()
        self._fields = LIMIT_FIELDS[limits.headers]

    # -- what tests and the admin API read -------------------------------------------------------------

    def prefix(self, session: str) -> str:
        """Every namespace of the session's counters starts with this."""
        return f"{self.api}/{session}/#rate/"

    def reset(self, session: str) -> int:
        """Forget the session's counters, buckets, holds and report; how many keys went."""
        return self._store.clear(self.prefix(session))

    def client_id(self, request: Request) -> str:
        """The credential ``request`` is counted under: a digest of it, or ``anonymous``."""
        authorization = request.header("authorization")
        if authorization:
            return _digest("authorization", authorization)
        for location, name in self._sources:
            value: str | None = None
            if location == "header":
                value = request.header(name)
            elif location == "cookie":
                value = request.cookies().get(name)
            elif location == "query" and request.query:
                try:
                    value = next((v for k, v in request.query_items() if k == name), None)
                except ValueError:  # more fields than a query may have: the mock refuses it anyway
                    value = None
            if value:
                return _digest(f"{location} {name}", value)
        if self._protocol is Protocol.SOAP and b"Username" in request.body[:_SCAN]:
            found = _USERNAME.search(request.body, 0, _SCAN)
            if found is not None:
                return _digest("ws-security", found.group(1).decode("utf-8", "replace"))
        return ANONYMOUS

    def report(self, session: str) -> dict[str, Any]:
        """The session's 429s: in all, per credential (by ``client_id``), with the Retry-After values given
        (the last 50 per credential) and the early retries counted."""
        clients = dict(self._store.items(self.prefix(session) + "clients"))
        return {
            "limited": sum(int(entry.get("limited", 0)) for entry in clients.values()),
            "early_retries": sum(int(entry.get("early_retries", 0)) for entry in clients.values()),
            "retry_after": [value for entry in clients.values() for value in entry.get("retry_after", [])],
            "clients": clients,
        }

    # -- the request path -------------------------------------------------------------------------------

    def __call__(self, call: Call, inner: Next) -> MockResult:
        request = call.request
        quota = self._quota_for(call)
        now = time.time()
        try:
            decision, after, violations = self._decide(call.session, quota, self.client_id(request), now)
        except (StoreError, StoreFullError) as error:  # never a crash: the request goes through, and says why
            result = inner(call)
            text = f"rate limit not applied: the sandbox's store failed: {error.message}"[:_MAX_WARNING]
            warning = "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text)  # a header value is latin-1
            return replace(result, response=_with_headers(result.response, [(WARNING, warning)]))
        if decision.allowed:
            return self._shaped(request, inner(call), decision, now)
        return self._limited(call, inner, quota, decision, after, now, violations)

    def _decide(
        self, session: str, quota: Quota, client: str, now: float
    ) -> tuple[_Decision, int, tuple[Violation, ...]]:
        """Whether the request may go in; if not, the Retry-After it gets and, for an early retry, its violation.
        Every store call of the layer is made here."""
        key = f"{client}|{quota.scope}"
        base = self.prefix(session)
        hold = self._store.get(base + "holds", key)
        if isinstance(hold, dict) and now < float(hold["at"]) + float(hold["after"]):
            at, asked = float(hold["at"]), hold["after"]
            left = at + float(asked) - now
            message = f"retried {max(0.0, now - at):.1f} s after a 429 that asked for {asked} s"
            after = max(1, math.ceil(left))
            self._count(base, client, after, early=True)
            limit = quota.capacity if quota.algorithm == "token_bucket" else quota.requests
            return _Decision(False, limit, 0, left, left), after, (Violation("header", message, "retry-after"),)
        decision = self._take(base, key, quota, now)
        if decision.allowed:
            return decision, 0, ()
        after = max(1, math.ceil(decision.wait))
        self._store.put(base + "holds", key, {"at": now, "after": after})
        self._count(base, client, after, early=False)
        return decision, after, ()

    def _quota_for(self, call: Call) -> Quota:
        if self._rest is None or not self.limits.operations:
            return self.limits.quota
        operation = call.operation
        return self.limits.operations.get(operation or "", self.limits.quota)

    def _take(self, base: str, key: str, quota: Quota, now: float) -> _Decision:
        if quota.algorithm == "token_bucket":
            return self._take_token(base + "buckets", key, quota, now)
        index = math.floor(now / quota.window)
        count = self._store.incr(base + "windows", f"{key}|{index}", ttl=quota.window)
        left = (index + 1) * quota.window - now
        allowed = count <= quota.requests
        return _Decision(allowed, quota.requests, max(0, quota.requests - count), left, 0.0 if allowed else left)

    def _take_token(self, namespace: str, key: str, quota: Quota, now: float) -> _Decision:
        capacity, rate = quota.capacity, quota.rate
        state = self._store.get(namespace, key)
        if isinstance(state, dict):
            tokens = min(float(capacity), float(state["tokens"]) + max(0.0, now - float(state["at"])) * rate)
        else:
            tokens = float(capacity)
        if tokens < 1.0:  # refused: nothing taken, nothing to write (the refill is computed again next time)
            return _Decision(False, capacity, 0, (capacity - tokens) / rate, (1.0 - tokens) / rate)
        tokens -= 1.0
        self._store.put(namespace, key, {"tokens": round(tokens, 9), "at": now})
        return _Decision(True, capacity, math.floor(tokens), (capacity - tokens) / rate)

    def _count(self, base: str, client: str, after: int, *, early: bool) -> None:
        """The report's entry for ``client``: its 429s and early retries counted atomically (``incr``), the
        entry itself read and written (the Retry-After list may lose a value under concurrency)."""
        limited = self._store.incr(base + "counts", f"{client}|limited")
        early_retries = self._store.incr(base + "counts", f"{client}|early_retries", by=1 if early else 0)
        entry = self._store.get(base + "clients", client)
        kept = list(entry.get("retry_after", [])) if isinstance(entry, dict) else []
        self._store.put(
            base + "clients",
            client,
            {"limited": limited, "early_retries": early_retries, "retry_after": [*kept, after][-_KEPT_RETRY_AFTERS:]},
        )

    # -- answers ------------------------------------------------------------------------------------------

    def _limited(
        self,
        call: Call,
        inner: Next,
        quota: Quota,
        decision: _Decision,
        after: int,
        now: float,
        violations: tuple[Violation, ...],
    ) -> MockResult:
        request = call.request
        per = _duration(quota.window)
        what = "this operation" if quota.scope != "*" else "this API"
        message = (
            f"Rate limit exceeded: {quota.requests} requests per {per} per credential on {what}"
            f"{' (' + quota.algorithm.replace('_', ' ') + ')' if quota.algorithm != 'fixed_window' else ''}. "
            f"Retry after {after} second{'s' if after != 1 else ''}."
        )
        if self._rest is not None:
            result = self._rest.limited(call, inner, message)
        elif self._protocol is Protocol.GRAPHQL:
            result = MockResult(_graphql_rate_limited(self._envelope.error_response(request, 429, message)))
        else:
            result = MockResult(self._envelope.error_response(request, 429, message))
        shaped = self._shaped(request, result, decision, now, retry_after=after)
        injected = (*shaped.injected, "rate-limited")  # for the journal and the metrics
        return replace(shaped, violations=(*shaped.violations, *violations), injected=injected)

    def _shaped(
        self, request: Request, result: MockResult, decision: _Decision, now: float, *, retry_after: int | None = None
    ) -> MockResult:
        """``result`` with the rate-limit header fields: those ``headers`` chooses, and for REST those the
        contract declares for this answer, where the value fits the declared schema."""
        reset = max(0, math.ceil(decision.reset))
        limit, remaining = decision.limit, decision.remaining
        declared = self._rest.declared(request, result) if self._rest is not None else _NOTHING
        if not declared:  # the common case: the fields chosen, nothing to check
            if self._fields is _IETF:
                pairs = [(_IETF[0], str(limit)), (_IETF[1], str(remaining)), (_IETF[2], str(reset))]
            elif self._fields:
                epoch = math.ceil(now + decision.reset)
                pairs = [(_X[0], str(limit)), (_X[1], str(remaining)), (_X[2], str(epoch))]
            else:
                pairs = []
        else:
            values = {
                _IETF[0]: limit, _IETF[1]: remaining, _IETF[2]: reset,
                _X[0]: limit, _X[1]: remaining, _X[2]: math.ceil(now + decision.reset),
            }  # fmt: skip
            if retry_after is not None:
                values["retry-after"] = retry_after
            names = [*self._fields, *(name for name in declared if name not in self._fields and name in values)]
            pairs = []
            for name in names:
                fits = declared.get(name)
                if fits is not None and not fits(values[name]):
                    continue  # the contract declares this header with a schema our value does not fit
                pairs.append((name, str(values[name])))
        if retry_after is not None and not any(name == "retry-after" for name, _ in pairs):
            pairs.append(("retry-after", str(retry_after)))  # always, whatever the declared schema says
        if not pairs:
            return result
        return replace(result, response=_with_headers(result.response, pairs))


class _Rest:
    """What the layer reads of an OpenAPI mock: the credential sources its security schemes declare, the
    operation a request routes to, the headers an answer declares, and how to ask for its 429."""

    def __init__(self, envelope: MockEnvelope) -> None:
        from toolkit.openapi.mock.handler import OpenAPIMock

        mock = envelope.mock
        if not isinstance(mock, OpenAPIMock):
            raise TypeError(f"an OpenAPI contract's envelope serves an OpenAPIMock, not {type(mock).__name__}")
        self._mock = mock
        self.operation_ids = frozenset(op.id for op in mock.contract.operations)
        self.credential_sources = _api_key_sources(mock.contract.document, mock.contract.spec_version)
        self._declared: dict[tuple[str, int], dict[str, Any]] = {}

    def slot_of(self, request: Request) -> Any | None:
        method = request.method.upper()
        match = self._mock.router.match(request.path, method)
        if match is not None and match.target is None and method == "HEAD":
            match = self._mock.router.match(request.path, "GET")
        return None if match is None else match.target

    def declared(self, request: Request, result: MockResult) -> dict[str, Any]:
        """The rate-limit headers the contract declares for ``result``'s answer, each with a check of a value
        against its schema (None: no schema), cached per operation and status."""
        operation = result.operation
        if operation is None:
            return {}
        status = result.response.status
        found = self._declared.get((operation, status))
        if found is not None:
            return found
        found = {}
        slot = self.slot_of(request)
        if slot is not None:
            spec = slot.get().responses.for_status(status)
            for header in spec.headers if spec is not None else ():
                name = header.name.lower()
                if name in _FILLED:
                    found[name] = self._fits(header.schema, header.schema_place)
        self._declared[(operation, status)] = found
        return found

    def _fits(self, schema: Any, place: str) -> Any:
        if schema is None:
            return None
        validator = self._mock.validators.validator(schema, place, "response")

        def fits(value: int) -> bool:
            return bool(validator.is_valid(value) or validator.is_valid(str(value)))

        return fits

    def limited(self, call: Call, inner: Next, message: str) -> MockResult:
        """The contract's 429 (the inner layers asked with ``Prefer: code=429``), its detail ours where the schema
        allows; problem+json 429 when the operation declares none (or the request is one the mock refuses)."""
        from toolkit.openapi.mock.bodies import essence
        from toolkit.openapi.mock.responses import encode_body, validator_of

        request = call.request
        prefer = request.header("prefer")
        headers = (*(h for h in request.headers if h[0] != "prefer"),
                   ("prefer", f"{prefer}, code=429" if prefer else "code=429"))  # fmt: skip
        result = inner(call.with_request(replace(request, headers=headers)))
        response = result.response
        if response.status != 429:
            return replace(result, response=problem_response(429, message, kind="rate-limited"), deliveries=())
        body = response.body
        slot = self.slot_of(request)
        spec = slot.get().responses.for_status(429) if slot is not None else None
        kind = essence(response.header("content-type") or "")
        media = next((m for m in spec.media if m.essence == kind), None) if spec is not None else None
        value = loads(body)
        if media is not None and isinstance(value, dict) and isinstance(value.get("detail"), str):
            changed = {**value, "detail": message}
            if media.schema is None or validator_of(media, self._mock.validators).is_valid(changed):
                body = encode_body(kind, changed)
        return replace(result, response=Response(429, without_applied_code(response.headers), body), deliveries=())


def _api_key_sources(document: dict[str, Any], spec_version: str) -> tuple[tuple[str, str], ...]:
    """(location, name) of every API key the security schemes declare: headers first, then query, then cookies."""
    if spec_version == "2.0":
        schemes = document.get("securityDefinitions")
    else:
        components = document.get("components")
        schemes = components.get("securitySchemes") if isinstance(components, dict) else None
    found: list[tuple[str, str]] = []
    for scheme in schemes.values() if isinstance(schemes, dict) else ():
        if isinstance(scheme, dict) and scheme.get("type") == "apiKey" and isinstance(scheme.get("name"), str):
            location = scheme.get("in", "header")
            name = scheme["name"].lower() if location == "header" else scheme["name"]
            if location in ("header", "query", "cookie") and (location, name) not in found:
                found.append((location, name))
    order = {"header": 0, "query": 1, "cookie": 2}
    return tuple(sorted(found, key=lambda source: order[source[0]]))


def _digest(source: str, secret: str) -> str:
    data = f"{source}\x00{secret}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=12, person=_PERSON).hexdigest()


def _graphql_rate_limited(response: Response) -> Response:
    """The GraphQL envelope's error document with ``extensions.code`` ``RATE_LIMITED``."""
    document = loads(response.body)
    if not isinstance(document, dict) or not isinstance(document.get("errors"), list):
        return response
    for entry in document["errors"]:
        if isinstance(entry, dict):
            entry["extensions"] = {**(entry.get("extensions") or {}), "code": "RATE_LIMITED"}
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "backslashreplace")
    return Response(response.status, response.headers, body)


def _with_headers(response: Response, pairs: list[tuple[str, str]]) -> Response:
    names = {name for name, _ in pairs}
    kept = tuple(h for h in response.headers if h[0].lower() not in names)
    return Response(response.status, (*kept, *pairs), response.body)


def _duration(seconds: float) -> str:
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0), ("s", 1.0)):
        if seconds >= size and (seconds / size).is_integer():
            return f"{int(seconds / size)} {unit}"
    return f"{seconds:g} s"
