"""``workos templates list|check|export``: the templates of this site (module ipai_workos_templates).

Found by the ``workos`` command while this module is installed (see ``commands`` at the end). Importable
before Django starts: the module's code is imported inside the commands, once Django is set up.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from workos.cli import EXIT_FAILED, fail, pass_context


@click.group("templates")
def templates():
    """Page, database and row templates (module ipai_workos_templates)."""


@templates.command("list")
@click.option("--kind", type=click.Choice(["page", "database", "row"]), help="Only this kind.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable list.")
@pass_context
def list_templates(context, kind, as_json):
    """Every template stored on this site: system ones (shipped as module data) and the workspaces' own."""
    context.django("installed")
    from .models import Template
    from .services import summary

    found = Template.objects.order_by("workspace_id", "database_id", "name", "id")
    if kind:
        found = found.filter(kind=kind)
    items = [{"id": t.pk, "name": t.name, "kind": t.kind, "category": t.category, "system": t.is_system, "workspace_id": t.workspace_id,
              "database_id": t.database_id, **summary(t.kind, t.content)} for t in found]
    if as_json:
        click.echo(json.dumps(items, indent=2))
        return
    for item in items:
        where = "system" if item["system"] else (f"database {item['database_id']}" if item["database_id"] else f"workspace {item['workspace_id']}")
        click.echo(f"{item['id']:>5}  {item['kind']:<8}  {item['name']:<28} {where:<14} pages {item['pages']}, databases {item['databases']}, "
                   f"rows {item['rows']}, blocks {item['blocks']}")


@templates.command("check")
@pass_context
def check(context):
    """Validate every stored template against the template format (what apply checks first). Exit codes: 0 all
    valid, 1 at least one is not (each named with the field at fault), 2 usage."""
    context.django("installed")
    from workos.kernel.errors import ServiceError

    from .models import Template
    from .services import validate_content

    bad = 0
    for template in Template.objects.order_by("id"):
        try:
            validate_content(template.kind, template.content)
        except ServiceError as error:
            bad += 1
            click.secho(f"{template.pk} {template.name!r}: {error.field or 'content'}: {error.message}", fg="red", err=True)
    click.echo(f"{Template.objects.count() - bad} valid, {bad} invalid")
    if bad:
        raise SystemExit(EXIT_FAILED)


@templates.command("export")
@click.argument("template_id", type=click.IntRange(min=1))
@click.argument("target", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@pass_context
def export(context, template_id, target):
    """Write a template as a zip (template.json, Markdown pages, CSV rows), as the API's export does."""
    context.django("installed")
    from .models import Template
    from .services.transfer import export_template_unchecked

    template = Template.objects.filter(pk=template_id).first()
    if template is None:
        fail(f"no template {template_id}", EXIT_FAILED)
    name, data = export_template_unchecked(template)
    target.write_bytes(data)
    click.echo(f"wrote {target} ({len(data)} bytes, {name})")


commands = [templates]
