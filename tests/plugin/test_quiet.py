"""Installed, the plugin is active in every pytest run: one that uses no ctk fixture sees nothing of it."""

from __future__ import annotations

import pytest


def test_a_run_without_ctk_fixtures_shows_nothing_of_ctk(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_plain():\n    assert True\n")
    result = pytester.runpytest("-rA", "-W", "error")
    result.assert_outcomes(passed=1)
    lines = result.stdout.lines
    after_header = "\n".join(lines[next(i for i, line in enumerate(lines) if line.startswith("collected")) :])
    assert "ctk" not in after_header.lower()  # the header names the rootdir and the plugins (ctk-<version>)
    assert "warning" not in after_header.lower()


def test_marker_and_options_are_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.ctk(api=None, scenario=None, faults=None, seed=None, strict=None, *"])
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--ctk-usage=PATH*", "*--ctk-no-strict*", "*ctk_root (string):*", "*ctk_seed*"])


def test_marker_mistakes_are_usage_errors(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ctk(scenarios="x")
        def test_x(ctk_mock):
            pass
        """
    )
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["*@pytest.mark.ctk has no keyword 'scenarios'; its keywords: api, scenario, faults,*"])
    assert result.ret != 0
