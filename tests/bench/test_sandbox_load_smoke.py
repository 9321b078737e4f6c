"""``bench/sandbox_load.py`` for two seconds on twenty connections, with each store (memory, a real Redis server):
it runs, its figures parse, its checks pass.

The script is run as a person runs it (a subprocess, its own ``ctk serve`` and wrk on loopback). Speed is
never asserted: the requests per second and latencies are only required to be numbers.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from tests.support.paths import REPO
from tests.support.redis_server import INSTALL

SCRIPT = REPO / "bench" / "sandbox_load.py"
FIGURE = re.compile(r"^(?P<name>[\w:. -]+?) = (?P<value>.+)$")
NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
CHECK = re.compile(r"^(?P<verdict>PASS|FAIL|SKIP) (?P<text>.+)$")
HANG = 180  # seconds: far beyond a two-second run, so only a hang reaches it


@pytest.fixture(scope="module", params=["memory", "redis"])
def printed(request: pytest.FixtureRequest) -> str:
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed: apt-get install wrk")
    if request.param == "redis" and shutil.which("redis-server") is None:
        pytest.skip(f"redis-server is not installed: {INSTALL}")
    command = [sys.executable, str(SCRIPT), "--duration", "2", "--connections", "20", "--warmup", "1"]
    command += ["--store", request.param]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=HANG)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def parsed(output: str) -> tuple[dict[str, str], dict[str, str]]:
    figures: dict[str, str] = {}
    checks: dict[str, str] = {}
    for line in output.splitlines():
        check = CHECK.match(line)
        figure = FIGURE.match(line)
        if check:
            checks[check["text"]] = check["verdict"]
        elif figure:
            figures[figure["name"]] = figure["value"]
        else:
            raise AssertionError(f"neither a figure nor a check: {line!r}")
    return figures, checks


def test_every_line_is_a_figure_or_a_check_and_every_check_passes(printed: str) -> None:
    figures, checks = parsed(printed)
    assert checks and set(checks.values()) == {"PASS"}, checks
    assert {"connections", "requests", "requests_per_s", "latency_p99_ms", "peak_rss_mib"} <= figures.keys()
    assert figures["connections"] == "20" and int(figures["requests"]) > 0
    numbers = ("requests_per_s", "latency_p50_ms", "latency_p99_ms", "rss_change_pct", "peak_rss_mib")
    assert all(NUMBER.fullmatch(figures[name]) for name in numbers), figures


def test_the_mix_reached_every_protocol_with_valid_and_invalid_requests(printed: str) -> None:
    figures, _ = parsed(printed)
    answers = {name.removeprefix("answers ") for name in figures if name.startswith("answers ")}
    assert {"rest 200", "rest 201", "rest 400", "rest 404"} <= answers, answers
    assert {"soap 200", "soap 500-client-fault", "graphql 200", "graphql 400"} <= answers, answers
    assert figures["transport_errors"] == "connect=0 read=0 write=0 timeout=0"
    assert figures["server_errors_5xx"] == "0"


def test_memory_is_read_twice_and_the_journal_against_its_bound(printed: str) -> None:
    figures, _ = parsed(printed)
    rss = [name for name in figures if re.fullmatch(r"rss_at_[\d.]+s_mib", name)]
    assert len(rss) == 2 and all(NUMBER.fullmatch(figures[name]) for name in rss), figures
    assert int(figures["journal_entries"]) <= int(figures["journal_bound"])
    assert int(figures["metrics_requests_during_run"]) >= int(figures["requests"])
