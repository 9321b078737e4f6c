"""The SOAP conformance run over the workspace and corpus WSDLs, with both XML-Schema judges.

``toolkit.verify.soap`` is the engine (a real zeep client against ctk's mock, ctk's own "lxml" judge);
this adds the independent "xmlschema" judge (``tests.support.xsd_judge``) and lists what the run covers:
the workspace's crm v1/v2 and every loadable corpus WSDL (multi-file roots once, with the mirrors a saved
WCF export needs). Used by ``scripts/soap_zeep_conformance.py`` (``xmlschema_pass``: the judge it adds to
``ctk verify``) and the tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from tests.support import paths
from tests.support.corpus import corpus_mirrors
from tests.support.paths import REPO
from tests.support.xsd_judge import XmlSchemaJudge
from toolkit.verify import soap
from toolkit.verify.soap import Outcome, render
from toolkit.verify.targets import CtkServe

__all__ = ["JUDGES", "Outcome", "render", "run_one", "targets", "xmlschema_pass"]

CORPUS = paths.CORPUS / "wsdl"
# Files a WSDL root imports are loaded through that root; loading them alone would count them twice.
IMPORTED_ONLY = {"zeep/import/soap_import_2.wsdl", "savon/rio2/rio2_0.wsdl", "node-soap/wsdlImport/sub.wsdl"}
JUDGES = (soap.CTK_JUDGE, "xmlschema")


def xmlschema_judge(path: Path, mirrors: Mapping[str, str]) -> XmlSchemaJudge:
    """The xmlschema judge of ``path``; a WSDL with no schema at all (only rpc/encoded) is nothing to report."""
    judge = XmlSchemaJudge.from_wsdl(path, mirrors)
    if not judge.available and judge.reason.startswith("the WSDL has no schema"):
        judge.reason = ""
    return judge


def run_one(
    path: Path, *, label: str = "", mirrors: Mapping[str, str] | None = None, in_process: bool = False, seed: int = 0
) -> Outcome:
    """``toolkit.verify.soap.run_one`` with the xmlschema judge beside ctk's own."""
    return soap.run_one(
        path, label=label, mirrors=mirrors, in_process=in_process, seed=seed, judges={"xmlschema": xmlschema_judge}
    )


def xmlschema_pass(
    path: Path, *, label: str = "", mirrors: Mapping[str, str] | None = None, seed: int = 0, served_by: CtkServe
) -> Outcome:
    """The former engine against ``ctk serve`` of ``path`` (``served_by``) with the xmlschema judge: the check
    ``scripts/soap_zeep_conformance.py`` adds to ``ctk verify``, which judges answers with ctk's own validator."""
    return soap.run_one(
        path, label=label, mirrors=mirrors, seed=seed, judges={"xmlschema": xmlschema_judge}, served_by=served_by
    )


def targets(only: list[str] | None = None) -> list[tuple[str, Path, dict[str, str]]]:
    """(label, path, mirrors) of every WSDL to run."""
    found: list[tuple[str, Path, dict[str, str]]] = [
        ("crm/v1", REPO / "contracts" / "crm" / "v1" / "crm.wsdl", {}),
        ("crm/v2", REPO / "contracts" / "crm" / "v2" / "crm.wsdl", {}),
    ]
    if CORPUS.is_dir():
        for path in sorted([*CORPUS.glob("*/*.wsdl"), *CORPUS.glob("*/*/*.wsdl")]):
            relative = str(path.relative_to(CORPUS))
            if relative in IMPORTED_ONLY or relative.startswith("oracles/"):
                continue
            found.append((relative, path, _mirrors(relative)))
    if only:
        found = [item for item in found if any(word in item[0] for word in only)]
    return found


def _mirrors(relative: str) -> dict[str, str]:
    """rio2 is a WCF export saved from a server: its imports name that server's URLs."""
    return {url: str(path) for url, path in corpus_mirrors(f"wsdl/{relative}").items()}
