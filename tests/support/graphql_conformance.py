"""The GraphQL schemas the conformance runs cover: the corpus and the workspace.

``schemas`` lists every schema of the corpus (SDL and introspection JSON) and the workspace's
``contracts/inventory/v1`` and ``v2``, and ``label`` names each; ``scripts/graphql_conformance.py`` runs
``ctk verify`` against ``ctk serve`` of each. ``run_one`` and ``judge`` are the former engine
(``toolkit.verify.graphql``: generated operations, the independent answer checker), which the tests drive
in-process."""

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
