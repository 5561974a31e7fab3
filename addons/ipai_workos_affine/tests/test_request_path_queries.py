"""The SQL statements of each request of the load mix (issue 19, benchmarks/load): page, page blocks, space tree,
view rows, create page, append block, edit block — through the whole middleware stack with a bearer token, as a
member (not an administrator: the permission walk runs in full). Each count is exact, so a new statement per
request shows up here, and the lists are measured at two sizes, so a statement per page, block or row (an N+1)
fails even where the counts were updated on purpose. Plus: the request log names the user of a token request."""

from __future__ import annotations

import itertools
import logging
import re

import pytest
from django.db import connection
from django.test import TestCase

from ipai_platform_permissions import services as permissions
from ipai_workos_blocks import services as blocks
from ipai_workos_core import services as core
from ipai_workos_db import services as db
from ipai_workos_views import services as views

# Transaction control is not work: savepoints come and go with Django's nesting of atomic blocks.
CONTROL = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT|BEGIN|COMMIT)\b", re.IGNORECASE)

# Statements per request (SQLite, PostgreSQL). Reads: the token with its user, the object with its space and
# workspace, its permission chain (the parent pages, the role, the grants of the user and their groups) once per
# request, then what the answer needs. Writes check before their transaction (the check inside it answers from
# the same walk: nothing has changed yet), re-read after they write, and seal their audit events as the
# transaction ends (on PostgreSQL: the deferred foreign-key checks made immediate, the chain's advisory lock and
# its head in one round trip, then one INSERT; inside a test's transaction, which goes on, the checks are
# deferred again: one statement more than in production). Block writes lock their page first on PostgreSQL (FOR
# NO KEY UPDATE: ipai_workos_core.services.lock_pages). A block write keeps the search index right in its
# transaction (the page's chain and text — not its comments, which hold its title only; on PostgreSQL the chunks
# of its text and its vector in one round trip: ~8 statements of an edit). A count is of round trips: one
# ``execute`` of several statements counts once.
EXPECTED = {
    "read_page": (4, 4),
    "read_blocks": (7, 7),
    "read_tree": (5, 5),
    "read_rows": (7, 7),
    "create_page": (24, 24),
    "append_block": (21, 22),
    "edit_block": (20, 21),
}


class Statements:
    def __init__(self):
        self.sql: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        if not CONTROL.match(sql):
            self.sql.append(sql)
        return execute(sql, params, many, context)


def statements_of(send) -> list[str]:
    """The statements of one request, with those of what it runs once it committed (``on_commit``: a test's
    transaction never commits, so they are run here as production runs them)."""
    recorder = Statements()
    with connection.execute_wrapper(recorder), TestCase.captureOnCommitCallbacks(execute=True):
        response = send()
    assert response.status_code < 400, response.content
    return recorder.sql


@pytest.fixture
def workspace(tree, make_user, member_of, api_for):
    """A member's token, and a space whose size grows with ``grow()``: pages with blocks, a database with a view."""
    member = member_of(make_user(), "member")
    database = db.create_database(tree.admin, space=tree.space, title="Tasks", properties=[
        {"name": "Points", "type": "number"}, {"name": "Tag", "type": "select", "config": {"options": ["a", "b"]}},
        {"name": "Owner", "type": "person"}])
    view = views.create_view(tree.admin, database, name="All", config={"sorts": [{"property": "Points", "direction": "descending"}]})
    scratch = core.create_space(tree.admin, tree.workspace, "Scratch")

    class Workspace:
        api = api_for(member)
        pages: list = []

        def grow(self, count: int):
            for n in range(count):
                parent = self.pages[-1] if self.pages and n % 2 else None
                page = core.create_page(tree.admin, space=tree.space if parent is None else None, parent=parent, title=f"Page {len(self.pages)}")
                trees = [{"type": "paragraph", "content": {"text": [{"text": f"block {b}"}]}, "children": []} for b in range(3)]
                blocks.replace_document(tree.admin, page, trees, base_version=blocks.document_version(page))
                self.pages.append(page)
                db.create_row(tree.admin, database, {"Name": f"Row {n}", "Points": n, "Tag": "a", "Owner": [member.pk]})
                db.create_row(tree.admin, database, {"Name": f"Row {n}b", "Points": n, "Tag": "b", "Owner": [tree.admin.pk]})

    space = Workspace()
    space.tree, space.view, space.scratch = tree, view, scratch
    space.grow(3)
    return space


def mix(workspace) -> dict:
    api, page = workspace.api, workspace.pages[0]
    block_id = blocks.document(page)[0]["id"]
    edits = itertools.count()  # each edit changes the text: an edit that changes nothing writes nothing
    return {
        "read_page": lambda: api.get(f"/pages/{page.pk}"),
        "read_blocks": lambda: api.get(f"/pages/{page.pk}/blocks"),
        "read_tree": lambda: api.get(f"/spaces/{workspace.tree.space.pk}/tree"),
        "read_rows": lambda: api.get(f"/views/{workspace.view.pk}/rows", limit=100),
        "create_page": lambda: api.post("/pages", {"space_id": workspace.scratch.pk, "title": "Note"}),
        "append_block": lambda: api.post(f"/pages/{page.pk}/blocks", {"type": "paragraph", "content": {"text": [{"text": "more"}]}}),
        "edit_block": lambda: api.patch(f"/blocks/{block_id}", {"content": {"text": [{"text": f"edited {next(edits)}"}]}}),
    }


@pytest.mark.parametrize("endpoint", list(EXPECTED))
def test_each_request_of_the_mix_costs_a_fixed_number_of_statements(workspace, endpoint):
    send = mix(workspace)[endpoint]
    send()  # first request of a process: caches filled (content types, registries)
    small = statements_of(send)
    workspace.grow(6)  # three times the pages, blocks and rows
    large = statements_of(mix(workspace)[endpoint])

    assert len(large) == len(small), "a statement per item (N+1):\n" + "\n".join(large)
    assert len(small) == EXPECTED[endpoint][connection.vendor == "postgresql"], "\n".join(small)


def test_a_read_request_walks_the_permission_chain_once(workspace):
    # GET /pages/{id} asks for the user's level on the page twice (the check, then the answer's parent and
    # space): the grants, the role and the chain's objects are read once.
    page = workspace.pages[0]
    sql = statements_of(lambda: workspace.api.get(f"/pages/{page.pk}"))
    assert sum('FROM "ipai_permission"' in s for s in sql) == 1
    assert sum('FROM "ipai_workos_workspace_member"' in s for s in sql) == 1


def test_a_write_request_sees_access_it_changed(workspace, make_user, api_for):
    # The request memo is for reads: a write that restricts a page answers with the page as it is after it.
    tree = workspace.tree
    api = api_for(tree.admin)
    assert api.post(f"/pages/{tree.page.pk}/restrict", {"restricted": True}).json()["restricted"] is True
    assert workspace.api.get(f"/pages/{tree.page.pk}").status_code == 404  # the member no longer sees it
    assert permissions.can(tree.admin, "read", tree.page)


def test_request_log_names_the_user_of_a_token_request(workspace, caplog):
    page = workspace.pages[0]
    with caplog.at_level(logging.INFO, logger="workos.http"):
        response = workspace.api.get(f"/pages/{page.pk}")
    assert response.status_code == 200
    lines = [record.getMessage() for record in caplog.records if record.name == "workos.http"]
    member = response.wsgi_request.user.get_username()
    assert any(f"GET /api/v1/pages/{page.pk} 200" in line and f"user={member} " in line for line in lines), lines
