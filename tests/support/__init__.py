"""Test-side helpers that are not part of ctk. Test modules import these, never one another.

Foundations every test folder uses:

    paths.py              REPO, DATA (tests/data) and CORPUS (../shared/corpus, or CTK_CORPUS): no test
                          computes a path from its own ``__file__``
    corpus.py             ``corpus(...)``, a corpus path that skips the test when the corpus is absent; the
                          mirrors of the rio2 WCF export; the corpus contracts the load and drift tests walk
    cli.py                ``ctk(...)`` in-process, ``run_ctk(...)`` the installed command in a subprocess,
                          ``assert_refused_output``
    files.py              write_file, write_workspace, schema_wsdl
    network.py            the loopback-only guard tests/conftest.py installs
    servers.py            RecordingServer, the loopback file server behind the ``http_server`` fixture
    served.py             a real ``ctk serve`` in a subprocess, its log and peak memory (the hostile suite's
                          harness, and the serve CLI tests')
    hostile_vendor.py     a hostile vendor on loopback, and ``python -m toolkit.cli`` with its peak memory

Shared by a few test modules of one subject:

    asgi.py               one request through a mock's ASGI app
    documents.py          a minimal WSDL and XSD with hooks for attacks; a WSDL whose pattern backtracks
    drift.py              changes of each level, a stand-in protocol diff module, a report of changes
    generation.py         the generated-values property test's contracts and judges (bench/generate.py too)

Independent judges and the corpus the conformance and oracle runs cover (the scripts in ``scripts/``
run these, the tests run them case by case):

    xsd_judge.py          XmlSchemaJudge: the xmlschema package (a development dependency) on schemas it
                          assembles itself from the WSDL files, a second XML-Schema judge beside ctk's own
    soap_conformance.py   the WSDLs of the workspace and corpus, their mirrors, and toolkit.verify.soap's run
                          with both judges ("lxml" and "xmlschema")
    graphql_conformance.py  the GraphQL schemas of the corpus and workspace, with toolkit.verify.graphql's run
    graphql_drift_oracles.py  ctk's GraphQL diff against graphql-core's and graphql-inspector's answers
    oasdiff_oracles.py    ctk's OpenAPI diff against oasdiff's own checker tests
    limits_table.py       the README's table of limits, from toolkit.limits

The engines themselves are in ``toolkit/verify``. The tests import these as ``tests.support.…``; the
scripts in ``scripts/`` and ``bench/`` import them the same way (the editable install makes the
repository root importable), never by editing the import path. Nothing here imports ``tests.conftest``
(its network guard is installed for test runs only).
"""
