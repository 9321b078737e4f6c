"""ctk's pytest plugin (the ``pytest11`` entry point ``ctk``): contract-backed mocks as fixtures.

- ``ctk_mock``: a mock of a workspace API or a contract, in-process (respx, an httpx transport, a zeep transport);
- ``ctk_sandbox``: ``ctk serve``'s sandbox live on a loopback port, a session per test;
- ``ctk_journal``: what the code under test sent, with assertions;
- ``@pytest.mark.ctk(api=, scenario=, faults=, seed=, strict=, strict_stubs=)``; ini ``ctk_root``, ``ctk_strict``,
  ``ctk_strict_stubs``, ``ctk_seed``; flags ``--ctk-usage PATH``, ``--ctk-no-strict``;
- ``pytest --ctk-verify``: ``ctk verify`` as test items, one per operation of each API's vendor sandbox.

Importing it loads pytest and ctk's light modules only (tests/plugin/test_imports.py): each fixture imports
what it needs when a test first asks for it. Modules: ``plugin`` (hooks, fixtures), ``options``, ``run`` (one
test's context), ``contracts`` (compiling once per process), ``mock``, ``sandbox``, ``admin``, ``calls``,
``journal``, ``strict``, ``usage``, ``verify_items``.
"""

from toolkit.pytest_plugin.admin import CtkSetupError
from toolkit.pytest_plugin.plugin import _ctk_run as _ctk_run
from toolkit.pytest_plugin.plugin import (
    ctk_journal,
    ctk_mock,
    ctk_sandbox,
    ctk_sandbox_server,
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_runtest_call,
    pytest_sessionfinish,
    pytest_terminal_summary,
    pytest_testnodedown,
)
from toolkit.pytest_plugin.strict import CtkContractWarning

__all__ = [
    "CtkContractWarning",
    "CtkSetupError",
    "ctk_journal",
    "ctk_mock",
    "ctk_sandbox",
    "ctk_sandbox_server",
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_runtest_call",
    "pytest_sessionfinish",
    "pytest_terminal_summary",
    "pytest_testnodedown",
]
