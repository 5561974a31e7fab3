"""Limits and names shared by the search services."""

from __future__ import annotations

MAX_MATCHING = 10_000  # matching_pages: pages at most (a view's search box narrows a database; more is a vaguer search)

SCOPE_KINDS = ("workspace", "space", "page", "database")
SORTS = ("relevance", "edited")
DEFAULT_LIMIT = 20
MAX_LIMIT = 50
MAX_OFFSET = 1000  # results beyond this are not paged to: narrow the search
DOCUMENT = "ipai.workos.page"  # documents are keyed by their page
DATABASE = "ipai.workos.database"
