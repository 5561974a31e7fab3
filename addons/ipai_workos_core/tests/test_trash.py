"""Trash: archive with sub-pages, list (permission-filtered), restore (also when the parent is still in the
trash), delete forever, and the retention purge through the service and the real CLI."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from ipai_platform_audit.models import AuditEvent
from ipai_workos_core import services
from ipai_workos_core.models import Page
from workos.kernel.errors import Conflict, PermissionDenied


def test_archive_and_restore_bring_back_the_subtree(tree):
    deeper = services.create_page(tree.admin, parent=tree.subpage, title="Deeper")

    services.archive_page(tree.admin, tree.page)
    assert Page.objects.filter(archived_at__isnull=False).count() == 3
    services.restore_page(tree.admin, Page.objects.get(pk=tree.page.pk))

    assert not Page.objects.filter(pk__in=[tree.page.pk, tree.subpage.pk, deeper.pk], archived_at__isnull=False).exists()
    assert Page.objects.get(pk=deeper.pk).parent_id == tree.subpage.pk


def test_restore_keeps_apart_what_was_trashed_separately(tree):
    services.archive_page(tree.admin, tree.subpage)
    services.archive_page(tree.admin, tree.page)

    services.restore_page(tree.admin, Page.objects.get(pk=tree.page.pk))

    assert Page.objects.get(pk=tree.subpage.pk).archived_at is not None


def test_restore_with_the_parent_still_in_the_trash_goes_to_the_top_of_the_space(tree):
    deeper = services.create_page(tree.admin, parent=tree.subpage, title="Deeper")
    services.archive_page(tree.admin, tree.page)
    last = services.create_page(tree.admin, space=tree.space, title="Last")

    restored = services.restore_page(tree.admin, Page.objects.get(pk=tree.subpage.pk))

    assert restored.parent_id is None and restored.archived_at is None and restored.rank > last.rank
    assert Page.objects.get(pk=deeper.pk).archived_at is None and Page.objects.get(pk=deeper.pk).parent_id == tree.subpage.pk
    assert Page.objects.get(pk=tree.page.pk).archived_at is not None
    event = AuditEvent.objects.filter(action="page.restore").last()
    assert event.changes["parent_id"] == {"before": tree.page.pk, "after": None}


def test_trash_lists_trashed_trees_the_user_can_see(tree, people, hidden, api_for):
    page, below = hidden
    other = services.create_page(tree.admin, space=tree.space, title="Other")
    services.archive_page(tree.admin, page)
    services.archive_page(tree.admin, other)

    admin = api_for(tree.admin).get("/trash", workspace_id=tree.workspace.pk).json()
    assert [item["title"] for item in admin["items"]] == ["Other", "Salaries"]  # newest first, sub-pages go with their tree
    assert admin["items"][0]["archived_by"] == tree.admin.get_username()

    editor = api_for(people.editor).get("/trash").json()
    assert [item["title"] for item in editor["items"]] == ["Other"]
    assert "Salaries" not in json.dumps(editor)
    viewer = api_for(people.viewer).get("/trash").json()  # a guest sees only what is under the page shared with them
    assert [item["title"] for item in viewer["items"]] == ["Salaries"] and viewer["items"][0]["space_id"] is None
    assert api_for(people.outsider).get("/trash", workspace_id=tree.workspace.pk).status_code == 404

    first = api_for(tree.admin).get("/trash", limit=1).json()
    second = api_for(tree.admin).get("/trash", limit=1, cursor=first["next_cursor"]).json()
    assert [first["items"][0]["title"], second["items"][0]["title"]] == ["Other", "Salaries"] and second["next_cursor"] is None


def test_delete_forever_only_from_the_trash(tree, people, api_for):
    editor = api_for(people.editor)
    assert editor.delete(f"/trash/{tree.page.pk}").status_code == 409

    services.archive_page(tree.admin, tree.page)
    assert api_for(people.viewer).delete(f"/trash/{tree.page.pk}").status_code == 403
    assert editor.delete(f"/trash/{tree.page.pk}").status_code == 204

    assert not Page.objects.filter(pk__in=[tree.page.pk, tree.subpage.pk]).exists()


def test_viewer_cannot_trash_or_restore(tree, people):
    with pytest.raises(PermissionDenied):
        services.archive_page(people.viewer, tree.page)
    services.archive_page(tree.admin, tree.page)
    with pytest.raises(PermissionDenied):
        services.restore_page(people.viewer, Page.objects.get(pk=tree.page.pk))


def test_trashed_pages_cannot_be_moved_or_receive_pages(tree):
    other = services.create_page(tree.admin, space=tree.space, title="Other")
    services.archive_page(tree.admin, tree.page)

    with pytest.raises(Conflict):
        services.move_page(tree.admin, Page.objects.get(pk=tree.page.pk), parent=None)
    with pytest.raises(Conflict):
        services.move_page(tree.admin, other, parent=Page.objects.get(pk=tree.page.pk))


def test_purge_deletes_only_what_is_past_the_retention(tree):
    old = services.create_page(tree.admin, space=tree.space, title="Old")
    services.archive_page(tree.admin, old)
    services.archive_page(tree.admin, tree.page)
    Page.objects.filter(pk=old.pk).update(archived_at=timezone.now() - timedelta(days=31))

    dry = services.purge_trash(None, dry_run=True)
    assert dry["trees"] == 1 and Page.objects.filter(pk=old.pk).exists()
    result = services.purge_trash(None)

    assert result["trees"] == 1 and result["pages"] == 1 and result["days"] == 30
    assert not Page.objects.filter(pk=old.pk).exists()
    assert Page.objects.filter(pk__in=[tree.page.pk, tree.subpage.pk]).count() == 2
    assert AuditEvent.objects.filter(action="page.purge", target_id=str(old.pk)).exists()


def test_retention_setting_changes_the_purge(tree, people, make_user, api_for):
    root = make_user(admin=True)
    services.archive_page(tree.admin, tree.page)
    Page.objects.filter(archived_at__isnull=False).update(archived_at=timezone.now() - timedelta(days=10))

    assert api_for(people.editor).put("/trash/settings", {"trash_retention_days": 7}).status_code == 403
    assert api_for(root).put("/trash/settings", {"trash_retention_days": -1}).status_code == 422
    assert api_for(root).put("/trash/settings", {"trash_retention_days": 7}).json() == {"trash_retention_days": 7}
    assert api_for(people.editor).get("/trash/settings").json() == {"trash_retention_days": 7}

    assert services.purge_trash(None)["pages"] == 2
    services.set_trash_retention(root, 0)  # keep until deleted by hand
    ancient = services.archive_page(tree.admin, services.create_page(tree.admin, space=tree.space, title="Ancient"))
    Page.objects.filter(pk=ancient.pk).update(archived_at=timezone.now() - timedelta(days=3650))
    assert services.purge_trash(None)["trees"] == 0 and Page.objects.filter(pk=ancient.pk).exists()
    with pytest.raises(PermissionDenied):
        services.purge_trash(people.editor)


def test_cli_purges_the_trash(site):
    site.install("ipai_workos_core")
    assert site.workos("user", "create", "ops", "--admin").returncode == 0
    assert site.workos("demo", "load", "--user", "ops").returncode == 0
    page_id, = site.sql("SELECT id FROM ipai_workos_page ORDER BY id LIMIT 1")[0]
    stamp = "2000-01-01 00:00:00" if site.database_kind == "sqlite" else "2000-01-01 00:00:00+00"
    _execute(site, f"UPDATE ipai_workos_page SET archived_at = '{stamp}' WHERE id = {page_id}")
    pages_before = site.sql("SELECT COUNT(*) FROM ipai_workos_page")[0][0]

    dry = site.workos("pages", "purge-trash", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["trees"] == 1 and site.sql("SELECT COUNT(*) FROM ipai_workos_page")[0][0] == pages_before

    run = site.workos("pages", "purge-trash")
    assert run.returncode == 0, run.stderr
    assert "deleted 1 pages" in run.stdout
    assert site.sql(f"SELECT COUNT(*) FROM ipai_workos_page WHERE id = {page_id}")[0][0] == 0
    assert site.sql("SELECT COUNT(*) FROM ipai_workos_page")[0][0] == pages_before - 1
    assert site.workos("pages", "purge-trash", "--days", "-1").returncode == 2


def _execute(site, statement: str) -> None:
    if site.database_kind == "sqlite":
        import sqlite3

        connection = sqlite3.connect(site.database_url[len("sqlite:///"):])
        try:
            connection.execute(statement)
            connection.commit()
        finally:
            connection.close()
        return
    import psycopg

    with psycopg.connect(site.database_url, autocommit=True) as connection:
        connection.execute(statement)
