"""Test-side helpers that are not part of ctk: independent judges and the corpus the conformance runs cover.

    xsd_judge.py          XmlSchemaJudge: the xmlschema package (a development dependency) on schemas it
                          assembles itself from the WSDL files, a second XML-Schema judge beside ctk's own
    soap_conformance.py   the WSDLs of the workspace and corpus, their mirrors, and toolkit.verify.soap's run
                          with both judges ("lxml" and "xmlschema")
    graphql_conformance.py  the GraphQL schemas of the corpus and workspace, with toolkit.verify.graphql's run

The engines themselves are in ``toolkit/verify``. The tests import these as ``tests.support.…``; the
conformance scripts in ``scripts/`` import them the same way (the editable install puts the repository
root on ``sys.path``), never through a ``sys.path`` edit. Nothing here imports ``tests.conftest`` (its
network guard is for test runs only).
"""
