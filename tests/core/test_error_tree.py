"""The error tree drawn in ``toolkit.errors``'s docstring is the real one, both ways.

Every ``CtkError`` subclass of the package (every module imported, none skipped) is drawn, under its
real base class, named with its module path when it is defined outside ``errors.py`` (a child drawn
without one is in its parent's module); and every name drawn is such a class.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import io
import pkgutil
import re
import sys
from dataclasses import dataclass

import pytest

import toolkit
import toolkit.errors
from toolkit.errors import CtkError

_ROOT = re.compile(r"^(?P<indent> *)CtkError\b", re.MULTILINE)
_BRANCH = re.compile(r"^(?P<indent>[ │]*)[├└]── (?P<name>[\w.]+)")


@dataclass(frozen=True)
class Drawn:
    name: str  # the class name
    module: str  # where the drawing says it is defined
    parent: str  # the class it is drawn under
    line: str


def _import_module(name: str) -> None:
    if name.endswith(".__main__"):  # running the command is what importing it does: ask for the version only
        with (
            pytest.MonkeyPatch.context() as patch,
            contextlib.redirect_stdout(io.StringIO()),
            pytest.raises(SystemExit) as exited,
        ):
            patch.setattr(sys, "argv", ["ctk", "--version"])
            importlib.import_module(name)
        assert exited.value.code == 0, name
        return
    importlib.import_module(name)


@functools.cache
def error_classes() -> dict[str, type[CtkError]]:
    """Every subclass of ``CtkError`` (recursively) once every module under ``toolkit/`` is imported."""
    modules = [info.name for info in pkgutil.walk_packages(toolkit.__path__, "toolkit.")]
    assert "toolkit.errors" in modules and "toolkit.vendor.credentials" in modules  # the walk reaches the leaves
    for name in modules:
        if name not in sys.modules:
            _import_module(name)
    found: dict[str, type[CtkError]] = {}
    pending: list[type[CtkError]] = [CtkError]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("toolkit."):  # not a test's own subclass
                other = found.setdefault(sub.__name__, sub)
                assert other is sub, f"two error classes named {sub.__name__}: {other.__module__}, {sub.__module__}"
                pending.append(sub)
    return found


def drawn_tree() -> list[Drawn]:
    """The classes drawn below ``CtkError`` in ``toolkit.errors.__doc__``, with the parent each is drawn under."""
    doc = toolkit.errors.__doc__ or ""
    root = _ROOT.search(doc)
    assert root is not None, "toolkit.errors.__doc__ draws no tree from CtkError"
    base = len(root.group("indent"))
    parents = ["CtkError"]  # by depth
    modules = {"CtkError": "toolkit.errors"}
    drawn: list[Drawn] = []
    for line in doc[root.end() :].splitlines():
        branch = _BRANCH.match(line)
        if branch is None:
            continue  # a blank or commentary line of the drawing
        depth = (len(branch.group("indent")) - base) // 4 + 1
        assert depth <= len(parents), f"{line.strip()!r} is drawn below no class"
        path, _, name = branch.group("name").rpartition(".")
        parent = parents[depth - 1]
        module = f"toolkit.{path}" if path else modules[parent]
        modules[name] = module
        del parents[depth:]
        parents.append(name)
        drawn.append(Drawn(name, module, parent, line.strip()))
    return drawn


def test_the_tree_is_read() -> None:
    names = [entry.name for entry in drawn_tree()]
    assert names[:2] == ["LoadError", "SourceError"]
    assert "CredentialsError" in names and "IgnoreFileError" in names
    assert len(names) == len(set(names)), "a class is drawn twice"


def test_every_ctk_error_is_drawn_under_its_base_with_its_module() -> None:
    drawn = {entry.name: entry for entry in drawn_tree()}
    missing = sorted(f"{cls.__module__}.{name}" for name, cls in error_classes().items() if name not in drawn)
    assert not missing, f"CtkError subclasses missing from the tree in toolkit/errors.py: {missing}"
    for name, cls in error_classes().items():
        entry = drawn[name]
        assert entry.module == cls.__module__, f"{entry.line!r}: {name} is defined in {cls.__module__}"
        assert entry.parent == cls.__bases__[0].__name__, f"{entry.line!r}: {name}'s base is {cls.__bases__[0]}"


def test_every_name_drawn_is_a_real_error_class() -> None:
    for entry in drawn_tree():
        module = importlib.import_module(entry.module)
        cls = getattr(module, entry.name, None)
        assert isinstance(cls, type), f"{entry.line!r}: {entry.module} has no class {entry.name}"
        assert issubclass(cls, CtkError), f"{entry.line!r}: {entry.name} is no CtkError"
        assert cls.__module__ == entry.module, f"{entry.line!r}: {entry.name} is defined in {cls.__module__}"
        assert cls.__bases__[0].__name__ == entry.parent, f"{entry.line!r}: {entry.name}'s base is {cls.__bases__[0]}"
        assert error_classes()[entry.name] is cls
