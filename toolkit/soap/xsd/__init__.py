"""A WSDL's XML Schema: assembled, compiled for validation, indexed for diff and generation, and its names.

- ``assemble``: Assembling a WSDL's scattered schemas into one lxml XML Schema, in memory
- ``builtin``: Schemas every SOAP toolkit knows without fetching them, written here as strings
- ``patterns``: Contract patterns libxml2 would match by backtracking: moved out of its schema, checked with RE2
- ``regex``: XML Schema regular expressions in Python's dialect, to check values and to draw them
- ``schema_index``: An index of a contract's XML Schema, for diff and generation alike: components by meaning,
  references, paths
- ``validate``: One compiled lxml XML Schema for a whole WSDL, to check message bodies in microseconds
"""
