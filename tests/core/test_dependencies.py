"""ctk is importable without its dev extra: no module of toolkit/ imports a dev-only library at import time.

The dev extra (pyproject.toml) holds what only tests, bench/, scripts/ and the checks use. A user's
``pip install ctk`` does not bring it, so a toolkit module that imports one of those libraries at
import time breaks for them while every test here passes. This test imports every module under
toolkit/ in a fresh interpreter that refuses, by name, each library a plain install would lack: the
dev extra's distributions and what they pull in, less whatever the runtime dependencies pull in too
(pytest, say, comes with schemathesis, so a plain install has it; deptry still flags a direct import
of it as a dev dependency in toolkit/).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.paths import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))

# Runs in the child interpreter: install the blocker first, then import every toolkit module.
_CHILD = r"""
import importlib, json, pkgutil, sys, traceback

blocked = frozenset(json.loads(sys.argv[1]))


class DevOnlyBlocker:
    '''Refuses every dev-only top-level name, as a plain install (without the dev extra) would.'''

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r} (dev-only: not installed without [dev])", name=name)
        return None


sys.meta_path.insert(0, DevOnlyBlocker())
for loaded in [name for name in sys.modules if name.partition(".")[0] in blocked]:
    del sys.modules[loaded]  # anything interpreter start-up loaded (a .pth hook) must be imported afresh

leaked = []
for name in sorted(blocked):  # the blocker's own check
    try:
        importlib.import_module(name)
    except ImportError:
        continue
    leaked.append(name)
probe = f"the blocker let these through: {leaked}" if leaked else None

failures = {}


def record(name):
    failures[name] = "".join(traceback.format_exception_only(*sys.exc_info()[:2])).strip()


import toolkit

imported = ["toolkit"]
for module in pkgutil.walk_packages(toolkit.__path__, "toolkit.", onerror=record):
    if module.name.rpartition(".")[2] == "__main__":
        continue  # running it would run the command
    try:
        importlib.import_module(module.name)
    except Exception:  # noqa: BLE001 - every failure is reported, whatever it is
        record(module.name)
    else:
        imported.append(module.name)
print(json.dumps({"imported": imported, "failures": failures, "probe": probe, "toolkit": toolkit.__file__}))
"""


def _requirements(strings: Iterable[str]) -> list[Requirement]:
    return [Requirement(text) for text in strings]


def _closure(requirements: Iterable[Requirement]) -> set[str]:
    """The installed distributions these requirements bring in, transitively (extras and markers honoured)."""
    seen: set[tuple[str, str]] = set()
    found: set[str] = set()
    pending = [(req, "") for req in requirements]
    while pending:
        req, extra = pending.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(req.name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # not for this platform, or an extra nobody asked for
        found.add(name)
        for wanted in ("", *sorted(req.extras)):
            if (name, wanted) in seen:
                continue
            seen.add((name, wanted))
            pending.extend((sub, wanted) for sub in _requirements(dist.requires or []))
    return found


def _import_names() -> dict[str, set[str]]:
    """Top-level import names of every installed distribution, by canonical distribution name."""
    names: dict[str, set[str]] = {}
    for top_level, dists in metadata.packages_distributions().items():
        if top_level.isidentifier():
            for dist in dists:
                names.setdefault(canonicalize_name(dist), set()).add(top_level)
    return names


def dev_only_import_names() -> tuple[set[str], list[Requirement]]:
    """The import names only the dev extra provides, and the dev extra's own requirements."""
    runtime = _closure(_requirements(PYPROJECT["project"]["dependencies"]))
    dev_direct = _requirements(PYPROJECT["project"]["optional-dependencies"]["dev"])
    dev_only = _closure(dev_direct) - runtime
    names = _import_names()
    runtime_names = set().union(*(names.get(dist, set()) for dist in runtime))
    blocked = set().union(*(names.get(dist, set()) for dist in dev_only)) - runtime_names
    return blocked, dev_direct


def _module_names_on_disk() -> set[str]:
    modules = set()
    for path in (REPO / "toolkit").rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts[-1] != "__main__":
            modules.add(".".join(parts))
    return modules


def test_the_dev_only_set_is_what_pyproject_says() -> None:
    """Guards the test below against passing vacuously (an empty or misread block list)."""
    blocked, dev_direct = dev_only_import_names()
    missing = []
    for req in dev_direct:
        try:
            metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            missing.append(req.name)
    assert not missing, f"dev extra not installed here (run `make test`, which installs '.[dev]'): {missing}"
    # openapi-core judges the mock in tests; respx and pytest are runtime dependencies of the pytest plugin
    assert {"openapi_core", "importlinter", "deptry", "xmlschema"} <= blocked, sorted(blocked)
    runtime_names = {"yaml", "click", "rich", "httpx", "zeep", "lxml", "graphql", "faker", "hypothesis", "re2",
                     "respx", "pytest"}  # fmt: skip
    assert not runtime_names & blocked, sorted(runtime_names & blocked)


def test_every_toolkit_module_imports_without_the_dev_extra() -> None:
    blocked, _ = dev_only_import_names()
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(sorted(blocked))],
        capture_output=True,
        text=True,
        cwd=REPO,  # `python -c` puts the working directory first on the import path: this repository's toolkit/
        timeout=240,
        check=False,
    )
    assert child.returncode == 0, child.stdout + child.stderr
    result = json.loads(child.stdout.strip().splitlines()[-1])
    assert result["probe"] is None, result["probe"]
    assert Path(result["toolkit"]).resolve() == (REPO / "toolkit" / "__init__.py").resolve()
    failures = "\n".join(f"{name}: {error}" for name, error in sorted(result["failures"].items()))
    assert not result["failures"], f"toolkit modules that fail to import without the dev extra:\n{failures}"
    # every module on disk was reached: the walk did not skip a subtree
    unreached = _module_names_on_disk() - set(result["imported"])
    assert not unreached, sorted(unreached)
