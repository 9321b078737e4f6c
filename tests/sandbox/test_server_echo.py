"""The multi-API dispatcher's own 404s quote the request path clipped to max_echo_length."""

from __future__ import annotations

import json

from tests.support.paths import REPO
from toolkit import compile_mock, load_contract
from toolkit.exchange import Request
from toolkit.limits import Limits
from toolkit.sandbox.server import Dispatcher


def test_a_huge_path_is_clipped_in_the_dispatchers_404s() -> None:
    limits = Limits(max_echo_length=100)
    rest = compile_mock(load_contract(REPO / "contracts" / "payments" / "v1"), mount="/a", limits=limits)
    graphql = compile_mock(load_contract(REPO / "contracts" / "inventory" / "v1"), mount="/b", limits=limits)
    dispatcher = Dispatcher({"/a": rest, "/b": graphql}, limits)
    for path in ("/" + "p" * 1_000_000, "/__ctk/" + "q" * 1_000_000, "/__ctk/webhooks/" + "w" * 1_000_000):
        response = dispatcher(Request("GET", path)).response
        assert response.status == 404
        detail = json.loads(response.body)["detail"]
        assert len(response.body) < 600 and "1000" in detail  # says how long the path was
