"""The architecture checks, run by the test suite so that CI (which runs only ``make test``) enforces them.

- ``lint-imports``: the import contracts of pyproject.toml ``[tool.importlinter]`` (the layers, and
  only toolkit/cli importing click or rich);
- ``deptry``: runtime dependencies are exactly what toolkit/ imports (pyproject.toml ``[tool.deptry]``);
- each protocol folder stays small enough to read at a glance;
- the neutral mock envelope (toolkit/mock/) names no protocol package, not even as a string for importlib.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO

BIN = Path(sys.executable).parent  # the venv's executables sit beside its python
PROTOCOLS = ("openapi", "soap", "graphql")
MAX_TOP_LEVEL_ENTRIES = 12
_PROTOCOL_MODULE = re.compile(rf"toolkit\.(?:{'|'.join(PROTOCOLS)})(?:\.\w+)*")
_IMPORT_FUNCTIONS = {"import_module", "__import__", "find_spec", "resolve_name"}


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    executable = BIN / tool
    assert executable.exists(), f"{executable} is missing: install the dev extra (make test does)"
    return subprocess.run([str(executable), *args], cwd=REPO, capture_output=True, text=True, timeout=240, check=False)


def _report(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


def test_import_contracts_are_kept() -> None:
    # --no-cache: no cache folder left in the work tree, and none shared between parallel test workers
    result = _run("lint-imports", "--no-cache", "--no-logo")
    assert result.returncode == 0, _report(result)


def test_dependencies_match_imports() -> None:
    result = _run("deptry", ".", "--no-ansi")
    assert result.returncode == 0, _report(result)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_protocol_folder_is_small(protocol: str) -> None:
    """A protocol folder holds its jobs (load, lint, mock/, diff/, ...), not a pile of modules."""
    entries = sorted(entry.name for entry in (REPO / "toolkit" / protocol).iterdir() if entry.name != "__pycache__")
    assert len(entries) <= MAX_TOP_LEVEL_ENTRIES, (
        f"toolkit/{protocol}/ has {len(entries)} entries (at most {MAX_TOP_LEVEL_ENTRIES}): {entries}; "
        "group modules by job into a subpackage"
    )


def _absolute(module: str | None, level: int, path: Path) -> str:
    """The absolute name a ``from`` import of ``module`` at ``level`` dots refers to, in the file at ``path``."""
    if level == 0:
        return module or ""
    package = list(path.relative_to(REPO).with_suffix("").parts)[:-1]  # a module's package, or __init__'s own
    base = package[: len(package) - (level - 1)] if level > 1 else package
    return ".".join([*base, *([module] if module else [])])


def protocol_references(path: Path) -> list[str]:
    """Every place in the file that names a protocol package: imports anywhere, dotted strings, import calls."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module, node.level, path)
            # "from toolkit.openapi.load import X" names toolkit.openapi.load; "from toolkit import openapi" too
            names = [base] if _PROTOCOL_MODULE.fullmatch(base) else [f"{base}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value.partition(":")[0]]  # "module:attribute" entries, as in a table of jobs
        elif isinstance(node, ast.JoinedStr) and node.values:  # f"toolkit.openapi.{job}"
            first = node.values[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names = [first.value.rstrip(".")]
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            argument = node.args[0] if node.args else None
            if called in _IMPORT_FUNCTIONS and not (
                isinstance(argument, ast.Constant) and isinstance(argument.value, str)
            ):
                # a name computed at run time could be any protocol's: the mock must not import by computed name
                found.append(f"line {node.lineno}: {called}() of a computed module name")
        found.extend(
            f"line {getattr(node, 'lineno', '?')}: {name}" for name in names if _PROTOCOL_MODULE.fullmatch(name)
        )
    return found


def test_mock_names_no_protocol() -> None:
    """toolkit/mock/ is the neutral envelope every protocol mock builds on: it may not know one by name.

    Which protocol handles a request is the protocol table's business (toolkit.protocols); the mock
    package reaching a protocol module, even through importlib, would turn the layering upside down.
    """
    offenders = [
        f"{path.relative_to(REPO)} {reference}"
        for path in sorted((REPO / "toolkit" / "mock").rglob("*.py"))
        for reference in protocol_references(path)
    ]
    assert not offenders, "toolkit/mock/ names a protocol package:\n" + "\n".join(offenders)
