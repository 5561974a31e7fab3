"""Rows: create, change (one or in bulk), duplicate, archive and restore; every row is also a page."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ipai_platform_audit.services import record_event, record_events
from ipai_platform_permissions import services as permissions
from ipai_workos_core import services as core
from ipai_workos_core.registry import CONTENT_CHANGED, batched_content_notices, notify_pages
from workos.kernel import ranks
from workos.kernel.errors import Conflict, InvalidInput, NotFound

from .. import counts, query
from ..cells import Cells
from ..models import Database, Row, RowRelation
from ..query import Schema
from ..registry import rows_written
from ..scopes import DATABASE
from ._common import BULK_MAX, UNSET
from .properties import _rank_after
from .reads import _live_rows
from .validation import context_for, _apply, _audit_values, _clean_values, _set_links


def _next_numbers(database: Database, count: int) -> int:
    """Reserve ``count`` row numbers; the first one is returned. Locks the database row (one writer at a time)."""
    locked = Database.objects.select_for_update(no_key=True).get(pk=database.pk)
    first = locked.next_unique_id
    Database.objects.filter(pk=database.pk).update(next_unique_id=first + count)
    database.next_unique_id = first + count
    return first


def _last_rank(database: Database) -> str | None:
    return Row.objects.filter(database=database).order_by("-rank").values_list("rank", flat=True).first()


def _lock(row: Row) -> None:
    """Hold the row until the write commits, and read its values and trash state again under the lock: the
    maintained counts move from what the row holds now, not from what a concurrent write replaced. A row
    another request deleted since it was read is gone (404)."""
    current = Row.objects.select_for_update(no_key=True).filter(pk=row.pk).values("values", "archived_at").first()
    if current is None:
        raise NotFound("no such row")
    row.values, row.archived_at = current["values"], current["archived_at"]


def _insert_row(actor, database: Database, schema: Schema, stored: dict, relations: dict, title: str | None, rank: str, number: int) -> Row:
    # The row's page belongs to the database: it takes the database's access (also when the database is inline
    # in a restricted page) and stays out of the sidebar tree.
    page = core.create_page(actor, space=database.space, title=title or "", container=(DATABASE, database.pk))
    row = Row.objects.create(database=database, page=page, number=number, values=_apply({}, stored), rank=rank,
                             created_by=actor, updated_by=actor)
    for prop, ids in relations.items():
        _set_links(prop, row, ids)
    counts.add_rows(database.pk, counts.lock(database.pk), [row.values])
    notify_pages(CONTENT_CHANGED, [page.pk], actor)  # now that the page is a row, with its values
    rows_written(actor, row, schema, {key: {"before": None, "after": value} for key, value in row.values.items()})
    return row


@transaction.atomic
def create_row(actor, database: Database, values=None, *, after_id=UNSET) -> Row:
    """Add a row (and its page) with ``values`` keyed by property id or name; at the end unless ``after_id``
    (None: first)."""
    permissions.require(actor, "edit", database)
    if database.archived_at is not None:
        raise Conflict("this database is in the trash: restore it first")
    schema = Schema(database)
    stored, relations, title = _clean_values(schema, values, context_for(actor, database), partial=False)
    rank = ranks.rank_between(_last_rank(database), None) if after_id is UNSET else _rank_after(_live_rows(database), after_id, "after_id")
    row = _insert_row(actor, database, schema, stored, relations, title, rank, _next_numbers(database, 1))
    record_event(actor=actor, action="database.row_create", target=row, target_name=title or "Untitled",
                 changes={"database_id": database.pk, "values": _audit_values(schema, stored, relations, title)})
    return row


@transaction.atomic
def create_rows(actor, database: Database, rows: list, *, icons: list[str] | None = None) -> list[Row]:
    """Add many rows (and their pages) at the end of the database, in order — what ``create_row`` does for each
    of ``rows`` (a list of ``values`` objects keyed by property id or name), all or nothing, in a number of
    statements that does not grow with the rows: every row is validated first (a bad value answers 422 naming
    ``rows[i]`` and its property, and nothing is written), then the pages, their first versions, the rows and
    their links are inserted in bulk; the maintained counts move once; every row gets its ``database.row_create``
    audit event (recorded together) and the row listeners hear of each; the page listeners (the search index)
    hear of all the pages at once. At most ``BULK_MAX`` rows per call. ``icons``: the row pages' icons, in order."""
    permissions.require(actor, "edit", database)
    if database.archived_at is not None:
        raise Conflict("this database is in the trash: restore it first")
    if not isinstance(rows, list) or len(rows) > BULK_MAX:
        raise InvalidInput(f"rows is a list of at most {BULK_MAX} values objects", field="rows")
    if not rows:
        return []
    schema = Schema(database)
    context = context_for(actor, database)
    cleaned = []
    for index, values in enumerate(rows):
        try:
            cleaned.append(_clean_values(schema, values, context, partial=False))
        except InvalidInput as error:
            raise InvalidInput(error.message, field=f"rows[{index}].{error.field}" if error.field else f"rows[{index}]") from None
    with batched_content_notices():  # the pages' listeners (the search index) hear of all of them once, at the end
        return _create_rows(actor, database, schema, cleaned, icons)


def _create_rows(actor, database: Database, schema: Schema, cleaned: list, icons, *, audit_rows: bool = True) -> list[Row]:
    """``audit_rows``: one ``database.row_create`` event per row (a CSV import records one event for the import
    instead; the row pages' ``page.create`` events are recorded either way)."""
    first_number = _next_numbers(database, len(cleaned))  # locks the database: row numbers and counts move together
    keys = ranks.ranks_between(_last_rank(database), None, len(cleaned))
    pages = core.create_contained_pages(actor, space=database.space, titles=[title or "" for _stored, _relations, title in cleaned],
                                        container=(DATABASE, database.pk), icons=icons)
    made = Row.objects.bulk_create([
        Row(database=database, page=page, number=first_number + index, values=_apply({}, stored), rank=keys[index],
            created_by=actor, updated_by=actor)
        for index, ((stored, _relations, _title), page) in enumerate(zip(cleaned, pages))])
    links = []
    for row, (_stored, relations, _title) in zip(made, cleaned):
        for prop, ids in relations.items():
            owner, forward = query.relation_owner(prop)
            mine, other = ("source", "target") if forward else ("target", "source")
            links.extend(RowRelation(property_id=owner, position=position, **{mine: row, f"{other}_id": other_id})
                         for position, other_id in enumerate(dict.fromkeys(ids)))
    RowRelation.objects.bulk_create(links, batch_size=1000)
    counts.add_rows(database.pk, counts.lock(database.pk), [row.values for row in made])
    notify_pages(CONTENT_CHANGED, [page.pk for page in pages], actor)  # now that the pages are rows, with their values
    for row in made:
        rows_written(actor, row, schema, {key: {"before": None, "after": value} for key, value in row.values.items()})
    if not audit_rows:
        return made
    record_events(actor=actor, events=[
        {"action": "database.row_create", "target": row, "target_name": title or "Untitled",
         "changes": {"database_id": database.pk, "values": _audit_values(schema, stored, relations, title)}}
        for row, (stored, relations, title) in zip(made, cleaned)])
    return made


def _update_one(actor, row: Row, schema: Schema, stored: dict, relations: dict, title, cells: Cells | None = None) -> dict:
    """``cells``: the actor's cells of the row, when ``relations`` are set — the links to rows the actor cannot
    read are not shown to them, so a new list of links replaces only the ones they can see."""
    before = dict(row.values)
    row.values = _apply(row.values, stored)
    row.updated_by = actor
    if title is not None and title != row.page.title:
        core.update_page(actor, row.page, title=title)
    for prop, ids in relations.items():
        kept = [other for other in cells.hidden_links(row, prop) if other not in ids] if cells is not None else []
        _set_links(prop, row, list(ids) + kept)
    row.save(update_fields=["values", "updated_by", "updated_at"])
    if row.archived_at is None:
        counts.move_row(row.database_id, counts.counted_properties(schema), before, row.values)
    notify_pages(CONTENT_CHANGED, [row.page_id], actor)
    changes = {key: {"before": before.get(key), "after": row.values.get(key)} for key in stored if before.get(key) != row.values.get(key)}
    rows_written(actor, row, schema, changes)
    return changes


@transaction.atomic
def update_row(actor, row: Row, values: dict, *, after_id=UNSET) -> Row:
    """Change some of a row's values (others stay); null or empty clears a value. ``after_id`` moves it."""
    database = row.database
    permissions.require(actor, "edit", database)
    if row.archived_at is not None or database.archived_at is not None:
        raise Conflict("this row is in the trash: restore it first")
    _lock(row)
    if row.archived_at is not None:
        raise Conflict("this row is in the trash: restore it first")
    schema = Schema(database)
    stored, relations, title = _clean_values(schema, values, context_for(actor, database), partial=True)
    changes = _update_one(actor, row, schema, stored, relations, title, Cells(schema, [row], actor) if relations else None)
    if after_id is not UNSET:
        row.rank = _rank_after(_live_rows(database).exclude(pk=row.pk), after_id, "after_id")
        row.save(update_fields=["rank"])
        changes["rank"] = row.rank
    record_event(actor=actor, action="database.row_update", target=row, target_name=row.page.title or "Untitled",
                 changes={"values": _audit_values(schema, {k: v["after"] for k, v in changes.items() if k != "rank"}, relations, title),
                          **({"rank": changes["rank"]} if "rank" in changes else {})})
    return row


@transaction.atomic
def duplicate_row(actor, row: Row) -> Row:
    """A copy of the row right after it: same values and links, a new page titled like the original."""
    database = row.database
    permissions.require(actor, "edit", database)
    if row.archived_at is not None:
        raise Conflict("this row is in the trash: restore it first")
    schema = Schema(database)
    following = _live_rows(database).filter(Q(rank__gt=row.rank)).order_by("rank", "id").values_list("rank", flat=True).first()
    try:
        rank = ranks.rank_between(row.rank, following if following and following > row.rank else None)
    except ranks.RankError:
        rank = ranks.rank_between(_last_rank(database), None)
    # only the links the duplicating user can read: a copy never holds a link they could not have set themselves
    cells = Cells(schema, [row], actor)
    relations = {prop: cells.cell(row, prop) for prop in schema.properties if prop.type == "relation"}
    copy = _insert_row(actor, database, schema, dict(row.values), relations, row.page.title, rank, _next_numbers(database, 1))
    record_event(actor=actor, action="database.row_duplicate", target=copy, target_name=copy.page.title or "Untitled",
                 changes={"database_id": database.pk, "source_row_id": row.pk})
    return copy




@transaction.atomic
def archive_row(actor, row: Row) -> Row:
    """Move a row (and its page) to the trash."""
    permissions.require(actor, "delete", row.database)
    _lock(row)
    if row.archived_at is None:
        core.archive_page(actor, row.page)
        row.archived_at = timezone.now()
        row.save(update_fields=["archived_at"])
        counts.remove_rows(row.database_id, counts.lock(row.database_id), [row.values])
        record_event(actor=actor, action="database.row_archive", target=row, target_name=row.page.title or "Untitled",
                     changes={"archived_at": {"before": None, "after": row.archived_at}})
    return row


@transaction.atomic
def restore_row(actor, row: Row) -> Row:
    permissions.require(actor, "delete", row.database)
    _lock(row)
    if row.archived_at is not None:
        core.restore_page(actor, row.page)
        before, row.archived_at = row.archived_at, None
        row.save(update_fields=["archived_at"])
        counts.add_rows(row.database_id, counts.lock(row.database_id), [row.values])
        record_event(actor=actor, action="database.row_restore", target=row, target_name=row.page.title or "Untitled",
                     changes={"archived_at": {"before": before, "after": None}})
    return row
