"""The memo behind every per-version cache (ADR 0007): bounded, least recently used out."""

from __future__ import annotations

import threading
from functools import partial

from app.store.memo import Memo


def test_a_value_is_made_once_and_kept() -> None:
    memo = Memo(4)
    made: list[str] = []

    def make() -> str:
        made.append("x")
        return "value"

    assert memo.get("k", make) == "value"
    assert memo.get("k", make) == "value"
    assert made == ["x"]


def test_it_never_holds_more_than_its_size() -> None:
    memo = Memo(3)
    for key in range(10):
        memo.get(key, partial("v{}".format, key))
        assert len(memo) == min(key + 1, 3)
    assert [memo.peek(k) for k in range(7)] == [None] * 7
    assert [memo.peek(k) for k in (7, 8, 9)] == ["v7", "v8", "v9"]


def test_the_least_recently_used_goes_first() -> None:
    memo = Memo(2)
    memo.get("a", lambda: 1)
    memo.get("b", lambda: 2)
    assert memo.get("a", lambda: -1) == 1  # "a" is now the more recent
    memo.get("c", lambda: 3)  # so "b" goes
    assert memo.peek("b") is None
    assert memo.peek("a") == 1
    assert memo.peek("c") == 3


def test_peek_counts_as_use_and_makes_nothing() -> None:
    memo = Memo(2)
    memo.get("a", lambda: 1)
    memo.get("b", lambda: 2)
    assert memo.peek("a") == 1
    memo.get("c", lambda: 3)
    assert memo.peek("b") is None
    assert memo.peek("zzz") is None
    assert len(memo) == 2


def test_threads_racing_on_one_key_all_get_the_first_value_kept() -> None:
    memo = Memo(8)
    start = threading.Barrier(8)
    seen: list[object] = []

    def worker(n: int) -> None:
        start.wait()
        seen.append(memo.get("shared", lambda: object()))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 8
    assert len({id(v) for v in seen}) == 1
    assert len(memo) == 1
