"""``workos import notion FILE --space ID``: a Notion export (Markdown & CSV, or HTML) or a Markdown zip into a space;
``workos export space ID FILE.zip``: a space as a portable zip in the layout that import reads back.

Found by the ``workos`` command while this module is installed (see ``commands`` at the end). Importable
before Django starts: the services are imported inside the commands, once Django is set up.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from workos.cli import EXIT_FAILED, EXIT_USAGE, fail, pass_context


def _space_and_user(space_id: int, username: str | None):
    """The space and the user a command acts as: ``--user``, or the creator of the space's workspace."""
    from django.contrib.auth import get_user_model

    from ipai_workos_core.models import Space

    space = Space.objects.select_related("workspace").filter(pk=space_id).first()
    if space is None:
        fail(f"no space {space_id}", EXIT_USAGE)
    User = get_user_model()
    user = User.objects.filter(username=username).first() if username else space.workspace.created_by
    if user is None:
        fail(f"no user {username!r}" if username else "the space's workspace has no creator: name one with --user", EXIT_USAGE)
    return space, user


@click.group("import")
def import_group():
    """Import content made elsewhere (module ipai_workos_blocks)."""


@import_group.command("notion")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--space", "space_id", type=int, required=True, help="The space to import into.")
@click.option("--parent", "parent_id", type=int, help="Put the imported pages under this page of the space.")
@click.option("--user", "username", help="Import as this user (their permissions apply, the audit names them); "
              "default: the user who created the space's workspace.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@pass_context
def import_notion(context, file, space_id, parent_id, username, as_json):
    """Import FILE — Notion's "Markdown & CSV" or HTML export (the zip as downloaded), a Markdown file or a
    zip of Markdown folders — into space ID: pages, blocks, databases with their rows, attachments. All or
    nothing; the report says what was made and what was skipped and why.

    Exit codes: 0 imported, 1 refused (bad file, no access, too large), 2 usage.
    """
    context.django("installed")
    from ipai_workos_core import services as core
    from workos.kernel.errors import ServiceError

    from . import services, transfer

    space, user = _space_and_user(space_id, username)
    limit = transfer.import_limits()[0]
    if file.stat().st_size > limit:
        fail(f"{file.name} is larger than {limit} bytes (setting WORKOS_IMPORT_MAX_BYTES)", EXIT_FAILED)
    try:
        parent = core.get_page(user, parent_id) if parent_id is not None else None
        if parent is not None and parent.space_id != space.pk:
            fail("the parent page is in another space", EXIT_USAGE)
        report = services.import_file(user, space, file.name, file.read_bytes(), parent=parent)
    except ServiceError as error:
        fail(f"{file.name}: {error.message}", EXIT_FAILED)
    if as_json:
        click.echo(json.dumps({key: value for key, value in report.items()}, indent=2, ensure_ascii=False))
        return
    click.echo(f"imported {file.name} ({report['format']}) into space {space.pk}: {report['pages']} pages, {report['blocks']} blocks, "
               f"{report['databases']} databases, {report['rows']} rows, {report['attachments']} attachments")
    for database in report["database_items"]:
        click.echo(f"  database {database['id']} {database['title'] or 'Untitled'}: {database['rows']} rows, "
                   + ", ".join(f"{name} ({kind})" for name, kind in database["properties"].items()))
    if report["skipped_count"]:
        click.echo(f"skipped {report['skipped_count']}:")
        for entry in report["skipped"]:
            click.echo(f"  {entry['path']}: {entry['reason']}")


@click.group("export")
def export_group():
    """Export content for other tools or another WorkOS (module ipai_workos_blocks)."""


@export_group.command("space")
@click.argument("space_id", type=int)
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--user", "username", help="Export as this user (only what they may read is written); "
              "default: the user who created the space's workspace.")
@click.option("--links", type=click.Choice(["portable", "instance"]), default="portable", show_default=True,
              help="portable: links between pages as relative file links; instance: @[Title](page:ID) for this instance.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@pass_context
def export_space(context, space_id, file, username, links, as_json):
    """Write space SPACE_ID to FILE as a zip: its pages as Markdown in folders, its databases as CSV beside a
    folder of row pages, attachments beside their pages — Notion's "Markdown & CSV" layout, which Obsidian,
    Logseq, Outline and `workos import notion` read.

    Exit codes: 0 written, 1 refused (no access), 2 usage.
    """
    context.django("installed")
    import zipfile

    from workos.kernel.errors import ServiceError

    from . import services

    space, user = _space_and_user(space_id, username)
    try:
        _, _, data = services.export_space(user, space, links=links)
    except ServiceError as error:
        fail(f"space {space_id}: {error.message}", EXIT_FAILED)
    file.write_bytes(data)
    names = zipfile.ZipFile(file).namelist()
    report = {"file": str(file), "bytes": len(data), "pages": sum(name.endswith(".md") for name in names),
              "databases": sum(name.endswith(".csv") for name in names), "files": len(names), "links": links}
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    click.echo(f"exported space {space.pk} to {file}: {report['pages']} pages, {report['databases']} databases, "
               f"{report['files']} files, {report['bytes']} bytes ({links} links)")


commands = [import_group, export_group]
