"""WSDL drift: the changes between two versions of a WSDL and its schemas, as they affect a client.

Entry point: ``compare.diff``.

- ``compare``: ``diff(old, new)``: what changed between two versions of a WSDL contract, as it affects a client
- ``rules``: Which rule id and severity a schema finding gets, depending on whether the client sends or receives it
- ``value_spaces``: Is a simple type narrower, wider, or unrelated after a change? Value spaces, not text
- ``wsdl``: WSDL-level drift: services, ports, endpoint addresses and SOAP versions, then each port's operations
- ``wsdl_operations``: WSDL drift per operation: added, removed or renamed, SOAP binding attributes, deprecation,
  messages, faults
- ``wsdl_views``: Each contract read as operations: the WSDL elements of every ``Service/Port/Operation``, and what
  it reaches
- ``xsd``: Comparing the XML Schema of two contracts, component by component, by what instances may look like
- ``xsd_base``: What every part of the XSD comparison shares: both indexes, the findings, the component being
  compared
- ``xsd_content``: Complex types compared slot by slot: mixed content, derivation, and each element, attribute or
  wildcard
- ``xsd_declarations``: Element and attribute declarations compared: nillable, default and fixed values, and the
  declared type
- ``xsd_simple_types``: Simple types compared: a restriction's facets one by one, list item types, else the whole
  value space
- ``xsd_slots``: Flattening an XSD content model into slots, so two versions compare by what instances may contain
"""
