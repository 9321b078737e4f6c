"""What vendors publish that graphql-core refuses: repaired at load, a warning per repair with its place (lint),
served by the mock; the variant that cannot be repaired without guessing still refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from graphql import build_schema, execute_sync, introspection_from_schema, parse

from tests.support.cli import ctk, run_ctk
from toolkit.errors import ParseError
from toolkit.exchange import Request
from toolkit.graphql.load import GraphQLContract
from toolkit.graphql.mock.handler import GraphQLMock, GraphQLMockError, GraphQLMockOptions
from toolkit.lint import lint_contract
from toolkit.load import load_contract
from toolkit.mock.envelope import MockEnvelope
from toolkit.model import Problem, Severity


def _load(path: Path) -> GraphQLContract:
    contract = load_contract(str(path))
    assert isinstance(contract, GraphQLContract)
    return contract


def _ask(contract: GraphQLContract, query: str) -> dict[str, Any]:
    mock = MockEnvelope(GraphQLMock(contract, GraphQLMockOptions()))
    body = json.dumps({"query": query}).encode()
    headers = (("content-type", "application/json"), ("accept", "application/json"))
    response = mock(Request("POST", "/graphql", headers=headers, body=body)).response
    document: dict[str, Any] = json.loads(response.body)
    assert response.status == 200, document
    assert "errors" not in document, document["errors"]
    return document


def _repairs(contract: GraphQLContract) -> list[Problem]:
    problems = lint_contract(contract)
    assert not [p for p in problems if p.severity is Severity.ERROR], problems
    return [p for p in problems if p.message.startswith("repaired: ")]


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


# --- pre-2018 `implements` lists ----------------------------------------------------------------------------

LEGACY = """\
interface Node { id: ID! }
interface Named { name: String }
type User implements Node, Named {
  id: ID!
  name: String
}
type Team implements Node Named { id: ID! name: String }
type Query { user: User team: Team }
"""


def test_comma_and_space_separated_implements_load_with_a_warning_each(tmp_path: Path) -> None:
    path = tmp_path / "legacy.graphql"
    path.write_text(LEGACY)
    contract = _load(path)
    assert contract.schema is not None
    assert [i.name for i in contract.schema.get_type("User").interfaces] == ["Node", "Named"]  # type: ignore[union-attr]
    assert [i.name for i in contract.schema.get_type("Team").interfaces] == ["Node", "Named"]  # type: ignore[union-attr]
    repairs = _repairs(contract)
    assert [(Path(p.location.file).name, p.location.line, p.location.column) for p in repairs] == [
        ("legacy.graphql", 3, 28),  # at `Named`, the interface the pre-2018 separator introduces
        ("legacy.graphql", 7, 27),
    ]
    assert "`Node, Named` in an implements list has no `&`" in repairs[0].message
    assert "`Node Named` in an implements list" in repairs[1].message
    assert "read as `Node & Named`" in repairs[1].message
    answer = _ask(contract, "{ user { id name } team { id } }")
    assert set(answer["data"]["user"]) == {"id", "name"}


def test_legacy_implements_repair_keeps_the_lines_of_later_errors(tmp_path: Path) -> None:
    path = tmp_path / "legacy.graphql"
    path.write_text(LEGACY + "type Broken {\n  x: Int\n  y Int\n}\n")
    with pytest.raises(ParseError) as raised:
        _load(path)
    assert str(raised.value.where).endswith(":11:5")  # `y Int` is line 11: the repair moved no line


def test_a_type_without_fields_followed_by_a_definition_is_not_a_legacy_list(tmp_path: Path) -> None:
    path = tmp_path / "s.graphql"
    path.write_text(
        "interface Node { id: ID! }\ntype A implements Node\ntype Query { a: A }\nextend type A { id: ID! }\n"
    )
    contract = _load(path)
    assert _repairs(contract) == []


# --- an identical field repeated in one type ----------------------------------------------------------------


def test_an_identical_repeated_field_is_kept_once_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "repeat.graphql"
    path.write_text(
        'type Query {\n  shop: Shop\n}\ntype Shop {\n  "The name"\n  name: String\n  "The name"\n  name: String\n}\n'
    )
    contract = _load(path)
    assert contract.schema is not None
    assert list(contract.schema.get_type("Shop").fields) == ["name"]  # type: ignore[union-attr]
    (repair,) = _repairs(contract)
    assert (Path(repair.location.file).name, repair.location.line) == ("repeat.graphql", 7)
    assert "Shop.name is defined twice" in repair.message
    assert set(_ask(contract, "{ shop { name } }")["data"]["shop"]) == {"name"}


def test_a_field_an_extension_repeats_identically_is_kept_once(tmp_path: Path) -> None:
    path = tmp_path / "repeat.graphql"
    path.write_text("type Query { shop: Shop }\ntype Shop { id: ID name: String }\nextend type Shop { name: String }\n")
    contract = _load(path)
    (repair,) = _repairs(contract)
    assert (repair.location.line, repair.location.column) == (3, 20)
    assert set(_ask(contract, "{ shop { id name } }")["data"]["shop"]) == {"id", "name"}


def test_a_different_repeated_field_is_still_refused(tmp_path: Path) -> None:
    from toolkit.errors import LoadError

    path = tmp_path / "repeat.graphql"
    path.write_text("type Query {\n  shop: Shop\n}\ntype Shop {\n  name: String\n  name: String!\n}\n")
    with pytest.raises(LoadError, match=r"Field 'Shop\.name' can only be defined once"):
        _load(path)


# --- introspection dumps ------------------------------------------------------------------------------------

VENDOR_SDL = """
enum Color { RED GREEN }
input Paint { color: Color = GREEN  colors: [Color!] = [RED] }
interface Node { id: ID!  legacyId: String }
type Widget implements Node {
  id: ID!
  legacyId: String
  color(tone: Color = RED, paint: Paint = {color: RED}): Color
}
type Query { widget: Widget  node(id: ID!): Node }
"""


def _dump(tmp_path: Path, edit: Any) -> tuple[Path, dict[str, Any]]:
    """A vendor's introspection dump (``{"data": {"__schema": ...}}``), edited as the vendor's server prints it."""
    result = {"data": introspection_from_schema(build_schema(VENDOR_SDL))}
    edit(result["data"]["__schema"])
    path = tmp_path / "vendor.json"
    path.write_text(json.dumps(result, indent=2))
    return path, result


def _index(entries: list[dict[str, Any]], name: str) -> int:
    return next(i for i, entry in enumerate(entries) if entry["name"] == name)


def _widget(schema: dict[str, Any]) -> dict[str, Any]:
    return next(t for t in schema["types"] if t["name"] == "Widget")


def _deprecate_legacy_id(schema: dict[str, Any]) -> None:
    field = next(f for f in _widget(schema)["fields"] if f["name"] == "legacyId")
    field["isDeprecated"], field["deprecationReason"] = True, "Use id."


def test_an_implementing_field_deprecated_alone_is_served_deprecated(tmp_path: Path) -> None:
    path, result = _dump(tmp_path, _deprecate_legacy_id)
    contract = _load(path)
    types = result["data"]["__schema"]["types"]
    type_index = _index(types, "Widget")
    field_index = _index(types[type_index]["fields"], "legacyId")
    (repair,) = _repairs(contract)
    assert repair.location.path == f"/data/__schema/types/{type_index}/fields/{field_index}"
    assert repair.location.line is not None
    assert '"name": "legacyId"' in path.read_text().splitlines()[repair.location.line]  # the line after `{`
    assert "Widget.legacyId is deprecated while Node.legacyId" in repair.message
    answer = _ask(contract, "{ widget { id legacyId } }")
    assert set(answer["data"]["widget"]) == {"id", "legacyId"}
    assert answer["extensions"]["ctk"]["deprecated"] == ["Widget.legacyId"]
    # introspection says what the vendor's server says: deprecated
    introspected = _ask(
        contract, '{ __type(name: "Widget") { fields(includeDeprecated: true) { name isDeprecated } } }'
    )
    flags = {f["name"]: f["isDeprecated"] for f in introspected["data"]["__type"]["fields"]}
    assert flags == {"id": False, "legacyId": True, "color": False}


def test_a_deprecated_implementation_beside_a_real_error_is_still_refused(tmp_path: Path) -> None:
    def edit(schema: dict[str, Any]) -> None:
        _deprecate_legacy_id(schema)
        next(f for f in _widget(schema)["fields"] if f["name"] == "id")["type"] = {
            "kind": "SCALAR", "name": "String", "ofType": None,
        }  # fmt: skip

    path, _ = _dump(tmp_path, edit)
    contract = _load(path)
    problems = lint_contract(contract)
    errors = [p.message for p in problems if p.severity is Severity.ERROR]
    assert errors == ["Interface field Node.id expects type ID! but Widget.id is type String."]
    assert [p for p in problems if p.message.startswith("repaired: ")]  # the repair is a warning, not an error
    with pytest.raises(GraphQLMockError, match=r"Interface field Node\.id expects type ID!"):
        GraphQLMock(contract, GraphQLMockOptions())


def _quote_defaults(name: str) -> Any:
    def edit(schema: dict[str, Any]) -> None:
        for arg in next(f for f in _widget(schema)["fields"] if f["name"] == "color")["args"]:
            if arg["name"] == "tone":
                arg["defaultValue"] = f'"{name}"'
            else:
                arg["defaultValue"] = '{color: "RED"}'
        paint = next(t for t in schema["types"] if t["name"] == "Paint")
        for field in paint["inputFields"]:
            field["defaultValue"] = {"color": '"GREEN"', "colors": '["RED"]'}[field["name"]]

    return edit


def test_quoted_enum_defaults_read_as_the_enum_values_they_name(tmp_path: Path) -> None:
    path, result = _dump(tmp_path, _quote_defaults("RED"))
    contract = _load(path)
    types = result["data"]["__schema"]["types"]
    widget, paint = _index(types, "Widget"), _index(types, "Paint")
    color = _index(types[widget]["fields"], "color")
    args = types[widget]["fields"][color]["args"]
    fields = types[paint]["inputFields"]
    repairs = {p.location.path: p.message for p in _repairs(contract)}
    assert repairs.keys() == {
        f"/data/__schema/types/{widget}/fields/{color}/args/{_index(args, 'tone')}",
        f"/data/__schema/types/{widget}/fields/{color}/args/{_index(args, 'paint')}",
        f"/data/__schema/types/{paint}/inputFields/{_index(fields, 'color')}",
        f"/data/__schema/types/{paint}/inputFields/{_index(fields, 'colors')}",
    }
    assert any('Widget.color(tone:) has the default "RED"' in m and "read as RED" in m for m in repairs.values())
    assert any("read as { color: RED }" in m for m in repairs.values())
    # execution applies the defaults as the vendor's server does
    assert contract.schema is not None
    seen: dict[str, Any] = {}
    executed = execute_sync(
        contract.schema,
        parse("{ widget { color } }"),
        root_value={"widget": lambda _info: {"color": lambda _info, **args: seen.update(args) or "RED"}},
    )
    assert executed.errors is None
    assert seen == {"tone": "RED", "paint": {"color": "RED", "colors": ["RED"]}}
    # the mock serves them, and introspection prints them as enum values
    assert _ask(contract, "{ widget { color } }")["data"]["widget"]["color"] in ("RED", "GREEN")
    introspected = _ask(contract, '{ __type(name: "Paint") { inputFields { name defaultValue } } }')
    assert introspected["data"]["__type"]["inputFields"] == [
        {"name": "color", "defaultValue": "GREEN"},
        {"name": "colors", "defaultValue": "[RED]"},
    ]


def test_a_quoted_default_naming_no_enum_value_is_still_refused(tmp_path: Path) -> None:
    path, _ = _dump(tmp_path, _quote_defaults("BLUE"))
    contract = _load(path)
    errors = [p for p in lint_contract(contract) if p.severity is Severity.ERROR]
    assert len(errors) == 1
    assert "Widget.color(tone:) has invalid default value" in errors[0].message
    assert 'non-enum value: "BLUE"' in errors[0].message
    with pytest.raises(GraphQLMockError, match=r"Widget.color\(tone:\) has invalid default value"):
        GraphQLMock(contract, GraphQLMockOptions())


def test_ctk_lint_lists_each_repair_with_its_place(tmp_path: Path) -> None:
    path, _ = _dump(tmp_path, _deprecate_legacy_id)
    code, out, _ = ctk("lint", str(path))
    assert code == 0, out
    assert "/data/__schema/types/" in out and "Widget.legacyId is deprecated" in out
    legacy = tmp_path / "legacy.graphql"
    legacy.write_text(LEGACY)
    code, out, _ = ctk("lint", str(legacy))
    assert code == 0, out
    assert out.count("repaired:") == 2
    assert "legacy.graphql:3:28" in out and "legacy.graphql:7:27" in out
    served = run_ctk("serve", str(legacy), "--check", cwd=tmp_path)  # ctk serve logs each repair at compile
    assert served.returncode == 0, served.stderr
    assert served.stderr.count("repaired:") == 2
    assert "legacy.graphql:3:28: repaired: `Node, Named`" in served.stderr


def test_sdl_gets_the_same_schema_repairs_placed_by_line(tmp_path: Path) -> None:
    path = tmp_path / "vendor.graphql"
    path.write_text(
        "enum Color { RED GREEN }\n"
        "interface Node { legacyId: String }\n"
        "type Widget implements Node {\n"
        '  legacyId: String @deprecated(reason: "Use id.")\n'
        '  color(tone: Color = "RED"): Color\n'
        "}\n"
        "type Query { widget: Widget }\n"
    )
    contract = _load(path)
    places = {(Path(p.location.file).name, p.location.line): p.message for p in _repairs(contract)}
    assert places.keys() == {("vendor.graphql", 4), ("vendor.graphql", 5)}
    assert "Widget.legacyId is deprecated" in places["vendor.graphql", 4]
    assert "read as RED" in places["vendor.graphql", 5]
    answer = _ask(contract, "{ widget { legacyId color } }")
    assert set(answer["data"]["widget"]) == {"legacyId", "color"}
    assert answer["extensions"]["ctk"]["deprecated"] == ["Widget.legacyId"]


def test_sdl_no_lexer_reads_is_refused_as_before(tmp_path: Path) -> None:
    path = tmp_path / "bad.graphql"
    path.write_text("interface A { x: Int }\ninterface B { x: Int }\ntype Query implements A, B { x: Int }\n~\n")
    with pytest.raises(ParseError, match="Unexpected Name 'B'"):  # the first error, not the lexer's
        _load(path)
