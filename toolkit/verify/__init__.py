"""``ctk verify``: property-based conformance tests of a vendor's sandbox (or any server) against its contract.

Each operation is called with valid requests generated from the contract and each answer judged by it, for
REST, SOAP and GraphQL, safe for a shared vendor sandbox; what the answers show (deprecation headers,
undocumented statuses and fields) is kept as evidence for ``ctk drift``. These modules return data and never
print; ``toolkit/cli/verify.py`` does. Modules:

    core.py            Failure, Observation, PlannedCall, VerifyContext, the Engine interface, CHECKS, defaults
    guard.py           SafeClient: every request of a run (budget, pacing, backoff, circuit breaker, credentials
                       only to the vendor's origin, a zeep transport for SOAP)
    safety.py          which operations are safe; create → read → delete chains for --unsafe
    engine_openapi.py  REST: schemathesis as a library, its response checks, hypothesis seeded
    engine_graphql.py  GraphQL: queries from the schema, answers walked by toolkit/graphql/answer_check.py
    engine_soap.py     SOAP: zeep with inputs drawn from the XSD, answers against the XSD, Faults against the WSDL
    runner.py          one API's run (the engine by protocol, progress, evidence saved)
    workspace_targets.py  a workspace API as a target (vendor URL, credentials), for ctk verify and pytest --ctk-verify
    report.py, render_verify.py   the run's report and its formats (text, json, junit, markdown)
    evidence_sink.py   EvidenceCollector: observations from every answer (toolkit/evidence.py: the file format)
    targets.py         a server under test for one spec on a port (ctk's mock, ``ctk serve`` with options, or any
                       command), for the conformance scripts
    own_mock.py        ctk verify --unsafe against ``ctk serve`` of one contract: the self-conformance scripts' run
    openapi.py, soap.py, graphql.py   the former engines: ``self_conformance.py --engine schemathesis`` (and
                       bench/prism_compare.py), the xmlschema judge pass of ``soap_zeep_conformance.py``, and the
                       judging code the new engines and the sandbox tests reuse

Layering: these modules may use the foundation, ``toolkit.load``, ``toolkit.mock``, ``toolkit.vendor`` and the
protocol packages; never ``toolkit.cli``, ``toolkit.drift`` or ``toolkit.sandbox`` (the sandbox's layers are
reached as a user reaches them: ``ctk serve`` in a child process). Nothing here is imported by ``import toolkit``.
"""
