"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from toolkit.limits import LIMIT_DOCS, Limits, limits_from, parse_limit_option

F = TypeVar("F", bound=Callable[..., Any])


def mirror_option(function: F) -> F:
    return click.option(
        "--mirror",
        multiple=True,
        metavar="URL=PATH",
        help="Read URL (or every URL under a prefix ending in '/') from a local file or folder instead of "
        "the network. Repeatable.",
    )(function)


def mirrors_from(values: tuple[str, ...]) -> dict[str, str]:
    mirrors: dict[str, str] = {}
    for value in values:
        url, sep, path = _split_mirror(value)
        if not sep or not url or not path:
            raise click.BadParameter(f"{value!r} is not URL=PATH", param_hint="--mirror")
        mirrors[url] = path
    return mirrors


def _split_mirror(value: str) -> tuple[str, str, str]:
    """``URL=PATH`` split where the path begins. A URL may hold ``=`` itself (``svc.asmx?wsdl=wsdl0``, what
    the error for a missing import tells users to mirror), a path rarely does: the last ``=`` whose right side
    exists, else the last ``=``."""
    for at in (i for i in range(len(value) - 1, 0, -1) if value[i] == "="):
        if Path(value[at + 1 :]).exists():
            return value[:at], "=", value[at + 1 :]
    return value.rpartition("=")


def limit_option(function: F) -> F:
    return click.option(
        "--limit",
        multiple=True,
        metavar="NAME=VALUE",
        help="Change one bound on what a request or contract may cost, e.g. --limit max_body=1048576; overrides "
        "sandbox.toml [limits]. Repeatable. Names: " + ", ".join(LIMIT_DOCS) + ".",
    )(function)


def limits_from_options(values: tuple[str, ...], base: Limits) -> Limits:
    """``base`` with each ``--limit NAME=VALUE`` applied (the last one of a name wins); ConfigError when wrong."""
    return limits_from(dict(parse_limit_option(value) for value in values), "--limit", base)
