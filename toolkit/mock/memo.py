"""A memo bounded by the bytes it holds, not only by its entry count.

Mock answers are pure functions of their requests, so they are memoised; but a 100-item page of
Stripe charges is megabytes, and a count bound alone let a long conformance run grow a mock to tens
of gigabytes. An entry's size is its value's (``size_of``) plus its key's, counted here for every
protocol alike: keys hold request bodies and headers (500 requests each with an ignored 50 KB header
kept 25 MB in keys alone). Entries over ``max_entry_bytes`` (or with a key over ``max_key_bytes``) are
not kept; when the total passes ``max_bytes`` or the count passes ``max_entries``, the memo starts again
empty (cheaper than LRU bookkeeping on every hit, and it refills in one pass of whatever the client
repeats). Sizes are computed on ``put`` only: a hit costs one dict lookup.

``repeats_only``: an answer is kept only for a key seen before. Most requests a mock serves are new (a new id, a
new page): keeping each cost its sizes, a lock, and an entry nobody asks again that kept thousands of answers alive
(more work for the garbage collector and the caches). The first sighting records the key's ``hash`` alone (an int;
at most ``max_entries`` of them, then they start again empty), the second keeps the answer, the third is a hit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Memo(Generic[V]):
    def __init__(
        self,
        size_of: Callable[[V], int],
        *,
        max_entries: int = 4096,
        max_bytes: int = 64 * 1024 * 1024,
        max_entry_bytes: int = 1024 * 1024,
        max_key_bytes: int | None = None,
        repeats_only: bool = False,
    ) -> None:
        self._size_of = size_of
        self._entries: dict[Hashable, V] = {}
        self._bytes = 0
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self.max_key_bytes = max_entry_bytes if max_key_bytes is None else max_key_bytes
        self._lock = threading.Lock()
        self._sighted: set[int] | None = set() if repeats_only else None  # hashes of keys seen once (repeats_only)

    def get(self, key: Hashable) -> V | None:
        return self._entries.get(key)

    def put(self, key: Hashable, value: V) -> None:
        if self.max_entries <= 0:
            return
        sighted = self._sighted
        if sighted is not None:
            digest = hash(key)
            if digest not in sighted:  # a first sighting: remembered, not kept
                if len(sighted) >= self.max_entries:
                    sighted.clear()
                sighted.add(digest)
                return
            sighted.discard(digest)
        key_size = key_bytes(key)
        if key_size > self.max_key_bytes:
            return
        size = key_size + self._size_of(value)
        if size > self.max_entry_bytes:
            return
        with self._lock:
            if len(self._entries) >= self.max_entries or self._bytes + size > self.max_bytes:
                self._entries.clear()
                self._bytes = 0
            self._entries[key] = value
            self._bytes += size

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)


def key_bytes(key: object) -> int:
    """About the bytes a key holds: the length of every str and bytes in it (tuples and frozensets walked),
    8 for anything else (numbers, None). Keys are built by the mocks (a tuple of request parts, headers a
    tuple of pairs): plain loops over two levels, measured on every miss, with a walk beyond that."""
    if type(key) is not tuple:
        return _walked_bytes(key)
    size = 8 * len(key)
    for item in key:
        kind = type(item)
        if kind is str or kind is bytes:
            size += len(item)
        elif kind is tuple:
            size += 8 * len(item)
            for sub in item:  # the second level inline (headers: a tuple of name/value pairs)
                sub_kind = type(sub)
                if sub_kind is str or sub_kind is bytes:
                    size += len(sub)
                elif sub_kind is tuple and len(sub) == 2 and type(sub[0]) is str and type(sub[1]) is str:
                    size += 16 + len(sub[0]) + len(sub[1])
                else:
                    size += _walked_bytes(sub)
        elif item is None or kind is bool or kind is int or kind is float:
            size += 8
        else:
            size += _walked_bytes(item)
    return size


def _walked_bytes(key: object) -> int:
    size = 0
    stack = [key]
    while stack:
        item = stack.pop()
        if isinstance(item, (str, bytes)):
            size += len(item)
        elif isinstance(item, (tuple, frozenset)):
            size += 8 * len(item)
            stack.extend(item)
        else:
            size += 8
    return size
