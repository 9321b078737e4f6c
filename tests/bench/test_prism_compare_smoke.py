"""``bench/prism_compare.py``'s throughput part, run as a person runs it, with a stand-in for Prism.

Prism (node) is not installed on CI, and the part broke silently once (it kept calling a measure() that
``bench/mock_throughput.py`` no longer had). The stand-in is ``ctk serve`` of the payments contract at the root,
started through the same ``$PRISM mock SPEC -p PORT -h HOST`` command line the script gives Prism. Speed is never
asserted: every row must be printed for both servers, with a ratio, and ctk's answers must be successes.
"""

from __future__ import annotations

import ast
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

from tests.support.paths import REPO

SCRIPT = REPO / "bench" / "prism_compare.py"
ROWS = ["REST GET one", "REST GET list of 20", "REST POST validated", "REST GET new ids"]
LINE = re.compile(r"^(?P<row>.{20}) (?P<server>ctk|prism) +(?P<rps>\d+) +[\d.]+ +[\d.]+   (?P<statuses>\{.*\})$")


def test_the_throughput_part_measures_every_payments_row_on_both_servers(tmp_path: Path) -> None:
    stand_in = tmp_path / "prism"
    # `prism mock SPEC -p PORT -h HOST` -> ctk serving SPEC at the root, as Prism does
    stand_in.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m toolkit.cli serve "$2" --port "$4" --mount / '
                        "--no-state --no-reload\n")  # fmt: skip
    stand_in.chmod(stand_in.stat().st_mode | stat.S_IXUSR)
    command = [sys.executable, str(SCRIPT), "--parts", "throughput", "--seconds", "0.3", "--builtin"]
    command += ["--connections", "2"]
    env = {**os.environ, "PRISM": str(stand_in), "PYTHONPATH": str(REPO)}
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    found = {(match["row"].strip(), match["server"]): match for line in done.stdout.splitlines()
             if (match := LINE.match(line))}  # fmt: skip
    assert set(found) == {(row, server) for row in ROWS for server in ("ctk", "prism")}, done.stdout
    for (row, server), match in found.items():
        assert int(match["rps"]) > 0, match.string
        statuses = ast.literal_eval(match["statuses"])  # the script prints a dict of status -> count
        assert statuses and all(code.startswith("2") for code in statuses), (row, server, statuses)
    for row in ROWS:
        assert re.search(rf"^{re.escape(row)} +ratio ctk/prism: \d+\.\d\d$", done.stdout, re.M), done.stdout
