"""The plugin's few settings: ini options, two command-line flags, the ``ctk`` marker, and what they add up to
for one test (``Settings``); and ``--ctk-verify``'s flags (``verify_items.py``).

Precedence: the marker's keywords > the command line (``--ctk-no-strict``) > ini options (``ctk_root``,
``ctk_strict``, ``ctk_strict_stubs``, ``ctk_seed``) > the workspace (its ``[sandbox] seed``) > defaults
(strict, seed 0).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from toolkit.verify.core import DEFAULT_EXAMPLES, DEFAULT_SEED

__all__ = ["MARKER", "Settings", "add_options", "settings_for", "workspace_root"]

MARKER = (
    "ctk(api=None, scenario=None, faults=None, seed=None, strict=None, strict_stubs=None): "
    "ctk's contract-backed mocks for this test: the API ctk_mock and ctk_sandbox set up, the scenario it plays, "
    "a faults table, the data seed, and whether contract problems fail the test (strict) or warn"
)
_MARKER_KEYS = ("api", "scenario", "faults", "seed", "strict", "strict_stubs")


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("ctk", "ctk contract mocks")
    group.addoption("--ctk-usage", metavar="PATH", default=None,
                    help="write which operations of each API the tests exercised to PATH (JSON)")  # fmt: skip
    group.addoption("--ctk-no-strict", action="store_true", default=False,
                    help="report contract problems as warnings instead of failing the tests")  # fmt: skip
    group.addoption("--ctk-verify", action="store_true", default=False,
                    help="test each workspace API's vendor sandbox against its contract: one item per operation "
                    "(ctk verify), read-only and within a request budget")  # fmt: skip
    group.addoption("--ctk-verify-api", metavar="NAME", action="append", default=[],
                    help="with --ctk-verify: only this API (repeatable; default: every API with a vendor "
                    "sandbox)")  # fmt: skip
    group.addoption("--ctk-verify-budget", metavar="N", type=_positive, default=None,
                    help="with --ctk-verify: at most N requests per API for the whole run (default: the API's "
                    "[apis.NAME.verify] budget, else 500)")  # fmt: skip
    group.addoption("--ctk-verify-examples", metavar="N", type=_positive, default=DEFAULT_EXAMPLES,
                    help=f"with --ctk-verify: requests per operation (default {DEFAULT_EXAMPLES})")  # fmt: skip
    group.addoption("--ctk-verify-seed", metavar="N", type=int, default=DEFAULT_SEED,
                    help="with --ctk-verify: the same seed sends the same requests (default 0)")  # fmt: skip
    group.addoption("--ctk-verify-unsafe", action="store_true", default=False,
                    help="with --ctk-verify: also send mutations, only in create → read → delete chains that clean "
                    "up after themselves")  # fmt: skip
    parser.addini("ctk_root", "the ctk workspace (the folder holding sandbox/sandbox.toml); default: found from "
                  "the rootdir, then the current folder, upwards")  # fmt: skip
    parser.addini("ctk_strict", "fail a test on contract problems (default true)", type="bool", default=True)
    parser.addini("ctk_strict_stubs", "fail a test whose ctk_mock.respond stubs were never called", type="bool",
                  default=False)  # fmt: skip
    parser.addini("ctk_seed", "seed of the mocks' generated data (default: the workspace's, else 0)", default="")


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a whole number of at least 1, not {text!r}")
    return int(text)


@dataclass(frozen=True)
class Settings:
    """What the ctk fixtures do in one test."""

    root: Path | None
    strict: bool = True
    strict_stubs: bool = False
    seed: int | None = None
    api: str | None = None
    scenario: str | None = None
    faults: dict[str, Any] = field(default_factory=dict)


def workspace_root(config: pytest.Config) -> Path | None:
    """``ctk_root`` (relative to the ini file), else the nearest folder holding sandbox/sandbox.toml at or above
    the rootdir, then the current folder; None when there is none (contracts are then named by path)."""
    from toolkit.workspace import CONFIG_PATH

    given = str(config.getini("ctk_root") or "")
    if given:
        base = config.inipath.parent if config.inipath is not None else config.rootpath
        return (base / given).resolve()
    for start in (config.rootpath, Path.cwd()):
        here = start.resolve()
        for folder in (here, *here.parents):
            if (folder / CONFIG_PATH).is_file():
                return folder
    return None


def settings_for(item: pytest.Item) -> Settings:
    """The settings of ``item``: its ``ctk`` marker over the session's options."""
    config = item.config
    seed_text = str(config.getini("ctk_seed") or "").strip()
    if seed_text and not seed_text.lstrip("-").isdigit():
        raise pytest.UsageError(f"ctk_seed must be a whole number, not {seed_text!r}")
    values: dict[str, Any] = {
        "root": workspace_root(config),
        "strict": bool(config.getini("ctk_strict")) and not config.getoption("ctk_no_strict"),
        "strict_stubs": bool(config.getini("ctk_strict_stubs")),
        "seed": int(seed_text) if seed_text else None,
    }
    marker = item.get_closest_marker("ctk")
    if marker is not None:
        if marker.args:
            raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.ctk takes keywords only ({', '.join(_MARKER_KEYS)})")
        for key, value in marker.kwargs.items():
            if key not in _MARKER_KEYS:
                raise pytest.UsageError(
                    f"{item.nodeid}: @pytest.mark.ctk has no keyword {key!r}; its keywords: {', '.join(_MARKER_KEYS)}"
                )
            if value is not None:
                values[key] = dict(value) if key == "faults" else value
    return Settings(**values)
