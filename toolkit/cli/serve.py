"""``ctk serve``: run the mock of one contract, or the sandbox of the whole workspace, over HTTP."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from toolkit.cli.errors import debug_option, reported_errors
from toolkit.cli.options import limit_option, limits_from_options, mirror_option, mirrors_from
from toolkit.errors import ConfigError, CtkError
from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.sources import contract_limits
from toolkit.workspace import SandboxSettings, find_root, load_workspace

if TYPE_CHECKING:
    from toolkit.sandbox.server import MountedContract


MAX_WORKERS = 64


def _workers_option(ctx: click.Context, param: click.Parameter, value: str) -> int | str:
    """A worker count from 1 to MAX_WORKERS, or ``auto`` (kept as the string: resolved once the store is known)."""
    text = value.strip().lower()
    if text == "auto":
        return "auto"
    if text.isdigit() and 1 <= int(text) <= MAX_WORKERS:
        return int(text)
    raise click.BadParameter(f"{value!r} is not a number from 1 to {MAX_WORKERS}, or auto")


@click.command()
@click.argument("contract", required=False)
@click.option("--host", default=None, help="Interface to listen on.  [default: 127.0.0.1, or sandbox.toml]")
@click.option("--port", type=int, default=None, help="Port to listen on.  [default: 8000, or sandbox.toml]")
@click.option("--seed", type=int, default=None, help="Seed for generated data: same seed, same data.  [default: 0]")
@click.option("--no-validate", is_flag=True, help="Answer every request without validating it or its credentials.")
@click.option("--mount", default=None, help="URL path to serve the contract under.  [default: its first server's path]")
@click.option(
    "--workers",
    default="1",
    callback=_workers_option,
    show_default=True,
    help="Worker processes, or auto: one per CPU this process may use (state in memory: 1). Each worker keeps its "
    "own journal, metrics and fault switches: one worker suits a sandbox steered through /__ctk.",
)
@click.option(
    "--webhook-url", default=None, help="Where to deliver webhook events (POST /__ctk/webhooks/NAME sends one)."
)
@click.option(
    "--webhook-after",
    multiple=True,
    metavar="OPERATION=WEBHOOK",
    help="Deliver WEBHOOK after each call of OPERATION, e.g. 'POST /payment_intents=payment_intent.succeeded'.",
)
@click.option(
    "--webhook-host",
    multiple=True,
    metavar="HOST",
    help="Also allow webhook and callback events to HOST (a name, an address, a network like 10.0.0.0/8, or * for "
    "any); by default they go only to this machine. Adds to sandbox.toml's webhook_hosts. Repeatable.",
)
@click.option(
    "--webhook-secret-env",
    default=None,
    metavar="NAME",
    help="Sign webhook and callback events with the secret the environment variable NAME holds (Stripe's scheme, "
    "t=…,v1=HMAC-SHA256) — for CONTRACT; in a workspace: [apis.NAME.mock] webhook_secret_env.",
)
@limit_option
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
    help="ctk's log on stderr: info shows each refused request (4xx) and each delivery in one line; warning "
    "only problems.",
)
@click.option(
    "--state/--no-state",
    default=None,
    help="Keep state for every API served (--state) or for none (--no-state): what clients create can be read "
    "back, listed, updated and deleted (inferred from the contract).  [default: sandbox.toml's "
    "[apis.NAME] state, else off]",
)
@click.option(
    "--store",
    default=None,
    metavar="URL",
    help="Where state lives: memory (this process), sqlite:PATH (survives a restart; --workers share it) or "
    "redis://HOST:PORT/DB (several servers share it).  [default: memory, or sandbox.toml [sandbox] store]",
)
@click.option(
    "--journal-size",
    type=int,
    default=None,
    metavar="N",
    help="Requests the journal keeps for GET /__ctk/requests and the dashboard (the oldest go first); with "
    "--workers, each worker keeps its own.  [default: 1000, or sandbox.toml [sandbox] journal_size]",
)
@click.option(
    "--access-log",
    default=None,
    metavar="PATH|-",
    help="Append one JSON line per request (the journal entry: no headers or bodies, secrets as ***) to PATH, "
    "or stdout with -.  [default: none, or sandbox.toml [sandbox] access_log]",
)
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), help="Workspace root (without CONTRACT).")
@click.option("--check", is_flag=True, help="Compile the mocks, print what would be served, and exit.")
@click.option(
    "--no-reload",
    is_flag=True,
    help="Serve what was read at start. By default edits to the contracts, mocks/<api>/ files and sandbox.toml are "
    "served without a restart (a broken edit keeps the last good version; GET /__ctk/reload says why).",
)
@mirror_option
@debug_option
def serve(
    contract: str | None,
    host: str | None,
    port: int | None,
    seed: int | None,
    no_validate: bool,
    mount: str | None,
    workers: int | str,
    webhook_url: str | None,
    webhook_after: tuple[str, ...],
    webhook_host: tuple[str, ...],
    webhook_secret_env: str | None,
    limit: tuple[str, ...],
    log_level: str,
    state: bool | None,
    store: str | None,
    journal_size: int | None,
    access_log: str | None,
    root: Path | None,
    check: bool,
    no_reload: bool,
    mirror: tuple[str, ...],
) -> None:
    """Serve a mock of CONTRACT (or, without it, every API of the workspace's sandbox.toml).

    OpenAPI, WSDL (SOAP 1.1/1.2) and GraphQL contracts are served side by side, each under its mount.
    Responses are valid against the contract, realistic and seeded; requests are validated as the
    vendor would. REST: send `Prefer: code=404`, `Prefer: example=NAME` or `Prefer: dynamic=true` to
    choose a response; SOAP: `Prefer: fault=NAME` for a declared fault; `GET <address>?wsdl` gives
    the WSDL pointing at the mock. Any protocol: `Prefer: ctk-fault=503|reset|timeout`, `ctk-latency=MS`,
    `scenario=NAME`; `X-Ctk-Session: NAME` keeps a test's state, scenarios and quotas apart. sandbox.toml
    turns on state, scenarios, faults, rate limits, OAuth2 and sunsets per API (README: State and after).
    Every request and event is bounded (see --limit and the README's Limits). Exit 2 when a contract
    cannot be loaded, a setting is wrong or the port is taken.
    """
    from toolkit.sandbox.server import CONFIG_ENV, MountedContract, ServeConfig, build_handler, changed_limits

    started = time.perf_counter()
    with reported_errors():
        after = _pairs(webhook_after)
        if contract is not None:
            mounted, settings, base = [MountedContract(contract, mount, mirrors_from(mirror))], SandboxSettings(), None
            if webhook_secret_env is not None:
                if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", webhook_secret_env):
                    raise ConfigError(
                        f"--webhook-secret-env takes the name of an environment variable, not {webhook_secret_env!r}",
                        where="--webhook-secret-env",
                        hint="the secret itself never goes on the command line: export it, pass its name",
                    )
                mounted[0].settings["webhook_secret_env"] = webhook_secret_env
        else:
            if webhook_secret_env is not None:
                raise ConfigError(
                    "--webhook-secret-env applies to a CONTRACT served alone",
                    where="--webhook-secret-env",
                    hint="in a workspace, set webhook_secret_env in the API's [apis.NAME.mock] table of sandbox.toml",
                )
            mounted, settings, base = _workspace_contracts(root)
        if state is False:
            for item in mounted:
                item.state = False
        store_url = _store_url(store, settings)
        journal = _journal_size(journal_size, settings)
        # defaults < CTK_* environment variables (contract reading) < sandbox.toml [limits] < --limit
        limits = limits_from_options(limit, base or contract_limits(DEFAULT_LIMITS))
        config = ServeConfig(
            contracts=mounted,
            seed=seed if seed is not None else settings.seed,
            validate=not no_validate,
            webhook_url=webhook_url,
            webhook_after=after,
            limits=changed_limits(limits),
            webhook_hosts=[*settings.webhook_hosts, *webhook_host],
            log_level=log_level,
            store=store_url,
            state_everywhere=state is True,
            journal_size=journal,
            access_log=access_log if access_log is not None else settings.access_log,
        )
        in_memory = store_url == "memory" and bool(state or any(item.state for item in mounted))
        workers = _worker_count(workers, in_memory)
        if workers > 1 and in_memory:
            raise ConfigError(
                "state in memory belongs to one process; --workers would give each worker its own",
                where="--workers",
                hint="use --store sqlite:PATH or --store redis://HOST:PORT/DB, which the workers share",
            )
        _check_webhook_url(config)
        built_at = time.time_ns()  # a file saved while the sandbox is built is reloaded at once
        handler = build_handler(config)
        overrides = None  # what a reload keeps of this command line (a contract served alone keeps its config)
        if contract is None and not no_reload:
            from toolkit.sandbox.reload import ServeOverrides

            overrides = ServeOverrides(
                root=str((root or find_root()).resolve()), seed=seed, validate=not no_validate, webhook_url=webhook_url,
                webhook_after=after, webhook_hosts=webhook_host, limit_options=limit, log_level=log_level,
                store=store_url if store is not None else None, state=state, workers=workers,
            )  # fmt: skip
        host = host or settings.host
        port = port if port is not None else settings.port
        if not check:
            _check_port(host, port)
    ready = time.perf_counter() - started
    _announce(config, host, port, ready, handler, check)
    if check:
        return
    import uvicorn

    from toolkit.mock.http_server import configure_logging, ensure_file_limit, uvicorn_options
    from toolkit.sandbox.heap import settle_heap
    from toolkit.sandbox.server import build_app

    os.environ[CONFIG_ENV] = config.to_env()
    configure_logging(config.log_level)
    ensure_file_limit(limits)  # inherited by --workers processes
    options = uvicorn_options(limits)
    factory = "toolkit.sandbox.server:app_factory"
    if not no_reload:  # each --workers process watches for itself (toolkit.sandbox.reload.workers)
        from toolkit.sandbox.reload import Reloader
        from toolkit.sandbox.reload.workers import RELOAD_ENV, overrides_to_env

        os.environ[RELOAD_ENV] = overrides_to_env(overrides)
        factory = "toolkit.sandbox.reload.workers:app_factory"
        if workers == 1:
            Reloader(handler, config, overrides, built_at=built_at).start()
        click.echo("reload: on, edits to the contracts, mocks/ and sandbox.toml are served as saved (--no-reload: off)",
                   err=True)  # fmt: skip
    try:
        if workers > 1:
            uvicorn.run(factory, factory=True, host=host, port=port, workers=workers, **options)
        else:
            app = build_app(config, handler)
            settle_heap()
            uvicorn.run(app, host=host, port=port, **options)
    except OSError as error:
        click.echo(f"error: cannot listen on {host}:{port}: {error.strerror or error}", err=True)
        click.echo("  hint: choose another --port, or stop what is using this one", err=True)
        sys.exit(2)


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask: a container's or taskset's limit), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows: no affinity call
        return max(1, os.cpu_count() or 1)


def _worker_count(given: int | str, state_in_memory: bool) -> int:
    """``--workers``: a number as given; ``auto``, one per usable CPU, or 1 (with a note) when state is in memory,
    which belongs to one process (a number above 1 is refused for it instead: the user asked for it)."""
    if given != "auto":
        return int(given)
    cpus = min(usable_cpus(), MAX_WORKERS)
    if cpus > 1 and state_in_memory:
        click.echo(f"note: --workers auto: 1 worker, not {cpus}: state in memory belongs to one process "
                   "(--store sqlite:PATH or redis://HOST:PORT/DB is shared by workers)", err=True)  # fmt: skip
        return 1
    click.echo(f"workers: {cpus} (--workers auto: the CPUs this process may use)", err=True)
    return cpus


def _store_url(given: str | None, settings: SandboxSettings) -> str:
    """``--store`` (a relative SQLite path is relative to the current folder), else sandbox.toml's (already made
    absolute against the workspace root)."""
    from toolkit.workspace import check_store

    if given is None:
        return settings.store
    check_store(given, "--store")
    if given.startswith("sqlite:"):
        return f"sqlite:{Path(given.removeprefix('sqlite:').removeprefix('//')).resolve()}"
    return given


def _journal_size(given: int | None, settings: SandboxSettings) -> int:
    """``--journal-size``, else sandbox.toml's, checked against the bound."""
    from toolkit.workspace import MAX_JOURNAL

    if given is None:
        return settings.journal_size
    if not 1 <= given <= MAX_JOURNAL:
        raise ConfigError(
            f"--journal-size must be from 1 to {MAX_JOURNAL}, not {given}",
            where="--journal-size",
            hint="each entry is a few hundred bytes: 1000 (the default) to 100000 suit a team's sandbox",
        )
    return given


def _check_webhook_url(config: object) -> None:
    """The allowed hosts, and ``--webhook-url`` under the same destination policy as every delivery: refused now
    rather than at each event."""
    from toolkit.sandbox.server import ServeConfig

    assert isinstance(config, ServeConfig)
    policy = config.policy  # a malformed --webhook-host is refused here, inside the error reporting
    if config.webhook_url:
        refusal = policy.refusal(config.webhook_url)
        if refusal is not None:
            raise ConfigError(refusal, where="--webhook-url")


def _check_port(host: str, port: int) -> None:
    """Refuse a port that is taken before announcing anything: uvicorn would log its own error and exit 3."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as error:
        raise CtkError(f"cannot listen on {host}:{port}: {error}", hint="check --host") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: TIME_WAIT is no conflict
        try:
            probe.bind(address)
        except OSError as error:
            raise CtkError(
                f"cannot listen on {host}:{port}: {error.strerror or error}",
                hint="choose another --port, or stop what is using this one",
            ) from None


def _pairs(values: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        operation, sep, webhook = value.rpartition("=")
        if not sep or not operation.strip() or not webhook.strip():
            raise click.BadParameter(f"{value!r} is not OPERATION=WEBHOOK", param_hint="--webhook-after")
        out[operation.strip()] = webhook.strip()
    return out


def _workspace_contracts(root: Path | None) -> tuple[list[MountedContract], SandboxSettings, Limits]:
    """Every API of the workspace (``load_workspace`` refuses a workspace without one), its settings and limits."""
    from toolkit.sandbox.server import mounted_apis

    space = load_workspace(root)
    return mounted_apis(space, _shown), space.sandbox, space.limits


def _announce(config: object, host: str, port: int, seconds: float, handler: object, check: bool) -> None:
    from toolkit.sandbox.admin.runtime import Sandbox
    from toolkit.sandbox.server import ServeConfig

    assert isinstance(config, ServeConfig)
    assert isinstance(handler, Sandbox)
    # one API: its mock decided the mount (several: the mounts are the configured ones)
    single = handler.apis[0].handler if len(handler.apis) == 1 else None
    for item in config.contracts:
        label = f"{item.name}: " if item.name else ""
        mount = item.mount or (single.mount if single is not None else "") or "/"
        behaviours = _behaviours(item, config.store)
        click.echo(f"serving {label}{item.source} at http://{host}:{port}{mount}{behaviours}", err=True)
        for what, path in _oauth2_endpoints(handler, item.mount or (single.mount if single is not None else "")):
            click.echo(f"  {what} at http://{host}:{port}{path}", err=True)
        endpoints = single.endpoints() if single is not None and item.mount is None else []
        for endpoint in endpoints:  # a WSDL's ports, each at its own address path
            path = endpoint.path or "/"
            wsdl = f" (WSDL: {path}?wsdl)" if endpoint.wsdl else ""
            click.echo(f"  {endpoint.what} at http://{host}:{port}{path}{wsdl}", err=True)
    validation = "on" if config.validate else "off"
    then = "--check: not started" if check else "Ctrl-C to stop"
    if config.limits:
        click.echo("limits: " + ", ".join(f"{name}={value:g}" for name, value in config.limits.items()), err=True)
    click.echo(f"webhook and callback destinations: {config.policy.describe()}", err=True)
    click.echo(f"seed {config.seed}, validation {validation}, ready in {seconds:.2f} s; {then}", err=True)


def _oauth2_endpoints(handler: object, mount: str) -> list[tuple[str, str]]:
    """What the API at ``mount`` serves for OAuth2 (token endpoints with the URL each stands for, revocation and
    introspection) and the path of each, for the announcement."""
    from toolkit.sandbox.admin.runtime import Sandbox
    from toolkit.sandbox.layers import SandboxedMock
    from toolkit.sandbox.oauth2 import OAuth2Layer

    assert isinstance(handler, Sandbox)
    served = dict(handler.mounts).get(mount)
    if not isinstance(served, SandboxedMock):
        return []
    return [line for layer in served.layers if isinstance(layer, OAuth2Layer) for line in layer.listing()]


def _behaviours(item: MountedContract, store: str) -> str:
    """What the sandbox turned on for an API, for the announcement: " (state: memory; scenarios: a, b; ...)"."""
    parts: list[str] = [f"state: {_shown_store(store)}"] if item.state else [item.note] if item.note else []
    scenarios = sorted(name for name, value in item.scenarios.items() if isinstance(value, dict))
    if scenarios:
        active = item.scenarios.get("active")
        parts.append("scenarios: " + ", ".join(scenarios) + (f" (active: {active})" if active else ""))
    for name, table in (("faults", item.faults), ("rate limit", item.rate_limit)):
        if table:
            parts.append(f"{name}: " + ", ".join(sorted(key for key in table if key != "operations")))
    if item.oauth2 is not None:
        parts.append("oauth2")
    if item.sunset.get("enforce"):
        parts.append("sunsets enforced")
    mocks = _mocks_read(item)
    if mocks:
        parts.append("mocks: " + ", ".join(mocks))
    return f" ({'; '.join(parts)})" if parts else ""


def _mocks_read(item: MountedContract) -> list[str]:
    """The files of ``mocks/<api>/`` the sandbox reads for an API (each already checked by then), and a seed
    file it does not read because the API's state is off: a user who wrote one would otherwise wonder."""
    if not item.overlays:
        return []
    folder = Path(item.overlays)
    if not folder.is_dir():
        return []
    found = [name for name in ("overlays.toml", "hooks.py") if (folder / name).is_file()]
    examples = sum(1 for _ in (folder / "examples").rglob("*.json")) if (folder / "examples").is_dir() else 0
    if examples:
        found.append(f"{examples} example{'s' if examples != 1 else ''}")
    for name in ("seed.json", "seed.toml"):
        if (folder / name).is_file():
            found.append(name if item.state else f"{name} not read (state is off)")
    return found


def _shown_store(url: str) -> str:
    """A store as the announcement names it: a Redis URL without its password."""
    from urllib.parse import urlsplit

    if url.startswith(("redis://", "rediss://")):
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}{parts.path}"
    return url


def _shown(path: Path) -> str:
    """A workspace path as the user would type it: relative to the current folder when under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
