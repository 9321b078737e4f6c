"""The sandbox ``ctk serve`` builds, as an ASGI app factory for another server (granian), for bench/mock_throughput.py.

``ctk serve`` runs uvicorn; to compare servers on the same app this module builds what it would serve for a
workspace — the same ``ServeConfig`` (sandbox.toml's APIs, seed, limits, store) and ``build_app`` — without
uvicorn's protocol class, so what ctk hardens in ``toolkit/mock/http_server.py`` is up to the other server.
Settings come from the environment, since a server imports the factory by name:

- ``CTK_BENCH_ROOT``: the workspace root (default: the folder above this one);
- ``CTK_BENCH_STATE``: ``1`` keeps state as sandbox.toml says, ``0`` turns it off (``--no-state``);
- ``CTK_BENCH_STORE``: the store URL (default: sandbox.toml's);
- ``CTK_BENCH_LIMITS``: ``NAME=VALUE`` pairs separated by spaces (``--limit``).

    python -m granian --interface asgi --factory granian_app:app_factory   # with bench/ on PYTHONPATH
"""

from __future__ import annotations

import os
from pathlib import Path

from toolkit.cli.options import limits_from_options
from toolkit.mock.asgi import MockASGIApp
from toolkit.mock.http_server import configure_logging
from toolkit.sandbox.server import ServeConfig, build_app, changed_limits, mounted_apis
from toolkit.workspace import load_workspace


def config_from_env() -> ServeConfig:
    root = Path(os.environ.get("CTK_BENCH_ROOT") or Path(__file__).resolve().parent.parent)
    space = load_workspace(root)
    mounted = mounted_apis(space)
    state = os.environ.get("CTK_BENCH_STATE", "1") == "1"
    if not state:
        for item in mounted:
            item.state = False
    limits = limits_from_options(tuple(os.environ.get("CTK_BENCH_LIMITS", "").split()), space.limits)
    return ServeConfig(
        contracts=mounted,
        seed=space.sandbox.seed,
        validate=True,
        webhook_url=None,
        webhook_after={},
        limits=changed_limits(limits),
        webhook_hosts=list(space.sandbox.webhook_hosts),
        log_level="warning",
        store=os.environ.get("CTK_BENCH_STORE") or space.sandbox.store,
        state_everywhere=False,
        journal_size=space.sandbox.journal_size,
        access_log=None,
    )


def app_factory() -> MockASGIApp:
    config = config_from_env()
    configure_logging(config.log_level)
    return build_app(config)
