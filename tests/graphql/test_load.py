"""GraphQL loading: SDL in one or several files, introspection in both wrappings, deprecations."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.support.corpus import corpus
from tests.support.paths import REPO
from toolkit import GraphQLOperation, load_contract
from toolkit.errors import LoadError, ParseError


def test_folder_of_sdl_files_is_one_schema_named_after_the_api() -> None:
    contract = load_contract(REPO / "contracts/inventory/v2")
    assert (contract.title, contract.version) == ("inventory", "v2")
    ids = [op.id for op in contract.operations]
    assert "Query.product" in ids and "Mutation.adjustStock" in ids
    deprecated = contract.operation("Query.productBySku")
    assert deprecated.deprecated and deprecated.sunset == dt.date(2027, 1, 31)


def test_one_sdl_file_of_a_split_schema_does_not_build_alone() -> None:
    with pytest.raises(LoadError) as error:
        load_contract(REPO / "contracts/inventory/v1/schema.graphql")
    assert "schema.graphql:" in str(error.value) and "Node" in str(error.value)


def test_custom_root_type_names(tmp_path: Path) -> None:
    sdl = tmp_path / "s.graphql"
    sdl.write_text("schema { query: Root mutation: Change }\ntype Root { a: Int }\ntype Change { b(x: Int): Int }\n")
    operations = load_contract(sdl).operations
    assert [(op.id, op.root) for op in operations if isinstance(op, GraphQLOperation)] == [
        ("Root.a", "query"),
        ("Change.b", "mutation"),
    ]


def test_introspection_with_and_without_the_data_wrapper(tmp_path: Path) -> None:
    wrapped = json.loads(corpus("graphql", "swapi_introspection.json").read_text(encoding="utf-8"))
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(wrapped["data"]), encoding="utf-8")
    first = load_contract(corpus("graphql", "swapi_introspection.json"))
    second = load_contract(bare)
    assert [op.id for op in first.operations] == [op.id for op in second.operations]
    assert first.protocol == "graphql"


def test_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    sdl = tmp_path / "bad.graphql"
    sdl.write_text("type Query {\n  a: \n}\n")
    with pytest.raises(ParseError) as error:
        load_contract(sdl)
    assert error.value.where == f"{sdl}:3:1"


def test_indented_sdl_is_recognised(tmp_path: Path) -> None:
    # SDL pasted from a test or a heredoc is often indented; sniffing must not depend on column 0
    path = tmp_path / "indented.graphql"
    path.write_text('\n    """The root."""\n    type Query {\n      ping: String\n    }\n')
    contract = load_contract(path)
    assert [op.id for op in contract.operations] == ["Query.ping"]


def test_undefined_directives_are_tolerated_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "annotated.graphql"
    path.write_text("type Query {\n  foo: String! @md\n}\n")
    contract = load_contract(path)
    assert [op.id for op in contract.operations] == ["Query.foo"]
    assert [(w.location.line, "@md" in w.message) for w in contract.warnings] == [(2, True)]
