"""Which renderer draws which ``--format``; each renderer is its own module, imported when chosen."""

from __future__ import annotations

import importlib

from toolkit.drift.report import DriftReport, FailOn

FORMATS = ("text", "markdown", "json", "junit", "html")


def render(report: DriftReport, output_format: str, fail_on: FailOn, *, color: bool = False, width: int = 120) -> str:
    """The report as ``output_format``; ``color``/``width`` matter to the text format only."""
    if output_format not in FORMATS:
        raise ValueError(f"unknown drift report format {output_format!r}")
    if output_format == "text":
        from toolkit.drift import render_text

        return render_text.render(report, fail_on, color=color, width=width)
    module = importlib.import_module(f"toolkit.drift.render_{output_format}")
    text: str = module.render(report, fail_on)
    return text
