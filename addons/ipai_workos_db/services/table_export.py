"""The databases a portable export writes: each as CSV text plus the pages of its rows.

Registered as the blocks module's ``"database"`` table exporter (see ``ipai_workos_blocks.registry.TABLE_EXPORTERS``):
the exporter asks for the databases of the exported space once, and writes each one it reaches in the exported
tree (at the top level of the space, or in a page) as ``Name.csv`` beside a folder ``Name/`` of the row pages — Notion's "Markdown & CSV" layout, which the
``"database"`` table importer reads back. The CSV is ``export_csv``'s (people and relations as readable text, a
related row the viewer cannot read as "No access"), with the title column first, as Notion writes it and as
the importer expects. ``linked_csv`` writes a related row that the export holds as Notion does, "Title (path of
its page file)", so that an import links the new rows again.
"""

from __future__ import annotations

from functools import cached_property

from ..cells import Readable
from ..query import Schema
from .csv_transfer import export_csv
from .reads import databases_for, row_chunks


class ExportedTable:
    """One database as an export writes it: where it sits (``parent_page_id``, None at the top of its space), its
    title, and — read when the export reaches it — its CSV text and the page of each CSV line, in order."""

    def __init__(self, database, readable: Readable, row_pages: dict[int, int]):
        self.database = database
        self.parent_page_id = database.parent_page_id
        self.title = database.title
        self._readable = readable
        self._exported_rows = row_pages  # shared by the tables of one export: row id -> page id, of the rows read

    @cached_property
    def _rows(self) -> tuple[Schema, list, list]:
        schema = Schema(self.database)
        props = [schema.title(), *(prop for prop in schema.properties if prop.type != "title")]
        chunks = list(row_chunks(schema, viewer=self._readable))
        self._exported_rows.update((row.pk, row.page_id) for chunk in chunks for row in chunk)
        return schema, props, chunks

    @cached_property
    def csv(self) -> str:
        schema, props, chunks = self._rows
        return export_csv(schema, chunks, props, self._readable)

    def linked_csv(self, page_link) -> str:
        """The CSV with each related row whose page the export holds as "Title (href)": ``page_link(page id)`` is the
        href of that page's file relative to the CSV's folder, or None (the page is not in the export: its title
        alone). Asked once every table of the export has been reached (their rows read), since a relation may
        point at a table written later — or at its own rows."""
        schema, props, chunks = self._rows
        exported = self._exported_rows

        def row_link(row_id: int) -> str | None:
            page_id = exported.get(row_id)
            return page_link(page_id) if page_id is not None else None

        return export_csv(schema, chunks, props, self._readable, row_link=row_link)

    @property
    def row_pages(self) -> list:
        return [row.page for chunk in self._rows[2] for row in chunk]


def export_tables(viewer, *, space) -> list[ExportedTable]:
    """The live databases of ``space`` that ``viewer`` may read, oldest first; each one's rows (those ``viewer``
    may read) are read only when its CSV or its row pages are asked for, so an export of one page of a large
    space reads the databases of that page alone."""
    readable = Readable(viewer)  # one per export: readability is decided once per related database
    row_pages: dict[int, int] = {}
    return [ExportedTable(database, readable, row_pages) for database in databases_for(viewer, space_id=space.pk).order_by("id")]
