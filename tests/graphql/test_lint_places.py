"""GraphQL lint errors graphql-core gives no location (a missing Query type; every error of a schema read from
introspection JSON) are placed at the type or field they name, else at the top of the file."""

from __future__ import annotations

import json
from pathlib import Path

from graphql import build_schema, introspection_from_schema

from tests.support.cli import ctk
from tests.support.files import write_file


def problems(path: Path) -> tuple[int, list[tuple[str, str]]]:
    code, out, err = ctk("lint", str(path), "--format", "json")
    assert out, err
    return code, [(p["location"], p["message"]) for p in json.loads(out)["problems"]]


def test_a_schema_without_a_query_type_is_placed_at_the_top_of_its_file(tmp_path: Path) -> None:
    schema = write_file(tmp_path, "schema.graphql", "type Product { sku: String }\n")
    code, found = problems(schema)
    assert code == 1
    assert found == [(f"{schema}:1", "Query root type must be provided.")]


def test_an_introspection_error_is_placed_at_the_field_it_names(tmp_path: Path) -> None:
    sdl = "type Query { node: Node }\ninterface Node { id: ID! }\ntype Film implements Node { id: ID! title: String }\n"
    result = introspection_from_schema(build_schema(sdl))
    for type_ in result["__schema"]["types"]:
        if type_["name"] == "Film":
            type_["fields"] = [field for field in type_["fields"] if field["name"] != "id"]
    path = write_file(tmp_path, "introspection.json", json.dumps({"data": result}))
    code, found = problems(path)
    assert code == 1
    assert found == [(f"{path}#Node.id", "Interface field Node.id expected but Film does not provide it.")]
