"""Drift: what changed between two versions of a contract, and how it affects a client.

``diff_contracts`` is the one entry point to the per-protocol diff rules. It checks that both
contracts speak the same protocol, then imports that protocol's ``diff`` module only now, so
importing ``toolkit.drift`` (or running ``ctk drift`` on OpenAPI) never loads graphql-core or lxml.
Report assembly, the ignore file, workspace/live sources and renderers live in sibling modules.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
from typing import Protocol as TypingProtocol
from typing import cast

from toolkit.drift.errors import DiffUnavailableError, ProtocolMismatchError
from toolkit.model import Change, Contract
from toolkit.model import Protocol as ContractProtocol
from toolkit.sources import display_name

__all__ = ["diff_contracts"]

# The module holding each protocol's ``diff(old, new, *, today=None) -> list[Change]``.
DIFF_MODULES: dict[ContractProtocol, str] = {
    ContractProtocol.OPENAPI: "toolkit.openapi.diff.compare",
    ContractProtocol.SOAP: "toolkit.soap.diff.compare",
    ContractProtocol.GRAPHQL: "toolkit.graphql.diff.compare",
}

_LABELS = {ContractProtocol.OPENAPI: "OpenAPI", ContractProtocol.SOAP: "WSDL", ContractProtocol.GRAPHQL: "GraphQL"}


class _DiffFunction(TypingProtocol):
    def __call__(self, old: Contract, new: Contract, *, today: dt.date | None = None) -> list[Change]: ...


def diff_contracts(old: Contract, new: Contract, *, today: dt.date | None = None) -> list[Change]:
    """The changes from ``old`` to ``new``, as their protocol's diff rules see them.

    Raises ``ProtocolMismatchError`` when the two are not of the same protocol: an OpenAPI document
    replaced by a GraphQL schema is not a drift to grade, it is a different API.
    """
    if old.protocol is not new.protocol:
        raise ProtocolMismatchError(
            f"cannot compare {_name(old)} ({_LABELS[old.protocol]}) with {_name(new)} ({_LABELS[new.protocol]})",
            hint="compare two versions of the same contract; both must be OpenAPI, WSDL or GraphQL",
        )
    return list(_diff_function(old.protocol)(old, new, today=today))


def _name(contract: Contract) -> str:
    """How to name a contract to the user: its file, or the folder of a schema loaded from several files."""
    if len(contract.files) > 1:
        return display_name(os.path.dirname(contract.files[0]))
    return display_name(contract.source)


def _diff_function(protocol: ContractProtocol) -> _DiffFunction:
    name = DIFF_MODULES[protocol]
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:  # the module exists but something it imports is missing: a real bug
            raise
        raise DiffUnavailableError(
            f"this installation of ctk has no drift rules for {_LABELS[protocol]} contracts ({name} is missing)",
            hint="upgrade ctk; drift supports the protocols whose diff module is installed",
        ) from None
    return cast(_DiffFunction, module.diff)
