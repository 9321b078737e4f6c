"""A ``Store`` (toolkit.sandbox.store) that counts the calls each of its methods gets, around any other.

The state layer's tests assert how many store calls a request costs: one or two, whatever the backend.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from toolkit.sandbox.store import Store

__all__ = ["CountingStore"]


class CountingStore:
    """``inner``, with the number of calls each method got in ``calls`` (cleared by ``reset_counts``)."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()

    def reset_counts(self) -> None:
        self.calls.clear()

    def get(self, namespace: str, key: str) -> Any | None:
        self.calls["get"] += 1
        return self.inner.get(namespace, key)

    def put(self, namespace: str, key: str, value: Any) -> None:
        self.calls["put"] += 1
        self.inner.put(namespace, key, value)

    def delete(self, namespace: str, key: str) -> bool:
        self.calls["delete"] += 1
        return self.inner.delete(namespace, key)

    def items(self, namespace: str, *, limit: int | None = None) -> list[tuple[str, Any]]:
        self.calls["items"] += 1
        return self.inner.items(namespace, limit=limit)

    def count(self, namespace: str) -> int:
        self.calls["count"] += 1
        return self.inner.count(namespace)

    def incr(self, namespace: str, key: str, *, by: int = 1, ttl: float | None = None) -> int:
        self.calls["incr"] += 1
        return self.inner.incr(namespace, key, by=by, ttl=ttl)

    def clear(self, prefix: str) -> int:
        self.calls["clear"] += 1
        return self.inner.clear(prefix)

    def namespaces(self, prefix: str) -> list[str]:
        self.calls["namespaces"] += 1
        return self.inner.namespaces(prefix)

    def close(self) -> None:
        self.inner.close()
