"""Data that looks like the vendor's, in GraphQL: a nullable field is null now and then, never usually,
and never when it is one a person expects filled (name, email, phone, address parts, amounts, dates)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from toolkit.exchange import Request
from toolkit.graphql.load import GraphQLContract
from toolkit.graphql.mock.handler import GraphQLMock, GraphQLMockOptions
from toolkit.load import load_contract
from toolkit.mock.envelope import MockEnvelope

SDL = """
type Address { line1: String city: String postalCode: String country: String }
type Customer {
  id: ID!
  name: String
  email: String
  phone: String
  address: Address
  createdAt: String
  balance: Int
  nickname: String
}
type Query { customers(first: Int): [Customer!]! }
"""
FIELDS = "id name email phone address { line1 city postalCode country } createdAt balance nickname"
PAGE = 50


@pytest.fixture(scope="module")
def contract(tmp_path_factory: pytest.TempPathFactory) -> GraphQLContract:
    path: Path = tmp_path_factory.mktemp("graphql_realism") / "schema.graphql"
    path.write_text(SDL)
    loaded = load_contract(path)
    assert isinstance(loaded, GraphQLContract)
    return loaded


def _customers(contract: GraphQLContract, seed: int) -> list[dict[str, Any]]:
    mock = MockEnvelope(GraphQLMock(contract, GraphQLMockOptions(seed=seed)))
    body = json.dumps({"query": f"{{ customers(first: {PAGE}) {{ {FIELDS} }} }}"}).encode()
    response = mock(Request("POST", "/graphql", headers=(("content-type", "application/json"),), body=body)).response
    document = json.loads(response.body)
    assert "errors" not in document, document
    customers: list[dict[str, Any]] = document["data"]["customers"]
    assert len(customers) == PAGE
    return customers


@pytest.fixture(scope="module")
def customers(contract: GraphQLContract) -> list[dict[str, Any]]:
    return [customer for seed in range(6) for customer in _customers(contract, seed)]


def test_fields_a_person_expects_are_never_null(customers: list[dict[str, Any]]) -> None:
    for field in ("name", "email", "phone", "address", "createdAt", "balance"):
        assert all(customer[field] is not None for customer in customers), field
    for customer in customers:
        assert all(part is not None for part in customer["address"].values()), customer


def test_other_nullable_fields_are_null_now_and_then(customers: list[dict[str, Any]]) -> None:
    nulls = sum(customer["nickname"] is None for customer in customers)
    assert 0 < nulls <= len(customers) // 10


def test_same_seed_same_bytes(contract: GraphQLContract) -> None:
    assert json.dumps(_customers(contract, 3)) == json.dumps(_customers(contract, 3))
    assert json.dumps(_customers(contract, 3)) != json.dumps(_customers(contract, 4))
