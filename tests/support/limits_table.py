"""The README's table of limits, from ``toolkit.limits`` (the one place they are defined).

``scripts/limits_table.py`` prints it; ``tests/core/test_limits_docs.py`` checks that README.md holds
exactly this table, so a new or changed limit cannot go undocumented.
"""

from __future__ import annotations

import dataclasses

from toolkit.limits import DEFAULT_LIMITS, LIMIT_DOCS, Limits

KIB, MIB = 1024, 1024 * 1024


BYTES = {"max_body", "max_header_bytes", "max_violation_scan", "max_generated_bytes"}


def shown(name: str, value: object) -> str:
    """A default as a person reads it: 10 MiB, 64 KiB, 60 s, 2 000 000."""
    if isinstance(value, float):
        return f"{value:g} s"
    assert isinstance(value, int)
    if name not in BYTES:
        return f"{value:,}".replace(",", " ")
    if value >= MIB and value % MIB == 0:
        return f"{value // MIB} MiB"
    if value >= KIB and value % KIB == 0 and value < 100 * KIB:
        return f"{value // KIB} KiB"
    return f"{value:,}".replace(",", " ")


def table() -> str:
    rows = ["| limit | default | what it bounds, and what happens beyond it |", "|---|---|---|"]
    for item in dataclasses.fields(Limits):
        default = shown(item.name, getattr(DEFAULT_LIMITS, item.name))
        rows.append(f"| `{item.name}` | {default} | {LIMIT_DOCS[item.name]} |")
    return "\n".join(rows)
