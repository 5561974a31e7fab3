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
