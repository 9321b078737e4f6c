"""The GraphQL conformance run over the corpus and workspace schemas.

``toolkit.verify.graphql`` is the engine (generated operations, the independent answer checker); this
lists what the run covers — every schema of the corpus (SDL and introspection JSON) and the workspace's
``contracts/inventory/v1`` and ``v2`` — and how each is labelled. Used by ``scripts/graphql_conformance.py``
and the tests.
"""

from __future__ import annotations

from pathlib import Path

from tests.support import paths
from tests.support.paths import REPO
from toolkit.verify.graphql import Outcome, judge, run_one

__all__ = ["Outcome", "judge", "label", "run_one", "schemas"]

CORPUS = paths.CORPUS / "graphql"
WORKSPACE = [REPO / "contracts" / "inventory" / "v1", REPO / "contracts" / "inventory" / "v2"]


def schemas(only: str | None) -> list[Path]:
    """The corpus schemas, then the workspace's, whose path contains ``only`` (all when None)."""
    found = sorted(p for p in CORPUS.iterdir() if p.suffix in (".graphql", ".json")) if CORPUS.is_dir() else []
    found += WORKSPACE
    return [p for p in found if only is None or only in str(p)]


def label(path: Path) -> str:
    """A workspace contract as ``inventory/v1``, a corpus schema by its file name."""
    in_workspace = path.parent.parent == REPO / "contracts"
    return f"{path.parent.name}/{path.name}" if in_workspace else path.name
