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

Every call is one command, one round trip: a script goes by its SHA1 (EVALSHA; sent whole only after a
server answered NOSCRIPT), on a connection ``_Connections`` lends for that command alone and reuses.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import threading
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
_Connection = Any  # a redis.connection.Connection (redis-py leaves its methods untyped)
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


class _Script:
    """A Lua script run by its SHA1 (EVALSHA: the text crosses the wire once per server, not per call)."""

    __slots__ = ("sha", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.sha = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


class _Connections:
    """redis-py connections, each lent to one command at a time, without redis-py's per-command bookkeeping.

    ``redis.Redis.execute_command`` checks a connection out of its pool with a non-blocking read (is a stale
    answer waiting?), records observability metrics and wraps the call in closures: about as much CPU as
    the round trip itself. Here a connection goes back to the free list only after its answer was read
    whole; any other outcome disconnects it first (the next command reconnects), so no stale answer can be
    waiting and the probe is not needed. Lost connections and timeouts are retried as redis-py does, with
    the same ``Retry``; the free list holds at most as many connections as commands ever ran at once.
    """

    def __init__(self, pool: redis.ConnectionPool) -> None:
        self._pool = pool
        self._encoding = pool.connection_kwargs.get("encoding", "utf-8")  # as the connections' Encoder has it
        self._encoding_errors = pool.connection_kwargs.get("encoding_errors", "strict")
        self._lock = threading.Lock()
        self._free: list[_Connection] = []
        self._pid = os.getpid()

    def command(self, *args: str | int) -> Any:
        packed = [_packed(args, self._encoding, self._encoding_errors)]
        connection = self._borrow()
        try:
            reply = connection.retry.call_with_retry(
                lambda: _exchange(connection, packed), lambda _error: connection.disconnect()
            )
        except redis.ResponseError:  # an error answer (NOSCRIPT, OOM, WRONGTYPE), read whole: the connection is fine
            self._give_back(connection)
            raise
        except BaseException:
            connection.disconnect()
            self._give_back(connection)
            raise
        self._give_back(connection)
        return reply

    def script(self, script: _Script, keys: list[str], args: list[str | int]) -> Any:
        try:
            return self.command("EVALSHA", script.sha, len(keys), *keys, *args)
        except redis.exceptions.NoScriptError:  # a server restarted or flushed: EVAL caches the script again
            return self.command("EVAL", script.text, len(keys), *keys, *args)

    def close(self) -> None:
        with self._lock:
            free, self._free = self._free, []
        for connection in free:
            connection.disconnect()

    def _borrow(self) -> _Connection:
        with self._lock:
            if self._pid != os.getpid():  # a forked worker: the parent's sockets are not this process's to use
                self._free, self._pid = [], os.getpid()
            if self._free:
                return self._free.pop()
        return self._pool.connection_class(**self._pool.connection_kwargs)

    def _give_back(self, connection: _Connection) -> None:
        with self._lock:
            if self._pid == connection.pid:
                self._free.append(connection)


def _exchange(connection: _Connection, packed: list[bytes]) -> Any:
    connection.send_packed_command(packed)  # a PING first only if the URL set health_check_interval
    return connection.read_response()


def _packed(args: tuple[str | int, ...], encoding: str, errors: str) -> bytes:
    """A command in the Redis protocol, the bytes redis-py's packer sends (in one buffer, where redis-py splits
    a long value off): its generic packer, which takes any type and splits a name like 'CONFIG GET', costs
    three times as much for the few shapes the store sends (a one-word name, text and integer arguments)."""
    name, *rest = args
    assert isinstance(name, str) and name.isalpha(), name  # a command's name, in ASCII as redis-py sends it
    parts = [b"*%d\r\n$%d\r\n%s\r\n" % (len(args), len(name), name.encode())]
    for arg in rest:
        data = arg.encode(encoding, errors) if isinstance(arg, str) else b"%d" % arg
        parts += (b"$%d\r\n" % len(data), data, b"\r\n")
    return b"".join(parts)


_PUT_SCRIPT, _DELETE_SCRIPT, _ITEMS_SCRIPT, _INCR_SCRIPT, _CLEAR_SCRIPT = map(
    _Script, (_PUT, _DELETE, _ITEMS, _INCR, _CLEAR)
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
        self._connections = _Connections(self._redis.connection_pool)
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
        text = self._command("read from", "HGET", _key("v", namespace), key)
        return None if text is None else decode(text)

    def put(self, namespace: str, key: str, value: Any) -> None:
        text = encode(value, namespace, self.limits)
        if not self._script("write to", _PUT_SCRIPT, _keys(namespace, "vo"), [key, text, self.limits.max_stored_items]):
            raise full(namespace, self.limits)

    def delete(self, namespace: str, key: str) -> bool:
        return bool(self._script("write to", _DELETE_SCRIPT, _keys(namespace, "vocd"), [key]))

    def items(self, namespace: str, *, limit: int | None = None) -> list[tuple[str, Any]]:
        if limit is not None and limit <= 0:
            return []
        flat = self._script("read from", _ITEMS_SCRIPT, _keys(namespace, "vo"), [-1 if limit is None else limit - 1])
        return [(flat[i], decode(flat[i + 1])) for i in range(0, len(flat), 2)]

    def count(self, namespace: str) -> int:
        return int(self._command("read from", "HLEN", _key("v", namespace)))

    def incr(self, namespace: str, key: str, *, by: int = 1, ttl: float | None = None) -> int:
        by, ttl = checked_by(by), checked_ttl(ttl)
        window = "" if ttl is None else max(1, math.ceil(ttl * 1000))
        args: list[str | int] = [key, by, window, self.limits.max_stored_items]
        done, value = self._script("write to", _INCR_SCRIPT, _keys(namespace, "cd"), args)
        if not done:
            raise full(namespace, self.limits, "counters")
        return int(value)

    def clear(self, prefix: str) -> int:
        pattern = f"{PREFIX}[vocd]:{_glob_literal(prefix)}*"
        with self._failures("clear"):
            namespaces = {name[len(PREFIX) + 2 :] for name in self._redis.scan_iter(match=pattern, count=1000)}
        return sum(
            int(self._script("clear", _CLEAR_SCRIPT, _keys(namespace, "vocd"), [])) for namespace in sorted(namespaces)
        )

    def namespaces(self, prefix: str) -> list[str]:
        pattern = f"{PREFIX}[vocd]:{_glob_literal(prefix)}*"
        with self._failures("list"):
            return sorted({name[len(PREFIX) + 2 :] for name in self._redis.scan_iter(match=pattern, count=1000)})

    def close(self) -> None:
        self._connections.close()
        self._redis.close()

    def _command(self, doing: str, *args: str | int) -> Any:
        try:
            return self._connections.command(*args)
        except redis.RedisError as error:
            raise self._failed(doing, error) from None

    def _script(self, doing: str, script: _Script, keys: list[str], args: list[str | int]) -> Any:
        try:
            return self._connections.script(script, keys, args)
        except redis.RedisError as error:
            raise self._failed(doing, error) from None

    @contextmanager
    def _failures(self, doing: str) -> Iterator[None]:
        try:
            yield
        except redis.RedisError as error:
            raise self._failed(doing, error) from None

    def _failed(self, doing: str, error: redis.RedisError) -> StoreError:
        return StoreError(
            f"cannot {doing} Redis: {self._scrubbed(str(error) or error.__class__.__name__)}",
            where=self.url,
            hint=_hint(error),
        )

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
