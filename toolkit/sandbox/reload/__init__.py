"""Hot reload: a running ``ctk serve`` follows edits to its contracts, ``mocks/<api>/`` files and sandbox.toml.

    watch.py      snapshots of the watched files (``(mtime_ns, size, inode)`` by path, folders walked), polled
    config.py     ``ServeOverrides`` (the command line's settings, kept across reloads) and ``workspace_config``,
                  the ``ServeConfig`` ``ctk serve --root`` would build from the workspace as it is now
    reloader.py   ``Reloader``: the daemon thread that polls, rebuilds the APIs whose inputs changed, swaps them
                  in (``Sandbox.replace_apis``), clears the collections whose schema changed, and reports a
                  broken edit (log, ``GET /__ctk/reload``) while the last good version keeps serving

On by default for ``ctk serve`` (a workspace, or a contract file); ``--no-reload`` turns it off. With
``--workers N`` each worker process watches and reloads for itself: they read the same files, so they agree
within a poll or two.
"""

from __future__ import annotations

from toolkit.sandbox.reload.config import ServeOverrides, workspace_config
from toolkit.sandbox.reload.reloader import INTERVAL, SETTLE, Reloader

__all__ = ["INTERVAL", "SETTLE", "Reloader", "ServeOverrides", "workspace_config"]
