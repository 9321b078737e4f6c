"""``ctk_journal``: what the code under test sent in this test, as an assertion surface.

Operations are named as the contract names them (``GET /customers/{customer_id}``, ``Query.product``); a SOAP
operation by its name alone (``GetAccount``) matches it on every port. A name no API of the test has fails with
the operations it does have, so a typo is not a silent "called 0 times".
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from toolkit.pytest_plugin.calls import Call
from toolkit.pytest_plugin.run import TestRun

if TYPE_CHECKING:
    from toolkit.sandbox.admin.journal import NearMiss

__all__ = ["CtkJournal", "names_operation"]

_SHOWN = 10  # calls listed in a failure message


def names_operation(name: str, operation: str) -> bool:
    """Whether ``name`` (as a test writes it) names ``operation`` (a contract's id)."""
    return name == operation or operation.endswith("/" + name)


class CtkJournal:
    """See the module's docstring."""

    def __init__(self, run: TestRun) -> None:
        self._run = run

    @property
    def calls(self) -> list[Call]:
        """Every request of this test, oldest first."""
        return self._run.all_calls()

    def calls_to(self, operation: str) -> list[Call]:
        self._known(operation)
        return [call for call in self.calls if any(names_operation(operation, op) for op in call.operations)]

    def count(self, operation: str) -> int:
        return len(self.calls_to(operation))

    def counts(self) -> dict[str, int]:
        """Calls per operation, in the order first called."""
        out: dict[str, int] = {}
        for call in self.calls:
            for operation in call.operations:
                out[operation] = out.get(operation, 0) + 1
        return out

    def last(self, operation: str | None = None) -> Call:
        """The last request (to ``operation``): its ``headers``, ``body``, ``json()``, ``status``."""
        __tracebackhide__ = True
        calls = self.calls_to(operation) if operation is not None else self.calls
        if not calls:
            raise AssertionError(f"no request{' to ' + operation if operation else ''} was sent in this test"
                                 + self._listing())  # fmt: skip
        return calls[-1]

    @property
    def unmatched(self) -> list[Call]:
        """Requests no operation matched."""
        return [call for call in self.calls if call.unmatched]

    def near_misses(self) -> list[tuple[Call, tuple[NearMiss, ...]]]:
        """For each unmatched request, the nearest operations and why each did not match."""
        return [(call, call.near_misses) for call in self.unmatched]

    def assert_called(self, operation: str, times: int | None = None) -> None:
        """Fail unless ``operation`` was called (exactly ``times`` times, when given)."""
        __tracebackhide__ = True
        count = self.count(operation)
        if (times is None and count == 0) or (times is not None and count != times):
            wanted = "at least once" if times is None else _times(times)
            raise AssertionError(f"expected {operation} to be called {wanted}, it was called {_times(count)}"
                                 + self._listing())  # fmt: skip

    def assert_not_called(self, operation: str) -> None:
        __tracebackhide__ = True
        count = self.count(operation)
        if count:
            raise AssertionError(f"expected {operation} not to be called, it was called {_times(count)}"
                                 + self._listing())  # fmt: skip

    def _known(self, operation: str) -> None:
        known = [op for ops in self._run.operations.values() for op in ops]
        if self._run.sandbox is not None:
            known.extend(op for ops in self._run.sandbox.operations.values() for op in ops)
        if any(names_operation(operation, op) for op in known):
            return
        close = difflib.get_close_matches(operation, known, n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise AssertionError(f"{operation!r} is not an operation of the APIs this test uses{hint}")

    def _listing(self) -> str:
        calls = self.calls
        if not calls:
            return "\nno request was sent in this test"
        lines = [f"  {call.summary()}" for call in calls[-_SHOWN:]]
        more = f" (the last {_SHOWN})" if len(calls) > _SHOWN else ""
        out = f"\nrequests of this test{more}:\n" + "\n".join(lines)
        for call in self.unmatched[-3:]:
            for miss in call.near_misses[:2]:
                out += f"\n  {call.target} is near {miss.operation}: {miss.reason}"
        return out


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"
