"""The serving process's heap: what start-up built kept out of the garbage collector's way.

A compiled contract is a large graph of long-lived objects (schemas, closures, validators, caches), while
each answer allocates short-lived containers. CPython's collector runs a young collection every 700 net
allocations and, every hundred of those, a full one that walks every tracked object — the compiled contracts
included, though none of them can become garbage while they are served. On GraphQL documents parsed anew per
request the collector took about a third of the CPU (bench/served_path.py, "GraphQL new fields").

``settle_heap`` runs once the server's sandbox is built (``ctk serve``, each ``--workers`` process, and after
each hot reload): a full collection, then ``gc.freeze()`` moves every surviving object into the permanent
generation, which collections skip; and young collections run every ``YOUNG_COLLECTION_EVERY`` allocations
instead of 700, so each collection's fixed cost is paid less often. Garbage in cycles is still found (later,
and at most that many objects later); memory that reference counting frees is freed at once as before. A
reload unfreezes first, so the APIs it replaced are collected rather than kept for good.
"""

from __future__ import annotations

import gc

# CPython's default is 700; the older generations keep their defaults (10, 10). 50,000 rather than 10,000: wrk on
# REST new ids, one worker, 11.5-12.0k -> 11.9-12.5k req/s (user CPU 76-80 -> 72-76 µs a request); in-process
# (served_path --protocol) level or better on every row; a young collection of 50,000 objects takes ~1-2 ms
YOUNG_COLLECTION_EVERY = 50_000
_settled = False  # settle_heap ran in this process: it serves (a test process that reloads in-process is left be)


def settle_heap() -> None:
    """Collect, then freeze what survives (everything built so far) and make young collections rarer."""
    global _settled  # one flag per process, as the collector itself is one per process
    gc.unfreeze()  # a reload: what the last settle froze, the replaced APIs included, can be collected again
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, middle, oldest)
    _settled = True


def resettle_heap() -> None:
    """After a hot reload: settle again if this process settled at start (a server), else nothing."""
    if _settled:
        settle_heap()
