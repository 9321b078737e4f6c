"""The README's "In pytest" examples run as written: each block after a ``<!-- pytest-example: NAME -->`` line
is a test file, run by pytest in the example workspace (the repository root), and every test in it passes."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.support.paths import REPO

# CTK_README: another file holding the section (for checking a proposed section before it is pasted in)
README = Path(os.environ.get("CTK_README", REPO / "README.md"))
_EXAMPLE = re.compile(r"^<!-- pytest-example: (\w+) -->\n```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def _examples() -> dict[str, str]:
    return dict(_EXAMPLE.findall(README.read_text(encoding="utf-8")))


@pytest.mark.parametrize("protocol", ["rest", "soap", "graphql"])
def test_readme_example_runs(suite: pytest.Pytester, protocol: str) -> None:
    examples = _examples()
    if not examples:
        pytest.skip(f"{README.name} has no <!-- pytest-example: ... --> blocks yet (the 'In pytest' section)")
    assert protocol in examples, f"{README.name} has no <!-- pytest-example: {protocol} --> block"
    code = examples[protocol]
    tests = len(re.findall(r"^def test_", code, re.MULTILINE))
    suite.makepyfile(**{f"test_readme_{protocol}": code})
    result = suite.runpytest("-p", "no:randomly", "-W", "error::toolkit.pytest_plugin.CtkContractWarning")
    result.assert_outcomes(passed=tests)
