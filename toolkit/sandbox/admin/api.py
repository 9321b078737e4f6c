"""The sandbox's admin API under ``/__ctk``: the journal, resets, scenarios, faults, state, metrics, and more.

``AdminRouter(sandbox)`` answers every ``/__ctk/...`` request of a ``Sandbox`` (the endpoints and their JSON:
``openapi.json`` beside this module, served at ``GET /__ctk/openapi.json``); health and ``POST
/__ctk/webhooks/NAME`` are still ``toolkit.mock.admin.AdminEndpoints``'. Errors are problem+json naming what was
wrong and what is known: an unknown API, scenario or collection lists the known ones; a malformed body is a 400,
a body that does not fit a 422 naming the key. Request bodies are bounded (``MAX_BODY``, ``max_nesting``).
State endpoints are in ``admin.state``, scenario and fault switches in ``admin.control``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from toolkit.exchange import MockResult, Request, Response
from toolkit.mock.handler import ADMIN_PREFIX
from toolkit.sandbox.admin import control, state
from toolkit.sandbox.admin.answers import BadRequestError, json_answer, object_body, problem, session_named, shown
from toolkit.sandbox.admin.journal import Filter, FilterError, rfc3339
from toolkit.sandbox.admin.metrics import CONTENT_TYPE

if TYPE_CHECKING:
    from toolkit.sandbox.admin.runtime import ApiRuntime, Sandbox

__all__ = ["AdminRouter"]

MAX_RECORDING_READ = 64 * 1024 * 1024  # bytes of a .har file read to count its entries
_JSON = (("content-type", "application/json"),)

Route = Callable[["AdminRouter", Request, list[str]], MockResult]


class AdminRouter:
    """The ``/__ctk`` endpoints of one ``Sandbox`` (see the module's docstring)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.max_nesting = sandbox.limits.max_nesting

    def __call__(self, request: Request) -> MockResult:
        self.sandbox.flush()  # what the admin API reads (journal, metrics, sessions seen) includes every answer so far
        rest = request.path[len(ADMIN_PREFIX) :].strip("/")
        parts = [unquote(part) for part in rest.split("/")] if rest else [""]
        found = _ROUTES.get(parts[0])
        if found is None:
            return self._unknown(request)
        method = request.method.upper()
        if method == "HEAD":
            method = "GET"
        for arity, methods in found:
            if not arity(len(parts) - 1):
                continue
            route = methods.get(method)
            if route is None:
                allowed = sorted(methods)
                return problem(405, f"{request.method[:16]} is not allowed on {shown(request.path)}; allowed: "
                                    f"{', '.join(allowed)}", kind="method-not-allowed", allow=allowed)  # fmt: skip
            try:
                return route(self, request, parts[1:])
            except BadRequestError as refused:
                return refused.result
        return self._unknown(request)

    def api_named(self, name: str) -> ApiRuntime:
        api = self.sandbox.api(name)
        if api is None:
            known = ", ".join(item.label for item in self.sandbox.apis)
            raise BadRequestError(problem(404, f"no API named {shown(name)!r}; the APIs: {known}", kind="unknown-api"))
        return api

    def _unknown(self, request: Request) -> MockResult:
        known = ", ".join(f"/__ctk/{name}" if name else "/__ctk/" for name in _ROUTES)
        return problem(404, f"no admin endpoint {shown(request.path)}; the endpoints: {known}", kind="not-found",
                       hint="GET /__ctk/openapi.json describes them")  # fmt: skip

    # -- the dashboard and the admin API's own document ------------------------------------------------

    def dashboard(self, request: Request, rest: list[str]) -> MockResult:
        try:
            from toolkit.sandbox.admin import dashboard
        except ImportError:
            return problem(404, "the dashboard is not part of this build of ctk", kind="not-found")
        headers = (("content-type", "text/html; charset=utf-8"), *getattr(dashboard, "PAGE_HEADERS", ()))
        return MockResult(Response(200, headers, dashboard.page(self.sandbox)))

    def static(self, request: Request, rest: list[str]) -> MockResult:
        try:
            from toolkit.sandbox.admin import dashboard
        except ImportError:
            found = None
        else:
            found = dashboard.static(rest[0]) if hasattr(dashboard, "static") else None
        if found is None:
            return problem(404, f"no static file {shown(rest[0])!r}", kind="not-found")
        kind, data = found
        headers = (("content-type", kind), *getattr(dashboard, "PAGE_HEADERS", ()))
        return MockResult(Response(200, headers, data))

    def openapi(self, request: Request, rest: list[str]) -> MockResult:
        return MockResult(Response(200, _JSON, _openapi_document()))

    def health(self, request: Request, rest: list[str]) -> MockResult:
        return self.sandbox.fallback(request)

    # -- the APIs --------------------------------------------------------------------------------------

    def apis(self, request: Request, rest: list[str]) -> MockResult:
        return json_answer({"apis": [_described(api) for api in self.sandbox.apis]})

    def webhooks(self, request: Request, rest: list[str]) -> MockResult:
        return json_answer({"apis": {api.label: sorted(api.mock.webhooks) for api in self.sandbox.apis}})

    def send_webhook(self, request: Request, rest: list[str]) -> MockResult:
        return self.sandbox.fallback(request)

    def recordings(self, request: Request, rest: list[str]) -> MockResult:
        return json_answer({"apis": {api.label: _recordings(api.folder) for api in self.sandbox.apis}})

    def reload(self, request: Request, rest: list[str]) -> MockResult:
        sandbox = self.sandbox
        at = rfc3339(sandbox.reloaded_at) if sandbox.reloaded_at is not None else None
        return json_answer({"generation": sandbox.generation, "reloaded_at": at, "error": sandbox.reload_error})

    def metrics(self, request: Request, rest: list[str]) -> MockResult:
        return MockResult(Response(200, (("content-type", CONTENT_TYPE),), self.sandbox.metrics.text()))

    # -- the journal -----------------------------------------------------------------------------------

    def requests(self, request: Request, rest: list[str]) -> MockResult:
        if rest == ["count"]:
            return json_answer({"count": self.sandbox.journal.count(self._filter(request))})
        wanted = self._filter(request, unmatched=True if rest[:1] == ["unmatched"] else None)
        if rest not in ([], ["unmatched"], ["unmatched", "near-misses"]):
            return self._unknown(request)
        entries, total = self.sandbox.journal.find(wanted)
        if rest == ["unmatched", "near-misses"]:
            misses = [
                {"id": entry.id, "method": entry.method, "path": entry.path, "api": entry.api,
                 "near_misses": [miss.to_json() for miss in entry.near_misses]}
                for entry in entries
            ]  # fmt: skip
            return json_answer({"near_misses": misses, "total": total})
        return json_answer({"requests": [entry.to_json() for entry in entries], "total": total})

    def clear_requests(self, request: Request, rest: list[str]) -> MockResult:
        if rest:
            return self._unknown(request)
        return json_answer({"deleted": self.sandbox.journal.clear()})

    def _filter(self, request: Request, *, unmatched: bool | None = None) -> Filter:
        try:
            items = request.query_items(max_fields=20)
        except ValueError:
            raise BadRequestError(problem(400, "at most 20 query parameters", kind="invalid-filter")) from None
        try:
            found = Filter.parse(items, default_limit=100)
        except FilterError as error:
            raise BadRequestError(problem(400, str(error), kind="invalid-filter", where=f"query {error.name[:60]}",
                                          hint="GET /__ctk/openapi.json lists the filters")) from None  # fmt: skip
        if unmatched is not None:
            from dataclasses import replace

            found = replace(found, unmatched=unmatched)
        return found

    # -- reset -----------------------------------------------------------------------------------------

    def reset(self, request: Request, rest: list[str]) -> MockResult:
        body = object_body(request, self.max_nesting, ("api", "session"))
        name = body.get("api")
        if name is not None and not isinstance(name, str):
            raise BadRequestError(problem(422, "api must be an API's name", kind="invalid-api", where="body/api"))
        session = session_named(body["session"], "body/session") if "session" in body else None
        apis = [self.api_named(name)] if name is not None else list(self.sandbox.apis)
        cleared = 0
        store = self.sandbox.store
        for api in apis:
            if store is not None:
                for root in api.state_roots:
                    cleared += store.clear(f"{root}/{session}/" if session is not None else f"{root}/")
            if session is None:
                control.restore_faults(api)
        journal = 0
        if name is None and session is None:
            journal = self.sandbox.journal.clear()
        answer: dict[str, Any] = {"reset": [api.label for api in apis], "session": session, "cleared": cleared,
                                  "journal_cleared": journal}  # fmt: skip
        return json_answer(answer)

    # -- scenarios, faults, state (their own modules) --------------------------------------------------

    def scenarios(self, request: Request, rest: list[str]) -> MockResult:
        return control.scenarios(self, request, rest)

    def faults(self, request: Request, rest: list[str]) -> MockResult:
        return control.faults(self, request, rest)

    def state(self, request: Request, rest: list[str]) -> MockResult:
        return state.answer(self, request, rest)


def _exactly(count: int) -> Callable[[int], bool]:
    return lambda n: n == count


def _at_least(count: int) -> Callable[[int], bool]:
    return lambda n: n >= count


_Methods = dict[str, Route]
_ROUTES: dict[str, list[tuple[Callable[[int], bool], _Methods]]] = {
    "": [(_exactly(0), {"GET": AdminRouter.dashboard})],
    "dashboard": [(_exactly(0), {"GET": AdminRouter.dashboard})],
    "static": [(_exactly(1), {"GET": AdminRouter.static})],
    "openapi.json": [(_exactly(0), {"GET": AdminRouter.openapi})],
    "health": [(_exactly(0), {"GET": AdminRouter.health})],
    "apis": [(_exactly(0), {"GET": AdminRouter.apis})],
    "requests": [
        (_exactly(0), {"GET": AdminRouter.requests, "DELETE": AdminRouter.clear_requests}),
        (_at_least(1), {"GET": AdminRouter.requests}),
    ],
    "reset": [(_exactly(0), {"POST": AdminRouter.reset})],
    "scenarios": [
        (_exactly(0), {"GET": AdminRouter.scenarios}),
        (lambda n: n == 1, {"PUT": AdminRouter.scenarios, "POST": AdminRouter.scenarios}),
    ],
    "faults": [
        (_exactly(0), {"GET": AdminRouter.faults}),
        (_exactly(1), {"PUT": AdminRouter.faults, "DELETE": AdminRouter.faults}),
    ],
    "state": [
        (_exactly(1), {"GET": AdminRouter.state}),
        (_at_least(2), {"GET": AdminRouter.state, "POST": AdminRouter.state, "DELETE": AdminRouter.state}),
    ],
    "recordings": [(_exactly(0), {"GET": AdminRouter.recordings})],
    "webhooks": [
        (_exactly(0), {"GET": AdminRouter.webhooks}),
        (_exactly(1), {"POST": AdminRouter.send_webhook}),
    ],
    "metrics": [(_exactly(0), {"GET": AdminRouter.metrics})],
    "reload": [(_exactly(0), {"GET": AdminRouter.reload})],
}


def _described(api: ApiRuntime) -> dict[str, Any]:
    """An API as ``GET /__ctk/apis`` lists it."""
    contract = api.envelope.contract
    operations = []
    for op in contract.operations:
        method = getattr(op, "method", "") or ("POST" if api.protocol.value == "soap" else getattr(op, "root", ""))
        path = getattr(op, "path", "") or (getattr(op, "field", "") if api.protocol.value == "graphql" else api.mount)
        operations.append({"id": op.id, "method": method, "path": path or "/", "deprecated": op.deprecated})
    scenarios = api.layer("scenarios")
    return {
        "name": api.label,
        "protocol": api.protocol.value,
        "mount": api.mount or "/",
        "state": api.layer("state") is not None,
        "operations": operations,
        "scenarios": list(scenarios.names) if scenarios is not None else [],
        "webhooks": sorted(api.mock.webhooks),
    }


def _recordings(folder: str) -> list[dict[str, Any]]:
    """The files under ``mocks/<api>/recordings/``: name, size, and for a HAR file its number of entries."""
    if not folder:
        return []
    base = Path(folder) / "recordings"
    if not base.is_dir():
        return []
    found = []
    for path in sorted(base.iterdir()):
        if path.name.startswith(".") or path.is_symlink() or not path.is_file():
            continue
        size = path.stat().st_size
        entries: int | None = None
        if path.suffix == ".har" and size <= MAX_RECORDING_READ:
            entries = _har_entries(path)
        found.append({"file": path.name, "entries": entries, "bytes": size})
        if len(found) >= 1000:
            break
    return found


def _har_entries(path: Path) -> int | None:
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    log = document.get("log") if isinstance(document, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    return len(entries) if isinstance(entries, list) else None


@cache
def _openapi_document() -> bytes:
    return (resources.files(__package__) / "openapi.json").read_bytes()
