"""``ctk record API``: a recording proxy to the vendor's real sandbox, writing what it sees, redacted, under
``mocks/<api>/recordings/``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import click

from toolkit.cli.errors import debug_option, reported_errors
from toolkit.cli.options import limit_option, limits_from_options
from toolkit.errors import ConfigError
from toolkit.workspace import Api, load_workspace


@click.command()
@click.argument("api")
@click.option(
    "--target",
    default=None,
    metavar="URL",
    help="The vendor's URL requests are forwarded to.  [default: sandbox.toml [apis.API.vendor] sandbox_url, "
    "graphql_endpoint or wsdl_url without its query]",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface the recorder listens on.")
@click.option("--port", type=int, default=8001, show_default=True, help="Port the recorder listens on.")
@click.option("--no-check", is_flag=True, help="Do not check the exchanges against the contract.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), help="Workspace root.")
@limit_option
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
    help="info: one line per recorded exchange; warning: only drift and problems.",
)
@debug_option
def record(
    api: str,
    target: str | None,
    host: str,
    port: int,
    no_check: bool,
    root: Path | None,
    limit: tuple[str, ...],
    log_level: str,
) -> None:
    """Record API's real sandbox: forward every request below the API's mount to the vendor, answer with the
    vendor's answer, and write each exchange to mocks/API/recordings/<time>-<id>.har (HAR 1.2).

    Credentials come from the environment variables sandbox.toml's [apis.API.vendor.auth] names, and are added
    to each request to the vendor. Secrets are redacted as they are written, both ways (Authorization, cookies,
    the contract's API keys, OAuth token fields, password and writeOnly fields, WS-Security, GraphQL variables,
    JWTs and other key shapes anywhere), each replaced by a placeholder that is the same for the same secret
    throughout the run. Each exchange is checked against the contract; a violation is logged as drift. `ctk serve`
    then answers recorded requests with the recorded answers. Exit 2 when the workspace, the API or a
    credential is missing.
    """
    from toolkit import protocols
    from toolkit.load import load_contract
    from toolkit.sandbox.recording.check import ContractCheck
    from toolkit.sandbox.recording.har import Recording
    from toolkit.sandbox.recording.proxy import Recorder
    from toolkit.sandbox.recording.redact import Redactor, names_from_contract
    from toolkit.sandbox.recording.replay import RECORDINGS
    from toolkit.vendor.credentials import credentials_for

    with reported_errors():
        space = load_workspace(root)
        chosen = space.apis.get(api)
        if chosen is None:
            raise ConfigError(
                f"no API named {api!r} in the workspace",
                where=str(space.config),
                hint=f"APIs: {', '.join(sorted(space.apis))}",
            )
        url = target or _vendor_url(chosen)
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise ConfigError(f"--target must be an http(s) URL, not {url!r}", where="--target")
        credentials = credentials_for(chosen.vendor.auth if chosen.vendor else None, url, api=api)
        limits = limits_from_options(limit, space.limits)
        contract = load_contract(chosen.contract, mirrors=chosen.mirrors, limits=limits)
        envelope = protocols.compile_mock(contract, seed=space.sandbox.seed, mount=chosen.mount, limits=limits)
        known = [*credentials.secrets, *_wsse_secrets(chosen)]
        recording = Recording(space.mocks / api / RECORDINGS)
        recorder = Recorder(
            api=api,
            mount=chosen.mount,
            target=url,
            credentials=credentials,
            redactor=Redactor(names_from_contract(contract), known=known),
            recording=recording,
            check=None if no_check else ContractCheck(envelope),
            limits=limits,
        )
        _check_port(host, port)
    import uvicorn

    from toolkit.mock.http_server import configure_logging, uvicorn_options

    shown = credentials.redact(url)
    click.echo(f"recording {api}: http://{host}:{port}{chosen.mount} -> {shown}", err=True)
    click.echo(f"writing {_relative(recording.path, space.root)} (redacted); Ctrl-C to stop", err=True)
    configure_logging(log_level)
    try:
        uvicorn.run(recorder, host=host, port=port, **uvicorn_options(limits))
    except OSError as error:
        click.echo(f"error: cannot listen on {host}:{port}: {error.strerror or error}", err=True)
        sys.exit(2)
    where = _relative(recording.path, space.root) if recorder.recorded else "nothing written"
    click.echo(f"recorded {recorder.recorded} exchange(s): {where}", err=True)


def _vendor_url(api: Api) -> str:
    vendor = api.vendor
    url = vendor and (vendor.sandbox_url or vendor.graphql_endpoint or vendor.wsdl_url)
    if not url:
        raise ConfigError(
            f"apis.{api.name} has no vendor URL to record",
            where=f"[apis.{api.name}.vendor]",
            hint="set sandbox_url (or graphql_endpoint, wsdl_url) there, or pass --target URL",
        )
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))  # a ?wsdl query asks for the document


def _wsse_secrets(api: Api) -> list[str]:
    """WS-Security credentials travel in the client's envelopes, not added by the recorder; when their variables
    are set, their values are secrets the redactor knows from the start."""
    auth = api.vendor.auth if api.vendor else None
    if auth is None or auth.kind != "wsse":
        return []
    return [value for value in (os.environ.get(name, "") for name in auth.env.values()) if value]


def _check_port(host: str, port: int) -> None:
    from toolkit.cli.serve import _check_port as check

    check(host, port)


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
