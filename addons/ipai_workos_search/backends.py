"""The full-text part of the index on each database: PostgreSQL (tsvector + GIN, ``ts_rank_cd``, ``ts_headline``,
``pg_trgm``) and SQLite (FTS5, ``bm25()``, ``snippet()``). Everything else — documents, scopes, the permission
filter — is the same SQL on both and lives in ``services.py``.

Snippets come back with the markers ``\\x02``/``\\x03`` around matches (control characters never stored in
the index); ``services`` escapes the text and turns only those markers into ``<mark>``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection as default_connection

from .query import Query, Term

MARK_START, MARK_END = "\x02", "\x03"
CONFIGURATION_PREFIX = "workos_search_"
TABLE = "ipai_workos_search_document"
FTS_TABLE = "ipai_workos_search_fts"
# ts_rank_cd weights for D, C, B, A: a title (A) hit counts five times a body (C) hit, a heading (B) twice.
PG_WEIGHTS = "{0.05, 0.2, 0.4, 1.0}"
# bm25 column weights (title, headings, body), the same proportions.
FTS_WEIGHTS = (5.0, 2.0, 1.0)
RECENCY_DAYS = 30.0  # the recency bonus halves about every this many days
RECENCY_WEIGHT = 0.2  # at most +20 %: enough to order equal hits, never to lift a body hit over a title hit
TRIGRAM_THRESHOLD = 0.3
# PostgreSQL ranks the title matches and this many of the most recently edited other matches (services._pg_rows)
PG_CANDIDATES = 400
# The title's part of the vector; a GIN index on this very expression (migration 0004) finds title matches.
PG_TITLE_VECTOR = "ts_filter(d.search_vector, '{a}')"


def language() -> str:
    return settings.WORKOS_CONFIG.get("search", "language")


def configuration_name(lang: str | None = None) -> str:
    return CONFIGURATION_PREFIX + (lang or language())


_ready_configurations: set[str] = set()


def ensure_configuration(connection=None, lang: str | None = None) -> str:
    """The PostgreSQL text search configuration for ``[search] language`` with accents folded (``unaccent``
    before the language's own dictionaries), made when missing. Once per process and language."""
    connection = connection or default_connection
    lang = lang or language()
    name = configuration_name(lang)
    if name in _ready_configurations:
        return name
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = %s", [lang])
            if cursor.fetchone() is None:
                from django.core.exceptions import ImproperlyConfigured

                raise ImproperlyConfigured(f"[search] language: PostgreSQL has no text search configuration {lang!r} "
                                           "(SELECT cfgname FROM pg_ts_config lists them)")
            # identifiers checked by the setting's parser: lower-case letters, digits, underscores
            cursor.execute(f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {lang})")
            cursor.execute(
                "SELECT DISTINCT t.alias, m.mapdict::regdictionary::text, m.mapseqno FROM pg_ts_config_map m "
                "JOIN pg_ts_config c ON c.oid = m.mapcfg JOIN ts_token_type(c.cfgparser) t ON t.tokid = m.maptokentype "
                "WHERE c.cfgname = %s AND t.alias IN ('word', 'hword', 'hword_part', 'asciiword', 'asciihword', 'hword_asciipart') "
                "ORDER BY t.alias, m.mapseqno", [lang])
            chains: dict[str, list[str]] = {}
            for alias, dictionary, _seq in cursor.fetchall():
                chains.setdefault(alias, []).append(dictionary)
            for alias, dictionaries in chains.items():
                cursor.execute(f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR {alias} WITH unaccent, {', '.join(dictionaries)}")
    _ready_configurations.add(name)
    return name


def drop_configurations(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cfgname FROM pg_ts_config WHERE cfgname LIKE %s", [CONFIGURATION_PREFIX + "%"])
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")
    _ready_configurations.clear()


def vendor() -> str:
    return default_connection.vendor


_CONTROL = {code: " " for code in range(32) if chr(code) not in "\n\t"}


def clean_text(text: str) -> str:
    """Text as stored in the index: no control characters but newlines and tabs (the snippet markers are control
    characters, so stored text can never fake one)."""
    return (text or "").translate(_CONTROL)


# --- writing --------------------------------------------------------------------------------------------


def write_text(document_id: int, title: str, headings: str, body: str) -> None:
    """Put one document's text into the full-text index (after its row in the document table was saved)."""
    with default_connection.cursor() as cursor:
        if vendor() == "postgresql":
            config = ensure_configuration()
            cursor.execute(
                f"UPDATE {TABLE} SET search_vector = setweight(to_tsvector(%s::regconfig, %s), 'A') "
                "|| setweight(to_tsvector(%s::regconfig, %s), 'B') || setweight(to_tsvector(%s::regconfig, %s), 'C') WHERE id = %s",
                [config, title, config, headings, config, body, document_id])
        else:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [document_id])
            cursor.execute(f"INSERT INTO {FTS_TABLE} (rowid, title, headings, body) VALUES (%s, %s, %s, %s)",
                           [document_id, title, headings, body])


def forget_text(document_ids: list[int]) -> None:
    """Drop documents from the full-text index (PostgreSQL: the column goes with the row)."""
    if vendor() != "sqlite" or not document_ids:
        return
    with default_connection.cursor() as cursor:
        for start in range(0, len(document_ids), 500):
            chunk = document_ids[start:start + 500]
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({', '.join(['%s'] * len(chunk))})", chunk)


def stored_text(document_id: int) -> tuple[str, str, str] | None:
    """What the full-text index holds for a document, as text (for ``reindex --check``)."""
    with default_connection.cursor() as cursor:
        if vendor() == "postgresql":
            cursor.execute(f"SELECT search_vector::text FROM {TABLE} WHERE id = %s", [document_id])
        else:
            cursor.execute(f"SELECT title || char(1) || headings || char(1) || body FROM {FTS_TABLE} WHERE rowid = %s", [document_id])
        row = cursor.fetchone()
    return row[0] if row else None


def expected_text(title: str, headings: str, body: str) -> str:
    """What ``stored_text`` should read for this text."""
    if vendor() == "postgresql":
        config = ensure_configuration()
        with default_connection.cursor() as cursor:
            cursor.execute("SELECT (setweight(to_tsvector(%s::regconfig, %s), 'A') || setweight(to_tsvector(%s::regconfig, %s), 'B') "
                           "|| setweight(to_tsvector(%s::regconfig, %s), 'C'))::text", [config, title, config, headings, config, body])
            return cursor.fetchone()[0]
    return f"{title}\x01{headings}\x01{body}"


def orphans() -> list[int]:
    """SQLite: full-text rows whose document is gone."""
    if vendor() != "sqlite":
        return []
    with default_connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid FROM {FTS_TABLE} WHERE rowid NOT IN (SELECT id FROM {TABLE})")
        return [row[0] for row in cursor.fetchall()]


# --- reading --------------------------------------------------------------------------------------------


def _pg_term(term: Term, config: str) -> tuple[str, list]:
    if term.phrase:
        return "phraseto_tsquery(%s::regconfig, %s)", [config, term.text]
    if term.prefix:
        *whole, last = term.text.split()
        # The prefix goes through the configuration too (accents, case), then becomes a prefix lexeme; a stop
        # word typed as a prefix adds nothing.
        prefix = ("(SELECT coalesce(string_agg(quote_literal(lexeme) || ':*', ' & ')::tsquery, ''::tsquery) "
                  "FROM unnest(tsvector_to_array(to_tsvector(%s::regconfig, %s))) AS lexeme)")
        if whole:
            return f"(plainto_tsquery(%s::regconfig, %s) && {prefix})", [config, " ".join(whole), config, last]
        return prefix, [config, last]
    return "plainto_tsquery(%s::regconfig, %s)", [config, term.text]


def pg_tsquery(query: Query) -> tuple[str, list]:
    """A tsquery expression for ``query``; user text only ever travels as parameters."""
    config = ensure_configuration()
    parts, params = [], []
    for group in query.groups:
        alternatives = []
        for term in group:
            sql, term_params = _pg_term(term, config)
            alternatives.append(sql)
            params.extend(term_params)
        parts.append("(" + " || ".join(alternatives) + ")")
    for term in query.excluded:
        sql, term_params = _pg_term(term, config)
        parts.append(f"(!! {sql})")
        params.extend(term_params)
    return "(" + " && ".join(parts) + ")", params


def _fts_string(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _fts_term(term: Term) -> str:
    words = term.text.split()
    if term.phrase:
        return _fts_string(term.text)
    pieces = [_fts_string(word) for word in words]
    if term.prefix:
        pieces[-1] += " *"
    return pieces[0] if len(pieces) == 1 else "(" + " AND ".join(pieces) + ")"


def fts_match(query: Query, title_only: bool = False) -> str:
    """An FTS5 MATCH expression for ``query``: every word quoted, so no user text is read as FTS5 syntax."""
    groups = ["(" + " OR ".join(_fts_term(term) for term in group) + ")" for group in query.groups]
    expression = " AND ".join(groups)
    for term in query.excluded:
        expression = f"({expression}) NOT {_fts_term(term)}"
    return "{title} : (" + expression + ")" if title_only else expression


def fts_phrase(query: Query) -> str | None:
    """For a query of several plain words: the same words as one phrase (a document holding them side by side
    ranks higher — FTS5's bm25 ignores proximity, PostgreSQL's ts_rank_cd does not)."""
    words = query.plain_words
    if not words or len(" ".join(words).split()) < 2:
        return None
    return _fts_string(" ".join(words))
