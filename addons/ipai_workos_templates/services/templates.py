"""Templates: who sees them, create (from a page, a database or a template's JSON), change, delete, row templates
of a database, and the preview the gallery shows."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from ipai_platform_audit.services import diff, record_event
from ipai_platform_permissions import services as permissions
from ipai_workos_blocks import rendering
from ipai_workos_blocks import services as blocks
from ipai_workos_blocks.models import Attachment
from ipai_workos_blocks.registry import BLOCK_TYPES
from ipai_workos_core import services as core
from ipai_workos_core.models import Page, Space, Workspace
from ipai_workos_db import services as databases
from ipai_workos_db.models import Database, Property, Row, RowRelation
from ipai_workos_views.models import View
from workos.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied, TooLarge

from ..models import Template
from .content import KINDS, MAX_PAGES, MAX_ROWS, NAME_MAX, summary, validate_content

CATEGORY_MAX = 64
SAVED_ROWS_MAX = 200
PAGE_MENTION_PLACEHOLDER = "page"  # the stored text of a page mention is a title: never kept in a template


# --- who sees and changes a template ----------------------------------------------------------------------


def templates_for(user, *, kind: str | None = None, query: str = "", workspace_id: int | None = None, database_id: int | None = None):
    """The templates ``user`` may see: system ones, their workspaces' ones saved from spaces they can read, and
    (with ``database_id``) the row templates of a database they can read."""
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
    if database_id is not None:
        database = databases.get_database(user, database_id)
        found = Template.objects.filter(database=database, kind=Template.Kind.ROW)
    else:
        workspaces = core.workspaces_for(user)
        if workspace_id is not None:
            workspaces = workspaces.filter(pk=workspace_id)
        spaces = core.spaces_for(user).filter(workspace__in=workspaces)
        readable_spaces = [space.pk for space in spaces if permissions.can(user, "read", space)]
        found = Template.objects.filter(database__isnull=True).filter(
            Q(workspace__isnull=True) | Q(workspace__in=workspaces, space__isnull=True) | Q(workspace__in=workspaces, space_id__in=readable_spaces))
        if workspace_id is not None:
            found = found.filter(Q(workspace__isnull=True) | Q(workspace_id=workspace_id))
        found = found.exclude(kind=Template.Kind.ROW)
    if kind is not None:
        found = found.filter(kind=kind)
    if query:
        text = query.strip()[:100]
        found = found.filter(Q(name__icontains=text) | Q(description__icontains=text) | Q(category__icontains=text))
    return found.order_by("category", "name", "id")


def get_template(user, template_id, action: str = "read") -> Template:
    """The template if ``user`` may see it (NotFound otherwise); ``action="change"`` also needs the right to change it."""
    template = Template.objects.filter(pk=template_id).first() if str(template_id).isdigit() else None
    if template is None:
        raise NotFound("no such template")
    if template.database_id is not None:
        try:
            databases.get_database(user, template.database_id)
        except NotFound:
            raise NotFound("no such template") from None
    elif template.workspace_id is not None:
        if not templates_for(user, workspace_id=template.workspace_id).filter(pk=template.pk).exists():
            raise NotFound("no such template")
    if action != "read":
        require_change(user, template)
    return template


def can_change(user, template: Template) -> bool:
    if template.is_system:
        return False
    if template.database_id is not None:
        return permissions.can(user, "edit", template.database)
    if getattr(user, "is_superuser", False) or (template.created_by_id and template.created_by_id == user.pk):
        return True
    return permissions.role_of(user, template.workspace) == "admin"


def require_change(user, template: Template) -> None:
    if template.is_system:
        raise PermissionDenied("system templates come with their module: save a copy to change it")
    if not can_change(user, template):
        raise PermissionDenied("only the template's creator and workspace admins change it")


def _require_member(actor, workspace: Workspace) -> None:
    if not getattr(actor, "is_superuser", False) and permissions.role_of(actor, workspace) not in ("admin", "member"):
        raise PermissionDenied("workspace members save templates")


def _clean(name=None, description=None, category=None, icon=None, cover_url=None) -> dict:
    values = {}
    if name is not None:
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > NAME_MAX or any(ord(c) < 32 for c in name):
            raise InvalidInput(f"name is 1 to {NAME_MAX} characters", field="name")
        values["name"] = name.strip()
    if description is not None:
        if not isinstance(description, str) or len(description) > 2000:
            raise InvalidInput("description is text of at most 2000 characters", field="description")
        values["description"] = description
    if category is not None:
        if not isinstance(category, str) or len(category.strip()) > CATEGORY_MAX:
            raise InvalidInput(f"category is text of at most {CATEGORY_MAX} characters", field="category")
        values["category"] = category.strip()
    if icon is not None:
        if not isinstance(icon, str) or len(icon) > 64:
            raise InvalidInput("icon is at most 64 characters", field="icon")
        values["icon"] = icon
    if cover_url is not None:
        if not isinstance(cover_url, str) or len(cover_url) > 1024 or (cover_url and not (cover_url.startswith(("https://", "http://"))
                                                                                           or (cover_url.startswith("/") and not cover_url.startswith("//")))):
            raise InvalidInput("cover_url is an http(s) address or a path on this site", field="cover_url")
        values["cover_url"] = cover_url
    return values


def _record(actor, template: Template, action: str, changes: dict) -> None:
    record_event(actor=actor, action=action, target=template, target_name=template.name, changes=changes)


# --- writes ------------------------------------------------------------------------------------------------


@transaction.atomic
def create_template(actor, workspace: Workspace, *, name, kind, content, description: str = "", category: str = "", icon: str = "",
                    cover_url: str = "", space: Space | None = None) -> Template:
    """A workspace template from a template's JSON (an import, or a client that builds one)."""
    permissions.require(actor, "read", workspace)
    _require_member(actor, workspace)
    if space is not None and space.workspace_id != workspace.pk:
        raise InvalidInput("the space is in another workspace", field="space_id")
    if kind == Template.Kind.ROW:
        raise InvalidInput("row templates belong to a database: create them there", field="kind")
    values = _clean(name=name, description=description, category=category, icon=icon, cover_url=cover_url)
    cleaned = validate_content(kind, content)
    template = Template.objects.create(workspace=workspace, space=space, kind=kind, content=cleaned, created_by=actor, **values)
    _record(actor, template, "template.create", {"kind": kind, "workspace_id": workspace.pk, **summary(kind, cleaned)})
    return template


@transaction.atomic
def update_template(actor, template: Template, *, name=None, description=None, category=None, icon=None, cover_url=None, content=None,
                    is_default=None) -> Template:
    """Rename or edit a template (its creator, a workspace admin; a row template: editors of its database)."""
    require_change(actor, template)
    before = {"name": template.name, "description": template.description, "category": template.category, "icon": template.icon,
              "cover_url": template.cover_url, "is_default": template.is_default}
    for key, value in _clean(name=name, description=description, category=category, icon=icon, cover_url=cover_url).items():
        setattr(template, key, value)
    if content is not None:
        template.content = validate_content(template.kind, content)
    if is_default is not None:
        if template.kind != Template.Kind.ROW:
            raise InvalidInput("only row templates are a database's default", field="is_default")
        if is_default:
            Template.objects.filter(database_id=template.database_id, is_default=True).exclude(pk=template.pk).update(is_default=False)
        template.is_default = bool(is_default)
    template.save()
    changes = diff(before, {"name": template.name, "description": template.description, "category": template.category, "icon": template.icon,
                            "cover_url": template.cover_url, "is_default": template.is_default})
    if content is not None:
        changes["content"] = summary(template.kind, template.content)
    _record(actor, template, "template.update", changes)
    return template


@transaction.atomic
def delete_template(actor, template: Template) -> None:
    require_change(actor, template)
    _record(actor, template, "template.delete", {"kind": template.kind, "name": template.name})
    template.delete()


def _create_row_templates(actor, database: Database, specs: list[dict]) -> list[Template]:
    made = []
    for spec in specs:
        made.append(create_row_template(actor, database, name=spec["name"], icon=spec.get("icon", ""), is_default=spec.get("default", False),
                                        content={"row": {"title": spec.get("title", ""), "icon": spec.get("icon", ""), "values": spec["values"],
                                                         "blocks": spec["blocks"]}}))
    return made


def _check_row_values(database: Database, values: dict) -> None:
    props = {prop.name.casefold(): prop for prop in Property.objects.filter(database=database)}
    for name in values:
        prop = props.get(str(name).casefold())
        if prop is None:
            raise InvalidInput(f"no property {str(name)[:60]!r} in this database", field=f"content.row.values.{name}")
        if prop.type in ("rollup", "formula", "created_time", "created_by", "last_edited_time", "last_edited_by", "unique_id"):
            raise InvalidInput(f"{prop.name!r} is computed: it takes no value", field=f"content.row.values.{name}")


@transaction.atomic
def create_row_template(actor, database: Database, *, name, content, icon: str = "", description: str = "", is_default: bool = False) -> Template:
    """A row template of ``database`` (editors of the database make them); ``is_default`` makes it what New uses."""
    permissions.require(actor, "edit", database)
    values = _clean(name=name, description=description, icon=icon)
    cleaned = validate_content(Template.Kind.ROW, content)
    _check_row_values(database, cleaned["row"]["values"])
    if is_default:
        Template.objects.filter(database=database, is_default=True).update(is_default=False)
    template = Template.objects.create(workspace=database.space.workspace, space=database.space, database=database, kind=Template.Kind.ROW,
                                       content=cleaned, is_default=bool(is_default), created_by=actor, **values)
    _record(actor, template, "template.create", {"kind": "row", "database_id": database.pk, "default": template.is_default})
    return template


# --- save as template --------------------------------------------------------------------------------------


def _strip_page_mentions(value):
    """A page mention keeps its id (apply shows it to whoever can read the page) but not the title it was typed
    with: a template is seen by people who may not read that page."""
    if isinstance(value, dict):
        mention = value.get("mention")
        if isinstance(mention, dict) and mention.get("kind") == "page":
            return {"mention": dict(mention), "text": PAGE_MENTION_PLACEHOLDER}
        return {key: _strip_page_mentions(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_strip_page_mentions(item) for item in value]
    return value


def _block_specs(page: Page) -> list[dict]:
    trees = blocks.document(page)
    attachment_ids = set()

    def collect(nodes):
        for node in nodes:
            entry = BLOCK_TYPES.find(node["type"])
            if entry:
                attachment_ids.update(entry.attachment_ids(node["content"]))
            collect(node.get("children") or [])

    collect(trees)
    files = {a.pk: a for a in Attachment.objects.filter(pk__in=attachment_ids, page=page)} if attachment_ids else {}

    def convert(nodes):
        specs = []
        for node in nodes:
            spec = {"type": node["type"], "content": _strip_page_mentions(node["content"])}
            entry = BLOCK_TYPES.find(node["type"])
            named = entry.attachment_ids(node["content"]) if entry else []
            if named and named[0] in files:
                found = files[named[0]]
                spec["attachment"] = {"file": found.file.name, "name": found.name, "content_type": found.content_type, "size": found.size,
                                      "sha256": found.sha256}
            if node.get("children"):
                spec["children"] = convert(node["children"])
            specs.append(spec)
        return specs

    return convert(trees)


def _name_config(value, by_id: dict[int, str]):
    """A view config with property ids replaced by names (the template's databases are made anew)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in ("property", "date_property") and isinstance(item, int) and item in by_id:
                out[key] = by_id[item]
            elif key == "cover" and isinstance(item, int) and item in by_id:
                out[key] = by_id[item]
            elif key == "calculations" and isinstance(item, dict):
                out[key] = {by_id.get(int(k), k) if str(k).isdigit() else k: v for k, v in item.items() if not str(k).isdigit() or int(k) in by_id}
            else:
                out[key] = _name_config(item, by_id)
        return out
    if isinstance(value, list):
        return [_name_config(item, by_id) for item in value]
    return value


def _database_spec(actor, database: Database, key: str, keys: dict[int, str], include_rows: bool) -> dict:
    props = list(Property.objects.filter(database=database).order_by("rank", "id"))
    by_id = {prop.pk: prop.name for prop in props}
    title_prop = next(prop for prop in props if prop.type == "title")
    kept, dropped = [], set()
    for prop in props:
        if prop.type == "title":
            continue
        config = dict(prop.config)
        if prop.type == "relation":
            target = config.get("database_id")
            if target not in keys or config.get("reverse"):
                # a link out of the template cannot be rewired; the reverse side is made by its pair
                dropped.add(prop.pk)
                continue
            pair = Property.objects.filter(pk=config.get("paired_property_id")).values_list("name", flat=True).first()
            config = {"database": keys[target], "two_way": bool(config.get("two_way")), **({"paired_name": pair} if pair else {})}
        elif prop.type == "rollup":
            relation_id = config.get("relation_property_id")
            relation = Property.objects.filter(pk=relation_id).first()
            if relation is None or relation.config.get("database_id") not in keys:
                dropped.add(prop.pk)
                continue
            if relation.config.get("reverse"):
                relation_name = relation.name
            else:
                relation_name = by_id.get(relation_id)
            target = Property.objects.filter(pk=config.get("target_property_id")).values_list("name", flat=True).first()
            config = {"relation": relation_name, "function": config.get("function", "count"),
                      **({"target": target} if target else {}),
                      **{k: config[k] for k in ("format", "currency", "precision") if k in config}}
        elif prop.type == "formula":
            config = {k: v for k, v in config.items() if k in ("expression", "format", "currency", "precision")}
        kept.append({"name": prop.name, "type": prop.type, "config": config})
    # a rollup over a reverse relation is kept only if that relation comes back through its pair
    view_specs = [{"name": view.name, "type": view.type, "config": _name_config(view.config or {}, by_id)}
                  for view in View.objects.filter(database=database, owner__isnull=True).order_by("rank", "id")]
    spec = {"key": key, "title": database.title, "icon": database.icon, "description": database.description,
            "title_property": title_prop.name, "properties": kept, "views": view_specs, "rows": [], "row_templates": []}
    if include_rows:
        rows = list(databases.select_rows(databases.schema_of(database), limit=SAVED_ROWS_MAX, viewer=actor, count=False)["rows"])
        stored = {prop.key: prop for prop in props if prop.type not in ("title", "relation", "rollup", "formula", "person")
                  and not prop.type.startswith(("created_", "last_edited_")) and prop.type != "unique_id"}
        for row in rows:
            values = {stored[k].name: v for k, v in (row.values or {}).items() if k in stored}
            spec["rows"].append({"key": f"r{row.pk}", "title": _strip_page_mentions(row.page.title), "icon": row.page.icon, "values": values,
                                 "blocks": _block_specs(row.page)})
        row_ids = {row.pk for row in rows}
        for link in RowRelation.objects.filter(source_id__in=row_ids, property__database=database).select_related("property"):
            if link.property_id in dropped or link.property.config.get("reverse"):
                continue
            row_spec = next(item for item in spec["rows"] if item["key"] == f"r{link.source_id}")
            row_spec["values"].setdefault(link.property.name, []).append(f"r{link.target_id}")
    for template in Template.objects.filter(database=database, kind=Template.Kind.ROW).order_by("name", "id"):
        row = template.content.get("row") or {}
        values = {name: value for name, value in (row.get("values") or {}).items()
                  if name.casefold() in {p["name"].casefold() for p in kept} | {title_prop.name.casefold()}}
        spec["row_templates"].append({"name": template.name, "icon": template.icon, "default": template.is_default, "title": row.get("title", ""),
                                      "values": values, "blocks": row.get("blocks") or []})
    return spec


def _drop_unknown_links(specs: list[dict]) -> None:
    """Relation values naming rows the template does not hold (not saved, or hidden from the saver) are dropped."""
    keys = {spec["key"]: {row["key"] for row in spec["rows"]} for spec in specs}
    for spec in specs:
        relations = {prop["name"]: prop["config"]["database"] for prop in spec["properties"] if prop["type"] == "relation"}
        for row in spec["rows"]:
            for name, target in relations.items():
                if name in row["values"]:
                    row["values"][name] = [key for key in row["values"][name] if key in keys[target]]
                    if not row["values"][name]:
                        del row["values"][name]


def _page_spec(actor, page: Page, counter: list[int], specs: list[dict], keys: dict[int, str], include_rows: bool) -> dict:
    counter[0] += 1
    if counter[0] > MAX_PAGES:
        raise TooLarge(f"a template holds at most {MAX_PAGES} pages: save a part of this tree")
    spec = {"title": page.title, "icon": page.icon, "cover_url": page.cover_url, "blocks": _block_specs(page), "databases": [], "children": []}
    for database in databases.databases_for(actor, parent_page_id=page.pk).order_by("id"):
        database_spec = _database_spec(actor, database, keys[database.pk], keys, include_rows)
        specs.append(database_spec)
        spec["databases"].append(database_spec)
    children = core.visible_pages(actor, Page.objects.filter(parent=page, archived_at__isnull=True, container_model="").order_by("rank", "pk"))
    spec["children"] = [_page_spec(actor, child, counter, specs, keys, include_rows) for child in children]
    return spec


def _database_keys_under(actor, page: Page) -> dict[int, str]:
    ids = core.subtree_ids(page.pk)
    visible = {p.pk for p in core.visible_pages(actor, Page.objects.filter(pk__in=ids, archived_at__isnull=True))}
    found = databases.databases_for(actor).filter(parent_page_id__in=visible).values_list("pk", flat=True)
    return {pk: f"db{pk}" for pk in found}


@transaction.atomic
def save_page_as_template(actor, page: Page, *, name: str | None = None, description: str = "", category: str = "", include_rows: bool = True) -> Template:
    """A workspace template of ``page`` with its sub-pages, blocks (their files), and the databases inside it —
    only what ``actor`` can read. Needs read access to the page and membership of its workspace."""
    permissions.require(actor, "read", page)
    if page.archived_at is not None:
        raise Conflict("this page is in the trash: restore it first")
    if page.container_model:
        raise InvalidInput("this page is a database row: save a row template of its database instead", field="page_id")
    workspace = page.space.workspace
    _require_member(actor, workspace)
    keys = _database_keys_under(actor, page)
    specs: list[dict] = []
    root = _page_spec(actor, page, [0], specs, keys, include_rows)
    _drop_unknown_links(specs)
    if sum(len(spec["rows"]) for spec in specs) > MAX_ROWS:
        raise TooLarge(f"a template holds at most {MAX_ROWS} rows: save it without rows")
    return create_template(actor, workspace, name=name or page.title or "Untitled", kind=Template.Kind.PAGE, content={"page": root},
                           description=description, category=category, icon=page.icon, cover_url=page.cover_url, space=page.space)


@transaction.atomic
def save_database_as_template(actor, database: Database, *, name: str | None = None, description: str = "", category: str = "",
                              include_rows: bool = False) -> Template:
    """A workspace template of ``database``: properties, shared views, row templates and (``include_rows``) the
    rows ``actor`` can read. Relations to other databases are left out (they cannot be rewired)."""
    permissions.require(actor, "read", database)
    if database.archived_at is not None:
        raise Conflict("this database is in the trash: restore it first")
    workspace = database.space.workspace
    _require_member(actor, workspace)
    keys = {database.pk: "main"}
    spec = _database_spec(actor, database, "main", keys, include_rows)
    _drop_unknown_links([spec])
    return create_template(actor, workspace, name=name or database.title or "Untitled database", kind=Template.Kind.DATABASE,
                           content={"databases": [spec]}, description=description, category=category, icon=database.icon, space=database.space)


# --- reading a template ------------------------------------------------------------------------------------


def template_json(user, template: Template, *, with_content: bool = False) -> dict:
    data = {"id": template.pk, "name": template.name, "description": template.description, "kind": template.kind, "category": template.category,
            "icon": template.icon, "cover_url": template.cover_url, "system": template.is_system, "workspace_id": template.workspace_id,
            "database_id": template.database_id, "is_default": template.is_default, "created_by_id": template.created_by_id,
            "created_at": template.created_at, "updated_at": template.updated_at, "summary": summary(template.kind, template.content),
            "can_change": can_change(user, template)}
    if with_content:
        data["content"] = blocks.live_mentions(user, template.content)
    return data


def preview(user, template: Template) -> dict:
    """What the gallery shows before applying: the pages (blocks as sanitised HTML, page mentions by live title or
    "No access"), and each database with its properties, views and first rows."""
    get_template(user, template.pk)

    def block_trees(specs):
        return [{"type": spec["type"], "content": spec["content"], "children": block_trees(spec.get("children") or [])} for spec in specs]

    def database(spec):
        title_property = spec["title_property"]
        return {"title": spec["title"], "icon": spec["icon"], "description": spec["description"],
                "properties": [{"name": title_property, "type": "title"}] + [{"name": p["name"], "type": p["type"]} for p in spec["properties"]],
                "views": [{"name": v["name"], "type": v["type"]} for v in spec["views"]],
                "rows": [{"title": row.get("title") or str((row.get("values") or {}).get(title_property, "")),
                          "values": {k: v for k, v in (row.get("values") or {}).items() if k != title_property and not isinstance(v, (dict, list))}}
                         for row in spec["rows"][:8]],
                "row_count": len(spec["rows"]), "row_templates": [entry["name"] for entry in spec.get("row_templates") or []]}

    def page(spec):
        trees = blocks.live_mentions(user, block_trees(spec["blocks"]))
        return {"title": spec["title"], "icon": spec["icon"], "cover_url": spec["cover_url"], "html": rendering.to_html(trees),
                "databases": [database(item) for item in spec["databases"]], "children": [page(child) for child in spec["children"]]}

    content = validate_content(template.kind, template.content)
    body = {"template": template_json(user, template)}
    if template.kind == Template.Kind.PAGE:
        body["page"] = page(content["page"])
    elif template.kind == Template.Kind.DATABASE:
        body["databases"] = [database(item) for item in content["databases"]]
    else:
        row = content["row"]
        body["row"] = {"title": row["title"], "values": row["values"],
                       "html": rendering.to_html(blocks.live_mentions(user, block_trees(row["blocks"])))}
    return body
