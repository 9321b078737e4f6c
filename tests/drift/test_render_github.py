"""``ctk drift --format github``: workflow annotations a pull request shows on its files.

Through the real CLI on two contracts written here, so the file and line each annotation points at can
be checked against the text; escaping and the cap on a report built by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.cli import ctk
from tests.support.drift import BREAKING, DANGEROUS, INFO, report_of
from toolkit.drift.render_github import MAX_ANNOTATIONS, command, escape_data, escape_property
from toolkit.drift.renderers import render
from toolkit.drift.report import ApiError, DriftReport
from toolkit.model import Change

OLD = """\
openapi: 3.0.3
info: {title: Shop, version: "1.0"}
paths:
  /orders:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Order"}
  /refunds:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Order"}
components:
  schemas:
    Order:
      type: object
      properties:
        id: {type: string}
        fax: {type: string}
        status:
          type: string
          enum: [open, paid]
"""
NEW = """\
openapi: 3.0.3
info: {title: Shop, version: "1.0"}
paths:
  /orders:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Order"}
  /refunds:
    get:
      deprecated: true
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Order"}
components:
  schemas:
    Order:
      type: object
      properties:
        id: {type: string}
        status:
          type: string
          enum: [open, paid, refunded]
"""
LEVELS = (BREAKING, DANGEROUS, INFO)
ANNOTATION = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")


def commands(text: str) -> list[tuple[str, dict[str, str], str]]:
    found = []
    for line in text.splitlines():
        match = ANNOTATION.match(line)
        assert match, f"not a workflow command: {line!r}"
        properties = dict(pair.split("=", 1) for pair in match.group(2).split(",")) if match.group(2) else {}
        found.append((match.group(1), properties, match.group(3)))
    return found


def test_one_annotation_per_cause_with_file_line_and_level(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text(OLD)
    (tmp_path / "new.yaml").write_text(NEW)
    code, out, err = ctk("drift", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"), "--format", "github")
    assert code == 1, err
    found = commands(out)
    by_title = {props.get("title", "").replace("%3A", ":"): (level, props, message) for level, props, message in found}
    # the removed property reached by two operations is one annotation, an error, at the schema's line in NEW
    removed = [key for key in by_title if key.startswith("response-optional-property-removed")]
    assert len(removed) == 1
    level, props, message = by_title[removed[0]]
    assert level == "error"
    assert props["file"] == escape_property(str(tmp_path / "new.yaml"))
    lines = NEW.splitlines()
    assert lines[int(props["line"]) - 1].strip() == "properties:"  # /components/schemas/Order/properties
    assert "GET /orders" in message and "GET /refunds" in message
    # an enum value added to a response: dangerous, a warning at the enum's line
    [enum_key] = [key for key in by_title if key.startswith("response-property-enum-value-added")]
    level, props, _ = by_title[enum_key]
    assert level == "warning" and lines[int(props["line"]) - 1].strip().startswith("enum:")
    # a deprecation is a warning too, though its severity is info
    [deprecated] = [key for key in by_title if key.startswith("endpoint-deprecated")]
    assert by_title[deprecated][0] == "warning"
    # most severe first; the summary closes
    levels = [level for level, _, _ in found]
    assert levels.index("error") < levels.index("warning")
    assert found[-1][0] == "notice" and "fails at --fail-on breaking" in found[-1][2]


def test_messages_and_properties_are_escaped_by_githubs_rules() -> None:
    assert escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    line = command("error", "x\n::warning::forged", file="a,b.yaml", line=3, title="t:1")
    assert line == "::error file=a%2Cb.yaml,line=3,title=t%3A1::x%0A::warning::forged"
    assert len(line.splitlines()) == 1  # a vendor's newline cannot start a command of its own
    hostile = Change("request-property-removed", BREAKING, "GET /a: gone\n::error::pwned 100%", ("GET /a",), old="/x")
    text = render(report_of(hostile), "github")
    assert "\n::error::pwned" not in text and "pwned 100%25" in text
    commands(text)  # every line is still one well-formed command


def test_annotations_are_capped_with_a_closing_notice() -> None:
    changes = [
        Change(
            "response-property-type-changed", (BREAKING, DANGEROUS, INFO)[i % 3], f"m{i}", (f"GET /t{i}",), old=f"/p{i}"
        )
        for i in range(MAX_ANNOTATIONS + 25)
    ]
    found = commands(render(report_of(*changes), "github"))
    per_finding = [a for a in found if a[1].get("title", "").startswith("response-property-type-changed")]
    assert len(per_finding) == MAX_ANNOTATIONS
    assert [a[0] for a in per_finding[:25]] == ["error"] * 25  # breaking ones first
    notices = [message for level, props, message in found if level == "notice" and "title" in props]
    assert any(
        message.startswith("25 more findings not annotated") and "--format json" in message for message in notices
    )


def test_errors_and_summary_mode() -> None:
    failed = DriftReport.failed_run(ApiError("invalid TOML", where="sandbox/sandbox.toml:3", hint="fix it"))
    [(_, props, message)] = [a for a in commands(render(failed, "github")) if a[0] == "error"]
    assert "sandbox/sandbox.toml:3: invalid TOML" in message and "hint: fix it" in message
    assert props["title"] == "ctk drift"
    many = [Change("request-property-removed", BREAKING, f"m{i}", (f"GET /t{i}",), old=f"/p{i}") for i in range(30)]
    summary = commands(render(report_of(*many), "github", summary=True))
    assert len([a for a in summary if a[1].get("title", "").startswith("request-property-removed")]) == 10
    assert any(message.startswith("payments: 30 breaking") for _, _, message in summary)
