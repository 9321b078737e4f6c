"""One finding per cause: the changes a diff reports, grouped by what changed where, for every protocol alike.

OpenAPI diffs report one change per operation (and media type), as oasdiff does, so a property removed
from a schema every error response shares comes out once per operation; WSDL and GraphQL already report
one change per place with the operations that reach it. The report groups both the same way: changes
with the same rule, severity, place in the contract (``old``/``new``) and message apart from the
operation are one ``Finding`` listing every operation it reaches.

"Apart from the operation" means two things. The message loses its ``"<operation>: "`` prefix. And
when the place is shared by several operations (a component schema), the way each operation reaches it
(``property `error/card/mandate` of the default response (application/json)``, the part before the
next ``": "``) is kept as detail (``Finding.reached``) rather than splitting the cause: the place is the
cause, not the route to it. Within a single operation, routes that quote different things stay apart,
since there the place alone may not say which member changed (two media types renamed in one response);
routes that quote the same things (one property through two request media types) are one cause.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from toolkit.model import Change, ChangeSeverity


@dataclass(frozen=True)
class Finding:
    """One cause: ``change`` says it once (every operation it reaches, the message without them);
    ``changes`` are the per-operation changes it stands for, in report order; ``reached`` the distinct
    ways operations reach its place, when there is more than one."""

    change: Change
    changes: tuple[Change, ...]
    reached: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.change.id

    @property
    def severity(self) -> ChangeSeverity:
        return self.change.severity

    @property
    def message(self) -> str:
        return self.change.message

    @property
    def operations(self) -> tuple[str, ...]:
        return self.change.operations

    @property
    def location(self) -> str | None:
        return self.change.location


def without_operation(change: Change) -> str:
    """The message without its leading ``"<operation>: "`` (OpenAPI names the operation first)."""
    for operation in change.operations:
        prefix = f"{operation}: "
        if change.message.startswith(prefix):
            return change.message[len(prefix) :]
    return change.message


def split_route(message: str) -> tuple[str, str]:
    """``(route, what)``: the message cut at its first ``": "`` outside backticks; no cut is ``("", message)``.

    Backticks quote contract text (property names, values), which may hold ``": "`` itself.
    """
    quoted = False
    for index, char in enumerate(message):
        if char == "`":
            quoted = not quoted
        elif not quoted and message.startswith(": ", index):
            return message[:index], message[index + 2 :]
    return "", message


_MEDIA = re.compile(r" \([^()]*\)$")
_Key = tuple[str, ChangeSeverity, str | None, str | None, object, bool, str, str]


def _key(change: Change, what: str) -> _Key:
    return (change.id, change.severity, change.old, change.new, change.sunset, change.deprecation, change.source, what)


def group(changes: Iterable[Change]) -> list[Finding]:
    """The findings ``changes`` make, in the order their first change comes in ``changes``."""
    by_key: dict[_Key, list[tuple[str, Change]]] = {}
    for change in changes:
        stripped = without_operation(change)
        route, what = split_route(stripped) if stripped != change.message else ("", stripped)
        by_key.setdefault(_key(change, what), []).append((route, change))
    findings: list[Finding] = []
    for (_, _, _, _, _, _, _, what), members in by_key.items():
        operations = {op for _, change in members for op in change.operations}
        if len(operations) > 1 or len({route for route, _ in members}) == 1:
            findings.append(_finding(what, members))
            continue
        # one operation (or none): routes naming the same things (the same property through two media
        # types) are one cause; routes naming different ones (two media types renamed) are not
        by_route: dict[tuple[str, ...], list[tuple[str, Change]]] = {}
        for route, change in members:
            by_route.setdefault(tuple(route.split("`")[1::2]), []).append((route, change))
        findings.extend(_finding(what, same) for same in by_route.values())
    return findings


def _finding(what: str, members: Sequence[tuple[str, Change]]) -> Finding:
    first = members[0][1]
    routes = tuple(dict.fromkeys(route for route, _ in members if route))
    message = f"{routes[0]}: {what}" if len(routes) == 1 else _shared(routes, what)
    operations = tuple(dict.fromkeys(op for _, change in members for op in change.operations))  # in report order
    cause = replace(first, message=message, operations=operations)
    reached = routes if len(routes) > 1 else ()
    return Finding(change=cause, changes=tuple(change for _, change in members), reached=reached)


def _shared(routes: Sequence[str], what: str) -> str:
    """The cause said once for several routes: what they name alike, then what changed.

    Routes that quote a path (``property `a/b/mandate` of the 200 response``) share its tail, the place
    itself (``property `…/b/mandate```); with nothing in common, the message is what changed alone.
    """
    heads, paths, tails = set(), [], set()
    for route in routes:
        head, tick, rest = route.partition("`")
        if not tick or "`" not in rest:
            return what
        heads.add(head)
        quoted, _, tail = rest.partition("`")
        paths.append(quoted.split("/"))
        tails.add(_MEDIA.sub("", tail))  # " of the request body (application/json)": the body, any media type
    common: list[str] = []
    for segments in zip(*(reversed(path) for path in paths), strict=False):
        if len(set(segments)) != 1:
            break
        common.insert(0, segments[0])
    if len(heads) != 1 or not common:
        return what
    shown = "/".join(common)
    if any(len(path) > len(common) for path in paths):
        shown = f"…/{shown}"
    tail = tails.pop() if len(tails) == 1 else ""
    return f"{heads.pop()}`{shown}`{tail}: {what}"


def single(change: Change) -> Finding:
    """A change as its own finding (``--explode``: oasdiff's granularity, one row per operation)."""
    return Finding(change=change, changes=(change,))


def top(findings: Iterable[Finding], limit: int) -> list[Finding]:
    """The ``limit`` findings a reader should see first: the most severe, then the widest reaching."""
    ranked = sorted(findings, key=lambda f: (-f.severity.rank, -len(f.operations), -len(f.changes)))
    return ranked[:limit]
