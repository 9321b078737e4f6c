"""Generating valid, realistic values for OpenAPI schemas (what the mock answers with).

Entry point: ``generator.Generators``.

- ``bounds``: The bounds on what a generator may build, so that no contract can make an answer unbounded
- ``compiler``: The compiler behind ``generator.py``: converted (2020-12) schema nodes into generator closures
- ``flat``: Object generators compiled into one flat function per object schema, with their members' draws inlined
- ``generator``: Deterministic, realistic, always-valid values for OpenAPI schemas: what the mock answers with
- ``merge``: Flattening ``allOf`` (and ``$ref`` with siblings) into one schema, so a generator can be built for it
- ``numeric``: Integers and numbers within bounds and multiples, realistic by property name where possible
- ``objects``: Objects: required properties always, optional ones mostly (a realistic resource is populated)
- ``strings_arrays``: Strings and arrays: realistic strings by format, name and pattern; arrays of a readable size
"""
