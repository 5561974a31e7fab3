"""``workos db reindex``: build the per-property indexes of databases (module ipai_workos_db);
``workos db recount``: check or correct the maintained row counts; ``workos db import-csv``: a CSV file of any
size into a database, with progress.

Found by the ``workos`` command while this module is installed (see ``commands`` at the end). Importable
before Django starts: the module's code is imported inside the commands, once Django is set up.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from workos.cli import EXIT_FAILED, EXIT_USAGE, fail, pass_context


@click.group("db")
def db():
    """Databases with typed properties (module ipai_workos_db)."""


@db.command("reindex")
@click.option("--database", "database_id", type=click.IntRange(min=1), help="Only this database (id); default: all.")
@click.option("--check", is_flag=True, help="Change nothing; exit 1 when an index is missing, invalid or left over.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@pass_context
def reindex(context, database_id, check, as_json):
    """Bring the per-property expression indexes on row values up to date: build the missing ones (and those a
    failed build left invalid) and drop those of deleted or retyped properties, all with CREATE/DROP INDEX
    CONCURRENTLY, so rows stay readable and writable meanwhile. Idempotent: a second run does nothing.

    Property changes do this by themselves after they commit; run it after `workos module install/upgrade`
    (a concurrent index cannot be built inside the all-or-nothing install transaction), after a restore, or
    when the log says a build failed. On SQLite the statements are plain CREATE/DROP INDEX (SQLite has one
    writer at a time: writes wait for the build).

    Exit codes: 0 up to date (or brought up to date), 1 an index could not be built or dropped (or, with
    --check, something is to do), 2 usage.
    """
    context.django("installed")
    from django.db import DatabaseError

    from . import indexes

    from django.db import connection

    try:
        todo = indexes.plan(database_id)
        report = {"vendor": connection.vendor, **todo, "created": [], "dropped": [], "failed": []}
        if not check:
            report.update(indexes.sync(database_id))
            if connection.vendor == "sqlite":
                indexes.analyze_sqlite()  # the planner's statistics, also when every index already existed
    except DatabaseError as error:
        fail(f"database error: {error}", EXIT_FAILED)
    pending = todo["create"] or todo["rebuild"] or todo["drop"]
    if as_json:
        click.echo(json.dumps(report, indent=2))
    elif check:
        for key, verb in (("create", "missing"), ("rebuild", "invalid"), ("drop", "left over")):
            for name in todo[key]:
                click.echo(f"{verb}: {name}")
        click.echo("property indexes up to date" if not pending else "run `workos db reindex` to fix")
    else:
        for name in report["created"]:
            click.echo(f"created {name}")
        for name in report["dropped"]:
            click.echo(f"dropped {name}")
        for failure in report["failed"]:
            click.secho(f"failed {failure['name']}: {failure['error']}", fg="red", err=True)
        if not pending:
            click.echo("property indexes up to date")
    if report["failed"] or (check and pending):
        raise SystemExit(EXIT_FAILED)


@db.command("recount")
@click.option("--database", "database_id", type=click.IntRange(min=1), help="Only this database (id); default: all.")
@click.option("--check", is_flag=True, help="Change nothing; exit 1 when a maintained count is wrong.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@pass_context
def recount(context, database_id, check, as_json):
    """Count every database's rows again and correct the maintained counts that views show (totals, kanban
    columns, single-option filters) where they differ. The row services keep these counts in the same
    transaction as the rows; run this after writing rows around them (a partial restore, a bulk load with SQL).

    Exit codes: 0 right (or corrected), 1 a count was wrong (with --check), 2 usage.
    """
    context.django("installed")
    from django.db import transaction

    from . import counts
    from .models import Database

    ids = [database_id] if database_id else list(Database.objects.order_by("pk").values_list("pk", flat=True))
    reports = []
    for pk in ids:
        with transaction.atomic():
            reports.append(counts.rebuild(pk, check=check))
    wrong = [report for report in reports if report["wrong"]]
    if as_json:
        click.echo(json.dumps({"databases": len(reports), "wrong": wrong}, indent=2))
    else:
        for report in wrong:
            click.echo(f"database {report['database_id']}: {len(report['wrong'])} count(s) {'wrong' if check else 'corrected'}")
        click.echo(f"{len(reports)} database(s) counted; " + ("all counts right" if not wrong else ("run `workos db recount` to fix" if check else "corrected")))
    if check and wrong:
        raise SystemExit(EXIT_FAILED)


@db.command("import-csv")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--database", "database_id", type=click.IntRange(min=1), required=True, help="The database to add the rows to.")
@click.option("--user", "username", help="Import as this user (their permissions apply, the audit names them); "
              "default: the user who created the database's workspace.")
@click.option("--mapping", help='JSON: {"column": property id | name | {"type": ...} | null}.')
@click.option("--no-create-properties", is_flag=True, help="Leave out the columns that match no property.")
@click.option("--max-rows", type=click.IntRange(min=1), default=10_000_000, show_default=True, help="Refuse a longer file.")
@click.option("--batch", type=click.IntRange(min=1, max=50_000), default=5000, show_default=True, help="Lines validated and inserted together.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report (no progress lines).")
@pass_context
def import_csv(context, file, database_id, username, mapping, no_create_properties, max_rows, batch, as_json):
    """Add the rows of the CSV FILE (first line: column names) to a database, as the import of the table's menu
    does (the same validation, type detection of new columns, report), but from a file on this machine of any
    size: it is read as it is imported, BATCH lines at a time, with a progress line per batch. All or nothing:
    one transaction, so a failure (a bad line of CSV, too many rows, no access) leaves the database as it was.

    Exit codes: 0 imported, 1 refused, 2 usage.
    """
    context.django("installed")
    import time

    from django.contrib.auth import get_user_model

    from workos.kernel.errors import ServiceError

    from . import services
    from .models import Database

    database = Database.objects.select_related("space__workspace").filter(pk=database_id).first()
    if database is None:
        fail(f"no database {database_id}", EXIT_USAGE)
    user = get_user_model().objects.filter(username=username).first() if username else database.space.workspace.created_by
    if user is None:
        fail(f"no user {username!r}" if username else "the database's workspace has no creator: name one with --user", EXIT_USAGE)
    try:
        parsed = json.loads(mapping) if mapping else None
    except ValueError:
        fail("--mapping is not JSON", EXIT_USAGE)
    started = time.monotonic()
    expected = _lines_after_header(file)

    def progress(done: int) -> None:
        elapsed = time.monotonic() - started
        rate = done / elapsed if elapsed else 0
        # the file's line count less its header: exact unless cells hold line breaks or lines are blank
        share = min(done / expected, 1.0) if expected else 1.0
        bar = "█" * round(share * 20) + "░" * (20 - round(share * 20))
        left = f" · about {max(expected - done, 0) / rate:,.0f} s left" if rate and done < expected else ""
        click.echo(f"{done:,} rows [{bar}] {share:.0%} of about {expected:,} · {elapsed:.1f} s · {rate:,.0f} rows/s{left}", err=True)

    try:
        report = services.import_csv(user, database, file, mapping=parsed, create_properties=not no_create_properties,
                                     max_rows=max_rows, batch=batch, progress=None if as_json else progress)
    except ServiceError as error:
        fail(f"{file.name}: {error.message}", EXIT_FAILED)
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    click.echo(f"imported {report['rows']:,} rows from {file.name} into database {database.pk} in {time.monotonic() - started:.1f} s; "
               f"{len(report['created_properties'])} new properties, {report['error_count']} cells left empty")
    for error in report["errors"][:20]:
        click.echo(f"  line {error['line']}, {error['column']}: {error['message']}")


def _lines_after_header(path: Path) -> int:
    """How many rows the progress line counts towards: the file's line breaks less the header's (read in 1 MiB
    blocks: a second for a few hundred megabytes)."""
    breaks, last = 0, b""
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            breaks, last = breaks + block.count(b"\n"), block
    lines = breaks + (1 if last and not last.endswith(b"\n") else 0)
    return max(lines - 1, 0)


commands = [db]
