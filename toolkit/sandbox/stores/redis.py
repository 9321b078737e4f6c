"""``redis://HOST:PORT/DB`` (``rediss://`` over TLS): state, positions and quotas shared by processes and machines.

redis-py is imported here only, when a Redis store is opened, so ``import toolkit`` stays light.

Layout, under the prefix ``ctk:`` (a type letter first, so that one ``SCAN MATCH ctk:[vocd]:PREFIX*`` finds
every namespace under a prefix, whatever characters the namespace holds):

    ctk:v:NAMESPACE   hash     key -> JSON text of its value
    ctk:o:NAMESPACE   zset     key -> its place (1, 2, 3, ...): the namespace's order
    ctk:c:NAMESPACE   hash     key -> counter
    ctk:d:NAMESPACE   zset     counter key -> its deadline (ms, the server's clock), for counters with a ttl

Why a hash and a sorted set rather than one Redis key per item: ``count`` is one HLEN (O(1)), the cap is
checked and the key added in one short script that touches two keys, ``items`` is one ZRANGE then HMGET
in the server (no round trip per item), and ``clear`` deletes four keys per namespace where per-item keys
would need a SCAN over every item. A sorted set rather than a list: removing a key is O(log n), not a
walk of the list (LREM). The cost: a namespace is one hash, so it lives on one Redis node (cluster mode
is not supported: ``redis://`` names one server).

Counters live in a hash, not one Redis key each, so that they too can be capped per namespace (the
number of live counters is HLEN less the expired ones): a deadline is kept in the zset and checked by
the script that increments, which drops an expired counter before counting on (the window is set once,
when the counter is created, atomically with its first increment). Once every counter of a namespace
has a deadline, both keys get the last deadline as their own expiry, so a namespace of rate-limit
windows nobody asks for again leaves nothing behind.

Every change is one Lua script (atomic in Redis: no other client's command runs in between); time is
the server's (``TIME``), so clients on machines whose clocks differ agree on when a window ends.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.sandbox.stores.common import checked_by, checked_ttl, decode, encode, full
from toolkit.sandbox.stores.errors import REDACTED, StoreError, StoreURLError, redacted

PREFIX = "ctk:"
TIMEOUT = 5.0  # seconds to connect, and to wait for an answer, before the store reports Redis unreachable
# A lost connection is retried twice, quickly (a Redis restart, a dropped idle connection); a server that is
# down is reported in well under a second instead of after redis-py's default ten tries. A script retried
# after its answer was lost may have run already: a counter may then count one request twice.
_RETRY = Retry(ExponentialBackoff(cap=0.25, base=0.05), 2)
_GLOB_SPECIAL = re.compile(r"([\\*?\[\]])")
_HMGET_CHUNK = 1000  # keys per HMGET in the items script (Lua's unpack has a limit of a few thousand)

_NOW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
"""

# KEYS: values, order. ARGV: key, JSON text, max_stored_items. 1: stored; 0: full.
_PUT = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
  local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
  local place = 1
  if #last > 0 then place = tonumber(last[2]) + 1 end
  redis.call('ZADD', KEYS[2], place, ARGV[1])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
"""

# KEYS: values, order, counters, deadlines. ARGV: key. How many of the value and a live counter went.
_DELETE = (
    _NOW
    + """
local gone = redis.call('HDEL', KEYS[1], ARGV[1])
if gone == 1 then redis.call('ZREM', KEYS[2], ARGV[1]) end
if redis.call('HDEL', KEYS[3], ARGV[1]) == 1 then
  local deadline = redis.call('ZSCORE', KEYS[4], ARGV[1])
  redis.call('ZREM', KEYS[4], ARGV[1])
  if not deadline or tonumber(deadline) > now then gone = gone + 1 end
end
return gone
"""
)

# KEYS: values, order. ARGV: the last place to list (-1: all). A flat list: key, JSON text, key, ...
_ITEMS = f"""
local keys = redis.call('ZRANGE', KEYS[2], 0, tonumber(ARGV[1]))
local pairs = {{}}
for first = 1, #keys, {_HMGET_CHUNK} do
  local chunk = {{}}
  for i = first, math.min(first + {_HMGET_CHUNK} - 1, #keys) do chunk[#chunk + 1] = keys[i] end
  local values = redis.call('HMGET', KEYS[1], unpack(chunk))
  for i = 1, #chunk do
    if values[i] then
      pairs[#pairs + 1] = chunk[i]
      pairs[#pairs + 1] = values[i]
    end
  end
end
return pairs
"""

# KEYS: counters, deadlines. ARGV: key, by, ttl in ms ('' for none), max_stored_items. {1, value}; {0, 0}: full.
_INCR = (
    _NOW
    + """
local counters, deadlines, key = KEYS[1], KEYS[2], ARGV[1]
local deadline = redis.call('ZSCORE', deadlines, key)
if deadline and tonumber(deadline) <= now then
  redis.call('HDEL', counters, key)
  redis.call('ZREM', deadlines, key)
end
if redis.call('HEXISTS', counters, key) == 1 then
  return {1, redis.call('HINCRBY', counters, key, ARGV[2])}
end
if redis.call('HLEN', counters) >= tonumber(ARGV[4]) then
  local expired = redis.call('ZRANGEBYSCORE', deadlines, '-inf', now)
  for first = 1, #expired, 1000 do
    redis.call('HDEL', counters, unpack(expired, first, math.min(first + 999, #expired)))
  end
  redis.call('ZREMRANGEBYSCORE', deadlines, '-inf', now)
  if redis.call('HLEN', counters) >= tonumber(ARGV[4]) then return {0, 0} end
end
local value = redis.call('HINCRBY', counters, key, ARGV[2])
if ARGV[3] == '' then
  redis.call('PERSIST', counters)
  redis.call('PERSIST', deadlines)
else
  redis.call('ZADD', deadlines, now + tonumber(ARGV[3]), key)
  if redis.call('ZCARD', deadlines) == redis.call('HLEN', counters) then
    local last = redis.call('ZRANGE', deadlines, -1, -1, 'WITHSCORES')
    redis.call('PEXPIREAT', counters, last[2])
    redis.call('PEXPIREAT', deadlines, last[2])
  end
end
return {1, value}
"""
)

# KEYS: values, order, counters, deadlines. How many values and live counters went.
_CLEAR = (
    _NOW
    + """
local live = redis.call('HLEN', KEYS[3]) - redis.call('ZCOUNT', KEYS[4], '-inf', now)
local gone = redis.call('HLEN', KEYS[1]) + live
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return gone
"""
)


class RedisStore:
    def __init__(self, url: str, limits: Limits = DEFAULT_LIMITS) -> None:
        self.url = redacted(url)
        self.limits = limits
        self._passwords = _passwords(url)
        try:
            self._redis = redis.Redis.from_url(
                url,
                decode_responses=True,
                socket_connect_timeout=TIMEOUT,
                socket_timeout=TIMEOUT,
                retry=_RETRY,
            )
        except (ValueError, TypeError) as error:  # a query option redis-py cannot use
            raise StoreURLError(
                f"store {self.url!r}: {self._scrubbed(str(error))}",
                hint="the form is redis://[:PASSWORD@]HOST[:PORT][/DB] (rediss:// over TLS)",
            ) from None
        self._put = self._redis.register_script(_PUT)
        self._delete = self._redis.register_script(_DELETE)
        self._items = self._redis.register_script(_ITEMS)
        self._incr = self._redis.register_script(_INCR)
        self._clear = self._redis.register_script(_CLEAR)
        try:
            with self._failures("connect to"):
                self._redis.ping()  # an unreachable server is reported when the store opens, not at a first request
        except StoreError:
            self._redis.close()
            raise
        except TypeError as error:  # a query option redis-py passes on to a connection that takes no such argument
            self._redis.close()
            raise StoreURLError(
                f"store {self.url!r} has an option redis-py does not know: {self._scrubbed(str(error))}",
                hint="the form is redis://[:PASSWORD@]HOST[:PORT][/DB] (rediss:// over TLS)",
            ) from None

    def get(self, namespace: str, key: str) -> Any | None:
        with self._failures("read from"):
            text = self._redis.hget(_key("v", namespace), key)
        return None if text is None else decode(text)

    def put(self, namespace: str, key: str, value: Any) -> None:
        text = encode(value, namespace, self.limits)
        with self._failures("write to"):
            stored = self._put(keys=_keys(namespace, "vo"), args=[key, text, self.limits.max_stored_items])
        if not stored:
            raise full(namespace, self.limits)

    def delete(self, namespace: str, key: str) -> bool:
        with self._failures("write to"):
            return bool(self._delete(keys=_keys(namespace, "vocd"), args=[key]))

    def items(self, namespace: str, *, limit: int | None = None) -> list[tuple[str, Any]]:
        if limit is not None and limit <= 0:
            return []
        with self._failures("read from"):
            flat = self._items(keys=_keys(namespace, "vo"), args=[-1 if limit is None else limit - 1])
        return [(flat[i], decode(flat[i + 1])) for i in range(0, len(flat), 2)]

    def count(self, namespace: str) -> int:
        with self._failures("read from"):
            return int(self._redis.hlen(_key("v", namespace)))

    def incr(self, namespace: str, key: str, *, by: int = 1, ttl: float | None = None) -> int:
        by, ttl = checked_by(by), checked_ttl(ttl)
        window = "" if ttl is None else max(1, math.ceil(ttl * 1000))
        with self._failures("write to"):
            done, value = self._incr(keys=_keys(namespace, "cd"), args=[key, by, window, self.limits.max_stored_items])
        if not done:
            raise full(namespace, self.limits, "counters")
        return int(value)

    def clear(self, prefix: str) -> int:
        pattern = f"{PREFIX}[vocd]:{_glob_literal(prefix)}*"
        with self._failures("clear"):
            namespaces = {name[len(PREFIX) + 2 :] for name in self._redis.scan_iter(match=pattern, count=1000)}
            return sum(int(self._clear(keys=_keys(namespace, "vocd"))) for namespace in sorted(namespaces))

    def namespaces(self, prefix: str) -> list[str]:
        pattern = f"{PREFIX}[vocd]:{_glob_literal(prefix)}*"
        with self._failures("list"):
            return sorted({name[len(PREFIX) + 2 :] for name in self._redis.scan_iter(match=pattern, count=1000)})

    def close(self) -> None:
        self._redis.close()

    @contextmanager
    def _failures(self, doing: str) -> Iterator[None]:
        try:
            yield
        except redis.RedisError as error:
            raise StoreError(
                f"cannot {doing} Redis: {self._scrubbed(str(error) or error.__class__.__name__)}",
                where=self.url,
                hint=_hint(error),
            ) from None

    def _scrubbed(self, text: str) -> str:
        for password in self._passwords:
            text = text.replace(password, REDACTED)
        return text


def _key(kind: str, namespace: str) -> str:
    return f"{PREFIX}{kind}:{namespace}"


def _keys(namespace: str, kinds: str) -> list[str]:
    return [_key(kind, namespace) for kind in kinds]


def _glob_literal(text: str) -> str:
    """``text`` as a SCAN MATCH pattern that matches itself only: each of \\ * ? [ ] after a backslash."""
    return _GLOB_SPECIAL.sub(r"\\\1", text)


def _passwords(url: str) -> list[str]:
    """The password of ``url``'s user part as written and percent-decoded (redis-py decodes it), longest first."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return []
    return sorted({password, unquote(password)} - {""}, key=len, reverse=True) if password else []


def _hint(error: redis.RedisError) -> str:
    hints: list[tuple[type[redis.RedisError], str]] = [
        (redis.AuthenticationError, "check the user and password in the URL (redis://:PASSWORD@HOST:PORT/DB)"),
        (redis.TimeoutError, f"Redis did not answer within {TIMEOUT:g} s: is it overloaded, or the address wrong?"),
        (
            redis.ConnectionError,
            "is redis-server running at that address? Install it (apt-get install redis-server, brew install "
            "redis) or point the store elsewhere (sandbox.toml [sandbox] store, memory or sqlite:PATH)",
        ),
        (redis.ResponseError, "something else uses the ctk: keys of that database, or Redis is out of memory"),
    ]
    return next((hint for kind, hint in hints if isinstance(error, kind)), "check the Redis server")
