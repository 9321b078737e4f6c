"""The generated-values property test's contracts and judges, shared with ``bench/generate.py`` (which runs
them with many more seeds), so the bench and the test cannot drift apart; and ``depth``, the nesting
depth of a generated value.

``schema_engines`` pairs each schema's generator (both directions) with a checker from the Python
``jsonschema`` library on ctk's converted schema; ``original_judges`` pairs it with
openapi-schema-validator on the schema as the contract wrote it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]

from tests.support.corpus import corpus
from tests.support.paths import REPO
from toolkit import load_contract
from toolkit.openapi.generate.generator import Generator, Generators
from toolkit.openapi.jsonschema import SchemaValidators, place
from toolkit.openapi.load import OpenAPIContract

__all__ = [
    "CONTRACTS",
    "EXAMPLES",
    "ORIGINAL_DIALECT",
    "UNSATISFIABLE",
    "contract_path",
    "depth",
    "original_judges",
    "schema_engines",
]

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


def contract_path(entry: str) -> Path:
    """A CONTRACTS entry as a path: ``workspace:`` ones in the repository, others in the corpus (skips if absent)."""
    if entry.startswith("workspace:"):
        return REPO / entry.removeprefix("workspace:")
    return corpus(entry)


@cache
def schema_engines(path: str) -> tuple[OpenAPIContract, list[tuple[str, str, Generator, Any]]]:
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


# -- a second, independent judge: the ORIGINAL OpenAPI schema, read by openapi-schema-validator -------
# schema_engines' checkers validate against ctk's own conversion to JSON Schema 2020-12, so a conversion that
# dropped a constraint would go unseen. This one never sees the conversion: openapi-schema-validator
# reads the contract's schemas as written, in their own dialect (OAS 3.0 with nullable/readOnly/
# writeOnly, or OAS 3.1), with a referencing registry of every document of the contract. It is also the
# strict reading of 3.0.3 (nullable adds no null to an enum or to an anyOf/$ref), which ctk's generators
# honour although its validators accept null there as vendors mean it. Swagger 2.0 is left out: no
# validator here reads its `x-nullable`. OAS 3.1 is checked in the response direction only: 3.1 leaves
# "readOnly and required" to JSON Schema, which keeps required readOnly properties required in requests.


@cache
def original_judges(path: str) -> list[tuple[str, str, Generator, Any]]:
    from openapi_schema_validator import (
        OAS30ReadValidator,
        OAS30WriteValidator,
        OAS31Validator,
        oas30_format_checker,
        oas31_format_checker,
    )
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4, DRAFT202012

    contract, engines = schema_engines(path)
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


def depth(value: Any) -> int:
    """How deeply ``value`` nests objects and arrays (a scalar: 0)."""
    if isinstance(value, dict):
        return 1 + max((depth(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(item) for item in value), default=0)
    return 0
