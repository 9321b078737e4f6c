"""The bodies the README shows are what the example workspace really answers: each ``readme-sample`` block
is the answer to the request its marker names, from the handler ``make sandbox`` serves (seed from
sandbox.toml), so the README cannot drift from the mock."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.support.paths import REPO
from toolkit.mock import MockTransport
from toolkit.sandbox.server import ServeConfig, build_handler, mounted_apis
from toolkit.workspace import load_workspace

_SAMPLE = re.compile(
    r"<!-- readme-sample: (?P<method>[A-Z]+) (?P<path>\S+) (?P<body>\{.*?\}) \(.*?\) -->\n```json\n(?P<answer>.*?)```",
    re.DOTALL,
)
SAMPLES = list(_SAMPLE.finditer((REPO / "README.md").read_text(encoding="utf-8")))


def test_the_readme_has_samples() -> None:
    assert SAMPLES, "no readme-sample block in README.md"


@pytest.mark.parametrize("sample", SAMPLES, ids=[f"{m['method']} {m['path']}" for m in SAMPLES])
def test_each_sample_is_what_the_workspace_answers(sample: re.Match[str]) -> None:
    space = load_workspace(REPO)
    handler = build_handler(ServeConfig(mounted_apis(space), seed=space.sandbox.seed))
    with httpx.Client(transport=MockTransport(handler), base_url="http://localhost:8000") as client:
        answer = client.request(
            sample["method"], sample["path"], json=json.loads(sample["body"]), headers={"X-Api-Key": "sk_test_1"}
        )
    assert answer.status_code < 300, answer.text
    assert answer.json() == json.loads(sample["answer"]), "README.md's sample is stale: paste the answer above"
