"""How the CLI reports failures: one line for the error, one for the hint, no traceback.

``--debug`` (on ``ctk`` or any command) or ``CTK_DEBUG=1`` shows the traceback instead.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from toolkit.errors import CtkError

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

F = TypeVar("F", bound=Callable[..., Any])


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.ensure_object(dict)["debug"] = True


def debug_option(function: F) -> F:
    return click.option(
        "--debug",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_set_debug,
        help="Show tracebacks for errors.",
    )(function)


def debugging() -> bool:
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        if isinstance(ctx.obj, dict) and ctx.obj.get("debug"):
            return True
        ctx = ctx.parent
    return os.environ.get("CTK_DEBUG", "") not in ("", "0")


def error_line(exc: CtkError) -> str:
    head = f"{exc.where}: {exc.message}" if exc.where else exc.message
    return " ".join(f"error: {head}".split("\n"))


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn ctk's errors into a short message and exit code 2; anything else is a bug, said so."""
    try:
        yield
    except CtkError as exc:
        if debugging():
            raise
        click.echo(error_line(exc), err=True)
        if exc.hint:
            click.echo(f"  hint: {exc.hint}", err=True)
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        sys.exit(130)
    except (click.exceptions.Exit, click.ClickException, SystemExit):
        raise
    except Exception as exc:
        if debugging():
            raise
        click.echo(f"error: internal error: {exc.__class__.__name__}: {exc}", err=True)
        click.echo("  hint: this is a bug in ctk; run again with --debug and report the traceback", err=True)
        sys.exit(EXIT_ERROR)
