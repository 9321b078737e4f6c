"""The README's table of limits is the one ``scripts/limits_table.py`` prints from ``toolkit.limits``
(built by ``tests.support.limits_table``):
a limit added, renamed or changed without its documentation fails here."""

from __future__ import annotations

import dataclasses

from tests.support.limits_table import table as limits_table
from tests.support.paths import REPO
from toolkit.limits import LIMIT_DOCS, Limits


def test_every_limit_is_documented_where_it_is_defined() -> None:
    assert set(LIMIT_DOCS) == {item.name for item in dataclasses.fields(Limits)}


def test_the_readme_holds_the_generated_table() -> None:
    table = limits_table()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert table in readme, "README.md's Limits table is stale: paste the output of python scripts/limits_table.py"
