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
