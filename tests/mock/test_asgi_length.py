"""A declared Content-Length the adapter cannot read as a number is no crash (review finding 18)."""

from __future__ import annotations

import pytest

from tests.support.asgi import call
from tests.support.paths import REPO
from toolkit.limits import DEFAULT_LIMITS
from toolkit.mock.asgi import MockASGIApp
from toolkit.sandbox.server import MountedContract, ServeConfig, build_handler

PAYMENTS = str(REPO / "contracts" / "payments" / "v1")


@pytest.mark.parametrize(
    ("declared", "status"),
    [
        ("²".encode("latin-1"), 401),  # "²".isdigit() is true, int("²") raised; now the mock answers (no key: 401)
        (b"9" * 5000, 413),  # int() of 5 000 digits raises too; it is over any limit
        (b"5000", 413),
    ],
)
def test_a_declared_length_is_read_only_as_ascii_digits(declared: bytes, status: int) -> None:
    mock = build_handler(ServeConfig([MountedContract(PAYMENTS)]))
    app = MockASGIApp(mock, limits=DEFAULT_LIMITS.replace(max_body=1000))
    # more of the body is to come (two pieces): only then is the declared length read, to refuse it before reading
    answer, _, _ = call(app, "POST", "/v1/customers", b"x" * 200, ((b"content-length", declared),))
    assert answer == status
