"""``toolkit.vendor`` stands on the foundation only, so ``drift``, ``verify`` and the sandbox can all use it.

It talks to real vendors and never loads a contract: no protocol folder, no ``load``, no ``drift``, no
``mock``, no ``cli``. Checked twice without import-linter: what importing each vendor module adds to a
fresh interpreter, and every ``import`` statement written in the package (those inside functions too).
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import toolkit.vendor

FOUNDATION = {
    "toolkit.errors",
    "toolkit.model",
    "toolkit.limits",
    "toolkit.sources",
    "toolkit.deadline",
    "toolkit.documents",
    "toolkit.workspace",
    "toolkit.exchange",
}
# What importing a vendor module must never load: the packages above the vendor, and protocol libraries.
FORBIDDEN = (
    "toolkit.drift",
    "toolkit.load",
    "toolkit.lint",
    "toolkit.openapi",
    "toolkit.soap",
    "toolkit.graphql",
    "toolkit.mock",
    "toolkit.cli",
    "toolkit.protocols",
    "toolkit.sandbox",
    "toolkit.verify",
    "graphql",
    "lxml",
    "zeep",
    "openapi_spec_validator",
    "click",
)
MODULES = ["toolkit.vendor", *(info.name for info in pkgutil.walk_packages(toolkit.vendor.__path__, "toolkit.vendor."))]


def test_the_package_is_walked() -> None:
    assert {"toolkit.vendor.credentials", "toolkit.vendor.fetch", "toolkit.vendor.introspection"} <= set(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_importing_a_vendor_module_loads_nothing_above_the_foundation(module: str) -> None:
    # ``import toolkit`` comes first whatever is imported (the package's public API loads ``toolkit.load``,
    # which loads no protocol): what counts is what the vendor module adds to it.
    code = (
        "import importlib, json, sys, toolkit; before = set(sys.modules); "
        f"importlib.import_module({module!r}); print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    added = json.loads(output)
    assert module in added
    loaded = sorted({package for package in FORBIDDEN for name in added if _below(name, package)})
    assert loaded == [], f"importing {module} loads {loaded}"


def _below(name: str, package: str) -> bool:
    return name == package or name.startswith(f"{package}.")


def _imported(path: Path, package: str) -> list[tuple[int, str]]:
    """Every module named by an import statement of ``path``, wherever it stands, with its line."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the package
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                found.append((node.lineno, f"{base}.{node.module}" if node.module else base))
            else:
                found.append((node.lineno, node.module or ""))
    return found


def test_every_import_written_in_the_package_is_of_the_foundation() -> None:
    folder = Path(toolkit.vendor.__file__).parent
    wrong = [
        f"{path.relative_to(folder)}:{line}: {name}"
        for path in sorted(folder.rglob("*.py"))
        for line, name in _imported(path, ".".join(["toolkit.vendor", *path.relative_to(folder).parent.parts]))
        if _below(name, "toolkit") and name not in FOUNDATION and not _below(name, "toolkit.vendor")
    ]
    assert wrong == [], f"toolkit.vendor imports beyond the foundation: {wrong}"
