"""``pytest --ctk-verify``: ``ctk verify`` as test items, one per operation of each workspace API whose vendor
sandbox is configured (named ``payments[GET /customers/{id}]``, node ids ``ctk-verify::payments[…]``), so a
vendor's drift lands in the team's usual report (terminal, ``--junitxml``).

The items need no test file: ``add_items`` (the plugin's ``pytest_collection_modifyitems``) collects one
``VerifyApi`` per API under the session. Each API's items share one run (``toolkit.verify.runner.open_run``):
one ``SafeClient``, so the budget, pacing and circuit breaker hold for the whole pytest run as they do for
``ctk verify``, and one evidence collector, saved when the session ends where ``ctk verify`` saves it. An item
fails with the run's ``Failure``s (check, place, reproduction) and is skipped, with the reason, when its
operation is not sent (unsafe without ``--ctk-verify-unsafe``, budget spent, breaker open). Every message is
scrubbed of the API's credentials. The verify modules (httpx, schemathesis, zeep) are imported only here, and
this module only when ``--ctk-verify`` is given; it runs in one process (xdist is refused: the budget is one).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from toolkit.errors import CtkError
from toolkit.pytest_plugin.options import workspace_root

if TYPE_CHECKING:
    from _pytest._code.code import ExceptionInfo, TerminalRepr

    from toolkit.verify.core import Engine, Failure
    from toolkit.verify.runner import ApiTarget, OpenRun

__all__ = ["VerifyApi", "VerifyItem", "add_items", "finish", "summary"]


@dataclass
class ApiRun:
    """One API's share of the session: its target, its run (client, context, evidence), its engine."""

    target: ApiTarget
    run: OpenRun
    engine: Engine
    exercised: list[str]
    not_sent: dict[str, str]
    ran: int = 0

    def redact(self, text: str) -> str:
        return self.target.credentials.redact(text)


@dataclass
class VerifySession:
    """Every API's run of this pytest session, and what ``finish`` wrote."""

    runs: list[ApiRun] = field(default_factory=list)
    written: list[str] = field(default_factory=list)


SESSION = pytest.StashKey[VerifySession]()
# The items' node ids read ctk-verify::payments[GET /customers/{id}]: pytest reads a bracket as parameters only
# after a "::", so this prefix is what makes a JUnit case read name="payments[GET /customers/{id}]" (as
# ctk verify --format junit names it) instead of a path with its slashes turned into dots.
NODE_PREFIX = "ctk-verify"


class NonConformingError(Exception):
    """An item's operation did not conform: ``repr_failure`` shows its failures, one per line."""

    def __init__(self, failures: list[Failure]) -> None:
        super().__init__(f"{len(failures)} conformance failures")
        self.failures = failures


def add_items(session: pytest.Session, items: list[pytest.Item]) -> None:
    """Collect the verify items of every API asked for (``--ctk-verify-api``, else all with a vendor sandbox)."""
    from toolkit.verify.workspace_targets import verifiable_apis
    from toolkit.workspace import load_workspace

    config = session.config
    root = workspace_root(config)
    if root is None:
        raise pytest.UsageError(
            "--ctk-verify needs a ctk workspace (sandbox/sandbox.toml at or above the rootdir); set the ini ctk_root"
        )
    try:
        space = load_workspace(root)
    except CtkError as exc:
        raise pytest.UsageError(f"--ctk-verify: {exc}") from None
    asked: list[str] = config.getoption("ctk_verify_api") or []
    names = asked or verifiable_apis(space)
    unknown = [name for name in names if name not in space.apis]
    if unknown:
        raise pytest.UsageError(
            f"--ctk-verify-api: no API named {', '.join(unknown)} in {space.config}; "
            f"the APIs are: {', '.join(space.apis) or 'none'}"
        )
    if not names:
        raise pytest.UsageError(
            f"--ctk-verify: no API of {space.config} has a vendor sandbox configured; "
            "add [apis.NAME.vendor] sandbox_url (graphql_endpoint, wsdl_url)"
        )
    config.stash[SESSION] = VerifySession()
    for name in names:
        collector = VerifyApi.from_parent(session, name=name, nodeid=f"{NODE_PREFIX}::{name}", space_root=root)
        items.extend(session.genitems(collector))


class VerifyApi(pytest.Collector):
    """One workspace API: builds its run, and an item per operation of its contract."""

    def __init__(self, *, space_root: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.space_root = space_root
        self.api_run: ApiRun | None = None

    def collect(self) -> Iterable[pytest.Item | pytest.Collector]:
        from toolkit.verify.runner import RunOptions, engine_for, not_sent, open_run
        from toolkit.verify.workspace_targets import api_target
        from toolkit.workspace import load_workspace

        config = self.config
        space = load_workspace(self.space_root)
        target = api_target(space, space.apis[self.name])  # a missing credential variable stops here, named
        options = RunOptions(
            seed=config.getoption("ctk_verify_seed"),
            examples=config.getoption("ctk_verify_examples"),
            unsafe=config.getoption("ctk_verify_unsafe"),
            budget=config.getoption("ctk_verify_budget"),
        )
        run = open_run(target, options)
        engine = engine_for(str(target.contract.protocol))
        exercised = engine.operations(run.ctx)
        self.api_run = ApiRun(target, run, engine, exercised, not_sent(target.contract, set(exercised), run.ctx))
        config.stash[SESSION].runs.append(self.api_run)
        ordered = exercised + [op.id for op in target.contract.operations if op.id not in exercised]
        for operation in ordered:
            name = f"{self.name}[{operation}]"
            yield VerifyItem.from_parent(self, name=name, nodeid=f"{self.nodeid}[{operation}]", operation=operation)

    def repr_failure(self, excinfo: ExceptionInfo[BaseException]) -> str | TerminalRepr:  # type: ignore[override]
        if isinstance(excinfo.value, CtkError):  # a missing variable, a broken contract: said plainly
            return f"ctk verify {self.name}: {excinfo.value}"
        return super().repr_failure(excinfo)


class VerifyItem(pytest.Item):
    """One operation of an API, run through the API's shared client."""

    def __init__(self, *, operation: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.operation = operation

    @property
    def api_run(self) -> ApiRun:
        assert isinstance(self.parent, VerifyApi) and self.parent.api_run is not None
        return self.parent.api_run

    def runtest(self) -> None:
        api_run = self.api_run
        ctx, client = api_run.run.ctx, api_run.run.client
        if self.operation in api_run.not_sent:
            _skip(api_run.not_sent[self.operation])
        if client.stop_reason is not None:
            _skip(api_run.redact(f"not sent: {client.stop_reason}"))
        api_run.ran += 1
        try:
            failures = list(api_run.engine.run(ctx, only=self.operation))
        except CtkError as exc:
            pytest.fail(api_run.redact(str(exc)), pytrace=False)
        except Exception as exc:  # noqa: BLE001 - an engine's bug is this item's failure, said without a traceback
            pytest.fail(api_run.redact(f"the engine stopped: {type(exc).__name__}: {exc}"), pytrace=False)
        if failures:
            raise NonConformingError(failures)
        if self.operation in ctx.skipped:
            _skip(api_run.redact(ctx.skipped[self.operation]))
        if client.stop_reason is not None:
            _skip(api_run.redact(f"stopped: {client.stop_reason}"))

    def repr_failure(self, excinfo: ExceptionInfo[BaseException], style: Any = None) -> str | TerminalRepr:
        if isinstance(excinfo.value, NonConformingError):
            lines = _lines(self.api_run.target.base_url, self.operation, excinfo.value.failures)
            return self.api_run.redact("\n".join(lines))
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return Path(self.api_run.target.contract.source), 0, self.name  # the contract's file: skips point at it


def _skip(reason: str) -> NoReturn:
    # reported at the item (its contract), not at this line of the plugin, in -rs and the JUnit skip message
    raise pytest.skip.Exception(reason, _use_item_location=True)


def _lines(base_url: str, operation: str, failures: list[Failure]) -> Iterator[str]:
    count = f"{len(failures)} failure" + ("s" if len(failures) > 1 else "")
    if all(failure.check == "transport" for failure in failures):  # no answer says nothing of conformance
        yield f"the vendor at {base_url} did not answer ({count}):"
    else:
        yield f"the vendor at {base_url} does not conform ({count}):"
    for failure in failures:
        place = f" at {failure.place}" if failure.place else ""
        # a create's item runs its whole create → read → delete chain: say which step failed
        step = f" ({failure.operation}, in this operation's chain)" if failure.operation != operation else ""
        yield f"  {failure.check}{place}{step}: {failure.message}"
        if failure.reproduction:
            yield "    reproduce: " + failure.reproduction.replace("\n", "\n      ")


def finish(config: pytest.Config) -> None:
    """Close each API's client and save its evidence where ``ctk verify`` saves it (when anything was sent)."""
    session = config.stash.get(SESSION, None)
    if session is None:
        return
    for api_run in session.runs:
        run = api_run.run
        run.client.close()
        path = api_run.target.evidence_path
        if path is None or not run.client.answered:
            continue
        try:
            session.written.append(str(run.collector.write(path)))
        except CtkError as exc:
            session.written.append(api_run.redact(f"evidence of {api_run.target.api} not saved: {exc}"))


def summary(config: pytest.Config) -> list[str]:
    """Lines for the terminal summary: each API's requests and budget, and where its evidence went."""
    session = config.stash.get(SESSION, None)
    if session is None:
        return []
    lines = []
    for api_run in session.runs:
        client = api_run.run.client
        line = (
            f"{api_run.target.api}: {client.sent} requests sent to {api_run.target.base_url}, "
            f"budget left {client.budget.left}/{client.budget.total}"
        )
        if client.stop_reason is not None:
            line += f"; stopped: {client.stop_reason}"
        lines.append(api_run.redact(line))
    return lines + [f"evidence: {path}" for path in session.written]
