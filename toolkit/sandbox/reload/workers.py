"""``ctk serve --workers N`` with hot reload: each worker process builds its sandbox and watches for itself.

uvicorn imports ``app_factory`` in every worker (as it imports ``server.app_factory`` without reload); the
command line's settings come in ``RELOAD_ENV`` beside the config. The workers read the same files, so they
agree within a poll or two; each keeps its own journal and reload status, as it keeps its own metrics.
"""

from __future__ import annotations

import json
import os
import time

from toolkit.mock.asgi import MockASGIApp
from toolkit.sandbox.heap import settle_heap
from toolkit.sandbox.reload.config import ServeOverrides
from toolkit.sandbox.reload.reloader import Reloader
from toolkit.sandbox.server import CONFIG_ENV, ServeConfig, build_app, build_handler

__all__ = ["RELOAD_ENV", "app_factory", "overrides_to_env"]

RELOAD_ENV = "CTK_SERVE_RELOAD"  # JSON: the ServeOverrides of a workspace, or {} for a contract served alone


def overrides_to_env(overrides: ServeOverrides | None) -> str:
    return json.dumps(overrides.to_json() if overrides is not None else {})


def app_factory() -> MockASGIApp:
    """Entry point for uvicorn's worker processes when reload is on."""
    from toolkit.mock.http_server import configure_logging

    config = ServeConfig.from_env(os.environ[CONFIG_ENV])
    configure_logging(config.log_level)
    data = json.loads(os.environ.get(RELOAD_ENV) or "{}")
    built_at = time.time_ns()
    sandbox = build_handler(config)
    app = build_app(config, sandbox)
    settle_heap()
    Reloader(sandbox, config, ServeOverrides.from_json(data) if data else None, built_at=built_at).start()
    return app
