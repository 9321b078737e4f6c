"""Conformance engines: where ``ctk verify`` will live.

``ctk verify`` will call each operation of a contract with generated valid requests and judge the
answers against the contract, for REST, SOAP and GraphQL. Today the engines run against ctk's own
mocks (``scripts/self_conformance.py``, ``scripts/soap_zeep_conformance.py``,
``scripts/graphql_conformance.py`` and their tests print and pin the figures); they return data and
never print. Modules:

    targets.py   a server under test for one spec on a port: ctk's OpenAPI mock in-process, or any command;
                 CtkServe, ``ctk serve`` with options (``--state``) in a child process, for every engine
    openapi.py   REST: schemathesis (positive mode, five response checks) against a target, its JUnit read back
    soap.py      SOAP: a real zeep client against the mock's ?wsdl, arguments built from the XSD, each answer
                 judged by ctk's XsdValidator and by any independent judge the caller plugs in
    graphql.py   GraphQL: hypothesis-graphql operations sent to the mock, answers checked by a walker
                 independent of the mock's executor (keys, nullability, lists, enums, scalars, abstract types)

Layering: these modules may use the foundation, ``toolkit.load``, ``toolkit.mock`` and the protocol
packages; never ``toolkit.cli``, ``toolkit.drift`` or ``toolkit.sandbox`` (the sandbox's layers are reached
as a user reaches them: ``ctk serve`` in a child process). Nothing here is imported by ``import toolkit``.
"""
