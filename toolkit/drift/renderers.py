"""Which renderer draws which ``--format``; each renderer is its own module, imported when chosen.

Every renderer takes the same view options: ``summary`` (counts per API and severity and the top causes
only) and ``explode`` (one row per change, oasdiff's granularity, instead of one per cause). Each draws a
report that carries errors (``DriftReport.run_errors``, ``ApiDrift.error``) in its own well-formed
output, so a CI step reading the file always has something to parse.
"""

from __future__ import annotations

import importlib

from toolkit.drift.report import DriftReport, FailOn

FORMATS = ("text", "markdown", "json", "junit", "html", "github")


def render(
    report: DriftReport,
    output_format: str,
    fail_on: FailOn = FailOn.BREAKING,
    *,
    color: bool = False,
    width: int = 120,
    summary: bool = False,
    explode: bool = False,
) -> str:
    """The report as ``output_format``; ``color``/``width`` matter to the text format only."""
    if output_format not in FORMATS:
        raise ValueError(f"unknown drift report format {output_format!r}")
    if output_format == "text":
        from toolkit.drift import render_text

        return render_text.render(report, fail_on, color=color, width=width, summary=summary, explode=explode)
    module = importlib.import_module(f"toolkit.drift.render_{output_format}")
    text: str = module.render(report, fail_on, summary=summary, explode=explode)
    return text
