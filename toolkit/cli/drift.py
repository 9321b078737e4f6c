"""``ctk drift``: what changed between two versions of a contract, graded for the client, as a report.

Three forms: ``ctk drift OLD NEW`` (two contracts), ``ctk drift API...`` (workspace APIs against
what their vendors publish now) and ``ctk drift`` (every API of the workspace).
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import click

from toolkit.cli.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, debug_option, debugging, reported_errors
from toolkit.cli.options import mirror_option, mirrors_from
from toolkit.drift.errors import DriftError
from toolkit.drift.ignore import DEFAULT_NAME, IgnoreList, load_ignore_file
from toolkit.drift.renderers import FORMATS
from toolkit.drift.report import DriftReport, FailOn
from toolkit.errors import ConfigError
from toolkit.workspace import Workspace, find_root, load_workspace


@click.command()
@click.argument("targets", nargs=-1, metavar="[OLD NEW | API]")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here (default: stdout)."
)
@click.option(
    "--fail-on",
    type=click.Choice([level.value for level in FailOn]),
    default=FailOn.BREAKING.value,
    show_default=True,
    help="Exit 1 when a change at this level is present: breaking; dangerous (and breaking); deprecation "
    "(breaking, dangerous, or any deprecation or sunset change); never.",
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
@mirror_option
@debug_option
def drift(
    targets: tuple[str, ...],
    output_format: str,
    output: Path | None,
    fail_on: str,
    ignore_path: Path | None,
    workspace_root: Path | None,
    live: bool,
    mirror: tuple[str, ...],
) -> None:
    """Report breaking changes and deprecations between two versions of a contract.

    OLD NEW: two contracts (files, folders or URLs) of the same protocol. API: a workspace API's pinned
    contract against its `published` contract, else its vendor's live GraphQL endpoint or `wsdl_url`.
    No argument: every API of the workspace.

    Exit 0 when nothing reaches --fail-on, 1 when something does, 2 when a contract or vendor cannot be read.
    """
    if len(targets) > 2:
        raise click.UsageError("give two contracts (OLD NEW), one workspace API, or nothing for every API")
    if live and len(targets) == 2:
        raise click.UsageError("--live applies to workspace APIs, not to two contracts named on the command line")
    level = FailOn(fail_on)
    today = dt.date.today()
    with reported_errors():
        mirrors = mirrors_from(mirror)
        if len(targets) == 2:
            from toolkit.drift.sources import compare_files

            ignores = _ignores(ignore_path, _optional_root(workspace_root))
            pair = compare_files(targets[0], targets[1], mirrors=mirrors, today=today)
            report = DriftReport(apis=(pair,), ignores=ignores, today=today)
        else:
            from toolkit.drift.sources import workspace_report

            space = _with_mirrors(load_workspace(workspace_root), mirrors)
            ignores = _ignores(ignore_path, space.root)
            report = workspace_report(space, targets, live=live, ignores=ignores, today=today, debug=debugging())
        _write(report, output_format, level, output)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for failed in report.errors:
        assert failed.error is not None
        click.echo(f"error: {failed.name}: {failed.error}", err=True)
        if failed.error.hint:
            click.echo(f"  hint: {failed.error.hint}", err=True)
    if report.errors:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if report.failing(level) else EXIT_CLEAN)


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


def _write(report: DriftReport, output_format: str, level: FailOn, output: Path | None) -> None:
    from toolkit.drift.renderers import render

    color = output is None and sys.stdout.isatty()
    width = shutil.get_terminal_size().columns if color else 120
    text = render(report, output_format, level, color=color, width=width)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise DriftError(f"cannot write the report: {exc.strerror}", where=str(output)) from None
