"""A row's page belongs to its database: it stays out of the sidebar tree and takes the database's access, also
when the database is inline in a page the reader may not see."""

import pytest

from ipai_platform_permissions import services as permissions
from ipai_workos_core import services as core
from ipai_workos_db import services
from workos.kernel.errors import NotFound


def test_row_pages_stay_out_of_the_tree_and_follow_the_inline_databases_page(tree, make_user, member_of):
    colleague = member_of(make_user(), "member")
    secret = core.create_page(tree.admin, space=tree.space, title="Board only")
    permissions.grant(tree.admin, secret, "none", user_id=colleague.pk)
    database = services.create_database(tree.admin, parent_page=secret, title="Salaries")
    row = services.create_row(tree.admin, database, {"Name": "Ada"})

    tree_ids = [node["id"] for node in core.space_tree(tree.admin, tree.space)]

    assert row.page.pk not in tree_ids
    assert row.page not in list(core.pages_for(tree.admin, space_id=tree.space.pk))
    assert core.get_page(tree.admin, row.page.pk) == row.page
    with pytest.raises(NotFound):
        core.get_page(colleague, row.page.pk)  # they see the space, not the page the database is in


def test_a_row_deleted_by_another_request_after_it_was_read_is_not_found_not_a_server_error(tree, api_for):
    """What schemathesis found with two workers: a row read, then deleted (its database deleted for good) by a
    concurrent request before the trash write — 404, and the JSON error format for any such race in the API."""
    from ipai_workos_db.models import Row

    database = services.create_database(tree.admin, space=tree.space, title="Tasks")
    row = services.create_row(tree.admin, database, {"Name": "Fix login"})
    read = services.get_row(tree.admin, row.pk)
    Row.objects.filter(pk=row.pk).delete()  # the other request, committed meanwhile

    with pytest.raises(NotFound):
        services.archive_row(tree.admin, read)
    with pytest.raises(NotFound):
        services.restore_row(tree.admin, read)


def test_a_write_that_finds_its_row_gone_answers_409_in_the_error_format(tree, api_for, monkeypatch):
    from django.db import DatabaseError

    def gone(*args, **kwargs):
        raise DatabaseError("Save with update_fields did not affect any rows.")

    monkeypatch.setattr(core, "update_page", gone)
    answer = api_for(tree.admin).patch(f"/pages/{tree.page.pk}", {"title": "Renamed"})

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "conflict" and "meanwhile" in answer.json()["error"]["message"]
