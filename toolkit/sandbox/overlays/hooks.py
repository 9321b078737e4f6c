"""Loading ``mocks/<api>/hooks.py`` and running its hooks (the API hooks use: ``toolkit.sandbox.hooks``).

hooks.py is the user's own Python, run deliberately: only ``ctk serve`` on a workspace (and ``--check``,
which builds everything it would serve) imports it, once per process, as a module of its own (it can
import installed packages and the standard library, not the files beside it). Importing it is checked:

- a ``SyntaxError``, or any exception raised while it runs (an ``ImportError``, a ``NameError``), is a
  ``ConfigError`` naming ``hooks.py:LINE`` (the line in hooks.py where it failed) — ``ctk serve`` exits 2;
- each ``@hook`` names an operation of the contract and takes two arguments (``ConfigError`` at the line of
  the decorated function, with a "did you mean" hint).

At request time (the protocol modules call ``run``):

- a hook that raises costs that request a 500 in the protocol's own error form (problem+json, a SOAP
  Server/Receiver fault, a GraphQL ``errors`` document) naming the hook and its exception, and one log line
  (logger ``ctk.hooks``) with the file and line where it raised: never the server;
- a hook that returns an answer the contract does not allow (an undeclared status, a body its schema
  refuses, an undeclared fault, a value of the wrong GraphQL type) is not sent: the answer the hook received
  goes out, with a ``ctk-warning`` header naming the hook and the violation, and the same words in the log.
  Not a 500: the hook meant to answer, the sandbox still has a valid answer to give, and a client under test
  should not see a server error the real vendor would never send; the warning says why the hook had no effect.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import logging
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from toolkit.errors import ConfigError
from toolkit.exchange import MockResult, Response
from toolkit.sandbox.hooks import ATTRIBUTE, Answer, HookRequest
from toolkit.sandbox.overlays.entries import did_you_mean

__all__ = ["FILE_NAME", "WARNING", "Hook", "HookError", "Hooks", "load_hooks", "warned"]

FILE_NAME = "hooks.py"
WARNING = "ctk-warning"
EVERY = "*"
_MAX_WARNING = 400
_MAX_MESSAGE = 300

log = logging.getLogger("ctk.hooks")


class HookError(Exception):
    """A hook raised; the message names it, its exception and where it raised (for a 500 in the protocol's form)."""


@dataclass(frozen=True)
class Hook:
    function: Callable[[HookRequest, Answer], Any]
    operation: str  # as written in @hook ("*": every operation)
    name: str
    where: str  # hooks.py:LINE of the decorated function
    line: int

    def run(self, request: HookRequest, answer: Answer) -> Answer | str | None:
        """The hook's answer (None: keep ``answer``), or why what it returned is not an answer (a str).
        ``HookError`` when it raised."""
        try:
            returned = self.function(request, answer)
        except Exception as error:  # noqa: BLE001 -- the user's code failing costs one answer, never the server
            place = _place(error, self.where)
            message = _clip(f"{type(error).__name__}: {error}")
            log.error("hook %s (%s) raised at %s: %s", self.name, self.operation, place, message)
            raise HookError(f"the sandbox's hook {self.name} raised {message} (at {place})") from None
        if returned is None or isinstance(returned, Answer):
            return returned
        return f"returned {type(returned).__name__}, not an Answer or None"

    def misfit(self, why: str) -> str:
        """``why`` as the warning a misfit answer goes out with, logged once here."""
        note = f"hook {self.name} ({self.where}): {why}; its answer was not sent"
        log.warning("%s", _clip(note))
        return note


class Hooks:
    """The hooks of one API, by the operation their ``@hook`` names, in file order."""

    def __init__(self, hooks: Iterable[Hook] = ()) -> None:
        self.all = tuple(sorted(hooks, key=lambda hook: hook.line))
        self._memo: dict[tuple[str, ...], tuple[Hook, ...]] = {}

    def __bool__(self) -> bool:
        return bool(self.all)

    def of(self, *names: str) -> tuple[Hook, ...]:
        """The hooks of an operation known by any of ``names`` (SOAP: its name and its id), ``*`` ones too."""
        found = self._memo.get(names)
        if found is None:
            found = tuple(hook for hook in self.all if hook.operation == EVERY or hook.operation in names)
            self._memo[names] = found
        return found

    def check(self, known: Iterable[str], resolve: Callable[[str], bool]) -> None:
        """Refuse a hook of an operation ``resolve`` does not know (``known``: names for the hint)."""
        for hook in self.all:
            if hook.operation != EVERY and not resolve(hook.operation):
                names = list(known)
                hint = did_you_mean(hook.operation, names, None) or f"the operations: {', '.join(names[:20])}"
                raise ConfigError(
                    f"@hook({hook.operation!r}) on {hook.name}: the contract has no such operation", where=hook.where,
                    hint=hint,
                )  # fmt: skip


def load_hooks(path: Path) -> Hooks:
    """Import ``path`` (a hooks.py) and collect its hooks; a ``ConfigError`` naming ``path:LINE`` when it cannot."""
    shown = str(path)
    digest = hashlib.blake2b(str(path.resolve()).encode(), digest_size=6).hexdigest()
    name = f"ctk_hooks_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError("cannot load hooks.py as Python", where=shown)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling inside hooks.py look their module up here
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        sys.modules.pop(name, None)
        line = f":{error.lineno}" if error.lineno else ""
        raise ConfigError(f"hooks.py is not valid Python: {error.msg}", where=f"{shown}{line}") from None
    except (Exception, SystemExit) as error:  # noqa: BLE001 -- the user's module failing to import is a config error
        sys.modules.pop(name, None)
        where = _place(error, shown, default=shown)
        raise ConfigError(
            f"hooks.py failed while importing: {_clip(f'{type(error).__name__}: {error}')}",
            where=where,
            hint="hooks.py may import installed packages and the standard library, not the files beside it",
        ) from None
    hooks: list[Hook] = []
    for value in list(vars(module).values()):
        if not inspect.isfunction(value):
            continue
        operations = getattr(value, ATTRIBUTE, None)
        if not operations:
            continue
        code = value.__code__
        where = (
            f"{shown}:{code.co_firstlineno}"
            if Path(code.co_filename) == path
            else f"{code.co_filename}:{code.co_firstlineno}"
        )
        try:
            inspect.signature(value).bind(None, None)
        except TypeError:
            raise ConfigError(
                f"hook {value.__name__} must take two arguments: (request, answer)", where=where
            ) from None
        hooks.extend(Hook(value, operation, value.__name__, where, code.co_firstlineno) for operation in operations)
    return Hooks(hooks)


def warned(result: MockResult, *notes: str) -> MockResult:
    """``result`` with a ``ctk-warning`` header per note (one line, ASCII, at most 400 characters each)."""
    response = result.response
    extra = tuple((WARNING, _header(note)) for note in notes)
    return replace(result, response=Response(response.status, (*response.headers, *extra), response.body))


def _place(error: BaseException, where: str, *, default: str | None = None) -> str:
    """``file:line`` of the deepest frame of ``error``'s traceback in the hooks file ``where`` names, else
    ``default`` (else ``where``)."""
    file = where.rsplit(":", 1)[0] if where.rsplit(":", 1)[-1].isdigit() else where
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename == file:
            return f"{file}:{frame.lineno}"
    return default if default is not None else where


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def _header(text: str) -> str:
    text = " ".join(text.split()).encode("ascii", "replace").decode()
    return text if len(text) <= _MAX_WARNING else text[: _MAX_WARNING - 3] + "..."
