"""The multi-API dispatcher's own 404s quote the request path clipped to max_echo_length."""

from __future__ import annotations

import json

from toolkit.exchange import MockResult, Request
from toolkit.limits import Limits
from toolkit.mock.problem import problem_response
from toolkit.mock.server import Dispatcher


def _nothing(request: Request) -> MockResult:
    return MockResult(problem_response(404, "not here"))


def test_a_huge_path_is_clipped_in_the_dispatchers_404s() -> None:
    dispatcher = Dispatcher({"/a": _nothing, "/b": _nothing}, Limits(max_echo_length=100))
    for path in ("/" + "p" * 1_000_000, "/__ctk/" + "q" * 1_000_000, "/__ctk/webhooks/" + "w" * 1_000_000):
        response = dispatcher(Request("GET", path)).response
        assert response.status == 404
        detail = json.loads(response.body)["detail"]
        assert len(response.body) < 600 and "1000" in detail  # says how long the path was
