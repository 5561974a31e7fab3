"""Properties: create, change (rename, reconfigure, convert to another type, reorder) and delete."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.db.models import Max

from ipai_platform_audit.services import diff, record_event
from ipai_platform_permissions import services as permissions
from workos.kernel import ranks
from workos.kernel.errors import Conflict, InvalidInput, PermissionDenied

from .. import counts, indexes, query
from ..cells import Cells
from ..formula import rename_reference
from ..models import Database, Property, Row, RowRelation
from ..properties import PROPERTY_TYPES, PropertyError, property_type
from ..query import Schema
from ._common import CONVERSION_REPORT_MAX, PROPERTIES_MAX, UNSET, rows_changed
from .shapes import cell_text, names_for
from .validation import context_for, _apply, _set_links


def _clean_name(database: Database, name, exclude: int | None = None) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("a property needs a name", field="name")
    name = name.strip()
    if len(name) > 128 or any(ord(char) < 32 for char in name):
        raise InvalidInput("a property name has at most 128 characters and no control characters", field="name")
    clash = Property.objects.filter(database=database, name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise Conflict(f"this database already has a property named {name!r}", field="name")
    return name


def _clean_config(actor, database: Database, type_name: str, config, prop: Property | None = None) -> dict:
    if type_name not in PROPERTY_TYPES:
        raise InvalidInput(f"unknown property type {str(type_name)[:40]!r}; known: {', '.join(PROPERTY_TYPES)}", field="type")
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise InvalidInput("config is a JSON object", field="config")
    try:
        cleaned = property_type(type_name).clean_config(config, context_for(actor, database))
    except PropertyError as error:
        raise InvalidInput(error.message, field=f"config.{error.path}" if error.path else "config") from None
    if type_name == "relation":
        target = Database.objects.filter(pk=cleaned["database_id"]).first()
        if target is None or not permissions.can(actor, "read", target):
            raise InvalidInput("no such database to relate to", field="config.database_id")
        if cleaned.get("two_way") and prop is None:
            permissions.require(actor, "edit", target)
        if prop is not None and prop.type == "relation" and prop.config.get("database_id") != cleaned["database_id"]:
            raise InvalidInput("a relation cannot be pointed at another database: make a new relation", field="config.database_id")
        for key in ("paired_property_id", "reverse"):
            if prop is not None and key in prop.config:
                cleaned[key] = prop.config[key]
            else:
                cleaned.pop(key, None)
    if type_name == "rollup":
        relation = Property.objects.filter(pk=cleaned["relation_property_id"], database=database, type="relation").first()
        if relation is None:
            raise InvalidInput("relation_property_id must be a relation property of this database", field="config.relation_property_id")
        _require_readable_target(actor, relation, "config.relation_property_id")
        if cleaned.get("target_property_id") is not None and not Property.objects.filter(
                pk=cleaned["target_property_id"], database_id=relation.config.get("database_id")).exists():
            raise InvalidInput("target_property_id must be a property of the related database", field="config.target_property_id")
    if type_name == "formula":
        for relation in _relations_read_by(database, cleaned.get("expression", ""), exclude=prop):
            _require_readable_target(actor, relation, "config.expression")
    if type_name in ("title",) and (prop is None or prop.type != "title"):
        raise InvalidInput("a database has exactly one title property", field="type")
    return cleaned


def _require_readable_target(actor, relation: Property, field: str) -> None:
    """A computed property over a relation is made only by a user who can read the related database: its values
    are computed for each viewer over what they can read, but its author should not build a view into data they
    cannot see (the same answer whether the related database is private or gone)."""
    target = Database.objects.filter(pk=relation.config.get("database_id")).first()
    if target is None or not permissions.can(actor, "read", target):
        raise PermissionDenied(f"{relation.name!r} relates to a database you cannot read: no rollup or formula can be built on it",
                               field=field)


def _relations_read_by(database: Database, expression: str, exclude: Property | None = None) -> list[Property]:
    """The relation properties a formula reads, directly or through the rollups and formulas it names."""
    from ..formula import FormulaError, parse, references

    schema = Schema(database)
    found, seen = {}, set()
    pending = [expression]
    while pending:
        try:
            names = references(parse(pending.pop()))
        except FormulaError:
            continue
        for name in names:
            prop = schema.by_name.get(name.casefold())
            if prop is None or prop.pk in seen or (exclude is not None and prop.pk == exclude.pk):
                continue
            seen.add(prop.pk)
            if prop.type == "relation":
                found[prop.pk] = prop
            elif prop.type == "rollup" and prop.config.get("relation_property_id") in schema.by_id:
                relation = schema.by_id[prop.config["relation_property_id"]]
                found[relation.pk] = relation
            elif prop.type == "formula":
                pending.append(prop.config.get("expression", ""))
    return list(found.values())


@transaction.atomic
def create_property(actor, database: Database, *, name, type, config=None, after_id=UNSET) -> Property:
    """Add a property, last unless ``after_id`` (the property it follows; None: first). A two-way relation also
    adds its pair to the other database (``paired_name``)."""
    permissions.require(actor, "edit", database)
    if database.archived_at is not None:
        raise Conflict("this database is in the trash: restore it first")
    if Property.objects.filter(database=database).count() >= PROPERTIES_MAX:
        raise Conflict(f"a database has at most {PROPERTIES_MAX} properties")
    name = _clean_name(database, name)
    cleaned = _clean_config(actor, database, type, config)
    if after_id is UNSET:
        rank = ranks.rank_between(Property.objects.filter(database=database).aggregate(last=Max("rank"))["last"], None)
    else:
        rank = _rank_after(Property.objects.filter(database=database), after_id, "after_id")
    prop = Property.objects.create(database=database, name=name, type=type, config=cleaned, rank=rank)
    if type == "relation" and cleaned.get("two_way"):
        target = Database.objects.get(pk=cleaned["database_id"])
        paired_name = cleaned.pop("paired_name", None) or f"Related to {database.title or 'Untitled'}"
        base, number = paired_name[:120], 1
        while Property.objects.filter(database=target, name__iexact=paired_name).exists():
            number += 1
            paired_name = f"{base} ({number})"
        target_last = Property.objects.filter(database=target).aggregate(last=Max("rank"))["last"]
        pair = Property.objects.create(database=target, name=paired_name, type="relation", rank=ranks.rank_between(target_last, None),
                                       config={"database_id": database.pk, "two_way": True, "paired_property_id": prop.pk, "reverse": True})
        prop.config = {**cleaned, "paired_property_id": pair.pk}
        prop.save(update_fields=["config"])
    else:
        prop.config.pop("paired_name", None)
        prop.save(update_fields=["config"])
    counts.property_added(prop)
    record_event(actor=actor, action="database.property_create", target=database,
                 changes={"property_id": prop.pk, "name": name, "type": type, "config": prop.config})
    indexes.schedule_sync(database.pk)
    return prop


def _removed_options(prop: Property, new_config: dict) -> set[str]:
    if prop.type not in ("select", "status", "multi_select"):
        return set()
    kept = {option["id"] for option in new_config.get("options", [])}
    return {option["id"] for option in prop.config.get("options", [])} - kept


def _drop_options(prop: Property, removed: set[str]) -> int:
    """Remove deleted options from every row that holds them: a row never points at an option that is gone."""
    changed = []
    for option_id in removed:
        condition = query.JsonArrayContains(prop.key, option_id) if prop.type == "multi_select" else query.Exact(query.value_expression(prop), option_id)
        for row in Row.objects.filter(database_id=prop.database_id).filter(condition):
            current = row.values.get(prop.key)
            if prop.type == "multi_select":
                remaining = [item for item in current or [] if item not in removed]
                row.values = _apply(row.values, {prop.key: remaining or None})
            else:
                row.values = _apply(row.values, {prop.key: None})
            changed.append(row)
    if changed:
        Row.objects.bulk_update(changed, ["values"], batch_size=500)
    return len(changed)


@transaction.atomic
def update_property(actor, prop: Property, *, name=UNSET, type=UNSET, config=UNSET, after_id=UNSET, dry_run: bool = False) -> dict:
    """Rename, reconfigure, reorder or change the type of a property.

    A new type converts every row's value where that means something (text "12" to number 12, a select to
    a multi-select, names to options, ...); values that cannot be converted are dropped and listed in the
    answer's ``conversion`` (``dry_run`` answers that report without changing anything). Options removed
    from a select are removed from the rows that held them. Formulas that name a renamed property follow."""
    database = prop.database
    permissions.require(actor, "edit", database)
    if database.archived_at is not None:
        raise Conflict("this database is in the trash: restore it first")
    before = {"name": prop.name, "type": prop.type, "config": prop.config, "rank": prop.rank}
    new_type = prop.type if type is UNSET else type
    if new_type != prop.type and (prop.type == "title" or new_type == "title"):
        raise InvalidInput("the title property keeps its type, and a database has only one", field="type")
    if new_type != prop.type and (prop.type == "relation" and prop.config.get("two_way")):
        raise InvalidInput("make the two-way relation one-way (delete its pair) before changing its type", field="type")
    if config is UNSET:
        config = prop.config if new_type == prop.type else {}
        if new_type in ("select", "multi_select", "status") and prop.type in ("select", "multi_select", "status"):
            config = {"options": [{k: v for k, v in option.items() if k != "group" or new_type == "status"}
                                  for option in prop.config.get("options", [])]}
    new_config = _clean_config(actor, database, new_type, config, prop)
    report, removed = None, set()
    if new_type != prop.type:
        report = _convert(actor, prop, new_type, new_config, dry_run)
        if dry_run:
            transaction.set_rollback(True)
            return {"property": prop, "conversion": report}
        prop.type = new_type
    else:
        removed = _removed_options(prop, new_config)
        if removed and not dry_run:
            _drop_options(prop, removed)
    if dry_run:
        return {"property": prop, "conversion": report}
    prop.config = new_config
    if name is not UNSET:
        new_name = _clean_name(database, name, exclude=prop.pk)
        if new_name != prop.name:
            for formula in Property.objects.filter(database=database, type="formula"):
                expression = rename_reference(formula.config.get("expression", ""), prop.name, new_name)
                if expression != formula.config.get("expression"):
                    formula.config = {**formula.config, "expression": expression}
                    formula.save(update_fields=["config"])
        prop.name = new_name
    if after_id is not UNSET:
        prop.rank = _rank_after(Property.objects.filter(database=database).exclude(pk=prop.pk), after_id, "after_id")
    try:
        with transaction.atomic():
            prop.save()
    except IntegrityError:
        raise Conflict("this database already has a property with that name", field="name") from None
    if before["type"] != prop.type and (before["type"] in counts.COUNTED_TYPES or prop.type in counts.COUNTED_TYPES):
        counts.recount(database.pk, [prop.pk], [prop])  # the values were converted in bulk: count them again
    elif removed and prop.type in counts.COUNTED_TYPES:
        counts.clear_options(database.pk, prop.pk, removed)
    changes = diff(before, {"name": prop.name, "type": prop.type, "config": prop.config, "rank": prop.rank})
    if report:
        changes["conversion"] = {key: report[key] for key in ("converted", "failed_count")}
    record_event(actor=actor, action="database.property_update", target=database, changes={"property_id": prop.pk, **changes})
    if before["type"] != prop.type:
        indexes.schedule_sync(database.pk)
    if changes:
        rows_changed(actor, [database.pk])
    return {"property": prop, "conversion": report}


def _rank_after(siblings, after_id, field: str) -> str:
    """A rank after sibling ``after_id`` (None: first); reads two neighbours, never the whole list."""
    if after_id is None:
        first = siblings.order_by("rank", "id").values_list("rank", flat=True).first()
        try:
            return ranks.rank_between(None, first)
        except ranks.RankError:
            return ranks.rank_between(None, None)
    if isinstance(after_id, bool) or not isinstance(after_id, int):
        raise InvalidInput("after_id is an id or null", field=field)
    before = siblings.filter(pk=after_id).values_list("rank", flat=True).first()
    if before is None:
        raise InvalidInput(f"{after_id} is not a sibling to place this after", field=field)
    after = siblings.filter(rank__gt=before).order_by("rank", "id").values_list("rank", flat=True).first()
    try:
        return ranks.rank_between(before, after)
    except ranks.RankError:
        last = siblings.order_by("-rank").values_list("rank", flat=True).first()
        return ranks.rank_between(last, None)


def _convert(actor, prop: Property, new_type: str, new_config: dict, dry_run: bool) -> dict:
    """Convert every row's value of ``prop`` to ``new_type`` (see update_property)."""
    old_entry, new_entry = property_type(prop.type), property_type(new_type)
    database = prop.database
    schema = Schema(database)
    prop = schema.by_id.get(prop.pk, prop)  # read with the configuration reads use (``PropertyType.read_config``)
    rows = list(Row.objects.filter(database=database).select_related("page"))
    cells = Cells(schema, rows, actor)
    names = names_for(cells, rows, [prop])
    context = context_for(actor, database, create_options=True)
    converted, failed, failed_count, changed, relations = 0, [], 0, [], {}
    for row in rows:
        cell = cells.cell(row, prop)
        if old_entry.is_empty(cell) and not (prop.type == "checkbox"):
            continue
        new_value, ok = None, True
        if new_entry.computed or new_entry.column:
            new_value = None  # computed from now on: nothing stored
        elif prop.type in ("select", "status") and new_type == "multi_select":
            new_value = new_entry.clean([old_entry.display(cell, prop.config)], new_config, context)
        elif prop.type == "multi_select" and new_type in ("select", "status"):
            names_list = old_entry.names(cell, prop.config)
            new_value = new_entry.clean(names_list[0], new_config, context) if names_list else None
            ok = len(names_list) <= 1
        else:
            text = cell_text(prop, cell, names, display=False)
            try:
                new_value = new_entry.from_text(text, new_config, context) if text.strip() else None
            except PropertyError:
                ok = False
            if prop.type == "checkbox" and new_type != "checkbox" and not cell:
                new_value, ok = (None, True) if new_type not in ("number",) else (new_value, ok)
        if ok:
            converted += 1 if not old_entry.is_empty(cell) else 0
        else:
            failed_count += 1
            if len(failed) < CONVERSION_REPORT_MAX:
                failed.append({"row_id": row.pk, "value": cell_text(prop, cell, names)})
        if new_entry.relation:
            relations[row.pk] = new_value or []
        stored = None if (new_entry.relation or new_entry.computed or new_entry.column) else new_value
        if not old_entry.stored and stored is None:
            continue
        row.values = _apply(row.values, {prop.key: stored})
        changed.append(row)
    if not dry_run:
        if old_entry.relation:
            owner, _forward = query.relation_owner(prop)
            RowRelation.objects.filter(property_id=owner).delete()
        if changed:
            Row.objects.bulk_update(changed, ["values"], batch_size=500)
        if relations:
            row_by_id = {row.pk: row for row in rows}
            prop.type, prop.config = new_type, new_config
            for row_id, ids in relations.items():
                _set_links(prop, row_by_id[row_id], ids)
    return {"from": old_entry.type, "to": new_type, "converted": converted, "failed_count": failed_count, "failed": failed}


@transaction.atomic
def delete_property(actor, prop: Property) -> None:
    """Delete a property and its values. Filters and sorts naming it are dropped from views when read; formulas
    naming it answer empty with an error; a two-way relation takes its pair with it."""
    database = prop.database
    permissions.require(actor, "edit", database)
    if prop.type == "title":
        raise InvalidInput("the title property cannot be deleted", field="property_id")
    pair = None
    if prop.type == "relation" and prop.config.get("paired_property_id"):
        pair = Property.objects.filter(pk=prop.config["paired_property_id"]).first()
    removed = [prop]
    if pair is not None and not prop.config.get("reverse"):
        removed.append(pair)  # the links belong to this property: its pair would read nothing
    elif pair is not None:
        pair.config = {key: value for key, value in pair.config.items() if key not in ("paired_property_id",)} | {"two_way": False}
        pair.save(update_fields=["config"])
    for gone in removed:
        _remove_key(gone)
        record_event(actor=actor, action="database.property_delete", target=gone.database,
                     changes={"property_id": gone.pk, "name": gone.name, "type": gone.type})
        indexes.schedule_sync(gone.database_id)
        counts.recount(gone.database_id, [gone.pk])
        gone.delete()
    rows_changed(actor, {gone.database_id for gone in removed})


def _remove_key(prop: Property) -> None:
    """Take the property's values out of every row, in one statement."""
    if not property_type(prop.type).stored:
        return
    table = Row._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f'UPDATE {table} SET "values" = "values" - %s WHERE database_id = %s AND "values" ? %s', [prop.key, prop.database_id, prop.key])
        else:
            cursor.execute(f'UPDATE {table} SET "values" = json_remove("values", %s) WHERE database_id = %s AND json_type("values", %s) IS NOT NULL',
                           [f'$."{prop.key}"', prop.database_id, f'$."{prop.key}"'])
