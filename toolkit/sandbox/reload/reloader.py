"""``Reloader``: the thread that rebuilds a running sandbox's APIs when the files they were built from change.

Every ``interval`` seconds it takes a snapshot (``watch``) of the watched files: each API's contract (every
file the loader read; a folder contract whole), its ``mocks/<api>/`` folder, and ``sandbox/sandbox.toml``. On a
change it waits until two snapshots ``settle`` seconds apart agree (an editor that saves in two writes, a
``git checkout`` touching several files: one reload), then:

1. reads the workspace again into a ``ServeConfig`` (``config.workspace_config``: sandbox.toml, then the command
   line's settings as ``ctk serve`` applies them); a contract served alone keeps its config;
2. rebuilds only the APIs whose inputs changed (their files' ``(mtime_ns, size, inode)``, their sandbox.toml
   tables, the settings every API gets), one at a time, with ``server.build_apis`` and the running sandbox's
   store, so state survives. The others keep their runtime as it is (compiled mock, memo, faults set through
   the admin API: a rebuilt API starts from sandbox.toml's);
3. swaps them in at once (``Sandbox.replace_apis``: a request sees the old APIs or the new ones), then clears, in
   every session, the collections whose item schema changed (``state.schemas``), and says so in the log.

All of it runs in this thread, never on the event loop: requests are answered by the last good version while
a big contract compiles. A broken edit (YAML that does not parse, an unknown key in sandbox.toml, a seed file
that does not fit) changes nothing it touches: that API keeps its last good version (a sandbox.toml that does
not read keeps them all), the error goes to the log in one line (``where: message (hint: ...)``, no traceback)
and to ``GET /__ctk/reload`` (``Sandbox.reload_failed``) until an edit builds. Settings that shape the server
rather than the APIs (host, port, store, webhook_hosts, the journal, the access log) take effect at the next
start, and the log says so when they change.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from toolkit.errors import CtkError
from toolkit.sandbox.heap import resettle_heap
from toolkit.sandbox.reload.config import ServeOverrides, workspace_config
from toolkit.sandbox.reload.watch import changed, snapshot
from toolkit.sandbox.server import MountedContract, ServeConfig, build_apis
from toolkit.sandbox.state.schemas import digest
from toolkit.workspace import CONFIG_PATH

if TYPE_CHECKING:
    from toolkit.sandbox.admin.runtime import ApiRuntime, Sandbox
    from toolkit.sandbox.store import Store

__all__ = ["INTERVAL", "SETTLE", "Reloader"]

log = logging.getLogger("ctk.reload")
INTERVAL = 0.4  # seconds between two polls of the watched files
SETTLE = 0.2  # seconds the files must stay unchanged before a reload starts
_CLOCK_TICK = 20_000_000  # ns: file times come from a coarse clock (a jiffy); a file this close to the build is late
_SHOWN_CHANGES = 3  # changed files a reload's log line names
SCHEMAS = "#schemas"  # namespace #schemas/<api>: collection -> the fingerprint its stored items were written under
# ServeConfig fields every API is built with: a change rebuilds them all
_SHARED = ("seed", "validate", "webhook_url", "webhook_after", "limits", "state_everywhere")


class _StateLayer(Protocol):
    def fingerprints(self) -> dict[str, str]: ...

    def forget(self, names: Sequence[str]) -> int: ...


@dataclass
class _Served:
    """One API of the running version, and what it was built from."""

    inputs: str  # digest of its settings and its files' snapshot when it was built
    files: tuple[str, ...]  # the files its contract was read from
    api: ApiRuntime


class Reloader:
    """See the module's docstring. ``overrides``: the command line's settings over the workspace (None: a contract
    served alone, whose config never changes); ``built_at``: ``time.time_ns()`` taken before the sandbox was built,
    so that a file saved while it was being built is reloaded (its edit may not be in what is served)."""

    def __init__(
        self,
        sandbox: Sandbox,
        config: ServeConfig,
        overrides: ServeOverrides | None = None,
        *,
        interval: float = INTERVAL,
        settle: float = SETTLE,
        built_at: int | None = None,
    ) -> None:
        self.sandbox = sandbox
        self.config = config
        self.overrides = overrides
        self.interval = interval
        self.settle = settle
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._settings: dict[str, Any] = {}
        self._served = {  # build_apis returns the APIs in the config's order
            _key(item): _Served(_inputs(item, config, _files_of(api)), _files_of(api), api)
            for item, api in zip(config.contracts, sandbox.apis, strict=False)
        }
        self._paths = self._watched(config)
        self._seen = snapshot(Path(path) for path in self._paths)
        for entry in self._served.values():  # what is served now, not what a store kept from an earlier run, is
            with contextlib.suppress(CtkError):  # what the first reload compares with (a failing store: the APIs')
                _record_schemas(entry.api, sandbox.store)
        if built_at is not None:
            self._since(built_at - _CLOCK_TICK)
        if overrides is not None:
            with contextlib.suppress(CtkError):  # edited since the start: the first reload says what is wrong
                self._settings = dataclasses.asdict(workspace_config(overrides)[1])

    def _since(self, built_at: int) -> None:
        """Forget what the APIs whose files were saved after ``built_at`` were built from, and what was seen of
        those files: the first poll rebuilds them."""
        late = {path for path, (mtime, _, _) in self._seen.items() if mtime >= built_at}
        if not late:
            return
        for item in self.config.contracts:
            entry = self._served.get(_key(item))
            roots = _api_paths(item, entry.files) if entry is not None else []
            if entry is not None and any(_under(path, root) for path in late for root in roots):
                entry.inputs = ""  # matches no digest: rebuilt at the next reload
        self._seen = {path: seen for path, seen in self._seen.items() if path not in late}

    # -- the thread ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Watch in a daemon thread (it ends with the process)."""
        self._thread = threading.Thread(target=self._run, name="ctk-reload", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll()
            except Exception as error:  # the watcher must outlive a bug, or reloading would stop silently
                log.error("ctk reload bug: the sandbox keeps serving, the watch goes on", exc_info=error)

    def poll(self) -> bool:
        """One look at the watched files; when they changed (and then settled), a reload. Whether it reloaded."""
        now = snapshot(Path(path) for path in self._paths)
        if now == self._seen:
            return False
        while not self._stop.wait(self.settle):
            again = snapshot(Path(path) for path in self._paths)
            if again == now:
                break
            now = again
        edited = changed(self._seen, now)
        self._seen = now
        self.reload(edited)
        return True

    # -- a reload ------------------------------------------------------------------------------------

    def reload(self, edited: Sequence[str] = ()) -> None:
        """Build what changed and serve it; what does not build keeps its last good version, and says why."""
        what = _listing(edited)
        try:
            config = self._config()
            self._paths = sorted({*self._paths, *self._watched(config)})  # a new API's files: watched even if broken
            failures = self._apply(config, what)
        except Exception as error:  # noqa: BLE001 -- a broken edit (or a bug) leaves the last good version serving
            failures = [error]
        for later in failures[1:]:
            _log_failure(later, what)
        if failures:
            message, where, hint = _described(failures[0])
            self.sandbox.reload_failed(message, where or "", hint or "")
            _log_failure(failures[0], what)

    def _config(self) -> ServeConfig:
        if self.overrides is None:
            return self.config
        config, settings = workspace_config(self.overrides)
        current = dataclasses.asdict(settings)
        for name, value in current.items():  # all but the seed shape the server (address, store, journal...)
            if self._settings and name != "seed" and value != self._settings.get(name):
                log.warning("[sandbox] %s changed: it takes effect when ctk serve restarts", name)
        self._settings = current
        return config

    def _apply(self, config: ServeConfig, what: str) -> list[BaseException]:
        """Serve ``config``: rebuild the APIs whose inputs changed, keep the others; the errors of those that did
        not build (each keeps its last good version; a new one is left out)."""
        served: dict[str, _Served] = {}
        rebuilt: list[str] = []
        failures: list[BaseException] = []
        for item in config.contracts:
            key = _key(item)
            old = self._served.get(key)
            inputs = _inputs(item, config, old.files if old is not None else ())
            if old is not None and old.inputs == inputs:
                served[key] = old
                continue
            try:
                (api,) = build_apis(dataclasses.replace(config, contracts=[item]), self.sandbox.store)
            except Exception as error:  # noqa: BLE001 -- reported by the caller; the API keeps its last good version
                failures.append(error)
                if old is not None:
                    served[key] = old
                continue
            served[key] = _Served(inputs, _files_of(api), api)
            rebuilt.append(key)
        if not served:
            return failures
        gone = [key for key in self._served if key not in served]
        previous, self._served = self._served, served
        self.config = config
        # what a failed API was read from stays watched: its fix is the next change
        self._paths = sorted({*self._paths, *self._watched(config)}) if failures else self._watched(config)
        if not rebuilt and not gone:
            if not failures:
                self.sandbox.reload_error = None  # an edit undone: nothing to build, nothing wrong any more
                log.info("reload%s: every API is as it was", what)
            return failures
        # cleared before the swap: an item the new version creates meanwhile is never taken with the old ones
        cleared = [
            line
            for key in rebuilt
            if key in previous
            for line in _forget_changed(previous[key].api, served[key].api, key, self.sandbox.store)
        ]
        self.sandbox.replace_apis([entry.api for entry in served.values()])
        kept = [key for key in served if key not in rebuilt]
        log.info(
            "reloaded%s: generation %s; rebuilt %s%s%s",
            what,
            self.sandbox.generation,
            ", ".join(rebuilt) or "none",
            f"; kept {', '.join(kept)}" if kept else "",
            f"; removed {', '.join(gone)}" if gone else "",
        )
        for line in cleared:
            log.warning("%s", line)
        previous = {}  # the replaced APIs' last reference here: resettle_heap can collect them
        resettle_heap()
        return failures

    def _watched(self, config: ServeConfig) -> list[str]:
        """Every API's paths (its contract, the files it was read from, mocks/<api>/) and sandbox.toml."""
        paths = {path for item in config.contracts for path in _api_paths(item, self._files(item))}
        if self.overrides is not None:
            paths.add(str(Path(self.overrides.root) / CONFIG_PATH))
        return sorted(paths)

    def _files(self, item: MountedContract) -> tuple[str, ...]:
        served = self._served.get(_key(item))
        return served.files if served is not None else ()


def _key(item: MountedContract) -> str:
    """How a reload knows an API again: its workspace name, else its contract."""
    return item.name or item.source


def _inputs(item: MountedContract, config: ServeConfig, files: Iterable[str]) -> str:
    """A digest of everything ``item``'s API is built from: its settings, the shared ones, and the snapshot of its
    files (the contract's, its mocks folder's)."""
    settings = {key: value for key, value in dataclasses.asdict(item).items() if key != "note"}
    shared = {name: getattr(config, name) for name in _SHARED}
    files_now = snapshot(Path(path) for path in _api_paths(item, files))
    return digest([settings, shared, sorted(files_now.items())])


def _files_of(api: ApiRuntime) -> tuple[str, ...]:
    return tuple(path for path in api.envelope.contract.files if "://" not in path)


def _api_paths(item: MountedContract, files: Iterable[str]) -> list[str]:
    """The paths an API is built from: its contract (a folder is walked), the files it was read from, mocks/<api>/."""
    source = item.source if "://" not in item.source else None
    return sorted({os.path.abspath(path) for path in (source, *files, item.overlays or None) if path})


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _record_schemas(api: ApiRuntime, store: Store | None) -> None:
    layer: Any = api.layer("state")
    if store is not None and hasattr(layer, "fingerprints"):
        for collection, fingerprint in layer.fingerprints().items():
            store.put(f"{SCHEMAS}/{layer.api}", collection, fingerprint)


def _forget_changed(old: ApiRuntime, new: ApiRuntime, name: str, store: Store | None) -> list[str]:
    """Clear the collections whose schema changed (or that are gone) between two versions of an API's state
    layer; a log line for each that held something. State turned off keeps its data (turned on again, it is back).

    The fingerprint the stored data was written under is kept in the store (``#schemas/<api>``), so that with
    ``--workers`` and a shared store the first worker to reload clears a collection and the others, reloading a
    moment later, do not clear what clients created in the new version meanwhile."""
    before: Any = old.layer("state")
    after: Any = new.layer("state")
    if not hasattr(before, "fingerprints") or not hasattr(after, "fingerprints"):
        return []
    then: dict[str, str] = before.fingerprints()
    now: dict[str, str] = after.fingerprints()
    namespace = f"{SCHEMAS}/{after.api}"
    lines = []
    for collection in sorted(then.keys() | now.keys()):
        try:
            written = store.get(namespace, collection) if store is not None else None
            basis = written if isinstance(written, str) else then.get(collection)
            if store is not None and collection in now:
                store.put(namespace, collection, now[collection])
            if basis is None or basis == now.get(collection):
                continue  # new, or unchanged (or cleared already by another process)
            layer: _StateLayer = before if collection in then else after
            removed = layer.forget([collection])
        except CtkError as error:  # the store failing (StoreError): the reload stands, the old items may too
            lines.append(f"{name}: state of {collection} could not be cleared: {error}")
            continue
        why = "its schema changed" if collection in now else "it is gone from the contract"
        if removed:
            lines.append(f"{name}: state of {collection} cleared in every session: {why} ({removed} keys)")
    return lines


def _listing(edited: Sequence[str]) -> str:
    """`` after crm.wsdl, seed.json changed`` for a log line, at most a few names."""
    if not edited:
        return ""
    names = [os.path.basename(path) for path in edited[:_SHOWN_CHANGES]]
    more = f" and {len(edited) - _SHOWN_CHANGES} more" if len(edited) > _SHOWN_CHANGES else ""
    return f" after {', '.join(names)}{more} changed"


def _log_failure(error: BaseException, what: str) -> None:
    """One line, no traceback, for a broken edit; a bug's traceback at debug level."""
    message, where, hint = _described(error)
    line = f"{where}: {message}" if where else message
    log.error(
        "reload failed%s, still serving the last good version: %s%s", what, line, f" (hint: {hint})" if hint else ""
    )
    if not isinstance(error, CtkError):
        log.debug("the reload's traceback", exc_info=error)


def _described(error: BaseException) -> tuple[str, str | None, str | None]:
    """A ctk error as it says itself; anything else is a bug in ctk, named by its type."""
    if isinstance(error, CtkError):
        return error.message, error.where, error.hint
    if isinstance(error, OSError):  # a file being replaced, unreadable, or gone mid-read
        where = str(error.filename) if error.filename else None
        return f"cannot read it: {error.strerror or error}", where, "check the file; the next save reloads"
    return (
        f"the reload failed: {type(error).__name__}: {error}",
        None,
        "this is a bug in ctk, please report it; the last good version is still served",
    )
