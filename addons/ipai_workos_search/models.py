"""Permission-filtered full-text search over titles, blocks and rows.

The index holds one ``SearchDocument`` per searchable thing (a page, a database row's page; comments later),
with its text and, denormalised, what the permission filter needs: workspace, space, whether it is in the
trash, and in ``SearchScope`` the chain of permission scopes below its space (its own page, the pages above it,
the database a row belongs to ...). Grants, roles and space visibility are read live when searching, so a
permission change needs no index update; a move or a trip to the trash does, and the services that make them
tell the search module in the same transaction.

The full-text part lives beside these tables and is not described by Django models: on PostgreSQL a
``tsvector`` column with a GIN index on ``ipai_workos_search_document``, joined from the vectors of the text's
chunks in ``ipai_workos_search_chunk`` (``SearchChunk``: a save tokenises only new chunks); on SQLite an FTS5 table
``ipai_workos_search_fts`` whose rowid is the document's id (see the migrations and ``backends.py``).
"""

from django.conf import settings
from django.db import models


class SearchDocument(models.Model):
    """The searchable text of one page, row or comment, kept up to date by the search service."""

    class Object(models.TextChoices):
        PAGE = "page", "Page"
        ROW = "row", "Database row"
        COMMENT = "comment", "Comment"

    workspace = models.ForeignKey("ipai_workos_core.Workspace", on_delete=models.CASCADE, related_name="+")
    space = models.ForeignKey("ipai_workos_core.Space", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    page = models.ForeignKey("ipai_workos_core.Page", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    source_model = models.CharField(max_length=128)
    source_id = models.CharField(max_length=64)
    object = models.CharField(max_length=16, choices=Object.choices, default=Object.PAGE)
    title = models.CharField(max_length=512, blank=True, default="")
    headings = models.TextField(blank=True, default="")
    body = models.TextField(blank=True, default="")
    # One entry per line of ``body``: the id of the block the line comes from (or ""), so that a result opens
    # the page at the block that matched.
    anchors = models.JSONField(default=list, blank=True)
    trashed = models.BooleanField(default=False)
    edited_at = models.DateTimeField(null=True, blank=True)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ipai_workos_search_document"
        constraints = [models.UniqueConstraint(fields=["source_model", "source_id"], name="ipai_workos_search_source_unique")]
        indexes = [
            models.Index(fields=["workspace", "space"], name="ipai_workos_search_place"),
            models.Index(fields=["page"], name="ipai_workos_search_page"),
            models.Index(fields=["edited_at"], name="ipai_workos_search_edited"),
        ]


class SearchScope(models.Model):
    """One permission scope below the document's space, on the chain from the document up: its own page
    (depth 0), then the pages, databases ... above it. ``scope_key`` is ``"<technical model name>:<id>"``."""

    document = models.ForeignKey(SearchDocument, on_delete=models.CASCADE, related_name="scopes")
    scope_key = models.CharField(max_length=200)
    depth = models.PositiveSmallIntegerField()

    class Meta:
        db_table = "ipai_workos_search_scope"
        constraints = [models.UniqueConstraint(fields=["document", "scope_key"], name="ipai_workos_search_scope_unique")]
        indexes = [models.Index(fields=["scope_key"], name="ipai_workos_search_scope_key")]


class SearchChunk(models.Model):
    """PostgreSQL: the vector of one chunk of a document's headings (part "B") or body ("C"), keyed by the digest
    of its text, so that a save re-tokenises only chunks it has not seen (``backends.write_text``). The
    ``vector`` column is added by migration 0006 on PostgreSQL only; on SQLite the table stays empty."""

    document = models.ForeignKey(SearchDocument, on_delete=models.CASCADE, related_name="chunks")
    part = models.CharField(max_length=1)
    digest = models.CharField(max_length=32)

    class Meta:
        db_table = "ipai_workos_search_chunk"
        constraints = [models.UniqueConstraint(fields=["document", "part", "digest"], name="ipai_workos_search_chunk_unique")]
