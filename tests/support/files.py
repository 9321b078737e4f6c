"""Writing test inputs: a file, a workspace, a WSDL around an inline schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["schema_wsdl", "write_file", "write_workspace"]


def write_file(folder: Path, name: str, text: str) -> Path:
    """``text`` written (UTF-8) as ``folder/name``, creating the folders ``name`` passes through."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_workspace(root: Path, config: str) -> Path:
    """``root`` made a workspace: ``config`` written as its sandbox/sandbox.toml."""
    write_file(root, "sandbox/sandbox.toml", config)
    return root


def schema_wsdl(folder: Path, namespace: str, schema: str, name: str = "schema.wsdl") -> Any:
    """A WSDL holding only ``schema`` (XSD declarations in ``namespace``, prefix ``tns``), written and loaded."""
    from toolkit.load import load_contract
    from toolkit.soap.load import SoapContract

    path = write_file(
        folder,
        name,
        f"""<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tns="{namespace}" targetNamespace="{namespace}"><wsdl:types>
  <xs:schema targetNamespace="{namespace}" elementFormDefault="qualified">{schema}</xs:schema></wsdl:types>
</wsdl:definitions>""",
    )
    contract = load_contract(path)
    assert isinstance(contract, SoapContract)
    return contract
