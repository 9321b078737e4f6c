"""Importing the plugin (which every pytest run of an environment with ctk does) loads none of the heavy
libraries: they come with the first fixture that needs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.paths import REPO

HEAVY = (
    "zeep", "schemathesis", "graphql", "lxml", "faker", "hypothesis", "hypothesis_graphql", "jsonschema_rs",
    "httpx", "respx", "requests", "uvicorn", "yaml", "openapi_spec_validator", "prometheus_client", "redis",
)  # fmt: skip


def _loaded(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO).stdout
    return [name for name in json.loads(out) if name in HEAVY]


def test_importing_the_plugin_loads_no_heavy_library() -> None:
    assert _loaded("import toolkit.pytest_plugin") == []


_CONFTEST = """
import json, sys

def pytest_sessionfinish(session):
    names = sorted({m.split(".")[0] for m in sys.modules})
    ctk = session.config.pluginmanager.has_plugin("ctk")
    session.config._ctk_probe = json.dumps({"modules": names, "ctk": ctk})

def pytest_unconfigure(config):
    print("PROBE " + config._ctk_probe)
"""


def _pytest_run(folder: Path, *args: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", *args, str(folder)]
    out = subprocess.run(command, capture_output=True, text=True, cwd=folder).stdout
    line = next(line for line in out.splitlines() if line.startswith("PROBE "))
    probe: dict[str, Any] = json.loads(line.removeprefix("PROBE "))
    return probe


def test_a_pytest_run_loads_nothing_heavy_because_of_the_plugin(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(_CONFTEST)
    (tmp_path / "test_plain.py").write_text("def test_plain():\n    assert True\n")
    with_ctk = _pytest_run(tmp_path)
    without = _pytest_run(tmp_path, "-p", "no:ctk")
    assert with_ctk["ctk"] is True and without["ctk"] is False  # loaded from its pytest11 entry point
    # other installed plugins (respx's, schemathesis's, Faker's) bring their libraries with them; ctk's brings none
    added = set(with_ctk["modules"]) - set(without["modules"])
    assert sorted(added & set(HEAVY)) == []


def test_the_first_fixture_loads_what_it_needs() -> None:
    # the other side: the heavy libraries exist and a mock loads them (so the check above can fail)
    code = (
        "from toolkit.pytest_plugin.contracts import compiled\n"
        "from pathlib import Path\n"
        f"compiled('payments', Path({str(REPO)!r}), None)"
    )
    assert "yaml" in _loaded(code)
