"""Object generators written as one flat function (``generate/flat.py``) give what the closures give.

For every component schema of the corpus contracts and the workspace's, both directions, several seeds and depths,
and several answer budgets (so that the size limit is hit at varied places): the flat generators' values, the error
they give up with, and the random stream's state after the draw are the closures' exactly. Schemas written here cover
every kind the flat code inlines (nullable scalars, null preferred by depth, examples scalar or not, fixed members,
free-form members, coherence rules, references, over-limit schemas). The flat code is bounded in size.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from tests.support.generation import CONTRACTS, UNSATISFIABLE, contract_path
from toolkit.limits import DEFAULT_LIMITS
from toolkit.openapi.generate import flat
from toolkit.openapi.generate.bounds import end_budget, start_budget
from toolkit.openapi.generate.generator import Generators
from toolkit.openapi.jsonschema import SchemaValidators, place
from toolkit.openapi.load import OpenAPIContract

SEEDS = range(6)
DEPTHS = (0, 1, 2, 3, 5)
BUDGETS = (None, 40, 400)


def _generators(contract: OpenAPIContract, monkeypatch: pytest.MonkeyPatch, enabled: bool) -> Generators:
    monkeypatch.setattr(flat, "ENABLED", enabled)
    generators = Generators(contract, SchemaValidators(contract))
    _ = generators.fake.pools  # built before the schemas compile, as a served mock does: pool draws are inlined
    return generators


def _draw(root: Any, seed: int, depth: int, budget: int | None) -> tuple[str, float]:
    """What one draw gives (the value, or the error's type and limit) and the stream's next number after it."""
    rng = random.Random(seed)
    token = None
    if budget is not None:
        _, token = start_budget(budget)
    try:
        shown = repr(root(rng, depth))
    except Exception as error:  # noqa: BLE001 - giving up is part of what a seed gives
        shown = f"{type(error).__name__} {getattr(error, 'limit', '')}"
    finally:
        if token is not None:
            end_budget(token)
    return shown, rng.random()


def _schemas(contract: OpenAPIContract) -> tuple[str, dict[str, Any]]:
    if contract.spec_version == "2.0":
        return "/definitions", contract.document.get("definitions") or {}
    return "/components/schemas", (contract.document.get("components") or {}).get("schemas") or {}


def _same_draws(contract: OpenAPIContract, monkeypatch: pytest.MonkeyPatch, name_filter: Any = None) -> int:
    fast, slow = _generators(contract, monkeypatch, True), _generators(contract, monkeypatch, False)
    assert contract.resolver is not None
    section, schemas = _schemas(contract)
    compared = 0
    for name, schema in schemas.items():
        if name_filter is not None and not name_filter(name):
            continue
        where = place(contract.resolver.root_uri, f"{section}/{name}")
        for direction in ("request", "response"):
            monkeypatch.setattr(flat, "ENABLED", True)
            try:
                fast_root = fast.generator(schema, where, direction)._root
            except Exception as error:  # noqa: BLE001 - a schema that does not compile, alike both ways
                monkeypatch.setattr(flat, "ENABLED", False)
                with pytest.raises(type(error)):
                    slow.generator(schema, where, direction)
                continue
            monkeypatch.setattr(flat, "ENABLED", False)
            slow_root = slow.generator(schema, where, direction)._root
            for seed in SEEDS:
                for depth in DEPTHS:
                    for budget in BUDGETS:
                        got = _draw(fast_root, seed, depth, budget)
                        assert got == _draw(slow_root, seed, depth, budget), (name, direction, seed, depth, budget)
                        compared += 1
    return compared


@pytest.mark.parametrize("entry", CONTRACTS, ids=[entry.rsplit("/", 1)[-1] for entry in CONTRACTS])
def test_flat_objects_draw_what_the_closures_draw(entry: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from toolkit import load_contract

    path = contract_path(entry)
    contract = load_contract(path)
    assert isinstance(contract, OpenAPIContract)
    unsatisfiable = {name for file, name in UNSATISFIABLE if file == Path(path).name}
    compared = _same_draws(contract, monkeypatch, lambda name: name not in unsatisfiable)
    assert compared > 0 or not _schemas(contract)[1]  # (multifile-relative-refs has no component schemas)


def _contract(schemas: dict[str, Any]) -> OpenAPIContract:
    from toolkit import load_contract

    document = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {"schemas": schemas},
    }
    import json
    import tempfile

    folder = Path(tempfile.mkdtemp())
    (folder / "openapi.json").write_text(json.dumps(document))
    contract = load_contract(folder / "openapi.json")
    assert isinstance(contract, OpenAPIContract)
    return contract


SCHEMAS: dict[str, Any] = {
    "Customer": {
        "type": "object",
        "required": ["id", "object", "email", "address", "livemode", "tags"],
        "properties": {
            "id": {"type": "string", "pattern": "^cus_[A-Za-z0-9]+$", "examples": ["cus_1", "bad id"]},
            "object": {"const": "customer"},
            "email": {"type": ["string", "null"], "format": "email", "maxLength": 30},
            "name": {"type": ["string", "null"], "maxLength": 4},
            "fax": {"type": ["string", "null"], "minLength": 3, "maxLength": 5},
            "nickname": {"type": "string", "examples": ["a", "bb"], "default": "c"},
            "shape": {"type": ["object", "null"], "properties": {"x": {"type": "integer"}}},
            "payload": {"type": "object", "examples": [{"x": 1}, {"y": [1, 2]}]},
            "address": {"oneOf": [{"$ref": "#/components/schemas/Address"}, {"type": "null"}]},
            "source": {
                "anyOf": [
                    {"type": "string", "maxLength": 2},
                    {"type": "integer"},
                    {"$ref": "#/components/schemas/Address"},
                ]
            },
            "target": {"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]},
            "overlap": {"oneOf": [{"type": "string"}, {"type": "string", "maxLength": 3}]},
            "livemode": {"type": "boolean"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "amount": {"type": "integer", "minimum": 0},
            "amount_refunded": {"type": "integer", "minimum": 0},
            "created": {"type": "string", "format": "date-time"},
            "updated": {"type": "string", "format": "date-time"},
            "metadata": {"$ref": "#/components/schemas/Metadata"},
            "parent": {"$ref": "#/components/schemas/Customer"},
            "secret": {"type": "string", "writeOnly": True},
            "kind": {"enum": ["a", "b", None]},
            "either": {"type": ["string", "integer", "null"]},
            "huge": {"type": "string", "minLength": 10**9},
            "odd": {"type": "string", "maxLength": 2, "format": "uuid"},
        },
        "minProperties": 3,
    },
    "Address": {
        "type": "object",
        "properties": {
            "line1": {"type": ["string", "null"], "maxLength": 200},
            "line2": {"type": ["string", "null"], "maxLength": 200},
            "city": {"type": ["string", "null"], "maxLength": 200},
            "country": {"type": ["string", "null"], "pattern": "^[A-Z]{2}$"},
        },
    },
    "Metadata": {
        "type": "object",
        "maxProperties": 2,
        "propertyNames": {"maxLength": 6},
        "additionalProperties": {"type": "string", "maxLength": 5},
    },
    "Required": {
        "type": "object",
        "required": ["huge"],
        "properties": {"huge": {"type": "string", "minLength": 10**9}},
    },
    "Free": {"type": "object"},
    "Counts": {"type": "object", "minProperties": 4, "additionalProperties": {"type": "integer", "minimum": 0}},
    "Named": {"type": "object", "propertyNames": {"pattern": "^[a-m]+$"}, "additionalProperties": {"type": "boolean"}},
    "Labels": {"type": "object", "required": ["app"], "additionalProperties": {"type": "string", "maxLength": 3}},
    "Patterned": {"type": "object", "patternProperties": {"^x_[a-z]{2}$": {"type": "integer"}}},
    "Deep": {"type": "object", "required": ["next"], "properties": {"next": {"$ref": "#/components/schemas/Deep"}}},
}


def test_flat_objects_draw_what_the_closures_draw_on_every_inlined_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _same_draws(_contract(SCHEMAS), monkeypatch) >= len(SCHEMAS) * 2 * len(SEEDS) * len(DEPTHS) * len(BUDGETS)


def test_a_3_0_nullable_reference_is_drawn_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    from toolkit import load_contract

    document = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {
            "schemas": {
                "A": {
                    "type": "object",
                    "properties": {
                        "b": {"allOf": [{"$ref": "#/components/schemas/B"}], "nullable": True},
                        "c": {"type": "string", "nullable": True, "maxLength": 3},
                        "d": {"type": "string", "enum": ["x", "y"], "nullable": True},
                    },
                },
                "B": {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/A"}}},
            }
        },
    }
    import json
    import tempfile

    folder = Path(tempfile.mkdtemp())
    (folder / "openapi.json").write_text(json.dumps(document))
    contract = load_contract(folder / "openapi.json")
    assert isinstance(contract, OpenAPIContract)
    assert _same_draws(contract, monkeypatch) > 0


def test_an_object_is_one_flat_function_that_inlines_its_simple_members() -> None:
    contract = _contract(SCHEMAS)
    generators = Generators(contract, SchemaValidators(contract), limits=DEFAULT_LIMITS)
    _ = generators.fake.pools
    assert contract.resolver is not None
    where = place(contract.resolver.root_uri, "/components/schemas/Address")
    root = generators.generator(SCHEMAS["Address"], where, "response")._root
    assert root.__code__.co_filename.startswith("<ctk object generator")
    # its members' strings and nulls are written inline: no member's generator is called (bound as g<number>)
    assert not [name for name in root.__code__.co_names if name[0] == "g" and name[1:].isdigit()]
    assert [name for name in root.__code__.co_names if name.startswith("pool")]  # cities: drawn from the pool inline
    assert root(random.Random(1), 0).keys() <= {"line1", "line2", "city", "country"}
    where = place(contract.resolver.root_uri, "/components/schemas/Metadata")
    metadata = generators.generator(SCHEMAS["Metadata"], where, "response")._root
    assert not [name for name in metadata.__code__.co_names if name.startswith("fill")]  # its free members: inline


def test_a_pool_is_inlined_only_from_a_pool_picker_whose_pools_are_built() -> None:
    from toolkit.fake import Fake

    fake = Fake(0)
    picker = fake._pool_choice("cities")
    assert flat._pool_of(picker) is None  # not built yet: the picker is called
    pools = fake.pools
    assert flat._pool_of(picker) is pools.cities
    assert flat._pool_of(fake.text_picker(3, 9)) is None
    assert flat._pool_of(lambda rng: "x") is None
    rng, again = random.Random(3), random.Random(3)
    assert [picker(rng) for _ in range(50)] == [pools.cities[again._randbelow(len(pools.cities))] for _ in range(50)]  # type: ignore[attr-defined]


def test_an_object_whose_source_is_too_long_keeps_its_closure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flat, "_MAX_LINES", 20)
    contract = _contract(SCHEMAS)
    generators = Generators(contract, SchemaValidators(contract))
    assert contract.resolver is not None
    where = place(contract.resolver.root_uri, "/components/schemas/Address")
    root = generators.generator(SCHEMAS["Address"], where, "response")._root
    assert not root.__code__.co_filename.startswith("<ctk object generator")
