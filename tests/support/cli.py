"""Running ``ctk`` from a test: in-process through click's CliRunner, or the installed command in a
subprocess; and what a refusal must look like on the terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["CTK", "assert_refused_output", "ctk", "run_ctk"]

# the installed console script, beside the venv's python
CTK = Path(sys.executable).parent / "ctk"


def ctk(*args: str) -> tuple[int, str, str]:
    """``ctk ARGS`` in-process (click's CliRunner): exit code, stdout, stderr."""
    from click.testing import CliRunner

    from toolkit.cli import cli

    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def run_ctk(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The installed ``ctk ARGS`` in a subprocess run in ``cwd``, without CTK_DEBUG or CTK_MAX_CONTRACT_MB
    from the caller's environment (``env`` adds to it)."""
    base = {k: v for k, v in os.environ.items() if k not in ("CTK_DEBUG", "CTK_MAX_CONTRACT_MB")}
    return subprocess.run(
        [str(CTK), *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_refused_output(exit_code: int, stdout: str, stderr: str, name: str) -> None:
    """Exit 2, one ``error:`` line naming ``name`` (plus an optional hint line), no traceback."""
    assert exit_code == 2, (exit_code, stdout, stderr)
    assert "Traceback" not in stdout + stderr
    lines = stderr.splitlines()
    assert 1 <= len(lines) <= 2, stderr
    assert lines[0].startswith("error: "), stderr
    assert name in lines[0], stderr
    if len(lines) == 2:
        assert lines[1].startswith("  hint: "), stderr
