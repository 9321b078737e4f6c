"""Sending the webhook and callback events a mock asks for, with bounded concurrency, memory and time.

One ``Deliverer`` per served app: one shared httpx client (its connection pool sized to the
concurrency, so a receiver sees at most ``webhook_concurrency`` connections), that many sender
tasks reading a queue of at most ten times as many events, and each delivery bounded by
``webhook_timeout`` from start to end. An event beyond the queue is dropped with a one-line warning:
a flood of admin requests must not grow memory. Redirects are not followed (a receiver on an allowed
host could otherwise bounce the event to one that is not), the receiver's answer is read only up to
``MAX_ANSWER`` bytes, and each destination is checked against the ``DestinationPolicy`` when it is queued
(the policy reads the URL's host with httpx's own parser, so the client sends to the host that was checked).

Events are signed by ``WebhookSigner`` when a signing secret is configured (its environment variable's name
in ``OpenAPIMockOptions.webhook_secret_env``): Stripe's documented scheme, ``t=<unix seconds>,v1=<hex
HMAC-SHA256(secret, "<t>.<body>")>``, in the header the contract names like a signature (``Stripe-Signature``,
``X-Hub-Signature-256``, ``Webhook-Signature``…), else in ``Ctk-Signature``. The secret is read once and
never shown: not in a log line, an error, a repr, or any header but as its HMAC.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import time
from typing import TYPE_CHECKING

from toolkit.destinations import DestinationPolicy, redact
from toolkit.errors import ConfigError
from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.mock.request_log import MAX_PATH, shorten

if TYPE_CHECKING:
    import httpx

    from toolkit.exchange import Delivery

log = logging.getLogger("ctk.mock")
QUEUE_FACTOR = 10  # events waiting per sender before new ones are dropped
MAX_ANSWER = 64 * 1024  # bytes of a receiver's answer read (and thrown away) so its connection can be reused
DROP_LOG_EVERY = 100  # after the first, one warning per this many dropped events


SIGNATURE_HEADER = "ctk-signature"  # where the signature goes when the contract declares no signature header
SIGNATURE_TOLERANCE = 300  # seconds a receiver should accept a signature's timestamp for (Stripe's default)


def is_signature_header(name: str) -> bool:
    """A header named like a webhook signature: ``Stripe-Signature``, ``X-Hub-Signature-256``, ``X-Signature``."""
    return "signature" in name.lower()


class WebhookSigner:
    """Signs event bodies with a secret read from an environment variable: ``t=<unix>,v1=<hex HMAC-SHA256>``
    over ``f"{t}.{body}"`` (Stripe's scheme). The secret is kept only here and never shown."""

    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    @classmethod
    def from_env(cls, variable: str | None, *, where: str = "webhook_secret_env") -> WebhookSigner | None:
        """The signer for the secret in ``variable`` (None: no variable named); a named variable that is unset
        or empty is a ``ConfigError`` naming the variable, never its value."""
        if not variable:
            return None
        secret = os.environ.get(variable, "")
        if not secret:
            raise ConfigError(
                f"the webhook signing secret's environment variable {variable} is not set",
                where=where,
                hint=f"export {variable}=<the secret the receiver verifies with>, or remove webhook_secret_env",
            )
        return cls(secret.encode("utf-8", "surrogatepass"))

    def sign(self, body: bytes, timestamp: int | None = None) -> str:
        moment = int(time.time()) if timestamp is None else timestamp
        digest = hmac.new(self._secret, str(moment).encode() + b"." + body, hashlib.sha256).hexdigest()
        return f"t={moment},v1={digest}"

    def __repr__(self) -> str:
        return "WebhookSigner(secret hidden)"


def verify_signature(
    secret: str | bytes, header: str, body: bytes, *, tolerance: int = SIGNATURE_TOLERANCE, now: float | None = None
) -> bool:
    """What a receiver does with a ``t=…,v1=…`` header: recompute the HMAC, compare in constant time, and
    refuse a timestamp more than ``tolerance`` seconds away."""
    key = secret.encode("utf-8", "surrogatepass") if isinstance(secret, str) else secret
    fields = [part.partition("=") for part in header.split(",")]
    stamps = [value for name, _, value in fields if name.strip() == "t"]
    signatures = [value.strip() for name, _, value in fields if name.strip() == "v1"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit() or not signatures:
        return False
    moment = int(stamps[0])
    if abs((time.time() if now is None else now) - moment) > tolerance:
        return False
    expected = hmac.new(key, str(moment).encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, signature) for signature in signatures)


class Deliverer:
    def __init__(self, limits: Limits = DEFAULT_LIMITS, policy: DestinationPolicy | None = None) -> None:
        self.limits = limits
        self.policy = policy or DestinationPolicy()
        self.dropped = 0
        self.refused = 0
        self._queue: asyncio.Queue[Delivery] | None = None
        self._senders: list[asyncio.Task[None]] = []
        self._client: httpx.AsyncClient | None = None

    def submit(self, delivery: Delivery) -> bool:
        """Queue ``delivery`` (on the running event loop); False when refused by the policy or the queue is full."""
        refusal = self.policy.refusal(delivery.url)
        if refusal is not None:
            self.refused += 1
            if self.refused == 1 or self.refused % DROP_LOG_EVERY == 0:  # callbacks a client aims elsewhere: few lines
                log.warning(
                    "not delivering %s: %s (%d refused so far)",
                    delivery.name or "event", shorten(refusal, 2 * MAX_PATH), self.refused,
                )  # fmt: skip
            return False
        queue = self._started()
        try:
            queue.put_nowait(delivery)
        except asyncio.QueueFull:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % DROP_LOG_EVERY == 0:  # a flood of drops is a few lines, not one each
                log.warning(
                    "dropped %s to %s: %d deliveries already waiting (webhook_concurrency=%d, x%d queued); %d dropped",
                    delivery.name or "event", _shown(delivery.url), queue.qsize(), self.limits.webhook_concurrency,
                    QUEUE_FACTOR, self.dropped,
                )  # fmt: skip
            return False
        return True

    async def aclose(self, grace: float = 5.0) -> None:
        """Let queued deliveries finish for up to ``grace`` seconds, then stop the senders and close the client."""
        if self._queue is not None and self._senders:
            try:
                await asyncio.wait_for(self._queue.join(), grace)
            except TimeoutError:
                log.warning("shutting down with %d webhook deliveries unsent", self._queue.qsize())
        for sender in self._senders:
            sender.cancel()
        await asyncio.gather(*self._senders, return_exceptions=True)
        self._senders.clear()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _started(self) -> asyncio.Queue[Delivery]:
        """The queue, its senders and the client, made on first use: they belong to the running loop."""
        if self._queue is None:
            import httpx

            concurrency = self.limits.webhook_concurrency
            self._queue = asyncio.Queue(maxsize=concurrency * QUEUE_FACTOR)
            self._client = httpx.AsyncClient(
                timeout=self.limits.webhook_timeout,
                follow_redirects=False,
                limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
                trust_env=False,  # an HTTP(S)_PROXY in the environment must not route events elsewhere
            )
            loop = asyncio.get_running_loop()
            self._senders = [loop.create_task(self._send_forever()) for _ in range(concurrency)]
        return self._queue

    async def _send_forever(self) -> None:
        assert self._queue is not None
        while True:
            delivery = await self._queue.get()
            try:
                await self._send(delivery)
            finally:
                self._queue.task_done()

    async def _send(self, delivery: Delivery) -> None:
        import httpx

        assert self._client is not None
        try:
            async with asyncio.timeout(self.limits.webhook_timeout):
                request = self._client.build_request(
                    delivery.method, delivery.url, headers=list(delivery.headers), content=delivery.body
                )
                response = await self._client.send(request, stream=True)
                try:
                    # Read a short answer to its end so the connection is reused; stop at a long one (a receiver
                    # answering gigabytes costs nothing: its connection is dropped instead).
                    received = 0
                    async for chunk in response.aiter_raw():
                        received += len(chunk)
                        if received > MAX_ANSWER:
                            break
                finally:
                    await response.aclose()
            if log.isEnabledFor(logging.INFO):
                log.info("delivered %s to %s: %s", delivery.name or "event", _shown(delivery.url), response.status_code)
        except TimeoutError:
            log.warning(
                "could not deliver %s to %s: no answer within webhook_timeout=%gs",
                delivery.name or "event", _shown(delivery.url), self.limits.webhook_timeout,
            )  # fmt: skip
        except (httpx.HTTPError, OSError, ValueError) as error:
            name, shown = delivery.name or "event", _shown(delivery.url)
            log.warning("could not deliver %s to %s: %s", name, shown, type(error).__name__)


def _shown(url: str) -> str:
    return shorten(redact(url), MAX_PATH)
