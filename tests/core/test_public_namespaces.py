"""Each public namespace's ``__all__`` is pinned: changing what users import is a deliberate, visible act."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

PUBLIC = {
    "toolkit.mock": [
        "ADMIN_PREFIX",
        "CompiledMock",
        "Endpoint",
        "Handler",
        "MockASGIApp",
        "MockEnvelope",
        "MockOptions",
        "MockTransport",
        "respx_route",
    ],
    "toolkit.soap": ["MockZeepTransport"],
    "toolkit.drift": ["diff_contracts"],
    "toolkit.vendor": [
        "NO_CREDENTIALS",
        "REDACTED",
        "AuthenticatedReader",
        "Credentials",
        "CredentialsError",
        "IntrospectionAnswer",
        "VendorError",
        "credentials_for",
        "fetch_final",
        "fetch_introspection",
        "introspection_refused",
        "origin",
    ],
    "toolkit.protocols": [
        "TABLE",
        "JobUnavailableError",
        "ProtocolEntry",
        "compile_mock",
        "diff",
        "job",
        "label",
        "lint",
        "load_data",
        "load_sdl",
        "load_xml",
        "mock_settings",
        "providers",
    ],
}


@pytest.mark.parametrize("namespace", sorted(PUBLIC))
def test_public_names(namespace: str) -> None:
    module = importlib.import_module(namespace)
    assert sorted(module.__all__) == sorted(PUBLIC[namespace])
    for name in module.__all__:
        assert getattr(module, name) is not None, name


def test_an_unknown_name_is_an_attribute_error() -> None:
    import toolkit.mock
    import toolkit.soap

    with pytest.raises(AttributeError):
        _ = toolkit.mock.NoSuchThing  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        _ = toolkit.soap.NoSuchThing  # type: ignore[attr-defined]


def test_the_namespaces_load_their_libraries_only_when_a_name_is_used() -> None:
    # A protocol mock imports toolkit.mock's helpers; that must not load httpx, and toolkit.soap must not load zeep.
    code = (
        "import sys, toolkit.mock, toolkit.soap, toolkit.mock.problem; "
        "print(sorted(m for m in ('httpx', 'zeep', 'uvicorn') if m in sys.modules))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"
