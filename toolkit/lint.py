"""Linting any contract: the loader's tolerated deviations plus the protocol's own checks."""

from __future__ import annotations

from toolkit import protocols
from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.model import Contract, Problem


def lint_contract(contract: Contract, limits: Limits = DEFAULT_LIMITS) -> list[Problem]:
    """Every problem found in ``contract``: errors first, then warnings, each in file order. ``limits``
    are the ones the contract will be served with: lint warns about schemas the mock cannot answer within."""
    problems = list(contract.warnings)
    problems += protocols.lint(contract.protocol)(contract, limits)
    order = {"error": 0, "warning": 1}
    return sorted(
        problems,
        key=lambda p: (order[p.severity], p.location.file, p.location.line or 0, p.location.path or ""),
    )
