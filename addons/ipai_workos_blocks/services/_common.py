"""Limits every area of the blocks services shares, and the UNSET marker."""

from __future__ import annotations

UNSET = object()
MAX_DEPTH = 32  # nesting levels below a top-level block
MAX_BLOCKS_PER_PAGE = 20_000
MAX_OPERATIONS = 1_000
LONG_RANK = 48  # a key this long means many inserts hit one spot: the siblings are renumbered
# Block ids are unique per page (a block is identified by (page, id)): a client-chosen id is taken only when a
# block of the same page has it — a page the user may edit, so the refusal tells them nothing they cannot read.
# The same id on any other page, readable or not, does not matter (issue 10: no existence oracle).
ID_TAKEN = "this page already has a block with this id: give the block a new id"
