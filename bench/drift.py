"""Time ``ctk drift``'s three parts on real version pairs: loading both contracts, diffing them, rendering.

For each pair in ../shared/corpus/drift/openapi and ../shared/corpus/drift/graphql (base.* ->
revision.*) and each example workspace API (contracts/<api>/v1 -> v2), prints the load time of both
contracts, the diff time and the time to render every format (each the best of N, so a slow first run
or a busy machine does not decide the figure), the changes found per severity and the findings (causes)
they group into. Grouping is the report's job, so the diff column is the diff alone. Then, for the
largest pair, each format's render time and size grouped by cause and with ``explode`` (one row per
change, as reports were drawn before grouping). Without the corpus, only the workspace pairs run.

    python bench/drift.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("CTK_CORPUS", REPO.parent / "shared" / "corpus"))
T = TypeVar("T")


def _best(function: Callable[[], T], repeat: int) -> tuple[float, T]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    assert result is not None
    return best, result


def _pairs() -> list[tuple[str, Path, Path]]:
    pairs = []
    for protocol in ("openapi", "graphql"):
        folder = CORPUS / "drift" / protocol
        for pair in sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []:
            base = next(iter(sorted(pair.glob("base.*"))), None)
            revision = next(iter(sorted(pair.glob("revision.*"))), None)
            if base and revision:
                pairs.append((f"{protocol}/{pair.name}", base, revision))
    return pairs


def _label(path: Path) -> str:
    try:
        return os.path.relpath(path, REPO)
    except ValueError:
        return str(path)


def _report(name: str, changes: list[Any]) -> Any:
    from toolkit.drift.report import ApiDrift, DriftReport

    return DriftReport(apis=(ApiDrift(name=name, old="old", new="new", changes=tuple(changes)),))


def _render_all(name: str, changes: list[Any]) -> dict[str, str]:
    """Every format of one fresh report (findings are grouped once per report: that is part of rendering)."""
    from toolkit.drift.renderers import FORMATS, render

    report = _report(name, changes)
    return {output_format: render(report, output_format) for output_format in FORMATS}


def _load_both(load: Callable[[Path], Any], base: Path, revision: Path) -> tuple[Any, Any]:
    return load(base), load(revision)


def _render_one(name: str, changes: list[Any], output_format: str, explode: bool) -> str:
    from toolkit.drift.renderers import render

    return render(_report(name, changes), output_format, explode=explode)


def _formats(name: str, changes: list[Any], repeat: int) -> None:
    """Each format's render time and size for one pair, grouped by cause and exploded per change."""
    from toolkit.drift.renderers import FORMATS

    print(f"\nrender of {name} ({len(changes)} changes), best of {repeat}:")
    print(f"{'format':10} {'grouped s':>10} {'chars':>10} {'explode s':>10} {'chars':>10}")
    for output_format in FORMATS:
        figures = []
        for explode in (False, True):
            # a fresh report each time: findings are grouped once per report, and that is part of rendering
            view = functools.partial(_render_one, name, changes, output_format, explode)
            seconds, text = _best(view, repeat)
            figures += [f"{seconds:10.3f}", f"{len(text):10d}"]
        print(f"{output_format:10} {' '.join(figures)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from toolkit import load_contract
    from toolkit.drift import diff_contracts
    from toolkit.errors import CtkError

    pairs = _pairs()
    if not pairs:
        print(f"corpus not found at {_label(CORPUS)}; timing the workspace pairs only")
    pairs += [
        (f"workspace/{api}", REPO / "contracts" / api / "v1", REPO / "contracts" / api / "v2")
        for api in (
            "payments",
            "crm",
            "inventory",
        )
    ]
    print(f"best of {args.repeat}; corpus: {_label(CORPUS)}")
    print(
        f"{'pair':54} {'load s':>8} {'diff s':>8} {'render s':>9} {'changes':>8} {'findings':>9} {'breaking':>9} "
        f"{'dangerous':>10} {'info':>6}"
    )
    total_load = total_diff = total_render = 0.0
    largest: tuple[str, list[Any]] = ("", [])
    for name, base, revision in pairs:
        try:
            load_time, (old, new) = _best(functools.partial(_load_both, load_contract, base, revision), args.repeat)
            diff_time, changes = _best(functools.partial(diff_contracts, old, new), args.repeat)
        except CtkError as exc:
            print(f"{name:54} error: {exc}")
            continue
        render_time, _ = _best(functools.partial(_render_all, name, changes), args.repeat)
        report = _report(name, changes)
        findings = len(report.findings(report.apis[0]))
        counts = Counter(str(change.severity) for change in changes)
        total_load += load_time
        total_diff += diff_time
        total_render += render_time
        if len(changes) > len(largest[1]):
            largest = (name, changes)
        print(
            f"{name:54} {load_time:8.3f} {diff_time:8.3f} {render_time:9.3f} {len(changes):8d} {findings:9d} "
            f"{counts['breaking']:9d} {counts['dangerous']:10d} {counts['info']:6d}"
        )
    print(
        f"total: load {total_load:.3f} s, diff {total_diff:.3f} s, render (every format) {total_render:.3f} s "
        f"over {len(pairs)} pairs"
    )
    if largest[1]:
        _formats(*largest, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
