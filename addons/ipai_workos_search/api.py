"""``GET /api/v1/search``: parse, call the search service, shape the answer."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Router, Schema

from ipai_platform_permissions.api import SHARE_LINK_AUTH, share_link_reader

from . import services
from .query import BadSearch

router = Router(tags=["search"])

QUERY_HELP = """Full-text search over the pages, database rows and comments you may read, best first.

Query language (like web search engines): words (all must match; the last word is also a prefix while you
type), `"exact phrase"`, `-excluded`, `a OR b`. Case and accents do not matter (`cafe` finds `café`).
When nothing matches, titles close to the words are returned (typo tolerance).

`scope`: `workspace` (with `scope_id`: one workspace; without: all yours), `space`, `page` (the page and its
sub-pages) or `database` (its rows), with `scope_id`. `type`: `page`, `row` or `comment`. `edited_by`: a user
id. `after`/`before`: ISO dates or date-times on the last edit. `sort`: `relevance` or `edited`. `title_only`:
match titles only. `share`: a share link's token; its visitor searches only what the link opens.

Each item: `object` (page, row, comment), `id` (the page to open), `title`, `path` (the breadcrumb: the space
and pages above it that you may view, top first), `snippet` (HTML: escaped text where only `<mark>` is
markup), `score`, `edited_at`, `block_id` (the block that matched, to scroll to; null for a title hit),
`comment_id` (for a comment: the comment to show, `/web/pages/{id}#comment-{comment_id}`; else null). A comment
is found by whoever may read its page, and by nobody else; the text of mentions is not searched (it could name a
page you may not read).
Bad input (empty or too long query, an unclosed quote, only stop words, NUL characters) answers 400; a scope
that does not exist or that you may not view answers 404, alike."""


class PathOut(Schema):
    object: Literal["space", "page", "database"]
    id: int
    title: str


class ResultOut(Schema):
    object: str
    id: int
    title: str
    path: list[PathOut]
    snippet: str
    score: float
    edited_at: datetime | None
    block_id: str | None
    comment_id: int | None = None


class SearchOut(Schema):
    items: list[ResultOut]
    next_cursor: str | None


def _number(value: str, field: str, default: int) -> int:
    if value in (None, ""):
        return default
    if not value.strip().isdigit():
        raise BadSearch(f"{field} must be a whole number", field=field)
    return int(value)


def _flag(value: str, field: str) -> bool:
    if value in ("", None, "0", "false"):
        return False
    if value in ("1", "true"):
        return True
    raise BadSearch(f"{field} is true or false", field=field)


@router.get("/search", response=SearchOut, auth=SHARE_LINK_AUTH, summary="Search pages, rows and comments",
            description=QUERY_HELP)
def search(request, q: str = "", scope: str = "workspace", scope_id: str = "", type: str = "", edited_by: str = "",
           after: str = "", before: str = "", sort: str = "relevance", title_only: str = "", limit: str = "",
           cursor: str = "", share: str = ""):
    user, token = share_link_reader(request, share)  # a share link's visitor searches only what it opens
    return services.search(user, q, scope=scope, scope_id=scope_id or None, object=type or None, edited_by=edited_by or None,
                           after=after or None, before=before or None, sort=sort, title_only=_flag(title_only, "title_only"),
                           limit=_number(limit, "limit", services.DEFAULT_LIMIT), cursor=cursor or None, share=token)
