"""``workos search reindex [--check] [--space ID]``: rebuild or verify the search index (module
ipai_workos_search).

Found by the ``workos`` command while this module is installed (``commands`` at the end). Importable before
Django starts: the module's code is imported inside the commands, once Django is set up.
"""

from __future__ import annotations

import json

import click

from workos.cli import EXIT_FAILED, fail, pass_context


@click.group("search")
def search():
    """Full-text search (module ipai_workos_search)."""


@search.command("reindex")
@click.option("--space", "space_id", type=click.IntRange(min=1), help="Only the pages of this space (id); default: all.")
@click.option("--check", is_flag=True, help="Change nothing; list what differs from the live data and exit 1 if anything does.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report (no progress bar).")
@pass_context
def reindex(context, space_id, check, as_json):
    """Rebuild the search index from the pages, blocks and rows (each batch of pages in its own transaction,
    so searches keep working meanwhile), or with --check compare it with them.

    The services keep the index fresh by themselves; run this after a restore, after changing
    `[search] language`, after loading data behind the services' back, or when --check reports drift.

    Exit codes: 0 done (or, with --check, no drift), 1 failed (or drift found), 2 usage.
    """
    context.django("installed")
    from django.db import DatabaseError
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from workos.kernel.errors import ServiceError

    from . import services

    def run(progress_callback):
        if check:
            return services.check(space_id, progress=progress_callback)
        return services.reindex(None, space_id, progress=progress_callback)

    try:
        if as_json:
            result = run(None)
        else:
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            with Progress(*columns, transient=True) as progress:
                task = progress.add_task("checking pages" if check else "indexing pages", total=None)
                result = run(lambda done, total: progress.update(task, completed=done, total=total))
    except ServiceError as error:
        fail(error.message, EXIT_FAILED)
    except DatabaseError as error:
        fail(f"database error: {error}", EXIT_FAILED)
    if check:
        drift = [{"source": item.source, "problem": item.problem} for item in result]
        if as_json:
            click.echo(json.dumps({"drift": drift}, indent=2))
        else:
            for item in drift:
                click.echo(f"{item['problem']}: {item['source']}")
            click.echo("search index up to date" if not drift else f"{len(drift)} difference(s): run `workos search reindex`")
        if drift:
            raise SystemExit(EXIT_FAILED)
        return
    if as_json:
        click.echo(json.dumps(result, indent=2))
    else:
        click.echo(f"indexed {result['documents']} document(s) of {result['pages']} page(s); removed {result['removed']} left over")


commands = [search]
