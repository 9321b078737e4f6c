"""Time to load the largest corpus contracts, against the time to merely parse their bytes.

Prints, per contract: the load time (best of N, in a fresh reader each time, so nothing is
cached), the bare parse time of the same bytes with the same parser (json / libyaml / lxml /
graphql-core) as the reference, the ratio, and whether it meets the 2 s target.

    python bench/load.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
TARGET_SECONDS = 2.0


def _parse_reference(path: Path) -> Callable[[], object]:
    """The cheapest thing anyone could do with the file: parse it, nothing else."""
    data = path.read_bytes()
    if path.suffix == ".json":
        return lambda: json.loads(data)
    if path.suffix in (".yaml", ".yml"):
        import yaml

        return lambda: yaml.load(data, Loader=yaml.CSafeLoader)
    if path.suffix == ".wsdl":
        from lxml import etree

        return lambda: etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    from graphql import parse

    return lambda: parse(data.decode())


def _best(function: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return min(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}; nothing to measure")
        return 2
    from toolkit import load_contract

    contracts = [
        "openapi/stripe-spec3-2019-09-27.yaml",
        "openapi/twilio_api_v2010.json",
        "openapi/kubernetes-swagger.json",
        "openapi/vercel-0.0.1.json",
        "openapi/docker-engine-v1.41-swagger.yaml",
        "graphql/github_schema.graphql",
        "graphql/anilist.co.json",
        "wsdl/savon/crowd.wsdl",
    ]
    print(f"{'contract':44} {'size':>8} {'ops':>5} {'load s':>8} {'parse s':>8} {'ratio':>6}  target")
    loads = []
    for relative in contracts:
        path = CORPUS / relative
        if not path.exists():
            print(f"{relative:44} missing")
            continue
        operations = len(load_contract(path).operations)
        load_time = _best(lambda path=path: load_contract(path), args.repeat)
        parse_time = _best(_parse_reference(path), args.repeat)
        loads.append(load_time)
        verdict = "ok" if load_time < TARGET_SECONDS else "OVER"
        print(
            f"{relative:44} {path.stat().st_size / 1e6:7.2f}M {operations:5d} {load_time:8.3f} {parse_time:8.3f} "
            f"{load_time / parse_time:5.1f}x  <{TARGET_SECONDS:.0f}s {verdict}"
        )
    print(
        f"slowest load: {max(loads):.3f} s (median {statistics.median(loads):.3f} s); "
        f"target: under {TARGET_SECONDS:.0f} s each"
    )
    return 0 if max(loads) < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
