"""Fractional order keys (workos.kernel.ranks): always a key between two others, short keys for lists that
grow at either end, few writes on reorder."""

from __future__ import annotations


import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workos.kernel import ranks


def test_first_key_and_appends_stay_short():
    keys, key = [], None
    for _ in range(50_000):
        key = ranks.rank_between(key, None)
        keys.append(key)

    assert keys[0] == ranks.ZERO and ranks.is_ordered(keys)
    assert max(len(k) for k in keys) <= 5


def test_prepends_stay_short_and_ordered():
    keys, key = [], None
    for _ in range(5_000):
        key = ranks.rank_between(None, key)
        keys.append(key)

    assert ranks.is_ordered(reversed(keys)) and max(len(k) for k in keys) <= 4


def test_repeated_inserts_at_one_spot_grow_slowly():
    low, high = ranks.rank_between(None, None), None
    high = ranks.rank_between(low, None)
    for _ in range(100):
        high = ranks.rank_between(low, high)
        assert low < high

    assert len(high) < 30


@pytest.mark.parametrize("before, after", [("i1", "i1"), ("i2", "i1"), ("x", None), ("i10", None), ("", None), ("I0", None)])
def test_invalid_or_unordered_neighbours_are_refused(before, after):
    with pytest.raises(ranks.RankError):
        ranks.rank_between(before, after)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["start", "end", "between"]), st.integers(0, 10_000)), min_size=1, max_size=200))
def test_random_inserts_always_fit_between_their_neighbours(operations):
    keys: list[str] = []
    for where, seed in operations:
        if where == "start" or not keys:
            index = 0
        elif where == "end":
            index = len(keys)
        else:
            index = seed % (len(keys) + 1)
        before = keys[index - 1] if index > 0 else None
        after = keys[index] if index < len(keys) else None
        key = ranks.rank_between(before, after)
        assert ranks.is_valid(key)
        assert (before is None or before < key) and (after is None or key < after)
        keys.insert(index, key)
    assert ranks.is_ordered(keys)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300), st.integers(0, 40))
def test_ranks_between_spreads_many_keys(count, start):
    before = ranks.ranks_between(None, None, start + 2)[start] if start else None
    after = ranks.rank_between(before, None)

    keys = ranks.ranks_between(before, after, count)

    assert len(keys) == count and ranks.is_ordered([k for k in [before, *keys, after] if k is not None])
    assert max(len(k) for k in keys) <= len(after) + 4


def test_keep_or_assign_keeps_the_longest_ordered_run():
    original = ranks.ranks_between(None, None, 10)
    moved = original[:]
    moved.insert(2, moved.pop(7))  # one item moved

    assigned = ranks.keep_or_assign(moved)

    assert ranks.is_ordered(assigned)
    assert sum(1 for old, new in zip(moved, assigned) if old != new) == 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 50)), max_size=40))
def test_keep_or_assign_always_orders(slots):
    pool = ranks.ranks_between(None, None, 51)
    current = [None if slot is None else pool[slot] for slot in slots]

    assigned = ranks.keep_or_assign(current)

    assert len(assigned) == len(current) and ranks.is_ordered(assigned)
