"""Applying a template: one transaction that makes pages, blocks, databases, properties, views and rows through
the core, blocks, db and views services (each checks permission and records its audit event), with the
template's relations rewired to the copies and its variables resolved."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from ipai_platform_audit.services import record_event
from ipai_platform_permissions import services as permissions
from ipai_workos_blocks import services as blocks
from ipai_workos_blocks.models import Block
from ipai_workos_blocks.registry import BLOCK_TYPES, attachment_url
from ipai_workos_blocks.services import live
from ipai_workos_core import services as core
from ipai_workos_core.models import Page
from ipai_workos_core.registry import batched_content_notices
from ipai_workos_db import services as databases
from ipai_workos_db.models import Database, Property
from ipai_workos_views import services as views
from workos.kernel.errors import Conflict, InvalidInput, NotFound

from ..models import Template
from .content import Variables, is_user_variable, resolve, validate_content


def variables_for(actor, parent_title: str) -> Variables:
    return Variables(today=timezone.localdate(), user_id=actor.pk, user_name=actor.get_username(), parent_title=parent_title)


@dataclass
class _Made:
    """What an apply made so far: databases and rows by template key, for rewiring."""

    databases: dict[str, Database] = field(default_factory=dict)
    specs: dict[str, dict] = field(default_factory=dict)
    rows: dict[tuple[str, str], int] = field(default_factory=dict)
    pending_links: list[tuple] = field(default_factory=list)
    pages: int = 0
    row_count: int = 0


# --- blocks ------------------------------------------------------------------------------------------------


def _trees(actor, page: Page, specs: list[dict]) -> list[dict]:
    """Block trees for the blocks services; files of image and file blocks become attachments of ``page``."""
    trees = []
    for spec in specs:
        content = dict(spec["content"])
        attachment = spec.get("attachment")
        entry = BLOCK_TYPES.get(spec["type"])
        if entry.attachment_ids(content) or attachment:
            made = blocks.attach_stored_file(actor, page, **attachment) if attachment else None
            if made is not None:
                content.update(attachment_id=made.pk, url=attachment_url(made.pk))
            else:  # the file is gone (or was never part of the template): an empty image/file block
                content.update(attachment_id=None, url="" if content.get("attachment_id") else content.get("url", ""))
        trees.append({"type": spec["type"], "content": content, "children": _trees(actor, page, spec.get("children") or [])})
    return trees


def _write_blocks(actor, page: Page, specs: list[dict]) -> None:
    if specs:
        blocks.replace_document(actor, page, _trees(actor, page, specs), base_version=blocks.document_version(page))


# --- databases ---------------------------------------------------------------------------------------------


def _create_database(actor, spec: dict, made: _Made, *, space=None, parent_page=None) -> Database:
    plain = [{"name": prop["name"], "type": prop["type"], "config": prop["config"]} for prop in spec["properties"]
             if prop["type"] not in ("relation", "rollup", "formula")]
    database = databases.create_database(actor, space=space, parent_page=parent_page, title=spec["title"], icon=spec["icon"],
                                         description=spec["description"], properties=plain)
    if spec["title_property"] != "Name":
        title = Property.objects.get(database=database, type="title")
        databases.update_property(actor, title, name=spec["title_property"])
    made.databases[spec["key"]] = database
    made.specs[spec["key"]] = spec
    return database


def _field_error(error: InvalidInput, where: str) -> InvalidInput:
    return InvalidInput(error.message, field=f"{where}.{error.field}" if error.field else where)


def _computed_properties(actor, made: _Made) -> None:
    """Relations first (every database exists by now), then rollups and formulas, which read them."""
    for kind in ("relation", "rollup", "formula"):
        for key, spec in made.specs.items():
            database = made.databases[key]
            for prop in spec["properties"]:
                if prop["type"] != kind:
                    continue
                config = dict(prop["config"])
                if kind == "relation":
                    config = {"database_id": made.databases[config["database"]].pk, "two_way": bool(config.get("two_way")),
                              **({"paired_name": config["paired_name"]} if config.get("paired_name") else {})}
                elif kind == "rollup":
                    relation = Property.objects.get(database=database, name__iexact=config.pop("relation"), type="relation")
                    target_name = config.pop("target", None)
                    config["relation_property_id"] = relation.pk
                    if target_name:
                        target = Property.objects.filter(database_id=relation.config["database_id"], name__iexact=target_name).first()
                        if target is None:
                            raise InvalidInput(f"{prop['name']}: the related database has no property {target_name!r}", field="content")
                        config["target_property_id"] = target.pk
                try:
                    databases.create_property(actor, database, name=prop["name"], type=prop["type"], config=config)
                except InvalidInput as error:
                    raise _field_error(error, f"{spec['title'] or key}.properties.{prop['name']}") from None


def _row_values(schema_props: dict[str, Property], values: dict, variables: Variables, *, links: bool) -> dict:
    """The values a row spec gives, ready for the row services: variables resolved, ``{{user}}`` as a person,
    relation values (row keys) left out unless ``links``."""
    cleaned = {}
    for name, value in values.items():
        prop = schema_props.get(name.casefold())
        if prop is None:
            raise InvalidInput(f"no property {name!r} in this database", field=f"values.{name}")
        if prop.type == "relation":
            if links:
                cleaned[prop.name] = value
            continue
        if prop.type == "person":  # "{{user}}" (already resolved to the user's name, or not yet): the applying user
            items = value if isinstance(value, list) else [value]
            cleaned[prop.name] = [variables.user_id if is_user_variable(item) or item == variables.user_name else item
                                  for item in items if item not in (None, "")]
            continue
        cleaned[prop.name] = resolve(value, variables)
    return cleaned


def _row_spec_values(props: dict[str, Property], spec: dict, variables: Variables, title_property: str) -> dict:
    values = _row_values(props, spec.get("values") or {}, variables, links=False)
    title = variables.text(spec.get("title") or "")
    if title and title_property not in values:
        values[title_property] = title
    return values


def _make_row(actor, database: Database, props: dict[str, Property], spec: dict, variables: Variables, title_property: str):
    row = databases.create_row(actor, database, _row_spec_values(props, spec, variables, title_property))
    if spec.get("icon"):
        core.update_page(actor, row.page, icon=spec["icon"])
    _write_blocks(actor, row.page, resolve(spec.get("blocks") or [], variables))
    return row


def _make_rows(actor, database: Database, props: dict[str, Property], specs: list[dict], variables: Variables, title_property: str, where: str):
    """The database's rows in one bulk write (``create_rows``), then each row's page body."""
    if not specs:
        return []
    try:
        rows = databases.create_rows(actor, database, [_row_spec_values(props, spec, variables, title_property) for spec in specs],
                                     icons=[spec.get("icon") or "" for spec in specs])
    except InvalidInput as error:
        # create_rows names "rows[i]...": the template's field is "<database>.rows[i]..."
        raise InvalidInput(error.message, field=f"{where}.{error.field}" if error.field else where) from None
    for index, (row, spec) in enumerate(zip(rows, specs)):
        try:
            _write_blocks(actor, row.page, resolve(spec.get("blocks") or [], variables))
        except InvalidInput as error:
            raise _field_error(error, f"{where}.rows[{index}]") from None
    return rows


def _fill_databases(actor, made: _Made, variables: Variables) -> None:
    for key, spec in made.specs.items():
        database = made.databases[key]
        props = {prop.name.casefold(): prop for prop in Property.objects.filter(database=database)}
        for index, view in enumerate(spec["views"]):
            try:
                views.create_view(actor, database, name=view["name"], type=view["type"], config=view["config"])
            except InvalidInput as error:
                raise _field_error(error, f"{spec['title'] or key}.views[{index}]") from None
        rows = _make_rows(actor, database, props, spec["rows"], variables, spec["title_property"], spec["title"] or key)
        for row, row_spec in zip(rows, spec["rows"]):
            made.row_count += 1
            if row_spec.get("key"):
                made.rows[(key, row_spec["key"])] = row.pk
            linked = {name: value for name, value in (row_spec.get("values") or {}).items()
                      if props.get(name.casefold()) is not None and props[name.casefold()].type == "relation"}
            if linked:
                made.pending_links.append((key, row, linked, props))
        from .templates import _create_row_templates

        _create_row_templates(actor, database, spec["row_templates"])
    for key, row, linked, props in made.pending_links:
        values = {}
        for name, keys in linked.items():
            prop = props[name.casefold()]
            target_key = made.specs[key]["properties"][[p["name"].casefold() for p in made.specs[key]["properties"]].index(name.casefold())]["config"]["database"]
            values[prop.name] = [made.rows[(target_key, item)] for item in (keys if isinstance(keys, list) else [keys])]
        databases.update_row(actor, row, values)


# --- pages -------------------------------------------------------------------------------------------------


def _fill_page(actor, page: Page, spec: dict, made: _Made, variables: Variables) -> None:
    _write_blocks(actor, page, spec["blocks"])
    for database_spec in spec["databases"]:
        _create_database(actor, database_spec, made, parent_page=page)
    for child in spec["children"]:
        sub = core.create_page(actor, parent=page, title=child["title"], icon=child["icon"])
        made.pages += 1
        if child["cover_url"]:
            core.update_page(actor, sub, cover_url=child["cover_url"])
        _fill_page(actor, sub, child, made, Variables(variables.today, variables.user_id, variables.user_name, page.title))


def _is_empty(page: Page) -> bool:
    return not (Block.objects.filter(page=page).exists() or Page.objects.filter(parent=page, archived_at__isnull=True).exists()
                or Database.objects.filter(parent_page=page, archived_at__isnull=True).exists())


def _target_page(actor, page: Page) -> Page:
    permissions.require(actor, "edit", page)
    live.blocks_up_to_date(page)  # what a live editor stored counts: in the emptiness check, and as the write's base
    if page.archived_at is not None:
        raise Conflict("this page is in the trash: restore it first", field="page_id")
    if page.container_model:
        raise Conflict("this page is a database row: use one of its database's row templates", field="page_id")
    if not _is_empty(page):
        raise Conflict("a template is applied into an empty page only: this page has content", field="page_id")
    return page


def _resolve_but_row_templates(content: dict, variables: Variables) -> dict:
    """Variables resolved now, except in the row templates a database brings along: those resolve when a row is
    made from them (their "today" is that day)."""
    kept: dict[str, list] = {}

    def strip(spec):
        for database in spec.get("databases") or []:
            kept[database["key"]] = database.get("row_templates") or []
        for child in spec.get("children") or []:
            strip(child)

    strip(content.get("page") or content)
    resolved = resolve(content, variables)

    def restore(spec):
        for database in spec.get("databases") or []:
            database["row_templates"] = kept.get(database["key"], [])
        for child in spec.get("children") or []:
            restore(child)

    restore(resolved.get("page") or resolved)
    return resolved


def _parent_title(space, parent: Page | None) -> str:
    if parent is not None:
        return parent.title
    return space.name if space is not None else ""


@transaction.atomic
def apply_template(actor, template: Template, *, space=None, parent: Page | None = None, page: Page | None = None) -> dict:
    """Make what ``template`` describes: under ``parent`` or at the top of ``space``, or inside the empty ``page``.
    All or nothing. Answers ``{"object", "id", "page_id", "url"}`` of what was made (the page, or the template's
    first database)."""
    # the search index hears of the new pages once, at the end; the actor's levels are worked out once per object
    with batched_content_notices(), permissions.memoised_levels(actor):
        return _apply(actor, template, space=space, parent=parent, page=page)


def _apply(actor, template: Template, *, space=None, parent: Page | None = None, page: Page | None = None) -> dict:
    if template.kind == Template.Kind.ROW:
        raise InvalidInput("a row template is applied to a database: use its database's New", field="template_id")
    if page is not None and (space is not None or parent is not None):
        raise InvalidInput("give page_id, or space_id and an optional parent_id, not both", field="page_id")
    content = validate_content(template.kind, template.content)
    if page is not None:
        page = _target_page(actor, page)
        variables = variables_for(actor, _parent_title(page.space, page.parent))
    else:
        core.destination_space(actor, space=space, parent=parent, what="page", parent_field="parent_id")
        variables = variables_for(actor, _parent_title(space or parent.space, parent))
    content = _resolve_but_row_templates(content, variables)
    made = _Made()
    if template.kind == Template.Kind.PAGE:
        spec = content["page"]
        if page is None:
            page = core.create_page(actor, space=space, parent=parent, title=spec["title"] or template.name, icon=spec["icon"] or template.icon)
            if spec["cover_url"] or template.cover_url:
                core.update_page(actor, page, cover_url=spec["cover_url"] or template.cover_url)
        else:
            core.update_page(actor, page, title=page.title or spec["title"] or template.name, icon=page.icon or spec["icon"] or template.icon,
                             cover_url=page.cover_url or spec["cover_url"] or template.cover_url)
        made.pages += 1
        _fill_page(actor, page, spec, made, variables)
        _computed_properties(actor, made)
        _fill_databases(actor, made, variables)
        result = {"object": "page", "id": page.pk, "page_id": page.pk, "url": f"/web/pages/{page.pk}"}
        target = page
    else:
        holder = page
        if holder is not None and not holder.title:
            main = content["databases"][0]
            core.update_page(actor, holder, title=main["title"] or template.name, icon=holder.icon or main["icon"] or template.icon)
        place = {"parent_page": holder} if holder is not None else ({"parent_page": parent} if parent is not None else {"space": space})
        for spec in content["databases"]:
            _create_database(actor, spec, made, **place)
        _computed_properties(actor, made)
        _fill_databases(actor, made, variables)
        first = made.databases[content["databases"][0]["key"]]
        result = {"object": "database", "id": first.pk, "page_id": first.parent_page_id, "url": f"/web/databases/{first.pk}"}
        target = first
    record_event(actor=actor, action="template.apply", target=template, target_name=template.name,
                 changes={"object": result["object"], "id": result["id"], "pages": made.pages, "databases": len(made.databases),
                          "rows": made.row_count, "target": f"{target._meta.db_table}:{target.pk}"})
    return result


@transaction.atomic
def apply_row_template(actor, template: Template, *, database: Database | None = None, row=None) -> dict:
    """A new row of the template's database (or fill the empty ``row``) with the template's values and blocks."""
    if template.kind != Template.Kind.ROW:
        raise InvalidInput("this is not a row template", field="template_id")
    database = database or template.database
    if database is None or database.pk != template.database_id:
        raise InvalidInput("a row template fills rows of its own database", field="database_id")
    permissions.require(actor, "edit", database)
    spec = validate_content(Template.Kind.ROW, template.content)["row"]
    variables = variables_for(actor, database.title)
    props = {prop.name.casefold(): prop for prop in Property.objects.filter(database=database)}
    title_property = next((prop.name for prop in props.values() if prop.type == "title"), "Name")
    try:
        if row is None:
            row = _make_row(actor, database, props, {**spec, "values": {k: v for k, v in spec["values"].items()}}, variables, title_property)
            # relation values of a row template name rows of the database's related databases by id
            linked = _row_values(props, spec["values"], variables, links=True)
            linked = {name: value for name, value in linked.items() if props[name.casefold()].type == "relation"}
            if linked:
                databases.update_row(actor, row, linked)
        else:
            if row.database_id != database.pk:
                raise InvalidInput("this row belongs to another database", field="row_id")
            live.blocks_up_to_date(row.page)  # as for a page: what a live editor stored counts
            if Block.objects.filter(page=row.page).exists():
                raise Conflict("a row template fills a row whose page is empty: this one has content", field="row_id")
            values = _row_values(props, spec["values"], variables, links=True)
            title = variables.text(spec.get("title") or "")
            if title and not row.page.title:
                values[title_property] = title
            if values:
                databases.update_row(actor, row, values)
            if spec.get("icon") and not row.page.icon:
                core.update_page(actor, row.page, icon=spec["icon"])
            _write_blocks(actor, row.page, resolve(spec["blocks"], variables))
    except NotFound:
        raise InvalidInput("this row template names something that does not exist", field="content") from None
    record_event(actor=actor, action="template.apply", target=template, target_name=template.name,
                 changes={"object": "row", "id": row.pk, "database_id": database.pk})
    return {"object": "row", "id": row.pk, "page_id": row.page_id, "url": f"/web/databases/{database.pk}"}
