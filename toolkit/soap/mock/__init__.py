"""The SOAP mock, compiled once per WSDL: one module per part of the request path.

Entry point: ``handler.SoapMock``.

- ``dispatch``: What each SOAP port serves, compiled once from the WSDL: its path, version and operations, and the
  tables that find an operation from a request (SOAPAction, SOAP 1.2 ``action``, body element QName)
- ``envelope``: SOAP 1.1 and 1.2 envelopes as the mock reads and writes them
- ``faults``: SOAP Faults, in the form each version's clients parse
- ``handler``: The SOAP mock: a sans-IO function from ``Request`` to ``MockResult``, compiled once per WSDL
- ``rpc``: Synthetic XSD declarations of rpc-style wrapper elements
- ``served_documents``: The ``?wsdl`` / ``?wsdl=<name>`` / ``?xsd=<name>`` documents the mock serves
- ``zeep_transport``: A zeep transport that answers from a compiled mock, in-process, with no socket
"""
