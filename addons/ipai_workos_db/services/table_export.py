"""The databases a portable export writes: each as CSV text plus the pages of its rows.

Registered as the blocks module's ``"database"`` table exporter (see ``ipai_workos_blocks.registry.TABLE_EXPORTERS``):
the exporter asks for the databases of the exported space once, and writes each one it reaches in the exported
tree (at the top level of the space, or in a page) as ``Name.csv`` beside a folder ``Name/`` of the row pages — Notion's "Markdown & CSV" layout, which the
``"database"`` table importer reads back. The CSV is ``export_csv``'s (people and relations as readable text, a
related row the viewer cannot read as "No access"), with the title column first, as Notion writes it and as
the importer expects.
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

    def __init__(self, database, readable: Readable):
        self.database = database
        self.parent_page_id = database.parent_page_id
        self.title = database.title
        self._readable = readable

    @cached_property
    def _content(self) -> tuple[str, list]:
        schema = Schema(self.database)
        props = [schema.title(), *(prop for prop in schema.properties if prop.type != "title")]
        chunks = list(row_chunks(schema, viewer=self._readable))
        return export_csv(schema, chunks, props, self._readable), [row.page for chunk in chunks for row in chunk]

    @property
    def csv(self) -> str:
        return self._content[0]

    @property
    def row_pages(self) -> list:
        return self._content[1]


def export_tables(viewer, *, space) -> list[ExportedTable]:
    """The live databases of ``space`` that ``viewer`` may read, oldest first; each one's rows (those ``viewer``
    may read) are read only when its CSV or its row pages are asked for, so an export of one page of a large
    space reads the databases of that page alone."""
    readable = Readable(viewer)  # one per export: readability is decided once per related database
    return [ExportedTable(database, readable) for database in databases_for(viewer, space_id=space.pk).order_by("id")]
