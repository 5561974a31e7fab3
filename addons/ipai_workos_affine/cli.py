"""``workos publications list|unpublish``: the pages published to the web, and taking one down at once.

Found by the ``workos`` command while this module is installed (see ``commands`` at the end). Importable
before Django starts: the services are imported inside the commands, once Django is set up.
"""

from __future__ import annotations

import json

import click

from workos.cli import EXIT_FAILED, fail, pass_context


@click.group()
def publications():
    """Pages published to the web (module ipai_workos_affine)."""


@publications.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable list.")
@pass_context
def list_publications(context, as_json):
    """The published pages: id, address, page, pages in the snapshot, when and by whom.

    Exit codes: 0 done, 1 failed, 2 usage.
    """
    context.django("installed")
    from . import services

    rows = [{
        "id": p.pk, "url": services.public_url(p.workspace.slug, p.slug), "page_id": p.page_id, "title": p.page.title,
        "pages": p.pages.count(), "noindex": p.noindex, "published_at": p.published_at.isoformat() if p.published_at else None,
        "published_by": p.published_by.get_username() if p.published_by_id else None,
    } for p in services.publications()]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("nothing is published")
        return
    for row in rows:
        click.echo(f"{row['id']:>6}  {row['url']}  ({row['pages']} pages, page {row['page_id']} {row['title'] or 'Untitled'}, "
                   f"{row['published_at']} by {row['published_by'] or '-'})")


@publications.command("unpublish")
@click.argument("publication_id", type=int)
@pass_context
def unpublish(context, publication_id):
    """Take publication PUBLICATION_ID (see `workos publications list`) off the web at once; audited.

    Exit codes: 0 unpublished, 1 no such published publication, 2 usage.
    """
    context.django("installed")
    from workos.kernel.errors import ServiceError

    from . import services

    try:
        publication = services.unpublish_as_operator(publication_id)
    except ServiceError as error:
        fail(error.message, EXIT_FAILED)
    click.echo(f"unpublished {services.public_url(publication.workspace.slug, publication.slug)}")


commands = [publications]
