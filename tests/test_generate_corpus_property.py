"""Every schema of every corpus contract, both directions: generated values are valid.

Checked with the Python ``jsonschema`` library and its FormatChecker, not with jsonschema_rs (which
the generators use to check themselves), so the two engines must agree. The dialect is the one the
converted schema declares (2020-12; 3.0/2.0 documents are converted to it, see jsonschema.py).
Seeds are the Hypothesis strategy; a few per contract keep the run short, ``bench/generate.py``
runs many.
"""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CORPUS, REPO, corpus
from toolkit import load_contract
from toolkit.openapi.generate.generator import GenerationError, Generator, Generators
from toolkit.openapi.jsonschema import SchemaValidators, place
from toolkit.openapi.load import OpenAPIContract

CONTRACTS = [
    "openapi/adyen-BalancePlatformReportNotification-v1.json",
    "openapi/codat-commerce-2.1.0.json",
    "openapi/docker-engine-v1.41-swagger.yaml",
    "openapi/kubernetes-swagger.json",
    "openapi/ms-cognitive-search-swagger.json",
    "openapi/stripe-spec3-2019-09-27.yaml",
    "openapi/twilio_api_v2010.json",
    "openapi/twilio_chat_v3.yaml",
    "openapi/vercel-0.0.1.json",
    "openapi/prism-callbacks/payment-service.oas3.yaml",
    "openapi/multifile-relative-refs/main.yaml",
    "workspace:contracts/payments/v1/openapi.yaml",
    "workspace:contracts/payments/v2/openapi.yaml",
]
# Proven unsatisfiable: EdgeConfigItemValue says `type: null` next to a oneOf whose every branch has a
# non-null type, so no value matches both; EdgeConfigItem requires a property of that schema.
UNSATISFIABLE = {("vercel-0.0.1.json", "EdgeConfigItem"), ("vercel-0.0.1.json", "EdgeConfigItemValue")}
EXAMPLES = {"stripe-spec3-2019-09-27.yaml": 2, "kubernetes-swagger.json": 3, "twilio_api_v2010.json": 3}


def _path(entry: str) -> Path:
    if entry.startswith("workspace:"):
        return REPO / entry.removeprefix("workspace:")
    return corpus(entry)


@cache
def _engines(path: str) -> tuple[OpenAPIContract, list[tuple[str, str, Generator, Any]]]:
    contract = load_contract(path)
    assert isinstance(contract, OpenAPIContract) and contract.resolver is not None
    generators = Generators(contract, SchemaValidators(contract))
    if contract.spec_version == "2.0":
        section, schemas = "/definitions", contract.document.get("definitions") or {}
    else:
        section, schemas = "/components/schemas", (contract.document.get("components") or {}).get("schemas") or {}
    engines = []
    for name, schema in schemas.items():
        if (Path(path).name, name) in UNSATISFIABLE:
            continue
        for direction in ("request", "response"):
            generator = generators.generator(schema, place(contract.resolver.root_uri, f"{section}/{name}"), direction)
            checker_class = jsonschema.validators.validator_for(generator.validator.json_schema)
            checker = checker_class(generator.validator.json_schema, format_checker=jsonschema.FormatChecker())
            engines.append((name, direction, generator, checker))
    return contract, engines


@pytest.mark.parametrize("entry", CONTRACTS, ids=[entry.rsplit("/", 1)[-1] for entry in CONTRACTS])
def test_generated_values_validate_independently(entry: str) -> None:
    path = _path(entry)
    _, engines = _engines(str(path))
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
    counts = {entry: len(_engines(str(_path(entry)))[1]) for entry in CONTRACTS}
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
# The check above validates against ctk's own conversion to JSON Schema 2020-12, so a conversion that
# dropped a constraint would go unseen. This one never sees the conversion: openapi-schema-validator
# reads the contract's schemas as written, in their own dialect (OAS 3.0 with nullable/readOnly/
# writeOnly, or OAS 3.1), with a referencing registry of every document of the contract. It is also the
# strict reading of 3.0.3 (nullable adds no null to an enum or to an anyOf/$ref), which ctk's generators
# honour although its validators accept null there as vendors mean it. Swagger 2.0 is left out: no
# validator here reads its `x-nullable`. OAS 3.1 is checked in the response direction only: 3.1 leaves
# "readOnly and required" to JSON Schema, which keeps required readOnly properties required in requests.


@cache
def _original_judges(path: str) -> list[tuple[str, str, Generator, Any]]:
    from openapi_schema_validator import (
        OAS30ReadValidator,
        OAS30WriteValidator,
        OAS31Validator,
        oas30_format_checker,
        oas31_format_checker,
    )
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4, DRAFT202012

    contract, engines = _engines(path)
    assert contract.resolver is not None
    specification = DRAFT202012 if contract.spec_version == "3.1" else DRAFT4
    registry: Any = Registry()
    for uri, document in contract.resolver.documents.items():
        registry = registry.with_resource(uri, Resource.from_contents(document, default_specification=specification))
    judges = []
    for name, direction, generator, _ in engines:
        reference = {
            "$ref": f"{contract.resolver.root_uri}#/components/schemas/{name.replace('~', '~0').replace('/', '~1')}"
        }
        if contract.spec_version == "3.1":
            if direction == "request":
                continue
            judge = OAS31Validator(reference, registry=registry, format_checker=oas31_format_checker)
        else:
            kind = OAS30ReadValidator if direction == "response" else OAS30WriteValidator
            judge = kind(reference, registry=registry, format_checker=oas30_format_checker)
        judges.append((name, direction, generator, judge))
    return judges


ORIGINAL_DIALECT = [
    entry for entry in CONTRACTS if "docker" not in entry and "kubernetes" not in entry and "ms-cognitive" not in entry
]  # fmt: skip  (Swagger 2.0 documents)


@pytest.mark.parametrize("entry", ORIGINAL_DIALECT, ids=[entry.rsplit("/", 1)[-1] for entry in ORIGINAL_DIALECT])
def test_generated_values_satisfy_the_original_openapi_schema(entry: str) -> None:
    path = _path(entry)
    _judge_generated(path, _original_judges(str(path)), 2)
