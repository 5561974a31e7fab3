"""The search index's only write path (kept fresh by core's page listeners, rebuilt by ``reindex``) and search
itself, permission-filtered in SQL before ranking and limits.

Documents: one per page (object ``page``), per database row's page (object ``row``) and per comment (object
``comment``, from the collaboration module's source); the sources in ``registry.SOURCES`` say what text each has. The text is a title (weight A), headings (B) and a body (C); a
document also records where it sits (workspace, space, the scopes below the space) and whether it is in the
trash.

Who may read a document, in SQL, mirroring ``ipai_platform_permissions``: the user's resolved grants, their
workspace roles and the level each space passes down are read when searching (one small query each), so a
grant, a role or a space's visibility that changes is right at the next search without touching the index.
Readable means: admin of the document's workspace; else the nearest grant on the document's chain below its
space (its page, the pages and database above it) gives at least view — a restricted page with no grant of
the user's counts as a "none" grant there; else no grant there at all and the space passes down at least view. Share-link visitors search only what the link opens.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from ipai_platform_audit.services import record_event
from ipai_platform_permissions import services as permissions
from ipai_platform_permissions.registry import ADMIN, NONE, RANK, SCOPES, VIEW
from ipai_workos_core.models import Page, Space, Workspace
from ipai_workos_core.scopes import PAGE, SPACE, WORKSPACE
from workos.kernel.cursors import decode_cursor, encode_cursor
from workos.kernel.errors import InvalidInput, NotFound, PermissionDenied

from . import backends
from .indexing import Chains, Placement, forget, index_pages, scope_key, texts_of
from .models import SearchDocument
from .query import BadSearch, Query, normalise, parse, words_of
from .registry import SOURCES, Entry

QUERIES = ("search", "check", "document_of", "readable_filter", "editors", "edited_within", "safe_snippet", "refresh", "matching_pages",
           "pg_search_sql")
MAX_MATCHING = 10_000  # matching_pages: pages at most (a view's search box narrows a database; more is a vaguer search)

SCOPE_KINDS = ("workspace", "space", "page", "database")
SORTS = ("relevance", "edited")
DEFAULT_LIMIT = 20
MAX_LIMIT = 50
MAX_OFFSET = 1000  # results beyond this are not paged to: narrow the search
DOCUMENT = "ipai.workos.page"  # documents are keyed by their page
DATABASE = "ipai.workos.database"


# --- rebuilding and checking ----------------------------------------------------------------------------


def _pages_to_index(space_id: int | None = None):
    pages = Page.objects.all()
    if space_id is not None:
        pages = pages.filter(space_id=space_id)
    return pages.order_by("pk")


def reindex(actor=None, space_id: int | None = None, progress=None, batch: int = 200) -> dict:
    """Rebuild the documents of every page (of one space); each batch in its own transaction. ``progress(done,
    total)`` is called after each batch. Documents of pages that no longer exist are dropped. ``actor`` None is
    the system (the CLI); anyone else must be an administrator."""
    if actor is not None and not getattr(actor, "is_superuser", False):
        raise PermissionDenied("only administrators rebuild the search index")
    if space_id is not None and not Space.objects.filter(pk=space_id).exists():
        raise NotFound("no such space")
    if connection.vendor == "postgresql":
        backends.ensure_configuration()
    page_ids = list(_pages_to_index(space_id).values_list("pk", flat=True))
    total, written = len(page_ids), 0
    for start in range(0, total, batch):
        with transaction.atomic():
            written += index_pages(page_ids[start:start + batch], force=True)
        if progress:
            progress(min(start + batch, total), total)
    with transaction.atomic():
        gone = SearchDocument.objects.filter(page__isnull=True) if space_id is None else SearchDocument.objects.none()
        removed = forget(gone)
        orphans = backends.orphans() if space_id is None else []
        backends.forget_text(orphans)
        result = {"pages": total, "documents": written, "removed": removed + len(orphans)}
        backends.settle()
        record_event(actor=actor, action="search.reindex", target_model="ipai.workos.search.document", target_id="",
                     target_name="search index", changes={**result, "space_id": space_id})
    return result


def refresh(page_ids, sources: list[str] | None = None, actor=None) -> int:
    """Bring the documents of these pages up to date, inside the caller's transaction: the modules whose data a
    source reads call it from their services after a write (the comment services, with ``sources=["comments"]``:
    a comment rebuilds the page's comment documents, not the page's own). Derived data, so no audit event: the
    write that called it is the audited change. Returns the number of documents written."""
    unknown = [name for name in sources or [] if name not in SOURCES]
    if unknown:
        raise ValueError(f"unknown search source {unknown[0]!r}; known: {', '.join(name for name, _source in SOURCES.items())}")
    return index_pages(page_ids, actor, sources=sources)


@dataclass
class Drift:
    source: str  # "ipai.workos.page:12"
    problem: str  # missing, stale text, stale place, extra, orphan


def _drift_of(document: SearchDocument | None, entry: Entry, placement: Placement) -> str | None:
    if document is None:
        return "missing"
    texts = texts_of(entry)
    if (document.title, document.headings, document.body, document.object) != (texts.title, texts.headings, texts.body, entry.object):
        return "stale text"
    if backends.stored_text(document.pk) != backends.expected_text(texts.indexed_title, texts.headings, texts.body):
        return "stale full-text index"
    scopes = {scope.scope_key: scope.depth for scope in document.scopes.all()}
    if ((document.workspace_id, document.space_id, document.trashed) != (placement.workspace_id, placement.space_id, placement.trashed)
            or scopes != {key: depth for depth, key in enumerate(placement.scopes)}):
        return "stale place"
    return None


def check(space_id: int | None = None, progress=None, batch: int = 200) -> list[Drift]:
    """Compare the index with the live data without changing anything; the differences found."""
    if space_id is not None and not Space.objects.filter(pk=space_id).exists():
        raise NotFound("no such space")
    drift: list[Drift] = []
    page_ids = list(_pages_to_index(space_id).values_list("pk", flat=True))
    seen: set[int] = set()
    chains = Chains()
    for start in range(0, len(page_ids), batch):
        chunk = page_ids[start:start + batch]
        documents = {(d.source_model, d.source_id): d for d in SearchDocument.objects.filter(page_id__in=chunk).prefetch_related("scopes")}
        for page in Page.objects.filter(pk__in=chunk).order_by("pk"):
            placement = chains.placement(page)
            entries = [] if placement is None else [entry for _name, source in SOURCES.items() for entry in source.entries(page)]
            for entry in entries:
                document = documents.get((entry.source_model, str(entry.source_id)))
                if document is not None:
                    seen.add(document.pk)
                problem = _drift_of(document, entry, placement)
                if problem:
                    drift.append(Drift(scope_key(entry.source_model, entry.source_id), problem))
        for document in documents.values():
            if document.pk not in seen:
                drift.append(Drift(scope_key(document.source_model, document.source_id), "extra"))
        if progress:
            progress(min(start + batch, len(page_ids)), len(page_ids))
    if space_id is None:
        for document in SearchDocument.objects.filter(page__isnull=True):
            drift.append(Drift(scope_key(document.source_model, document.source_id), "extra"))
        drift.extend(Drift(f"full-text row {rowid}", "orphan") for rowid in backends.orphans())
    return drift


def document_of(page: Page) -> SearchDocument | None:
    return SearchDocument.objects.filter(source_model=DOCUMENT, source_id=str(page.pk)).first()


# --- who may read what, as SQL --------------------------------------------------------------------------


def _in(column: str, values: list) -> tuple[str, list]:
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def readable_filter(user, share=None, access: permissions.Access | None = None) -> tuple[str, list]:
    """An SQL condition on documents ``d`` that holds exactly for those ``user`` may read (see the module
    docstring). Trash is filtered apart. ``access``: the caller's ``Access`` of ``user`` (no share), reused."""
    if share is not None:
        scope = (share.scope_model, str(share.scope_id))
        if scope[0] == WORKSPACE:
            return "d.workspace_id = %s", [int(scope[1])]
        if scope[0] == SPACE:
            return "d.space_id = %s", [int(scope[1])]
        return ("EXISTS (SELECT 1 FROM ipai_workos_search_scope s WHERE s.document_id = d.id AND s.scope_key = %s)",
                [scope_key(*scope)])
    access = access or permissions.Access(user)
    if access.user is None:
        return "1 = 0", []
    if access.superuser:
        return "1 = 1", []
    workspace_ids = [int(pk) for pk in access.reachable_roots(WORKSPACE)]
    workspaces = list(Workspace.objects.filter(pk__in=workspace_ids))
    admin_of = [w.pk for w in workspaces if access.role(w) == ADMIN]
    others = [w.pk for w in workspaces if w.pk not in admin_of]
    spaces = list(Space.objects.filter(workspace_id__in=others))
    for space in spaces:
        access.remember(space)
    readable_spaces = [space.pk for space in spaces if RANK[access.level(space)] >= RANK[VIEW]]
    allowed, denied = [], []
    for (model, pk), level in access.grants.items():
        if model in (WORKSPACE, SPACE):
            continue  # already in the level each space passes down
        (denied if level == NONE else allowed).append(scope_key(model, pk))
    # A restricted page passes nothing down: for whoever has no grant on it, it stands like a "none" grant.
    granted = set(allowed) | set(denied)
    restricted = Page.objects.filter(restricted=True, space__workspace_id__in=others).values_list("pk", flat=True)
    denied += [key for key in (scope_key(PAGE, pk) for pk in restricted) if key not in granted]
    admin_sql, admin_params = _in("d.workspace_id", admin_of)
    others_sql, others_params = _in("d.workspace_id", others)
    spaces_sql, spaces_params = _in("d.space_id", readable_spaces)
    conditions, params = [spaces_sql], list(spaces_params)
    if allowed or denied:
        granted_sql, granted_params = _in("g.scope_key", allowed + denied)
        conditions = [f"({spaces_sql} AND NOT EXISTS (SELECT 1 FROM ipai_workos_search_scope g WHERE g.document_id = d.id AND {granted_sql}))"]
        params = spaces_params + granted_params
    if allowed:
        allowed_sql, allowed_params = _in("a.scope_key", allowed)
        nearer = ""
        nearer_params: list = []
        if denied:
            denied_sql, nearer_params = _in("b.scope_key", denied)
            nearer = (f" AND NOT EXISTS (SELECT 1 FROM ipai_workos_search_scope b WHERE b.document_id = d.id AND {denied_sql} "
                      "AND b.depth < a.depth)")
        conditions.append(f"EXISTS (SELECT 1 FROM ipai_workos_search_scope a WHERE a.document_id = d.id AND {allowed_sql}{nearer})")
        params += allowed_params + nearer_params
    sql = f"({admin_sql} OR ({others_sql} AND ({' OR '.join(conditions)})))"
    return sql, admin_params + others_params + params


# --- searching ------------------------------------------------------------------------------------------


def _int_id(value, field: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**63:
        raise BadSearch(f"{field} must be a positive whole number", field=field)
    return value


def _scope_filter(user, scope: str, scope_id, share) -> tuple[str, list]:
    """The documents inside the scope; NotFound when the user cannot see the scope itself."""
    if scope not in SCOPE_KINDS:
        raise BadSearch(f"scope must be one of {', '.join(SCOPE_KINDS)}", field="scope")
    if scope == "workspace" and scope_id in (None, ""):
        return "1 = 1", []
    if scope_id in (None, ""):
        raise BadSearch(f"a {scope} search needs scope_id", field="scope_id")
    pk = _int_id(scope_id, "scope_id")
    model = {"workspace": WORKSPACE, "space": SPACE, "page": PAGE, "database": DATABASE}[scope]
    if model not in SCOPES:
        raise NotFound(f"no such {scope}")
    obj = SCOPES.get(model).model._default_manager.filter(pk=pk).first()
    if obj is None:
        raise NotFound(f"no such {scope}")
    permissions.require(user, "read", obj, share=share)  # NotFound when hidden: the same answer as missing
    if scope == "workspace":
        return "d.workspace_id = %s", [pk]
    if scope == "space":
        return "d.space_id = %s", [pk]
    return "EXISTS (SELECT 1 FROM ipai_workos_search_scope z WHERE z.document_id = d.id AND z.scope_key = %s)", [scope_key(model, pk)]


def _moment(value, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise BadSearch(f"{field} is a date or date-time like 2026-01-31 or 2026-01-31T09:00:00Z", field=field) from None
    if not isinstance(value, datetime):
        raise BadSearch(f"{field} is a date-time", field=field)
    return value if timezone.is_aware(value) else timezone.make_aware(value, dt_timezone.utc)


@dataclass
class Filters:
    object: str | None = None
    edited_by: int | None = None
    after: datetime | None = None
    before: datetime | None = None

    def sql(self) -> tuple[str, list]:
        parts, params = ["d.trashed = %s"], [False]
        if self.object:
            parts.append("d.object = %s")
            params.append(self.object)
        if self.edited_by is not None:
            parts.append("d.edited_by_id = %s")
            params.append(self.edited_by)
        if self.after is not None:
            parts.append("d.edited_at >= %s")
            params.append(self.after)
        if self.before is not None:
            parts.append("d.edited_at < %s")
            params.append(self.before)
        return " AND ".join(parts), params


def _check_filters(object, edited_by, after, before) -> Filters:
    objects = [choice.value for choice in SearchDocument.Object]
    if object not in (None, "") and object not in objects:
        raise BadSearch(f"type must be one of {', '.join(objects)}", field="type")
    filters = Filters(object=object or None, after=_moment(after, "after"), before=_moment(before, "before"))
    if edited_by not in (None, ""):
        filters.edited_by = _int_id(edited_by, "edited_by")
    if filters.after and filters.before and filters.after >= filters.before:
        raise BadSearch("after must come before before", field="after")
    return filters


def _pg_rows(query: Query, where: str, params: list, sort: str, title_only: bool, limit: int, offset: int) -> list[dict]:
    """Matches ranked in two steps, so that a frequent word costs what its best candidates cost rather than what
    all its readable matches cost (``ts_rank_cd`` reads each document's whole vector):

    1. candidates, readable and matching (through indexes: the GIN index on the title's part of the vector, the
       place columns): the ``backends.PG_CANDIDATES`` most recently edited documents whose *title* matches, and
       as many of all matches (more of each when paging deeper);
    2. ``ts_rank_cd`` with the recency factor over the candidates only; then ``ts_headline`` on the lines that
       match, for the page shown.

    Below that many title matches and that many matches in all, the ranking is exact. Beyond, an older match is
    not ranked: a query matching thousands of readable documents needs more words anyway, and ranking them all
    is what made a frequent word or a 3-letter prefix slow (benchmarks/README.md)."""
    with connection.cursor() as cursor:
        cursor.execute(*pg_search_sql(query, where, params, sort, title_only, limit, offset))
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


def _pg_query_text(query: Query) -> str:
    """The query as tsquery text (computed once: a prefix goes through the configuration in a subquery)."""
    tsquery, tsquery_params = backends.pg_tsquery(query)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT numnode(t.query), t.query::text FROM (SELECT {tsquery} AS query) t", tsquery_params)
        nodes, text = cursor.fetchone()
    if not nodes:
        raise BadSearch("the search has only words too common to look for (stop words)", field="q")
    return text


def pg_search_sql(query: Query, where: str, params: list, sort: str, title_only: bool, limit: int, offset: int) -> tuple[str, list]:
    """The SQL of ``_pg_rows`` and its parameters (also what the benchmark EXPLAINs).

    The query reaches the candidate scans through the CTE ``q`` on purpose: its value unknown, the planner
    takes a word for selective and scans the GIN index on (space, vector) — both conditions in one scan. Given
    the value, it knows a frequent word matches every readable document and filters the readable spaces' rows
    with ``@@`` instead, not counting that each test reads a whole vector from TOAST (four times slower at
    20,000 pages; benchmarks/README.md, run 4)."""
    config = backends.ensure_configuration()
    text = _pg_query_text(query)
    title_match = f"{backends.PG_TITLE_VECTOR} @@ q.query" + (" AND d.search_vector @@ q.query" if query.excluded else "")
    wanted = max(backends.PG_CANDIDATES, offset + limit)
    recent = "ORDER BY d.edited_at DESC NULLS LAST, d.id DESC LIMIT %s"
    title_candidates = f"SELECT d.id FROM ipai_workos_search_document d, q WHERE {title_match} AND {where} {recent}"
    if title_only:
        candidates, candidate_params = title_candidates, params + [wanted]
    elif sort == "relevance":
        candidates = (f"({title_candidates}) UNION "
                      f"(SELECT d.id FROM ipai_workos_search_document d, q WHERE d.search_vector @@ q.query AND {where} {recent})")
        candidate_params = params + [wanted] + params + [wanted]
    else:
        candidates = (f"SELECT d.id FROM ipai_workos_search_document d, q WHERE d.search_vector @@ q.query AND {where} "
                      "ORDER BY d.edited_at DESC NULLS LAST, d.id DESC LIMIT %s")
        candidate_params = params + [offset + limit]
    order = "score DESC, d.id DESC" if sort == "relevance" else "d.edited_at DESC NULLS LAST, d.id DESC"
    sql = (
        f"WITH q AS MATERIALIZED (SELECT %s::tsquery AS query), c AS MATERIALIZED ({candidates}), "
        f"r AS MATERIALIZED (SELECT d.*, ts_rank_cd('{backends.PG_WEIGHTS}', d.search_vector, q.query) * (1 + {backends.RECENCY_WEIGHT} / "
        f"  (1 + greatest(extract(epoch FROM (now() - coalesce(d.edited_at, now()))), 0) / 86400.0 / {backends.RECENCY_DAYS})) AS score "
        f"  FROM ipai_workos_search_document d JOIN c ON c.id = d.id, q ORDER BY {order} LIMIT %s OFFSET %s) "
        "SELECT d.id, d.object, d.page_id, d.source_id, d.title, d.edited_at, d.anchors, d.body, d.score, "
        # ts_headline reads the text it is given whole: give it the first lines that match (the body is stored one
        # line per block), the whole text only when no single line does (a phrase across two blocks)
        "ts_headline(%s::regconfig, coalesce(nullif(array_to_string(ARRAY(SELECT l.line FROM unnest(string_to_array("
        "d.headings || E'\\n' || d.body, E'\\n')) WITH ORDINALITY AS l(line, n) WHERE to_tsvector(%s::regconfig, l.line) @@ q.query "
        "ORDER BY l.n LIMIT 3), E'\\n'), ''), d.headings || E'\\n' || d.body), q.query, %s) AS snippet "
        f"FROM r d, q ORDER BY {order}")
    options = (f"StartSel={backends.MARK_START}, StopSel={backends.MARK_END}, MaxWords=30, MinWords=12, "
               "MaxFragments=2, FragmentDelimiter=\" … \"")
    return sql, [text] + candidate_params + [limit, offset, config, config, options]


def _sqlite_rows(query: Query, where: str, params: list, sort: str, title_only: bool, limit: int, offset: int) -> list[dict]:
    """Two steps, so that what a match costs beyond being ranked is paid for the page shown only: (1) the ids and
    scores of the readable matches, ranked (``bm25`` reads the FTS index only; the sort holds two numbers a
    row); (2) the shown rows' columns and their marked text for those ids."""
    match = backends.fts_match(query, title_only)
    phrase = backends.fts_phrase(query)
    boost, boost_params = "1", []
    if phrase:
        boost = (f"(CASE WHEN f.rowid IN (SELECT rowid FROM {backends.FTS_TABLE} WHERE {backends.FTS_TABLE} MATCH %s) "
                 "THEN 2 ELSE 1 END)")
        boost_params = [phrase]
    weights = ", ".join(str(weight) for weight in backends.FTS_WEIGHTS)
    order = "score DESC, d.id DESC" if sort == "relevance" else "d.edited_at IS NULL, d.edited_at DESC, d.id DESC"
    ranked = (
        f"SELECT d.id, -bm25({backends.FTS_TABLE}, {weights}) * {boost} * (1 + {backends.RECENCY_WEIGHT} / "
        f"(1 + max(julianday('now') - julianday(coalesce(d.edited_at, 'now')), 0) / {backends.RECENCY_DAYS})) AS score "
        f"FROM {backends.FTS_TABLE} f JOIN ipai_workos_search_document d ON d.id = f.rowid "
        f"WHERE {backends.FTS_TABLE} MATCH %s AND {where} ORDER BY {order} LIMIT %s OFFSET %s")
    with connection.cursor() as cursor:
        cursor.execute(ranked, boost_params + [match] + params + [limit, offset])
        scores = dict(cursor.fetchall())
        if not scores:
            return []
        # highlight() marks each column's matches in one pass; snippet() scores every window of every match,
        # which for a frequent prefix (a hundred matches a page) cost 25 ms a result. The window is cut here.
        # "+f.rowid": the ids filter the matches FTS5 finds once, rather than re-running the match per id.
        cursor.execute(
            "SELECT d.id, d.object, d.page_id, d.source_id, d.title, d.edited_at, d.anchors, d.body, "
            f"highlight({backends.FTS_TABLE}, 0, char(2), char(3)), highlight({backends.FTS_TABLE}, 1, char(2), char(3)), "
            f"highlight({backends.FTS_TABLE}, 2, char(2), char(3)) "
            f"FROM {backends.FTS_TABLE} f JOIN ipai_workos_search_document d ON d.id = f.rowid "
            f"WHERE {backends.FTS_TABLE} MATCH %s AND +f.rowid IN ({', '.join(['%s'] * len(scores))})", [match] + list(scores))
        columns = [column[0] for column in cursor.description][:8]
        rows = {row[0]: {**dict(zip(columns, row)), "snippet": _window(row[8:])} for row in cursor.fetchall()}
    return [{**rows[pk], "score": score} for pk, score in scores.items() if pk in rows]


def _window(marked_columns, size: int = 24) -> str:
    """A snippet from highlighted columns (title, headings, body): about ``size`` words around the first match of
    the column with the most matches (the body, then the headings, on a tie), like FTS5's ``snippet()``."""
    title, headings, body = (text or "" for text in marked_columns)
    best = max((body, headings, title), key=lambda text: text.count(backends.MARK_START))
    words = best.split()
    first = next((n for n, word in enumerate(words) if backends.MARK_START in word), 0)
    start = max(0, min(first - size // 4, len(words) - size))
    return ("… " if start else "") + " ".join(words[start:start + size]) + (" …" if start + size < len(words) else "")


def _fuzzy_rows(query: Query, where: str, params: list, limit: int) -> list[dict]:
    """Typo-tolerant title matching, when full-text found nothing: pg_trgm's similarity on PostgreSQL, the
    same trigram measure in Python over the readable titles on SQLite (a small, embedded install)."""
    words = query.plain_words
    if not words:
        return []
    text = " ".join(words)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT d.id, d.object, d.page_id, d.source_id, d.title, d.edited_at, d.anchors, d.body, similarity(d.title, %s) AS score, "
                "left(d.body, 200) AS snippet FROM ipai_workos_search_document d "
                f"WHERE d.title %% %s AND d.object <> 'comment' AND {where} ORDER BY score DESC, d.id DESC LIMIT %s", [text, text] + params + [limit])
            columns = [column[0] for column in cursor.description]
            return [dict(zip(columns, row)) for row in cursor.fetchall()]
        # a comment's title only names its page: the page itself is the title hit
        cursor.execute(f"SELECT d.id, d.title FROM ipai_workos_search_document d WHERE d.object <> 'comment' AND {where} "
                       "ORDER BY d.id DESC LIMIT 5000", params)
        wanted = _trigrams(text)
        scored = []
        for pk, title in cursor.fetchall():
            score = _similarity(wanted, _trigrams(title))
            if score >= backends.TRIGRAM_THRESHOLD:
                scored.append((score, pk))
    scored.sort(reverse=True)
    best = dict((pk, score) for score, pk in scored[:limit])
    rows = []
    for document in SearchDocument.objects.filter(pk__in=best):
        rows.append({"id": document.pk, "object": document.object, "page_id": document.page_id, "source_id": document.source_id, "title": document.title,
                     "edited_at": document.edited_at, "anchors": document.anchors, "body": document.body,
                     "score": best[document.pk], "snippet": document.body[:200]})
    return sorted(rows, key=lambda row: (-row["score"], -row["id"]))


def _trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams: each word lower-cased, padded with two spaces before and one after."""
    grams = set()
    for word in words_of(_fold(text)):
        padded = f"  {word} "
        grams.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return grams


def _similarity(first: set[str], second: set[str]) -> float:
    return len(first & second) / len(first | second) if first and second else 0.0


def _fold(text: str) -> str:
    """Lower case without accents: how both indexes compare words."""
    if (text or "").isascii():
        return (text or "").lower()  # the same, without a Python step per character (most text)
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


MARKED = re.compile(f"{backends.MARK_START}(.*?){backends.MARK_END}", re.S)


def safe_snippet(raw: str) -> str:
    """The snippet as HTML: all text escaped, the database's match markers turned into ``<mark>``."""
    raw = (raw or "").replace("\n", " ")
    pieces, position = [], 0
    for found in MARKED.finditer(raw):
        pieces.append(html.escape(raw[position:found.start()].replace(backends.MARK_START, "").replace(backends.MARK_END, "")))
        pieces.append("<mark>" + html.escape(found.group(1)) + "</mark>")
        position = found.end()
    pieces.append(html.escape(raw[position:].replace(backends.MARK_START, "").replace(backends.MARK_END, "")))
    return re.sub(r"\s+", " ", "".join(pieces)).strip()


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
