"""Every schema of every corpus contract, both directions: generated values are valid.

Checked with the Python ``jsonschema`` library and its FormatChecker, not with jsonschema_rs (which
the generators use to check themselves), so the two engines must agree. The dialect is the one the
converted schema declares (2020-12; 3.0/2.0 documents are converted to it, see jsonschema.py).
Seeds are the Hypothesis strategy; a few per contract keep the run short, ``bench/generate.py``
runs many.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.corpus import corpus
from tests.support.generation import (
    CONTRACTS,
    EXAMPLES,
    ORIGINAL_DIALECT,
    UNSATISFIABLE,
    contract_path,
    original_judges,
    schema_engines,
)
from tests.support.paths import CORPUS
from toolkit import load_contract
from toolkit.openapi.generate.generator import GenerationError, Generator, Generators
from toolkit.openapi.jsonschema import SchemaValidators, place
from toolkit.openapi.load import OpenAPIContract


@pytest.mark.parametrize("entry", CONTRACTS, ids=[entry.rsplit("/", 1)[-1] for entry in CONTRACTS])
def test_generated_values_validate_independently(entry: str) -> None:
    path = contract_path(entry)
    _, engines = schema_engines(str(path))
    _judge_generated(path, engines, EXAMPLES.get(path.name, 5))


def _judge_generated(path: Path, judges: list[tuple[str, str, Generator, Any]], examples: int) -> None:
    """Every generator's value for a few Hypothesis-chosen seeds, each judged by its own checker."""

    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(seed=st.integers(min_value=0, max_value=2**32 - 1))
    def check(seed: int) -> None:
        for name, direction, generator, judge in judges:
            value = generator.generate(random.Random(seed))
            errors = [error.message for error in judge.iter_errors(value)]
            assert not errors, f"{path.name} {name} ({direction}), seed {seed}: {errors[:3]} for {value!r:.300}"

    check()


def test_every_corpus_contract_has_schemas_checked() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    counts = {entry: len(schema_engines(str(contract_path(entry)))[1]) for entry in CONTRACTS}
    assert counts["openapi/stripe-spec3-2019-09-27.yaml"] == 2 * 274  # both directions of every schema
    assert counts["openapi/kubernetes-swagger.json"] > 400
    assert all(count > 0 for entry, count in counts.items() if "multifile" not in entry)


@pytest.mark.parametrize("name", sorted(name for _, name in UNSATISFIABLE))
def test_unsatisfiable_schemas_raise_a_clear_error(name: str) -> None:
    contract = load_contract(corpus("openapi", "vercel-0.0.1.json"))
    assert isinstance(contract, OpenAPIContract) and contract.resolver is not None
    generators = Generators(contract, SchemaValidators(contract))
    schema = contract.document["components"]["schemas"][name]
    generator = generators.generator(
        schema, place(contract.resolver.root_uri, f"/components/schemas/{name}"), "response"
    )
    with pytest.raises(GenerationError) as caught:
        generator.generate(random.Random(0))
    assert caught.value.where is not None and name in caught.value.where


# -- a second, independent judge: the ORIGINAL OpenAPI schema, read by openapi-schema-validator -------
# (tests/support/generation.py says why, and builds the judges; bench/generate.py runs them exhaustively)


@pytest.mark.parametrize("entry", ORIGINAL_DIALECT, ids=[entry.rsplit("/", 1)[-1] for entry in ORIGINAL_DIALECT])
def test_generated_values_satisfy_the_original_openapi_schema(entry: str) -> None:
    path = contract_path(entry)
    _judge_generated(path, original_judges(str(path)), 2)
