"""Fixtures the sandbox's layer tests share (plain helpers live in tests/support)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.openapi_judge import Judge, payments_judge
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


@pytest.fixture(scope="module")
def crm() -> MockEnvelope:
    """The workspace's crm v1 SOAP mock, every port at /crm, seed 1."""
    return compile_mock(load_contract(REPO / "contracts" / "crm" / "v1" / "crm.wsdl"), seed=1, mount="/crm")


@pytest.fixture(scope="module")
def inventory() -> MockEnvelope:
    """The workspace's inventory v1 GraphQL mock at /inventory, seed 1 (a module overrides it for /graphql)."""
    return compile_mock(load_contract(REPO / "contracts" / "inventory" / "v1"), seed=1, mount="/inventory")


@pytest.fixture(scope="module")
def judge() -> Judge:
    """openapi-core's judgement of payments v1 answers (a module overrides it for another contract)."""
    return payments_judge()
