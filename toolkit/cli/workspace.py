"""``ctk workspace``: validate sandbox/sandbox.toml and load every API's pinned contract."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from toolkit.cli.errors import EXIT_CLEAN, EXIT_ERROR, debug_option, error_line, reported_errors
from toolkit.errors import CtkError
from toolkit.load import load_contract
from toolkit.model import Contract
from toolkit.workspace import Api, load_workspace


@click.command()
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    help="Workspace root (the folder holding sandbox/). Default: found from the current folder upwards.",
)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@debug_option
def workspace(root: Path | None, output_format: str) -> None:
    """Check the workspace and list its APIs with their pinned contracts.

    Exit 0 when every contract loads, 2 when the configuration or a contract cannot be loaded.
    """
    with reported_errors():
        space = load_workspace(root)
    loaded: dict[str, Contract] = {}
    failed: dict[str, CtkError] = {}
    for name, api in space.apis.items():
        try:
            loaded[name] = load_contract(api.contract, mirrors=api.mirrors)
        except CtkError as exc:
            failed[name] = exc
    if output_format == "json":
        click.echo(json.dumps(_as_json(space.apis, loaded, failed, space.root), indent=2))
    else:
        _print_text(space.apis, loaded, space.root)
        for failure in failed.values():
            click.echo(error_line(failure), err=True)
    sys.exit(EXIT_ERROR if failed else EXIT_CLEAN)


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _as_json(
    apis: dict[str, Api], loaded: dict[str, Contract], failed: dict[str, CtkError], root: Path
) -> dict[str, object]:
    rows = []
    for name, api in apis.items():
        contract = loaded.get(name)
        row: dict[str, object] = {"name": name, "contract": _relative(api.contract, root), "mount": api.mount}
        if contract is not None:
            row.update(
                protocol=str(contract.protocol),
                title=contract.title,
                version=contract.version,
                operations=len(contract.operations),
                deprecated=sum(op.deprecated for op in contract.operations),
            )
        else:
            row["error"] = str(failed[name])
        rows.append(row)
    return {"root": str(root), "apis": rows}


def _print_text(apis: dict[str, Api], loaded: dict[str, Contract], root: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Workspace {root}", title_justify="left")
    for column in ("API", "protocol", "title", "version", "ops", "deprecated", "contract"):
        table.add_column(column, justify="right" if column in ("ops", "deprecated") else "left", no_wrap=True)
    for name, api in apis.items():
        contract = loaded.get(name)
        if contract is None:
            table.add_row(name, "-", "[red]could not load[/red]", "", "", "", _relative(api.contract, root))
            continue
        table.add_row(
            name,
            str(contract.protocol),
            contract.title,
            contract.version,
            str(len(contract.operations)),
            str(sum(op.deprecated for op in contract.operations)),
            _relative(api.contract, root),
        )
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = 120  # logs and pipes have no width; rich's default of 80 would truncate paths
    console.print(table)
