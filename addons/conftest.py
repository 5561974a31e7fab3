"""Fixtures shared by the modules' tests: users, API clients with bearer tokens, and a workspace tree."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass

import pytest
from django.test import Client

_numbers = itertools.count(1)


@pytest.fixture
def make_user(db):
    from django.contrib.auth import get_user_model

    def make(username: str | None = None, *, admin: bool = False, password: str = "correct-horse-9"):
        username = username or f"user{next(_numbers)}"
        model = get_user_model()
        if admin:
            return model.objects.create_superuser(username=username, email=f"{username}@example.com", password=password)
        return model.objects.create_user(username=username, email=f"{username}@example.com", password=password)

    return make


class ApiClient:
    """Django's test client speaking JSON to /api/v1 with a bearer token: the same routing and middleware as a
    real request."""

    def __init__(self, token: str | None):
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def _send(self, method: str, path: str, body=None, **params):
        url = "/api/v1" + path
        call = getattr(self.client, method)
        if method in ("get", "delete") and body is None:
            return call(url, params, **self.headers) if method == "get" else call(url + _query(params), **self.headers)
        return call(url + _query(params), data=json.dumps(body if body is not None else {}), content_type="application/json", **self.headers)

    def get(self, path, **params):
        return self._send("get", path, **params)

    def post(self, path, body=None, **params):
        return self._send("post", path, body, **params)

    def patch(self, path, body=None, **params):
        return self._send("patch", path, body, **params)

    def put(self, path, body=None, **params):
        return self._send("put", path, body, **params)

    def delete(self, path, **params):
        return self._send("delete", path, **params)


def _query(params: dict) -> str:
    from urllib.parse import urlencode

    return ("?" + urlencode(params)) if params else ""


@pytest.fixture
def api_for(db):
    """``api_for(user, read_only=False)`` -> an ApiClient authenticated with a fresh personal token."""
    from workos.api.services import create_token

    def make(user=None, read_only: bool = False) -> ApiClient:
        if user is None:
            return ApiClient(None)
        _token, raw = create_token(user, "test", read_only)
        return ApiClient(raw)

    return make


@dataclass
class Tree:
    workspace: object
    space: object
    page: object
    subpage: object
    admin: object


@pytest.fixture
def tree(make_user):
    """A workspace with a team space, a page and a sub-page, created by its admin through the services."""
    from ipai_workos_core import services

    admin = make_user("owner")
    workspace = services.create_workspace(admin, "Acme")
    space = services.create_space(admin, workspace, "Engineering")
    page = services.create_page(admin, space=space, title="Handbook")
    subpage = services.create_page(admin, parent=page, title="Onboarding")
    return Tree(workspace, space, page, subpage, admin)


@pytest.fixture
def member_of(tree):
    """``member_of(user, role)`` adds ``user`` to the tree's workspace through the service."""
    from ipai_workos_core import services

    def add(user, role: str = "member"):
        services.add_member(tree.admin, tree.workspace, user.pk, role)
        return user

    return add
