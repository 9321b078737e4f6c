"""The shared corpus of real contracts (``../shared/corpus``): paths into it that skip when it is absent,
the mirrors a saved WCF export needs, and the lists of corpus contracts the load and drift tests cover."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.paths import CORPUS
from toolkit.errors import LoadError, RemoteReferenceError, UnknownFormatError

__all__ = ["CONTRACTS", "CORPUS", "EXPECTED_REFUSALS", "ORACLE_WSDLS", "RIO2_BASE", "corpus", "corpus_mirrors"]


def corpus(*parts: str) -> Path:
    """A path in ../shared/corpus (``corpus("wsdl/savon/crowd.wsdl")`` or ``corpus("wsdl", "savon", "crowd.wsdl")``);
    skips the test with the reason when the corpus is absent."""
    path = CORPUS.joinpath(*parts)
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS} (set CTK_CORPUS to its folder)")
    if not path.exists():
        pytest.skip(f"{path} is not in this copy of the corpus")
    return path


RIO2_BASE = "http://193.155.1.72/MyCentral-RioII-Services/SecurityService.svc"


def corpus_mirrors(relative: str) -> dict[str, Path]:
    """Mirrors for a corpus WSDL: rio2 is a WCF export saved from a server, its imports name that server's URLs."""
    if "rio2" not in relative:
        return {}
    folder = CORPUS / "wsdl/savon/rio2"
    mirrors = {f"{RIO2_BASE}?wsdl": folder / "rio2.wsdl", f"{RIO2_BASE}?wsdl=wsdl0": folder / "rio2_0.wsdl"}
    mirrors.update({f"{RIO2_BASE}?xsd=xsd{i}": folder / f"rio2_{i}.xsd" for i in range(4)})
    return mirrors


# Files the corpus says cannot load, and the kind of refusal each must get.
EXPECTED_REFUSALS: dict[str, type[LoadError]] = {
    "openapi/stripe-fixtures3-2019-09-27.json": UnknownFormatError,  # fixture objects, not a contract
    "graphql/schema_kitchen_sink.graphql": LoadError,  # parse-only: references undefined types
    "wsdl/node-soap/xsdinclude/xsd_include_http.wsdl": RemoteReferenceError,  # remote include, offline
}


def _listed(pattern: str) -> list[str]:
    if not CORPUS.is_dir():
        return ["<corpus absent>"]
    return sorted(str(path.relative_to(CORPUS)) for path in CORPUS.glob(pattern) if path.is_file())


# Every contract of the corpus (relative to it), as the corpus load test and the WSDL drift test walk them.
CONTRACTS = [
    *_listed("openapi/*.*"),
    "openapi/multifile-relative-refs/main.yaml",
    *_listed("openapi/prism-callbacks/*.yaml"),
    *_listed("wsdl/*/*.wsdl"),
    *_listed("wsdl/*/*/*.wsdl"),
    *_listed("graphql/*"),
]

ORACLE_WSDLS = _listed("wsdl/oracles/node-soap-samples/*/soap.wsdl")
