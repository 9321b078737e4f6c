"""Building the ASGI app that ``ctk serve`` runs: one contract, or every mockable API of a workspace.

The app is described by a plain ``ServeConfig`` so that ``--workers N`` can rebuild it in each
worker process: uvicorn imports ``app_factory`` there, which reads the config from an environment
variable. Each worker compiles its own mocks; they agree because the data is seeded. The config
carries the limits (sandbox.toml ``[limits]`` and ``--limit``), handed to every API's mock and to the
server, and the hosts webhook and callback events may go to besides this machine.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from typing import Protocol as TypingProtocol

from toolkit import protocols
from toolkit.destinations import DestinationPolicy
from toolkit.errors import ConfigError
from toolkit.exchange import MockResult, Request, Response
from toolkit.limits import DEFAULT_LIMITS, Limits, limits_from
from toolkit.mock.admin import AdminEndpoints
from toolkit.mock.asgi import MockASGIApp
from toolkit.mock.compiled import CompiledMock, Endpoint
from toolkit.mock.envelope import MockEnvelope
from toolkit.mock.guard import guarded
from toolkit.mock.handler import ADMIN_PREFIX, Handler, is_under
from toolkit.mock.problem import clip, problem_response
from toolkit.model import Protocol
from toolkit.sandbox.admin.runtime import ApiRuntime, Sandbox, query_api_keys
from toolkit.sandbox.layers import Layer, SandboxedMock
from toolkit.sandbox.store import Store

if TYPE_CHECKING:
    from toolkit.workspace import Workspace

CONFIG_ENV = "CTK_SERVE_CONFIG"


@dataclass
class MountedContract:
    source: str
    mount: str | None = None  # None: the path of the contract's first server URL
    mirrors: dict[str, str] = field(default_factory=dict)
    name: str = ""
    settings: dict[str, Any] = field(default_factory=dict)  # sandbox.toml [apis.NAME.mock]
    state: bool = False  # keep state inferred from the contract ([apis.NAME] state = true)
    note: str = ""  # set while building: what the sandbox could not turn on for this API, for ctk serve to say
    faults: dict[str, Any] = field(default_factory=dict)  # [apis.NAME.faults], checked by toolkit.sandbox.faults
    rate_limit: dict[str, Any] = field(default_factory=dict)  # [apis.NAME.rate_limit], by toolkit.sandbox.rate_limit
    scenarios: dict[str, Any] = field(default_factory=dict)  # [apis.NAME.scenarios], by toolkit.sandbox.scenarios
    oauth2: dict[str, Any] | None = None  # [apis.NAME.oauth2] (None: absent), by toolkit.sandbox.oauth2
    sunset: dict[str, Any] = field(default_factory=dict)  # [apis.NAME.sunset], by toolkit.sandbox.sunset
    overlays: str = ""  # the API's folder under mocks/ (mocks/NAME), read by toolkit.sandbox.overlays when it exists


@dataclass
class ServeConfig:
    contracts: list[MountedContract]
    seed: int = 0
    validate: bool = True
    webhook_url: str | None = None
    webhook_after: dict[str, str] = field(default_factory=dict)
    limits: dict[str, int | float] = field(default_factory=dict)  # the limits changed from DEFAULT_LIMITS, by name
    webhook_hosts: list[str] = field(default_factory=list)  # destinations allowed besides loopback
    log_level: str = "info"
    journal_size: int = 1000  # requests the journal keeps (--journal-size, [sandbox] journal_size)
    access_log: str | None = None  # --access-log PATH or "-" (stdout), [sandbox] access_log; None: none
    store: str = "memory"  # where the APIs with state keep it: "memory", "sqlite:PATH", "redis://..."
    state_everywhere: bool = False  # ctk serve --state: state for every API whose protocol has it, a note for others

    @property
    def effective_limits(self) -> Limits:
        return limits_from(self.limits, "limits") if self.limits else DEFAULT_LIMITS

    @property
    def policy(self) -> DestinationPolicy:
        return DestinationPolicy.allowing(self.webhook_hosts)

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls, text: str) -> ServeConfig:
        data: dict[str, Any] = json.loads(text)
        data["contracts"] = [MountedContract(**item) for item in data["contracts"]]
        return cls(**data)


class Mounted(TypingProtocol):
    """What the dispatcher mounts: an API's envelope, with or without the sandbox's layers around it."""

    @property
    def mount(self) -> str: ...

    @property
    def mock(self) -> CompiledMock: ...

    def __call__(self, request: Request) -> MockResult: ...

    def error_response(self, request: Request, status: int, message: str) -> Response: ...

    def endpoints(self) -> list[Endpoint]: ...


class Dispatcher:
    """Several mocks on one server, each under its own mount; the longest matching mount wins. The ``/__ctk``
    admin endpoints sit outside every mount and serve all the mocks at once. (``ctk serve`` runs a
    ``toolkit.sandbox.admin.runtime.Sandbox``, which dispatches the same way and adds the admin API, the journal
    and the metrics; this bare dispatcher serves envelopes built by hand.)"""

    def __init__(
        self, mounts: dict[str, Mounted], limits: Limits = DEFAULT_LIMITS, webhook_url: str | None = None
    ) -> None:
        self.mounts = sorted(mounts.items(), key=lambda item: -len(item[0]))
        self.max_echo = limits.max_echo_length  # a request path quoted in a 404 is clipped to it
        mocks = [envelope.mock for _, envelope in self.mounts]
        self.admin = AdminEndpoints(mocks, webhook_url=webhook_url, limits=limits)

    def __call__(self, request: Request) -> MockResult:
        if is_under(request.path, ADMIN_PREFIX):
            return guarded(self.admin, request)
        handler = self._mounted(request.path)
        if handler is not None:
            return handler(request)
        known = ", ".join(mount or "/" for mount, _ in self.mounts)
        detail = f"no API is mounted at {clip(request.path, self.max_echo)}; mounts: {known}"
        return MockResult(problem_response(404, detail, kind="not-found"))

    def error_response(self, request: Request, status: int, message: str) -> Response:
        """An adapter's error (a body over the limit) in the form of the protocol mounted at the path."""
        handler = self._mounted(request.path)
        if handler is not None:
            return handler.error_response(request, status, message)
        return problem_response(status, message, kind="too-large" if status == 413 else "error")

    def _mounted(self, path: str) -> Mounted | None:
        """The mock whose mount holds ``path`` (the longest mount first), or None."""
        return next((handler for mount, handler in self.mounts if not mount or is_under(path, mount)), None)


def changed_limits(limits: Limits) -> dict[str, int | float]:
    """The limits that differ from the defaults, by name: what ``ServeConfig`` carries (JSON, for workers)."""
    return {
        name: getattr(limits, name)
        for name in DEFAULT_LIMITS.__dataclass_fields__
        if getattr(limits, name) != getattr(DEFAULT_LIMITS, name)
    }


def mounted_apis(space: Workspace, shown: Callable[[Path], str] = str) -> list[MountedContract]:
    """Every API of a workspace as ``ctk serve`` mounts it: contract, mount, mirrors and mock settings."""
    return [
        MountedContract(
            shown(api.contract),
            api.mount,
            api.mirrors,
            name,
            dict(api.mock),
            state=api.state,
            faults=api.faults,
            rate_limit=api.rate_limit,
            scenarios=api.scenarios,
            oauth2=api.oauth2,
            sunset=api.sunset,
            overlays=str(space.mocks / name),
        )
        for name, api in space.apis.items()
    ]


def build_handler(config: ServeConfig) -> Sandbox:
    """The ``Sandbox`` ``ctk serve`` runs: every API of ``config`` compiled, layered and mounted, with the admin API,
    the journal, the metrics and (``config.access_log``) the access log."""
    stores = _Stores(config)
    apis = build_apis(config, stores=stores)
    access_log = None
    if config.access_log:
        from toolkit.sandbox.admin.access_log import open_access_log

        access_log = open_access_log(config.access_log)
    return Sandbox(
        apis,
        limits=config.effective_limits,
        webhook_url=config.webhook_url,
        journal_size=config.journal_size,
        store=stores.opened,
        access_log=access_log,
    )


def build_apis(config: ServeConfig, store: Store | None = None, *, stores: _Stores | None = None) -> list[ApiRuntime]:
    """Every API of ``config``, compiled and layered: what a hot reload builds anew, passing ``store``, the store
    the running sandbox opened (``Sandbox.store``), so state survives the reload."""
    from toolkit.load import load_contract

    stores = stores if stores is not None else _Stores(config, store)
    apis: list[ApiRuntime] = []
    limits = config.effective_limits
    for item in config.contracts:
        contract = load_contract(item.source, mirrors=item.mirrors, limits=limits)
        options: dict[str, Any] = {
            "webhook_url": config.webhook_url,
            "webhook_after": config.webhook_after,
            "mirrors": item.mirrors,
            "limits": limits,
        }
        if item.mount is not None:
            options["mount"] = item.mount
        options.update(_settings_for(contract.protocol, item))
        handler = protocols.compile_mock(contract, seed=config.seed, validate=config.validate, **options)
        handler.warm()
        layered = _layered(handler, item, stores, config.state_everywhere)
        apis.append(
            ApiRuntime(
                item.name,
                contract.protocol,
                handler.mount,
                layered,
                store=stores.opened,
                faults=dict(item.faults),
                configured_faults=dict(item.faults),
                folder=item.overlays,
                secret_parameters=query_api_keys(contract),
            )
        )
    for api in apis:  # the faults layer is always on, so the first API opened the store
        api.store = stores.opened
    return apis


class _Stores:
    """The store the APIs with state share, opened on first need (one connection pool per process)."""

    def __init__(self, config: ServeConfig, store: Store | None = None) -> None:
        self.config = config
        self._store = store

    @property
    def opened(self) -> Store | None:
        """The store, if an API needed it (None: none did, and none was opened)."""
        return self._store

    def get(self) -> Store:
        if self._store is None:
            from toolkit.sandbox.stores import open_store

            self._store = open_store(self.config.store, limits=self.config.effective_limits)
        return self._store


def _layered(
    envelope: MockEnvelope, item: MountedContract, stores: _Stores, state_everywhere: bool
) -> MockEnvelope | SandboxedMock:
    """The API's envelope with the layers its settings turn on (none: the envelope itself)."""
    layers: list[Layer] = []
    where = f"[apis.{item.name}]" if item.name else item.source
    api = item.name or "/"
    if item.sunset:
        from toolkit.sandbox.sunset import sunset_layer

        layers.append(sunset_layer(envelope, item.sunset, api=api, where=where))
    if item.oauth2 is not None:
        from toolkit.sandbox.oauth2 import oauth2_layer

        layers.append(oauth2_layer(envelope, item.oauth2, stores.get(), api=api, where=where))
    if item.scenarios:
        from toolkit.sandbox.scenarios import scenarios_layer

        layers.append(scenarios_layer(envelope, item.scenarios, stores.get(), api=api, where=where))
    if item.overlays and Path(item.overlays).is_dir() and any(Path(item.overlays).iterdir()):
        from toolkit.sandbox.overlays import overlays_layer

        layers.append(overlays_layer(envelope, Path(item.overlays), api=api))
    if item.overlays:  # recordings (ctk record) under mocks/<api>/recordings/: the replay layer
        from toolkit.sandbox.recording.replay import has_recordings, replay_layer

        if has_recordings(Path(item.overlays)):
            layers.append(replay_layer(envelope, Path(item.overlays)))
    if item.rate_limit:
        from toolkit.sandbox.rate_limit import rate_limit_layer

        layers.append(rate_limit_layer(envelope, item.rate_limit, stores.get(), api=item.name or "/", where=where))
    # always on, so one request can ask for a fault (Prefer: ctk-fault=503, ctk-latency=200) with none configured;
    # with an empty table it costs a header lookup per request
    from toolkit.sandbox.faults import faults_layer

    layers.append(faults_layer(envelope, item.faults, stores.get(), api=item.name or "/", where=where))
    from toolkit.sandbox.state import has_state, state_layer

    if state_everywhere and not item.state:
        if has_state(envelope.contract.protocol):
            item.state = True
        else:
            item.note = f"state is not available yet for {protocols.label(envelope.contract.protocol)} APIs"
    if item.state:
        layers.append(
            state_layer(  # folder: mocks/<api>/, for its seed file (none for a contract given on the command line)
                envelope,
                stores.get(),
                api=item.name or envelope.mount or "/",
                folder=Path(item.overlays) if item.overlays else None,
            )
        )
    return SandboxedMock(envelope, layers) if layers else envelope


def _settings_for(protocol: Protocol, item: MountedContract) -> dict[str, Any]:
    """The ``[apis.NAME.mock]`` settings, refused when the protocol's mock does not understand one (the rest
    would be silently ignored)."""
    understood = protocols.mock_settings(protocol)
    for key in item.settings:
        if key not in understood:
            owner = protocols.settings_owner(key)
            raise ConfigError(
                f"mock.{key} does not apply to {item.name or item.source}, a {protocol.value} contract",
                where=f"[apis.{item.name}.mock]" if item.name else item.source,
                hint=f"{key} is a setting of {owner} mocks" if owner else "",
            )
    return dict(item.settings)


def build_app(config: ServeConfig, handler: Handler | None = None) -> MockASGIApp:
    """The ASGI app over ``handler`` (default: ``build_handler(config)``)."""
    return MockASGIApp(
        handler if handler is not None else build_handler(config),
        limits=config.effective_limits,
        policy=config.policy,
    )


def app_factory() -> MockASGIApp:
    """Entry point for uvicorn's worker processes (``--workers N``)."""
    from toolkit.mock.http_server import configure_logging
    from toolkit.sandbox.heap import settle_heap

    config = ServeConfig.from_env(os.environ[CONFIG_ENV])
    configure_logging(config.log_level)
    app = build_app(config)
    settle_heap()
    return app
