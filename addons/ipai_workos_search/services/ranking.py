"""Ranked candidate rows per database backend, fuzzy matches, and safe snippets."""

from __future__ import annotations

import html
import re
import unicodedata

from django.db import connection


from .. import backends
from ..models import SearchDocument
from ..query import BadSearch, Query, words_of


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


def _candidates(query: Query) -> int:
    """How many title matches and how many matches ``_pg_rows`` ranks: fewer for a query whose only word is a
    short prefix."""
    terms = [term for group in query.groups for term in group]
    if len(terms) == 1 and terms[0].prefix and len(terms[0].text) <= backends.SHORT_PREFIX:
        return backends.PG_CANDIDATES_SHORT_PREFIX
    return backends.PG_CANDIDATES


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
    wanted = max(_candidates(query), offset + limit)
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
