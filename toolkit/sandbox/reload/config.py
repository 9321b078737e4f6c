"""The ``ServeConfig`` a reload builds: the workspace read again, with what ``ctk serve``'s command line said on top.

``ctk serve --root WS --seed 7 --limit max_body=1024`` must keep seed 7 and that limit after ``sandbox.toml``
is edited, so the command line's settings travel with the sandbox as ``ServeOverrides`` (plain JSON, for
``--workers`` processes too) and are applied the way ``ctk serve`` applies them: sandbox.toml, then the
command line. A contract served alone (``ctk serve CONTRACT``) has no workspace: its config never changes and
only the contract's files are watched.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from toolkit.errors import ConfigError
from toolkit.limits import limits_from, parse_limit_option
from toolkit.sandbox.server import ServeConfig, changed_limits, mounted_apis
from toolkit.workspace import SandboxSettings, load_workspace

__all__ = ["ServeOverrides", "workspace_config"]


@dataclass(frozen=True)
class ServeOverrides:
    """What ``ctk serve`` was told besides the workspace; None or empty: sandbox.toml decides."""

    root: str  # the workspace root, absolute
    seed: int | None = None
    validate: bool = True
    webhook_url: str | None = None
    webhook_after: dict[str, str] = field(default_factory=dict)
    webhook_hosts: tuple[str, ...] = ()  # --webhook-host: added to sandbox.toml's webhook_hosts
    limit_options: tuple[str, ...] = ()  # --limit NAME=VALUE, as typed: over sandbox.toml's [limits]
    log_level: str = "info"
    store: str | None = None  # --store, resolved
    state: bool | None = None  # --state / --no-state
    workers: int = 1

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ServeOverrides:
        tuples = {key: tuple(data.get(key, ())) for key in ("webhook_hosts", "limit_options")}
        return cls(**{**data, **tuples})


def workspace_config(overrides: ServeOverrides) -> tuple[ServeConfig, SandboxSettings]:
    """The workspace at ``overrides.root`` read again into the config ``ctk serve --root`` would build with the
    same command line, and its ``[sandbox]`` settings; a ``ConfigError`` naming the file and key when wrong."""
    space = load_workspace(Path(overrides.root))
    mounted = mounted_apis(space, _shown)
    if overrides.state is False:
        for item in mounted:
            item.state = False
    limits = limits_from(dict(parse_limit_option(text) for text in overrides.limit_options), "--limit", space.limits)
    config = ServeConfig(
        contracts=mounted,
        seed=overrides.seed if overrides.seed is not None else space.sandbox.seed,
        validate=overrides.validate,
        webhook_url=overrides.webhook_url,
        webhook_after=dict(overrides.webhook_after),
        limits=changed_limits(limits),
        webhook_hosts=[*space.sandbox.webhook_hosts, *overrides.webhook_hosts],
        log_level=overrides.log_level,
        store=overrides.store if overrides.store is not None else space.sandbox.store,
        state_everywhere=overrides.state is True,
    )
    if overrides.workers > 1 and config.store == "memory" and (overrides.state or any(i.state for i in mounted)):
        raise ConfigError(
            "state in memory belongs to one process; --workers would give each worker its own",
            where=str(space.config),
            hint="set [sandbox] store to sqlite:PATH or redis://HOST:PORT/DB, which the workers share",
        )
    config.policy  # noqa: B018 -- a malformed webhook host is refused here, with its place
    return config, space.sandbox


def _shown(path: Path) -> str:
    """A workspace path as ``ctk serve`` shows it: relative to the current folder when under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
