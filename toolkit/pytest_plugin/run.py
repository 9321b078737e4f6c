"""One test's ctk context: its session, settings, the mocks it made, the calls they answered, and how to undo
what it changed in a shared sandbox (faults tables, stubs) when it ends."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from toolkit.pytest_plugin.calls import Call
from toolkit.pytest_plugin.options import Settings

if TYPE_CHECKING:
    from toolkit.pytest_plugin.mock import ApiMock
    from toolkit.pytest_plugin.sandbox import SandboxView

__all__ = ["TestRun", "new_session"]

_COUNTER = itertools.count(1)


def new_session() -> str:
    """A session name no other test of the run has: ``ctk-<xdist worker>-<n>`` (at most 64 characters)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")[:20]
    return f"ctk-{worker}-{next(_COUNTER)}"


@dataclass
class Stub:
    """A ``respond`` stub: the operation as the test named it, and where."""

    api: str
    operation: str
    where: str


@dataclass
class TestRun:
    __test__ = False  # not a test class, whatever pytest thinks of its name

    settings: Settings
    session: str = field(default_factory=new_session)
    calls: list[Call] = field(default_factory=list)  # ctk_mock's, in the order answered
    mocks: dict[str, ApiMock] = field(default_factory=dict)
    sandbox: SandboxView | None = None
    stubs: list[Stub] = field(default_factory=list)
    undo: list[Callable[[], Any]] = field(default_factory=list)  # run last first when the test ends
    router: Any = None  # the respx router routing the mocks' URLs (started with the first mock)
    operations: dict[str, tuple[str, ...]] = field(default_factory=dict)  # each API's operations, for usage

    def all_calls(self) -> list[Call]:
        """Every call of this test: ctk_mock's and, when used, the live sandbox's for this test's session."""
        calls = list(self.calls)
        if self.sandbox is not None:
            calls.extend(self.sandbox.calls())
            calls.sort(key=lambda call: call.at)
        return calls

    def close(self) -> None:
        errors: list[BaseException] = []
        while self.undo:
            try:
                self.undo.pop()()
            except Exception as error:  # noqa: BLE001 -- every undo runs; the first failure is raised after
                errors.append(error)
        if errors:
            raise errors[0]
