"""Every OpenAPI lint message has a file and a line (or a pointer) and reads as a sentence: no dump of the
document, no Python spelling of JSON values, the reason of a ``oneOf`` mismatch rather than "not valid under any
of the given schemas", and the validator's checks of values and operations placed at what they checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import ctk
from tests.support.files import write_file


def lint(folder: Path, name: str, text: str) -> tuple[int, list[tuple[str, str, str]]]:
    """``ctk lint --format json`` on ``text`` written as ``folder/name``: the exit code and each problem's
    (severity, location without the file's name, message)."""
    path = write_file(folder, name, text)
    code, out, err = ctk("lint", str(path), "--format", "json")
    assert out, err
    problems = json.loads(out)["problems"]
    return code, [(p["severity"], p["location"].removeprefix(str(path)), p["message"]) for p in problems]


def test_a_root_error_is_one_line_at_line_1_without_the_document(tmp_path: Path) -> None:
    """jsonschema-rs appends 'Failed validating ... On instance:' and the whole document to its message."""
    padding = "".join(f"    S{i}: {{type: string, description: {'x' * 60}}}\n" for i in range(50))
    code, problems = lint(tmp_path, "api.yaml", f"openapi: 3.0.3\npaths: {{}}\ncomponents:\n  schemas:\n{padding}")
    assert code == 1
    assert problems[0] == ("error", ":1", '"info" is a required property')
    assert all(len(message) <= 300 and "On instance" not in message for _, _, message in problems)


def test_validator_errors_about_values_and_operations_are_placed_at_what_they_checked(tmp_path: Path) -> None:
    code, problems = lint(tmp_path, "api.yaml", """\
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a/{id}:
    get:
      operationId: same
      responses:
        "200": {description: ok}
  /b:
    get:
      operationId: same
      parameters:
        - {name: mode, in: query, schema: {type: string, enum: [a, b], default: c}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  tags: {type: array, items: {type: string}, default: [1]}
                  flag: {type: boolean, default: null}
""")  # fmt: skip
    assert code == 1
    assert problems == [
        ("error", ":5 (/paths/~1a~1{id}/get)", "Path parameter 'id' for 'get' operation in '/a/{id}' was not resolved"),
        ("error", ":10 (/paths/~1b/get)", "Operation ID 'same' for 'get' in '/b' is not unique"),
        (
            "error",
            ":13 (/paths/~1b/get/parameters/0/schema/default)",
            "the default value does not fit its schema: 'c' is not one of ['a', 'b']",
        ),
        (
            "error",
            ":22 (/paths/~1b/get/responses/200/content/application~1json/schema/properties/tags/default/0)",
            "the default value does not fit its schema at /0: 1 is not of type 'string'",
        ),
        (
            "error",
            ":23 (/paths/~1b/get/responses/200/content/application~1json/schema/properties/flag/default)",
            "the default value does not fit its schema: null is not allowed: the schema is not nullable",
        ),
    ]


@pytest.mark.parametrize(
    ("version", "parameter", "place", "message"),
    [
        (
            'swagger: "2.0"',
            "{name: q, in: query, type: strin}",
            ":7 (/paths/~1a/get/parameters/0/type)",
            "'strin' is not one of ['string', 'number', 'boolean', 'integer', 'array']",
        ),
        (
            'swagger: "2.0"',
            "{name: b, in: body}",
            ":7 (/paths/~1a/get/parameters/0)",
            "'schema' is a required property",
        ),
        (
            "openapi: 3.0.3",
            f"{{name: q, in: query, description: {'long ' * 20}}}",
            ":7 (/paths/~1a/get/parameters/0)",
            "this object fits none of the forms allowed here: 'schema' is a required property; "
            "or 'content' is a required property",
        ),
    ],
)
def test_a_oneof_mismatch_says_its_reason_at_its_place(
    tmp_path: Path, version: str, parameter: str, place: str, message: str
) -> None:
    text = f'{version}\ninfo: {{title: t, version: "1"}}\npaths:\n  /a:\n    get:\n      parameters:\n'
    text += f'        - {parameter}\n      responses:\n        "200": {{description: ok}}\n'
    code, problems = lint(tmp_path, "api.yaml", text)
    assert code == 1
    assert problems == [("error", place, message)]


def test_a_oneof_mismatch_deep_inside_is_placed_where_it_is(tmp_path: Path) -> None:
    code, problems = lint(tmp_path, "api.yaml", """\
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /b:
    post:
      requestBody: {content: {application/json: {schema: {type: strin}}}}
      responses: {"201": {description: ok}}
""")  # fmt: skip
    assert code == 1
    assert problems == [
        (
            "error",
            ":6 (/paths/~1b/post/requestBody/content/application~1json/schema/type)",
            "'strin' is not one of ['array', 'boolean', 'integer', 'number', 'object', 'string']",
        )
    ]


def test_the_loaders_warnings_have_their_line(tmp_path: Path) -> None:
    code, problems = lint(tmp_path, "api.yaml", """\
openapi: 3.1.0
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    A:
      type: string
      nullable: true
""")  # fmt: skip
    assert code == 0
    assert problems == [
        (
            "warning",
            ":8 (/components/schemas/A/nullable)",
            "nullable was removed in OpenAPI 3.1; use a type array such as [string, 'null']; accepted (used once)",
        )
    ]


def test_a_check_that_breaks_on_a_malformed_node_stops_nothing_else(tmp_path: Path) -> None:
    """The validator's keyword checks read what they check without asking (a path item that is a list raises
    inside them): the node is reported once, as malformed, and the other path's problem is still found."""
    code, problems = lint(tmp_path, "api.yaml", """\
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    - get
  /b:
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: integer, default: x}}}}
""")  # fmt: skip
    assert code == 1
    assert problems == [
        ("error", ":4 (/paths/~1a)", '["get"] is not of type "object"'),
        (
            "error",
            ":9 (/paths/~1b/get/responses/200/content/application~1json/schema/default)",
            "the default value does not fit its schema: 'x' is not of type 'integer'",
        ),
        ("warning", ":4 (/paths/~1a)", "path item is not a mapping; skipped"),
    ]
