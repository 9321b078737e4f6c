"""Drift: what changed between two versions of a contract, and how it affects a client.

``diff_contracts`` is the one entry point to the per-protocol diff rules. It checks that both
contracts speak the same protocol, then asks the protocol table (``toolkit.protocols``) for that
protocol's diff, imported only now, so importing ``toolkit.drift`` (or running ``ctk drift`` on OpenAPI)
never loads graphql-core or lxml. Report assembly, the ignore file, workspace/live sources and
renderers live in sibling modules.
"""

from __future__ import annotations

import datetime as dt
import os

from toolkit import protocols
from toolkit.drift.errors import ProtocolMismatchError
from toolkit.model import DEFAULT_DRIFT_POLICIES, Change, Contract, DriftPolicies
from toolkit.sources import display_name

__all__ = ["diff_contracts"]


def diff_contracts(
    old: Contract, new: Contract, *, today: dt.date | None = None, policies: DriftPolicies = DEFAULT_DRIFT_POLICIES
) -> list[Change]:
    """The changes from ``old`` to ``new``, as their protocol's diff rules see them.

    Raises ``ProtocolMismatchError`` when the two are not of the same protocol: an OpenAPI document
    replaced by a GraphQL schema is not a drift to grade, it is a different API; and
    ``protocols.JobUnavailableError`` when this installation has no diff for their protocol.
    """
    if old.protocol is not new.protocol:
        old_label, new_label = protocols.label(old.protocol), protocols.label(new.protocol)
        raise ProtocolMismatchError(
            f"cannot compare {_name(old)} ({old_label}) with {_name(new)} ({new_label})",
            hint="compare two versions of the same contract; both must be OpenAPI, WSDL or GraphQL",
        )
    return list(protocols.diff(old.protocol)(old, new, today=today, policies=policies))


def _name(contract: Contract) -> str:
    """How to name a contract to the user: its file, or the folder of a schema loaded from several files."""
    if len(contract.files) > 1:
        return display_name(os.path.dirname(contract.files[0]))
    return display_name(contract.source)
