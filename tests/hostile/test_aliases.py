"""YAML alias bombs: a contract under 2 KB whose aliases expand to billions of nodes is refused at
load, by every command that loads one (lint, serve --check, drift), in bounded memory, before any walk
that does not track identity (openapi-spec-validator, the mock's schema conversion, the drift walk).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.files import write_file, write_workspace
from tests.support.hostile_vendor import Run, Vendor, run_ctk, vendor
from tests.support.served import MIB

HEAD = "openapi: 3.0.3\ninfo: {title: Bomb, version: '1'}\n"
OPERATION = (
    "paths:\n  /things:\n    get:\n      responses:\n        '200':\n          description: ok\n"
    "          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Thing'}\n"
)
BENIGN = HEAD + OPERATION + "components:\n  schemas:\n    Thing: {type: object, properties: {a: {type: string}}}\n"


def schema_bomb(levels: int = 9, width: int = 9) -> str:
    """Nested object schemas, each level's properties all the level below: width**levels schemas expanded."""
    lines = [HEAD.rstrip("\n"), "x-parts:", "  p0: &p0 {type: string}"]
    for level in range(1, levels + 1):
        members = ", ".join(f"f{index}: *p{level - 1}" for index in range(width))
        lines.append(f"  p{level}: &p{level} {{type: object, properties: {{{members}}}}}")
    return "\n".join(lines) + "\n" + OPERATION + f"components:\n  schemas:\n    Thing: *p{levels}\n"


def example_bomb(levels: int = 9, width: int = 9) -> str:
    """The classic "billion laughs" as lists of lists, given as a response example."""
    lines = [HEAD.rstrip("\n"), "x-laughs:", "  l0: &l0 [lol]"]
    lines += [f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels + 1)]
    example = OPERATION.rstrip("\n") + f"\n              example: *l{levels}\n"
    return "\n".join(lines) + "\n" + example + "components:\n  schemas:\n    Thing: {type: array}\n"


BOMBS = {"schema": schema_bomb(), "example": example_bomb()}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> int:
    """Peak memory of the heaviest command (serve --check compiles the mock) on a benign contract."""
    path = write_file(tmp_path_factory.mktemp("benign"), "api.yaml", BENIGN)
    run = run_ctk("serve", "--check", str(path))
    assert run.code == 0, run.output
    return run.peak_rss


@pytest.fixture
def remote() -> Iterator[Vendor]:
    with vendor() as server:
        yield server


def assert_bomb_refused(run: Run, baseline: int, name: str) -> None:
    assert run.code == 2, run.output
    assert "Traceback" not in run.output
    assert "once its YAML aliases are expanded" in run.stderr, run.stderr
    assert name in run.stderr and "max_expanded_nodes" in run.stderr, run.stderr
    assert run.peak_rss - baseline < 200 * MIB, f"peak {run.peak_rss / MIB:.0f} MiB, baseline {baseline / MIB:.0f} MiB"


def test_the_bombs_are_small() -> None:
    assert all(len(text) < 2048 for text in BOMBS.values())


@pytest.mark.parametrize("where", ["schema", "example"])
@pytest.mark.parametrize("command", ["lint", "lint URL", "serve --check", "drift OLD NEW", "drift API"])
def test_an_alias_bomb_is_refused_at_load(
    tmp_path: Path, remote: Vendor, baseline: int, command: str, where: str
) -> None:
    bomb = write_file(tmp_path, "bomb.yaml", BOMBS[where])
    if command == "lint URL":
        run = run_ctk("lint", remote.put("/bomb.yaml", BOMBS[where]))
    elif command == "drift OLD NEW":
        run = run_ctk("drift", str(write_file(tmp_path, "old.yaml", BENIGN)), str(bomb))
    elif command == "drift API":
        write_file(tmp_path, "contracts/bomb/v1/openapi.yaml", BENIGN)
        write_workspace(tmp_path, f'[apis.bomb]\ncontract = "contracts/bomb/v1"\npublished = "{bomb}"\n')
        run = run_ctk("drift", "bomb", "--workspace", str(tmp_path))
    else:
        run = run_ctk(*command.split(), str(bomb))
    assert_bomb_refused(run, baseline, "bomb.yaml")
    assert f"#/x-{'parts' if where == 'schema' else 'laughs'}/" in run.stderr  # the anchor that crosses the limit


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    text = HEAD + "paths: {}\ncomponents:\n  schemas:\n    Loop: &loop {type: object, properties: {again: *loop}}\n"
    run = run_ctk("lint", str(write_file(tmp_path, "loop.yaml", text)))
    assert run.code == 2 and "Traceback" not in run.output, run.output
    assert "recursive alias" in run.stderr and "#/components/schemas/Loop" in run.stderr, run.stderr


def test_a_few_shared_aliases_still_load(tmp_path: Path) -> None:
    run = run_ctk("serve", "--check", str(write_file(tmp_path, "small.yaml", schema_bomb(levels=3, width=3))))
    assert run.code == 0, run.output


def test_the_limit_counts_json_too_and_is_set_by_environment(tmp_path: Path) -> None:
    # JSON has no aliases, but the limit is on the size any walk must cover
    document = json.loads(json.dumps({"openapi": "3.0.3", "info": {"title": "J", "version": "1"}, "paths": {}}))
    document["x-data"] = list(range(5000))
    path = write_file(tmp_path, "big.json", json.dumps(document))
    assert run_ctk("lint", str(path)).code == 0
    run = run_ctk("lint", str(path), env={"CTK_MAX_EXPANDED_NODES": "1000"})
    assert run.code == 2 and "more than 1,000 nodes" in run.stderr and "big.json" in run.stderr, run.output


def test_a_malformed_node_limit_is_one_clear_error(tmp_path: Path) -> None:
    run = run_ctk("lint", str(write_file(tmp_path, "api.yaml", BENIGN)), env={"CTK_MAX_EXPANDED_NODES": "many"})
    assert run.code == 2 and "Traceback" not in run.output
    assert run.stderr.startswith("error: CTK_MAX_EXPANDED_NODES: limit max_expanded_nodes must be"), run.stderr
