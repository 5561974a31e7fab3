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

from ._common import DATABASE, DEFAULT_LIMIT, DOCUMENT, MAX_LIMIT, MAX_MATCHING, MAX_OFFSET, SCOPE_KINDS, SORTS
from .access import readable_filter
from .filters import Filters
from .maintenance import Drift, check, document_of, refresh, reindex
from .queries import editors, edited_within, matching_pages, search
from .ranking import pg_search_sql, safe_snippet

QUERIES = ("search", "check", "document_of", "readable_filter", "editors", "edited_within", "safe_snippet", "refresh", "matching_pages",
           "pg_search_sql")
