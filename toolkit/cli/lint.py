"""``ctk lint``: load a contract and list every problem in it."""

from __future__ import annotations

import json
import sys

import click

from toolkit.cli.errors import EXIT_CLEAN, EXIT_FINDINGS, debug_option, reported_errors
from toolkit.cli.options import mirror_option, mirrors_from
from toolkit.load import load_contract
from toolkit.model import Contract, Problem, Severity


@click.command()
@click.argument("contract", nargs=-1, required=True)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too, not only on errors.")
@mirror_option
@debug_option
def lint(contract: tuple[str, ...], output_format: str, strict: bool, mirror: tuple[str, ...]) -> None:
    """Check CONTRACT (a file, a folder, a URL, or several GraphQL SDL files) and report every problem.

    Exit 0 when there is no error, 1 when problems were found, 2 when the contract cannot be loaded.
    """
    from toolkit.lint import lint_contract

    with reported_errors():
        loaded = load_contract(contract[0] if len(contract) == 1 else contract, mirrors=mirrors_from(mirror))
        problems = lint_contract(loaded)
    if output_format == "json":
        click.echo(json.dumps(_as_json(loaded, problems), indent=2))
    else:
        _print_text(loaded, problems)
    failing = [p for p in problems if strict or p.severity is Severity.ERROR]
    sys.exit(EXIT_FINDINGS if failing else EXIT_CLEAN)


def _as_json(contract: Contract, problems: list[Problem]) -> dict[str, object]:
    return {
        "protocol": str(contract.protocol),
        "title": contract.title,
        "version": contract.version,
        "operations": [{"id": op.id, "deprecated": op.deprecated} for op in contract.operations],
        "problems": [
            {"severity": str(p.severity), "location": str(p.location), "message": p.message} for p in problems
        ],
    }


def _print_text(contract: Contract, problems: list[Problem]) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False, soft_wrap=True)
    deprecated = sum(op.deprecated for op in contract.operations)
    version = f" {contract.version}" if contract.version else ""
    summary = f"{contract.title}{version} — {contract.protocol}, {len(contract.operations)} operations"
    if deprecated:
        summary += f" ({deprecated} deprecated)"
    console.print(Text(summary, style="bold"))
    for problem in problems:
        style = "red" if problem.severity is Severity.ERROR else "yellow"
        line = Text(f"{problem.location}: ")
        line.append(str(problem.severity), style=style)
        line.append(f": {problem.message}")
        console.print(line)
    errors = sum(p.severity is Severity.ERROR for p in problems)
    warnings = len(problems) - errors
    if not problems:
        console.print(Text("✓ no problems", style="green"))
    else:
        console.print(Text(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"))
