"""The backends of the sandbox's ``Store`` (``toolkit.sandbox.store``), chosen by a URL.

    open_store(url, limits=)   the store a URL names; ``StoreURLError`` for any other text
    memory.py     ``memory``: dicts under one lock, in this process only (the default)
    sqlite.py     ``sqlite:PATH``, ``sqlite:///ABSOLUTE/PATH``: a SQLite file in WAL mode, shared by the
                  processes of one machine (``ctk serve --workers N``), kept across restarts
    redis.py      ``redis://[:PASSWORD@]HOST[:PORT][/DB]``, ``rediss://`` (TLS): a Redis server shared by
                  processes and machines; redis-py is imported only when one is opened
    common.py     what every backend does alike: values kept as compact JSON text, the size and item
                  caps, counters apart from values
    errors.py     ``StoreURLError``, ``StoreError`` (a backend unreachable or failing, its URL without a
                  password), ``StoreFullError`` (a cap reached: refused, never evicted), ``redacted``

Bounds (``toolkit.limits``): a namespace holds at most ``max_stored_items`` values (and, apart, as many
live counters); a value longer than ``max_body`` bytes as JSON is refused. Either is a ``StoreFullError``
the caller answers.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.sandbox.store import Store
from toolkit.sandbox.stores.errors import StoreError, StoreFullError, StoreURLError, redacted

__all__ = ["FORMS", "StoreError", "StoreFullError", "StoreURLError", "open_store"]

FORMS = ("memory", "sqlite:PATH", "sqlite:///ABSOLUTE/PATH", "redis://[:PASSWORD@]HOST[:PORT][/DB]", "rediss://…")
_DB = re.compile(r"^/?(\d+)?$")


def open_store(url: str, *, limits: Limits = DEFAULT_LIMITS) -> Store:
    """The store ``url`` names, open (a Redis server has answered, a SQLite file has its tables).

    ``StoreURLError`` when ``url`` is none of ``FORMS``; ``StoreError`` when the backend cannot be reached.
    """
    if url == "memory":
        from toolkit.sandbox.stores.memory import MemoryStore

        return MemoryStore(limits)
    if url.startswith("sqlite:"):
        from toolkit.sandbox.stores.sqlite import SQLiteStore

        return SQLiteStore(sqlite_path(url), url, limits)
    if url.startswith(("redis://", "rediss://")):
        check_redis_url(url)
        from toolkit.sandbox.stores.redis import RedisStore

        return RedisStore(url, limits)
    raise _refused(url, "is not a store ctk knows")


def sqlite_path(url: str) -> Path:
    """The file of ``sqlite:PATH`` (relative to the working directory) or ``sqlite:///ABSOLUTE/PATH``."""
    path = url.removeprefix("sqlite:").removeprefix("//")
    if not path.strip() or "\x00" in path:
        raise _refused(url, "names no file")
    return Path(path)


def check_redis_url(url: str) -> None:
    """Refuse a ``redis://``/``rediss://`` URL without a host, with a port that is no port or a DB no number."""
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError: not a number, or out of range
    except ValueError:  # its message quotes the "port", which may be a password's tail: not repeated
        raise _refused(url, "has a host or port that cannot be read (a port is a number from 1 to 65535)") from None
    if not parts.hostname:
        raise _refused(url, "names no host")
    if port == 0:
        raise _refused(url, "names port 0")
    if not _DB.match(parts.path):
        raise _refused(url, f"has {parts.path!r} where a database number belongs")


def _refused(url: str, why: str) -> StoreURLError:
    return StoreURLError(
        f"store {redacted(url)!r} {why}",
        hint="a store is one of: " + ", ".join(FORMS),
    )
