"""Databases, properties and rows: the only write path of this module, and its permission-checked reads.

Permission on a database, its properties and its rows is permission on the database, whose scope sits under
its space (or under its page, for an inline database): reading needs ``read``, changing rows needs ``edit``,
changing properties needs ``edit`` too. A user who cannot view the database gets NotFound for all of it.
Every write checks permission, validates (a bad value answers 422 naming the property, and nothing is
stored), writes, and records one audit event, in one transaction.

Every row is also a page (``Row.page``), created through the core services in the database's space; the
row's title is that page's title.
"""

from __future__ import annotations

from ._common import BULK_MAX, CONVERSION_REPORT_MAX, IMPORT_BYTES_MAX, IMPORT_ROWS_MAX, PROPERTIES_MAX, UNSET
from .csv_transfer import detect_type, export_csv, import_csv
from .databases import archive_database, create_database, restore_database, set_database_restricted, update_database
from .properties import create_property, delete_property, update_property, _rank_after
from .reads import databases_for, get_database, require_database, trashed_rows, get_property, get_row, list_rows, related_rows, row_chunks, schema_of, select_rows, _live_rows
from .bulk import archive_rows, bulk_update_rows, link_rows, restore_rows
from .rows import archive_row, create_row, create_rows, duplicate_row, restore_row, update_row
from .table_export import export_tables
from .table_import import column_type, import_table
from .shapes import cell_text, database_json, names_for, property_json, row_json, rows_json
from .validation import context_for

QUERIES = ("databases_for", "get_database", "require_database", "get_property", "get_row", "schema_of", "list_rows", "select_rows", "row_json",
           "rows_json", "property_json", "database_json", "export_csv", "detect_type", "cell_text", "names_for", "context_for", "trashed_rows",
           "related_rows", "column_type", "row_chunks", "export_tables")
