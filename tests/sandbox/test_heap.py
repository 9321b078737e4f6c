"""``toolkit.sandbox.heap``: the serving process freezes what start-up built, and a reload lets what it replaced go.

Each check runs in its own interpreter: freezing the heap of the test process would change every later test's.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.support.paths import REPO
from toolkit.sandbox.heap import YOUNG_COLLECTION_EVERY as YOUNG


def run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_settling_freezes_what_was_built_and_makes_young_collections_rarer() -> None:
    out = run("""
        import gc
        from toolkit.sandbox.heap import YOUNG_COLLECTION_EVERY, resettle_heap, settle_heap
        built = [[index] for index in range(1000)]
        resettle_heap()  # before any settle: nothing happens
        print(gc.get_freeze_count() == 0, gc.get_threshold()[0] == 700)
        settle_heap()
        print(gc.get_freeze_count() >= 1000, gc.get_threshold()[0] == YOUNG_COLLECTION_EVERY)
    """)
    assert out.splitlines() == ["True True", "True True"]


def test_a_reload_collects_the_cycles_it_replaced_that_the_first_settle_froze() -> None:
    out = run("""
        import gc, weakref
        from toolkit.sandbox.heap import resettle_heap, settle_heap

        class Api:  # a compiled API: a graph with cycles, as closures and caches make
            pass

        old = Api()
        old.me = old
        gone = weakref.ref(old)
        settle_heap()
        del old
        gc.collect()
        print(gone() is not None)  # frozen: the collector skips it
        resettle_heap()  # what the reloader calls once the new APIs serve
        print(gone() is None)
    """)
    assert out.splitlines() == ["True", "True"]


def test_ctk_serve_and_a_workers_process_settle_once_the_sandbox_is_built() -> None:
    """Where uvicorn would start serving, the heap is already frozen: in ``ctk serve`` (one worker) and in the
    factory each ``--workers`` process calls."""
    out = run("""
        import gc, os, sys
        import uvicorn
        from click.testing import CliRunner
        from toolkit.cli import cli

        def run(app, **options):  # stands in for serving: what the server would start with
            print("serve", gc.get_freeze_count() > 0, gc.get_threshold()[0])

        uvicorn.run = run
        result = CliRunner().invoke(cli, ["serve", "--no-reload", "--port", "0"])
        print(result.exit_code, [line for line in result.output.splitlines() if line.startswith("serve ")])
        from toolkit.sandbox.server import app_factory  # the environment ctk serve left for its workers
        gc.unfreeze()
        gc.set_threshold(700, 10, 10)
        app_factory()
        print("worker", gc.get_freeze_count() > 0, gc.get_threshold()[0])
    """)
    assert out.splitlines()[-2:] == [f"0 ['serve True {YOUNG}']", f"worker True {YOUNG}"], out
