"""The object ``ctk serve`` runs: ``Sandbox``, one or several APIs behind one ``/__ctk`` admin API.

A ``Sandbox`` is a handler (``Request -> MockResult``) that answers ``/__ctk/...`` itself (the admin router,
``toolkit.sandbox.admin.api``), sends every other request to the API mounted at its path (the longest mount
first; a sandbox of one API sends it everything, as its mock alone did) and records each answer: a journal
entry, the Prometheus metrics and, when asked, an access log line. Admin requests are neither journaled nor
counted (a dashboard polling the journal would fill it).

Recording is batched: a request appends what its entry needs (never its body) to a queue, and ``flush`` turns
the queue into entries and counts 256 at a time, or whenever the journal, the metrics or the admin API are read
(at once per request with an access log). Over HTTP, recording each answer where it was made cost a fifth of
the throughput of a memoised read (its code and data cold in the cache between requests); batched, about 5 %.

Each API is an ``ApiRuntime``: its name, protocol, mount, the layered handler ``server._layered`` built, its
layers by name, and what it was configured with (to restore faults on a reset). ``replace_apis`` swaps them all
at once (hot reload); the journal, the metrics and the store stay.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from toolkit.exchange import MockResult, Request, Response
from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.mock.admin import AdminEndpoints
from toolkit.mock.compiled import CompiledMock, Endpoint
from toolkit.mock.envelope import MockEnvelope
from toolkit.mock.guard import failed, guarded
from toolkit.mock.handler import ADMIN_PREFIX, Handler, is_under
from toolkit.mock.problem import clip, problem_response
from toolkit.model import Protocol
from toolkit.sandbox.admin.journal import DEFAULT_SIZE, Entry, Journal, redact_query, safe_violations
from toolkit.sandbox.admin.metrics import Metrics
from toolkit.sandbox.layers import DEFAULT_SESSION, SESSION_HEADER, Layer, SandboxedMock, valid_session

if TYPE_CHECKING:
    from toolkit.sandbox.admin.access_log import AccessLog
    from toolkit.sandbox.admin.near_misses import NearMisses, Pending
    from toolkit.sandbox.store import Store

__all__ = ["ApiRuntime", "Sandbox", "query_api_keys"]

_MAX_PATH = 2048  # characters of a path a journal entry keeps
_MAX_SESSIONS = 1000  # sessions remembered for the admin API's listings (scenario choices)
_INVALID_SESSION = "(invalid)"


@dataclass
class ApiRuntime:
    """One API of the sandbox as it runs."""

    name: str  # the workspace's name for it; "" for a contract served alone
    protocol: Protocol
    mount: str
    handler: MockEnvelope | SandboxedMock
    store: Store | None = None  # the shared store, when a layer opened it
    faults: dict[str, Any] = field(default_factory=dict)  # the faults table in force (sandbox.toml's, or PUT)
    configured_faults: dict[str, Any] = field(default_factory=dict)  # sandbox.toml's, restored by a reset
    folder: str = ""  # mocks/<api>/, for recordings
    secret_parameters: frozenset[str] = frozenset()  # the contract's query API keys, redacted in the journal
    _near: NearMisses | None = field(default=None, repr=False)

    @property
    def envelope(self) -> MockEnvelope:
        return self.handler.envelope if isinstance(self.handler, SandboxedMock) else self.handler

    @property
    def mock(self) -> CompiledMock:
        return self.envelope.mock

    @property
    def label(self) -> str:
        """How the journal and the admin API name it: its name, else its mount, else "/"."""
        return self.name or self.mount or "/"

    @property
    def layers(self) -> dict[str, Layer]:
        """Its sandbox layers by name (``faults``, ``scenarios``, ``state``, ``rate_limit``, ...)."""
        if isinstance(self.handler, SandboxedMock):
            return {layer.name: layer for layer in self.handler.layers}
        return {}

    def layer(self, name: str) -> Any | None:
        return self.layers.get(name)

    @property
    def state_roots(self) -> tuple[str, ...]:
        """The store namespace roots its layers write under (``api`` of ``api/session/...``)."""
        roots = {getattr(layer, "api", None) for layer in self.layers.values()}
        return tuple(sorted(root for root in roots if isinstance(root, str)))

    def near_misses(self, request: Request, result: MockResult) -> tuple[bool, Pending]:
        near = self._near
        if near is None:
            from toolkit.sandbox.admin.near_misses import NearMisses

            near = self._near = NearMisses(self.envelope.contract, self.mount)
        return near.judge(request, result)


def query_api_keys(contract: object) -> frozenset[str]:
    """The names of the query parameters an OpenAPI contract's ``apiKey`` security schemes declare (redacted in
    the journal whatever they are called); empty for other protocols."""
    document = getattr(contract, "document", None)
    if not isinstance(document, dict):
        return frozenset()
    components = document.get("components")
    schemes = document.get("securityDefinitions") or (components.get("securitySchemes") if isinstance(components, dict)
                                                       else None)  # fmt: skip
    found = set()
    for scheme in schemes.values() if isinstance(schemes, dict) else ():
        if isinstance(scheme, dict) and scheme.get("type") == "apiKey" and scheme.get("in") == "query":
            name = scheme.get("name")
            if isinstance(name, str):
                found.add(name.lower())
    return frozenset(found)


# What ``Sandbox.__call__`` leaves for ``flush``: perf_counter at the start, seconds taken, the request's headers,
# method, path and query (never its body), the API, the result, and (no operation answered) the near-miss verdict
_Pending = tuple[float, float, tuple[tuple[str, str], ...], str, str, str, "ApiRuntime | None", MockResult,
                 "tuple[bool, Pending | None] | None"]  # fmt: skip
_BATCH = 256  # answers recorded together; the journal, metrics and admin API flush before they read


def _session(headers: tuple[tuple[str, str], ...]) -> str:
    """The session of a request with these headers (``layers.session_of``, read off the headers alone), or
    ``(invalid)``."""
    for name, value in headers:
        if name == SESSION_HEADER:
            return value if valid_session(value) else _INVALID_SESSION
    return DEFAULT_SESSION


class _Routing:
    """The APIs at one moment, ready to dispatch: swapped whole by ``replace_apis``."""

    def __init__(self, apis: Sequence[ApiRuntime]) -> None:
        self.apis = tuple(apis)
        self.by_name = {api.label: api for api in self.apis}
        self.mounts = sorted(((api.mount, api) for api in self.apis), key=lambda item: -len(item[0]))
        self.single = self.apis[0] if len(self.apis) == 1 else None
        # (mount, mount + "/", api): the prefix built once, not on every request
        self._prefixes = tuple((mount, mount + "/", api) for mount, api in self.mounts)

    def route(self, path: str) -> ApiRuntime | None:
        if self.single is not None:
            return self.single  # one API answers everything, in its own form, as its mock alone did
        for mount, below, api in self._prefixes:
            if not mount or path.startswith(below) or path == mount:
                return api
        return None


class Sandbox:
    """See the module's docstring. Thread-safe: the journal and metrics lock; the APIs are swapped whole."""

    def __init__(
        self,
        apis: Sequence[ApiRuntime],
        *,
        limits: Limits = DEFAULT_LIMITS,
        webhook_url: str | None = None,
        journal_size: int = DEFAULT_SIZE,
        store: Store | None = None,
        access_log: AccessLog | None = None,
    ) -> None:
        if not apis:
            raise ValueError("a sandbox serves at least one API")
        self.limits = limits
        self.webhook_url = webhook_url
        self.store = store
        self._journal = Journal(journal_size)
        self._metrics = Metrics(lambda: float(len(self._journal)))
        # What each request leaves for the journal and the metrics, recorded in batches (``flush``): a request's
        # own cost is one append; the work is done later, many entries at a time, when the caches are warm
        self._pending: deque[_Pending] = deque()
        self._flushing = threading.Lock()
        self._wall = time.time() - time.perf_counter()  # perf_counter() + this: seconds since the epoch
        self.access_log = access_log
        self.generation = 1
        self.reloaded_at: float | None = None
        self.reload_error: dict[str, str] | None = None
        self.sessions: dict[str, None] = {"default": None}  # seen, in order, bounded
        self._sessions_lock = threading.Lock()
        self._routing = _Routing(apis)
        self.fallback = AdminEndpoints([api.mock for api in apis], webhook_url=webhook_url, limits=limits)
        from toolkit.sandbox.admin.api import AdminRouter

        self.admin: Handler = AdminRouter(self)

    # -- the APIs ------------------------------------------------------------------------------------

    @property
    def apis(self) -> tuple[ApiRuntime, ...]:
        return self._routing.apis

    def api(self, name: str) -> ApiRuntime | None:
        """The API named ``name`` (its label: name, else mount)."""
        return self._routing.by_name.get(name)

    @property
    def mounts(self) -> list[tuple[str, MockEnvelope | SandboxedMock]]:
        """(mount, handler) pairs, the longest mount first (what ``server.Dispatcher`` offered)."""
        return [(mount, api.handler) for mount, api in self._routing.mounts]

    def replace_apis(self, apis: Sequence[ApiRuntime]) -> None:
        """Serve ``apis`` from the next request on (hot reload); journal, metrics and store stay."""
        if not apis:
            raise ValueError("a sandbox serves at least one API")
        routing = _Routing(apis)
        fallback = AdminEndpoints([api.mock for api in apis], webhook_url=self.webhook_url, limits=self.limits)
        self.fallback = fallback
        self._routing = routing  # one assignment: a request sees the old APIs or the new ones, never a mix
        self.generation += 1
        self.reloaded_at = time.time()
        self.reload_error = None
        self._metrics.reloaded("ok")

    def reload_failed(self, message: str, where: str = "", hint: str = "") -> None:
        """A reload that was refused: the APIs stay as they were, and ``GET /__ctk/reload`` says why."""
        self.reload_error = {"message": message, "where": where, "hint": hint}
        self._metrics.reloaded("error")

    @property
    def journal(self) -> Journal:
        """The journal, every answer so far recorded in it."""
        self.flush()
        return self._journal

    @property
    def metrics(self) -> Metrics:
        """The metrics, every answer so far counted."""
        self.flush()
        return self._metrics

    def flush(self) -> None:
        """Record the answers waiting: journal entries, metrics, access log lines."""
        pending = self._pending
        if not pending:
            return
        with self._flushing:  # one flusher at a time keeps the entries in the order the answers left
            batch = []
            while pending:  # a request appending meanwhile is taken too, or left for the next flush
                batch.append(pending.popleft())
            entries = []
            counted = []
            # each answer's entry built inline: no call per answer, no arguments unpacked, each API's label asked once
            wall = self._wall
            sessions = self.sessions
            labels: dict[int, str] = {}
            no_secrets: frozenset[str] = frozenset()
            for started, seconds, headers, method, path, query, api, result, judged in batch:
                seconds += result.delay  # the client waits for the injected latency too
                session = _session(headers)
                if session not in sessions and session != _INVALID_SESSION:
                    self.saw(session)
                if api is None:
                    label = None
                    secret = no_secrets
                else:
                    label = labels.get(id(api))
                    if label is None:
                        label = labels[id(api)] = api.label
                    secret = api.secret_parameters
                unmatched, near = judged if judged is not None else (False, ())
                violations = result.violations
                status = result.response.status
                operations = result.operations
                injected = result.injected
                entries.append(Entry(
                    wall + started,
                    session,
                    label,
                    method if len(method) <= 16 else method[:16],
                    path if len(path) <= _MAX_PATH else path[:_MAX_PATH] + "…",
                    redact_query(query, secret) if query else "",
                    status,
                    seconds * 1000.0,
                    operations,
                    safe_violations(violations, secret) if violations else (),
                    result.deprecated,
                    injected,
                    unmatched,
                    near if near is not None else (),
                ))  # fmt: skip
                counted.append((label or "", operations[0] if operations else "", status, seconds, len(violations),
                                injected))  # fmt: skip
            # one lock each for the whole batch, not one per answer
            self._journal.record_many(entries)
            self._metrics.observe_many(counted)
            if self.access_log is not None:
                for entry in entries:
                    self.access_log.write(entry)

    # -- serving -------------------------------------------------------------------------------------

    def __call__(self, request: Request) -> MockResult:
        path = request.path
        if path.startswith(ADMIN_PREFIX) and is_under(path, ADMIN_PREFIX):
            return guarded(self.admin, request)
        started = time.perf_counter()
        api = self._routing.route(path)
        if api is None:
            result = self._not_mounted(request)
        else:
            try:
                result = api.handler(request)
            except Exception as error:  # noqa: BLE001 -- a bug in ctk costs one 500, never the server
                result = failed(error, request)
        judged = None
        if not result.operations:  # rare: judged now, while the request's body is at hand (nothing of it is kept)
            judged = self._judged(request, api, result)
        pending = self._pending
        pending.append((started, time.perf_counter() - started, request.headers, request.method, path, request.query,
                        api, result, judged))  # fmt: skip
        if len(pending) >= _BATCH or self.access_log is not None:
            self.flush()
        return result

    def error_response(self, request: Request, status: int, message: str) -> Response:
        """An adapter's error (a body over the limit) in the form of the protocol mounted at the path."""
        api = self._routing.route(request.path)
        if api is not None:
            return api.handler.error_response(request, status, message)
        return problem_response(status, message, kind="too-large" if status == 413 else "error")

    def endpoints(self) -> list[Endpoint]:
        return [endpoint for api in self.apis for endpoint in api.handler.endpoints()]

    def _not_mounted(self, request: Request) -> MockResult:
        known = ", ".join(mount or "/" for mount, _ in self._routing.mounts)
        detail = f"no API is mounted at {clip(request.path, self.limits.max_echo_length)}; mounts: {known}"
        return MockResult(problem_response(404, detail, kind="not-found"))

    @staticmethod
    def _judged(request: Request, api: ApiRuntime | None, result: MockResult) -> tuple[bool, Pending | None]:
        """Whether a request no operation answered matched none, and its near misses (computed when read)."""
        status = result.response.status
        # GraphQL answers a document with unknown fields 200 or 400 (by Accept): judged whenever no operation ran
        if status >= 400 or (api is not None and api.protocol is Protocol.GRAPHQL):
            return api.near_misses(request, result) if api is not None else (True, None)
        return False, None

    def saw(self, session: str) -> None:
        """Remember ``session`` for the admin API's listings (scenario choices, sequence resets), up to a bound."""
        with self._sessions_lock:
            if len(self.sessions) < _MAX_SESSIONS:
                self.sessions[session] = None
