"""The plugin is tested as a user meets it: test files written into a pytester folder and run by pytest, with the
repository's example workspace as their ctk workspace (``ctk_root``). Runs are in-process (``runpytest``), so
each contract is compiled once for the whole worker; xdist runs are subprocesses.

pytester forgets the modules an in-process run imported when the run ends; the protocol libraries keep state
across modules (YAML loaders, zeep's registries), so everything a run will need is imported here first, and the
example workspace's APIs compiled into the plugin's per-process cache."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from tests.support.paths import REPO

_PRELOADED = (
    "httpx", "respx", "requests", "zeep", "toolkit.pytest_plugin.mock", "toolkit.pytest_plugin.sandbox",
    "toolkit.pytest_plugin.journal", "toolkit.sandbox.server", "toolkit.sandbox.admin.control",
    "toolkit.mock.http_server", "toolkit.mock.loopback",
)  # fmt: skip


@pytest.fixture(scope="session")
def _warm() -> None:
    from toolkit.pytest_plugin.contracts import compiled

    for name in _PRELOADED:
        importlib.import_module(name)
    # Every module of these packages too: one first imported inside an in-process run would be dropped when the
    # run ends and imported again by a later test of this worker, its classes new objects that modules kept from
    # before do not know (zeep's Soap12Binding failed isinstance(…, SoapBinding) in tests/soap that way).
    for package in ("zeep", "toolkit"):
        root = importlib.import_module(package)
        for module in pkgutil.walk_packages(root.__path__, f"{package}."):
            if not module.name.endswith("__main__"):
                importlib.import_module(module.name)
    for api in ("payments", "crm", "inventory", "contracts/payments/v2", "contracts/inventory/v2"):
        compiled(api, REPO, None)


@pytest.fixture
def suite(pytester: pytest.Pytester, _warm: None) -> pytest.Pytester:
    """A pytester folder whose ini points ctk at the example workspace."""
    pytester.makeini(f"[pytest]\nctk_root = {REPO}\n")
    return pytester
