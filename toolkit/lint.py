"""Linting any contract: the loader's tolerated deviations plus the protocol's own checks."""

from __future__ import annotations

from toolkit import protocols
from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.model import Contract, Problem


def lint_contract(contract: Contract, limits: Limits = DEFAULT_LIMITS) -> list[Problem]:
    """Every problem found in ``contract``: errors first, then warnings, each in file order. ``limits``
    are the ones the contract will be served with: lint warns about schemas the mock cannot answer within.

    A protocol's lint may give one of the loader's warnings back placed more precisely (with the line a load
    does not spend the time to find): that copy is reported instead of the loader's."""
    found = protocols.lint(contract.protocol)(contract, limits)
    restated = {_same(problem) for problem in found}
    problems = [warning for warning in contract.warnings if _same(warning) not in restated] + found
    order = {"error": 0, "warning": 1}
    return sorted(
        problems,
        key=lambda p: (order[p.severity], p.location.file, p.location.line or 0, p.location.path or ""),
    )


def _same(problem: Problem) -> tuple[str, str, str | None, str]:
    return (problem.severity, problem.location.file, problem.location.path, problem.message)
