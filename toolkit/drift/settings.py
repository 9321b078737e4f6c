"""A drift run's settings: the command line over ``[drift]`` in sandbox.toml, each value checked once.

``[drift]`` holds a team's defaults (``toolkit.workspace.DriftConfig``, as written); a flag given on the
command line replaces the table's value (a list flag such as ``--policy`` replaces the whole list). What
a value means is checked here, for both, so a mistake names its place: the flag (``--policy``) or
``sandbox.toml [drift] policies``.

The policies are those every protocol's diff takes (``toolkit.model.DriftPolicies``): opt-in relaxations
by name (``POLICIES``), and oasdiff's deprecation options — days of notice a sunset must give per
stability level, and from which ``x-stability-level`` changes are tracked.
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.drift.horizon import parse_horizon
from toolkit.drift.report import FailOn
from toolkit.errors import ConfigError
from toolkit.model import DEFAULT_DRIFT_POLICIES, DriftPolicies
from toolkit.workspace import DriftConfig

__all__ = ["POLICIES", "STABILITY_LEVELS", "RunSettings", "run_settings"]

# The opt-in relaxations a protocol's diff honours where the concept exists (DriftPolicies.relaxed).
POLICIES = {
    "deprecated-removal-is-dangerous": "removing an element that was deprecated is dangerous rather than breaking",
    "unreachable-types-are-safe": "a change to a type no operation reaches is info",
}
# oasdiff's x-stability-level values, weakest promise first (toolkit/openapi/diff/policy.STABILITY; a test pins both)
STABILITY_LEVELS = ("draft", "alpha", "beta", "stable")
CONFIG_PLACE = "sandbox.toml [drift]"
_FLAGS = {"policies": "--policy"}  # the flag of a [drift] key, where it is not the key's own name


@dataclass(frozen=True)
class RunSettings:
    fail_on: FailOn = FailOn.BREAKING
    horizon_days: int | None = None  # None: no sunset horizon
    policies: DriftPolicies = DEFAULT_DRIFT_POLICIES


def run_settings(command_line: DriftConfig, config: DriftConfig | None = None) -> RunSettings:
    """The settings of a run: each of ``command_line``'s values where given, else ``config``'s, else the default."""

    def pick(key: str) -> tuple[object, str]:
        given = getattr(command_line, key)
        if given is not None:
            return given, _FLAGS.get(key, "--" + key.replace("_", "-"))
        return getattr(config or DriftConfig(), key), f"{CONFIG_PLACE} {key}"

    fail_on, where = pick("fail_on")
    level = FailOn.BREAKING
    if fail_on is not None:
        known = [each.value for each in FailOn]
        if fail_on not in known:
            raise ConfigError(f"fail_on {fail_on!r} is not a level", where=where, hint=f"use one of {', '.join(known)}")
        level = FailOn(fail_on)
    horizon, where = pick("sunset_horizon")
    days = parse_horizon(horizon, where) if isinstance(horizon, str) else None
    given, where = pick("policies")
    names = tuple(str(name) for name in given) if isinstance(given, tuple) else ()
    for name in names:
        if name not in POLICIES:
            raise ConfigError(
                f"unknown drift policy {name!r}", where=where, hint=f"known policies: {', '.join(POLICIES)}"
            )
    notice: list[tuple[str, int]] = []
    for level_name in ("beta", "stable"):
        value, where = pick(f"deprecation_days_{level_name}")
        if value is not None:
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"{value!r} is not a number of days", where=where, hint="use 0 or more; 0: no notice")
            notice.append((level_name, value))
    stability, where = pick("stability_level")
    if stability is not None and stability not in STABILITY_LEVELS:
        raise ConfigError(
            f"stability level {stability!r} is not one of {', '.join(STABILITY_LEVELS)}",
            where=where,
            hint="changes are tracked from this x-stability-level up (oasdiff's --stability-level)",
        )
    policies = DriftPolicies(
        relaxed=frozenset(names),
        min_sunset_days=tuple(notice),
        stability_level=str(stability) if stability is not None else DEFAULT_DRIFT_POLICIES.stability_level,
    )
    return RunSettings(fail_on=level, horizon_days=days, policies=policies)
