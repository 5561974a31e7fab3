"""Bulk edit, delete and restore of a selection (by ids or by filter): counts stay equal to COUNT(*), one audit
event per row, the undo restores exactly the deleted rows, and each row's own permission is respected."""

from __future__ import annotations

import pytest

from ipai_platform_audit.models import AuditEvent
from ipai_platform_permissions import services as permissions
from ipai_workos_db import counts, services
from ipai_workos_db.models import Row
from ipai_workos_db.query import Schema
from workos.kernel.errors import InvalidInput, PermissionDenied

from .test_counts import _maintained, _truth


@pytest.fixture
def tasks(tree, people):
    database = services.create_database(people.editor, space=tree.space, title="Tasks", properties=[
        {"name": "Tag", "type": "select", "config": {"options": ["bug", "feature"]}}, {"name": "Points", "type": "number"}])
    services.create_rows(people.editor, database, [{"Name": f"task-{i}", "Tag": "bug" if i % 3 else "feature", "Points": i} for i in range(12)])
    return database


def _live_titles(database) -> list[str]:
    return list(Row.objects.filter(database=database, archived_at__isnull=True).order_by("rank", "id").values_list("page__title", flat=True))


def test_bulk_delete_of_a_filter_then_undo_keeps_counts_equal_to_count_star(tree, people, tasks):
    bugs = {"property": "Tag", "operator": "is", "value": "bug"}
    bug_count = len(services.list_rows(people.editor, tasks, filter=bugs, limit=100)["rows"])

    deleted = services.archive_rows(people.editor, tasks, filter=bugs)

    assert len(deleted) == bug_count == 8
    assert _maintained(tasks) == _truth(tasks) and counts.read(tasks.pk)[(0, "")] == 4
    assert services.list_rows(people.editor, tasks, filter=bugs)["rows"] == []
    assert all(row.page.archived_at is not None for row in Row.objects.filter(pk__in=deleted).select_related("page"))
    events = AuditEvent.objects.filter(action="database.row_archive", target_id__in=[str(pk) for pk in deleted])
    assert events.count() == 8

    restored = services.restore_rows(people.editor, tasks, row_ids=deleted)

    assert sorted(restored) == sorted(deleted)
    assert len(_live_titles(tasks)) == 12 and _maintained(tasks) == _truth(tasks)
    assert AuditEvent.objects.filter(action="database.row_restore", target_id__in=[str(pk) for pk in deleted]).count() == 8


def test_bulk_edit_of_a_filter_audits_each_row_and_moves_the_counts(tree, people, tasks):
    feature_id = next(o["id"] for o in Schema(tasks).by_name["tag"].config["options"] if o["name"] == "feature")

    changed = services.bulk_update_rows(people.editor, tasks, filter={"property": "Points", "operator": "gte", "value": 6}, values={"Tag": "feature"})

    assert changed == 6
    assert _maintained(tasks) == _truth(tasks)
    assert counts.read(tasks.pk)[(Schema(tasks).by_name["tag"].pk, feature_id)] == 8  # 0, 3 below 6; 6..11 now
    assert AuditEvent.objects.filter(action="database.row_update", changes__bulk=True).count() == 6


def test_a_row_the_editor_may_not_change_is_left_out_of_a_filter_and_refused_by_id(tree, people, tasks):
    rows = list(Row.objects.filter(database=tasks).order_by("rank", "id").select_related("page"))
    permissions.grant(tree.admin, rows[0].page, "view", user_id=people.editor.pk)  # read only, this one row
    permissions.grant(tree.admin, rows[1].page, "none", user_id=people.editor.pk)  # not even readable

    deleted = services.archive_rows(people.editor, tasks, filter=None)

    assert sorted(deleted) == sorted(row.pk for row in rows[2:])
    assert _live_titles(tasks) == ["task-0", "task-1"]
    services.restore_rows(people.editor, tasks, row_ids=deleted)
    with pytest.raises(PermissionDenied):
        services.archive_rows(people.editor, tasks, row_ids=[rows[0].pk, rows[2].pk])
    with pytest.raises(InvalidInput) as refused:
        services.bulk_update_rows(people.editor, tasks, row_ids=[rows[1].pk], values={"Points": 1})
    assert refused.value.field == "row_ids" and "not a live row" in refused.value.message
    assert len(_live_titles(tasks)) == 12 and _maintained(tasks) == _truth(tasks)


def test_a_viewer_cannot_bulk_delete_and_nothing_changes(tree, people, tasks):
    with pytest.raises(PermissionDenied):
        services.archive_rows(people.viewer, tasks, filter=None)
    assert len(_live_titles(tasks)) == 12


def test_bulk_delete_and_restore_over_the_api(tree, people, tasks, api_for):
    api = api_for(people.editor)
    bugs = {"property": "Tag", "operator": "is", "value": "bug"}

    deleted = api.post(f"/databases/{tasks.pk}/rows/archive", {"filter": bugs})
    assert deleted.status_code == 200, deleted.json()
    body = deleted.json()
    assert body["count"] == 8 and len(body["row_ids"]) == 8
    assert api.get(f"/databases/{tasks.pk}/rows").json()["count"] == 4

    again = api.post(f"/databases/{tasks.pk}/rows/restore", {"row_ids": body["row_ids"]})
    assert again.status_code == 200 and again.json()["count"] == 8
    assert api.get(f"/databases/{tasks.pk}/rows").json()["count"] == 12

    both = api.post(f"/databases/{tasks.pk}/rows/archive", {"row_ids": body["row_ids"], "filter": bugs})
    assert both.status_code == 422 and both.json()["error"]["field"] == "row_ids"
    missing = api.post(f"/databases/{tasks.pk}/rows/restore", {"row_ids": body["row_ids"][:1]})  # not in the trash
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "row_ids"
    assert api_for(people.viewer).post(f"/databases/{tasks.pk}/rows/archive", {"filter": {}}).status_code == 403
    assert api_for(people.outsider).post(f"/databases/{tasks.pk}/rows/archive", {"filter": {}}).status_code == 404
    document = api.get("/openapi.json").json()
    operation = document["paths"]["/api/v1/databases/{database_id}/rows/archive"]["post"]
    assert {"403", "404", "422"} <= set(operation["responses"])


def test_bulk_trash_takes_the_row_pages_sub_pages_and_restore_brings_back_only_those(tree, people, tasks):
    from ipai_workos_core import services as core
    from ipai_workos_core.models import Page
    from ipai_workos_search.models import SearchDocument

    rows = list(Row.objects.filter(database=tasks).order_by("rank", "id").select_related("page"))[:3]
    child = core.create_page(people.editor, parent=rows[0].page, title="Notes of task-0")
    grandchild = core.create_page(people.editor, parent=child, title="Deeper")
    earlier = core.create_page(people.editor, parent=rows[1].page, title="Trashed before")
    core.archive_page(people.editor, earlier)
    earlier.refresh_from_db()
    trashed_before = earlier.archived_at

    deleted = services.archive_rows(people.editor, tasks, row_ids=[row.pk for row in rows])

    assert sorted(deleted) == sorted(row.pk for row in rows)
    pages = Page.objects.in_bulk([row.page_id for row in rows] + [child.pk, grandchild.pk, earlier.pk])
    assert all(pages[row.page_id].archived_at is not None for row in rows)
    assert pages[child.pk].archived_at == pages[grandchild.pk].archived_at == pages[rows[0].page_id].archived_at
    assert pages[earlier.pk].archived_at == trashed_before  # already in the trash: left as it was
    events = {event.target_id: event.changes["pages"] for event in AuditEvent.objects.filter(action="page.archive", target_id__in=[str(row.page_id) for row in rows])}
    assert events == {str(rows[0].page_id): 3, str(rows[1].page_id): 1, str(rows[2].page_id): 1}
    assert set(SearchDocument.objects.filter(page_id__in=[row.page_id for row in rows]).values_list("trashed", flat=True)) == {True}
    assert _maintained(tasks) == _truth(tasks) and len(_live_titles(tasks)) == 9

    services.restore_rows(people.editor, tasks, row_ids=deleted)

    pages = Page.objects.in_bulk([row.page_id for row in rows] + [child.pk, grandchild.pk, earlier.pk])
    assert all(pages[pk].archived_at is None for pk in [row.page_id for row in rows] + [child.pk, grandchild.pk])
    assert pages[earlier.pk].archived_at == trashed_before  # went to the trash on its own: stays there
    assert set(SearchDocument.objects.filter(page_id__in=[row.page_id for row in rows]).values_list("trashed", flat=True)) == {False}
    assert AuditEvent.objects.filter(action="page.restore", target_id__in=[str(row.page_id) for row in rows]).count() == 3
    assert _maintained(tasks) == _truth(tasks) and len(_live_titles(tasks)) == 12


def test_a_viewer_naming_rows_gets_403_over_the_api_and_nothing_changes(tree, people, tasks, api_for):
    ids = list(Row.objects.filter(database=tasks).values_list("pk", flat=True))

    refused = api_for(people.viewer).post(f"/databases/{tasks.pk}/rows/archive", {"row_ids": ids})

    assert refused.status_code == 403
    assert len(_live_titles(tasks)) == 12 and _maintained(tasks) == _truth(tasks)
    assert not Row.objects.filter(database=tasks, page__archived_at__isnull=False).exists()
    assert not AuditEvent.objects.filter(action__in=["database.row_archive", "page.archive"]).exists()
