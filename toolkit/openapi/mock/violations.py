"""A request's violations, collected within bounds: all counted, ``max_violations`` listed, values clipped.

Why not jsonschema_rs's ``iter_errors``: its Python binding builds every error before it yields the
first, and each error carries a Python copy of the offending instance, so an object with thousands of
keys outside its ``propertyNames`` costs the square of its size (1 000 keys: 270 MB; 3 000: 2.6 GB).
``evaluate`` reports the errors without instance copies, in memory linear in the instance, and
``validate`` stops at the first one. A request part up to ``max_violation_scan`` bytes is evaluated
(every violation counted, the first ``max_violations`` listed); a larger one reports its first
violation and "possibly more", so the error answer costs no more than checking a valid request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema_rs

from toolkit.exchange import Violation
from toolkit.limits import Limits
from toolkit.mock.problem import clip
from toolkit.openapi.jsonschema import Validator, instance_pointer

# (JSON pointer in the instance, message) -> the violation
Describe = Callable[[str, str], Violation]


class Violations:
    """The violations of one request and the status they call for (400, or 413/415 when one says so)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.listed: list[Violation] = []
        self.total = 0
        self.uncounted = False  # a part over max_violation_scan was checked up to its first violation only
        self.status = 400

    def __bool__(self) -> bool:
        return self.total > 0

    def __len__(self) -> int:
        return self.total

    def append(self, violation: Violation, status: int | None = None) -> None:
        """Count ``violation``; list it while fewer than ``max_violations`` are listed."""
        self.total += 1
        if status is not None:
            # a body over a size limit (413) or of an undeclared type (415) is refused as a whole
            self.status = max(self.status, status)
        if len(self.listed) < self.limits.max_violations:
            self.listed.append(violation)

    def schema(self, validator: Validator, value: Any, size: int, describe: Describe) -> None:
        """Every way ``value`` breaks ``validator``'s schema; ``size``: the bytes ``value`` was read from."""
        # Validator keeps its jsonschema_rs validator private: its own ``errors`` is iter_errors (above)
        compiled = validator._compiled
        # a schema message renders the offending value ('"xxx…" is not of type "integer"'): clipped
        limit = self.limits.max_echo_length
        if size <= self.limits.max_violation_scan:
            for error in compiled.evaluate(value).errors():
                self.append(describe(error["instanceLocation"], clip(error["error"], limit)))
            return
        try:
            compiled.validate(value)
        except jsonschema_rs.ValidationError as error:
            self.append(describe(instance_pointer(error.instance_path), clip(error.message, limit)))
            self.uncounted = True

    def summary(self) -> str:
        """The answer's ``detail``: how many problems, and how many are listed."""
        total = self.total
        counted = f"{'at least ' if self.uncounted else ''}{total} problem{'s' if total != 1 else ''}"
        if total > len(self.listed):
            counted += f", the first {len(self.listed)} listed"
        return f"the request does not match the contract ({counted})"

    def errors(self) -> list[dict[str, Any]]:
        """The listed violations as problem+json ``errors`` entries, then a marker saying how many more there
        are (or may be)."""
        listed = [rendered(violation) for violation in self.listed]
        more = self.total - len(self.listed)
        if not more and not self.uncounted:
            return listed
        detail = f"and {more} more" if more else "and possibly more"
        if self.uncounted:
            scan = self.limits.max_violation_scan
            detail += (
                f"{', possibly others' if more else ''}: a part over {scan} bytes is checked up to its first problem"
            )
        return [*listed, {"more": more, "detail": detail}]  # a lower bound when uncounted


def rendered(violation: Violation) -> dict[str, Any]:
    """A violation as a problem+json ``errors`` entry: ``{"in", "name", "detail", "pointer"}`` for a parameter,
    ``{"in", "pointer", "detail"}`` for the body (a parameter's empty pointer is left out, a body's kept)."""
    if violation.name:
        entry: dict[str, Any] = {"in": violation.part, "name": violation.name, "detail": violation.message}
        if violation.pointer:
            entry["pointer"] = violation.pointer
        return entry
    if violation.pointer is not None:
        return {"in": violation.part, "pointer": violation.pointer, "detail": violation.message}
    return {"in": violation.part, "detail": violation.message}
