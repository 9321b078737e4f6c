"""Where the sandbox keeps what it must remember: resources, scenario positions, rate-limit counters.

One interface, several backends (``toolkit.sandbox.stores``): in memory (the default, nothing to
install), a SQLite file (a developer's sandbox survives a restart; ``--workers N`` share it), Redis
(several processes or machines share state, positions and quotas consistently). Values are JSON
documents; keys live in namespaces (``api/session/collection``) so a session can be reset alone.
Every method is safe to call from several threads, and with SQLite or Redis from several processes.
"""

from __future__ import annotations

from typing import Any, Protocol


class Store(Protocol):
    def get(self, namespace: str, key: str) -> Any | None:
        """The JSON value stored at ``key``, or None."""
        ...

    def put(self, namespace: str, key: str, value: Any) -> None:
        """Store ``value`` (JSON-serialisable) at ``key``: a new key goes last in the namespace's order."""
        ...

    def delete(self, namespace: str, key: str) -> bool:
        """Remove ``key``; whether it was there."""
        ...

    def items(self, namespace: str, *, limit: int | None = None) -> list[tuple[str, Any]]:
        """The namespace's (key, value) pairs in the order they were first stored (at most ``limit``)."""
        ...

    def count(self, namespace: str) -> int:
        """How many keys the namespace holds."""
        ...

    def incr(self, namespace: str, key: str, *, by: int = 1, ttl: float | None = None) -> int:
        """Add ``by`` to the counter at ``key`` atomically and return the new value; a counter created now
        expires after ``ttl`` seconds (rate-limit windows), None: never."""
        ...

    def clear(self, prefix: str) -> int:
        """Remove every namespace starting with ``prefix`` (a session: ``api/session/``); how many keys went."""
        ...

    def namespaces(self, prefix: str) -> list[str]:
        """Every namespace starting with ``prefix`` that holds a value or a counter, sorted: what a hot reload
        looks through to clear one collection in every session (``api/`` lists them all)."""
        ...

    def close(self) -> None: ...
