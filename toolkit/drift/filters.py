"""Which changes a run looks at: ``--path GLOB``, ``--operation ID``, ``--severity LEVEL``, each repeatable.

Values of one flag are alternatives (any may match); different flags must all match. A change filtered
out is not in the report at all, so it counts for nothing, the exit code included.

- ``--path``: an operation's URL path (``/customers/*``; OpenAPI), or the change's place in either contract
  (a JSON pointer, an element path, a schema coordinate such as ``Product.*``);
- ``--operation``: an operation the change reaches, by id (``GET /customers``, ``Query.product``,
  ``CrmService/CrmSoap11Port/GetAccount``), name or operationId (``listCustomers``, ``GetAccount``);
  a contract-wide change reaches no operation and is left out;
- ``--severity``: ``breaking``, ``dangerous``, ``info``, or ``deprecation`` (a change flagged as one).

Globs are shell patterns (``fnmatch``, case-sensitive; ``*`` also spans ``/``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from toolkit.model import Change, ChangeSeverity, Contract, HttpOperation

__all__ = ["SEVERITY_CHOICES", "ChangeFilter"]

SEVERITY_CHOICES = (*(str(level) for level in ChangeSeverity), "deprecation")


@dataclass(frozen=True)
class ChangeFilter:
    paths: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.paths or self.operations or self.severities)

    def apply(self, changes: Iterable[Change], contracts: Sequence[Contract]) -> list[Change]:
        """The changes every given flag lets through; ``contracts`` (OLD, NEW) name the operations' paths."""
        names = _operation_names(contracts)
        return [change for change in changes if self._keeps(change, names)]

    def operation_ids(self, ids: Iterable[str], contracts: Sequence[Contract]) -> tuple[str, ...]:
        """Of ``ids`` (every operation of the pair), those ``--operation`` and ``--path`` select."""
        names = _operation_names(contracts)
        selected = []
        for op in ids:
            # an operation with no URL path (a GraphQL root field, a SOAP operation) is its own place
            own_place = () if names.get(op, ("",))[0] else (op,)
            if self._operation_selected(op, names) and self._path_selected((op,), own_place, names):
                selected.append(op)
        return tuple(selected)

    def _keeps(self, change: Change, names: dict[str, tuple[str, ...]]) -> bool:
        if self.severities and not any(
            change.deprecation if level == "deprecation" else str(change.severity) == level for level in self.severities
        ):
            return False
        if self.operations and not any(self._operation_selected(op, names) for op in change.operations):
            return False
        places = tuple(place for place in (change.old, change.new) if place is not None)
        return self._path_selected(change.operations, places, names)

    def _operation_selected(self, operation: str, names: dict[str, tuple[str, ...]]) -> bool:
        if not self.operations:
            return True
        candidates = (operation, *names.get(operation, ())[1:])
        return any(fnmatchcase(name, pattern) for pattern in self.operations for name in candidates)

    def _path_selected(
        self, operations: Sequence[str], places: Sequence[str], names: dict[str, tuple[str, ...]]
    ) -> bool:
        if not self.paths:
            return True
        url_paths = [path for op in operations if (path := names.get(op, ("",))[0])]
        return any(fnmatchcase(text, pattern) for pattern in self.paths for text in (*url_paths, *places))


def _operation_names(contracts: Sequence[Contract]) -> dict[str, tuple[str, ...]]:
    """Operation id -> (URL path or "", name, operationId...) over both contracts."""
    names: dict[str, tuple[str, ...]] = {}
    for contract in contracts:
        for op in contract.operations:
            path = op.path if isinstance(op, HttpOperation) else ""
            extra = (op.operation_id,) if isinstance(op, HttpOperation) and op.operation_id else ()
            names.setdefault(op.id, (path, op.name, *extra))
    return names
