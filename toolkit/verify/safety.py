"""Which operations a verify run may send to a shared vendor sandbox, and the chains mutations must run in.

By default only safe operations are sent: GET/HEAD/OPTIONS, GraphQL queries, SOAP operations whose name reads
get/list/find/search/query/describe (any case) or that ``[apis.NAME.verify] safe`` names. With ``--unsafe`` a
REST mutation is still sent only inside a create → read → delete chain that removes what it created
(``crud_chains``): ``POST /x`` creates, ``GET /x/{id}`` reads it back, ``DELETE /x/{id}`` cleans up, and any
``PUT``/``PATCH``/``POST /x/{id}…`` on the created item runs between the read and the delete. A mutation in no
such chain is never sent, even with ``--unsafe``: nothing would clean up after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from toolkit.model import Contract, GraphQLOperation, HttpOperation, Operation, SoapOperation

__all__ = ["SAFE_METHODS", "SAFE_SOAP_PREFIXES", "CrudChain", "crud_chains", "is_safe", "unchained_mutations"]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SAFE_SOAP_PREFIXES = ("get", "list", "find", "search", "query", "describe")

_PARAM = re.compile(r"^\{([^{}/]+)\}$")


def is_safe(operation: Operation, safe_names: frozenset[str] = frozenset()) -> bool:
    """True when sending ``operation`` cannot change the vendor's data (as far as its contract says)."""
    if operation.name in safe_names or operation.id in safe_names:
        return True
    if isinstance(operation, HttpOperation):
        return operation.method.upper() in SAFE_METHODS
    if isinstance(operation, GraphQLOperation):
        return operation.root == "query"
    if isinstance(operation, SoapOperation):
        return operation.name.lower().startswith(SAFE_SOAP_PREFIXES)
    return False


@dataclass(frozen=True)
class CrudChain:
    """A collection's create, the item's read and delete, and the item's other mutations (run before delete)."""

    create: HttpOperation
    read: HttpOperation
    delete: HttpOperation
    item_parameter: str  # the path parameter naming the created item: {id} in /x/{id}
    updates: tuple[HttpOperation, ...] = field(default=())

    @property
    def operations(self) -> tuple[HttpOperation, ...]:
        return (self.create, self.read, *self.updates, self.delete)


def crud_chains(contract: Contract) -> list[CrudChain]:
    """Every ``POST /x`` with a ``GET /x/{p}`` and a ``DELETE /x/{p}``, in the contract's order."""
    http = [op for op in contract.operations if isinstance(op, HttpOperation)]
    by_key = {(op.method.upper(), op.path.rstrip("/")): op for op in http}
    chains: list[CrudChain] = []
    for create in http:
        if create.method.upper() != "POST":
            continue
        collection = create.path.rstrip("/")
        for item in sorted({op.path.rstrip("/") for op in http}):
            head, _, last = item.rpartition("/")
            match = _PARAM.match(last)
            if head != collection or match is None:
                continue
            read, delete = by_key.get(("GET", item)), by_key.get(("DELETE", item))
            if read is None or delete is None:
                continue
            updates = tuple(
                op
                for op in http
                if op.method.upper() not in SAFE_METHODS | {"DELETE"}
                and (op.path.rstrip("/") == item or op.path.startswith(item + "/"))
                and "{" not in op.path[len(item) :]  # nothing but the created item's id to fill in
            )
            chains.append(CrudChain(create, read, delete, match.group(1), updates))
            break
    return chains


def unchained_mutations(contract: Contract, safe_names: frozenset[str] = frozenset()) -> list[Operation]:
    """The unsafe operations no chain covers: never sent, even with ``--unsafe`` (for REST)."""
    chained = {op.id for chain in crud_chains(contract) for op in chain.operations}
    return [
        op
        for op in contract.operations
        if isinstance(op, HttpOperation) and not is_safe(op, safe_names) and op.id not in chained
    ]
