"""Fixtures of the core tests: users at each access level on the shared workspace tree."""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass
class People:
    admin: object
    editor: object  # workspace member: edit on every page of the team space
    viewer: object  # guest with a view grant on the tree's page (and so its sub-page)
    outsider: object  # no access at all


@pytest.fixture
def people(tree, make_user, member_of):
    from ipai_platform_permissions import services as permissions

    editor = member_of(make_user(), "member")
    viewer = member_of(make_user(), "guest")
    permissions.grant(tree.admin, tree.page, "view", user_id=viewer.pk)
    return People(admin=tree.admin, editor=editor, viewer=viewer, outsider=make_user())


@pytest.fixture
def hidden(tree, people):
    """A page under the tree's page that the editor may not see (an explicit "none" grant), with a sub-page."""
    from ipai_platform_permissions import services as permissions
    from ipai_workos_core import services

    page = services.create_page(tree.admin, parent=tree.page, title="Salaries")
    below = services.create_page(tree.admin, parent=page, title="Salaries 2026")
    permissions.grant(tree.admin, page, "none", user_id=people.editor.pk)
    return page, below
