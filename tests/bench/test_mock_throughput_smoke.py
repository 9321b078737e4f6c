"""``bench/mock_throughput.py`` for half a second per row with the built-in load generator, on a few rows, with one
and two workers: it runs, prints one parseable line per row, and every row's request was answered as intended.

The script is run as a person runs it (a subprocess starting its own servers on loopback). Speed is never asserted:
requests per second and ratios are only required to be positive numbers.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys

import pytest

from tests.support.paths import REPO

SCRIPT = REPO / "bench" / "mock_throughput.py"
ROW = re.compile(
    r"^(?P<server>uvicorn|granian|faker) +(?P<workers>\d) (?P<row>.{24}) (?P<store>[\w-]+) +(?P<rps>\d+) +(?P<bare>\d+)"
    r" +(?P<ratio>[\d.]+) +(?P<uvloop>[\d.]+|-)? +(?P<stateless>[\d.]+)? +(?P<p50>[\d.]+) +(?P<p99>[\d.]+)"
    r"  (?P<check>\S+)"
)
ROWS = "REST GET new ids,GraphQL new document,GraphQL new alias,GraphQL new fields,SOAP CreateAccount,"
ROWS += "GraphQL product stored"
HANG = 280  # seconds: far beyond the run (a few servers starting, half a second per row), so only a hang reaches it


@pytest.fixture(scope="module")
def printed() -> str:
    command = [sys.executable, str(SCRIPT), "--seconds", "0.5", "--builtin", "--connections", "4"]
    command += ["--workers", "1,2", "--stores", "memory", "--only", ROWS]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=HANG)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def rows(output: str) -> dict[tuple[int, str, str], dict[str, str]]:
    found: dict[tuple[int, str, str], dict[str, str]] = {}
    for line in output.splitlines():
        match = ROW.match(line)
        if match:
            found[int(match["workers"]), match["row"].strip(), match["store"]] = match.groupdict()
    return found


def test_every_row_for_each_worker_count_is_printed_with_figures(printed: str) -> None:
    found = rows(printed)
    stateless = ["REST GET new ids", "GraphQL new document", "GraphQL new alias", "GraphQL new fields"]
    expected = {(1, name, "-") for name in stateless} | {(2, name, "-") for name in stateless}
    # one worker: the memory store; two: ctk serve refuses memory, SQLite stands in and the output says so
    expected |= {(1, "SOAP CreateAccount", "memory"), (1, "GraphQL product stored", "memory")}
    expected |= {(2, "SOAP CreateAccount", "sqlite"), (2, "GraphQL product stored", "sqlite")}
    assert set(found) == expected, printed
    assert "SQLite store stands in" in printed
    for figures in found.values():
        assert int(figures["rps"]) > 0 and int(figures["bare"]) > 0 and float(figures["ratio"]) > 0, figures
        assert (figures["stateless"] is None) == (figures["store"] == "-"), figures
        # beside the bare app on ctk serve's loop, the one on uvloop where it is installed (no dependency of ctk's)
        if figures["server"] == "uvicorn" and importlib.util.find_spec("uvloop") is not None:
            assert figures["uvloop"] not in (None, "-") and float(figures["uvloop"]) > 0, figures


def test_every_row_was_answered_as_intended(printed: str) -> None:
    """A row whose request failed (a 4xx, GraphQL errors, a SOAP fault) would measure an error path: each says ok."""
    verdicts = {key: figures["check"] for key, figures in rows(printed).items()}
    assert set(verdicts.values()) == {"ok"}, verdicts


def test_the_new_fields_row_asks_a_structurally_new_document_for_each_of_its_ids() -> None:
    """Every id of the "new fields" row selects the product's fields in an order no other id uses, so no cache of
    document shapes can answer it; each order still selects every field once."""
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        from mock_throughput import ORDERS, PRODUCT_FIELDS, STOCK_FIELDS, fields
    finally:
        sys.path.remove(str(SCRIPT.parent))
    selections = [fields(n) for n in range(ORDERS)]
    assert len(set(selections)) == ORDERS
    plain = [name for name in PRODUCT_FIELDS if name != "{stock}"]
    expected = sorted([*plain, "stockLevels(first:", "3)", "{", *STOCK_FIELDS, "}"])
    assert all(sorted(selection.split()) == expected for selection in selections[:: ORDERS // 50])
