"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

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
        url, sep, path = value.partition("=")
        if not sep or not url or not path:
            raise click.BadParameter(f"{value!r} is not URL=PATH", param_hint="--mirror")
        mirrors[url] = path
    return mirrors
