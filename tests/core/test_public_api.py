"""The public surface of ``toolkit`` is pinned: changing it is a deliberate, visible act."""

from __future__ import annotations

import subprocess
import sys

import toolkit


def test_public_names() -> None:
    assert sorted(toolkit.__all__) == [
        "Contract",
        "CtkError",
        "GraphQLOperation",
        "HttpOperation",
        "LoadError",
        "Location",
        "Operation",
        "Problem",
        "Protocol",
        "Severity",
        "SoapOperation",
        "__version__",
        "compile_mock",
        "load_contract",
    ]
    for name in toolkit.__all__:
        assert hasattr(toolkit, name)


def test_importing_toolkit_does_not_import_protocol_libraries() -> None:
    # `import toolkit` happens in every user's pytest run once the plugin lands: keep it light.
    heavy = "('graphql', 'lxml', 'openapi_spec_validator', 'zeep', 'httpx')"
    code = f"import sys, toolkit; print(sorted(m for m in {heavy} if m in sys.modules))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"
