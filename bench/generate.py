"""Schema engines: compile time for all of Stripe's schemas, generate time, and an exhaustive validity run.

Prints: the time to compile validators and generators for every components schema of the Stripe
spec (both directions, fresh engines); the median and p95 time of one ``generate`` of a Stripe
``customer`` and ``charge`` response; and, with ``--exhaustive``, the number of generated values
per corpus contract that the Python ``jsonschema`` library (with FormatChecker) rejects.

    python bench/generate.py [--seeds 200] [--exhaustive]
    python bench/generate.py --original --seeds 10   # the second judge of the property test, exhaustively
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
STRIPE = CORPUS / "openapi" / "stripe-spec3-2019-09-27.yaml"


def _schemas(contract: object) -> tuple[str, dict[str, object]]:
    document = contract.document  # type: ignore[attr-defined]
    if contract.spec_version == "2.0":  # type: ignore[attr-defined]
        return "/definitions", document.get("definitions") or {}
    return "/components/schemas", (document.get("components") or {}).get("schemas") or {}


def stripe(seeds: int) -> None:
    from toolkit import load_contract
    from toolkit.openapi.generate.generator import Generators
    from toolkit.openapi.jsonschema import SchemaValidators, place

    contract = load_contract(STRIPE)
    section, schemas = _schemas(contract)
    root = contract.resolver.root_uri  # type: ignore[attr-defined]
    start = time.perf_counter()
    validators = SchemaValidators(contract)  # type: ignore[arg-type]
    generators = Generators(contract, validators)  # type: ignore[arg-type]
    for name, schema in schemas.items():
        for direction in ("request", "response"):
            generators.generator(schema, place(root, f"{section}/{name}"), direction)
    print(f"stripe: compiled {2 * len(schemas)} validators + generators in {time.perf_counter() - start:.2f} s")
    generators.fake.pools  # noqa: B018 - build the Faker pools once, outside the timings
    for name in ("customer", "charge"):
        generator = generators.generator(schemas[name], place(root, f"{section}/{name}"), "response")
        times = []
        for seed in range(seeds):
            rng = random.Random(seed)
            begin = time.perf_counter()
            generator.generate(rng)
            times.append(time.perf_counter() - begin)
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print(f"stripe {name}: generate median {statistics.median(times) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms")


def exhaustive(seeds: int) -> None:
    import jsonschema  # type: ignore[import-untyped]

    from toolkit import load_contract
    from toolkit.openapi.generate.generator import GenerationError, Generators
    from toolkit.openapi.jsonschema import SchemaValidators, place

    paths = sorted(p for p in (CORPUS / "openapi").glob("*.*") if "fixtures" not in p.name)
    paths += [CORPUS / "openapi" / "prism-callbacks" / "payment-service.oas3.yaml"]
    paths += [REPO / "contracts" / "payments" / version / "openapi.yaml" for version in ("v1", "v2")]
    for path in paths:
        contract = load_contract(path)
        section, schemas = _schemas(contract)
        generators = Generators(contract, SchemaValidators(contract))  # type: ignore[arg-type]
        values = bad = 0
        unsatisfiable: list[str] = []
        start = time.perf_counter()
        for name, schema in schemas.items():
            for direction in ("request", "response"):
                where = place(contract.resolver.root_uri, f"{section}/{name}")  # type: ignore[attr-defined]
                generator = generators.generator(schema, where, direction)
                checker = jsonschema.validators.validator_for(generator.validator.json_schema)(
                    generator.validator.json_schema, format_checker=jsonschema.FormatChecker()
                )
                for seed in range(seeds):
                    try:
                        value = generator.generate(random.Random(seed))
                    except GenerationError:
                        unsatisfiable.append(f"{name} ({direction})")
                        break
                    values += 1
                    bad += not checker.is_valid(value)
        elapsed = time.perf_counter() - start
        print(f"{path.name}: {values} values, {bad} invalid, {elapsed:.1f} s; unsatisfiable: {unsatisfiable or 'none'}")


def original(seeds: int) -> None:
    """The property test's second judge, exhaustively: openapi-schema-validator on the ORIGINAL schemas
    (OAS 3.0 read/write, OAS 3.1), for every 3.0/3.1 corpus contract. The judges are built by
    tests/support/generation.py, which the test uses too, so the bench and the test cannot drift apart."""
    from tests.support.generation import ORIGINAL_DIALECT, contract_path, original_judges

    for entry in ORIGINAL_DIALECT:
        judges = original_judges(str(contract_path(entry)))
        values = bad = 0
        start = time.perf_counter()
        for seed in range(seeds):
            for _, _, generator, judge in judges:
                values += 1
                bad += not judge.is_valid(generator.generate(random.Random(seed)))
        elapsed = time.perf_counter() - start
        print(f"{entry}: {values} values, {bad} invalid by the original schema, {elapsed:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--exhaustive", action="store_true", help="check every corpus schema with --seeds seeds")
    parser.add_argument("--original", action="store_true", help="judge by the original OpenAPI schemas instead")
    args = parser.parse_args()
    if args.original:
        original(args.seeds)
        return
    stripe(args.seeds)
    if args.exhaustive:
        exhaustive(args.seeds)


if __name__ == "__main__":
    main()
