"""The Markdown report stays under 60,000 characters whatever the report: summary first, details up to the
budget, the rest one line each in a collapsed section, and a note saying what was cut and how to get it all."""

from __future__ import annotations

import dataclasses
import re

import pytest

from tests.support.drift import BREAKING, DANGEROUS, INFO, report_of
from toolkit.drift.render_markdown import BUDGET
from toolkit.drift.renderers import render
from toolkit.drift.report import ApiDrift, ApiError, DriftReport
from toolkit.model import Change

LIMIT = 60_000


def many(count: int, words: int = 40, *, prefix: str = "p") -> tuple[Change, ...]:
    """``count`` distinct causes, each with a long vendor message and a long location."""
    severities = (BREAKING, DANGEROUS, INFO)
    return tuple(
        Change(
            "response-property-type-changed",
            severities[i % 3],
            f"GET /things/{i}: property `{prefix}{i}` of the 200 response: " + " ".join(["wordy"] * words),
            (f"GET /things/{i}", f"POST /things/{i}", f"PUT /things/{i}", f"DELETE /things/{i}"),
            old=f"/components/schemas/Thing{i}/properties/{prefix}{i}/" + "deep/" * 30,
            new=f"/components/schemas/Thing{i}/properties/{prefix}{i}/" + "deep/" * 30,
        )
        for i in range(count)
    )


@pytest.mark.parametrize("count", [0, 1, 50, 400, 5_000])
def test_markdown_never_exceeds_the_budget(count: int) -> None:
    text = render(report_of(*many(count)), "markdown")
    assert len(text) < LIMIT and BUDGET <= LIMIT
    assert text.startswith("## API drift\n")


def test_what_does_not_fit_is_collapsed_with_a_note_saying_how_to_get_it() -> None:
    text = render(report_of(*many(5_000)), "markdown")
    assert "<details><summary>" in text and "</details>" in text
    note = text.rstrip().splitlines()[-1]
    assert note.startswith("> **Cut to fit:**")
    assert "--format json" in note and "-o FILE" in note
    shown_in_full = text[text.index("### payments") :].count("| `response-property-type-changed` |")
    listed_short = sum(1 for line in text.splitlines() if line.startswith("- payments: **"))
    assert shown_in_full > 10 and listed_short > 10
    # the note's figures add up: every cause is in full, in one line, or counted as not listed
    cut = int(note.split("**Cut to fit:** ")[1].split(" finding")[0])
    assert shown_in_full + cut == 5_000
    if " not listed." in note:
        figures = re.search(r": (\d+) listed one line each above, (\d+) not listed\.", note)
        assert figures is not None, note
        listed, not_listed = int(figures.group(1)), int(figures.group(2))
        assert listed == listed_short and listed_short + not_listed == cut
    else:
        assert listed_short == cut


def test_the_summary_comes_first_and_survives_any_cut() -> None:
    text = render(report_of(*many(5_000)), "markdown")
    lines = text.splitlines()
    summary = next(i for i, line in enumerate(lines) if line.startswith("**1 API: "))
    first_section = lines.index("### payments")
    assert summary < first_section
    assert "1667 breaking, 1667 dangerous, 1666 info" in lines[summary]
    assert any(line.startswith("**Top 10 causes**") for line in lines[:first_section])


def test_a_report_that_fits_has_no_overflow_section() -> None:
    text = render(report_of(*many(3)), "markdown")
    assert "<details>" not in text and "Cut to fit" not in text


def test_one_enormous_message_is_clipped_not_allowed_to_take_the_page() -> None:
    huge = Change("request-property-removed", BREAKING, "x" * 500_000, ("GET /a",), old="/" + "y" * 200_000)
    text = render(report_of(huge), "markdown")
    assert len(text) < LIMIT
    assert "…" in text


def test_hundreds_of_apis_stay_under_the_budget() -> None:
    base = report_of(*many(20))
    apis = tuple(dataclasses.replace(base.apis[0], name=f"api-{n:04d}-" + "n" * 100) for n in range(800))
    text = render(DriftReport(apis=apis, today=base.today), "markdown")
    assert len(text) < LIMIT
    assert "more APIs" in text


def test_summary_mode_is_the_head_only() -> None:
    report = report_of(*many(50))
    text = render(report, "markdown", summary=True)
    assert "### payments" not in text and "**Top 10 causes**" in text
    assert "Summary only" in text and "--format json" in text
    assert len(text) < len(render(report, "markdown"))


def test_explode_draws_one_row_per_change() -> None:
    route = "property `fax` of the 200 response (application/json)"
    changes = [
        Change("response-optional-property-removed", BREAKING, f"{op}: {route}: was removed", (op,), old="/c/fax")
        for op in ("GET /customers", "POST /customers", "GET /customers/{id}")
    ]
    report = report_of(*changes)
    grouped = render(report, "markdown")
    exploded = render(report, "markdown", explode=True)
    assert "#### Breaking (1)" in grouped and "#### Breaking (3)" in exploded
    section = exploded[exploded.index("### payments") :]
    assert section.count("| `response-optional-property-removed` |") == 3
    errors = ApiDrift(name="x", old="a", new="b", protocol="openapi")
    assert "#### Breaking" not in render(DriftReport(apis=(errors,)), "markdown")


def test_hundreds_of_failed_apis_stay_under_the_budget() -> None:
    error = ApiError("answered HTTP 503 " + "because " * 60, where="https://vendor.example/graphql", hint="try later")
    apis = tuple(ApiDrift(name=f"api-{n:04d}", old="a", new="b", error=error) for n in range(800))
    text = render(DriftReport(apis=apis), "markdown")
    assert len(text) < LIMIT
    assert "answered HTTP 503" in text and "Cut to fit" in text
