"""The bounds on what a generator may build, so that no contract can make an answer unbounded.

A contract may ask for a string of a billion characters, an array of millions of items, nesting
deeper than any client reads, or a pattern such as ``(a{1000}){1000}``: every one of them would
hang the mock or take gigabytes. Each generated value is therefore bounded by ``Limits``:

- per value: ``max_string_length``, ``max_array_items``, ``max_object_properties`` and
  ``max_generation_depth``, checked where the value is built (known at compile time where the
  schema alone exceeds them, so such a generator fails at once without building anything);
- per answer: ``max_generated_bytes``, an approximate JSON size charged as values are built, so that
  limits that each hold cannot multiply (50 items of 50 items of 50 items ...).

Going over a bound raises ``OverLimitError``, a ``NoValueError``: choice points try another branch
(a null, a shorter one) and optional properties are left out, exactly as for a branch that admits
no value. Only when the whole answer cannot be made within the limits does the generator report it
(``GenerationLimitError``), naming the schema place and the limit to raise.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from toolkit.limits import Limits
from toolkit.openapi.generate.merge import NoValueError


class OverLimitError(NoValueError):
    """Generating this part of a value would go over a limit; the nearest choice point tries another."""

    def __init__(self, limit: str, bound: int, demand: str, where: str | None = None) -> None:
        super().__init__(f"{demand}, more than the limit {limit}={bound}")
        self.limit = limit
        self.bound = bound
        self.demand = demand
        self.where = where


class Budget:
    """What one draw of one answer may still build, in approximate JSON bytes; records the first limit hit.

    One per draw, carried by a context variable: generator closures are shared by every request, so
    the budget cannot live in them, and threading it through every closure's arguments would cost
    every call for a check that only the builders of strings, arrays and objects make.
    """

    __slots__ = ("bound", "hit", "left")

    def __init__(self, bound: int) -> None:
        self.bound = bound
        self.left = bound
        self.hit: OverLimitError | None = None


_BUDGET: ContextVar[Budget | None] = ContextVar("ctk_generation_budget", default=None)


def start_budget(bound: int) -> tuple[Budget, object]:
    """A fresh budget for one draw; pass the token to ``end_budget`` when the draw is over."""
    budget = Budget(bound)
    return budget, _BUDGET.set(budget)


def end_budget(token: object) -> None:
    _BUDGET.reset(token)  # type: ignore[arg-type]


def exceeded(error: OverLimitError) -> OverLimitError:
    """``error``, recorded as the draw's first limit hit (for the final message); raise what it returns."""
    budget = _BUDGET.get()
    if budget is not None and budget.hit is None:
        budget.hit = error
    return error


current_budget = _BUDGET.get  # the draw's budget, or None outside a draw (a bound method: no extra call)
# start_budget and end_budget as bound methods, for the one caller that runs a draw per answer (``Generator``)
set_budget = _BUDGET.set
reset_budget = _BUDGET.reset


def charge(size: int) -> None:
    """Count ``size`` approximate JSON bytes against the draw's budget; over it, this part is given up."""
    budget = _BUDGET.get()
    if budget is None:
        return
    budget.left -= size
    if budget.left < 0:
        raise exceeded(OverLimitError("max_generated_bytes", budget.bound, "the generated answer grows too large"))


@dataclass(frozen=True, slots=True)
class Bounds:
    """The limits a compiled generator reads, taken once from ``Limits``."""

    max_string_length: int
    max_array_items: int
    max_object_properties: int
    max_depth: int
    max_bytes: int

    @classmethod
    def of(cls, limits: Limits) -> Bounds:
        return cls(
            limits.max_string_length,
            limits.max_array_items,
            limits.max_object_properties,
            limits.max_generation_depth,
            limits.max_generated_bytes,
        )


def limit_hint(limit: str) -> str:
    return f"raise it with `ctk serve --limit {limit}=VALUE` (or [limits] in sandbox.toml), or relax the schema"
