"""Generating valid, realistic XML for a WSDL's schemas (what the SOAP mock answers with).

Entry point: ``generator.XsdGenerator``.

- ``compiler``: XML Schema components → generator nodes, each compiled once and cached
- ``components``: The global components of a schema set, by Clark QName, and the helpers to read XSD nodes
- ``errors``: Why the SOAP generator cannot answer: the schema admits no instance, or asks for more than the limits
- ``generator``: Valid, realistic instances of a WSDL's global elements, for SOAP mock responses
- ``nodes``: The compiled form of XML Schema components: small objects that emit XML with an rng
- ``simple_types``: Values for XML Schema simple types: drawn valid by construction where cheap, checked always
- ``values``: Literals for XML Schema's built-in types, inside the bounds a simple type's facets set
"""
