"""Search itself and the reads around it: results with breadcrumbs, matching pages for a view, editors."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from ipai_platform_permissions import services as permissions
from ipai_platform_permissions.registry import RANK, SCOPES, VIEW
from ipai_workos_core.models import Page
from ipai_workos_core.scopes import PAGE, SPACE, WORKSPACE
from workos.kernel.cursors import decode_cursor, encode_cursor
from workos.kernel.errors import InvalidInput, NotFound

from .. import backends
from ..query import BadSearch, Query, parse, words_of
from ._common import DATABASE, DEFAULT_LIMIT, MAX_LIMIT, MAX_MATCHING, MAX_OFFSET, SORTS
from .access import _scope_filter, readable_filter
from .filters import _check_filters
from .ranking import MARKED, _fold, _fuzzy_rows, _pg_rows, _sqlite_rows, safe_snippet


def _anchor(row: dict, query: Query) -> str | None:
    """The block the result opens at: the first line holding a marked word (else a query word)."""
    marked = {_fold(word) for found in MARKED.findall(row.get("snippet") or "") for word in words_of(found)}
    wanted = marked or {_fold(word) for word in query.words}
    if not wanted:
        return None
    anchors = row.get("anchors") or [[], []]
    if isinstance(anchors, str):  # raw SQL hands JSON back as text
        anchors = json.loads(anchors)
    headings_anchors, line_anchors = (list(anchors) + [[], []])[:2]
    for anchor, line in zip(line_anchors, (row.get("body") or "").split("\n")):
        if not anchor:
            continue
        folded = _fold(line)
        if not any(word in folded for word in wanted):  # no word can equal or start with one: skip the split
            continue
        words = {_fold(word) for word in words_of(line)}
        if anchor and any(word in words or any(w.startswith(word) for w in words) for word in wanted):
            return anchor
    return headings_anchors[0] if headings_anchors else None


def _paths(user, share, rows: list[dict], access: permissions.Access | None = None) -> dict[int, list[dict]]:
    """Breadcrumbs of the results: the pages (and database) above each that ``user`` may view, top first. One
    permission walk and one load per object for all the results together."""
    pages = Page.objects.select_related("space").in_bulk([row["page_id"] for row in rows if row["page_id"]])
    access = access or permissions.Access(user, share)
    loaded: dict = {}

    def load(key):
        key = (key[0], str(key[1]))
        if key not in loaded:
            loaded[key] = SCOPES.get(key[0]).model._default_manager.filter(pk=key[1]).first() if key[0] in SCOPES else None
            if loaded[key] is not None:
                access.remember(loaded[key])
        return loaded[key]

    for page in pages.values():
        access.remember(page)
        loaded[(PAGE, str(page.pk))] = page
    result = {}
    for row in rows:
        page = pages.get(row["page_id"])
        trail = []
        if page is not None:
            chain, key, seen = [], SCOPES.get(PAGE).parent(page), set()
            while key is not None and key[0] not in (SPACE, WORKSPACE) and key not in seen and len(seen) < 64:
                seen.add(key)
                obj = load(key)
                if obj is None:
                    break
                chain.append(obj)
                key = SCOPES.get(key[0]).parent(obj)
            for obj in chain:  # nearest first: stop at the first one hidden, so no hidden name shows
                if RANK[access.level(obj)] < RANK[VIEW]:
                    break
                trail.append({"object": "database" if permissions.key_of(obj)[0] == DATABASE else "page", "id": obj.pk,
                              "title": permissions.label_of(obj)})
            if len(trail) == len(chain) and RANK[access.level(page.space)] >= RANK[VIEW]:
                trail.append({"object": "space", "id": page.space_id, "title": page.space.name})
        result[row["id"]] = list(reversed(trail))
    return result


def search(user, q, *, scope: str = "workspace", scope_id=None, object=None, edited_by=None, after=None, before=None,
           sort: str = "relevance", title_only: bool = False, limit: int = DEFAULT_LIMIT, cursor: str | None = None, share=None) -> dict:
    """Ranked results for ``q`` among what ``user`` (or the share link ``share``) may read, inside ``scope``.

    The permission condition is part of the SQL that matches and ranks, so the limit, the order, the cursor
    and the snippets only ever see readable documents. Returns ``{"items": [...], "next_cursor": ...}``."""
    query = parse(q)
    if sort not in SORTS:
        raise BadSearch(f"sort must be one of {', '.join(SORTS)}", field="sort")
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise BadSearch(f"limit must be from 1 to {MAX_LIMIT}", field="limit")
    try:
        offset = decode_cursor(cursor)
    except InvalidInput as error:
        raise BadSearch(error.message, field="cursor") from None
    if offset > MAX_OFFSET:
        raise BadSearch("cursor is not one this API returned", field="cursor")
    filters = _check_filters(object, edited_by, after, before)
    access = permissions.Access(user, share)  # one per search: grants and roles loaded once for filter and paths
    if share is None and access.user is None:
        raise NotFound("log in to search")
    scope_sql, scope_params = _scope_filter(user, scope, scope_id, share)
    readable_sql, readable_params = readable_filter(user, share, access if share is None else None)
    filter_sql, filter_params = filters.sql()
    where = f"{filter_sql} AND {scope_sql} AND {readable_sql}"
    params = filter_params + scope_params + readable_params
    fetch = _pg_rows if connection.vendor == "postgresql" else _sqlite_rows
    rows = fetch(query, where, params, sort, title_only, limit + 1, offset)
    if not rows and offset == 0 and not title_only and sort == "relevance":
        rows = _fuzzy_rows(query, where, params, limit)
    more = len(rows) > limit
    rows = rows[:limit]
    paths = _paths(user, share, rows, access)
    items = []
    for row in rows:
        edited_at = row["edited_at"]
        if isinstance(edited_at, str):
            edited_at = datetime.fromisoformat(edited_at)
        if edited_at is not None and timezone.is_naive(edited_at):
            edited_at = timezone.make_aware(edited_at, dt_timezone.utc)
        items.append({
            "object": row["object"], "id": row["page_id"], "title": row["title"], "path": paths.get(row["id"], []),
            "snippet": safe_snippet(row["snippet"]), "score": float(row["score"] or 0), "edited_at": edited_at,
            "block_id": None if row["object"] == "comment" else _anchor(row, query),
            "comment_id": int(row["source_id"]) if row["object"] == "comment" else None,
        })
    return {"items": items, "next_cursor": encode_cursor(offset + limit) if more else None}


def matching_pages(user, q, *, scope: str = "workspace", scope_id=None, object=None, share=None) -> list[int]:
    """The pages whose documents match ``q`` among those ``user`` may read inside ``scope``, unranked (the caller
    orders them: a database view by its own sorts). The same query language, scopes and permission filter as
    ``search``; at most ``MAX_MATCHING``. Bad input raises ``BadSearch`` (400), a hidden scope ``NotFound``."""
    query = parse(q)
    filters = _check_filters(object, None, None, None)
    if share is None and permissions.Access(user).user is None:
        raise NotFound("log in to search")
    scope_sql, scope_params = _scope_filter(user, scope, scope_id, share)
    readable_sql, readable_params = readable_filter(user, share)
    filter_sql, filter_params = filters.sql()
    where, params = f"{filter_sql} AND {scope_sql} AND {readable_sql}", filter_params + scope_params + readable_params
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            backends.ensure_configuration()
            tsquery, tsquery_params = backends.pg_tsquery(query)
            cursor.execute(f"SELECT DISTINCT d.page_id FROM ipai_workos_search_document d WHERE d.search_vector @@ {tsquery} AND {where} "
                           "LIMIT %s", tsquery_params + params + [MAX_MATCHING])
        else:
            cursor.execute(f"SELECT DISTINCT d.page_id FROM {backends.FTS_TABLE} f JOIN ipai_workos_search_document d ON d.id = f.rowid "
                           f"WHERE {backends.FTS_TABLE} MATCH %s AND {where} LIMIT %s", [backends.fts_match(query)] + params + [MAX_MATCHING])
        return [row[0] for row in cursor.fetchall()]


def editors(user, limit: int = 50) -> list:
    """People who edited documents ``user`` can read (for the "edited by" filter)."""
    readable_sql, readable_params = readable_filter(user)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT d.edited_by_id FROM ipai_workos_search_document d WHERE d.trashed = %s AND "
                       f"d.edited_by_id IS NOT NULL AND {readable_sql} LIMIT %s", [False] + readable_params + [limit])
        ids = [row[0] for row in cursor.fetchall()]
    return list(get_user_model().objects.filter(pk__in=ids).order_by("username"))


def edited_within(period: str, now: datetime | None = None) -> datetime | None:
    """The start of "edited within" a day, week or month (the search page's filter)."""
    spans = {"day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=31)}
    if period in ("", None):
        return None
    if period not in spans:
        raise BadSearch(f"edited within is one of {', '.join(spans)}", field="within")
    return (now or timezone.now()) - spans[period]
