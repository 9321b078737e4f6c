"""SOAP: WSDL 1.1 contracts, SOAP 1.1 and 1.2.

- ``load``: ``load_wsdl``, a WSDL and its imports read into a ``SoapContract``
- ``wsdl``: the parts of a WSDL (messages, port types, bindings, services), gathered across imports
- ``xml``: parsing untrusted XML (no DTD, no entities, no network, bounded trees)
- ``lint``: the WSDL's own checks
- ``xsd/``: the WSDL's XML Schema: assembled, compiled for validation, indexed, its regex dialect
- ``generate/``: valid, realistic instances of the schema's elements
- ``mock/``: the compiled SOAP mock (``mock.handler.SoapMock``), ``?wsdl`` documents, the zeep transport
- ``diff/``: WSDL drift, the WSDL and XSD rules

Public: ``MockZeepTransport`` (a zeep transport that reaches a compiled mock with no socket), imported
on first use so that ``toolkit.soap`` loads no zeep.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from toolkit.soap.mock.zeep_transport import MockZeepTransport

__all__ = ["MockZeepTransport"]


def __getattr__(name: str) -> object:
    if name == "MockZeepTransport":
        from toolkit.soap.mock.zeep_transport import MockZeepTransport

        return MockZeepTransport
    raise AttributeError(f"module 'toolkit.soap' has no attribute {name!r}")
