"""Fixtures the sandbox's layer tests share (plain helpers live in tests/support)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.paths import REPO
from toolkit import compile_mock, load_contract
from toolkit.mock import MockEnvelope
from toolkit.sandbox.store import Store
from toolkit.sandbox.stores import open_store


@pytest.fixture
def store() -> Iterator[Store]:
    """A fresh in-memory store per test."""
    opened = open_store("memory")
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def payments() -> MockEnvelope:
    """The workspace's payments v1 mock, at /v1, seed 1 (a module overrides it for another version)."""
    return compile_mock(load_contract(REPO / "contracts" / "payments" / "v1"), seed=1, mount="/v1")
