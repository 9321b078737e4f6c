"""The options every protocol's mock takes; each protocol's options class adds its own fields to these."""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.limits import DEFAULT_LIMITS, Limits


@dataclass(frozen=True)
class MockOptions:
    seed: int = 0  # the same seed and request always get the same answer
    validate: bool = True  # False: answer requests that break the contract (size limits still apply)
    mount: str | None = None  # the URL path the mock serves under; None: the contract's own (server URL, address)
    cache_size: int = 4096  # whole answers memoised (also bounded to 64 MB in all, 1 MB each)
    limits: Limits = DEFAULT_LIMITS  # every bound on work a request or the contract can ask for
    webhook_url: str | None = None  # where webhook events go when an admin request names no URL
