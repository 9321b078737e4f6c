"""The request path every protocol's mock shares, written once and wrapped around each compiled mock.

``MockEnvelope(mock)`` is what adapters serve. Around the protocol's own ``answer`` it adds, the same
way for REST, SOAP and GraphQL:

- the ``/__ctk`` admin endpoints (``admin.AdminEndpoints``), before anything else;
- the memo: an answer is a pure function of its request (the data is seeded), so identical requests
  are answered from memory, from the third on (``Memo(repeats_only=True)``: a request seen once is
  remembered by its key's hash alone); the protocol says what identifies a request (``memo_key``); an
  answer that sends events (webhooks, callbacks) is never replayed from it;
- the crash guard: a bug in ctk costs one 500 in the protocol's own form (``error_response``), logged
  once per place (``guard.report_bug``), never the server or a traceback per hit;
- the deprecated-use counts, memo hits included (``deprecated_uses``).

The sandbox's behaviours (state, faults, rate limits, the journal) wrap this handler in turn.
"""

from __future__ import annotations

import threading
from collections import Counter

from toolkit.exchange import MockResult, Request, Response
from toolkit.mock.admin import AdminEndpoints
from toolkit.mock.compiled import CompiledMock, Endpoint
from toolkit.mock.guard import report_bug
from toolkit.mock.handler import ADMIN_PREFIX, is_under
from toolkit.mock.memo import Memo
from toolkit.mock.problem import problem_response
from toolkit.model import Contract

# A memo key (the request parts that decide the answer) larger than this is not kept: the memo bounds the
# answers it holds, and its keys hold requests. Each protocol's memo_key also leaves large bodies out early.
MEMO_MAX_KEY = 16 * 1024


class MockEnvelope:
    """Callable: ``envelope(request) -> MockResult``. Thread-safe; one instance serves many requests."""

    def __init__(self, mock: CompiledMock) -> None:
        self.mock = mock
        options = mock.options
        # kept from a request's second sighting: most requests are new, and a new one then costs a hash, not an entry
        self._memo: Memo[MockResult] = Memo(
            _result_bytes, max_entries=options.cache_size, max_key_bytes=MEMO_MAX_KEY, repeats_only=True
        )
        self.admin = AdminEndpoints([mock], webhook_url=options.webhook_url, limits=options.limits)
        self.deprecated_uses: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._where = f"{mock.protocol_label} mock"
        self._memo_key = mock.memo_key
        self._memo_get = self._memo.get

    @property
    def mount(self) -> str:
        return self.mock.mount

    @property
    def contract(self) -> Contract:
        return self.mock.contract

    def endpoints(self) -> list[Endpoint]:
        return self.mock.endpoints()

    def warm(self) -> None:
        self.mock.warm()

    def __call__(self, request: Request) -> MockResult:
        path = request.path
        if path.startswith(ADMIN_PREFIX) and is_under(path, ADMIN_PREFIX):
            return self.guarded_admin(request)
        # memo_key and the memo's get are bound once (__init__): a memo hit is the common case, ~2 µs in all
        key = self._memo_key(request)
        if key is not None:
            found = self._memo_get(key)
            if found is not None:
                if found.deprecated:
                    self._count(found.deprecated)
                return found
        try:
            result = self.mock.answer(request)
        except Exception as error:  # noqa: BLE001 -- a bug in ctk must cost one 500 answer, never the server
            return self.failed(error, request)
        if key is not None and not result.deliveries:
            self._memo.put(key, result)  # not kept when the key is over MEMO_MAX_KEY
        if result.deprecated:
            self._count(result.deprecated)
        return result

    def guarded_admin(self, request: Request) -> MockResult:
        try:
            return self.admin(request)
        except Exception as error:  # noqa: BLE001 -- a bug in ctk must cost one 500 answer, never the server
            return self.failed(error, request)

    def error_response(self, request: Request, status: int, message: str) -> Response:
        """An error an adapter found before the mock ran (a body over the limit), in the protocol's form."""
        return self.mock.error_response(request, status, message)

    def failed(self, error: Exception, request: Request) -> MockResult:
        """The answer to a request a bug in ctk failed: reported once per place, then one 500 in the protocol's
        own form (problem+json for the admin endpoints, which belong to no protocol)."""
        report_bug(error, request, self._where)
        detail = f"ctk's mock failed on this request ({type(error).__name__}); this is a bug in ctk, please report it"
        if is_under(request.path, ADMIN_PREFIX):
            return MockResult(problem_response(500, detail, kind="mock-bug"))
        try:
            return MockResult(self.mock.error_response(request, 500, detail))
        except Exception:  # noqa: BLE001 -- the protocol's error form failed too: the neutral one still answers
            return MockResult(problem_response(500, detail, kind="mock-bug"))

    def _count(self, deprecated: tuple[str, ...]) -> None:
        with self._lock:
            self.deprecated_uses.update(deprecated)


def _result_bytes(result: MockResult) -> int:
    response = result.response
    return len(response.body) + 64 * (len(response.headers) + 1)
