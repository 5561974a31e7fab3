"""Trigram search for text "contains" filters and the search box of a list of rows (PostgreSQL only).

Creates the ``pg_trgm`` extension when the database role may (a superuser, or a role allowed to create trusted
extensions — pg_trgm is trusted since PostgreSQL 13, so a database owner may). When it may not, the migration
says so and carries on: the filters work unchanged without an index (they scan, as before), and once a superuser
has run ``CREATE EXTENSION pg_trgm`` in the database, ``workos db reindex`` builds the indexes.

The indexes themselves (one per text property, and one on the page titles) are built by ``indexes.sync``
concurrently after commit — property changes schedule it, ``workos db reindex`` runs it for every database — since
a plain CREATE INDEX inside this all-or-nothing run would block writes to a large table while it builds. The titles'
index is built here only when the page table is small (a short lock), so that a fresh install needs no extra step.
Reversible: the reverse drops the titles' index and leaves the extension (other software may use it)."""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger("ipai_workos_db.migrations")

SMALL_TABLE = 100_000  # pages: below this the titles' index is built in the migration
TITLE_INDEX = "ipai_workos_page_title_trgm"


def _say(message: str) -> None:
    logger.warning(message)
    print(f"\n  ipai_workos_db: {message}")  # noqa: T201 - an operator reads the migrate output


def create_extension(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        installed = cursor.fetchone() is not None
        if not installed:
            try:
                with transaction.atomic(using=connection.alias):  # a savepoint: a refusal leaves the run usable
                    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                installed = True
            except DatabaseError as error:
                reason = str(error).strip().splitlines()[0]
                _say(f"the pg_trgm extension could not be created ({reason}). Text \"contains\" filters and the rows' "
                     "search box work without it, without an index. To index them, have a superuser run "
                     "`CREATE EXTENSION pg_trgm;` in this database, then run `workos db reindex`.")
        if not installed:
            return
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'ipai_workos_page'")
        pages = cursor.fetchone()
        if pages is not None and pages[0] < SMALL_TABLE:
            cursor.execute(f'CREATE INDEX IF NOT EXISTS "{TITLE_INDEX}" ON "ipai_workos_page" USING gin ((UPPER(("title")::text)) gin_trgm_ops)')
        else:
            _say("the page titles' trigram index is left to `workos db reindex` (a large table: it builds concurrently).")


def drop_title_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{TITLE_INDEX}"')


class Migration(migrations.Migration):
    dependencies = [("ipai_workos_db", "0007_relation_link_indexes"), ("ipai_workos_core", "0001_initial")]

    operations = [migrations.RunPython(create_extension, drop_title_index)]
