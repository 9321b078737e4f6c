"""The echo shortcuts of the REST answer path (issue 18) give what the general functions give."""

from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any

from toolkit.mock.json_body import echo_fits
from toolkit.openapi.mock.answers import echoed_by_plan, echoed_names, fitting_echoes, request_echoes
from toolkit.openapi.mock.bodies import DecodedBody
from toolkit.openapi.mock.responses import MediaResponse, convention_key

VALUES: list[Any] = ["cus_1", "x" * 30, "y" * 200, 7, [1, 2], {"a": "b" * 100}, None, True]


def test_fitting_echoes_are_the_request_echoes_that_fit() -> None:
    bodies = [DecodedBody(None, None, False), DecodedBody("application/json", {"email": "a@b.c", "id": "z"}, True),
              DecodedBody("application/json", [1, 2], True), DecodedBody("text/plain", "text", True)]  # fmt: skip
    for names in [(), ("id",), ("customer_id",), ("customer_id", "charge_id"), ("a", "id"), ("a", "a")]:
        op: Any = SimpleNamespace(path_parameter_names=names)
        for picked in itertools.product(VALUES, repeat=len(set(names))):
            values = dict(zip(dict.fromkeys(names), picked, strict=True))
            for present in (values, dict(list(values.items())[1:])):
                for body in bodies:
                    for limit in (10, 64, 4096):
                        slow = {k: v for k, v in request_echoes(op, present, body).items() if echo_fits(v, limit)}
                        fast = fitting_echoes(op, present, body, limit)
                        assert list(fast.items()) == list(slow.items()), (names, present, body, limit)


def test_echoes_by_plan_are_echoed_names() -> None:
    declared = frozenset({"id", "friendly_name", "FriendlyName2", "customer", "date-created"})
    by_convention: dict[str, str] = {}
    for name in sorted(declared):
        by_convention.setdefault(convention_key(name), name)
    names = ["id", "friendlyName", "friendly_name", "FriendlyName", "customer_id", "customer", "DateCreated",
             "date_created", "friendlyname2", "other"]  # fmt: skip
    media = MediaResponse("application/json", {"type": "object"}, "#", {}, [])
    for size in range(4):
        for chosen in itertools.permutations(names, size):
            overrides = {name: f"value of {name}" for name in chosen}
            for _ in range(2):  # worked out, then remembered
                fast = echoed_by_plan(media, overrides, declared, by_convention)
                assert list(fast.items()) == list(echoed_names(overrides, declared, by_convention).items())
    assert len(media._echo_plans) <= 32  # bounded


def test_long_or_many_names_are_not_remembered() -> None:
    media = MediaResponse("application/json", {"type": "object"}, "#", {}, [])
    echoed_by_plan(media, {"n" * 65: 1}, frozenset({"n" * 65}), {})
    echoed_by_plan(media, {f"n{index}": index for index in range(17)}, frozenset(), {})
    assert media._echo_plans == {}
