"""What a GraphQL rule records (``Found``), and the plumbing the rule modules share.

The rules are split by construct: directive usages (``usage``), deprecations and removals
(``deprecation``), fields, arguments and input fields (``fields``), directives (``directives``),
and types and enums (``rules``, which also runs them all). Each module adds one layer on top of the ones
it uses, all on the state kept here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from graphql import GraphQLSchema

from toolkit.model import ChangeSeverity, DriftPolicies

BREAKING = ChangeSeverity.BREAKING
DANGEROUS = ChangeSeverity.DANGEROUS
INFO = ChangeSeverity.INFO

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Found:
    """One change before operations are attached: its rule, verdict, sentence and coordinates."""

    id: str
    severity: ChangeSeverity
    message: str
    old: str | None
    new: str | None
    sunset: dt.date | None = None
    deprecation: bool = False


class Recorder:
    """The two schemas, today's date (for sunsets), the team's drift policies and the changes found so far."""

    def __init__(self, old: GraphQLSchema, new: GraphQLSchema, today: dt.date, policies: DriftPolicies) -> None:
        self.old = old
        self.new = new
        self.today = today
        self.policies = policies
        self.found: list[Found] = []

    def add(self, *args: Any, **kwargs: Any) -> None:
        self.found.append(Found(*args, **kwargs))


def added_and_removed(old: Sequence[T], new: Sequence[T]) -> tuple[list[T], list[T]]:
    """What NEW has and OLD has not (in NEW's order), and what OLD has and NEW has not (in OLD's order)."""
    old_set, new_set = set(old), set(new)
    return [item for item in new if item not in old_set], [item for item in old if item not in new_set]
