"""State shared by several `ctk serve` processes: two servers on one Redis, and --workers 2 on one SQLite file.

Through what a user runs: the CLI in subprocesses, real HTTP on loopback, a real redis-server. A
resource created through one process is read, listed, updated and deleted through the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.support.redis_server import redis_server
from tests.support.served import HANG, served

HEADERS = {"x-api-key": "sk_test_1"}
CONTRACT = "contracts/payments/v1"


def _round_trip(create: httpx.Client, other: httpx.Client, session: str) -> None:
    """Create through ``create``; read, list, update, delete and read again through ``other``."""
    headers = {**HEADERS, "x-ctk-session": session}
    made = create.post("/v1/customers", json={"email": "ann@example.com", "name": "Ann Lee"}, headers=headers)
    assert made.status_code == 201, made.text
    customer = made.json()
    path = f"/v1/customers/{customer['id']}"
    read = other.get(path, headers=headers)
    assert read.status_code == 200 and read.json() == customer
    listed = other.get("/v1/customers", headers=headers).json()
    assert customer["id"] in {item["id"] for item in listed["data"]}
    changed = create.post(path, json={"name": "Ann Smith"}, headers=headers)
    assert changed.status_code == 200 and changed.json()["name"] == "Ann Smith"
    assert other.get(path, headers=headers).json()["name"] == "Ann Smith"
    assert other.delete(path, headers=headers).status_code in (200, 204)
    gone = create.get(path, headers=headers)
    assert gone.status_code == 404
    other_session = other.get(path, headers={**HEADERS, "x-ctk-session": session + "-other"})
    assert other_session.status_code == 404  # never created in that session


@pytest.fixture
def two_servers_on_redis() -> Iterator[tuple[httpx.Client, httpx.Client]]:
    with redis_server() as redis, ExitStack() as stack:
        args = (CONTRACT, "--mount", "/v1", "--state", "--store", redis.url)
        first = stack.enter_context(served(*args))
        second = stack.enter_context(served(*args))
        yield stack.enter_context(first.client()), stack.enter_context(second.client())


def test_two_servers_sharing_redis_share_state(two_servers_on_redis: tuple[httpx.Client, httpx.Client]) -> None:
    first, second = two_servers_on_redis
    _round_trip(first, second, "shared-redis")


def test_workers_sharing_a_sqlite_file_share_state(tmp_path: Path) -> None:
    store = f"sqlite:{tmp_path / 'state.db'}"
    with served(CONTRACT, "--mount", "/v1", "--state", "--store", store, "--workers", "2") as server:
        # no keep-alive: every request is a new connection, which either worker may accept
        fresh = httpx.Limits(max_keepalive_connections=0)
        clients = [httpx.Client(base_url=server.url, timeout=HANG, limits=fresh) for _ in range(2)]
        try:
            for attempt in range(4):
                _round_trip(clients[attempt % 2], clients[(attempt + 1) % 2], f"sqlite-{attempt}")
        finally:
            for client in clients:
                client.close()
