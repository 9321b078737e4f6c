"""``ctk_sandbox``: ``ctk serve``'s sandbox of every workspace API, live on a free loopback port, for clients ctk
cannot patch (requests, urllib, subprocesses, other languages).

One ``LiveSandbox`` per process (so one per xdist worker) serves in a background thread, built exactly as
``ctk serve`` builds it (``mounted_apis``, ``build_handler``, ctk's bounded HTTP protocol). Each test sees it
through a ``SandboxView`` with its own session: ``headers`` carries ``X-Ctk-Session``, which keeps the test's
state, scenario and counters apart from every other test's, and the journal is read filtered to it.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit.pytest_plugin.admin import CtkSetupError, admin
from toolkit.pytest_plugin.calls import Call, from_entry
from toolkit.pytest_plugin.run import TestRun

if TYPE_CHECKING:
    from toolkit.sandbox.admin.runtime import Sandbox

__all__ = ["LiveSandbox", "SandboxView"]


class LiveSandbox:
    """The session's sandbox server (``ctk_sandbox_server``)."""

    def __init__(self, root: Path | None, seed: int | None) -> None:
        if root is None:
            raise CtkSetupError(
                "ctk_sandbox serves a workspace: no sandbox/sandbox.toml at or above the rootdir or the current folder"
                "\n  hint: set ctk_root in your pytest ini options, or use ctk_mock('path/to/contract')"
            )
        from toolkit.mock.http_server import uvicorn_options
        from toolkit.mock.loopback import serve_in_thread
        from toolkit.pytest_plugin.contracts import workspace_at
        from toolkit.sandbox.server import ServeConfig, build_app, build_handler, changed_limits, mounted_apis

        space = workspace_at(root)
        assert space is not None
        config = ServeConfig(
            mounted_apis(space),
            seed=seed if seed is not None else space.sandbox.seed,
            limits=changed_limits(space.limits),
            webhook_hosts=list(space.sandbox.webhook_hosts),
            journal_size=100_000,
        )  # memory store: one process, its own state
        self.handler: Sandbox = build_handler(config)
        self._stack = ExitStack()
        self.base = self._stack.enter_context(
            serve_in_thread(build_app(config, self.handler), **uvicorn_options(config.effective_limits))
        )
        self.mounts = {api.label: api.mount for api in self.handler.apis}
        self.operations = {
            api.label: tuple(op.id for op in api.envelope.contract.operations) for api in self.handler.apis
        }

    def url(self, api: str) -> str:
        if api not in self.mounts:
            raise CtkSetupError(f"ctk_sandbox.url({api!r}): no such API; the workspace's APIs: "
                                f"{', '.join(sorted(self.mounts))}")  # fmt: skip
        return self.base + self.mounts[api]

    def close(self) -> None:
        self._stack.close()


class SandboxView:
    """The ``ctk_sandbox`` fixture: the live sandbox as one test sees it."""

    def __init__(self, live: LiveSandbox, run: TestRun) -> None:
        self._live = live
        self._run = run

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``: the admin API is at ``base_url + "/__ctk/"``."""
        return self._live.base

    @property
    def operations(self) -> dict[str, tuple[str, ...]]:
        """Each API's operations, by name."""
        return self._live.operations

    def url(self, api: str) -> str:
        """The URL of ``api`` (its mount under ``base_url``)."""
        return self._live.url(api)

    @property
    def session(self) -> str:
        """This test's session: send it as ``X-Ctk-Session`` (``headers``) on every request."""
        return self._run.session

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Ctk-Session": self._run.session}

    def scenario(self, api: str, name: str | None) -> None:
        """Play ``api``'s scenario ``name`` in this test's session."""
        __tracebackhide__ = True
        admin(self._live.handler, "PUT", f"scenarios/{api}", {"scenario": name, "session": self.session},
              doing=f"ctk_sandbox.scenario({api!r}, {name!r})")  # fmt: skip

    def fault(self, api: str, table: dict[str, Any] | None = None, **keys: Any) -> None:
        """Inject faults into ``api`` until this test ends (a faults table applies to every session of the
        worker's sandbox; tests of one worker run one at a time)."""
        __tracebackhide__ = True
        faults = {**(table or {}), **keys}
        admin(self._live.handler, "PUT", f"faults/{api}", faults, doing=f"ctk_sandbox.fault({api!r}, {faults!r})")

        def restore() -> None:
            from toolkit.sandbox.admin.control import restore_faults

            runtime = self._live.handler.api(api)
            if runtime is not None:
                restore_faults(runtime)

        self._run.undo.append(restore)

    def seed(self, api: str, collection: str, items: list[Any] | dict[str, Any]) -> None:
        """Add ``items`` to ``api``'s ``collection`` for this test's session."""
        __tracebackhide__ = True
        admin(self._live.handler, "POST", f"state/{api}/{collection}", items, f"session={self.session}",
              doing=f"ctk_sandbox.seed({api!r}, {collection!r}, ...)")  # fmt: skip

    def calls(self) -> list[Call]:
        """What this test's session sent, oldest first, from the sandbox's journal."""
        from toolkit.sandbox.admin.journal import Filter

        entries, _ = self._live.handler.journal.find(Filter(session=self.session, limit=10_000))
        return [from_entry(entry, entry.api or "") for entry in reversed(entries)]
