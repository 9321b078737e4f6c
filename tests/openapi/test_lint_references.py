"""``ctk lint`` finds every ``$ref`` that leads nowhere in one pass, each a finding at its file, line and pointer,
and still checks the rest of the contract; a mock or a diff still refuses such a contract with its first one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import ctk
from tests.support.files import write_file
from toolkit.errors import UnresolvedReferenceError
from toolkit.load import load_contract

CONTRACT = """\
openapi: 3.0.3
info: {title: Refs, version: "1"}
paths:
  /a:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Missing"}
        "404": {$ref: "#/components/responses/Gone"}
  /b/{id}:
    get:
      parameters:
        - $ref: "parts.yaml#/Nope"
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "gone.yaml#/Thing"}
  /c:
    get: {}
  /d: {$ref: "paths/missing.yaml"}
components:
  schemas:
    Fine: {type: integer, default: 1}
"""


@pytest.fixture
def contract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # files are named relative to the working directory
    write_file(tmp_path, "parts.yaml", "Here: {name: q, in: query, schema: {type: string}}\n")
    return write_file(tmp_path, "api.yaml", CONTRACT)


def test_every_dangling_ref_is_a_finding_at_its_place_and_the_rest_is_checked(contract: Path) -> None:
    code, out, err = ctk("lint", str(contract), "--format", "json")
    assert code == 1, err
    problems = [(p["location"].removeprefix("api.yaml:"), p["message"]) for p in json.loads(out)["problems"]]
    assert [location for location, _ in problems] == [
        "11 (/paths/~1a/get/responses/200/content/application~1json/schema/$ref)",
        "12 (/paths/~1a/get/responses/404/$ref)",
        "16 (/paths/~1b~1{id}/get/parameters/0/$ref)",
        "23 (/paths/~1b~1{id}/get/responses/200/content/application~1json/schema/$ref)",
        "25 (/paths/~1c/get)",  # the validator's own finding: the contract was checked past the dangling refs
        "26 (/paths/~1d/$ref)",
    ]
    messages = [message for _, message in problems]
    assert messages[0].startswith("$ref '#/components/schemas/Missing' points at nothing")
    assert (
        messages[2].startswith("$ref 'parts.yaml#/Nope' points at nothing (")
        and "(parts.yaml#/Nope does not exist)" in messages[2]
    )
    assert messages[3].startswith("$ref 'gone.yaml#/Thing' refers to gone.yaml, which does not exist")
    assert "responses" in messages[4]
    assert messages[5].startswith("$ref 'paths/missing.yaml' refers to paths/missing.yaml, which does not exist")


def test_the_operations_the_refs_do_not_reach_are_still_listed(contract: Path) -> None:
    code, out, _ = ctk("lint", str(contract), "--format", "json")
    assert code == 1
    assert [op["id"] for op in json.loads(out)["operations"]] == ["GET /a", "GET /b/{id}", "GET /c"]


def test_a_dangling_ref_in_a_referenced_file_is_placed_in_that_file(tmp_path: Path) -> None:
    write_file(tmp_path, "schemas.yaml", "Thing:\n  type: object\n  properties:\n    owner: {$ref: '#/Owner'}\n")
    contract = write_file(
        tmp_path,
        "api.yaml",
        CONTRACT.split("  /b/{id}:")[0].replace("#/components/schemas/Missing", "schemas.yaml#/Thing")
        .replace("\"404\": {$ref: \"#/components/responses/Gone\"}", "\"404\": {description: gone}"),
    )  # fmt: skip
    code, out, _ = ctk("lint", str(contract))
    assert code == 1
    assert f"{tmp_path / 'schemas.yaml'}:4 (/Thing/properties/owner/$ref): error: $ref '#/Owner' points at" in out


def test_a_mock_and_a_diff_still_refuse_the_contract_at_its_first_dangling_ref(contract: Path) -> None:
    with pytest.raises(UnresolvedReferenceError) as info:
        load_contract(contract)
    assert str(info.value.where).startswith(f"{contract.name}:") or str(contract) in str(info.value.where)
    code, _, err = ctk("serve", str(contract), "--check")
    assert code == 2
    assert err.startswith("error: ") and "/$ref" in err.splitlines()[0] and "does not exist" in err
    code, _, err = ctk("drift", str(contract), str(contract))
    assert code == 2 and err.startswith("error: ")


def test_a_whole_file_ref_written_with_a_slash_is_a_warning_and_the_file_is_still_validated(tmp_path: Path) -> None:
    """``item.yaml#/`` is read by ctk as the whole file; by the letter of JSON Pointer it names the member "" and
    the validator stopped there, checking nothing after it. Now it is a warning, and the file is checked."""
    write_file(
        tmp_path,
        "item.yaml",
        "get:\n  parameters:\n    - {name: q, in: query, schema: {type: integer, default: x}}\n"
        "  responses:\n    '200': {description: ok}\n",
    )
    contract = write_file(
        tmp_path, "api.yaml", 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /a: {$ref: "item.yaml#/"}\n'
    )
    code, out, _ = ctk("lint", str(contract), "--format", "json")
    problems = json.loads(out)["problems"]
    assert code == 1
    assert [p["severity"] for p in problems] == ["error", "warning"]
    assert problems[0]["location"] == f"{tmp_path / 'item.yaml'}:3 (/get/parameters/0/schema/default)"
    assert problems[0]["message"] == "the default value does not fit its schema: 'x' is not of type 'integer'"
    assert problems[1]["location"] == f"{contract}:4 (/paths/~1a/$ref)"
    assert "write 'item.yaml'" in problems[1]["message"]
