"""``ctk verify``: property-based conformance tests against the vendors' sandboxes, safe by default.

Three forms: ``ctk verify`` (every workspace API whose vendor sandbox is configured), ``ctk verify API…``
and ``ctk verify CONTRACT --base-url URL`` (any server, say ctk's own mock). Credentials come only from the
environment variables ``[apis.NAME.vendor.auth]`` names; a missing one stops the run before anything is sent
(exit 2, naming it). Every line written (stdout, stderr, ``-o FILE``) is scrubbed of the credentials once
more before it leaves. Exit codes: 0 the vendor conforms, 1 conformance failures, 2 could not run.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from toolkit.cli.errors import EXIT_ERROR, debug_option, error_line, reported_errors
from toolkit.errors import ConfigError, CtkError
from toolkit.evidence import observations_to_changes
from toolkit.load import load_contract
from toolkit.verify.core import DEFAULT_EXAMPLES, DEFAULT_SEED, FORMATS
from toolkit.verify.workspace_targets import api_target, placeholder_headers, verifiable_apis
from toolkit.workspace import Workspace, find_root, load_workspace

if TYPE_CHECKING:  # the engines load httpx and more: imported when ctk verify runs, not for every ctk command
    from toolkit.verify.report import VerifyReport
    from toolkit.verify.runner import ApiResult, ApiTarget, Progress


@click.command()
@click.argument("targets", nargs=-1, metavar="[API… | CONTRACT --base-url URL]")
@click.option("--base-url", help="Verify against this server (a contract's, or an API's instead of its vendor).")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here (default: stdout)."
)
@click.option(
    "--examples", type=click.IntRange(1, 10_000), default=DEFAULT_EXAMPLES, show_default=True, help="Per operation."
)
@click.option(
    "--seed", type=int, default=DEFAULT_SEED, show_default=True, help="The same seed sends the same requests."
)
@click.option(
    "--unsafe",
    is_flag=True,
    help="Also send mutations, only inside create → read → delete chains that clean up after themselves.",
)
@click.option(
    "--unsafe-all",
    "every_operation",
    is_flag=True,
    help="Implies --unsafe, and sends mutations no chain cleans up after too: only for a server that holds nothing "
    "shared, such as ctk's own mock (ctk serve). Never use it against a vendor's shared sandbox.",
)
@click.option("--plan", "plan_only", is_flag=True, help="Print what would be sent, and send nothing.")
@click.option(
    "--budget", type=click.IntRange(1), default=None, help="At most this many requests per API (default 500)."
)
@click.option(
    "--budget-per-operation", type=click.IntRange(1), default=None, help="At most this many per operation (default 50)."
)
@click.option(
    "--sunset-horizon", metavar="DAYS", help="Report an observed sunset within DAYS (90d, 12w) or already past."
)
@click.option(
    "--evidence",
    "evidence_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save what the vendor's answers show here (default: .ctk/evidence/<api>.json in the workspace).",
)
@click.option(
    "--max-wait",
    type=click.FloatRange(0),
    default=120.0,
    show_default=True,
    help="Stop, rather than wait longer than this many seconds, when the vendor asks to slow down.",
)
@click.option("--timeout", type=click.FloatRange(0.1), default=30.0, show_default=True, help="Seconds per request.")
@click.option("--root", "workspace_root", type=click.Path(file_okay=False, path_type=Path), help="Workspace root.")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines on stderr.")
@debug_option
def verify(
    targets: tuple[str, ...],
    base_url: str | None,
    output_format: str,
    output: Path | None,
    examples: int,
    seed: int,
    unsafe: bool,
    every_operation: bool,
    plan_only: bool,
    budget: int | None,
    budget_per_operation: int | None,
    sunset_horizon: str | None,
    evidence_path: Path | None,
    max_wait: float,
    timeout: float,
    workspace_root: Path | None,
    quiet: bool,
) -> None:
    """Test that each vendor still honours its contract: valid requests generated from the contract, every
    answer judged by it, safe for a shared sandbox (read-only unless --unsafe, a request budget, pacing from
    rate-limit headers, backoff, a circuit breaker). Exit 0 the vendor conforms, 1 failures, 2 could not run."""
    from toolkit.verify.report import VerifyReport
    from toolkit.verify.runner import RunOptions, run_target

    secrets: list[str] = []
    with reported_errors():
        try:
            horizon = _horizon(sunset_horizon)
            api_targets = _targets(targets, base_url, workspace_root, evidence_path)
        except CtkError as exc:
            if output is not None or output_format != "text":
                _write(VerifyReport(errors=[str(exc)], plan_only=plan_only), output_format, output, secrets)
            raise
        for target in api_targets:
            secrets += target.credentials.secrets
        options = RunOptions(
            seed=seed, examples=examples, unsafe=unsafe or every_operation, every_operation=every_operation,
            plan_only=plan_only, budget=budget,
            budget_per_operation=budget_per_operation, sunset_horizon_days=horizon, max_wait=max_wait,
            timeout=timeout,
        )  # fmt: skip
        report = VerifyReport(plan_only=plan_only)
        progress = None if quiet else _progress(secrets)  # on stderr: stdout holds only the report
        for target in api_targets:
            result = run_target(target, options, progress)
            report.results.append(result)
            if not plan_only:
                report.observed[target.api] = observations_to_changes(
                    result.observations, target.contract, today=dt.date.today(), horizon_days=horizon
                )
        _write(report, output_format, output, secrets)
        for result in report.results:
            if result.error is not None:
                click.echo(_scrub(f"error: {result.api}: {result.error}", secrets), err=True)
            elif result.stop_reason is not None:
                click.echo(_scrub(f"note: {result.api}: {result.stop_reason}", secrets), err=True)
        sys.exit(report.exit_code)


def _horizon(text: str | None) -> int | None:
    if text is None:
        return None
    from toolkit.drift.horizon import parse_horizon

    return parse_horizon(text, "--sunset-horizon")


def _targets(
    targets: tuple[str, ...], base_url: str | None, workspace_root: Path | None, evidence: Path | None
) -> list[ApiTarget]:
    """The APIs to verify, each with its URL and credentials (read now: a missing variable stops the run)."""
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise CtkError(
            f"--base-url must be an http(s) URL, not {base_url!r}", hint="--base-url http://127.0.0.1:8000/v1"
        )
    contracts = [target for target in targets if _is_contract(target)]
    if contracts and (base_url is None or len(targets) > 1):
        raise CtkError(
            f"{contracts[0]} is a contract: ctk verify needs the one server to test it against",
            hint="ctk verify CONTRACT --base-url URL (one contract), or name workspace APIs",
        )
    space = _workspace(workspace_root, required=not (len(targets) == 1 and base_url and _is_contract(targets[0])))
    if len(targets) == 1 and base_url is not None and (space is None or targets[0] not in space.apis):
        path = Path(targets[0])
        if not path.exists():
            raise CtkError(f"no contract at {targets[0]}", hint="ctk verify CONTRACT --base-url URL, or an API name")
        contract = load_contract(path)
        api = _name_of(path)
        from toolkit.verify.runner import ApiTarget

        return [
            ApiTarget(
                api=api,
                contract=contract,
                base_url=base_url,
                evidence_path=evidence,
                extra_headers=placeholder_headers(contract),
            )
        ]
    assert space is not None
    names = list(targets) or verifiable_apis(space)
    if not names:
        raise ConfigError(
            "no API of the workspace has a vendor sandbox configured",
            where=str(space.config),
            hint="add [apis.NAME.vendor] sandbox_url (graphql_endpoint, wsdl_url), or run ctk verify CONTRACT "
            "--base-url URL",
        )
    unknown = [name for name in names if name not in space.apis]
    if unknown:
        raise ConfigError(
            f"no API named {', '.join(unknown)} in the workspace",
            where=str(space.config),
            hint=f"the APIs are: {', '.join(space.apis) or 'none'}; a contract needs --base-url",
        )
    if len(names) > 1 and evidence is not None:
        raise CtkError("--evidence names one file: verify one API with it", hint="or leave it out for the defaults")
    return [api_target(space, space.apis[name], base_url, evidence) for name in names]


def _name_of(path: Path) -> str:
    """The name a contract's report goes by: its folder's (contracts/payments/v1 → payments) or file's."""
    folder = path.resolve() if path.is_dir() else path.resolve().parent
    if path.is_file() and path.stem not in ("openapi", "schema", "service"):
        return path.stem
    return folder.parent.name if re.fullmatch(r"v\d+", folder.name) else folder.name


def _is_contract(target: str) -> bool:
    return Path(target).exists()


def _workspace(root: Path | None, *, required: bool) -> Workspace | None:
    try:
        return load_workspace(root.resolve() if root is not None else find_root())
    except ConfigError:
        if required:
            raise
        return None


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, "***")
    return text


def _progress(secrets: list[str]) -> Progress:
    def show(result: ApiResult, operation: str) -> None:
        line = (
            f"[{result.api}] {result.done}/{len(result.operations)} operations, {len(result.failures)} failures, "
            f"budget left {result.budget_left}/{result.budget} — {operation}"
        )
        click.echo(_scrub(line, secrets), err=True)

    return show


def _write(report: VerifyReport, output_format: str, output: Path | None, secrets: list[str]) -> None:
    from toolkit.verify.render_verify import render

    text = _scrub(render(report, output_format), secrets)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        click.echo(error_line(CtkError(f"cannot write the report: {exc.strerror}", where=str(output))), err=True)
        sys.exit(EXIT_ERROR)
    if output_format != "text":
        click.echo(_scrub(render(report, "text"), secrets), nl=False)
