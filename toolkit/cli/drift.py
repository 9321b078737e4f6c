"""``ctk drift``: what changed between two versions of a contract, graded for the client, as a report.

Three forms: ``ctk drift OLD NEW`` (two contracts: paths, URLs or ``REF:PATH``), ``ctk drift API``
(a workspace API against what its vendor publishes now) and ``ctk drift`` (every API of the workspace).

Exit codes mean one thing each: 0 nothing reaches ``--fail-on``, 1 something does, 2 something the user
asked for could not be compared (an API skipped for want of a source in a whole-workspace run, or under
``--live``, is a note, not an error). An error that stops the run is still a report in the chosen format
(``DriftReport.failed_run``), written wherever the report goes, besides its line on stderr.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from toolkit.cli.errors import (
    EXIT_CLEAN,
    EXIT_ERROR,
    EXIT_FINDINGS,
    debug_option,
    debugging,
    error_line,
    reported_errors,
)
from toolkit.cli.options import mirror_option, mirrors_from
from toolkit.drift.errors import DriftError
from toolkit.drift.filters import SEVERITY_CHOICES, ChangeFilter
from toolkit.drift.ignore import DEFAULT_NAME, IgnoreList, load_ignore_file
from toolkit.drift.renderers import FORMATS
from toolkit.drift.report import DriftReport, FailOn
from toolkit.drift.settings import POLICIES, STABILITY_LEVELS, RunSettings, run_settings
from toolkit.errors import ConfigError, CtkError
from toolkit.workspace import DriftConfig, Workspace, find_root, load_drift_config, load_workspace

if TYPE_CHECKING:
    from toolkit.drift.sources import DriftOptions


@click.command()
@click.argument("targets", nargs=-1, metavar="[OLD NEW | API]")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here (default: stdout)."
)
@click.option(
    "--fail-on",
    type=click.Choice([level.value for level in FailOn]),
    default=None,
    help="Exit 1 when a change at this level is present: breaking (the default, or [drift] fail_on); dangerous "
    "(and breaking); deprecation (breaking, dangerous, or any deprecation or sunset change); never.",
)
@click.option("--summary", is_flag=True, help="Counts per API and severity and the top causes only.")
@click.option("--explode", is_flag=True, help="One row per change and operation (oasdiff's granularity).")
@click.option(
    "--sunset-horizon",
    metavar="DAYS",
    help="Also report every pinned operation whose sunset is within DAYS (90d, 12w) or past, from the pinned "
    "contract alone (default: [drift] sunset_horizon).",
)
@click.option("--path", "paths", multiple=True, metavar="GLOB", help="Only changes at an operation path or place.")
@click.option(
    "--operation", "operations", multiple=True, metavar="ID", help="Only changes reaching this operation (a glob)."
)
@click.option(
    "--severity", "severities", multiple=True, type=click.Choice(SEVERITY_CHOICES), help="Only changes at this level."
)
@click.option(
    "--policy",
    "policies",
    multiple=True,
    metavar="NAME",
    help=f"An opt-in relaxation ({', '.join(POLICIES)}); default: [drift] policies.",
)
@click.option(
    "--deprecation-days-beta", type=click.IntRange(min=0), help="Days of notice a beta operation's sunset must give."
)
@click.option(
    "--deprecation-days-stable",
    type=click.IntRange(min=0),
    help="Days of notice a stable operation's sunset must give.",
)
@click.option(
    "--stability-level",
    metavar="LEVEL",
    help=f"Track changes from this x-stability-level up ({', '.join(STABILITY_LEVELS)}).",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The date to judge sunsets and ignore expiries by (default: today), to rehearse a date ahead.",
)
@click.option(
    "--ignore",
    "ignore_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Accepted changes, each with a reason and an expiry date (default: {DEFAULT_NAME} in the workspace).",
)
@click.option(
    "--workspace",
    "workspace_root",
    type=click.Path(file_okay=False, path_type=Path),
    help="Workspace root (the folder holding sandbox/). Default: found from the current folder upwards.",
)
@click.option(
    "--live", is_flag=True, help="Ask the vendor (GraphQL introspection, ?wsdl) even when a published contract is set."
)
@click.option(
    "--evidence",
    "evidence_path",
    type=click.Path(path_type=Path),
    help="Merge what ctk verify observed (this evidence file) as observed changes: for one API or two contracts "
    "(default: each API's .ctk/evidence/<api>.json in the workspace, when present).",
)
@mirror_option
@debug_option
def drift(
    targets: tuple[str, ...],
    output_format: str,
    output: Path | None,
    fail_on: str | None,
    summary: bool,
    explode: bool,
    sunset_horizon: str | None,
    paths: tuple[str, ...],
    operations: tuple[str, ...],
    severities: tuple[str, ...],
    policies: tuple[str, ...],
    deprecation_days_beta: int | None,
    deprecation_days_stable: int | None,
    stability_level: str | None,
    today: dt.datetime | None,
    ignore_path: Path | None,
    workspace_root: Path | None,
    live: bool,
    evidence_path: Path | None,
    mirror: tuple[str, ...],
) -> None:
    """Report breaking changes and deprecations between two versions of a contract.

    OLD NEW: two contracts (files, folders, URLs, or REF:PATH at a git revision, e.g.
    origin/main:contracts/payments/v1) of the same protocol. API: a workspace API's pinned contract
    against its `published` contract, else its vendor's live GraphQL endpoint or `wsdl_url`. No
    argument: every API of the workspace (an API with nothing to compare with is skipped with a note).
    What `ctk verify` saw the vendor do (Deprecation and Sunset headers, undocumented answers) is merged
    in as observed changes.

    Exit 0 when nothing reaches --fail-on, 1 when something does, 2 when something asked for could not
    be compared (a contract or vendor that cannot be read, a bad setting). Every --format says so in its
    own output.
    """
    if len(targets) > 2:
        raise click.UsageError("give two contracts (OLD NEW), one workspace API, or nothing for every API")
    if live and len(targets) == 2:
        raise click.UsageError("--live applies to workspace APIs, not to two contracts named on the command line")
    if evidence_path is not None and not targets:
        raise click.UsageError("--evidence applies to one API (ctk drift API --evidence FILE) or two contracts")
    day = today.date() if today is not None else dt.date.today()
    command_line = DriftConfig(
        fail_on=fail_on,
        sunset_horizon=sunset_horizon,
        policies=policies or None,
        deprecation_days_beta=deprecation_days_beta,
        deprecation_days_stable=deprecation_days_stable,
        stability_level=stability_level,
    )
    level = FailOn(fail_on) if fail_on is not None else FailOn.BREAKING
    view = {"summary": summary, "explode": explode}
    with reported_errors():  # a report that cannot be written, or a bug
        try:
            report, level = _report(
                targets, command_line, day, ChangeFilter(paths, operations, severities), ignore_path,
                workspace_root, live, mirror, evidence_path,
            )  # fmt: skip
        except (click.ClickException, click.exceptions.Exit):
            raise
        except Exception as exc:
            if debugging():
                raise
            error = exc if isinstance(exc, CtkError) else _bug(exc)
            # the run stopped before any API: every format still says so, in its own well-formed output
            if output is not None or output_format != "text":
                _write(DriftReport.failed_run(error, today=day), output_format, level, output, view)
            click.echo(error_line(error), err=True)
            if error.hint:
                click.echo(f"  hint: {error.hint}", err=True)
            sys.exit(EXIT_ERROR)
        _write(report, output_format, level, output, view)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for skipped in report.skipped:
        click.echo(f"note: {skipped.name}: skipped: {skipped.skipped}", err=True)
    for failed in report.errors:
        assert failed.error is not None
        click.echo(f"error: {failed.name}: {failed.error}", err=True)
        if failed.error.hint:
            click.echo(f"  hint: {failed.error.hint}", err=True)
    if report.has_errors:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if report.failing(level) else EXIT_CLEAN)


def _report(
    targets: tuple[str, ...],
    command_line: DriftConfig,
    day: dt.date,
    change_filter: ChangeFilter,
    ignore_path: Path | None,
    workspace_root: Path | None,
    live: bool,
    mirror: tuple[str, ...],
    evidence: Path | None = None,
) -> tuple[DriftReport, FailOn]:
    """The run's report and its --fail-on level; a ``CtkError`` when the run cannot start or two contracts
    named on the command line cannot be compared."""
    mirrors = mirrors_from(mirror)
    if len(targets) == 2:
        from toolkit.drift.sources import compare_files

        root = _optional_root(workspace_root)
        settings = run_settings(command_line, load_drift_config(root) if root is not None else None)
        ignores = _ignores(ignore_path, root)
        options = _options(settings, day, change_filter, evidence)
        pair = compare_files(targets[0], targets[1], mirrors=mirrors, options=options)
        return DriftReport(apis=(pair,), ignores=ignores, today=day), settings.fail_on
    from toolkit.drift.sources import workspace_report

    space = _with_mirrors(load_workspace(workspace_root), mirrors)
    settings = run_settings(command_line, space.drift)
    ignores = _ignores(ignore_path, space.root)
    options = _options(settings, day, change_filter, evidence)
    report = workspace_report(space, targets, live=live, ignores=ignores, options=options, debug=debugging())
    return report, settings.fail_on


def _options(
    settings: RunSettings, day: dt.date, change_filter: ChangeFilter, evidence: Path | None = None
) -> DriftOptions:
    from toolkit.drift.sources import DriftOptions

    return DriftOptions(
        today=day,
        policies=settings.policies,
        horizon_days=settings.horizon_days,
        filter=change_filter,
        evidence=evidence,
    )


def _bug(exc: Exception) -> CtkError:
    """An unexpected exception as the error a report can carry, said to be a bug (as ``reported_errors`` does)."""
    return CtkError(
        f"internal error: {exc.__class__.__name__}: {exc}",
        hint="this is a bug in ctk; run again with --debug and report the traceback",
    )


def _optional_root(workspace_root: Path | None) -> Path | None:
    """The workspace around the current folder, if any: two contracts can be compared anywhere."""
    if workspace_root is not None:
        return workspace_root.resolve()
    try:
        return find_root()
    except ConfigError:
        return None


def _ignores(path: Path | None, root: Path | None) -> IgnoreList:
    if path is not None:
        return load_ignore_file(path)
    default = root / DEFAULT_NAME if root is not None else None
    return load_ignore_file(default) if default is not None and default.is_file() else IgnoreList()


def _with_mirrors(space: Workspace, mirrors: dict[str, str]) -> Workspace:
    if not mirrors:
        return space
    apis = {name: replace(api, mirrors={**api.mirrors, **mirrors}) for name, api in space.apis.items()}
    return replace(space, apis=apis)


def _write(report: DriftReport, output_format: str, level: FailOn, output: Path | None, view: dict[str, bool]) -> None:
    from toolkit.drift.renderers import render

    color = output is None and sys.stdout.isatty()
    width = shutil.get_terminal_size().columns if color else 120
    text = render(report, output_format, level, color=color, width=width, **view)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise DriftError(f"cannot write the report: {exc.strerror}", where=str(output)) from None
