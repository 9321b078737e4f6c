"""``ctk lint``: load each contract named and list every problem in it, for a person or for CI.

Each argument is one contract (a file, a folder, a URL), except GraphQL SDL files of one folder, which are
one schema as the folder itself would be. A contract that cannot be read is reported (its error line on
stderr, as for every command) and the others are still linted. With one contract the output is what it
always was; with several, one section (text) or one entry (JSON) per contract, in the order given.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
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
from toolkit.errors import CtkError, LoadError
from toolkit.load import load_contract, sniff
from toolkit.model import Contract, Problem, Severity
from toolkit.sources import SourceReader, is_url

if TYPE_CHECKING:
    from rich.console import Console

_INTERNAL_HINT = "this is a bug in ctk; run again with --debug and report the traceback"


@dataclass
class _Linted:
    """One contract's outcome: its problems, or the error that kept it from being read."""

    name: str
    contract: Contract | None = None
    problems: list[Problem] = field(default_factory=list)
    error: CtkError | None = None

    def fails(self, strict: bool) -> bool:
        return any(strict or problem.severity is Severity.ERROR for problem in self.problems)


@click.command()
@click.argument("contract", nargs=-1, required=True)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="github: one workflow annotation (::error file=…,line=…::…) per problem, for GitHub Actions.",
)
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too, not only on errors.")
@mirror_option
@debug_option
def lint(contract: tuple[str, ...], output_format: str, strict: bool, mirror: tuple[str, ...]) -> None:
    """Check each CONTRACT (a file, a folder, a URL; GraphQL SDL files of one folder are one schema) and report
    every problem, each with its file and line (or pointer).

    Exit 0 when no contract has an error, 1 when problems were found in any, 2 when one cannot be loaded
    (the others are still linted and reported).
    """
    mirrors = mirrors_from(mirror)
    with reported_errors():  # each contract's own errors are its result; this is for ^C (exit 130) and bugs
        results = [_lint(target, mirrors) for target in _contracts(contract)]
    for result in results:
        if result.error is not None:  # every command's error form, on stderr, whatever the format
            click.echo(error_line(result.error), err=True)
            if result.error.hint:
                click.echo(f"  hint: {result.error.hint}", err=True)
    if output_format == "json":
        _print_json(results)
    elif output_format == "github":
        _print_github(results)
    else:
        _print_text(results)
    if any(result.error is not None for result in results):
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if any(result.fails(strict) for result in results) else EXIT_CLEAN)


def _contracts(arguments: Sequence[str]) -> list[str | tuple[str, ...]]:
    """The contracts the arguments name, in order: each argument alone, except GraphQL SDL files, which are
    grouped by folder (one schema, as ``ctk lint FOLDER`` reads it) at the place of the first of them."""
    if len(arguments) == 1:
        return [arguments[0]]
    reader = SourceReader(allow_network=False)
    targets: list[str | tuple[str, ...]] = []
    schema_at: dict[str, int] = {}  # folder -> index of its SDL group in targets
    for argument in arguments:
        folder = _sdl_folder(argument, reader)
        if folder is None:
            targets.append(argument)
        elif folder in schema_at:
            group = targets[schema_at[folder]]
            targets[schema_at[folder]] = (*group, argument) if isinstance(group, tuple) else (group, argument)
        else:
            schema_at[folder] = len(targets)
            targets.append(argument)
    return targets


def _sdl_folder(argument: str, reader: SourceReader) -> str | None:
    """The folder of ``argument`` when it is a local GraphQL SDL file (by its content), else None."""
    if is_url(argument) or not os.path.isfile(argument):
        return None
    try:
        return os.path.dirname(os.path.abspath(argument)) if sniff(reader.read(argument)) == "sdl" else None
    except LoadError:
        return None  # its own load will say what is wrong with it


def _lint(target: str | tuple[str, ...], mirrors: dict[str, str]) -> _Linted:
    from toolkit.lint import lint_contract

    name = target if isinstance(target, str) else " ".join(target)
    try:
        contract = load_contract(target, mirrors=mirrors, for_lint=True)
        return _Linted(name, contract, lint_contract(contract))
    except CtkError as exc:
        if debugging():
            raise
        return _Linted(name, error=exc)
    except Exception as exc:
        if debugging():
            raise
        return _Linted(name, error=CtkError(f"internal error: {exc.__class__.__name__}: {exc}", hint=_INTERNAL_HINT))


# -- json -------------------------------------------------------------------------------------------------


def _print_json(results: list[_Linted]) -> None:
    if len(results) == 1:  # one contract: the object ctk lint always printed, nothing on stdout when unread
        if results[0].contract is not None:
            click.echo(json.dumps(_contract_json(results[0].contract, results[0].problems), indent=2))
        return
    entries = []
    for result in results:
        entry: dict[str, object] = {"contract": result.name}
        if result.contract is not None:
            entry |= _contract_json(result.contract, result.problems)
            entry["error"] = None
        else:
            entry |= {"protocol": None, "title": None, "version": None, "operations": [], "problems": []}
            entry["error"] = _error_json(result.error)
        entries.append(entry)
    click.echo(json.dumps({"contracts": entries}, indent=2))


def _contract_json(contract: Contract, problems: list[Problem]) -> dict[str, object]:
    return {
        "protocol": str(contract.protocol),
        "title": contract.title,
        "version": contract.version,
        "operations": [{"id": op.id, "deprecated": op.deprecated} for op in contract.operations],
        "problems": [
            {"severity": str(p.severity), "location": str(p.location), "message": p.message} for p in problems
        ],
    }


def _error_json(error: CtkError | None) -> dict[str, str | None]:
    assert error is not None
    return {"where": error.where, "message": error.message, "hint": error.hint}


# -- github -----------------------------------------------------------------------------------------------


def _print_github(results: list[_Linted]) -> None:
    """GitHub Actions workflow commands: ``::error file=F,line=L,col=C,title=T::message``, one per problem."""
    errors = warnings = 0
    for result in results:
        if result.error is not None:
            where = _WHERE.match(result.error.where or result.name)
            assert where is not None  # the pattern matches any text
            line, col = (int(where[group]) if where[group] else None for group in ("line", "col"))
            message = f"{result.error.message}" + (f"; {result.error.hint}" if result.error.hint else "")
            click.echo(_annotation("error", message, file=where["file"], line=line, col=col))
            errors += 1
            continue
        for problem in result.problems:
            place = problem.location
            message = f"{problem.message} (at {place.path})" if place.path else problem.message
            click.echo(_annotation(str(problem.severity), message, file=place.file, line=place.line, col=place.column))
            errors += problem.severity is Severity.ERROR
            warnings += problem.severity is Severity.WARNING
    contracts = f"{len(results)} contract{'s' * (len(results) != 1)}"
    click.echo(f"ctk lint: {_count(errors, 'error')}, {_count(warnings, 'warning')} in {contracts}")


# An error's ``where``: ``file``, ``file:line``, ``file:line:col``, each maybe followed by `` (#/pointer)`` or
# ``#/pointer`` (a URL's own colons are passed over: the file ends where a line number or the pointer begins).
_WHERE = re.compile(r"^(?P<file>.+?)(?::(?P<line>\d+)(?::(?P<col>\d+))?)?(?: \(|#|$)")


def _annotation(level: str, message: str, *, file: str, line: int | None = None, col: int | None = None) -> str:
    properties = [f"file={_property(file)}", "title=ctk lint"]
    if line is not None:
        properties.insert(1, f"line={line}")
        if col is not None:
            properties.insert(2, f"col={col}")
    return f"::{level} {','.join(properties)}::{_data(message)}"


def _data(text: str) -> str:
    """A workflow command's message, escaped as the runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


# -- text -------------------------------------------------------------------------------------------------


def _print_text(results: list[_Linted]) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False, soft_wrap=True)
    several = len(results) > 1
    for result in results:
        if several:
            console.print(Text(f"── {result.name}", style="bold"))
        if result.contract is not None:
            _print_contract(console, result.contract, result.problems)
        elif several:
            error = result.error or CtkError("")
            reason = f"{error.where}: {error.message}" if error.where else error.message
            console.print(Text("✗ could not be read: ", style="red") + Text(reason))
    if several:
        errors = sum(p.severity is Severity.ERROR for result in results for p in result.problems)
        warnings = sum(len(result.problems) for result in results) - errors
        unread = sum(result.error is not None for result in results)
        total = f"{len(results)} contracts: {_count(errors, 'error')}, {_count(warnings, 'warning')}"
        console.print(Text(total + (f", {unread} could not be read" if unread else ""), style="bold"))


def _print_contract(console: Console, contract: Contract, problems: list[Problem]) -> None:
    from rich.text import Text

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
        console.print(Text(f"{_count(errors, 'error')}, {_count(warnings, 'warning')}"))


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' * (number != 1)}"
