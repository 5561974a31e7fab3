"""Limits every area of the database services shares, and the UNSET marker."""

from __future__ import annotations

from ipai_workos_core.registry import CONTENT_CHANGED, notify_pages

UNSET = object()
PROPERTIES_MAX = 200
BULK_MAX = 1000
IMPORT_ROWS_MAX = 10_000
IMPORT_BYTES_MAX = 10 * 1024 * 1024
IMPORT_BATCH = 5000  # CSV lines validated and inserted together
CONVERSION_REPORT_MAX = 100


def rows_changed(actor, database_ids) -> None:
    """Tell core's page listeners (the search index) that the text of these databases' rows may have changed
    (a property renamed, retyped or deleted, its options renamed ...)."""
    from ..models import Row

    notify_pages(CONTENT_CHANGED, list(Row.objects.filter(database_id__in=list(database_ids)).values_list("page_id", flat=True)), actor)
