"""Limits every area of the database services shares, and the UNSET marker."""

from __future__ import annotations

UNSET = object()
PROPERTIES_MAX = 200
BULK_MAX = 1000
IMPORT_ROWS_MAX = 10_000
IMPORT_BYTES_MAX = 10 * 1024 * 1024
CONVERSION_REPORT_MAX = 100
