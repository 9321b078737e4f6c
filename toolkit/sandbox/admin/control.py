"""The admin API's switches: which scenario each API plays, and which faults it injects, changed at run time.

- ``GET /__ctk/scenarios``; ``PUT /__ctk/scenarios/{api}`` ``{"scenario": NAME|null, "session"?: NAME}``
  (``ScenariosLayer.activate``: null forgets the session's choice, ``none`` plays none);
  ``POST /__ctk/scenarios/reset`` ``{"api"?, "session"?}`` starts the sequences again (``ScenariosLayer.reset``)
  for one session, or every session the sandbox has seen.
- ``GET /__ctk/faults``; ``PUT /__ctk/faults/{api}`` with a faults table (the keys of sandbox.toml's
  ``[apis.NAME.faults]``, checked by ``parse_faults``: a 422 names the key), applied from the next request;
  ``DELETE /__ctk/faults/{api}``: none. A reset of the API (``POST /__ctk/reset``) restores sandbox.toml's table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from toolkit.errors import ConfigError
from toolkit.exchange import MockResult, Request
from toolkit.sandbox.admin.answers import (
    BadRequestError,
    body_of,
    json_answer,
    object_body,
    problem,
    session_named,
    shown,
)
from toolkit.sandbox.faults import FaultsLayer
from toolkit.sandbox.faults_config import parse_faults
from toolkit.sandbox.scenarios import SESSION_NAMESPACE, ScenariosLayer, UnknownScenarioError
from toolkit.sandbox.stores import StoreError, StoreFullError

if TYPE_CHECKING:
    from toolkit.sandbox.admin.api import AdminRouter
    from toolkit.sandbox.admin.runtime import ApiRuntime

__all__ = ["faults", "restore_faults", "scenarios"]


# -- scenarios ----------------------------------------------------------------------------------------


def scenarios(router: AdminRouter, request: Request, rest: list[str]) -> MockResult:
    method = request.method.upper()
    try:
        if not rest:
            return json_answer({"apis": {api.label: _scenarios_of(router, api) for api in router.sandbox.apis}})
        if rest == ["reset"]:
            if method != "POST":
                return problem(405, "POST /__ctk/scenarios/reset restarts sequences", kind="method-not-allowed",
                               allow=["POST"])  # fmt: skip
            return _reset(router, request)
        if method != "PUT":
            return problem(405, f"{method[:16]} is not allowed on /__ctk/scenarios/{{api}}; allowed: PUT",
                           kind="method-not-allowed", allow=["PUT"])  # fmt: skip
        return _choose(router, request, rest[0])
    except (StoreError, StoreFullError) as error:
        return problem(503, f"the sandbox's store failed: {error.message}", kind="store-failed")


def _layer(api: ApiRuntime) -> ScenariosLayer | None:
    layer = api.layer("scenarios")
    return layer if isinstance(layer, ScenariosLayer) else None


def _scenarios_of(router: AdminRouter, api: ApiRuntime) -> dict[str, Any]:
    layer = _layer(api)
    if layer is None:
        return {"declared": [], "active": None, "sessions": {}}
    sessions: dict[str, str] = {}
    store = router.sandbox.store
    for session in list(router.sandbox.sessions):
        chosen = store.get(f"{layer.api}/{session}/{SESSION_NAMESPACE}", "name") if store is not None else None
        if isinstance(chosen, str):
            sessions[session] = chosen
    return {"declared": list(layer.names), "active": layer.active("default"), "sessions": sessions}


def _choose(router: AdminRouter, request: Request, name: str) -> MockResult:
    api = router.api_named(name)
    body = object_body(request, router.max_nesting, ("scenario", "session"), required=True)
    if "scenario" not in body:
        raise BadRequestError(problem(422, 'the body needs "scenario": a scenario\'s name, "none", or null',
                                      kind="invalid-scenario", where="body/scenario"))  # fmt: skip
    scenario = body["scenario"]
    session = session_named(body.get("session"), "body/session")
    layer = _layer(api)
    if layer is None:
        raise BadRequestError(problem(422, f"{api.label} declares no scenarios", kind="no-scenarios",
                                      hint=f"add [apis.{api.label}.scenarios.NAME] to sandbox.toml"))  # fmt: skip
    if scenario is not None and not isinstance(scenario, str):
        raise BadRequestError(problem(422, "scenario must be a scenario's name, \"none\", or null",
                                      kind="invalid-scenario", where="body/scenario"))  # fmt: skip
    try:
        layer.activate(session, scenario)
    except UnknownScenarioError:
        known = ", ".join(layer.names) or "(none)"
        raise BadRequestError(problem(422, f"{api.label} has no scenario named {shown(str(scenario))!r}; its "
                                           f"scenarios: {known}", kind="unknown-scenario",
                                      where="body/scenario")) from None  # fmt: skip
    router.sandbox.saw(session)
    return json_answer({"api": api.label, "session": session, "active": layer.active(session)})


def _reset(router: AdminRouter, request: Request) -> MockResult:
    body = object_body(request, router.max_nesting, ("api", "session"))
    name = body.get("api")
    if name is not None and not isinstance(name, str):
        raise BadRequestError(problem(422, "api must be an API's name", kind="invalid-api", where="body/api"))
    apis = [router.api_named(name)] if name is not None else list(router.sandbox.apis)
    sessions = [session_named(body["session"], "body/session")] if "session" in body else list(router.sandbox.sessions)
    restarted = 0
    for api in apis:
        layer = _layer(api)
        if layer is not None:
            restarted += sum(layer.reset(session) for session in sessions)
    return json_answer({"apis": [api.label for api in apis], "sessions": sessions, "restarted": restarted})


# -- faults -------------------------------------------------------------------------------------------


def faults(router: AdminRouter, request: Request, rest: list[str]) -> MockResult:
    if not rest:
        return json_answer({"apis": {api.label: api.faults for api in router.sandbox.apis}})
    api = router.api_named(rest[0])
    layer = api.layer("faults")
    if not isinstance(layer, FaultsLayer):
        raise BadRequestError(problem(422, f"{api.label} has no faults layer", kind="no-faults"))
    if request.method.upper() == "DELETE":
        table: dict[str, Any] = {}
    else:
        document = body_of(request, router.max_nesting, required=True)
        if not isinstance(document, dict):
            raise BadRequestError(problem(400, "the body must be a faults table: a JSON object like "
                                               '{"error_rate": 0.5}', kind="malformed-json"))  # fmt: skip
        table = document
    try:
        config = parse_faults(table, f"[apis.{api.label}]")
    except ConfigError as error:
        raise BadRequestError(problem(422, error.message, kind="invalid-faults", hint=error.hint or "",
                                      where=f"PUT /__ctk/faults/{api.label}")) from None  # fmt: skip
    layer.replace_config(config)
    api.faults = table
    return json_answer({"api": api.label, "faults": table})


def restore_faults(api: ApiRuntime) -> None:
    """sandbox.toml's faults table for ``api`` again (a reset)."""
    layer = api.layer("faults")
    if isinstance(layer, FaultsLayer) and api.faults != api.configured_faults:
        layer.replace_config(parse_faults(api.configured_faults, f"[apis.{api.label}]"))
        api.faults = dict(api.configured_faults)
