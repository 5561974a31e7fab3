"""Fractional order keys ("ranks"): strings that sort in the order of the things they order, such that a new
key always fits between any two neighbours. Moving or inserting an item writes that one item's row; nothing
is renumbered.

The scheme is David Greenspan's "fractional indexing" (as used by Figma and Linear) over the alphabet
``0-9a-z``. A key is an *integer part* followed by an optional *fraction*:

- the head character says how long the integer part is: ``i`` one digit, ``j`` two, ... ``z`` eighteen for
  positive integers; ``h`` one digit, ``g`` two, ... ``0`` eighteen for negative ones. ``i0`` is zero, the
  first key handed out. Appending after the last key increments the integer, so a list that only ever grows
  at its end keeps keys of four characters for the first 46,000 items.
- the fraction (base-36 digits, never ending in ``0``) is used when inserting between two keys whose integer
  parts are adjacent; its length grows by about one character per five insertions at the same spot.

Only lower-case ASCII letters and digits are used, so byte order, SQLite's ``BINARY`` and the usual
PostgreSQL collations agree. Callers should still break ties (two clients inserting at the same spot at the
same time can pick the same key) by a second column, e.g. ``(rank, created_at, id)``.
"""

from __future__ import annotations

from typing import Iterable

DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)
ZERO = "i0"
_POSITIVE_HEAD = "i"  # heads i..z: positive integers, 1..18 digits
_SMALLEST_INTEGER = "0" + "0" * 18
MAX_LENGTH = 64  # the width of the rank columns; keys this long mean something is misusing the scheme


class RankError(ValueError):
    """An invalid key was given, or no key fits (equal neighbours, or the key space is exhausted)."""


def _integer_length(head: str) -> int:
    if head not in DIGITS:
        raise RankError(f"invalid order key head {head!r}")
    position = DIGITS.index(head)
    positive = DIGITS.index(_POSITIVE_HEAD)
    if position >= positive:
        return position - positive + 2
    return positive - 1 - position + 2


def _integer_part(key: str) -> str:
    length = _integer_length(key[0])
    if length > len(key):
        raise RankError(f"invalid order key {key!r}: its integer part is cut short")
    return key[:length]


def validate(key: str) -> str:
    """Return ``key`` if it is a well-formed order key; raise RankError otherwise."""
    if not isinstance(key, str) or not key:
        raise RankError("an order key is a non-empty string")
    if len(key) > MAX_LENGTH:
        raise RankError(f"order key longer than {MAX_LENGTH} characters")
    if any(char not in DIGITS for char in key):
        raise RankError(f"invalid order key {key!r}: only 0-9 and a-z")
    if key == _SMALLEST_INTEGER:
        raise RankError(f"invalid order key {key!r}")
    integer = _integer_part(key)
    if key[len(integer):].endswith("0"):
        raise RankError(f"invalid order key {key!r}: its fraction ends in 0")
    return key


def is_valid(key) -> bool:
    try:
        validate(key)
    except RankError:
        return False
    return True


def _midpoint(low: str, high: str | None) -> str:
    """A fraction strictly between fractions ``low`` and ``high`` (None: 1). Neither ends in ``0``."""
    if high is not None:
        common = 0
        while common < len(high) and (low[common] if common < len(low) else "0") == high[common]:
            common += 1
        if common > 0:
            return high[:common] + _midpoint(low[common:], high[common:])
    digit_low = DIGITS.index(low[0]) if low else 0
    digit_high = DIGITS.index(high[0]) if high is not None else BASE
    if digit_high - digit_low > 1:
        return DIGITS[(digit_low + digit_high + 1) // 2]
    if high is not None and len(high) > 1:
        return high[:1]
    return DIGITS[digit_low] + _midpoint(low[1:], None)


def _increment(integer: str) -> str | None:
    head, digits = integer[0], list(integer[1:])
    for position in range(len(digits) - 1, -1, -1):
        value = DIGITS.index(digits[position]) + 1
        if value < BASE:
            digits[position] = DIGITS[value]
            return head + "".join(digits)
        digits[position] = "0"
    # every digit carried over: one more digit (positive side) or one fewer (negative side)
    if head == "z":
        return None
    if head == "h":
        return ZERO
    new_head = DIGITS[DIGITS.index(head) + 1]
    if new_head > _POSITIVE_HEAD:
        digits.append("0")
    else:
        digits.pop()
    return new_head + "".join(digits)


def _decrement(integer: str) -> str | None:
    head, digits = integer[0], list(integer[1:])
    for position in range(len(digits) - 1, -1, -1):
        value = DIGITS.index(digits[position]) - 1
        if value >= 0:
            digits[position] = DIGITS[value]
            return head + "".join(digits)
        digits[position] = DIGITS[-1]
    if head == "0":
        return None
    if head == _POSITIVE_HEAD:
        return "h" + DIGITS[-1]
    new_head = DIGITS[DIGITS.index(head) - 1]
    if new_head < "h":
        digits.append(DIGITS[-1])
    else:
        digits.pop()
    return new_head + "".join(digits)


def rank_between(before: str | None, after: str | None) -> str:
    """A key that sorts after ``before`` and before ``after`` (None: the start or the end of the list)."""
    if before is not None:
        validate(before)
    if after is not None:
        validate(after)
    if before is not None and after is not None and before >= after:
        raise RankError(f"no order key fits between {before!r} and {after!r}: they are not in order")
    if before is None and after is None:
        return ZERO
    if before is None:
        integer = _integer_part(after)
        fraction = after[len(integer):]
        if integer == _SMALLEST_INTEGER:
            return integer + _midpoint("", fraction)
        if fraction:
            return integer
        smaller = _decrement(integer)
        if smaller is None:
            raise RankError("the order key space is exhausted at the start")
        return smaller
    if after is None:
        integer = _integer_part(before)
        fraction = before[len(integer):]
        larger = _increment(integer)
        return larger if larger is not None else integer + _midpoint(fraction, None)
    integer_before = _integer_part(before)
    fraction_before = before[len(integer_before):]
    integer_after = _integer_part(after)
    fraction_after = after[len(integer_after):]
    if integer_before == integer_after:
        return integer_before + _midpoint(fraction_before, fraction_after)
    larger = _increment(integer_before)
    if larger is None:
        raise RankError("the order key space is exhausted")
    if larger < after:
        return larger
    return integer_before + _midpoint(fraction_before, None)


def ranks_between(before: str | None, after: str | None, count: int) -> list[str]:
    """``count`` ascending keys between ``before`` and ``after``, spread so that none grows needlessly long."""
    if count < 0:
        raise RankError("count must not be negative")
    if count == 0:
        return []
    if count == 1:
        return [rank_between(before, after)]
    if after is None:
        keys, current = [], before
        for _ in range(count):
            current = rank_between(current, None)
            keys.append(current)
        return keys
    if before is None:
        keys, current = [], after
        for _ in range(count):
            current = rank_between(None, current)
            keys.append(current)
        return list(reversed(keys))
    middle_index = count // 2
    middle = rank_between(before, after)
    return [*ranks_between(before, middle, middle_index), middle, *ranks_between(middle, after, count - middle_index - 1)]


def is_ordered(keys: Iterable[str]) -> bool:
    keys = list(keys)
    return all(first < second for first, second in zip(keys, keys[1:]))


def keep_or_assign(current: list[str | None]) -> list[str]:
    """New keys for a list whose items now stand in this order, with ``current`` their present keys (None for
    new items). Keeps as many present keys as possible — the longest run of them that is already in order —
    and gives every other item a key between its kept neighbours, so that a reorder writes few rows."""
    positions = [index for index, key in enumerate(current) if key is not None and is_valid(key)]
    kept = set(_longest_increasing(positions, current))
    result: list[str | None] = [current[index] if index in kept else None for index in range(len(current))]
    index = 0
    while index < len(result):
        if result[index] is not None:
            index += 1
            continue
        end = index
        while end < len(result) and result[end] is None:
            end += 1
        before = result[index - 1] if index > 0 else None
        after = result[end] if end < len(result) else None
        result[index:end] = ranks_between(before, after, end - index)
        index = end
    return result  # type: ignore[return-value]


def _longest_increasing(positions: list[int], keys: list) -> list[int]:
    """The positions of a longest strictly increasing run of ``keys[position]`` (patience sorting)."""
    import bisect

    tails: list[str] = []
    tail_positions: list[int] = []
    previous: dict[int, int | None] = {}
    for position in positions:
        key = keys[position]
        slot = bisect.bisect_left(tails, key)
        previous[position] = tail_positions[slot - 1] if slot > 0 else None
        if slot == len(tails):
            tails.append(key)
            tail_positions.append(position)
        else:
            tails[slot] = key
            tail_positions[slot] = position
    run: list[int] = []
    current = tail_positions[-1] if tail_positions else None
    while current is not None:
        run.append(current)
        current = previous[current]
    return list(reversed(run))
