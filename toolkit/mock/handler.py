"""What adapters serve: a ``Handler`` (request in, ``MockResult`` out), the ``/__ctk`` prefix, and errors an
adapter finds before the handler runs, in the protocol's own form."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from toolkit.exchange import MockResult, Request, Response

Handler = Callable[["Request"], "MockResult"]
ADMIN_PREFIX = "/__ctk"  # the mocks' own endpoints (health, webhooks on demand), outside every API's mount


def is_under(path: str, prefix: str) -> bool:
    """``path`` is ``prefix`` or below it: ``/v1`` covers ``/v1`` and ``/v1/x``, not ``/v10``."""
    return path == prefix or path.startswith(prefix + "/")


@runtime_checkable
class AnswersInItsForm(Protocol):
    """A handler that knows its protocol's error form: a ``MockEnvelope``, the sandbox's dispatcher."""

    def __call__(self, request: Request) -> MockResult: ...

    def error_response(self, request: Request, status: int, message: str) -> Response: ...


def error_response(handler: Handler, request: Request, status: int, message: str) -> Response:
    """The error an adapter found before the handler ran (a body over the limit), in the protocol's own form.

    A SOAP client expects a Fault and a GraphQL client an ``errors`` list, not problem+json: a handler that
    knows its protocol's form answers in it; a plain callable (a test's stand-in) gets problem+json.
    """
    if isinstance(handler, AnswersInItsForm):
        return handler.error_response(request, status, message)
    from toolkit.mock.problem import problem_response

    kind = "too-large" if status == 413 else "error"
    return problem_response(status, message, kind=kind)
