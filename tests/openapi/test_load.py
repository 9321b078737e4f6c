"""OpenAPI loading on small hand-made documents: one behaviour per test."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest

from tests.support.files import write_file
from tests.support.paths import REPO
from toolkit import HttpOperation, load_contract
from toolkit.errors import ParseError, SourceError, UnresolvedReferenceError
from toolkit.limits import DEFAULT_LIMITS
from toolkit.openapi.load import OpenAPIContract


def load(path: Path) -> OpenAPIContract:
    contract = load_contract(path)
    assert isinstance(contract, OpenAPIContract)
    return contract


def test_swagger_2_with_oneof_loads_with_one_warning(tmp_path: Path) -> None:
    doc = {
        "swagger": "2.0",
        "info": {"title": "Old", "version": "1"},
        "host": "api.example.com",
        "basePath": "/v1",
        "schemes": ["https"],
        "paths": {"/a": {"get": {"responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/A"}}}}}},
        "definitions": {
            "A": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "B": {"anyOf": [{"type": "string"}]},
        },
    }
    contract = load(write_file(tmp_path, "old.json", json.dumps(doc)))
    assert contract.spec_version == "2.0"
    assert contract.servers == ("https://api.example.com/v1",)
    messages = [w.message for w in contract.warnings]
    assert any("oneOf is not part of Swagger 2.0" in m and "once" in m for m in messages)
    assert any("anyOf" in m for m in messages)
    assert contract.warnings[0].location.path == "/definitions/A/oneOf"


def test_openapi_30_servers_substitute_variable_defaults(tmp_path: Path) -> None:
    contract = load(
        write_file(
            tmp_path,
            "s.yaml",
            "openapi: 3.0.3\ninfo: {title: S, version: '1'}\nservers:\n"
            "  - url: https://{region}.example.com/{base}\n    variables:\n"
            "      region: {default: eu}\n      base: {default: v2}\npaths: {}\n",
        )
    )
    assert contract.servers == ("https://eu.example.com/v2",)


def test_operations_ids_deprecation_and_sunset(tmp_path: Path) -> None:
    contract = load(
        write_file(
            tmp_path,
            "d.yaml",
            "openapi: 3.1.0\ninfo: {title: D, version: '1'}\npaths:\n  /old/{id}:\n    get:\n"
            "      operationId: getOld\n      deprecated: true\n      x-sunset: 2027-06-30\n"
            "      responses: {'200': {description: ok}}\n    delete:\n"
            "      deprecated: true\n      x-sunset: 'Wed, 30 Jun 2027 00:00:00 GMT'\n"
            "      responses: {'204': {description: gone}}\n    put:\n      x-sunset: soon\n"
            "      responses: {'200': {description: ok}}\n",
        )
    )
    get, put, delete = (contract.operation(f"{m} /old/{{id}}") for m in ("GET", "PUT", "DELETE"))
    assert isinstance(get, HttpOperation) and get.name == "getOld" and get.operation_id == "getOld"
    assert get.deprecated and get.sunset == dt.date(2027, 6, 30)
    assert delete.deprecated and delete.sunset == dt.date(2027, 6, 30)
    assert not put.deprecated and put.sunset is None
    assert any("x-sunset 'soon' is not a date" in w.message for w in contract.warnings)


def test_yaml_dates_stay_strings_and_status_codes_become_string_keys(tmp_path: Path) -> None:
    contract = load(
        write_file(
            tmp_path,
            "y.yaml",
            "openapi: 3.0.3\ninfo: {title: Y, version: 2024-01-01}\npaths:\n  /a:\n    get:\n"
            "      responses:\n        200: {description: ok}\n",
        )
    )
    assert contract.version == "2024-01-01"
    assert list(contract.document["paths"]["/a"]["get"]["responses"]) == ["200"]


def test_circular_refs_load(tmp_path: Path) -> None:
    contract = load(
        write_file(
            tmp_path,
            "c.yaml",
            "openapi: 3.0.3\ninfo: {title: C, version: '1'}\npaths:\n  /n:\n    get:\n      responses:\n"
            "        '200':\n          description: ok\n          content:\n            application/json:\n"
            "              schema: {$ref: '#/components/schemas/Node'}\ncomponents:\n  schemas:\n"
            "    Node:\n      type: object\n      properties:\n        next: {$ref: '#/components/schemas/Node'}\n"
            "        children: {type: array, items: {$ref: '#/components/schemas/Node'}}\n",
        )
    )
    assert [op.id for op in contract.operations] == ["GET /n"]


def test_refs_across_files_and_ref_path_items(tmp_path: Path) -> None:
    write_file(tmp_path, "paths/items.yaml", "get:\n  responses:\n    '200': {$ref: '../common.yaml#/Ok'}\n")
    write_file(tmp_path, "common.yaml", "Ok: {description: ok}\n")
    root = write_file(
        tmp_path,
        "api.yaml",
        "openapi: 3.0.3\ninfo: {title: M, version: '1'}\npaths:\n  /items: {$ref: 'paths/items.yaml'}\n",
    )
    contract = load(root)
    assert [op.id for op in contract.operations] == ["GET /items"]
    assert {Path(f).name for f in contract.files} == {"api.yaml", "items.yaml", "common.yaml"}


def test_ref_to_nowhere_in_another_file_names_the_referring_line(tmp_path: Path) -> None:
    write_file(tmp_path, "common.yaml", "Ok: {description: ok}\n")
    root = write_file(
        tmp_path,
        "api.yaml",
        "openapi: 3.0.3\ninfo: {title: M, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n"
        "        '200': {$ref: 'common.yaml#/Missing'}\n",
    )
    with pytest.raises(UnresolvedReferenceError) as error:
        load_contract(root)
    assert error.value.where is not None and "api.yaml:7" in error.value.where
    assert "common.yaml#/Missing" in error.value.message


def test_a_ref_inside_an_example_is_data_not_a_reference(tmp_path: Path) -> None:
    contract = load(
        write_file(
            tmp_path,
            "e.yaml",
            "openapi: 3.0.3\ninfo: {title: E, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n"
            "        '200':\n          description: ok\n          content:\n            application/json:\n"
            "              example: {$ref: '#/not/a/reference'}\n",
        )
    )
    assert len(contract.operations) == 1


def _alias_bomb(levels: int, width: int = 10) -> list[str]:
    """``levels`` lists of ``width`` aliases of the level below: width**levels nodes expanded, levels+1 objects."""
    lines = ["openapi: 3.0.3", "info: {title: B, version: '1'}", "paths: {}", "x-bomb:", "  l0: &l0 [{$ref: '#/info'}]"]
    return lines + [f"  l{i}: &l{i} [{', '.join(['*l' + str(i - 1)] * width)}]" for i in range(1, levels)]


def test_yaml_alias_bomb_is_refused_at_load_naming_the_anchor(tmp_path: Path) -> None:
    # 10 levels of 10 aliases: 10^10 nodes once expanded, 11 objects in fact; refused before any walk sees it.
    started = time.process_time()
    with pytest.raises(SourceError) as caught:
        load(write_file(tmp_path, "bomb.yaml", "\n".join(_alias_bomb(10)) + "\n"))
    assert time.process_time() - started < 30  # a naive count would not finish at all
    # the first level past 2 000 000 nodes (10^7 at l6 with its leaf mappings), with its line
    assert (caught.value.where or "").endswith("bomb.yaml:11 (#/x-bomb/l6)")
    assert "2,000,000 nodes" in caught.value.message and "alias" in caught.value.message
    assert "max_expanded_nodes" in (caught.value.hint or "")


def test_shared_aliases_under_the_limit_load(tmp_path: Path) -> None:
    contract = load(write_file(tmp_path, "fine.yaml", "\n".join(_alias_bomb(4)) + "\n"))  # 10^3 leaves
    assert contract.title == "B"


def test_expanded_nodes_limit_comes_from_the_limits(tmp_path: Path) -> None:
    path = write_file(tmp_path, "fine.yaml", "\n".join(_alias_bomb(4)) + "\n")
    with pytest.raises(SourceError, match="more than 1,000 nodes"):
        load_contract(path, limits=DEFAULT_LIMITS.replace(max_expanded_nodes=1000))


def test_a_recursive_yaml_alias_is_refused(tmp_path: Path) -> None:
    text = "openapi: 3.0.3\ninfo: {title: R, version: '1'}\npaths: {}\nx-loop: &loop\n  again: *loop\n"
    with pytest.raises(ParseError, match="recursive alias") as caught:
        load(write_file(tmp_path, "loop.yaml", text))
    assert caught.value.where is not None and "#/x-loop" in caught.value.where


def test_webhooks_are_listed_apart_from_operations() -> None:
    contract = load(REPO / "contracts/payments/v1")
    assert len(contract.operations) == 15
    assert sorted(op.path for op in contract.webhooks) == ["charge.refunded", "payment_intent.succeeded"]


def test_example_payments_v2_deprecation() -> None:
    contract = load(REPO / "contracts/payments/v2")
    charges = contract.operation("GET /charges")
    assert charges.deprecated and charges.sunset == dt.date(2027, 6, 30)
    assert contract.servers[0] == "https://api.payments.example.com/v1"
    assert contract.spec_version == "3.1"


def test_loading_the_same_text_from_json_and_yaml_gives_the_same_operations(tmp_path: Path) -> None:
    doc = {"openapi": "3.0.3", "info": {"title": "J", "version": "1"}, "paths": {"/a": {"get": {"responses": {}}}}}
    as_json = load(write_file(tmp_path, "a.json", json.dumps(doc)))
    as_yaml = load(
        write_file(
            tmp_path, "a.txt", "openapi: 3.0.3\ninfo: {title: J, version: '1'}\npaths: {/a: {get: {responses: {}}}}\n"
        )
    )
    assert [op.id for op in as_json.operations] == [op.id for op in as_yaml.operations] == ["GET /a"]
