"""The Redis store's own command path (``_Connections``): the same answers as redis-py's, one round trip a call.

``RedisStore`` sends its commands on connections it lends itself rather than through
``redis.Redis.execute_command`` (whose pool probes every connection with a non-blocking read and records
metrics on each command). These tests hold it to the slow path: the same sequence of calls on a store
that goes through ``execute_command`` gives the same results and leaves the same bytes in Redis, on
varied keys and values. And to what the fast path promises: one command a call, one connection reused,
a dropped connection or a flushed script cache survived, an error answer leaving the connection usable,
a forked worker opening its own, a password never shown. Each test runs against a real redis-server.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

import pytest
import redis

from tests.support.redis_server import redis_server
from toolkit.limits import Limits
from toolkit.sandbox.stores import StoreError, StoreFullError, open_store
from toolkit.sandbox.stores.redis import RedisStore, _packed

# keys and values that stress the wire format: empty, glob and RESP specials, non-ASCII, a lone surrogate,
# a value longer than redis-py's packing buffer (sent as a memoryview of its own), nested documents
KEYS = ["", "plain", "with space", "a*b?[c]\\d", "line\r\nbreak", "ünï©ødé", "\U0001f600", "x" * 300]
VALUES: list[Any] = [
    None,
    True,
    0,
    -(2**63),
    1.5e300,
    "",
    "text",
    "\ud800 lone",
    "é" * 4000,
    [],
    {"nested": {"list": [1, "two", None, {"deep": [[]]}]}, "ünï": "©"},
    {"big": "y" * 20_000},
]


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with redis_server() as server:
        yield server.url


@pytest.fixture
def url(server_url: str) -> str:
    with closing(redis.Redis.from_url(server_url)) as plain:
        plain.flushall()
    return server_url


class _ThroughRedisPy:
    """The slow path: every command through ``redis.Redis.execute_command``, as the store sent them before."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client

    def command(self, *args: str | int) -> Any:
        return self._client.execute_command(*args)  # type: ignore[no-untyped-call]

    def script(self, script: Any, keys: list[str], args: list[str | int]) -> Any:
        try:
            return self.command("EVALSHA", script.sha, len(keys), *keys, *args)
        except redis.exceptions.NoScriptError:
            return self.command("EVAL", script.text, len(keys), *keys, *args)

    def close(self) -> None:
        pass


def _slow_store(url: str, limits: Limits) -> RedisStore:
    store = RedisStore(url, limits)
    store._connections = _ThroughRedisPy(store._redis)  # type: ignore[assignment]
    return store


def _outcome(call: Any, *args: Any, **options: Any) -> Any:
    try:
        return ("ok", call(*args, **options))
    except StoreFullError as refused:
        return ("full", refused.limit, str(refused))
    except UnicodeEncodeError as error:  # a key with a lone surrogate: redis-py cannot send it, either path
        return ("unsendable", str(error))


def _script_of_calls(store: RedisStore) -> list[Any]:
    """Every kind of call, on the varied keys and values, each call's result or refusal in order."""
    results: list[Any] = []
    for index, key in enumerate(KEYS):
        namespace = f"api/s{index % 3}/col {index % 2}"
        results.append(_outcome(store.put, namespace, key, VALUES[index % len(VALUES)]))
        results.append(_outcome(store.get, namespace, key))
        results.append(_outcome(store.incr, namespace, key, by=index - 3))
        results.append(_outcome(store.incr, namespace, key + "#w", ttl=30))
    for value in VALUES:
        results.append(_outcome(store.put, "api/s0/values", str(value)[:50], value))
    results.append(_outcome(store.put, "api/s0/values", "too big", "z" * 70_000))  # max_body
    for count in range(12):  # max_stored_items: 10
        results.append(_outcome(store.put, "api/s1/capped", f"k{count}", count))
        results.append(_outcome(store.incr, "api/s1/capped", f"c{count}", ttl=60))
    results.append(_outcome(store.items, "api/s0/values"))
    results.append(_outcome(store.items, "api/s0/values", limit=3))
    results.append(_outcome(store.items, "api/s0/values", limit=0))
    results.append([_outcome(store.count, f"api/s{i}/col {j}") for i in range(3) for j in range(2)])
    results.append([_outcome(store.delete, "api/s0/col 0", key) for key in KEYS])
    results.append(_outcome(store.get, "api/s0/col 0", ""))
    results.append(_outcome(store.namespaces, "api/"))
    results.append(_outcome(store.clear, "api/s2/"))
    results.append(_outcome(store.namespaces, ""))
    return results


def _dump(url: str) -> dict[bytes, Any]:
    """Every ctk: key with its type and contents (a zset's scores rebased: deadlines are the server's clock)."""
    dumped: dict[bytes, Any] = {}
    with closing(redis.Redis.from_url(url)) as plain:
        for name in plain.scan_iter(match="ctk:*"):
            kind = plain.type(name)
            if kind == b"hash":
                dumped[name] = (kind, plain.hgetall(name))
            else:
                dumped[name] = (kind, plain.zrange(name, 0, -1))
    return dumped


def test_the_fast_path_gives_the_slow_paths_results_and_bytes(url: str) -> None:
    limits = Limits(max_stored_items=10, max_body=65_536)
    with closing(_slow_store(url, limits)) as slow:
        expected = _script_of_calls(slow)
    slow_keys = _dump(url)
    with closing(redis.Redis.from_url(url)) as plain:
        plain.flushall()
    with closing(RedisStore(url, limits)) as fast:
        assert _script_of_calls(fast) == expected
    assert _dump(url) == slow_keys
    assert any(result[0] == "full" for result in expected)  # both refusals were exercised
    assert any(result == ("ok", None) for result in expected)


@pytest.mark.parametrize("encoding", [("utf-8", "strict"), ("latin-1", "replace"), ("utf-16", "strict")])
def test_a_command_is_packed_as_redis_py_packs_it(encoding: tuple[str, str]) -> None:
    connection = redis.Connection(encoding=encoding[0], encoding_errors=encoding[1])  # type: ignore[no-untyped-call]
    commands: list[tuple[str | int, ...]] = [
        ("HGET", "ctk:v:api/s/c", "k"),
        ("HLEN", ""),
        ("EVALSHA", "0" * 40, 2, "ctk:v:a b", "ctk:o:a b", "ünï©ødé \U0001f600", "x" * 7000, 10_000_000, -(2**63)),
        ("EVAL", "return 1", 0),
        *(("HGET", key, 2**64, -1, 0, "") for key in KEYS),
        ("HSET", "k", "f", "é" * 5000, "v" * 6001),  # past redis-py's 6000-byte buffer: split off there
    ]
    for command in commands:
        packed = connection.pack_command(*command)  # type: ignore[no-untyped-call]
        assert _packed(command, *encoding) == b"".join(packed), command
    with pytest.raises(UnicodeEncodeError):  # a lone surrogate cannot be sent, as redis-py cannot either
        _packed(("HGET", "k", "\ud800"), "utf-8", "strict")


def _calls(plain: redis.Redis) -> dict[str, int]:
    stats = plain.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(stat["calls"]) for name, stat in stats.items()}


def _others(plain: redis.Redis) -> set[int]:
    """The ids of the connections open to the server other than ``plain``'s."""
    return {int(client["id"]) for client in plain.client_list()} - {int(plain.client_id())}


def test_each_call_is_one_command_on_one_reused_connection(url: str) -> None:
    with closing(redis.Redis.from_url(url)) as plain, closing(open_store(url)) as store:
        store.put("api/s/c", "k", {"a": 1})  # the first call opens the store's connection
        connections = _others(plain)
        checks: list[tuple[Callable[[], object], str]] = [
            (lambda: store.get("api/s/c", "k"), "hget"),
            (lambda: store.put("api/s/c", "k", {"a": 2}), "evalsha"),
            (lambda: store.incr("api/s/#n", "k"), "evalsha"),
            (lambda: store.count("api/s/c"), "hlen"),
            (lambda: store.items("api/s/c"), "evalsha"),
            (lambda: store.delete("api/s/c", "k"), "evalsha"),
        ]
        for call, command in checks:
            plain.config_resetstat()
            for _ in range(5):
                call()
            calls = _calls(plain)
            assert calls.get(command) == 5, (command, calls)
            assert calls.get("eval", 0) == 0 and calls.get("script|load", 0) == 0
        assert _others(plain) == connections  # the very same connections: none opened, none dropped


def test_a_dropped_connection_and_a_flushed_script_cache_are_survived(url: str) -> None:
    with closing(redis.Redis.from_url(url)) as plain, closing(open_store(url)) as store:
        store.put("api/s/c", "k", 1)
        plain.client_kill_filter(_type="normal", skipme=True)  # every connection but this one
        assert store.get("api/s/c", "k") == 1  # reconnected and asked again
        plain.script_flush()
        store.put("api/s/c", "k2", 2)  # NOSCRIPT: sent whole once, EVALSHA again afterwards
        store.put("api/s/c", "k3", 3)
        assert store.items("api/s/c") == [("k", 1), ("k2", 2), ("k3", 3)]


def test_an_error_answer_is_a_store_error_and_the_connection_stays_usable(url: str) -> None:
    with closing(redis.Redis.from_url(url)) as plain, closing(open_store(url)) as store:
        store.put("api/s/other", "k", 1)
        connections = int(plain.info("stats")["total_connections_received"])
        plain.set("ctk:v:api/s/c", "not a hash")  # something else uses a ctk: key
        with pytest.raises(StoreError) as failed:
            store.get("api/s/c", "k")
        assert "cannot read from Redis" in str(failed.value) and "WRONGTYPE" in str(failed.value)
        assert failed.value.hint and "something else uses the ctk: keys" in failed.value.hint
        with pytest.raises(StoreError, match="cannot write to Redis"):
            store.put("api/s/c", "k", 1)
        assert store.get("api/s/other", "k") == 1
        assert int(plain.info("stats")["total_connections_received"]) == connections


def test_threads_share_the_store_and_lose_no_increment(url: str) -> None:
    with closing(redis.Redis.from_url(url)) as plain, closing(open_store(url)) as store:
        before = int(plain.info("stats")["total_connections_received"])
        start = threading.Barrier(8)

        def work() -> None:
            start.wait()
            for _ in range(100):
                store.incr("api/s/#n", "shared")

        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert store.incr("api/s/#n", "shared", by=0) == 800
        assert int(plain.info("stats")["total_connections_received"]) - before <= 8  # at most one per thread


def _child_reads(store: RedisStore, answers: Any) -> None:
    answers.put(store.get("api/s/c", "k"))
    store.put("api/s/c", "child", True)


def test_a_forked_worker_opens_its_own_connection(url: str) -> None:
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    with closing(redis.Redis.from_url(url)) as plain, closing(open_store(url)) as store:
        store.put("api/s/c", "k", "parent")  # the parent's connection is open and idle when the child forks
        context = multiprocessing.get_context("fork")
        answers = context.Queue()
        child = context.Process(target=_child_reads, args=(store, answers))
        child.start()
        child.join(timeout=60)
        assert child.exitcode == 0 and answers.get(timeout=5) == "parent"
        assert store.get("api/s/c", "child") is True  # the parent's connection was left alone
        assert store.items("api/s/c") == [("k", "parent"), ("child", True)]
        assert int(plain.info("clients")["connected_clients"]) <= 3  # this client, the store's, the pool's ping


def test_a_password_works_and_never_appears_in_an_error(url: str) -> None:
    secret = "s3cret-planted"
    with closing(redis.Redis.from_url(url)) as plain:
        plain.config_set("requirepass", secret)
        try:
            authed = url.replace("redis://", f"redis://:{secret}@")
            with closing(open_store(authed)) as store:
                store.put("api/s/c", "k", 1)
                assert store.get("api/s/c", "k") == 1
                plain.execute_command("AUTH", secret)  # type: ignore[no-untyped-call]
                plain.config_set("requirepass", secret + "-changed")
                plain.client_kill_filter(_type="normal", skipme=True)
                with pytest.raises(StoreError) as failed:
                    store.get("api/s/c", "k")
            assert secret not in str(failed.value) and secret not in (failed.value.hint or "")
            assert "***" in str(failed.value)
        finally:
            with closing(redis.Redis.from_url(url, password=secret + "-changed")) as admin:
                admin.config_set("requirepass", "")


def test_a_full_redis_refuses_a_write_as_before_and_still_answers_reads(url: str) -> None:
    with closing(redis.Redis.from_url(url)) as plain, closing(open_store(url)) as store:
        store.put("api/s/c", "k", 1)
        plain.config_set("maxmemory-policy", "noeviction")
        plain.config_set("maxmemory", 1)  # any write is now refused: Redis is out of memory
        try:
            refusals = []
            for each in (store, _slow_store(url, Limits())):
                with pytest.raises(StoreError) as failed:
                    each.put("api/s/c", "k2", 2)
                refusals.append((str(failed.value), failed.value.hint))
                assert each.get("api/s/c", "k") == 1
        finally:
            plain.config_set("maxmemory", 0)
        assert refusals[0] == refusals[1]  # the same words as redis-py's own path gives
        assert "maxmemory" in refusals[0][0] and "out of memory" in (refusals[0][1] or "")
        store.put("api/s/c", "k2", 2)
        assert store.items("api/s/c") == [("k", 1), ("k2", 2)]


def test_a_server_gone_is_reported_as_soon_and_in_the_same_words_as_before() -> None:
    with redis_server() as server:
        fast, slow = RedisStore(server.url), _slow_store(server.url, Limits())
        with closing(fast), closing(slow):
            fast.put("api/s/c", "k", 1)  # both have an open, idle connection when the server goes
            slow.put("api/s/c", "k", 1)
            server.process.terminate()
            server.process.wait(timeout=10)
            for _ in range(2):  # the idle connection found dead, then a connection refused
                errors = []
                for store in (fast, slow):
                    started = time.monotonic()
                    with pytest.raises(StoreError) as failed:
                        store.get("api/s/c", "k")
                    assert time.monotonic() - started < 1.0  # two quick retries, then the error
                    errors.append((str(failed.value), failed.value.hint))
                assert errors[0] == errors[1] and "cannot read from Redis" in errors[0][0]


def test_the_urls_database_is_the_one_written(url: str) -> None:
    other = url.rsplit("/", 1)[0] + "/3"
    with closing(open_store(other)) as store, closing(redis.Redis.from_url(other)) as plain:
        store.put("api/s/c", "k", {"in": 3})
        assert plain.hget("ctk:v:api/s/c", "k") == b'{"in":3}'
    with closing(redis.Redis.from_url(url)) as zero:
        assert zero.exists("ctk:v:api/s/c") == 0


def test_a_health_check_interval_in_the_url_is_kept(url: str) -> None:
    with closing(redis.Redis.from_url(url)) as plain, closing(open_store(url + "?health_check_interval=1")) as store:
        store.put("api/s/c", "k", 1)
        plain.config_resetstat()
        store.get("api/s/c", "k")
        time.sleep(1.2)  # idle past the interval: the next command is preceded by a PING, as redis-py does
        store.get("api/s/c", "k")
        assert _calls(plain).get("ping") == 1
