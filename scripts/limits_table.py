"""Print the README's table of limits from ``toolkit.limits`` (the one place they are defined).

    python scripts/limits_table.py

The table is built by ``tests.support.limits_table``; ``tests/core/test_limits_docs.py`` checks that
README.md holds exactly this table, so a new or changed limit cannot go undocumented.
"""

from __future__ import annotations

from tests.support.limits_table import table

if __name__ == "__main__":
    print(table())
