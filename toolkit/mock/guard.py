"""The crash guard every answer goes through: a bug in ctk costs one 500, never the server or a traceback per hit.

Each protocol's mock guards its own request path and answers a bug in its own error form; this guard
is the outer one, for what runs outside those (the multi-API dispatcher, the ``/__ctk`` admin
endpoints) and for any mock without one. A bug is logged once per place (exception type and where
it was raised), not once per request: a client repeating the request that triggers it cannot fill the log.
"""

from __future__ import annotations

import logging
import traceback

from toolkit.exchange import MockResult, Request
from toolkit.mock.handler import Handler
from toolkit.mock.problem import problem_response
from toolkit.mock.request_log import MAX_PATH, shorten

log = logging.getLogger("ctk.mock")
_MAX_REMEMBERED = 256  # distinct bug places whose traceback was logged (a bounded set, however many bugs)
# Places (exception type, file, line) whose traceback was logged: process-wide, as the log is.
_seen: set[tuple[str, str, int]] = set()


def guarded(handler: Handler, request: Request) -> MockResult:
    """``handler(request)``, or a 500 problem+json when it raises."""
    try:
        return handler(request)
    except Exception as error:  # noqa: BLE001 -- a bug in ctk must cost one 500 answer, never the server
        return failed(error, request)


def failed(error: Exception, request: Request) -> MockResult:
    """The answer to a request a bug in ctk failed: reported (``report_bug``), then one 500 problem+json.
    (The ASGI adapter catches inline and calls this: one function call less on every request.)"""
    report_bug(error, request)
    detail = f"ctk's mock failed on this request ({type(error).__name__}); this is a bug in ctk, please report it"
    return MockResult(problem_response(500, detail, kind="mock-bug"))


def report_bug(error: BaseException, request: Request, where: str = "mock") -> None:
    """Log ``error``, a bug met while answering ``request``: its traceback the first time it happens at that
    place (exception type, file and line where it was raised), one bounded line after that.

    Every crash guard reports here (this module's ``guarded`` and each protocol mock's own guard, which
    then answers in its protocol's error form), so the log holds one traceback per bug place however many
    requests hit it. ``where`` names the guard in the line ("mock", "GraphQL mock", "SOAP mock", ...)."""
    frames = traceback.extract_tb(error.__traceback__)
    last = frames[-1] if frames else None
    place = (type(error).__name__, last.filename if last else "", last.lineno or 0 if last else 0)
    label = shorten(where, 40)
    asked = f"{shorten(request.method, 16)} {shorten(request.path, MAX_PATH)}"
    if place in _seen or len(_seen) >= _MAX_REMEMBERED:
        log.error("ctk %s bug again (%s) on %s", label, type(error).__name__, asked)
        return
    _seen.add(place)
    log.error("ctk %s bug on %s", label, asked, exc_info=error)
