"""Fixtures of the template tests: people at each access level in the shared workspace tree."""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass
class People:
    admin: object
    editor: object  # workspace member: edits the team space
    viewer: object  # guest with a view grant on the space
    outsider: object  # no access at all


@pytest.fixture
def people(tree, make_user, member_of):
    from ipai_platform_permissions import services as permissions

    editor = member_of(make_user(), "member")
    viewer = member_of(make_user(), "guest")
    permissions.grant(tree.admin, tree.space, "view", user_id=viewer.pk)
    return People(admin=tree.admin, editor=editor, viewer=viewer, outsider=make_user())


def system(name: str):
    from ipai_workos_templates.models import Template

    return Template.objects.get(workspace__isnull=True, database__isnull=True, name=name)
