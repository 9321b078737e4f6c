"""What keeps a ``ctk verify`` run safe for a shared vendor sandbox: every request passes through ``SafeClient``.

``SafeClient.send`` refuses an unsafe operation without ``--unsafe``, spends the hard budget (for the run and
per operation), waits as the vendor asked (``Retry-After`` in seconds or as an HTTP-date, ``RateLimit``,
``RateLimit-*`` and ``X-RateLimit-*``), backs off exponentially on 5xx and timeouts, opens a circuit breaker
after repeated 401/403/429/5xx answers, adds the vendor's credentials (only to its origin), and hands every
answer to the evidence sinks. A refused request returns ``None`` and the engine stops that operation; once the
run budget is spent or the breaker is open, ``stop_reason`` says why and nothing more is sent.

Waiting uses the injected ``sleep`` and ``clock`` so tests can count without sleeping for real.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from toolkit.vendor.credentials import NO_CREDENTIALS, Credentials

if TYPE_CHECKING:
    import requests

    from toolkit.model import Operation
    from toolkit.verify.core import EvidenceSink

__all__ = ["Budget", "CircuitBreaker", "Pacer", "RefusedError", "SafeClient", "retry_after_seconds"]

BREAKER_STATUSES = frozenset({401, 403, 429})


class AnswerTooLargeError(Exception):
    """An answer body beyond ``SafeClient.max_body``: counted like a broken connection."""


class RefusedError(Exception):
    """Raised by the zeep transport when SafeClient will not send (budget, breaker, unsafe): zeep needs an answer."""


@dataclass
class Budget:
    """A hard limit on requests: for the whole run and for each operation."""

    total: int = 500
    per_operation: int = 50
    spent: int = 0
    by_operation: Counter[str] = field(default_factory=Counter)

    @property
    def left(self) -> int:
        return max(0, self.total - self.spent)

    def take(self, operation: str) -> bool:
        if self.spent >= self.total or self.by_operation[operation] >= self.per_operation:
            return False
        self.spent += 1
        self.by_operation[operation] += 1
        return True


@dataclass
class CircuitBreaker:
    """Opens after ``threshold`` answers in a row that say the vendor will not serve us (401/403/429/5xx)."""

    threshold: int = 5
    in_a_row: int = 0
    statuses: list[int] = field(default_factory=list)
    reason: str | None = None

    @property
    def open(self) -> bool:
        return self.reason is not None

    def record(self, status: int | None) -> None:
        """``status`` None: a timeout or a broken connection, which counts like a 5xx."""
        if status is not None and status not in BREAKER_STATUSES and status < 500:
            self.in_a_row, self.statuses = 0, []
            return
        self.in_a_row += 1
        self.statuses.append(status or 0)
        if self.in_a_row >= self.threshold and self.reason is None:
            answered = sorted({str(status) for status in self.statuses if status})
            said = f"answered {', '.join(answered)}" if answered else ""
            if 0 in self.statuses:
                said = f"{said} or gave no answer" if said else "gave no answer"
            self.reason = (
                f"circuit breaker open: the vendor {said} to {self.in_a_row} requests in a row; "
                "stopped to spare its sandbox (check the credentials, the rate limit or the vendor's status)"
            )


def retry_after_seconds(value: str, now: float | None = None) -> float | None:
    """``Retry-After``'s delay: delta-seconds or an HTTP-date (RFC 9110 §10.2.3); None when unreadable."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


_FIELD = re.compile(r"\b(remaining|reset|r|t)\s*=\s*(\d+)", re.IGNORECASE)


@dataclass
class Pacer:
    """When the next request may go: the vendor's rate-limit headers turned into a ``not_before`` time."""

    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    max_wait: float = 120.0  # one wait longer than this stops the run rather than stalling CI
    not_before: float = 0.0
    waited: float = 0.0

    def wait(self) -> None:
        delay = self.not_before - self.clock()
        if delay > 0:
            self.sleep(delay)
            self.waited += delay

    def delay_from(self, headers: Mapping[str, str], status: int) -> float:
        """Seconds the vendor asks us to wait before the next request (0 when it asks nothing)."""
        if "retry-after" in headers and (status == 429 or status == 503 or status >= 300):
            seconds = retry_after_seconds(headers["retry-after"])
            if seconds is not None:
                return seconds
        for prefix in ("ratelimit-", "x-ratelimit-"):
            remaining, reset = headers.get(prefix + "remaining"), headers.get(prefix + "reset")
            if remaining is not None and remaining.strip() == "0" and reset is not None and reset.strip().isdigit():
                seconds = float(reset.strip())
                if seconds > 1_000_000_000:  # some vendors send the reset as an epoch timestamp
                    seconds = max(0.0, seconds - time.time())
                return seconds
        if "ratelimit" in headers:  # the structured field: limit=10, remaining=0, reset=5 (or r=0;t=5)
            names = {"remaining": "r", "r": "r", "reset": "t", "t": "t"}
            fields = {names[name.lower()]: int(number) for name, number in _FIELD.findall(headers["ratelimit"])}
            if fields.get("r") == 0 and "t" in fields:
                return float(fields["t"])
        if status == 429:
            return 1.0  # a 429 with nothing to go by: a polite second
        return 0.0

    def update(self, headers: Mapping[str, str], status: int) -> float:
        delay = self.delay_from(headers, status)
        if delay > 0:
            self.not_before = max(self.not_before, self.clock() + delay)
        return delay


@dataclass
class SafeClient:
    """Every request of a verify run goes through ``send``."""

    credentials: Credentials = NO_CREDENTIALS
    unsafe: bool = False
    budget: Budget = field(default_factory=Budget)
    breaker: CircuitBreaker = field(default_factory=CircuitBreaker)
    pacer: Pacer = field(default_factory=Pacer)
    timeout: float = 30.0
    max_body: int = 16 * 1024 * 1024  # bytes of one answer, as sent (compressed or not)
    retries: int = 2  # extra attempts after a 5xx or a timeout, each waiting backoff * 2**attempt
    backoff: float = 0.25
    sinks: list[EvidenceSink] = field(default_factory=list)
    transport: httpx.BaseTransport | None = None
    on_send: Callable[[str], None] | None = None  # progress: called with the operation after each answer
    sent: int = 0
    answered: int = 0  # requests that got an answer (any status)
    refused_unsafe: list[str] = field(default_factory=list)
    stop_reason: str | None = None
    last_error: str = ""
    _http: httpx.Client | None = None

    def http(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(timeout=self.timeout, transport=self.transport, follow_redirects=False)
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def send(
        self,
        operation: str,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes = b"",
        safe: bool,
        contract_operation: Operation | None = None,
        expected: Callable[[httpx.Response], bool] | None = None,
    ) -> httpx.Response | None:
        """The vendor's answer, or None when the request is refused (the engine stops that operation).
        ``expected``: the protocol says this answer is normal whatever its status (a SOAP Fault's 500), so it
        is neither retried nor counted by the breaker."""
        if self.stop_reason is not None:
            return None
        if not safe and not self.unsafe:
            if operation not in self.refused_unsafe:
                self.refused_unsafe.append(operation)
            return None
        request_headers = dict(headers or {})
        params: dict[str, str] = {}
        if self.credentials.applies_to(url):
            request_headers.update(self.credentials.headers)
            params.update(self.credentials.params)
        for attempt in range(self.retries + 1):
            if not self.budget.take(operation):
                if self.budget.left == 0:
                    self.stop_reason = f"request budget spent: {self.budget.total} requests sent (raise --budget)"
                return None
            self.pacer.wait()  # never longer than max_wait: a longer ask stopped the run when it came
            try:
                self.sent += 1
                response = self._exchange(method, url, request_headers, content, params)
            except (httpx.HTTPError, AnswerTooLargeError) as exc:
                self.last_error = self.credentials.redact(f"{type(exc).__name__}: {exc}")
                self.breaker.record(None)
                if self._stopped_by_breaker() or attempt == self.retries:
                    return None
                self.pacer.sleep(self.backoff * 2**attempt)
                continue
            self.answered += 1
            answered = expected is not None and expected(response)
            self.breaker.record(200 if answered else response.status_code)
            delay = self.pacer.update(response.headers, response.status_code)
            if delay > self.pacer.max_wait:
                self.stop_reason = (
                    f"the vendor asked to wait {delay:.0f}s (Retry-After/RateLimit) before the next request, more "
                    f"than {self.pacer.max_wait:.0f}s; stopped rather than stall"
                )
            self._stopped_by_breaker()
            retry = not answered and (response.status_code == 429 or response.status_code >= 500)
            if retry and attempt < self.retries and self.stop_reason is None:
                if response.status_code >= 500 and delay == 0:
                    self.pacer.sleep(self.backoff * 2**attempt)
                continue
            self.observe(operation, response, contract_operation)
            if self.on_send is not None:
                self.on_send(operation)
            return response
        return None  # pragma: no cover - the loop always returns

    def _exchange(
        self, method: str, url: str, headers: dict[str, str], content: bytes, params: dict[str, str]
    ) -> httpx.Response:
        """One request; the answer read up to ``max_body`` bytes as sent (a vendor cannot exhaust our memory)."""
        http = self.http()
        request = http.build_request(method, url, headers=headers, content=content or None, params=params or None)
        started = time.perf_counter()
        streamed = http.send(request, stream=True)
        try:
            raw = bytearray()
            # an in-memory transport (httpx.MockTransport) hands the body over already read
            chunks = [streamed.content] if streamed.is_stream_consumed else streamed.iter_raw()
            for chunk in chunks:
                raw += chunk
                if len(raw) > self.max_body:
                    raise AnswerTooLargeError(f"the answer is larger than {self.max_body} bytes; not read further")
        finally:
            streamed.close()
        # rebuilt from the raw bytes: httpx decodes them (Content-Encoding) when the body is first read
        response = httpx.Response(
            streamed.status_code, headers=streamed.headers, content=bytes(raw), request=request,
            extensions=streamed.extensions,  # the HTTP version and reason phrase
        )  # fmt: skip
        response.elapsed = dt.timedelta(seconds=time.perf_counter() - started)  # request sent to answer read
        return response

    def _stopped_by_breaker(self) -> bool:
        if self.breaker.open and self.stop_reason is None:
            self.stop_reason = self.breaker.reason
        return self.breaker.open

    def observe(self, operation: str, response: httpx.Response, contract_operation: Operation | None) -> None:
        for sink in self.sinks:
            sink.observe(operation, response, contract_operation)

    def zeep_transport(
        self,
        operation_of: Callable[[bytes, Mapping[str, str]], tuple[str, bool]],
        expected: Callable[[httpx.Response], bool] | None = None,
    ) -> Any:
        """A zeep Transport whose calls go through ``send``: ``operation_of(body, headers)`` names the call's
        operation id and whether it is safe. A refused call raises ``RefusedError``; WSDL loads are not budgeted."""
        return _zeep_transport(self, operation_of, expected)


def _zeep_transport(
    client: SafeClient,
    operation_of: Callable[[bytes, Mapping[str, str]], tuple[str, bool]],
    expected: Callable[[httpx.Response], bool] | None = None,
) -> Any:
    import requests  # zeep's transports speak requests; imported only for SOAP runs
    from zeep.transports import Transport

    def to_requests(response: httpx.Response) -> requests.Response:
        converted = requests.Response()
        converted.status_code = response.status_code
        converted.headers.update(response.headers)
        converted._content = response.content
        converted.url = str(response.request.url)
        converted.encoding = response.encoding
        return converted

    class SafeZeepTransport(Transport):
        def post(self, address: str, message: bytes | str, headers: dict[str, str]) -> requests.Response:
            body = message.encode("utf-8") if isinstance(message, str) else message
            operation, safe = operation_of(body, headers)
            response = client.send(
                operation, "POST", address, headers=headers, content=body, safe=safe, expected=expected
            )
            if response is None:
                raise RefusedError(client.stop_reason or f"{operation}: not sent (unsafe, or budget spent)")
            return to_requests(response)

    return SafeZeepTransport()  # type: ignore[no-untyped-call]
