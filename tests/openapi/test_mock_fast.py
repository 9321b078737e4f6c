"""The OpenAPI mock's fast paths give what the slow ones gave, drawing the same numbers."""

from __future__ import annotations

import random

from toolkit.openapi.mock.answers import _ID_ALPHABET, _id_tail, reseeded


def test_id_tail_draws_what_rng_choice_draws() -> None:
    for seed in range(300):
        slow, fast = random.Random(seed), random.Random(seed)
        count = 8 + seed % 20
        assert _id_tail(fast, count) == "".join(slow.choice(_ID_ALPHABET) for _ in range(count))
        assert fast.getstate() == slow.getstate()


def test_a_reseeded_item_keeps_its_id_shape() -> None:
    item = {"id": "cus_9s6XKzkNRiz8i3", "name": "x"}
    again = reseeded(item, random.Random(1))
    assert again["id"].startswith("cus_") and len(again["id"]) == len(item["id"]) and again["id"] != item["id"]
    assert again["name"] == "x" and item["id"] == "cus_9s6XKzkNRiz8i3"
