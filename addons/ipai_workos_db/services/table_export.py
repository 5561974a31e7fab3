"""The databases a portable export writes: each as CSV text plus the pages of its rows.

Registered as the blocks module's ``"database"`` table exporter (see ``ipai_workos_blocks.registry.TABLE_EXPORTERS``):
the exporter asks for the databases at one place of the exported tree (the top level of a space, or a page) and
writes ``Name.csv`` beside a folder ``Name/`` of the row pages — Notion's "Markdown & CSV" layout, which the
``"database"`` table importer reads back. The CSV is ``export_csv``'s (people and relations as readable text, a
related row the viewer cannot read as "No access"), with the title column first, as Notion writes it and as
the importer expects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..cells import Readable
from ..query import Schema
from .csv_transfer import export_csv
from .reads import databases_for, row_chunks


@dataclass
class ExportedTable:
    """One database as an export writes it: its title, its CSV text and the page of each CSV line, in order."""

    title: str
    csv: str
    row_pages: list = field(default_factory=list)


def export_tables(viewer, *, space=None, parent_page=None) -> list[ExportedTable]:
    """The live databases ``viewer`` may read inline in (or under) ``parent_page``, or at the top level of
    ``space`` when ``parent_page`` is None, oldest first, each with the rows ``viewer`` may read."""
    if parent_page is not None:
        databases = databases_for(viewer, parent_page_id=parent_page.pk)
    else:
        databases = databases_for(viewer, space_id=space.pk).filter(parent_page__isnull=True)
    readable = Readable(viewer)  # one per export: readability is decided once per related database
    tables = []
    for database in databases.order_by("id"):
        schema = Schema(database)
        props = [schema.title(), *(prop for prop in schema.properties if prop.type != "title")]
        chunks = list(row_chunks(schema, viewer=readable))
        tables.append(ExportedTable(title=database.title, csv=export_csv(schema, chunks, props, readable),
                                    row_pages=[row.page for chunk in chunks for row in chunk]))
    return tables
