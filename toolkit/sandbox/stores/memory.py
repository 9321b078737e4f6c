"""``memory``: the default store, in this process only (nothing to install, gone at exit).

Plain dicts under one lock: a dict keeps insertion order, which is the namespace's order (a key
stored again keeps its place; deleted and stored again, it goes last). Counters expire on the
monotonic clock, lazily: an expired counter is dropped when it is next asked for, and every expired
counter of a namespace when the namespace is full. With ``ctk serve --workers N`` each worker has its
own memory store: use SQLite or Redis to share state.
"""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.sandbox.stores.common import checked_by, checked_ttl, decode, encode, full


class _Counter:
    __slots__ = ("deadline", "value")

    def __init__(self, value: int, deadline: float | None) -> None:
        self.value = value
        self.deadline = deadline  # time.monotonic() after which the counter is gone; None: never


class MemoryStore:
    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self._lock = threading.Lock()
        self._values: dict[str, dict[str, str]] = {}  # namespace -> key -> JSON text, in first-stored order
        self._counters: dict[str, dict[str, _Counter]] = {}

    def get(self, namespace: str, key: str) -> Any | None:
        with self._lock:
            text = self._values.get(namespace, {}).get(key)
        return None if text is None else decode(text)

    def put(self, namespace: str, key: str, value: Any) -> None:
        text = encode(value, namespace, self.limits)
        with self._lock:
            values = self._values.setdefault(namespace, {})
            if key not in values and len(values) >= self.limits.max_stored_items:
                raise full(namespace, self.limits)
            values[key] = text

    def delete(self, namespace: str, key: str) -> bool:
        with self._lock:
            values = self._values.get(namespace, {})
            found = values.pop(key, None) is not None
            if not values:
                self._values.pop(namespace, None)
            counters = self._counters.get(namespace, {})
            counter = counters.pop(key, None)
            if not counters:
                self._counters.pop(namespace, None)
        return found or (counter is not None and not _expired(counter, time.monotonic()))

    def items(self, namespace: str, *, limit: int | None = None) -> list[tuple[str, Any]]:
        if limit is not None and limit <= 0:
            return []
        with self._lock:
            values = self._values.get(namespace, {})
            pairs = list(itertools.islice(values.items(), limit))
        return [(key, decode(text)) for key, text in pairs]

    def count(self, namespace: str) -> int:
        with self._lock:
            return len(self._values.get(namespace, {}))

    def incr(self, namespace: str, key: str, *, by: int = 1, ttl: float | None = None) -> int:
        by, ttl = checked_by(by), checked_ttl(ttl)
        now = time.monotonic()
        with self._lock:
            counters = self._counters.setdefault(namespace, {})
            counter = counters.get(key)
            if counter is not None and _expired(counter, now):
                del counters[key]
                counter = None
            if counter is None:
                if len(counters) >= self.limits.max_stored_items:
                    for name in [name for name, old in counters.items() if _expired(old, now)]:
                        del counters[name]
                    if len(counters) >= self.limits.max_stored_items:
                        raise full(namespace, self.limits, "counters")
                counter = counters[key] = _Counter(0, None if ttl is None else now + ttl)
            counter.value += by
            return counter.value

    def clear(self, prefix: str) -> int:
        removed = 0
        now = time.monotonic()
        with self._lock:
            for namespace in [name for name in self._values if name.startswith(prefix)]:
                removed += len(self._values.pop(namespace))
            for namespace in [name for name in self._counters if name.startswith(prefix)]:
                removed += sum(not _expired(counter, now) for counter in self._counters.pop(namespace).values())
        return removed

    def namespaces(self, prefix: str) -> list[str]:
        with self._lock:
            found = {name for name in self._values if name.startswith(prefix)}
            found.update(name for name in self._counters if name.startswith(prefix))
        return sorted(found)

    def close(self) -> None:
        with self._lock:
            self._values.clear()
            self._counters.clear()


def _expired(counter: _Counter, now: float) -> bool:
    return counter.deadline is not None and counter.deadline <= now
