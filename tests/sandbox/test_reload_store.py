"""``Store.namespaces``: what a hot reload looks through to clear one collection in every session, per backend."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.support.redis_server import redis_server
from toolkit.sandbox.store import Store
from toolkit.sandbox.stores import open_store


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as server:
        yield server.url


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = {"memory": "memory", "sqlite": f"sqlite:{tmp_path / 'store.db'}"}.get(request.param)
    if url is None:
        url = request.getfixturevalue("redis_url")
    with closing(open_store(url)) as opened:
        opened.clear("")
        yield opened


def test_namespaces_lists_values_and_counters_under_a_prefix_sorted(store: Store) -> None:
    store.put("crm/s1/customers", "1", {"id": "1"})
    store.put("crm/s2/customers/cus_1/notes", "n1", {"id": "n1"})
    store.incr("crm/s1/#created", "crm/s1/customers")  # a namespace holding a counter only
    store.put("crm-v2/s1/customers", "1", {"id": "1"})  # another API whose name starts alike
    store.put("shop/s1/orders", "1", {"id": "1"})
    assert store.namespaces("crm/") == ["crm/s1/#created", "crm/s1/customers", "crm/s2/customers/cus_1/notes"]
    assert store.namespaces("crm") == [
        "crm-v2/s1/customers", "crm/s1/#created", "crm/s1/customers", "crm/s2/customers/cus_1/notes",
    ]  # fmt: skip
    assert store.namespaces("nobody/") == []
    store.delete("crm/s1/customers", "1")  # its last key gone: the namespace is gone too
    assert "crm/s1/customers" not in store.namespaces("crm/")


def test_a_prefix_with_glob_and_like_characters_matches_itself_only(store: Store) -> None:
    store.put("a*[b]?%_/s/x", "1", 1)
    store.put("aXbY/s/x", "1", 1)
    assert store.namespaces("a*[b]?%_/") == ["a*[b]?%_/s/x"]
