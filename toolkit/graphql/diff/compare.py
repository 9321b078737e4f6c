"""``diff``: what changed between two versions of a GraphQL schema, as it affects a client.

The rules live in ``rules`` (one function per construct, graphql-core's verdicts) and the
operation index in ``reach``; this module joins them into ``Change``s: each change gets the
operations that can reach the place it is about, and the list comes back in a stable order (by
location, then rule id) so reports and snapshots do not churn between runs.

The opt-in policy ``unreachable-types-are-safe`` (GraphQL Inspector's ``safeUnreachable``) grades a
breaking change as info when the type it is about cannot be reached from any root of OLD: no
operation a client could have sent touches it. ``deprecated-removal-is-dangerous`` is applied where
removals are judged (``deprecation``).
"""

from __future__ import annotations

import datetime as dt

from graphql import GraphQLSchema

from toolkit.errors import LoadError
from toolkit.graphql.diff.found import Found
from toolkit.graphql.diff.reach import Reach
from toolkit.graphql.diff.rules import Rules
from toolkit.graphql.load import GraphQLContract
from toolkit.model import DEFAULT_DRIFT_POLICIES, Change, ChangeSeverity, Contract, DriftPolicies

INFO = ChangeSeverity.INFO

__all__ = ["diff"]

UNREACHABLE_TYPES_ARE_SAFE = "unreachable-types-are-safe"


def diff(
    old: Contract, new: Contract, *, today: dt.date | None = None, policies: DriftPolicies = DEFAULT_DRIFT_POLICIES
) -> list[Change]:
    """Every change from ``old`` to ``new``: breaking, dangerous (graphql-core's rules) and info.

    ``today`` decides whether a removed deprecated element was removed after its sunset date;
    ``policies`` are the team's opt-in relaxations (``DriftPolicies``).
    """
    old_schema, new_schema = _schema(old), _schema(new)
    found = Rules(old_schema, new_schema, today or dt.date.today(), policies).run()
    placer = _Placer(Reach(old_schema), Reach(new_schema))
    safe_unreachable = policies.relaxes(UNREACHABLE_TYPES_ARE_SAFE)
    changes = [
        Change(
            id=item.id,
            severity=INFO if safe_unreachable and placer.unreachable(item) else item.severity,
            message=item.message,
            operations=placer.operations(item),
            old=item.old,
            new=item.new,
            sunset=item.sunset,
            deprecation=item.deprecation,
        )
        for item in found
    ]
    changes.sort(key=lambda change: (change.location or "", change.id, change.message))
    return changes


def _schema(contract: Contract) -> GraphQLSchema:
    if not isinstance(contract, GraphQLContract) or contract.schema is None:
        raise LoadError(
            f"is a {contract.protocol} contract, not a GraphQL schema",
            where=contract.source,
            hint="compare two versions of the same GraphQL API",
        )
    return contract.schema


class _Placer:
    """Finds the operations a change affects, using the reach of the schema where its type exists."""

    def __init__(self, old: Reach, new: Reach) -> None:
        self.old = old
        self.new = new

    def unreachable(self, item: Found) -> bool:
        """A breaking change about a type of OLD that no root of OLD reaches (directives are not types)."""
        location = item.new if item.new is not None else item.old
        if item.severity is not ChangeSeverity.BREAKING or not location:
            return False
        type_name = location.partition(".")[0]
        return type_name in self.old.schema.type_map and not self.old.reachable(type_name)

    def operations(self, item: Found) -> tuple[str, ...]:
        location = item.new if item.new is not None else item.old
        if location is None or location.startswith(("@", ".")):
            return ()  # directives, and the schema's own directive usages, are schema-wide
        type_name, _, rest = location.partition(".")
        reach = self.new if type_name in self.new.schema.type_map else self.old
        field = rest.split(".")[0]
        if field.startswith("@"):
            field = ""  # a directive used on the type itself
        if type_name in reach.roots:
            # a change on a root field concerns that operation; on the root type itself, all of them
            return (f"{type_name}.{field}",) if field else tuple(reach.roots[type_name])
        found = reach.operations_reaching(type_name)
        if reach is self.new and type_name in self.old.schema.type_map:
            # what reached the type before counts too: `node { ... on A }` breaks when A leaves Node
            found = (*found, *(op for op in self.old.operations_reaching(type_name) if op not in found))
        return found
