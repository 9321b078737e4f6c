"""The rules of an OpenAPI diff that depend on a team's policy rather than on the two documents alone.

oasdiff makes three things configurable: how many days ahead a deprecation's sunset must be (per
stability level), from which ``x-stability-level`` on changes are tracked, and whether a breaking
change demands a semver major bump. ``DiffPolicy`` holds the first two with oasdiff's defaults (0
days, ``beta``), so an unconfigured ctk reports what an unconfigured oasdiff reports: a deprecation
whose sunset is already past is ``…-sunset-date-too-small``, a missing sunset is never an error,
and properties leaving ``draft``/``alpha`` are not tracked. The versioning rules need no setting:
oasdiff grades them INFO and speaks only when both versions are semver.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from toolkit.errors import ConfigError

# Ordered from the weakest promise to the strongest; no x-stability-level means stable.
STABILITY = ("draft", "alpha", "beta", "stable")


def stability_label(value: Any) -> str | None:
    """An ``x-stability-level`` as a label ("stable" when absent), or None when it is not a valid one."""
    if value is None:
        return "stable"
    return value if isinstance(value, str) and value in STABILITY else None


@dataclass(frozen=True, slots=True)
class DiffPolicy:
    """oasdiff's policy settings, with its defaults (``--deprecation-days-beta/-stable``, ``--stability-level``)."""

    min_sunset_beta_days: int = 0
    min_sunset_stable_days: int = 0
    stability_level: str = "beta"

    def __post_init__(self) -> None:
        if self.stability_level not in STABILITY:
            raise ConfigError(
                f"stability level {self.stability_level!r} is not one of {', '.join(STABILITY)}",
                where="DiffPolicy.stability_level",
                hint="oasdiff's --stability-level takes draft, alpha, beta or stable",
            )
        if self.min_sunset_beta_days < 0 or self.min_sunset_stable_days < 0:
            raise ConfigError("deprecation days cannot be negative", where="DiffPolicy", hint="use 0 for no notice")

    def deprecation_days(self, op_stability: Any) -> int:
        """Days a sunset must lie ahead when deprecating in an operation of this stability (draft/alpha: none)."""
        label = stability_label(op_stability) or "stable"
        if label in ("draft", "alpha"):
            return 0
        return self.min_sunset_beta_days if label == "beta" else self.min_sunset_stable_days

    def sunset_too_soon(self, sunset: dt.date, today: dt.date, op_stability: Any) -> bool:
        return (sunset - today).days < self.deprecation_days(op_stability)

    def tracks(self, stability: Any) -> bool:
        """Whether changes to something at this stability are reported (oasdiff's ``IsIncluded``)."""
        label = stability_label(stability) or "stable"
        return STABILITY.index(label) >= STABILITY.index(self.stability_level)


DEFAULT_POLICY = DiffPolicy()

# semver.org's grammar with an optional leading "v": a date or a bare "v1" is not judged at all.
_SEMVER = re.compile(
    r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


def _semver(version: Any) -> tuple[int, int, int] | None:
    match = _SEMVER.match(version) if isinstance(version, str) else None
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def versioning_violation(old_version: Any, new_version: Any) -> tuple[str, str] | None:
    """How a release carrying a breaking change fails to bump ``info.version``: (rule, words), or None.

    Below 1.0.0 semver gives the minor the major's role, so a minor bump is enough there.
    """
    old, new = _semver(old_version), _semver(new_version)
    if old is None or new is None:
        return None
    if old_version == new_version:
        return "api-version-not-bumped", f"the API version stayed {new_version} despite breaking changes"
    if new <= old:
        return "api-version-decreased", f"the API version went down from {old_version} to {new_version}"
    major = new[1] > old[1] if old[0] == 0 and new[0] == 0 else new[0] > old[0]
    if not major:
        return (
            "api-major-version-not-bumped",
            f"the API version went from {old_version} to {new_version} despite breaking changes: a major bump is due",
        )
    return None
