"""Limits every area of the blocks services shares, and the UNSET marker."""

from __future__ import annotations

UNSET = object()
MAX_DEPTH = 32  # nesting levels below a top-level block
MAX_BLOCKS_PER_PAGE = 20_000
MAX_OPERATIONS = 1_000
LONG_RANK = 48  # a key this long means many inserts hit one spot: the siblings are renumbered
