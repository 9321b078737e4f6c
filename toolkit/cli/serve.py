"""``ctk serve``: run the mock of one contract, or the sandbox of the whole workspace, over HTTP."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from toolkit.cli.errors import debug_option, reported_errors
from toolkit.cli.options import mirror_option, mirrors_from
from toolkit.errors import CtkError
from toolkit.workspace import SandboxSettings, load_workspace

if TYPE_CHECKING:
    from toolkit.mock.server import MountedContract


@click.command()
@click.argument("contract", required=False)
@click.option("--host", default=None, help="Interface to listen on.  [default: 127.0.0.1, or sandbox.toml]")
@click.option("--port", type=int, default=None, help="Port to listen on.  [default: 8000, or sandbox.toml]")
@click.option("--seed", type=int, default=None, help="Seed for generated data: same seed, same data.  [default: 0]")
@click.option("--no-validate", is_flag=True, help="Answer every request without validating it or its credentials.")
@click.option("--mount", default=None, help="URL path to serve the contract under.  [default: its first server's path]")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option(
    "--webhook-url", default=None, help="Where to deliver webhook events (POST /__ctk/webhooks/NAME sends one)."
)
@click.option(
    "--webhook-after",
    multiple=True,
    metavar="OPERATION=WEBHOOK",
    help="Deliver WEBHOOK after each call of OPERATION, e.g. 'POST /payment_intents=payment_intent.succeeded'.",
)
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), help="Workspace root (without CONTRACT).")
@click.option("--check", is_flag=True, help="Compile the mocks, print what would be served, and exit.")
@mirror_option
@debug_option
def serve(
    contract: str | None,
    host: str | None,
    port: int | None,
    seed: int | None,
    no_validate: bool,
    mount: str | None,
    workers: int,
    webhook_url: str | None,
    webhook_after: tuple[str, ...],
    root: Path | None,
    check: bool,
    mirror: tuple[str, ...],
) -> None:
    """Serve a mock of CONTRACT (or, without it, every API of the workspace's sandbox.toml).

    OpenAPI, WSDL (SOAP 1.1/1.2) and GraphQL contracts are served side by side, each under its mount.
    Responses are valid against the contract, realistic and seeded; requests are validated as the
    vendor would. REST: send `Prefer: code=404`, `Prefer: example=NAME` or `Prefer: dynamic=true` to
    choose a response; SOAP: `Prefer: fault=NAME` for a declared fault; `GET <address>?wsdl` gives
    the WSDL pointing at the mock. Exit 2 when a contract cannot be loaded or the port is taken.
    """
    from toolkit.mock.server import CONFIG_ENV, MountedContract, ServeConfig, build_handler

    started = time.perf_counter()
    with reported_errors():
        after = _pairs(webhook_after)
        if contract is not None:
            mounted, settings = [MountedContract(contract, mount, mirrors_from(mirror))], SandboxSettings()
        else:
            mounted, settings = _workspace_contracts(root)
        config = ServeConfig(
            contracts=mounted,
            seed=seed if seed is not None else settings.seed,
            validate=not no_validate,
            webhook_url=webhook_url,
            webhook_after=after,
        )
        handler = build_handler(config)
        host = host or settings.host
        port = port if port is not None else settings.port
        if not check:
            _check_port(host, port)
    ready = time.perf_counter() - started
    _announce(config, host, port, ready, handler, check)
    if check:
        return
    import uvicorn

    os.environ[CONFIG_ENV] = config.to_env()
    try:
        if workers > 1:
            uvicorn.run("toolkit.mock.server:app_factory", factory=True, host=host, port=port, workers=workers,
                        log_level="warning", access_log=False)  # fmt: skip
        else:
            from toolkit.mock.asgi import MockASGIApp

            uvicorn.run(MockASGIApp(handler, max_body=config.max_body), host=host, port=port, log_level="warning",
                        access_log=False)  # fmt: skip
    except OSError as error:
        click.echo(f"error: cannot listen on {host}:{port}: {error.strerror or error}", err=True)
        click.echo("  hint: choose another --port, or stop what is using this one", err=True)
        sys.exit(2)


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


def _workspace_contracts(root: Path | None) -> tuple[list[MountedContract], SandboxSettings]:
    """Every API of the workspace (``load_workspace`` refuses a workspace without one), and its settings."""
    from toolkit.mock.server import mounted_apis

    space = load_workspace(root)
    return mounted_apis(space, _shown), space.sandbox


def _announce(config: object, host: str, port: int, seconds: float, handler: object, check: bool) -> None:
    from toolkit.mock.server import ServeConfig

    assert isinstance(config, ServeConfig)
    for item in config.contracts:
        label = f"{item.name}: " if item.name else ""
        click.echo(
            f"serving {label}{item.source} at http://{host}:{port}{item.mount or _default_mount(handler)}", err=True
        )
        endpoints = getattr(handler, "endpoints", None) if item.mount is None else None
        for path, what in endpoints or ():  # a WSDL's ports, each at its own address path
            click.echo(f"  {what} at http://{host}:{port}{path or '/'} (WSDL: {path or '/'}?wsdl)", err=True)
    validation = "on" if config.validate else "off"
    then = "--check: not started" if check else "Ctrl-C to stop"
    click.echo(f"seed {config.seed}, validation {validation}, ready in {seconds:.2f} s; {then}", err=True)


def _default_mount(handler: object) -> str:
    from toolkit.mock import mount_of

    return mount_of(handler) or "/"  # type: ignore[arg-type]


def _shown(path: Path) -> str:
    """A workspace path as the user would type it: relative to the current folder when under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
