"""The plugin's hooks and fixtures: nothing happens unless a test asks for a ctk fixture or marker.

Fixtures: ``ctk_mock`` (function), ``ctk_sandbox`` (function: this test's view of ``ctk_sandbox_server``, the
session's live sandbox), ``ctk_journal`` (function). When a test that used them has run its body, its calls are
judged (``strict``): a failure then fails the test itself, a warning is a ``CtkContractWarning``. When the
session ends, the calls' usage goes to the terminal summary and ``--ctk-usage``, merged across xdist workers.
Everything heavy (the sandbox, protocol libraries, httpx, respx) is imported by the first fixture that needs it.
``--ctk-verify`` adds a test item per operation of each API's vendor sandbox (``verify_items.py``, imported only
then).
"""

from __future__ import annotations

import warnings
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from toolkit.pytest_plugin.options import MARKER, add_options, settings_for, workspace_root
from toolkit.pytest_plugin.run import TestRun
from toolkit.pytest_plugin.strict import CtkContractWarning, findings, report
from toolkit.pytest_plugin.usage import Usage

if TYPE_CHECKING:
    from toolkit.pytest_plugin.journal import CtkJournal
    from toolkit.pytest_plugin.mock import MockFactory
    from toolkit.pytest_plugin.sandbox import LiveSandbox, SandboxView

__all__ = [
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

RUN = pytest.StashKey[TestRun]()
USAGE = pytest.StashKey[Usage]()
_WORKER_KEY = "ctk_usage"


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)
    if config.getoption("ctk_verify") and (config.getoption("numprocesses", None) or hasattr(config, "workerinput")):
        # each xdist worker would have its own client: the budget would hold per worker, not for the run
        raise pytest.UsageError("--ctk-verify runs in one process, so its request budget holds: add -n 0")
    config.stash[USAGE] = Usage()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    result = yield  # the test body raised: its own failure is reported, not ours
    run = item.stash.get(RUN, None)
    if run is not None:
        found = findings(run)
        if found:
            if run.settings.strict:
                pytest.fail(report(found), pytrace=False)
            for finding in found:
                warnings.warn(CtkContractWarning(f"[{finding.rule}] {finding.text}"), stacklevel=1)
    return result


@pytest.fixture
def _ctk_run(request: pytest.FixtureRequest) -> Iterator[TestRun]:
    run = TestRun(settings_for(request.node))
    request.node.stash[RUN] = run
    try:
        yield run
    finally:
        usage = request.config.stash[USAGE]
        for api, operations in run.operations.items():
            usage.declare(api, operations)
        usage.add(run.all_calls())
        run.close()


@pytest.fixture
def ctk_mock(_ctk_run: TestRun) -> MockFactory:
    """A contract-backed mock, in-process: ``ctk_mock("payments")`` (a workspace API) or a contract's path."""
    from toolkit.pytest_plugin.mock import MockFactory

    factory = MockFactory(_ctk_run)
    if _ctk_run.settings.api is not None:
        factory(_ctk_run.settings.api)
    return factory


@pytest.fixture(scope="session")
def ctk_sandbox_server(request: pytest.FixtureRequest) -> Iterator[LiveSandbox]:
    """``ctk serve``'s sandbox of the workspace on a free loopback port, one per process (per xdist worker)."""
    from toolkit.pytest_plugin.sandbox import LiveSandbox

    config = request.config
    seed_text = str(config.getini("ctk_seed") or "").strip()
    live = LiveSandbox(workspace_root(config), int(seed_text) if seed_text.lstrip("-").isdigit() else None)
    for api, operations in live.operations.items():
        config.stash[USAGE].declare(api, operations)
    try:
        yield live
    finally:
        live.close()


@pytest.fixture
def ctk_sandbox(ctk_sandbox_server: LiveSandbox, _ctk_run: TestRun) -> SandboxView:
    """The live sandbox as this test sees it: ``url(api)``, ``headers`` (its ``X-Ctk-Session``), ``session``."""
    from toolkit.pytest_plugin.sandbox import SandboxView

    view = SandboxView(ctk_sandbox_server, _ctk_run)
    _ctk_run.sandbox = view
    settings = _ctk_run.settings
    if settings.api is not None and (settings.scenario or settings.faults):
        if settings.scenario:
            view.scenario(settings.api, settings.scenario)
        if settings.faults:
            view.fault(settings.api, settings.faults)
    return view


@pytest.fixture
def ctk_journal(_ctk_run: TestRun) -> CtkJournal:
    """What the code under test sent in this test: ``calls``, ``last()``, ``assert_called``, near misses."""
    from toolkit.pytest_plugin.journal import CtkJournal

    return CtkJournal(_ctk_run)


@pytest.hookimpl(tryfirst=True)  # before -k and -m deselect: they apply to --ctk-verify's items too
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("ctk_verify"):
        from toolkit.pytest_plugin.verify_items import add_items

        add_items(session, items)


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if config.getoption("ctk_verify"):
        from toolkit.pytest_plugin.verify_items import finish

        finish(config)
    usage = config.stash.get(USAGE, None)
    if usage is None:
        return
    workeroutput: dict[str, Any] | None = getattr(config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller merges and writes
        if usage:
            workeroutput[_WORKER_KEY] = usage.to_json()
        return
    path = config.getoption("ctk_usage")
    if path:
        usage.write(Path(path) if Path(path).is_absolute() else config.invocation_params.dir / path)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist, on the controller: a worker finished; add its usage."""
    document = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
    if document:
        node.config.stash[USAGE].merge(document)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if config.getoption("ctk_verify") and not config.getoption("collectonly"):
        from toolkit.pytest_plugin.verify_items import summary

        terminalreporter.section("ctk verify")
        for line in summary(config):
            terminalreporter.write_line(line)
    usage = config.stash.get(USAGE, None)
    if not usage:
        return
    terminalreporter.section("ctk contract coverage")
    for line in usage.summary():
        terminalreporter.write_line(line)
    path = config.getoption("ctk_usage")
    if path:
        terminalreporter.write_line(f"usage written to {path}")
