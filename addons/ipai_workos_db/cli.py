"""``workos db reindex``: build the per-property indexes of databases (module ipai_workos_db) on PostgreSQL;
``workos db recount``: check or correct the maintained row counts.

Found by the ``workos`` command while this module is installed (see ``commands`` at the end). Importable
before Django starts: the module's code is imported inside the commands, once Django is set up.
"""

from __future__ import annotations

import json

import click

from workos.cli import EXIT_FAILED, fail, pass_context


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
    when the log says a build failed. On SQLite there is nothing to do.

    Exit codes: 0 up to date (or brought up to date), 1 an index could not be built or dropped (or, with
    --check, something is to do), 2 usage.
    """
    context.django("installed")
    from django.db import DatabaseError

    from . import indexes

    if not indexes.supported():
        report = {"vendor": "sqlite", "create": [], "rebuild": [], "drop": [], "created": [], "dropped": [], "failed": []}
        click.echo(json.dumps(report, indent=2) if as_json else "SQLite: property indexes are PostgreSQL-only; nothing to do")
        return
    try:
        todo = indexes.plan(database_id)
        report = {"vendor": "postgresql", **todo, "created": [], "dropped": [], "failed": []}
        if not check:
            report.update(indexes.sync(database_id))
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


commands = [db]
