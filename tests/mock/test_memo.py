"""The mock's memo is bounded by bytes as well as entries, so a long run cannot grow without limit."""

from __future__ import annotations

from toolkit.mock.memo import Memo


def test_entries_over_the_size_limit_are_not_kept() -> None:
    memo: Memo[bytes] = Memo(len, max_entry_bytes=10)
    memo.put("small", b"12345")
    memo.put("large", b"x" * 11)
    assert memo.get("small") == b"12345"
    assert memo.get("large") is None


def test_the_total_stays_under_the_byte_bound() -> None:
    memo: Memo[bytes] = Memo(len, max_bytes=100, max_entry_bytes=40)
    for index in range(50):
        memo.put(index, b"x" * 30)
        assert memo.bytes <= 100
    assert memo.get(49) == b"x" * 30  # the newest entry is always kept


def test_the_entry_count_is_bounded() -> None:
    memo: Memo[int] = Memo(lambda _: 1, max_entries=3)
    for index in range(10):
        memo.put(index, index)
        assert len(memo) <= 3


def test_a_zero_sized_memo_keeps_nothing() -> None:
    memo: Memo[int] = Memo(lambda _: 1, max_entries=0)
    memo.put("a", 1)
    assert memo.get("a") is None


def test_keys_count_towards_the_bounds() -> None:
    """A key holds the request (bodies, headers): its size counts like the value's (finding 3)."""
    memo: Memo[bytes] = Memo(len, max_bytes=100_000, max_entry_bytes=60_000)
    header = ("prefer", "x" * 50_000)
    for index in range(10):
        memo.put(("GET", f"/things/{index}", (header,), b""), b"small")
        assert memo.bytes <= 100_000
    assert len(memo) < 10 and memo.bytes >= 50_000  # each entry counted with its 50 KB key
    memo.put(("GET", "/huge", (("prefer", "x" * 70_000),), b""), b"small")
    assert memo.get(("GET", "/huge", (("prefer", "x" * 70_000),), b"")) is None  # over max_entry_bytes with its key


def test_a_key_over_max_key_bytes_is_not_kept() -> None:
    memo: Memo[bytes] = Memo(len, max_key_bytes=100)
    memo.put(("GET", "/a" * 100, b""), b"v")
    assert len(memo) == 0
    memo.put(("GET", "/a", b""), b"v")
    assert memo.get(("GET", "/a", b"")) == b"v"


def test_repeats_only_keeps_an_answer_from_its_keys_second_sighting() -> None:
    memo: Memo[bytes] = Memo(len, repeats_only=True)
    memo.put(("GET", "/a"), b"first")
    assert memo.get(("GET", "/a")) is None and len(memo) == 0 and memo.bytes == 0  # its hash alone is remembered
    memo.put(("GET", "/a"), b"again")
    assert memo.get(("GET", "/a")) == b"again"
    memo.put(("GET", "/b"), b"other")
    assert memo.get(("GET", "/b")) is None


def test_repeats_only_sightings_are_bounded_by_max_entries() -> None:
    memo: Memo[int] = Memo(lambda _: 1, max_entries=3, repeats_only=True)
    for index in range(100):
        memo.put(index, index)
        assert len(memo._sighted or ()) <= 3
    memo.put(99, 99)  # seen just before: kept
    assert memo.get(99) == 99
    memo.put(0, 0)  # seen long ago, forgotten since: seen once again
    assert memo.get(0) is None


def test_repeats_only_keeps_the_other_bounds() -> None:
    memo: Memo[bytes] = Memo(len, max_key_bytes=100, repeats_only=True)
    for _ in range(3):
        memo.put(("GET", "/a" * 100, b""), b"v")
    assert len(memo) == 0
