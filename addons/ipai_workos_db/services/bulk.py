"""Bulk edit, delete and restore of a selection of rows: the rows named by id, or every row matching a filter.

One selection rule for all three (``_selection``): at most ``BULK_MAX`` rows, all or nothing; the actor needs the
action on the database, and on each row whose page carries a grant of its own (a row they may not change is left
out of a filter's selection, and refused when named by id; a row they cannot read is "not a live row of this
database", as if it did not exist). Each row changes as the one-row service changes it (pages, links, search
index, listeners; the pages go to the trash and come back together, ``core.archive_pages``), the maintained counts move in the same transaction, and every row gets its own audit event,
recorded together (``record_events``) like ``create_rows``. Deleting moves the rows to the trash: ``restore_rows``
with the same ids is the undo."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ipai_platform_audit.services import record_events
from ipai_platform_permissions import services as permissions
from ipai_workos_core import services as core
from ipai_workos_core.registry import batched_content_notices
from ipai_workos_core.scopes import PAGE
from workos.kernel.errors import Conflict, InvalidInput, PermissionDenied

from .. import counts, query
from ..cells import Cells, readable_for
from ..models import Database, Property, Row
from ..properties import Context, PropertyError, property_type
from ..query import Schema
from ._common import BULK_MAX
from .reads import select_rows
from .validation import _audit_values, _clean_values, context_for


def _row_ids(row_ids) -> list[int]:
    if (not isinstance(row_ids, list) or not row_ids or len(row_ids) > BULK_MAX
            or any(isinstance(i, bool) or not isinstance(i, int) for i in row_ids)):
        raise InvalidInput(f"row_ids is a list of 1 to {BULK_MAX} row ids", field="row_ids")
    return list(dict.fromkeys(row_ids))


def _selection(actor, database: Database, schema: Schema, action: str, *, row_ids=None, filter=None, archived: bool = False) -> list[Row]:
    """The rows a bulk ``action`` ("edit", "delete") changes, locked, in row order (see the module docstring).
    ``archived``: select among the rows in the trash (restore) instead of the live ones."""
    rows = Row.objects.filter(database=database, archived_at__isnull=not archived).select_related("page")
    readable = readable_for(actor)
    exceptions = readable.exceptions(database.pk)  # rows whose page has a grant of its own for the actor
    if row_ids is not None:
        wanted = _row_ids(row_ids)
        rows = rows.filter(pk__in=wanted)
    else:
        if archived:
            raise InvalidInput("rows in the trash are named by row_ids", field="row_ids")
        tree = readable.filter_tree(schema, query.clean_filter(schema, filter))
        if query.tree_needs_python(schema, tree, []):
            matching = select_rows(schema, tree=tree, limit=BULK_MAX + 1, viewer=readable, count=False)["rows"]
            rows = rows.filter(pk__in=[row.pk for row in matching])
        else:
            rows = rows.filter(query.filter_q(schema, tree))
    # locked: the maintained counts move from the values the rows hold now
    found = list(rows.select_for_update(no_key=True, of=("self",)).order_by("rank", "id")[: BULK_MAX + 1])
    if len(found) > BULK_MAX:
        raise InvalidInput(f"a bulk change takes at most {BULK_MAX} rows: narrow the filter", field="filter")
    granted = {int(pk) for model, pk in readable.access.grants if model == PAGE and str(pk).isdigit()}
    kept = []
    for row in found:
        if row.pk in exceptions and not readable.row(database.pk, row.pk):
            continue  # unreadable: as if it did not exist
        if row.page_id in granted and not permissions.can(actor, action, row.page):
            if row_ids is not None:
                raise PermissionDenied(f"you may not {action} row {row.pk}")
            continue
        kept.append(row)
    if row_ids is not None:
        known = {row.pk for row in kept}
        missing = [row_id for row_id in wanted if row_id not in known]
        if missing:
            state = "in the trash" if archived else "live"
            raise InvalidInput(f"row {missing[0]} is not a {state} row of this database", field="row_ids")
    return kept


def _writable_database(actor, database: Database, action: str) -> None:
    permissions.require(actor, action, database)
    if database.archived_at is not None:
        raise Conflict("this database is in the trash: restore it first")


@transaction.atomic
def bulk_update_rows(actor, database: Database, *, row_ids=None, filter=None, values: dict) -> int:
    """Set the same ``values`` on many rows at once — the rows named by ``row_ids``, or every row matching
    ``filter`` (None: every row) — all or nothing, as ``update_row`` would one by one; one
    ``database.row_update`` audit event per row. Answers how many rows changed."""
    from .rows import _update_one

    _writable_database(actor, database, "edit")
    schema = Schema(database)
    stored, relations, title = _clean_values(schema, values, context_for(actor, database), partial=True)
    rows = _selection(actor, database, schema, "edit", row_ids=row_ids, filter=filter)
    cells = Cells(schema, rows, actor) if relations else None
    events = []
    with batched_content_notices():  # the search index hears of all the rows once
        for row in rows:
            changes = _update_one(actor, row, schema, stored, relations, title, cells)
            events.append({"action": "database.row_update", "target": row, "target_name": row.page.title or "Untitled",
                           "changes": {"values": _audit_values(schema, {k: v["after"] for k, v in changes.items()}, relations, title),
                                       "bulk": True}})
    record_events(actor=actor, events=events)
    return len(rows)


@transaction.atomic
def link_rows(actor, prop: Property, links: dict[int, list[int]]) -> int:
    """Set the links of one relation property on many rows, each row its own list (``links``: row id -> the ids of
    the related rows, in order) — what ``update_row`` does with ``{prop: ids}`` row by row, all or nothing, the
    related rows checked in one query per ``BULK_MAX`` rows; one ``database.row_update`` audit event per row,
    recorded together. An import sets its relations this way once every database and row exists (Notion's
    databases link each other in any order, and themselves). Answers how many rows changed."""
    from .rows import _update_one

    database = prop.database
    _writable_database(actor, database, "edit")
    schema = Schema(database)
    prop = schema.by_id.get(prop.pk)
    if prop is None or prop.type != "relation":
        raise InvalidInput("links are set on a relation property of the database", field="property")
    if not isinstance(links, dict):
        raise InvalidInput("links is an object: row id -> related row ids", field="links")
    context = context_for(actor, database)
    entry = property_type(prop.type)
    items = list(links.items())
    events = []
    with batched_content_notices():  # the search index hears of all the rows once
        for start in range(0, len(items), BULK_MAX):
            chunk = dict(items[start:start + BULK_MAX])
            related = {other for ids in chunk.values() for other in (ids if isinstance(ids, list) else [])
                       if isinstance(other, int) and not isinstance(other, bool)}
            live = context.resolve_rows(prop.config, list(related)) if related else set()
            checked = Context(database=database, actor=actor, resolve_rows=lambda _config, _ids, live=live: live)
            cleaned = {}
            for row_id, ids in chunk.items():
                try:
                    cleaned[row_id] = entry.clean(ids, prop.config, checked)
                except PropertyError as error:
                    raise InvalidInput(f"{prop.name}: row {row_id}: {error.message}", field=f"links.{row_id}") from None
            rows = _selection(actor, database, schema, "edit", row_ids=list(cleaned))
            cells = Cells(schema, rows, actor)
            for row in rows:
                _update_one(actor, row, schema, {}, {prop: cleaned[row.pk]}, None, cells)
                events.append({"action": "database.row_update", "target": row, "target_name": row.page.title or "Untitled",
                               "changes": {"values": _audit_values(schema, {}, {prop: cleaned[row.pk]}, None), "bulk": True}})
    record_events(actor=actor, events=events)
    return len(events)


@transaction.atomic
def archive_rows(actor, database: Database, *, row_ids=None, filter=None) -> list[int]:
    """Move many rows (and their pages) to the trash — the rows named by ``row_ids``, or every row matching
    ``filter`` — all or nothing; one ``database.row_archive`` audit event per row. Answers the ids of the rows
    moved, for ``restore_rows`` (the undo)."""
    _writable_database(actor, database, "delete")
    schema = Schema(database)
    rows = _selection(actor, database, schema, "delete", row_ids=row_ids, filter=filter)
    now = timezone.now()
    core.archive_pages(actor, [row.page for row in rows])
    Row.objects.filter(pk__in=[row.pk for row in rows]).update(archived_at=now)
    counts.remove_rows(database.pk, counts.lock(database.pk), [row.values for row in rows])
    record_events(actor=actor, events=[
        {"action": "database.row_archive", "target": row, "target_name": row.page.title or "Untitled",
         "changes": {"archived_at": {"before": None, "after": now}, "bulk": True}} for row in rows])
    return [row.pk for row in rows]


@transaction.atomic
def restore_rows(actor, database: Database, *, row_ids) -> list[int]:
    """Bring many rows back from the trash (the undo of ``archive_rows``), all or nothing; one
    ``database.row_restore`` audit event per row. Answers the ids of the rows restored."""
    _writable_database(actor, database, "delete")
    schema = Schema(database)
    rows = _selection(actor, database, schema, "delete", row_ids=row_ids, archived=True)
    core.restore_pages(actor, [row.page for row in rows])
    Row.objects.filter(pk__in=[row.pk for row in rows]).update(archived_at=None)
    counts.add_rows(database.pk, counts.lock(database.pk), [row.values for row in rows])
    record_events(actor=actor, events=[
        {"action": "database.row_restore", "target": row, "target_name": row.page.title or "Untitled",
         "changes": {"archived_at": {"before": row.archived_at, "after": None}, "bulk": True}} for row in rows])
    return [row.pk for row in rows]
