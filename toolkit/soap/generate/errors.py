"""Why the SOAP generator cannot answer: the schema admits no instance, or asks for more than the limits.

Both end as a Server/Receiver fault naming the element (the mock cannot produce a valid answer, and
says so rather than send invalid data or hang); a limit error also names the limit to raise.
"""

from __future__ import annotations

from toolkit.errors import CtkError


class XsdGenerationError(CtkError):
    """No valid instance of an element could be generated (unsatisfiable or endlessly recursive)."""


class XsdGenerationLimitError(XsdGenerationError):
    """The schema demands more than a generation limit allows; ``limit`` names it (a ``Limits`` field)."""

    def __init__(self, demand: str, *, limit: str, value: int, where: str | None, hint: str | None = None) -> None:
        super().__init__(
            f"the mock cannot generate {demand}: over the limit {limit}={value}",
            where=where,
            hint=hint or limit_hint(limit),
        )
        self.limit = limit


def limit_hint(limit: str) -> str:
    return f"raise it with `ctk serve --limit {limit}=N` (or [limits] in sandbox.toml), or relax the schema"
