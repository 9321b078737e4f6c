"""Python hooks for the sandbox: what ``mocks/<api>/hooks.py`` imports.

::

    from toolkit.sandbox.hooks import Answer, HookRequest, hook

    @hook("GET /customers/{customer_id}")
    def vip(request: HookRequest, answer: Answer) -> Answer | None:
        if request.params["customer_id"] == "cus_vip":
            return answer.replace(json={**answer.json, "name": "VIP"})
        return None  # keep the answer as it is

A hook is a function of ``(request, answer)`` marked with ``@hook(OPERATION)``: a REST operation id
(``"GET /customers/{customer_id}"``), a SOAP operation name (``"GetAccount"``, or ``Service/Port/Operation``
for one port), a GraphQL root field (``"Query.product"``), or ``"*"`` for every operation of the API. It
receives the request as parsed and the answer the sandbox would send (generated, fixed by an overlay or a
named example, or shaped by state), and returns another ``Answer`` or None to keep it. Hooks of one
operation run in file order, each receiving the previous one's answer.

What an ``Answer`` carries, by protocol (fields a protocol does not use are ignored):

- REST: ``status``, ``headers`` (lower-case names; ``content-type`` and ``content-length`` are ctk's),
  ``json`` (the body; ``UNSET`` when the answer is not JSON). Another ``status`` without a ``json`` takes the
  contract's generated answer for that status;
- SOAP: ``xml`` (the Body's first element as XML text), ``values`` (leaf values to set in it, by local name,
  ``parent/name`` or ``@attribute``), ``fault`` (a fault the operation declares);
- GraphQL: ``json`` (the root field's value, keyed as the client selected it: aliases), or ``error`` (and an
  optional ``code``) to answer the field with a GraphQL error.

The sandbox checks every answer a hook returns against the contract before sending it; see
``toolkit.sandbox.overlays.hooks`` for what happens when it does not fit, or when a hook raises.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

__all__ = ["ATTRIBUTE", "UNSET", "Answer", "HookRequest", "hook"]

ATTRIBUTE = "__ctk_hooks__"  # the operations a function is a hook of, set by @hook


class _Unset:
    """``Answer.json`` when there is no JSON value (a REST answer that is not JSON, a SOAP answer)."""

    _instance: _Unset | None = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()

F = TypeVar("F", bound=Callable[..., Any])


def hook(operation: str) -> Callable[[F], F]:
    """Mark a function of ``(request, answer)`` as a hook of ``operation`` (``"*"``: every operation). A function
    may carry several ``@hook`` lines; it is returned unchanged."""
    if not isinstance(operation, str) or not operation.strip():
        raise TypeError(f"@hook needs an operation name, not {operation!r}")

    def mark(function: F) -> F:
        marks: tuple[str, ...] = getattr(function, ATTRIBUTE, ())
        setattr(function, ATTRIBUTE, (*marks, operation.strip()))
        return function

    return mark


@dataclass(frozen=True)
class HookRequest:
    """The request a hook answers, parsed. ``headers`` and ``query`` hold the first value of each name
    (header names lower-case); ``query_items`` all of them, in order."""

    operation: str  # the contract's operation id (REST ``GET /customers/{customer_id}``, SOAP
    # ``Service/Port/Operation``, GraphQL ``Query.product``)
    method: str
    path: str  # as sent, mount included, still percent-encoded
    session: str  # X-Ctk-Session, else "default"
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    query_items: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    json: Any = None  # REST: the JSON body parsed (None when there is none or it is not JSON)
    params: Mapping[str, str] = field(default_factory=dict)  # REST: the path parameters, decoded
    values: Mapping[str, str] = field(default_factory=dict)  # SOAP: the request's leaf values by local name
    args: Mapping[str, Any] = field(default_factory=dict)  # GraphQL: the root field's arguments, coerced
    variables: Mapping[str, Any] = field(default_factory=dict)  # GraphQL: the request's variables
    key: str = ""  # GraphQL: the root field's response key (its alias, else its name)


@dataclass(frozen=True)
class Answer:
    """An answer, as a hook receives it and returns it (see the module's docstring for each protocol)."""

    status: int | None = None  # None in a returned answer: the status of the answer received
    headers: Mapping[str, str] = field(default_factory=dict)
    json: Any = UNSET
    xml: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    fault: str | None = None
    error: str | None = None
    code: str | None = None

    def replace(self, **changes: Any) -> Answer:
        """This answer with ``changes`` (``answer.replace(json=...)``)."""
        return dataclasses.replace(self, **changes)
