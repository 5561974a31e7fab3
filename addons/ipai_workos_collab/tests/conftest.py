"""Fixtures of the collaboration tests: people at a given role and level on the shared tree's page."""

from __future__ import annotations

import pytest


@pytest.fixture
def person(tree, make_user, member_of):
    """``person(role, level=None)``: a new user with ``role`` in the tree's workspace (admin, member, guest, or
    outsider: none) and, with ``level``, that grant on the tree's page."""
    from ipai_platform_permissions import services as permissions

    def make(role: str, level: str | None = None):
        user = make_user()
        if role != "outsider":
            member_of(user, role)
        if level is not None:
            permissions.grant(tree.admin, tree.page, level, user_id=user.pk)
        return user

    return make


def text(value: str) -> dict:
    return {"text": [{"text": value}]}


def mention(user, before: str = "hi ") -> dict:
    return {"text": [{"text": before}, {"mention": {"kind": "user", "id": user.pk}, "text": f"@{user.username}"}]}
