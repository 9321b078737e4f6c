"""``ctk lint``: exit codes, the JSON form, and the example workspace linting clean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import ctk as run
from tests.support.corpus import corpus
from tests.support.files import write_file
from tests.support.paths import REPO

EXAMPLES = sorted(str(p.relative_to(REPO)) for p in (REPO / "contracts").glob("*/*") if p.is_dir())


def test_the_workspace_has_three_apis_in_two_versions() -> None:
    assert EXAMPLES == [
        "contracts/crm/v1",
        "contracts/crm/v2",
        "contracts/inventory/v1",
        "contracts/inventory/v2",
        "contracts/payments/v1",
        "contracts/payments/v2",
    ]


@pytest.mark.parametrize("folder", EXAMPLES)
def test_every_example_contract_lints_clean(folder: str) -> None:
    code, out, err = run("lint", str(REPO / folder), "--strict", "--format", "json")
    report = json.loads(out)
    assert report["problems"] == [], report["problems"]
    assert code == 0, err


@pytest.mark.parametrize(
    ("folder", "protocol", "operations", "deprecated"),
    [
        ("contracts/payments/v1", "openapi", 15, []),
        ("contracts/payments/v2", "openapi", 15, ["GET /charges"]),
        ("contracts/crm/v1", "soap", 18, []),
        (
            "contracts/crm/v2",
            "soap",
            18,
            ["CrmService/CrmSoap11Port/ListContacts", "CrmService/CrmSoap12Port/ListContacts"],
        ),
        ("contracts/inventory/v1", "graphql", 9, []),
        ("contracts/inventory/v2", "graphql", 9, ["Query.productBySku"]),
    ],
)
def test_lint_json_form(folder: str, protocol: str, operations: int, deprecated: list[str]) -> None:
    code, out, _ = run("lint", str(REPO / folder), "--format", "json")
    report = json.loads(out)
    assert code == 0
    assert set(report) == {"protocol", "title", "version", "operations", "problems"}
    assert report["protocol"] == protocol
    assert len(report["operations"]) == operations
    assert all(set(op) == {"id", "deprecated"} for op in report["operations"])
    assert [op["id"] for op in report["operations"] if op["deprecated"]] == deprecated


def test_lint_text_names_title_and_counts() -> None:
    code, out, _ = run("lint", str(REPO / "contracts/payments/v2"))
    assert code == 0
    assert "Payments API 2.0.0" in out and "15 operations (1 deprecated)" in out and "no problems" in out


def test_problems_exit_1_with_file_and_line(tmp_path: Path) -> None:
    contract = write_file(
        tmp_path,
        "broken.yaml",
        "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n"
        "        '200': {description: ok}\n  /b:\n    get: {}\n",
    )
    code, out, _ = run("lint", str(contract), "--format", "json")
    report = json.loads(out)
    assert code == 1
    problem = report["problems"][0]
    assert problem["severity"] == "error"
    assert problem["location"].startswith(f"{contract}:9"), problem  # the line of /b's get
    assert "/paths/~1b/get" in problem["location"]
    assert "responses" in problem["message"]


def test_warnings_alone_exit_0_unless_strict(tmp_path: Path) -> None:
    contract = write_file(
        tmp_path,
        "nullable31.yaml",
        "openapi: 3.1.0\ninfo: {title: T, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n"
        "    A: {type: string, nullable: true}\n",
    )
    assert run("lint", str(contract))[0] == 0
    code, out, _ = run("lint", str(contract), "--strict", "--format", "json")
    assert code == 1
    assert json.loads(out)["problems"][0]["severity"] == "warning"


def test_soap_problems_name_file_line_and_element_path() -> None:
    code, out, _ = run("lint", str(corpus("wsdl", "gowsdl", "stock.wsdl")), "--format", "json")
    assert code == 1
    locations = [p["location"] for p in json.loads(out)["problems"] if p["severity"] == "error"]
    assert any("stock.wsdl:46" in loc and "port[@name='StockQuotePort']" in loc for loc in locations)


def test_graphql_problems_name_file_and_line(tmp_path: Path) -> None:
    schema = tmp_path / "schema.graphql"
    schema.write_text("type Query { node: Node }\ninterface Node { id: ID! }\ntype A implements Node { x: Int }\n")
    code, out, _ = run("lint", str(schema), "--format", "json")
    assert code == 1
    problem = json.loads(out)["problems"][0]
    assert problem["location"].startswith(f"{schema}:")
    assert "Node.id" in problem["message"]


def test_several_sdl_files_lint_as_one_schema() -> None:
    files = [str(REPO / "contracts/inventory/v1" / name) for name in ("schema.graphql", "scalars.graphql")]
    code, out, _ = run("lint", *files, "--format", "json")
    assert code == 0 and len(json.loads(out)["operations"]) == 9


def test_version_and_help() -> None:
    code, out, _ = run("--version")
    assert code == 0 and "0.1.0" in out
    code, out, _ = run("--help")
    assert code == 0 and "lint" in out and "workspace" in out


def test_generation_limits_warn_only_where_the_mock_cannot_answer(tmp_path: Path) -> None:
    """A recursion with a way out, a huge minLength inside an example, a property named like a keyword,
    and a short pattern are fine; a required recursion with no way out is the one warning."""
    contract = write_file(tmp_path, "api.yaml", """\
openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Tree:
      type: object
      required: [parent]
      properties:
        parent: {anyOf: [{type: string}, {$ref: "#/components/schemas/Tree"}]}
        minLength: {type: integer}
      example: {minLength: 99999999999, parent: root}
    Code: {type: string, pattern: "^[A-Z]{3}-\\\\d{4}$", minLength: 8}
    Endless:
      type: object
      required: [next]
      properties:
        next: {$ref: "#/components/schemas/Endless"}
""")  # fmt: skip
    code, out, _ = run("lint", str(contract), "--format", "json")
    problems = json.loads(out)["problems"]
    assert code == 0
    assert [(p["severity"], p["location"].rsplit(" ", 1)[-1]) for p in problems] == [
        ("warning", "(/components/schemas/Endless)")
    ]
    assert "max_generation_depth=32" in problems[0]["message"]


def test_a_multi_file_contract_in_an_awkward_folder_is_validated_across_its_files(tmp_path: Path) -> None:
    """The validator follows the contract's references through ctk's reader, so a folder name with a space, a
    percent sign and a hash resolves as the loader resolves it, and a problem in the referenced file is found."""
    folder = tmp_path / "my specs %41 #1"
    contract = write_file(folder, "api.yaml", """\
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "schemas.yaml#/Thing"}
""")  # fmt: skip
    write_file(folder, "schemas.yaml", "Thing: {type: integer, default: not-a-number}\n")
    code, out, _ = run("lint", str(contract), "--format", "json")
    messages = [p["message"] for p in json.loads(out)["problems"]]
    assert messages == ["the default value does not fit its schema: 'not-a-number' is not of type 'integer'"], messages
    assert code == 1


def test_a_mirrored_url_may_hold_an_equals_sign(tmp_path: Path) -> None:
    """ASP.NET services name their imports ``svc.asmx?wsdl=wsdl0``; the load error tells the user to mirror
    exactly that URL, so ``--mirror URL=PATH`` must split where the path begins, not at the first ``=``."""
    url = "http://vendor.example/svc.asmx?wsdl=wsdl0"
    main = write_file(
        tmp_path,
        "main.wsdl",
        '<?xml version="1.0"?><wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" '
        f'targetNamespace="urn:example:crm:main"><wsdl:import namespace="urn:example:crm" location="{url}"/>'
        "</wsdl:definitions>",
    )
    code, out, err = run("lint", str(main), "--mirror", f"{url}={REPO / 'contracts' / 'crm' / 'v1' / 'crm.wsdl'}")
    assert code == 0, err
    assert "CrmService" in out
