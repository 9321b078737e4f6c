"""Generation bounded by Limits: each class of over-demanding schema gives up at once with the limit's
name and the schema's place; optional parts over a limit are left out; compiling is all or nothing."""

from __future__ import annotations

import json
import random
import resource
from pathlib import Path
from typing import Any

import pytest

from tests.support.generation import depth
from toolkit import load_contract
from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.openapi import jsonschema as ctk_jsonschema
from toolkit.openapi.generate.generator import GenerationError, GenerationLimitError, Generators
from toolkit.openapi.jsonschema import SchemaCompileError, SchemaValidators, place
from toolkit.openapi.load import OpenAPIContract
from toolkit.openapi.mock.operations import OperationSlot, operation_sources
from toolkit.regex_strings import pattern_min_length, regex_generator

BILLION = 1_000_000_000


def nested(levels: int, leaf: dict[str, Any]) -> dict[str, Any]:
    node = leaf
    for _ in range(levels):
        node = {"type": "object", "required": ["inner"], "properties": {"inner": node}}
    return node


def nested_arrays(levels: int, count: int, leaf: dict[str, Any]) -> dict[str, Any]:
    node = leaf
    for _ in range(levels):
        node = {"type": "array", "minItems": count, "items": node}
    return node


SCHEMAS: dict[str, Any] = {
    "Long": {"type": "string", "minLength": BILLION},
    "Many": {"type": "array", "minItems": 10_000_000, "items": {"type": "integer"}},
    "Wide": {"type": "object", "minProperties": 5_000_000},
    "Named": {"type": "object", "required": [f"p{i}" for i in range(1200)]},
    "Pattern": {"type": "string", "pattern": "^(ab{100}){200}$"},
    "Deep": nested(40, {"type": "string"}),
    "Shallow": nested(20, {"type": "string"}),
    "Loop": {"type": "object", "required": ["next"], "properties": {"next": {"$ref": "#/components/schemas/Loop"}}},
    # every limit holds, their product does not: 60^4 strings of 30 characters
    "Cube": nested_arrays(4, 60, {"type": "string", "minLength": 30}),
    "Optional": {
        "type": "object",
        "required": ["id"],
        "properties": {
            "id": {"type": "string", "maxLength": 8},
            "blob": {"type": "string", "minLength": BILLION},
            "rows": {"type": "array", "minItems": 10_000_000, "items": {"type": "integer"}},
            "tree": nested(60, {"type": "string"}),
        },
    },
    "Nullable": {"type": "string", "minLength": BILLION, "nullable": True},
    "Either": {"oneOf": [{"type": "string", "minLength": BILLION}, {"type": "integer", "minimum": 3, "maximum": 3}]},
    "Huge": {"type": "integer", "minimum": 10**30, "maximum": 10**30 + 10, "multipleOf": 7},
    "Tiny": {"type": "number", "minimum": 1e300, "multipleOf": 1e-300},
    "Medium": {"type": "string", "minLength": 100},
}


@pytest.fixture(scope="module")
def contract(tmp_path_factory: pytest.TempPathFactory) -> OpenAPIContract:
    path: Path = tmp_path_factory.mktemp("bounds") / "api.json"
    document = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}
    document["components"] = {"schemas": SCHEMAS}
    path.write_text(json.dumps(document))
    loaded = load_contract(path)
    assert isinstance(loaded, OpenAPIContract)
    return loaded


def generate(contract: OpenAPIContract, name: str, limits: Limits = DEFAULT_LIMITS, seed: int = 0) -> Any:
    generators = Generators(contract, SchemaValidators(contract), limits=limits)
    assert contract.resolver is not None
    where = place(contract.resolver.root_uri, f"/components/schemas/{name}")
    return generators.generator(SCHEMAS[name], where, "response").generate(random.Random(seed))


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize(
    ("name", "limit", "place_suffix"),
    [
        ("Long", "max_string_length", "/components/schemas/Long"),
        ("Many", "max_array_items", "/components/schemas/Many"),
        ("Wide", "max_object_properties", "/components/schemas/Wide"),
        ("Named", "max_object_properties", "/components/schemas/Named"),
        ("Pattern", "max_string_length", "/components/schemas/Pattern"),
        ("Deep", "max_generation_depth", "/components/schemas/Deep" + "/properties/inner" * 32),
        ("Loop", "max_generation_depth", "/components/schemas/Loop"),
        ("Cube", "max_generated_bytes", "/components/schemas/Cube"),
    ],
)
def test_a_schema_over_a_limit_is_refused_naming_the_limit_and_place(
    contract: OpenAPIContract, name: str, limit: str, place_suffix: str
) -> None:
    before = peak_rss_mib()
    with pytest.raises(GenerationLimitError) as caught:
        generate(contract, name)
    error = caught.value
    assert error.limit == limit
    assert limit in error.message and f"--limit {limit}=" in (error.hint or "")
    assert error.where is not None and error.where.endswith("#" + place_suffix), error.where
    assert peak_rss_mib() - before < 200  # nothing of the demanded size was built


def test_within_the_limits_the_same_shape_generates(contract: OpenAPIContract) -> None:
    value = generate(contract, "Shallow")
    assert depth(value) == 20
    raised = DEFAULT_LIMITS.replace(max_generation_depth=50)
    assert depth(generate(contract, "Deep", raised)) == 40


def test_limits_are_read_from_the_options_not_a_global(contract: OpenAPIContract) -> None:
    assert len(generate(contract, "Medium")) >= 100
    with pytest.raises(GenerationLimitError, match="max_string_length=50"):
        generate(contract, "Medium", DEFAULT_LIMITS.replace(max_string_length=50))


def test_optional_parts_over_a_limit_are_left_out(contract: OpenAPIContract) -> None:
    for seed in range(5):
        value = generate(contract, "Optional", seed=seed)
        assert "blob" not in value and "rows" not in value and "tree" not in value
        assert isinstance(value["id"], str)


def test_a_choice_takes_the_branch_within_the_limits(contract: OpenAPIContract) -> None:
    assert generate(contract, "Nullable") is None
    assert generate(contract, "Either") == 3


def test_numbers_past_a_float_are_exact_and_never_overflow(contract: OpenAPIContract) -> None:
    value = generate(contract, "Huge")
    assert isinstance(value, int) and value % 7 == 0 and 10**30 <= value <= 10**30 + 10
    try:
        tiny = generate(contract, "Tiny")  # 1e300 / 1e-300 overflows a float
    except GenerationError:  # a clear "no value" is an answer too; an OverflowError is not
        return
    assert isinstance(tiny, (int, float)) and tiny >= 10**300


@pytest.mark.parametrize(
    "pattern", ["(a{1000}){1000}", "((ab){1000}){1000}x", "(?:){999999999}", "(\\b){99999999}", "(a{5000})\\1\\1\\1"]
)
def test_a_regex_draw_stays_within_max_length(pattern: str) -> None:
    draw = regex_generator(pattern, 100)
    assert draw is not None
    assert len(draw(random.Random(0))) <= 100


def test_pattern_min_length() -> None:
    assert pattern_min_length("^(ab{100}){200}$") == 20200
    assert pattern_min_length("^[a-z]{3}$") == 3
    assert pattern_min_length("\\p{L}+") == 0  # Python cannot parse it: no claim


def test_a_failed_schema_conversion_leaves_no_placeholder(
    contract: OpenAPIContract, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A MemoryError midway used to leave the half-converted definitions as {} (accepting anything)."""
    validators = SchemaValidators(contract)
    original = ctk_jsonschema._Bundle._convert
    calls = {"n": 0}

    def failing(self: Any, schema: Any, uri: str, refs: set[str]) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise MemoryError
        return original(self, schema, uri, refs)

    schema = {"type": "array", "items": {"$ref": "#/components/schemas/Optional"}}
    monkeypatch.setattr(ctk_jsonschema._Bundle, "_convert", failing)
    with pytest.raises(MemoryError):
        validators.validator(schema, "#/x", "response")
    monkeypatch.undo()
    validator = validators.validator(schema, "#/x", "response")
    assert not validator.is_valid([{"no": "id"}])  # "Optional" requires an id: its definition was converted again
    assert validator.is_valid([{"id": "a"}])


def test_a_failed_generator_compile_leaves_no_half_compiled_definition(
    contract: OpenAPIContract, monkeypatch: pytest.MonkeyPatch
) -> None:
    generators = Generators(contract, SchemaValidators(contract))
    assert contract.resolver is not None
    where = place(contract.resolver.root_uri, "/components/schemas/Wrapper")
    schema = {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/Shallow"}}

    def out_of_memory(*args: Any) -> Any:
        raise MemoryError

    monkeypatch.setattr("toolkit.openapi.generate.compiler.string_generator", out_of_memory)
    with pytest.raises(MemoryError):
        generators.generator(schema, where, "response")
    monkeypatch.undo()
    value = generators.generator(schema, where, "response").generate(random.Random(0))
    assert depth(value) == 21  # the Shallow definition was compiled again, not left half-built


def _slot(tmp_path: Path, schema: dict[str, Any], request: dict[str, Any] | None = None) -> OperationSlot:
    operation: dict[str, Any] = {"responses": {"200": {"description": "ok", "content": {
        "application/json": {"schema": schema}}}}}  # fmt: skip
    if request is not None:
        operation["requestBody"] = {"content": {"application/json": {"schema": request}}}
    document = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/x": {"post": operation}}}
    path = tmp_path / "api.json"
    path.write_text(json.dumps(document))
    loaded = load_contract(path)
    assert isinstance(loaded, OpenAPIContract)
    (_, _, source), *_ = operation_sources(loaded)
    return OperationSlot(loaded, SchemaValidators(loaded), source)


def test_an_operation_that_cannot_compile_fails_the_same_clean_way_each_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from toolkit.openapi.mock import operations as mock_compile

    slot = _slot(tmp_path, {"type": "string", "minimum": float("inf")})
    assert slot.get().operation.id == "POST /x"  # odd keyword values are dropped, not a failure
    broken = _slot(tmp_path, {"type": "string"}, request=nested(300, {"type": "string"}))
    compiles = []
    original = mock_compile.compile_operation

    def counted(*args: Any) -> Any:
        compiles.append(1)
        return original(*args)

    monkeypatch.setattr(mock_compile, "compile_operation", counted)
    messages = []
    for _ in range(3):
        with pytest.raises(SchemaCompileError) as caught:
            broken.get()
        messages.append(str(caught.value))
        assert len(_frames(caught.value.__traceback__)) < 20  # re-raised with a fresh traceback, not a growing one
    assert len(set(messages)) == 1 and "/requestBody/" in messages[0]
    assert compiles == [1]  # failed once, remembered: not compiled again per request


def _frames(traceback: Any) -> list[Any]:
    frames = []
    while traceback is not None:
        frames.append(traceback)
        traceback = traceback.tb_next
    return frames


def test_an_operation_whose_compile_ran_out_of_memory_compiles_on_the_next_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slot = _slot(tmp_path, {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}})

    def out_of_memory(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError

    monkeypatch.setattr("toolkit.openapi.mock.operations.compile_responses", out_of_memory)
    with pytest.raises(MemoryError):
        slot.get()
    monkeypatch.undo()
    assert slot.get().operation.id == "POST /x"


def test_a_response_schema_nested_too_deep_to_check_is_not_generated(contract: OpenAPIContract) -> None:
    generators = Generators(contract, SchemaValidators(contract))
    with pytest.raises(GenerationError, match="cannot be checked"):
        generators.generator(nested(300, {"type": "string"}), "#/deep", "response")
