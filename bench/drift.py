"""Time ``ctk drift``'s two halves on real version pairs: loading both contracts, and diffing them.

For each pair in ../shared/corpus/drift/openapi and ../shared/corpus/drift/graphql (base.* ->
revision.*) and each example workspace API (contracts/<api>/v1 -> v2), prints the load time of both
contracts and the diff time (each the best of N, so a slow first run or a busy machine does not
decide the figure) and the changes found per severity. Without the corpus, only the workspace pairs run.

    python bench/drift.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

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
    print(f"{'pair':54} {'load s':>8} {'diff s':>8} {'changes':>8} {'breaking':>9} {'dangerous':>10} {'info':>6}")
    total_load = total_diff = 0.0
    for name, base, revision in pairs:
        try:
            load_time, (old, new) = _best(lambda b=base, r=revision: (load_contract(b), load_contract(r)), args.repeat)
            diff_time, changes = _best(lambda o=old, n=new: diff_contracts(o, n), args.repeat)
        except CtkError as exc:
            print(f"{name:54} error: {exc}")
            continue
        counts = Counter(str(change.severity) for change in changes)
        total_load += load_time
        total_diff += diff_time
        print(
            f"{name:54} {load_time:8.3f} {diff_time:8.3f} {len(changes):8d} {counts['breaking']:9d} "
            f"{counts['dangerous']:10d} {counts['info']:6d}"
        )
    print(f"total: load {total_load:.3f} s, diff {total_diff:.3f} s over {len(pairs)} pairs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
