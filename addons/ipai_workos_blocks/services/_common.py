"""Limits every area of the blocks services shares, and the UNSET marker."""

from __future__ import annotations

UNSET = object()
MAX_DEPTH = 32  # nesting levels below a top-level block
MAX_BLOCKS_PER_PAGE = 20_000
MAX_OPERATIONS = 1_000
LONG_RANK = 48  # a key this long means many inserts hit one spot: the siblings are renumbered
# One answer for every client-chosen id that is taken — by a block of this page, of another page the user can
# read, or of a page they cannot see — so that the answer never tells which (issue 10: no existence oracle).
ID_TAKEN = "this block id is already used: give the block a new id"
