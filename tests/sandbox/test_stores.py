"""The sandbox's store backends (``toolkit.sandbox.stores``): memory, a SQLite file, a real redis-server.

Every behaviour of the ``Store`` protocol is checked on each backend alike: values and their order,
counters and their windows, clearing one session without touching another, the JSON round trip, the
two caps (refused with ``StoreFullError``, nothing evicted), and, for the backends several processes
share, that concurrent processes lose no increment and no key. The Redis tests start their own
redis-server (``tests.support.redis_server``) and are skipped, saying how to install it, without one.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.support.paths import REPO
from tests.support.redis_server import redis_server
from toolkit.errors import ConfigError, CtkError
from toolkit.limits import Limits
from toolkit.mock.loopback import LOOPBACK, free_port
from toolkit.sandbox.store import Store
from toolkit.sandbox.stores import FORMS, StoreError, StoreFullError, StoreURLError, open_store

BACKENDS = ["memory", "sqlite", "redis"]
SHARED = ["sqlite", "redis"]  # the backends several processes share


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """One redis-server for this module's tests (each test empties the ctk: keys first)."""
    with redis_server() as server:
        yield server.url


def _url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "memory":
        return "memory"
    if backend == "sqlite":
        return f"sqlite:{tmp_path / 'store.db'}"
    url: str = request.getfixturevalue("redis_url")
    with closing(open_store(url)) as store:
        store.clear("")
    return url


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty store of each backend."""
    return _url(request.param, request, tmp_path)


@pytest.fixture(params=SHARED)
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return _url(request.param, request, tmp_path)


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    with closing(open_store(url)) as opened:
        yield opened


def test_put_get_delete_and_count(store: Store) -> None:
    assert store.get("api/s/orders", "1") is None
    store.put("api/s/orders", "1", {"id": 1, "state": "new"})
    store.put("api/s/orders", "2", {"id": 2})
    store.put("api/s/orders", "1", {"id": 1, "state": "paid"})  # stored again: replaced
    assert store.get("api/s/orders", "1") == {"id": 1, "state": "paid"}
    assert store.get("api/s/users", "1") is None  # another namespace
    assert store.count("api/s/orders") == 2 and store.count("api/s/nothing") == 0
    assert store.delete("api/s/orders", "1") is True
    assert store.delete("api/s/orders", "1") is False
    assert store.get("api/s/orders", "1") is None
    assert store.count("api/s/orders") == 1


def test_items_keep_the_order_keys_were_first_stored_in(store: Store) -> None:
    for key in ("c", "a", "b", "d"):
        store.put("ns", key, key.upper())
    store.put("ns", "a", "A2")  # stored again: keeps its place
    store.delete("ns", "c")
    store.put("ns", "c", "C2")  # deleted, stored again: goes last
    assert store.items("ns") == [("a", "A2"), ("b", "B"), ("d", "D"), ("c", "C2")]
    assert store.items("ns", limit=2) == [("a", "A2"), ("b", "B")]
    assert store.items("ns", limit=100) == store.items("ns")
    assert store.items("ns", limit=0) == []
    assert store.items("empty") == []


def test_clear_removes_a_session_and_leaves_the_others_alone(store: Store) -> None:
    for session in ("s1", "s10", "s2"):
        store.put(f"api/{session}/orders", "1", {"session": session})
        store.put(f"api/{session}/users", "u", "user")
        store.incr(f"api/{session}/quota", "client", ttl=60)
    store.put("other/s1/orders", "1", "another API")
    assert store.clear("api/s1/") == 3  # two values and a live counter
    assert store.count("api/s1/orders") == 0 and store.get("api/s1/users", "u") is None
    assert store.incr("api/s1/quota", "client", by=0) == 0  # the counter went too
    assert store.get("api/s10/orders", "1") == {"session": "s10"}  # "api/s1" is a prefix of it, "api/s1/" is not
    assert store.get("api/s2/users", "u") == "user"
    assert store.incr("api/s2/quota", "client", by=0) == 1
    assert store.get("other/s1/orders", "1") == "another API"
    assert store.clear("api/nobody/") == 0


def test_a_prefix_is_matched_as_text_never_as_a_pattern(store: Store) -> None:
    # Redis finds namespaces with SCAN MATCH, a glob: its special characters must match themselves
    special = "api/s*[1]?\\/"
    store.put(special + "orders", "1", "special")
    for lookalike in ("api/sX1Y\\/orders", "api/s*1?\\/orders", "api/s*[1]?/orders", "API/s*[1]?\\/orders"):
        store.put(lookalike, "1", "lookalike")
    assert store.clear(special) == 1
    assert store.get(special + "orders", "1") is None
    assert store.get("api/sX1Y\\/orders", "1") == "lookalike"
    assert store.get("API/s*[1]?\\/orders", "1") == "lookalike"  # a prefix is case-sensitive
    assert store.clear("api/") == 3


def test_counters_count_and_their_window_is_set_once(store: Store) -> None:
    assert store.incr("api/s/rate", "key-1") == 1
    assert store.incr("api/s/rate", "key-1") == 2
    assert store.incr("api/s/rate", "key-1", by=5) == 7
    assert store.incr("api/s/rate", "key-1", by=0) == 7  # by=0 reads a counter
    assert store.incr("api/s/rate", "key-1", by=-7) == 0
    assert store.incr("api/s/rate", "key-2", by=3) == 3
    # counters are apart from values: neither get, items nor count sees one
    assert store.get("api/s/rate", "key-1") is None
    assert store.count("api/s/rate") == 0 and store.items("api/s/rate") == []
    assert store.delete("api/s/rate", "key-2") is True  # delete resets a counter
    assert store.incr("api/s/rate", "key-2", by=0) == 0

    assert store.incr("api/s/rate", "window", ttl=0.5) == 1
    assert store.incr("api/s/rate", "window", ttl=3600) == 2  # an existing counter keeps its window
    time.sleep(0.8)
    assert store.incr("api/s/rate", "window", ttl=3600) == 1  # the first window ended: a new counter


def test_an_expired_counter_is_gone(store: Store) -> None:
    assert store.incr("api/s/rate", "short", ttl=0.05) == 1
    assert store.incr("api/s/rate", "long", ttl=3600) == 1
    time.sleep(0.2)
    assert store.incr("api/s/rate", "short", by=0) == 0
    assert store.incr("api/s/rate", "long", by=0) == 1
    assert store.delete("api/s/rate", "short") is True  # by=0 created it again, without a window
    store.incr("api/s/rate", "gone", ttl=0.05)
    time.sleep(0.2)
    assert store.delete("api/s/rate", "gone") is False  # an expired counter was not there
    assert store.clear("api/s/") == 1  # "long" only


@pytest.mark.parametrize("ttl", [0, -1, float("nan"), float("inf")])
def test_a_ttl_must_be_a_positive_number_of_seconds(store: Store, ttl: float) -> None:
    with pytest.raises(ValueError, match="ttl"):
        store.incr("ns", "k", ttl=ttl)


def test_values_make_a_json_round_trip(store: Store) -> None:
    value = {
        "id": "ord_1",
        "amount": 12.5,
        "big": 2**62,
        "tiny": -1e-300,
        "flags": [True, False, None],
        "nested": {"lines": [{"sku": "A", "qty": 2, "tags": []}, {"sku": "B", "qty": 1, "tags": ["x"]}]},
        "text": "naïve café — 日本語 🙂 \u0000 \ud800",  # a NUL, and a lone surrogate a JSON string may hold
        "tuple": (1, 2),
        3: "int key",
    }
    store.put("ns", "k", value)
    back = store.get("ns", "k")
    expected = {**{k: v for k, v in value.items() if k not in ("tuple", 3)}, "tuple": [1, 2], "3": "int key"}
    assert back == expected
    back["nested"]["lines"].clear()  # what a caller changes is its own copy
    assert store.get("ns", "k") == expected
    for scalar in (0, "", [], {}, False, "plain"):
        store.put("ns", "scalar", scalar)
        assert store.get("ns", "scalar") == scalar
    assert store.items("ns") == [("k", expected), ("scalar", "plain")]


def test_keys_and_namespaces_are_any_text(store: Store) -> None:
    names = ["", "a b", "é/🙂", "x:y:z", "a\nb", "*", "[x]", "\\"]
    for name in names:
        store.put(f"ns/{name}", name, name)
    for name in names:
        assert store.get(f"ns/{name}", name) == name
    assert store.items("ns/*") == [("*", "*")]
    assert store.clear("ns/") == len(names)


def test_a_full_namespace_refuses_a_new_key_and_evicts_nothing(url: str) -> None:
    with closing(open_store(url, limits=Limits(max_stored_items=3))) as store:
        for key in "abc":
            store.put("api/s/orders", key, key)
        with pytest.raises(StoreFullError) as refused:
            store.put("api/s/orders", "d", "d")
        assert refused.value.limit == "max_stored_items" and refused.value.namespace == "api/s/orders"
        assert "max_stored_items" in str(refused.value) and "3" in str(refused.value)
        assert isinstance(refused.value, CtkError)
        assert store.items("api/s/orders") == [("a", "a"), ("b", "b"), ("c", "c")]  # nothing evicted
        store.put("api/s/orders", "b", "B")  # a key it holds can still change
        store.put("api/s/users", "x", "x")  # another namespace has its own room
        store.delete("api/s/orders", "a")
        store.put("api/s/orders", "d", "d")
        assert [key for key, _ in store.items("api/s/orders")] == ["b", "c", "d"]


def test_a_namespace_holds_as_many_live_counters_and_expired_ones_make_room(url: str) -> None:
    with closing(open_store(url, limits=Limits(max_stored_items=3))) as store:
        store.incr("api/s/rate", "permanent")
        store.incr("api/s/rate", "short-1", ttl=0.05)
        store.incr("api/s/rate", "short-2", ttl=0.05)
        time.sleep(0.2)
        store.incr("api/s/rate", "new-1")  # the expired ones give their room
        store.incr("api/s/rate", "new-2")
        with pytest.raises(StoreFullError) as refused:
            store.incr("api/s/rate", "new-3")
        assert refused.value.limit == "max_stored_items" and "counters" in str(refused.value)
        assert store.incr("api/s/rate", "permanent") == 2  # an existing counter still counts
        store.put("api/s/rate", "value", 1)  # values are counted apart


def test_a_value_larger_than_max_body_is_refused(url: str) -> None:
    with closing(open_store(url, limits=Limits(max_body=100))) as store:
        store.put("ns", "k", "x" * 98)  # 100 bytes as JSON, quotes included
        with pytest.raises(StoreFullError) as refused:
            store.put("ns", "k", "y" * 99)
        assert refused.value.limit == "max_body" and "101 bytes" in str(refused.value)
        assert store.get("ns", "k") == "x" * 98  # the old value stays
        with pytest.raises(StoreFullError):
            store.put("ns", "other", ["é"] * 20)  # 6 bytes each as ASCII JSON: 141 in all
        assert store.count("ns") == 1


_WORKER = """
import sys, time
from pathlib import Path
from toolkit.sandbox.stores import open_store

url, worker, folder = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
store = open_store(url)
(folder / f"ready-{worker}").touch()
while not (folder / "go").exists():  # every worker starts at once, so that their writes interleave
    time.sleep(0.001)
for i in range(200):
    store.incr("api/shared/rate", "everyone", ttl=3600)
    if i % 4 == 0:
        store.put("api/shared/orders", f"w{worker}-{i // 4}", {"worker": worker, "n": i // 4})
store.close()
"""


def test_processes_sharing_a_store_lose_no_increment_and_no_key(shared_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "barrier"
    folder.mkdir()
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, shared_url, str(n), str(folder)], cwd=REPO, stderr=subprocess.PIPE
        )
        for n in range(4)
    ]
    try:
        deadline = time.monotonic() + 120
        while len(list(folder.glob("ready-*"))) < 4 and time.monotonic() < deadline:
            assert all(worker.poll() is None for worker in workers), "a worker exited before it was ready"
            time.sleep(0.01)
        (folder / "go").touch()
        for worker in workers:
            _, err = worker.communicate(timeout=120)
            assert worker.returncode == 0, err.decode(errors="replace")
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    with closing(open_store(shared_url)) as store:
        assert store.incr("api/shared/rate", "everyone", by=0) == 800
        assert store.count("api/shared/orders") == 200
        items = store.items("api/shared/orders")
        assert len({key for key, _ in items}) == 200
        for n in range(4):  # each worker's keys in the order it stored them
            mine = [value["n"] for _, value in items if value["worker"] == n]
            assert mine == list(range(50))


def test_a_sqlite_store_survives_a_restart_and_a_relative_path_is_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with closing(open_store("sqlite:state.db")) as store:
        store.put("ns", "k", {"kept": True})
        store.incr("ns", "n", by=41)
    with closing(open_store(f"sqlite:///{tmp_path / 'state.db'}")) as store:
        assert store.get("ns", "k") == {"kept": True}
        assert store.incr("ns", "n") == 42


def test_a_sqlite_file_that_cannot_be_opened_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as failed:
        open_store(f"sqlite:{tmp_path / 'no-such-folder' / 'state.db'}")
    assert "no-such-folder" in str(failed.value) and failed.value.hint and "folder" in failed.value.hint
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("not a database, but long enough to look like a header of one" * 20)
    with pytest.raises(StoreError) as failed:
        open_store(f"sqlite:{not_sqlite}")
    assert "notes.txt" in str(failed.value)


def test_a_redis_password_never_appears_in_an_error() -> None:
    port = free_port()  # nothing listens there
    url = f"redis://:s3cret-planted@{LOOPBACK}:{port}/0"
    with pytest.raises(StoreError) as failed:
        open_store(url)
    text = str(failed.value)
    assert "s3cret-planted" not in text and "s3cret-planted" not in repr(failed.value.args)
    assert f"redis://:***@{LOOPBACK}:{port}/0" in text
    assert failed.value.hint and "redis-server" in failed.value.hint
    assert failed.value.__cause__ is None and failed.value.__suppress_context__  # no chained redis-py error
    for malformed in (
        f"redis://:s3cret-planted@{LOOPBACK}:port/0",
        f"redis://:s3cret-planted@{LOOPBACK}:{port}/zero",
        "redis://user:s3cret/planted@/0",
    ):
        with pytest.raises(StoreURLError) as refused:
            open_store(malformed)
        assert "s3cret" not in str(refused.value) and "planted" not in str(refused.value), str(refused.value)
    for options in ("socket_timeout=soon", "no_such_option=1"):  # options redis-py refuses, a password among them
        with pytest.raises(StoreURLError) as refused:
            open_store(f"redis://{LOOPBACK}:{port}/0?password=s3cret-planted&{options}")
        assert "s3cret-planted" not in str(refused.value) and "password=***" in str(refused.value)
        assert options.partition("=")[0] in str(refused.value)


def test_a_redis_server_gone_is_a_clear_error() -> None:
    with redis_server() as server, closing(open_store(server.url)) as store:
        store.put("ns", "k", 1)
        server.process.terminate()
        server.process.wait(timeout=10)
        with pytest.raises(StoreError) as failed:
            store.get("ns", "k")
    assert server.url in str(failed.value) and "cannot read from Redis" in str(failed.value)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "memory:",
        "Memory",
        "postgres://db/ctk",
        "sqlite:",
        "sqlite://",
        "redis://",
        "redis:///0",
        f"redis://{LOOPBACK}:99999/0",
        f"redis://{LOOPBACK}:0/0",
        f"redis://{LOOPBACK}:6379/db",
        f"redis://{LOOPBACK}:6379/0/1",
    ],
)
def test_a_store_url_of_no_known_form_is_refused_naming_the_forms(url: str) -> None:
    with pytest.raises(StoreURLError) as refused:
        open_store(url)
    assert isinstance(refused.value, ConfigError)
    assert repr(url) in str(refused.value)
    assert all(form in (refused.value.hint or "") for form in FORMS)


def test_opening_a_store_loads_no_redis_client_unless_it_is_redis() -> None:
    code = (
        "import sys, toolkit, toolkit.sandbox.stores as stores\n"
        "stores.open_store('memory').close()\n"
        "print('redis' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert done.stdout.strip() == "False"
