"""``ctk lint A B C``: several contracts of any protocols in one call, a section (text) or an entry (JSON) each,
one exit code for all (2 when one cannot be read, the others still linted), and GitHub workflow annotations."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import ctk, run_ctk
from tests.support.files import write_file

OPENAPI = """\
openapi: 3.0.3
info: {title: Payments, version: "1"}
paths:
  /charges:
    get:
      responses:
        "200": {description: ok}
"""

# /b's operation has no responses: the validator's error, at the line of "get" (line 9)
OPENAPI_BROKEN = OPENAPI.replace("Payments", "Broken") + "  /b:\n    get: {}\n"

WSDL = """\
<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="urn:hello" targetNamespace="urn:hello">
  <types>
    <xs:schema targetNamespace="urn:hello" elementFormDefault="qualified">
      <xs:element name="Hello"><xs:complexType><xs:sequence>
        <xs:element name="name" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
    </xs:schema>
  </types>
  <message name="HelloIn"><part name="body" element="tns:Hello"/></message>
  <portType name="HelloPort"><operation name="Hello"><input message="tns:HelloIn"/></operation></portType>
  <binding name="HelloBinding" type="tns:HelloPort">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="Hello"><soap:operation soapAction="urn:hello#Hello"/><input><soap:body use="literal"/></input>
    </operation>
  </binding>
  <service name="HelloService">
    <port name="HelloSoap" binding="tns:HelloBinding"><soap:address location="http://localhost/hello"/></port>
  </service>
</definitions>
"""

SDL = "type Query { product(sku: String!): Product }\ntype Product { sku: String! price: Money }\n"
SCALARS = "scalar Money\n"


def three_protocols(tmp_path: Path, *, openapi: str = OPENAPI) -> list[str]:
    return [
        str(write_file(tmp_path, "payments/openapi.yaml", openapi)),
        str(write_file(tmp_path, "crm/hello.wsdl", WSDL)),
        str(write_file(tmp_path, "inventory/schema.graphql", SDL + SCALARS)),
    ]


def test_three_clean_contracts_of_three_protocols_exit_0_with_a_section_each(tmp_path: Path) -> None:
    files = three_protocols(tmp_path)
    code, out, err = ctk("lint", *files)
    assert code == 0, (out, err)
    for file in files:
        assert f"── {file}" in out
    assert "Payments 1 — openapi, 1 operations" in out
    assert "HelloService — soap, 1 operations" in out
    assert "— graphql, 1 operations" in out
    assert out.count("✓ no problems") == 3
    assert out.rstrip().endswith("3 contracts: 0 errors, 0 warnings")


def test_findings_in_one_contract_exit_1_and_stay_in_its_section(tmp_path: Path) -> None:
    files = three_protocols(tmp_path, openapi=OPENAPI_BROKEN)
    code, out, _ = ctk("lint", *files)
    assert code == 1
    broken, rest = out.split(f"── {files[1]}")
    assert f"{files[0]}:9 (/paths/~1b/get): error:" in broken
    assert "error" not in rest.split("3 contracts")[0]
    assert "3 contracts: 1 error, 0 warnings" in rest


def test_an_unreadable_contract_exits_2_and_the_others_are_still_linted(tmp_path: Path) -> None:
    files = three_protocols(tmp_path, openapi=OPENAPI_BROKEN)
    missing = str(tmp_path / "nowhere.yaml")
    code, out, err = ctk("lint", files[0], missing, files[1])
    assert code == 2
    assert err.splitlines() == [f"error: {missing}: no such file", "  hint: check the path"]
    assert f"{files[0]}:9 (/paths/~1b/get): error:" in out  # linted although another could not be read
    assert "HelloService — soap" in out
    assert f"── {missing}\n✗ could not be read: {missing}: no such file" in out
    assert out.rstrip().endswith("3 contracts: 1 error, 0 warnings, 1 could not be read")


def test_json_lists_each_contract_in_order_with_its_problems_or_its_error(tmp_path: Path) -> None:
    files = three_protocols(tmp_path, openapi=OPENAPI_BROKEN)
    missing = str(tmp_path / "nowhere.yaml")
    code, out, _ = ctk("lint", *files, missing, "--format", "json")
    assert code == 2
    entries = json.loads(out)["contracts"]
    assert [entry["contract"] for entry in entries] == [*files, missing]
    assert [entry["protocol"] for entry in entries] == ["openapi", "soap", "graphql", None]
    assert [len(entry["problems"]) for entry in entries] == [1, 0, 0, 0]
    assert entries[0]["problems"][0]["location"].startswith(f"{files[0]}:9 ")
    assert [entry["error"] for entry in entries[:3]] == [None, None, None]
    assert entries[3]["error"] == {"where": missing, "message": "no such file", "hint": "check the path"}
    assert entries[3]["operations"] == []


def test_sdl_files_of_one_folder_are_one_schema_and_of_two_folders_two(tmp_path: Path) -> None:
    schema = str(write_file(tmp_path, "v1/schema.graphql", SDL))
    scalars = str(write_file(tmp_path, "v1/scalars.graphql", SCALARS))
    other = str(write_file(tmp_path, "v2/schema.graphql", SDL + SCALARS))
    code, out, err = ctk("lint", schema, other, scalars, "--format", "json")
    assert code == 0, err
    entries = json.loads(out)["contracts"]
    assert [entry["contract"] for entry in entries] == [f"{schema} {scalars}", other]
    assert all(entry["problems"] == [] and len(entry["operations"]) == 1 for entry in entries)


def test_one_contract_prints_the_object_lint_always_printed(tmp_path: Path) -> None:
    code, out, _ = ctk("lint", three_protocols(tmp_path)[0], "--format", "json")
    assert code == 0
    assert set(json.loads(out)) == {"protocol", "title", "version", "operations", "problems"}


def test_github_format_annotates_each_problem_with_file_and_line(tmp_path: Path) -> None:
    write_file(tmp_path, "api, v1.yaml", OPENAPI_BROKEN)  # a comma and a colon in the property are escaped
    write_file(tmp_path, "crm.wsdl", WSDL.replace('binding="tns:HelloBinding"', 'binding="tns:Nowhere"'))
    run = run_ctk("lint", "api, v1.yaml", "crm.wsdl", "missing.yaml", "--format", "github", cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("::error file=api%2C v1.yaml,line=9,title=ctk lint::")
    assert lines[0].endswith("(at /paths/~1b/get)") and "responses" in lines[0]
    assert lines[1].startswith("::error file=crm.wsdl,line=18,title=ctk lint::port refers to binding 'tns:Nowhere'")
    assert lines[2] == "::error file=missing.yaml,title=ctk lint::no such file; check the path"
    assert lines[3] == "ctk lint: 3 errors, 0 warnings in 3 contracts"
    assert run.stderr.startswith("error: missing.yaml: no such file")


def test_github_format_escapes_percent_signs_in_messages(tmp_path: Path) -> None:
    contract = write_file(tmp_path, "api.yaml", OPENAPI.replace("    get:\n", "    get:\n      50%off: 1\n"))
    run = run_ctk("lint", contract.name, "--format", "github", cwd=tmp_path)
    assert run.returncode == 1, run.stdout
    first = run.stdout.splitlines()[0]
    assert first.startswith("::error file=api.yaml,line=5,title=ctk lint::") and "'50%25off' was unexpected" in first


def test_warnings_alone_exit_0_and_1_with_strict_and_are_github_warnings(tmp_path: Path) -> None:
    nullable = write_file(tmp_path, "api31.yaml", OPENAPI.replace("3.0.3", "3.1.0") + "components:\n  schemas:\n"
                          "    A: {type: string, nullable: true}\n")  # fmt: skip
    clean = write_file(tmp_path, "hello.wsdl", WSDL)
    assert ctk("lint", str(nullable), str(clean))[0] == 0
    assert ctk("lint", str(nullable), str(clean), "--strict")[0] == 1
    run = run_ctk("lint", nullable.name, clean.name, "--format", "github", cwd=tmp_path)
    assert run.returncode == 0
    assert run.stdout.splitlines() == [
        "::warning file=api31.yaml,line=10,title=ctk lint::nullable was removed in OpenAPI 3.1; use a type array "
        "such as [string, 'null']; accepted (used once) (at /components/schemas/A/nullable)",
        "ctk lint: 0 errors, 1 warning in 2 contracts",
    ]
