"""The full-text part of the index on each database: PostgreSQL (tsvector + GIN, ``ts_rank_cd``, ``ts_headline``,
``pg_trgm``) and SQLite (FTS5, ``bm25()``, ``snippet()``). Everything else — documents, scopes, the permission
filter — is the same SQL on both and lives in ``services/access.py``.

Snippets come back with the markers ``\\x02``/``\\x03`` around matches (control characters never stored in
the index); ``services`` escapes the text and turns only those markers into ``<mark>``.
"""

from __future__ import annotations

import hashlib
import zlib

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
# PostgreSQL ranks the title matches and this many of the most recently edited other matches (services.ranking._pg_rows)
PG_CANDIDATES = 400
# ... and this many when the query is a short prefix (quick find after three letters): tens of thousands of words
# share a 3-letter start, ranking them reads every lexeme of each candidate, and the next letter narrows anyway
PG_CANDIDATES_SHORT_PREFIX = 100
SHORT_PREFIX = 3
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


# PostgreSQL: a vector per chunk of lines, so that a save re-tokenises only the chunks whose text changed; the
# document's vector is made by joining its chunks' vectors (``tsvector ||`` shifts positions as one text would).
# Chunks end after a line whose hash is a multiple of CHUNK_SPREAD (or at CHUNK_LINES lines): a block inserted
# or removed changes its own chunk only, not the cut of every chunk after it.
CHUNK_TABLE = "ipai_workos_search_chunk"
CHUNK_SPREAD = 32
CHUNK_LINES = 64


def chunks_of(text: str) -> list[str]:
    """``text``'s lines cut into chunks (never empty: a text without lines is one empty chunk)."""
    chunks, current = [], []
    for line in text.split("\n"):
        current.append(line)
        if len(current) >= CHUNK_LINES or zlib.crc32(line.encode()) % CHUNK_SPREAD == 0:
            chunks.append("\n".join(current))
            current = []
    if current or not chunks:
        chunks.append("\n".join(current))
    return chunks


def _digest(config: str, text: str) -> str:
    """A chunk's key: its text and the configuration that tokenised it (a new ``[search] language`` reuses nothing)."""
    return hashlib.md5(f"{config}\x00{text}".encode(), usedforsecurity=False).hexdigest()


def _pg_parts(headings: str, body: str, config: str) -> list[tuple[str, list[str], list[str]]]:
    """(weight, chunk digests in order, chunk texts in order) for the headings (B) and the body (C)."""
    parts = []
    for weight, text in (("B", headings), ("C", body)):
        chunks = chunks_of(text)
        parts.append((weight, [_digest(config, chunk) for chunk in chunks], chunks))
    return parts


def _pg_vector_sql(parts) -> tuple[str, list]:
    """SQL of the document's vector from the title (parameter 1) and its stored chunks (document id first)."""
    sql = ["setweight(to_tsvector(%s::regconfig, %s), 'A')"]
    params: list = []
    for weight, digests, _texts in parts:
        sql.append(f"setweight(coalesce((SELECT workos_tsvector_agg(c.vector ORDER BY u.n) FROM unnest(%s::text[]) WITH ORDINALITY "
                   f"AS u(digest, n) JOIN {CHUNK_TABLE} c ON c.document_id = %s AND c.part = %s AND c.digest = u.digest), ''), %s)")
        params.append((digests, weight))
    return " || ".join(sql), params


def write_text(document_id: int, title: str, headings: str, body: str, force: bool = False, fresh: bool = False) -> None:
    """Put one document's text into the full-text index (after its row in the document table was saved). On
    PostgreSQL only the chunks not stored yet are tokenised (``force``: all of them again, for a rebuild;
    ``fresh``: the document was just made, it has no chunks).

    PostgreSQL gets the three statements — drop the chunks the text no longer has, store (and tokenise) the ones
    it has that are not stored, join the document's vector from its chunks — in one round trip: every block edit
    writes here, and three round trips more were three more turns of the request's thread (issue 19). Django's
    cursors bind parameters on the client (``server_side_binding`` is off), which lets one ``execute`` carry
    them; each statement sees what the one before it wrote."""
    with default_connection.cursor() as cursor:
        if vendor() == "postgresql":
            config = ensure_configuration()
            parts = _pg_parts(headings, body, config)
            chunks: dict[tuple[str, str], str] = {}
            for weight, digests, texts in parts:
                for digest, text in zip(digests, texts):
                    chunks.setdefault((weight, digest), text)
            statements, params = [], []
            if force:
                statements.append(f"DELETE FROM {CHUNK_TABLE} WHERE document_id = %s")
                params.append(document_id)
            elif not fresh:
                statements.append(f"DELETE FROM {CHUNK_TABLE} WHERE document_id = %s AND (part::text || digest) <> ALL(%s)")
                params += [document_id, [part + digest for part, digest in chunks]]
            # to_tsvector runs for the chunks the WHERE lets through: those not stored yet
            statements.append(
                f"INSERT INTO {CHUNK_TABLE} (document_id, part, digest, vector) SELECT %s, u.part, u.digest, to_tsvector(%s::regconfig, u.text) "
                "FROM unnest(%s::text[], %s::text[], %s::text[]) AS u(part, digest, text) "
                f"WHERE NOT EXISTS (SELECT 1 FROM {CHUNK_TABLE} c WHERE c.document_id = %s AND c.part = u.part AND c.digest = u.digest) "
                "ON CONFLICT (document_id, part, digest) DO NOTHING")  # a concurrent save stored it: same text, same vector
            params += [document_id, config, [key[0] for key in chunks], [key[1] for key in chunks], list(chunks.values()), document_id]
            vector_sql, vector_params = _pg_vector_sql(parts)
            statements.append(f"UPDATE {TABLE} SET search_vector = {vector_sql} WHERE id = %s")
            params += [config, title]
            for digests, weight in vector_params:
                params += [digests, document_id, weight, weight]
            params.append(document_id)
            cursor.execute(";\n".join(statements), params)
        else:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [document_id])
            cursor.execute(f"INSERT INTO {FTS_TABLE} (rowid, title, headings, body) VALUES (%s, %s, %s, %s)",
                           [document_id, title, headings, body])


def write_new_texts(documents: list[tuple[int, str, str, str]]) -> None:
    """Put the text of documents just made, ``(id, title, headings, body)`` each, into the full-text index, all of
    them at once: what ``write_text(..., fresh=True)`` stores for each one (the same chunks, digests, weights and
    vector), in two statements on PostgreSQL (the chunks, then the vectors joined from them) and one on SQLite
    however many documents there are — a bulk write's new pages (a CSV import, a Notion import) spent most of
    their time in two statements per document. Nothing is read first: a new document has no chunks, and its id
    (AUTOINCREMENT on SQLite) was never a full-text row's."""
    if not documents:
        return
    with default_connection.cursor() as cursor:
        if vendor() != "postgresql":
            cursor.executemany(f"INSERT INTO {FTS_TABLE} (rowid, title, headings, body) VALUES (%s, %s, %s, %s)",
                               [list(document) for document in documents])
            return
        config = ensure_configuration()
        chunks: dict[tuple[int, str, str], str] = {}  # (document, part, digest) -> text: a chunk met twice is stored once
        places: list[tuple[int, str, int, str]] = []  # (document, part, position, digest) of every chunk, in order
        for document_id, _title, headings, body in documents:
            for weight, digests, texts in _pg_parts(headings, body, config):
                for position, (digest, text) in enumerate(zip(digests, texts), start=1):
                    chunks.setdefault((document_id, weight, digest), text)
                    places.append((document_id, weight, position, digest))
        cursor.execute(
            f"INSERT INTO {CHUNK_TABLE} (document_id, part, digest, vector) SELECT u.document_id, u.part, u.digest, to_tsvector(%s::regconfig, u.text) "
            "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[]) AS u(document_id, part, digest, text) "
            "ON CONFLICT (document_id, part, digest) DO NOTHING",
            [config, [key[0] for key in chunks], [key[1] for key in chunks], [key[2] for key in chunks], list(chunks.values())])
        # each document's vector as _pg_vector_sql makes it: title (A) || headings' chunks in order (B) || body's (C)
        cursor.execute(
            f"WITH parts AS (SELECT u.document_id, u.part, workos_tsvector_agg(c.vector ORDER BY u.n) AS vector "
            f"FROM unnest(%s::bigint[], %s::text[], %s::int[], %s::text[]) AS u(document_id, part, n, digest) "
            f"JOIN {CHUNK_TABLE} c ON c.document_id = u.document_id AND c.part = u.part AND c.digest = u.digest "
            "GROUP BY u.document_id, u.part) "
            f"UPDATE {TABLE} AS d SET search_vector = setweight(to_tsvector(%s::regconfig, t.title), 'A') "
            "|| setweight(coalesce(b.vector, ''), 'B') || setweight(coalesce(c.vector, ''), 'C') "
            "FROM unnest(%s::bigint[], %s::text[]) AS t(id, title) "
            "LEFT JOIN parts b ON b.document_id = t.id AND b.part = 'B' LEFT JOIN parts c ON c.document_id = t.id AND c.part = 'C' "
            "WHERE d.id = t.id",
            [[place[0] for place in places], [place[1] for place in places], [place[2] for place in places], [place[3] for place in places],
             config, [document[0] for document in documents], [document[1] for document in documents]])


def forget_text(document_ids: list[int]) -> None:
    """Drop documents from the full-text index (PostgreSQL: the vector goes with the row, the chunks with it)."""
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
    """What ``stored_text`` should read for this text (PostgreSQL: the chunks tokenised here, joined the same way)."""
    if vendor() == "postgresql":
        config = ensure_configuration()
        sql, params = ["setweight(to_tsvector(%s::regconfig, %s), 'A')"], [config, title]
        for weight, _digests, texts in _pg_parts(headings, body, config):
            sql.append("setweight(coalesce((SELECT workos_tsvector_agg(to_tsvector(%s::regconfig, u.text) ORDER BY u.n) "
                       "FROM unnest(%s::text[]) WITH ORDINALITY AS u(text, n)), ''), %s)")
            params += [config, texts, weight]
        with default_connection.cursor() as cursor:
            cursor.execute(f"SELECT ({' || '.join(sql)})::text", params)
            return cursor.fetchone()[0]
    return f"{title}\x01{headings}\x01{body}"


def settle() -> None:
    """After a rebuild, PostgreSQL: move the GIN indexes' pending entries into the indexes proper (what autovacuum
    would do later). Until then every search scans the pending list too, and the planner, counting its pages,
    may give up the index for reading each readable document's vector (benchmarks/README.md, run 4)."""
    if vendor() != "postgresql":
        return
    with default_connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                       "JOIN pg_am a ON a.oid = c.relam WHERE i.indrelid = %s::regclass AND a.amname = 'gin'", [TABLE])


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
